"""The evaluation queue (:mod:`tco_server.evaluation_queue`): arrival order, slots, giving up.

The queue itself is tested with threads and events (no timing is asserted: a thread is known to
be queued once ``EvaluationQueue.waiting`` counts it); the handlers through the servicer with a
stand-in for grpc's context, so a turn can be held from the test while a call waits for it.
"""

from __future__ import annotations

import json
import logging
import threading
import time

import grpc
import pytest

from tco_server.config import ServerConfig
from tco_server.evaluation_queue import POLL_SECONDS, TURN, EvaluationQueue
from tco_server.service import LifeCycleCostService
from tcoapi.v1 import result_pb2, tender_pb2
from tests.conftest import HANG_GUARD, wait_until

WAIT = HANG_GUARD  # seconds a test waits for a thread before it fails


class _GaveUp(Exception):
    pass


def _never() -> None:
    return None


def _queue_up(
    turns: EvaluationQueue, n: int, order: list[int], hold: threading.Event
) -> list[threading.Thread]:
    """Start ``n`` threads one after another, each queued before the next starts; each records
    its index when its turn comes and holds the turn until ``hold`` is set."""
    threads = []
    for i in range(n):

        def run(i: int = i) -> None:
            with turns.turn(_never):
                order.append(i)
                hold.wait(WAIT)

        thread = threading.Thread(target=run)
        before = turns.waiting
        thread.start()
        wait_until(lambda before=before: turns.waiting == before + 1)  # type: ignore[misc]
        threads.append(thread)
    return threads


def test_one_slot_serves_the_calls_in_arrival_order() -> None:
    turns = EvaluationQueue(1)
    order: list[int] = []
    hold = threading.Event()
    with turns.turn(_never) as waited:
        assert waited >= 0.0
        threads = _queue_up(turns, 5, order, hold)
        assert order == []  # nobody computes while the turn is held
    hold.set()
    for thread in threads:
        thread.join(WAIT)
    assert order == [0, 1, 2, 3, 4]
    assert turns.waiting == 0


def test_two_slots_let_two_compute_at_once_and_queue_the_third() -> None:
    turns = EvaluationQueue(2)
    inside = threading.Barrier(3, timeout=WAIT)  # two threads and the test
    release = threading.Event()
    third_in = threading.Event()

    def two() -> None:
        with turns.turn(_never):
            inside.wait()  # only passes when both are inside at once
            release.wait(WAIT)

    def third() -> None:
        with turns.turn(_never):
            third_in.set()

    first = [threading.Thread(target=two) for _ in range(2)]
    for thread in first:
        thread.start()
    inside.wait()
    late = threading.Thread(target=third)
    late.start()
    wait_until(lambda: turns.waiting == 1)
    assert not third_in.is_set()
    release.set()
    for thread in [*first, late]:
        thread.join(WAIT)
    assert third_in.is_set()


def test_a_call_that_gives_up_while_queued_leaves_the_queue() -> None:
    turns = EvaluationQueue(1)
    order: list[int] = []
    hold = threading.Event()
    give_up = threading.Event()
    outcome: list[BaseException] = []

    def stop_check() -> None:
        if give_up.is_set():
            raise _GaveUp

    def quitter() -> None:
        try:
            with turns.turn(stop_check):
                order.append(-1)
        except _GaveUp as error:
            outcome.append(error)

    with turns.turn(_never):
        thread = threading.Thread(target=quitter)
        thread.start()
        wait_until(lambda: turns.waiting == 1)
        after = _queue_up(turns, 1, order, hold)
        give_up.set()
        thread.join(WAIT)
        assert isinstance(outcome[0], _GaveUp)
        assert turns.waiting == 1  # only the one behind it
    hold.set()
    after[0].join(WAIT)
    assert order == [0]  # the quitter never computed; the next in line did
    with turns.turn(_never):  # and the slot is free again
        assert turns.waiting == 0


def test_a_turn_handed_to_a_call_giving_up_at_that_moment_is_passed_on() -> None:
    turns = EvaluationQueue(1)
    holder_done = threading.Event()
    got: list[str] = []

    holder_entered = threading.Event()

    def holder() -> None:
        with turns.turn(_never):
            holder_entered.set()
            holder_done.wait(WAIT)

    def stop_check() -> None:
        # The holder's turn ends and is handed to this call; then it gives up anyway.
        holder_done.set()
        wait_until(lambda: holder_thread.is_alive() is False)
        raise _GaveUp

    def quitter() -> None:
        try:
            with turns.turn(stop_check):
                got.append("quitter")
        except _GaveUp:
            got.append("gave up")

    holder_thread = threading.Thread(target=holder)
    holder_thread.start()
    holder_entered.wait(WAIT)
    thread = threading.Thread(target=quitter)
    thread.start()
    thread.join(WAIT)
    assert got == ["gave up"]
    with turns.turn(_never) as waited:  # the turn was passed on: free, nobody waits
        assert turns.waiting == 0
        assert waited < WAIT


