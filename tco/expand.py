"""Items and cost streams -> one stream table of numpy arrays (primer §3).

Everything a bid costs or emits becomes a *row* of a :class:`~tco.stream_table.StreamTable`: a
bid, a category (or an EN 15978 module, or a pollutant), a payment-time group and an amount in
every study year 0..N. The kernel turns the rows into cubes; nothing after this module knows
about items, warranties or replacements. Amounts are in real terms at the price level of their
payment time: escalation compounds from the base date to the payment time
(:func:`tco.finance.escalation_index`).

The rules, one module each:

- purchases, replacements, ends of life, warranty years: :mod:`tco.schedules`;
- one-off amounts of items (acquisition, installation, replacement, end of life, embodied
  emissions) and their time groups: :mod:`tco.item_events`;
- residual value at N, of items and of streams alike: :mod:`tco.residual_value`;
- generic cost streams: :mod:`tco.cost_streams`;
- resource use (energy or water and resources): :mod:`tco.resource_use`;
- here, the recurring amounts of items: maintenance of each unit in years 1..N, less the share
  of each year under warranty (pro rata; a warranty ends with the unit it came with); resource
  use x price x escalation index (emissions: use x the factor of the year); other pollutants.

Rows are sorted by (bid, key, time group) and, within those, in the order the rules list them
per item (items in request order, then the bid's own streams). Large tenders can be expanded in
parts of consecutive bids (:class:`PartedExpansion`) with the same rows for every bid.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from tco.bid_columns import BidColumns, bid_columns
from tco.cost_streams import stream_rows
from tco.finance import payment_times
from tco.inputs import Timing
from tco.item_events import (
    FIRST_FREE_CODE,
    MAINTENANCE_CODE,
    TimeGroups,
    add_item_events,
    time_groups,
)
from tco.prepared import CATEGORIES, MODULES, PreparedMethod, PreparedTender
from tco.resource_use import resource_years
from tco.schedules import warranty_coverage
from tco.stream_table import COST, EMISSION, POLLUTANT, RECURRING_GROUP, RowBlocks, StreamTable

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

__all__ = ["PartedExpansion", "expand_tender", "group_payment_times"]

_MAINTENANCE = CATEGORIES.index("maintenance")


def group_payment_times(n: int, timing: Timing, shifts: tuple[float, ...]) -> FloatArray:
    """Payment time of each column 0..N by time group, shape (2 + len(shifts), N + 1).

    Group 0: t (events at whole years); group 1: :func:`tco.finance.payment_times` of the
    recurring amounts; group 2 + k: ``max(t - shifts[k], 0)``.

    Example: N = 2, MID_YEAR, shifts (0.5,): rows ``[0, 1, 2]``, ``[0, 0.5, 1.5]``,
    ``[0, 0.5, 1.5]``.
    """
    columns = np.arange(n + 1, dtype=np.float64)
    rows = [columns, payment_times(timing, columns, True)]
    rows += [np.maximum(columns - shift, 0.0) for shift in shifts]
    return np.asarray(np.stack(rows), dtype=np.float64)


def _add_maintenance(
    columns: BidColumns, n: int, rows: RowBlocks, seq: IntArray, service: BoolArray
) -> None:
    """Maintenance less the warranty (pro rata) running from each purchase, years 1..N."""
    s = columns.scalars
    maintained = np.flatnonzero(s[:, 3] != 0.0)
    if not maintained.size:
        return
    which = columns.schedule_of[maintained]
    warranty = s[maintained, 4]
    pairs: dict[tuple[int, float], int] = {}
    coverage_of = [
        pairs.setdefault(pair, len(pairs))
        for pair in zip(which.tolist(), warranty.tolist(), strict=True)
    ]
    uncovered = np.stack(
        [
            1.0 - warranty_coverage(schedule.purchases, w, schedule.life, n)
            for schedule, w in ((columns.schedules[x], w) for x, w in pairs)
        ]
    )
    yearly = columns.quantity[maintained] * s[maintained, 3]
    amounts = np.where(service, yearly[:, None], 0.0) * uncovered[coverage_of]
    attrs = (
        COST,
        columns.item_bid[maintained],
        _MAINTENANCE,
        RECURRING_GROUP,
        seq[maintained] + MAINTENANCE_CODE,
    )
    rows.add_rows(attrs, amounts)


def _add_resource_use(
    method: PreparedMethod,
    columns: BidColumns,
    rows: RowBlocks,
    seq: IntArray,
    recurring_times: FloatArray,
) -> None:
    """Cost (use x price x escalation index) and emissions (use x factor) of resource use."""
    if not columns.use_item.size:
        return
    position: dict[str, int] = {}
    ids = [position.setdefault(name, len(position)) for name in columns.use_resource]
    priced = resource_years(method, list(position), recurring_times)
    which = np.array(ids, dtype=np.int64)
    user = columns.use_item
    bid = columns.item_bid[user]
    yearly = (columns.quantity[user] * columns.use_amount)[:, None]
    use_seq = seq[user] + FIRST_FREE_CODE + 2 * columns.use_local
    rows.add_rows(
        (COST, bid, priced.category[which], RECURRING_GROUP, use_seq),
        yearly * priced.price[which],
    )
    rows.add_rows(
        (EMISSION, bid, priced.module[which], RECURRING_GROUP, use_seq + 1),
        yearly * priced.factor[which],
    )


def _add_pollutants(
    columns: BidColumns,
    rows: RowBlocks,
    seq: IntArray,
    service: BoolArray,
    *,
    pollutants: tuple[str, ...],
    code: int,
) -> None:
    """Other pollutants, q x kg a year, years 1..N."""
    if not columns.pollutant_item.size:
        return
    position_of = {name: k for k, name in enumerate(pollutants)}
    emitter = columns.pollutant_item
    kg = columns.quantity[emitter] * columns.pollutant_kg
    index = np.array([position_of[name] for name in columns.pollutant_name], dtype=np.int64)
    attrs = (
        POLLUTANT,
        columns.item_bid[emitter],
        index,
        RECURRING_GROUP,
        seq[emitter] + code + columns.pollutant_local,
    )
    rows.add_rows(attrs, np.where(service, kg[:, None], 0.0))


def _local_count(local: IntArray) -> int:
    """Children per owner at most (``local`` numbers each child among its owner's)."""
    return int(local.max()) + 1 if local.size else 0


def stream_table(method: PreparedMethod, columns: BidColumns, groups: TimeGroups) -> StreamTable:
    """The stream table of the bids of ``columns`` (see the module docstring for every rule).

    Every rule is applied to all items at once; rows are then sorted by (bid, key, time group)
    and, within those, by ``seq``: the item's slot x width + the rule's code, so the table does
    not depend on how it was built.
    """
    n = method.study_period_years
    times = group_payment_times(n, method.timing, groups.shifts)
    service = np.arange(n + 1) >= 1  # years 1..N
    rows = RowBlocks(n + 1)
    warnings: list[tuple[int, tuple[str, str, str]]] = []

    pollutant_code = FIRST_FREE_CODE + 2 * _local_count(columns.use_local)
    stream_code = pollutant_code + _local_count(columns.pollutant_local)
    width = stream_code + 3 * _local_count(columns.stream_local)
    if columns.items:
        seq = columns.item_slot * width
        add_item_events(columns, groups, n, rows, seq=seq)
        _add_maintenance(columns, n, rows, seq, service)
        _add_resource_use(method, columns, rows, seq, times[RECURRING_GROUP])
        _add_pollutants(
            columns, rows, seq, service, pollutants=groups.pollutants, code=pollutant_code
        )
    if columns.streams:
        seq = columns.stream_slot * width + stream_code + 3 * columns.stream_local
        blocks = stream_rows(
            columns.streams,
            bid=columns.stream_bid,
            multiplier=columns.stream_multiplier,
            seq=seq,
            group_times=list(times),
            n=n,
        )
        for kind, bid, key, group, seq_of, amounts in blocks:
            if amounts.ndim == 2:
                rows.add_rows((kind, bid, key, group, seq_of), amounts)
            else:  # a residual value at N
                count = len(bid)
                rows.add_events(
                    (kind, bid, key, group, seq_of),
                    rows=np.arange(count, dtype=np.int64),
                    columns=np.full(count, n, dtype=np.int64),
                    amounts=amounts,
                )

    n_keys = max(len(CATEGORIES), len(MODULES), len(groups.pollutants))
    n_seq = (len(columns.items) + columns.n_bids) * width
    cost, emission, pollutant = rows.sorted_rows((columns.n_bids, n_keys, len(times), n_seq))
    warnings.sort(key=lambda entry: entry[0])
    return StreamTable(
        n_bids=columns.n_bids,
        study_period_years=n,
        group_times=times,
        cost_bid=cost[0],
        cost_category=cost[1],
        cost_group=cost[2],
        cost_amounts=cost[3],
        emission_bid=emission[0],
        emission_module=emission[1],
        emission_group=emission[2],
        emission_kg=emission[3],
        pollutants=groups.pollutants,
        pollutant_bid=pollutant[0],
        pollutant_index=pollutant[1],
        pollutant_group=pollutant[2],
        pollutant_kg=pollutant[3],
        warnings=tuple(warning for _, warning in warnings),
    )


def expand_tender(tender: PreparedTender) -> StreamTable:
    """Expand every bid's items and streams into one :class:`StreamTable`.

    Example: one item, unit price 100, service life 4, N = 6, no escalation -> cost rows
    ``acquisition`` 100 at t = 0, ``replacement`` 100 at t = 4 and ``residual_value`` -50 at
    t = 6 (the unit bought at 4 has 2 of its 4 years left).
    """
    columns = bid_columns(tender.bids, tender.method.study_period_years)
    return stream_table(tender.method, columns, time_groups([columns]))


class PartedExpansion:
    """The stream tables of a tender part by part: ranges of consecutive bids.

    Every part has the time groups and the pollutants of the whole tender, so each bid's rows in
    its part are exactly its rows in :func:`expand_tender` (bids numbered from 0 in each part).
    For evaluations too large to hold every bid's rows at once. ``ranges`` are (start, end)
    bid indices covering the bids in order.

    Example: ``PartedExpansion(tender, [(0, 4), (4, 10)]).table(1)`` holds bids 4..9.
    """

    def __init__(self, tender: PreparedTender, ranges: Sequence[tuple[int, int]]) -> None:
        bids = tender.bids
        expected = 0
        for start, end in ranges:
            if start != expected or end <= start:
                raise ValueError(f"ranges must cover the bids in order, got {list(ranges)}")
            expected = end
        if expected != len(bids):
            raise ValueError(f"ranges must cover the bids in order, got {list(ranges)}")
        self._tender = tender
        n = tender.method.study_period_years
        self._runs: list[BidColumns | None] = [
            bid_columns(bids[start:end], n) for start, end in ranges
        ]
        self._groups = time_groups([run for run in self._runs if run is not None])

    def table(self, part: int) -> StreamTable:
        """The stream table of part ``part`` (each part can be taken once: its data is freed)."""
        run = self._runs[part]
        if run is None:
            raise ValueError(f"part {part} was taken already")
        self._runs[part] = None
        return stream_table(self._tender.method, run, self._groups)

    def bid_table(self, index: int) -> StreamTable:
        """The stream table of bid ``index`` alone (its rows as in its part)."""
        tender = self._tender
        run = bid_columns(tender.bids[index : index + 1], tender.method.study_period_years)
        return stream_table(tender.method, run, self._groups)
