"""The gRPC transport: an asyncio server (``grpc.aio``) in front of the synchronous handlers.

Why (issue #15, finding 3): grpc's sync server reads a request inside one of its handler
threads, so a handful of calls that send their headers and never their message, or streams whose
client never reads, held every thread and froze the process, health checks included. Here:

- **Waiting for bytes holds no thread.** The event loop (one thread, ``tco-grpc``) receives
  requests and sends responses; a call that never sends its message, or a stream whose client
  never reads, is a suspended coroutine, not a blocked thread. Health and reflection are served
  on the loop itself and answer during such an attack.
- **CPU work in a bounded pool.** A call's bytes are decoded, handled and encoded in one of
  ``--workers`` threads (``tco-rpc``), by the same synchronous handlers the HTTP gateway calls
  (:func:`tco_server.app.start` builds one table for both), behind the same interceptors; the
  evaluation queue (:mod:`tco_server.evaluation_queue`) orders the evaluations among them.
  A stream (EvaluateTenders) is read and written by the loop, one pool task per message.
- **Calls in progress are bounded.** Beyond ``--max-concurrent-rpcs`` service calls in progress
  (a unary call from its message in hand to its answer, a stream for its whole life) a call is
  answered RESOURCE_EXHAUSTED at once; health and reflection do not count and are never refused.
- **A caller that has gone is noticed.** When grpc cancels a call (the client cancelled,
  disconnected or its deadline passed), its :class:`tco_server.deadlines.CallContext` is marked
  gone: the handler stops at its next check, and a call still waiting for a pool thread never
  starts (its log line says ``stopped_before: "a worker thread"``).
- **Connections cannot be held for ever**: keepalive pings find dead peers, at most
  :data:`MAX_STREAMS_PER_CONNECTION` calls per connection, idle connections closed after
  :data:`MAX_CONNECTION_IDLE_MS`, and every connection is asked to reconnect after
  :data:`MAX_CONNECTION_AGE_MS` and closed :data:`MAX_CONNECTION_AGE_GRACE_MS` later (which also
  spreads long-lived clients over the processes of ``--processes N``).
- **Drain** (:meth:`GrpcServer.stop`): new calls are refused; every accepted call, queued ones
  included, gets at most the grace period less :data:`DRAIN_MARGIN_SECONDS` (the
  :class:`tco_server.deadlines.Drain` caps every call's deadline), so each answers, OK or
  DEADLINE_EXCEEDED, and logs its line before the grace period ends; then the pool's threads are
  joined.

A method of the gRPC table whose handler streams both ways must be a stream *opener*: called once
with ``(None, context)`` in a pool thread, it returns a :class:`MessageStream` (see
:meth:`tco_server.batch.TenderStream.open`).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

import grpc
from grpc import aio

from tco_server import errors
from tco_server.config import ServerConfig
from tco_server.deadlines import Aborted, CallContext, ClientGone, Drain
from tco_server.logs import log_event

T = TypeVar("T")

#: Calls at once on one HTTP/2 connection (SETTINGS_MAX_CONCURRENT_STREAMS).
MAX_STREAMS_PER_CONNECTION = 100
#: The server pings a connection silent this long, and closes it if no answer comes in time.
KEEPALIVE_TIME_MS = 60_000
KEEPALIVE_TIMEOUT_MS = 20_000
#: A connection with no call for this long is closed (GOAWAY).
MAX_CONNECTION_IDLE_MS = 5 * 60_000
#: Every connection is asked to reconnect after this long, and closed this much later.
MAX_CONNECTION_AGE_MS = 30 * 60_000
MAX_CONNECTION_AGE_GRACE_MS = 10 * 60_000
#: Of the grace period, what is kept for the last answers to be sent before grpc cancels.
DRAIN_MARGIN_SECONDS = 1.0
#: grpc cancels a call at its deadline a little before this process' clock says it is due.
DEADLINE_SLACK_SECONDS = 0.05
#: What a call that never got a pool thread stopped before (its log line).
WORKER = "a worker thread"


def transport_options(config: ServerConfig) -> list[tuple[str, int]]:
    """The server's grpc channel arguments (message sizes, SO_REUSEPORT, connection limits)."""
    return [
        ("grpc.max_receive_message_length", config.max_message_bytes),
        ("grpc.max_send_message_length", config.max_message_bytes),
        ("grpc.so_reuseport", 1 if config.processes > 1 else 0),
        ("grpc.max_concurrent_streams", MAX_STREAMS_PER_CONNECTION),
        ("grpc.keepalive_time_ms", KEEPALIVE_TIME_MS),
        ("grpc.keepalive_timeout_ms", KEEPALIVE_TIMEOUT_MS),
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.http2.min_ping_interval_without_data_ms", 10_000),
        ("grpc.http2.max_ping_strikes", 2),
        ("grpc.max_connection_idle_ms", MAX_CONNECTION_IDLE_MS),
        ("grpc.max_connection_age_ms", MAX_CONNECTION_AGE_MS),
        ("grpc.max_connection_age_grace_ms", MAX_CONNECTION_AGE_GRACE_MS),
    ]


