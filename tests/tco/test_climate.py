"""Carbon price series, climate cost, pollutant cost and their warnings."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tco.climate import climate_cost, climate_warnings, pollutant_cost
from tco.errors import InvalidTender
from tco.evaluate import evaluate
from tco.expand import expand_tender
from tco.inputs import Timing
from tco.kernel import Cubes, TimeGrid, compute_cubes, time_grid
from tco.prepared import PreparedTender
from tco.price_base import RebaseStatus
from tco.results import Evaluation
from tco.validate import prepare
from tco.yearly_series import interpolate_series

from . import factory as f
from .tender_json import sample_dict, tender


def test_interpolate_series_linear_between_and_flat_beyond() -> None:
    values, flat = interpolate_series(
        [(2030, 179.0), (2022, 101.0), (2050, 602.0)], np.arange(2020, 2056, 5)
    )
    assert values.tolist() == [
        101.0,
        101.0 + 78 * 3 / 8,
        179.0,
        179.0 + 423 / 4,
        390.5,
        602.0 - 423 / 4,
        602.0,
        602.0,
    ]
    assert flat == (2020, 2055)


def test_interpolate_series_single_point_is_constant_and_flat_elsewhere() -> None:
    values, flat = interpolate_series([(2027, 7.0)], np.array([2026, 2027, 2028]))
    assert values.tolist() == [7.0, 7.0, 7.0]
    assert flat == (2026, 2028)


def test_interpolate_series_inside_the_points_is_not_extrapolated() -> None:
    values, flat = interpolate_series([(2027, 1.5), (2035, 3.0)], np.arange(2027, 2036))
    assert values[0] == 1.5
    assert values[-1] == 3.0
    assert values[4] == pytest.approx(2.25)
    assert flat == ()


def test_interpolate_series_refuses_no_points_and_duplicate_years() -> None:
    with pytest.raises(ValueError, match="at least one point"):
        interpolate_series([], np.array([2027]))
    with pytest.raises(ValueError, match="same year"):
        interpolate_series([(2027, 1.0), (2027, 2.0)], np.array([2027]))


def cubes_and_grid(tender: PreparedTender) -> tuple[Cubes, TimeGrid]:
    table = expand_tender(tender)
    grid = time_grid(table.group_times, tender.method)
    return compute_cubes(table, grid, include_module_d=tender.method.include_module_d), grid


def energy_tender(
    *,
    d: float = 0.0,
    price: float | list[float] = 1.5,
    undiscounted: bool = False,
    timing: Timing = Timing.END_OF_YEAR,
    n: int = 2,
) -> PreparedTender:
    electricity = f.resource("electricity", 1.0, n, factor=0.5)
    return f.tender(
        f.method(
            n,
            d,
            timing=timing,
            resources=[electricity],
            carbon=f.carbon_price(price, n, undiscounted=undiscounted),
        ),
        f.bid("A", items=[f.item(resource_use={"electricity": 2000.0})]),
    )


#: A tender of 1 000 kg a year for 2 years (energy_tender's arguments) and its climate cost
#: (within ``rel``): emissions of year t x the price of year t, discounted like other costs
#: unless undiscounted.
CLIMATE: list[tuple[dict[str, Any], float, float, list[float] | None]] = [
    ({}, 3000.0, 0.0, [0.0, 1500.0, 1500.0]),  # 1.5 SEK/kg, d = 0
    ({"d": 0.10}, 1500 / 1.1 + 1500 / 1.21, 1e-15, None),
    ({"d": 0.10, "undiscounted": True}, 3000.0, 0.0, None),
    # operational emissions follow the timing convention
    ({"d": 0.10, "timing": Timing.MID_YEAR}, 1500 * (1.1**-0.5 + 1.1**-1.5), 1e-14, None),
    ({"price": [9.0, 1.0, 2.0]}, 3000.0, 0.0, [0.0, 1000.0, 2000.0]),  # the price of each year
]


@pytest.mark.parametrize(("kwargs", "total", "rel", "undiscounted"), CLIMATE)
def test_climate_cost(
    kwargs: dict[str, Any], total: float, rel: float, undiscounted: list[float] | None
) -> None:
    tender = energy_tender(**kwargs)
    cubes, grid = cubes_and_grid(tender)
    cost = climate_cost(cubes.counted_emissions_by_group, tender.method.carbon_price, grid)
    assert float(cost.total[0]) == pytest.approx(total, rel=rel, abs=0.0)
    if undiscounted is not None:
        assert cost.undiscounted[0].tolist() == undiscounted


def test_no_carbon_price_no_climate_cost() -> None:
    cubes, grid = cubes_and_grid(energy_tender())
    cost = climate_cost(cubes.counted_emissions_by_group, None, grid)
    assert cost.total.tolist() == [0.0]
    assert cost.undiscounted.shape == (1, 3)


def test_pollutant_cost_priced_unpriced_and_undiscounted() -> None:
    tender = f.tender(
        f.method(2, 0.10, pollutant_prices={"nox": (4.4, False), "pm": (87.0, True)}),
        f.bid("A", items=[f.item(pollutants={"nox": 4.0, "pm": 0.1, "so2": 50.0})]),
    )
    table = expand_tender(tender)
    grid = time_grid(table.group_times, tender.method)
    cubes = compute_cubes(table, grid, include_module_d=False)
    cost = pollutant_cost(
        cubes.pollutant_kg_by_group, table.pollutants, tender.method.pollutant_prices, grid
    )
    nox = 17.6 / 1.1 + 17.6 / 1.21
    pm = 2 * 8.7
    assert float(cost.total[0]) == pytest.approx(nox + pm, rel=1e-14)
    np.testing.assert_allclose(cost.undiscounted[0], [0.0, 26.3, 26.3], rtol=1e-14)


def test_warnings_series_extrapolated_and_a_hand_built_price_in_another_year() -> None:
    price = f.carbon_price(
        7.0,
        3,
        source="series:asek-7.0",
        extrapolated_years=(2028, 2029, 2030, 2033),
        price_base_year=2017,
    )
    warnings = climate_warnings(price, 2027)
    # prepared by hand (no re-basing record): the value was used as given, and that is said
    assert [w.code for w in warnings] == ["SERIES_EXTRAPOLATED", "PRICE_BASE_FACE_VALUE"]
    assert "2028-2030, 2033" in warnings[0].message
    assert "2017" in warnings[1].message
    assert "asek-7.0" in warnings[0].message


def test_no_warnings_for_a_series_inside_its_points_in_base_year_prices() -> None:
    price = f.carbon_price(7.0, 3, source="points", price_base_year=2027)
    assert climate_warnings(price, 2027) == ()
    assert climate_warnings(f.carbon_price(7.0, 3), 2027) == ()


def test_no_carbon_price_is_a_warning_every_evaluator_sees() -> None:
    """Issue #14 item 1: an absent carbon price is said, never silent."""
    (warning,) = climate_warnings(None, 2027)
    assert warning.code == "NO_CARBON_PRICE"
    assert "no carbon price" in warning.message
    assert warning.bid_id == ""
    raw = sample_dict()
    del raw["method"]["carbon_price"]
    for only in (False, True):  # validate_only returns it too
        result = evaluate(tender(raw), validate_only=only)
        assert [w.code for w in result.warnings].count("NO_CARBON_PRICE") == 1


