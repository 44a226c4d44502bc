"""CPU and wall time of one `terraform plan` under Go's default GC and the harness's GOGC.

Run: make bench-terraform-gc   (or: .venv/bin/python bench/terraform_gc.py --runs 5)

Every Terraform command starts the AWS provider three times (schema, validate, plan), and
each start builds the provider's whole schema, so the garbage collector runs often while
little garbage is left. The harness sets GOGC (nbattr.harness.toolchain.TERRAFORM_GOGC) for
the Terraform processes it starts. This plans examples/basic on the emulator with each
setting in turn, alternating, and prints the medians and their ratio. Each plan starts its own
provider, as for users (no lent one: NBATTR_PROVIDER_SERVERS=off), so all its CPU is counted.
Not a test: nothing here asserts a number.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

from nbattr.emulator import Emulator
from nbattr.harness import provider_servers
from nbattr.harness.toolchain import TERRAFORM_GOGC, toolchain
from nbattr.harness.workspace import prepare

SETTINGS = {"Go default (100)": "100", f"harness ({TERRAFORM_GOGC})": TERRAFORM_GOGC}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    os.environ[provider_servers.SWITCH] = "off"
    cpu: dict[str, list[float]] = {name: [] for name in SETTINGS}
    wall: dict[str, list[float]] = {name: [] for name in SETTINGS}
    with Emulator() as emulator, tempfile.TemporaryDirectory() as tmp:
        ws = prepare(toolchain(), emulator, Path(tmp), "examples/basic")
        ws.init()
        env = dict(ws.tf.env)
        ws.plan()  # warm the page cache with the provider binary
        for _ in range(runs):
            for name, gogc in SETTINGS.items():  # alternating, so drift hits both alike
                ws.tf.env = {**env, "GOGC": gogc}
                cpu_before, started = _children_cpu(), time.perf_counter()
                ws.plan()
                wall[name].append(time.perf_counter() - started)
                cpu[name].append(_children_cpu() - cpu_before)
    for name in SETTINGS:
        print(
            f"{name:>20}: median CPU {statistics.median(cpu[name]):.2f} s, "
            f"wall {statistics.median(wall[name]):.2f} s over {runs} plans"
        )
    default, harness = (statistics.median(cpu[name]) for name in SETTINGS)
    print(f"CPU ratio harness/default: {harness / default:.2f}")


if __name__ == "__main__":
    main()
