"""The pipeline: tender -> prepared tender -> streams -> cubes -> costs -> ranking -> results.

:func:`evaluate` is the entry point of the core: it validates (:func:`tco.validate.prepare`,
raising :class:`tco.errors.InvalidTender`), computes the digests (:mod:`tco.digest`) and calls
:func:`evaluate_prepared`, which does the arithmetic in one direction:

1. :func:`tco.expand.expand_tender`: items and streams -> stream table;
2. :mod:`tco.kernel`: cubes (bids x categories x years), present values;
3. :mod:`tco.climate`: climate cost and other externalities;
4. :mod:`tco.models`: comparison numbers and ranking (on numbers rounded to the minor unit);
5. :mod:`tco.measures` against the baseline bid, :mod:`tco.circularity` (MCI);
6. annual value ``LCC / UPV(d, N)``, cost per functional unit, explanations (:mod:`tco.explain`);
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
import gc
import itertools
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from tco import circularity, measures, models
from tco.climate import ExternalityCost, climate_cost, climate_warnings, pollutant_cost
from tco.construct import many
from tco.expand import PartedExpansion, expand_tender
from tco.explain import Explainer
from tco.finance import analysis_discount_rate, upv
from tco.inputs import Tender
from tco.kernel import Cubes, compute_cubes, counted_modules, time_grid
from tco.prepared import CATEGORIES, MODULES, PreparedBid, PreparedTender
from tco.results import BidResult, Evaluation, Measures, Warning
from tco.rounding import round_array_money, round_money_figures
from tco.stream_table import StreamTable
from tco.version import __version__

FloatArray = npt.NDArray[np.float64]

__all__ = ["CASH_FLOW_CATEGORIES", "PART_BUDGET", "evaluate", "evaluate_prepared"]

#: Row labels of every bid's cash-flow arrays.
CASH_FLOW_CATEGORIES: tuple[str, ...] = (*CATEGORIES, "climate", "pollutants")


def evaluate(
    tender: Tender,
    *,
    validate_only: bool = False,
    checkpoint: Callable[[], None] | None = None,
) -> Evaluation:
    """Validate and evaluate a tender; the result is sorted by rank (ties in request order).

    Raises :class:`tco.errors.InvalidTender` naming every bad field. With ``validate_only``
    the result carries the digests and the warnings only: the evaluation still runs, so that
    the warnings are exactly those an evaluation gives (RESIDUAL_VALUE_IGNORED, ties, the
    post-evaluation plausibility checks), from the same code.

    ``checkpoint``, when given, is called after validation (before any arithmetic) and again
    before the results are assembled; whatever it raises stops the evaluation there (the server
    uses it to stop work for a client whose deadline has passed).
    """
    # Imported here so that evaluate_prepared (benchmarks, Monte Carlo) never starts the unit
    # registry that validation builds.
    from tco import digest, validate  # noqa: PLC0415

    prepared = validate.prepare(tender)
    method_digest, request_digest = digest.digests(tender)
    evaluation_digest = digest.evaluation_digest(prepared)
    if checkpoint is not None:
        checkpoint()
    evaluation = evaluate_prepared(
        prepared,
        method_digest=method_digest,
        request_digest=request_digest,
        checkpoint=checkpoint,
    )
    evaluation = dataclasses.replace(
        evaluation, evaluation_digest=evaluation_digest, data_version=digest.DATA_VERSION
    )
    if validate_only:  # every warning the evaluation gives, from the same code; no results
        return dataclasses.replace(evaluation, results=(), validated_only=True)
    return evaluation


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
    context = _SharedInputs.of(prepared)
    ranges = _parts(prepared, part_bids)
    if len(ranges) == 1:
        parts = [_part_figures(context, bids, expand_tender(prepared), 0, None)]
    else:
        expansion = PartedExpansion(prepared, ranges)
        baseline = None
        if context.baseline_index is not None:
            baseline = _baseline_flows(context, expansion.bid_table(context.baseline_index))
        parts = [
            _part_figures(context, bids[start:end], expansion.table(k), start, baseline)
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

    explainer = Explainer(method, context.upv_factor)
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
        + _implausible_figures(parts)
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
        rate_basis=method.rate_basis.value,
        analysis_discount_rate=context.analysis_rate,
    )


#: Climate cost above this multiple of the life-cycle cost is warned about (a carbon price per
#: tonne typed per kg gives 1 000 times the climate cost). See :mod:`tco.validate.plausibility`
#: for the checks made before the evaluation.
CLIMATE_TO_LCC_LIMIT = 5.0


def _implausible_figures(parts: list[_PartFigures]) -> tuple[Warning, ...]:
    """The plausibility checks that need computed figures, on the rounded money of the parts.

    - CLIMATE_COST_ABOVE_LCC: climate cost > :data:`CLIMATE_TO_LCC_LIMIT` x a positive LCC;
    - BID_WITHOUT_COST: the life-cycle cost is 0, discounted and undiscounted (nothing priced).

    All of the first kind, then all of the second, in bid order: the same warnings whether the
    tender is evaluated whole or in parts.

    Example: LCC 1 000 000 SEK and climate cost 20 000 000 SEK (1 500 SEK/kgCO2e, meant per
    tonne) -> CLIMATE_COST_ABOVE_LCC at ``method.carbon_price``, naming the bid.
    """
    heavy: list[Warning] = []
    empty: list[Warning] = []
    for part in parts:
        money = part.money
        lcc, climate = money["life_cycle_cost"], money["climate_cost"]
        undiscounted = money["life_cycle_cost_undiscounted"]
        bids, start = part.bids, part.start
        heavy += [
            Warning(
                "CLIMATE_COST_ABOVE_LCC",
                f"method.carbon_price: the climate cost of bid {bids[i].id!r} is "
                f"{climate[i] / lcc[i]:.3g} times its life-cycle cost (over "
                f"{CLIMATE_TO_LCC_LIMIT:g}); check the carbon price's unit (per kg or per tonne)",
                bids[i].id,
            )
            for i in np.flatnonzero((lcc > 0.0) & (climate > CLIMATE_TO_LCC_LIMIT * lcc)).tolist()
        ]
        empty += [
            Warning(
                "BID_WITHOUT_COST",
                f"bids[{start + i}]: the bid has no cost at all (life-cycle cost 0); check that "
                "its prices were given",
                bids[i].id,
            )
            for i in np.flatnonzero((lcc == 0.0) & (undiscounted == 0.0)).tolist()
        ]
    return tuple(heavy + empty)


@dataclasses.dataclass(frozen=True, slots=True)
class _SharedInputs:
    """What every part of one evaluation shares: the tender and what follows from its method."""

    prepared: PreparedTender
    #: ``UPV(d, N)`` (:func:`tco.finance.upv`) at the analysis rate
    #: (:func:`tco.finance.analysis_discount_rate`): the annual value is ``LCC / upv_factor``.
    upv_factor: float
    #: The discount rate of annual value and AIRR (:func:`_analysis_rate`).
    analysis_rate: float
    counted: npt.NDArray[np.bool_]
    baseline_index: int | None
    calendar_years: tuple[int, ...]

    @staticmethod
    def of(prepared: PreparedTender) -> _SharedInputs:
        method = prepared.method
        baseline = method.baseline_bid_id
        index = None
        if baseline:
            index = next((i for i, bid in enumerate(prepared.bids) if bid.id == baseline), None)
        n = method.study_period_years
        return _SharedInputs(
            prepared=prepared,
            upv_factor=float(upv(_analysis_rate(prepared), n)),
            analysis_rate=_analysis_rate(prepared),
            counted=counted_modules(method.include_module_d),
            baseline_index=index,
            calendar_years=tuple(method.base_year + t for t in range(n + 1)),
        )


def _analysis_rate(prepared: PreparedTender) -> float:
    """The method's rate of annual value and AIRR: nominal in a nominal analysis (BLCC 5.3)."""
    m = prepared.method
    return analysis_discount_rate(m.rate_basis, m.discount_rate, m.stated_discount_rate)


