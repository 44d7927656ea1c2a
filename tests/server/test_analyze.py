"""AnalyzeRanking end to end over a real server: answers, determinism, errors, limits, logs."""

from __future__ import annotations

import copy
import json
from typing import Any

import grpc
import pytest
from google.protobuf import json_format

from tcoapi.v1 import analysis_pb2, service_pb2, service_pb2_grpc, tender_pb2
from tests.conftest import SAMPLE_TENDER, ServerProcess
from tests.server.conftest import TIMEOUT, decode

SCALE = "PARAMETER_MODE_SCALE"
VALUE = "PARAMETER_MODE_VALUE"

SPEC: dict[str, Any] = {
    "sensitivity": [
        {"path": "resource_prices[*].price", "percent": 20},
        {"path": "discount_rate", "delta": 0.01},
        {"path": "carbon_price", "range": {"mode": VALUE, "low": 0, "high": 5}},
    ],
    "switching": [
        {"path": "resource_prices[diesel].price", "range": {"mode": SCALE, "low": 0, "high": 5}},
        {"path": "discount_rate", "range": {"mode": VALUE, "low": 0, "high": 0.2}},
    ],
    "scenarios": [
        {
            "name": "Nord",
            "settings": [
                {"path": "resource_prices[electricity].price", "mode": VALUE, "value": 0.9}
            ],
        },
        {"name": "Syd", "carbon_price": {"series_id": "asek-7.0"}},
    ],
    "monte_carlo": {
        "draws": 5000,
        "seed": 17,
        "distributions": [
            {
                "path": "carbon_price",
                "mode": SCALE,
                "triangular": {"low": 0.5, "most_likely": 1, "high": 2},
            },
            {
                "path": "resource_prices[*].price",
                "mode": SCALE,
                "lognormal": {"median": 1, "sigma": 0.2},
            },
            {
                "path": "bids[*].items[*].service_life",
                "mode": SCALE,
                "independent": True,
                "discrete": {"values": [0.8, 1.0, 1.2]},
            },
        ],
    },
}


def _request(spec: dict[str, Any] | None = None) -> analysis_pb2.AnalyzeRankingRequest:
    document = json.loads(SAMPLE_TENDER.read_text(encoding="utf-8"))
    document["analysis"] = copy.deepcopy(SPEC if spec is None else spec)
    return json_format.ParseDict(document, analysis_pb2.AnalyzeRankingRequest())


def _failing(
    stub: service_pb2_grpc.LifeCycleCostServiceStub, request: analysis_pb2.AnalyzeRankingRequest
) -> Any:
    with pytest.raises(grpc.RpcError) as caught:
        stub.AnalyzeRanking(request, timeout=TIMEOUT)
    return decode(caught.value)


def test_the_contract_lists_analyze_ranking() -> None:
    service = service_pb2.DESCRIPTOR.services_by_name["LifeCycleCostService"]
    method = service.methods_by_name["AnalyzeRanking"]
    assert method.input_type.full_name == "tcoapi.v1.AnalyzeRankingRequest"
    assert method.output_type.full_name == "tcoapi.v1.AnalyzeRankingResponse"


