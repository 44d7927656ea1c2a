"""The cost model (tco.analysis.budget), cooperative cancellation and finite answers only."""

from __future__ import annotations

import copy
import math
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tco.analysis import budget, model, switching
from tco.analysis.analyze import analyze_prepared
from tco.analysis.cancel import Stopped
from tco.analysis.distributions import Uniform
from tco.analysis.parameters import Mode, resolve
from tco.analysis.results import RankingAnalysis
from tco.analysis.spec import (
    AnalysisSpec,
    MonteCarloSpec,
    ParameterDistribution,
    SensitivityParameter,
    SwitchingParameter,
    ValueRange,
)
from tco.errors import InvalidTender
from tco.validate import limits
from tests.tco.analysis.helpers import domain, prepared, sample


def _bigger(bids: int, items: int, years: int) -> dict[str, Any]:
    raw = sample()
    raw["method"]["study_period_years"] = years
    first = raw["bids"][0]
    raw["bids"] = [
        {**copy.deepcopy(first), "id": f"b{b}", "items": [copy.deepcopy(first["items"][0])] * items}
        for b in range(bids)
    ]
    raw["method"]["baseline_bid_id"] = "b0"
    return raw


def _life_draws(draws: int, independent: bool = False) -> AnalysisSpec:
    entry = ParameterDistribution(
        "bids[*].items[*].service_life", Mode.SCALE, Uniform(0.5, 1.5), independent
    )
    return AnalysisSpec(monte_carlo=MonteCarloSpec(draws=draws, seed=1, distributions=(entry,)))


def test_the_constants_repeated_in_the_budget_are_the_engines() -> None:
    assert budget.GRID_POINTS == switching.GRID_POINTS
    assert budget.MAX_STEPS == switching.MAX_STEPS
    assert budget.CHUNK_ELEMENTS == model.CHUNK_ELEMENTS
    assert budget.VARIANT_CACHE_BYTES == model.VARIANT_CACHE_BYTES
    assert budget.MAX_REPLACEMENTS == limits.MAX_REPLACEMENTS


def test_groups_bound_counts_events_of_fractional_lives() -> None:
    assert budget.groups_bound([8.0, None], 100) == 2  # whole years: no fractional group
    assert budget.groups_bound([2.5], 100) == 2 + 41
    assert budget.groups_bound([7.3, 7.3], 10) == 2 + 2 * 2


def test_finding_1_is_refused_before_the_model_is_built() -> None:
    raw = _bigger(50, 10, 100)
    with pytest.raises(budget.AnalysisTooCostly) as caught:
        analyze_prepared(prepared(raw), _life_draws(2000), tender=domain(raw))
    fields = [v.field for v in caught.value.violations]
    assert fields[0] == "analysis.monte_carlo.distributions[0]"
    assert "ANALYSIS_TOO_COSTLY" in caught.value.violations[0].description
    assert caught.value.cost.cells > budget.BUDGET.cells


def test_independent_draws_of_3000_targets_are_refused() -> None:
    raw = _bigger(50, 60, 100)
    with pytest.raises(budget.AnalysisTooCostly) as caught:
        analyze_prepared(prepared(raw), _life_draws(2000, True), tender=domain(raw))
    assert caught.value.violations[0].field == "analysis.monte_carlo.distributions[0]"


def test_the_estimate_grows_with_draws_and_independence() -> None:
    shape = budget.shape_of(prepared(_bigger(5, 4, 30)))

    def cells(draws: int, independent: bool) -> int:
        part = budget.Part(
            "p",
            rows=draws,
            variants=draws,
            variant_bids=tuple(range(5)),
            shortest_life=4.0,
            independent=independent,
        )
        return budget.estimate(shape, [part]).cells

    assert cells(10, False) < cells(20, False) < cells(20, True)


def test_a_smaller_budget_names_the_costliest_part() -> None:
    raw = sample()
    spec = AnalysisSpec(
        sensitivity=(SensitivityParameter("carbon_price", percent=10),),
        switching=(SwitchingParameter("discount_rate", ValueRange(Mode.VALUE, 0.0, 0.2)),),
    )
    tiny = budget.Budget(cells=10_000, memory_bytes=2**40, response_bytes=2**40)
    with pytest.raises(budget.AnalysisTooCostly) as caught:
        analyze_prepared(prepared(raw), spec, tender=domain(raw), budget=tiny)
    assert [v.field for v in caught.value.violations] == ["analysis.switching[0]"]
    assert "cells of work" in caught.value.violations[0].description


def test_an_admitted_analysis_runs_as_before() -> None:
    raw = sample()
    result = analyze_prepared(prepared(raw), _life_draws(200), tender=domain(raw))
    assert result.monte_carlo is not None
    assert result.monte_carlo.draws == 200


