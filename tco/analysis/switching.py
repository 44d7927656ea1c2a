"""Switching values: where in ``[a, b]`` does the best bid change?

The best bid at a parameter value x is ``argmin_b CN_b(x)`` (unrounded comparison numbers; on
an exact tie the first bid in request order). A *switch point* is a value where it changes.

**Linear parameters** (carbon price, resource prices, emission factors, quantities, unit prices,
resource use: :data:`tco.analysis.parameters.LINEAR_KINDS`): every comparison number is a line,
``CN_b(x) = CN_b(a) + s_b (x - a)`` with ``s_b = (CN_b(b) - CN_b(a)) / (b - a)``, so two
evaluations give every line and the switch points are the corners of the lower envelope,
solved exactly: the best bid w at x is overtaken by the bid c with ``s_c < s_w`` whose crossing

    x_c = x_w0 + (CN_c(x_w0) - CN_w(x_w0)) / (s_w - s_c)

comes first; repeat from there (slopes strictly decrease, so at most bids - 1 switches).

**Other parameters** (discount rate, escalation, service life): the interval is scanned on a
grid of :data:`GRID_POINTS` values (one vectorised evaluation) and each change of the best bid
between neighbouring grid points is bracketed and bisected (:func:`bisect`) to
:data:`RELATIVE_TOLERANCE`. Changes closer together than a grid step may be seen as one.
Service life moves replacement years in steps, so its comparison numbers jump; bisection then
converges on the jump. At most :data:`tco.analysis.budget.MAX_BISECTIONS` switch points of one
entry are bisected (the cost budget counts them); a further change of the best bid is reported
at the midpoint of its grid step (or of what is left of it).

Worked example (carbon price as a constant level p in SEK/kgCO2e): bid A costs
1 000 000 + 50 000 p, bid B 1 100 000 + 20 000 p. The lines cross at
``p = (1 100 000 - 1 000 000) / (50 000 - 20 000) = 3.33`` SEK/kg: A is best below, B above.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from .budget import MAX_BISECTIONS
from .model import ParametricModel
from .parameters import Parameter
from .results import SwitchingResult, SwitchingStatus, SwitchPoint

FloatArray = npt.NDArray[np.float64]

__all__ = [
    "GRID_POINTS",
    "MAX_STEPS",
    "RELATIVE_TOLERANCE",
    "bisect",
    "envelope_switches",
    "switching",
]

#: Grid of the scan for non-linear parameters.
GRID_POINTS = 129
#: Bisection stops when the bracket is narrower than this times max(1, |x|).
RELATIVE_TOLERANCE = 1e-12
#: Most bisection steps per switch point (2^-80 of the grid step is far below the tolerance).
MAX_STEPS = 80


def envelope_switches(
    low: float, high: float, at_low: FloatArray, at_high: FloatArray
) -> list[tuple[float, int, int]]:
    """Switch points ``(x, from, to)`` of the lower envelope of lines through two points each.

    Example (the module docstring's bids, p from 0 to 10):
        >>> envelope_switches(0.0, 10.0, np.array([1.0e6, 1.1e6]), np.array([1.5e6, 1.3e6]))
        [(3.3333333333333335, 0, 1)]
    """
    width = high - low
    slopes = (at_high - at_low) / width
    # Best at `low`: lowest value; among equal values the one with the smallest slope.
    order = np.lexsort((slopes, at_low))
    current = int(order[0])
    x0 = low
    value0 = float(at_low[current])
    switches: list[tuple[float, int, int]] = []
    for _ in range(at_low.size):
        best_x = np.inf
        best_c = -1
        for c in range(at_low.size):
            if slopes[c] >= slopes[current]:
                continue
            # Value of line c at x0, then the crossing with the current line.
            c_at_x0 = float(at_low[c]) + float(slopes[c]) * (x0 - low)
            x = x0 + (c_at_x0 - value0) / float(slopes[current] - slopes[c])
            x = max(x, x0)
            if x < best_x or (x == best_x and slopes[c] < slopes[best_c]):
                best_x, best_c = x, c
        if best_c < 0 or best_x > high:
            break
        switches.append((float(best_x), current, best_c))
        value0 = float(at_low[best_c]) + float(slopes[best_c]) * (best_x - low)
        x0 = best_x
        current = best_c
    return switches


def bisect(
    best_at: Callable[[float], int], left: float, right: float, left_best: int
) -> tuple[float, float]:
    """Bracket ``[l, r]`` of width <= tolerance where ``best_at`` stops being ``left_best``.

    Invariant: ``best_at(l) == left_best != best_at(r)``. Plain bisection (robust for the
    jumps of service life), at most :data:`MAX_STEPS` steps.

    Example: ``bisect(lambda x: int(x > 0.3), 0.0, 1.0, 0)`` brackets 0.3 to about 1e-12.
    """
    lo, hi = left, right
    for _ in range(MAX_STEPS):
        if hi - lo <= RELATIVE_TOLERANCE * max(1.0, abs(lo), abs(hi)):
            break
        mid = lo + (hi - lo) / 2.0
        if mid <= lo or mid >= hi:
            break
        if best_at(mid) == left_best:
            lo = mid
        else:
            hi = mid
    return lo, hi


def _argmin(numbers: FloatArray) -> npt.NDArray[np.int64]:
    return np.asarray(np.argmin(numbers, axis=-1), dtype=np.int64)


def switching(
    model: ParametricModel, parameter: Parameter, low: float, high: float, ids: Sequence[str]
) -> SwitchingResult:
    """Switch points of ``parameter`` within ``[low, high]`` (see the module docstring).

    Raises :class:`tco.analysis.model.DomainError` (index 0) when the interval leaves the
    parameter's domain (its ends are checked: every domain is an interval).
    """
    ends = model.comparison_numbers([parameter], np.array([[low], [high]]))
    points: list[tuple[float, int, int]] = []
    if parameter.linear:
        points = envelope_switches(low, high, ends[0], ends[1])
    else:
        grid = np.linspace(low, high, GRID_POINTS)
        numbers = model.comparison_numbers([parameter], grid[:, np.newaxis])
        best = _argmin(numbers)

        def best_at(x: float) -> int:
            return int(_argmin(model.comparison_numbers([parameter], np.array([[x]])))[0])

        bisections = 0
        for g in range(GRID_POINTS - 1):
            left, right = float(grid[g]), float(grid[g + 1])
            left_best, right_best = int(best[g]), int(best[g + 1])
            if left_best != right_best and bisections >= MAX_BISECTIONS:
                # Beyond the budget's bisections: the change at the grid's precision.
                points.append((left + (right - left) / 2.0, left_best, right_best))
                continue
            for _ in range(len(ids)):
                if left_best == right_best or bisections >= MAX_BISECTIONS:
                    break
                bisections += 1
                lo, hi = bisect(best_at, left, right, left_best)
                after = best_at(hi)
                points.append((lo + (hi - lo) / 2.0, left_best, after))
                left, left_best = hi, after
            if left_best != right_best and bisections >= MAX_BISECTIONS:  # budget spent
                points.append((left + (right - left) / 2.0, left_best, right_best))
    reference = parameter.reference
    values = [p[0] for p in points]
    below = [v for v in values if reference is not None and v < reference]
    above = [v for v in values if reference is not None and v > reference]
    return SwitchingResult(
        path=parameter.path,
        mode=parameter.mode,
        low=low,
        high=high,
        status=SwitchingStatus.SWITCHES if points else SwitchingStatus.NO_SWITCH,
        analytic=parameter.linear,
        base=reference,
        points=tuple(SwitchPoint(x, ids[a], ids[b]) for x, a, b in points),
        best_at_low=ids[int(_argmin(ends[0]))],
        best_at_high=ids[int(_argmin(ends[1]))],
        nearest_below=max(below) if below else None,
        nearest_above=min(above) if above else None,
    )
