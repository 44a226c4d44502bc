"""The `nbattr` command line outside verify: the standalone emulator and the toolchain report."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import boto3

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
