"""Heating and cooling degree days from daily mean temperatures.

Formula (the mean-temperature method of EN ISO 15927-6 and ASHRAE Guideline 14's inputs):

    HDD = Σ_days max(0, T_base − T_mean,day)
    CDD = Σ_days max(0, T_mean,day − T_base)

Sweden's SMHI "graddagar" use a base of 17 °C for heating with a seasonal correction; the base
is always the contract's stated value, never a default hidden here.

Worked example: daily means [−2, 5, 16, 20] °C at base 17 °C give
HDD = 19 + 12 + 1 + 0 = 32 and, at base 18 °C, CDD = 0 + 0 + 0 + 2 = 2.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def _checked(temperatures: Sequence[float], base: float) -> None:
    if not math.isfinite(base):
        raise ValueError(f"base temperature must be finite, got {base!r}")
    for day, value in enumerate(temperatures):
        if not math.isfinite(value) or not -90.0 <= value <= 60.0:
            raise ValueError(f"temperature of day {day} must be within -90..60 °C, got {value!r}")


def heating_degree_days(daily_mean_temperatures: Sequence[float], base: float) -> float:
    """HDD over the days given, base ``base`` °C.

    >>> heating_degree_days([-2.0, 5.0, 16.0, 20.0], 17.0)
    32.0
    """
    _checked(daily_mean_temperatures, base)
    return math.fsum(max(0.0, base - t) for t in daily_mean_temperatures)


def cooling_degree_days(daily_mean_temperatures: Sequence[float], base: float) -> float:
    """CDD over the days given, base ``base`` °C.

    >>> cooling_degree_days([-2.0, 5.0, 16.0, 20.0], 18.0)
    2.0
    """
    _checked(daily_mean_temperatures, base)
    return math.fsum(max(0.0, t - base) for t in daily_mean_temperatures)
