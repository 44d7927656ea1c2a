"""The tender after validation: canonical floats the engine can trust.

:func:`tco.validate.prepare` turns a :class:`tco.inputs.Tender` into a :class:`PreparedTender`.
Everything here is finite, in range and in canonical units, so the engine never checks again:

- money: the method's currency (exchange rates already applied);
- time: years (months / 12 ...);
- climate impact: kgCO2e;
- pollutant mass: kg;
- a resource: its own canonical unit (``PreparedResource.unit``, e.g. ``kWh`` for energy, ``l`` for
  volume, ``kg`` for mass), the same for its price, its emission factor and every bid's use of it.

Rates are **real** here: in a nominal analysis validation has already applied Fisher,
``(1 + d_real) = (1 + d_nominal) / (1 + inflation)``, to the discount rate and to every escalation
rate, and kept ``inflation_rate`` so nominal cash flows can be reported. (Present values are the
same either way; residual values get their nominal adjustment for free, bug class 5.)

Years are study years t = 0..N (N = ``study_period_years``); arrays indexed by year have N + 1
entries. Escalation rate arrays have N entries: entry i is the rate of year i + 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

from tco.inputs import ModelKind, RateBasis, Timing
from tco.price_base import Rebased

FloatArray = npt.NDArray[np.float64]

#: Cost categories, in report order. Residual value is booked as a negative cost.
CATEGORIES: tuple[str, ...] = (
    "acquisition",
    "installation",
    "energy",
    "water_and_resources",
    "maintenance",
    "operation",
    "replacement",
    "end_of_life",
    "residual_value",
    "other",
)

#: Categories that are investment-related for SIR/AIRR (ASTM E964); the rest is operational.
INVESTMENT_CATEGORIES: frozenset[str] = frozenset(
    {"acquisition", "installation", "replacement", "residual_value"}
)

#: EN 15978 / EN 15804 modules, in report order. ``d`` is outside totals unless the method says.
MODULES: tuple[str, ...] = ("a1_a3", "a4", "a5", "b1_b3", "b4", "b5", "b6", "b7", "c1_c4", "d")

#: EN 15978 module of a cost stream's emissions when the stream names none, by its category
#: (tender.proto, ``CostStream.emissions_module``); any other category: ``b1_b3``.
MODULE_BY_CATEGORY: Mapping[str, str] = MappingProxyType(
    {
        "replacement": "b4",
        "acquisition": "a1_a3",
        "installation": "a5",
        "end_of_life": "c1_c4",
        "energy": "b6",
        "water_and_resources": "b7",
    }
)


def default_module(category: str) -> str:
    """The module of a stream's emissions when it names none: the one rule, used by validation.

    Example: ``default_module("energy") == "b6"``; ``default_module("other") == "b1_b3"``.
    """
    return MODULE_BY_CATEGORY.get(category, "b1_b3")


@dataclass(frozen=True, slots=True)
class PreparedResource:
    """A priced resource, all in its canonical unit."""

    name: str
    #: Canonical unit of the resource (``kWh``, ``l``, ``m**3``, ``kg`` ...), for explanations.
    unit: str
    #: Price per canonical unit at base-year level, method currency.
    price: float
    #: Real escalation of each year 1..N, shape (N,).
    escalation_rates: FloatArray
    #: kgCO2e per canonical unit in each study year 0..N, shape (N + 1,); zeros when no factor.
    emission_factor: FloatArray
    #: Basis of the emission factor ("" when none was given).
    emission_basis: str
    #: Where the factor came from: a reference id, "method", or "" when none.
    emission_source: str


@dataclass(frozen=True, slots=True)
class PreparedCarbonPrice:
    #: Method currency per kgCO2e in each study year 0..N, shape (N + 1,).
    price_per_kg: FloatArray
    undiscounted: bool
    #: "series:<id>", "constant" or "points".
    source: str
    #: Calendar years of the study that lie outside the given points (held flat), for a warning.
    extrapolated_years: tuple[int, ...]
    #: Price-base year of a reference series (0 when unknown / not a series).
    price_base_year: int
    #: How the series' values were brought to the method's price-base year (None: not a
    #: reference series). See :mod:`tco.price_base`.
    rebased: Rebased | None = None


@dataclass(frozen=True, slots=True)
class PreparedPollutantPrice:
    pollutant: str
    #: Method currency per kg.
    price_per_kg: float
    undiscounted: bool


@dataclass(frozen=True, slots=True)
class PreparedModel:
    kind: ModelKind
    #: Fictive discount by ladder level (FICTIVE_DISCOUNT).
    ladder: Mapping[int, float]
    externality_factor: float


@dataclass(frozen=True, slots=True)
class PreparedMethod:
    currency: str
    #: Digits of the currency's minor unit (SEK 2, JPY 0), for rounding on output.
    minor_unit_digits: int
    base_year: int
    study_period_years: int
    #: Real discount rate (Fisher applied in a nominal analysis).
    discount_rate: float
    #: The discount rate as the method stated it (real or nominal).
    stated_discount_rate: float
    rate_basis: RateBasis
    #: General inflation (0 in a real analysis).
    inflation_rate: float
    timing: Timing
    resources: Mapping[str, PreparedResource]
    carbon_price: PreparedCarbonPrice | None
    pollutant_prices: Mapping[str, PreparedPollutantPrice]
    model: PreparedModel
    #: Baseline bid id, "" for none.
    baseline_bid_id: str
    include_module_d: bool
    functional_unit: str
    #: Year whose prices the method's money is in (its base year unless it states another).
    price_base_year: int = 0
    #: The method opted out of re-basing reference values ("use face values").
    use_face_values: bool = False


@dataclass(frozen=True, slots=True)
class PreparedStream:
    """A generic cost stream in canonical units (amounts per occurrence, whole quantity)."""

    name: str
    #: One of :data:`CATEGORIES`.
    category: str
    #: Money per occurrence at base-year level.
    amount: float
    first_year: int
    #: 0 = once, k = every k years.
    every_years: int
    #: Last possible year, resolved (<= N).
    last_year: int
    #: Real escalation per year, compounded from the base date.
    escalation: float
    #: Life of what the stream buys, years; None when not given.
    life: float | None
    #: kgCO2e per occurrence.
    emissions: float
    #: One of :data:`MODULES`, resolved from the category when not given.
    emissions_module: str


@dataclass(frozen=True, slots=True)
class PreparedResourceUse:
    resource: str
    #: Canonical resource units per year for one unit of the item.
    amount_per_year: float


@dataclass(frozen=True, slots=True)
class PreparedPollutantEmission:
    pollutant: str
    #: kg per year for one unit of the item.
    kg_per_year: float


@dataclass(frozen=True, slots=True)
class PreparedItem:
    """One kind of goods; every amount is per unit (multiply by ``quantity``)."""

    name: str
    quantity: float
    unit_price: float
    installation_cost: float
    #: Years; None = lasts the whole study period (no replacement, no residual value).
    service_life: float | None
    resource_use: tuple[PreparedResourceUse, ...]
    #: Money per year.
    maintenance_per_year: float
    warranty_years: float
    end_of_life_cost: float
    #: Explicit resale / buy-back value at year N, replacing the linear rule; None = linear rule.
    residual_value: float | None
    #: kgCO2e per unit by module: keys a1_a3, a4, a5, c1_c4, d (missing = 0).
    emissions: Mapping[str, float]
    #: Item-level streams, amounts per unit (multiply by quantity), study years.
    costs: tuple[PreparedStream, ...]
    pollutant_emissions: tuple[PreparedPollutantEmission, ...]
    #: Real escalation per year of unit price + installation (replacements, residual value).
    price_escalation: float = 0.0


@dataclass(frozen=True, slots=True)
class PreparedCircularity:
    mass_kg: float
    recycled_input: float
    reused_input: float
    sustainable_bio_input: float
    collected_for_recycling: float
    collected_for_reuse: float
    collected_for_composting: float
    collected_for_energy_recovery: float
    recycling_efficiency_collection: float
    recycling_efficiency_feedstock: float
    lifetime_ratio: float
    use_intensity_ratio: float


@dataclass(frozen=True, slots=True)
class PreparedDeduction:
    criterion: str
    #: The method's amount for the claimed level, method currency.
    amount: float
    #: The level the bid claims ("" in hand-built test data).
    level: str = ""


@dataclass(frozen=True, slots=True)
class PreparedBid:
    id: str
    supplier: str
    items: tuple[PreparedItem, ...]
    costs: tuple[PreparedStream, ...]
    deductions: tuple[PreparedDeduction, ...]
    ladder_level: int
    circularity: PreparedCircularity | None
    #: 0 when the bid states none.
    functional_units_delivered: float


@dataclass(frozen=True, slots=True)
class PreparedTender:
    method: PreparedMethod
    bids: tuple[PreparedBid, ...]
    #: Warnings found while validating (e.g. a resource without emission factor), as
    #: (code, message, bid_id) triples; the engine adds them to its own.
    warnings: tuple[tuple[str, str, str], ...] = ()
