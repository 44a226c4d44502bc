"""The pinned provider's dropped read, counted: werkzeug's own handler vs the emulator's.

Run: .venv/bin/python bench/dropped_reads.py [--rounds 6 --calls 4000 --load 4]  (needs Go)

bench/dropped_read is a Go program on the AWS SDK for Go v2 at exactly the versions the AWS
provider 5.45.0 is built with (smithy-go v1.20.2; see its go.mod). It calls IAM GetRole
from many goroutines, with goroutines allocating beside them as the provider's own work
does, and counts "use of closed network connection" (retries off). One emulator serves
its app twice: with moto's request handler as werkzeug sends (status and headers, then the
body, in separate sends) and with nbattr.emulator.transport's (one send). Rounds alternate
between the two, with `--load` busy processes beside them, since the race needs a loaded
machine. Prints the calls and dropped reads of each. Not a test: nothing here asserts a
number, and a race this rare needs many calls to show.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

from moto.moto_server.werkzeug_app import MotoRequestHandler
from werkzeug.serving import make_server

from nbattr.emulator import Emulator
from nbattr.harness.toolchain import cache_dir

PROGRAM = Path(__file__).parent / "dropped_read"
ROLE = "dropped-read-bench"
TRUST = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":"sagemaker.amazonaws.com"}}]}'  # noqa: E501


class StockHandler(MotoRequestHandler):
    """moto's handler as werkzeug sends, without a log line per request."""

    def log_request(self, *_: object, **__: object) -> None:
        pass


def build() -> Path:
    binary = cache_dir() / "bin" / "dropped-read"
    binary.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "CGO_ENABLED": "0", "GOFLAGS": "-mod=readonly"}
    subprocess.run(
        ["go", "build", "-trimpath", "-o", str(binary), "."], cwd=PROGRAM, env=env, check=True
    )
    return binary


def one_round(binary: Path, endpoint: str, calls: int) -> dict[str, int]:
    done = subprocess.run(
        [str(binary), "-endpoint", endpoint, "-role", ROLE, "-calls", str(calls),
         "-workers", "8", "-busy", "4"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--calls", type=int, default=4000, help="GetRole calls per round")
    parser.add_argument("--load", type=int, default=4, help="busy processes beside the rounds")
    args = parser.parse_args()
    binary = build()
    with Emulator() as emulator:
        emulator.client("iam").create_role(RoleName=ROLE, AssumeRolePolicyDocument=TRUST)
        stock = make_server(
            "127.0.0.1", 0, emulator.app, threaded=True, request_handler=StockHandler
        )
        threading.Thread(target=stock.serve_forever, daemon=True).start()
        endpoints = {
            "werkzeug's handler (headers, then body)": f"http://127.0.0.1:{stock.server_port}",
            "the emulator's handler (one send)": emulator.endpoint,
        }
        totals = {name: {"calls": 0, "dropped_reads": 0, "other_errors": 0} for name in endpoints}
        busy = [
            subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.load)
        ]
        try:
            for round_number in range(1, args.rounds + 1):
                for name, endpoint in endpoints.items():
                    result = one_round(binary, endpoint, args.calls)
                    for key in totals[name]:
                        totals[name][key] += int(result.get(key, 0))
                    print(f"round {round_number}: {name}: {json.dumps(result)}", flush=True)
        finally:
            for process in busy:
                process.kill()
            stock.shutdown()
            stock.server_close()
    for name, total in totals.items():
        print(
            f"{name}: {total['dropped_reads']} dropped reads in {total['calls']} calls"
            f" ({total['other_errors']} other errors)"
        )


if __name__ == "__main__":
    main()
