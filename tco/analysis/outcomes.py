"""Rounding and ranking of comparison numbers, as the engine publishes them (shared helpers).

The ranking of one setting is the engine's: comparison numbers rounded half-up to the minor unit
(:func:`tco.rounding.round_array_money`), competition ranks (:func:`tco.models.competition_rank`),
a tie is equality of the rounded numbers.

Example: numbers ``[100.004, 100.001, 90.0]`` at 2 decimals round to ``[100.0, 100.0, 90.0]``:
ranks ``[2, 2, 1]``, the first two tied, best ``("C",)`` for ids A, B, C.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from tco.models import competition_rank
from tco.rounding import round_array_money

from .results import BidOutcome, Percentiles

FloatArray = npt.NDArray[np.float64]

__all__ = ["best_ids", "leader_and_runner_up", "outcomes", "percentiles"]


def outcomes(numbers: FloatArray, ids: Sequence[str], digits: int) -> tuple[BidOutcome, ...]:
    """Rounded comparison numbers, ranks and tie flags of one setting, in bid order."""
    rounded = round_array_money(numbers, digits)
    rank, tied = competition_rank(rounded)
    return tuple(
        BidOutcome(bid_id, float(rounded[b]), int(rank[b]), bool(tied[b]))
        for b, bid_id in enumerate(ids)
    )


def best_ids(numbers: FloatArray, ids: Sequence[str], digits: int) -> tuple[str, ...]:
    """Ids of the bids with the lowest rounded comparison number (several on a tie)."""
    rounded = round_array_money(numbers, digits)
    best = float(rounded.min())
    return tuple(bid_id for b, bid_id in enumerate(ids) if float(rounded[b]) == best)


def leader_and_runner_up(numbers: FloatArray, digits: int) -> tuple[int, int | None]:
    """Indexes of the best and the second-best bid (rounded numbers, ties in bid order)."""
    rounded = round_array_money(numbers, digits)
    order = np.argsort(rounded, kind="stable")
    return int(order[0]), (int(order[1]) if order.size > 1 else None)


def percentiles(sample: FloatArray, digits: int | None) -> Percentiles:
    """Mean, P5, P50, P95 of a 1-D sample (``numpy.percentile``'s linear method).

    With ``digits`` the figures are money and are rounded half-up to that many decimals.
    Example: ``percentiles(np.arange(101.0), None)`` is ``Percentiles(50.0, 5.0, 50.0, 95.0)``.
    """
    p5, p50, p95 = np.percentile(sample, [5.0, 50.0, 95.0])
    values = np.array([float(np.mean(sample)), p5, p50, p95], dtype=np.float64)
    if digits is not None:
        values = round_array_money(values, digits)
    return Percentiles(*(float(v) for v in values))
