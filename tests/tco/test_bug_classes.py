"""One test per bug class of primer §9 (bugs seen in public LCC tools), named "bug_class_NN"
so that "bug N" keeps meaning regression bug N (test_issues.py)."""

from __future__ import annotations

import numpy as np
import pytest

from tco import cvd
from tco.evaluate import CASH_FLOW_CATEGORIES, evaluate_prepared
from tco.finance import escalation_index, fisher_nominal, fisher_real, upv
from tco.inputs import (
    Bid,
    CarbonPrice,
    EmissionFactor,
    Emissions,
    Item,
    Method,
    Quantity,
    RateBasis,
    ResourcePrice,
    ResourceUse,
    Tender,
    Timing,
)
from tco.results import BidResult, Evaluation, MeasureStatus
from tco.rounding import round_array_money, round_money

from . import factory as f


def only(evaluation: Evaluation, bid_id: str = "A") -> BidResult:
    return next(r for r in evaluation.results if r.bid_id == bid_id)


def row(result: BidResult, category: str, *, discounted: bool = False) -> list[float]:
    cash = result.cash_flow_discounted if discounted else result.cash_flow_undiscounted
    return cash[CASH_FLOW_CATEGORIES.index(category)].tolist()


def test_bug_class_01_residual_value_year_and_clamp() -> None:
    n = 10
    m = f.method(n, 0.05)
    in_service = only(
        evaluate_prepared(
            f.tender(m, f.bid("A", items=[f.item(unit_price=1200.0, service_life=8)]))
        )
    )
    # bought at 8, 6 of 8 years left at N = 10: booked at t = N, not at the end of its life
    assert row(in_service, "residual_value") == [0.0] * 10 + [-900.0]
    assert in_service.cost_by_category["residual_value"] == round_money(-900 * 1.05**-10, 2)
    for life in (5.0, 10.0, 2.0):  # lives ending exactly at N: no residual value, never negative
        ended = only(
            evaluate_prepared(
                f.tender(m, f.bid("A", items=[f.item(unit_price=1200.0, service_life=life)]))
            )
        )
        assert row(ended, "residual_value") == [0.0] * 11
    clamped = only(
        evaluate_prepared(
            f.tender(
                m,
                f.bid("A", items=[f.item(unit_price=1200.0, service_life=15, residual_value=-5.0)]),
            )
        )
    )
    assert row(clamped, "residual_value") == [0.0] * 11


def test_bug_class_02_mid_year_not_applied_to_year_zero() -> None:
    m = f.method(3, 0.10, timing=Timing.MID_YEAR)
    streams = [f.stream(100.0, category="operation", first_year=0, every_years=1)]
    result = only(
        evaluate_prepared(f.tender(m, f.bid("A", items=[f.item(unit_price=5000.0)], costs=streams)))
    )
    assert row(result, "acquisition", discounted=True)[0] == 5000.0
    assert row(result, "operation", discounted=True)[0] == 100.0  # recurring year 0 stays at 0
    assert row(result, "operation", discounted=True)[1] == round_money(100 * 1.1**-0.5, 2)
    assert result.life_cycle_cost == round_money(
        5100 + 100 * (1.1**-0.5 + 1.1**-1.5 + 1.1**-2.5), 2
    )


def _two_bids(baseline_price: float, alternative_price: float) -> Evaluation:
    n = 20
    electricity = f.resource("electricity", 1.0, n)
    m = f.method(n, 0.03, resources=[electricity], baseline="BASE")
    return evaluate_prepared(
        f.tender(
            m,
            f.bid(
                "BASE",
                items=[f.item(unit_price=baseline_price, resource_use={"electricity": 3000.0})],
            ),
            f.bid(
                "ALT",
                items=[f.item(unit_price=alternative_price, resource_use={"electricity": 2000.0})],
            ),
        )
    )


def test_bug_class_03_sir_sign_and_no_additional_investment() -> None:
    # ALT costs 10 000 more and saves 1 000 a year: SIR = 1 000 x UPV(3 %, 20) / 10 000 = 1.48775
    measures = only(_two_bids(50_000.0, 60_000.0), "ALT").measures
    assert measures is not None
    assert measures.sir_status is MeasureStatus.OK
    assert measures.sir == pytest.approx(float(upv(0.03, 20)) / 10, rel=1e-12)
    assert measures.sir > 1.0
    assert measures.airr == pytest.approx(1.03 * measures.sir ** (1 / 20) - 1, rel=1e-12)
    assert measures.net_savings == 4877.47
    # ALT is cheaper to buy and to run: no additional investment, no (negative) SIR
    cheaper = only(_two_bids(60_000.0, 50_000.0), "ALT").measures
    assert cheaper is not None
    assert cheaper.sir is None
    assert cheaper.sir_status is MeasureStatus.NO_ADDITIONAL_INVESTMENT
    assert cheaper.airr is None
    assert cheaper.net_savings == 24877.47


