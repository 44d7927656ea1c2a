"""Items and streams -> stream table: the pinned conventions of primer §3, by hand."""

from __future__ import annotations

import numpy as np
import pytest

from tco.expand import expand_tender
from tco.inputs import Timing
from tco.prepared import CATEGORIES, MODULES
from tco.residual_value import residual_value
from tco.resource_use import resource_category
from tco.schedules import event_slot, purchase_times, remaining_life, warranty_coverage
from tco.stream_table import EVENT_GROUP, RECURRING_GROUP, StreamTable

from . import factory as f


def cost(table: StreamTable, category: str, bid: int = 0) -> list[float]:
    """Sum of a bid's rows of one category, by column."""
    rows = (table.cost_bid == bid) & (table.cost_category == CATEGORIES.index(category))
    return table.cost_amounts[rows].sum(axis=0).tolist()


def kg(table: StreamTable, module: str, bid: int = 0) -> list[float]:
    rows = (table.emission_bid == bid) & (table.emission_module == MODULES.index(module))
    return table.emission_kg[rows].sum(axis=0).tolist()


def one_item(n: int = 10, timing: Timing = Timing.END_OF_YEAR, **item: object) -> StreamTable:
    resources = item.pop("resources", ())
    return expand_tender(
        f.tender(
            f.method(n, timing=timing, resources=resources),  # type: ignore[arg-type]
            f.bid("A", items=[f.item(**item)]),  # type: ignore[arg-type]
        )
    )


def zeros_except(n: int, **at: float) -> list[float]:
    out = [0.0] * (n + 1)
    for key, value in at.items():
        out[int(key[1:])] = value
    return out


def test_purchase_times() -> None:
    assert purchase_times(4, 10) == [0.0, 4.0, 8.0]
    assert purchase_times(5, 10) == [0.0, 5.0]  # no purchase at t = N
    assert purchase_times(None, 10) == [0.0]
    assert purchase_times(15, 10) == [0.0]
    assert purchase_times(96 / 12, 20) == [0.0, 8.0, 16.0]
    assert purchase_times(2.5, 6) == [0.0, 2.5, 5.0]
    with pytest.raises(ValueError, match="positive"):
        purchase_times(0.0, 6)


def test_replacements_repeat_unit_price_and_installation() -> None:
    table = one_item(unit_price=1000, installation_cost=200, service_life=4, quantity=2)
    assert cost(table, "acquisition") == zeros_except(10, t0=2000)
    assert cost(table, "installation") == zeros_except(10, t0=400)
    assert cost(table, "replacement") == zeros_except(10, t4=2400, t8=2400)


def test_residual_value_on_capital_cost_of_last_purchase() -> None:
    # bought at 8 with a 4-year life: 2 of 4 years left at N = 10 -> RV = 2 x 1200 x 2/4
    table = one_item(unit_price=1000, installation_cost=200, service_life=4, quantity=2)
    assert cost(table, "residual_value") == zeros_except(10, t10=-1200)


def test_no_residual_value_when_life_ends_exactly_at_n() -> None:
    table = one_item(unit_price=1000, service_life=5, end_of_life_cost=30, quantity=2)
    assert cost(table, "residual_value") == [0.0] * 11
    assert cost(table, "end_of_life") == zeros_except(10, t5=60, t10=60)


def test_life_longer_than_study_period() -> None:
    table = one_item(unit_price=1500, service_life=15, end_of_life_cost=99)
    assert cost(table, "replacement") == [0.0] * 11
    assert cost(table, "residual_value") == zeros_except(10, t10=-500)
    assert cost(table, "end_of_life") == [0.0] * 11


def test_no_service_life_lasts_the_study_period() -> None:
    table = one_item(unit_price=1500, end_of_life_cost=40, emissions={"c1_c4": 7.0})
    assert cost(table, "replacement") == [0.0] * 11
    assert cost(table, "residual_value") == [0.0] * 11
    assert cost(table, "end_of_life") == zeros_except(10, t10=40)
    assert kg(table, "c1_c4") == zeros_except(10, t10=7.0)


def test_explicit_residual_value_replaces_the_linear_rule() -> None:
    table = one_item(unit_price=1500, service_life=15, residual_value=100, quantity=3)
    assert cost(table, "residual_value") == zeros_except(10, t10=-300)
    assert table.warnings == ()


def test_explicit_residual_value_is_never_negative() -> None:
    table = one_item(unit_price=1500, service_life=15, residual_value=-100)
    assert cost(table, "residual_value") == [0.0] * 11


