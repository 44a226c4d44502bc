"""Static checks: formatting, validation, checkov, shellcheck of the rendered script, ruff."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import hcl2
import pytest

from layout import CONFIGS
from nbattr.harness.workspace import copy_module_tree, prepare
from plan_summary import planned_outputs, planned_resources

BIN = Path(sys.executable).parent


def test_terraform_fmt(tools, project):
    done = subprocess.run(
        [tools.terraform.binary, "fmt", "-check", "-recursive", "-diff", "-no-color"],
        cwd=project,
        capture_output=True,
        text=True,
        env=tools.env(),
    )
    assert done.returncode == 0, f"unformatted Terraform:\n{done.stdout}{done.stderr}"


def _validate(tools, tmp_path, config) -> dict:
    ws = prepare(tools, None, tmp_path, config)
    ws.init()
    return json.loads(ws.run("validate", "-json", "-no-color").out)


@pytest.mark.parametrize("config", CONFIGS)
def test_terraform_validate_without_deprecations(config, tools, tmp_path):
    """Valid, and no warning: the provider reports a deprecated argument as a warning."""
    result = _validate(tools, tmp_path, config)
    assert result["valid"], result["diagnostics"]
    assert result["warning_count"] == 0, [d["summary"] for d in result["diagnostics"]]


def test_validate_reports_a_deprecated_argument(tools, tmp_path, project):
    """The check above can fail: `is_enabled`, deprecated in provider 5.27 for `state`."""
    copy = tmp_path / "copy"
    copy_module_tree(project, copy)
    rule = copy / "modules" / "unattributed-alert" / "deprecated.tf"
    rule.write_text(
        'resource "aws_cloudwatch_event_rule" "old" {\n'
        '  name          = "old"\n'
        '  event_pattern = jsonencode({ source = ["aws.sts"] })\n'
        "  is_enabled    = true\n"
        "}\n"
    )
    ws = prepare(tools, None, tmp_path / "copy-run", "modules/unattributed-alert", project=copy)
    ws.init()
    warned = json.loads(ws.run("validate", "-json", "-no-color").out)
    (warning,) = warned["diagnostics"]
    assert warning["severity"] == "warning" and warning["summary"] == "Argument is deprecated"
    assert warning["snippet"]["code"].strip().startswith("is_enabled"), warning


@pytest.mark.long
def test_checkov_is_clean_offline(project, reports_dir, tmp_path):
    junit = reports_dir / "checkov-junit.xml"
    env = {
        **os.environ,
        "BC_SKIP_MAPPING": "TRUE",  # no guideline download from the vendor platform
        "CKV_CACHE_DIR": str(tmp_path),
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    done = subprocess.run(
        [
            str(BIN / "checkov"),
            "-d",
            ".",
            "--config-file",
            ".checkov.yaml",
            "--output",
            "cli",
            "--output",
            "junitxml",
            "--output-file-path",
            f"console,{junit}",
        ],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    suites = ElementTree.parse(junit).getroot()
    tests = sum(int(suite.get("tests", 0)) for suite in suites.iter("testsuite"))
    failures = sum(int(suite.get("failures", 0)) for suite in suites.iter("testsuite"))
    assert tests > 0 and failures == 0


SKIP = re.compile(r"#\s*checkov:skip=([A-Z0-9_]+)(?::(.*))?")


def test_every_checkov_skip_is_justified(project):
    skips = []
    for tf_file in project.rglob("*.tf"):
        if ".terraform" in tf_file.parts or tf_file.name.startswith("_nbattr"):
            continue
        for line in tf_file.read_text().splitlines():
            match = SKIP.search(line)
            if match:
                skips.append((tf_file.relative_to(project), match.group(1), match.group(2)))
    assert skips, "expected the documented skips (e.g. CKV2_AWS_68 on the notebook role link)"
    unjustified = [skip for skip in skips if not skip[2] or len(skip[2].split()) < 5]
    assert not unjustified, f"skips need a reason of a few words: {unjustified}"


@pytest.fixture(scope="module")
def rendered_scripts(tools, emulator, tmp_path_factory):
    """The on-start script exactly as Terraform renders it, for each mode."""
    ws = prepare(tools, emulator, tmp_path_factory.mktemp("render"), ".")
    ws.init()
    scripts = {}
    for mode, extra in (("strict", ""), ("best-effort", "# our packages\nyum install -y htop\n")):
        settings = {"output": "json", "cli_history": "enabled"} if extra else {}
        tf_vars = {"role_name": "render", "on_start_mode": mode, "extra_on_start": extra}
        plan = ws.plan(tf_vars={**tf_vars, "aws_config_settings": settings})
        scripts[mode] = planned_outputs(plan)["on_start_script"]
    return scripts


@pytest.mark.parametrize("mode", ["strict", "best-effort"])
def test_rendered_script_is_shellcheck_clean(mode, rendered_scripts, tmp_path):
    script = tmp_path / "on-start.sh"
    script.write_text(rendered_scripts[mode])
    done = subprocess.run(
        [str(BIN / "shellcheck"), "--shell=bash", "--severity=style", str(script)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout


def test_rendered_script_carries_plan_time_settings(rendered_scripts):
    strict, lenient = rendered_scripts["strict"], rendered_scripts["best-effort"]
    assert "readonly ROLE_ARN='arn:aws:iam::123456789012:role/service-role/render'" in strict
    assert "readonly MODE='strict'" in strict and "readonly MODE='best-effort'" in lenient
    assert "yum install -y htop" in lenient and "NBATTR_EXTRA_ON_START_EOF" not in strict
    # Our full-line comments are stripped at render (size); the shebang and the caller's stay.
    assert strict.startswith("#!/bin/bash\n") and "\n# our packages\n" in lenient
    assert not re.search(r"^\s*#(?!!)", strict, re.MULTILINE)
    # No AWS call on the default path: the script never invokes the CLI or an SDK.
    assert not re.search(r"^\s*(aws|python3?)\s", strict, re.MULTILINE)


def test_python_is_ruff_clean(project):
    for args in (["check"], ["format", "--check"]):
        done = subprocess.run(
            [str(BIN / "ruff"), *args, "src", "tests", "bench"],
            cwd=project,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stdout + done.stderr


def test_readme_starts_with_the_two_commands(project):
    first_block = (project / "README.md").read_text().split("```")[1]
    commands = [line.split("#")[0].strip() for line in first_block.splitlines()[1:] if line]
    assert commands == ["make demo", "make test"]
    assert "make test" in (project / ".ci" / "run").read_text()


def _plan_readme_block(tools, emulator, project, tmp_path, heading: str, source: str) -> dict:
    """Plan the first hcl block after `heading` (a regex) in the README, its first `source`
    pointed at `source` (relative to a caller folder under examples/): the planned resources."""
    block = re.search(
        heading + r"\n.*?```hcl\n(.*?)```", (project / "README.md").read_text(), re.DOTALL
    )
    assert block, f"README has no hcl block under {heading}"
    tree = copy_module_tree(project, tmp_path / "source")
    caller = tree / "examples" / "readme-block"
    caller.mkdir()
    hcl = re.sub(r'source\s*=\s*"[^"]*"', f'source = "{source}"', block.group(1), count=1)
    (caller / "main.tf").write_text('provider "aws" {\n  region = "us-east-1"\n}\n\n' + hcl)
    ws = prepare(tools, emulator, tmp_path / "work", "examples/readme-block", project=tree)
    ws.init()
    return planned_resources(ws.plan())


def test_readme_usage_block_plans(tools, emulator, project, tmp_path):
    """The README's usage example is real HCL that plans against the module."""
    resources = _plan_readme_block(tools, emulator, project, tmp_path, "## Usage\n", "../..")
    notebooks = {v["name"] for a, v in resources.items() if a.endswith("notebook_instance.this")}
    assert notebooks == {"alice-exploration", "bob-training"}