def test_full_analysis_over_the_wire(
    stub: service_pb2_grpc.LifeCycleCostServiceStub,
    sample_request: tender_pb2.EvaluateBidsRequest,
) -> None:
    response = stub.AnalyzeRanking(_request(), timeout=TIMEOUT)
    evaluated = stub.EvaluateBids(sample_request, timeout=TIMEOUT)
    published = {r.bid_id: r.evaluated_cost for r in evaluated.results}
    assert {b.bid_id: b.comparison_number for b in response.base} == published
    assert response.method_digest == evaluated.method_digest
    assert response.request_digest == evaluated.request_digest
    assert len(response.analysis_digest) == 64
    assert response.currency == "SEK"

    assert {s.path for s in response.sensitivity} == {
        "resource_prices[*].price",
        "carbon_price",
        "discount_rate",
    }
    swings = [s.swing for s in response.sensitivity]
    assert swings == sorted(swings, reverse=True)
    assert all(len(s.bids) == 2 for s in response.sensitivity)

    diesel, rate = response.switching
    assert diesel.analytic
    assert diesel.status == analysis_pb2.SWITCHING_STATUS_SWITCHES
    assert diesel.points[0].from_bid_id == "A"
    assert diesel.points[0].to_bid_id == "B"
    assert diesel.HasField("base_value")
    assert not rate.analytic

    assert [r.name for r in response.scenarios.results] == ["Nord", "Syd"]
    assert response.scenarios.winners_agree
    assert list(response.scenarios.winners) == ["B"]

    mc = response.monte_carlo
    assert mc.draws == 5000
    assert mc.seed == 17
    assert sum(b.probability_best for b in mc.bids) == pytest.approx(1.0, abs=1e-12)
    for b in mc.bids:
        assert b.comparison_number.p5 <= b.comparison_number.p50 <= b.comparison_number.p95
    assert mc.HasField("gap")
    assert [d.path for d in mc.parameters] == [
        "carbon_price",
        "resource_prices[*].price",
        "bids[*].items[*].service_life",
    ]
    assert any(w.code == "PRICE_INDEX_HELD" and "Syd" in w.message for w in response.warnings)


def test_the_same_request_gives_the_byte_identical_response(
    stub: service_pb2_grpc.LifeCycleCostServiceStub,
) -> None:
    first = stub.AnalyzeRanking(_request(), timeout=TIMEOUT)
    second = stub.AnalyzeRanking(_request(), timeout=TIMEOUT)
    assert first.SerializeToString(deterministic=True) == second.SerializeToString(
        deterministic=True
    )
    other_seed = _request()
    other_seed.analysis.monte_carlo.seed = 18
    third = stub.AnalyzeRanking(other_seed, timeout=TIMEOUT)
    assert third.monte_carlo.bids != first.monte_carlo.bids or (
        third.monte_carlo.parameters != first.monte_carlo.parameters
    )


def test_an_empty_spec_gives_the_base_ranking(
    stub: service_pb2_grpc.LifeCycleCostServiceStub,
) -> None:
    response = stub.AnalyzeRanking(_request({}), timeout=TIMEOUT)
    assert [b.rank for b in response.base] == [2, 1]
    assert not response.HasField("monte_carlo")
    assert not response.HasField("scenarios")
    assert len(response.sensitivity) == 0


def test_violations_name_the_fields_of_the_request(
    stub: service_pb2_grpc.LifeCycleCostServiceStub,
) -> None:
    spec = copy.deepcopy(SPEC)
    spec["sensitivity"][0]["path"] = "resource_prices[coal].price"
    spec["switching"][0]["range"]["low"] = 9
    spec["monte_carlo"]["distributions"][0]["triangular"]["most_likely"] = 7
    spec["scenarios"][1]["carbon_price"] = {"price": {"value": 2, "unit": "SEK/t"}}
    failure = _failing(stub, _request(spec))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert failure.reason == "INVALID_TENDER"
    assert set(failure.fields) == {
        "analysis.sensitivity[0].path",
        "analysis.switching[0].range.high",
        "analysis.monte_carlo.distributions[0].triangular.most_likely",
        "analysis.scenarios[1].carbon_price.price.unit",
    }
    assert "not priced" in failure.description("analysis.sensitivity[0].path")


def test_a_bad_tender_keeps_its_tender_paths(
    stub: service_pb2_grpc.LifeCycleCostServiceStub,
) -> None:
    request = _request()
    request.bids[1].items[0].resource_use[0].amount.unit = "kg"
    failure = _failing(stub, request)
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert failure.fields == ["bids[1].items[0].resource_use[0].amount.unit"]