def test_explicit_buy_back_of_a_unit_whose_life_ends_at_n_is_booked_at_n() -> None:
    """§3: the unit is sold back instead of scrapped; its end-of-life cost stays at its year."""
    table = one_item(unit_price=1500, service_life=5, residual_value=100, end_of_life_cost=40)
    assert cost(table, "residual_value") == zeros_except(10, t10=-100.0)
    assert cost(table, "end_of_life") == zeros_except(10, t5=40.0, t10=40.0)
    assert table.warnings == ()
    # The linear rule gives nothing for that unit (none of its life is left at N).
    assert cost(one_item(unit_price=1500, service_life=5), "residual_value") == [0.0] * 11


def test_replacements_and_residual_value_escalate_by_the_items_price_escalation() -> None:
    """A replacement at t costs (unit price + installation) x (1 + e)^t; the linear residual
    value is on the last purchase at its price level."""
    table = one_item(unit_price=1000, installation_cost=200, service_life=4, price_escalation=0.05)
    assert cost(table, "replacement") == zeros_except(10, t4=1200 * 1.05**4, t8=1200 * 1.05**8)
    # bought at 8, 2 of 4 years left at N = 10
    assert cost(table, "residual_value") == zeros_except(10, t10=-1200 * 1.05**8 * 2 / 4)
    assert cost(table, "acquisition") == zeros_except(10, t0=1000.0)


def test_end_of_life_at_each_end_inside_the_study_period_and_none_in_service_at_n() -> None:
    table = one_item(
        unit_price=1, service_life=4, end_of_life_cost=50, emissions={"c1_c4": 3.0, "d": -2.0}
    )
    # ends at 4 and 8; the unit bought at 8 is in service at 10: no end of life for it
    assert cost(table, "end_of_life") == zeros_except(10, t4=50, t8=50)
    assert kg(table, "c1_c4") == zeros_except(10, t4=3.0, t8=3.0)
    assert kg(table, "d") == zeros_except(10, t4=-2.0, t8=-2.0)


def test_embodied_emissions_at_purchase_and_again_under_b4() -> None:
    table = one_item(
        unit_price=1,
        service_life=4,
        quantity=2,
        emissions={"a1_a3": 100.0, "a4": 10.0, "a5": 5.0},
    )
    assert kg(table, "a1_a3") == zeros_except(10, t0=200.0)
    assert kg(table, "a4") == zeros_except(10, t0=20.0)
    assert kg(table, "a5") == zeros_except(10, t0=10.0)
    assert kg(table, "b4") == zeros_except(10, t4=230.0, t8=230.0)


def test_warranty_runs_from_each_purchase() -> None:
    table = one_item(unit_price=1, service_life=4, maintenance=100, warranty=2)
    expected = [0.0, 0.0, 0.0, 100.0, 100.0, 0.0, 0.0, 100.0, 100.0, 0.0, 0.0]
    assert cost(table, "maintenance") == expected


def test_fractional_warranty_is_pro_rata() -> None:
    table = one_item(unit_price=1, maintenance=100, warranty=1.5, quantity=2, n=4)
    assert cost(table, "maintenance") == [0.0, 0.0, 100.0, 200.0, 200.0]


def test_warranty_coverage_ends_with_the_unit() -> None:
    coverage = warranty_coverage(
        [0.0, 2.0], warranty_years=5.0, service_life=2.0, study_period_years=4
    )
    assert coverage.tolist() == [0.0, 1.0, 1.0, 1.0, 1.0]
    coverage = warranty_coverage([0.0, 8.0], 1.5, 8.0, 10)
    assert coverage.tolist() == [0.0, 1.0, 0.5, 0, 0, 0, 0, 0, 0, 1.0, 0.5]


def test_maintenance_and_resource_use_run_years_one_to_n() -> None:
    electricity = f.resource("electricity", 2.0, 3, factor=0.5)
    table = one_item(
        n=3,
        unit_price=1,
        maintenance=10,
        resource_use={"electricity": 100},
        resources=[electricity],
    )
    assert cost(table, "maintenance") == [0.0, 10.0, 10.0, 10.0]
    assert cost(table, "energy") == [0.0, 200.0, 200.0, 200.0]
    assert kg(table, "b6") == [0.0, 50.0, 50.0, 50.0]


