"""Group commit: concurrent appends of one organisation share one transaction and one commit.

Why: an organisation's appends are serialised (one hash chain: ``BEGIN IMMEDIATE`` on SQLite, a
transaction advisory lock on PostgreSQL held until the commit returns, fsync included). One
transaction per record makes the chain's rate 1 / (the time the lock is held), and in a server
process that time also includes waiting for the GIL after each statement's round trip while an
evaluation computes. A :class:`Batcher` lets the appends that arrive while one transaction is
running wait, then writes them all in the next transaction: each is still its own record with its
own ``seq`` and ``prev_hash``, the chain is the same as with one transaction per record, but the
lock, the round trips and the fsync are paid once per batch.

How (leader and followers, no thread of its own): a caller adds its item to the pending list; if
no batch is being written, it becomes the leader, takes every pending item (at most
``max_batch``) and writes them with ``write``; the others wait on a condition and return as soon
as their item is done. The leader then wakes them all; one of those still pending leads the next
batch. Durability is unchanged: an item is done (and its caller acknowledged) only after the
transaction that holds it committed; if it failed, every item of the batch gets the error.

Across processes (``--processes N``, several hosts on one PostgreSQL) batches still take turns on
the advisory lock, as single appends did.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

Write = Callable[[Sequence[T]], Sequence[R | BaseException]]

#: The most appends one transaction takes (a bound on a transaction's size and time).
MAX_BATCH = 64


class Batcher(Generic[T, R]):
    """Runs ``write(items)`` for batches of concurrently submitted items, one batch at a time.

    ``write`` returns one outcome per item, in order: a result, or an exception for that item
    alone (e.g. a name already taken); an exception raised by ``write`` itself fails every item
    of the batch.
    """

    def __init__(self, write: Write[T, R], max_batch: int = MAX_BATCH) -> None:
        self._write = write
        self._max = max_batch
        self._ready = threading.Condition()
        self._pending: list[_Slot[T, R]] = []
        self._busy = False

    def submit(self, item: T) -> R:
        """Write ``item`` (in some batch) and return its outcome, or raise its error."""
        slot: _Slot[T, R] = _Slot(item)
        with self._ready:
            self._pending.append(slot)
        while True:
            with self._ready:
                while self._busy and not slot.done:
                    self._ready.wait()
                if slot.done:
                    break
                # lead the next batch: the oldest pending items, this one among them unless more
                # than max_batch wait (then this one leads again, later)
                self._busy = True
                batch, self._pending = self._pending[: self._max], self._pending[self._max :]
            try:
                self._run(batch)
            finally:
                with self._ready:
                    self._busy = False
                    self._ready.notify_all()
        if isinstance(slot.outcome, BaseException):
            raise slot.outcome
        return slot.outcome  # type: ignore[return-value]

    def _run(self, batch: list[_Slot[T, R]]) -> None:
        try:
            outcomes: Sequence[R | BaseException] = self._write([slot.item for slot in batch])
        except BaseException as error:  # every caller of the batch gets it
            outcomes = [error] * len(batch)
        for slot, outcome in zip(batch, outcomes, strict=True):
            slot.outcome = outcome
            slot.done = True


class _Slot(Generic[T, R]):
    __slots__ = ("done", "item", "outcome")

    def __init__(self, item: T) -> None:
        self.item = item
        self.outcome: R | BaseException | None = None
        self.done = False