def test_should_stop_stops_the_analysis_between_chunks() -> None:
    raw = sample()
    asked: list[int] = []

    def stop_on_third() -> bool:
        asked.append(1)
        return len(asked) >= 3

    with pytest.raises(Stopped):
        analyze_prepared(
            prepared(raw), _life_draws(500), tender=domain(raw), should_stop=stop_on_third
        )
    assert len(asked) == 3


def test_a_should_stop_that_never_fires_changes_nothing() -> None:
    raw = sample()
    calls: list[int] = []

    def never() -> bool:
        calls.append(1)
        return False

    spec = _life_draws(300)
    plain = analyze_prepared(prepared(raw), spec, tender=domain(raw))
    watched = analyze_prepared(prepared(raw), spec, tender=domain(raw), should_stop=never)
    assert watched == plain
    assert calls  # it was asked


def _numbers(value: object) -> list[float]:
    if isinstance(value, float):
        return [value]
    if isinstance(value, (tuple, list)):
        return [x for v in value for x in _numbers(v)]
    if hasattr(value, "__dataclass_fields__"):
        return [x for name in value.__dataclass_fields__ for x in _numbers(getattr(value, name))]
    return []


EXTREME = st.one_of(
    st.sampled_from([0.0, 1e-300, 1e-12, 1.0, 1e12, 1e18, 1e200, 1e307, 1e308, -1e308, -1.0]),
    st.floats(allow_nan=False, allow_infinity=False),
)
PATHS = [
    "carbon_price",
    "discount_rate",
    "resource_prices[*].price",
    "resource_prices[electricity].escalation",
    "emission_factors[*].factor",
    "bids[*].items[*].unit_price",
    "bids[*].items[*].quantity",
    "bids[*].items[*].resource_use[*].amount",
]


@settings(max_examples=100, deadline=None)
@given(
    path=st.sampled_from(PATHS),
    mode=st.sampled_from(list(Mode)),
    low=EXTREME,
    high=EXTREME,
    part=st.sampled_from(["sensitivity", "switching", "monte_carlo"]),
)
def test_every_ok_answer_is_finite_and_numpy_stays_silent(
    path: str, mode: Mode, low: float, high: float, part: str
) -> None:
    low, high = min(low, high), max(low, high)
    if part == "sensitivity":
        spec = AnalysisSpec(
            sensitivity=(SensitivityParameter(path, range=ValueRange(mode, low, high)),)
        )
    elif part == "switching":
        spec = AnalysisSpec(switching=(SwitchingParameter(path, ValueRange(mode, low, high)),))
    else:
        entry = ParameterDistribution(path, mode, Uniform(low, high))
        spec = AnalysisSpec(monte_carlo=MonteCarloSpec(draws=50, distributions=(entry,)))
    raw = sample()
    result: RankingAnalysis | None = None
    violations: tuple[str, ...] = ()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a numpy RuntimeWarning would fail the test
        try:
            result = analyze_prepared(prepared(raw), spec, tender=domain(raw))
        except InvalidTender as invalid:
            violations = tuple(v.field for v in invalid.violations)
    if result is None:  # refused: every violation names the part
        assert violations
        assert all(field.startswith(f"analysis.{part}") for field in violations)
        return
    assert all(math.isfinite(x) for x in _numbers(result))


def test_a_re_expansion_in_parts_is_the_one_of_the_whole_tender() -> None:
    raw = _bigger(6, 60, 40)  # 360 items: more than one part of model.PART_ITEMS
    p = prepared(raw)
    assert sum(len(b.items) for b in p.bids) > model.PART_ITEMS
    life = resolve("bids[*].items[*].service_life", Mode.SCALE, p)
    checks: list[int] = []

    def counting() -> bool:
        checks.append(1)
        return False

    parted = model.ParametricModel(p, counting).comparison_numbers([life], np.array([[0.77]]))
    expected = model.reference_comparison_numbers(model.apply_settings(p, [life], [0.77]))
    np.testing.assert_allclose(parted[0], expected, rtol=1e-9)
    assert len(checks) >= 3  # the chunk, and between the parts of the re-expansion


def test_the_evaluation_cost_counts_the_groups_of_fractional_lives() -> None:
    cells, grid = budget.evaluation_cost(100, 100, [7.3 + i * 1e-4 for i in range(1000)])
    assert grid == 100 * (2 + 1000 * 14) * 101
    assert cells > budget.EVALUATION_BUDGET.cells
    whole, grid_whole = budget.evaluation_cost(1000, 100, [8.0, 10.0, 12.0])
    assert grid_whole == 1000 * 2 * 101
    assert whole < budget.EVALUATION_BUDGET.cells
