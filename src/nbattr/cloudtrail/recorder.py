"""The WSGI layer: records every API request served and answers CloudTrail LookupEvents."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from io import BytesIO
from typing import Any

from .models import CloudTrailStore, LookupError_
from .requests import ApiRequest, error_of, parse, response_elements

LOOKUP_TARGET = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents"


class CloudTrailRecorder:
    """Wraps the emulator's AWS app. `skip(environ)` marks requests that are not API calls
    of the account (the metadata service, moto's own API, the emulator's internal calls).
    `deliver(record)` gets each record once it is made (the EventBridge forwarder)."""

    def __init__(
        self,
        app: Any,
        store: CloudTrailStore,
        skip: Callable[[dict[str, Any]], bool],
        deliver: Callable[[dict[str, Any]], Any] | None = None,
    ) -> None:
        self._app = app
        self._store = store
        self._skip = skip
        self._deliver = deliver

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if self._skip(environ):
            return self._app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = BytesIO(body)  # the app downstream reads it again
        request = parse(environ, body)
        if request is None:
            return self._app(environ, start_response)
        if environ.get("HTTP_X_AMZ_TARGET") == LOOKUP_TARGET:
            return self._lookup(request, body, start_response)
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], *exc: Any) -> Any:
            captured["status"] = int(status.split()[0])
            return start_response(status, headers, *exc)

        chunks = list(self._app(environ, capture))
        status, body = captured.get("status", 500), b"".join(chunks)
        code, message = error_of(status, body)
        record = self._store.record(
            request, code, message, response_elements(request, status, body)
        )
        if self._deliver is not None:
            self._deliver(record)
        return chunks

    def _lookup(self, request: ApiRequest, body: bytes, start_response: Any) -> Iterable[bytes]:
        status, payload = "200 OK", {}
        try:
            if not self._store.admit(request.region):
                raise LookupError_("ThrottlingException", "Rate exceeded")
            payload = self._store.lookup(json.loads(body or b"{}"), request.region)
        except LookupError_ as error:
            status = "400 Bad Request"
            payload = {"__type": error.code, "message": error.message}
        self._store.record(
            request,
            payload.get("__type"),
            payload.get("message"),
        )
        data = json.dumps(payload).encode()
        start_response(
            status,
            [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(data)))],
        )
        return [data]
