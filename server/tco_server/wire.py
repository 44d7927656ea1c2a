"""Requests that are not valid protobuf: INVALID_ARGUMENT, logged like every other call.

grpc deserializes a request before any handler runs; when that fails (bytes that are not the
protobuf wire format, a truncated message, a string field that is not UTF-8, as a client in
another language can send), grpc itself answers ``INTERNAL: Exception deserializing request!``:
a client is told the server is broken, there is no incident id and no log line. So the unary
methods are registered with :func:`lenient` deserializers, which return an :class:`Undecodable`
instead of raising, and :func:`refusing_undecodable` behaviours, which answer it with
``INVALID_ARGUMENT``: a ``BadRequest`` with one violation at the empty path (the message as a
whole; the wire format does not say which field was broken) and ``ErrorInfo`` reason
``UNDECODABLE_REQUEST``. The log line has the method, the code, the reason and the size.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf.message import Message

from tco_server import errors
from tco_server.logs import log_event


@dataclass(frozen=True, slots=True)
class Undecodable:
    """A request whose bytes did not parse; ``size`` in bytes, the bytes themselves dropped."""

    size: int
    started: float


def lenient(parse: Callable[[bytes], Message]) -> Callable[[bytes], Message | Undecodable]:
    """``parse``, returning :class:`Undecodable` instead of raising."""

    def deserialize(data: bytes) -> Message | Undecodable:
        started = time.monotonic()
        try:
            return parse(data)
        except Exception:  # DecodeError, and whatever else a parser may raise on hostile bytes
            return Undecodable(len(data), started)

    return deserialize


def undecodable_status(message_name: str) -> grpc.Status:
    description = (
        f"the request is not a valid {message_name}: protobuf wire format with UTF-8 strings "
        "expected"
    )
    return errors.request_status(
        grpc.StatusCode.INVALID_ARGUMENT, description, "UNDECODABLE_REQUEST", [("", description)]
    )


def refusing_undecodable(
    method: str, message_name: str, behaviour: Callable[[Any, grpc.ServicerContext], Any]
) -> Callable[[Any, grpc.ServicerContext], Any]:
    """``behaviour``, but an :class:`Undecodable` request is answered INVALID_ARGUMENT."""
    status = undecodable_status(message_name)

    def run(request: Any, context: grpc.ServicerContext) -> Any:
        if isinstance(request, Undecodable):
            log_event(
                "rpc",
                method=method,
                code="INVALID_ARGUMENT",
                reason="UNDECODABLE_REQUEST",
                bytes=request.size,
                duration_ms=round((time.monotonic() - request.started) * 1000.0, 1),
            )
            context.abort_with_status(status)
        return behaviour(request, context)

    return run
