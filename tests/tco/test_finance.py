"""Reference values of primer §2 (ASTM E917 adjunct / NIST Handbook 135) and the verbs' edges."""

from __future__ import annotations

import dataclasses
import doctest

import numpy as np
import numpy_financial as npf
import pytest

from tco import finance, validate
from tco.finance import (
    discount_factors,
    escalation_index,
    fisher_inflation,
    fisher_nominal,
    fisher_real,
    payment_times,
    spv,
    upv,
    upv_star,
)
from tco.inputs import RateBasis, Timing

from .tender_json import sample_dict, tender


@pytest.mark.parametrize(
    ("d", "n", "expected"),
    [(0.03, 15, 11.9379), (0.03, 20, 14.8775), (0.04, 10, 8.1109), (0.08, 30, 11.2578)],
)
def test_upv_reference_values(d: float, n: int, expected: float) -> None:
    assert round(float(upv(d, n)), 4) == expected


def test_spv_reference_value() -> None:
    assert round(float(spv(0.03, 15)), 4) == 0.6419


def test_upv_star_reference_value() -> None:
    assert round(float(upv_star(0.03, 0.02, 20)), 4) == 18.0812


def test_mid_year_reference_value() -> None:
    times = payment_times(Timing.MID_YEAR, np.arange(1, 16), True)
    assert round(float(discount_factors(0.03, times).sum()), 4) == 12.1157


def test_fisher_examples() -> None:
    assert round(float(fisher_inflation(0.045, 0.022)) * 100, 5) == 2.25049
    assert float(fisher_real(0.045, float(fisher_inflation(0.045, 0.022)))) == pytest.approx(
        0.022, abs=1e-15
    )
    assert round(float(fisher_nominal(0.20, 0.03)), 6) == 0.236
    assert float(fisher_real(0.236, 0.03)) == pytest.approx(0.20, abs=1e-15)


def test_present_value_of_30000_a_year_for_30_years_at_8_percent() -> None:
    assert round(30_000 * float(upv(0.08, 30)), 1) == 337_733.5
    times = payment_times(Timing.END_OF_YEAR, np.arange(1, 31), True)
    assert round(float((30_000 * discount_factors(0.08, times)).sum()), 1) == 337_733.5


def test_present_value_of_30000_in_year_30() -> None:
    assert round(30_000 * float(spv(0.08, 30)), 2) == 2_981.32


def test_arithmetic_gradient_convention() -> None:
    """310 367.4 is the textbook P/G: 0, G, 2G, ... (t - 1)G at the end of years 1..30."""
    t = np.arange(1, 31)
    explicit = float((3_000 * (t - 1) * spv(0.08, t)).sum())
    assert round(explicit, 1) == 310_367.4
    # G, 2G, ... 30G (gradient starting in year 1) would be another number: not the convention.
    assert round(float((3_000 * t * spv(0.08, t)).sum()), 1) != 310_367.4


def test_d_zero_works_everywhere() -> None:
    assert float(upv(0.0, 12)) == 12.0
    assert float(upv_star(0.0, 0.0, 12)) == 12.0
    assert float(spv(0.0, 7.5)) == 1.0
    assert discount_factors(0.0, np.arange(5.0)).tolist() == [1.0] * 5


def test_upv_is_continuous_near_zero() -> None:
    assert float(upv(1e-12, 30)) == pytest.approx(30.0, rel=1e-9)


def test_upv_vectorised_and_matches_numpy_financial() -> None:
    rates = np.array([0.0, 0.01, 0.035, 0.08])
    ours = upv(rates, 25)
    theirs = np.array([-float(npf.pv(r, 25, 1.0)) if r else 25.0 for r in rates])
    np.testing.assert_allclose(ours, theirs, rtol=1e-13)


def test_upv_star_equals_upv_when_e_zero_and_n_when_e_equals_d() -> None:
    assert float(upv_star(0.05, 0.0, 20)) == pytest.approx(float(upv(0.05, 20)), rel=1e-14)
    assert float(upv_star(0.04, 0.04, 9)) == 9.0


@pytest.mark.parametrize(
    ("timing", "recurring", "expected"),
    [
        (Timing.END_OF_YEAR, True, [0.0, 1.0, 2.0, 3.0]),
        (Timing.MID_YEAR, True, [0.0, 0.5, 1.5, 2.5]),
        (Timing.BEGINNING_OF_YEAR, True, [0.0, 0.0, 1.0, 2.0]),
        (Timing.MID_YEAR, False, [0.0, 1.0, 2.0, 3.0]),
        (Timing.BEGINNING_OF_YEAR, False, [0.0, 1.0, 2.0, 3.0]),
    ],
)
def test_payment_times(timing: Timing, recurring: bool, expected: list[float]) -> None:
    assert payment_times(timing, np.arange(4), recurring).tolist() == expected


def test_payment_times_broadcast_a_recurring_mask() -> None:
    times = payment_times(Timing.MID_YEAR, np.array([2, 2]), np.array([True, False]))
    assert times.tolist() == [1.5, 2.0]


