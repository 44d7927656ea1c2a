"""Responses that fit (#16): the default response of EvaluateBids and of EvaluateTenders fits in
the 4 MiB that grpc-js, grpc-java and grpc-go receive by default, for the largest tender the
limits admit (1 000 bids); the full response comes when asked for, and the small tender's
default response is the full one, byte for byte."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
from google.protobuf import json_format

from bench.common import typical_request
from tcoapi.v1 import batch_pb2, service_pb2_grpc, tender_pb2
from tests.server.conftest import TIMEOUT

FOUR_MIB = 4 * 1024 * 1024


@pytest.fixture(scope="module")
def big_request() -> tender_pb2.EvaluateBidsRequest:
    """1 000 bids (the limit) over 20 years: about 5 MiB in full."""
    return json_format.ParseDict(typical_request(1000, 1, 20), tender_pb2.EvaluateBidsRequest())


@pytest.fixture(scope="module")
def default_client_stub(server_target: str) -> Iterator[service_pb2_grpc.LifeCycleCostServiceStub]:
    """A channel with gRPC's default 4 MiB receive limit, as other languages' clients have."""
    with grpc.insecure_channel(server_target) as channel:
        yield service_pb2_grpc.LifeCycleCostServiceStub(channel)


@pytest.fixture(scope="module")
def large_client_stub(server_target: str) -> Iterator[service_pb2_grpc.LifeCycleCostServiceStub]:
    options = [("grpc.max_receive_message_length", 64 * 1024 * 1024)]
    with grpc.insecure_channel(server_target, options=options) as channel:
        yield service_pb2_grpc.LifeCycleCostServiceStub(channel)


def test_the_default_response_of_the_largest_tender_fits_in_4_mib(
    default_client_stub: service_pb2_grpc.LifeCycleCostServiceStub,
    big_request: tender_pb2.EvaluateBidsRequest,
) -> None:
    response = default_client_stub.EvaluateBids(big_request, timeout=TIMEOUT)
    assert response.ByteSize() < FOUR_MIB
    assert len(response.results) == 1000
    assert all(len(r.cash_flow) == 0 and len(r.explanations) == 0 for r in response.results)
    summarized = [w for w in response.warnings if w.code == "RESPONSE_SUMMARIZED"]
    assert len(summarized) == 1
    assert "RESPONSE_VIEW_FULL" in summarized[0].message


def test_the_full_view_is_sent_whole_to_a_client_that_asks(
    large_client_stub: service_pb2_grpc.LifeCycleCostServiceStub,
    default_client_stub: service_pb2_grpc.LifeCycleCostServiceStub,
    big_request: tender_pb2.EvaluateBidsRequest,
) -> None:
    big_request.view = tender_pb2.RESPONSE_VIEW_FULL
    full = large_client_stub.EvaluateBids(big_request, timeout=TIMEOUT)
    assert full.ByteSize() > FOUR_MIB
    assert all(len(r.cash_flow) > 0 for r in full.results)
    assert not any(w.code == "RESPONSE_SUMMARIZED" for w in full.warnings)
    big_request.view = tender_pb2.RESPONSE_VIEW_SUMMARY
    summary = default_client_stub.EvaluateBids(big_request, timeout=TIMEOUT)
    assert [r.evaluated_cost for r in summary.results] == [r.evaluated_cost for r in full.results]
    assert not any(w.code == "RESPONSE_SUMMARIZED" for w in summary.warnings)
    big_request.view = tender_pb2.RESPONSE_VIEW_UNSPECIFIED


def test_a_small_tenders_default_response_is_the_full_one(
    stub: service_pb2_grpc.LifeCycleCostServiceStub,
    sample_request: tender_pb2.EvaluateBidsRequest,
) -> None:
    default = stub.EvaluateBids(sample_request, timeout=TIMEOUT)
    sample_request.view = tender_pb2.RESPONSE_VIEW_FULL
    full = stub.EvaluateBids(sample_request, timeout=TIMEOUT)
    assert default.SerializeToString(deterministic=True) == full.SerializeToString(
        deterministic=True
    )
    assert all(len(r.cash_flow) > 0 for r in default.results)


def test_the_stream_default_fits_too(
    default_client_stub: service_pb2_grpc.LifeCycleCostServiceStub,
    big_request: tender_pb2.EvaluateBidsRequest,
) -> None:
    messages = [batch_pb2.EvaluateTendersRequest(tender_id="big", request=big_request)]
    (out,) = list(default_client_stub.EvaluateTenders(iter(messages), timeout=TIMEOUT))
    assert out.WhichOneof("outcome") == "result"
    assert out.ByteSize() < FOUR_MIB
    assert any(w.code == "RESPONSE_SUMMARIZED" for w in out.result.warnings)


def test_an_unknown_view_is_refused_by_name(
    stub: service_pb2_grpc.LifeCycleCostServiceStub,
    sample_request: tender_pb2.EvaluateBidsRequest,
) -> None:
    sample_request.view = 7  # type: ignore[assignment]
    with pytest.raises(grpc.RpcError) as raised:
        stub.EvaluateBids(sample_request, timeout=TIMEOUT)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "view" in (raised.value.details() or "")
