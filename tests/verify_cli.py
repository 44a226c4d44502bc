"""`nbattr verify` run as users run it (the installed command, a clean environment), pointed
at the emulator, with polling options short enough for tests."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from nbattr.harness.toolchain import clean_environ

NBATTR = str(Path(sys.executable).parent / "nbattr")
FAST = ["--since", "15m", "--timeout", "4s", "--poll-interval", "1s", "--region", "us-east-1"]


def verify(emulator, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [NBATTR, "verify", "--endpoint-url", emulator.endpoint, *args],
        env=clean_environ(emulator.aws_environ()),
        capture_output=True,
        text=True,
        timeout=120,
    )


def verify_notebooks(emulator, role, notebooks, *extra: str) -> subprocess.CompletedProcess[str]:
    """verify --role ROLE --notebook N... with the fast polling options and `extra`."""
    flags = [arg for name in notebooks for arg in ("--notebook", name)]
    return verify(emulator, "--role", role, *flags, *FAST, *extra)


def as_json(done: subprocess.CompletedProcess[str]) -> dict:
    assert done.stdout, done.stderr
    return json.loads(done.stdout)
