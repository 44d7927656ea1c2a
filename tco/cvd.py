"""Clean Vehicles Directive 2009/33/EC, Art. 6 and Annex: lifetime operational cost of a vehicle.

A complete, published monetisation method for road vehicles (OJ L 120, 15.5.2009, p. 5; the
2019 revision, Directive (EU) 2019/1161, replaced this option by procurement targets, but the
method stays a citable reference). For a vehicle with lifetime mileage K km:

    energy cost     = K × (MJ/km) × p_MJ,   p_MJ = min(petrol / 32, diesel / 36)  [per MJ]
    CO2 cost        = K × (kg CO2/km) × p_CO2,                p_CO2 = 0.03–0.04 EUR/kg
    pollutant cost  = K × (NOx g/km × 0.0044 + NMHC g/km × 0.001 + PM g/km × 0.087)  EUR
    operational     = energy + CO2 + pollutants

- **Undiscounted** (bug class 11): the method sums lifetime amounts; there is no discount rate,
  no time axis and no escalation, so nothing here takes one. Do not feed these figures through
  the engine's discounting.
- **One energy price for every vehicle** (bug class 11): the price per MJ is the *lower* of the
  petrol and diesel prices per MJ, **before tax**, whatever the vehicle actually uses — an
  electric or gas vehicle is charged the same price per MJ as a diesel one; only its MJ/km
  differs. Energy content from Annex Table 1 (:data:`ENERGY_CONTENT_MJ`).
- Prices of Annex Table 2 are 2007 prices in EUR (:data:`CO2_PRICE_RANGE_EUR_PER_KG`,
  :data:`POLLUTANT_PRICES_EUR_PER_G`); lifetime mileage from Annex Table 3
  (:data:`LIFETIME_KM`). Art. 6 lets the contracting authority deviate within the Directive's
  limits (e.g. its own lifetime mileage); every function takes the value as an argument and the
  constants are the defaults.
- Electric vehicles: 1 kWh = 3.6 MJ (:data:`MJ_PER_KWH`).

The same facts also ship as sourced reference data in :mod:`tco.reference`
(``clean_vehicles.json``, ``emission_factors.json``, ``carbon_prices.json`` series ``cvd-low`` /
``cvd-high``). This module keeps its own constants on purpose: the formulas stand alone and can be
audited against the Directive without loading data files or the unit registry, and importing it
costs nothing. A test (``tests/tco/test_cvd.py``) checks that both agree value for value.

Functions accept floats or numpy arrays (broadcasting) and return a float for float inputs.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

from tco.prepared import FloatArray

FloatLike = float | FloatArray

__all__ = [
    "CO2_PRICE_RANGE_EUR_PER_KG",
    "ENERGY_CONTENT_MJ",
    "ENERGY_CONTENT_UNIT",
    "LIFETIME_KM",
    "MJ_PER_KWH",
    "POLLUTANT_PRICES_EUR_PER_G",
    "energy_price_per_mj",
    "lifetime_co2_cost",
    "lifetime_energy_cost",
    "lifetime_operational_cost",
    "lifetime_pollutant_cost",
    "to_mj_per_km",
]

#: Annex Table 1, energy content of fuels: MJ per litre, except natural gas and hydrogen in MJ per
#: normal cubic metre (Nm³). Natural gas is a range, 33–38 MJ/Nm³ (keys ``_low`` / ``_high``).
ENERGY_CONTENT_MJ: Mapping[str, float] = MappingProxyType(
    {
        "diesel": 36.0,  # MJ/l
        "petrol": 32.0,  # MJ/l
        "lpg": 24.0,  # MJ/l
        "ethanol": 21.0,  # MJ/l
        "biodiesel": 33.0,  # MJ/l
        "natural_gas_low": 33.0,  # MJ/Nm³
        "natural_gas_high": 38.0,  # MJ/Nm³
        "hydrogen": 11.0,  # MJ/Nm³
    }
)

#: Units of :data:`ENERGY_CONTENT_MJ` per fuel.
ENERGY_CONTENT_UNIT: Mapping[str, str] = MappingProxyType(
    {
        fuel: ("MJ/Nm3" if fuel.startswith(("natural_gas", "hydrogen")) else "MJ/l")
        for fuel in ENERGY_CONTENT_MJ
    }
)

#: Electricity: 1 kWh = 3.6 MJ (definition of the kWh, not from the Annex).
MJ_PER_KWH = 3.6

#: Annex Table 2: cost of CO2 emissions, EUR per kg (2007 prices), a range.
CO2_PRICE_RANGE_EUR_PER_KG: tuple[float, float] = (0.03, 0.04)

#: Annex Table 2: cost of pollutant emissions, EUR per gram (2007 prices).
POLLUTANT_PRICES_EUR_PER_G: Mapping[str, float] = MappingProxyType(
    {"nox": 0.0044, "nmhc": 0.001, "pm": 0.087}
)

#: Annex Table 3: lifetime mileage, km, by vehicle category.
LIFETIME_KM: Mapping[str, float] = MappingProxyType(
    {
        "car": 200_000.0,  # passenger cars, M1
        "van": 250_000.0,  # light commercial vehicles, N1
        "truck": 1_000_000.0,  # heavy goods vehicles, N2 and N3
        "bus": 800_000.0,  # buses, M2 and M3
    }
)

PETROL_MJ_PER_L = ENERGY_CONTENT_MJ["petrol"]
DIESEL_MJ_PER_L = ENERGY_CONTENT_MJ["diesel"]


def _out(value: npt.ArrayLike) -> FloatLike:
    arr = np.asarray(value, dtype=np.float64)
    return float(arr) if arr.ndim == 0 else arr


def energy_price_per_mj(
    petrol_price_per_l: FloatLike,
    diesel_price_per_l: FloatLike,
    petrol_mj_per_l: float = PETROL_MJ_PER_L,
    diesel_mj_per_l: float = DIESEL_MJ_PER_L,
) -> FloatLike:
    """The CVD energy price per MJ: the lower of petrol and diesel, pre-tax (Art. 6, Annex).

    p_MJ = min(petrol price per litre / 32 MJ/l, diesel price per litre / 36 MJ/l).

    Prices must be **before tax** (the Directive's rule); the result is in the prices' currency
    per MJ and applies to every vehicle, whatever its fuel.

    Examples
    --------
    Petrol 0.60 and diesel 0.63 per litre before tax: petrol 0.01875/MJ, diesel 0.0175/MJ.

    >>> round(energy_price_per_mj(0.60, 0.63), 6)
    0.0175
    """
    petrol = np.asarray(petrol_price_per_l, dtype=np.float64) / petrol_mj_per_l
    diesel = np.asarray(diesel_price_per_l, dtype=np.float64) / diesel_mj_per_l
    return _out(np.minimum(petrol, diesel))


def to_mj_per_km(amount_per_km: FloatLike, mj_per_unit: float) -> FloatLike:
    """Energy consumption in MJ/km from a fuel (or electricity) consumption per km.

    MJ/km = (units per km) × (MJ per unit): litres × Table 1, Nm³ × Table 1, kWh × 3.6.

    Examples
    --------
    A bus using 40 l diesel per 100 km: 0.40 l/km × 36 MJ/l = 14.4 MJ/km; an electric bus at
    1.2 kWh/km: 4.32 MJ/km.

    >>> round(to_mj_per_km(0.40, ENERGY_CONTENT_MJ["diesel"]), 10)
    14.4
    >>> round(to_mj_per_km(1.2, MJ_PER_KWH), 10)
    4.32
    """
    return _out(np.asarray(amount_per_km, dtype=np.float64) * mj_per_unit)


def lifetime_energy_cost(
    lifetime_km: FloatLike, mj_per_km: FloatLike, price_per_mj: FloatLike
) -> FloatLike:
    """Lifetime energy cost (Art. 6(1)(a)): K × MJ/km × p_MJ, undiscounted.

    Examples
    --------
    >>> round(lifetime_energy_cost(800_000, 14.4, 0.0175), 6)
    201600.0
    """
    return _out(
        np.asarray(lifetime_km, dtype=np.float64)
        * np.asarray(mj_per_km, dtype=np.float64)
        * np.asarray(price_per_mj, dtype=np.float64)
    )


def lifetime_co2_cost(
    lifetime_km: FloatLike, co2_kg_per_km: FloatLike, price_per_kg: FloatLike
) -> FloatLike:
    """Lifetime CO2 cost (Art. 6(1)(b)): K × kg CO2/km × price per kg, undiscounted.

    The Annex price is 0.03–0.04 EUR/kg (2007 prices, :data:`CO2_PRICE_RANGE_EUR_PER_KG`); the
    method chooses one and states it.

    Examples
    --------
    >>> round(lifetime_co2_cost(800_000, 1.05, 0.03), 6)
    25200.0
    """
    return _out(
        np.asarray(lifetime_km, dtype=np.float64)
        * np.asarray(co2_kg_per_km, dtype=np.float64)
        * np.asarray(price_per_kg, dtype=np.float64)
    )


def lifetime_pollutant_cost(
    lifetime_km: FloatLike,
    nox_g_per_km: FloatLike,
    nmhc_g_per_km: FloatLike,
    pm_g_per_km: FloatLike,
    prices: Mapping[str, float] = POLLUTANT_PRICES_EUR_PER_G,
) -> FloatLike:
    """Lifetime cost of NOx, NMHC and particulate emissions (Art. 6(1)(c)), undiscounted.

    K × (NOx g/km × p_NOx + NMHC g/km × p_NMHC + PM g/km × p_PM), prices per gram from
    ``prices`` (keys ``nox``, ``nmhc``, ``pm``; default Annex Table 2: 0.0044, 0.001, 0.087 EUR/g).

    Examples
    --------
    800 000 km at NOx 2.0, NMHC 0.1, PM 0.02 g/km: 7 040 + 80 + 1 392 = 8 512 EUR.

    >>> round(lifetime_pollutant_cost(800_000, 2.0, 0.1, 0.02), 6)
    8512.0
    """
    km = np.asarray(lifetime_km, dtype=np.float64)
    per_km = (
        np.asarray(nox_g_per_km, dtype=np.float64) * prices["nox"]
        + np.asarray(nmhc_g_per_km, dtype=np.float64) * prices["nmhc"]
        + np.asarray(pm_g_per_km, dtype=np.float64) * prices["pm"]
    )
    return _out(km * per_km)


def lifetime_operational_cost(
    *,
    lifetime_km: FloatLike,
    mj_per_km: FloatLike,
    price_per_mj: FloatLike,
    co2_kg_per_km: FloatLike,
    co2_price_per_kg: FloatLike,
    nox_g_per_km: FloatLike,
    nmhc_g_per_km: FloatLike,
    pm_g_per_km: FloatLike,
    pollutant_prices: Mapping[str, float] = POLLUTANT_PRICES_EUR_PER_G,
) -> FloatLike:
    """Lifetime operational cost (Art. 6): energy + CO2 + pollutants, undiscounted.

    Examples
    --------
    Diesel bus, 800 000 km, 14.4 MJ/km at 0.0175/MJ, 1.05 kg CO2/km at 0.03/kg, NOx 2.0,
    NMHC 0.1, PM 0.02 g/km: 201 600 + 25 200 + 8 512 = 235 312 EUR.

    >>> round(lifetime_operational_cost(lifetime_km=800_000, mj_per_km=14.4, price_per_mj=0.0175,
    ...     co2_kg_per_km=1.05, co2_price_per_kg=0.03, nox_g_per_km=2.0, nmhc_g_per_km=0.1,
    ...     pm_g_per_km=0.02), 6)
    235312.0
    """
    energy = np.asarray(lifetime_energy_cost(lifetime_km, mj_per_km, price_per_mj))
    co2 = np.asarray(lifetime_co2_cost(lifetime_km, co2_kg_per_km, co2_price_per_kg))
    pollutants = np.asarray(
        lifetime_pollutant_cost(
            lifetime_km, nox_g_per_km, nmhc_g_per_km, pm_g_per_km, pollutant_prices
        )
    )
    return _out(energy + co2 + pollutants)
