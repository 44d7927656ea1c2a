"""The pipeline: tender -> prepared tender -> streams -> cubes -> costs -> ranking -> results.

:func:`evaluate` is the entry point of the core: it validates (:func:`tco.validate.prepare`,
raising :class:`tco.errors.InvalidTender`), computes the digests (:mod:`tco.digest`) and calls
:func:`evaluate_prepared`, which does the arithmetic in one direction:

1. :func:`tco.expand.expand_tender`: items and streams -> stream table;
2. :mod:`tco.kernel`: cubes (bids x categories x years), present values;
3. :mod:`tco.climate`: climate cost and other externalities;
4. :mod:`tco.models`: comparison numbers and ranking (on numbers rounded to the minor unit);
5. :mod:`tco.measures` against the baseline bid, :mod:`tco.circularity` (MCI);
6. annual value ``LCC / UPV(d, N)``, cost per functional unit, explanations;
7. rounding of every money figure half-up to the currency's minor unit (:mod:`tco.rounding`),
   the yearly cash flows included.

Steps 1-3, 5-7 are per bid: a large tender goes through them in parts of consecutive bids
(:data:`PART_BUDGET`), so no array ever holds every bid's rows; only the ranking (4) sees all bids.

Determinism: no clocks, no randomness, no set iteration; every order is the request's order or
a fixed table order, so the same tender gives bit-identical results, in one part or in many.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
import itertools
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from tco import circularity, measures, models
from tco.climate import climate_cost, climate_warnings, pollutant_cost
from tco.expand import PartedExpansion, StreamTable, expand_tender
from tco.finance import upv
from tco.inputs import ModelKind, RateBasis, Tender, Timing
from tco.kernel import Cubes, compute_cubes, counted_modules, time_grid
from tco.prepared import CATEGORIES, MODULES, PreparedBid, PreparedMethod, PreparedTender
from tco.results import BidResult, Evaluation, Explanation, Measures, Warning
from tco.rounding import round_array_money, round_array_money_in_place
from tco.version import __version__

FloatArray = npt.NDArray[np.float64]

__all__ = ["CASH_FLOW_CATEGORIES", "PART_BUDGET", "evaluate", "evaluate_prepared"]

#: Row labels of every bid's cash-flow arrays.
CASH_FLOW_CATEGORIES: tuple[str, ...] = (*CATEGORIES, "climate", "pollutants")

_TIMING_RULE = {
    Timing.END_OF_YEAR: "recurring amounts of year t paid at t (end of year)",
    Timing.MID_YEAR: "recurring amounts of year t >= 1 paid at t - 0.5 (mid-year)",
    Timing.BEGINNING_OF_YEAR: (
        "recurring amounts of service year k paid at k - 1 (beginning of year)"
    ),
}


def evaluate(
    tender: Tender,
    *,
    validate_only: bool = False,
    checkpoint: Callable[[], None] | None = None,
) -> Evaluation:
    """Validate and evaluate a tender; the result is sorted by rank (ties in request order).

    Raises :class:`tco.errors.InvalidTender` naming every bad field. With ``validate_only``
    nothing is computed: the result carries the digests and the warnings only.

    ``checkpoint``, when given, is called after validation (before any arithmetic) and again
    before the results are assembled; whatever it raises stops the evaluation there (the server
    uses it to stop work for a client whose deadline has passed).
    """
    # Imported here so that evaluate_prepared (benchmarks, Monte Carlo) never starts the unit
    # registry that validation builds.
    from tco import digest, validate  # noqa: PLC0415

    prepared = validate.prepare(tender)
    method_digest, request_digest = digest.digests(tender)
    if validate_only:
        warnings = _prepared_warnings(prepared) + climate_warnings(
            prepared.method.carbon_price, prepared.method.base_year
        )
        return Evaluation(
            results=(),
            warnings=warnings,
            currency=prepared.method.currency,
            method_digest=method_digest,
            request_digest=request_digest,
            engine_version=__version__,
            validated_only=True,
        )
    if checkpoint is not None:
        checkpoint()
    return evaluate_prepared(
        prepared,
        method_digest=method_digest,
        request_digest=request_digest,
        checkpoint=checkpoint,
    )


def _prepared_warnings(prepared: PreparedTender) -> tuple[Warning, ...]:
    return tuple(Warning(code, message, bid_id) for code, message, bid_id in prepared.warnings)


#: Working set of one part of an evaluation, in float64 values (64 MiB): the stream table and
#: cubes of that many bids' rows x years at most (see :func:`_parts`).
PART_BUDGET = 1 << 23


def evaluate_prepared(
    prepared: PreparedTender,
    *,
    method_digest: str = "",
    request_digest: str = "",
    checkpoint: Callable[[], None] | None = None,
    part_bids: int | None = None,
) -> Evaluation:
    """Evaluate a validated tender: every figure, rounded for output, bids sorted by rank.

    Money figures are rounded half-up to ``method.minor_unit_digits``; ranking uses the rounded
    comparison numbers (a tie is equality in the published money). Emissions (kgCO2e), ratios
    and percentages are not rounded.

    Large tenders are computed in parts of consecutive bids (at most ``part_bids`` each; by
    default as many as fit :data:`PART_BUDGET`), so the stream table and the cubes never hold
    every bid at once; each bid's figures are computed from its own rows only, so they are the
    same, bit for bit, whatever the parts. Only the ranking looks at all bids together.
    ``checkpoint`` is called before the results are assembled (see :func:`evaluate`).
    """
    with _collector_paused():
        return _evaluate_prepared(
            prepared,
            method_digest=method_digest,
            request_digest=request_digest,
            checkpoint=checkpoint,
            part_bids=part_bids,
        )


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while the results are built.

    An evaluation creates some tens of acyclic objects per bid (results, explanations, their
    tuples and dicts) and frees no cycles; the collector would traverse all of them again and
    again as they accumulate (a third of the time at 100 000 bids). Reference counting still
    frees everything; the collector is restored (only if it was on) when the evaluation ends.
    """
    enabled = gc.isenabled()
    if enabled:
        gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _evaluate_prepared(
    prepared: PreparedTender,
    *,
    method_digest: str,
    request_digest: str,
    checkpoint: Callable[[], None] | None,
    part_bids: int | None,
) -> Evaluation:
    method = prepared.method
    bids = prepared.bids
    ids = [bid.id for bid in bids]
    context = _Context.of(prepared)
    ranges = _parts(prepared, part_bids)
    if len(ranges) == 1:
        parts = [_compute(context, bids, expand_tender(prepared), 0, None)]
    else:
        expansion = PartedExpansion(prepared, ranges)
        baseline = None
        if context.baseline_index is not None:
            baseline = _baseline(context, expansion.bid_table(context.baseline_index))
        parts = [
            _compute(context, bids[start:end], expansion.table(k), start, baseline)
            for k, (start, end) in enumerate(ranges)
        ]
    if checkpoint is not None:
        checkpoint()
    evaluated = (
        parts[0].evaluated if len(parts) == 1 else np.concatenate([p.evaluated for p in parts])
    )
    ranking = models.rank_bids(evaluated, ids)
    digits = method.minor_unit_digits
    difference_to_best = round_array_money(ranking.difference_to_best, digits).tolist()
    rank = ranking.rank.tolist()
    tied = ranking.tied.tolist()
    percent = ranking.difference_to_best_percent.tolist()

    explainer = _Explainer(method, context.upv_factor)
    results: list[BidResult] = []
    for part in parts:
        results.extend(
            part.results(
                explainer,
                rank=rank,
                tied=tied,
                difference_to_best=difference_to_best,
                difference_to_best_percent=percent,
            )
        )
    order = np.argsort(np.asarray(rank, dtype=np.int64), kind="stable").tolist()
    warnings = (
        _prepared_warnings(prepared)
        + tuple(
            Warning(code, message, bid_id) for p in parts for code, message, bid_id in p.warnings
        )
        + climate_warnings(method.carbon_price, method.base_year)
        + tuple(ranking.warnings)
    )
    return Evaluation(
        results=tuple(results[i] for i in order),
        warnings=warnings,
        currency=method.currency,
        method_digest=method_digest,
        request_digest=request_digest,
        engine_version=__version__,
    )


