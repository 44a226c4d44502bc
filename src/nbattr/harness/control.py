"""`nbattr emulator start NOTEBOOK...` and `nbattr emulator flush-trails`: ask a running
emulator, through its control route, to start notebooks or to deliver trail log files now.

The emulator that `nbattr emulator serve` runs holds the notebooks a user's configuration
created; `start` asks it to start each in the notebook sandbox (side by side, as SageMaker
starts independent instances). `flush-trails` has it write every trail's buffered records to
the trail's bucket without waiting CloudTrail's ~5 minutes.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..emulator.control_route import NOTEBOOK_START, TRAIL_FLUSH

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
START_TIMEOUT = 300  # SageMaker's own limit for a lifecycle script


def _post(endpoint: str, route: str, timeout: float) -> tuple[int, dict[str, Any]]:
    """POST to a control route: (HTTP status, JSON answer); status 0 when unreachable."""
    url = endpoint.rstrip("/") + route
    request = urllib.request.Request(url, data=b"", method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        try:
            return error.code, json.loads(error.read())
        except ValueError:
            return error.code, {"error": f"HTTP {error.code} from {url}"}
    except (urllib.error.URLError, OSError) as error:
        return 0, {"error": f"cannot reach the emulator at {endpoint}: {error}"}


def _start(endpoint: str, name: str) -> tuple[int, dict[str, Any]]:
    route = NOTEBOOK_START.format(name=urllib.parse.quote(name, safe=""))
    code, answer = _post(endpoint, route, START_TIMEOUT)
    return code, {"notebook": name, **answer}


def _endpoint(command: str, given: str | None) -> str | None:
    endpoint = given or os.environ.get("AWS_ENDPOINT_URL")
    if not endpoint:
        print(
            f"nbattr emulator {command}: no emulator: pass --endpoint-url, or export the "
            "AWS_ENDPOINT_URL that `nbattr emulator serve` prints",
            file=sys.stderr,
        )
    return endpoint


def flush_trails(endpoint: str | None) -> int:
    """Have the emulator deliver every trail's log files now; print the keys written.
    Exit 0 done (even with nothing to deliver), 2 nothing to talk to."""
    endpoint = _endpoint("flush-trails", endpoint)
    if not endpoint:
        return EXIT_USAGE
    code, answer = _post(endpoint, TRAIL_FLUSH, START_TIMEOUT)
    if code != 200:
        print(f"nbattr emulator flush-trails: {answer.get('error', answer)}", file=sys.stderr)
        return EXIT_USAGE
    for key in answer["delivered"]:
        print(key)
    return EXIT_OK


def start_notebooks(names: list[str], endpoint: str | None) -> int:
    """Start each notebook; print what each did. Exit 0 all started, 1 a start failed,
    2 nothing to talk to, or a notebook the emulator does not hold."""
    endpoint = _endpoint("start", endpoint)
    if not endpoint:
        return EXIT_USAGE
    names = list(dict.fromkeys(names))
    with ThreadPoolExecutor(max_workers=len(names)) as pool:
        answers = list(pool.map(lambda name: _start(endpoint, name), names))
    verdict = EXIT_OK
    for name, (code, answer) in zip(names, answers, strict=True):
        if answer.get("lines"):
            print("\n".join(answer["lines"]))
        if code == 200:
            continue
        sys.stdout.flush()
        print(f"nbattr emulator start: {name}: {answer.get('error', answer)}", file=sys.stderr)
        failed_start = code == 409
        verdict = max(verdict, EXIT_FAILED if failed_start else EXIT_USAGE)
    sys.stdout.flush()
    return verdict
