"""The DEDUCTIONS table over the wire (issue #14): a v1 client that still sends its own deduction
amount is refused at the field, the method's amount is applied for the claimed level."""

from __future__ import annotations

import grpc

from tcoapi.v1 import service_pb2_grpc, tender_pb2
from tests.server.conftest import TIMEOUT, call_failing


def test_a_bid_stated_amount_that_differs_is_invalid_argument_at_its_path(
    stub: service_pb2_grpc.LifeCycleCostServiceStub, sample_request: tender_pb2.EvaluateBidsRequest
) -> None:
    claim = sample_request.bids[1].deductions[0]
    claim.amount.value, claim.amount.unit = 900_000, "SEK"
    failure = call_failing(stub, sample_request)
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert failure.fields == ["bids[1].deductions[0].amount"]
    assert "the method fixes the deduction" in failure.description("bids[1].deductions[0].amount")


def test_an_old_style_claim_without_a_level_is_refused(
    stub: service_pb2_grpc.LifeCycleCostServiceStub, sample_request: tender_pb2.EvaluateBidsRequest
) -> None:
    claim = sample_request.bids[1].deductions[0]
    claim.level = ""
    claim.amount.value, claim.amount.unit = 25_000, "SEK"
    failure = call_failing(stub, sample_request)
    assert failure.fields == ["bids[1].deductions[0].level"]


def test_the_methods_amount_is_applied_and_the_table_is_in_the_method_digest(
    stub: service_pb2_grpc.LifeCycleCostServiceStub, sample_request: tender_pb2.EvaluateBidsRequest
) -> None:
    first = stub.EvaluateBids(sample_request, timeout=TIMEOUT)
    assert {r.bid_id: r.deductions for r in first.results} == {"A": 0.0, "B": 25000.0}
    level = sample_request.method.evaluation_model.deduction_criteria[0].levels[0]
    level.amount.value = 30_000
    second = stub.EvaluateBids(sample_request, timeout=TIMEOUT)
    assert {r.bid_id: r.deductions for r in second.results} == {"A": 0.0, "B": 30000.0}
    assert second.method_digest != first.method_digest
