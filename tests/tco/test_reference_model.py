"""The engine against the reference model (``reference_model.py``), and the model's escalation
and warranty conventions against the method's worked values (the other worked values are pinned
on the engine, which must equal the model).

Tolerances: the model is unrounded, the engine publishes money rounded half-up to the minor
unit, so a money figure may differ by half a minor unit plus 1e-9 of the gross amounts that
were summed into it (the two add in different orders); emissions and ratios by 1e-9 of their
gross amounts. Ranks, ties, statuses and payback years must agree exactly; the ranking is checked
on the comparison numbers the engine published (ranking is a function of the published money).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tco import validate
from tco.evaluate import evaluate, evaluate_prepared
from tco.inputs import RateBasis, Timing
from tco.prepared import CATEGORIES, MODULES, PreparedTender
from tco.results import BidResult, Evaluation, Measures, MeasureStatus

from . import factory as f
from . import reference_model as ref
from .tender_json import tender as tender_of_json
from .test_golden_outputs import CASES
from .test_properties import tenders

REL = 1e-9


def close(got: float | None, want: float | None, *, tol: float, what: str) -> None:
    assert (got is None) == (want is None), (what, got, want)
    if got is not None and want is not None:
        assert abs(got - want) <= tol, (what, got, want, abs(got - want), tol)


def check_against_model(tender: PreparedTender, evaluation: Evaluation) -> None:
    """Every figure of ``evaluation`` against the reference model of ``tender``."""
    method = tender.method
    half = 0.5 * 10.0**-method.minor_unit_digits * (1 + REL)
    figures = ref.reference_evaluation(tender)
    results = {r.bid_id: r for r in evaluation.results}
    assert list(results) == sorted(results, key=lambda b: (results[b].rank, list(figures).index(b)))
    for bid in tender.bids:
        r, m = results[bid.id], figures[bid.id]
        scale = m.gross * (1 + method.model.externality_factor) + sum(
            abs(d.amount) for d in bid.deductions
        )

        def money(got: float | None, want: float | None, what: str, by: float = 1.0) -> None:
            close(got, want, tol=half + REL * scale / by, what=f"{bid.id} {what}")  # noqa: B023

        money(r.life_cycle_cost, m.life_cycle_cost, "LCC")
        money(r.life_cycle_cost_undiscounted, m.life_cycle_cost_undiscounted, "undiscounted LCC")
        money(r.climate_cost, m.climate_cost, "climate cost")
        money(r.externality_cost, m.externality_cost, "externality cost")
        money(r.deductions, m.deductions, "deductions")
        money(r.evaluated_cost, m.evaluated, "comparison number")
        units = bid.functional_units_delivered or 1.0
        money(r.cost_per_functional_unit, m.cost_per_functional_unit, "per unit", by=units)
        money(r.annual_value, m.annual_value, "annual value", by=method.study_period_years)
        for c in CATEGORIES:
            money(r.cost_by_category[c], m.cost_by_category[c], c)
        for k, row in enumerate(r.cash_flow_categories):
            for t in range(method.study_period_years + 1):
                money(float(r.cash_flow_undiscounted[k, t]), m.undiscounted[row][t], f"{row} {t}")
                money(float(r.cash_flow_discounted[k, t]), m.discounted[row][t], f"PV {row} {t}")
        kg = REL * m.gross_kg
        for module in MODULES:
            close(r.emissions_by_module[module], sum(m.emissions[module]), tol=kg, what=module)
        close(r.emissions_total, sum(m.counted_by_year), tol=kg, what="emissions total")
        for t, value in enumerate(m.counted_by_year):
            close(r.emissions_by_year[t], value, tol=kg, what=f"emissions year {t}")
        close(r.material_circularity, m.circularity, tol=1e-12, what="MCI")
    check_ranking(evaluation, half)
    # A stated buy-back is always booked (also when the life ends exactly at N): nothing ignored.
    assert "RESIDUAL_VALUE_IGNORED" not in {w.code for w in evaluation.warnings}
    rate = ref.analysis_discount_rate(method)
    basis = method.rate_basis.value
    assert (evaluation.rate_basis, evaluation.analysis_discount_rate) == (basis, rate)
    for bid_id, want in ref.reference_measures(tender, figures).items():
        got = results[bid_id].measures
        assert got is not None
        assert (got.rate_basis, got.discount_rate) == (basis, rate)
        check_measures(got, want, half)
    baseline = method.baseline_bid_id
    if baseline:
        own = results[baseline].measures
        assert own is not None
        assert own.sir_status is own.simple_payback_status is MeasureStatus.IS_BASELINE
        assert own.net_savings == own.additional_investment == 0.0
    else:
        assert all(r.measures is None for r in results.values())


def check_ranking(evaluation: Evaluation, half: float) -> None:
    """Competition ranking, ties, differences and the ranking warnings on published numbers."""
    results = evaluation.results
    published = [r.evaluated_cost for r in results]
    for r, (rank, tied) in zip(results, ref.competition_rank(published), strict=True):
        assert (r.rank, r.tied) == (rank, tied), r.bid_id
    best = min(published)
    for r in results:
        spread = half + REL * (abs(r.evaluated_cost) + abs(best))  # 1e12: ulp > minor unit
        close(r.difference_to_best, r.evaluated_cost - best, tol=spread, what="diff")
        percent = 0.0 if best == 0.0 else 100 * (r.evaluated_cost - best) / abs(best)
        close(r.difference_to_best_percent, percent, tol=1e-9 * abs(percent), what="percent")
    codes = [w.code for w in evaluation.warnings]
    groups = {x for x in published if published.count(x) > 1}
    assert codes.count("TIE") == len(groups)
    close_call = len(published) > 1 and best != 0.0 and published[1] - best < 0.1 * abs(best)
    assert ("INCONCLUSIVE_RANKING" in codes) == close_call
    assert ("BEST_COST_ZERO" in codes) == (len(published) > 1 and best == 0.0)


def check_measures(got: Measures | None, want: ref.MeasureFigures, half: float) -> None:
    assert got is not None
    noise = REL * want.gross
    for name in ("net_savings", "additional_investment", "operational_savings"):
        close(getattr(got, name), getattr(want, name), tol=half + noise, what=name)
    sir, status = want.sir
    assert got.sir_status is status
    if sir is not None:
        spread = noise * (1 + abs(sir)) / want.additional_investment
        close(got.sir, sir, tol=REL * abs(sir) + spread, what="SIR")
        value, status = want.airr
        assert got.airr_status is status
        close(got.airr, value, tol=REL * (1 + abs(sir)) + spread, what="AIRR")
    for year, pb_status, (want_year, want_status) in (
        (got.simple_payback_years, got.simple_payback_status, want.simple_payback),
        (got.discounted_payback_years, got.discounted_payback_status, want.discounted_payback),
    ):
        assert (year, pb_status) == (want_year, want_status)
    cost, status = want.abatement_cost
    assert got.abatement_cost_status is status
    if cost is not None:
        close(got.abatement_cost, cost, tol=half + REL * (abs(cost) + want.gross), what="abate")


@pytest.mark.parametrize("timing", list(Timing))
@pytest.mark.parametrize("nominal", [False, True])
@settings(max_examples=12, deadline=None)
@given(data=st.data())
def test_the_engine_computes_what_the_method_says(
    timing: Timing, nominal: bool, data: st.DataObject
) -> None:
    """Random tenders of every timing convention, real and nominal, every model (drawn)."""
    tender = data.draw(tenders(timing=timing, nominal=nominal))
    check_against_model(tender, evaluate_prepared(tender))


def test_methods_that_differ_only_in_rates_or_timing_do_not_share_cached_factors() -> None:
    """The engine remembers time grids, schedules and price rows between calls: each call must
    still be the model's, whatever ran before (cold and warm, rates, timing, basis, N)."""
    for n, d, nominal in ((9, 0.035, False), (9, 0.05, False), (9, 0.035, True), (12, 0.0, True)):
        for timing in (*Timing, Timing.END_OF_YEAR):
            m = f.method(
                n,
                d,
                timing=timing,
                resources=[f.resource("electricity", 1.35, n, escalation=0.01, factor=0.059)],
                carbon=f.carbon_price(1.5, n),
                pollutant_prices={"nox": (4.4, False)},
                rate_basis=RateBasis.NOMINAL if nominal else RateBasis.REAL,
                inflation=0.02 if nominal else 0.0,
                baseline="b0",
            )
            bids = [
                f.bid(
                    f"b{k}",
                    items=[
                        f.item(
                            unit_price=1_000.005 * (k + 1),
                            installation_cost=250.0,
                            service_life=life,
                            resource_use={"electricity": 150.0 * k},
                            maintenance=99.995,
                            warranty=1.5,
                            emissions={"a1_a3": 2.5, "c1_c4": 1.0},
                            pollutants={"nox": 0.4},
                        )
                    ],
                )
                for k, life in enumerate((8.0, 30 / 12, None, 40.0, 2.4))
            ]
            tender = f.tender(m, *bids)
            check_against_model(tender, evaluate_prepared(tender))


