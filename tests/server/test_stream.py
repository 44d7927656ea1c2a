"""EvaluateTenders end to end: order and ids, per-tender errors, byte equality with EvaluateBids,
columns, result detail, flow control, cancellation; and the multi-process server (--processes)."""

from __future__ import annotations

import copy
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from google.rpc import code_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tco_server import columns as columns_module
from tcoapi.v1 import batch_pb2, result_pb2, service_pb2_grpc, tender_pb2
from tests.conftest import ServerProcess, wait_until
from tests.server.conftest import FAULTS_ENV, TIMEOUT, status_details
from tests.server.conversion_cases import columns as make_columns

SERVICE = "tcoapi.v1.LifeCycleCostService"
EVALUATE_BIDS = f"/{SERVICE}/EvaluateBids"
EVALUATE_TENDERS = f"/{SERVICE}/EvaluateTenders"


# -- helpers ---------------------------------------------------------------------------------------


def _tender(tender_id: str, request: tender_pb2.EvaluateBidsRequest, **kw: object) -> object:
    return batch_pb2.EvaluateTendersRequest(tender_id=tender_id, request=request, **kw)


def _variant(request: tender_pb2.EvaluateBidsRequest, k: int) -> tender_pb2.EvaluateBidsRequest:
    """The sample tender with bid A's price moved by k (a different result per k)."""
    out = copy.deepcopy(request)
    out.bids[0].items[0].unit_price.value += 1000.0 * k
    return out


def _stream(
    stub: service_pb2_grpc.LifeCycleCostServiceStub, requests: list[object]
) -> list[batch_pb2.EvaluateTendersResponse]:
    return list(stub.EvaluateTenders(iter(requests), timeout=TIMEOUT))


def _field_bytes(raw: bytes, number: int) -> bytes:
    """The raw bytes of length-delimited field ``number`` in a serialized message (wire format)."""
    i = 0

    def varint() -> int:
        nonlocal i
        shift = result = 0
        while True:
            byte = raw[i]
            i += 1
            result |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return result

    while i < len(raw):
        key = varint()
        field, wire = key >> 3, key & 7
        if wire == 0:
            varint()
        elif wire == 2:
            size = varint()
            if field == number:
                return raw[i : i + size]
            i += size
        else:  # pragma: no cover - not used by these messages
            raise AssertionError(f"unexpected wire type {wire}")
    raise AssertionError(f"field {number} not found")


# -- order, ids, errors ----------------------------------------------------------------------------


def test_tenders_come_back_in_order_with_their_ids(
    stub: service_pb2_grpc.LifeCycleCostServiceStub, sample_request: tender_pb2.EvaluateBidsRequest
) -> None:
    ids = ["2027-0042", "x", "", "2027-0042", "t-5"]  # not required to be unique or non-empty
    requests = [_tender(tid, _variant(sample_request, k)) for k, tid in enumerate(ids)]
    responses = _stream(stub, requests)
    assert [r.tender_id for r in responses] == ids
    assert [r.sequence for r in responses] == list(range(len(ids)))
    assert all(r.WhichOneof("outcome") == "result" for r in responses)
    # each response belongs to its own tender (the price of bid A moves with k)
    costs = [{b.bid_id: b.life_cycle_cost for b in r.result.results}["A"] for r in responses]
    assert costs == sorted(costs)
    assert len(set(costs)) == len(costs)


def test_one_bad_tender_gets_its_status_and_the_others_succeed(
    stub: service_pb2_grpc.LifeCycleCostServiceStub, sample_request: tender_pb2.EvaluateBidsRequest
) -> None:
    bad = copy.deepcopy(sample_request)
    bad.bids[1].items[0].unit_price.unit = "kWh"
    bad.method.study_period_years = 0
    requests = [
        _tender("good-1", sample_request),
        _tender("bad", bad),
        _tender("good-2", sample_request),
    ]
    responses = _stream(stub, requests)

    assert [r.WhichOneof("outcome") for r in responses] == ["result", "error", "result"]
    error = responses[1].error
    assert error.code == code_pb2.INVALID_ARGUMENT
    assert status_details(error)[1] == "INVALID_TENDER"
    fields = [field for field, _ in status_details(error)[0]]
    assert "bids[1].items[0].unit_price.unit" in fields
    assert "method.study_period_years" in fields
    assert responses[0].result == responses[2].result