def test_bug_class_04_payback_not_zero_when_year_zero_has_no_difference() -> None:
    n = 20
    electricity = f.resource("electricity", 1.0, n)
    m = f.method(n, 0.03, resources=[electricity], baseline="BASE")
    same_start = [f.item(unit_price=50_000.0)]
    evaluation = evaluate_prepared(
        f.tender(
            m,
            f.bid("BASE", items=[*same_start, f.item(resource_use={"electricity": 3000.0})]),
            f.bid(
                "ALT",
                items=[*same_start, f.item(resource_use={"electricity": 2000.0})],
                # the extra investment comes in year 2; years 0 and 1 show no difference
                costs=[f.stream(10_000.0, category="acquisition", first_year=2)],
            ),
        )
    )
    measures = only(evaluation, "ALT").measures
    assert measures is not None
    # savings 1 000 a year from year 1: cumulative net 1 000, 2 000 - 10 000, ... >= 0 at year 10
    assert measures.simple_payback_years == 10
    assert measures.simple_payback_years != 0
    assert measures.simple_payback_status is MeasureStatus.OK


def test_bug_class_05_residual_value_nominal_adjustment() -> None:
    n, real_d, inflation = 10, 0.03, 0.02
    item = f.item(unit_price=1000.0, service_life=15)
    real = only(evaluate_prepared(f.tender(f.method(n, real_d), f.bid("A", items=[item]))))
    nominal = only(
        evaluate_prepared(
            f.tender(
                f.method(
                    n,
                    real_d,
                    rate_basis=RateBasis.NOMINAL,
                    inflation=inflation,
                    stated_discount_rate=float(fisher_nominal(real_d, inflation)),
                ),
                f.bid("A", items=[item]),
            )
        )
    )
    rv_real = -1000.0 * 5 / 15
    assert row(real, "residual_value")[-1] == round_money(rv_real, 2)
    # nominal money at N carries N years of inflation ...
    assert row(nominal, "residual_value")[-1] == round_money(rv_real * 1.02**10, 2)
    # ... and its present value at the nominal rate is the real one
    assert nominal.cost_by_category["residual_value"] == real.cost_by_category["residual_value"]
    assert nominal.life_cycle_cost == real.life_cycle_cost
    lines = {e.quantity: e for e in nominal.explanations}["life_cycle_cost"].inputs
    assert any("nominal" in line and "Fisher" in line for line in lines)


def test_bug_class_06_constant_vs_yearly_escalation_from_base_date() -> None:
    n = 4
    use = {"electricity": 100.0}
    constant = f.resource("electricity", 1.0, n, escalation=0.05)
    yearly = f.resource("electricity", 1.0, n, escalation=[0.05, 0.05, 0.05, 0.05])
    varying = f.resource("electricity", 1.0, n, escalation=[0.10, 0.0, 0.0, 0.0])
    results = [
        only(
            evaluate_prepared(
                f.tender(f.method(n, resources=[r]), f.bid("A", items=[f.item(resource_use=use)]))
            )
        )
        for r in (constant, yearly, varying)
    ]
    expected = [0.0] + [round_money(100 * 1.05**t, 2) for t in range(1, 5)]
    assert row(results[0], "energy") == expected
    assert row(results[1], "energy") == expected
    # a 10 % step in year 1 stays in every later year: (1.10), not (1.10)^t nor 1.0
    assert row(results[2], "energy") == [0.0, 110.0, 110.0, 110.0, 110.0]
    # use that starts in year 3 pays year-3 prices (from the base date, not from first use)
    late = f.stream(100.0, category="energy", first_year=3, every_years=1, escalation=0.05)
    started_late = only(evaluate_prepared(f.tender(f.method(n), f.bid("A", costs=[late]))))
    assert row(started_late, "energy") == [0.0, 0.0, 0.0, 115.76, 121.55]
    assert float(escalation_index(0.05, 3.0)) == pytest.approx(1.157625)


