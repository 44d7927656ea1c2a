"""Stream table -> cubes and present values, vectorised across bids and years.

Cubes (all float64):

- ``undiscounted[b, c, t]``: cost of bid b in category c belonging to study year t, at the price
  level of its payment time. Real terms by default; in a nominal analysis
  (``rate_basis == NOMINAL``) each amount is multiplied by the inflation index at its payment
  time, ``(1 + i) ** tau``, so the table shows nominal money (the residual value at N included,
  bug class 5).
- ``discounted[b, c, t]``: present value at t = 0: the real amount x ``(1 + d_real) ** -tau``
  (identical to nominal x ``(1 + d_nominal) ** -tau`` by Fisher).
- ``emissions[b, m, t]``: kgCO2e by EN 15978 module (physical; module D always kept here).

``tau`` is the payment time of the row's time group (:class:`TimeGrid`). The hot path is a
handful of numpy passes over the (rows x years) amount matrix: discount factors per time group
(a few rows of N + 1 values), one gather, one multiply, one segmented sum (``np.bincount``
over the flat index bid x category x year, adding in row order: see :func:`_segment_sum`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tco.finance import discount_factors, escalation_index
from tco.inputs import RateBasis
from tco.prepared import CATEGORIES, MODULES, PreparedMethod
from tco.stream_table import StreamTable

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

__all__ = [
    "Cubes",
    "TimeGrid",
    "compute_cubes",
    "counted_modules",
    "present_value_totals",
    "time_grid",
]


def counted_modules(include_module_d: bool) -> npt.NDArray[np.bool_]:
    """Which EN 15978 modules (:data:`tco.prepared.MODULES` order) count in emission totals.

    Every module except D, which counts only when the method includes it (D is always reported).

    Example: ``counted_modules(False)[MODULES.index("d")]`` is False.
    """
    return _COUNTED[bool(include_module_d)]


def _counted(include_module_d: bool) -> npt.NDArray[np.bool_]:
    counted = np.ones(len(MODULES), dtype=bool)
    counted[MODULES.index("d")] = include_module_d
    counted.setflags(write=False)
    return counted


#: :func:`counted_modules` of False and True (read-only, shared).
_COUNTED = {False: _counted(False), True: _counted(True)}


@dataclass(frozen=True, slots=True)
class TimeGrid:
    """Per time group and study year: payment time, discount factor and reporting factor.

    ``report`` turns a real amount into the money of its payment year: ``(1 + i) ** tau`` in a
    nominal analysis, 1 in a real one. Shapes (groups, N + 1).
    """

    times: FloatArray
    discount: FloatArray
    report: FloatArray


def time_grid(group_times: FloatArray, method: PreparedMethod) -> TimeGrid:
    """Discount and reporting factors for the payment times of every time group.

    Example (d = 3 % real, END_OF_YEAR, N = 2): ``discount = [[1, 1/1.03, 1/1.03**2], ...]``.
    """
    times = np.asarray(group_times, dtype=np.float64)
    discount = np.asarray(discount_factors(method.discount_rate, times), dtype=np.float64)
    if method.rate_basis is RateBasis.NOMINAL and method.inflation_rate != 0.0:
        report = np.asarray(escalation_index(method.inflation_rate, times), dtype=np.float64)
    else:
        report = np.ones_like(times)
    return TimeGrid(times=times, discount=discount, report=report)


@dataclass(frozen=True, slots=True)
class Cubes:
    """The cubes of one evaluation (see the module docstring for units and conventions)."""

    #: (bids, categories, N + 1), money at the price level of the payment year.
    undiscounted: FloatArray
    #: (bids, categories, N + 1), present value at t = 0.
    discounted: FloatArray
    #: (bids, modules, N + 1), kgCO2e.
    emissions: FloatArray
    #: (bids, groups, N + 1), kgCO2e of the modules that count in the total, by time group.
    counted_emissions_by_group: FloatArray
    #: (bids, pollutants, groups, N + 1), kg.
    pollutant_kg_by_group: FloatArray

    @property
    def life_cycle_cost(self) -> FloatArray:
        """Present value of all costs by bid, shape (bids,)."""
        return np.asarray(self.discounted.sum(axis=(1, 2)), dtype=np.float64)

    @property
    def life_cycle_cost_undiscounted(self) -> FloatArray:
        """Sum of the undiscounted cash flows by bid, shape (bids,)."""
        return np.asarray(self.undiscounted.sum(axis=(1, 2)), dtype=np.float64)

    @property
    def cost_by_category(self) -> FloatArray:
        """Present value by bid and category, shape (bids, categories)."""
        return np.asarray(self.discounted.sum(axis=2), dtype=np.float64)


def _cells(keys: IntArray, n_years: int) -> IntArray:
    """Flat index ``key x (N + 1) + t`` of every element of a (rows, N + 1) amount matrix."""
    return ((keys * n_years)[:, None] + np.arange(n_years, dtype=np.int64)).reshape(-1)


#: The bits of -0.0 read as an int64.
_NEGATIVE_ZERO_BITS = np.int64(np.iinfo(np.int64).min)


def _sum_cells(cells: IntArray, values: FloatArray, n_keys: int) -> FloatArray:
    """:func:`_segment_sum` for rows already turned into :func:`_cells`."""
    n_years = values.shape[1]
    size = n_keys * n_years
    flat = np.ascontiguousarray(values, dtype=np.float64).reshape(-1)
    out = np.bincount(cells, weights=flat, minlength=size)
    # -0.0 is the one float64 whose bits are those of the smallest int64 (one integer compare).
    negative_zero = flat.view(np.int64) == _NEGATIVE_ZERO_BITS
    if negative_zero.any():
        # 0 + (-0.0) is +0.0: a cell whose every amount is -0.0 sums to -0.0 row by row.
        others = np.bincount(cells, weights=~negative_zero, minlength=size)
        seen = np.bincount(cells, minlength=size)
        out[(others == 0.0) & (seen > 0)] = -0.0
    return np.asarray(out, dtype=np.float64).reshape(n_keys, n_years)


def _segment_sum(values: FloatArray, keys: IntArray, n_keys: int) -> FloatArray:
    """Sum rows of ``values`` with equal ``keys`` into an (n_keys, columns) array.

    Each element of the result is the sum of its rows' elements added one after another in
    table order, ``out[k, t] = ((v_1 + v_2) + v_3) + ...``, so every bit of the result depends
    only on the input (the rows of other keys do not matter, nor how many there are). Done by
    one ``np.bincount`` over the flat index ``key x columns + t``, which adds in input order
    from 0.0; the one difference, ``0.0 + (-0.0) = +0.0``, is put right for the cells whose
    every element is ``-0.0``. (``np.add.reduceat`` does not keep that order.)

    Example: rows ``[1, 2]``, ``[10, 20]``, ``[100, 200]`` with keys ``2, 0, 2`` ->
    ``out[0] = [10, 20]``, ``out[2] = [101, 202]``, other rows 0.
    """
    return _sum_cells(_cells(keys, values.shape[1]), values, n_keys)


def present_value_totals(table: StreamTable, grid: TimeGrid) -> FloatArray:
    """Life-cycle cost (present value of every cost row) by bid, shape (bids,). The fast path.

    Formula: ``LCC_b = sum_rows sum_t A_{row,t} (1 + d) ** -tau_{g(row),t}``.

    Example: 30 000 a year, years 1..30, END_OF_YEAR, d = 8 %: 337 733.5.
    """
    amounts = table.cost_amounts
    if amounts.shape[0] == 0:
        return np.zeros(table.n_bids, dtype=np.float64)
    row = _common_row(grid.discount)
    if row is not None:  # every group discounts alike (end of year, no fractional events)
        per_row = np.einsum("st,t->s", amounts, row)
    else:
        per_row = np.einsum("st,st->s", amounts, grid.discount[table.cost_group])
    return np.bincount(table.cost_bid, weights=per_row, minlength=table.n_bids).astype(np.float64)


def _all_ones(factors: FloatArray) -> bool:
    return bool(np.all(factors == 1.0))


def _common_row(factors: FloatArray) -> FloatArray | None:
    """The row of a (groups, N + 1) factor table when all its rows are equal, else None."""
    first = factors[0]
    return first if bool(np.all(factors == first)) else None


def compute_cubes(table: StreamTable, grid: TimeGrid, *, include_module_d: bool) -> Cubes:
    """Aggregate the stream table into cubes by bid, category / module and study year.

    Example: one bid, 100 SEK acquisition at t = 0 and 110 SEK energy in year 1 at d = 10 %:
    ``undiscounted[0, acquisition] = [100, 0]``, ``discounted[0, energy] = [0, 100]``.
    """
    n_bids = table.n_bids
    n_years = table.n_years
    n_categories = len(CATEGORIES)
    n_modules = len(MODULES)
    n_groups = grid.times.shape[0]

    cost_cells = _cells(table.cost_bid * n_categories + table.cost_category, n_years)
    amounts = table.cost_amounts
    group = table.cost_group
    # A real analysis reports real money: the factor is 1 and x * 1.0 == x, bit for bit.
    reported = amounts if _all_ones(grid.report) else amounts * grid.report[group]
    undiscounted = _sum_cells(cost_cells, reported, n_bids * n_categories)
    row = _common_row(grid.discount)
    discount = grid.discount[group] if row is None else row  # the same factors, not gathered
    discounted = _sum_cells(cost_cells, amounts * discount, n_bids * n_categories)

    emission_keys = table.emission_bid * n_modules + table.emission_module
    emissions = _segment_sum(table.emission_kg, emission_keys, n_bids * n_modules)

    counted_rows = counted_modules(include_module_d)[table.emission_module]
    counted_keys = table.emission_bid[counted_rows] * n_groups + table.emission_group[counted_rows]
    counted_by_group = _segment_sum(
        table.emission_kg[counted_rows], counted_keys, n_bids * n_groups
    )

    n_pollutants = len(table.pollutants)
    pollutant_keys = (
        table.pollutant_bid * n_pollutants + table.pollutant_index
    ) * n_groups + table.pollutant_group
    pollutants = _segment_sum(
        table.pollutant_kg, pollutant_keys, n_bids * max(n_pollutants, 1) * n_groups
    )

    return Cubes(
        undiscounted=undiscounted.reshape(n_bids, n_categories, n_years),
        discounted=discounted.reshape(n_bids, n_categories, n_years),
        emissions=emissions.reshape(n_bids, n_modules, n_years),
        counted_emissions_by_group=counted_by_group.reshape(n_bids, n_groups, n_years),
        pollutant_kg_by_group=pollutants[: n_bids * n_pollutants * n_groups].reshape(
            n_bids, n_pollutants, n_groups, n_years
        ),
    )