def test_a_tender_over_the_limits_is_invalid_argument_for_that_tender_only(
    stub: service_pb2_grpc.LifeCycleCostServiceStub, sample_request: tender_pb2.EvaluateBidsRequest
) -> None:
    huge = batch_pb2.BidColumns(method=sample_request.method, rows=1_000_000)
    responses = _stream(
        stub,
        [
            batch_pb2.EvaluateTendersRequest(tender_id="huge", columns=huge),
            _tender("ok", sample_request),
        ],
    )
    assert responses[0].error.code == code_pb2.INVALID_ARGUMENT
    assert status_details(responses[0].error)[1] == "TOO_MANY_BIDS"
    assert [f for f, _ in status_details(responses[0].error)[0]] == ["columns.rows"]
    assert responses[1].HasField("result")


def test_a_message_that_is_not_protobuf_gets_its_own_error_and_the_stream_goes_on(
    channel: grpc.Channel, sample_request: tender_pb2.EvaluateBidsRequest
) -> None:
    stream = channel.stream_stream(
        EVALUATE_TENDERS,
        request_serializer=None,  # raw bytes
        response_deserializer=batch_pb2.EvaluateTendersResponse.FromString,
    )
    good = _tender("good", sample_request).SerializeToString()
    garbage = b"\x0a\xff\xff\xff\xff\x0f not protobuf"
    responses = list(stream(iter([good, garbage, good]), timeout=TIMEOUT))
    assert [r.WhichOneof("outcome") for r in responses] == ["result", "error", "result"]
    assert [r.sequence for r in responses] == [0, 1, 2]
    assert responses[1].tender_id == ""
    assert responses[1].error.code == code_pb2.INVALID_ARGUMENT
    assert status_details(responses[1].error)[1] == "UNDECODABLE_REQUEST"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda r: r.ClearField("tender"), "tender"),
        (lambda r: setattr(r, "detail", 99), "detail"),
        (lambda r: setattr(r, "tender_id", "x" * 257), "tender_id"),
        (lambda r: r.columns.unit_price.values.pop(), "columns.unit_price.values"),
        (lambda r: r.columns.ids.append("extra"), "columns.ids"),
        (lambda r: setattr(r.columns.resource_use[0].amount, "unit", "k" * 65), None),
    ],
    ids=["no-tender", "unknown-detail", "long-id", "short-column", "long-ids", "long-unit"],
)
def test_malformed_tender_messages_are_invalid_argument_by_path(
    stub: service_pb2_grpc.LifeCycleCostServiceStub, change: object, field: str | None
) -> None:
    request = batch_pb2.EvaluateTendersRequest(tender_id="t", columns=make_columns(3))
    change(request)  # type: ignore[operator]
    (response,) = _stream(stub, [request])
    assert response.error.code == code_pb2.INVALID_ARGUMENT
    fields = [f for f, _ in status_details(response.error)[0]]
    assert fields == [field or "columns.resource_use[0].amount.unit"]
    assert response.tender_id == ("" if field == "tender_id" else "t")


def test_column_errors_found_by_the_engine_use_the_equivalent_request_paths(
    stub: service_pb2_grpc.LifeCycleCostServiceStub,
) -> None:
    columns = make_columns(5)
    columns.unit_price.values[3] = -1.0
    columns.service_life.unit = "kg"
    (response,) = _stream(stub, [batch_pb2.EvaluateTendersRequest(columns=columns)])
    fields = [f for f, _ in status_details(response.error)[0]]
    assert "bids[3].items[0].unit_price.value" in fields
    assert "bids[0].items[0].service_life.unit" in fields


# -- the same results as EvaluateBids ------------------------------------------------------------