@pytest.mark.parametrize(
    ("timing", "exponents"),
    [
        (Timing.END_OF_YEAR, [1, 2, 3]),
        (Timing.MID_YEAR, [0.5, 1.5, 2.5]),
        (Timing.BEGINNING_OF_YEAR, [0, 1, 2]),
    ],
)
def test_energy_escalates_from_the_base_date_to_the_payment_time(
    timing: Timing, exponents: list[float]
) -> None:
    electricity = f.resource("electricity", 2.0, 3, escalation=0.02, factor=[9.0, 0.3, 0.2, 0.1])
    table = one_item(
        n=3,
        timing=timing,
        quantity=3,
        resource_use={"electricity": 100},
        resources=[electricity],
    )
    expected = [0.0] + [600.0 * 1.02**x for x in exponents]
    np.testing.assert_allclose(cost(table, "energy"), expected, rtol=1e-14)
    # emissions stay in the service year, with the factor of that year
    np.testing.assert_allclose(kg(table, "b6"), [0.0, 90.0, 60.0, 30.0], rtol=1e-14)
    rows = table.cost_category == CATEGORIES.index("energy")
    assert table.cost_group[rows].tolist() == [RECURRING_GROUP]


def test_yearly_escalation_series() -> None:
    electricity = f.resource("electricity", 1.0, 3, escalation=[0.10, 0.0, -0.5])
    table = one_item(n=3, resource_use={"electricity": 100}, resources=[electricity])
    np.testing.assert_allclose(cost(table, "energy"), [0.0, 110.0, 110.0, 55.0], rtol=1e-14)


def test_resource_category_by_unit_and_energy_carrier() -> None:
    assert resource_category(f.resource("electricity", 1.0, 1, unit="kWh")) == "energy"
    assert resource_category(f.resource("steam_heat", 1.0, 1, unit="MJ")) == "energy"
    assert resource_category(f.resource("diesel", 1.0, 1, unit="l")) == "energy"
    assert resource_category(f.resource("water", 1.0, 1, unit="m**3")) == "water_and_resources"
    assert resource_category(f.resource("detergent", 1.0, 1, unit="kg")) == "water_and_resources"


def test_water_goes_to_water_and_resources_and_b7() -> None:
    water = f.resource("water", 40.0, 2, unit="m**3", factor=0.3)
    table = one_item(n=2, resource_use={"water": 10}, resources=[water])
    assert cost(table, "water_and_resources") == [0.0, 400.0, 400.0]
    assert cost(table, "energy") == [0.0, 0.0, 0.0]
    assert kg(table, "b7") == [0.0, 3.0, 3.0]


def test_generic_streams_once_every_k_and_recurring() -> None:
    streams = [
        f.stream(500, category="other", first_year=3),
        f.stream(70, category="maintenance", first_year=2, every_years=3, last_year=10),
        f.stream(12, category="operation", first_year=1, every_years=1),
    ]
    table = expand_tender(f.tender(f.method(10), f.bid("A", costs=streams)))
    assert cost(table, "other") == zeros_except(10, t3=500)
    assert cost(table, "maintenance") == zeros_except(10, t2=70, t5=70, t8=70)
    assert cost(table, "operation") == [0.0] + [12.0] * 10
    groups = dict(zip(table.cost_category.tolist(), table.cost_group.tolist(), strict=True))
    assert groups[CATEGORIES.index("operation")] == RECURRING_GROUP
    assert groups[CATEGORIES.index("maintenance")] == EVENT_GROUP


def test_stream_last_year_bounds_the_recurrence() -> None:
    stream = f.stream(5, category="operation", first_year=2, every_years=1, last_year=4)
    table = expand_tender(f.tender(f.method(6), f.bid("A", costs=[stream])))
    assert cost(table, "operation") == [0.0, 0.0, 5.0, 5.0, 5.0, 0.0, 0.0]


def test_stream_escalation_counts_from_the_base_date_not_first_use() -> None:
    stream = f.stream(100, first_year=3, escalation=0.10)
    table = expand_tender(f.tender(f.method(5), f.bid("A", costs=[stream])))
    assert cost(table, "other")[3] == pytest.approx(133.1, rel=1e-14)


def test_stream_life_leaves_a_linear_residual_value() -> None:
    stream = f.stream(1000, category="replacement", first_year=6, life=10)
    table = expand_tender(f.tender(f.method(10), f.bid("A", costs=[stream])))
    assert cost(table, "residual_value") == zeros_except(10, t10=-600)
    ended = f.stream(1000, category="replacement", first_year=0, life=10)
    table = expand_tender(f.tender(f.method(10), f.bid("A", costs=[ended])))
    assert cost(table, "residual_value") == [0.0] * 11


