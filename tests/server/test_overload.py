"""Overload: a call that finds ``--max-waiting`` calls already waiting for an evaluation turn is
refused at once, UNAVAILABLE with a ``google.rpc.RetryInfo`` delay (reason OVERLOADED), and the
Python client decodes the delay. The turn is held by a real evaluation queue in this process, so
the refusal does not depend on timing."""

from __future__ import annotations

import threading

import grpc
import pytest

from tco_client.errors import decode_status_details
from tco_server import errors
from tco_server.__main__ import parse_args
from tco_server.evaluation_queue import RETRY_BOUNDS, EvaluationQueue, Overloaded
from tests.conftest import wait_until


def _never_gone() -> None:
    return None


def test_a_call_beyond_max_waiting_is_refused_with_a_retry_delay() -> None:
    queue = EvaluationQueue(1, max_waiting=1)
    entered, release = threading.Event(), threading.Event()
    waited: list[float] = []

    def hold() -> None:
        with queue.turn(_never_gone):
            entered.set()
            release.wait(timeout=30)

    def wait() -> None:
        with queue.turn(_never_gone) as seconds:
            waited.append(seconds)

    holder = threading.Thread(target=hold)
    holder.start()
    assert entered.wait(timeout=30)
    waiter = threading.Thread(target=wait)
    waiter.start()
    wait_until(lambda: queue.waiting >= 1, "the second call queues behind the first")
    with pytest.raises(Overloaded) as refused, queue.turn(_never_gone):
        pass
    release.set()
    holder.join(timeout=30)
    waiter.join(timeout=30)
    assert len(waited) == 1  # the queued call got its turn
    low, high = RETRY_BOUNDS
    assert low <= refused.value.retry_after <= high
    code, fields, status = errors.failure(refused.value)
    assert (code, fields["reason"]) == ("UNAVAILABLE", "OVERLOADED")
    assert status.code == grpc.StatusCode.UNAVAILABLE
    details = decode_status_details(status.trailing_metadata)
    assert details.reason == "OVERLOADED"
    assert details.metadata == {"limit": "1"}
    assert details.retry_delay == pytest.approx(refused.value.retry_after)


def test_no_bound_by_default_and_the_flag_sets_it() -> None:
    assert EvaluationQueue(1).max_waiting is None
    assert parse_args([]).max_waiting is None
    assert parse_args(["--max-waiting", "4"]).max_waiting == 4
    assert parse_args(["--max-waiting", "off"]).max_waiting is None
    with pytest.raises(SystemExit):
        parse_args(["--max-waiting", "-1"])
