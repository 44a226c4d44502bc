"""`nbattr emulator start NOTEBOOK...`: ask a running emulator to start notebooks.

The emulator that `nbattr emulator serve` runs holds the notebooks a user's configuration
created; this client asks it, through its control route, to start each in the notebook
sandbox (side by side, as SageMaker starts independent instances).
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

from ..emulator.control_route import NOTEBOOK_START

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
START_TIMEOUT = 300  # SageMaker's own limit for a lifecycle script


def _start(endpoint: str, name: str) -> tuple[int, dict[str, Any]]:
    url = endpoint.rstrip("/") + NOTEBOOK_START.format(name=urllib.parse.quote(name, safe=""))
    request = urllib.request.Request(url, data=b"", method="POST")
    try:
        with urllib.request.urlopen(request, timeout=START_TIMEOUT) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        try:
            return error.code, json.loads(error.read())
        except ValueError:
            return error.code, {"notebook": name, "error": f"HTTP {error.code} from {url}"}
    except (urllib.error.URLError, OSError) as error:
        return 0, {"notebook": name, "error": f"cannot reach the emulator at {endpoint}: {error}"}


def start_notebooks(names: list[str], endpoint: str | None) -> int:
    """Start each notebook; print what each did. Exit 0 all started, 1 a start failed,
    2 nothing to talk to, or a notebook the emulator does not hold."""
    endpoint = endpoint or os.environ.get("AWS_ENDPOINT_URL")
    if not endpoint:
        print(
            "nbattr emulator start: no emulator: pass --endpoint-url, or export the "
            "AWS_ENDPOINT_URL that `nbattr emulator serve` prints",
            file=sys.stderr,
        )
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
