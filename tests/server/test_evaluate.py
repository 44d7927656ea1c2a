"""EvaluateBids end to end: the sample tender, validate_only, determinism."""

from __future__ import annotations

import re

import grpc

from tcoapi.v1 import result_pb2, service_pb2_grpc, tender_pb2
from tests.conftest import ServerProcess
from tests.server.conftest import TIMEOUT

HEX64 = re.compile(r"^[0-9a-f]{64}$")


def test_sample_tender_is_evaluated_and_ranked(
    stub: service_pb2_grpc.LifeCycleCostServiceStub, sample_request: tender_pb2.EvaluateBidsRequest
) -> None:
    response = stub.EvaluateBids(sample_request, timeout=TIMEOUT)

    assert response.currency == "SEK"
    assert HEX64.match(response.method_digest)
    assert HEX64.match(response.request_digest)
    assert response.method_digest != response.request_digest
    assert response.engine_version
    assert not response.validated_only

    assert len(response.results) == 2
    # B (refurbished battery machines, EUR prices converted, 25 000 SEK deduction) ranks first.
    assert [r.bid_id for r in response.results] == ["B", "A"]
    assert [r.rank for r in response.results] == sorted(r.rank for r in response.results)
    assert response.results[0].rank == 1
    assert response.results[0].difference_to_best == 0.0
    # Ranking follows the comparison number.
    assert response.results[0].evaluated_cost <= response.results[1].evaluated_cost

    by_id = {r.bid_id: r for r in response.results}
    a, b = by_id["A"], by_id["B"]
    assert a.supplier == "Städmaskiner Nord AB"
    assert b.supplier == "EcoClean Europe GmbH"
    # DEDUCTIONS model: B earned a 25 000 SEK deduction, A none.
    assert b.deductions == 25000.0
    assert a.deductions == 0.0
    assert b.evaluated_cost < b.life_cycle_cost + b.climate_cost + b.externality_cost
    # Emissions by EN 15978 module, for both bids.
    for result in (a, b):
        assert result.emissions_by_module
        assert result.emissions_by_module["a1_a3"] > 0
        assert result.emissions_total > 0
        assert result.cost_by_category
        assert result.cash_flow
        assert result.HasField("cost_per_functional_unit")
    # B has circularity data, A none: proto3 optional set only for B.
    assert b.HasField("material_circularity")
    assert not a.HasField("material_circularity")
    # Measures against the baseline bid A.
    assert a.measures.baseline_bid_id == "A"
    assert a.measures.sir_status == result_pb2.MEASURE_STATUS_IS_BASELINE
    assert b.measures.baseline_bid_id == "A"
    assert b.measures.sir_status != result_pb2.MEASURE_STATUS_UNSPECIFIED


def test_validate_only_returns_digests_and_no_results(
    stub: service_pb2_grpc.LifeCycleCostServiceStub, sample_request: tender_pb2.EvaluateBidsRequest
) -> None:
    full = stub.EvaluateBids(sample_request, timeout=TIMEOUT)
    sample_request.validate_only = True
    response = stub.EvaluateBids(sample_request, timeout=TIMEOUT)

    assert response.validated_only
    assert len(response.results) == 0
    assert response.currency == "SEK"
    assert HEX64.match(response.method_digest)
    assert HEX64.match(response.request_digest)
    # The method is the same, so is its digest.
    assert response.method_digest == full.method_digest
    assert response.request_digest == full.request_digest
    assert response.engine_version == full.engine_version
    # The validation's warnings (the sample's carbon price points end before the study does).
    codes = {w.code for w in response.warnings}
    assert "SERIES_EXTRAPOLATED" in codes
    assert codes <= {w.code for w in full.warnings}


def test_identical_requests_give_byte_identical_responses(
    stub: service_pb2_grpc.LifeCycleCostServiceStub, sample_request: tender_pb2.EvaluateBidsRequest
) -> None:
    first = stub.EvaluateBids(sample_request, timeout=TIMEOUT)
    second = stub.EvaluateBids(sample_request, timeout=TIMEOUT)
    assert first.SerializeToString(deterministic=True) == second.SerializeToString(
        deterministic=True
    )
    assert first == second


def _raw_response(target: str, request: tender_pb2.EvaluateBidsRequest) -> bytes:
    """The response exactly as it came over the wire (no deserialization)."""
    with grpc.insecure_channel(target) as channel:
        call = channel.unary_unary(
            "/tcoapi.v1.LifeCycleCostService/EvaluateBids",
            request_serializer=tender_pb2.EvaluateBidsRequest.SerializeToString,
            response_deserializer=None,
        )
        raw: bytes = call(request, timeout=TIMEOUT)
    return raw


def test_wire_bytes_are_deterministic_across_server_processes(
    server: ServerProcess,
    fault_server: ServerProcess,
    sample_request: tender_pb2.EvaluateBidsRequest,
) -> None:
    """The server serializes deterministically itself: map entries in key order on the wire."""
    here = _raw_response(server.target, sample_request)
    there = _raw_response(fault_server.target, sample_request)
    assert here == there
    parsed = result_pb2.EvaluateBidsResponse.FromString(here)
    assert parsed.SerializeToString(deterministic=True) == here
