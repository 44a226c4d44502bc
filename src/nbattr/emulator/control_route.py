"""The emulator's control route: what `nbattr emulator start` asks a running emulator for.

`POST /_nbattr/notebooks/<name>/start` starts that notebook the way SageMaker would (the
starter, injected by whoever runs the emulator: `nbattr emulator serve` passes the notebook
sandbox) and answers JSON. `POST /_nbattr/cloudtrail/flush` delivers every trail's buffered
records to its S3 bucket now (CloudTrail does every ~5 minutes) and answers the keys written,
so tests and `nbattr` commands need not wait. Only callers on loopback may use them: a
sandboxed notebook reaches the emulator too, and must not start other notebooks. Their
requests are not API calls, so CloudTrail records none of them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .wsgi import App, respond

PREFIX = "/_nbattr/"
NOTEBOOK_START = PREFIX + "notebooks/{name}/start"
TRAIL_FLUSH = PREFIX + "cloudtrail/flush"
# notebook name -> (HTTP status code, JSON-able answer)
Starter = Callable[[str], tuple[int, dict[str, Any]]]
_REASONS = {200: "OK", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
            409: "Conflict", 501: "Not Implemented", 503: "Service Unavailable"}  # fmt: skip


class ControlRoute:
    """WSGI middleware: answers `/_nbattr/...`, passes everything else to `app`."""

    def __init__(
        self, app: App, starter: Callable[[], Starter | None], flush: Callable[[], list[str]]
    ) -> None:
        self._app = app
        self._starter = starter  # read at each request: serve sets it after the start
        self._flush = flush

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if not path.startswith(PREFIX):
            return self._app(environ, start_response)
        code, answer = self._answer(environ, path)
        data = json.dumps(answer).encode()
        return respond(start_response, f"{code} {_REASONS.get(code, '')}", data, "application/json")

    def _answer(self, environ: dict[str, Any], path: str) -> tuple[int, dict[str, Any]]:
        if not environ.get("REMOTE_ADDR", "").startswith("127."):
            return 403, {"error": "the control route answers loopback callers only"}
        if path == TRAIL_FLUSH:
            if environ.get("REQUEST_METHOD") != "POST":
                return 405, {"error": "POST to deliver the trails' log files"}
            return 200, {"delivered": self._flush()}
        parts = path[len(PREFIX) :].split("/")
        if len(parts) != 3 or parts[0] != "notebooks" or parts[2] != "start" or not parts[1]:
            return 404, {
                "error": f"no control route {path}; there are {NOTEBOOK_START} and {TRAIL_FLUSH}"
            }
        if environ.get("REQUEST_METHOD") != "POST":
            return 405, {"error": "POST to start a notebook"}
        starter = self._starter()
        if starter is None:
            return 501, {"error": "this emulator was started without a notebook sandbox"}
        return starter(parts[1])
