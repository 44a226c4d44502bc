"""The `nbattr` command line outside verify: the standalone emulator and the toolchain report."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import boto3
import yaml

from nbattr.harness.provider_block import OVERRIDE_FILE, PROVIDER_FILE
from nbattr.harness.toolchain import user_terraform_settings

NBATTR = str(Path(sys.executable).parent / "nbattr")


def test_emulator_serve_prints_endpoint_and_serves_until_interrupted():
    server = subprocess.Popen(
        [NBATTR, "emulator", "serve"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        first = server.stdout.readline()
        assert first.startswith("emulator listening on http://127.0.0.1:")
        endpoint = first.split()[3]
        exports = [server.stdout.readline() for _ in range(8)]
        assert any(f"export AWS_ENDPOINT_URL={endpoint}" in line for line in exports)
        sts = boto3.client(
            "sts",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        assert sts.get_caller_identity()["Account"] == "123456789012"
    finally:
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=20) == 0


def _serve(*args: str) -> tuple[subprocess.Popen[str], str, list[str]]:
    """`nbattr emulator serve ARGS` started; its endpoint and what it printed up to `start`."""
    server = subprocess.Popen(
        [NBATTR, "emulator", "serve", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    assert server.stdout is not None
    lines = []
    for line in server.stdout:
        lines.append(line)
        if "nbattr emulator start" in line:
            break
    assert lines and lines[0].startswith("emulator listening on "), [*lines, server.stderr.read()]
    return server, lines[0].split()[3], lines


def _stop(server: subprocess.Popen[str]) -> None:
    server.send_signal(signal.SIGINT)
    assert server.wait(timeout=20) == 0


def test_serve_prints_the_provider_block_terraform_needs(tmp_path):
    server, endpoint, lines = _serve()
    try:
        printed = "".join(lines)
        assert "the AWS provider ignores AWS_ENDPOINT_URL" in printed
        block = printed[printed.index('provider "aws" {') :]
        assert f'    sagemaker = "{endpoint}"' in block and f'    iam = "{endpoint}"' in block
        assert 'region                      = "us-east-1"' in block
        assert "skip_credentials_validation = true" in block
    finally:
        _stop(server)


def test_serve_writes_the_provider_block_into_configurations(tmp_path):
    own, bare = tmp_path / "own", tmp_path / "bare"
    own.mkdir(), bare.mkdir()
    (own / "main.tf").write_text('provider "aws" {\n  region = "eu-west-1"\n}\n')
    (bare / "main.tf").write_text('module "x" {\n  source = "./x"\n}\n')
    server, endpoint, lines = _serve(
        "--write-provider-override", str(own), "--write-provider-override", str(bare)
    )
    try:
        override, whole = own / OVERRIDE_FILE, bare / PROVIDER_FILE
        assert f"wrote {override}" in "".join(lines) and f"wrote {whole}" in "".join(lines)
        # An override keeps the configuration's own region; a whole block brings one.
        assert endpoint in override.read_text() and "  region " not in override.read_text()
        assert 'region                      = "us-east-1"' in whole.read_text()
        assert not (own / PROVIDER_FILE).exists() and not (bare / OVERRIDE_FILE).exists()
    finally:
        _stop(server)
    missing = subprocess.run(
        [NBATTR, "emulator", "serve", "--write-provider-override", str(tmp_path / "nope")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert missing.returncode == 2 and "no such folder" in missing.stderr


def test_terraform_passthrough_keeps_the_users_variables_and_log(tmp_path):
    (tmp_path / "main.tf").write_text(
        'variable "team" {\n  type = string\n}\n\noutput "team" {\n  value = var.team\n}\n'
    )
    env = {**os.environ, "TF_VAR_team": "data-science", "TF_LOG": "INFO",
           "AWS_SECRET_ACCESS_KEY": "must-not-leak"}  # fmt: skip
    done = subprocess.run(
        [NBATTR, "terraform", "apply", "-auto-approve", "-no-color"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert 'team = "data-science"' in done.stdout
    assert "[INFO]" in done.stderr  # TF_LOG reached Terraform


def test_terraform_passthrough_keeps_inputs_logging_and_region_only(monkeypatch):
    shell = {"TF_VAR_team": "a", "TF_LOG": "INFO", "TF_LOG_PATH": "/tmp/x",
             "AWS_REGION": "eu-west-1", "AWS_SECRET_ACCESS_KEY": "s",
             "AWS_ENDPOINT_URL": "http://x", "TF_CLI_CONFIG_FILE": "/x"}  # fmt: skip
    for key, value in shell.items():
        monkeypatch.setenv(key, value)
    kept = user_terraform_settings()
    assert {"TF_VAR_team", "TF_LOG", "TF_LOG_PATH", "AWS_REGION"} <= set(kept)
    assert not {"AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL", "TF_CLI_CONFIG_FILE"} & set(kept)


def test_toolchain_reports_terraform_and_provider():
    done = subprocess.run([NBATTR, "toolchain"], capture_output=True, text=True)
    assert done.returncode == 0
    assert done.stdout.startswith("terraform ") and "hashicorp/aws" in done.stdout


def test_terraform_passthrough_uses_the_harness_terraform(tmp_path):
    (tmp_path / "main.tf").write_text('output "x" {\n value = 1\n}\n')  # badly formatted
    done = subprocess.run([NBATTR, "terraform", "fmt", "-check"], cwd=tmp_path, capture_output=True)
    assert done.returncode == 3  # fmt -check: files need formatting
    assert subprocess.run([NBATTR, "terraform", "fmt"], cwd=tmp_path).returncode == 0
    assert subprocess.run([NBATTR, "terraform", "fmt", "-check"], cwd=tmp_path).returncode == 0


def test_pre_commit_config_is_valid_and_calls_real_tools(project):
    bin_dir = Path(sys.executable).parent
    done = subprocess.run(
        [str(bin_dir / "pre-commit"), "validate-config", ".pre-commit-config.yaml"], cwd=project
    )
    assert done.returncode == 0
    hooks = yaml.safe_load((project / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"]
    wanted = {"terraform-fmt", "terraform-validate", "tflint", "terraform-docs", "checkov",
              "shellcheck", "ruff", "ruff-format"}  # fmt: skip
    assert {hook["id"] for hook in hooks} == wanted
    for hook in hooks:
        words = [w for w in shlex.split(hook["entry"]) if w != "env" and "=" not in w]
        tool = words[0]
        if tool.startswith(".venv/bin/"):
            if tool.endswith("tflint"):
                continue  # built by `make tools` only where Go is present
            assert (bin_dir / Path(tool).name).exists(), hook["id"]
        else:
            assert tool == "make" and words[1] in (project / "Makefile").read_text(), hook["id"]


def test_the_command_line_loads_no_emulator_until_asked():
    """`nbattr verify` runs in users' pipelines against AWS: importing moto (about two
    seconds) would only slow it down."""
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, nbattr.cli; print(sorted(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "'moto'" not in loaded and "'nbattr.emulator'" not in loaded