def test_readme_athena_block_plans(tools, emulator, project, tmp_path):
    """The README's Athena example (the module, and its query policy attached) plans."""
    resources = _plan_readme_block(
        tools, emulator, project, tmp_path, "### On Athena", "../../modules/athena-attribution"
    )
    assert "aws_iam_role_policy.responders_query_attribution" in resources
    assert any(a.endswith("aws_glue_catalog_table.this") for a in resources), sorted(resources)


# Root variables that repeat a submodule's default, so that the root README shows it.
REPEATED_DEFAULTS = [
    pytest.param(
        "enforcement_allowed_base_actions", "modules/execution-role",
        "enforcement_allowed_base_actions", "sts:AssumeRole", id="enforcement allow-list",
    ),
    pytest.param(
        "unattributed_alert_ignored_event_names", "modules/unattributed-alert",
        "ignored_event_names", "AssumeRole", id="alert ignored events",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("root_name", "module", "module_name", "needed"), REPEATED_DEFAULTS)
def test_root_and_module_defaults_agree(project, root_name, module, module_name, needed):
    def default(path: str, name: str) -> list[str]:
        with (project / path / "variables.tf").open() as handle:
            variables = hcl2.load(handle)["variable"]
        (block,) = [v for v in variables if name in v]
        return list(block[name]["default"][0])

    root = default(".", root_name)
    assert root == default(module, module_name)
    assert needed in root