@dataclasses.dataclass(frozen=True, slots=True)
class _Context:
    """What every part of one evaluation shares."""

    prepared: PreparedTender
    upv_factor: float
    counted: npt.NDArray[np.bool_]
    baseline_index: int | None
    calendar_years: tuple[int, ...]

    @staticmethod
    def of(prepared: PreparedTender) -> _Context:
        method = prepared.method
        baseline = method.baseline_bid_id
        index = None
        if baseline:
            index = next((i for i, bid in enumerate(prepared.bids) if bid.id == baseline), None)
        n = method.study_period_years
        return _Context(
            prepared=prepared,
            upv_factor=_upv_factor(method.discount_rate, n),
            counted=counted_modules(method.include_module_d),
            baseline_index=index,
            calendar_years=tuple(method.base_year + t for t in range(n + 1)),
        )


@functools.lru_cache(maxsize=256)
def _upv_factor(discount_rate: float, n: int) -> float:
    """``UPV(d, N)`` (:func:`tco.finance.upv`) as a float, remembered: methods repeat."""
    return float(upv(discount_rate, n))


def _parts(prepared: PreparedTender, part_bids: int | None) -> list[tuple[int, int]]:
    """Consecutive (start, end) ranges of bids whose rows fit :data:`PART_BUDGET`.

    A bid weighs its cube rows (about 64 per bid) plus its stream-table rows (about 12 per item
    and 3 per stream), each N + 1 values.
    """
    bids = prepared.bids
    if part_bids is not None:
        if part_bids < 1:
            raise ValueError(f"part_bids must be >= 1, got {part_bids}")
        return [(s, min(s + part_bids, len(bids))) for s in range(0, len(bids), part_bids)]
    per_row = prepared.method.study_period_years + 1
    weights = [64 + 12 * len(bid.items) + 3 * len(bid.costs) for bid in bids]
    if sum(weights) * per_row <= PART_BUDGET:
        return [(0, len(bids))]
    limit = max(PART_BUDGET // per_row, 1)
    ranges: list[tuple[int, int]] = []
    start, total = 0, 0
    for i, weight in enumerate(weights):
        if total and total + weight > limit:
            ranges.append((start, i))
            start, total = i, 0
        total += weight
    ranges.append((start, len(bids)))
    return ranges


@dataclasses.dataclass(frozen=True, slots=True)
class _Baseline:
    """The baseline bid's own cash flows and emissions, for the measures of the other parts."""

    bid_id: str
    undiscounted: FloatArray
    discounted: FloatArray
    emissions_total: FloatArray


def _baseline(context: _Context, table: StreamTable) -> _Baseline:
    """:class:`_Baseline` from the baseline bid's stream table alone (its rows, as in a part)."""
    method = context.prepared.method
    assert context.baseline_index is not None
    cubes = compute_cubes(
        table, time_grid(table.group_times, method), include_module_d=method.include_module_d
    )
    by_year = cubes.emissions[:, context.counted, :].sum(axis=1)
    return _Baseline(
        bid_id=context.prepared.bids[context.baseline_index].id,
        undiscounted=cubes.undiscounted,
        discounted=cubes.discounted,
        emissions_total=np.asarray(by_year.sum(axis=1), dtype=np.float64),
    )


@dataclasses.dataclass(frozen=True, slots=True)
class _Part:
    """Every figure of a run of consecutive bids, rounded for output where it is money."""

    context: _Context
    #: Index of the part's first bid in the tender.
    start: int
    bids: Sequence[PreparedBid]
    #: Rounded money figures by name (:data:`_MONEY_FIGURES` and ``cost_by_category``).
    money: dict[str, FloatArray]
    #: Rounded comparison numbers (for the ranking).
    evaluated: FloatArray
    #: Rounded cash flows, (bids, len(CASH_FLOW_CATEGORIES), N + 1).
    cash_flow_undiscounted: FloatArray
    cash_flow_discounted: FloatArray
    #: kgCO2e by year (counted modules), in total, and by module.
    by_year: FloatArray
    totals: FloatArray
    module_totals: FloatArray
    #: kg of each pollutant over the study period, (bids, pollutants).
    pollutant_kg: FloatArray
    pollutants: tuple[str, ...]
    measures: list[Measures] | None
    warnings: tuple[tuple[str, str, str], ...]

    def results(
        self,
        explainer: _Explainer,
        *,
        rank: list[int],
        tied: list[bool],
        difference_to_best: list[float],
        difference_to_best_percent: list[float],
    ) -> list[BidResult]:
        """The result of each bid of the part, in bid order.

        Built column by column: each figure of every bid of the part is turned into Python
        objects in one pass (``ndarray.tolist``, one template per line of explanation), then
        one :class:`BidResult` per bid is made from the columns (:func:`_constructor`).
        """
        money = self.money
        bids = self.bids
        n = len(bids)
        start, end = self.start, self.start + len(bids)
        lcc = money["life_cycle_cost"].tolist()
        climate = money["climate_cost"].tolist()
        externality = money["externality_cost"].tolist()
        deductions = money["deductions"].tolist()
        evaluated = money["evaluated"].tolist()
        annual = money["annual_value"].tolist()
        per_unit = [
            None if bid.functional_units_delivered == 0.0 else value
            for bid, value in zip(bids, money["cost_per_functional_unit"].tolist(), strict=True)
        ]
        totals = self.totals.tolist()
        by_category = money["cost_by_category"]
        measures = self.measures
        explanations = explainer.explain_part(
            bids,
            emissions_total=totals,
            pollutant_kg=self.pollutant_kg,
            pollutants=self.pollutants,
            lcc=lcc,
            climate=climate,
            externality=externality,
            deductions=deductions,
            evaluated=evaluated,
            annual_value=annual,
            cost_by_category=by_category,
            per_unit=per_unit,
        )
        return list(
            map(
                _make_result,
                [bid.id for bid in bids],
                [bid.supplier for bid in bids],
                rank[start:end],
                tied[start:end],
                lcc,
                money["life_cycle_cost_undiscounted"].tolist(),
                climate,
                externality,
                deductions,
                evaluated,
                difference_to_best[start:end],
                difference_to_best_percent[start:end],
                annual,
                [dict(zip(CATEGORIES, row, strict=True)) for row in by_category.tolist()],
                [dict(zip(MODULES, row, strict=True)) for row in self.module_totals.tolist()],
                totals,
                list(map(tuple, self.by_year.tolist())),
                itertools.repeat(None, n) if measures is None else measures,
                [
                    None
                    if bid.circularity is None
                    else float(circularity.material_circularity_indicator(bid.circularity))
                    for bid in bids
                ],
                per_unit,
                explanations,
                itertools.repeat(CASH_FLOW_CATEGORIES, n),
                itertools.repeat(self.context.calendar_years, n),
                list(self.cash_flow_undiscounted),
                list(self.cash_flow_discounted),
            )
        )


_T = TypeVar("_T")


def _constructor(cls: type[_T]) -> Callable[..., _T]:
    """A positional constructor of a frozen, slotted result dataclass, for many instances.

    ``make(*values)`` gives the object ``cls(*values)`` gives (every field in declaration
    order, no defaults applied), without the per-field ``object.__setattr__`` of a frozen
    dataclass's ``__init__``: each slot is set through its descriptor. Only for dataclasses
    without ``__post_init__`` (checked).

    Example: ``_constructor(Warning)("CODE", "text", "bid-1") == Warning("CODE", "text", "bid-1")``.
    """
    if not dataclasses.is_dataclass(cls) or hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__} is not a plain dataclass")
    names = [field.name for field in dataclasses.fields(cls)]
    namespace: dict[str, Any] = {"new": object.__new__, "cls": cls}
    lines = [f"def make({', '.join(names)}):", "    self = new(cls)"]
    for k, name in enumerate(names):
        namespace[f"set{k}"] = getattr(cls, name).__set__
        lines.append(f"    set{k}(self, {name})")
    lines.append("    return self")
    # The source holds field names only, never a value.
    exec("\n".join(lines), namespace)
    make: Callable[..., _T] = namespace["make"]
    return make


