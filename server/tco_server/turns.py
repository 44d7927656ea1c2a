"""Evaluations take turns: at most ``slots`` compute at once in one server process.

Why
    The engine is CPU-bound Python: one evaluation holds the GIL almost all the time it runs.
    When several handler threads of one process evaluate at once, they do not run in parallel;
    they time-slice on the GIL (a forced switch every 5 ms) and evict each other's working set
    from the core's caches at every switch. Measured on the 2-core benchmark machine with the
    typical tender (5 bids x 10 items x 20 years) and 4 concurrent clients
    (``python -m bench.throughput --processes 1 2 --evaluations 1 8``, ``BENCHMARKS.md``,
    Throughput): one process spent 10.3-10.4 ms of CPU per call when the calls interleaved and
    8.5-9.2 ms when they took turns, and served 104-106 against 111-121 calls per second; two
    processes 259-268 against 280-315. Taking turns in arrival order also lowers the mean
    latency of equal calls: the first finishes after one evaluation instead of all finishing
    after four.

What takes a turn
    The CPU-heavy part of a call: the conversion to domain objects, the engine and the
    conversion of its answer (EvaluateBids, each tender of an EvaluateTenders stream, and the
    whole of AnalyzeRanking). Health checks, reflection, reference data, the size guard and the
    request limits do not wait, so a probe or an oversized request is answered at once however
    busy the evaluations are.

Waiting
    A call waits in arrival order (FIFO). While it waits it checks, every
    :data:`POLL_SECONDS`, that its client is still waiting (``stop_check``, which raises to
    stop the call: DEADLINE_EXCEEDED or CANCELLED); a call given up leaves the queue, and a
    turn handed to it at that very moment is passed on. The time a call waited is in its log
    line (``queued_ms``).

``slots`` is ``ServerConfig.evaluations`` (``--evaluations``, default 1). More than one helps
only when the work releases the GIL (large numpy arrays, far above the typical tender); to use
more cores, run more processes (``--processes``).
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


class Turns:
    """A FIFO of evaluations with ``slots`` of them computing at once."""

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