def test_the_model_imports_nothing_of_the_engine_but_its_data_types() -> None:
    tree = ast.parse(Path(ref.__file__).read_text(encoding="utf-8"))
    modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    modules |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert {m for m in modules if m and m.startswith("tco")} <= {
        "tco.inputs",
        "tco.prepared",
        "tco.results",
    }


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_cases_are_what_the_method_says(name: str) -> None:
    """The examples and golden variants (sample, nominal, timing, fractional lives) through
    validation: the engine's result is the model's on the prepared tender."""
    try:
        request = tender_of_json(CASES[name]())
    except (KeyError, TypeError, ValueError) as error:  # a field tender_json does not know
        pytest.skip(f"{name}: tests/tco/tender_json.py cannot load it ({error!r})")
    check_against_model(validate.prepare(request), evaluate(request))


def test_annual_value_and_airr_of_a_nominal_analysis_use_the_nominal_rate() -> None:
    """§7: in a nominal analysis annual value and AIRR use the stated nominal rate (BLCC 5.3),
    and the result says so; present values are the same on either basis."""
    real, inflation, n = 0.03, 0.02, 10
    m = f.method(
        n,
        real,
        rate_basis=RateBasis.NOMINAL,
        inflation=inflation,
        stated_discount_rate=ref.fisher_nominal(real, inflation),
        baseline="BASE",
    )
    base = f.bid("BASE", items=[f.item(unit_price=1_000.0, maintenance=300.0)])
    alt = f.bid("ALT", items=[f.item(unit_price=2_000.0, maintenance=100.0)])
    tender = f.tender(m, base, alt)
    results = {r.bid_id: r for r in evaluate_prepared(tender).results}
    figures = ref.reference_evaluation(tender)
    assert results["ALT"].annual_value == pytest.approx(figures["ALT"].annual_value, abs=0.005)
    want = ref.reference_measures(tender, figures)["ALT"].airr[0]
    measures = results["ALT"].measures
    assert measures is not None
    assert measures.airr == pytest.approx(want, rel=1e-9)
    nominal = ref.fisher_nominal(real, inflation)
    assert (measures.rate_basis, measures.discount_rate) == ("nominal", nominal)
    # The nominal AIRR is the real one carried to the nominal basis by Fisher.
    sir = measures.sir
    assert sir is not None
    real_airr = (1 + real) * sir ** (1 / n) - 1
    assert measures.airr == pytest.approx(ref.fisher_nominal(real_airr, inflation), rel=1e-12)
    lcc = results["ALT"].life_cycle_cost
    assert results["ALT"].annual_value == pytest.approx(lcc / ref.upv(nominal, n), abs=0.005)


