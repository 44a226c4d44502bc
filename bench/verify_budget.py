"""How much of CloudTrail's 2 requests/second budget `nbattr verify` uses, and `make demo` time.

Run: make bench-verify   (or: .venv/bin/python bench/verify_budget.py)

The emulator enforces AWS's LookupEvents limit (2 per second per region). A workload of
notebooks whose events span several pages makes verify issue many requests back to back;
we report its achieved rate as a fraction of the budget and how many were throttled, then
time one `nbattr demo` run. Not a test: nothing here asserts a number.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from nbattr.emulator import Emulator
from nbattr.harness.toolchain import clean_environ

NBATTR = str(Path(sys.executable).parent / "nbattr")
NOTEBOOKS = 6
CALLS_EACH = 120  # three pages of 50 per notebook


def measure_verify() -> dict:
    with Emulator() as emulator:
        role_arn = emulator.client("iam").create_role(
            RoleName="bench", AssumeRolePolicyDocument="{}"
        )["Role"]["Arn"]
        names = [f"nb-{index}" for index in range(NOTEBOOKS)]
        for name in names:  # verify refuses at once to wait for a notebook that does not exist
            emulator.client("sagemaker").create_notebook_instance(
                NotebookInstanceName=name, InstanceType="ml.t3.medium", RoleArn=role_arn
            )
            client = emulator.client_as(role_arn, name)
            for _ in range(CALLS_EACH):
                client.get_caller_identity()
        flags = [arg for name in names for arg in ("--notebook", name)]
        done = subprocess.run(
            [NBATTR, "verify", "--role", role_arn, *flags, "--endpoint-url", emulator.endpoint,
             "--region", "us-east-1", "--since", "15m", "--timeout", "2m", "--format", "json"],
            env=clean_environ(emulator.aws_environ()), capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise SystemExit(f"verify failed: {done.stdout}{done.stderr}")
        lookups = json.loads(done.stdout)["lookups"]
        lookups["emulator_throttled"] = emulator.cloudtrail.lookups_throttled
        return dict(lookups)


def measure_demo() -> float:
    started = time.monotonic()
    subprocess.run([NBATTR, "demo"], check=True, capture_output=True)
    return time.monotonic() - started


def main() -> None:
    lookups = measure_verify()
    rate = lookups["requests_per_second"]
    print(
        f"verify: {lookups['requests']} LookupEvents requests, {rate:.2f}/s = "
        f"{rate / 2.0:.0%} of the 2/s budget; throttled: {lookups['throttled']} seen by verify, "
        f"{lookups['emulator_throttled']} refused by the emulator"
    )
    print(f"demo:   `nbattr demo` wall time {measure_demo():.1f} s (after the first install)")
    print("reproduce: make bench-verify")


if __name__ == "__main__":
    main()
