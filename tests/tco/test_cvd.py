"""Clean Vehicles Directive 2009/33/EC Art. 6 + Annex (tco.cvd): primer §4, bug class 11."""

from __future__ import annotations

import doctest
import inspect

import numpy as np
import pytest

import tco.cvd
from tco.cvd import (
    CO2_PRICE_RANGE_EUR_PER_KG,
    ENERGY_CONTENT_MJ,
    ENERGY_CONTENT_UNIT,
    LIFETIME_KM,
    MJ_PER_KWH,
    POLLUTANT_PRICES_EUR_PER_G,
    energy_price_per_mj,
    lifetime_co2_cost,
    lifetime_energy_cost,
    lifetime_operational_cost,
    lifetime_pollutant_cost,
    to_mj_per_km,
)


def test_docstring_examples_hold() -> None:
    result = doctest.testmod(tco.cvd)
    assert result.attempted > 0
    assert result.failed == 0


# --- Annex tables --------------------------------------------------------------------------------


def test_annex_table_1_energy_content() -> None:
    assert dict(ENERGY_CONTENT_MJ) == {
        "diesel": 36.0,
        "petrol": 32.0,
        "lpg": 24.0,
        "ethanol": 21.0,
        "biodiesel": 33.0,
        "natural_gas_low": 33.0,
        "natural_gas_high": 38.0,
        "hydrogen": 11.0,
    }
    assert ENERGY_CONTENT_UNIT["diesel"] == "MJ/l"
    assert ENERGY_CONTENT_UNIT["natural_gas_low"] == ENERGY_CONTENT_UNIT["hydrogen"] == "MJ/Nm3"
    assert MJ_PER_KWH == 3.6


def test_annex_table_2_emission_prices() -> None:
    assert CO2_PRICE_RANGE_EUR_PER_KG == (0.03, 0.04)
    assert dict(POLLUTANT_PRICES_EUR_PER_G) == {"nox": 0.0044, "nmhc": 0.001, "pm": 0.087}


def test_annex_table_3_lifetime_mileage() -> None:
    assert dict(LIFETIME_KM) == {
        "car": 200_000.0,
        "van": 250_000.0,
        "truck": 1_000_000.0,
        "bus": 800_000.0,
    }


def test_constants_are_read_only() -> None:
    with pytest.raises(TypeError):
        LIFETIME_KM["bus"] = 1.0  # type: ignore[index]


# --- bug class 11 --------------------------------------------------------------------------------


def test_bug_class_11_cvd_is_undiscounted_and_uses_min_petrol_diesel_per_mj() -> None:
    # 0.60/32 = 0.01875 vs 0.63/36 = 0.0175 → diesel's price per MJ.
    assert energy_price_per_mj(0.60, 0.63) == pytest.approx(0.0175)
    # petrol 0.50/32 = 0.015625 < diesel 0.63/36 = 0.0175 → petrol's price per MJ, for every vehicle
    price = energy_price_per_mj(0.50, 0.63)
    assert price == pytest.approx(0.015625)
    diesel_bus = lifetime_energy_cost(LIFETIME_KM["bus"], 0.40 * 36.0, price)
    assert diesel_bus == pytest.approx(180_000.0)  # not 201 600 at diesel's own 0.0175/MJ
    # The minimum is taken per MJ, not per litre: petrol is cheaper per litre (0.34 < 0.36) but
    # dearer per MJ (0.34/32 = 0.010625 > 0.36/36 = 0.01).
    assert energy_price_per_mj(0.34, 0.36) == pytest.approx(0.01)
    # Undiscounted: no rate, no years; lifetime cost is linear in km.
    for fn in (
        lifetime_energy_cost,
        lifetime_co2_cost,
        lifetime_pollutant_cost,
        lifetime_operational_cost,
    ):
        params = set(inspect.signature(fn).parameters)
        assert not params & {"discount_rate", "rate", "years", "study_period_years"}, fn
    args = {
        "mj_per_km": 14.4,
        "price_per_mj": 0.0175,
        "co2_kg_per_km": 1.05,
        "co2_price_per_kg": 0.03,
        "nox_g_per_km": 2.0,
        "nmhc_g_per_km": 0.1,
        "pm_g_per_km": 0.02,
    }
    full = lifetime_operational_cost(lifetime_km=800_000.0, **args)
    quarter = lifetime_operational_cost(lifetime_km=200_000.0, **args)
    assert full == pytest.approx(4.0 * quarter, rel=1e-15)
    # A discounted version (800 000 km spread over 12 years at 3 %) would be far lower.
    per_year = lifetime_operational_cost(lifetime_km=800_000.0 / 12, **args)
    discounted = sum(per_year * 1.03**-t for t in range(1, 13))
    assert full == pytest.approx(235_312.0)
    assert discounted < 0.85 * full


# --- worked example: diesel bus vs electric bus over 800 000 km (Annex tables) -------------------


