"""The entry point: validate a tender and an analysis spec, run every part the spec asks for.

:func:`analyze_ranking` validates the tender (:func:`tco.validate.prepare`; its violations keep
their tender paths, ``bids[0].items[1]...``) and then the spec, collecting every problem of the
spec as a :class:`tco.errors.FieldViolation` under ``analysis.`` (the field of the request that
carries the spec), e.g.

- ``analysis.sensitivity[0].path: unknown parameter path: expected discount_rate, ...``
- ``analysis.switching[1].high: expected high > low``
- ``analysis.monte_carlo.distributions[2].triangular.most_likely: expected low <= ...``
- ``analysis.scenarios[0].settings[1]: a resource price must stay within ...`` (a setting that
  takes a parameter out of its domain)

and raises one :class:`tco.errors.InvalidTender` listing them all; nothing is computed then.
Otherwise it builds one :class:`tco.analysis.model.ParametricModel` and runs the base ranking,
sensitivity, switching, scenarios and Monte Carlo on it.

Determinism: no clock, no global random state, no set iteration; the same tender and spec give
the same :class:`~tco.analysis.results.RankingAnalysis`, bit for bit.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
from collections.abc import Sequence

import numpy as np

from tco import digest, models, validate
from tco.climate import climate_warnings
from tco.errors import FieldViolation, InvalidTender
from tco.inputs import CarbonPrice, Tender
from tco.prepared import PreparedTender
from tco.results import Warning
from tco.version import __version__

from . import budget as cost_model
from . import montecarlo
from .cancel import ShouldStop, never
from .distributions import Discrete
from .model import (
    DomainError,
    FloatArray,
    ParametricModel,
    raising,
    reference_comparison_numbers,
)
from .outcomes import outcomes
from .parameters import Kind, Mode, Parameter, PathError, resolve
from .results import ParameterInfo, RankingAnalysis, SensitivityResult
from .scenarios import ResolvedScenario, compare_scenarios
from .sensitivity import tornado
from .spec import (
    DEFAULT_DRAWS,
    MAX_DRAW_CELLS,
    MAX_DRAWS,
    MAX_ENTRIES,
    AnalysisSpec,
    MonteCarloSpec,
)
from .switching import GRID_POINTS, MAX_STEPS, RELATIVE_TOLERANCE, switching

__all__ = ["analysis_digest", "analyze_prepared", "analyze_ranking"]

#: Prefix of every violation of the spec: the request field that carries it.
PREFIX = "analysis"
_MAX_SEED = 2**64 - 1


def analysis_digest(spec: AnalysisSpec) -> str:
    """SHA-256 (hex) of the canonical serialisation of the spec (:func:`tco.digest.canonical_json`).

    Distributions are written as their fields (each family has a distinct set of field names).
    """
    return hashlib.sha256(digest.canonical_json(spec)).hexdigest()


def analyze_ranking(
    tender: Tender,
    spec: AnalysisSpec,
    *,
    should_stop: ShouldStop = never,
    budget: cost_model.Budget = cost_model.BUDGET,
) -> RankingAnalysis:
    """Validate ``tender`` and ``spec`` and run the analysis (see the module docstring).

    Raises :class:`tco.errors.InvalidTender` naming every bad field of either
    (:class:`tco.analysis.budget.AnalysisTooCostly` when over ``budget``) and
    :class:`tco.analysis.cancel.Stopped` when ``should_stop()`` turns true.
    """
    prepared = validate.prepare(tender)
    return analyze_prepared(
        prepared,
        spec,
        tender=tender,
        method_digest=digest.method_digest(tender.method),
        request_digest=digest.request_digest(tender),
        should_stop=should_stop,
        budget=budget,
    )


class _Spec:
    """The spec checked and resolved against a prepared tender (violations collected)."""

    def __init__(self, prepared: PreparedTender, spec: AnalysisSpec, tender: Tender | None):
        self.prepared = prepared
        self.spec = spec
        self.tender = tender
        self.violations: list[FieldViolation] = []
        self.warnings: list[Warning] = []
        self.used: list[Parameter] = []
        self.sensitivity: list[tuple[int, Parameter, float, float]] = []
        self.switching: list[tuple[int, Parameter, float, float]] = []
        self.scenarios: list[ResolvedScenario] = []
        self.scenario_settings: list[tuple[int, int]] = []  # (scenario, setting) per column
        self.uncertain: list[montecarlo.Uncertain] = []
        self.draws = 0
        self.seed = 0
        self._check_sensitivity()
        self._check_switching()
        self._check_scenarios()
        self._check_monte_carlo(spec.monte_carlo)

    # -- helpers ------------------------------------------------------------------------------

    def fail(self, path: str, description: str) -> None:
        self.violations.append(FieldViolation(path, description))

    def too_many(self, path: str, entries: Sequence[object]) -> bool:
        if len(entries) > MAX_ENTRIES:
            self.fail(path, f"at most {MAX_ENTRIES} entries, got {len(entries)}")
            return True
        return False

    def parameter(
        self, path: str, text: str, mode: Mode | None, mode_at: str | None = None
    ) -> Parameter | None:
        """Resolve ``text`` (violations at ``path.path`` and ``mode_at.mode``)."""
        ok = True
        if not isinstance(mode, Mode):
            self.fail(f"{mode_at or path}.mode", "required: scale, value or shift")
            ok = False
        try:
            resolved = resolve(text, mode if isinstance(mode, Mode) else Mode.VALUE, self.prepared)
        except PathError as error:
            self.fail(f"{path}.path", str(error))
            return None
        if not ok:
            return None
        if all(p.path != resolved.path for p in self.used):
            self.used.append(resolved)
        return resolved

    def numbers(self, path: str, **values: float) -> bool:
        ok = True
        for name, value in values.items():
            if not (isinstance(value, (int, float)) and math.isfinite(value)):
                self.fail(f"{path}.{name}", "expected a finite number")
                ok = False
        return ok

    # -- parts --------------------------------------------------------------------------------

    def _check_sensitivity(self) -> None:
        base = f"{PREFIX}.sensitivity"
        if self.too_many(base, self.spec.sensitivity):
            return
        for i, entry in enumerate(self.spec.sensitivity):
            path = f"{base}[{i}]"
            given = [
                name for name in ("percent", "delta", "range") if getattr(entry, name) is not None
            ]
            if len(given) != 1:
                self.fail(path, "expected exactly one of percent, delta or range")
                self.parameter(path, entry.path, Mode.VALUE)
                continue
            if entry.range is not None:
                parameter = self.parameter(path, entry.path, entry.range.mode, f"{path}.range")
                ok = self.numbers(f"{path}.range", low=entry.range.low, high=entry.range.high)
            else:
                name = given[0]
                parameter = self.parameter(
                    path, entry.path, Mode.SCALE if name == "percent" else Mode.SHIFT
                )
                number = getattr(entry, name)
                ok = self.numbers(path, **{name: number})
                if ok and not number > 0.0:
                    self.fail(f"{path}.{name}", f"expected {name} > 0 (it varies both ways)")
                    ok = False
            _, low, high = entry.setting()
            if ok and parameter is not None:
                self.sensitivity.append((i, parameter, float(low), float(high)))

    def _check_switching(self) -> None:
        base = f"{PREFIX}.switching"
        if self.too_many(base, self.spec.switching):
            return
        for i, entry in enumerate(self.spec.switching):
            path = f"{base}[{i}]"
            if entry.range is None:
                self.fail(f"{path}.range", "required: the interval (mode, low, high) to search")
                self.parameter(path, entry.path, Mode.VALUE)
                continue
            span = entry.range
            parameter = self.parameter(path, entry.path, span.mode, f"{path}.range")
            if not self.numbers(f"{path}.range", low=span.low, high=span.high):
                continue
            if not span.low < span.high:
                self.fail(f"{path}.range.high", "expected high > low")
                continue
            if parameter is not None:
                self.switching.append((i, parameter, float(span.low), float(span.high)))

    def _check_scenarios(self) -> None:
        base = f"{PREFIX}.scenarios"
        if self.too_many(base, self.spec.scenarios):
            return
        names: dict[str, int] = {}
        for i, scenario in enumerate(self.spec.scenarios):
            path = f"{base}[{i}]"
            name = scenario.name if isinstance(scenario.name, str) else ""
            if not name.strip():
                self.fail(f"{path}.name", "required: a name such as 'Region North'")
            elif len(name) > 200:
                self.fail(f"{path}.name", "at most 200 characters")
            elif name in names:
                self.fail(f"{path}.name", f"the name is used twice (also {base}[{names[name]}])")
            else:
                names[name] = i
            if self.too_many(f"{path}.settings", scenario.settings):
                continue
            settings: list[tuple[Parameter, float]] = []
            ok = True
            for k, setting in enumerate(scenario.settings):
                spath = f"{path}.settings[{k}]"
                parameter = self.parameter(spath, setting.path, setting.mode)
                if not self.numbers(spath, value=setting.value) or parameter is None:
                    ok = False
                    continue
                settings.append((parameter, float(setting.value)))
            carbon_path = None
            if scenario.carbon_price is not None:
                carbon_path = self._carbon_override(path, scenario.name, scenario.carbon_price)
                ok = ok and carbon_path is not None
            if ok:
                for k in range(len(settings)):
                    self.scenario_settings.append((i, k))
                self.scenarios.append(ResolvedScenario(name, tuple(settings), carbon_path))

    def _carbon_override(self, path: str, name: str, carbon: CarbonPrice) -> FloatArray | None:
        """The scenario's carbon price path, validated like the method's (paths remapped)."""
        if self.tender is None:
            self.fail(f"{path}.carbon_price", "a carbon price override needs the tender inputs")
            return None
        method = self.tender.method
        probe = Tender(
            method=dataclasses.replace(method, carbon_price=carbon, baseline_bid_id=""),
            bids=self.tender.bids[:1],
        )
        try:
            checked = validate.prepare(probe)
        except InvalidTender as invalid:
            for v in invalid.violations:
                field = v.field
                if field.startswith("method.carbon_price"):
                    field = f"{path}.carbon_price" + field.removeprefix("method.carbon_price")
                self.fail(field, v.description)
            return None
        prepared_carbon = checked.method.carbon_price
        if prepared_carbon is None:
            return None
        stated = self.prepared.method.carbon_price
        undiscounted = stated is not None and stated.undiscounted
        if prepared_carbon.undiscounted != undiscounted:
            self.fail(
                f"{path}.carbon_price.undiscounted",
                f"the discounting of the climate cost is the method's (undiscounted = "
                f"{str(undiscounted).lower()}): a scenario may change the prices, not the rule",
            )
            return None
        for warning in climate_warnings(prepared_carbon, self.prepared.method.base_year):
            self.warnings.append(
                Warning(warning.code, f"scenario {name!r}: {warning.message}", warning.bid_id)
            )
        return np.asarray(prepared_carbon.price_per_kg, dtype=np.float64)

    def _check_monte_carlo(self, spec: MonteCarloSpec | None) -> None:
        if spec is None:
            return
        base = f"{PREFIX}.monte_carlo"
        draws = spec.draws
        if not isinstance(draws, int) or isinstance(draws, bool) or not 0 <= draws <= MAX_DRAWS:
            self.fail(
                f"{base}.draws",
                f"expected a number of draws from 0 (= {DEFAULT_DRAWS}) to {MAX_DRAWS}",
            )
            draws = DEFAULT_DRAWS
        draws = draws or DEFAULT_DRAWS
        n_bids = len(self.prepared.bids)
        cells = draws * n_bids * (self.prepared.method.study_period_years + 1)
        if cells > MAX_DRAW_CELLS:
            self.fail(
                f"{base}.draws",
                f"draws x bids x (study years + 1) = {cells} exceeds {MAX_DRAW_CELLS}: "
                f"use at most {MAX_DRAW_CELLS // max(cells // draws, 1)} draws for this tender",
            )
        seed = spec.seed
        if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed <= _MAX_SEED:
            self.fail(f"{base}.seed", "expected a whole number from 0 to 2^64 - 1")
            seed = 0
        self.draws, self.seed = draws, seed
        if not spec.distributions:
            self.fail(f"{base}.distributions", "required: at least one uncertain parameter")
        if self.too_many(f"{base}.distributions", spec.distributions):
            return
        for i, entry in enumerate(spec.distributions):
            path = f"{base}.distributions[{i}]"
            parameter = self.parameter(path, entry.path, entry.mode)
            distribution = entry.distribution
            if distribution is None:
                self.fail(
                    path, "required: one of uniform, triangular, normal, lognormal, pert, discrete"
                )
                continue
            family = type(distribution).__name__.lower()  # the contract's oneof: uniform, ...
            problems = distribution.check()
            for field, description in problems:
                self.fail(f"{path}.{family}.{field}", description)
            if parameter is not None and not problems:
                self.uncertain.append(
                    montecarlo.Uncertain(parameter, distribution, bool(entry.independent))
                )


def _info(parameter: Parameter) -> ParameterInfo:
    return ParameterInfo(
        path=parameter.path,
        unit=parameter.unit,
        base=parameter.base,
        targets=max(len(parameter.targets), 1),
        linear=parameter.linear,
    )


def _unused_warnings(model: ParametricModel, used: Sequence[Parameter]) -> list[Warning]:
    warnings = []
    for parameter in used:
        if parameter.kind in (Kind.RESOURCE_PRICE, Kind.ESCALATION, Kind.EMISSION_FACTOR) and not (
            any(str(t) in model.resource_index for t in parameter.targets)
        ):
            warnings.append(
                Warning(
                    "PARAMETER_WITHOUT_EFFECT",
                    f"{parameter.path}: no bid uses the resource, so the parameter changes "
                    "no comparison number",
                )
            )
    return warnings


def parts(checked: _Spec, shape: cost_model.TenderShape) -> list[cost_model.Part]:
    """The work each part of a checked spec asks for (:mod:`tco.analysis.budget`)."""
    found: list[cost_model.Part] = []
    floor = cost_model.life_floor

    def structural(
        path: str,
        settings: Sequence[tuple[Parameter, float | None]],
        rows: int,
        *,
        calls: int = 1,
        figures: int = 0,
        points: int = 0,
    ) -> cost_model.Part:
        touched = cost_model.touched_bids(p for p, _ in settings)
        return cost_model.Part(
            path,
            rows=rows,
            calls=calls,
            variants=rows if touched else 0,
            variant_bids=touched,
            shortest_life=floor(settings, shape),
            figures=figures,
            points=points,
        )

    for i, p, low, high in checked.sensitivity:
        found.append(structural(f"{PREFIX}.sensitivity[{i}]", [(p, min(low, high))], 2, figures=1))
    for i, p, low, high in checked.switching:
        # Bisection halves a grid step until it is within the tolerance (at most MAX_STEPS).
        step = (high - low) / (GRID_POINTS - 1)
        tolerance = RELATIVE_TOLERANCE * max(1.0, abs(low), abs(high))
        ratio = step / tolerance
        if not math.isfinite(ratio):  # a range wider than the largest float: as many as allowed
            halvings = MAX_STEPS
        else:
            halvings = math.ceil(math.log2(max(ratio, 1.0))) if step > 0 else 0
        steps = min(MAX_STEPS, halvings) + 1
        bisections = cost_model.MAX_BISECTIONS * steps
        rows, calls = (2, 1) if p.linear else (2 + GRID_POINTS + bisections, 2 + bisections)
        points = max(shape.bids - 1, 0) * (1 if p.linear else 2)
        path = f"{PREFIX}.switching[{i}]"
        found.append(structural(path, [(p, low)], rows, calls=calls, points=points))
    if checked.scenarios:
        settings = [(p, v) for sc in checked.scenarios for p, v in sc.settings]
        n = len(checked.scenarios)
        found.append(structural(f"{PREFIX}.scenarios", settings, n, figures=n))
    if checked.uncertain:
        draws = checked.draws
        kept = 4 * draws * shape.bids
        found.append(
            cost_model.Part(
                f"{PREFIX}.monte_carlo.draws", rows=draws, calls=1, kept=kept, figures=1
            )
        )
        lows = [(u.parameter, cost_model.support_low(u.distribution)) for u in checked.uncertain]
        variants = _mc_variants(checked.uncertain, draws)
        touched = cost_model.touched_bids(u.parameter for u in checked.uncertain)
        first = True
        for i, u in enumerate(checked.uncertain):
            blame = u.parameter.structural and first and bool(touched)
            first = first and not blame
            found.append(
                cost_model.Part(
                    f"{PREFIX}.monte_carlo.distributions[{i}]",
                    drawn=draws * len(u.columns()),
                    calls=len(u.columns()),
                    variants=variants if blame else 0,
                    variant_bids=touched if blame else (),
                    shortest_life=cost_model.life_floor(lows, shape) if blame else None,
                    independent=any(v.independent for v in checked.uncertain),
                )
            )
    return found


def _mc_variants(uncertain: Sequence[montecarlo.Uncertain], draws: int) -> int:
    """Most distinct structural settings of the draws: ``draws``, or fewer when every
    structural distribution is discrete (the product of their values' counts per column)."""
    structural = [u for u in uncertain if u.parameter.structural]
    if not structural:
        return 0
    variants = 1
    for u in structural:
        if not isinstance(u.distribution, Discrete):
            return draws
        for _ in u.columns():
            variants = min(draws, variants * len(set(u.distribution.values)))
    return variants


def _infinite(*parts: object) -> list[FieldViolation]:
    """A violation for each part of a result that holds a number that is not finite (a last
    guard: the model raises on overflow first)."""
    names = ("sensitivity", "switching", "scenarios", "monte_carlo")
    return [
        FieldViolation(f"{PREFIX}.{name}", _OVERFLOW)
        for name, part in zip(names, parts, strict=True)
        if not _finite(part)
    ]


def _finite(value: object) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, (tuple, list)):
        return all(_finite(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return all(_finite(getattr(value, f.name)) for f in dataclasses.fields(value))
    return True


def _check_budget(
    prepared: PreparedTender, checked: _Spec, budget: cost_model.Budget
) -> cost_model.Cost:
    """The estimate of the analysis; :class:`~tco.analysis.budget.AnalysisTooCostly` when over."""
    shape = cost_model.shape_of(prepared)
    cost = cost_model.estimate(shape, parts(checked, shape))
    over = cost_model.over_budget(cost, budget)
    if over:
        raise cost_model.AnalysisTooCostly(over, cost)
    return cost


_OVERFLOW = (
    "the arithmetic leaves the range of float64 (about 1.8e308): use a narrower range or "
    "smaller numbers"
)


def analyze_prepared(
    prepared: PreparedTender,
    spec: AnalysisSpec,
    *,
    tender: Tender | None = None,
    method_digest: str = "",
    request_digest: str = "",
    should_stop: ShouldStop = never,
    budget: cost_model.Budget = cost_model.BUDGET,
) -> RankingAnalysis:
    """Run the analysis on a validated tender (``tender``: the inputs, for carbon overrides).

    The cost of the spec is checked against ``budget`` before the model allocates anything
    (:mod:`tco.analysis.budget`); ``should_stop`` is checked between chunks of work
    (:mod:`tco.analysis.cancel`); numpy's floating-point errors are violations of the part that
    caused them, and every number of the result is finite.
    """
    checked = _Spec(prepared, spec, tender)
    if checked.violations:
        raise InvalidTender(checked.violations)
    _check_budget(prepared, checked, budget)
    method = prepared.method
    digits = method.minor_unit_digits
    ids = [bid.id for bid in prepared.bids]
    model = ParametricModel(prepared, should_stop)
    base_numbers = reference_comparison_numbers(prepared)
    base = outcomes(base_numbers, ids, digits)
    violations: list[FieldViolation] = []

    sensitivity: tuple[SensitivityResult, ...] = ()
    if checked.sensitivity:
        entries = [(p, low, high) for _, p, low, high in checked.sensitivity]
        try:
            with raising():
                sensitivity = tornado(model, base_numbers, entries, ids, digits)
        except DomainError as error:
            position = checked.sensitivity[error.index][0]
            violations.append(
                FieldViolation(f"{PREFIX}.sensitivity[{position}]", error.description)
            )
        except FloatingPointError:
            violations.append(FieldViolation(f"{PREFIX}.sensitivity", _OVERFLOW))

    switch_results = []
    for position, parameter, low, high in checked.switching:
        try:
            with raising():
                switch_results.append(switching(model, parameter, low, high, ids))
        except DomainError as error:
            violations.append(FieldViolation(f"{PREFIX}.switching[{position}]", error.description))
        except FloatingPointError:
            violations.append(FieldViolation(f"{PREFIX}.switching[{position}]", _OVERFLOW))

    scenarios = None
    if spec.scenarios:
        try:
            with raising():
                scenarios = compare_scenarios(model, checked.scenarios, ids, digits)
        except DomainError as error:
            s, k = checked.scenario_settings[error.index]
            violations.append(
                FieldViolation(f"{PREFIX}.scenarios[{s}].settings[{k}]", error.description)
            )
        except FloatingPointError:
            violations.append(FieldViolation(f"{PREFIX}.scenarios", _OVERFLOW))

    monte_carlo = None
    if spec.monte_carlo is not None:
        try:
            with raising():
                monte_carlo = montecarlo.run(
                    model, checked.uncertain, ids, digits, draws=checked.draws, seed=checked.seed
                )
        except DomainError as error:
            violations.append(
                FieldViolation(
                    f"{PREFIX}.monte_carlo.distributions[{error.index}]", error.description
                )
            )
        except FloatingPointError:
            violations.append(FieldViolation(f"{PREFIX}.monte_carlo", _OVERFLOW))
    violations += _infinite(sensitivity, switch_results, scenarios, monte_carlo)
    if violations:
        raise InvalidTender(violations)

    ranking = models.rank_bids(np.array([b.comparison_number for b in base]), ids)
    warnings = (
        tuple(Warning(code, message, bid_id) for code, message, bid_id in prepared.warnings)
        + climate_warnings(method.carbon_price, method.base_year)
        + tuple(ranking.warnings)
        + tuple(checked.warnings)
        + tuple(_unused_warnings(model, checked.used))
    )
    return RankingAnalysis(
        currency=method.currency,
        method_digest=method_digest,
        request_digest=request_digest,
        analysis_digest=analysis_digest(spec),
        engine_version=__version__,
        base=base,
        parameters=tuple(_info(p) for p in checked.used),
        sensitivity=sensitivity,
        switching=tuple(switch_results),
        scenarios=scenarios,
        monte_carlo=monte_carlo,
        warnings=warnings,
    )
