"""A Terraform command's cost with the AWS provider started by Terraform (as for users), lent
running (`attach`), lent behind the replaying relay (`replay`), and behind the relay narrowing
the schema to the configuration's types (`narrow`, the suite's default); see
nbattr.harness.provider_servers.

Run: make bench-provider-servers   (or: .venv/bin/python bench/provider_servers.py --runs 3)

One round: a fresh copy of examples/basic, then plan (with `show -json`), apply, `show -json`
and destroy on the emulator. The four ways alternate round by round in one process. CPU is
Terraform's and the providers' (the lent processes' CPU read from /proc, since they outlive
the round); wall is the round's. The first round of each way, which starts its process, is
reported apart. Prints medians and ratios. Not a test: nothing here asserts a number.
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
from nbattr.harness.toolchain import Toolchain, toolchain
from nbattr.harness.workspace import prepare

WAYS = ("off", "attach", "replay", "narrow")
TICKS = os.sysconf("SC_CLK_TCK")


def _lent_cpu() -> float:
    """CPU so far of the lent provider processes (alive, not yet reaped)."""
    total = 0.0
    for server in provider_servers.SERVERS.idle_servers():
        fields = Path(f"/proc/{server.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


def _cpu() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return children.ru_utime + children.ru_stime + _lent_cpu()


def _round(tools: Toolchain, emulator: Emulator, way: str) -> tuple[float, float]:
    os.environ[provider_servers.SWITCH] = way
    with tempfile.TemporaryDirectory() as folder:
        ws = prepare(tools, emulator, Path(folder), "examples/basic")
        ws.init()
        cpu, wall = _cpu(), time.monotonic()
        ws.plan()
        ws.apply()
        ws.run("show", "-json")
        ws.destroy()
        return _cpu() - cpu, time.monotonic() - wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    tools = toolchain()
    results: dict[str, list[tuple[float, float]]] = {way: [] for way in WAYS}
    with Emulator() as emulator:
        for _ in range(runs + 1):
            for way in WAYS:
                emulator.reset()
                results[way].append(_round(tools, emulator, way))
    provider_servers.SERVERS.close()
    print(f"{tools.describe()}; plan + apply + show + destroy of examples/basic, {runs} runs")
    base_cpu = statistics.median(cpu for cpu, _ in results["off"][1:])
    base_wall = statistics.median(wall for _, wall in results["off"][1:])
    for way, rounds in results.items():
        cpu = statistics.median(c for c, _ in rounds[1:])
        wall = statistics.median(w for _, w in rounds[1:])
        first_cpu, first_wall = rounds[0]
        print(
            f"{way:>7}: CPU {cpu:5.1f} s ({base_cpu / cpu:.1f}x less than off), "
            f"wall {wall:5.1f} s ({base_wall / wall:.1f}x); "
            f"first round CPU {first_cpu:.1f} s, wall {first_wall:.1f} s"
        )


if __name__ == "__main__":
    main()