def test_worked_example_diesel_bus_vs_electric_bus() -> None:
    """Pre-tax fuel prices petrol 0.60, diesel 0.63 EUR/l; CO2 at 0.03 EUR/kg (Table 2 low end).

    Price per MJ = min(0.60/32, 0.63/36) = min(0.01875, 0.0175) = 0.0175 EUR/MJ.

    Diesel bus: 40 l/100 km → 0.40 × 36 = 14.4 MJ/km; 1.05 kg CO2/km; NOx 2.0, NMHC 0.1,
    PM 0.02 g/km.
      energy     800 000 × 14.4 × 0.0175        = 201 600
      CO2        800 000 × 1.05 × 0.03          =  25 200
      NOx        800 000 × 2.0 × 0.0044         =   7 040
      NMHC       800 000 × 0.1 × 0.001          =      80
      PM         800 000 × 0.02 × 0.087         =   1 392
      total                                     = 235 312 EUR

    Electric bus: 1.2 kWh/km → 1.2 × 3.6 = 4.32 MJ/km; no tailpipe emissions.
      energy     800 000 × 4.32 × 0.0175        =  60 480 EUR (same price per MJ as diesel)
    """
    km = LIFETIME_KM["bus"]
    price = energy_price_per_mj(0.60, 0.63)
    assert price == pytest.approx(0.0175)

    diesel_mj = to_mj_per_km(0.40, ENERGY_CONTENT_MJ["diesel"])
    assert diesel_mj == pytest.approx(14.4)
    assert lifetime_energy_cost(km, diesel_mj, price) == pytest.approx(201_600.0)
    assert lifetime_co2_cost(km, 1.05, 0.03) == pytest.approx(25_200.0)
    assert lifetime_pollutant_cost(km, 2.0, 0.0, 0.0) == pytest.approx(7_040.0)
    assert lifetime_pollutant_cost(km, 0.0, 0.1, 0.0) == pytest.approx(80.0)
    assert lifetime_pollutant_cost(km, 0.0, 0.0, 0.02) == pytest.approx(1_392.0)
    diesel = lifetime_operational_cost(
        lifetime_km=km,
        mj_per_km=diesel_mj,
        price_per_mj=price,
        co2_kg_per_km=1.05,
        co2_price_per_kg=0.03,
        nox_g_per_km=2.0,
        nmhc_g_per_km=0.1,
        pm_g_per_km=0.02,
    )
    assert diesel == pytest.approx(235_312.0)

    electric_mj = to_mj_per_km(1.2, MJ_PER_KWH)
    assert electric_mj == pytest.approx(4.32)
    electric = lifetime_operational_cost(
        lifetime_km=km,
        mj_per_km=electric_mj,
        price_per_mj=price,
        co2_kg_per_km=0.0,
        co2_price_per_kg=0.03,
        nox_g_per_km=0.0,
        nmhc_g_per_km=0.0,
        pm_g_per_km=0.0,
    )
    assert electric == pytest.approx(60_480.0)
    assert diesel - electric == pytest.approx(174_832.0)


def test_co2_price_range_ends() -> None:
    low, high = CO2_PRICE_RANGE_EUR_PER_KG
    assert lifetime_co2_cost(LIFETIME_KM["car"], 0.150, low) == pytest.approx(900.0)
    assert lifetime_co2_cost(LIFETIME_KM["car"], 0.150, high) == pytest.approx(1_200.0)


def test_truck_with_natural_gas_and_custom_pollutant_prices() -> None:
    """CNG truck, 1 000 000 km, 0.30 Nm³/km at 33 MJ/Nm³ = 9.9 MJ/km, price 0.01 EUR/MJ."""
    mj = to_mj_per_km(0.30, ENERGY_CONTENT_MJ["natural_gas_low"])
    assert mj == pytest.approx(9.9)
    assert lifetime_energy_cost(LIFETIME_KM["truck"], mj, 0.01) == pytest.approx(99_000.0)
    doubled = {k: 2 * v for k, v in POLLUTANT_PRICES_EUR_PER_G.items()}
    base = lifetime_pollutant_cost(LIFETIME_KM["truck"], 1.0, 0.2, 0.01)
    assert base == pytest.approx(1e6 * (0.0044 + 0.0002 + 0.00087))
    assert lifetime_pollutant_cost(
        LIFETIME_KM["truck"], 1.0, 0.2, 0.01, prices=doubled
    ) == pytest.approx(2 * base)


def test_vectorised_over_vehicles() -> None:
    km = np.array([LIFETIME_KM["car"], LIFETIME_KM["van"]])
    got = lifetime_energy_cost(km, np.array([2.0, 3.0]), 0.02)
    assert isinstance(got, np.ndarray)
    np.testing.assert_allclose(got, [8_000.0, 15_000.0])
    prices = energy_price_per_mj(np.array([0.64, 0.32]), np.array([0.72, 0.72]))
    np.testing.assert_allclose(prices, [0.02, 0.01])


def test_scalars_in_give_float_out() -> None:
    assert type(energy_price_per_mj(0.6, 0.63)) is float
    assert type(lifetime_pollutant_cost(1.0, 1.0, 1.0, 1.0)) is float


def test_constants_agree_with_the_shipped_reference_data() -> None:
    """tco.cvd keeps its own constants (no data loading); they must match tco.reference."""
    reference = pytest.importorskip("tco.reference")
    contents = {c.id.removeprefix("cvd-").replace("-", "_"): c for c in reference.energy_contents()}
    assert {k: c.value for k, c in contents.items()} == dict(ENERGY_CONTENT_MJ)
    assert {k: c.unit for k, c in contents.items()} == dict(ENERGY_CONTENT_UNIT)
    prices = {p.pollutant: p for p in reference.pollutant_prices()}
    assert {k: p.value for k, p in prices.items()} == dict(POLLUTANT_PRICES_EUR_PER_G)
    assert {p.unit for p in prices.values()} == {"EUR/g"}
    assert {v.vehicle: v.km for v in reference.lifetime_km()} == dict(LIFETIME_KM)
    low = reference.carbon_price_series_by_id("cvd-low")
    high = reference.carbon_price_series_by_id("cvd-high")
    assert (low.points[0].value, high.points[0].value) == CO2_PRICE_RANGE_EUR_PER_KG
    assert low.unit == high.unit == "EUR/kgCO2e"
