"""The explanation trail of every figure: how each figure of a bid was formed.

Each bid's result carries, per figure (life-cycle cost, climate cost, externality cost,
evaluated cost, annual value, cost per functional unit), the formula and the inputs that
produced it, in words a review court can follow. What depends on the method only is written
once per evaluation (:class:`Explainer`); :meth:`Explainer.explain_part` adds the bids' figures.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from tco.construct import many
from tco.inputs import ModelKind, RateBasis, Timing
from tco.prepared import CATEGORIES, PreparedBid, PreparedMethod
from tco.results import Explanation

FloatArray = npt.NDArray[np.float64]

__all__ = ["Explainer"]

_TIMING_RULE = {
    Timing.END_OF_YEAR: "recurring amounts of year t paid at t (end of year)",
    Timing.MID_YEAR: "recurring amounts of year t >= 1 paid at t - 0.5 (mid-year)",
    Timing.BEGINNING_OF_YEAR: (
        "recurring amounts of service year k paid at k - 1 (beginning of year)"
    ),
}
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
_TOTAL_FORMULA = {
    ModelKind.COST: "evaluated = LCC + CC + EC",
    ModelKind.DEDUCTIONS: (
        "evaluated = LCC + CC + EC - sum of the deductions the method fixes for the levels the "
        "bid claims"
    ),
    ModelKind.FICTIVE_DISCOUNT: "evaluated = (LCC + CC + EC) x (1 - discount(ladder level))",
}
_PER_UNIT_FORMULA = "evaluated cost / functional units delivered"


def _rate_inputs(method: PreparedMethod) -> list[str]:
    """The discount rate, its Fisher conversion, the timing, N and the base year, as lines."""
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


def _climate_explanation(method: PreparedMethod, rates: list[str]) -> tuple[str, tuple[str, ...]]:
    """The climate cost's formula and the lines on the carbon price that follow its inputs."""
    carbon = method.carbon_price
    if carbon is None:
        return "no carbon price in the method: CC = 0 (emissions still reported)", ()
    n = method.study_period_years
    prices = np.asarray(carbon.price_per_kg)
    tail = [
        f"carbon price: {carbon.source}, {float(prices[0]):.6g} {method.currency}/kgCO2e "
        f"in {method.base_year} to {float(prices[-1]):.6g} in {method.base_year + n}"
        + (f", price base year {carbon.price_base_year}" if carbon.price_base_year else "")
    ]
    if carbon.rebased is not None:
        # the re-basing to the method's price year (lcc-method.md §4), index then exchange rate
        tail.append(f"price base: {carbon.rebased.message}")
    if carbon.extrapolated_years:
        tail.append(
            f"carbon price held flat outside its points in "
            f"{len(carbon.extrapolated_years)} study year(s)"
        )
    if carbon.undiscounted:
        return "CC = sum over t of E(t) [kgCO2e] x p(t) [per kgCO2e] (undiscounted)", tuple(tail)
    formula = "CC = sum over t of E(t) [kgCO2e] x p(t) [per kgCO2e] x (1 + d)^-tau(t)"
    return formula, (*tail, *rates)


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


