"""Residual value at the end of the study period: the one rule for items and cost streams.

What a unit (or a lasting occurrence of a cost stream) still in service at N is worth is booked
at t = N as a negative cost in the category ``residual_value`` (primer §3). The linear rule
(NIST Handbook 135 §4.4; ASTM E917 "residual value") writes the cost of the purchase off
evenly over its life; an explicit value (resale, buy-back) replaces it. Nothing is booked for a
unit whose life ended at N or before, and a residual value is never negative.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

__all__ = ["residual_value"]


def residual_value(
    cost: FloatArray,
    remaining: FloatArray,
    life: FloatArray,
    *,
    stated: FloatArray | None = None,
    stated_given: BoolArray | None = None,
) -> FloatArray:
    """Residual value at N of each unit, elementwise (0 for a unit no longer in service).

    Formula: ``RV = max(cost x remaining / L, 0)`` when ``remaining > 0``, else 0, where
    ``cost`` is the cost of the unit's last purchase at the price level of that purchase,
    ``remaining`` its life left at N (:func:`tco.schedules.remaining_life`) and ``L`` its
    service life. Where ``stated_given``, ``max(stated, 0)`` replaces the linear amount (under
    the same condition: the unit is still in service at N).

    Example: a unit bought for 1 000 at t = 16 with L = 8, N = 20 has 4 years left:
    ``RV = 1000 x 4 / 8 = 500`` (booked as -500 at t = 20); bought at 12 (ends at 20): 0.

        >>> residual_value(np.array([1000.0, 1000.0]), np.array([4.0, 0.0]), np.array([8.0, 8.0]))
        array([500.,   0.])
    """
    value = np.maximum(cost * remaining / life, 0.0)
    if stated is not None and stated_given is not None:
        value = np.where(stated_given, np.maximum(stated, 0.0), value)
    return np.asarray(np.where(remaining > 0.0, value, 0.0), dtype=np.float64)
