"""One-off amounts of items: purchases, replacements, ends of life and residual values.

Per unit position of an item with service life L (primer §3, :mod:`tco.schedules`):

- at t = 0: ``acquisition`` (q x unit price) and ``installation`` (q x installation cost), and
  the embodied emissions A1-A3, A4, A5 (q x kgCO2e) under their own modules;
- at each replacement ``t = L, 2L, ... < N``: ``replacement`` (q x (unit price + installation)
  x the price index ``(1 + e)^t`` of the item's own price escalation e, default 0) and the
  embodied A1-A5 emissions again, under B4;
- at each end of life ``t + L <= N``: ``end_of_life`` (q x end-of-life cost) and C1-C4 and D
  (q x kgCO2e); a life ending exactly at N included;
- at N: ``residual_value`` (negative) of the last unit: linear on its capital cost while it is
  in service at N, or the bid's stated resale / buy-back value, which is booked also when the
  life ends exactly at N (:func:`tco.residual_value.residual_value`).

An event at a fraction of a year is paid ``shift`` years before the end of its study year
(:func:`tco.schedules.event_slot`): every distinct shift at which some non-zero amount is booked
gets a time group (:func:`time_groups`).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tco.bid_columns import BidColumns
from tco.prepared import CATEGORIES, MODULES
from tco.residual_value import residual_value
from tco.schedules import UnitSchedule
from tco.stream_table import COST, EMISSION, EVENT_GROUP, RowBlocks

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

__all__ = ["TimeGroups", "add_item_events", "time_groups"]

_CATEGORY_INDEX = {name: index for index, name in enumerate(CATEGORIES)}
_MODULE_INDEX = {name: index for index, name in enumerate(MODULES)}

#: Rule codes: the order in which one item's rows are listed, the second key of a row's
#: insertion order after the item's slot. Resource uses, pollutants and the item's streams
#: follow from FIRST_FREE_CODE on.
_ACQUISITION, _INSTALLATION, _REPLACEMENT, _A1_A3, _A4, _A5 = 0, 1, 2, 3, 4, 5
_B4, _END_OF_LIFE, _C1_C4, _D, _RESIDUAL = 6, 7, 8, 9, 10
MAINTENANCE_CODE = 11
FIRST_FREE_CODE = 12


@dataclass(frozen=True, slots=True)
class TimeGroups:
    """What must be the same in every part of a tender expanded in parts.

    ``shifts``: the fractional event shifts at which some row books a non-zero event, in
    ascending order (that order numbers the time groups 2, 3 ...); ``pollutants``: every
    pollutant name, sorted.

    Both orders are orders of *values*, never of first appearance: rows are sorted by time group
    within a bid, and a cell sums its rows in that order, so a numbering by first appearance
    made a bid's figures depend on the bids before it (regression bug 8).
    """

    shifts: tuple[float, ...]
    pollutants: tuple[str, ...]


def _capital_and_embodied(columns: BidColumns) -> tuple[FloatArray, FloatArray]:
    """Per item and unit position: (capital = unit price + installation, q x embodied A1-A5).

    The embodied total is added as the contract lists the modules: ``0 + A1-A3 + A4 + A5``.
    """
    s, e = columns.scalars, columns.embodied
    return s[:, 1] + s[:, 2], s[:, 0] * (0.0 + e[:, 0] + e[:, 1] + e[:, 2])


def _first_items_with_events(columns: BidColumns) -> tuple[dict[int, int], dict[int, int]]:
    """Per schedule: its first item that books a non-zero replacement, and end of life."""
    q = columns.quantity
    capital, embodied = _capital_and_embodied(columns)
    replaced = (q * capital != 0.0) | (embodied != 0.0)
    ended = ((q[:, None] * columns.embodied[:, 3:]) != 0.0).any(axis=1) | (
        q * columns.scalars[:, 5] != 0.0
    )
    first: list[dict[int, int]] = []
    for active in (replaced, ended):
        members = np.flatnonzero(active)
        found, at = np.unique(columns.schedule_of[members], return_index=True)
        first.append(dict(zip(found.tolist(), members[at].tolist(), strict=True)))
    return first[0], first[1]


def time_groups(runs: Sequence[BidColumns]) -> TimeGroups:
    """The time groups and pollutant names of the bids of ``runs`` together.

    A fractional shift gets a group when an event of a *non-zero* amount is booked at it (a
    replacement: unit price + installation, or B4 emissions; an end of life: end-of-life cost,
    C1-C4 or D emissions); the groups are numbered in ascending order of their shifts.

    Example: service life 2.5 years, N = 10, unit price 100: replacements at 2.5, 5, 7.5
    (shifts 0.5, 0, 0.5) -> ``shifts == (0.5,)``: time group 2 is paid half a year early.
    """
    shifts: set[float] = set()
    names: set[str] = set()
    for columns in runs:
        names.update(columns.pollutant_name)
        fractional = [
            s
            for s, schedule in enumerate(columns.schedules)
            if any(shift for _, shift in schedule.replacement_slots + schedule.end_slots)
        ]
        if not fractional:
            continue
        first_item = _first_items_with_events(columns)
        for s in fractional:
            schedule = columns.schedules[s]
            for phase, slots in ((0, schedule.replacement_slots), (1, schedule.end_slots)):
                if s in first_item[phase]:
                    shifts.update(shift for _, shift in slots if shift != 0.0)
    # By value: the groups' order must not depend on the order of the bids (regression bug 8).
    return TimeGroups(shifts=tuple(sorted(shifts)), pollutants=tuple(sorted(names)))


#: One-off amounts of an item, by family (kind, key, code), in the order the entries of a
#: schedule list them: at t = 0, at N, at each replacement and at each end of life.
_ITEM_FAMILIES = (
    (COST, _CATEGORY_INDEX["acquisition"], _ACQUISITION),
    (COST, _CATEGORY_INDEX["installation"], _INSTALLATION),
    (EMISSION, _MODULE_INDEX["a1_a3"], _A1_A3),
    (EMISSION, _MODULE_INDEX["a4"], _A4),
    (EMISSION, _MODULE_INDEX["a5"], _A5),
    (COST, _CATEGORY_INDEX["residual_value"], _RESIDUAL),
    (COST, _CATEGORY_INDEX["replacement"], _REPLACEMENT),
    (EMISSION, _MODULE_INDEX["b4"], _B4),
    (COST, _CATEGORY_INDEX["end_of_life"], _END_OF_LIFE),
    (EMISSION, _MODULE_INDEX["c1_c4"], _C1_C4),
    (EMISSION, _MODULE_INDEX["d"], _D),
)
_FAMILY_KIND, _FAMILY_KEY, _FAMILY_CODE = (
    np.array([family[i] for family in _ITEM_FAMILIES], dtype=np.int64) for i in range(3)
)
_AT_START, _AT_END = (0, 1, 2, 3, 4), 5
_AT_REPLACEMENT, _AT_END_OF_LIFE = (6, 7), (8, 9, 10)
#: The family whose amount is priced per event (unit price + installation x price index).
_REPLACEMENT_COST = 6


@dataclass(frozen=True, slots=True)
class ScheduleEvents:
    """The one-off entries of one unit position, for each schedule of a list of schedules.

    Schedule s owns the entries ``start[s] .. start[s] + length[s] - 1``: per entry its family
    (:data:`_ITEM_FAMILIES`), column, time group, price index (of a replacement; 1 otherwise)
    and row (the entry's (family, group) pair, numbered from 0 in that order). Entries are
    listed by family, then time group, then time; events past year N are left out. Time group
    -1 stands for a shift the time groups do not know: no amount may be booked there.

    Example: L = 8, N = 20 (one schedule): acquisition, installation, A1-A3, A4, A5 at column 0,
    residual value at 20, replacement cost and B4 at 8 and 16, end-of-life cost, C1-C4 and D at
    8 and 16: 16 entries in 11 rows.
    """

    family: IntArray
    column: IntArray
    group: IntArray
    index: FloatArray
    row: IntArray
    start: IntArray
    length: IntArray
    #: Rows per schedule at most (row numbers are below it).
    n_rows: int


def _entries(
    schedule: UnitSchedule, shifts: tuple[float, ...], n: int
) -> list[tuple[int, int, int, float]]:
    """(family, column, group, price index) of every one-off event of one unit position."""
    entries: list[tuple[int, int, int, float]] = [(f, 0, EVENT_GROUP, 1.0) for f in _AT_START]
    entries.append((_AT_END, n, EVENT_GROUP, 1.0))
    for families, slots, prices in (
        (_AT_REPLACEMENT, schedule.replacement_slots, schedule.replacement_index),
        (_AT_END_OF_LIFE, schedule.end_slots, (1.0,) * len(schedule.end_slots)),
    ):
        for f in families:
            for (column, shift), price in zip(slots, prices, strict=True):
                if column > n:
                    continue
                if shift == 0.0:
                    group = EVENT_GROUP
                else:
                    group = 2 + shifts.index(shift) if shift in shifts else -1
                entries.append((f, column, group, price if f == _REPLACEMENT_COST else 1.0))
    entries.sort(key=lambda entry: (entry[0], entry[2]))  # stable: time order within
    return entries


@functools.lru_cache(maxsize=256)
def schedule_events(
    schedules: tuple[UnitSchedule, ...], shifts: tuple[float, ...], n: int
) -> ScheduleEvents:
    """The :class:`ScheduleEvents` of ``schedules`` under the time groups' ``shifts``.

    Remembered by value, bounded (a tender has a few schedules; the arrays are read-only): see
    :func:`tco.schedules.unit_schedule` for what it buys.
    """
    family: list[int] = []
    column: list[int] = []
    group: list[int] = []
    index: list[float] = []
    row: list[int] = []
    start: list[int] = []
    length: list[int] = []
    n_rows = 0
    for schedule in schedules:
        pairs: dict[tuple[int, int], int] = {}
        start.append(len(family))
        for f, col, g, price in _entries(schedule, shifts, n):
            family.append(f)
            column.append(col)
            group.append(g)
            index.append(price)
            row.append(pairs.setdefault((f, g), len(pairs)))
        length.append(len(family) - start[-1])
        n_rows = max(n_rows, len(pairs))
    ints = [np.array(values, dtype=np.int64) for values in (family, column, group, row)]
    events = ScheduleEvents(
        family=ints[0],
        column=ints[1],
        group=ints[2],
        index=np.array(index, dtype=np.float64),
        row=ints[3],
        start=np.array(start, dtype=np.int64),
        length=np.array(length, dtype=np.int64),
        n_rows=n_rows,
    )
    for array in (*ints, events.index, events.start, events.length):
        array.setflags(write=False)
    return events


def _residual_values(columns: BidColumns, capital: FloatArray) -> FloatArray:
    """q x the residual value at N of each item's last unit (booked negative).

    Linear on the last purchase's capital cost at its price level for a unit still in service
    at N; a stated resale / buy-back value instead, also when the life ends exactly at N
    (:func:`tco.residual_value.residual_value`).
    """
    schedules, which = columns.schedules, columns.schedule_of
    remaining = np.array([s.remaining for s in schedules], dtype=np.float64)[which]
    life = np.array([s.life for s in schedules], dtype=np.float64)[which]
    last_index = np.array([s.last_index for s in schedules], dtype=np.float64)[which]
    value = residual_value(
        capital * last_index,
        remaining,
        life,
        stated=columns.residual,
        stated_given=columns.residual_given,
    )
    return -columns.quantity * value


def _family_amounts(columns: BidColumns, capital: FloatArray, residual: FloatArray) -> FloatArray:
    """Per item: the amount of each family per event (the replacement cost apart: per event)."""
    s, e = columns.scalars, columns.embodied
    q = s[:, 0]
    qc = q[:, None]
    base = np.empty((len(q), len(_ITEM_FAMILIES)), dtype=np.float64)
    base[:, 0:2] = qc * s[:, 1:3]  # unit price, installation at t = 0
    base[:, 2:5] = qc * e[:, 0:3]  # A1-A3, A4, A5 at t = 0
    base[:, 5] = residual  # at N
    base[:, 6] = 0.0  # replacement cost: per event
    base[:, 7] = _capital_and_embodied(columns)[1]  # B4 at each replacement
    base[:, 8] = q * s[:, 5]  # end-of-life cost at each end of life
    base[:, 9:11] = qc * e[:, 3:5]  # C1-C4, D at each end of life
    return base


def add_item_events(
    columns: BidColumns,
    groups: TimeGroups,
    n: int,
    rows: RowBlocks,
    *,
    seq: IntArray,
) -> None:
    """Purchases, embodied emissions, replacements, ends of life and residual values.

    One entry per item, family and event of its schedule (:class:`ScheduleEvents`); the entries
    with a non-zero amount become the rows' entries, one row per item, family and time group.
    """
    q = columns.quantity
    capital = _capital_and_embodied(columns)[0]
    base = _family_amounts(columns, capital, _residual_values(columns, capital))
    events = schedule_events(tuple(columns.schedules), groups.shifts, n)
    which = columns.schedule_of
    lengths = events.length[which]
    item = np.repeat(np.arange(len(q), dtype=np.int64), lengths)
    first = np.cumsum(lengths) - lengths
    at = np.arange(item.size, dtype=np.int64) + (events.start[which] - first)[item]
    family = events.family[at]
    amounts = np.where(
        family == _REPLACEMENT_COST,
        q[item] * (capital[item] * events.index[at]),
        base[item, family],
    )
    keep = np.flatnonzero(amounts != 0.0)
    if not keep.size:
        return
    item, at = item[keep], at[keep]
    group = events.group[at]
    if bool(np.any(group < 0)):
        raise ValueError("an event is booked at a time shift the time groups do not know")
    # Entries of one row are consecutive (listed by family, then group).
    row_key = item * events.n_rows + events.row[at]
    new = np.empty(row_key.size, dtype=bool)
    new[0] = True
    np.not_equal(row_key[1:], row_key[:-1], out=new[1:])
    heads = np.flatnonzero(new)
    head_family = family[keep[heads]]
    head_item = item[heads]
    rows.add_events(
        (
            _FAMILY_KIND[head_family],
            columns.item_bid[head_item],
            _FAMILY_KEY[head_family],
            group[heads],
            seq[head_item] + _FAMILY_CODE[head_family],
        ),
        rows=np.cumsum(new) - 1,
        columns=events.column[at],
        amounts=amounts[keep],
    )
