"""JSON over HTTP/1.1 on its own port: the Connect protocol, served from the gRPC handler table.

Platforms and browser-based tools speak HTTP and JSON first. ``--http-port N`` serves the same
service on a second port of the same process with the `Connect protocol
<https://connectrpc.com/docs/protocol>`_ (version 1):

- unary calls: ``POST /tcoapi.v1.LifeCycleCostService/EvaluateBids`` with ``Content-Type:
  application/json`` and the request in the proto3 JSON mapping as the body; the answer is HTTP
  200 with the response in the same mapping, or the error status Connect maps the code to (400
  ``invalid_argument``, 401, 429 ``resource_exhausted``, 500, 504, ...) with Connect's JSON
  error body whose ``details`` are the gRPC call's ``google.rpc`` details (:mod:`connect`).
  ``application/proto`` (binary protobuf bodies) works too, with the gRPC deserializers.
- ``EvaluateTenders`` (a stream): ``application/connect+json`` or ``application/connect+proto``,
  each message in Connect's 5-byte envelope, the responses likewise and a last end-of-stream
  envelope (``{}`` or ``{"error": ...}``). Over HTTP/1.1 the stream is half-duplex as Connect
  allows for HTTP/1.1 (its spec asks HTTP/2 for full duplex): the server reads one tender,
  answers it, then reads the next, so a client must read the responses while it writes (curl
  does) and the server holds one message each way, as over gRPC.
- ``GET /healthz``: the health service's overall status (200 ``{"status":"SERVING"}``, 503
  when it is not SERVING); ``POST /grpc.health.v1.Health/Check`` as a Connect call.

Why Connect, and why on the standard library
    Connect is a published protocol any Connect client (Go, TypeScript in the browser, Swift,
    Kotlin, Python) and plain curl can use; its paths are ``/<service>/<method>`` of the
    contract, so there is no routing to write: the routes here are the service descriptor's
    methods, each served by the very handler the gRPC server registered for it
    (:func:`tco_server.app.start` passes its table), behind the same interceptors (the bearer
    tokens of :mod:`tco_server.security`), with the same servicer object, so the evaluation
    turns of :mod:`tco_server.turns` are shared by both ports. A call over HTTP runs every check,
    limit, log line and error of the gRPC call; only the bytes around it differ. gRPC
    transcoding (``google.api.http`` annotations) would need a REST mapping per method and a
    proxy (Envoy, grpc-gateway in Go) or a transcoder; the ``connectrpc`` package (0.x) brings a
    WSGI/ASGI stack, an app server and its own servicer interface with its own errors, so the
    handlers would be adapted anyway. The unary protocol is a few pages; the standard library's
    ``http.server`` carries it with the bounds below and no new dependency.

Bounds (the threat model: anyone who can connect may be slow, malformed or huge)
    - at most ``max_concurrent_rpcs`` connections are served at once (a thread each); one more
      is answered 429 ``resource_exhausted`` and closed at once, as gRPC refuses calls beyond
      that number;
    - a request head must arrive within :data:`HEAD_SECONDS` (an idle keep-alive connection is
      closed then), a unary body and each stream message within :data:`BODY_SECONDS`, a
      response be taken within :data:`WRITE_SECONDS`: a slow client loses its connection rather
      than hold a thread;
    - a body (or stream message) over ``--max-message-mb`` is refused with 429
      ``resource_exhausted`` from its length before it is read, as gRPC refuses a larger
      message; at most 100 headers of 64 KiB each (``http.client``'s limits; 431 beyond);
    - only POST with a Connect content type (415 otherwise), identity encoding (compressed
      bodies: 501 ``unimplemented``), a ``Connect-Protocol-Version`` of ``1`` when sent;
      ``Connect-Timeout-Ms`` sets the call's deadline (``time_remaining``), and a client that
      closes its connection makes ``is_active()`` false, as a cancelled gRPC call does;
    - TLS with the gRPC port's certificate and key, and client certificates required with
      ``--tls-client-ca``, when those are configured;
    - on shutdown the port stops accepting, idle connections close, calls in flight finish
      within the grace period and are cancelled after it.

JSON costs more than protobuf to parse: ``json_format`` is pure Python, about 0.85 s of CPU per
MiB of JSON (a 2.3 MiB request of 3000 bids: 0.15 s ``json.loads`` + 1.9 s to the message), so
the size limits of :mod:`tco_server.limits` are applied after that parse, not before it as the
size guard of :mod:`tco_server.decoding` does for protobuf. The parse runs in Python bytecode, so it
shares the interpreter with the other calls rather than freezing them, and the body limit and the
connection limit bound it; a guard that reads the limits' list lengths from the decoded JSON
before building the message is the next step where that matters (``application/proto`` already
has it).

Log lines are the handlers' own (one ``rpc`` line per call, the same fields as over gRPC);
requests refused before a handler runs log ``http_refused`` with the code and a reason.
"""

