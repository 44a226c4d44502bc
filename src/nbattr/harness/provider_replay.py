"""A gRPC relay between Terraform and one running AWS provider that answers two questions
from memory once the provider has answered them.

Of the AWS provider's CPU in each Terraform command, most goes to two calls whose answers
depend only on the binary and the request: `GetSchema` (its whole schema, 3.9 MB, built
afresh each time: about 0.4 CPU-s) and `PrepareProviderConfig` (the provider block checked
against the schema, which in SDKv2 first re-validates every resource's schema,
`Provider.InternalValidate`: about 1.7 CPU-s). The relay forwards every call to the provider
as it is, and keeps the provider's own answer to these two for a byte-identical request:
Terraform still asks, and still receives exactly what a process of this binary said. The
answers are kept for the binary (`Answers`), so a relay in front of a newer process of it
gives them too; that process never builds them, which it needs only to answer these calls
(the provider routes every other call by type on its own, terraform-plugin-mux). Every other
call (configure, validate, plan, apply, read) reaches the provider every time.

While a command that named its configuration's types holds the relay, the schema answer it
receives is narrowed to those types (schema_narrowing): the same entries, fewer of them.

The relay speaks go-plugin's protocol on a Unix socket of its own: the provider's services
(tfplugin5), the health check, and go-plugin's broker, stdio and controller streams. It
never passes on a controller `Shutdown`: the provider outlives each command.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc

from . import schema_narrowing

# Calls whose answer is kept (tfplugin5: the protocol the AWS provider 5.x serves).
GET_SCHEMA = "/tfplugin5.Provider/GetSchema"
REMEMBERED = frozenset({GET_SCHEMA, "/tfplugin5.Provider/PrepareProviderConfig"})
# go-plugin's streaming services (github.com/hashicorp/go-plugin, internal/plugin/*.proto).
BIDI_STREAMS = frozenset({"/plugin.GRPCBroker/StartStream"})
SERVER_STREAMS = frozenset({"/plugin.GRPCStdio/StreamStdio"})
SHUTDOWN = "/plugin.GRPCController/Shutdown"
# A schema is 3.9 MB, above gRPC's 4 MiB default only by a little; no limit either way.
UNLIMITED = [("grpc.max_receive_message_length", -1), ("grpc.max_send_message_length", -1)]
# Terraform validates and plans up to 10 resources at once, and holds two streams open.
THREADS = 24
# Seconds beyond which a remaining time means "no deadline" (a day).
NO_DEADLINE = 86_400.0


def _raw(data: bytes) -> bytes:
    return data


def _timeout(context: grpc.ServicerContext) -> float | None:
    """The caller's deadline, if it set one: without one, grpcio reports a time so far off
    that passing it on overflows into an immediate deadline."""
    remaining = context.time_remaining()
    return remaining if remaining is not None and remaining < NO_DEADLINE else None


def _until_cancelled(requests: Iterator[bytes]) -> Iterator[bytes]:
    """The caller's stream, ended quietly when the caller goes (each command's end)."""
    try:
        yield from requests
    except grpc.RpcError:
        return


class Answers:
    """What processes of one provider binary answered to the remembered calls, and the
    narrowings made of its schema, for every relay in front of one of them."""

    def __init__(self) -> None:
        self.kept: dict[tuple[str, bytes], bytes] = {}
        self.narrowed: dict[tuple[bytes, frozenset[str]], bytes] = {}
        self.lock = threading.Lock()


class _Relay(grpc.GenericRpcHandler):
    def __init__(self, provider_socket: str, answers: Answers) -> None:
        self._channel = grpc.insecure_channel(f"unix:{provider_socket}", options=UNLIMITED)
        self._answers = answers
        self._lock = answers.lock
        self.replayed = 0
        self.forwarded = 0  # remembered calls that reached this relay's process
        self.narrowed = 0
        # The types of the configuration whose command holds the relay; None: all of them.
        self.schema_types: frozenset[str] | None = None

    def close(self) -> None:
        self._channel.close()

    def service(self, handler_call_details: Any) -> grpc.RpcMethodHandler | None:
        method: str = handler_call_details.method
        if method == SHUTDOWN:
            return grpc.unary_unary_rpc_method_handler(lambda request, context: b"")
        if method in BIDI_STREAMS:
            return grpc.stream_stream_rpc_method_handler(self._bidi(method))
        if method in SERVER_STREAMS:
            return grpc.unary_stream_rpc_method_handler(self._server_stream(method))
        return grpc.unary_unary_rpc_method_handler(self._unary(method))

    def _unary(self, method: str) -> Callable[[bytes, grpc.ServicerContext], bytes]:
        forward = self._channel.unary_unary(
            method, request_serializer=_raw, response_deserializer=_raw
        )

        def handle(request: bytes, context: grpc.ServicerContext) -> bytes:
            answer = self._remembered(method, request)
            if answer is None:
                try:
                    answer = forward(request, timeout=_timeout(context))
                except grpc.RpcError as error:
                    context.abort(error.code(), error.details() or "")
                if method in REMEMBERED:
                    with self._lock:
                        self._answers.kept[(method, request)] = answer
                        self.forwarded += 1
            return self._narrow(answer) if method == GET_SCHEMA else answer

        return handle

    def _remembered(self, method: str, request: bytes) -> bytes | None:
        if method not in REMEMBERED:
            return None
        with self._lock:
            answer = self._answers.kept.get((method, request))
            if answer is not None:
                self.replayed += 1
        return answer

    def _narrow(self, answer: bytes) -> bytes:
        keep = self.schema_types
        if keep is None:
            return answer
        with self._lock:
            narrowed = self._answers.narrowed.get((answer, keep))
            if narrowed is None:
                narrowed = schema_narrowing.narrow(answer, keep)
                self._answers.narrowed[(answer, keep)] = narrowed
            self.narrowed += 1
        return narrowed

    def _server_stream(
        self, method: str
    ) -> Callable[[bytes, grpc.ServicerContext], Iterator[bytes]]:
        forward = self._channel.unary_stream(
            method, request_serializer=_raw, response_deserializer=_raw
        )

        def handle(request: bytes, context: grpc.ServicerContext) -> Iterator[bytes]:
            call = forward(request)
            context.add_callback(call.cancel)
            try:
                yield from call
            except grpc.RpcError:
                return  # the command ended and cancelled its stream

        return handle

    def _bidi(
        self, method: str
    ) -> Callable[[Iterator[bytes], grpc.ServicerContext], Iterator[bytes]]:
        forward = self._channel.stream_stream(
            method, request_serializer=_raw, response_deserializer=_raw
        )

        def handle(requests: Iterator[bytes], context: grpc.ServicerContext) -> Iterator[bytes]:
            call = forward(_until_cancelled(requests))
            context.add_callback(call.cancel)
            try:
                yield from call
            except grpc.RpcError:
                return

        return handle


class ProviderReplay:
    """A relay listening on `socket` for the provider listening on `provider_socket`, with
    the answers kept for that provider's binary."""

    def __init__(self, provider_socket: str, socket: Path, answers: Answers) -> None:
        self.socket = socket
        self._relay = _Relay(provider_socket, answers)
        self._server = grpc.server(
            futures.ThreadPoolExecutor(THREADS, thread_name_prefix="provider-replay"),
            handlers=[self._relay],
            options=UNLIMITED,
        )
        self._server.add_insecure_port(f"unix:{socket}")
        self._server.start()

    @property
    def replayed(self) -> int:
        """How many answers came from memory."""
        return self._relay.replayed

    @property
    def forwarded(self) -> int:
        """How many of the remembered calls this relay's process had to answer itself."""
        return self._relay.forwarded

    @property
    def narrowed(self) -> int:
        """How many schema answers were narrowed to a configuration's types."""
        return self._relay.narrowed

    def narrow_schema_to(self, types: frozenset[str] | None) -> None:
        """Narrow the schema answers to `types` (None: give them whole) until told otherwise;
        the relay serves one command at a time, so this is that command's choice."""
        self._relay.schema_types = types

    def stop(self) -> None:
        self._server.stop(grace=None)
        self._relay.close()
