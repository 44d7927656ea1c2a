"""Required is required (issue #14): a required input left out is a violation at its path, never
a zero; a number with explicit presence left out where zero is its meaning is accepted as zero.

The domain objects here are what :mod:`tco_server.convert_in` makes of a request that leaves the
field out (``None``); ``tests/server/test_required_wire.py`` goes through the wire.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from tco import validate
from tco.errors import FieldViolation, InvalidTender
from tco.inputs import (
    Bid,
    CostStream,
    EvaluationModel,
    Item,
    Method,
    ModelKind,
    Quantity,
    RateBasis,
    ResourcePrice,
    Tender,
)
from tco.prepared import PreparedTender

from .tender_json import sample_tender


def _violations(tender: Tender) -> list[FieldViolation]:
    with pytest.raises(InvalidTender) as info:
        validate.prepare(tender)
    return list(info.value.violations)


def _method(tender: Tender, **changes: Any) -> Tender:
    return dataclasses.replace(tender, method=dataclasses.replace(tender.method, **changes))


def _item(tender: Tender, bid: int = 0, index: int = 0, **changes: Any) -> Tender:
    bids = list(tender.bids)
    items = list(bids[bid].items)
    items[index] = dataclasses.replace(items[index], **changes)
    bids[bid] = dataclasses.replace(bids[bid], items=tuple(items))
    return dataclasses.replace(tender, bids=tuple(bids))


def _nominal(tender: Tender) -> Tender:
    return _method(tender, rate_basis=RateBasis.NOMINAL, inflation_rate=0.02)


def test_the_sample_prepares() -> None:
    assert isinstance(validate.prepare(sample_tender()), PreparedTender)


def test_unit_price_left_out_is_a_violation_naming_it() -> None:
    [violation] = _violations(_item(sample_tender(), bid=1, unit_price=None))
    assert violation.field == "bids[1].items[0].unit_price"
    assert violation.description.startswith("required")


def test_unit_price_zero_is_a_price() -> None:
    # an item bought at no cost states 0 (and then needs no service life)
    tender = _item(sample_tender(), bid=1, unit_price=Quantity(0.0, "SEK"), service_life=None)
    assert validate.prepare(tender).bids[1].items[0].unit_price == 0.0


def test_quantity_left_out_is_a_violation() -> None:
    [violation] = _violations(_item(sample_tender(), quantity=None))
    assert violation.field == "bids[0].items[0].quantity"
    assert violation.description.startswith("required")


def test_discount_rate_left_out_is_a_violation_and_zero_is_allowed() -> None:
    [violation] = _violations(_method(sample_tender(), discount_rate=None))
    assert violation.field == "method.discount_rate"
    assert "required" in violation.description
    assert validate.prepare(_method(sample_tender(), discount_rate=0.0)).method.discount_rate == 0.0


def test_inflation_is_required_in_a_nominal_analysis_only() -> None:
    nominal = _method(sample_tender(), rate_basis=RateBasis.NOMINAL, inflation_rate=None)
    [violation] = _violations(nominal)
    assert violation.field == "method.inflation_rate"
    real = validate.prepare(_method(sample_tender(), inflation_rate=None))
    assert real.method.inflation_rate == 0.0


def _price(tender: Tender, index: int, **changes: Any) -> Tender:
    prices = list(tender.method.resource_prices)
    prices[index] = dataclasses.replace(prices[index], **changes)
    return _method(tender, resource_prices=tuple(prices))


def test_escalation_left_out_is_zero_in_a_real_analysis() -> None:
    prepared = validate.prepare(_price(sample_tender(), 0, escalation=None))
    assert prepared.method.resources["electricity"].escalation_rates.tolist() == [0.0] * 12


def test_escalation_left_out_is_a_violation_in_a_nominal_analysis() -> None:
    tender = _price(_nominal(sample_tender()), 0, escalation=None)
    [violation] = _violations(tender)
    assert violation.field == "method.resource_prices[0].escalation"
    assert "nominal" in violation.description
    # a yearly series stands in for the constant rate
    yearly = _price(tender, 0, yearly_escalation=(0.03,))
    assert validate.prepare(yearly).method.resources["electricity"].escalation_rates[0] > 0.0


def test_cost_stream_escalation_follows_the_same_rule() -> None:
    tender = sample_tender()
    bid = tender.bids[0]
    stream = dataclasses.replace(bid.costs[0], escalation=None)
    changed = dataclasses.replace(
        tender, bids=(dataclasses.replace(bid, costs=(stream,)), *tender.bids[1:])
    )
    assert validate.prepare(changed).bids[0].costs[0].escalation == 0.0
    [violation] = _violations(_nominal(changed))
    assert violation.field == "bids[0].costs[0].escalation"


def test_externality_factor_is_required_by_its_model_only() -> None:
    model = EvaluationModel(kind=ModelKind.EXTERNALITY_FACTOR, externality_factor=None)
    [violation] = _violations(_method(sample_tender(), evaluation_model=model))
    assert violation.field == "method.evaluation_model.externality_factor"
    cost = EvaluationModel(kind=ModelKind.COST, externality_factor=None)
    assert validate.prepare(_method(sample_tender(), evaluation_model=cost)).method.model.kind is (
        ModelKind.COST
    )


def test_service_life_is_required_once_the_item_has_a_purchase_cost() -> None:
    [violation] = _violations(_item(sample_tender(), service_life=None))
    assert violation.field == "bids[0].items[0].service_life"
    free = _item(
        sample_tender(),
        service_life=None,
        unit_price=Quantity(0.0, "SEK"),
        installation_cost=Quantity(0.0, "SEK"),
    )
    assert validate.prepare(free).bids[0].items[0].service_life is None


def test_every_missing_field_is_listed_at_once() -> None:
    tender = _item(
        _method(sample_tender(), discount_rate=None),
        bid=1,
        unit_price=None,
        quantity=None,
    )
    assert sorted(v.field for v in _violations(tender)) == [
        "bids[1].items[0].quantity",
        "bids[1].items[0].unit_price",
        "method.discount_rate",
    ]


def test_a_minimal_tender_states_every_required_field() -> None:
    method = Method(
        currency="SEK",
        base_year=2027,
        study_period_years=10,
        discount_rate=0.0,
        resource_prices=(ResourcePrice("electricity", Quantity(1.0, "SEK/kWh"), escalation=None),),
    )
    item = Item(unit_price=Quantity(100.0, "SEK"), service_life=Quantity(10.0, "years"))
    stream = CostStream(amount=Quantity(5.0, "SEK"), escalation=None)
    prepared = validate.prepare(Tender(method, (Bid("A", items=(item,), costs=(stream,)),)))
    assert prepared.bids[0].items[0].quantity == 1.0
