"""The tender as the buyer and the tenderers state it: frozen dataclasses, units as strings.

These mirror the v1 contract (``proto/tcoapi/v1/tender.proto``) field for field, with the same
field names, so that a validation error's path (``bids[2].items[0].resource_use[0].amount.unit``)
is the same in Python and on the wire. Nothing here is checked or converted: that is the job of
:mod:`tco.validate`, which turns a :class:`Tender` into a :class:`tco.prepared.PreparedTender`
(canonical floats) or raises :class:`tco.errors.InvalidTender` naming every bad field.

Two tiers, as LOU 16 kap. / Directive 2014/24/EU Art. 68 require: the :class:`Method` is the
buyer's published parameters, fixed before bids arrive; a :class:`Bid` carries tenderer data only.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Quantity:
    """A magnitude and its unit string, e.g. ``Quantity(1.35, "SEK/kWh")``.

    The magnitude is a number, never text; the unit must pass :mod:`tco.units`' grammar.
    """

    value: float
    unit: str


class RateBasis(enum.Enum):
    """Whether the discount and escalation rates are real (default) or nominal."""

    REAL = "real"
    NOMINAL = "nominal"


class Timing(enum.Enum):
    """When within a year recurring amounts are paid. See :mod:`tco.finance`."""

    END_OF_YEAR = "end_of_year"
    MID_YEAR = "mid_year"
    BEGINNING_OF_YEAR = "beginning_of_year"


class ModelKind(enum.Enum):
    """How the comparison number is formed from the total cost. See :mod:`tco.models`."""

    COST = "cost"
    DEDUCTIONS = "deductions"
    FICTIVE_DISCOUNT = "fictive_discount"
    EXTERNALITY_FACTOR = "externality_factor"


@dataclass(frozen=True, slots=True)
class ResourcePrice:
    resource: str
    price: Quantity | None = None
    #: None: not given (0 in a real analysis; required in a nominal one).
    escalation: float | None = 0.0
    yearly_escalation: tuple[float, ...] = ()


@dataclass(frozen=True, slots=True)
class EmissionFactorPoint:
    year: int
    factor: Quantity | None = None


@dataclass(frozen=True, slots=True)
class EmissionFactor:
    resource: str
    factor: Quantity | None = None
    basis: str = ""
    trajectory: tuple[EmissionFactorPoint, ...] = ()
    reference_id: str = ""


@dataclass(frozen=True, slots=True)
class CarbonPricePoint:
    year: int
    price: Quantity | None = None


@dataclass(frozen=True, slots=True)
class CarbonPrice:
    """Exactly one of ``series_id``, ``price`` or ``points``."""

    series_id: str = ""
    price: Quantity | None = None
    points: tuple[CarbonPricePoint, ...] = ()
    undiscounted: bool = False


@dataclass(frozen=True, slots=True)
class PollutantPrice:
    pollutant: str
    price: Quantity | None = None
    undiscounted: bool = False


@dataclass(frozen=True, slots=True)
class LadderStep:
    level: int
    discount: float


# --- deductions the method fixes (issue #14: the mervärdesmodell's table) -----------------


@dataclass(frozen=True, slots=True)
class DeductionLevel:
    """One level of a deduction criterion and the money deduction the method fixes for it."""

    level: str
    amount: Quantity | None = None


@dataclass(frozen=True, slots=True)
class DeductionCriterion:
    """A criterion of the DEDUCTIONS model (mervärdesmodell) and its levels."""

    criterion: str
    levels: tuple[DeductionLevel, ...] = ()


# --- end of the deductions block ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EvaluationModel:
    kind: ModelKind = ModelKind.COST
    ladder: tuple[LadderStep, ...] = ()
    #: None: not given (required by EXTERNALITY_FACTOR, ignored otherwise).
    externality_factor: float | None = 0.0
    #: Always refused when set (HFD 2022 ref. 41); kept so the refusal can name the field.
    price_threshold: Quantity | None = None
    #: DEDUCTIONS: the published table of criteria, levels and money deductions.
    deduction_criteria: tuple[DeductionCriterion, ...] = ()


@dataclass(frozen=True, slots=True)
class Method:
    """The buyer's published evaluation parameters.

    A number that the contract gives explicit presence (``optional double``) is ``None`` here when
    the request left it out: validation then refuses it where it is required (``discount_rate``;
    ``inflation_rate`` of a nominal analysis ...) instead of reading it as zero.
    """

    currency: str
    base_year: int
    study_period_years: int
    discount_rate: float | None
    rate_basis: RateBasis = RateBasis.REAL
    inflation_rate: float | None = 0.0
    timing: Timing = Timing.END_OF_YEAR
    resource_prices: tuple[ResourcePrice, ...] = ()
    emission_factors: tuple[EmissionFactor, ...] = ()
    carbon_price: CarbonPrice | None = None
    exchange_rates: Mapping[str, float] = field(default_factory=dict)
    evaluation_model: EvaluationModel = EvaluationModel()
    baseline_bid_id: str = ""
    include_module_d: bool = False
    functional_unit: str = ""
    pollutant_prices: tuple[PollutantPrice, ...] = ()
    #: Year whose prices the method's money is in (0: ``base_year``); reference values in other
    #: years' prices are re-based to it (:mod:`tco.price_base`).
    price_base_year: int = 0
    #: Opt out of re-basing: reference values are used at face value (and the result says so).
    use_face_values: bool = False


@dataclass(frozen=True, slots=True)
class ResourceUse:
    """Consumption per year, or per unit of ``activity`` (``activity`` is per year)."""

    resource: str
    amount: Quantity | None = None
    activity: Quantity | None = None


@dataclass(frozen=True, slots=True)
class PollutantEmission:
    pollutant: str
    amount: Quantity | None = None
    activity: Quantity | None = None


@dataclass(frozen=True, slots=True)
class Emissions:
    """Embodied climate impact of one unit by EN 15978 module (CO2e mass each)."""

    a1_a3: Quantity | None = None
    a4: Quantity | None = None
    a5: Quantity | None = None
    c1_c4: Quantity | None = None
    d: Quantity | None = None


@dataclass(frozen=True, slots=True)
class CostStream:
    name: str = ""
    category: str = ""
    amount: Quantity | None = None
    first_year: int = 0
    every_years: int = 0
    last_year: int = 0
    #: None: not given (0 in a real analysis; required in a nominal one).
    escalation: float | None = 0.0
    life: Quantity | None = None
    emissions: Quantity | None = None
    emissions_module: str = ""


@dataclass(frozen=True, slots=True)
class Item:
    """One kind of goods; amounts are per unit, ``quantity`` multiplies them."""

    name: str = ""
    #: Required on the wire (None: left out, a violation).
    quantity: float | None = 1.0
    #: Required (None: left out, a violation); service_life is required when the item has a
    #: purchase cost (unit price or installation cost > 0).
    unit_price: Quantity | None = None
    installation_cost: Quantity | None = None
    service_life: Quantity | None = None
    resource_use: tuple[ResourceUse, ...] = ()
    maintenance_cost: Quantity | None = None
    warranty: Quantity | None = None
    end_of_life_cost: Quantity | None = None
    residual_value: Quantity | None = None
    emissions: Emissions = Emissions()
    costs: tuple[CostStream, ...] = ()
    pollutant_emissions: tuple[PollutantEmission, ...] = ()
    #: Escalation per year of the unit price and installation cost (a replacement at t is
    #: bought at ``(1 + e)^t`` times the base-year price); real or nominal by the method's
    #: rate basis, like every escalation (Fisher in a nominal analysis). None (not stated):
    #: replacements at the base-year price level in real terms (0 real).
    price_escalation: float | None = None


@dataclass(frozen=True, slots=True)
class Deduction:
    """A level the bid claims for one of the method's deduction criteria.

    ``amount`` is the old bid-stated deduction, kept readable for compatibility only: refused
    unless it equals the method's amount for the claimed level (:mod:`tco.validate.deductions`).
    """

    criterion: str
    amount: Quantity | None = None
    level: str = ""


@dataclass(frozen=True, slots=True)
class Circularity:
    """Ellen MacArthur Foundation MCI inputs (fractions 0..1). See :mod:`tco.circularity`."""

    mass: Quantity | None = None
    recycled_input: float = 0.0
    reused_input: float = 0.0
    sustainable_bio_input: float = 0.0
    collected_for_recycling: float = 0.0
    collected_for_reuse: float = 0.0
    collected_for_composting: float = 0.0
    collected_for_energy_recovery: float = 0.0
    recycling_efficiency_collection: float = 0.0
    recycling_efficiency_feedstock: float = 0.0
    lifetime_ratio: float = 0.0
    use_intensity_ratio: float = 0.0


@dataclass(frozen=True, slots=True)
class Bid:
    """One tenderer's bid: tenderer data only."""

    id: str
    supplier: str = ""
    items: tuple[Item, ...] = ()
    costs: tuple[CostStream, ...] = ()
    deductions: tuple[Deduction, ...] = ()
    ladder_level: int = 0
    circularity: Circularity | None = None
    functional_units_delivered: float = 0.0


@dataclass(frozen=True, slots=True)
class Tender:
    """A method and the bids to evaluate under it."""

    method: Method
    bids: tuple[Bid, ...]
