"""The stream table: every cost, emission and pollutant row of every bid, as numpy arrays.

A *row* is a bid, a key (a cost category, an EN 15978 module or a pollutant), a payment-time
group and an amount in every study year 0..N. :mod:`tco.expand` writes the rows; the kernel
(:mod:`tco.kernel`) sums them into cubes. Column t of a row holds what belongs to study year t;
*when* it is paid is the row's time group (:attr:`StreamTable.group_times`): group 0 holds events
at whole years (paid at t), group 1 recurring amounts (paid at :func:`tco.finance.payment_times`),
further groups events at a fraction of a year.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import cast

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

__all__ = ["EVENT_GROUP", "RECURRING_GROUP", "RowBlocks", "StreamTable"]

#: Time group of one-off events at whole years (paid at t).
EVENT_GROUP = 0
#: Time group of recurring amounts (paid per the method's timing convention).
RECURRING_GROUP = 1

#: Row kinds of a stream table.
COST, EMISSION, POLLUTANT = 0, 1, 2


@dataclass(frozen=True, slots=True)
class StreamTable:
    """Every cost, emission and pollutant row of every bid, as numpy arrays.

    Rows of each kind are sorted by (bid, category/module/pollutant, time group) and, among rows
    with the same three, in the order :mod:`tco.expand` lists the rules for each item (items in
    request order, then the bid's own streams); a row is kept only when it has a non-zero
    amount. Amounts are per study year 0..N (shape ``(rows, N + 1)``): money in real terms at
    the price level of the payment time; emissions in kgCO2e; pollutants in kg. The order
    matters: the kernel sums rows in it, so the same tender always gives the same bits.
    """

    n_bids: int
    study_period_years: int
    #: Payment time of each column, by time group, shape (groups, N + 1).
    group_times: FloatArray
    cost_bid: IntArray
    #: Index into :data:`tco.prepared.CATEGORIES`.
    cost_category: IntArray
    cost_group: IntArray
    cost_amounts: FloatArray
    emission_bid: IntArray
    #: Index into :data:`tco.prepared.MODULES`.
    emission_module: IntArray
    emission_group: IntArray
    emission_kg: FloatArray
    #: Pollutant names, sorted; rows index into it.
    pollutants: tuple[str, ...]
    pollutant_bid: IntArray
    pollutant_index: IntArray
    pollutant_group: IntArray
    pollutant_kg: FloatArray
    #: (code, message, bid_id) triples found while expanding.
    warnings: tuple[tuple[str, str, str], ...] = ()

    @property
    def n_years(self) -> int:
        """Columns per row: N + 1."""
        return self.study_period_years + 1


#: kind, bid, key, group and seq of a block of rows (an int stands for the whole block).
RowAttributes = tuple[IntArray | int, IntArray, IntArray | int, IntArray | int, IntArray]

#: (bid, key, group, amounts) of the rows of one kind, in table order.
SortedRows = tuple[IntArray, IntArray, IntArray, FloatArray]


class RowBlocks:
    """Rows of all three kinds, collected in blocks; sorted and split once at the end.

    A *sparse* block holds one-off events: a few (column, amount) entries per row, scattered into
    one matrix at the end. A *dense* block holds whole rows (recurring amounts). Every block gives
    per row its kind, bid, key (category, module or pollutant), time group and ``seq``, the
    insertion order within the bid (item slot x width + rule code).
    """

    __slots__ = ("dense", "dense_attrs", "entries", "n_sparse", "n_years", "sparse_attrs")

    def __init__(self, n_years: int) -> None:
        self.n_years = n_years
        self.sparse_attrs: list[RowAttributes] = []
        self.dense_attrs: list[RowAttributes] = []
        self.n_sparse = 0
        self.entries: list[tuple[IntArray, IntArray, FloatArray]] = []
        self.dense: list[FloatArray] = []

    def add_events(
        self, attrs: RowAttributes, *, rows: IntArray, columns: IntArray, amounts: FloatArray
    ) -> None:
        """Rows with entries ``(rows[i], columns[i], amounts[i])``, rows numbered in the block."""
        self.sparse_attrs.append(attrs)
        self.entries.append((rows + self.n_sparse, columns, amounts))
        self.n_sparse += len(attrs[1])

    def add_rows(self, attrs: RowAttributes, amounts: FloatArray) -> None:
        """Whole rows; a row without a non-zero amount is dropped."""
        kind, bid, key, group, seq = attrs
        keep = (amounts != 0.0).any(axis=1)
        if not keep.all():
            if not keep.any():
                return
            bid, seq, amounts = bid[keep], seq[keep], amounts[keep]
            key = key if isinstance(key, int) else key[keep]
            group = group if isinstance(group, int) else group[keep]
        self.dense_attrs.append((kind, bid, key, group, seq))
        self.dense.append(amounts)

    def sorted_rows(self, bounds: tuple[int, int, int, int]) -> list[SortedRows]:
        """(bid, key, group, amounts) of each kind, sorted by bid, key, group, insertion.

        ``bounds`` are upper bounds (exclusive) of bid, key, group and ``seq``: the rows are
        sorted by one number, ``(((kind B + bid) K + key) G + group) S + seq``, whose order is
        the order of the five columns (one stable sort instead of five), whenever that number
        fits in 62 bits; else by the five columns.

        Example: rows (kind, bid, key, group, seq) ``(0, 1, 3, 0, 5)``, ``(0, 0, 7, 1, 2)``,
        ``(1, 0, 2, 0, 0)``: cost rows bid 0 then bid 1; the emission row alone.
        """
        n_years = self.n_years
        attrs = self.sparse_attrs + self.dense_attrs
        if not attrs:
            empty = np.zeros(0, dtype=np.int64)
            return [(empty, empty, empty, np.zeros((0, n_years)))] * 3
        sizes = [len(block[1]) for block in attrs]
        kind, bid, key, group, seq = (
            _column([block[a] for block in attrs], sizes) for a in range(5)
        )
        sparse = np.zeros((self.n_sparse, n_years), dtype=np.float64)
        if self.entries:
            rows = np.concatenate([e[0] for e in self.entries])
            columns = np.concatenate([e[1] for e in self.entries])
            sparse[rows, columns] = np.concatenate([e[2] for e in self.entries])
        amounts = np.concatenate([sparse, *self.dense]) if self.dense else sparse
        if 3 * math.prod(bounds) < 1 << 62:
            n_bid, n_key, n_group, n_seq = bounds
            combined = ((kind * n_bid + bid) * n_key + key) * n_group + group
            order = np.argsort(combined * n_seq + seq, kind="stable")
        else:
            order = np.lexsort((seq, group, key, bid, kind))
        ends = np.cumsum(np.bincount(kind, minlength=3)).tolist()
        out = []
        start = 0
        for end in ends:
            part = order[start:end]
            out.append((bid[part], key[part], group[part], amounts[part]))
            start = end
        return out


def _column(values: list[IntArray | int], sizes: list[int]) -> IntArray:
    """One int64 column from per-block arrays or per-block constants."""
    if int not in map(type, values):
        return np.concatenate(cast("list[IntArray]", values))
    return np.concatenate(
        [
            np.full(size, v, dtype=np.int64) if type(v) is int else cast("IntArray", v)
            for v, size in zip(values, sizes, strict=True)
        ]
    )
