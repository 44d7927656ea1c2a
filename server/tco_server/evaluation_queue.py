"""Evaluations wait in one queue: at most ``slots`` compute at once in one server process.

Why: the engine is CPU-bound Python and holds the GIL almost all the time; evaluations of one
process that run at once only time-slice on the GIL and evict each other's working set at every
switch. Taking turns in arrival order costs less CPU per call and lowers the mean latency of
equal calls (BENCHMARKS.md, Throughput: taking turns against interleaved).

What waits: the CPU-heavy part of a call (conversion, engine, conversion of the answer); health,
reflection, reference data and the limits do not, so a probe or an oversized request is answered
at once. A waiting call checks every :data:`POLL_SECONDS` that its client still waits
(``stop_check`` raises to stop it) and leaves the queue if not, passing on a turn handed to it at
that moment; it checks once more when the turn comes, so a call whose caller has gone never
starts. Its log line has ``queued_ms``. ``slots`` is ``--evaluations`` (default 1); more
cores: more processes (``--processes``).

Overload: with ``max_waiting`` (``--max-waiting``; default no bound) a call that finds that many
calls already waiting is refused at once with :class:`Overloaded`, which the server answers
UNAVAILABLE with a ``google.rpc.RetryInfo`` delay (:func:`tco_server.errors.overloaded_status`):
the time the calls ahead are expected to take, from the mean duration of the recent turns.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

#: How often a waiting call checks that its client is still there, in seconds.
POLL_SECONDS = 0.05
#: What a call stopped before when its client gave up while it waited (``stopped_before`` in
#: the log line; the status says ``deadline exceeded before its turn to evaluate``).
TURN = "its turn to evaluate"
#: Bounds of the retry delay an overloaded queue advises, seconds.
RETRY_BOUNDS = (0.05, 5.0)
#: Weight of the latest turn in the running mean of turn durations.
_MEAN_WEIGHT = 0.2


class Overloaded(Exception):
    """More calls wait for a turn than the queue takes: retry after ``retry_after`` seconds."""

    def __init__(self, limit: int, retry_after: float) -> None:
        self.limit = limit
        self.retry_after = retry_after
        super().__init__(f"{limit} calls already wait for a turn")


class EvaluationQueue:
    """A first-in, first-out queue of evaluations, ``slots`` of them computing at once."""

    def __init__(self, slots: int, max_waiting: int | None = None) -> None:
        if slots < 1:
            raise ValueError(f"slots must be >= 1, got {slots}")
        if max_waiting is not None and max_waiting < 0:
            raise ValueError(f"max_waiting must be >= 0, got {max_waiting}")
        self.slots = slots
        self.max_waiting = max_waiting
        #: Running mean of the turns' durations, seconds (for the retry delay).
        self.mean_turn = 0.0
        self._lock = threading.Lock()
        self._free = slots
        self._queue: deque[threading.Event] = deque()

    @property
    def waiting(self) -> int:
        """Calls waiting for their turn now."""
        with self._lock:
            return len(self._queue)

    def _acquire(self, stop_check: Callable[[], None]) -> None:
        stop_check()  # a call whose caller has gone does not even queue
        with self._lock:
            if self._free > 0 and not self._queue:
                self._free -= 1
                return
            if self.max_waiting is not None and len(self._queue) >= self.max_waiting:
                ahead = (len(self._queue) + 1) / self.slots * self.mean_turn
                low, high = RETRY_BOUNDS
                raise Overloaded(self.max_waiting, round(min(max(ahead, low), high), 3))
            mine = threading.Event()
            self._queue.append(mine)
        while not mine.wait(POLL_SECONDS):
            try:
                stop_check()
            except BaseException:
                with self._lock:
                    if not mine.is_set():  # still queued: leave the queue
                        self._queue.remove(mine)
                        raise
                # the turn was handed over just now: pass it on, then stop
                self._release()
                raise
        try:  # handed the turn: a caller that left meanwhile never starts, the next one does
            stop_check()
        except BaseException:
            self._release()
            raise

    def _release(self) -> None:
        with self._lock:
            if self._queue:
                self._queue.popleft().set()  # the turn goes straight to the next in line
            else:
                self._free += 1

    @contextmanager
    def turn(self, stop_check: Callable[[], None]) -> Iterator[float]:
        """Wait for a turn (raising what ``stop_check`` raises if the call is given up), yield
        the seconds waited, and end the turn when the block ends, however it ends."""
        started = time.monotonic()
        self._acquire(stop_check)
        began = time.monotonic()
        try:
            yield began - started
        finally:
            took = time.monotonic() - began
            self.mean_turn += _MEAN_WEIGHT * (took - self.mean_turn)  # a rough figure: no lock
            self._release()
