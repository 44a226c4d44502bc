"""`nbattr verify` on a fleet of 200 notebooks at CloudTrail's 2 requests/second: the
lookups per notebook (`--lookup-by notebook`, as before) against one paginated lookup of the
role's AssumeRole events (`--lookup-by role`), side by side on the same trail in one run.

Run: make bench-verify-fleet   (or: .venv/bin/python bench/verify_fleet.py --notebooks 200)

Every notebook starts as SageMaker starts it with the module: its base credentials (session
`SageMaker`) assume the role under its name and make one call as itself. Both verify runs
are the installed command on the real clock against the emulator's real 2/s bucket; we
report the LookupEvents requests each used (the emulator's count) and its wall time. Not a
test: nothing here asserts a number.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import boto3

from nbattr.emulator import Emulator
from nbattr.harness.toolchain import clean_environ

NBATTR = str(Path(sys.executable).parent / "nbattr")


def start_fleet(emulator: Emulator, role_arn: str, names: list[str]) -> None:
    for name in names:
        emulator.client("sagemaker").create_notebook_instance(
            NotebookInstanceName=name, InstanceType="ml.t3.medium", RoleArn=role_arn
        )
        base = emulator.client_as(role_arn, "SageMaker")  # the instance's base credentials
        credentials = base.assume_role(RoleArn=role_arn, RoleSessionName=name)["Credentials"]
        boto3.session.Session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
            region_name="us-east-1",
        ).client("sts", endpoint_url=emulator.endpoint).get_caller_identity()


def run_verify(emulator: Emulator, role_arn: str, names: list[str], mode: str) -> dict:
    served = emulator.cloudtrail.lookups_served
    flags = [arg for name in names for arg in ("--notebook", name)]
    started = time.monotonic()
    done = subprocess.run(
        [NBATTR, "verify", "--role", role_arn, *flags, "--endpoint-url", emulator.endpoint,
         "--region", "us-east-1", "--since", "15m", "--timeout", "10m", "--format", "json",
         "--lookup-by", mode],
        env=clean_environ(emulator.aws_environ()), capture_output=True, text=True, check=False,
    )  # fmt: skip
    wall = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"verify --lookup-by {mode} failed: {done.stdout}{done.stderr}")
    report = json.loads(done.stdout)
    return {
        "requests": emulator.cloudtrail.lookups_served - served,
        "lookup_seconds": report["lookups"]["seconds"],
        "wall": wall,
        "verdicts": {n["name"]: n["result"] for n in report["notebooks"]},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notebooks", type=int, default=200)
    count = parser.parse_args().notebooks
    names = [f"nb-{index:03}" for index in range(count)]
    with Emulator() as emulator:
        role_arn = emulator.client("iam").create_role(
            RoleName="fleet", AssumeRolePolicyDocument="{}"
        )["Role"]["Arn"]
        start_fleet(emulator, role_arn, names)
        before = run_verify(emulator, role_arn, names, "notebook")
        after = run_verify(emulator, role_arn, names, "role")
    same = before["verdicts"] == after["verdicts"]
    print(f"verify on {count} notebooks at 2 LookupEvents requests/s (same verdicts: {same})")
    for label, result in (("per notebook", before), ("role lookup ", after)):
        print(
            f"  {label}: {result['requests']:4d} requests, "
            f"lookups {result['lookup_seconds']:6.1f} s, wall {result['wall']:6.1f} s"
        )
    print(
        f"  ratio: {before['requests'] / after['requests']:.0f}x fewer requests, "
        f"{before['wall'] / after['wall']:.1f}x less wall time"
    )
    print("reproduce: make bench-verify-fleet")


if __name__ == "__main__":
    main()