def _parts(prepared: PreparedTender, part_bids: int | None) -> list[tuple[int, int]]:
    """Consecutive (start, end) ranges of bids whose rows fit :data:`PART_BUDGET`.

    A bid weighs its cube rows (about 64 per bid) plus its stream-table rows (about 12 per item
    and 3 per stream), each N + 1 values.

    Example: 10 bids with ``part_bids=4`` -> ``[(0, 4), (4, 8), (8, 10)]``.
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
class _BaselineFlows:
    """The baseline bid's own cash flows and emissions, for the measures of the other parts."""

    bid_id: str
    undiscounted: FloatArray
    discounted: FloatArray
    emissions_total: FloatArray


def _baseline_flows(context: _SharedInputs, table: StreamTable) -> _BaselineFlows:
    """:class:`_BaselineFlows` from the baseline bid's stream table alone (its part's rows)."""
    method = context.prepared.method
    assert context.baseline_index is not None
    cubes = compute_cubes(
        table, time_grid(table.group_times, method), include_module_d=method.include_module_d
    )
    by_year = cubes.emissions[:, context.counted, :].sum(axis=1)
    return _BaselineFlows(
        bid_id=context.prepared.bids[context.baseline_index].id,
        undiscounted=cubes.undiscounted,
        discounted=cubes.discounted,
        emissions_total=np.asarray(by_year.sum(axis=1), dtype=np.float64),
    )


