"""The time conventions of an item's life: purchases, replacements, ends of life, warranty.

One unit position of an item with service life L over a study period of N years (primer §3):

- it is bought at ``t = 0, L, 2L, ... < N`` (:func:`purchase_times`); the first purchase is the
  acquisition, every later one a replacement;
- each unit ends its life at ``t + L``; the ends at ``t <= N`` book the end-of-life amounts;
- the unit bought last is still in service at N for ``remaining = last + L - N`` years
  (:func:`remaining_life`), which is what its residual value is worth (:mod:`tco.residual_value`);
- a warranty runs from each purchase for ``min(W, L)`` years (:func:`warranty_coverage`).

``service_life`` None means the item lasts exactly the study period (L = N).

An event at a time that is not a whole year (a 30-month life replaces at 2.5) belongs to study
year ``ceil(t)`` and is paid ``ceil(t) - t`` years before that year's end (:func:`event_slot`).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import overload

import numpy as np
import numpy.typing as npt

from tco.finance import escalation_index

FloatArray = npt.NDArray[np.float64]

__all__ = [
    "ITEM_PRICE_ESCALATION",
    "UnitSchedule",
    "event_slot",
    "purchase_times",
    "remaining_life",
    "snap_to_year",
    "unit_schedule",
    "warranty_coverage",
]

#: Price escalation of an item's unit price and installation when the item states none
#: (``Item.price_escalation``): purchases repeat at the base-year price level, in real terms.
ITEM_PRICE_ESCALATION = 0.0

#: Times closer than this to a whole year are that year (months / 12 leaves float dust).
YEAR_SNAP = 1e-9


@overload
def snap_to_year(time: float) -> float: ...
@overload
def snap_to_year(time: FloatArray) -> FloatArray: ...
def snap_to_year(time: float | FloatArray) -> float | FloatArray:
    """``time``, or the whole year it is within :data:`YEAR_SNAP` of (elementwise for arrays).

    Formula: ``round(t)`` if ``|t - round(t)| < 1e-9`` else ``t`` (``round`` half to even, as
    Python's ``round`` and ``numpy.round`` both do).

    Example: ``snap_to_year(30 / 12 * 4) == 10.0`` (``30 / 12 * 4`` is ``10.000000000000002``);
    ``snap_to_year(2.5) == 2.5``.
    """
    if isinstance(time, np.ndarray):
        nearest = np.round(time)
        return np.asarray(np.where(np.abs(time - nearest) < YEAR_SNAP, nearest, time))
    whole = round(time)
    return float(whole) if abs(time - whole) < YEAR_SNAP else time


def purchase_times(service_life: float | None, study_period_years: int) -> list[float]:
    """Times of purchase of one unit position: ``0, L, 2L, ... < N``.

    ``service_life`` None: one purchase at 0 (the unit lasts the study period).

    Example: ``purchase_times(8, 20) == [0.0, 8.0, 16.0]``;
    ``purchase_times(10, 20) == [0.0, 10.0]`` (the unit bought at 10 ends exactly at 20: no
    purchase at 20).
    """
    if service_life is None or service_life >= study_period_years:
        return [0.0]
    if not service_life > 0.0:
        raise ValueError(f"a service life must be positive, got {service_life!r}")
    times: list[float] = []
    j = 0
    while (time := snap_to_year(j * service_life)) < study_period_years:
        times.append(time)
        j += 1
    return times


@overload
def remaining_life(last_start: float, life: float, study_period_years: int) -> float: ...
@overload
def remaining_life(
    last_start: FloatArray, life: FloatArray, study_period_years: int
) -> FloatArray: ...
def remaining_life(
    last_start: float | FloatArray, life: float | FloatArray, study_period_years: int
) -> float | FloatArray:
    """Years of life left at N of a unit (or a lasting stream occurrence) started at ``last_start``.

    Formula: ``remaining = snap(last_start + L - N)``; positive only for a unit still in service
    at N.

    Example: bought at 16 with L = 8, N = 20 -> 4.0; bought at 10 with L = 10, N = 20 -> 0.0
    (its life ends exactly at N: no residual value).
    """
    return snap_to_year((last_start + life) - study_period_years)


def warranty_coverage(
    purchases: Sequence[float], warranty_years: float, service_life: float, study_period_years: int
) -> FloatArray:
    """Fraction of each study year 0..N covered by a warranty running from each purchase.

    Year t spans ``(t - 1, t]``; the warranty of a unit bought at tau covers
    ``(tau, tau + min(W, L)]`` (it ends with the unit). Coverage of year t is the overlap length,
    at most 1. Year 0 (a point) is never covered.

    Example: warranty 1.5 years, purchases at 0 and 8, L = 8, N = 10 ->
    years 1, 9 covered fully, years 2, 10 by half: ``[0, 1, .5, 0, 0, 0, 0, 0, 0, 1, .5]``.
    """
    coverage = np.zeros(study_period_years + 1, dtype=np.float64)
    covered = min(warranty_years, service_life)
    if covered <= 0.0 or not purchases:
        return coverage
    years = np.arange(study_period_years + 1, dtype=np.float64)
    start = np.array(purchases, dtype=np.float64)[:, None]
    overlap = np.minimum(years, start + covered) - np.maximum(years - 1.0, start)
    # Added purchase by purchase (the reduction runs over the first axis in order).
    coverage = np.add.reduce(np.clip(overlap, 0.0, 1.0), axis=0)
    coverage[0] = 0.0
    return np.asarray(np.minimum(coverage, 1.0), dtype=np.float64)


def event_slot(time: float) -> tuple[int, float]:
    """(column, shift) of a one-off event at ``time``.

    The event belongs to study year ``column = ceil(time)`` and is paid ``shift = column - time``
    years before that year's end (0 for an event at a whole year; rounded to 12 decimals so that
    ``months / 12`` dust does not create separate time groups).

    Example: ``event_slot(2.5) == (3, 0.5)``; ``event_slot(8.0) == (8, 0.0)``.
    """
    time = snap_to_year(time)
    column = math.ceil(time)
    return column, round(column - time, 12)


@dataclass(frozen=True, slots=True)
class UnitSchedule:
    """When one unit position of an item with service life L is bought, replaced and ends."""

    #: L, or N when the item states no service life.
    life: float
    purchases: tuple[float, ...]
    #: (column, shift) of each replacement, ``purchases[1:]``.
    replacement_slots: tuple[tuple[int, float], ...]
    #: Price index of each replacement: ``(1 + e)^t`` of the item's real price escalation e.
    replacement_index: tuple[float, ...]
    #: (column, shift) of each end of life at t <= N.
    end_slots: tuple[tuple[int, float], ...]
    #: Price index of the last purchase.
    last_index: float
    #: Remaining life at N of the unit bought last (:func:`remaining_life`).
    remaining: float


@functools.lru_cache(maxsize=1024)
def unit_schedule(
    service_life: float | None,
    study_period_years: int,
    price_escalation: float = ITEM_PRICE_ESCALATION,
) -> UnitSchedule:
    """The purchases, replacements and ends of life of one unit position.

    A purchase at t is priced at ``(1 + e)^t`` times the base-year unit price + installation
    (e: the item's real price escalation, compounded from the base date like every escalation,
    :func:`tco.finance.escalation_index`); the residual value is taken on the last purchase at
    its own price level.

    Remembered by value, bounded: items share few lives and escalations, and tenders repeat
    them. With :func:`tco.item_events.schedule_events` this buys 0.1 ms of the typical tender's
    1.5 ms engine step (the RPC ratio's margin under 13x).

    Example: L = 8, N = 20: purchases 0, 8, 16; replacements in columns 8 and 16; ends at 8 and
    16; the unit bought at 16 is in service at 20 with 4 of its 8 years left (``remaining=4``).
    With e = 2 %: the replacements cost 1.02^8 = 1.171659 and 1.02^16 = 1.372786 times the
    base-year price (``replacement_index``), and ``last_index`` is 1.372786.
    """
    n = study_period_years
    life = float(n) if service_life is None else service_life
    purchases = purchase_times(service_life, n)
    ends = [end for t in purchases if (end := snap_to_year(t + life)) <= n]
    index = escalation_index(price_escalation, np.array(purchases, dtype=np.float64))
    return UnitSchedule(
        life=life,
        purchases=tuple(purchases),
        replacement_slots=tuple(event_slot(t) for t in purchases[1:]),
        replacement_index=tuple(index[1:].tolist()),
        end_slots=tuple(event_slot(t) for t in ends),
        last_index=float(index[-1]),
        remaining=remaining_life(purchases[-1], life, n),
    )
