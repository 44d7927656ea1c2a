"""CreateCommitment / GetCommitment / ListCommitments through the RPCs, SQLite and PostgreSQL:
FAILED_PRECONDITION before the award, every bad term named, the promise taken from the winning
bid, pages, ALREADY_EXISTS, series named twice with two meanings, a regression baseline judged
against Guideline 14, readings of an unknown series refused, and the service over JSON/HTTP
(unary calls and the StreamReadings client stream in the Connect protocol) from the same store.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import grpc
import pytest
from google.protobuf import json_format
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from tco_server.records.commitments import series_specs
from tco_server.records.readings import SeriesSpec
from tcoapi.v1 import followup_pb2 as fpb
from tests.conftest import ServerProcess
from tests.records.conftest import Backend
from tests.records.followup_fixtures import (
    TIMEOUT,
    append,
    awarded,
    commit,
    heating,
    lighting,
    monthly,
    q,
    reason,
    report,
    serving,
    ts,
    violations,
)
from tests.server.test_http import Http

LIGHT = fpb.Promise(
    item="LED luminaire",
    resource="electricity",
    series="meter-hall-a",
    terms=fpb.PromiseTerms(tolerance=0.05),
)


def test_before_the_award_failed_precondition_then_every_bad_field(backend: Backend) -> None:
    with serving(*backend.flags) as stubs:
        parent = awarded(stubs, "lighting-x", lighting(), award=False)
        with pytest.raises(grpc.RpcError) as caught:
            commit(stubs, parent, [LIGHT])
        assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert reason(caught.value) == "PROCUREMENT_NOT_AWARDED"
        with pytest.raises(grpc.RpcError) as caught:
            append(stubs, parent, monthly("meter-hall-a", 2027, [1.0], "kWh"))
        assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION

    with serving(*backend.flags) as stubs:
        parent = awarded(stubs, "lighting-y", lighting())
        bad = [
            fpb.Promise(item="Lamp post", resource="electricity", series="m1"),
            fpb.Promise(item="LED luminaire", resource="water", series="m2"),
            fpb.Promise(
                item="LED luminaire",
                resource="electricity",
                series="",
                terms=fpb.PromiseTerms(
                    clause=fpb.CLAUSE_KIND_SANCTION,
                    tolerance=1.2,
                    bonus_share=2.0,
                    normalisation=fpb.NORMALISATION_REGRESSION,
                    baseline=[fpb.BaselinePeriod(energy=q(1, "kWh"), degree_days=100)] * 2,
                    price=q(0.15, "EUR/kWh"),
                    emission_factor=q(0.05, "kg"),
                ),
            ),
        ]
        with pytest.raises(grpc.RpcError) as caught:
            commit(stubs, parent, bad, periods=0)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        found = {field: why for field, _, why in violations(caught.value)}
        terms = "commitment.promises[2].terms"
        assert found == {
            "commitment.guarantee_periods": "INVALID_REQUEST",
            "commitment.promises[0].item": "PROMISE_NOT_IN_BID",
            "commitment.promises[1].resource": "PROMISE_NOT_IN_BID",
            "commitment.promises[2].series": "INVALID_REQUEST",
            f"{terms}.tolerance": "INVALID_REQUEST",
            f"{terms}.bonus_share": "INVALID_REQUEST",
            f"{terms}.award_advantage": "INVALID_REQUEST",
            f"{terms}.degree_day_series": "INVALID_REQUEST",
            f"{terms}.normal_degree_days": "INVALID_REQUEST",
            f"{terms}.baseline": "INVALID_REQUEST",
            f"{terms}.price.unit": "INVALID_REQUEST",
            f"{terms}.emission_factor.unit": "INVALID_REQUEST",
        }
        # nothing was stored
        listed = stubs.followup.ListCommitments(
            fpb.ListCommitmentsRequest(parent=parent), timeout=TIMEOUT
        )
        assert not listed.commitments


def test_get_list_pages_ids_and_series_meanings(tmp_path: Path) -> None:
    with serving("--data-dir", str(tmp_path)) as stubs:
        parent = awarded(stubs, "lighting-z", lighting())
        made = [commit(stubs, parent, [LIGHT]) for _ in range(3)]
        assert [c.name for c in made] == [f"{parent}/commitments/c{i}" for i in (1, 2, 3)]
        named = commit(stubs, parent, [LIGHT], commitment_id="guarantee-2027")
        with pytest.raises(grpc.RpcError) as caught:
            commit(stubs, parent, [LIGHT], commitment_id="guarantee-2027")
        assert caught.value.code() == grpc.StatusCode.ALREADY_EXISTS
        got = stubs.followup.GetCommitment(
            fpb.GetCommitmentRequest(name=named.name), timeout=TIMEOUT
        ).commitment
        assert got == named
        seen, token = [], ""
        while True:
            page = stubs.followup.ListCommitments(
                fpb.ListCommitmentsRequest(parent=parent, page_size=3, page_token=token),
                timeout=TIMEOUT,
            )
            seen += [c.name for c in page.commitments]
            token = page.next_page_token
            if not token:
                break
        assert seen == [c.name for c in (*made, named)]
        # a series already measuring kWh cannot become a degree-day series
        heat = fpb.Promise()
        heat.CopyFrom(LIGHT)
        heat.series = "meter-hall-b"
        heat.terms.normalisation = fpb.NORMALISATION_DEGREE_DAYS
        heat.terms.degree_day_series = "meter-hall-a"
        heat.terms.normal_degree_days.CopyFrom(q(3500, "K·d/year"))
        with pytest.raises(grpc.RpcError) as caught:
            commit(stubs, parent, [heat])
        assert [v[0] for v in violations(caught.value)] == ["commitment.promises[0].series"]
        # a reading of a series no commitment names is refused, naming it
        with pytest.raises(grpc.RpcError) as caught:
            append(stubs, parent, monthly("meter-nowhere", 2027, [1.0], "kWh"))
        assert violations(caught.value)[0][0] == "readings[0].series"
        # a stream whose second message is bad: INVALID_ARGUMENT naming it, the first stays
        stream = [
            fpb.StreamReadingsRequest(
                parent=parent,
                entered_by="portal",
                readings=monthly("meter-hall-a", 2027, [5.0], "kWh"),
            ),
            fpb.StreamReadingsRequest(
                parent=parent, readings=monthly("meter-nowhere", 2027, [1.0], "kWh")
            ),
        ]
        with pytest.raises(grpc.RpcError) as caught:
            stubs.followup.StreamReadings(iter(stream), timeout=TIMEOUT)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert violations(caught.value)[0][0] == "messages[1].readings[0].series"
        stored = stubs.followup.ListReadings(
            fpb.ListReadingsRequest(parent=parent), timeout=TIMEOUT
        ).readings
        assert [r.quantity.value for r in stored] == [5.0]
        assert series_specs([got]) == {
            "meter-hall-a": SeriesSpec(fpb.SERIES_KIND_CONSUMPTION, "kWh")
        }


def test_regression_baseline_reported_against_guideline_14(tmp_path: Path) -> None:
    """Baseline (baseline.py's worked example): degree days [100, 200, 300, 400], energy
    [1 100, 2 050, 3 100, 3 950] kWh: E = 150 + 9.6 · DD, CV(RMSE) = 2.32 %, NMBE = 0, within
    Guideline 14. Weather share w = 9.6 · 3 500 / (150 · 12 + 9.6 · 3 500) = 0.94915; a normal
    year (DD = 3 500) expects exactly the promise, 100 000 kWh: 101 000 observed is within ±5 %."""
    terms = fpb.PromiseTerms(
        tolerance=0.05,
        normalisation=fpb.NORMALISATION_REGRESSION,
        degree_day_series="smhi",
        normal_degree_days=q(3500, "K·d/year"),
        baseline=[
            fpb.BaselinePeriod(energy=q(e, "kWh"), degree_days=d)
            for d, e in ((100, 1100), (200, 2050), (300, 3100), (400, 3950))
        ],
    )
    promise = fpb.Promise(
        item="Heating system", resource="district_heating", series="heat", terms=terms
    )
    with serving("--data-dir", str(tmp_path)) as stubs:
        parent = awarded(stubs, "heating-r", heating())
        commitment = commit(stubs, parent, [promise])
        append(
            stubs,
            parent,
            [
                fpb.Reading(
                    series="smhi",
                    start_time=ts(2027, 1, 1),
                    end_time=ts(2028, 1, 1),
                    quantity=q(3500, "K·d"),
                ),
                fpb.Reading(
                    series="heat",
                    start_time=ts(2027, 1, 1),
                    end_time=ts(2028, 1, 1),
                    quantity=q(101_000, "kWh"),
                ),
            ],
        )
        got = report(stubs, commitment.name, 2028, 1, 1)
        [fit] = got.baselines
        assert (round(fit.slope, 9), round(fit.intercept, 9)) == (9.6, 150.0)
        assert fit.cv_rmse == pytest.approx(0.0232, abs=1e-4)
        assert fit.within_guideline_14
        [outcome] = got.periods[0].outcomes
        assert outcome.expected == pytest.approx(100_000.0)
        assert outcome.outcome == fpb.OUTCOME_WITHIN_BAND


def _envelope(message: fpb.StreamReadingsRequest) -> bytes:
    payload = json.dumps(json_format.MessageToDict(message)).encode()
    return struct.pack(">BI", 0, len(payload)) + payload


def test_the_service_over_json_http_shares_the_store(tmp_path: Path) -> None:
    proc = ServerProcess("--http-port", "0", "--data-dir", str(tmp_path))
    served = Http(proc)
    try:
        from tcoapi.v1 import followup_pb2_grpc, procurement_pb2_grpc
        from tests.records.followup_fixtures import Stubs

        stubs = Stubs(
            proc,
            procurement_pb2_grpc.ProcurementServiceStub(served.channel),
            followup_pb2_grpc.FollowUpServiceStub(served.channel),
        )
        parent = awarded(stubs, "lighting-h", lighting())
        made = commit(stubs, parent, [LIGHT])
        path = "/tcoapi.v1.FollowUpService/"
        status, _, answer = served.post(
            path + "GetCommitment", json.dumps({"name": made.name}).encode()
        )
        assert status == 200, answer
        assert json_format.Parse(answer, fpb.GetCommitmentResponse()).commitment == made
        messages = [
            fpb.StreamReadingsRequest(
                parent=parent, entered_by="portal", readings=monthly("meter-hall-a", 2027,
                                                                     [1800.0] * 6, "kWh")
            ),
            fpb.StreamReadingsRequest(
                parent=parent, readings=monthly("meter-hall-a", 2027, [0.0] * 12, "kWh")[6:]
            ),
        ]  # fmt: skip
        status, _, answer = served.post(
            path + "StreamReadings",
            b"".join(_envelope(m) for m in messages),
            {"Content-Type": "application/connect+json"},
        )
        assert status == 200, answer
        length = struct.unpack(">BI", answer[:5])[1]
        done = json_format.Parse(answer[5 : 5 + length], fpb.StreamReadingsResponse())
        assert done.readings_appended == 12
        assert len(done.batches) == 2
        got = report(stubs, made.name, 2028, 1, 1)  # over gRPC: the same store
        assert got.periods[0].outcomes[0].observed == pytest.approx(10_800.0)
        health = health_pb2_grpc.HealthStub(served.channel).Check(
            health_pb2.HealthCheckRequest(service="tcoapi.v1.FollowUpService"), timeout=TIMEOUT
        )
        assert health.status == health_pb2.HealthCheckResponse.SERVING
        answers = reflection_pb2_grpc.ServerReflectionStub(served.channel).ServerReflectionInfo(
            iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=TIMEOUT
        )
        names = {s.name for a in answers for s in a.list_services_response.service}
        assert "tcoapi.v1.FollowUpService" in names
    finally:
        served.channel.close()
        assert proc.stop() == 0, proc.logs()


def test_sealed_at_rest_the_report_reads_the_bid_and_the_chain_verifies(tmp_path: Path) -> None:
    """With --data-key-file the evaluation's request (the bids) and the commitment are sealed
    (readings are measurements of the awarded contract, not bids: they are stored in the clear,
    in their own table, and the chain covers them); the commitment is still taken from the
    winning bid (the store opens it), the report settles (24 000 kWh against 21 600: 1 980.00
    SEK, as in the lighting test), and the organisation's chain verifies over all of them."""
    import subprocess
    import sys

    from tcoapi.v1 import procurement_pb2 as pb

    key = tmp_path / "data.key"
    subprocess.run(
        [sys.executable, "-m", "tco_server.records.crypto", "new-key", str(key)],
        check=True,
        capture_output=True,
    )
    data = tmp_path / "data"
    with serving("--data-dir", str(data), "--data-key-file", str(key)) as stubs:
        parent = awarded(stubs, "lighting-s", lighting())
        made = commit(stubs, parent, [LIGHT])
        assert made.promises[0].promised_per_year.value == pytest.approx(21_600.0)
        append(stubs, parent, monthly("meter-hall-a", 2027, [2000.0] * 12, "kWh"))
        got = report(stubs, made.name, 2028, 1, 1)
        assert got.total_amount == 1980.00
        verified = stubs.procurements.VerifyRecords(pb.VerifyRecordsRequest(), timeout=TIMEOUT)
        assert verified.ok
        # procurement, evaluation, award, commitment, one batch of readings
        assert verified.records_checked == 5
    raw = b"".join(path.read_bytes() for path in data.iterdir() if path.is_file())
    assert b"Avtalsf" not in raw  # a bid's supplier: never in the clear
    assert b"meter-hall-a" in raw  # the readings' series: in the clear, by design