def test_results_equal_evaluate_bids_byte_for_byte(
    channel: grpc.Channel, sample_request: tender_pb2.EvaluateBidsRequest
) -> None:
    """The raw bytes of each stream result equal the raw EvaluateBids response of its tender."""
    unary = channel.unary_unary(
        EVALUATE_BIDS,
        request_serializer=tender_pb2.EvaluateBidsRequest.SerializeToString,
        response_deserializer=None,  # raw bytes
    )
    stream = channel.stream_stream(
        EVALUATE_TENDERS,
        request_serializer=batch_pb2.EvaluateTendersRequest.SerializeToString,
        response_deserializer=None,
    )
    validate_only = _variant(sample_request, 2)
    validate_only.validate_only = True
    tenders = [sample_request, _variant(sample_request, 1), validate_only]
    columns = make_columns(40, seed=3)

    requests = [_tender(str(i), t) for i, t in enumerate(tenders)]
    requests.append(batch_pb2.EvaluateTendersRequest(tender_id="c", columns=columns))
    raw = list(stream(iter(requests), timeout=TIMEOUT))
    expected = [unary(t, timeout=TIMEOUT) for t in tenders]
    expected.append(unary(columns_module.columns_to_request(columns), timeout=TIMEOUT))

    assert len(raw) == len(expected)
    for got, want in zip(raw, expected, strict=True):
        assert _field_bytes(got, 3) == want  # EvaluateTendersResponse.result
    assert result_pb2.EvaluateBidsResponse.FromString(expected[-1]).results


def test_summary_and_columns_detail_carry_the_same_figures(
    stub: service_pb2_grpc.LifeCycleCostServiceStub,
) -> None:
    columns = make_columns(25, seed=5)
    requests = [
        batch_pb2.EvaluateTendersRequest(columns=columns, detail=detail)
        for detail in (
            batch_pb2.RESULT_DETAIL_FULL,
            batch_pb2.RESULT_DETAIL_SUMMARY,
            batch_pb2.RESULT_DETAIL_COLUMNS,
        )
    ]
    full, summary, table = _stream(stub, requests)
    assert full.ByteSize() > 5 * summary.ByteSize() > 5 * table.ByteSize()

    trimmed = copy.deepcopy(full.result)
    for bid in trimmed.results:
        bid.ClearField("cash_flow")
        bid.ClearField("explanations")
        bid.ClearField("emissions_by_year")
    assert summary.result == trimmed
    assert all(b.cash_flow for b in full.result.results)

    t = table.columns
    assert list(t.bid_ids) == list(columns.ids)  # request order, not rank order
    assert t.request_digest == full.result.request_digest
    assert t.method_digest == full.result.method_digest
    assert t.currency == "SEK"
    by_id = {b.bid_id: b for b in full.result.results}
    for i, bid_id in enumerate(t.bid_ids):
        bid = by_id[bid_id]
        assert (t.rank[i], t.tied[i]) == (bid.rank, bid.tied)
        for name in (
            "life_cycle_cost",
            "climate_cost",
            "externality_cost",
            "deductions",
            "evaluated_cost",
            "difference_to_best",
            "annual_value",
            "emissions_total",
            "life_cycle_cost_undiscounted",
        ):
            assert getattr(t, name)[i] == getattr(bid, name), name


# -- flow control and cancellation -----------------------------------------------------------------


@pytest.mark.slow
def test_cancelling_the_stream_stops_the_server_work() -> None:
    proc = ServerProcess()
    sent = 0
    total = 200
    heavy = batch_pb2.EvaluateTendersRequest(
        columns=make_columns(1000), detail=batch_pb2.RESULT_DETAIL_COLUMNS
    )

    def requests() -> Iterator[batch_pb2.EvaluateTendersRequest]:
        nonlocal sent
        for i in range(total):
            heavy.tender_id = str(i)
            sent += 1
            yield heavy

    try:
        with grpc.insecure_channel(proc.target) as channel:
            stub = service_pb2_grpc.LifeCycleCostServiceStub(channel)
            call = stub.EvaluateTenders(requests(), timeout=120)
            first = next(call)
            assert first.HasField("columns")
            assert first.tender_id == "0"
            sent_when_first_came = sent
            call.cancel()
            with pytest.raises(grpc.RpcError) as caught:
                next(call)
            assert caught.value.code() == grpc.StatusCode.CANCELLED

            def stream_ended() -> bool:
                return any(e.get("method") == "EvaluateTenders" for e in proc.events("rpc"))

            wait_until(stream_ended, proc.logs)
            (line,) = [e for e in proc.events("rpc") if e.get("method") == "EvaluateTenders"]
            assert line["code"] == "CANCELLED"
            # The server stopped after at most the tender in progress: far fewer than offered.
            assert isinstance(line["tenders"], int)
            assert line["tenders"] < 20, line
            # Flow control: the client was held back instead of pushing all 200 (~50 MB).
            assert sent_when_first_came < total
            # and the server is idle again: a new call is answered at once
            health = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=SERVICE), timeout=TIMEOUT
            )
            assert health.status == health_pb2.HealthCheckResponse.SERVING
    finally:
        assert proc.stop() == 0, proc.logs()
    assert "b0" not in proc.logs()  # bid ids are never logged