from __future__ import annotations

import contextlib
import io
import os
import select
import socket
import socketserver
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

import grpc
from google.protobuf import message_factory
from google.protobuf.descriptor import ServiceDescriptor
from google.protobuf.message import Message
from grpc_health.v1 import health, health_pb2

from tco_server import connect, decoding, errors
from tco_server.config import ServerConfig
from tco_server.deadlines import Drain
from tco_server.json_fields import UnknownJsonFields, parse_json
from tco_server.logs import log_event
from tco_server.security import SecurityConfigError

#: Seconds a connection may take to send the next request head (idle keep-alive included).
HEAD_SECONDS = 10.0
#: Seconds to receive a unary request body, or one message of a stream.
BODY_SECONDS = 30.0
#: Seconds the client has to take one response (or one stream message).
WRITE_SECONDS = 30.0
#: The health check path for probes that speak plain HTTP.
HEALTH_PATH = "/healthz"
_UNARY_TYPES = {"application/json": True, "application/proto": False}
_STREAM_TYPES = {"application/connect+json": True, "application/connect+proto": False}


@dataclass(frozen=True, slots=True)
class Route:
    """One method of the contract: its path, its request type and whether it streams."""

    path: str
    method: str
    request_type: type[Message]
    streaming: bool


def routes(*services: ServiceDescriptor) -> dict[str, Route]:
    """``/<service>/<method>`` -> :class:`Route`, for every method of ``services``."""
    found: dict[str, Route] = {}
    for service in services:
        for method in service.methods:
            path = f"/{service.full_name}/{method.name}"
            found[path] = Route(
                path,
                method.name,
                message_factory.GetMessageClass(method.input_type),
                method.client_streaming or method.server_streaming,
            )
    return found


@dataclass(frozen=True, slots=True)
class _CallDetails:
    """``grpc.HandlerCallDetails`` of one HTTP call (what the interceptors read)."""

    method: str
    invocation_metadata: tuple[tuple[str, str], ...]


def _deterministic(message: Message) -> bytes:
    return message.SerializeToString(deterministic=True)


def health_handlers(servicer: health.HealthServicer) -> dict[str, Any]:
    """The health service's ``Check`` as a handler (``Watch`` is a long-lived stream: not here)."""
    name = health_pb2.HealthCheckRequest.DESCRIPTOR.full_name
    return {
        f"/{health.SERVICE_NAME}/Check": grpc.unary_unary_rpc_method_handler(
            decoding.refusing_undecodable("Check", name, servicer.Check),
            request_deserializer=decoding.lenient(health_pb2.HealthCheckRequest.FromString),
            response_serializer=_deterministic,
        )
    }


def _refusal(code: grpc.StatusCode, message: str, reason: str) -> grpc.Status:
    log_event("http_refused", code=code.name, reason=reason)
    return errors.plain_status(code, message, reason)


def _too_large(limit: int) -> Callable[[int], grpc.Status]:
    def status(length: int) -> grpc.Status:
        return _refusal(
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            f"message of {length} bytes over the limit of {limit} bytes",
            "MESSAGE_TOO_LARGE",
        )

    return status


