"""The promise adjusted to the period's actual conditions (IPMVP's routine adjustments).

A commitment states consumption per year at reference conditions; a settlement period is
judged against the promise scaled to what actually happened in it:

- ``NONE``:        E = P · f
- ``ACTIVITY``:    E = P · A / A_ref            (the promise per unit of activity × actual activity)
- ``DEGREE_DAYS``: E = P · ((1 − w) · f + w · DD / DD_normal)
- ``REGRESSION``:  as ``DEGREE_DAYS`` with w from a fitted baseline (:func:`weather_share`)

with P the promised consumption per year, f the period's length in years, A the period's actual
activity (km, operating hours, patient-days …) and A_ref the yearly activity the promise was
stated for, DD the period's heating (or cooling) degree days, DD_normal the normal year's, and w
the weather-dependent share of the promise (space heating; 1 − w is hot water, fans, base load).

Worked example (a heating contract): P = 100 000 kWh/year at DD_normal = 3 500, w = 0.8.
A cold year, DD = 4 200: E = 100 000 · (0.2 + 0.8 · 1.2) = 116 000 kWh, so 112 000 kWh observed
is within the promise although it is 12 % over the raw one. A mild year, DD = 2 800:
E = 100 000 · (0.2 + 0.8 · 0.8) = 84 000 kWh, so 95 000 kWh observed is 13.1 % over although it
is 5 % under the raw promise.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

from tco.followup.baseline import Baseline


class Normalisation(enum.Enum):
    """How a promise is adjusted to actual conditions."""

    NONE = "none"
    ACTIVITY = "activity"
    DEGREE_DAYS = "degree_days"
    REGRESSION = "regression"


@dataclass(frozen=True)
class Promise:
    """One promised consumption of a commitment, at its reference conditions."""

    per_year: float
    normalisation: Normalisation = Normalisation.NONE
    reference_activity_per_year: float = 0.0
    normal_degree_days_per_year: float = 0.0
    weather_share: float = 1.0
    baseline: Baseline | None = None
    baseline_periods_per_year: int = 12


@dataclass(frozen=True)
class Conditions:
    """What actually happened in a settlement period."""

    years: float
    activity: float | None = None
    degree_days: float | None = None


def weather_share(baseline: Baseline, normal_degree_days: float, periods_per_year: int) -> float:
    """The weather-dependent share of a normal year's energy under a fitted baseline:

        w = b · DD_normal / (a · k + b · DD_normal)     (k periods a year)

    >>> from tco.followup.baseline import fit_baseline
    >>> b = fit_baseline([100.0, 200.0, 300.0, 400.0], [1100.0, 2050.0, 3100.0, 3950.0])
    >>> round(weather_share(b, 3000.0, 12), 4)   # 9.6·3000 / (150·12 + 9.6·3000)
    0.9412
    """
    weather = baseline.slope * normal_degree_days
    total = baseline.intercept * periods_per_year + weather
    if not total > 0.0:
        raise ValueError("the baseline gives no positive energy for a normal year")
    return min(1.0, max(0.0, weather / total))


def _need(value: float | None, name: str) -> float:
    if value is None or not math.isfinite(value) or value < 0.0:
        raise ValueError(f"{name} must be a finite number >= 0 for this normalisation")
    return value


def expected_use(promise: Promise, conditions: Conditions) -> float:
    """The promise adjusted to ``conditions`` (the module's formulas).

    >>> heating = Promise(100_000.0, Normalisation.DEGREE_DAYS, normal_degree_days_per_year=3500.0,
    ...                   weather_share=0.8)
    >>> round(expected_use(heating, Conditions(years=1.0, degree_days=4200.0)), 6)
    116000.0
    >>> km = Promise(20_000.0, Normalisation.ACTIVITY, reference_activity_per_year=40_000.0)
    >>> expected_use(km, Conditions(years=0.5, activity=25_000.0))  # 0.5 kWh/km x 25 000 km
    12500.0
    """
    f = _need(conditions.years, "the period's length in years")
    kind = promise.normalisation
    if kind is Normalisation.NONE:
        return promise.per_year * f
    if kind is Normalisation.ACTIVITY:
        reference = promise.reference_activity_per_year
        if not reference > 0.0:
            raise ValueError("an activity-normalised promise needs its reference activity > 0")
        return promise.per_year * _need(conditions.activity, "the actual activity") / reference
    normal = promise.normal_degree_days_per_year
    if not normal > 0.0:
        raise ValueError("a weather-normalised promise needs the normal year's degree days > 0")
    share = promise.weather_share
    if kind is Normalisation.REGRESSION:
        if promise.baseline is None:
            raise ValueError("a regression-normalised promise needs its baseline")
        share = weather_share(promise.baseline, normal, promise.baseline_periods_per_year)
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"the weather share must be within 0..1, got {share}")
    degree_days = _need(conditions.degree_days, "the period's degree days")
    return promise.per_year * ((1.0 - share) * f + share * degree_days / normal)


def raw_promise(promise: Promise, conditions: Conditions) -> float:
    """The promise for the period without adjustment: P · f (the other column of the report)."""
    return promise.per_year * _need(conditions.years, "the period's length in years")
