"""A call moto cannot answer fails at once, with a message that says so.

moto raises `NotImplementedError` for an action it lacks, which its server turns into an
HTML `500 Internal Server Error`. Every AWS SDK retries a 500 as a transient fault (botocore's
and the Go SDK v2's default retryers: 500, 502, 503, 504), and the AWS provider's retryer
allows 25 attempts, so a Terraform apply that meets a missing action waited minutes and then
reported an internal error. This layer answers it with `501 Not Implemented`, which neither botocore
nor the Go SDKs retry (v1's default retryer skips 501 by name), and an error the SDKs parse:
code `NotImplemented`, naming the action and moto.

This is the emulator reporting its own gap, not a model of AWS: AWS answers every action its
API lists.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib.metadata import version
from typing import Any
from xml.sax.saxutils import escape

from .wsgi import App, json_error, respond

STATUS = "501 Not Implemented"
CODE = "NotImplemented"


class Unimplemented:
    """WSGI middleware around moto's dispatcher: a missing action answers 501 at once."""

    def __init__(self, app: App) -> None:
        self._app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        try:
            return self._app(environ, start_response)
        except NotImplementedError as error:  # raised before moto starts its response
            message = f"the emulator (moto {version('moto')}) cannot answer this call: {error}"
            return _error(environ, start_response, message)


def _error(environ: dict[str, Any], start_response: Any, message: str) -> list[bytes]:
    if "json" in environ.get("CONTENT_TYPE", ""):  # the JSON protocols, REST and not
        return json_error(start_response, STATUS, CODE, message, "application/json")
    body = (  # the query and REST-XML protocols: both parse this shape
        f"<ErrorResponse><Error><Type>Sender</Type><Code>{CODE}</Code>"
        f"<Message>{escape(message)}</Message></Error></ErrorResponse>"
    ).encode()
    return respond(start_response, STATUS, body, "text/xml")