@dataclasses.dataclass(frozen=True, slots=True)
class _PartFigures:
    """Every figure of a run of consecutive bids, rounded for output where it is money."""

    context: _SharedInputs
    #: Index of the part's first bid in the tender.
    start: int
    bids: Sequence[PreparedBid]
    #: Rounded money figures by name (:data:`_MONEY_FIGURES`), each of shape (bids,).
    money: dict[str, FloatArray]
    #: Rounded present value by bid and category, (bids, categories).
    cost_by_category: FloatArray
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
    #: Material circularity indicator of each bid (None: the bid states no circularity).
    mci: list[float | None]
    warnings: tuple[tuple[str, str, str], ...]

    @property
    def evaluated(self) -> FloatArray:
        """Rounded comparison numbers (for the ranking)."""
        return self.money["evaluated"]

    def results(
        self,
        explainer: Explainer,
        *,
        rank: list[int],
        tied: list[bool],
        difference_to_best: list[float],
        difference_to_best_percent: list[float],
    ) -> list[BidResult]:
        """The result of each bid of the part, in bid order.

        Built column by column: each figure of every bid of the part is turned into Python
        objects in one pass (``ndarray.tolist``), then the results are made from the columns
        (:func:`tco.construct.many`).
        """
        bids = self.bids
        n = len(bids)
        start, end = self.start, self.start + n
        figures = {name: values.tolist() for name, values in self.money.items()}
        per_unit = [
            None if bid.functional_units_delivered == 0.0 else value
            for bid, value in zip(bids, figures["cost_per_functional_unit"], strict=True)
        ]
        totals = self.totals.tolist()
        explanations = explainer.explain_part(
            bids,
            figures=figures,
            cost_by_category=self.cost_by_category,
            per_unit=per_unit,
            emissions_total=totals,
            pollutant_kg=self.pollutant_kg,
            pollutants=self.pollutants,
        )
        return many(
            BidResult,
            n,
            [bid.id for bid in bids],
            [bid.supplier for bid in bids],
            rank[start:end],
            tied[start:end],
            figures["life_cycle_cost"],
            figures["life_cycle_cost_undiscounted"],
            figures["climate_cost"],
            figures["externality_cost"],
            figures["deductions"],
            figures["evaluated"],
            difference_to_best[start:end],
            difference_to_best_percent[start:end],
            figures["annual_value"],
            [dict(zip(CATEGORIES, row, strict=True)) for row in self.cost_by_category.tolist()],
            [dict(zip(MODULES, row, strict=True)) for row in self.module_totals.tolist()],
            totals,
            list(map(tuple, self.by_year.tolist())),
            itertools.repeat(None, n) if self.measures is None else self.measures,
            self.mci,
            per_unit,
            explanations,
            itertools.repeat(CASH_FLOW_CATEGORIES, n),
            itertools.repeat(self.context.calendar_years, n),
            list(self.cash_flow_undiscounted),
            list(self.cash_flow_discounted),
        )


#: Money figures per bid, each rounded half-up to the minor unit.
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


def _cash_flows(cubes: Cubes, climate: ExternalityCost, pollutants: ExternalityCost) -> FloatArray:
    """Undiscounted and discounted cash flows by bid, row and year, unrounded.

    Shape (2, bids, len(CASH_FLOW_CATEGORIES), N + 1): the cost categories' cubes, then the
    climate cost and the other externalities by year.
    """
    n_bids, n_categories, n_years = cubes.undiscounted.shape
    out = np.empty((2, n_bids, len(CASH_FLOW_CATEGORIES), n_years), dtype=np.float64)
    for k, (cube, by_category) in enumerate(
        ((cubes.undiscounted, "undiscounted"), (cubes.discounted, "discounted"))
    ):
        out[k, :, :n_categories] = cube
        out[k, :, n_categories] = getattr(climate, by_category)
        out[k, :, n_categories + 1] = getattr(pollutants, by_category)
    return out


def _mci(bids: Sequence[PreparedBid]) -> list[float | None]:
    """The material circularity indicator of each bid that states its circularity."""
    return [
        None
        if bid.circularity is None
        else float(circularity.material_circularity_indicator(bid.circularity))
        for bid in bids
    ]


