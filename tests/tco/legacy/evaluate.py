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

Determinism: no clocks, no randomness, no set iteration; every order is the request's order or
a fixed table order, so the same tender gives bit-identical results.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import numpy.typing as npt

from tco.inputs import ModelKind, RateBasis, Tender, Timing
from tco.prepared import CATEGORIES, MODULES, PreparedBid, PreparedMethod, PreparedTender
from tco.results import BidResult, Evaluation, Explanation, Measures, Warning
from tco.version import __version__
from tests.tco.legacy import circularity, measures, models
from tests.tco.legacy.climate import ExternalityCost, climate_cost, climate_warnings, pollutant_cost
from tests.tco.legacy.expand import StreamTable, expand_tender
from tests.tco.legacy.finance import upv
from tests.tco.legacy.kernel import Cubes, compute_cubes, counted_modules, time_grid
from tests.tco.legacy.rounding import round_array_money, round_money

FloatArray = npt.NDArray[np.float64]

__all__ = ["CASH_FLOW_CATEGORIES", "evaluate", "evaluate_prepared"]

#: Row labels of every bid's cash-flow arrays.
CASH_FLOW_CATEGORIES: tuple[str, ...] = (*CATEGORIES, "climate", "pollutants")

_TIMING_RULE = {
    Timing.END_OF_YEAR: "recurring amounts of year t paid at t (end of year)",
    Timing.MID_YEAR: "recurring amounts of year t >= 1 paid at t - 0.5 (mid-year)",
    Timing.BEGINNING_OF_YEAR: (
        "recurring amounts of service year k paid at k - 1 (beginning of year)"
    ),
}


def evaluate(tender: Tender, *, validate_only: bool = False) -> Evaluation:
    """Validate and evaluate a tender; the result is sorted by rank (ties in request order).

    Raises :class:`tco.errors.InvalidTender` naming every bad field. With ``validate_only``
    nothing is computed: the result carries the digests and the warnings only.
    """
    # Imported here so that evaluate_prepared (benchmarks, Monte Carlo) never starts the unit
    # registry that validation builds.
    from tco import validate
    from tests.tco.legacy import digest

    prepared = validate.prepare(tender)
    method_digest = digest.method_digest(tender.method)
    request_digest = digest.request_digest(tender)
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
    return evaluate_prepared(prepared, method_digest=method_digest, request_digest=request_digest)


def _prepared_warnings(prepared: PreparedTender) -> tuple[Warning, ...]:
    return tuple(Warning(code, message, bid_id) for code, message, bid_id in prepared.warnings)


@dataclasses.dataclass(frozen=True, slots=True)
class _Computed:
    """Every unrounded array of one evaluation (bids on the first axis)."""

    table: StreamTable
    cubes: Cubes
    climate: ExternalityCost
    pollutants: ExternalityCost
    life_cycle_cost: FloatArray
    life_cycle_cost_undiscounted: FloatArray
    cost_by_category: FloatArray
    climate_cost: FloatArray
    externality_cost: FloatArray
    evaluated: FloatArray
    deductions: FloatArray
    emissions_total: FloatArray
    emissions_by_year: FloatArray
    annual_value: FloatArray
    upv_factor: float