# --- the model's own conventions (present values, Fisher, the ladder, measures and MCI examples
# are pinned on the engine in test_finance, test_models, test_measures and test_circularity) ----


def test_escalation_and_warranty_conventions() -> None:
    assert round(ref.constant_escalation(0.02, 5.0), 6) == 1.104081
    series = [0.10, 0.0, 0.05]
    assert [round(ref.series_escalation(series, t), 6) for t in (0, 1, 2, 3, 4)] == [
        1.0,
        1.1,
        1.1,
        1.155,
        1.21275,
    ]
    assert ref.purchase_times(8.0, 20) == [0.0, 8.0, 16.0]
    assert ref.purchase_times(10.0, 20) == [0.0, 10.0]
    shares = [ref.warranty_share([0.0, 8.0], 1.5, 8.0, t) for t in range(11)]
    assert shares == [0, 1, 0.5, 0, 0, 0, 0, 0, 0, 1, 0.5]


def test_a_bid_result_has_the_fields_the_model_checks() -> None:
    """Guard: a new money field in BidResult must be added to the comparison above."""
    checked = {
        "bid_id supplier rank tied life_cycle_cost life_cycle_cost_undiscounted climate_cost "
        "externality_cost deductions evaluated_cost difference_to_best difference_to_best_percent "
        "annual_value cost_by_category emissions_by_module emissions_total emissions_by_year "
        "measures material_circularity cost_per_functional_unit explanations "
        "cash_flow_categories calendar_years cash_flow_undiscounted cash_flow_discounted"
    }
    assert set(BidResult.__dataclass_fields__) == set(next(iter(checked)).split())
