"""Resource use: which resources are energy, and their price and emission factor by year.

A resource use (kWh of electricity, litres of diesel, m3 of water a year) costs use x price x
escalation index and emits use x emission factor of the year, in study years 1..N. Its cost goes
to ``energy`` for an energy resource and to ``water_and_resources`` otherwise; its emissions to
EN 15978 module B6 (operational energy) or B7 (operational water and other resources) likewise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tco.finance import escalation_index, payment_times
from tco.prepared import CATEGORIES, MODULES, PreparedMethod, PreparedResource

FloatArray = npt.NDArray[np.float64]

__all__ = [
    "ENERGY_CARRIERS",
    "ENERGY_UNITS",
    "ResourceYears",
    "resource_category",
    "resource_years",
]

# fmt: off
#: Canonical units (and spellings pint may print) that make a resource an energy resource.
ENERGY_UNITS: frozenset[str] = frozenset({
    "Wh", "kWh", "MWh", "GWh", "TWh", "J", "kJ", "MJ", "GJ", "TJ", "watt_hour", "kilowatt_hour",
    "megawatt_hour", "joule", "kilojoule", "megajoule", "gigajoule",
})

#: Resources that are energy carriers whatever unit they are priced in (fuels by volume or mass):
#: their cost is energy cost (ASTM E917 "energy"; CVD Art. 6 "lifetime energy cost") and their
#: emissions operational energy use, module B6.
ENERGY_CARRIERS: frozenset[str] = frozenset({
    "electricity", "district_heating", "district_cooling", "heat", "steam", "diesel", "petrol",
    "gasoline", "hvo", "hvo100", "biodiesel", "rme", "fame", "b100", "ethanol", "e85", "ed95",
    "methanol", "lpg", "propane", "natural_gas", "cng", "lng", "biogas", "biomethane", "hydrogen",
    "fuel_oil", "heating_oil", "kerosene", "jet_fuel", "pellets", "wood_pellets", "wood_chips",
    "firewood", "coal",
})
# fmt: on


def resource_category(resource: PreparedResource) -> str:
    """``"energy"`` for an energy resource, else ``"water_and_resources"``.

    A resource is energy when its canonical unit is an energy unit (kWh, MJ ...) or when it is a
    known energy carrier priced by volume or mass (diesel in l, pellets in kg): classifying diesel
    as "water and other resources" would misstate both the cost breakdown and module B6/B7.

    Example: electricity in kWh -> energy; diesel in l -> energy;
    water in m**3 -> water_and_resources.
    """
    if resource.unit.strip() in ENERGY_UNITS or resource.name.strip().lower() in ENERGY_CARRIERS:
        return "energy"
    return "water_and_resources"


@dataclass(frozen=True, slots=True)
class ResourceYears:
    """Where a priced resource's use is booked and what one unit of use costs and emits a year."""

    #: Index into :data:`tco.prepared.CATEGORIES` (energy or water_and_resources).
    category: int
    #: Index into :data:`tco.prepared.MODULES` (b6 or b7).
    module: int
    #: Money per unit of use in each year 0..N (0 in year 0).
    price: FloatArray
    #: kgCO2e per unit of use in each year 0..N (0 in year 0).
    factor: FloatArray


def resource_years(method: PreparedMethod, name: str) -> ResourceYears:
    """Category, module, price and emission factor per unit of use of a priced resource.

    Formula: ``price(t) = p x index(e, tau(t))`` for t = 1..N, where ``tau(t)`` is the payment
    time of a recurring amount (:func:`tco.finance.payment_times`) and ``index`` the escalation
    from the base date (:func:`tco.finance.escalation_index`); ``factor(t)`` the method's
    emission factor of year t. Year 0 has neither (use runs years 1..N).

    Example: electricity at 1.0 a kWh escalating 2 %, END_OF_YEAR, N = 2:
    ``price = [0, 1.02, 1.0404]``, category ``energy``, module ``b6``.
    """
    resource = method.resources.get(name)
    if resource is None:
        raise KeyError(f"resource {name!r} is not priced by the method")
    n = method.study_period_years
    columns = np.arange(n + 1, dtype=np.float64)
    service = columns >= 1.0  # years 1..N
    index = escalation_index(
        np.asarray(resource.escalation_rates, dtype=np.float64),
        payment_times(method.timing, columns, True),
    )
    prices = np.where(service, resource.price * index, 0.0)
    factors = np.where(service, np.asarray(resource.emission_factor, dtype=np.float64), 0.0)
    category = resource_category(resource)
    module = "b6" if category == "energy" else "b7"
    return ResourceYears(
        CATEGORIES.index(category),
        MODULES.index(module),
        np.asarray(prices, dtype=np.float64),
        np.asarray(factors, dtype=np.float64),
    )
