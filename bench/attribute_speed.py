"""`nbattr attribute` on DuckDB against a plain-Python `json` baseline, on the same gzip trail
files, side by side in one run: records per second and peak memory of each.

Run: make bench-attribute   (or: .venv/bin/python bench/attribute_speed.py [--records N] [--runs N])

The records are the emulator recorder's own: tests/trail_logs.py records three notebooks of
one role at work against the emulator (S3 data events, bypasses, spoofs); those records are
the templates, copied for 200 notebooks (each with its own session name and base access key,
fresh event IDs, times spread over three days) into gzip files under CloudTrail's key layout.
Each side runs in its own process; peak memory is that process's maximum resident set. Not a
test: nothing here asserts a number (the issue's targets are printed next to the figures).

A third side reads the same files from S3: `nbattr attribute s3://...` against the emulator
(`nbattr emulator serve`, its own process) on loopback, so the figure is what listing and
downloading through boto3 add to reading a folder, not what a real S3 link costs.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

TESTS = Path(__file__).parents[1] / "tests"  # the recording helpers (trail_logs)
NOTEBOOKS = 200
PER_FILE = 5000  # records per log file (a busy account's 5-minute file)
DAYS = 3
TARGET_RATE, TARGET_PEAK = 250_000, 1 << 30
BASELINE = """
import gzip, json, sys
from datetime import datetime, timezone
from pathlib import Path
from nbattr.attribute.baseline import attribute_records
from nbattr.attribute.report import render_json
from nbattr.attribute.window import window_of

root, role, resource = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
files = sorted(p for p in root.rglob("*") if p.name.endswith((".json.gz", ".json")))
def records():
    for path in files:
        opener = gzip.open if path.name.endswith(".gz") else open
        with opener(path, "rb") as handle:
            yield from json.load(handle)["Records"]