class MessageStream(Protocol):
    """One bidirectional stream, message by message (made by a stream opener)."""

    def respond(self, request: Any) -> Any:
        """The response to the next request; raises :class:`ClientGone` to end the stream."""

    def close(self, code: str, **fields: Any) -> None:
        """The stream ended with ``code``: log its line."""


def _method_name(path: str) -> str:
    return path.rsplit("/", 1)[-1]


class _Calls:
    """Service calls in progress (touched by the loop thread only)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.count = 0

    def admit(self) -> bool:
        if self.count >= self.limit:
            return False
        self.count += 1
        return True

    def done(self) -> None:
        self.count -= 1


class GrpcServer:
    """The asyncio gRPC server, run by its own loop thread, driven from other threads."""

    def __init__(
        self,
        config: ServerConfig,
        tables: dict[str, dict[str, Any]],
        interceptors: Sequence[Any],
        register: Callable[[aio.Server], None],
    ) -> None:
        """``tables``: service name -> method name -> sync handler (streams: openers);
        ``interceptors``: sync ``grpc.ServerInterceptor`` s applied to each call in order;
        ``register(server)`` adds the servicers that run on the event loop (health, reflection:
        their asyncio versions; a sync servicer would run in asyncio's default thread pool)."""
        self.config = config
        self.drain = Drain()
        self._tables = {
            f"/{service}/{method}": handler
            for service, table in tables.items()
            for method, handler in table.items()
        }
        self._interceptors = tuple(interceptors)
        self._calls = _Calls(config.max_concurrent_rpcs)
        self._pool = ThreadPoolExecutor(max_workers=config.workers, thread_name_prefix="tco-rpc")
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run_loop, name="tco-grpc", daemon=True)
        self._thread.start()
        self._drained: asyncio.Event | None = None
        self._stopping = threading.Lock()
        self._stopped = False
        self.server: aio.Server = self.run(self._make(register))

    # -- the loop thread -------------------------------------------------------------------

    def _run_loop(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_forever()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run ``coroutine`` on the loop from another thread and return its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    async def _make(self, register: Callable[[aio.Server], None]) -> aio.Server:
        self._drained = asyncio.Event()
        server = aio.server(options=transport_options(self.config))
        server.add_generic_rpc_handlers((_Generic(self),))
        register(server)
        return server

    def add_port(self, address: str, credentials: grpc.ServerCredentials | None) -> int:
        """Bind ``address`` (TLS with ``credentials``); the port; RuntimeError if it cannot."""

        async def bind() -> int:
            if credentials is not None:
                return int(self.server.add_secure_port(address, credentials))
            return int(self.server.add_insecure_port(address))

        return self.run(bind())

    def start(self) -> None:
        self.run(self.server.start())

    # -- stopping ----------------------------------------------------------------------------

    def stop(self, grace: float, before: Callable[[], Awaitable[None]]) -> None:
        """Drain within ``grace`` seconds (see the module docstring), then stop the loop.

        ``before()`` runs on the loop first (health NOT_SERVING). Returns when every call ended
        and every pool thread is idle; a second call returns at once."""
        with self._stopping:
            if self._stopped:
                return
            self._stopped = True

        async def drain() -> None:
            await before()
            self._drain_for(grace)
            await self.server.stop(grace)

        future = asyncio.run_coroutine_threadsafe(drain(), self._loop)
        while True:  # in slices: a second signal's handler runs in this (the main) thread
            try:
                future.result(timeout=0.2)
                break
            except TimeoutError:
                continue
        self._pool.shutdown(wait=True)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5.0)

    def _drain_for(self, grace: float) -> None:
        """Start the drain clock (on the loop); the streams waiting on a client stop at its end."""
        seconds = max(0.0, grace - min(DRAIN_MARGIN_SECONDS, grace / 4))
        self.drain.begin(seconds)
        drained = self._drained
        if drained is not None:
            self._loop.call_later(self.drain.remaining() or 0.0, drained.set)

    def stop_now(self) -> None:
        """Cancel every call now (a second signal)."""
        self.drain.begin(0.0)
        if not self._loop.is_running():
            return

        async def cancel() -> None:
            if self._drained is not None:
                self._drained.set()
            await self.server.stop(0)

        asyncio.run_coroutine_threadsafe(cancel(), self._loop)

    # -- calls -------------------------------------------------------------------------------

    def intercepted(self, details: grpc.HandlerCallDetails) -> Any:
        """The sync handler of a call behind the interceptors (None: no such method)."""

        def chain(index: int, call: grpc.HandlerCallDetails) -> Any:
            if index == len(self._interceptors):
                return self._tables.get(call.method)
            return self._interceptors[index].intercept_service(
                lambda next_call: chain(index + 1, next_call), call
            )

        return chain(0, details)

    def has(self, method: str) -> bool:
        return method in self._tables

    def context(self, context: aio.ServicerContext) -> CallContext:
        remaining = context.time_remaining()
        deadline = None
        if remaining is not None and remaining < 1e9:  # grpc gives a huge value for "none"
            deadline = time.monotonic() + remaining
        metadata = tuple((m[0], m[1]) for m in context.invocation_metadata() or ())
        return CallContext(metadata, context.peer(), deadline, self.drain)

    async def in_thread(
        self, ctx: contextvars.Context, started: list[bool], work: Callable[[], T]
    ) -> T:
        """``work()`` in a pool thread, in ``ctx`` (the call's context variables)."""

        def run() -> T:
            started.append(True)
            return ctx.run(work)

        return await self._loop.run_in_executor(self._pool, run)

    async def unary(self, path: str, handler: Any, raw: bytes, context: aio.ServicerContext) -> Any:
        call = self.context(context)
        if not self._calls.admit():
            await _too_many(context, self._calls.limit)
        started: list[bool] = []
        begun = time.monotonic()
        try:

            def work() -> bytes:
                deserialize = handler.request_deserializer
                request = raw if deserialize is None else deserialize(raw)
                response = handler.unary_unary(request, call)
                serialize = handler.response_serializer
                return bytes(response if serialize is None else serialize(response))

            return await self.in_thread(contextvars.copy_context(), started, work)
        except Aborted as aborted:
            await _abort(context, aborted.status)
        except Exception as error:  # not the handler's (it maps its own): (de)serialization
            code, fields, status = errors.failure(error)
            log_event("rpc", logging.ERROR, method=_method_name(path), code=code, **fields)
            await _abort(context, status)
        except asyncio.CancelledError:
            call.left(DEADLINE_SLACK_SECONDS)  # the handler stops at its next check
            if not started:  # it never ran: log its line here
                _log_unstarted(_method_name(path), call, begun)
            raise
        finally:
            self._calls.done()

    async def stream(
        self,
        handler: Any,
        requests: AsyncIterator[bytes],
        context: aio.ServicerContext,
    ) -> None:
        call = self.context(context)
        if not self._calls.admit():
            await _too_many(context, self._calls.limit)
        ctx = contextvars.copy_context()
        started: list[bool] = []
        opened: MessageStream | None = None
        code, fields = "UNKNOWN", {}
        try:
            opened_stream: MessageStream = await self.in_thread(
                ctx, started, lambda: handler.stream_stream(None, call)
            )
            opened = opened_stream
            deserialize = handler.request_deserializer or (lambda raw: raw)
            serialize = handler.response_serializer or (lambda response: response)
            iterator = requests.__aiter__()
            while True:
                try:
                    raw = await self._until_drained(iterator.__anext__(), "the next message")
                except StopAsyncIteration:
                    break

                def step(raw: bytes = raw, stream: MessageStream = opened_stream) -> bytes:
                    return bytes(serialize(stream.respond(deserialize(raw))))

                response = await self.in_thread(ctx, started, step)
                await self._until_drained(context.write(response), "writing a response")
            code = "OK"
        except ClientGone as gone:
            code, fields = gone.code.name, {"stopped_before": gone.before}
            if not call.gone.is_set():
                await _abort(context, _status(gone.code, gone.description))
        except Aborted as aborted:
            opened = None  # refused when opened (it logged its own line)
            await _abort(context, aborted.status)
        except asyncio.CancelledError:
            call.left(DEADLINE_SLACK_SECONDS)
            code = "DEADLINE_EXCEEDED" if call.time_remaining() == 0 else "CANCELLED"
            raise
        except Exception as error:  # the transport's: a read or write on a stream that broke off
            call.gone.set()  # (the messages' own failures are answered in the stream)
            code, fields = "CANCELLED", {"exc_type": errors.exception_type(error)}
            raise
        finally:
            self._calls.done()
            if opened is not None:
                ctx.copy().run(opened.close, code, **fields)

    async def collect(
        self, handler: Any, requests: AsyncIterator[bytes], context: aio.ServicerContext
    ) -> bytes:
        """A client stream (StreamReadings): ``handler.stream_unary(None, call)`` opens a sink in
        a pool thread; each message is read here, on the loop, and taken (``sink.take``) in a
        pool thread; the answer is ``sink.finish()``'s. The sink logs its own line."""
        call = self.context(context)
        if not self._calls.admit():
            await _too_many(context, self._calls.limit)
        ctx, started = contextvars.copy_context(), list[bool]()
        deserialize = handler.request_deserializer or (lambda raw: raw)
        try:
            sink = await self.in_thread(ctx, started, lambda: handler.stream_unary(None, call))
            iterator = requests.__aiter__()
            while True:
                try:
                    raw = await self._until_drained(iterator.__anext__(), "the next message")
                except StopAsyncIteration:
                    break

                def take(raw: bytes = raw, sink: Any = sink) -> None:
                    sink.take(deserialize(raw))

                await self.in_thread(ctx, started, take)
            response = await self.in_thread(ctx, started, sink.finish)
            return bytes(handler.response_serializer(response))
        except ClientGone as gone:
            await _abort(context, _status(gone.code, gone.description))
        except Aborted as aborted:
            await _abort(context, aborted.status)
        except asyncio.CancelledError:
            call.left(DEADLINE_SLACK_SECONDS)
            raise
        finally:
            self._calls.done()
        raise AssertionError("aborted")  # pragma: no cover - _abort raises

    async def _until_drained(self, step: Awaitable[T], before: str) -> T:
        """``step``, unless the drain ends first: then ClientGone(DEADLINE_EXCEEDED)."""
        drained = self._drained
        task = asyncio.ensure_future(step)
        if drained is None:
            return await task
        waiter = asyncio.ensure_future(drained.wait())
        try:
            done, _ = await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
        if task in done:
            return task.result()
        task.cancel()
        raise ClientGone(grpc.StatusCode.DEADLINE_EXCEEDED, before)


