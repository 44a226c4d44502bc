"""The emulator's CPU per request: moto's dispatcher, which works out a request's backend
from its host every time, against the emulator's, which keeps each host's backend
(nbattr.emulator.host_dispatch).

Run: make bench-emulator-dispatch   (or: .venv/bin/python bench/emulator_dispatch.py --runs 7)

One round: 100 calls each to STS, IAM and SageMaker, as a test's calls reach the emulator.
Both ways run in one process, alternating round by round; the CPU is the whole process's
(client and server). Prints the medians per request and their ratio. Not a test: nothing
here asserts a number.
"""

from __future__ import annotations

import argparse
import statistics
import time

from moto.moto_server.werkzeug_app import DomainDispatcherApplication

from nbattr.emulator import Emulator
from nbattr.emulator.host_dispatch import HostDispatch

CALLS = 100


def _round(emulator: Emulator) -> float:
    sts, iam = emulator.client("sts"), emulator.client("iam")
    sagemaker = emulator.client("sagemaker")
    started = time.process_time()
    for _ in range(CALLS):
        sts.get_caller_identity()
        iam.list_roles()
        sagemaker.list_notebook_instances()
    return (time.process_time() - started) / (3 * CALLS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    kept = HostDispatch.get_backend_for_host
    ways = {
        "moto's dispatcher": DomainDispatcherApplication.get_backend_for_host,
        "host's backend kept": kept,
    }
    cpu: dict[str, list[float]] = {name: [] for name in ways}
    with Emulator() as emulator:
        _round(emulator)  # first calls load service models and make backends
        try:
            for _ in range(runs):
                for name, lookup in ways.items():
                    HostDispatch.get_backend_for_host = lookup  # type: ignore[method-assign]
                    cpu[name].append(_round(emulator))
        finally:
            HostDispatch.get_backend_for_host = kept  # type: ignore[method-assign]
    medians = {name: statistics.median(values) for name, values in cpu.items()}
    for name, median in medians.items():
        low, high = min(cpu[name]), max(cpu[name])
        print(f"{name:20} median {median * 1000:5.2f} ms CPU a request "
              f"({low * 1000:.2f}-{high * 1000:.2f})")  # fmt: skip
    theirs, mine = medians["moto's dispatcher"], medians["host's backend kept"]
    print(f"ratio moto/kept: {theirs / mine:.2f}")


if __name__ == "__main__":
    main()
