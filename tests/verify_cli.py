"""`nbattr verify` run as users run it (the installed command, a clean environment), pointed
at the emulator, with polling options short enough for tests; or, given a `clock`, the same
command in this process on that clock (a `manual_clock.ManualClock` lets its waits pass at
once), calling the emulator over HTTP with a boto3 session of the emulator's credentials."""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from functools import cache
from pathlib import Path

import boto3

from nbattr.emulator.constants import DEFAULT_REGION, TEST_CREDENTIALS
from nbattr.harness.toolchain import clean_environ
from nbattr.verify.clock import Clock
from nbattr.verify.command import add_arguments, run

NBATTR = str(Path(sys.executable).parent / "nbattr")
FAST = ["--since", "15m", "--timeout", "4s", "--poll-interval", "1s", "--region", "us-east-1"]


def verify(emulator, *args: str, clock: Clock | None = None) -> subprocess.CompletedProcess[str]:
    command = [NBATTR, "verify", "--endpoint-url", emulator.endpoint, *args]
    if clock is not None:
        return _in_process(command, clock)
    return subprocess.run(
        command,
        env=clean_environ(emulator.aws_environ()),
        capture_output=True,
        text=True,
        timeout=120,
    )


def verify_notebooks(
    emulator, role, notebooks, *extra: str, clock: Clock | None = None
) -> subprocess.CompletedProcess[str]:
    """verify --role ROLE --notebook N... with the fast polling options and `extra`."""
    flags = [arg for name in notebooks for arg in ("--notebook", name)]
    return verify(emulator, "--role", role, *flags, *FAST, *extra, clock=clock)


@cache
def _session() -> boto3.Session:
    """One session for every in-process run: it keeps the service models it has loaded
    (about 0.4 s of CPU for each new session's four clients)."""
    return boto3.Session(
        aws_access_key_id=TEST_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=TEST_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        region_name=DEFAULT_REGION,
    )


def _in_process(command: list[str], clock: Clock) -> subprocess.CompletedProcess[str]:
    parser = argparse.ArgumentParser(prog="nbattr verify")
    add_arguments(parser)
    args = parser.parse_args(command[2:])
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = run(args, err, clock=clock, session=_session())
    return subprocess.CompletedProcess(command, code, out.getvalue(), err.getvalue())


def as_json(done: subprocess.CompletedProcess[str]) -> dict:
    assert done.stdout, done.stderr
    return json.loads(done.stdout)
