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


def test_rank_ascending_distinct() -> None:
    r = rank_bids(np.array([300.0, 100.0, 200.0]), ["A", "B", "C"])
    assert r.rank.tolist() == [3, 1, 2]
    assert r.tied.tolist() == [False, False, False]
    np.testing.assert_array_equal(r.difference_to_best, [200.0, 0.0, 100.0])
    np.testing.assert_allclose(r.difference_to_best_percent, [200.0, 0.0, 100.0])
    assert r.warnings == ()


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


def test_tie_is_never_broken_by_request_order() -> None:
    forward = rank_bids(np.array([5.0, 5.0]), ["X", "Y"])
    backward = rank_bids(np.array([5.0, 5.0]), ["Y", "X"])
    assert forward.rank.tolist() == backward.rank.tolist() == [1, 1]


def test_tie_at_the_top_is_also_inconclusive() -> None:
    r = rank_bids(np.array([100.0, 100.0, 500.0]), ["A", "B", "C"])
    assert {w.code for w in r.warnings} == {"TIE", "INCONCLUSIVE_RANKING"}


def test_three_way_tie() -> None:
    r = rank_bids(np.array([7.0, 7.0, 7.0]), ["A", "B", "C"])
    assert r.rank.tolist() == [1, 1, 1]
    assert r.tied.all()
    (tie,) = [w for w in r.warnings if w.code == "TIE"]
    assert "A, B, C" in tie.message


def test_one_minor_unit_apart_is_not_a_tie() -> None:
    r = rank_bids(np.array([100.00, 100.01]), ["A", "B"])
    assert r.rank.tolist() == [1, 2]
    assert not r.tied.any()
    assert [w.code for w in r.warnings] == ["INCONCLUSIVE_RANKING"]


@pytest.mark.parametrize(
    ("second", "warned"),
    [(109.99, True), (110.0, False), (110.01, False), (150.0, False)],
)
def test_inconclusive_warning_under_10_percent(second: float, warned: bool) -> None:
    r = rank_bids(np.array([second, 100.0, 1000.0]), ["A", "B", "C"])
    codes = [w.code for w in r.warnings]
    assert ("INCONCLUSIVE_RANKING" in codes) is warned
    if warned:
        (w,) = r.warnings
        assert "B, A" in w.message  # best first, then the runner-up


def test_inconclusive_margin_is_ten_percent() -> None:
    assert INCONCLUSIVE_MARGIN == 0.10


def test_negative_best_is_measured_against_its_magnitude() -> None:
    r = rank_bids(np.array([-100.0, -95.0, 50.0]), ["A", "B", "C"])
    assert r.rank.tolist() == [1, 2, 3]
    np.testing.assert_allclose(r.difference_to_best_percent, [0.0, 5.0, 150.0])
    assert [w.code for w in r.warnings] == ["INCONCLUSIVE_RANKING"]
    clear = rank_bids(np.array([-100.0, 50.0]), ["A", "B"])
    assert clear.warnings == ()


def test_best_zero_gives_percent_zero_and_a_warning_never_nan() -> None:
    r = rank_bids(np.array([0.0, 10.0, 20.0]), ["A", "B", "C"])
    np.testing.assert_array_equal(r.difference_to_best, [0.0, 10.0, 20.0])
    np.testing.assert_array_equal(r.difference_to_best_percent, [0.0, 0.0, 0.0])
    assert np.isfinite(r.difference_to_best_percent).all()
    assert [w.code for w in r.warnings] == ["BEST_COST_ZERO"]


def test_all_zero_is_a_tie_with_finite_percent() -> None:
    r = rank_bids(np.array([0.0, 0.0]), ["A", "B"])
    assert r.rank.tolist() == [1, 1]
    np.testing.assert_array_equal(r.difference_to_best_percent, [0.0, 0.0])
    assert {w.code for w in r.warnings} == {"BEST_COST_ZERO", "TIE"}


def test_single_bid_and_no_bids() -> None:
    one = rank_bids(np.array([42.0]), ["A"])
    assert one.rank.tolist() == [1]
    assert one.warnings == ()
    zero_best = rank_bids(np.array([0.0]), ["A"])
    assert zero_best.warnings == ()
    none = rank_bids(np.zeros(0), [])
    assert none.rank.shape == (0,)
    assert none.warnings == ()


def test_rank_bids_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="one bid axis"):
        rank_bids(np.zeros((2, 3)), ["A", "B", "C"])
    with pytest.raises(ValueError, match="bid ids"):
        rank_bids(np.zeros(3), ["A", "B"])
    with pytest.raises(ValueError, match="finite"):
        rank_bids(np.array([1.0, np.nan]), ["A", "B"])


def test_rank_dtypes() -> None:
    r = rank_bids(np.array([2.0, 1.0]), ["A", "B"])
    assert r.rank.dtype == np.int64
    assert r.tied.dtype == np.bool_
    assert r.difference_to_best.dtype == np.float64


# --- vectorised ranking for Monte Carlo ----------------------------------------------------------


def test_competition_rank_over_draws_matches_per_draw() -> None:
    rng = np.random.default_rng(3)
    x = rng.integers(0, 5, size=(200, 6)).astype(np.float64)  # many ties
    rank, tied = competition_rank(x)
    assert rank.shape == tied.shape == x.shape
    for k in range(x.shape[0]):
        row = x[k]
        expected_rank = 1 + (row[None, :] < row[:, None]).sum(axis=1)
        expected_tied = (row[None, :] == row[:, None]).sum(axis=1) > 1
        np.testing.assert_array_equal(rank[k], expected_rank)
        np.testing.assert_array_equal(tied[k], expected_tied)
        np.testing.assert_array_equal(rank[k], rank_bids(row, list("ABCDEF")).rank)


def test_competition_rank_needs_a_bids_axis() -> None:
    with pytest.raises(ValueError, match="bids axis"):
        competition_rank(np.float64(1.0))  # type: ignore[arg-type]