def test_a_failing_evaluation_ends_its_turn() -> None:
    turns = EvaluationQueue(1)
    with pytest.raises(ZeroDivisionError), turns.turn(_never):
        _ = 1 / 0
    with turns.turn(_never):
        assert turns.waiting == 0


def test_slots_must_be_positive() -> None:
    with pytest.raises(ValueError, match="slots must be >= 1"):
        EvaluationQueue(0)


# -- through the servicer ------------------------------------------------------------------------


class _Aborted(Exception):
    def __init__(self, status: grpc.Status) -> None:
        super().__init__(status.code)
        self.status = status


class _Context:
    """What the EvaluateBids handler asks of a grpc.ServicerContext; ``deadline`` in monotonic
    seconds (None: no deadline)."""

    def __init__(self, deadline: float | None = None) -> None:
        self.deadline = deadline

    def time_remaining(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.monotonic()

    def is_active(self) -> bool:
        return True

    def invocation_metadata(self) -> tuple[tuple[str, str], ...]:
        return ()

    def abort_with_status(self, status: grpc.Status) -> None:
        raise _Aborted(status)


def _rpc_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    lines = []
    for record in caplog.records:
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict) and fields.get("event") == "rpc":
            lines.append(json.loads(json.dumps(fields)))
    return lines


def test_a_call_waits_for_the_turn_and_logs_how_long(
    sample_request: tender_pb2.EvaluateBidsRequest, caplog: pytest.LogCaptureFixture
) -> None:
    servicer = LifeCycleCostService(ServerConfig())
    alone = servicer.EvaluateBids(sample_request, _Context())  # type: ignore[arg-type]
    answers: list[result_pb2.EvaluateBidsResponse] = []
    with caplog.at_level(logging.INFO, logger="tco_server"):
        with servicer.queue.turn(_never):
            thread = threading.Thread(
                target=lambda: answers.append(
                    servicer.EvaluateBids(sample_request, _Context())  # type: ignore[arg-type]
                )
            )
            thread.start()
            wait_until(lambda: servicer.queue.waiting == 1)
            time.sleep(2 * POLL_SECONDS)  # the turn is held for at least this long
        thread.join(WAIT)
    assert answers == [alone]  # the same answer, only later
    line = _rpc_lines(caplog)[-1]
    assert line["code"] == "OK"
    assert float(line["queued_ms"]) >= 2 * POLL_SECONDS * 1000.0  # type: ignore[arg-type]


def test_a_call_whose_deadline_passes_in_the_queue_stops_there(
    sample_request: tender_pb2.EvaluateBidsRequest, caplog: pytest.LogCaptureFixture
) -> None:
    servicer = LifeCycleCostService(ServerConfig())
    outcome: list[BaseException] = []

    def call() -> None:
        try:
            servicer.EvaluateBids(
                sample_request,
                _Context(deadline=time.monotonic() + 3 * POLL_SECONDS),  # type: ignore[arg-type]
            )
        except _Aborted as aborted:
            outcome.append(aborted)

    with caplog.at_level(logging.INFO, logger="tco_server"), servicer.queue.turn(_never):
        thread = threading.Thread(target=call)
        thread.start()
        thread.join(WAIT)  # it gives up while the test still holds the turn
        assert servicer.queue.waiting == 0
    assert isinstance(outcome[0], _Aborted)
    status = outcome[0].status
    assert status.code == grpc.StatusCode.DEADLINE_EXCEEDED
    assert status.details == f"deadline exceeded before {TURN}"
    line = _rpc_lines(caplog)[-1]
    assert line["code"] == "DEADLINE_EXCEEDED"
    assert line["stopped_before"] == TURN
    assert "digest" not in line  # nothing was evaluated


def test_the_stream_and_the_unary_calls_share_the_process_queue() -> None:
    servicer = LifeCycleCostService(ServerConfig(evaluations=3))
    assert servicer.queue.slots == 3
    from tco_server.batch import TenderStream

    stream = TenderStream(ServerConfig(), servicer.queue)
    assert stream._queue is servicer.queue


def test_a_caller_that_left_before_its_turn_never_starts() -> None:
    """The caller goes, and the turn is handed to it at once, before its next poll could see it:
    it must not compute (the old queue started it, and the call then stopped at its next check)."""
    turns = EvaluationQueue(1)
    gone = threading.Event()
    ran: list[str] = []

    def stop_check() -> None:
        if gone.is_set():
            raise _GaveUp

    def caller() -> None:
        try:
            with turns.turn(stop_check):
                ran.append("computed")
        except _GaveUp:
            ran.append("never started")

    thread = threading.Thread(target=caller)
    with turns.turn(_never):
        thread.start()
        wait_until(lambda: turns.waiting == 1)
        gone.set()  # the caller leaves; the turn is handed to it as this block ends
    thread.join(WAIT)
    assert ran == ["never started"]
    with turns.turn(_never):  # the turn was passed on: the slot is free again
        assert turns.waiting == 0
