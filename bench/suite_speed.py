"""The whole suite's wall time on two trees, one after the other on this machine.

Run: .venv/bin/python bench/suite_speed.py --old REV [--new REV]   (about 25 minutes)

Each tree is cloned from this checkout at its revision, installed (`make venv tools`, not
timed), then `pytest` runs as `make test` runs it, with NBATTR_REQUIRE=all as in CI and
each tree's own pytest settings (the new tree's workers, the old tree's serial run). Prints
both wall times, their ratio, and each tree's ten slowest test phases. Not a test: nothing
here asserts a number.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import tempfile
import time
from pathlib import Path

from nbattr.harness.toolchain import cache_dir, find_project_root

SLOWEST = re.compile(r"^([\d.]+)s (setup|call|teardown)\s+(\S+)", re.MULTILINE)


def _run_suite(
    checkout: Path, revision: str, where: Path, logs: Path | None
) -> tuple[float, str, list[str]]:
    tree = where / revision
    subprocess.run(["git", "clone", "-q", str(checkout), str(tree)], check=True)
    subprocess.run(["git", "-C", str(tree), "checkout", "-q", revision], check=True)
    subprocess.run(["make", "-C", str(tree), "venv", "tools"], check=True, capture_output=True)
    env = {**os.environ, "NBATTR_REQUIRE": "all", "NBATTR_CACHE_DIR": str(tree / ".cache")}
    env.pop("PYTEST_ADDOPTS", None)
    started = time.perf_counter()
    done = subprocess.run(
        [str(tree / ".venv/bin/pytest"), "-q", "--durations=10"],
        cwd=tree, env=env, capture_output=True, text=True,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    if logs is not None:  # the whole output, to read a failure the summary only counts
        logs.mkdir(parents=True, exist_ok=True)
        (logs / f"suite-{revision}.log").write_text(done.stdout + done.stderr)
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr
    slowest = [f"{s}s {phase} {test}" for s, phase, test in SLOWEST.findall(done.stdout)]
    return seconds, summary, slowest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", required=True, help="the revision to compare against")
    parser.add_argument("--new", default="HEAD")
    parser.add_argument("--logs", type=Path, help="write each run's whole pytest output here")
    args = parser.parse_args()
    checkout = find_project_root()
    new = subprocess.run(
        ["git", "-C", str(checkout), "rev-parse", "--short", args.new],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    results = {}
    # Not under /tmp: the notebook sandbox gives its notebooks a /tmp of their own, where the
    # SDK clients a tree installed would not be found.
    cache_dir().mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache_dir(), prefix="bench-suite-") as where:
        # Each tree finds the team's provider as a CI clone does, at ../shared beside it
        # (an environment variable would not reach the processes tests start with a clean
        # environment, which would then write a registry-only CLI config into the cache).
        shared = checkout.parent / "shared"
        if shared.is_dir():
            (Path(where) / "shared").symlink_to(shared)
        for label, revision in (("old", args.old), ("new", new)):
            results[label] = _run_suite(checkout, revision, Path(where), args.logs)
            print(f"{label} ({revision}): {results[label][0]:.0f} s, {results[label][1]}")
            for line in results[label][2]:
                print(f"    {line}")
    print(f"ratio old/new: {results['old'][0] / results['new'][0]:.2f}")


if __name__ == "__main__":
    main()
