"""CPU of a client on a new boto3 session: botocore's own loader per session, as boto3 does,
against the loader the emulator's sessions share (nbattr.emulator.boto_sessions).

Run: make bench-boto-sessions   (or: .venv/bin/python bench/boto_sessions.py --runs 5)

One round makes 20 sessions, each with an STS and a SageMaker client, as the tests do for
each role they assume; no call is made. Both ways alternate in one process. Prints the
medians per client and their ratio. Not a test: nothing here asserts a number.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import boto3

from nbattr.emulator import DEFAULT_REGION, boto_sessions

KEYS = {"aws_access_key_id": "AKIDEXAMPLE", "aws_secret_access_key": "secret"}
SESSIONS, SERVICES = 20, ("sts", "sagemaker")


def _own_loader() -> boto3.Session:
    return boto3.session.Session(region_name=DEFAULT_REGION, **KEYS)


def _shared_loader() -> boto3.Session:
    return boto_sessions.session(DEFAULT_REGION, **KEYS)


def _round(make: Callable[[], boto3.Session]) -> float:
    started = time.process_time()
    for _ in range(SESSIONS):
        session = make()
        for service in SERVICES:
            session.client(service, endpoint_url="http://127.0.0.1:1")
    return (time.process_time() - started) / (SESSIONS * len(SERVICES))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    ways = {"loader per session (boto3)": _own_loader, "shared loader": _shared_loader}
    cpu: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(runs):
        for name, make in ways.items():
            cpu[name].append(_round(make))
    medians = {name: statistics.median(values) for name, values in cpu.items()}
    for name, value in medians.items():
        print(f"{name:>27}: {value * 1000:6.1f} ms of CPU per client")
    own, shared = medians.values()
    print(f"ratio: {own / shared:.1f}x")


if __name__ == "__main__":
    main()
