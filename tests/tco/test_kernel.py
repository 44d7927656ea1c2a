"""Stream table -> cubes and present values."""

from __future__ import annotations

import numpy as np
import pytest

from tco.expand import expand_tender
from tco.finance import fisher_real, upv
from tco.inputs import RateBasis, Timing
from tco.kernel import Cubes, _segment_sum, compute_cubes, present_value_totals, time_grid
from tco.prepared import CATEGORIES, MODULES, PreparedTender

from . import factory as f


def run(tender: PreparedTender) -> tuple[Cubes, np.ndarray]:
    table = expand_tender(tender)
    grid = time_grid(table.group_times, tender.method)
    cubes = compute_cubes(table, grid, include_module_d=tender.method.include_module_d)
    return cubes, present_value_totals(table, grid)


def yearly(amount: float, n: int, d: float, timing: Timing = Timing.END_OF_YEAR) -> PreparedTender:
    stream = f.stream(amount, category="operation", first_year=1, every_years=1)
    return f.tender(f.method(n, d, timing=timing), f.bid("A", costs=[stream]))


def test_beginning_of_year_is_an_annuity_due() -> None:
    end, _ = run(yearly(1000.0, 10, 0.08))
    begin, _ = run(yearly(1000.0, 10, 0.08, Timing.BEGINNING_OF_YEAR))
    assert float(end.life_cycle_cost[0]) == pytest.approx(1000 * float(upv(0.08, 10)), rel=1e-13)
    assert float(begin.life_cycle_cost[0]) == pytest.approx(
        1.08 * float(end.life_cycle_cost[0]), rel=1e-13
    )
    # column = service year; paid a year earlier: column 1 is undiscounted
    assert begin.discounted[0, CATEGORIES.index("operation"), 1] == 1000.0


def test_initial_investment_is_never_discounted() -> None:
    for timing in Timing:
        tender = f.tender(
            f.method(5, 0.07, timing=timing), f.bid("A", items=[f.item(unit_price=12_345.0)])
        )
        cubes, _ = run(tender)
        assert cubes.discounted[0, CATEGORIES.index("acquisition"), 0] == 12_345.0


def test_cubes_by_bid_category_and_year() -> None:
    tender = f.tender(
        f.method(2, 0.10),
        f.bid("A", items=[f.item(unit_price=100.0)]),
        f.bid("B", costs=[f.stream(110.0, category="energy", first_year=1, every_years=1)]),
    )
    cubes, totals = run(tender)
    assert cubes.undiscounted.shape == (2, len(CATEGORIES), 3)
    assert cubes.undiscounted[0, CATEGORIES.index("acquisition")].tolist() == [100.0, 0.0, 0.0]
    np.testing.assert_allclose(
        cubes.discounted[1, CATEGORIES.index("energy")], [0.0, 100.0, 110 / 1.21], rtol=1e-15
    )
    np.testing.assert_allclose(totals, [100.0, 100.0 + 110 / 1.21], rtol=1e-15)
    np.testing.assert_allclose(cubes.cost_by_category.sum(axis=1), cubes.life_cycle_cost)


def test_nominal_reporting_inflates_undiscounted_and_keeps_present_values() -> None:
    nominal_d, inflation = 0.06, 0.02
    real_d = float(fisher_real(nominal_d, inflation))
    item = f.item(unit_price=1000.0, service_life=15, maintenance=100.0)
    real, _ = run(f.tender(f.method(10, real_d), f.bid("A", items=[item])))
    nominal, _ = run(
        f.tender(
            f.method(10, real_d, rate_basis=RateBasis.NOMINAL, inflation=inflation),
            f.bid("A", items=[item]),
        )
    )
    np.testing.assert_allclose(nominal.discounted, real.discounted, rtol=0, atol=0)
    maintenance = CATEGORIES.index("maintenance")
    np.testing.assert_allclose(
        nominal.undiscounted[0, maintenance], 100.0 * 1.02 ** np.arange(11) * (np.arange(11) > 0)
    )
    # present value of a nominal amount at the nominal rate = present value of the real amount
    t = np.arange(11)
    np.testing.assert_allclose(
        (nominal.undiscounted[0] * 1.06**-t).sum(), real.life_cycle_cost[0], rtol=1e-13
    )


def test_emissions_cube_and_module_d_outside_the_counted_total() -> None:
    item = f.item(unit_price=1.0, emissions={"a1_a3": 100.0, "c1_c4": 5.0, "d": -30.0})
    tender = f.tender(f.method(3), f.bid("A", items=[item]))
    cubes, _ = run(tender)
    assert cubes.emissions[0, MODULES.index("a1_a3")].tolist() == [100.0, 0.0, 0.0, 0.0]
    assert cubes.emissions[0, MODULES.index("d")].tolist() == [0.0, 0.0, 0.0, -30.0]
    assert cubes.counted_emissions_by_group[0].sum() == 105.0
    included = f.tender(f.method(3, include_module_d=True), f.bid("A", items=[item]))
    cubes, _ = run(included)
    assert cubes.counted_emissions_by_group[0].sum() == 75.0


def test_pollutant_cube() -> None:
    tender = f.tender(
        f.method(2),
        f.bid("A", items=[f.item(pollutants={"nox": 4.0})]),
        f.bid("B", items=[f.item(quantity=3, pollutants={"nox": 1.0, "pm": 0.5})]),
    )
    cubes, _ = run(tender)
    assert cubes.pollutant_kg_by_group.shape == (2, 2, 2, 3)
    assert cubes.pollutant_kg_by_group[0, 0].sum(axis=0).tolist() == [0.0, 4.0, 4.0]
    assert cubes.pollutant_kg_by_group[1, 1].sum(axis=0).tolist() == [0.0, 1.5, 1.5]


def test_bids_without_rows_cost_nothing() -> None:
    cubes, totals = run(f.tender(f.method(3, 0.05), f.bid("A"), f.bid("B")))
    assert cubes.life_cycle_cost.tolist() == [0.0, 0.0]
    assert totals.tolist() == [0.0, 0.0]


def test_segment_sum_sorts_unsorted_keys_stably() -> None:
    values = np.array([[1.0, 2.0], [10.0, 20.0], [100.0, 200.0], [0.5, 0.5]])
    keys = np.array([2, 0, 2, 0], dtype=np.int64)
    out = _segment_sum(values, keys, 4)
    assert out.tolist() == [[10.5, 20.5], [0.0, 0.0], [101.0, 202.0], [0.0, 0.0]]
