"""Evaluation models and ranking (tco.models): primer §6."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

import tco.models
from tco.inputs import ModelKind
from tco.models import (
    INCONCLUSIVE_MARGIN,
    comparison_numbers,
    competition_rank,
    ladder_discount,
    rank_bids,
)
from tco.prepared import PreparedModel

DUTCH_LADDER = {1: 0.01, 2: 0.02, 3: 0.04, 4: 0.07, 5: 0.10}


def _model(kind: ModelKind, factor: float = 0.0) -> PreparedModel:
    return PreparedModel(kind=kind, ladder=DUTCH_LADDER, externality_factor=factor)


def _numbers(kind: ModelKind, factor: float = 0.0, **overrides: object) -> tco.models.ModelOutcome:
    args: dict[str, object] = {
        "life_cycle_cost": np.array([1000.0, 2000.0, 3000.0]),
        "climate_cost": np.array([100.0, 50.0, 0.0]),
        "externality_cost": np.array([10.0, 20.0, 30.0]),
        "fixed_deductions": np.array([0.0, 500.0, 250.0]),
        "ladder_levels": np.array([0, 3, 5], dtype=np.int64),
    }
    args.update(overrides)
    return comparison_numbers(_model(kind, factor), **args)  # type: ignore[arg-type]


def test_docstring_examples_hold() -> None:
    result = doctest.testmod(tco.models)
    assert result.attempted > 0
    assert result.failed == 0


# --- models --------------------------------------------------------------------------------------


def test_cost_model_is_total_cost() -> None:
    out = _numbers(ModelKind.COST)
    np.testing.assert_array_equal(out.evaluated, [1110.0, 2070.0, 3030.0])
    np.testing.assert_array_equal(out.deductions, [0.0, 0.0, 0.0])


def test_deductions_model_subtracts_fixed_amounts() -> None:
    out = _numbers(ModelKind.DEDUCTIONS)
    np.testing.assert_array_equal(out.evaluated, [1110.0, 1570.0, 2780.0])
    np.testing.assert_array_equal(out.deductions, [0.0, 500.0, 250.0])


def test_deductions_are_independent_of_price() -> None:
    cheap = _numbers(ModelKind.DEDUCTIONS, life_cycle_cost=np.array([1.0, 2.0, 3.0]))
    dear = _numbers(ModelKind.DEDUCTIONS, life_cycle_cost=np.array([1e6, 2e6, 3e6]))
    np.testing.assert_array_equal(cheap.deductions, dear.deductions)


def test_fictive_discount_model() -> None:
    out = _numbers(ModelKind.FICTIVE_DISCOUNT)
    np.testing.assert_allclose(out.evaluated, [1110.0, 2070.0 * 0.96, 3030.0 * 0.90])
    np.testing.assert_allclose(out.deductions, [0.0, 2070.0 * 0.04, 3030.0 * 0.10])
    np.testing.assert_allclose(out.evaluated + out.deductions, [1110.0, 2070.0, 3030.0])


def test_dutch_ladder_example_30m_at_level_3_beats_29m_at_level_0() -> None:
    """Primer §6: EUR 30 M at level 3 → 28.8 M beats 29 M at level 0."""
    out = comparison_numbers(
        _model(ModelKind.FICTIVE_DISCOUNT),
        life_cycle_cost=np.array([30e6, 29e6]),
        climate_cost=np.zeros(2),
        externality_cost=np.zeros(2),
        fixed_deductions=np.zeros(2),
        ladder_levels=np.array([3, 0], dtype=np.int64),
    )
    assert out.evaluated[0] == pytest.approx(28.8e6, abs=1e-6)
    assert out.evaluated[1] == 29e6
    assert out.deductions[0] == pytest.approx(1.2e6, abs=1e-6)
    ranking = rank_bids(np.round(out.evaluated, 2), ["level-3", "level-0"])
    assert ranking.rank.tolist() == [1, 2]


def test_externality_factor_model_weights_externalities() -> None:
    out = _numbers(ModelKind.EXTERNALITY_FACTOR, factor=2.5)
    np.testing.assert_allclose(out.evaluated, [1000 + 2.5 * 110, 2000 + 2.5 * 70, 3000 + 2.5 * 30])
    np.testing.assert_array_equal(out.deductions, [0.0, 0.0, 0.0])


def test_externality_factor_zero_is_buyer_lcc_only() -> None:
    out = _numbers(ModelKind.EXTERNALITY_FACTOR, factor=0.0)
    np.testing.assert_array_equal(out.evaluated, [1000.0, 2000.0, 3000.0])


def test_models_ignore_inputs_they_do_not_use() -> None:
    cost = _numbers(ModelKind.COST, ladder_levels=np.array([5, 5, 5], dtype=np.int64))
    np.testing.assert_array_equal(cost.evaluated, [1110.0, 2070.0, 3030.0])
    ladder = _numbers(ModelKind.FICTIVE_DISCOUNT, fixed_deductions=np.array([1e9, 1e9, 1e9]))
    assert ladder.evaluated[0] == 1110.0


@pytest.mark.parametrize("kind", list(ModelKind))
def test_models_broadcast_over_a_leading_draws_axis(kind: ModelKind) -> None:
    rng = np.random.default_rng(7)
    draws, bids = 50, 4
    lcc = rng.uniform(1e5, 2e5, size=(draws, bids))
    climate = rng.uniform(0, 1e4, size=(draws, bids))
    other = rng.uniform(0, 1e3, size=(draws, bids))
    fixed = np.array([0.0, 1e4, 2e4, 0.0])  # per bid, broadcast over draws
    levels = np.array([0, 1, 3, 5], dtype=np.int64)
    model = _model(kind, factor=1.5)
    out = comparison_numbers(
        model,
        life_cycle_cost=lcc,
        climate_cost=climate,
        externality_cost=other,
        fixed_deductions=fixed,
        ladder_levels=levels,
    )
    assert out.evaluated.shape == (draws, bids)
    assert out.deductions.shape == (draws, bids)
    for k in (0, 17, 49):  # each draw equals the 1-D computation
        one = comparison_numbers(
            model,
            life_cycle_cost=lcc[k],
            climate_cost=climate[k],
            externality_cost=other[k],
            fixed_deductions=fixed,
            ladder_levels=levels,
        )
        np.testing.assert_array_equal(out.evaluated[k], one.evaluated)
        np.testing.assert_array_equal(out.deductions[k], one.deductions)


def test_ladder_discount_levels_zero_absent_and_negative_earn_nothing() -> None:
    got = ladder_discount(DUTCH_LADDER, np.array([0, 1, 2, 3, 4, 5, 6, -1]))
    np.testing.assert_array_equal(got, [0.0, 0.01, 0.02, 0.04, 0.07, 0.10, 0.0, 0.0])
    np.testing.assert_array_equal(ladder_discount({}, np.array([0, 3])), [0.0, 0.0])
    sparse = ladder_discount({2: 0.05}, np.array([[1, 2], [2, 0]]))
    np.testing.assert_array_equal(sparse, [[0.0, 0.05], [0.05, 0.0]])


# --- ranking -------------------------------------------------------------------------------------


#: A comparison number <= 0 is flagged per bid (issue #14).
NP = "COMPARISON_NUMBER_NOT_POSITIVE"

#: Comparison numbers, then the ranks, tie flags, warning codes (sorted) and the differences to
#: the best in percent (of the best's magnitude; 0, never NaN, when the best is 0) they get.
RANKINGS: list[tuple[list[float], list[int], list[bool], list[str], list[float] | None]] = [
    ([300.0, 100.0, 200.0], [3, 1, 2], [False] * 3, [], [200.0, 0.0, 100.0]),
    ([5.0, 5.0], [1, 1], [True, True], ["INCONCLUSIVE_RANKING", "TIE"], None),
    ([100.0, 100.0, 500.0], [1, 1, 3], [True, True, False], ["INCONCLUSIVE_RANKING", "TIE"], None),
    ([7.0, 7.0, 7.0], [1, 1, 1], [True] * 3, ["INCONCLUSIVE_RANKING", "TIE"], None),
    ([100.00, 100.01], [1, 2], [False] * 2, ["INCONCLUSIVE_RANKING"], None),
    ([-100.0, -95.0, 50.0], [1, 2, 3], [False] * 3, [NP, NP, "INCONCLUSIVE_RANKING"], [0, 5, 150]),
    ([-100.0, 50.0], [1, 2], [False] * 2, [NP], None),
    ([0.0, 10.0, 20.0], [1, 2, 3], [False] * 3, ["BEST_COST_ZERO", NP], [0.0, 0.0, 0.0]),
    ([0.0, 0.0], [1, 1], [True, True], ["BEST_COST_ZERO", NP, NP, "TIE"], [0.0, 0.0]),
    ([42.0], [1], [False], [], None),
    ([0.0], [1], [False], [NP], None),
    ([], [], [], [], None),
]


@pytest.mark.parametrize(("costs", "ranks", "tied", "codes", "percent"), RANKINGS)
def test_rank_bids(
    costs: list[float],
    ranks: list[int],
    tied: list[bool],
    codes: list[str],
    percent: list[float] | None,
) -> None:
    ids = [chr(ord("A") + k) for k in range(len(costs))]
    r = rank_bids(np.array(costs, dtype=np.float64), ids)
    assert r.rank.tolist() == ranks
    assert r.tied.tolist() == tied
    assert sorted(w.code for w in r.warnings) == codes
    np.testing.assert_array_equal(r.difference_to_best, np.array(costs) - min(costs, default=0))
    if percent is not None:
        np.testing.assert_allclose(r.difference_to_best_percent, percent)
    assert np.isfinite(r.difference_to_best_percent).all()


def test_ties_share_rank_are_flagged_and_warned() -> None:
    r = rank_bids(np.array([100.0, 100.0, 150.0, 200.0, 200.0]), ["A", "B", "C", "D", "E"])
    assert r.rank.tolist() == [1, 1, 3, 4, 4]
    assert r.tied.tolist() == [True, True, False, True, True]
    ties = [w for w in r.warnings if w.code == "TIE"]
    assert len(ties) == 2
    assert "A, B" in ties[0].message
    assert "rank 1" in ties[0].message
    assert "D, E" in ties[1].message
    assert "rank 4" in ties[1].message
    assert "C" not in ties[0].message.split("bids ")[1].split(" are")[0]
    (tie,) = [w for w in rank_bids(np.array([7.0] * 3), list("ABC")).warnings if w.code == "TIE"]
    assert "A, B, C" in tie.message


@pytest.mark.parametrize(
    ("second", "warned"),
    [(109.99, True), (110.0, False), (110.01, False), (150.0, False)],
)
def test_inconclusive_warning_under_10_percent(second: float, warned: bool) -> None:
    assert INCONCLUSIVE_MARGIN == 0.10
    r = rank_bids(np.array([second, 100.0, 1000.0]), ["A", "B", "C"])
    codes = [w.code for w in r.warnings]
    assert ("INCONCLUSIVE_RANKING" in codes) is warned
    if warned:
        (w,) = r.warnings
        assert "B, A" in w.message  # best first, then the runner-up


def test_rank_bids_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="one bid axis"):
        rank_bids(np.zeros((2, 3)), ["A", "B", "C"])
    with pytest.raises(ValueError, match="bid ids"):
        rank_bids(np.zeros(3), ["A", "B"])
    with pytest.raises(ValueError, match="finite"):
        rank_bids(np.array([1.0, np.nan]), ["A", "B"])
    r = rank_bids(np.array([2.0, 1.0]), ["A", "B"])
    assert r.rank.dtype == np.int64
    assert r.tied.dtype == np.bool_
    assert r.difference_to_best.dtype == np.float64


# --- vectorised ranking for Monte Carlo (over draws = each draw: test_properties) ----------------


def test_competition_rank_needs_a_bids_axis() -> None:
    with pytest.raises(ValueError, match="bids axis"):
        competition_rank(np.float64(1.0))  # type: ignore[arg-type]


def test_a_comparison_number_not_above_zero_is_flagged_per_bid() -> None:
    """Issue #14: a made-up 50 M deduction gave -40 M and won silently; now each bid at or
    below zero gets a warning naming it."""
    r = rank_bids(np.array([-40_000_000.0, 0.0, 3_500.0]), ["X", "Y", "Z"])
    flagged = [w for w in r.warnings if w.code == "COMPARISON_NUMBER_NOT_POSITIVE"]
    assert [w.bid_id for w in flagged] == ["X", "Y"]
    assert "bid X" in flagged[0].message
    assert "-40,000,000.00" in flagged[0].message
    assert r.rank.tolist() == [1, 2, 3]  # flagged, never re-ranked