def test_stream_emissions_in_their_module_or_the_category_default() -> None:
    streams = [
        f.stream(1800, category="replacement", first_year=6, emissions=350),
        f.stream(10, category="other", first_year=2, emissions=4, emissions_module="b5"),
    ]
    table = expand_tender(f.tender(f.method(8), f.bid("A", costs=streams)))
    assert kg(table, "b4") == zeros_except(8, t6=350.0)
    assert kg(table, "b5") == zeros_except(8, t2=4.0)


def test_item_streams_are_per_unit_times_quantity() -> None:
    battery = f.stream(1800, category="replacement", first_year=6, emissions=350)
    table = one_item(n=12, quantity=4, costs=[battery])
    assert cost(table, "replacement") == zeros_except(12, t6=7200)
    assert kg(table, "b4") == zeros_except(12, t6=1400.0)


def test_fractional_service_life_pays_at_the_exact_time_in_the_year_it_falls() -> None:
    table = one_item(n=6, unit_price=100, service_life=2.5, end_of_life_cost=1)
    # purchases 0, 2.5, 5; ends 2.5, 5 (7.5 > 6); RV of the unit bought at 5: 100 x 1.5/2.5
    assert cost(table, "replacement") == zeros_except(6, t3=100, t5=100)
    assert cost(table, "end_of_life") == zeros_except(6, t3=1, t5=1)
    assert cost(table, "residual_value") == zeros_except(6, t6=-60)
    replacement_rows = table.cost_category == CATEGORIES.index("replacement")
    groups = sorted(table.cost_group[replacement_rows].tolist())
    half_year = groups[-1]
    assert groups[0] == EVENT_GROUP
    assert table.group_times[half_year].tolist()[3] == 2.5


def test_pollutants_per_unit_per_year_sorted_by_name() -> None:
    table = expand_tender(
        f.tender(
            f.method(3),
            f.bid("A", items=[f.item(quantity=2, pollutants={"pm": 0.5, "nox": 4.0})]),
            f.bid("B", items=[f.item(pollutants={"nmhc": 1.0})]),
        )
    )
    assert table.pollutants == ("nmhc", "nox", "pm")
    rows = (table.pollutant_bid == 0) & (table.pollutant_index == 1)
    assert table.pollutant_kg[rows].sum(axis=0).tolist() == [0.0, 8.0, 8.0, 8.0]


def test_rows_sorted_by_bid_and_category_and_zero_rows_dropped() -> None:
    table = expand_tender(
        f.tender(
            f.method(4),
            f.bid("A", costs=[f.stream(0.0, first_year=1)], items=[f.item(unit_price=5)]),
            f.bid("B", items=[f.item(unit_price=7, maintenance=1)]),
        )
    )
    keys = (table.cost_bid * 100 + table.cost_category).tolist()
    assert keys == sorted(keys)
    assert table.cost_amounts.shape == (3, 5)  # A acquisition; B acquisition, maintenance


def test_unpriced_resource_is_an_error() -> None:
    with pytest.raises(KeyError, match="not priced"):
        one_item(resource_use={"unobtainium": 1.0})


@pytest.mark.parametrize(
    ("cost", "remaining", "life", "stated", "expected"),
    [
        (1000.0, 4.0, 8.0, None, 500.0),  # linear: cost x remaining / L
        (1000.0, 0.0, 8.0, None, 0.0),  # life ends at N: nothing
        (1000.0, -2.0, 8.0, 300.0, 0.0),  # a stated value of a unit gone is ignored too
        (1000.0, 4.0, 8.0, 300.0, 300.0),  # a stated value replaces the linear amount
        (1000.0, 4.0, 8.0, -50.0, 0.0),  # never negative
        (-1000.0, 4.0, 8.0, None, 0.0),
    ],
)
def test_residual_value_one_rule(
    cost: float, remaining: float, life: float, stated: float | None, expected: float
) -> None:
    value = residual_value(
        np.array([cost]),
        np.array([remaining]),
        np.array([life]),
        stated=np.array([stated or 0.0]),
        stated_given=np.array([stated is not None]),
    )
    assert value.tolist() == [expected]


def test_remaining_life_and_event_slot_snap_month_dust() -> None:
    assert remaining_life(30 / 12 * 7, 30 / 12, 20) == 0.0  # 17.5 + 2.5 - 20, not 3.6e-15
    assert remaining_life(np.array([16.0, 12.0]), np.array([8.0, 8.0]), 20).tolist() == [4.0, 0.0]
    assert event_slot(2.5) == (3, 0.5)
    assert event_slot(30 / 12 * 4) == (10, 0.0)
