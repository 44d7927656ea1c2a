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


class EvaluationQueue:
    """A first-in, first-out queue of evaluations, ``slots`` of them computing at once."""

    def __init__(self, slots: int) -> None:
        if slots < 1:
            raise ValueError(f"slots must be >= 1, got {slots}")
        self.slots = slots
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
        try:
            yield time.monotonic() - started
        finally:
            self._release()