def _compute(prepared: PreparedTender) -> _Computed:
    method = prepared.method
    table = expand_tender(prepared)
    grid = time_grid(table.group_times, method)
    cubes = compute_cubes(table, grid, include_module_d=method.include_module_d)
    climate = climate_cost(cubes.counted_emissions_by_group, method.carbon_price, grid)
    pollutants = pollutant_cost(
        cubes.pollutant_kg_by_group, table.pollutants, method.pollutant_prices, grid
    )
    lcc = cubes.life_cycle_cost
    climate_total = climate.total
    externality_total = pollutants.total
    outcome = models.comparison_numbers(
        method.model,
        life_cycle_cost=lcc,
        climate_cost=climate_total,
        externality_cost=externality_total,
        fixed_deductions=np.array(
            [sum(d.amount for d in bid.deductions) for bid in prepared.bids], dtype=np.float64
        ),
        ladder_levels=np.array([bid.ladder_level for bid in prepared.bids], dtype=np.int64),
    )
    counted = counted_modules(method.include_module_d)
    by_year = cubes.emissions[:, counted, :].sum(axis=1)
    factor = float(upv(method.discount_rate, method.study_period_years))
    return _Computed(
        table=table,
        cubes=cubes,
        climate=climate,
        pollutants=pollutants,
        life_cycle_cost=lcc,
        life_cycle_cost_undiscounted=cubes.life_cycle_cost_undiscounted,
        cost_by_category=cubes.cost_by_category,
        climate_cost=climate_total,
        externality_cost=externality_total,
        evaluated=np.asarray(outcome.evaluated, dtype=np.float64),
        deductions=np.asarray(outcome.deductions, dtype=np.float64),
        emissions_total=np.asarray(by_year.sum(axis=1), dtype=np.float64),
        emissions_by_year=np.asarray(by_year, dtype=np.float64),
        annual_value=lcc / factor,
        upv_factor=factor,
    )


