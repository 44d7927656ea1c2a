"""One-at-a-time sensitivity: tornado data per bid and for the gap between the best two.

For each parameter j with a low and a high setting (every other parameter as stated) the
comparison number of every bid is re-evaluated (:class:`tco.analysis.model.ParametricModel`).
The *gap* is the comparison number of the base runner-up minus that of the base leader (the
two best bids of the stated tender); it is what decides the award, so the tornado is ordered by
its swing::

    gap_j(x) = CN_runner_up(x) - CN_leader(x)
    swing_j  = |gap_j(high_j) - gap_j(low_j)|

A negative gap at one end means the runner-up wins there. ``percent`` variations are scale
``1 ± p/100``; ``delta`` variations shift ``± delta``
(see :class:`tco.analysis.spec.SensitivityParameter`).

Worked example: two bids, leader A at 1 000 000 and runner-up B at 1 080 000 (gap 80 000);
electricity price ± 20 %: A (energy-hungry) moves to 900 000 / 1 100 000 and B to
1 030 000 / 1 130 000, so the gap runs from 130 000 (low) to 30 000 (high): swing 100 000 —
still positive, the ranking holds over the range.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from tco.rounding import round_array_money, round_money

from .model import DomainError, ParametricModel
from .outcomes import best_ids, leader_and_runner_up
from .parameters import Parameter
from .results import SensitivityBid, SensitivityResult

FloatArray = npt.NDArray[np.float64]

__all__ = ["tornado"]


def tornado(
    model: ParametricModel,
    base: FloatArray,
    entries: Sequence[tuple[Parameter, float, float]],
    ids: Sequence[str],
    digits: int,
) -> tuple[SensitivityResult, ...]:
    """Tornado rows for ``(parameter, low, high)`` entries, largest swing of the gap first.

    ``base`` is the unrounded comparison number of every bid as stated. Money is rounded to
    ``digits`` on output; ties in swing keep the entries' order. Raises
    :class:`tco.analysis.model.DomainError` with ``index`` = the entry's position when a
    setting leaves the parameter's domain.
    """
    leader, runner_up = leader_and_runner_up(base, digits)
    base_rounded = round_array_money(base, digits)
    rows: list[tuple[float, int, SensitivityResult]] = []
    for position, (parameter, low, high) in enumerate(entries):
        try:
            numbers = model.comparison_numbers([parameter], np.array([[low], [high]]))
        except DomainError as error:  # raised for parameter 0 of this call: name the entry
            raise DomainError(position, error.description) from None
        at_low, at_high = numbers[0], numbers[1]
        rounded_low = round_array_money(at_low, digits)
        rounded_high = round_array_money(at_high, digits)
        gap_base = gap_low = gap_high = None
        swing = 0.0
        if runner_up is not None:
            raw_low = float(at_low[runner_up] - at_low[leader])
            raw_high = float(at_high[runner_up] - at_high[leader])
            gap_base = round_money(float(base[runner_up] - base[leader]), digits)
            gap_low = round_money(raw_low, digits)
            gap_high = round_money(raw_high, digits)
            swing = round_money(abs(raw_high - raw_low), digits)
        result = SensitivityResult(
            path=parameter.path,
            mode=parameter.mode,
            low=low,
            high=high,
            bids=tuple(
                SensitivityBid(
                    bid_id, float(base_rounded[b]), float(rounded_low[b]), float(rounded_high[b])
                )
                for b, bid_id in enumerate(ids)
            ),
            gap_base=gap_base,
            gap_low=gap_low,
            gap_high=gap_high,
            swing=swing,
            best_at_low=best_ids(at_low, ids, digits),
            best_at_high=best_ids(at_high, ids, digits),
        )
        rows.append((-swing, position, result))
    rows.sort(key=lambda row: (row[0], row[1]))
    return tuple(row[2] for row in rows)