def test_bug_class_07_real_rate_by_fisher_not_subtraction() -> None:
    assert float(fisher_real(0.045, 0.0225049)) == pytest.approx(0.022, abs=1e-7)
    assert float(fisher_real(0.236, 0.03)) == pytest.approx(0.20, abs=1e-15)
    assert float(fisher_real(0.236, 0.03)) != pytest.approx(0.236 - 0.03, abs=1e-4)
    validate = pytest.importorskip("tco.validate")
    # nominal 23.6 % with 3 % inflation, energy price rising with inflation (3 % nominal, 0 real)
    tender = _inputs_tender(
        discount_rate=0.236, rate_basis=RateBasis.NOMINAL, inflation_rate=0.03, escalation=0.03
    )
    prepared = validate.prepare(tender)
    assert prepared.method.discount_rate == pytest.approx(0.20, abs=1e-12)
    from tco.evaluate import evaluate

    nominal = only(evaluate(tender))
    real = only(evaluate(_inputs_tender(discount_rate=0.20)))
    assert nominal.life_cycle_cost == real.life_cycle_cost
    assert (
        nominal.life_cycle_cost
        != only(evaluate(_inputs_tender(discount_rate=0.206))).life_cycle_cost
    )


def test_bug_class_08_timing_convention_explicit() -> None:
    stream = f.stream(30_000.0, category="operation", first_year=1, every_years=1)
    end = only(evaluate_prepared(f.tender(f.method(30, 0.08), f.bid("A", costs=[stream]))))
    begin = only(
        evaluate_prepared(
            f.tender(
                f.method(30, 0.08, timing=Timing.BEGINNING_OF_YEAR), f.bid("A", costs=[stream])
            )
        )
    )
    assert end.life_cycle_cost == 337_733.5  # 30 000 x UPV(8 %, 30)
    assert begin.life_cycle_cost == round_money(30_000 * float(upv(0.08, 30)) * 1.08, 2)
    assert begin.life_cycle_cost == 364_752.18  # annuity-due: 8 % more
    assert begin.life_cycle_cost / end.life_cycle_cost == pytest.approx(1.08, rel=1e-9)
    for result, name in ((end, "end_of_year"), (begin, "beginning_of_year")):
        inputs = {e.quantity: e for e in result.explanations}["life_cycle_cost"].inputs
        assert any(line.startswith(f"timing = {name}") for line in inputs)


def test_bug_class_09_bankers_rounding() -> None:
    # 0.125 and 2.675 must go up (half-up, exact in decimal); round() gives 0.12 and 2.67
    assert round(0.125, 2) == 0.12
    assert round(2.675, 2) == 2.67
    for price, expected in ((0.125, 0.13), (2.675, 2.68), (1.005, 1.01)):
        result = only(
            evaluate_prepared(f.tender(f.method(1), f.bid("A", items=[f.item(unit_price=price)])))
        )
        assert result.life_cycle_cost == expected
        assert result.evaluated_cost == expected
        assert row(result, "acquisition")[0] == expected
    yen = only(
        evaluate_prepared(
            f.tender(
                f.method(1, currency="JPY", digits=0), f.bid("A", items=[f.item(unit_price=2.5)])
            )
        )
    )
    assert yen.life_cycle_cost == 3.0
    assert round_array_money(np.array([0.5, 1.5, 2.5, -2.5]), 0).tolist() == [1.0, 2.0, 3.0, -3.0]


def test_bug_class_10_emission_factor_basis_recorded() -> None:
    # 15 000 kWh a year over 15 years at 7 SEK/kg: 93 k or 586 k SEK depending on the basis
    n = 15
    results = {}
    for basis, factor in (
        ("Nordic consumption mix (location)", 0.059),
        ("Nordic residual mix", 0.372),
    ):
        electricity = f.resource("electricity", 0.0, n, factor=factor, basis=basis, source="method")
        m = f.method(
            n, 0.03, resources=[electricity], carbon=f.carbon_price(7.0, n, undiscounted=True)
        )
        results[basis] = only(
            evaluate_prepared(
                f.tender(m, f.bid("A", items=[f.item(resource_use={"electricity": 15_000.0})]))
            )
        )
    location = results["Nordic consumption mix (location)"]
    residual = results["Nordic residual mix"]
    assert location.climate_cost == 92_925.0
    assert residual.climate_cost == 585_900.0
    assert residual.climate_cost / location.climate_cost == pytest.approx(6.305, abs=1e-3)
    for basis, result in results.items():
        text = " ".join({e.quantity: e for e in result.explanations}["climate_cost"].inputs)
        assert f"basis: {basis}" in text


