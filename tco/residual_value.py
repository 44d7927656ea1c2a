"""Residual value at the end of the study period: the one rule for items and cost streams.

What a unit (or a lasting occurrence of a cost stream) still in service at N is worth is booked
at t = N as a negative cost in the category ``residual_value`` (primer §3). The linear rule
(NIST Handbook 135 §4.4; ASTM E917 "residual value") writes the cost of the purchase off
evenly over its life, so it gives nothing for a unit whose life ends exactly at N. An explicit
value (a bid's resale or buy-back commitment) replaces the linear rule and is booked at N also
when the unit's life ends exactly at N: the unit is sold back instead of scrapped (NIST Handbook
135 salvage value; BLCC 5 resale value: BLCC 5.3's FEMPEnergy example books 10 % of the
first cost of two 15-year components at the end of a 15-year study, LCC 16 187). A residual
value is never negative.
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
    """Residual value at N of each unit, elementwise.

    Formula: linear ``RV = max(cost x remaining / L, 0)`` when ``remaining > 0``, else 0, where
    ``cost`` is the cost of the unit's last purchase at the price level of that purchase,
    ``remaining`` its life left at N (:func:`tco.schedules.remaining_life`) and ``L`` its
    service life. Where ``stated_given``, ``max(stated, 0)`` replaces the linear amount when
    ``remaining >= 0``: for a unit still in service at N *and* for one whose life ends exactly
    at N (sold back, not scrapped). A unit's last life never ends before N (purchases go on
    while t < N), so a stated value is always booked.

    Example: a unit bought for 1 000 at t = 16 with L = 8, N = 20 has 4 years left:
    ``RV = 1000 x 4 / 8 = 500`` (booked as -500 at t = 20); bought at 12 (ends at 20): 0 by the
    linear rule, but a stated buy-back of 150 is booked in full (FEMPEnergy's 10 % resale).

        >>> residual_value(np.array([1000.0, 1000.0]), np.array([4.0, 0.0]), np.array([8.0, 8.0]))
        array([500.,   0.])
        >>> residual_value(np.array([1000.0, 1000.0]), np.array([4.0, 0.0]), np.array([8.0, 8.0]),
        ...     stated=np.array([0.0, 150.0]), stated_given=np.array([False, True]))
        array([500., 150.])
    """
    value = np.where(remaining > 0.0, np.maximum(cost * remaining / life, 0.0), 0.0)
    if stated is not None and stated_given is not None:
        sold_back = stated_given & (remaining >= 0.0)
        value = np.where(sold_back, np.maximum(stated, 0.0), value)
    return np.asarray(value, dtype=np.float64)
