"""tco.reference: the shipped data files load, are sourced, versioned, read-only and consistent."""

from __future__ import annotations

import dataclasses
import json
from importlib import resources

import pytest

from tco import reference, units
from tco.units import Dimension


def _json(name: str) -> dict[str, object]:
    data = json.loads(resources.files("tco.reference").joinpath(name).read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def test_every_file_has_the_same_data_version() -> None:
    versions = {
        _json(name)["data_version"]
        for name in ("carbon_prices.json", "emission_factors.json", "clean_vehicles.json")
    }
    assert versions == {reference.DATA_VERSION}


def test_series_ids_and_order() -> None:
    ids = [s.id for s in reference.carbon_price_series()]
    assert ids == sorted(ids)
    assert set(ids) == {
        "asek-7.0",
        "eib-2020",
        "ebrd",
        "uk-central-2022",
        "eu-ets-2024-average",
        "cvd-low",
        "cvd-high",
        "dk-mst",
    }


@pytest.mark.parametrize(
    ("series_id", "currency", "base_year", "points"),
    [
        ("asek-7.0", "SEK", 2017, [(2020, 7.0)]),
        ("eib-2020", "EUR", 0, [(2030, 250.0), (2050, 800.0)]),
        ("ebrd", "EUR", 0, [(2022, 101.0), (2030, 179.0), (2050, 602.0)]),
        ("uk-central-2022", "GBP", 2022, [(2024, 268.97), (2030, 294.5)]),
        ("eu-ets-2024-average", "EUR", 2024, [(2024, 67.0)]),
        ("cvd-low", "EUR", 2007, [(0, 0.03)]),
        ("cvd-high", "EUR", 2007, [(0, 0.04)]),
        ("dk-mst", "DKK", 0, [(0, 1500.0)]),
    ],
)
def test_series_values_from_the_primer(
    series_id: str, currency: str, base_year: int, points: list[tuple[int, float]]
) -> None:
    series = reference.carbon_price_series_by_id(series_id)
    assert series is not None
    assert series.currency == currency
    assert series.price_base_year == base_year
    assert [(p.year, p.value) for p in series.points] == points
    assert series.source
    assert series.kind
    assert units.currency_of(series.unit) == currency
    units.factor(series.unit, Dimension.MONEY_PER_CO2E)


def test_series_per_kg() -> None:
    asek = reference.carbon_price_series_by_id("asek-7.0")
    ebrd = reference.carbon_price_series_by_id("ebrd")
    assert asek is not None
    assert ebrd is not None
    assert units.factor(asek.unit, Dimension.MONEY_PER_CO2E) == 1.0
    assert units.factor(ebrd.unit, Dimension.MONEY_PER_CO2E) == 0.001  # per tonne -> per kg


def test_market_price_is_labelled() -> None:
    ets = reference.carbon_price_series_by_id("eu-ets-2024-average")
    assert ets is not None
    assert ets.kind == "market price"
    assert "not a social value" in ets.notes


def test_unknown_ids() -> None:
    assert reference.carbon_price_series_by_id("foo") is None
    assert reference.emission_factor_by_id("foo") is None


@pytest.mark.parametrize(
    ("factor_id", "resource", "value", "unit"),
    [
        ("nordic-mix-2016-2019", "electricity", 0.09, "kgCO2e/kWh"),
        ("nordic-mix-2021-2023", "electricity", 0.059, "kgCO2e/kWh"),
        ("nordic-residual-mix-2021", "electricity", 0.372, "kgCO2e/kWh"),
        ("dk-mst-diesel", "diesel", 2.98, "kgCO2e/l"),
        ("dk-mst-petrol", "petrol", 2.52, "kgCO2e/l"),
    ],
)
def test_emission_factors(factor_id: str, resource: str, value: float, unit: str) -> None:
    factor = reference.emission_factor_by_id(factor_id)
    assert factor is not None
    assert (factor.resource, factor.value, factor.unit) == (resource, value, unit)
    assert factor.basis
    assert factor.source


def test_hvo_is_absent_and_says_why() -> None:
    assert not [f for f in reference.emission_factors() if f.resource == "hvo"]
    assert "HVO" in str(_json("emission_factors.json")["notes"])


def test_energy_contents() -> None:
    contents = {c.id: (c.fuel, c.value, c.unit) for c in reference.energy_contents()}
    assert contents == {
        "cvd-diesel": ("diesel", 36.0, "MJ/l"),
        "cvd-petrol": ("petrol", 32.0, "MJ/l"),
        "cvd-lpg": ("lpg", 24.0, "MJ/l"),
        "cvd-ethanol": ("ethanol", 21.0, "MJ/l"),
        "cvd-biodiesel": ("biodiesel", 33.0, "MJ/l"),
        "cvd-natural-gas-low": ("natural_gas", 33.0, "MJ/Nm3"),
        "cvd-natural-gas-high": ("natural_gas", 38.0, "MJ/Nm3"),
        "cvd-hydrogen": ("hydrogen", 11.0, "MJ/Nm3"),
    }
    diesel = reference.energy_contents()[1]
    assert units.factor(diesel.unit, Dimension.ENERGY.per(Dimension.VOLUME)) == pytest.approx(
        1 / 3.6
    )


def test_pollutant_prices() -> None:
    prices = {
        p.pollutant: (p.value, p.unit, p.price_base_year) for p in reference.pollutant_prices()
    }
    assert prices == {
        "nox": (0.0044, "EUR/g", 2007),
        "nmhc": (0.001, "EUR/g", 2007),
        "pm": (0.087, "EUR/g", 2007),
    }


def test_lifetime_km() -> None:
    lifetimes = {v.vehicle: v.km for v in reference.lifetime_km()}
    assert lifetimes == {"car": 200000.0, "van": 250000.0, "truck": 1000000.0, "bus": 800000.0}


def test_read_only() -> None:
    series = reference.carbon_price_series()
    assert isinstance(series, tuple)
    with pytest.raises(dataclasses.FrozenInstanceError):
        series[0].id = "x"  # type: ignore[misc]
    assert reference.carbon_price_series() is series  # loaded once


def test_cvd_module_agrees_with_the_data_files() -> None:
    """tco.cvd keeps its own constants for audit; they must match the shipped data."""
    from tco import cvd

    for content in reference.energy_contents():
        key = content.fuel
        if key == "natural_gas":  # cvd-natural-gas-low -> natural_gas_low
            key = f"natural_gas_{content.id.rsplit('-', 1)[1]}"
        assert cvd.ENERGY_CONTENT_MJ[key] == content.value
    for price in reference.pollutant_prices():
        assert cvd.POLLUTANT_PRICES_EUR_PER_G[price.pollutant] == price.value
    for lifetime in reference.lifetime_km():
        assert cvd.LIFETIME_KM[lifetime.vehicle] == lifetime.km
