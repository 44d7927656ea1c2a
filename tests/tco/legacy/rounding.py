"""Commercial rounding of money on output: half-up (half away from zero), exact in decimal.

Money is computed in binary64 and rounded to the currency's minor unit only when reported
(primer §8). The rule is the one accountants and review courts expect: a figure whose decimal
representation ends in exactly 5 at the rounding position rounds away from zero.

Two traps this module exists to avoid (bug class 9):

- Python's ``round()`` and ``numpy.round`` round half to even ("banker's rounding"):
  ``round(0.125, 2) == 0.12`` and ``round(2.5) == 2``.
- ``floor(x * 100 + 0.5) / 100`` works on the binary value: ``1.005`` is stored as
  ``1.00499999999999989...`` and becomes 1.00.

The decimal representation of a float is taken as Python's shortest round-trip ``repr``
(``repr(1.005) == '1.005'``), i.e. the number as it was written in the tender and as any
report shows it. The array version takes a numpy fast path and falls back to the exact decimal
rule only near ties, so both give bit-identical results.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

__all__ = ["round_array_money", "round_money"]

#: Above this scaled magnitude the fast path could lose integer precision: use the exact path.
_FAST_PATH_LIMIT = 2.0**50
#: Half-width of the band around a tie (relative to the scaled value) sent to the exact path.
_TIE_BAND = 64 * np.finfo(np.float64).eps


def round_money(x: float, digits: int) -> float:
    """Round one amount half-up (away from zero) to ``digits`` decimals, exact in decimal.

    Formula: ``sign(x) * floor(|x| * 10**digits + 1/2) / 10**digits`` evaluated on the decimal
    number ``repr(x)`` (not on the binary value), returned as the nearest float. ``-0.0``
    becomes ``0.0``; NaN and infinities are returned unchanged.

    Example:
        >>> round_money(1.005, 2), round_money(2.675, 2), round_money(-2.5, 0)
        (1.01, 2.68, -3.0)
        >>> round_money(0.125, 2), round(0.125, 2)
        (0.13, 0.12)
        >>> round_money(1234.5, -1)
        1230.0
    """
    value = float(x)
    if not math.isfinite(value):
        return value
    quantum = Decimal(1).scaleb(-digits)
    # Bug fix carried over from tco/rounding.py (the default 28-digit context raised
    # InvalidOperation from 1e26 up; tests/fuzz/test_regressions.py), so the equivalence holds.
    with localcontext(Context(prec=700)):
        exact = Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    return float(exact) + 0.0


def round_array_money(values: npt.ArrayLike, digits: int) -> FloatArray:
    """Vectorised :func:`round_money`: every element rounded half-up, exact in decimal.

    Fast path: ``n = floor(|x| 10**d + 1/2)`` and ``sign(x) n / 10**d`` (one correctly rounded
    division, so the same float as the decimal rule whenever ``n`` agrees). The elements where
    ``n`` could disagree, those within a few ulps of a tie (``1.005``, ``2.675``) or too large
    for exact integers in binary64, are redone one by one with :func:`round_money`.

    Example:
        >>> round_array_money([1.005, 2.675, -2.5, 0.125, -0.001], 2).tolist()
        [1.01, 2.68, -2.5, 0.13, 0.0]
    """
    array = np.asarray(values, dtype=np.float64)
    with np.errstate(invalid="ignore"):  # inf - inf in the tie test; inputs pass through below
        return _round_array(array, digits)


def _round_array(array: FloatArray, digits: int) -> FloatArray:
    if digits >= 0:
        scale = 10.0**digits
        scaled = np.abs(array) * scale
        rounded = np.floor(scaled + 0.5)
        result = np.copysign(rounded / scale, array)
    else:
        scale = 10.0 ** (-digits)
        scaled = np.abs(array) / scale
        rounded = np.floor(scaled + 0.5)
        result = np.copysign(rounded * scale, array)
    result = result + 0.0  # -0.0 -> 0.0
    fraction = scaled - np.floor(scaled)
    near_tie = np.abs(fraction - 0.5) <= _TIE_BAND * np.maximum(scaled, 1.0)
    slow = (near_tie | (scaled >= _FAST_PATH_LIMIT)) & np.isfinite(array)
    if np.any(slow):
        flat_result = result.reshape(-1)
        flat_values = array.reshape(-1)
        for index in np.flatnonzero(slow.reshape(-1)):
            flat_result[index] = round_money(float(flat_values[index]), digits)
        result = flat_result.reshape(array.shape)
    passthrough = ~np.isfinite(array)
    if np.any(passthrough):
        result = np.where(passthrough, array, result)
    return result