def test_escalation_index_constant_rate_from_the_base_date() -> None:
    times = payment_times(Timing.MID_YEAR, np.arange(4), True)
    np.testing.assert_allclose(
        escalation_index(0.02, times), [1.0, 1.02**0.5, 1.02**1.5, 1.02**2.5], rtol=1e-15
    )
    times = payment_times(Timing.BEGINNING_OF_YEAR, np.arange(4), True)
    np.testing.assert_allclose(escalation_index(0.02, times), [1.0, 1.0, 1.02, 1.02**2])


def test_escalation_index_yearly_series_and_fractional_year() -> None:
    rates = np.array([0.10, 0.05, -0.02])
    index = escalation_index(rates, np.array([0.0, 1.0, 2.0, 3.0, 4.0, 2.5]))
    expected = [
        1.0,
        1.10,
        1.10 * 1.05,
        1.10 * 1.05 * 0.98,
        1.10 * 1.05 * 0.98 * 0.98,  # past the series: last rate kept
        1.10 * 1.05 * 0.98**0.5,  # geometric within year 3
    ]
    np.testing.assert_allclose(index, expected, rtol=1e-15)


def test_escalation_index_series_agrees_with_constant_rate() -> None:
    times = np.arange(0.0, 21.0, 0.5)
    np.testing.assert_allclose(
        escalation_index(np.full(20, 0.03), times), escalation_index(0.03, times), rtol=1e-13
    )


def test_escalation_index_empty_series_means_no_escalation() -> None:
    assert escalation_index(np.zeros(0), np.array([0.0, 3.0])).tolist() == [1.0, 1.0]


def test_escalation_index_refuses_times_before_the_base_date() -> None:
    with pytest.raises(ValueError, match="before the base date"):
        escalation_index(np.array([0.01]), np.array([-1.0]))


def test_escalation_index_series_per_draw_is_each_draw_alone() -> None:
    """Leading axes (Monte Carlo draws) give each series' own index, bit for bit."""
    rates = np.array([[0.10, 0.0, 0.05], [0.02, 0.03, -0.01]])
    times = np.array([0.0, 0.5, 1.0, 2.5, 4.0, 6.0])
    together = escalation_index(rates, times)
    assert together.shape == (2, 6)
    for row, series in zip(together, rates, strict=True):
        assert row.tobytes() == escalation_index(series, times).tobytes()
    assert escalation_index(np.zeros((3, 0)), times).tolist() == [[1.0] * 6] * 3


def test_constant_escalation_index_is_the_scalar_rule_for_many_rates() -> None:
    rates = np.array([0.0, 0.02, 0.1])
    times = np.array([0.0, 0.5, 1.0, 7.0])
    table = finance.constant_escalation_index(rates[:, None], times[None, :])
    for row, rate in zip(table, rates.tolist(), strict=True):
        assert row.tobytes() == escalation_index(rate, times).tobytes()


@pytest.mark.parametrize("inflation", [0.0, 0.02, 0.0225049, -0.01])
@pytest.mark.parametrize("rate", [0.0, 0.035, 0.236, -0.005])
def test_fisher_real_and_nominal_invert_each_other(rate: float, inflation: float) -> None:
    assert float(fisher_real(fisher_nominal(rate, inflation), inflation)) == pytest.approx(
        rate, abs=1e-15
    )
    if inflation == 0.0:  # exact, no cancellation
        assert float(fisher_real(rate, 0.0)) == rate == float(fisher_nominal(rate, 0.0))


def test_docstring_examples() -> None:
    result = doctest.testmod(finance, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 15
    assert result.failed == 0


def test_analysis_discount_rate_is_the_stated_nominal_rate_in_a_nominal_analysis() -> None:
    """§7 / BLCC 5.3: annual value and AIRR at the stated nominal rate in a nominal analysis."""
    real = float(fisher_real(0.045, 0.0225049))
    assert finance.analysis_discount_rate(RateBasis.NOMINAL, real, 0.045) == 0.045
    assert finance.analysis_discount_rate(RateBasis.REAL, 0.022, 0.022) == 0.022
    # BLCC 5.3 FederalFinanced: 1 005 494 / UPV(3.1 %, 15) within 0.05 % of the published 84 865.
    annual = 1_005_494 / float(
        upv(finance.analysis_discount_rate(RateBasis.NOMINAL, 0.0, 0.031), 15)
    )
    assert annual == pytest.approx(84_865, rel=5e-4)


def test_a_nominal_item_price_escalation_is_made_real_by_fisher() -> None:
    """Item.price_escalation is on the method's basis: 3 % nominal at 2 % inflation is
    (1.03 / 1.02) - 1 = 0.980392 % real; not stated is 0 real (the base-year price level)."""
    request = tender(sample_dict())
    method = dataclasses.replace(request.method, rate_basis=RateBasis.NOMINAL, inflation_rate=0.02)
    items = request.bids[0].items
    first = dataclasses.replace(items[0], price_escalation=0.03)
    bids = (dataclasses.replace(request.bids[0], items=(first, *items[1:])), *request.bids[1:])
    prepared = validate.prepare(dataclasses.replace(request, method=method, bids=bids))
    assert prepared.bids[0].items[0].price_escalation == pytest.approx(1.03 / 1.02 - 1, rel=1e-12)
    assert prepared.bids[1].items[0].price_escalation == 0.0