def test_an_undefined_mode_number_is_refused_before_parsing(
    stub: service_pb2_grpc.LifeCycleCostServiceStub,
) -> None:
    request = _request()
    request.analysis.sensitivity[2].range.mode = 42  # type: ignore[assignment]
    failure = _failing(stub, request)
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert failure.fields == ["analysis.sensitivity[2].range.mode"]


def test_unset_mode_is_required(stub: service_pb2_grpc.LifeCycleCostServiceStub) -> None:
    request = _request()
    request.analysis.monte_carlo.distributions[0].mode = analysis_pb2.PARAMETER_MODE_UNSPECIFIED
    failure = _failing(stub, request)
    assert failure.fields == ["analysis.monte_carlo.distributions[0].mode"]


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        (
            lambda a: setattr(a.monte_carlo, "draws", 100_001),
            "analysis.monte_carlo.draws",
            "TOO_MANY_DRAWS",
        ),
        (
            lambda a: a.sensitivity.extend([a.sensitivity[0]] * 101),
            "analysis.sensitivity",
            "TOO_MANY_ENTRIES",
        ),
        (
            lambda a: a.monte_carlo.distributions[2].discrete.values.extend([1.0] * 1001),
            "analysis.monte_carlo.distributions[2].discrete.values",
            "TOO_MANY_POINTS",
        ),
        (
            lambda a: a.scenarios[0].settings.extend([a.scenarios[0].settings[0]] * 101),
            "analysis.scenarios[0].settings",
            "TOO_MANY_ENTRIES",
        ),
    ],
)
def test_size_limits_are_invalid_argument(
    stub: service_pb2_grpc.LifeCycleCostServiceStub, change: Any, field: str, reason: str
) -> None:
    request = _request()
    change(request.analysis)
    failure = _failing(stub, request)
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert failure.reason == reason
    assert failure.fields == [field]


def test_draw_cells_limit_counts_bids_and_years(
    stub: service_pb2_grpc.LifeCycleCostServiceStub,
) -> None:
    request = _request()
    request.analysis.monte_carlo.draws = 100_000
    request.method.study_period_years = 100
    for i in range(30):
        bid = request.bids.add()
        bid.CopyFrom(request.bids[0])
        bid.id = f"extra-{i}"
    failure = _failing(stub, request)
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert failure.reason == "TOO_MANY_DRAWS"


def test_logs_carry_counts_never_bid_content() -> None:
    canary = "Kanariefågel Leverantör AB"
    request = _request()
    request.bids[0].supplier = canary
    request.analysis.scenarios[0].name = canary
    bad = _request()
    bad.bids[0].supplier = canary
    bad.analysis.sensitivity[0].path = f"bids[{canary}].items[0].quantity"
    proc = ServerProcess()
    try:
        with grpc.insecure_channel(proc.target) as channel:
            stub = service_pb2_grpc.LifeCycleCostServiceStub(channel)
            stub.AnalyzeRanking(request, timeout=TIMEOUT)
            with pytest.raises(grpc.RpcError):
                stub.AnalyzeRanking(bad, timeout=TIMEOUT)
    finally:
        assert proc.stop() == 0
    logs = proc.logs()
    assert canary not in logs
    assert "Kanarie" not in logs
    lines = [json.loads(line) for line in logs.splitlines() if '"AnalyzeRanking"' in line]
    assert [line["code"] for line in lines] == ["OK", "INVALID_ARGUMENT"]
    assert lines[0]["draws"] == 5000
    assert lines[0]["bids"] == 2


def test_an_oversized_tender_is_refused_before_the_full_parse(
    stub: service_pb2_grpc.LifeCycleCostServiceStub,
) -> None:
    """AnalyzeRanking goes through the same size guard as EvaluateBids
    (``tco_server.decoding.guarded``): 10^6 empty items are counted, not built, and refused with
    the limits' own violation."""
    request = _request()
    items = request.bids[0].items
    for _ in range(1_000_000 - len(items)):
        items.add()
    failure = _failing(stub, request)
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert failure.reason == "TOO_MANY_ITEMS"
    assert failure.fields == ["bids[0].items", "bids"]
