"""Wall time of our on-start script vs the classic one, side by side in one sandbox.

Run: make bench-on-start   (or: .venv/bin/python bench/on_start_speed.py --runs 15)

Both scripts run as root in the same notebook sandbox against the same emulator, alternating,
each from an empty ~/.aws (a first start). Reports medians, their ratio, and the AWS API calls
each made. Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from nbattr.emulator import Emulator
from nbattr.harness.sandbox import Sandbox, unavailable_reason
from nbattr.harness.toolchain import toolchain
from nbattr.harness.workspace import find_project_root, prepare

CLASSIC = Path(__file__).with_name("classic-on-start.sh")
WIPE = "chattr -R -i /home/ec2-user/.aws 2>/dev/null || true; rm -rf /home/ec2-user/.aws"


def measure(box: Sandbox, emulator: Emulator, script: str) -> tuple[float, int]:
    wiped = box.as_root(["bash", "-c", WIPE])
    assert wiped.ok, wiped.stderr
    calls_before = emulator.api_calls
    run = box.run_root_script(script, env={"AWS_DEFAULT_REGION": "us-east-1"})
    if not run.ok:
        raise SystemExit(f"script failed: {run.stdout}{run.stderr}")
    return run.seconds, emulator.api_calls - calls_before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each script (>= 10)")
    runs = max(10, parser.parse_args().runs)
    reason = unavailable_reason()
    if reason:
        raise SystemExit(f"cannot benchmark: {reason}")
    tools = toolchain()
    with Emulator() as emulator, tempfile.TemporaryDirectory() as tmp:
        ws = prepare(tools, emulator, Path(tmp, "tf"), "examples/basic", find_project_root())
        ws.init()
        ws.apply()
        try:
            with Sandbox(emulator, "test-1", Path(tmp, "sandbox")) as box:
                ours_script, classic_script = box.spec.on_start, CLASSIC.read_text()
                ours, classic, ours_calls, classic_calls = [], [], set(), set()
                for _ in range(runs):  # alternate, so drift affects both alike
                    seconds, calls = measure(box, emulator, ours_script)
                    ours.append(seconds)
                    ours_calls.add(calls)
                    seconds, calls = measure(box, emulator, classic_script)
                    classic.append(seconds)
                    classic_calls.add(calls)
        finally:
            ws.destroy()
    ours_median, classic_median = statistics.median(ours), statistics.median(classic)
    print(f"runs: {runs} each, alternating, first start (empty ~/.aws), same sandbox")
    for label, median, calls in (
        ("ours", ours_median, ours_calls),
        ("classic", classic_median, classic_calls),
    ):
        print(
            f"{label + ':':<8} median {median * 1000:7.1f} ms   API calls per start {sorted(calls)}"
        )
    print(f"ratio:   ours is {classic_median / ours_median:.1f}x faster")
    print("reproduce: make bench-on-start")


if __name__ == "__main__":
    main()
