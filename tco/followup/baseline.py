"""A regression baseline: energy ~ degree days, judged by ASHRAE Guideline 14.

Model (ordinary least squares, one regressor, IPMVP Option C's usual form):

    E_i = a + b · x_i          (x: the period's heating or cooling degree days)
    b = Σ(x_i − x̄)(E_i − Ē) / Σ(x_i − x̄)²,   a = Ē − b·x̄

Goodness of fit (ASHRAE Guideline 14-2014, §4.3.2.4 and Annex B; n periods, p = 2 parameters):

    CV(RMSE) = sqrt(Σ(E_i − Ê_i)² / (n − p)) / Ē
    NMBE     = Σ(E_i − Ê_i) / ((n − p) · Ē)

Guideline 14's limits for a calibrated baseline: CV(RMSE) ≤ 15 % and |NMBE| ≤ 5 % on monthly
data; ≤ 30 % and ≤ 10 % on hourly data. An OLS fit with an intercept has NMBE = 0 on its own
data; NMBE matters when a stated baseline is checked against measured periods
(:func:`goodness_of_fit` with any model).

Worked example: degree days [100, 200, 300, 400], energy [1 100, 2 050, 3 100, 3 950] kWh give
b = 480 000 / 50 000 = 9.6 kWh per degree day, a = 2 550 − 9.6 · 250 = 150 kWh; predictions
[1 110, 2 070, 3 030, 3 990], residuals [−10, −20, 70, −40], Σ² = 7 000;
CV(RMSE) = sqrt(7 000 / 2) / 2 550 = 2.32 %, NMBE = 0: within the monthly limits.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass


class Resolution(enum.Enum):
    """The period length of the data, which sets Guideline 14's limits."""

    MONTHLY = "monthly"
    HOURLY = "hourly"


#: Guideline 14's limits (CV(RMSE), |NMBE|) by data resolution, as fractions.
GUIDELINE_14_LIMITS: dict[Resolution, tuple[float, float]] = {
    Resolution.MONTHLY: (0.15, 0.05),
    Resolution.HOURLY: (0.30, 0.10),
}

#: Parameters of the model a + b·x.
PARAMETERS = 2


@dataclass(frozen=True)
class Fit:
    """How well a baseline model describes measured periods."""

    n: int
    cv_rmse: float
    nmbe: float
    resolution: Resolution

    @property
    def meets_guideline_14(self) -> bool:
        """True when CV(RMSE) and |NMBE| are within Guideline 14's limits for the resolution."""
        cv_limit, nmbe_limit = GUIDELINE_14_LIMITS[self.resolution]
        return self.cv_rmse <= cv_limit and abs(self.nmbe) <= nmbe_limit


@dataclass(frozen=True)
class Baseline:
    """E = intercept + slope · degree days, fitted on ``fit.n`` periods."""

    intercept: float
    slope: float
    fit: Fit

    def predict(self, degree_days: float) -> float:
        """The baseline's energy for a period with ``degree_days``."""
        return self.intercept + self.slope * degree_days


def _checked_pairs(x: Sequence[float], y: Sequence[float]) -> None:
    if len(x) != len(y):
        raise ValueError(f"{len(x)} degree-day values for {len(y)} energy values")
    if len(x) <= PARAMETERS:
        raise ValueError(f"a baseline needs more than {PARAMETERS} periods, got {len(x)}")
    if not all(math.isfinite(v) for v in (*x, *y)):
        raise ValueError("degree days and energy must be finite numbers")


def goodness_of_fit(
    observed: Sequence[float],
    predicted: Sequence[float],
    resolution: Resolution = Resolution.MONTHLY,
    parameters: int = PARAMETERS,
) -> Fit:
    """CV(RMSE) and NMBE of ``predicted`` against ``observed`` (Guideline 14's formulas).

    >>> fit = goodness_of_fit([1100.0, 2050.0, 3100.0, 3950.0], [1110.0, 2070.0, 3030.0, 3990.0])
    >>> round(fit.cv_rmse, 4), fit.nmbe, fit.meets_guideline_14
    (0.0232, 0.0, True)
    """
    _checked_pairs(observed, predicted)
    n = len(observed)
    mean = math.fsum(observed) / n
    if mean <= 0.0:
        raise ValueError("the mean observed energy must be positive to judge a baseline")
    residuals = [o - p for o, p in zip(observed, predicted, strict=True)]
    dof = n - parameters
    cv_rmse = math.sqrt(math.fsum(r * r for r in residuals) / dof) / mean
    nmbe = math.fsum(residuals) / (dof * mean)
    return Fit(n=n, cv_rmse=cv_rmse, nmbe=nmbe, resolution=resolution)


def fit_baseline(
    degree_days: Sequence[float],
    energy: Sequence[float],
    resolution: Resolution = Resolution.MONTHLY,
) -> Baseline:
    """The least-squares baseline energy ~ degree days and its Guideline 14 fit.

    >>> b = fit_baseline([100.0, 200.0, 300.0, 400.0], [1100.0, 2050.0, 3100.0, 3950.0])
    >>> round(b.slope, 9), round(b.intercept, 9), round(b.predict(250.0), 9)
    (9.6, 150.0, 2550.0)
    """
    _checked_pairs(degree_days, energy)
    n = len(degree_days)
    x_mean = math.fsum(degree_days) / n
    y_mean = math.fsum(energy) / n
    sxx = math.fsum((x - x_mean) ** 2 for x in degree_days)
    if sxx == 0.0:
        raise ValueError("degree days are the same in every period: no slope can be fitted")
    sxy = math.fsum((x - x_mean) * (y - y_mean) for x, y in zip(degree_days, energy, strict=True))
    slope = sxy / sxx
    intercept = y_mean - slope * x_mean
    predicted = [intercept + slope * x for x in degree_days]
    return Baseline(intercept, slope, goodness_of_fit(energy, predicted, resolution))
