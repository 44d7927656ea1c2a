"""The Connect protocol's pieces: codes, error bodies, envelopes and the call context.

The HTTP port (:mod:`tco_server.http_gateway`) speaks the `Connect protocol
<https://connectrpc.com/docs/protocol>`_ version 1; this module holds what does not depend on
the HTTP server:

- :data:`CODES`: each gRPC status code's Connect name and HTTP status (the protocol's table:
  ``invalid_argument`` 400, ``unauthenticated`` 401, ``resource_exhausted`` 429, ``internal``
  500, ``deadline_exceeded`` 504, ``canceled`` 499, ...).
- :func:`error_body`: a ``grpc.Status`` made by :mod:`tco_server.errors` as Connect's JSON
  error, ``{"code", "message", "details": [{"type", "value", "debug"}]}``: each
  ``google.rpc`` detail (``BadRequest``, ``ErrorInfo``) with its binary protobuf in ``value``
  (unpadded base64, as the protocol asks) and its proto3 JSON in ``debug`` for a reader. The
  details are the very ``google.protobuf.Any`` of the gRPC trailer, so a client decoding
  ``value`` gets the bytes a gRPC client gets.
- :func:`envelope` / :func:`read_envelope`: the 5-byte framing of streaming calls (flags, then
  the length as a 4-byte big-endian unsigned integer); flag 0x02 marks the end-of-stream message
  ``{"error": ...}`` or ``{}``.
- :class:`Chunked`, :class:`Limited`: a request body (``Transfer-Encoding: chunked`` or
  ``Content-Length``) read as a file; :class:`TimedReader`: a connection's reads bounded by a
  deadline, however a slow client spreads its bytes.
- :class:`HttpContext`: what the service's handlers use of ``grpc.ServicerContext``
  (``invocation_metadata``, ``time_remaining``, ``is_active``, ``abort``,
  ``abort_with_status``, ``set_code``/``set_details``), so a call over HTTP runs the same
  handler code as over gRPC: every check, limit, log line and error is shared.

Worked example: ``errors.invalid_tender_status`` of one violation at ``bids[0].items[0].quantity``
becomes HTTP 400 with::

    {"code":"invalid_argument","message":"1 invalid field(s): bids[0].items[0].quantity: ...",
     "details":[{"type":"google.rpc.BadRequest","value":"CkQKF2JpZHNbMF0...",
                 "debug":{"fieldViolations":[{"field":"bids[0].items[0].quantity", ...}]}},
                {"type":"google.rpc.ErrorInfo","value":"Cg5JTlZBTElEX1RFTkRFUhIG...",
                 "debug":{"reason":"INVALID_TENDER","domain":"tcoapi.lcc-tco.org",
                          "metadata":{"violations":"1"}}}]}
"""

from __future__ import annotations

import base64
import io
import json
import socket
import struct
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import grpc
from google.protobuf import json_format
from google.protobuf.message import Message

from tco_server import errors
from tco_server.batch import status_proto

#: Envelope flag: the message is compressed (never set here: identity only).
FLAG_COMPRESSED = 0x01
#: Envelope flag: the end-of-stream message (JSON ``{"error": ...}`` or ``{}``).
FLAG_END_STREAM = 0x02
_HEADER = struct.Struct(">BI")

#: gRPC status code -> (Connect code, HTTP status), the protocol's table.
CODES: dict[grpc.StatusCode, tuple[str, int]] = {
    grpc.StatusCode.CANCELLED: ("canceled", 499),
    grpc.StatusCode.UNKNOWN: ("unknown", 500),
    grpc.StatusCode.INVALID_ARGUMENT: ("invalid_argument", 400),
    grpc.StatusCode.DEADLINE_EXCEEDED: ("deadline_exceeded", 504),
    grpc.StatusCode.NOT_FOUND: ("not_found", 404),
    grpc.StatusCode.ALREADY_EXISTS: ("already_exists", 409),
    grpc.StatusCode.PERMISSION_DENIED: ("permission_denied", 403),
    grpc.StatusCode.RESOURCE_EXHAUSTED: ("resource_exhausted", 429),
    grpc.StatusCode.FAILED_PRECONDITION: ("failed_precondition", 400),
    grpc.StatusCode.ABORTED: ("aborted", 409),
    grpc.StatusCode.OUT_OF_RANGE: ("out_of_range", 400),
    grpc.StatusCode.UNIMPLEMENTED: ("unimplemented", 501),
    grpc.StatusCode.INTERNAL: ("internal", 500),
    grpc.StatusCode.UNAVAILABLE: ("unavailable", 503),
    grpc.StatusCode.DATA_LOSS: ("data_loss", 500),
    grpc.StatusCode.UNAUTHENTICATED: ("unauthenticated", 401),
}
_BY_NUMBER = {code.value[0]: code for code in CODES}


