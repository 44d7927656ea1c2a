"""Finding 9 of issue #15: SIGTERM must not drop accepted work (loopback, bounded).

The old server answered 16 of 20 accepted calls "UNAVAILABLE: Cancelling all calls" when its grace
period ended, 8 of them without a log line, logged ``stopped`` and computed on. Now, on SIGTERM
it refuses new calls and every accepted call, the ones waiting for a worker thread or for their
turn included, gets an answer within ``--grace``: OK if it finished, DEADLINE_EXCEEDED if the
drain ended first; each logs its one line before ``stopped``, and the process exits 0.

The calls: 8 that take 20 s in the server (the test fault hook ``sleep``; they hold every one of
the 8 worker threads), 4 more that wait for a thread, 4 small ones behind them, and an
EvaluateTenders stream that got its first answer and waits for its client's next tender.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import grpc

from tcoapi.v1 import batch_pb2, result_pb2, service_pb2_grpc
from tests.conftest import ServerProcess, wait_until
from tests.server.conftest import FAULTS_ENV, TIMEOUT, load_sample_request

GRACE = "3"
SLOW, WAITING, SMALL = 8, 4, 4


def _code(future: Future[Any]) -> str:
    try:
        future.result(timeout=TIMEOUT)
    except grpc.RpcError as error:
        return f"{error.code().name}: {error.details()}"
    return "OK"


def test_sigterm_answers_and_logs_every_accepted_call_within_the_grace_period() -> None:
    request = load_sample_request()
    proc = ServerProcess("--grace", GRACE, env=FAULTS_ENV)
    release = threading.Event()
    try:
        with grpc.insecure_channel(proc.target) as channel, ThreadPoolExecutor(24) as pool:
            stub = service_pb2_grpc.LifeCycleCostServiceStub(channel)

            def evaluate(sleep: float) -> result_pb2.EvaluateBidsResponse:
                metadata = (("x-tco-test-fault", f"sleep={sleep}"),)
                response: result_pb2.EvaluateBidsResponse = stub.EvaluateBids(
                    request, timeout=TIMEOUT, metadata=metadata
                )
                return response

            def tenders() -> Iterator[batch_pb2.EvaluateTendersRequest]:
                yield batch_pb2.EvaluateTendersRequest(tender_id="t1", request=request)
                release.wait(TIMEOUT)  # the next tender never comes before the shutdown

            stream = stub.EvaluateTenders(tenders(), timeout=TIMEOUT)
            assert next(stream).tender_id == "t1"  # the stream is accepted and waits
            slow = [pool.submit(evaluate, 20.0) for _ in range(SLOW)]
            wait_until(lambda: len(proc.events("test_fault")) == SLOW, proc.logs)
            queued = [pool.submit(evaluate, 20.0) for _ in range(WAITING)]
            queued += [pool.submit(evaluate, 0.0) for _ in range(SMALL)]
            wait_until(lambda: proc.proc.poll() is None, proc.logs)  # still serving
            threading.Event().wait(2.0)  # the queued calls reach the server (no time asserted)
            proc.proc.send_signal(signal.SIGTERM)

            codes = [_code(f) for f in slow + queued]
            try:
                stream_code = "OK" if next(stream, None) is None else "more answers"
            except grpc.RpcError as error:
                stream_code = error.code().name
            release.set()
        exit_code = proc.proc.wait(timeout=TIMEOUT)
    finally:
        release.set()
        proc.stop()
    assert exit_code == 0, proc.logs()
    # every accepted call got an answer: finished, or stopped by the drain's deadline
    assert all(c == "OK" or c.startswith("DEADLINE_EXCEEDED") for c in codes), codes
    assert stream_code == "DEADLINE_EXCEEDED", stream_code
    assert "Cancelling all calls" not in proc.logs()
    # one log line per call, all before "stopped", which is the last line
    lines = proc.events("rpc")
    assert len(lines) == SLOW + WAITING + SMALL + 1, lines
    assert {line["code"] for line in lines} <= {"OK", "DEADLINE_EXCEEDED"}, lines
    events = [ln for ln in proc.stderr_lines if ln.startswith("{")]
    assert '"event":"stopped"' in events[-1], events[-3:]
    assert all(ln.startswith("{") for ln in proc.stderr_lines if ln.strip()), proc.logs()


def test_a_second_sigterm_cancels_the_calls_still_running() -> None:
    """The operator's way out of a long grace period: the call is cut at once (the client sees
    UNAVAILABLE "Cancelling all calls", on purpose this time), still logged, exit 0."""
    request = load_sample_request()
    proc = ServerProcess("--grace", "60", env=FAULTS_ENV)
    try:
        with grpc.insecure_channel(proc.target) as channel:
            stub = service_pb2_grpc.LifeCycleCostServiceStub(channel)
            metadata = (("x-tco-test-fault", "sleep=30"),)
            slow = stub.EvaluateBids.future(request, timeout=TIMEOUT, metadata=metadata)
            wait_until(lambda: len(proc.events("test_fault")) == 1, proc.logs)
            proc.proc.send_signal(signal.SIGTERM)
            wait_until(lambda: proc.events("shutting_down"), proc.logs)
            proc.proc.send_signal(signal.SIGTERM)  # do not wait for the 60 s grace period
            code = _code(slow)
        exit_code = proc.proc.wait(timeout=TIMEOUT)
    finally:
        proc.stop()
    assert exit_code == 0, proc.logs()
    assert code.split(":")[0] in {"CANCELLED", "DEADLINE_EXCEEDED", "UNAVAILABLE"}, code
    assert [line["code"] for line in proc.events("rpc")] in (["CANCELLED"], ["DEADLINE_EXCEEDED"])
