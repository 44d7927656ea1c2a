"""Generic cost streams (a bid's or an item's own cost lines) -> rows of the stream table.

A stream books ``amount`` at ``first_year`` and every ``every_years`` years up to ``last_year``
(0: to N); ``every_years <= 0`` books it once. ``every_years == 1`` is a recurring stream (paid
per the method's timing convention, group :data:`~tco.stream_table.RECURRING_GROUP`), anything
else one-off events at whole years (group :data:`~tco.stream_table.EVENT_GROUP`). The amount
escalates from the base date to the payment time, ``A x (1 + e) ** tau``. A stream with
``emissions`` books ``emissions`` kgCO2e at each occurrence, under its module (or the module its
category implies). A stream with a ``life`` leaves the residual value of its last occurrence at
N (:func:`tco.residual_value.residual_value`). Item streams are per unit (x quantity).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tco.finance import constant_escalation_index
from tco.prepared import CATEGORIES, MODULES, PreparedStream, default_module
from tco.residual_value import residual_value
from tco.schedules import remaining_life
from tco.stream_table import COST, EMISSION, EVENT_GROUP, RECURRING_GROUP

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

__all__ = ["StreamRows", "occurrence_years", "stream_rows"]

#: A block of rows: kind, bid, key, group, seq and amounts (whole rows, or one amount per row
#: booked at N: the residual values).
StreamRows = tuple[int, IntArray, IntArray | int, IntArray | int, IntArray, FloatArray]

_CATEGORY_INDEX = {name: index for index, name in enumerate(CATEGORIES)}
_MODULE_INDEX = {name: index for index, name in enumerate(MODULES)}


def _ints(values: list[int]) -> IntArray:
    return np.array(values, dtype=np.int64).reshape(len(values))


@dataclass(frozen=True, slots=True)
class Occurrences:
    """When each stream occurs over study years 0..N.

    ``first = max(first_year, 0)``; ``last = min(last_year or N, N)``; ``once``
    (``every_years <= 0``: one occurrence at ``first``); ``step`` (``every_years``, 1 when
    once); ``years[s, t]``: stream s occurs in year t.
    """

    first: IntArray
    every: IntArray
    last: IntArray
    once: BoolArray
    step: IntArray
    years: BoolArray

    @property
    def last_occurrence(self) -> IntArray:
        """Year of each stream's last occurrence (meaningful where it occurs at all)."""
        f, st = self.first, self.step
        return np.where(self.once, f, f + (self.last - f) // st * st)


def occurrence_years(
    first_year: IntArray, every_years: IntArray, last_year: IntArray, n: int
) -> Occurrences:
    """The :class:`Occurrences` of streams over 0..N from their stated years.

    Example (N = 4): (first, every, last) = (1, 1, 0) -> years 1..4; (2, 0, 0) -> year 2;
    (0, 2, 3) -> years 0 and 2; (6, 0, 0) -> never.
    """
    first = np.maximum(first_year, 0)
    last = np.minimum(np.where(last_year > 0, last_year, n), n)
    once = every_years <= 0
    step = np.where(once, 1, every_years)
    t = np.arange(n + 1, dtype=np.int64)[None, :]
    f0, k0, l0 = first[:, None], step[:, None], last[:, None]
    years = np.where(once[:, None], t == f0, (t >= f0) & (t <= l0) & ((t - f0) % k0 == 0))
    return Occurrences(first, every_years, last, once, step, years)


def stream_rows(
    streams: Sequence[PreparedStream],
    *,
    bid: IntArray,
    multiplier: FloatArray,
    seq: IntArray,
    group_times: Sequence[FloatArray],
    n: int,
) -> list[StreamRows]:
    """The cost, emission and residual-value rows of ``streams`` (see the module docstring).

    ``bid``, ``multiplier`` (the item's quantity, 1 for a bid's own stream) and ``seq`` (the
    insertion code of the stream's cost row; its emission row follows, then its residual value)
    are per stream; ``group_times`` the payment times of each time group.

    Example: 100 a year, years 1..N, escalating 2 %, END_OF_YEAR -> one cost row
    ``[0, 102, 104.04, ...]`` in the recurring group.
    """
    count = len(streams)
    numbers = np.array(
        [
            (s.amount, s.escalation, s.emissions, math.nan if s.life is None else s.life)
            for s in streams
        ],
        dtype=np.float64,
    ).reshape(count, 4)
    amount, escalation, kg, life = numbers.T
    years = np.array(
        [(s.first_year, s.every_years, s.last_year) for s in streams], dtype=np.int64
    ).reshape(count, 3)
    when = occurrence_years(years[:, 0], years[:, 1], years[:, 2], n)
    occurs = when.years.any(axis=1)
    if not occurs.any():
        return []
    recurring = when.every == 1
    group = np.where(recurring, RECURRING_GROUP, EVENT_GROUP)
    per_occurrence = multiplier * amount
    if not escalation.any():  # (1 + 0) ** tau == 1 exactly
        amounts = np.where(when.years, per_occurrence[:, None], 0.0)
    else:
        index = np.empty((count, n + 1), dtype=np.float64)
        for g, members in ((EVENT_GROUP, ~recurring), (RECURRING_GROUP, recurring)):
            these = np.flatnonzero(members)
            if these.size:  # once per distinct rate
                rates, which = np.unique(escalation[these], return_inverse=True)
                table = constant_escalation_index(rates[:, None], group_times[g][None, :])
                index[these] = table[which.reshape(-1)]
        amounts = np.where(when.years, per_occurrence[:, None] * index, 0.0)

    category = _ints([_CATEGORY_INDEX.get(s.category or "other", -1) for s in streams])
    live = np.flatnonzero(occurs)
    if np.any(category[live] < 0):
        raise KeyError(streams[int(live[np.argmax(category[live] < 0)])].category)
    out: list[StreamRows] = [
        (COST, bid[live], category[live], group[live], seq[live], amounts[live])
    ]

    emitting = np.flatnonzero(occurs & (kg != 0.0))
    if emitting.size:
        module = _ints(
            [
                _MODULE_INDEX[streams[i].emissions_module or default_module(streams[i].category)]
                for i in emitting.tolist()
            ]
        )
        per_kg = (multiplier * kg)[emitting, None]
        out.append(
            (
                EMISSION,
                bid[emitting],
                module,
                group[emitting],
                seq[emitting] + 1,
                np.where(when.years[emitting], per_kg, 0.0),
            )
        )

    lasting = occurs & (life > 0.0)
    residual = _residual_rows(bid, seq, amounts=amounts, when=when, lasting=lasting, life=life, n=n)
    if residual is not None:
        out.append(residual)
    return out


def _residual_rows(
    bid: IntArray,
    seq: IntArray,
    *,
    amounts: FloatArray,
    when: Occurrences,
    lasting: BoolArray,
    life: FloatArray,
    n: int,
) -> StreamRows | None:
    """The residual value at N of the last occurrence of each lasting stream (booked negative).

    Example: 1 000 at t = 15 with a life of 10, N = 20: ``-1000 x 5 / 10 = -500`` at N.
    """
    chosen = np.flatnonzero(lasting)
    if not chosen.size:
        return None
    last_year = when.last_occurrence[chosen]
    remaining = remaining_life(last_year.astype(np.float64), life[chosen], n)
    value = residual_value(amounts[chosen, last_year], remaining, life[chosen])
    booked = value != 0.0
    if not booked.any():
        return None
    chosen = chosen[booked]
    residual = _CATEGORY_INDEX["residual_value"]
    return COST, bid[chosen], residual, EVENT_GROUP, seq[chosen] + 2, -value[booked]
