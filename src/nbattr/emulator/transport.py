"""How the emulator hands its answers to the socket: each whole response in one send.

Why: the AWS provider (5.45.0, built with smithy-go v1.20.2) races itself. net/http's
connection writer, after putting a request's body on the wire, copies the body once more
to find any bytes past Content-Length; smithy-go closes the body as soon as the response's
headers are in, and its closed body then answers that copy with io.EOF, which net/http
takes as a failed write and closes the connection. If the response's body is not yet in the
client's read buffer by then, the provider's read of it fails with "use of closed network
connection". smithy-go later returns no error there (transport/http/internal/io/safe.go,
"io.EOF here is a write failure"), and aws-sdk-go-v2 retries net.ErrClosed since
aws/aws-sdk-go-v2#2949 (see #2737); the provider we pin has neither.

werkzeug's server writes the status line and headers in one send and each body chunk in
others, so on a loaded machine the provider can parse the headers, race, and lose the body.
Sent in one piece, the body is in the client's buffer with the headers, up to net/http's
4 KiB first read. The rest of a longer answer is read from the socket after the race may
have closed it (the module's lifecycle configuration, read back as 14 KB, is one), so such
answers to the Go SDK are held back a moment first: the race needs the client's writer to
be still waiting for the CPU when the answer arrives, and the wait gives it that long to
run. That makes the race rarer, not impossible (bench/dropped_reads.py counts both). A
response from AWS itself may arrive in pieces too: this is about the emulator not making a
rare client bug frequent, not about modelling AWS.
"""

from __future__ import annotations

import io
import socket
import time
from typing import Any

from moto.moto_server.werkzeug_app import MotoRequestHandler

from .wsgi import App, respond, run_app

# net/http's first read of a response (Transport.ReadBufferSize's default), less room for
# the status line and headers the server adds.
FIRST_READ_BODY = 4096 - 512
GO_SDK = "aws-sdk-go-v2/"  # in the User-Agent of the AWS provider and of every Go v2 client
HOLD_BACK_SECONDS = 0.05

# Statuses and methods whose responses have no body, so no Content-Length of their own
# (RFC 9110, 8.6).
_BODYLESS_STATUSES = ("1", "204", "304")


class OneSendWriter(io.BufferedIOBase):
    """A handler's `wfile`: keeps what is written and sends it with one sendall on flush.

    werkzeug flushes after each chunk of the response, so one chunk (see `WholeResponses`)
    means one send with the headers in front.
    """

    def __init__(self, connection: socket.socket) -> None:
        super().__init__()
        self._connection = connection
        self._pending: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._pending.append(chunk)
        return len(chunk)

    def flush(self) -> None:
        if self._pending:
            data = b"".join(self._pending)
            self._pending.clear()
            self._connection.sendall(data)


class RequestHandler(MotoRequestHandler):
    """moto's handler, sending each response in one piece and logging no line per request
    (tests and the demo stay readable)."""

    def setup(self) -> None:
        super().setup()
        self.wfile = OneSendWriter(self.connection)

    def log_request(self, *_: Any, **__: Any) -> None:
        pass


def held_back(environ: dict[str, Any], body: bytes) -> bool:
    """Whether an answer waits before it is sent: too long for the Go SDK's first read."""
    return len(body) > FIRST_READ_BODY and GO_SDK in environ.get("HTTP_USER_AGENT", "")


class WholeResponses:
    """`app` answering in one chunk, with a Content-Length where it has a body (werkzeug would
    otherwise send each chunk apart, or chunked), and holding back answers the Go SDK cannot
    take in its first read by `hold_back_seconds`."""

    def __init__(self, app: App, hold_back_seconds: float = HOLD_BACK_SECONDS) -> None:
        self.app = app
        self.hold_back_seconds = hold_back_seconds

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        status, headers, body = run_app(self.app, environ)
        if environ.get("REQUEST_METHOD") == "HEAD" or status.startswith(_BODYLESS_STATUSES):
            start_response(status, headers)  # a body here would be read as something else
            return [b""]
        if self.hold_back_seconds and held_back(environ, body):
            time.sleep(self.hold_back_seconds)
        # Apps set no Transfer-Encoding (PEP 3333: no hop-by-hop headers), so a length is all
        # werkzeug needs to send the body as it is.
        return respond(start_response, status, body, headers=headers)
