"""The example CI workflow, examples/ci/github-actions.yml: its structure, and that every
command it runs exists here: `make` targets in the Makefile, `nbattr` subcommands and flags in
the real CLI, `terraform` subcommands and flags in the harness's Terraform.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from nbattr.harness.toolchain import clean_environ, find_terraform
from nbattr.harness.workspace import find_project_root

PROJECT = find_project_root(Path(__file__).parent)
WORKFLOW_FILE = PROJECT / "examples" / "ci" / "github-actions.yml"
NBATTR = Path(sys.executable).parent / "nbattr"
# The agreed contract of `nbattr verify`; the workflow may pass nothing else.
VERIFY_CONTRACT_FLAGS = {
    "--role",
    "--notebook",
    "--all-notebooks",
    "--since",
    "--timeout",
    "--region",
    "--endpoint-url",
    "--format",
    "--output",
    "--fail-on-unattributed",
    "--fail-on-spoof",
}
# `terraform destroy -help` documents only its own options and points at apply and plan.
TERRAFORM_HELP_ALSO = {"destroy": ("apply", "plan")}
SHELL_OPERATORS = set(";&|()")
ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")


def _load_workflow() -> dict[str, Any]:
    return yaml.safe_load(WORKFLOW_FILE.read_text())


WORKFLOW = _load_workflow()


def _triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    # YAML 1.1, which PyYAML implements, reads a bare `on` key as the boolean true.
    triggers = workflow.get("on", workflow.get(True))
    assert isinstance(triggers, dict), f"`on:` should be a mapping, got {triggers!r}"
    return triggers


def _steps(job: str) -> list[dict[str, Any]]:
    return WORKFLOW["jobs"][job]["steps"]


def _shell_commands(script: str) -> Iterator[list[str]]:
    """Each simple command (argv, leading VAR=value dropped) of a bash script, with those
    inside command substitutions; comments and line continuations are handled."""
    for line in script.replace("\\\n", " ").splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        command: list[str] = []
        for token in [*lexer, ";"]:
            if set(token) <= SHELL_OPERATORS:
                yield from _simple_command(command)
                command = []
            else:
                command.append(token)


def _simple_command(tokens: list[str]) -> Iterator[list[str]]:
    for token in tokens:  # "$(...)" quoted stays one token: parse what it runs
        for inner in re.findall(r"\$\(([^()]*)\)", token):
            yield from _shell_commands(inner)
    while tokens and ASSIGNMENT.match(tokens[0]):
        tokens = tokens[1:]
    if tokens:
        yield tokens


def _calls(program: str) -> list[list[str]]:
    """Every invocation of `program` in the workflow's run steps, as its arguments."""
    found = []
    for job in WORKFLOW["jobs"].values():
        for step in job["steps"]:
            for argv in _shell_commands(step.get("run", "")):
                if Path(argv[0]).name == program:
                    found.append(argv[1:])
    return found


def _subcommand(args: list[str]) -> str:
    positional = [arg for arg in args if not arg.startswith("-")]
    assert positional, f"no subcommand in {args}"
    return positional[0]


def _flags(args: list[str]) -> set[str]:
    return {arg.split("=", 1)[0] for arg in args if arg.startswith("-")}