class _Generic(grpc.GenericRpcHandler):  # type: ignore[misc]
    """Every service method of the tables: the interceptors, then the call run by the server."""

    def __init__(self, server: GrpcServer) -> None:
        self._server = server

    def service(self, details: grpc.HandlerCallDetails) -> Any:
        method = details.method
        if isinstance(method, bytes):
            method = method.decode()
        if not self._server.has(method):
            return None
        handler = self._server.intercepted(details)
        if handler is None:
            return None
        server = self._server
        if handler.request_streaming and handler.response_streaming:

            async def stream(requests: AsyncIterator[bytes], context: aio.ServicerContext) -> None:
                await server.stream(handler, requests, context)

            return grpc.stream_stream_rpc_method_handler(stream)
        if handler.request_streaming:  # a client stream: its handler opens a sink

            async def collect(requests: AsyncIterator[bytes], context: aio.ServicerContext) -> Any:
                return await server.collect(handler, requests, context)

            return grpc.stream_unary_rpc_method_handler(collect)

        async def unary(raw: bytes, context: aio.ServicerContext) -> Any:
            return await server.unary(method, handler, raw, context)

        return grpc.unary_unary_rpc_method_handler(unary)


def _status(code: grpc.StatusCode, details: str) -> grpc.Status:
    return errors.plain_status(code, details, code.name)


async def _abort(context: aio.ServicerContext, status: grpc.Status) -> None:
    await context.abort(status.code, status.details, tuple(status.trailing_metadata or ()))


async def _too_many(context: aio.ServicerContext, limit: int) -> None:
    await _abort(context, errors.too_many_calls_status(limit))


def _log_unstarted(method: str, call: CallContext, begun: float) -> None:
    expired = call.time_remaining() == 0
    log_event(
        "rpc",
        method=method,
        code="DEADLINE_EXCEEDED" if expired else "CANCELLED",
        stopped_before=WORKER,
        duration_ms=round((time.monotonic() - begun) * 1000.0, 1),
    )
