"""AIP-158 pages of the reference lists: page by page gives exactly the whole list, in order;
a token of another data version, a forged token or a negative page size is INVALID_ARGUMENT
naming the field; the Python client gathers every page."""

from __future__ import annotations

import base64

import grpc
import pytest

from tco_client import TcoClient
from tcoapi.v1 import reference_pb2, service_pb2_grpc
from tests.server.conftest import TIMEOUT, decode


def _all_series_pages(
    stub: service_pb2_grpc.LifeCycleCostServiceStub, size: int
) -> list[reference_pb2.ListCarbonPriceSeriesResponse]:
    pages = [
        stub.ListCarbonPriceSeries(
            reference_pb2.ListCarbonPriceSeriesRequest(page_size=size), timeout=TIMEOUT
        )
    ]
    while pages[-1].next_page_token and len(pages) < 100:
        pages.append(
            stub.ListCarbonPriceSeries(
                reference_pb2.ListCarbonPriceSeriesRequest(
                    page_size=size, page_token=pages[-1].next_page_token
                ),
                timeout=TIMEOUT,
            )
        )
    return pages


@pytest.mark.parametrize("size", [1, 2, 3])
def test_pages_of_series_add_up_to_the_whole_list(
    stub: service_pb2_grpc.LifeCycleCostServiceStub, size: int
) -> None:
    request = reference_pb2.ListCarbonPriceSeriesRequest()
    whole = stub.ListCarbonPriceSeries(request, timeout=TIMEOUT)
    assert whole.next_page_token == ""  # the default page holds everything
    pages = _all_series_pages(stub, size)
    assert all(len(p.series) <= size for p in pages)
    assert len(pages) == -(-len(whole.series) // size)
    assert [s.id for p in pages for s in p.series] == [s.id for s in whole.series]
    assert pages[-1].next_page_token == ""
    assert {p.data_version for p in pages} == {whole.data_version}


def test_pages_of_factors_carry_energy_contents_on_the_first_page_only(
    stub: service_pb2_grpc.LifeCycleCostServiceStub,
) -> None:
    whole = stub.ListEmissionFactors(reference_pb2.ListEmissionFactorsRequest(), timeout=TIMEOUT)
    first = stub.ListEmissionFactors(
        reference_pb2.ListEmissionFactorsRequest(page_size=1), timeout=TIMEOUT
    )
    assert [f.id for f in first.factors] == [whole.factors[0].id]
    assert list(first.energy_contents) == list(whole.energy_contents)
    assert first.next_page_token
    second = stub.ListEmissionFactors(
        reference_pb2.ListEmissionFactorsRequest(page_size=1, page_token=first.next_page_token),
        timeout=TIMEOUT,
    )
    assert [f.id for f in second.factors] == [whole.factors[1].id]
    assert len(second.energy_contents) == 0


@pytest.mark.parametrize(
    ("request_fields", "field"),
    [
        ({"page_size": -1}, "page_size"),
        ({"page_token": "not-a-token"}, "page_token"),
        ({"page_token": base64.urlsafe_b64encode(b"other-version:1").decode()}, "page_token"),
        ({"page_token": base64.urlsafe_b64encode(b":1").decode()}, "page_token"),
    ],
)
def test_bad_page_requests_name_their_field(
    stub: service_pb2_grpc.LifeCycleCostServiceStub, request_fields: dict[str, object], field: str
) -> None:
    with pytest.raises(grpc.RpcError) as raised:
        stub.ListCarbonPriceSeries(
            reference_pb2.ListCarbonPriceSeriesRequest(**request_fields),  # type: ignore[arg-type]
            timeout=TIMEOUT,
        )
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert decode(raised.value).fields == [field]


def test_the_client_gathers_every_page(server_target: str) -> None:
    with TcoClient(server_target) as client:
        series = client.carbon_price_series(timeout=TIMEOUT)
        factors = client.emission_factors(timeout=TIMEOUT)
    assert len(series.series) > 1
    assert series.next_page_token == ""
    assert len(factors.factors) > 1
    assert len(factors.energy_contents) > 0
