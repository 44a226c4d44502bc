"""The emulator's CPU for a reset and the first calls after it: moto as it comes, and with
the harness's changes: AWS's managed policies copied from ones made once per process
(nbattr.emulator.aws_managed_policies), a reset that does not rebuild what it drops
(nbattr.emulator.moto_reset).

Run: make bench-emulator-reset   (or: .venv/bin/python bench/emulator_reset.py --runs 7)

Tests reset the emulator often (the `clean_emulator` fixture). One round here: reset, then
what a test does first: IAM and STS calls with the emulator's key, an AssumeRole and a call
with the assumed key, an EC2 call. Both sides run in one process, alternating round by
round; the CPU is the whole process's (client and server). Prints the medians and their
ratio. Not a test: nothing here asserts a number.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import boto3
from moto.core.base_backend import BaseBackend
from moto.iam import models as iam_models

from nbattr.emulator import ACCOUNT_ID, DEFAULT_REGION, Emulator, aws_managed_policies, moto_reset

ROLE = f"arn:aws:iam::{ACCOUNT_ID}:role/bench"


def _round(emulator: Emulator) -> float:
    started = time.process_time()
    emulator.reset()
    iam, sts = emulator.client("iam"), emulator.client("sts")
    iam.list_roles()
    sts.get_caller_identity()
    keys = sts.assume_role(RoleArn=ROLE, RoleSessionName="bench")["Credentials"]
    # A plain client on boto3's default session, which keeps its loaded service models
    # across rounds: the round measures the emulator, not the client's set-up.
    boto3.client(
        "sts",
        endpoint_url=emulator.endpoint,
        region_name=DEFAULT_REGION,
        aws_access_key_id=keys["AccessKeyId"],
        aws_secret_access_key=keys["SecretAccessKey"],
        aws_session_token=keys["SessionToken"],
    ).get_caller_identity()
    iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/AmazonSageMakerFullAccess")
    emulator.client("ec2").describe_vpcs()  # a VPC notebook's interface needs EC2
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    moto_own = (
        iam_models.IAMBackend._init_aws_policies,
        iam_models.get_account_id_from,
        BaseBackend.reset,
    )
    sides: dict[str, Callable[[], None]] = {
        "moto as it comes": lambda: _set(*moto_own),
        "harness": lambda: (aws_managed_policies.install(), moto_reset.install()),
    }
    cpu: dict[str, list[float]] = {name: [] for name in sides}
    with Emulator() as emulator:  # its start installs the harness's side
        for _ in range(runs):
            for name, use in sides.items():
                use()
                cpu[name].append(_round(emulator))
    medians = {name: statistics.median(values) for name, values in cpu.items()}
    for name, median in medians.items():
        low, high = min(cpu[name]), max(cpu[name])
        print(f"{name:22} median {median * 1000:7.0f} ms CPU  ({low * 1000:.0f}-{high * 1000:.0f})")
    mine, theirs = medians["harness"], medians["moto as it comes"]
    print(f"ratio moto/harness: {theirs / mine:.1f}")


def _set(
    init_aws_policies: Callable[..., object],
    account_lookup: Callable[[str], str],
    reset: Callable[[BaseBackend], None],
) -> None:
    iam_models.IAMBackend._init_aws_policies = init_aws_policies  # type: ignore[method-assign]
    iam_models.get_account_id_from = account_lookup
    BaseBackend.reset = reset  # type: ignore[method-assign]


if __name__ == "__main__":
    main()
