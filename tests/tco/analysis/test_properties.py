"""Properties of the analysis over generated inputs (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tco.analysis.distributions import Triangular, Uniform
from tco.analysis.model import ParametricModel, apply_settings, reference_comparison_numbers
from tco.analysis.montecarlo import Uncertain, run, win_probabilities
from tco.analysis.parameters import Mode, resolve
from tco.analysis.switching import envelope_switches
from tco.prepared import PreparedTender
from tests.tco import factory as f

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@given(st.lists(st.lists(finite, min_size=3, max_size=3), min_size=1, max_size=40))
def test_win_probabilities_sum_to_one(rows: list[list[float]]) -> None:
    probability, tie = win_probabilities(np.array(rows), 2)
    assert abs(float(probability.sum()) - 1.0) <= 1e-12
    assert np.all(probability >= 0.0)
    assert 0.0 <= tie <= 1.0


def _tender(prices: list[float], uses: list[float], life: float) -> PreparedTender:
    n = 12
    m = f.method(
        n,
        0.03,
        resources=[f.resource("electricity", 1.2, n, factor=0.06)],
        carbon=f.carbon_price(2.0, n),
    )
    bids = [
        f.bid(
            f"B{i}",
            items=[
                f.item(
                    unit_price=price,
                    service_life=life + i,
                    resource_use={"electricity": use},
                    emissions={"a1_a3": 500.0},
                )
            ],
        )
        for i, (price, use) in enumerate(zip(prices, uses, strict=True))
    ]
    return f.tender(m, *bids)


@st.composite
def tender_strategy(draw: st.DrawFn) -> PreparedTender:
    n = draw(st.integers(2, 4))
    prices = draw(st.lists(st.floats(1_000, 100_000), min_size=n, max_size=n))
    uses = draw(st.lists(st.floats(0, 50_000), min_size=n, max_size=n))
    life = draw(st.floats(2.0, 15.0))
    return _tender(prices, uses, life)


@settings(max_examples=25)
@given(tender_strategy(), st.integers(0, 2**32), st.floats(0.5, 0.95))
def test_monte_carlo_percentiles_are_ordered_and_probabilities_sum_to_one(
    tender: PreparedTender, seed: int, low: float
) -> None:
    ids = [b.id for b in tender.bids]
    uncertain = [
        Uncertain(resolve("carbon_price", Mode.SCALE, tender), Triangular(0.0, 1.0, 3.0)),
        Uncertain(
            resolve("bids[*].items[*].resource_use[*].amount", Mode.SCALE, tender),
            Uniform(low, 1.2),
            independent=True,
        ),
        Uncertain(resolve("discount_rate", Mode.SHIFT, tender), Uniform(-0.02, 0.02)),
    ]
    result = run(ParametricModel(tender), uncertain, ids, 2, draws=300, seed=seed)
    assert abs(sum(b.probability_best for b in result.bids) - 1.0) <= 1e-12
    for b in result.bids:
        c = b.comparison_number
        assert c.p5 <= c.p50 <= c.p95
    assert result.gap is not None
    assert 0.0 <= result.gap.p5 <= result.gap.p50 <= result.gap.p95


@settings(max_examples=25)
@given(
    tender_strategy(),
    st.sampled_from(
        [
            ("discount_rate", Mode.VALUE, 0.0, 0.1),
            ("carbon_price", Mode.SCALE, 0.0, 5.0),
            ("resource_prices[electricity].price", Mode.SCALE, 0.0, 3.0),
            ("bids[*].items[*].service_life", Mode.SCALE, 0.5, 1.5),
            ("bids[*].items[*].unit_price", Mode.SCALE, 0.5, 1.5),
        ]
    ),
    st.floats(0.0, 1.0),
)
def test_vectorised_numbers_match_the_engine_anywhere_in_the_range(
    tender: PreparedTender, case: tuple[str, Mode, float, float], where: float
) -> None:
    path, mode, low, high = case
    parameter = resolve(path, mode, tender)
    x = low + where * (high - low)
    numbers = ParametricModel(tender).comparison_numbers([parameter], np.array([[x]]))[0]
    expected = reference_comparison_numbers(apply_settings(tender, [parameter], [x]))
    np.testing.assert_allclose(numbers, expected, rtol=1e-9)


@given(
    st.lists(st.tuples(finite, finite), min_size=2, max_size=6),
    st.floats(0.1, 100.0),
)
def test_envelope_switch_points_are_crossings_in_order(
    lines: list[tuple[float, float]], width: float
) -> None:
    at_low = np.array([a for a, _ in lines])
    at_high = np.array([b for _, b in lines])
    points = envelope_switches(0.0, width, at_low, at_high)
    values = [x for x, _, _ in points]
    assert values == sorted(values)
    assert all(0.0 <= x <= width for x in values)
    slopes = (at_high - at_low) / width
    for x, before, after in points:
        assert slopes[after] < slopes[before]
        at = at_low + slopes * x
        scale = max(1.0, float(np.max(np.abs(at))))
        assert abs(at[before] - at[after]) <= 1e-6 * scale
        assert at[after] <= float(np.min(at)) + 1e-6 * scale