_make_result = _constructor(BidResult)
_make_explanation = _constructor(Explanation)
_make_measures = _constructor(Measures)


#: Money figures per bid, in the order they are laid out in the rounding buffer.
_MONEY_FIGURES = (
    "life_cycle_cost",
    "life_cycle_cost_undiscounted",
    "climate_cost",
    "externality_cost",
    "deductions",
    "evaluated",
    "annual_value",
    #: NaN where the bid states no functional units.
    "cost_per_functional_unit",
)


def _compute(
    context: _Context,
    bids: Sequence[PreparedBid],
    table: StreamTable,
    start: int,
    baseline: _Baseline | None,
) -> _Part:
    """Cubes, climate and other externalities, comparison numbers, rounding, measures."""
    method = context.prepared.method
    grid = time_grid(table.group_times, method)
    cubes = compute_cubes(table, grid, include_module_d=method.include_module_d)
    climate = climate_cost(cubes.counted_emissions_by_group, method.carbon_price, grid)
    pollutants = pollutant_cost(
        cubes.pollutant_kg_by_group, table.pollutants, method.pollutant_prices, grid
    )
    lcc = cubes.life_cycle_cost
    outcome = models.comparison_numbers(
        method.model,
        life_cycle_cost=lcc,
        climate_cost=climate.total,
        externality_cost=pollutants.total,
        fixed_deductions=np.array(
            [sum(d.amount for d in bid.deductions) for bid in bids], dtype=np.float64
        ),
        ladder_levels=np.array([bid.ladder_level for bid in bids], dtype=np.int64),
    )
    by_year = np.asarray(cubes.emissions[:, context.counted, :].sum(axis=1), dtype=np.float64)
    emissions_total = np.asarray(by_year.sum(axis=1), dtype=np.float64)
    evaluated = np.asarray(outcome.evaluated, dtype=np.float64)

    # Every money figure rounded half-up (below).
    n_bids = len(bids)
    n_years = method.study_period_years + 1
    n_categories = len(CATEGORIES)
    n_rows = len(CASH_FLOW_CATEGORIES)
    units = np.array([bid.functional_units_delivered for bid in bids], dtype=np.float64)
    stated = units != 0.0
    per_unit = np.full(n_bids, np.nan)
    per_unit[stated] = evaluated[stated] / units[stated]
    vectors = (
        lcc,
        cubes.life_cycle_cost_undiscounted,
        climate.total,
        pollutants.total,
        np.asarray(outcome.deductions, dtype=np.float64),
        evaluated,
        lcc / context.upv_factor,
        per_unit,
    )
    # The figures, the measures' four money figures and the cash flows in one buffer, rounded
    # in one pass (element by element: the bits of rounding each of them on its own).
    raw_measures = _raw_measures(
        context, bids, start=start, cubes=cubes, totals=emissions_total, baseline=baseline
    )
    head = len(vectors) * n_bids
    body = head + n_bids * n_categories
    tail = body + (0 if raw_measures is None else 4 * len(raw_measures))
    buffer = np.empty(tail + 2 * n_bids * n_rows * n_years, dtype=np.float64)
    buffer[:head].reshape(len(vectors), n_bids)[:] = vectors
    buffer[head:body] = cubes.cost_by_category.reshape(-1)
    if raw_measures is not None:
        buffer[body:tail] = [
            value
            for m in raw_measures
            for value in (
                m.net_savings,
                m.additional_investment,
                m.operational_savings,
                0.0 if m.abatement_cost is None else m.abatement_cost,
            )
        ]
    cash = buffer[tail:].reshape(2, n_bids, n_rows, n_years)
    cash[0, :, :n_categories] = cubes.undiscounted
    cash[0, :, n_categories] = climate.undiscounted
    cash[0, :, n_categories + 1] = pollutants.undiscounted
    cash[1, :, :n_categories] = cubes.discounted
    cash[1, :, n_categories] = climate.discounted
    cash[1, :, n_categories + 1] = pollutants.discounted
    round_array_money_in_place(buffer, method.minor_unit_digits)
    figures = buffer[:head].reshape(len(vectors), n_bids)
    money = {name: figures[k] for k, name in enumerate(_MONEY_FIGURES)}
    money["cost_by_category"] = buffer[head:body].reshape(n_bids, n_categories)

    return _Part(
        context=context,
        start=start,
        bids=bids,
        money=money,
        evaluated=money["evaluated"],
        cash_flow_undiscounted=cash[0],
        cash_flow_discounted=cash[1],
        by_year=by_year,
        totals=emissions_total,
        module_totals=np.asarray(cubes.emissions.sum(axis=2), dtype=np.float64),
        pollutant_kg=np.asarray(cubes.pollutant_kg_by_group.sum(axis=(2, 3)), dtype=np.float64),
        pollutants=table.pollutants,
        measures=(
            None
            if raw_measures is None
            else _rounded_measures(raw_measures, buffer[body:tail].reshape(-1, 4))
        ),
        warnings=table.warnings,
    )


