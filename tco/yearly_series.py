"""Yearly series given by calendar-year points (carbon prices, emission-factor trajectories).

The one interpolation of the project: linear between points, flat beyond the ends, and which
years were held flat (for the SERIES_EXTRAPOLATED warning). Validation resolves every series of
the method through it once; nothing else interpolates.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

__all__ = ["interpolate_series"]


def interpolate_series(
    points: Sequence[tuple[int, float]], years: npt.NDArray[np.int64] | npt.ArrayLike
) -> tuple[FloatArray, tuple[int, ...]]:
    """Values of a yearly series at ``years``: linear between points, flat beyond the ends.

    ``points`` are ``(calendar_year, value)`` pairs in any order (years distinct); ``years`` is
    an array of calendar years. Returns the values (float64, shaped like ``years``) and, for a
    warning, the years that lie before the first or after the last point, whose value was held
    flat (sorted, without duplicates). A single point gives a constant series.

    Formula: for ``y_i <= y <= y_{i+1}``: ``v = v_i + (v_{i+1} - v_i) (y - y_i) / (y_{i+1} - y_i)``;
    ``v = v_first`` for ``y < y_first``; ``v = v_last`` for ``y > y_last``.

    Example (EBRD shadow price, EUR/t: 101 in 2022, 179 in 2030, 602 in 2050):
        >>> values, flat = interpolate_series([(2022, 101.0), (2030, 179.0), (2050, 602.0)],
        ...                                   np.array([2020, 2026, 2040, 2055]))
        >>> values.tolist(), flat
        ([101.0, 140.0, 390.5, 602.0], (2020, 2055))
    """
    if not points:
        raise ValueError("a series needs at least one point")
    ordered = sorted((int(year), float(value)) for year, value in points)
    if len({year for year, _ in ordered}) != len(ordered):
        raise ValueError("a series has two points for the same year")
    point_years = np.array([year for year, _ in ordered], dtype=np.float64)
    point_values = np.array([value for _, value in ordered], dtype=np.float64)
    year_array = np.asarray(years)
    at = year_array.astype(np.float64)
    values = np.interp(at, point_years, point_values)
    # Held-flat years in plain Python: a series spans tens of years, where np.unique and
    # np.diff cost more than everything else here (validation calls this for every series).
    first, last = ordered[0][0], ordered[-1][0]
    flat_years = tuple(sorted({y for y in year_array.ravel().tolist() if y < first or y > last}))
    return np.asarray(values, dtype=np.float64), tuple(int(y) for y in flat_years)
