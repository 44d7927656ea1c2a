"""A settlement period's deviation from the adjusted promise, valued, and the clause's outcome.

For consumption (more is worse), with O observed and E the adjusted promise
(:func:`tco.followup.adjust.expected_use`), t the tolerance band, p the contract's price per
unit, g the emission factor and c the carbon price, all in the contract's price basis:

    deviation  Δ = O − E              share δ = Δ / E
    money      Δ · p                  climate   Δ · g (kgCO2e), Δ · g · c (money)

Outcome, by the contract's clause:
- |δ| ≤ t: WITHIN_BAND, nothing is paid;
- δ > t:   SHORTFALL. SHORTFALL_PAYMENT and BONUS_SHARE: the supplier pays
  (O − E·(1 + t)) · p (only the excess beyond the band; the whole Δ · p when the clause says
  ``excess_only=False``; plus the climate value when ``include_climate``); SANCTION: the supplier
  pays factor × the award advantage the promise earned (the Dutch CO2 performance ladder's 1.5×);
- δ < −t:  SAVINGS. BONUS_SHARE: the buyer pays share · (E·(1 − t) − O) · p; otherwise nothing.

``amount`` > 0 is paid by the supplier to the buyer, < 0 by the buyer to the supplier.

Worked example (a lighting contract): 40 000 kWh/year promised, 46 000 observed, band 5 %,
1.20 SEK/kWh, 0.059 kgCO2e/kWh: Δ = 6 000 kWh (15 %), valued 7 200 SEK and 354 kgCO2e; the
supplier pays (46 000 − 42 000) · 1.20 = 4 800 SEK.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass


class ClauseKind(enum.Enum):
    """What the contract says happens outside the tolerance band."""

    REPORT_ONLY = "report_only"
    SHORTFALL_PAYMENT = "shortfall_payment"
    BONUS_SHARE = "bonus_share"
    SANCTION = "sanction"


class Outcome(enum.Enum):
    """Where the period's observation fell."""

    WITHIN_BAND = "within_band"
    SHORTFALL = "shortfall"
    SAVINGS = "savings"


@dataclass(frozen=True)
class Clause:
    """The contract's terms for one promise."""

    kind: ClauseKind = ClauseKind.SHORTFALL_PAYMENT
    tolerance: float = 0.0
    excess_only: bool = True
    include_climate: bool = False
    bonus_share: float = 0.0
    sanction_factor: float = 1.5
    award_advantage: float = 0.0


@dataclass(frozen=True)
class Valuation:
    """The contract's price basis: money per unit, kgCO2e per unit, money per kgCO2e."""

    price: float
    emission_factor: float = 0.0
    carbon_price: float = 0.0


@dataclass(frozen=True)
class Settlement:
    """The outcome of one promise in one settlement period."""

    observed: float
    expected: float
    deviation: float
    deviation_share: float
    deviation_value: float
    deviation_co2e: float
    deviation_climate_value: float
    outcome: Outcome
    amount: float


def _check(clause: Clause, valuation: Valuation, observed: float, expected: float) -> None:
    numbers = {
        "observed": observed,
        "expected": expected,
        "price": valuation.price,
        "emission factor": valuation.emission_factor,
        "carbon price": valuation.carbon_price,
        "award advantage": clause.award_advantage,
    }
    for name, value in numbers.items():
        if not math.isfinite(value) or value < 0.0:
            raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    if expected == 0.0:
        raise ValueError("the adjusted promise is 0: nothing to settle against")
    if not 0.0 <= clause.tolerance < 1.0:
        raise ValueError(f"the tolerance band must be within 0..1, got {clause.tolerance}")
    if not 0.0 <= clause.bonus_share <= 1.0:
        raise ValueError(f"the bonus share must be within 0..1, got {clause.bonus_share}")
    if not clause.sanction_factor >= 0.0:
        raise ValueError(f"the sanction factor must be >= 0, got {clause.sanction_factor}")


def settle(observed: float, expected: float, clause: Clause, valuation: Valuation) -> Settlement:
    """The deviation, its values and the clause's outcome (the module's formulas).

    >>> s = settle(46_000.0, 40_000.0, Clause(tolerance=0.05), Valuation(1.20, 0.059))
    >>> s.outcome.value, round(s.deviation_share, 4), round(s.amount, 2), round(s.deviation_co2e, 3)
    ('shortfall', 0.15, 4800.0, 354.0)
    """
    _check(clause, valuation, observed, expected)
    deviation = observed - expected
    share = deviation / expected
    unit_value = valuation.price + (
        valuation.emission_factor * valuation.carbon_price if clause.include_climate else 0.0
    )
    amount = 0.0
    if share > clause.tolerance:
        outcome = Outcome.SHORTFALL
        excess = observed - expected * (1.0 + clause.tolerance) if clause.excess_only else deviation
        if clause.kind in (ClauseKind.SHORTFALL_PAYMENT, ClauseKind.BONUS_SHARE):
            amount = excess * unit_value
        elif clause.kind is ClauseKind.SANCTION:
            amount = clause.sanction_factor * clause.award_advantage
    elif share < -clause.tolerance:
        outcome = Outcome.SAVINGS
        if clause.kind is ClauseKind.BONUS_SHARE:
            saved = expected * (1.0 - clause.tolerance) - observed
            amount = -clause.bonus_share * saved * unit_value
    else:
        outcome = Outcome.WITHIN_BAND
    co2e = deviation * valuation.emission_factor
    return Settlement(
        observed=observed,
        expected=expected,
        deviation=deviation,
        deviation_share=share,
        deviation_value=deviation * valuation.price,
        deviation_co2e=co2e,
        deviation_climate_value=co2e * valuation.carbon_price,
        outcome=outcome,
        amount=amount,
    )
