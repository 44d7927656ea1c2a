"""Transport concerns end to end: health, reflection, reference data, concurrency limit, deadlines,
graceful shutdown."""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import threading
import time

import grpc
import pytest
from google.protobuf import descriptor_pool
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)
from grpc_status import rpc_status

from tco_server.deadlines import (
    Aborted,
    CallContext,
    ClientGone,
    Drain,
    ensure_waiting,
    should_stop,
)
from tco_server.faults import MAX_SLEEP_SECONDS
from tcoapi.v1 import reference_pb2, result_pb2, service_pb2, service_pb2_grpc, tender_pb2
from tests.conftest import ServerProcess, wait_until
from tests.server.conftest import FAULTS_ENV, TIMEOUT, call_failing, decode

SERVICE = "tcoapi.v1.LifeCycleCostService"


def _sleep(seconds: float) -> tuple[tuple[str, str]]:
    """Metadata asking the fault-hook server to take ``seconds`` before evaluating."""
    return (("x-tco-test-fault", f"sleep={seconds}"),)


def _health(channel: grpc.Channel, service: str) -> int:
    stub = health_pb2_grpc.HealthStub(channel)
    response = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=TIMEOUT)
    return int(response.status)


def _wait_in_flight(proc: ServerProcess, n: int) -> None:
    """Wait until ``n`` fault-hook calls are inside the server (their "test_fault" log line)."""
    wait_until(lambda: len(proc.events("test_fault")) >= n, proc.logs)


# -- health, reflection, reference data -----------------------------------------------------------


@pytest.mark.parametrize("service", ["", SERVICE])
def test_health_is_serving(channel: grpc.Channel, service: str) -> None:
    assert _health(channel, service) == health_pb2.HealthCheckResponse.SERVING


def test_health_of_an_unknown_service_is_not_found(channel: grpc.Channel) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        _health(channel, "no.such.Service")
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND


def test_reflection_lists_the_service_and_describes_it(channel: grpc.Channel) -> None:
    database = ProtoReflectionDescriptorDatabase(channel)
    services = set(database.get_services())
    assert {SERVICE, "grpc.health.v1.Health"} <= services
    pool = descriptor_pool.DescriptorPool(database)
    service = pool.FindServiceByName(SERVICE)
    methods = {m.name for m in service.methods}
    contract = service_pb2.DESCRIPTOR.services_by_name["LifeCycleCostService"]
    assert methods == set(contract.methods_by_name)  # every method of the contract, no other
    assert {"EvaluateBids", "EvaluateTenders", "ListCarbonPriceSeries", "ListEmissionFactors"} <= (
        methods
    )
    request = pool.FindMessageTypeByName("tcoapi.v1.EvaluateBidsRequest")
    assert "bids" in request.fields_by_name
    # batch.proto's import of google/rpc/status.proto is served and resolved too
    stream_response = pool.FindMessageTypeByName("tcoapi.v1.EvaluateTendersResponse")
    assert stream_response.fields_by_name["error"].message_type.full_name == "google.rpc.Status"


def test_carbon_price_series_are_listed_with_sources(
    stub: service_pb2_grpc.LifeCycleCostServiceStub,
) -> None:
    response = stub.ListCarbonPriceSeries(
        reference_pb2.ListCarbonPriceSeriesRequest(), timeout=TIMEOUT
    )
    assert response.data_version
    assert len(response.series) > 0
    ids = [s.id for s in response.series]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    for series in response.series:
        assert series.source
        assert series.currency
        assert series.price_base_year >= 0  # 0: the source does not record it
        assert len(series.points) > 0
        assert all(p.price.unit for p in series.points)
    asek = next(s for s in response.series if s.id == "asek-7.0")
    assert asek.currency == "SEK"
    assert asek.price_base_year > 2000


def test_emission_factors_are_listed_with_sources(
    stub: service_pb2_grpc.LifeCycleCostServiceStub,
) -> None:
    response = stub.ListEmissionFactors(reference_pb2.ListEmissionFactorsRequest(), timeout=TIMEOUT)
    assert response.data_version
    assert len(response.factors) > 0
    ids = [f.id for f in response.factors]
    assert ids == sorted(ids)
    for factor in response.factors:
        assert factor.source
        assert factor.resource
        assert factor.factor.unit
    assert len(response.energy_contents) > 0
    assert all(e.source and e.content.unit for e in response.energy_contents)
    first = stub.ListEmissionFactors(reference_pb2.ListEmissionFactorsRequest(), timeout=TIMEOUT)
    assert first.SerializeToString(deterministic=True) == response.SerializeToString(
        deterministic=True
    )


@pytest.mark.slow
def test_a_taken_port_stops_the_start_with_exit_code_2(server: ServerProcess) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tco_server", "--host", server.host, "--port", str(server.port)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 2
    assert "listening on" not in done.stdout
    assert '"event":"bind_failed"' in done.stderr


