"""The WSGI layer: records every API request served and answers CloudTrail LookupEvents."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from ..wsgi import AWS_JSON, buffered_body, respond, run_app
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
        body = buffered_body(environ)
        request = parse(environ, body)
        if request is None:
            return self._app(environ, start_response)
        if environ.get("HTTP_X_AMZ_TARGET") == LOOKUP_TARGET:
            return self._lookup(request, body, start_response)
        status_line, headers, data = run_app(self._app, environ)
        status = int(status_line.split()[0])
        code, message = error_of(status, data)
        self._record(request, code, message, response_elements(request, status, data))
        return respond(start_response, status_line, data, headers=headers)

    def _record(
        self,
        request: ApiRequest,
        code: str | None,
        message: str | None,
        response: dict[str, Any] | None = None,
    ) -> None:
        """Record the call, and hand the record on as AWS hands it to EventBridge."""
        record = self._store.record(request, code, message, response)
        if self._deliver is not None:
            self._deliver(record)

    def _lookup(self, request: ApiRequest, body: bytes, start_response: Any) -> Iterable[bytes]:
        status, payload = "200 OK", {}
        try:
            if not self._store.admit(request.region):
                raise LookupError_("ThrottlingException", "Rate exceeded")
            payload = self._store.lookup(json.loads(body or b"{}"), request.region)
        except LookupError_ as error:
            status = "400 Bad Request"
            payload = {"__type": error.code, "message": error.message}
        self._record(request, payload.get("__type"), payload.get("message"))
        return respond(start_response, status, json.dumps(payload).encode(), AWS_JSON)