def to_json(message: Message) -> bytes:
    """A message in the proto3 JSON mapping (lowerCamelCase names, defaults omitted), compact
    UTF-8: what Connect's ``application/json`` carries."""
    return json_dumps(json_format.MessageToDict(message))


def json_dumps(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _detail(packed: Any) -> dict[str, object]:
    """One ``google.protobuf.Any`` as a Connect error detail."""
    out: dict[str, object] = {
        "type": packed.type_url.rpartition("/")[2],
        "value": base64.b64encode(packed.value).decode("ascii").rstrip("="),
    }
    try:
        debug = json_format.MessageToDict(packed)
    except Exception:  # a type this process does not know: the bytes alone
        return out
    debug.pop("@type", None)
    out["debug"] = debug
    return out


def error_body(status: grpc.Status) -> tuple[dict[str, object], int]:
    """Connect's JSON error of ``status`` and the HTTP status it maps to."""
    proto = status_proto(status)
    code = _BY_NUMBER.get(proto.code, grpc.StatusCode.UNKNOWN)
    name, http_status = CODES[code]
    body: dict[str, object] = {"code": name}
    if proto.message:
        body["message"] = proto.message
    if proto.details:
        body["details"] = [_detail(packed) for packed in proto.details]
    return body, http_status


def envelope(flags: int, payload: bytes) -> bytes:
    """One enveloped message: ``flags`` (1 byte), ``len(payload)`` (4 bytes, big-endian), the
    payload. Example: ``envelope(2, b"{}") == b"\\x02\\x00\\x00\\x00\\x02{}"``."""
    return _HEADER.pack(flags, len(payload)) + payload


class Readable(Protocol):
    """A request body: ``read(n)`` returns n bytes, fewer only at its end."""

    def read(self, n: int, /) -> bytes: ...


class EnvelopeError(Exception):
    """A request stream that breaks the framing; ``status`` says how to answer it."""

    def __init__(self, status: grpc.Status) -> None:
        super().__init__(status.code.name)
        self.status = status


def read_envelope(
    stream: Readable, max_bytes: int, too_large: Callable[[int], grpc.Status]
) -> tuple[int, bytes] | None:
    """The next ``(flags, message)`` of a request stream, or None at its clean end.

    A message longer than ``max_bytes`` is refused by its header (``too_large(length)``), before
    it is read; a stream that ends inside an envelope raises :class:`EnvelopeError`
    (INVALID_ARGUMENT).
    """
    header = stream.read(_HEADER.size)
    if not header:
        return None
    if len(header) < _HEADER.size:
        raise EnvelopeError(_plain(grpc.StatusCode.INVALID_ARGUMENT, "truncated envelope"))
    flags, length = _HEADER.unpack(header)
    if length > max_bytes:
        raise EnvelopeError(too_large(length))
    payload = stream.read(length)
    if len(payload) < length:
        raise EnvelopeError(_plain(grpc.StatusCode.INVALID_ARGUMENT, "truncated message"))
    return flags, payload


def _plain(code: grpc.StatusCode, message: str) -> grpc.Status:
    return errors.plain_status(code, message, "MALFORMED_STREAM")


# -- request bodies -----------------------------------------------------------------------------

_CHUNK_LINE = 1024


class _Source(Protocol):
    def read(self, n: int, /) -> bytes: ...

    def readline(self, limit: int, /) -> bytes: ...


class Chunked:
    """The body of a ``Transfer-Encoding: chunked`` request, read as a file (``read(n)``)."""

    def __init__(self, stream: _Source) -> None:
        self._stream = stream
        self._left = 0
        self._done = False

    def _next_chunk(self) -> None:
        line = self._stream.readline(_CHUNK_LINE)
        try:
            self._left = int(line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise OSError("malformed chunk size") from None
        if self._left < 0:
            raise OSError("malformed chunk size")
        if self._left == 0:
            self._done = True
            while self._stream.readline(_CHUNK_LINE) not in (b"\r\n", b"\n", b""):
                pass  # trailers, ignored

    def read(self, n: int) -> bytes:
        parts: list[bytes] = []
        while n > 0 and not self._done:
            if self._left == 0:
                self._next_chunk()
                continue
            data = self._stream.read(min(n, self._left))
            if not data:
                raise OSError("body ended inside a chunk")
            parts.append(data)
            n -= len(data)
            self._left -= len(data)
            if self._left == 0:
                self._stream.readline(_CHUNK_LINE)  # the CRLF after the chunk
        return b"".join(parts)


class Limited:
    """A ``Content-Length`` body, read as a file."""

    def __init__(self, stream: _Source, length: int) -> None:
        self._stream = stream
        self._left = length

    def read(self, n: int) -> bytes:
        data = self._stream.read(min(n, self._left)) if self._left > 0 else b""
        self._left -= len(data)
        return data


class TimedReader(io.RawIOBase):
    """The connection's reads, each bounded by ``deadline`` (a monotonic time): a slow client
    gets TimeoutError once it passes, however it spreads its bytes."""

    def __init__(self, sock: socket.socket, seconds: float) -> None:
        super().__init__()
        self._sock = sock
        self.deadline = time.monotonic() + seconds

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("read deadline passed")
        self._sock.settimeout(remaining)
        return self._sock.recv_into(buffer)


# -- the call context ----------------------------------------------------------------------------


class AbortError(Exception):
    """Raised by :meth:`HttpContext.abort_with_status` (grpc's own ``abort`` raises too)."""

    def __init__(self, status: grpc.Status) -> None:
        super().__init__(status.code.name)
        self.status = status


class _Status:
    """A ``grpc.Status`` (grpc's is an interface with these three attributes)."""

    def __init__(
        self,
        code: grpc.StatusCode,
        details: str,
        trailing_metadata: Sequence[tuple[str, str | bytes]] = (),
    ) -> None:
        self.code = code
        self.details = details
        self.trailing_metadata = tuple(trailing_metadata)


class HttpContext:
    """What the handlers use of ``grpc.ServicerContext``, for one HTTP call.

    - ``invocation_metadata()``: the request headers, names lower-cased (as gRPC metadata);
    - ``time_remaining()``: seconds to the ``Connect-Timeout-Ms`` deadline, None without one;
    - ``is_active()``: False once the client closed the connection (``alive()``) or the server
      cancelled the call (:meth:`cancel`, on shutdown);
    - ``abort`` / ``abort_with_status``: raise :class:`AbortError` with the status;
    - ``set_code`` / ``set_details``: a status to answer after the handler returned (the health
      check answers NOT_FOUND this way).
    """

    def __init__(
        self,
        metadata: Sequence[tuple[str, str]],
        deadline: float | None,
        alive: Callable[[], bool],
        peer: str = "",
    ) -> None:
        self._metadata = tuple(metadata)
        self._deadline = deadline
        self._alive = alive
        self._peer = peer
        self._cancelled = False
        self.code: grpc.StatusCode = grpc.StatusCode.OK
        self.details = ""

    def invocation_metadata(self) -> tuple[tuple[str, str], ...]:
        return self._metadata

    def time_remaining(self) -> float | None:
        if self._deadline is None:
            return None
        return max(0.0, self._deadline - time.monotonic())

    def is_active(self) -> bool:
        return not self._cancelled and self._alive()

    def cancel(self) -> None:
        self._cancelled = True

    def peer(self) -> str:
        return self._peer

    def abort_with_status(self, status: grpc.Status) -> None:
        raise AbortError(status)

    def abort(self, code: grpc.StatusCode, details: str) -> None:
        raise AbortError(_Status(code, details))

    def set_code(self, code: grpc.StatusCode) -> None:
        self.code = code

    def set_details(self, details: str) -> None:
        self.details = details

    def set_trailing_metadata(self, metadata: Sequence[tuple[str, str | bytes]]) -> None:
        """Accepted and dropped: no handler of the service sets trailing metadata."""

    def status(self) -> grpc.Status | None:
        """The status set with :meth:`set_code`, or None when it is OK."""
        if self.code == grpc.StatusCode.OK:
            return None
        return _Status(self.code, self.details)