def test_bug_class_11_cvd_undiscounted() -> None:
    # CVD Art. 6: 20 000 km a year for 10 years; NOx 0.2 g/km; CO2 1.05 kg/km at 0.04 EUR/kg.
    n, km = 10, 20_000.0
    diesel = f.resource("diesel", 0.0, n, unit="l", factor=1.05 * km / 1000.0)  # 1 000 l a year
    m = f.method(
        n,
        0.04,
        currency="EUR",
        resources=[diesel],
        carbon=f.carbon_price(0.04, n, undiscounted=True),
        pollutant_prices={"nox": (4.4, True)},  # 0.0044 EUR/g
    )
    vehicle = f.item(resource_use={"diesel": 1000.0}, pollutants={"nox": 0.2 * km / 1000.0})
    result = only(evaluate_prepared(f.tender(m, f.bid("A", items=[vehicle]))))
    lifetime_km = n * km
    assert result.climate_cost == round_money(
        float(cvd.lifetime_co2_cost(lifetime_km, 1.05, 0.04)), 2
    )
    assert result.climate_cost == 8400.0  # not discounted at 4 %
    assert result.externality_cost == round_money(
        float(cvd.lifetime_pollutant_cost(lifetime_km, 0.2, 0.0, 0.0)), 2
    )
    assert result.externality_cost == 176.0
    # the CVD energy price is the lower of petrol and diesel per MJ, pre-tax
    assert float(cvd.energy_price_per_mj(0.60, 0.63)) == pytest.approx(0.0175)


def test_bug_class_12_carbon_cost_kg_vs_t() -> None:
    # prepared level: prices per kg, emissions in kg; 1 000 kg x 1.5 SEK/kg = 1 500 SEK, never 1.5 M
    n = 1
    electricity = f.resource("electricity", 0.0, n, factor=0.5)
    m = f.method(n, resources=[electricity], carbon=f.carbon_price(1.5, n))
    result = only(
        evaluate_prepared(
            f.tender(m, f.bid("A", items=[f.item(resource_use={"electricity": 2000.0})]))
        )
    )
    assert result.emissions_total == 1000.0
    assert result.climate_cost == 1500.0
    pytest.importorskip("tco.validate")
    from tco.evaluate import evaluate

    per_tonne = only(evaluate(_inputs_tender(carbon=(1500.0, "SEK/tCO2e"))))
    per_kg = only(evaluate(_inputs_tender(carbon=(1.5, "SEK/kgCO2e"))))
    assert per_tonne.climate_cost == per_kg.climate_cost == 1500.0 + 1.5 * 2100.0
    assert per_tonne.emissions_total == 1000.0 + 2100.0  # 2.1 tCO2e of A1-A3 counted in kg


def _inputs_tender(
    *,
    discount_rate: float = 0.0,
    rate_basis: RateBasis = RateBasis.REAL,
    inflation_rate: float = 0.0,
    carbon: tuple[float, str] = (1.5, "SEK/kgCO2e"),
    escalation: float = 0.0,
) -> Tender:
    """One bid: 2.1 tCO2e embodied, 2 000 kWh a year at 0.5 kgCO2e/kWh, N = 1, 1 SEK/kWh."""
    method = Method(
        currency="SEK",
        base_year=2027,
        study_period_years=1,
        discount_rate=discount_rate,
        rate_basis=rate_basis,
        inflation_rate=inflation_rate,
        resource_prices=(
            ResourcePrice("electricity", Quantity(1.0, "SEK/kWh"), escalation=escalation),
        ),
        emission_factors=(
            EmissionFactor("electricity", Quantity(0.5, "kgCO2e/kWh"), basis="location"),
        ),
        carbon_price=CarbonPrice(price=Quantity(*carbon)),
    )
    item = Item(
        name="unit",
        unit_price=Quantity(100.0, "SEK"),
        service_life=Quantity(1.0, "years"),
        resource_use=(ResourceUse("electricity", Quantity(2000.0, "kWh/year")),),
        emissions=Emissions(a1_a3=Quantity(2.1, "tCO2e")),
    )
    return Tender(method=method, bids=(Bid("A", items=(item,)),))
