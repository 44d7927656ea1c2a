"""Stop work nobody waits for: the client's deadline and cancellation, checked between steps.

Every handler checks, between its steps and inside the engine (:func:`run_engine`), that its
client still waits (``context.time_remaining()`` and ``context.is_active()``): a call whose
deadline passed stops with DEADLINE_EXCEEDED, one the client cancelled with CANCELLED, so no more
work is spent on an answer nobody reads. The engine is synchronous, so a step that has started
runs to its end, unless it asks :func:`should_stop` itself (a cheap check, for long loops).

:class:`CallContext` is what a handler sees of its call when the asyncio server
(:mod:`tco_server.serving`) runs it in a worker thread: the caller's deadline, a ``gone`` flag
the server sets when the caller cancels or disconnects, and the server's :class:`Drain`: once a
shutdown began, every call's deadline is at most the end of the drain, so queued and running
calls answer DEADLINE_EXCEEDED before the grace period is over instead of being cut off.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

import grpc

from tco.evaluate import evaluate
from tco.inputs import Tender
from tco.results import Evaluation


class ClientGone(Exception):
    """The client no longer waits: ``code`` DEADLINE_EXCEEDED or CANCELLED, before ``before``."""

    def __init__(self, code: grpc.StatusCode, before: str) -> None:
        super().__init__(code.name)
        self.code = code
        self.before = before

    @property
    def description(self) -> str:
        what = (
            "deadline exceeded" if self.code == grpc.StatusCode.DEADLINE_EXCEEDED else "cancelled"
        )
        return f"{what} before {self.before}"


def ensure_waiting(context: grpc.ServicerContext, before: str) -> None:
    """Raise :class:`ClientGone` when the client's deadline passed or it cancelled the call."""
    remaining = context.time_remaining()
    if remaining is not None and remaining <= 0:
        raise ClientGone(grpc.StatusCode.DEADLINE_EXCEEDED, before)
    if not context.is_active():
        raise ClientGone(grpc.StatusCode.CANCELLED, before)


def should_stop(context: grpc.ServicerContext) -> Callable[[], bool]:
    """A callable that says, cheaply, whether the call's work should stop now: its deadline (or
    the server's drain) passed, or its caller cancelled or went away. For long loops (Monte Carlo
    chunks, searches): call it every few milliseconds of work and stop when it says True; the
    next :func:`ensure_waiting` then raises the right :class:`ClientGone`."""

    def stop() -> bool:
        remaining = context.time_remaining()
        return (remaining is not None and remaining <= 0) or not context.is_active()

    return stop


class Drain:
    """The server's shutdown clock: after :meth:`begin`, calls have at most :meth:`remaining`."""

    def __init__(self) -> None:
        self._end: float | None = None

    def begin(self, seconds: float) -> None:
        """Every call must answer within ``seconds`` from now (an earlier end stays)."""
        end = time.monotonic() + max(0.0, seconds)
        if self._end is None or end < self._end:
            self._end = end

    def remaining(self) -> float | None:
        """Seconds to the end of the drain (never below 0); None while not draining."""
        return None if self._end is None else max(0.0, self._end - time.monotonic())


class Aborted(Exception):
    """A handler ended its call with ``status`` (``abort`` / ``abort_with_status``)."""

    def __init__(self, status: grpc.Status) -> None:
        super().__init__(status.code.name)
        self.status = status


class _Status(grpc.Status):  # type: ignore[misc]
    def __init__(
        self, code: grpc.StatusCode, details: str, trailing_metadata: Sequence[Any] = ()
    ) -> None:
        self.code = code
        self.details = details
        self.trailing_metadata = tuple(trailing_metadata)


class CallContext:
    """What the handlers use of ``grpc.ServicerContext``, for a call run in a worker thread.

    - ``time_remaining()``: seconds to the caller's deadline or the end of the :class:`Drain`,
      whichever is first (None: neither);
    - ``is_active()``: False once ``gone`` is set (the caller cancelled or disconnected) or
      ``time_remaining()`` is 0;
    - ``abort`` / ``abort_with_status``: raise :class:`Aborted` (the server sends the status);
    - ``set_code`` / ``set_details`` / ``set_trailing_metadata``: kept for the server to send.
    """

    def __init__(
        self,
        metadata: Sequence[tuple[str, str | bytes]],
        peer: str,
        deadline: float | None,
        drain: Drain,
    ) -> None:
        self._metadata = tuple(metadata)
        self._peer = peer
        self._deadline = deadline
        self._drain = drain
        #: Set by the server when the caller cancelled or went away.
        self.gone = threading.Event()
        self.code: grpc.StatusCode = grpc.StatusCode.OK
        self.details = ""
        self.trailing: tuple[tuple[str, str | bytes], ...] = ()

    def left(self, slack: float = 0.05) -> None:
        """grpc ended the call: at its deadline (within ``slack`` seconds, the clocks differ) the
        deadline is due now, otherwise the caller has gone (cancelled or disconnected)."""
        remaining = None if self._deadline is None else self._deadline - time.monotonic()
        if remaining is not None and remaining <= slack:
            self._deadline = time.monotonic()
        else:
            self.gone.set()

    def invocation_metadata(self) -> tuple[tuple[str, str | bytes], ...]:
        return self._metadata

    def peer(self) -> str:
        return self._peer

    def time_remaining(self) -> float | None:
        drain = self._drain.remaining()
        if self._deadline is None:
            return drain
        remaining = max(0.0, self._deadline - time.monotonic())
        return remaining if drain is None else min(remaining, drain)

    def is_active(self) -> bool:
        """False once the caller has gone or the deadline (or the drain) passed, as grpc's."""
        if self.gone.is_set():
            return False
        remaining = self.time_remaining()
        return remaining is None or remaining > 0

    def abort(self, code: grpc.StatusCode, details: str) -> NoReturn:
        raise Aborted(_Status(code, details))

    def abort_with_status(self, status: grpc.Status) -> NoReturn:
        raise Aborted(status)

    def set_code(self, code: grpc.StatusCode) -> None:
        self.code = code

    def set_details(self, details: str) -> None:
        self.details = details

    def set_trailing_metadata(self, metadata: Sequence[tuple[str, str | bytes]]) -> None:
        self.trailing = tuple(metadata)


def run_engine(
    tender: Tender, *, validate_only: bool, checkpoint: Callable[[str], None]
) -> Evaluation:
    """:func:`tco.evaluate.evaluate`, checking the deadline inside it.

    The engine calls its ``checkpoint`` after validation and again before it assembles the
    results; this passes them on as ``checkpoint("evaluation")`` and ``checkpoint("results")``.
    ``validate_only`` runs the evaluation too (its answer carries the evaluation's warnings), so
    it is guarded the same way.
    """
    stages = iter(("evaluation", "results"))
    return evaluate(
        tender,
        validate_only=validate_only,
        checkpoint=lambda: checkpoint(next(stages, "results")),
    )