def _raw_measures(
    context: _Context,
    bids: Sequence[PreparedBid],
    *,
    start: int,
    cubes: Cubes,
    totals: FloatArray,
    baseline: _Baseline | None,
) -> list[Measures] | None:
    """ASTM measures against the baseline bid, unrounded; None without a baseline."""
    method = context.prepared.method
    index = context.baseline_index
    if index is None:
        return None
    ids = [bid.id for bid in bids]
    undiscounted, discounted = cubes.undiscounted, cubes.discounted
    local = index - start
    if not 0 <= local < len(bids):  # the baseline is in another part: put it first
        if baseline is None:  # pragma: no cover - _baseline is computed whenever parts are
            raise RuntimeError("the baseline's cash flows are missing")
        ids = [baseline.bid_id, *ids]
        undiscounted = np.concatenate([baseline.undiscounted, undiscounted])
        discounted = np.concatenate([baseline.discounted, discounted])
        totals = np.concatenate([baseline.emissions_total, totals])
        local = 0
    raw = measures.compute_measures(
        bid_ids=ids,
        baseline_index=local,
        discount_rate=method.discount_rate,
        study_period_years=method.study_period_years,
        categories=CATEGORIES,
        undiscounted=undiscounted,
        discounted=discounted,
        emissions_total_kg=totals,
    )
    return raw[1:] if len(ids) > len(bids) else raw


