"""Each emulator response leaves in one send, so a client has its body with its headers.

Why it matters: nbattr.emulator.transport (the AWS provider's dropped read, "use of closed
network connection"). What is counted: the TCP segments with data the client's socket
received, from Linux's TCP_INFO, on loopback where one send of less than the MSS (64 KiB)
is one segment.
"""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from nbattr.emulator.transport import FIRST_READ_BODY, RequestHandler, WholeResponses, held_back

# struct tcp_info (include/uapi/linux/tcp.h, Linux >= 4.6): __u32 tcpi_data_segs_in at byte
# 152, after tcpi_min_rtt.
TCP_INFO_SIZE = 232
DATA_SEGS_IN_OFFSET = 152


def exchange(port: int, request: bytes) -> tuple[bytes, int]:
    """Send `request` on a new connection, read until the server closes it: (response, how
    many segments with data it came in)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request)
        response = b""
        while chunk := connection.recv(1 << 16):
            response += chunk
        info = connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, TCP_INFO_SIZE)
    assert len(info) >= DATA_SEGS_IN_OFFSET + 4, "this kernel's TCP_INFO has no data_segs_in"
    return response, struct.unpack_from("I", info, DATA_SEGS_IN_OFFSET)[0]


def aws_request(service: str, body: bytes, headers: dict[str, str] | None = None) -> bytes:
    """A POST as the SDKs send it; the emulator tells the service from the credential scope
    (moto does not check the signature)."""
    lines = [
        "POST / HTTP/1.1",
        "Host: 127.0.0.1",
        f"Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/{service}/"
        "aws4_request, SignedHeaders=host, Signature=0",
        f"Content-Length: {len(body)}",
        *(f"{name}: {value}" for name, value in (headers or {}).items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def split(response: bytes) -> tuple[str, dict[str, str], bytes]:
    head, _, body = response.partition(b"\r\n\r\n")
    status, *fields = head.decode().split("\r\n")
    headers = {name.lower(): value for name, _, value in (f.partition(": ") for f in fields)}
    return status, headers, body


FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON = {"Content-Type": "application/x-amz-json-1.1"}
ANSWERS = {
    "moto's XML answer (STS)": aws_request(
        "sts", b"Action=GetCallerIdentity&Version=2011-06-15", FORM
    ),
    "moto's XML error (IAM)": aws_request(
        "iam", b"Action=GetRole&RoleName=nobody&Version=2010-05-08", FORM
    ),
    "moto's JSON error (SageMaker)": aws_request(
        "sagemaker",
        b'{"NotebookInstanceName": "nobody"}',
        {**JSON, "X-Amz-Target": "SageMaker.DescribeNotebookInstance"},
    ),
    "the emulator's own 501": aws_request(
        "sagemaker",
        b'{"CodeRepositoryName": "repo"}',
        {**JSON, "X-Amz-Target": "SageMaker.DescribeCodeRepository"},
    ),
}


@pytest.mark.parametrize("request_bytes", ANSWERS.values(), ids=ANSWERS.keys())
def test_every_emulator_answer_arrives_in_one_segment(request_bytes, emulator):
    response, segments = exchange(emulator.port, request_bytes)
    status, headers, body = split(response)
    assert status.startswith("HTTP/1.1 "), status
    assert int(headers["content-length"]) == len(body) > 0
    assert segments == 1, f"{status}: {segments} segments"


def two_chunks(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
    """An app that streams its body in two chunks and sets no Content-Length."""
    start_response("200 OK", [("Content-Type", "text/plain")])
    yield b"first,"
    yield b"second"


def served(app: Any, handler: type[WSGIRequestHandler]) -> Any:
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


GET = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def test_a_streamed_answer_is_sent_whole_with_its_length():
    """The probe sees werkzeug's own pieces (so a count of 1 means something); the handler
    alone still sends each chunk apart; with the wrapper the answer is one segment with a
    Content-Length."""
    stock = served(two_chunks, WSGIRequestHandler)
    handler_only = served(two_chunks, RequestHandler)
    ours = served(WholeResponses(two_chunks), RequestHandler)
    try:
        stock_response, stock_segments = exchange(stock.server_port, GET)
        _, handler_only_segments = exchange(handler_only.server_port, GET)
        response, segments = exchange(ours.server_port, GET)
    finally:
        for server in (stock, handler_only, ours):
            server.shutdown()
            server.server_close()
    assert stock_segments > 1
    assert handler_only_segments > 1
    assert split(stock_response)[1]["transfer-encoding"] == "chunked"
    _, headers, body = split(response)
    assert body == b"first,second"
    assert headers["content-length"] == str(len(body))
    assert "transfer-encoding" not in headers
    assert segments == 1


def test_a_head_answer_gets_no_body_and_no_made_up_length():
    """HEAD has no body: none is sent, and its Content-Length, if any, is the app's (RFC
    9110, 8.6 and 9.3.2)."""
    server = served(WholeResponses(two_chunks), RequestHandler)
    try:
        response, _ = exchange(server.server_port, GET.replace(b"GET", b"HEAD"))
    finally:
        server.shutdown()
        server.server_close()
    _, headers, body = split(response)
    assert body == b""
    assert "content-length" not in headers


PROVIDER_AGENT = (
    "APN/1.0 HashiCorp/1.0 Terraform/1.11.4 (+https://www.terraform.io) terraform-provider-aws/"
    "5.45.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.26.1 "
    "os/linux lang/go#1.26.8 md/GOOS#linux md/GOARCH#amd64 api/sagemaker#1.134.0"
)
BOTO3_AGENT = "Boto3/1.35.0 md/Botocore#1.35.0 ua/2.0 os/linux#6.1 lang/python#3.11.7"


@pytest.mark.parametrize(
    ("agent", "length", "held"),
    [
        (PROVIDER_AGENT, FIRST_READ_BODY + 1, True),
        (PROVIDER_AGENT, FIRST_READ_BODY, False),
        (BOTO3_AGENT, 100 * FIRST_READ_BODY, False),
        ("", FIRST_READ_BODY + 1, False),
    ],
)
def test_only_answers_past_the_go_sdks_first_read_are_held_back(agent, length, held):
    """The Go SDK reads 4 KiB first; what fits is safe, and other SDKs have no such race."""
    assert held_back({"HTTP_USER_AGENT": agent}, b"x" * length) is held