# -- concurrency limit ---------------------------------------------------------------------------


@pytest.mark.slow
def test_calls_beyond_max_concurrent_rpcs_are_resource_exhausted_with_a_retry_delay(
    sample_request: tender_pb2.EvaluateBidsRequest,
) -> None:
    proc = ServerProcess("--max-concurrent-rpcs", "1", env=FAULTS_ENV)
    try:
        with grpc.insecure_channel(proc.target) as channel:
            stub = service_pb2_grpc.LifeCycleCostServiceStub(channel)
            slow = stub.EvaluateBids.future(sample_request, timeout=TIMEOUT, metadata=_sleep(5))
            _wait_in_flight(proc, 1)  # the slow call holds the only slot
            with pytest.raises(grpc.RpcError) as caught:
                stub.EvaluateBids(sample_request, timeout=TIMEOUT)
            failure = decode(caught.value)
            assert failure.code == grpc.StatusCode.RESOURCE_EXHAUSTED
            assert failure.reason == "OVERLOADED"  # retry later: a RetryInfo says when
            status = rpc_status.from_call(caught.value)
            assert status is not None
            retry = error_details_pb2.RetryInfo()
            assert any(d.Unpack(retry) for d in status.details if d.Is(retry.DESCRIPTOR))
            assert retry.retry_delay.ToNanoseconds() > 0
            assert len(slow.result(timeout=TIMEOUT).results) == 2  # the slow call was fine
            # Once the slot is free again, calls go through.
            assert len(stub.EvaluateBids(sample_request, timeout=TIMEOUT).results) == 2
    finally:
        assert proc.stop() == 0, proc.logs()


# -- deadlines -----------------------------------------------------------------------------------


def test_tiny_deadline_is_deadline_exceeded_and_the_server_stays_healthy(
    channel: grpc.Channel,
    stub: service_pb2_grpc.LifeCycleCostServiceStub,
    sample_request: tender_pb2.EvaluateBidsRequest,
) -> None:
    failure = call_failing(stub, sample_request, timeout=0.001)
    assert failure.code == grpc.StatusCode.DEADLINE_EXCEEDED
    assert _health(channel, SERVICE) == health_pb2.HealthCheckResponse.SERVING
    assert len(stub.EvaluateBids(sample_request, timeout=TIMEOUT).results) == 2


@pytest.mark.slow
def test_server_stops_working_on_a_call_whose_deadline_passed(
    fault_server: ServerProcess,
    fault_stub: service_pb2_grpc.LifeCycleCostServiceStub,
    sample_request: tender_pb2.EvaluateBidsRequest,
) -> None:
    """The call would sleep the fault hook's longest; the client gives up after 2 s and the server
    stops there too: its call ends before the sleep would have."""
    before = len(fault_server.events("rpc"))
    failure = call_failing(
        fault_stub, sample_request, metadata=_sleep(MAX_SLEEP_SECONDS), timeout=2
    )
    assert failure.code == grpc.StatusCode.DEADLINE_EXCEEDED
    wait_until(lambda: len(fault_server.events("rpc")) > before, fault_server.logs)
    line = fault_server.events("rpc")[before]
    # Stopped between the steps, without evaluating (no digest), before the sleep was up:
    # it did not even take its turn in the evaluation queue.
    assert line["code"] in {"DEADLINE_EXCEEDED", "CANCELLED"}
    assert line["stopped_before"] == "its turn to evaluate"
    assert "digest" not in line
    assert float(line["duration_ms"]) < 1000 * MAX_SLEEP_SECONDS  # type: ignore[arg-type]


# -- graceful shutdown ---------------------------------------------------------------------------


@pytest.mark.slow
def test_sigterm_drains_in_flight_calls_and_exits_zero(
    sample_request: tender_pb2.EvaluateBidsRequest,
) -> None:
    proc = ServerProcess("--workers", "8", env=FAULTS_ENV)
    calls = 6
    outcomes: queue.Queue[object] = queue.Queue()
    try:
        with grpc.insecure_channel(proc.target) as channel:
            stub = service_pb2_grpc.LifeCycleCostServiceStub(channel)
            # Watch health before the signal: the stream reports the change to NOT_SERVING.
            watch = health_pb2_grpc.HealthStub(channel).Watch(
                health_pb2.HealthCheckRequest(service=SERVICE), timeout=TIMEOUT
            )
            assert next(watch).status == health_pb2.HealthCheckResponse.SERVING

            def one_call() -> None:
                try:
                    response = stub.EvaluateBids(
                        sample_request, timeout=TIMEOUT, metadata=_sleep(1.5)
                    )
                    outcomes.put(response)
                except grpc.RpcError as error:
                    outcomes.put(decode(error))

            threads = [threading.Thread(target=one_call) for _ in range(calls)]
            for thread in threads:
                thread.start()
            _wait_in_flight(proc, calls)  # all calls accepted and sleeping in the server
            proc.proc.send_signal(signal.SIGTERM)

            statuses = [update.status for update in _take(watch, 1)]
            watch.cancel()  # an open watch would hold the server for the whole grace period
            assert statuses == [health_pb2.HealthCheckResponse.NOT_SERVING]

            for thread in threads:
                thread.join(timeout=TIMEOUT)
            answers = [outcomes.get_nowait() for _ in range(calls)]
            assert all(
                isinstance(a, result_pb2.EvaluateBidsResponse) and len(a.results) == 2
                for a in answers
            ), answers
        code = proc.proc.wait(timeout=TIMEOUT)  # exits on the one SIGTERM
    finally:
        proc.stop()
    assert code == 0, proc.logs()
    events = [json.loads(ln)["event"] for ln in proc.stderr_lines if ln.startswith("{")]
    assert events.index("shutting_down") < events.index("stopped")
    assert len(proc.events("rpc")) == calls
    assert all(line["code"] == "OK" for line in proc.events("rpc"))