def test_stream_log_line_counts_only(
    sample_request: tender_pb2.EvaluateBidsRequest,
) -> None:
    proc = ServerProcess()
    try:
        with grpc.insecure_channel(proc.target) as channel:
            stub = service_pb2_grpc.LifeCycleCostServiceStub(channel)
            bad = copy.deepcopy(sample_request)
            bad.method.currency = ""
            _stream(stub, [_tender("secret-tender-id", sample_request), _tender("t2", bad)])
            wait_until(lambda: proc.events("rpc"), proc.logs)
    finally:
        assert proc.stop() == 0, proc.logs()
    (line,) = proc.events("rpc")
    assert line["method"] == "EvaluateTenders"
    assert (line["code"], line["tenders"], line["tender_errors"], line["bids"]) == ("OK", 2, 1, 4)
    assert "secret-tender-id" not in proc.logs()
    assert "Städmaskiner" not in proc.logs()


# -- the multi-process server ----------------------------------------------------------------------


@pytest.mark.slow
def test_multi_process_server_serves_on_one_port_and_shuts_down_cleanly(
    sample_request: tender_pb2.EvaluateBidsRequest,
) -> None:
    proc = ServerProcess("--processes", "2", "--grace", "20", env=FAULTS_ENV)
    try:
        listening = [line for line in proc.stdout_lines if "listening on" in line]
        assert len(listening) == 1
        wait_until(lambda: proc.events("started"), proc.logs)
        (started,) = proc.events("started")
        assert started["processes"] == 2
        # (that the kernel spreads connections over both processes: test_scale_out.py)

        # SIGTERM with a call in flight: every worker goes NOT_SERVING, drains, exits 0.
        outcome: list[object] = []
        channel = grpc.insecure_channel(proc.target)
        stub = service_pb2_grpc.LifeCycleCostServiceStub(channel)

        def slow_call() -> None:
            try:
                outcome.append(
                    stub.EvaluateBids(
                        sample_request,
                        timeout=TIMEOUT,
                        metadata=(("x-tco-test-fault", "sleep=1.5"),),
                    )
                )
            except grpc.RpcError as error:
                outcome.append(error)

        thread = threading.Thread(target=slow_call)
        thread.start()
        wait_until(lambda: proc.events("test_fault"), proc.logs)
        proc.proc.send_signal(signal.SIGTERM)
        thread.join(timeout=TIMEOUT)
        channel.close()
        assert isinstance(outcome[0], result_pb2.EvaluateBidsResponse), outcome
        code = proc.proc.wait(timeout=TIMEOUT)
    finally:
        proc.stop()
    assert code == 0, proc.logs()
    assert sorted(e["worker"] for e in proc.events("worker_stopped")) == [0, 1]
    (stopped,) = proc.events("stopped")
    assert stopped["exit_code"] == 0