def _json_undecodable(route: Route, error: Exception, size: int, started: float) -> grpc.Status:
    """INVALID_ARGUMENT for a body that is not the request in the proto3 JSON mapping; the log
    line of :func:`tco_server.decoding.refusing_undecodable` (the parser's words go to the client
    only)."""
    name = route.request_type.DESCRIPTOR.full_name
    description = f"the request is not a valid {name} in the proto3 JSON mapping: {error}"
    fields = [("", description)]
    if isinstance(error, UnknownJsonFields):  # every unknown key at its path (issue #14)
        description = f"the request is not a valid {name}: unknown field(s)"
        fields = [(path, "unknown field: not in the contract") for path in error.paths]
    log_event(
        "rpc",
        method=route.method,
        code="INVALID_ARGUMENT",
        reason="UNDECODABLE_REQUEST",
        bytes=size,
        duration_ms=round((time.monotonic() - started) * 1000.0, 1),
    )
    return errors.request_status(
        grpc.StatusCode.INVALID_ARGUMENT, description, "UNDECODABLE_REQUEST", fields
    )


class _Handler(BaseHTTPRequestHandler):
    """One connection: its requests in turn (keep-alive), each answered by the gateway."""

    protocol_version = "HTTP/1.1"
    server: _Server

    def version_string(self) -> str:
        return "tco-server"

    # -- connection -------------------------------------------------------------------------

    def setup(self) -> None:
        gateway = self.server.gateway
        self.context: connect.HttpContext | None = None
        self.busy = False
        self._probe: socket.socket = self.request
        if gateway.tls is not None:
            self.request.settimeout(HEAD_SECONDS)
            self.request = gateway.tls.wrap_socket(self.request, server_side=True)
            self._probe = socket.socket(fileno=os.dup(self.request.fileno()))
        super().setup()
        self._reader = connect.TimedReader(self.connection, HEAD_SECONDS)
        self.rfile = io.BufferedReader(self._reader, 65536)
        gateway.opened(self)

    def finish(self) -> None:
        self.server.gateway.closed(self)
        with contextlib.suppress(OSError):
            super().finish()
        if self._probe is not self.request:
            self._probe.close()

    def handle(self) -> None:
        gateway = self.server.gateway
        self.close_connection = False
        while not self.close_connection and not gateway.stopping:
            self._reader.deadline = time.monotonic() + HEAD_SECONDS
            try:
                self.handle_one_request()
            except OSError:  # timeouts, resets, TLS errors: the connection is done
                self.close_connection = True
            finally:
                self.busy = False

    def alive(self) -> bool:
        """False once the client closed its side (a read would see the end of the stream)."""
        try:
            readable, _, _ = select.select([self._probe], [], [], 0)
            return not readable or self._probe.recv(1, socket.MSG_PEEK) != b""
        except (OSError, ValueError):
            return False

    def log_message(self, format: str, *args: Any) -> None:
        """No access log: the handlers log one line per call (:mod:`tco_server.logs`)."""

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (bad request line, 431, unsupported method) as JSON."""
        self.close_connection = True
        name = "unimplemented" if code in (404, 501) else "unknown"  # Connect's HTTP inference
        body = connect.json_dumps({"code": name, "message": message or "refused"})
        self._send(code, "application/json", body)

    # -- requests ---------------------------------------------------------------------------

    def do_GET(self) -> None:
        self.busy = True
        if self.path.partition("?")[0] != HEALTH_PATH:
            self._send_status(
                _refusal(
                    grpc.StatusCode.UNIMPLEMENTED,
                    "only POST (and GET /healthz)",
                    "METHOD_NOT_ALLOWED",
                ),
                [("Allow", "POST")],
                http_status=405,
            )
            return
        path = f"/{health.SERVICE_NAME}/Check"
        response, status = self.server.gateway.call_unary(
            path, b"", self._context(None), lambda _: health_pb2.HealthCheckRequest()
        )
        if status is not None:
            self._send_status(status)
            return
        serving = response.status == health_pb2.HealthCheckResponse.SERVING
        self._send(200 if serving else 503, "application/json", connect.to_json(response))

    def do_POST(self) -> None:
        self.busy = True
        started = time.monotonic()
        gateway = self.server.gateway
        route = gateway.routes.get(self.path)
        if route is None:
            self._refuse_body(
                _refusal(grpc.StatusCode.UNIMPLEMENTED, "no such method", "UNKNOWN_METHOD"), 404
            )
            return
        media = (self.headers.get("Content-Type") or "").partition(";")[0].strip().lower()
        codecs = _STREAM_TYPES if route.streaming else _UNARY_TYPES
        if media not in codecs:
            accepted = ", ".join(codecs)
            status = _refusal(
                grpc.StatusCode.UNKNOWN,
                f"Content-Type {media or '(none)'} not served here; use {accepted}",
                "UNSUPPORTED_MEDIA_TYPE",
            )
            self._refuse_body(status, 415, [("Accept-Post", accepted)])
            return
        checked = self._check_headers(route.streaming)
        if isinstance(checked, tuple):
            self._refuse_body(*checked)
            return
        body = self._body()
        if body is None:
            return
        context = self._context(checked)
        if route.streaming:
            self._stream(route, codecs[media], body, context)
        else:
            self._unary(route, codecs[media], body, context, started)

    def _check_headers(self, streaming: bool) -> float | tuple[grpc.Status, int] | None:
        """The call's deadline (None: none), or the refusal of a header."""
        version = self.headers.get("Connect-Protocol-Version")
        if version is not None and version.strip() != "1":
            status = _refusal(
                grpc.StatusCode.INVALID_ARGUMENT,
                "Connect-Protocol-Version must be 1",
                "PROTOCOL_VERSION",
            )
            return status, 400
        encoding_header = "Connect-Content-Encoding" if streaming else "Content-Encoding"
        encoding = (self.headers.get(encoding_header) or "identity").strip().lower()
        if encoding != "identity":
            status = _refusal(
                grpc.StatusCode.UNIMPLEMENTED,
                f"{encoding_header} {encoding} not supported; supported: identity",
                "UNSUPPORTED_ENCODING",
            )
            return status, 501
        timeout = self.headers.get("Connect-Timeout-Ms")
        if timeout is None:
            return None
        timeout = timeout.strip()
        if not timeout.isdigit() or not 0 < len(timeout) <= 10:
            status = _refusal(
                grpc.StatusCode.INVALID_ARGUMENT,
                "Connect-Timeout-Ms must be a positive integer of at most 10 digits",
                "BAD_TIMEOUT",
            )
            return status, 400
        return time.monotonic() + int(timeout) / 1000.0

    def _body(self) -> connect.Readable | None:
        """The request body as a file (None: refused and answered here)."""
        limit = self.server.gateway.max_bytes
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return connect.Chunked(self.rfile)
        try:
            length = int(self.headers.get("Content-Length") or "0")
        except ValueError:
            length = -1
        if length < 0:
            self._refuse_body(
                _refusal(grpc.StatusCode.INVALID_ARGUMENT, "bad Content-Length", "BAD_LENGTH"), 400
            )
            return None
        if length > limit:
            self._refuse_body(_too_large(limit)(length))
            return None
        return connect.Limited(self.rfile, length)

    def _context(self, deadline: float | None) -> connect.HttpContext:
        metadata = tuple((k.lower(), v) for k, v in self.headers.items())
        host, port = self.client_address[:2]
        peer = f"ipv6:[{host}]:{port}" if ":" in host else f"ipv4:{host}:{port}"
        drain = self.server.gateway.drain
        context = connect.HttpContext(metadata, deadline, self.alive, peer)
        if drain is not None:
            context = _DrainingContext(metadata, deadline, self.alive, peer, drain)
        self.context = context
        return context

    def _unary(
        self,
        route: Route,
        as_json: bool,
        body: connect.Readable,
        context: connect.HttpContext,
        started: float,
    ) -> None:
        gateway = self.server.gateway
        self._reader.deadline = time.monotonic() + BODY_SECONDS
        payload = body.read(gateway.max_bytes + 1)
        if len(payload) > gateway.max_bytes:  # a chunked body over the limit
            self._refuse_body(_too_large(gateway.max_bytes)(len(payload)))
            return

        def decode(deserialize: Callable[[bytes], Any]) -> Any:
            if not as_json:
                return deserialize(payload)  # the gRPC port's own (never raises)
            try:
                return parse_json(payload, route.request_type)
            except Exception as error:
                raise connect.AbortError(
                    _json_undecodable(route, error, len(payload), started)
                ) from None

        response, status = gateway.call_unary(route.path, payload, context, decode)
        if status is not None:
            self._send_status(status)
        elif as_json:
            self._send(200, "application/json", connect.to_json(response))
        else:
            self._send(200, "application/proto", _deterministic(response))

    def _stream(
        self, route: Route, as_json: bool, body: connect.Readable, context: connect.HttpContext
    ) -> None:
        gateway = self.server.gateway
        media = "application/connect+json" if as_json else "application/connect+proto"
        self.connection.settimeout(WRITE_SECONDS)
        self.send_response(200)
        self.send_header("Content-Type", media)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        ended: list[grpc.Status] = []

        def next_message() -> tuple[int, bytes] | None:
            self._reader.deadline = time.monotonic() + BODY_SECONDS
            return connect.read_envelope(body, gateway.max_bytes, _too_large(gateway.max_bytes))

        def write(flags: int, payload: bytes) -> None:
            framed = connect.envelope(flags, payload)
            self.connection.settimeout(WRITE_SECONDS)
            self.wfile.write(b"%x\r\n%s\r\n" % (len(framed), framed))

        for response in gateway.call_stream(route, as_json, next_message, context, ended):
            write(0, connect.to_json(response) if as_json else _deterministic(response))
        end: dict[str, object] = {}
        if ended:
            end["error"] = connect.error_body(ended[0])[0]
        write(connect.FLAG_END_STREAM, connect.json_dumps(end))
        self.wfile.write(b"0\r\n\r\n")
        self.close_connection = True  # the request stream may not have been read to its end

    # -- answers ----------------------------------------------------------------------------

    def _send(
        self,
        http_status: int,
        content_type: str,
        body: bytes,
        headers: Sequence[tuple[str, str]] = (),
    ) -> None:
        self.connection.settimeout(WRITE_SECONDS)
        self.send_response(http_status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        if self.close_connection or self.server.gateway.stopping:
            self.close_connection = True
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def _send_status(
        self,
        status: grpc.Status,
        headers: Sequence[tuple[str, str]] = (),
        http_status: int | None = None,
    ) -> None:
        body, mapped = connect.error_body(status)
        self._send(http_status or mapped, "application/json", connect.json_dumps(body), headers)

    def _refuse_body(
        self,
        status: grpc.Status,
        http_status: int | None = None,
        headers: Sequence[tuple[str, str]] = (),
    ) -> None:
        """Answer without reading the body; the connection closes (the body is still unread)."""
        self.close_connection = True
        self._send_status(status, headers, http_status)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(
        self, address: tuple[str, int], family: int, reuse_port: bool, gateway: HttpGateway
    ) -> None:
        self.address_family = family
        self.allow_reuse_port = reuse_port
        self.gateway = gateway
        self._slots = threading.BoundedSemaphore(gateway.max_connections)
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            self._turn_away(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def _turn_away(self, request: socket.socket) -> None:
        """429 resource_exhausted to a connection over the limit (plaintext only), then close."""
        log_event("http_refused", code="RESOURCE_EXHAUSTED", reason="TOO_MANY_CONNECTIONS")
        if self.gateway.tls is None:
            body = connect.json_dumps(
                {"code": "resource_exhausted", "message": "too many connections; retry later"}
            )
            head = (
                "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            )
            with contextlib.suppress(OSError):
                request.settimeout(0.5)
                request.sendall(head.encode("ascii") + body)
        self.shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A connection that failed outside a call (a TLS handshake, a reset): no traceback."""


class HttpGateway:
    """The HTTP port: the Connect protocol in front of a table of gRPC method handlers.

    ``table`` maps ``/<service>/<method>`` to the handler the gRPC server serves it with;
    ``interceptors`` are the gRPC server's, applied in the same order to every call."""

    def __init__(
        self,
        config: ServerConfig,
        table: dict[str, Any],
        services: Sequence[ServiceDescriptor],
        interceptors: Sequence[Any] = (),
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.routes = {path: route for path, route in routes(*services).items() if path in table}
        self.max_bytes = config.max_message_bytes
        self.max_connections = config.max_concurrent_rpcs
        self.tls = tls
        self.stopping = False
        #: The server's shutdown clock (None: calls run until the grace period cuts them).
        self.drain: Drain | None = None
        self._table = table
        self._interceptors = tuple(interceptors)
        self._connections: set[_Handler] = set()
        self._lock = threading.Lock()
        host = config.host.strip("[]")
        family, _, _, _, address = socket.getaddrinfo(
            host, config.http_port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        self._server = _Server(
            (str(address[0]), int(address[1])), family, config.processes > 1, self
        )
        self.host = config.host
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name="tco-http"
        )

    # -- calls ------------------------------------------------------------------------------

    def handler(self, path: str, metadata: tuple[tuple[str, str], ...]) -> Any:
        """The handler of ``path`` behind the interceptors (None: no such method)."""
        details = _CallDetails(path, metadata)

        def chain(index: int, call: Any) -> Any:
            if index == len(self._interceptors):
                return self._table.get(call.method)
            return self._interceptors[index].intercept_service(
                lambda next_call: chain(index + 1, next_call), call
            )

        return chain(0, details)

    def call_unary(
        self,
        path: str,
        payload: bytes,
        context: connect.HttpContext,
        decode: Callable[[Callable[[bytes], Any]], Any],
    ) -> tuple[Any, grpc.Status | None]:
        """(response, None) or (None, status) of a unary call.

        ``decode(deserializer)`` makes the request from the body (the handler's deserializer
        for protobuf; it raises :class:`tco_server.connect.AbortError` for a body it cannot
        decode). It is not called when an interceptor refused the call (its handler has no
        deserializer): as over gRPC, a refused request is never decoded."""
        handler = self.handler(path, context.invocation_metadata())
        if handler is None:  # pragma: no cover - routes come from the table
            return None, errors.plain_status(grpc.StatusCode.UNIMPLEMENTED, path, "UNKNOWN")
        try:
            deserialize = handler.request_deserializer
            request = payload if deserialize is None else decode(deserialize)
            response = handler.unary_unary(request, context)
        except connect.AbortError as abort:
            return None, abort.status
        return response, context.status()

    def call_stream(
        self,
        route: Route,
        as_json: bool,
        next_message: Callable[[], tuple[int, bytes] | None],
        context: connect.HttpContext,
        ended: list[grpc.Status],
    ) -> Iterator[Any]:
        """The responses of a streaming call; a status that ends it is appended to ``ended``."""
        handler = self.handler(route.path, context.invocation_metadata())
        deserialize = handler.request_deserializer

        def requests() -> Iterator[Any]:
            while True:
                try:
                    got = next_message()
                except connect.EnvelopeError as broken:
                    ended.append(broken.status)
                    raise _StreamBrokenError from None
                except OSError:  # the client went away, or stalled past BODY_SECONDS
                    context.cancel()
                    ended.append(
                        _refusal(
                            grpc.StatusCode.CANCELLED,
                            f"the request stream broke off or stalled ({BODY_SECONDS:g} s)",
                            "STREAM_READ_FAILED",
                        )
                    )
                    raise _StreamBrokenError from None
                if got is None:
                    return
                flags, payload = got
                if flags & connect.FLAG_COMPRESSED:
                    ended.append(
                        _refusal(
                            grpc.StatusCode.UNIMPLEMENTED,
                            "compressed messages not supported",
                            "UNSUPPORTED_ENCODING",
                        )
                    )
                    raise _StreamBrokenError
                yield _decode_message(payload, as_json, route, deserialize)

        responses: Iterator[Any] | None = None
        try:
            responses = iter(handler.stream_stream(requests(), context))
            yield from responses
        except connect.AbortError as abort:
            ended.append(abort.status)
        finally:
            close = getattr(responses, "close", None)
            if close is not None:
                close()

    # -- connections ------------------------------------------------------------------------

    def opened(self, connection: _Handler) -> None:
        with self._lock:
            self._connections.add(connection)

    def closed(self, connection: _Handler) -> None:
        with self._lock:
            self._connections.discard(connection)

    def start(self) -> None:
        self._thread.start()
        log_event("http_listening", host=self.host, port=self.port)

    def shutdown(self, grace: float) -> None:
        """Stop accepting, close idle connections, let calls finish within ``grace`` seconds,
        then cancel the rest (:meth:`stop_now`); returns when all connections are closed."""
        self.stopping = True
        self._server.shutdown()
        self._server.server_close()
        end = time.monotonic() + grace
        while time.monotonic() < end:
            with self._lock:
                connections = list(self._connections)
            if not connections:
                return
            for connection in connections:
                if not connection.busy:
                    _close(connection)
            time.sleep(0.05)
        self.stop_now()

    def stop_now(self) -> None:
        """Cancel every call in flight and close every connection."""
        self.stopping = True
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            if connection.context is not None:
                connection.context.cancel()
            _close(connection)


class _DrainingContext(connect.HttpContext):
    """A call's context whose deadline is at most the end of the server's drain (as over gRPC)."""

    def __init__(
        self,
        metadata: Sequence[tuple[str, str]],
        deadline: float | None,
        alive: Callable[[], bool],
        peer: str,
        drain: Drain,
    ) -> None:
        super().__init__(metadata, deadline, alive, peer)
        self._drain = drain

    def time_remaining(self) -> float | None:
        remaining = super().time_remaining()
        drain = self._drain.remaining()
        if drain is None:
            return remaining
        return drain if remaining is None else min(remaining, drain)

    def is_active(self) -> bool:
        remaining = self.time_remaining()
        return super().is_active() and (remaining is None or remaining > 0)


def _close(connection: _Handler) -> None:
    with contextlib.suppress(OSError):
        connection.connection.shutdown(socket.SHUT_RDWR)


class _StreamBrokenError(grpc.RpcError):  # type: ignore[misc]
    """The request stream cannot go on (the handler sees a failed read, as over gRPC)."""


def _decode_message(
    payload: bytes, as_json: bool, route: Route, deserialize: Callable[[bytes], Any] | None
) -> Any:
    """One stream message for the handler: the gRPC deserializer's result for protobuf; for
    JSON the parsed message, or a :class:`tco_server.decoding.Undecodable` (answered in the
    stream)."""
    started = time.monotonic()
    if not as_json:
        return deserialize(payload) if deserialize is not None else payload
    try:
        return parse_json(payload, route.request_type)
    except Exception:
        return decoding.Undecodable(len(payload), started)


def tls_context(config: ServerConfig) -> ssl.SSLContext | None:
    """The HTTP port's TLS from the gRPC port's files (None: plaintext)."""
    if not config.tls_cert_file:
        return None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(config.tls_cert_file, config.tls_key_file)
        if config.tls_client_ca_file:
            context.load_verify_locations(config.tls_client_ca_file)
            context.verify_mode = ssl.CERT_REQUIRED
    except (OSError, ssl.SSLError) as error:
        raise SecurityConfigError(f"the HTTP port cannot use the TLS files: {error}") from None
    return context


def start(
    config: ServerConfig,
    services: Sequence[tuple[ServiceDescriptor, dict[str, Any]]],
    interceptors: Sequence[Any],
    health_servicer: health.HealthServicer,
    *,
    drain: Drain | None = None,
) -> HttpGateway:
    """Bind ``config.host:config.http_port`` (0: a free port) and serve in a thread.

    ``services``: each service with the gRPC server's table of it (method name -> handler);
    ``drain`` the gRPC server's shutdown clock: on shutdown HTTP calls answer by its end too.
    Raises OSError when the port cannot be bound, SecurityConfigError for unusable TLS files."""
    table = {
        f"/{s.full_name}/{name}": h for s, handlers in services for name, h in handlers.items()
    }
    table.update(health_handlers(health_servicer))
    health_service = health_pb2.DESCRIPTOR.services_by_name["Health"]
    described = (*(s for s, _ in services), health_service)
    gateway = HttpGateway(config, table, described, interceptors, tls_context(config))
    gateway.drain = drain
    gateway.start()
    return gateway