def _take(stream: object, n: int) -> list[health_pb2.HealthCheckResponse]:
    out = []
    for update in stream:  # type: ignore[attr-defined]
        out.append(update)
        if len(out) == n:
            break
    return out


@pytest.mark.slow
def test_sigint_also_shuts_down_cleanly() -> None:
    proc = ServerProcess()
    proc.proc.send_signal(signal.SIGINT)
    assert proc.proc.wait(timeout=TIMEOUT) == 0
    proc.stop()


# -- the call context of the asyncio server: deadline, caller gone, drain ------------------------


def test_call_context_stops_at_the_deadline_the_drain_or_when_the_caller_goes() -> None:
    drain = Drain()
    far = CallContext((("k", "v"),), "ipv4:127.0.0.1:1", time.monotonic() + 60.0, drain)
    none = CallContext((), "", None, drain)
    past = CallContext((), "", time.monotonic() - 1.0, drain)
    assert far.invocation_metadata() == (("k", "v"),)
    assert none.time_remaining() is None
    assert not should_stop(far)()
    assert not should_stop(none)()
    assert should_stop(past)()
    assert not past.is_active()
    with pytest.raises(ClientGone) as expired:
        ensure_waiting(past, "conversion")
    assert expired.value.code == grpc.StatusCode.DEADLINE_EXCEEDED

    due = CallContext((), "", time.monotonic() + 0.01, drain)
    due.left()  # grpc ended it at its deadline (a moment before this clock says so)
    assert due.time_remaining() == 0.0
    assert not due.gone.is_set()

    far.left()  # grpc ended it long before its deadline: the caller cancelled or disconnected
    assert far.gone.is_set()
    assert should_stop(far)()
    with pytest.raises(ClientGone) as cancelled:
        ensure_waiting(far, "conversion")
    assert cancelled.value.code == grpc.StatusCode.CANCELLED

    drain.begin(0.0)  # shutdown: every call's deadline is now the end of the drain
    assert none.time_remaining() == 0.0
    with pytest.raises(ClientGone) as drained:
        ensure_waiting(none, "its turn to evaluate")
    assert drained.value.code == grpc.StatusCode.DEADLINE_EXCEEDED
    with pytest.raises(Aborted) as aborted:
        none.abort(grpc.StatusCode.NOT_FOUND, "no such service")
    assert aborted.value.status.code == grpc.StatusCode.NOT_FOUND


@pytest.mark.slow
def test_a_call_whose_caller_left_while_it_waited_for_a_thread_never_starts(
    sample_request: tender_pb2.EvaluateBidsRequest,
) -> None:
    """One worker thread, held by a slow call: the next call waits for the thread, its client
    gives up (1 s deadline), and it is logged as stopped before a worker thread, never run."""
    proc = ServerProcess("--workers", "1", env=FAULTS_ENV)
    try:
        with grpc.insecure_channel(proc.target) as channel:
            stub = service_pb2_grpc.LifeCycleCostServiceStub(channel)
            slow = stub.EvaluateBids.future(sample_request, timeout=TIMEOUT, metadata=_sleep(5))
            _wait_in_flight(proc, 1)  # the slow call holds the only thread
            failure = call_failing(stub, sample_request, timeout=1.0)
            assert failure.code == grpc.StatusCode.DEADLINE_EXCEEDED
            wait_until(lambda: len(proc.events("rpc")) == 1, proc.logs)
            assert len(slow.result(timeout=TIMEOUT).results) == 2
    finally:
        assert proc.stop() == 0, proc.logs()
    waited, served = proc.events("rpc")
    assert waited["stopped_before"] == "a worker thread", waited
    assert waited["code"] == "DEADLINE_EXCEEDED"
    assert "digest" not in waited
    assert served["code"] == "OK"
    assert len(proc.events("test_fault")) == 1  # the second call never reached its handler