def _rounded_measures(raw: list[Measures], money: FloatArray) -> list[Measures]:
    """``raw`` with net savings, additional investment, operational savings and abatement cost
    replaced by ``money``'s rows (those four figures rounded, in that order)."""
    return [
        _make_measures(
            m.baseline_bid_id,
            net,
            investment,
            operational,
            m.sir,
            m.sir_status,
            m.airr,
            m.airr_status,
            m.simple_payback_years,
            m.simple_payback_status,
            m.discounted_payback_years,
            m.discounted_payback_status,
            None if m.abatement_cost is None else abatement,
            m.abatement_cost_status,
        )
        for m, (net, investment, operational, abatement) in zip(raw, money.tolist(), strict=True)
    ]


# --- explanations ---------------------------------------------------------------------------


def _rate_inputs(method: PreparedMethod) -> list[str]:
    lines = [f"discount_rate = {method.discount_rate:.10g} (real)"]
    if method.rate_basis is RateBasis.NOMINAL:
        lines.append(
            f"stated discount_rate = {method.stated_discount_rate:.10g} (nominal), "
            f"inflation_rate = {method.inflation_rate:.10g}; real rate by Fisher: "
            "(1 + d_real) = (1 + d_nominal) / (1 + i)"
        )
    lines.append(f"timing = {method.timing.value}: {_TIMING_RULE[method.timing]}")
    lines.append(f"study_period_years N = {method.study_period_years}")
    lines.append(f"base_year = {method.base_year} (t = 0)")
    return lines


