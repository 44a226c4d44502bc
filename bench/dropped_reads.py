"""The pinned provider's dropped read, counted: how the emulator sends vs werkzeug.

Run: .venv/bin/python bench/dropped_reads.py [--rounds 6 --calls 3000 --load 3]  (needs Go)

bench/dropped_read is a Go program on the AWS SDK for Go v2 at exactly the versions the AWS
provider 5.45.0 is built with (smithy-go v1.20.2; see its go.mod). It calls IAM GetRole
from many goroutines, with goroutines allocating beside them as the provider's own work
does, and counts "use of closed network connection" (retries off). One emulator's app is
served four ways, and rounds alternate between them with `--load` busy processes beside,
since the race needs a loaded machine (see nbattr.emulator.transport):

- werkzeug's handler (status and headers, then the body, in separate sends), a role whose
  GetRole answer is about 700 bytes;
- the emulator's handler (one send), the same role;
- the emulator's handler, a role whose answer is about 22 KB (past the Go SDK's 4 KiB first
  read), sent at once;
- the same, held back as the emulator holds it.

Prints the calls and dropped reads of each. Not a test: nothing here asserts a number, and
a race this rare needs many calls to show.
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
from werkzeug.serving import BaseWSGIServer, make_server

from nbattr.emulator import Emulator
from nbattr.emulator.transport import RequestHandler, WholeResponses
from nbattr.harness.toolchain import cache_dir

PROGRAM = Path(__file__).parent / "dropped_read"
SMALL, BIG = "dropped-read-small", "dropped-read-big"


def trust(statements: int) -> str:
    """A trust policy of `statements` statements (GetRole answers it URL-encoded)."""
    allow = {"Effect": "Allow", "Action": "sts:AssumeRole"}
    service = {"Service": "sagemaker.amazonaws.com"}
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": f"S{n}", **allow, "Principal": service} for n in range(statements)
            ],
        }
    )


class StockHandler(MotoRequestHandler):
    """moto's handler as werkzeug sends, without a log line per request."""

    def log_request(self, *_: object, **__: object) -> None:
        pass


def serve(app: object, handler: type[MotoRequestHandler]) -> BaseWSGIServer:
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def build() -> Path:
    binary = cache_dir() / "bin" / "dropped-read"
    binary.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "CGO_ENABLED": "0", "GOFLAGS": "-mod=readonly"}
    subprocess.run(
        ["go", "build", "-trimpath", "-o", str(binary), "."], cwd=PROGRAM, env=env, check=True
    )
    return binary


def one_round(binary: Path, endpoint: str, role: str, calls: int) -> dict[str, int]:
    done = subprocess.run(
        [str(binary), "-endpoint", endpoint, "-role", role, "-calls", str(calls),
         "-workers", "8", "-busy", "4"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--calls", type=int, default=3000, help="GetRole calls per round")
    parser.add_argument("--load", type=int, default=3, help="busy processes beside the rounds")
    args = parser.parse_args()
    binary = build()
    with Emulator() as emulator:
        iam = emulator.client("iam")
        iam.create_role(RoleName=SMALL, AssumeRolePolicyDocument=trust(1))
        iam.create_role(RoleName=BIG, AssumeRolePolicyDocument=trust(110))
        stock = serve(emulator.app, StockHandler)
        at_once = serve(WholeResponses(emulator.app.app, hold_back_seconds=0), RequestHandler)
        arms = {
            "werkzeug's handler, 700 B": (f"http://127.0.0.1:{stock.server_port}", SMALL),
            "one send, 700 B": (emulator.endpoint, SMALL),
            "one send, 22 KB, at once": (f"http://127.0.0.1:{at_once.server_port}", BIG),
            "one send, 22 KB, held back": (emulator.endpoint, BIG),
        }
        totals = {name: {"calls": 0, "dropped_reads": 0, "other_errors": 0} for name in arms}
        busy = [
            subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.load)
        ]
        try:
            for round_number in range(1, args.rounds + 1):
                for name, (endpoint, role) in arms.items():
                    result = one_round(binary, endpoint, role, args.calls)
                    for key in totals[name]:
                        totals[name][key] += int(result.get(key, 0))
                    print(f"round {round_number}: {name}: {json.dumps(result)}", flush=True)
        finally:
            for process in busy:
                process.kill()
            for server in (stock, at_once):
                server.shutdown()
                server.server_close()
    for name, total in totals.items():
        print(
            f"{name}: {total['dropped_reads']} dropped reads in {total['calls']} calls"
            f" ({total['other_errors']} other errors)"
        )


if __name__ == "__main__":
    main()
