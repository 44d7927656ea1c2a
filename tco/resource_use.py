"""Resource use: which resources are energy, and their price and emission factor by year.

A resource use (kWh of electricity, litres of diesel, m3 of water a year) costs use x price x
escalation index and emits use x emission factor of the year, in study years 1..N. Its cost goes
to ``energy`` for an energy resource and to ``water_and_resources`` otherwise; its emissions to
EN 15978 module B6 (operational energy) or B7 (operational water and other resources) likewise.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tco.finance import escalation_index
from tco.prepared import CATEGORIES, MODULES, PreparedMethod, PreparedResource

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

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
    """Where each of some priced resources is booked and what a unit of use costs and emits."""

    #: Per resource: index into :data:`tco.prepared.CATEGORIES` (energy or water_and_resources).
    category: IntArray
    #: Per resource: index into :data:`tco.prepared.MODULES` (b6 or b7).
    module: IntArray
    #: Money per unit of use, (resources, N + 1) (0 in year 0).
    price: FloatArray
    #: kgCO2e per unit of use, (resources, N + 1) (0 in year 0).
    factor: FloatArray


def resource_years(
    method: PreparedMethod, names: Sequence[str], recurring_times: FloatArray
) -> ResourceYears:
    """Category, module, price and emission factor per unit of use of priced resources.

    Formula: ``price(t) = p x index(e, tau(t))`` for t = 1..N, where ``tau(t) =
    recurring_times[t]`` is the payment time of the recurring amount of year t
    (:func:`tco.finance.payment_times`) and ``index`` the escalation from the base date
    (:func:`tco.finance.escalation_index`; the resources' yearly series in one call when they
    have one length); ``factor(t)`` the method's emission factor of year t. Year 0 has neither
    (use runs years 1..N).

    Example: electricity at 1.0 a kWh escalating 2 %, END_OF_YEAR, N = 2:
    ``price = [[0, 1.02, 1.0404]]``, category ``energy``, module ``b6``.
    """
    missing = [name for name in names if name not in method.resources]
    if missing:
        raise KeyError(f"resource {missing[0]!r} is not priced by the method")
    resources = [method.resources[name] for name in names]
    key = tuple(
        (
            r.price,
            resource_category(r) == "energy",
            _array_key(r.escalation_rates),
            _array_key(r.emission_factor),
        )
        for r in resources
    )
    return _resource_years(key, _array_key(recurring_times))


#: A float64 array by value: its bytes and shape.
_ArrayKey = tuple[bytes, tuple[int, ...]]


def _array_key(values: FloatArray | float) -> _ArrayKey:
    array = np.asarray(values, dtype=np.float64)
    return array.tobytes(), array.shape


def _array_of(key: _ArrayKey) -> FloatArray:
    return np.frombuffer(key[0], dtype=np.float64).reshape(key[1])


@functools.lru_cache(maxsize=256)
def _resource_years(
    resources: tuple[tuple[float, bool, _ArrayKey, _ArrayKey], ...], times: _ArrayKey
) -> ResourceYears:
    """:func:`resource_years` by value, remembered (bounded; the arrays are read-only): the
    method's resources recur call after call. Buys 0.07 ms of the typical tender's 1.5 ms engine
    step (the RPC ratio's margin under 13x)."""
    recurring_times = _array_of(times)
    rates = [_array_of(r[2]) for r in resources]
    if len({rate.shape for rate in rates}) == 1 and rates[0].ndim == 1:
        index = escalation_index(np.stack(rates), recurring_times)
    else:
        index = np.stack([escalation_index(rate, recurring_times) for rate in rates])
    service = np.arange(recurring_times.size) >= 1  # years 1..N
    unit_price = np.array([r[0] for r in resources], dtype=np.float64)[:, None]
    factor = np.stack([np.broadcast_to(_array_of(r[3]), recurring_times.shape) for r in resources])
    energy = np.array([r[1] for r in resources], dtype=bool)
    out = ResourceYears(
        category=np.where(energy, _ENERGY, _WATER_AND_RESOURCES),
        module=np.where(energy, _B6, _B7),
        price=np.asarray(np.where(service, unit_price * index, 0.0), dtype=np.float64),
        factor=np.asarray(np.where(service, factor, 0.0), dtype=np.float64),
    )
    for array in (out.category, out.module, out.price, out.factor):
        array.setflags(write=False)
    return out


_ENERGY, _WATER_AND_RESOURCES = CATEGORIES.index("energy"), CATEGORIES.index("water_and_resources")
_B6, _B7 = MODULES.index("b6"), MODULES.index("b7")