def _mentions(help_text: str, flag: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", help_text) is not None


def _run(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, capture_output=True, text=True, timeout=120, env=env, cwd=PROJECT, check=False
    )


NBATTR_SUBCOMMANDS = sorted({_subcommand(args) for args in _calls("nbattr")})
TERRAFORM_SUBCOMMANDS = sorted({_subcommand(args) for args in _calls("terraform")})


# Structure


def test_triggers_pull_request_push_to_main_and_manual_destroy_input():
    triggers = _triggers(WORKFLOW)
    assert "pull_request" in triggers
    assert triggers["push"]["branches"] == ["main"]
    destroy = triggers["workflow_dispatch"]["inputs"]["destroy_after_verify"]
    assert destroy["type"] == "boolean" and destroy["default"] is False


def test_permissions_allow_oidc_and_nothing_more():
    assert WORKFLOW["permissions"] == {"id-token": "write", "contents": "read"}


def test_plan_job_runs_fmt_init_validate_plan_on_pull_requests_only():
    plan = WORKFLOW["jobs"]["plan"]
    assert "github.event_name == 'pull_request'" in plan["if"]
    assert "examples/basic" in plan["defaults"]["run"]["working-directory"]
    order = [_subcommand(args) for step in plan["steps"] for args in _tf_calls(step)]
    assert order == ["fmt", "init", "validate", "plan"]
    assert any("-check" in args for step in plan["steps"] for args in _tf_calls(step))


def _tf_calls(step: dict[str, Any]) -> list[list[str]]:
    commands = _shell_commands(step.get("run", ""))
    return [argv[1:] for argv in commands if Path(argv[0]).name == "terraform"]


def _step_index(job: str, predicate: Any) -> int:
    matches = [index for index, step in enumerate(_steps(job)) if predicate(step)]
    assert len(matches) == 1, f"expected one such step in {job}, found {len(matches)}"
    return matches[0]


def test_deploy_job_applies_verifies_audits_uploads_and_destroys_only_on_request():
    deploy = WORKFLOW["jobs"]["deploy"]
    assert "refs/heads/main" in deploy["if"] and "pull_request" in deploy["if"]
    assert "examples/basic" in deploy["defaults"]["run"]["working-directory"]

    apply = _step_index(
        "deploy", lambda s: any(a[:2] == ["apply", "-auto-approve"] for a in _tf_calls(s))
    )
    verify = _step_index("deploy", lambda s: "nbattr verify" in s.get("run", ""))
    audit = _step_index("deploy", lambda s: "nbattr audit" in s.get("run", ""))
    upload = _step_index("deploy", lambda s: s.get("uses", "").startswith("actions/upload-"))
    destroy = _step_index("deploy", lambda s: any(a[0] == "destroy" for a in _tf_calls(s)))
    assert apply < verify < audit < upload < destroy

    verify_run = _steps("deploy")[verify]["run"]
    (verify_args,) = (a[1:] for a in _shell_commands(verify_run) if Path(a[0]).name == "nbattr")
    assert verify_args[0] == "verify"
    expected = ["--all-notebooks", "--fail-on-unattributed", "--format", "junit"]
    assert all(arg in verify_args for arg in expected), verify_args
    for flag, value in (("--since", "30m"), ("--timeout", "20m")):
        assert verify_args[verify_args.index(flag) + 1] == value
    assert verify_args[verify_args.index("--output") + 1].endswith("verify-junit.xml")
    assert "terraform output -raw role_arn" in verify_run

    audit_step = _steps("deploy")[audit]
    (audit_args,) = (
        a[1:] for a in _shell_commands(audit_step["run"]) if Path(a[0]).name == "nbattr"
    )
    assert (
        audit_args[0] == "audit" and "cancelled()" in audit_step["if"]
    )  # also after a failed verify
    for flag, value in (("--terraform-dir", "."), ("--fail-on", "high"), ("--format", "sarif")):
        assert audit_args[audit_args.index(flag) + 1] == value
    assert audit_args[audit_args.index("--output") + 1].endswith("audit.sarif")

    upload_step = _steps("deploy")[upload]
    assert upload_step["with"]["path"].split() == ["verify-junit.xml", "audit.sarif"]
    assert "cancelled()" in upload_step["if"] or "always()" in upload_step["if"]
    assert "inputs.destroy_after_verify" in _steps("deploy")[destroy]["if"]


def test_credentials_through_oidc_from_repository_variables():
    for job, role_variable in (("plan", "AWS_PLAN_ROLE_ARN"), ("deploy", "AWS_DEPLOY_ROLE_ARN")):
        (step,) = (s for s in _steps(job) if "configure-aws-credentials" in s.get("uses", ""))
        assert f"vars.{role_variable}" in step["with"]["role-to-assume"]
        assert "vars.AWS_DEPLOY_ROLE_ARN" in step["with"]["role-to-assume"]
        assert step["with"]["aws-region"] == "${{ vars.AWS_REGION }}"
        assert not any("secrets." in str(value) for value in step["with"].values())


def test_every_action_pinned_by_major_tag_or_commit_and_terraform_version():
    for job in WORKFLOW["jobs"]:
        for step in _steps(job):
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w.-]+@(v\d+|[0-9a-f]{40})", step["uses"]), step
            if step.get("uses", "").startswith("hashicorp/setup-terraform@"):
                assert step["with"]["terraform_version"] == "1.15.5"
                assert step["with"]["terraform_wrapper"] is False  # keeps `output -raw` raw


