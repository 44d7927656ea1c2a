"""Slow clients on loopback: calls that send headers and never their message, streams never read.

Finding 3 of issue #15: the sync gRPC server read a request inside one of its 8 handler threads,
so 8 calls that sent their headers and never their message (to the open health service, or to
EvaluateBids without a token) held every thread; 8 EvaluateTenders streams whose client never
read their answers did the same once HTTP/2 flow control stopped the writes. These helpers make
both kinds of caller with an ordinary grpc channel, no raw frames:

- :class:`StalledCalls`: ``count`` calls of a unary method made as client-streaming calls whose
  request iterator blocks, so the client sends the call's headers (and the server starts the call)
  but never a message; :meth:`StalledCalls.release` cancels them.
- :class:`UnreadStreams`: ``count`` EvaluateTenders streams that send tenders with the full
  result and never read a response; each on its own channel with a small HTTP/2 window and no
  window growth (``grpc.http2.bdp_probe`` 0), so the server's writes stop after a few answers.

Every call has a deadline, so whatever the server does the helpers end in bounded time.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from types import TracebackType
from typing import Any, Self

import grpc

from tcoapi.v1 import batch_pb2, tender_pb2

HEALTH_CHECK = "/grpc.health.v1.Health/Check"
EVALUATE_BIDS = "/tcoapi.v1.LifeCycleCostService/EvaluateBids"
EVALUATE_TENDERS = "/tcoapi.v1.LifeCycleCostService/EvaluateTenders"
#: The client side of a non-reading stream: a small window that never grows.
SMALL_WINDOW = [
    ("grpc.http2.bdp_probe", 0),
    ("grpc.http2.lookahead_bytes", 16 * 1024),
    ("grpc.max_receive_message_length", 64 * 1024 * 1024),
]


class _Held:
    """Calls on channels of their own, held open until :meth:`release` (or the ``with`` ends)."""

    def __init__(self, channels: list[grpc.Channel]) -> None:
        self._released = threading.Event()
        self._channels = channels
        #: The calls (futures of unary calls, or response iterators of streams), to cancel.
        self.calls: list[Any] = []

    def release(self) -> None:
        self._released.set()
        for call in self.calls:
            call.cancel()
        for channel in self._channels:
            channel.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()


class StalledCalls(_Held):
    """``count`` calls to ``methods`` (round robin) that send headers and never a message."""

    def __init__(self, target: str, methods: list[str], count: int, hold_seconds: float) -> None:
        super().__init__([grpc.insecure_channel(target) for _ in range(count)])
        for i, channel in enumerate(self._channels):
            call = channel.stream_unary(methods[i % len(methods)])
            self.calls.append(call.future(self._never(), timeout=hold_seconds))

    def _never(self) -> Iterator[bytes]:
        self._released.wait()  # the call's headers are out; its message never comes
        return
        yield b""  # pragma: no cover - makes this a generator

    def started(self) -> int:
        """Calls still held (neither answered nor failed)."""
        return sum(1 for f in self.calls if not f.done())


class UnreadStreams(_Held):
    """``count`` EvaluateTenders streams that send ``tenders`` tenders each and never read."""

    def __init__(
        self,
        target: str,
        request: tender_pb2.EvaluateBidsRequest,
        count: int,
        tenders: int,
        hold_seconds: float,
    ) -> None:
        super().__init__(
            [grpc.insecure_channel(target, options=SMALL_WINDOW) for _ in range(count)]
        )
        message = batch_pb2.EvaluateTendersRequest(
            tender_id="t", request=request, detail=batch_pb2.RESULT_DETAIL_FULL
        ).SerializeToString()
        for channel in self._channels:
            call = channel.stream_stream(EVALUATE_TENDERS)
            self.calls.append(call(self._tenders(message, tenders), timeout=hold_seconds))

    def _tenders(self, message: bytes, tenders: int) -> Iterator[bytes]:
        for _ in range(tenders):
            if self._released.is_set():
                return
            yield message
        self._released.wait()  # keep the stream open, half-close only when released
