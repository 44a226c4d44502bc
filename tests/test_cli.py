"""The `nbattr` command line outside verify: the standalone emulator and the toolchain report."""

from __future__ import annotations

import shlex
import signal
import subprocess
import sys
from pathlib import Path

import boto3
import yaml

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
