"""Scenarios (ranking per scenario, agreement) and one-at-a-time sensitivity (tornado)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tco.analysis.model import ParametricModel, apply_settings, reference_comparison_numbers
from tco.analysis.parameters import Mode, resolve
from tco.analysis.scenarios import ResolvedScenario, compare_scenarios
from tco.analysis.sensitivity import tornado
from tco.prepared import PreparedTender
from tco.rounding import round_array_money
from tests.tco import factory as f

IDS = ["A", "B"]


def _energy_tender() -> PreparedTender:
    """A: cheap to buy, 40 000 kWh/year; B: 150 000 SEK dearer, 10 000 kWh/year (N = 10)."""
    n = 10
    m = f.method(
        n,
        0.0,
        resources=[f.resource("electricity", 1.0, n, factor=0.05)],
        carbon=f.carbon_price(1.0, n),
    )
    a = f.bid("A", items=[f.item(unit_price=100_000, resource_use={"electricity": 40_000.0})])
    b = f.bid("B", items=[f.item(unit_price=250_000, resource_use={"electricity": 10_000.0})])
    return f.tender(m, a, b)


def _scenario(tender: PreparedTender, name: str, price: float) -> ResolvedScenario:
    p = resolve("resource_prices[electricity].price", Mode.VALUE, tender)
    return ResolvedScenario(name, ((p, price),))


def test_scenarios_that_disagree_on_the_winner() -> None:
    # Energy cost difference: 30 000 kWh x 10 years x price (+ its climate cost 30 000 x 10 x
    # 0.05 x 1 = 15 000): A wins below (150 000 - 15 000) / 300 000 = 0.45 SEK/kWh.
    tender = _energy_tender()
    model = ParametricModel(tender)
    result = compare_scenarios(
        model, [_scenario(tender, "North", 0.3), _scenario(tender, "South", 1.8)], IDS, 2
    )
    assert not result.agree
    assert result.winners == ("A", "B")
    north, south = result.results
    assert north.best == ("A",)
    assert south.best == ("B",)
    assert [b.rank for b in north.bids] == [1, 2]
    expected = reference_comparison_numbers(
        apply_settings(tender, [_scenario(tender, "x", 1.8).settings[0][0]], [1.8])
    )
    assert [b.comparison_number for b in south.bids] == round_array_money(expected, 2).tolist()


def test_scenarios_that_agree_and_a_carbon_series_per_scenario() -> None:
    tender = _energy_tender()
    quantity = resolve("bids[*].items[*].quantity", Mode.SCALE, tender)
    n = tender.method.study_period_years
    series = np.linspace(1.0, 10.0, n + 1)
    scenarios = [
        _scenario(tender, "North", 1.0),
        ResolvedScenario("South", ((quantity, 3.0),), carbon_path=series),
        ResolvedScenario("As stated", ()),
    ]
    result = compare_scenarios(ParametricModel(tender), scenarios, IDS, 2)
    assert result.agree
    assert result.winners == ("B",)
    # The carbon series replaces the method's path in its scenario only.
    changed = apply_settings(tender, [quantity], [3.0])
    assert changed.method.carbon_price is not None
    carbon = dataclasses.replace(changed.method.carbon_price, price_per_kg=series)
    with_series = dataclasses.replace(
        changed, method=dataclasses.replace(changed.method, carbon_price=carbon)
    )
    expected = round_array_money(reference_comparison_numbers(with_series), 2)
    assert [b.comparison_number for b in result.results[1].bids] == expected.tolist()
    stated = round_array_money(reference_comparison_numbers(tender), 2)
    assert [b.comparison_number for b in result.results[2].bids] == stated.tolist()


def test_a_tie_at_the_top_is_reported_as_several_best_bids() -> None:
    tender = _energy_tender()
    # At 0.45 SEK/kWh the two bids cost the same.
    result = compare_scenarios(ParametricModel(tender), [_scenario(tender, "Tie", 0.45)], IDS, 2)
    assert result.results[0].best == ("A", "B")
    assert all(b.tied for b in result.results[0].bids)


def test_tornado_values_and_order() -> None:
    tender = _energy_tender()
    model = ParametricModel(tender)
    base = reference_comparison_numbers(tender)
    price = resolve("resource_prices[electricity].price", Mode.SCALE, tender)
    carbon = resolve("carbon_price", Mode.SCALE, tender)
    rows = tornado(model, base, [(carbon, 0.0, 2.0), (price, 0.5, 1.5)], IDS, 2)
    assert [r.path for r in rows] == ["resource_prices[electricity].price", "carbon_price"]
    top = rows[0]
    # Leader B, runner-up A: gap = CN_A - CN_B = -150 000 + 300 000 p + 15 000 (carbon).
    assert top.gap_base == pytest.approx(165_000.0)
    assert top.gap_low == pytest.approx(15_000.0)
    assert top.gap_high == pytest.approx(315_000.0)
    assert top.swing == pytest.approx(300_000.0)
    assert top.best_at_low == ("B",)
    for bid, b in zip(top.bids, range(2), strict=True):
        low = reference_comparison_numbers(apply_settings(tender, [price], [0.5]))[b]
        assert bid.low == round(float(low), 2)
    flips = tornado(model, base, [(price, 0.2, 1.0)], IDS, 2)[0]
    assert flips.best_at_low == ("A",)
    assert flips.gap_low is not None
    assert flips.gap_low < 0


def test_tornado_with_one_bid_has_no_gap() -> None:
    n = 5
    tender = f.tender(
        f.method(n, 0.03, resources=[f.resource("electricity", 1.0, n)]),
        f.bid("A", items=[f.item(unit_price=10.0, resource_use={"electricity": 100.0})]),
    )
    price = resolve("resource_prices[electricity].price", Mode.SCALE, tender)
    (row,) = tornado(
        ParametricModel(tender), reference_comparison_numbers(tender), [(price, 0.5, 1.5)], ["A"], 2
    )
    assert row.gap_base is None
    assert row.swing == 0.0
    assert row.bids[0].low < row.bids[0].base < row.bids[0].high