window = window_of(None, None, datetime.now(timezone.utc))
sys.stdout.write(render_json(attribute_records(records(), role, window, len(files), resource)))
"""


def generate(root: Path, total: int) -> str:
    """`total` records in gzip log files under `root`; the role's ARN. Run in a process of
    its own (see main): the emulator alone takes more memory than some measured sides."""
    sys.path.insert(0, str(TESTS))
    from nbattr.analysis.calls import session_name
    from nbattr.emulator import Emulator
    from nbattr.emulator.constants import ACCOUNT_ID, DEFAULT_REGION
    from nbattr.trail_files import encode_log_file, log_file_key
    from trail_logs import KEY, record_activity

    with Emulator() as emulator:
        role = record_activity(emulator)
        templates = emulator.cloudtrail.records()
    # nb-1's calls, and another role's session of the same name (not ours: must not count).
    honest = [r for r in templates if session_name(r) == "nb-1" and r["eventName"] != "AssumeRole"]
    rare = [r for r in templates if r not in honest]  # bypasses, spoofs, hops, other roles
    keys = {r["userIdentity"].get("accessKeyId") for r in templates} - {None}
    texts = [json.dumps(r) for r in honest]
    start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=DAYS)
    step = timedelta(days=DAYS) / total
    batch: list[dict] = []
    for index in range(total):
        notebook = index % NOTEBOOKS
        if index % (total // 10) == 0:  # a few bypasses and spoofs, as recorded, each time
            batch += [json.loads(json.dumps(r)) for r in rare]
        # Every notebook runs every template; each reads its own object (so the one object
        # --resource asks about stays rare).
        text = texts[(index // NOTEBOOKS) % len(texts)].replace("/nb-1", f"/nb-{notebook}")
        text = text.replace(KEY, f"cohort/nb-{notebook}.csv")
        record = json.loads(text)
        for key in keys & {record["userIdentity"].get("accessKeyId")}:
            record["userIdentity"]["accessKeyId"] = f"{key[:8]}{notebook:012d}"
        batch.append(record)
        if len(batch) >= PER_FILE or index == total - 1:
            when = start + step * index
            for item in batch:
                item["eventTime"] = when.strftime("%Y-%m-%dT%H:%M:%SZ")
                item["eventID"] = str(uuid.uuid4())
            path = root / log_file_key(ACCOUNT_ID, DEFAULT_REGION, when + timedelta(minutes=5))
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(encode_log_file(batch))
            batch = []
    return role


def measure(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float, int, str]:
    """Wall seconds, CPU seconds, peak resident bytes and stdout of `command` in its own
    process (CPU time says what the machine's other load hides in wall time)."""
    with tempfile.TemporaryFile() as out:
        started = time.monotonic()
        process = subprocess.Popen(command, stdout=out, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.monotonic() - started
        out.seek(0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{command[:3]} failed with {status}")
        cpu = usage.ru_utime + usage.ru_stime
        return elapsed, cpu, usage.ru_maxrss * 1024, out.read().decode()


UPLOAD = """
import sys
from pathlib import Path
import boto3
root, endpoint, bucket = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
s3.create_bucket(Bucket=bucket)
for path in root.rglob("*.json.gz"):
    s3.upload_file(str(path), bucket, path.relative_to(root).as_posix())
"""


def serve_emulator() -> tuple[subprocess.Popen, str]:
    """`nbattr emulator serve` on a free loopback port, once it answers; its endpoint."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    nbattr = str(Path(sys.executable).parent / "nbattr")
    server = subprocess.Popen([nbattr, "emulator", "serve", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the emulator did not start within 120 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3, help="runs of each side, interleaved")
    parser.add_argument("--generate-into", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate_into:  # the child that generates: prints the role and the object asked about
        role = generate(args.generate_into, args.records)  # puts tests/ on the path
        from trail_logs import OBJECT_URL

        print(json.dumps({"role": role, "object": OBJECT_URL}))
        return
    with tempfile.TemporaryDirectory(prefix="bench-attribute-") as work:
        root = Path(work)
        began = time.monotonic()
        # Generated in a process of its own: Linux keeps a process's peak resident size across
        # fork and exec, so a large parent would show as every measured child's peak.
        generated = json.loads(subprocess.run(
            [sys.executable, __file__, "--records", str(args.records), "--generate-into", work],
            check=True, capture_output=True, text=True,
        ).stdout)  # fmt: skip
        role, resource = generated["role"], generated["object"]
        files = [p for p in root.rglob("*.json.gz")]
        records = args.records
        size = sum(p.stat().st_size for p in files)
        print(f"generated {records:,} records (+ recorded bypasses/spoofs) in {len(files)} gzip "
              f"files, {size / 2**20:.0f} MiB, in {time.monotonic() - began:.0f} s")  # fmt: skip
        nbattr = str(Path(sys.executable).parent / "nbattr")
        sides = {
            "duckdb (nbattr attribute)": [nbattr, "attribute", str(root), "--role", role,
                                          "--resource", resource, "--format", "json"],
            "python json baseline": [sys.executable, "-c", BASELINE, str(root), role, resource],
        }  # fmt: skip
        server, endpoint = serve_emulator()
        runs: dict[str, list[tuple[float, float, int, str]]] = {}
        try:
            env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
            subprocess.run([sys.executable, "-c", UPLOAD, str(root), endpoint, "bench-trail"],
                           check=True, env=env)  # fmt: skip
            sides["duckdb from s3:// (emulator)"] = [
                nbattr, "attribute", "s3://bench-trail/", "--endpoint-url", endpoint,
                "--region", "us-east-1", "--role", role, "--resource", resource, "--format", "json",
            ]  # fmt: skip
            # Interleaved, so a slow spell of the machine falls on every side alike; each
            # side's median run is reported, with the range of its wall times.
            for _ in range(args.runs):
                for name, command in sides.items():
                    runs.setdefault(name, []).append(measure(command, env))
        finally:
            server.terminate()
            server.wait()
        results = {name: sorted(times)[len(times) // 2] for name, times in runs.items()}
        reports = [json.loads(out) for times in runs.values() for *_, out in times]
        for report in reports:
            report.pop("until")
        same = all(report == reports[0] for report in reports)  # every run of every side
        print(f"\nmedian of {args.runs} runs each\n{'ENGINE':<28} {'SECONDS':>8} {'RECORDS/S':>11} "
              f"{'CPU S':>7} {'RECORDS/CPU S':>14} {'PEAK MiB':>9}  RECORDS/S RANGE")  # fmt: skip
        for name, (seconds, cpu, peak, _) in results.items():
            walls = [wall for wall, *_ in runs[name]]
            print(f"{name:<28} {seconds:>8.1f} {records / seconds:>11,.0f} {cpu:>7.1f} "
                  f"{records / cpu:>14,.0f} {peak / 2**20:>9.0f}  "
                  f"{records / max(walls):,.0f}-{records / min(walls):,.0f}")  # fmt: skip
        (duck_s, _, duck_peak, _), (py_s, _, py_peak, _), (s3_s, *_) = results.values()
        print(f"\nduckdb / python: {py_s / duck_s:.1f}x the records per second, "
              f"{duck_peak / py_peak:.2f}x the peak memory; s3:// / folder: {s3_s / duck_s:.2f}x "
              f"the wall time; same report (every run): {same}")  # fmt: skip
        rate_met = "met" if records / duck_s >= TARGET_RATE else "NOT met"
        peak_met = (
            "met"
            if max(p for _, _, p, _ in runs["duckdb (nbattr attribute)"]) <= TARGET_PEAK
            else "NOT met"
        )
        print(
            f"targets: >= {TARGET_RATE:,} records/s ({rate_met}), peak <= 1 GiB ({peak_met}); "
            f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end"
        )
        found = reports[0]
        print(
            f"found {len(found['notebooks'])} notebooks, {len(found['unattributed'])} "
            f"unattributed, {len(found['spoofed'])} spoofed, {len(found['touches'])} touches"
        )


if __name__ == "__main__":
    main()