# --- prices re-based to the method's money (issue #14 item 5, lcc-method.md §4) --------------


def _asek(**method: Any) -> Evaluation:
    raw = sample_dict()
    raw["method"]["carbon_price"] = {"series_id": "asek-7.0"}
    raw["method"]["emission_factors"][0]["trajectory"] = []
    raw["method"].update(method)
    return evaluate(tender(raw))


def _carbon_inputs(result: Evaluation) -> tuple[str, ...]:
    (climate,) = [e for e in result.results[0].explanations if e.quantity == "climate_cost"]
    return climate.inputs


def test_asek_in_a_2023_method_is_8_7731_sek_per_kg_in_the_trail() -> None:
    """7.00 SEK/kg in 2017 prices x 403.70 / 322.11 = 8.7731 SEK/kg in 2023 prices."""
    prepared = prepare(
        tender(
            {
                **sample_dict(),
                "method": {
                    **sample_dict()["method"],
                    "carbon_price": {"series_id": "asek-7.0"},
                    "base_year": 2023,
                },
            }
        )
    )
    carbon = prepared.method.carbon_price
    assert carbon is not None
    assert carbon.rebased is not None
    assert carbon.rebased.status is RebaseStatus.CONVERTED
    assert round(float(carbon.price_per_kg[0]), 4) == 8.7731
    assert np.all(carbon.price_per_kg == carbon.price_per_kg[0])
    assert prepared.method.price_base_year == 2023
    result = _asek(base_year=2023)
    trail = " | ".join(_carbon_inputs(result))
    assert "7 SEK in 2017 prices = 8.77309 SEK in 2023 prices" in trail
    assert "322.11" in trail
    assert "403.7" in trail
    codes = [w.code for w in result.warnings]
    assert not {"PRICE_INDEX_HELD", "PRICE_BASE_UNKNOWN", "PRICE_BASE_FACE_VALUE"} & set(codes)


