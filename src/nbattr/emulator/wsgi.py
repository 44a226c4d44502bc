"""What the emulator's WSGI layers (CloudTrail recorder, metadata service, notebook
interfaces) all need: read a request body without consuming it, run the app below to the
end, and answer a request themselves."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from io import BytesIO
from typing import Any

AWS_JSON = "application/x-amz-json-1.1"  # the JSON protocol's content type
App = Callable[[dict[str, Any], Any], Iterable[bytes]]


def buffered_body(environ: dict[str, Any]) -> bytes:
    """The request body, put back so that the app below can read it again."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = BytesIO(body)
    return body


def run_app(app: App, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    """Run `app` to completion: (status line, headers, body)."""
    started: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], *_: Any) -> None:
        started.update(status=status, headers=headers)

    chunks = app(environ, start_response)
    try:
        data = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    return started["status"], started["headers"], data


def respond(
    start_response: Any,
    status: str,
    data: bytes,
    content_type: str | None = None,
    headers: list[tuple[str, str]] | None = None,
) -> list[bytes]:
    """Answer with `data`; its Content-Length replaces any in `headers`."""
    kept = [(k, v) for k, v in headers or [] if k.lower() not in ("content-length", "content-type")]
    if content_type is None:  # keep the app's own
        kept += [(k, v) for k, v in headers or [] if k.lower() == "content-type"]
    else:
        kept.append(("Content-Type", content_type))
    start_response(status, [*kept, ("Content-Length", str(len(data)))])
    return [data]


def json_error(
    start_response: Any, status: str, code: str, message: str, content_type: str = AWS_JSON
) -> list[bytes]:
    """An error as the AWS JSON protocols carry it: the error's code in `__type`, its text in
    `message` (Smithy, "AWS JSON 1.1 protocol", Operation error serialization)."""
    body = json.dumps({"__type": code, "message": message}).encode()
    return respond(start_response, status, body, content_type)
