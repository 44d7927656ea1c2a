"""Issue #14's conventions on the wire: Item.price_escalation in, the rate basis of annual value
and AIRR out (EvaluateBidsResponse, Measures, BidColumnsResult), and in the client's frames."""

from __future__ import annotations

import pytest

from tco.errors import InvalidTender
from tco.evaluate import evaluate
from tco.finance import upv
from tco_client import frames
from tco_server import columns, convert_in, convert_out
from tcoapi.v1 import tender_pb2
from tests.server.conftest import load_sample_request


def nominal_request() -> tender_pb2.EvaluateBidsRequest:
    request = load_sample_request()
    request.method.rate_basis = tender_pb2.RATE_BASIS_NOMINAL
    request.method.discount_rate = 0.05
    request.method.inflation_rate = 0.02
    # a nominal analysis states every escalation (nominal): here 2 %, constant real prices
    for price in request.method.resource_prices:
        price.escalation = 0.02
    for bid in request.bids:
        for stream in [*bid.costs, *(s for item in bid.items for s in item.costs)]:
            stream.escalation = 0.02
    return request


def test_price_escalation_is_converted_with_its_presence() -> None:
    request = load_sample_request()
    request.bids[0].items[0].price_escalation = 0.03
    request.bids[1].items[0].price_escalation = 0.0
    tender = convert_in.to_tender(request)
    assert tender.bids[0].items[0].price_escalation == 0.03
    assert tender.bids[1].items[0].price_escalation == 0.0  # stated 0: present
    assert convert_in.to_tender(load_sample_request()).bids[0].items[0].price_escalation is None


def test_a_price_escalation_out_of_range_is_a_field_violation() -> None:
    request = load_sample_request()
    request.bids[1].items[0].price_escalation = 1.5
    with pytest.raises(InvalidTender) as caught:
        evaluate(convert_in.to_tender(request))
    fields = [v.field for v in caught.value.violations]
    assert fields == ["bids[1].items[0].price_escalation"]


def test_a_nominal_analysis_says_its_basis_in_the_response_and_the_measures() -> None:
    evaluation = evaluate(convert_in.to_tender(nominal_request()))
    response = convert_out.to_response(evaluation)
    assert response.rate_basis == tender_pb2.RATE_BASIS_NOMINAL
    assert response.analysis_discount_rate == 0.05
    n = nominal_request().method.study_period_years
    for result in response.results:
        want = result.life_cycle_cost / float(upv(0.05, n))
        assert result.annual_value == pytest.approx(want, abs=0.01)
        assert result.measures.rate_basis == tender_pb2.RATE_BASIS_NOMINAL
        assert result.measures.discount_rate == 0.05
    table = frames.measures_frame(response)
    assert set(table["airr_rate_basis"]) == {"nominal"}
    assert set(table["airr_discount_rate"]) == {0.05}
    ids = [b.id for b in nominal_request().bids]
    columnar = columns.result_columns(evaluation, ids)
    assert columnar.rate_basis == tender_pb2.RATE_BASIS_NOMINAL
    assert columnar.analysis_discount_rate == 0.05


def test_a_real_analysis_says_real() -> None:
    response = convert_out.to_response(evaluate(convert_in.to_tender(load_sample_request())))
    assert response.rate_basis == tender_pb2.RATE_BASIS_REAL
    assert response.analysis_discount_rate == load_sample_request().method.discount_rate
    assert set(frames.measures_frame(response)["airr_rate_basis"]) == {"real"}