class Explainer:
    """How each figure of a bid was formed (formula and inputs), for the review court.

    Everything that depends on the method only is written once per evaluation;
    :meth:`explain_part` adds the bids' own figures. A money figure reads ``"1234.50 SEK"``
    (the currency's minor unit); kgCO2e and kg ``%.6g``.
    """

    def __init__(self, method: PreparedMethod, upv_factor: float) -> None:
        self.method = method
        rates = _rate_inputs(method)
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
            if method.rate_basis is RateBasis.NOMINAL
            else "undiscounted cash flows in real terms (base-year price level)",
        )
        module_d = "included" if method.include_module_d else "reported separately, not included"
        self.emissions_suffix = (
            f" kgCO2e (EN 15978 modules A1-A3, A4, A5, B1-B7, C1-C4; module D {module_d})"
        )
        self.resource_lines: dict[str, str | None] = {}
        self.resource_blocks: dict[tuple[str, ...], tuple[str, ...]] = {}
        self.climate_formula, self.climate_tail = _climate_explanation(method, rates)
        self.pollutant_priced: dict[str, str] = {}
        model = method.model
        self.model_line = f"evaluation model = {model.kind.value}"
        self.total_formula = _TOTAL_FORMULA.get(model.kind, "evaluated = LCC + f x (CC + EC)")
        self.externality_factor_line = f"externality factor f = {model.externality_factor:.6g}"
        self.rounding_line = (
            "rounded half-up to the currency's minor unit "
            f"({method.minor_unit_digits} decimals) before ranking"
        )
        nominal = method.rate_basis is RateBasis.NOMINAL
        self.annual_tail = (
            f"UPV(d, N) = {upv_factor:.10g}",
            f"d = {method.stated_discount_rate:.10g} (the stated nominal rate: a nominal "
            "analysis's annual value is on the nominal basis, as NIST BLCC 5.3)"
            if nominal
            else f"d = discount_rate = {method.discount_rate:.10g} (real)",
            f"study_period_years N = {method.study_period_years}",
        )
        self.functional_unit = f" {method.functional_unit}" if method.functional_unit else ""

    def resource_block(self, bid: PreparedBid) -> tuple[str, ...]:
        """The emission-factor lines of the resources the bid uses, in order of first use."""
        names = tuple(dict.fromkeys(u.resource for item in bid.items for u in item.resource_use))
        block = self.resource_blocks.get(names)
        if block is None:  # bids of one tender use the same resources
            block = tuple(line for name in names if (line := self.resource_line(name)) is not None)
            self.resource_blocks[names] = block
        return block

    def resource_line(self, name: str) -> str | None:
        """The emission factor of resource ``name`` in year 1 and year N, with its source."""
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
        """What follows a pollutant's kg: its price in the method, or that it has none."""
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

    def model_lines(self, bid: PreparedBid) -> tuple[str, ...]:
        """The evaluation model's own inputs for ``bid`` (deductions, ladder level or factor)."""
        kind = self.method.model.kind
        if kind is ModelKind.COST:
            return (self.model_line,)
        if kind is ModelKind.DEDUCTIONS:
            spec, unit = self.spec, self.unit
            return self.model_line, *(
                f"deduction '{d.criterion}'"
                + (f", level '{d.level}'" if d.level else "")
                + f" = {d.amount:{spec}}{unit} (the method's amount)"
                for d in bid.deductions
            )
        if kind is ModelKind.FICTIVE_DISCOUNT:
            discount = float(self.method.model.ladder.get(bid.ladder_level, 0.0))
            return (
                self.model_line,
                f"ladder level = {bid.ladder_level}, fictive discount = {discount:.6g}",
            )
        return self.model_line, self.externality_factor_line

    def explain_part(
        self,
        bids: Sequence[PreparedBid],
        *,
        figures: dict[str, list[float]],
        cost_by_category: FloatArray,
        per_unit: list[float | None],
        emissions_total: list[float],
        pollutant_kg: FloatArray,
        pollutants: tuple[str, ...],
    ) -> list[tuple[Explanation, ...]]:
        """The explanations of each bid of a part (figures rounded for output), in bid order.

        ``figures`` holds the rounded money figures by name (``life_cycle_cost``,
        ``climate_cost``, ``externality_cost``, ``deductions``, ``evaluated``,
        ``annual_value``). Every line that shows a figure is written for all bids at once from
        a ``%`` template (``"%.2f SEK" % 1234.5`` is ``f"{1234.5:.2f} SEK"``: the same
        conversion), then each bid's lines are put together.

        Example (SEK, 2 decimals): a bid with LCC 1234.5 gets the line
        ``"life_cycle_cost = 1234.50 SEK"`` in its ``evaluated_cost`` and ``annual_value``
        explanations, and ``"energy = 800.00 SEK (present value)"`` for a non-zero category.
        """
        money = self.money
        lines = {
            name: list(map((f"{name} = " + money).__mod__, figures[name]))
            for name in ("life_cycle_cost", "climate_cost", "externality_cost", "deductions")
        }
        emission_template = "emissions_total = %.6g" + _escape(self.emissions_suffix)
        emission_lines = list(map(emission_template.__mod__, emissions_total))
        category_lines = _lines_of_nonzero(cost_by_category, self.category_templates)
        templates = tuple(
            _escape(f"{name}: ") + "%.6g" + _escape(self.pollutant_suffix(name))
            for name in pollutants
        )
        pollutant_lines = (
            _lines_of_nonzero(pollutant_kg, templates) if pollutants else [()] * len(bids)
        )
        lcc, evaluated = figures["life_cycle_cost"], figures["evaluated"]
        # (quantity, formula, value, inputs) of every explanation of the part, bid after bid;
        # the objects are made column by column at the end.
        specs: list[tuple[str, str, float, tuple[str, ...]]] = []
        counts: list[int] = []
        for i, bid in enumerate(bids):
            lcc_line = lines["life_cycle_cost"][i]
            total_inputs = (
                lcc_line,
                lines["climate_cost"][i],
                lines["externality_cost"][i],
                *self.model_lines(bid),
                lines["deductions"][i],
                self.rounding_line,
            )
            climate_inputs = (emission_lines[i], *self.resource_block(bid), *self.climate_tail)
            specs += (
                ("life_cycle_cost", _LCC_FORMULA, lcc[i], (*self.lcc_head, *category_lines[i])),
                ("climate_cost", self.climate_formula, figures["climate_cost"][i], climate_inputs),
                (
                    "externality_cost",
                    _EXTERNALITY_FORMULA,
                    figures["externality_cost"][i],
                    pollutant_lines[i],
                ),
                ("evaluated_cost", self.total_formula, evaluated[i], total_inputs),
                (
                    "annual_value",
                    _ANNUAL_FORMULA,
                    figures["annual_value"][i],
                    (lcc_line, *self.annual_tail),
                ),
            )
            value = per_unit[i]
            if value is None:
                counts.append(5)
                continue
            units = (
                f"functional units delivered = {bid.functional_units_delivered:.10g}"
                + self.functional_unit
            )
            inputs = ("evaluated_cost = " + money % evaluated[i], units)
            specs.append(("cost_per_functional_unit", _PER_UNIT_FORMULA, value, inputs))
            counts.append(6)
        if not specs:
            return []
        made = many(Explanation, len(specs), *map(list, zip(*specs, strict=True)))
        ends = itertools.accumulate(counts)
        return [tuple(made[end - count : end]) for count, end in zip(counts, ends, strict=True)]