@pytest.mark.slow
def test_multi_process_server_on_a_taken_port_exits_2(server: ServerProcess) -> None:
    """The shared server holds its port without SO_REUSEPORT: the supervisor cannot reserve it."""
    done = subprocess.run(
        [sys.executable, "-m", "tco_server", "--processes", "2", "--port", str(server.port)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 2
    assert "listening on" not in done.stdout
    assert '"event":"bind_failed"' in done.stderr


@pytest.mark.slow
def test_sigint_stops_the_multi_process_server_cleanly() -> None:
    proc = ServerProcess("--processes", "2")
    proc.proc.send_signal(signal.SIGINT)
    assert proc.proc.wait(timeout=TIMEOUT) == 0, proc.logs()
    proc.stop()
    assert len(proc.events("worker_stopped")) == 2


# -- in process: an unexpected fault in one tender ------------------------------------------------


class _Context:
    """The two things the stream handler asks of a grpc.ServicerContext."""

    def time_remaining(self) -> float | None:
        return None

    def is_active(self) -> bool:
        return True


def test_an_unexpected_fault_is_internal_for_that_tender_only(
    monkeypatch: pytest.MonkeyPatch,
    sample_request: tender_pb2.EvaluateBidsRequest,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from tco_server import batch
    from tco_server.config import ServerConfig

    real = batch.run_engine
    calls = {"n": 0}

    def flaky(tender: object, **kw: object) -> object:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError(f"boom while reading {sample_request.bids[0].supplier}")
        return real(tender, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(batch, "run_engine", flaky)
    handler = batch.TenderStream(ServerConfig())
    requests = [_tender(str(i), sample_request) for i in range(3)]
    with caplog.at_level("INFO", logger="tco_server"):
        responses = list(handler.EvaluateTenders(iter(requests), _Context()))  # type: ignore[arg-type]
    assert [r.WhichOneof("outcome") for r in responses] == ["result", "error", "result"]
    error = responses[1].error
    assert error.code == code_pb2.INTERNAL
    assert status_details(error)[1] == "INTERNAL"
    (failed,) = [r for r in caplog.records if r.getMessage() == "tender_failed"]
    incident = failed.fields["incident_id"]  # type: ignore[attr-defined]
    assert incident in error.message
    assert failed.fields["exc_type"] == "builtins.RuntimeError"  # type: ignore[attr-defined]
    logged = caplog.text + "".join(str(getattr(r, "fields", "")) for r in caplog.records)
    assert "boom" not in logged
    assert sample_request.bids[0].supplier not in logged


@pytest.mark.slow
def test_a_crashed_worker_is_restarted_and_the_server_keeps_serving(
    sample_request: tender_pb2.EvaluateBidsRequest,
) -> None:
    proc = ServerProcess("--processes", "2")
    try:
        wait_until(lambda: len(proc.events("worker_started")) == 2, proc.logs)
        victim = next(e for e in proc.events("worker_started") if e["worker"] == 1)
        os.kill(int(victim["pid"]), signal.SIGKILL)  # type: ignore[call-overload]
        wait_until(lambda: proc.events("worker_exited"), proc.logs)
        (exited,) = proc.events("worker_exited")
        assert (exited["worker"], exited["exit_code"]) == (1, -signal.SIGKILL)
        wait_until(lambda: len(proc.events("worker_started")) == 3, proc.logs)
        for _ in range(8):
            with grpc.insecure_channel(
                proc.target, options=[("grpc.use_local_subchannel_pool", 1)]
            ) as channel:
                stub = service_pb2_grpc.LifeCycleCostServiceStub(channel)
                assert len(stub.EvaluateBids(sample_request, timeout=TIMEOUT).results) == 2
    finally:
        code = proc.stop()
    assert code == 0, proc.logs()


@pytest.mark.slow
def test_workers_stop_by_themselves_when_the_supervisor_is_killed() -> None:
    proc = ServerProcess("--processes", "2")
    try:
        wait_until(lambda: len(proc.events("worker_started")) == 2, proc.logs)
        pids = [int(e["pid"]) for e in proc.events("worker_started")]  # type: ignore[call-overload]
        proc.proc.kill()  # SIGKILL: no forwarding, no clean-up by the supervisor
        proc.proc.wait(timeout=TIMEOUT)

        def running(pid: int) -> bool:  # a zombie waiting for init to reap it has exited
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                return False
            return state != "Z"

        def all_gone() -> bool:
            return not any(running(pid) for pid in pids)

        wait_until(all_gone, proc.logs)
    finally:
        proc.stop()
    assert len(proc.events("supervisor_gone")) == 2
