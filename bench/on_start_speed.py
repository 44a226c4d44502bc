"""Wall time of our on-start script, with and without its credentials endpoint, and of the
classic one, side by side in one sandbox.

Run: make bench-on-start   (or: .venv/bin/python bench/on_start_speed.py --runs 15)

The three scripts run as root in the same notebook sandbox against the same emulator, in turn,
each from a first start (empty ~/.aws, no endpoint running). Reports medians, their ratios,
and the AWS API calls each made. Not a test: nothing here asserts a time.
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
# A first start: no config, no endpoint (its supervisor's group stopped), no profile variables.
WIPE = (
    "chattr -R -i /home/ec2-user/.aws 2>/dev/null || true; rm -rf /home/ec2-user/.aws;"
    ' if [ -s /run/nbattr/supervisor.pid ]; then kill -- "-$(cat /run/nbattr/supervisor.pid)"'
    " 2>/dev/null || true; fi; rm -rf /run/nbattr /etc/profile.d/nbattr-credentials.sh"
)


def measure(box: Sandbox, emulator: Emulator, script: str) -> tuple[float, int]:
    wiped = box.as_root(["bash", "-c", WIPE])
    assert wiped.ok, wiped.stderr
    calls_before = emulator.api_calls
    run = box.run_root_script(script, env={"AWS_DEFAULT_REGION": "us-east-1"})
    if not run.ok:
        raise SystemExit(f"script failed: {run.stdout}{run.stderr}")
    return run.seconds, emulator.api_calls - calls_before


def without_endpoint(emulator: Emulator, work: Path) -> str:
    """The module's script with credentials_endpoint = false, as Terraform renders it."""
    ws = prepare(toolchain(), emulator, work, ".", find_project_root())
    ws.init()
    tf_vars = {"role_name": "attributed-notebooks", "notebooks": {}}
    tf_vars["credentials_endpoint"] = "false"  # tftest passes values as -var strings
    planned = ws.plan(tf_vars=tf_vars)
    return str(planned["planned_values"]["outputs"]["on_start_script"]["value"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each script (>= 10)")
    runs = max(10, parser.parse_args().runs)
    reason = unavailable_reason()
    if reason:
        raise SystemExit(f"cannot benchmark: {reason}")
    with Emulator() as emulator, tempfile.TemporaryDirectory() as tmp:
        ws = prepare(toolchain(), emulator, Path(tmp, "tf"), "examples/basic", find_project_root())
        ws.init()
        ws.apply()
        try:
            with Sandbox(emulator, "test-1", Path(tmp, "sandbox")) as box:
                scripts = {
                    "endpoint": box.spec.on_start,  # the module's default
                    "no-endpoint": without_endpoint(emulator, Path(tmp, "off")),
                    "classic": CLASSIC.read_text(),
                }
                seconds: dict[str, list[float]] = {label: [] for label in scripts}
                calls: dict[str, set[int]] = {label: set() for label in scripts}
                for _ in range(runs):  # in turn, so drift affects all alike
                    for label, script in scripts.items():
                        took, made = measure(box, emulator, script)
                        seconds[label].append(took)
                        calls[label].add(made)
        finally:
            ws.destroy()
    median = {label: statistics.median(values) for label, values in seconds.items()}
    print(f"runs: {runs} each, in turn, first start (empty ~/.aws, no endpoint), same sandbox")
    for label in scripts:
        print(
            f"{label + ':':<13} median {median[label] * 1000:7.1f} ms"
            f"   API calls per start {sorted(calls[label])}"
        )
    endpoint, plain, classic = median["endpoint"], median["no-endpoint"], median["classic"]
    print(
        f"ratio:        the endpoint makes a start {endpoint / plain:.1f}x as long; with it, ours"
        f" is {classic / endpoint:.1f}x faster than classic (without: {classic / plain:.1f}x)"
    )
    print("reproduce: make bench-on-start")


if __name__ == "__main__":
    main()