def test_verify_flags_belong_to_the_agreed_contract():
    calls = [args for args in _calls("nbattr") if _subcommand(args) == "verify"]
    assert calls, "the workflow never runs `nbattr verify`"
    used = set().union(*(_flags(args) for args in calls))
    assert used <= VERIFY_CONTRACT_FLAGS, used - VERIFY_CONTRACT_FLAGS


# Every command exists


def test_workflow_uses_the_expected_commands():
    assert {"verify", "audit"} <= set(NBATTR_SUBCOMMANDS)
    expected = {"fmt", "init", "validate", "plan", "apply", "output", "destroy"}
    assert expected <= set(TERRAFORM_SUBCOMMANDS)


@pytest.mark.parametrize("subcommand", NBATTR_SUBCOMMANDS)
def test_nbattr_accepts_subcommand(subcommand):
    done = _run(str(NBATTR), subcommand, "--help")
    assert done.returncode == 0, (
        f"`nbattr {subcommand} --help` exited {done.returncode}:\n{done.stdout}{done.stderr}"
    )


@pytest.mark.parametrize("subcommand", NBATTR_SUBCOMMANDS)
def test_nbattr_help_lists_every_flag_the_workflow_passes(subcommand):
    done = _run(str(NBATTR), subcommand, "--help")
    assert done.returncode == 0, f"`nbattr {subcommand} --help`:\n{done.stdout}{done.stderr}"
    used = set().union(*(_flags(a) for a in _calls("nbattr") if _subcommand(a) == subcommand))
    missing = sorted(flag for flag in used if not _mentions(done.stdout, flag))
    assert not missing, f"`nbattr {subcommand} --help` does not list {missing}"


@pytest.fixture(scope="module")
def terraform_help() -> Any:
    binary = find_terraform().binary
    env = clean_environ({"CHECKPOINT_DISABLE": "1"})
    cache: dict[str, subprocess.CompletedProcess[str]] = {}

    def help_for(subcommand: str) -> subprocess.CompletedProcess[str]:
        if subcommand not in cache:
            cache[subcommand] = _run(binary, subcommand, "-help", env=env)
        return cache[subcommand]

    return help_for


@pytest.mark.parametrize("subcommand", TERRAFORM_SUBCOMMANDS)
def test_terraform_subcommand_and_flags_exist(subcommand, terraform_help):
    done = terraform_help(subcommand)
    assert done.returncode == 0, f"`terraform {subcommand} -help`:\n{done.stdout}{done.stderr}"
    text = "".join(
        terraform_help(name).stdout
        for name in (subcommand, *TERRAFORM_HELP_ALSO.get(subcommand, ()))
    )
    used = set().union(*(_flags(a) for a in _calls("terraform") if _subcommand(a) == subcommand))
    missing = sorted(flag for flag in used if not _mentions(text, flag))
    assert not missing, f"`terraform {subcommand} -help` does not list {missing}"