def evaluate_prepared(
    prepared: PreparedTender, *, method_digest: str = "", request_digest: str = ""
) -> Evaluation:
    """Evaluate a validated tender: every figure, rounded for output, bids sorted by rank.

    Money figures are rounded half-up to ``method.minor_unit_digits``; ranking uses the rounded
    comparison numbers (a tie is equality in the published money). Emissions (kgCO2e), ratios
    and percentages are not rounded.
    """
    method = prepared.method
    ids = [bid.id for bid in prepared.bids]
    computed = _compute(prepared)
    rounded = _round(prepared, computed)
    ranking = models.rank_bids(rounded.evaluated, ids)
    difference_to_best = round_array_money(ranking.difference_to_best, method.minor_unit_digits)
    bid_measures = _measures(prepared, computed)

    results: list[BidResult] = []
    for index, bid in enumerate(prepared.bids):
        results.append(
            _bid_result(
                index,
                bid,
                method,
                computed,
                rounded,
                rank=int(ranking.rank[index]),
                tied=bool(ranking.tied[index]),
                difference_to_best=float(difference_to_best[index]),
                difference_to_best_percent=float(ranking.difference_to_best_percent[index]),
                bid_measures=None if bid_measures is None else bid_measures[index],
            )
        )
    order = sorted(range(len(results)), key=lambda i: (results[i].rank, i))
    warnings = (
        _prepared_warnings(prepared)
        + tuple(Warning(code, message, bid_id) for code, message, bid_id in computed.table.warnings)
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
class _Rounded:
    """Every money figure of every bid, rounded half-up to the minor unit in one pass each."""

    life_cycle_cost: FloatArray
    life_cycle_cost_undiscounted: FloatArray
    climate_cost: FloatArray
    externality_cost: FloatArray
    deductions: FloatArray
    evaluated: FloatArray
    annual_value: FloatArray
    #: NaN where the bid states no functional units.
    cost_per_functional_unit: FloatArray
    cost_by_category: FloatArray
    cash_flow_undiscounted: FloatArray
    cash_flow_discounted: FloatArray


def _round(prepared: PreparedTender, computed: _Computed) -> _Rounded:
    digits = prepared.method.minor_unit_digits
    n_bids = len(prepared.bids)
    units = np.array([bid.functional_units_delivered for bid in prepared.bids], dtype=np.float64)
    stated = units != 0.0
    per_unit = np.full(n_bids, np.nan)
    per_unit[stated] = computed.evaluated[stated] / units[stated]
    cubes = computed.cubes
    n_years = prepared.method.study_period_years + 1
    cash_undiscounted = np.concatenate(
        [
            cubes.undiscounted,
            computed.climate.undiscounted.reshape(n_bids, 1, n_years),
            computed.pollutants.undiscounted.reshape(n_bids, 1, n_years),
        ],
        axis=1,
    )
    cash_discounted = np.concatenate(
        [
            cubes.discounted,
            computed.climate.discounted.reshape(n_bids, 1, n_years),
            computed.pollutants.discounted.reshape(n_bids, 1, n_years),
        ],
        axis=1,
    )
    return _Rounded(
        life_cycle_cost=round_array_money(computed.life_cycle_cost, digits),
        life_cycle_cost_undiscounted=round_array_money(
            computed.life_cycle_cost_undiscounted, digits
        ),
        climate_cost=round_array_money(computed.climate_cost, digits),
        externality_cost=round_array_money(computed.externality_cost, digits),
        deductions=round_array_money(computed.deductions, digits),
        evaluated=round_array_money(computed.evaluated, digits),
        annual_value=round_array_money(computed.annual_value, digits),
        cost_per_functional_unit=round_array_money(per_unit, digits),
        cost_by_category=round_array_money(computed.cost_by_category, digits),
        cash_flow_undiscounted=round_array_money(cash_undiscounted, digits),
        cash_flow_discounted=round_array_money(cash_discounted, digits),
    )


def _measures(prepared: PreparedTender, computed: _Computed) -> list[Measures] | None:
    method = prepared.method
    ids = [bid.id for bid in prepared.bids]
    if not method.baseline_bid_id or method.baseline_bid_id not in ids:
        return None
    raw = measures.compute_measures(
        bid_ids=ids,
        baseline_index=ids.index(method.baseline_bid_id),
        discount_rate=method.discount_rate,
        study_period_years=method.study_period_years,
        categories=CATEGORIES,
        undiscounted=computed.cubes.undiscounted,
        discounted=computed.cubes.discounted,
        emissions_total_kg=computed.emissions_total,
    )
    digits = method.minor_unit_digits
    return [
        dataclasses.replace(
            m,
            net_savings=round_money(m.net_savings, digits),
            additional_investment=round_money(m.additional_investment, digits),
            operational_savings=round_money(m.operational_savings, digits),
            abatement_cost=None
            if m.abatement_cost is None
            else round_money(m.abatement_cost, digits),
        )
        for m in raw
    ]


def _bid_result(
    index: int,
    bid: PreparedBid,
    method: PreparedMethod,
    computed: _Computed,
    rounded: _Rounded,
    *,
    rank: int,
    tied: bool,
    difference_to_best: float,
    difference_to_best_percent: float,
    bid_measures: Measures | None,
) -> BidResult:
    n_years = method.study_period_years + 1
    lcc = float(rounded.life_cycle_cost[index])
    climate = float(rounded.climate_cost[index])
    externality = float(rounded.externality_cost[index])
    deductions = float(rounded.deductions[index])
    evaluated = float(rounded.evaluated[index])
    annual_value = float(rounded.annual_value[index])
    per_unit_value = float(rounded.cost_per_functional_unit[index])
    per_unit = None if bid.functional_units_delivered == 0.0 else per_unit_value
    by_category = rounded.cost_by_category[index].tolist()
    cost_by_category = dict(zip(CATEGORIES, by_category, strict=True))
    module_totals = computed.cubes.emissions[index].sum(axis=1).tolist()
    emissions_by_module = dict(zip(MODULES, module_totals, strict=True))
    material = (
        None
        if bid.circularity is None
        else float(circularity.material_circularity_indicator(bid.circularity))
    )
    explanations = _explanations(
        index,
        bid,
        method,
        computed,
        lcc=lcc,
        climate=climate,
        externality=externality,
        deductions=deductions,
        evaluated=evaluated,
        annual_value=annual_value,
        cost_by_category=cost_by_category,
        per_unit=per_unit,
    )
    return BidResult(
        bid_id=bid.id,
        supplier=bid.supplier,
        rank=rank,
        tied=tied,
        life_cycle_cost=lcc,
        life_cycle_cost_undiscounted=float(rounded.life_cycle_cost_undiscounted[index]),
        climate_cost=climate,
        externality_cost=externality,
        deductions=deductions,
        evaluated_cost=evaluated,
        difference_to_best=difference_to_best,
        difference_to_best_percent=difference_to_best_percent,
        annual_value=annual_value,
        cost_by_category=cost_by_category,
        emissions_by_module=emissions_by_module,
        emissions_total=float(computed.emissions_total[index]),
        emissions_by_year=tuple(computed.emissions_by_year[index].tolist()),
        measures=bid_measures,
        material_circularity=material,
        cost_per_functional_unit=per_unit,
        explanations=explanations,
        cash_flow_categories=CASH_FLOW_CATEGORIES,
        calendar_years=tuple(method.base_year + t for t in range(n_years)),
        cash_flow_undiscounted=rounded.cash_flow_undiscounted[index].copy(),
        cash_flow_discounted=rounded.cash_flow_discounted[index].copy(),
    )


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


def _money_text(value: float, method: PreparedMethod) -> str:
    return f"{value:.{max(method.minor_unit_digits, 0)}f} {method.currency}"


def _resources_used(bid: PreparedBid) -> list[str]:
    names: list[str] = []
    for item in bid.items:
        for use in item.resource_use:
            if use.resource not in names:
                names.append(use.resource)
    return names


def _explanations(
    index: int,
    bid: PreparedBid,
    method: PreparedMethod,
    computed: _Computed,
    *,
    lcc: float,
    climate: float,
    externality: float,
    deductions: float,
    evaluated: float,
    annual_value: float,
    cost_by_category: dict[str, float],
    per_unit: float | None,
) -> tuple[Explanation, ...]:
    n = method.study_period_years
    rates = _rate_inputs(method)
    nominal = method.rate_basis is RateBasis.NOMINAL
    lcc_inputs = [
        *rates,
        "amounts escalated from the base date to the payment time: A x (1 + e)^tau",
        "undiscounted cash flows in nominal money: real amount x (1 + i)^tau"
        if nominal
        else "undiscounted cash flows in real terms (base-year price level)",
        *(
            f"{name} = {_money_text(value, method)} (present value)"
            for name, value in cost_by_category.items()
            if value != 0.0
        ),
    ]
    explanations = [
        Explanation(
            quantity="life_cycle_cost",
            formula=(
                "LCC = sum over categories c and years t = 0..N of C(c, t) x (1 + d)^-tau(t); "
                "tau(t) = t for one-off events (purchases, replacements, end of life, residual "
                "value at N); recurring amounts per the timing convention"
            ),
            value=lcc,
            inputs=tuple(lcc_inputs),
        )
    ]

    carbon = method.carbon_price
    module_d = "included" if method.include_module_d else "reported separately, not included"
    climate_inputs = [
        f"emissions_total = {float(computed.emissions_total[index]):.6g} kgCO2e "
        f"(EN 15978 modules A1-A3, A4, A5, B1-B7, C1-C4; module D {module_d})"
    ]
    for name in _resources_used(bid):
        resource = method.resources.get(name)
        if resource is None:
            continue
        factor = np.asarray(resource.emission_factor)
        first = float(factor[1]) if factor.size > 1 else float(factor[0])
        last = float(factor[-1])
        trajectory = "" if first == last else f" to {last:.6g} in year {n}"
        climate_inputs.append(
            f"emission factor {name}: {first:.6g} kgCO2e/{resource.unit} in year 1{trajectory} "
            f"(basis: {resource.emission_basis or 'not stated'}; "
            f"source: {resource.emission_source or 'none'})"
        )
    if carbon is None:
        climate_formula = "no carbon price in the method: CC = 0 (emissions still reported)"
    else:
        prices = np.asarray(carbon.price_per_kg)
        climate_inputs.append(
            f"carbon price: {carbon.source}, {float(prices[0]):.6g} {method.currency}/kgCO2e in "
            f"{method.base_year} to {float(prices[-1]):.6g} in {method.base_year + n}"
            + (f", price base year {carbon.price_base_year}" if carbon.price_base_year else "")
        )
        if carbon.extrapolated_years:
            climate_inputs.append(
                f"carbon price held flat outside its points in {len(carbon.extrapolated_years)} "
                "study year(s)"
            )
        if carbon.undiscounted:
            climate_formula = "CC = sum over t of E(t) [kgCO2e] x p(t) [per kgCO2e] (undiscounted)"
        else:
            climate_formula = (
                "CC = sum over t of E(t) [kgCO2e] x p(t) [per kgCO2e] x (1 + d)^-tau(t)"
            )
            climate_inputs.extend(rates)
    explanations.append(
        Explanation(
            quantity="climate_cost",
            formula=climate_formula,
            value=climate,
            inputs=tuple(climate_inputs),
        )
    )

    pollutant_inputs: list[str] = []
    kg = computed.cubes.pollutant_kg_by_group[index].sum(axis=(1, 2))
    for p, name in enumerate(computed.table.pollutants):
        if kg[p] == 0.0:
            continue
        price = method.pollutant_prices.get(name)
        priced = (
            "no price in the method"
            if price is None
            else f"{price.price_per_kg:.6g} {method.currency}/kg"
            + (" (undiscounted)" if price.undiscounted else " (discounted)")
        )
        pollutant_inputs.append(f"{name}: {float(kg[p]):.6g} kg over the study period, {priced}")
    explanations.append(
        Explanation(
            quantity="externality_cost",
            formula=(
                "EC = sum over pollutants p and years t of kg(p, t) x price(p) x (1 + d)^-tau(t) "
                "(no discount factor for an undiscounted price)"
            ),
            value=externality,
            inputs=tuple(pollutant_inputs),
        )
    )

    model = method.model
    total_inputs = [
        f"life_cycle_cost = {_money_text(lcc, method)}",
        f"climate_cost = {_money_text(climate, method)}",
        f"externality_cost = {_money_text(externality, method)}",
        f"evaluation model = {model.kind.value}",
    ]
    if model.kind is ModelKind.COST:
        formula = "evaluated = LCC + CC + EC"
    elif model.kind is ModelKind.DEDUCTIONS:
        formula = "evaluated = LCC + CC + EC - sum of the bid's fixed deductions"
        total_inputs.extend(
            f"deduction '{d.criterion}' = {_money_text(d.amount, method)}" for d in bid.deductions
        )
    elif model.kind is ModelKind.FICTIVE_DISCOUNT:
        formula = "evaluated = (LCC + CC + EC) x (1 - discount(ladder level))"
        total_inputs.append(
            f"ladder level = {bid.ladder_level}, fictive discount = "
            f"{float(model.ladder.get(bid.ladder_level, 0.0)):.6g}"
        )
    else:
        formula = "evaluated = LCC + f x (CC + EC)"
        total_inputs.append(f"externality factor f = {model.externality_factor:.6g}")
    total_inputs.append(f"deductions = {_money_text(deductions, method)}")
    total_inputs.append(
        "rounded half-up to the currency's minor unit "
        f"({method.minor_unit_digits} decimals) before ranking"
    )
    explanations.append(
        Explanation(
            quantity="evaluated_cost", formula=formula, value=evaluated, inputs=tuple(total_inputs)
        )
    )

    explanations.append(
        Explanation(
            quantity="annual_value",
            formula="AV = LCC / UPV(d, N); UPV(d, N) = (1 - (1 + d)^-N) / d (= N when d = 0)",
            value=annual_value,
            inputs=(
                f"life_cycle_cost = {_money_text(lcc, method)}",
                f"UPV(d, N) = {computed.upv_factor:.10g}",
                f"discount_rate = {method.discount_rate:.10g} (real)",
                f"study_period_years N = {n}",
            ),
        )
    )
    if per_unit is not None:
        explanations.append(
            Explanation(
                quantity="cost_per_functional_unit",
                formula="evaluated cost / functional units delivered",
                value=per_unit,
                inputs=(
                    f"evaluated_cost = {_money_text(evaluated, method)}",
                    f"functional units delivered = {bid.functional_units_delivered:.10g}"
                    + (f" {method.functional_unit}" if method.functional_unit else ""),
                ),
            )
        )
    return tuple(explanations)