def _part_figures(
    context: _SharedInputs,
    bids: Sequence[PreparedBid],
    table: StreamTable,
    start: int,
    baseline: _BaselineFlows | None,
) -> _PartFigures:
    """Cubes, climate and other externalities, comparison numbers, measures, MCI, rounding."""
    method = context.prepared.method
    digits = method.minor_unit_digits
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
    units = np.array([bid.functional_units_delivered for bid in bids], dtype=np.float64)
    stated = units != 0.0
    per_unit = np.full(len(bids), np.nan)
    per_unit[stated] = evaluated[stated] / units[stated]
    raw_measures = _raw_measures(
        context, bids, start=start, cubes=cubes, totals=emissions_total, baseline=baseline
    )
    money = round_money_figures(
        {
            "life_cycle_cost": lcc,
            "life_cycle_cost_undiscounted": cubes.life_cycle_cost_undiscounted,
            "climate_cost": climate.total,
            "externality_cost": pollutants.total,
            "deductions": np.asarray(outcome.deductions, dtype=np.float64),
            "evaluated": evaluated,
            "annual_value": lcc / context.upv_factor,
            "cost_per_functional_unit": per_unit,
            "cost_by_category": cubes.cost_by_category,
            "measures": _money_measures(raw_measures or []),
            "cash_flows": _cash_flows(cubes, climate, pollutants),
        },
        digits,
    )
    by_category, money_measures = money.pop("cost_by_category"), money.pop("measures")
    cash = money.pop("cash_flows")
    return _PartFigures(
        context=context,
        start=start,
        bids=bids,
        money=money,
        cost_by_category=by_category,
        cash_flow_undiscounted=cash[0],
        cash_flow_discounted=cash[1],
        by_year=by_year,
        totals=emissions_total,
        module_totals=np.asarray(cubes.emissions.sum(axis=2), dtype=np.float64),
        pollutant_kg=np.asarray(cubes.pollutant_kg_by_group.sum(axis=(2, 3)), dtype=np.float64),
        pollutants=table.pollutants,
        measures=_rounded_measures(raw_measures, money_measures),
        mci=_mci(bids),
        warnings=table.warnings,
    )


def _raw_measures(
    context: _SharedInputs,
    bids: Sequence[PreparedBid],
    *,
    start: int,
    cubes: Cubes,
    totals: FloatArray,
    baseline: _BaselineFlows | None,
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
        if baseline is None:  # pragma: no cover - computed whenever there are parts
            raise RuntimeError("the baseline's cash flows are missing")
        ids = [baseline.bid_id, *ids]
        undiscounted = np.concatenate([baseline.undiscounted, undiscounted])
        discounted = np.concatenate([baseline.discounted, discounted])
        totals = np.concatenate([baseline.emissions_total, totals])
        local = 0
    raw = measures.compute_measures(
        bid_ids=ids,
        baseline_index=local,
        discount_rate=context.analysis_rate,
        rate_basis=method.rate_basis.value,
        study_period_years=method.study_period_years,
        categories=CATEGORIES,
        undiscounted=undiscounted,
        discounted=discounted,
        emissions_total_kg=totals,
    )
    return raw[1:] if len(ids) > len(bids) else raw


def _money_measures(raw: list[Measures]) -> FloatArray:
    """Net savings, additional investment, operational savings and abatement cost (0 where
    there is none) of each bid's measures, shape (bids, 4): the measures that are money."""
    return np.array(
        [
            (
                m.net_savings,
                m.additional_investment,
                m.operational_savings,
                0.0 if m.abatement_cost is None else m.abatement_cost,
            )
            for m in raw
        ],
        dtype=np.float64,
    ).reshape(len(raw), 4)


def _rounded_measures(raw: list[Measures] | None, money: FloatArray) -> list[Measures] | None:
    """``raw`` with its money measures replaced by ``money`` (:func:`_money_measures`, rounded);
    the other measures are ratios and years: unrounded."""
    if raw is None:
        return None
    net, investment, operational, abatement = money.T.tolist()
    fields = [field.name for field in dataclasses.fields(Measures)]
    columns: dict[str, Any] = {name: [getattr(m, name) for m in raw] for name in fields}
    columns["net_savings"] = net
    columns["additional_investment"] = investment
    columns["operational_savings"] = operational
    columns["abatement_cost"] = [
        None if m.abatement_cost is None else value for m, value in zip(raw, abatement, strict=True)
    ]
    return many(Measures, len(raw), *columns.values(), order=fields)
