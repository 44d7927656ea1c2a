"""Plausibility warnings (issue #14): each implausible value a coded warning naming its field
path; nothing refused, nothing silent; ``validate_only`` gives the evaluation's own warnings."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest

from tco.evaluate import evaluate
from tco.prepared import PreparedCarbonPrice
from tco.results import Evaluation, Warning
from tco.validate import plausibility
from tco.validate.violations import Violations

from .tender_json import sample_dict, tender

Raw = dict[str, Any]


def _evaluate(raw: Raw, *, validate_only: bool = False) -> Evaluation:
    return evaluate(tender(raw), validate_only=validate_only)


def _coded(raw: Raw, code: str) -> list[Warning]:
    return [w for w in _evaluate(raw).warnings if w.code == code]


def test_the_sample_is_plausible() -> None:
    codes = {w.code for w in _evaluate(sample_dict()).warnings}
    new = {
        "RATE_LOOKS_LIKE_PERCENT",
        "CARBON_PRICE_IMPLAUSIBLE",
        "SERVICE_LIFE_IMPLAUSIBLE",
        "RESIDUAL_ABOVE_PURCHASE_COST",
        "DUPLICATE_ITEM",
        "CLIMATE_COST_ABOVE_LCC",
        "BID_WITHOUT_COST",
    }
    assert codes.isdisjoint(new)


def test_residual_value_above_the_purchase_cost() -> None:
    raw = sample_dict()
    # bid B: 19 500 EUR x 11.2 = 218 400 SEK a unit; a buy-back of 300 000 SEK is more
    raw["bids"][1]["items"][0]["residual_value"] = {"value": 300000, "unit": "SEK"}
    [warning] = _coded(raw, "RESIDUAL_ABOVE_PURCHASE_COST")
    assert warning.bid_id == "B"
    assert warning.message.startswith("bids[1].items[0].residual_value: ")
    raw["bids"][1]["items"][0]["residual_value"]["value"] = 218000
    assert _coded(raw, "RESIDUAL_ABOVE_PURCHASE_COST") == []


@pytest.mark.parametrize(
    ("path", "value", "warned"),
    [
        ("method.discount_rate", 0.2, True),
        ("method.discount_rate", 0.19, False),
        ("method.resource_prices[0].escalation", 1.0, True),
        ("method.resource_prices[1].escalation", 0.2, True),
        ("bids[0].costs[0].escalation", 0.5, True),
        ("bids[1].items[0].costs[0].escalation", 0.25, True),
    ],
)
def test_a_rate_of_20_percent_or_more(path: str, value: float, warned: bool) -> None:
    raw = sample_dict()
    node: Any = raw
    parts = path.replace("]", "").replace("[", ".").split(".")
    for part in parts[:-1]:
        node = node[int(part)] if part.isdigit() else node[part]
    node[parts[-1]] = value
    found = [w.message for w in _coded(raw, "RATE_LOOKS_LIKE_PERCENT")]
    assert [m.startswith(f"{path}: ") for m in found] == ([True] if warned else [])


def test_a_yearly_escalation_rate_names_its_year() -> None:
    raw = sample_dict()
    raw["method"]["resource_prices"][0]["yearly_escalation"] = [0.01, 0.3]
    [warning] = _coded(raw, "RATE_LOOKS_LIKE_PERCENT")
    assert warning.message.startswith("method.resource_prices[0].yearly_escalation[1]: ")


def test_inflation_is_checked_in_a_nominal_analysis() -> None:
    raw = sample_dict()
    raw["method"].update(rate_basis="RATE_BASIS_NOMINAL", inflation_rate=0.2)
    [warning] = _coded(raw, "RATE_LOOKS_LIKE_PERCENT")
    assert warning.message.startswith("method.inflation_rate: ")


def test_a_carbon_price_per_tonne_typed_per_kg() -> None:
    raw = sample_dict()
    raw["method"]["carbon_price"] = {"price": {"value": 1500, "unit": "SEK/kgCO2e"}}
    evaluation = _evaluate(raw)
    [carbon] = [w for w in evaluation.warnings if w.code == "CARBON_PRICE_IMPLAUSIBLE"]
    assert carbon.message.startswith("method.carbon_price: ")
    # and the climate cost dwarfs the life-cycle cost of both bids (a post-evaluation check)
    heavy = [w for w in evaluation.warnings if w.code == "CLIMATE_COST_ABOVE_LCC"]
    assert sorted(w.bid_id for w in heavy) == ["A", "B"]
    assert all(w.message.startswith("method.carbon_price: ") for w in heavy)
    for result in evaluation.results:
        assert result.climate_cost > 5 * result.life_cycle_cost


@pytest.mark.parametrize(("price", "warned"), [(7.0, False), (50.0, False), (0.04, True)])
def test_the_carbon_price_band_in_sek(price: float, warned: bool) -> None:
    raw = sample_dict()
    raw["method"]["carbon_price"] = {"price": {"value": price, "unit": "SEK/kgCO2e"}}
    assert bool(_coded(raw, "CARBON_PRICE_IMPLAUSIBLE")) is warned


def _carbon(per_kg: float) -> PreparedCarbonPrice:
    prices = np.full(3, per_kg)
    return PreparedCarbonPrice(prices, False, "constant", (), 0)


@pytest.mark.parametrize(
    ("currency", "rates", "per_kg", "warned"),
    [
        # the method's own SEK rate: 50 SEK x 0.09 EUR/SEK = 4.5 EUR
        ("EUR", {"SEK": 0.09}, 4.4, False),
        ("EUR", {"SEK": 0.09}, 4.6, True),
        # no SEK rate: the approximate table, 50 / 11.4 = 4.39 EUR
        ("EUR", {}, 4.0, False),
        ("EUR", {}, 5.0, True),
        ("EUR", {}, 0.001, True),
        # a currency in neither: no band to state
        ("JPY", {}, 1e6, False),
    ],
)
def test_the_carbon_price_band_in_the_method_currency(
    currency: str, rates: dict[str, float], per_kg: float, warned: bool
) -> None:
    v = Violations()
    v.currency = currency
    plausibility.carbon_price(v, _carbon(per_kg), rates)
    assert [code for code, _, _ in v.warnings] == (["CARBON_PRICE_IMPLAUSIBLE"] if warned else [])


def test_a_service_life_over_60_years() -> None:
    raw = sample_dict()
    raw["bids"][0]["items"][0]["service_life"] = {"value": 800, "unit": "months"}  # 66.7 years
    [warning] = _coded(raw, "SERVICE_LIFE_IMPLAUSIBLE")
    assert warning.message.startswith("bids[0].items[0].service_life: ")
    assert warning.bid_id == "A"
    raw["bids"][0]["items"][0]["service_life"] = {"value": 60, "unit": "years"}
    assert _coded(raw, "SERVICE_LIFE_IMPLAUSIBLE") == []


def test_two_identical_items_in_a_bid() -> None:
    raw = sample_dict()
    items = raw["bids"][0]["items"]
    items.append(copy.deepcopy(items[0]))
    [warning] = _coded(raw, "DUPLICATE_ITEM")
    assert warning.message.startswith("bids[0].items[1]: equal to bids[0].items[0]")
    assert warning.bid_id == "A"
    items[1]["name"] = "a second, different scrubber"
    assert _coded(raw, "DUPLICATE_ITEM") == []


def test_a_bid_with_no_cost_at_all() -> None:
    raw = sample_dict()
    raw["bids"].append(
        {"id": "C", "items": [{"name": "nothing", "quantity": 1, "unit_price": {"value": 0}}]}
    )
    raw["bids"][2]["items"][0]["unit_price"]["unit"] = "SEK"
    [warning] = _coded(raw, "BID_WITHOUT_COST")
    assert (warning.bid_id, warning.message.split(":")[0]) == ("C", "bids[2]")


def _implausible() -> Raw:
    """The sample with one of each implausibility and a copy of bid A (a tie)."""
    raw = sample_dict()
    raw["method"]["discount_rate"] = 0.35
    raw["method"]["carbon_price"] = {"price": {"value": 1500, "unit": "SEK/kgCO2e"}}
    raw["bids"][1]["items"][0]["residual_value"] = {"value": 300000, "unit": "SEK"}
    raw["bids"][0]["items"].append(copy.deepcopy(raw["bids"][0]["items"][0]))
    twin = copy.deepcopy(raw["bids"][0])
    twin["id"] = "A2"
    raw["bids"].append(twin)
    return raw


def test_validate_only_returns_every_warning_the_evaluation_gives() -> None:
    evaluation = _evaluate(_implausible())
    checked = _evaluate(_implausible(), validate_only=True)
    assert checked.results == ()
    assert checked.validated_only
    assert checked.warnings == evaluation.warnings
    codes = {w.code for w in checked.warnings}
    assert {
        "RATE_LOOKS_LIKE_PERCENT",
        "CARBON_PRICE_IMPLAUSIBLE",
        "RESIDUAL_ABOVE_PURCHASE_COST",
        "DUPLICATE_ITEM",
        "CLIMATE_COST_ABOVE_LCC",  # computed after the evaluation
        "TIE",  # from the ranking
    } <= codes