def test_a_stated_price_base_year_overrides_the_base_year() -> None:
    later = _asek(base_year=2027, price_base_year=2023)
    same = _asek(base_year=2023)
    assert later.results[0].explanations != ()
    assert "8.77309 SEK in 2023 prices" in " ".join(_carbon_inputs(later))
    assert "8.77309 SEK in 2023 prices" in " ".join(_carbon_inputs(same))


def test_a_2027_method_holds_the_last_kpi_level_with_a_warning() -> None:
    result = _asek(base_year=2027)
    (held,) = [w for w in result.warnings if w.code == "PRICE_INDEX_HELD"]
    assert "2017" in held.message
    assert "2027" in held.message
    assert "2023" in held.message  # the last published KPI year
    trail = " ".join(_carbon_inputs(result))
    assert "held at the 2023 level" in trail
    assert "8.77309 SEK in 2027 prices" in trail


def test_use_face_values_opts_out_with_its_own_note() -> None:
    result = _asek(base_year=2023, use_face_values=True)
    (note,) = [w for w in result.warnings if w.code == "PRICE_BASE_FACE_VALUE"]
    assert "2017 prices" in note.message
    assert "use_face_values" in note.message
    assert "used at face value" in " ".join(_carbon_inputs(result))
    face = prepare(
        tender(
            {
                **sample_dict(),
                "method": {
                    **sample_dict()["method"],
                    "carbon_price": {"series_id": "asek-7.0"},
                    "use_face_values": True,
                },
            }
        )
    ).method.carbon_price
    assert face is not None
    assert np.all(face.price_per_kg == 7.0)


@pytest.mark.parametrize("series_id", ["eib-2020", "ebrd", "dk-mst"])
def test_an_unknown_publisher_base_year_is_used_at_face_value_with_a_warning(
    series_id: str,
) -> None:
    raw = sample_dict()
    raw["method"]["carbon_price"] = {"series_id": series_id}
    raw["method"]["exchange_rates"] = {"EUR": 11.2, "DKK": 1.5}
    result = evaluate(tender(raw))
    (unknown,) = [w for w in result.warnings if w.code == "PRICE_BASE_UNKNOWN"]
    assert series_id in unknown.message
    assert "face value" in unknown.message


def test_index_then_exchange_rate_for_a_eur_series() -> None:
    """CVD high end, 0.04 EUR/kg in 2007 prices, in a 2023 SEK method at 11.2 SEK/EUR: re-based
    with Eurostat HICP in EUR first, then converted: 0.04 x 123.15 / 88.49 x 11.2."""
    raw = sample_dict()
    raw["method"].update(base_year=2023, carbon_price={"series_id": "cvd-high"})
    carbon = prepare(tender(raw)).method.carbon_price
    assert carbon is not None
    assert float(carbon.price_per_kg[0]) == pytest.approx(0.04 * 123.15 / 88.49 * 11.2, rel=1e-12)


def test_a_method_price_year_before_the_index_is_refused() -> None:
    raw = sample_dict()
    raw["method"].update(carbon_price={"series_id": "asek-7.0"}, price_base_year=1999)
    with pytest.raises(InvalidTender) as caught:
        prepare(tender(raw))
    (violation,) = caught.value.violations
    assert violation.field == "method.carbon_price.series_id"
    assert "before the first year" in violation.description


@pytest.mark.parametrize("year", [-1, 5, 99999])
def test_a_bad_price_base_year_is_refused(year: int) -> None:
    raw = sample_dict()
    raw["method"]["price_base_year"] = year
    with pytest.raises(InvalidTender) as caught:
        prepare(tender(raw))
    assert [v.field for v in caught.value.violations] == ["method.price_base_year"]


def test_docstring_examples() -> None:
    import doctest

    from tco import climate, yearly_series

    results = [doctest.testmod(module) for module in (climate, yearly_series)]
    assert sum(r.attempted for r in results) >= 2
    assert sum(r.failed for r in results) == 0
