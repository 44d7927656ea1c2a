"""Switching values: exact crossings for linear parameters, bisection for the others."""

from __future__ import annotations

import numpy as np
import pytest

from tco.analysis.model import ParametricModel, apply_settings, reference_comparison_numbers
from tco.analysis.parameters import Mode, resolve
from tco.analysis.results import SwitchingStatus
from tco.analysis.switching import bisect, envelope_switches, switching
from tco.prepared import PreparedTender
from tests.tco import factory as f


def _two_bids(carbon: float = 1.0) -> PreparedTender:
    """A: cheap to buy, 3 000 kgCO2e/year; B: dear, 500 kgCO2e/year. N = 10, d = 3 %."""
    n = 10
    m = f.method(
        n,
        0.03,
        resources=[f.resource("diesel", 15.0, n, unit="l", factor=2.5)],
        carbon=f.carbon_price(carbon, n),
    )
    a = f.bid("A", items=[f.item(unit_price=100_000, resource_use={"diesel": 1_200.0})])
    b = f.bid("B", items=[f.item(unit_price=260_000, resource_use={"diesel": 200.0})])
    return f.tender(m, a, b)


def test_carbon_price_switching_value_is_the_analytic_crossing() -> None:
    tender = _two_bids()
    # The lines by hand: CN_b(p) = L_b + p E_b with E_b the discounted emissions (kgCO2e).
    upv = sum(1.03**-t for t in range(1, 11))
    lcc = np.array([100_000 + 1_200 * 15 * upv, 260_000 + 200 * 15 * upv])
    discounted_kg = np.array([1_200 * 2.5 * upv, 200 * 2.5 * upv])
    crossing = (lcc[1] - lcc[0]) / (discounted_kg[0] - discounted_kg[1])
    # The engine agrees with the hand-made lines at two prices ...
    for price in (0.0, 5.0):
        expected = lcc + price * discounted_kg
        np.testing.assert_allclose(
            reference_comparison_numbers(_two_bids(price)), expected, rtol=1e-12
        )
    parameter = resolve("carbon_price", Mode.VALUE, tender)
    result = switching(ParametricModel(tender), parameter, 0.0, 20.0, ["A", "B"])
    assert result.analytic
    assert result.status is SwitchingStatus.SWITCHES
    (point,) = result.points
    assert point.value == pytest.approx(crossing, rel=1e-12)
    assert (point.from_bid, point.to_bid) == ("A", "B")
    assert (result.best_at_low, result.best_at_high) == ("A", "B")
    assert result.base == 1.0
    assert result.nearest_above == point.value
    # ... and at the switching value the two comparison numbers are equal.
    at = reference_comparison_numbers(_two_bids(point.value))
    assert at[0] == pytest.approx(at[1], rel=1e-12)


def test_scale_mode_crossing_and_no_switch_status() -> None:
    tender = _two_bids(2.0)
    model = ParametricModel(tender)
    scale = resolve("carbon_price", Mode.SCALE, tender)
    value = resolve("carbon_price", Mode.VALUE, tender)
    by_value = switching(model, value, 0.0, 20.0, ["A", "B"]).points[0].value
    by_scale = switching(model, scale, 0.0, 10.0, ["A", "B"]).points[0].value
    assert by_scale == pytest.approx(by_value / 2.0, rel=1e-12)
    none = switching(model, value, 0.0, 1.0, ["A", "B"])
    assert none.status is SwitchingStatus.NO_SWITCH
    assert none.points == ()
    assert none.best_at_low == none.best_at_high == "A"
    assert none.nearest_above is None
    assert none.nearest_below is None


def test_envelope_of_three_lines() -> None:
    # A: 10 - x, B: 6, C: 3 + x/2 on [0, 10]. C is lowest at 0 and meets A (3 + x/2 = 10 - x)
    # at x = 14/3, where A (already below B since x = 4) takes over for good: one switch.
    at_low = np.array([10.0, 6.0, 3.0])
    at_high = np.array([0.0, 6.0, 8.0])  # x = 10
    points = envelope_switches(0.0, 10.0, at_low, at_high)
    assert [(round(x, 12), a, b) for x, a, b in points] == [(round(14 / 3, 12), 2, 0)]


def test_discount_rate_switching_by_bisection() -> None:
    # A: 1 000 000 now; B: 120 000 a year for 10 years. Equal where UPV(d, 10) = 8.3333.
    n = 10
    m = f.method(n, 0.03)
    a = f.bid("A", items=[f.item(unit_price=1_000_000)])
    b = f.bid("B", costs=[f.stream(120_000, category="operation", first_year=1, every_years=1)])
    tender = f.tender(m, a, b)
    parameter = resolve("discount_rate", Mode.VALUE, tender)
    result = switching(ParametricModel(tender), parameter, 0.0, 0.2, ["A", "B"])
    assert not result.analytic
    (point,) = result.points
    assert (point.from_bid, point.to_bid) == ("A", "B")
    at = reference_comparison_numbers(apply_settings(tender, [parameter], [point.value]))
    assert at[0] == pytest.approx(at[1], rel=1e-9)
    # The rate where UPV(d, 10) = 1 000 000 / 120 000 (about 3.46 %), to the tolerance.
    upv = sum((1 + point.value) ** -t for t in range(1, 11))
    assert upv == pytest.approx(1_000_000 / 120_000, rel=1e-9)
    assert result.nearest_above == point.value
    assert result.base == 0.03


def test_service_life_switching_converges_on_the_jump() -> None:
    n = 12
    m = f.method(n, 0.0)
    a = f.bid("A", items=[f.item(unit_price=100.0, service_life=5.0)])
    b = f.bid("B", items=[f.item(unit_price=260.0, service_life=12.0)])
    tender = f.tender(m, a, b)
    parameter = resolve("bids[A].items[0].service_life", Mode.VALUE, tender)
    # With L <= 4 A buys 3+ times (300+) minus residual; at L = 6, 2 purchases: 200 - 0.
    result = switching(ParametricModel(tender), parameter, 2.0, 12.0, ["A", "B"])
    values = [p.value for p in result.points]
    assert values, result
    for x in values:
        below = reference_comparison_numbers(apply_settings(tender, [parameter], [x - 1e-6]))
        above = reference_comparison_numbers(apply_settings(tender, [parameter], [x + 1e-6]))
        assert int(np.argmin(below)) != int(np.argmin(above))


def test_bisect_brackets_to_the_tolerance() -> None:
    lo, hi = bisect(lambda x: int(x > 0.3), 0.0, 1.0, 0)
    assert lo <= 0.3 < hi
    assert hi - lo <= 1e-12