_LCC_FORMULA = (
    "LCC = sum over categories c and years t = 0..N of C(c, t) x (1 + d)^-tau(t); "
    "tau(t) = t for one-off events (purchases, replacements, end of life, residual "
    "value at N); recurring amounts per the timing convention"
)
_EXTERNALITY_FORMULA = (
    "EC = sum over pollutants p and years t of kg(p, t) x price(p) x (1 + d)^-tau(t) "
    "(no discount factor for an undiscounted price)"
)
_ANNUAL_FORMULA = "AV = LCC / UPV(d, N); UPV(d, N) = (1 - (1 + d)^-N) / d (= N when d = 0)"


class _Explainer:
    """How each figure of a bid was formed (formula and inputs), for the review court.

    Everything that depends on the method only is written once per evaluation;
    :meth:`explain_part` adds the bids' own figures.
    """

    def __init__(self, method: PreparedMethod, upv_factor: float) -> None:
        self.method = method
        n = method.study_period_years
        rates = _rate_inputs(method)
        nominal = method.rate_basis is RateBasis.NOMINAL
        self.spec = f".{max(method.minor_unit_digits, 0)}f"
        self.unit = f" {method.currency}"
        #: ``money % value`` is ``f"{value:{spec}}{unit}"``.
        self.money = f"%{self.spec}{_escape(self.unit)}"
        self.category_templates = tuple(
            f"{name} = {self.money} (present value)" for name in CATEGORIES
        )
        self.lcc_head = (
            *rates,
            "amounts escalated from the base date to the payment time: A x (1 + e)^tau",
            "undiscounted cash flows in nominal money: real amount x (1 + i)^tau"
            if nominal
            else "undiscounted cash flows in real terms (base-year price level)",
        )
        module_d = "included" if method.include_module_d else "reported separately, not included"
        self.emissions_suffix = (
            f" kgCO2e (EN 15978 modules A1-A3, A4, A5, B1-B7, C1-C4; module D {module_d})"
        )
        self.resource_lines: dict[str, str | None] = {}
        self.resource_blocks: dict[tuple[str, ...], tuple[str, ...]] = {}
        carbon = method.carbon_price
        tail: list[str] = []
        if carbon is None:
            self.climate_formula = (
                "no carbon price in the method: CC = 0 (emissions still reported)"
            )
        else:
            prices = np.asarray(carbon.price_per_kg)
            tail.append(
                f"carbon price: {carbon.source}, {float(prices[0]):.6g} {method.currency}/kgCO2e "
                f"in {method.base_year} to {float(prices[-1]):.6g} in {method.base_year + n}"
                + (f", price base year {carbon.price_base_year}" if carbon.price_base_year else "")
            )
            if carbon.extrapolated_years:
                tail.append(
                    f"carbon price held flat outside its points in "
                    f"{len(carbon.extrapolated_years)} study year(s)"
                )
            if carbon.undiscounted:
                self.climate_formula = (
                    "CC = sum over t of E(t) [kgCO2e] x p(t) [per kgCO2e] (undiscounted)"
                )
            else:
                self.climate_formula = (
                    "CC = sum over t of E(t) [kgCO2e] x p(t) [per kgCO2e] x (1 + d)^-tau(t)"
                )
                tail.extend(rates)
        self.climate_tail = tuple(tail)
        self.pollutant_priced: dict[str, str] = {}
        model = method.model
        self.model_line = f"evaluation model = {model.kind.value}"
        if model.kind is ModelKind.COST:
            self.total_formula = "evaluated = LCC + CC + EC"
        elif model.kind is ModelKind.DEDUCTIONS:
            self.total_formula = "evaluated = LCC + CC + EC - sum of the bid's fixed deductions"
        elif model.kind is ModelKind.FICTIVE_DISCOUNT:
            self.total_formula = "evaluated = (LCC + CC + EC) x (1 - discount(ladder level))"
        else:
            self.total_formula = "evaluated = LCC + f x (CC + EC)"
        self.externality_factor_line = f"externality factor f = {model.externality_factor:.6g}"
        self.rounding_line = (
            "rounded half-up to the currency's minor unit "
            f"({method.minor_unit_digits} decimals) before ranking"
        )
        self.annual_tail = (
            f"UPV(d, N) = {upv_factor:.10g}",
            f"discount_rate = {method.discount_rate:.10g} (real)",
            f"study_period_years N = {n}",
        )
        self.functional_unit = f" {method.functional_unit}" if method.functional_unit else ""

    def resource_block(self, bid: PreparedBid) -> tuple[str, ...]:
        """The emission-factor lines of the resources the bid uses, in order of first use."""
        used = [u.resource for item in bid.items for u in item.resource_use]
        if not used:
            return ()
        names = tuple(dict.fromkeys(used))
        block = self.resource_blocks.get(names)
        if block is None:
            block = tuple(line for name in names if (line := self.resource_line(name)) is not None)
            self.resource_blocks[names] = block
        return block

    def resource_line(self, name: str) -> str | None:
        if name in self.resource_lines:
            return self.resource_lines[name]
        method = self.method
        resource = method.resources.get(name)
        line = None
        if resource is not None:
            factor = np.asarray(resource.emission_factor)
            first = float(factor[1]) if factor.size > 1 else float(factor[0])
            last = float(factor[-1])
            n = method.study_period_years
            trajectory = "" if first == last else f" to {last:.6g} in year {n}"
            line = (
                f"emission factor {name}: {first:.6g} kgCO2e/{resource.unit} in year 1"
                f"{trajectory} (basis: {resource.emission_basis or 'not stated'}; "
                f"source: {resource.emission_source or 'none'})"
            )
        self.resource_lines[name] = line
        return line

    def pollutant_suffix(self, name: str) -> str:
        suffix = self.pollutant_priced.get(name)
        if suffix is None:
            price = self.method.pollutant_prices.get(name)
            priced = (
                "no price in the method"
                if price is None
                else f"{price.price_per_kg:.6g} {self.method.currency}/kg"
                + (" (undiscounted)" if price.undiscounted else " (discounted)")
            )
            suffix = f" kg over the study period, {priced}"
            self.pollutant_priced[name] = suffix
        return suffix

    def explain_part(
        self,
        bids: Sequence[PreparedBid],
        *,
        emissions_total: list[float],
        pollutant_kg: FloatArray,
        pollutants: tuple[str, ...],
        lcc: list[float],
        climate: list[float],
        externality: list[float],
        deductions: list[float],
        evaluated: list[float],
        annual_value: list[float],
        cost_by_category: FloatArray,
        per_unit: list[float | None],
    ) -> list[tuple[Explanation, ...]]:
        """The explanations of each bid of a part (figures rounded for output), in bid order.

        Every line that shows a figure is written for all bids at once from a ``%`` template
        (``"%.2f SEK"`` % 1234.5 is ``f"{1234.5:.2f} SEK"``: the same conversion), then each bid's
        lines are put together. A money figure reads ``"1234.50 SEK"``; kgCO2e and kg ``%.6g``.

        Example (SEK, 2 decimals): a bid with LCC 1234.5 gets the line
        ``"life_cycle_cost = 1234.50 SEK"`` in its ``evaluated_cost`` and ``annual_value``
        explanations, and ``"energy = 800.00 SEK (present value)"`` for a non-zero category.
        """
        method = self.method
        money = self.money
        lcc_lines = list(map(("life_cycle_cost = " + money).__mod__, lcc))
        climate_lines = list(map(("climate_cost = " + money).__mod__, climate))
        externality_lines = list(map(("externality_cost = " + money).__mod__, externality))
        deduction_lines = list(map(("deductions = " + money).__mod__, deductions))
        emission_lines = list(
            map(
                ("emissions_total = %.6g" + _escape(self.emissions_suffix)).__mod__, emissions_total
            )
        )
        category_lines = _lines_of_nonzero(cost_by_category, self.category_templates)
        if pollutants:
            templates = tuple(
                _escape(f"{name}: ") + "%.6g" + _escape(self.pollutant_suffix(name))
                for name in pollutants
            )
            pollutant_lines = _lines_of_nonzero(pollutant_kg, templates)
        else:
            pollutant_lines = [()] * len(bids)
        kind = method.model.kind
        spec, unit = self.spec, self.unit  # money as f"{value:{spec}}{unit}": "1234.50 SEK"
        lcc_head, climate_tail, annual_tail = self.lcc_head, self.climate_tail, self.annual_tail
        model_line, rounding_line = self.model_line, self.rounding_line
        climate_formula, total_formula = self.climate_formula, self.total_formula
        make = _make_explanation
        out: list[tuple[Explanation, ...]] = []
        for i, bid in enumerate(bids):
            lcc_line = lcc_lines[i]
            if kind is ModelKind.COST:
                total_inputs: tuple[str, ...] = (
                    lcc_line,
                    climate_lines[i],
                    externality_lines[i],
                    model_line,
                    deduction_lines[i],
                    rounding_line,
                )
            else:
                if kind is ModelKind.DEDUCTIONS:
                    extra = tuple(
                        f"deduction '{d.criterion}' = {d.amount:{spec}}{unit}"
                        for d in bid.deductions
                    )
                elif kind is ModelKind.FICTIVE_DISCOUNT:
                    extra = (
                        f"ladder level = {bid.ladder_level}, fictive discount = "
                        f"{float(method.model.ladder.get(bid.ladder_level, 0.0)):.6g}",
                    )
                else:
                    extra = (self.externality_factor_line,)
                total_inputs = (
                    lcc_line,
                    climate_lines[i],
                    externality_lines[i],
                    model_line,
                    *extra,
                    deduction_lines[i],
                    rounding_line,
                )
            explained: tuple[Explanation, ...] = (
                make("life_cycle_cost", _LCC_FORMULA, lcc[i], lcc_head + category_lines[i]),
                make(
                    "climate_cost",
                    climate_formula,
                    climate[i],
                    (emission_lines[i], *self.resource_block(bid), *climate_tail),
                ),
                make("externality_cost", _EXTERNALITY_FORMULA, externality[i], pollutant_lines[i]),
                make("evaluated_cost", total_formula, evaluated[i], total_inputs),
                make("annual_value", _ANNUAL_FORMULA, annual_value[i], (lcc_line, *annual_tail)),
            )
            value = per_unit[i]
            if value is not None:
                explained += (
                    make(
                        "cost_per_functional_unit",
                        "evaluated cost / functional units delivered",
                        value,
                        (
                            "evaluated_cost = " + money % evaluated[i],
                            f"functional units delivered = {bid.functional_units_delivered:.10g}"
                            + self.functional_unit,
                        ),
                    ),
                )
            out.append(explained)
        return out


def _escape(text: str) -> str:
    """``text`` as a literal part of a ``%`` template."""
    return text.replace("%", "%%")


def _lines_of_nonzero(values: FloatArray, templates: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Per row of ``values`` (rows x columns): ``templates[c] % value`` of each non-zero column.

    Example: rows ``[[0, 2.5], [1, 0]]``, templates ``("a = %g", "b = %g")`` ->
    ``[("b = 2.5",), ("a = 1",)]``.
    """
    live = values != 0.0  # NaN is shown
    columns = np.nonzero(live)[1]
    lines = list(map(str.__mod__, [templates[c] for c in columns.tolist()], values[live].tolist()))
    bounds = np.cumsum(np.count_nonzero(live, axis=1)).tolist()
    return [tuple(lines[a:b]) for a, b in zip([0, *bounds[:-1]], bounds, strict=True)]
