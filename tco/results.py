"""What the engine returns: frozen dataclasses mirroring ``proto/tcoapi/v1/result.proto``.

Money figures here are already rounded half-up to the currency's minor unit
(:func:`tco.rounding.round_money`), so the Python API, the service and the reports show the same
numbers. The yearly cash flows are kept as numpy arrays (categories x years) and turned into a
pandas table only on request (:meth:`BidResult.cash_flow_table`).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

FloatArray = npt.NDArray[np.float64]


class MeasureStatus(enum.Enum):
    """Whether a measure has a value, and why not (never NaN, never 0 as a stand-in)."""

    OK = "ok"
    IS_BASELINE = "is_baseline"
    NO_ADDITIONAL_INVESTMENT = "no_additional_investment"
    NEVER_PAYS_BACK = "never_pays_back"
    NO_EMISSION_REDUCTION = "no_emission_reduction"
    NO_SAVINGS = "no_savings"


@dataclass(frozen=True, slots=True)
class Measures:
    """ASTM E917/E964/E1057/E1074 measures of one bid against the baseline bid."""

    baseline_bid_id: str
    net_savings: float
    additional_investment: float
    operational_savings: float
    sir: float | None
    sir_status: MeasureStatus
    airr: float | None
    airr_status: MeasureStatus
    simple_payback_years: int | None
    simple_payback_status: MeasureStatus
    discounted_payback_years: int | None
    discounted_payback_status: MeasureStatus
    #: Money per tCO2e avoided.
    abatement_cost: float | None
    abatement_cost_status: MeasureStatus
    #: The discount rate d of ``airr`` and its basis ("real" or "nominal": the method's; a
    #: nominal analysis gives a nominal AIRR at the stated nominal rate, as BLCC 5.3).
    discount_rate: float = 0.0
    rate_basis: str = "real"


@dataclass(frozen=True, slots=True)
class Warning:
    """The numbers stand, but a reader should know this."""

    code: str
    message: str
    bid_id: str = ""


@dataclass(frozen=True, slots=True)
class Explanation:
    """How one figure was formed: formula and inputs, for the review court."""

    quantity: str
    formula: str
    value: float
    inputs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BidResult:
    bid_id: str
    supplier: str
    rank: int
    tied: bool
    life_cycle_cost: float
    life_cycle_cost_undiscounted: float
    climate_cost: float
    externality_cost: float
    deductions: float
    evaluated_cost: float
    difference_to_best: float
    difference_to_best_percent: float
    annual_value: float
    cost_by_category: Mapping[str, float]
    #: kgCO2e by module (module d always reported here, even when not in the total).
    emissions_by_module: Mapping[str, float]
    emissions_total: float
    #: kgCO2e by study year 0..N (module d only when the method includes it).
    emissions_by_year: tuple[float, ...]
    measures: Measures | None
    material_circularity: float | None
    cost_per_functional_unit: float | None
    explanations: tuple[Explanation, ...]
    #: Row labels of the cash-flow arrays: cost categories, then "climate" and "pollutants".
    cash_flow_categories: tuple[str, ...]
    #: Calendar year of each column (base_year + t).
    calendar_years: tuple[int, ...]
    #: Rounded undiscounted cash flows, shape (len(cash_flow_categories), N + 1).
    cash_flow_undiscounted: FloatArray
    #: Rounded present values, same shape.
    cash_flow_discounted: FloatArray

    def cash_flow_table(self) -> pd.DataFrame:
        """Long table: one row per (year, category) with a non-zero flow.

        Columns: year, calendar_year, category, undiscounted, discounted.
        """
        n_cat, n_years = self.cash_flow_undiscounted.shape
        years = np.tile(np.arange(n_years), n_cat)
        cats = np.repeat(np.array(self.cash_flow_categories, dtype=object), n_years)
        und = self.cash_flow_undiscounted.reshape(-1)
        disc = self.cash_flow_discounted.reshape(-1)
        keep = (und != 0.0) | (disc != 0.0)
        return pd.DataFrame(
            {
                "year": years[keep],
                "calendar_year": np.asarray(self.calendar_years)[years[keep]],
                "category": cats[keep],
                "undiscounted": und[keep],
                "discounted": disc[keep],
            }
        )


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The outcome of :func:`tco.evaluate.evaluate`: results sorted by rank, best first."""

    results: tuple[BidResult, ...]
    warnings: tuple[Warning, ...]
    currency: str
    method_digest: str
    request_digest: str
    engine_version: str
    #: True when only validation ran (``results`` is empty).
    validated_only: bool = False
    #: Basis of the rate-derived results (annual value, AIRR): the method's, "real" or
    #: "nominal", and the discount rate they use (:func:`tco.finance.analysis_discount_rate`).
    rate_basis: str = "real"
    analysis_discount_rate: float = 0.0
    #: SHA-256 (hex) of the canonical prepared inputs, engine and data version (docs/digest.md).
    evaluation_digest: str = ""
    #: Version of the reference data used (:data:`tco.digest.DATA_VERSION`).
    data_version: str = ""

    def ranking_table(self) -> pd.DataFrame:
        """One row per bid in rank order with the headline figures."""
        return pd.DataFrame(
            [
                {
                    "rank": r.rank,
                    "bid_id": r.bid_id,
                    "supplier": r.supplier,
                    "tied": r.tied,
                    "life_cycle_cost": r.life_cycle_cost,
                    "climate_cost": r.climate_cost,
                    "externality_cost": r.externality_cost,
                    "deductions": r.deductions,
                    "evaluated_cost": r.evaluated_cost,
                    "difference_to_best": r.difference_to_best,
                    "emissions_total_kg": r.emissions_total,
                }
                for r in self.results
            ]
        )
