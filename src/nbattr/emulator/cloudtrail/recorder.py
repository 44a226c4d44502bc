"""The WSGI layer: records every API request served and answers CloudTrail LookupEvents."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable, Iterable
from typing import Any

from ..wsgi import AWS_JSON, buffered_body, respond, run_app
from .delivery import trail_status
from .models import CloudTrailStore, LookupError_
from .requests import ApiRequest, error_of, parse, response_elements

LOOKUP_TARGET = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents"
STATUS_TARGET = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.GetTrailStatus"


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
        # Log files fall due as time passes; whoever looks next (any request) finds them there.
        self._store.deliver_due()
        if self._skip(environ):
            return self._app(environ, start_response)
        body = buffered_body(environ)
        request = parse(environ, body)
        if request is None or not request.logged:
            return self._app(environ, start_response)
        if environ.get("HTTP_X_AMZ_TARGET") == LOOKUP_TARGET:
            return self._lookup(request, body, start_response)
        status_line, headers, data = run_app(self._app, environ)
        status = int(status_line.split()[0])
        if status == 200 and environ.get("HTTP_X_AMZ_TARGET") == STATUS_TARGET:
            data = trail_status(self._store.log_files, body, data, request.region)
        code, message = error_of(status, data)
        response = response_elements(request, status, data)
        if request.service == "s3":
            found = {k.lower(): v for k, v in headers}
            self._record(
                request, code, message, response,
                _s3_additional(environ, body, data, found), found.get("x-amz-request-id"),
            )  # fmt: skip
        else:
            self._record(request, code, message, response)
        return respond(start_response, status_line, data, headers=headers)

    def _record(
        self,
        request: ApiRequest,
        code: str | None,
        message: str | None,
        response: dict[str, Any] | None = None,
        additional: dict[str, Any] | None = None,
        request_id: str | None = None,
    ) -> None:
        """Record the call, and hand the record on as AWS hands it to EventBridge."""
        record = self._store.record(request, code, message, response, additional, request_id)
        if record is not None and self._deliver is not None:
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


def _s3_additional(
    environ: dict[str, Any], body: bytes, data: bytes, headers: dict[str, str]
) -> dict[str, Any]:
    """S3's `additionalEventData` as real records carry it (corpus s3-GetObject.json), less
    `CipherSuite`: the emulator speaks plain HTTP on loopback, so there is no TLS to name."""
    presigned = "X-Amz-Signature=" in environ.get("QUERY_STRING", "")
    # moto sends no x-amz-id-2; S3's is an opaque base64 token, so one is made up alike.
    amz_id_2 = headers.get("x-amz-id-2") or base64.b64encode(os.urandom(48)).decode()
    return {
        "SignatureVersion": "SigV4",
        "bytesTransferredIn": len(body),
        "AuthenticationMethod": "QueryString" if presigned else "AuthHeader",
        "x-amz-id-2": amz_id_2,
        "bytesTransferredOut": 0 if environ.get("REQUEST_METHOD") == "HEAD" else len(data),
    }
