"""Contract follow-up calculations (tco.followup), on the worked cases of issue #19, each computed
by hand in its docstring, plus properties of readings and settlements."""

from __future__ import annotations

import doctest
from datetime import UTC, datetime, timedelta
from types import ModuleType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tco.evaluate import evaluate
from tco.followup import adjust, baseline, degree_days, readings, settlement
from tco.followup.adjust import Conditions, Normalisation, Promise, expected_use, raw_promise
from tco.followup.baseline import Resolution, fit_baseline, goodness_of_fit
from tco.followup.degree_days import cooling_degree_days, heating_degree_days
from tco.followup.hindsight import hindsight, realised_lcc
from tco.followup.readings import Reading, ReadingError, current_readings, observe
from tco.followup.report import Commitment, Period, follow_up
from tco.followup.settlement import Clause, ClauseKind, Outcome, Valuation, settle
from tco.inputs import Bid, Item, Method, Quantity, ResourcePrice, ResourceUse, Tender

Y2027 = datetime(2027, 1, 1, tzinfo=UTC)


def test_lighting_contract_with_a_kwh_guarantee_and_a_shortfall() -> None:
    """LED lighting, 40 000 kWh/year guaranteed, band 5 %, 1.20 SEK/kWh, 0.059 kgCO2e/kWh,
    1.5 SEK/kgCO2e. Observed 46 000 kWh: Δ = 6 000 kWh = 15 %, worth 7 200 SEK and
    354 kgCO2e (531 SEK of climate cost); the supplier pays the excess beyond the band,
    (46 000 − 42 000) × 1.20 = 4 800 SEK, or 4 000 × (1.20 + 0.059 × 1.5) = 5 154 SEK when the
    clause includes the climate value."""
    promise = Promise(40_000.0)
    expected = expected_use(promise, Conditions(years=1.0))
    valuation = Valuation(price=1.20, emission_factor=0.059, carbon_price=1.5)
    s = settle(46_000.0, expected, Clause(tolerance=0.05), valuation)
    assert s.outcome is Outcome.SHORTFALL
    assert s.deviation == pytest.approx(6_000.0)
    assert s.deviation_share == pytest.approx(0.15)
    assert s.deviation_value == pytest.approx(7_200.0)
    assert s.deviation_co2e == pytest.approx(354.0)
    assert s.deviation_climate_value == pytest.approx(531.0)
    assert s.amount == pytest.approx(4_800.0)
    with_climate = settle(
        46_000.0, expected, Clause(tolerance=0.05, include_climate=True), valuation
    )
    assert with_climate.amount == pytest.approx(5_154.0)
    whole = settle(46_000.0, expected, Clause(tolerance=0.05, excess_only=False), valuation)
    assert whole.amount == pytest.approx(7_200.0)


def test_heating_contract_normalised_by_degree_days() -> None:
    """District heating, 100 000 kWh/year promised for a normal year of 3 500 degree days, 80 %
    of it weather-dependent, band 5 %. A cold year (4 200 DD): promise adjusted to
    100 000 × (0.2 + 0.8 × 1.2) = 116 000 kWh; 112 000 observed is 3.4 % under: within the
    promise once normalised, though 12 % over the raw promise. A mild year (2 800 DD):
    100 000 × (0.2 + 0.8 × 0.8) = 84 000 kWh; 95 000 observed is 13.1 % over: a shortfall of
    95 000 − 88 200 = 6 800 kWh × 0.90 SEK = 6 120 SEK, though 5 % under the raw promise."""
    promise = Promise(
        100_000.0,
        Normalisation.DEGREE_DAYS,
        normal_degree_days_per_year=3_500.0,
        weather_share=0.8,
    )
    clause, valuation = Clause(tolerance=0.05), Valuation(price=0.90)
    cold = Conditions(years=1.0, degree_days=4_200.0)
    assert expected_use(promise, cold) == pytest.approx(116_000.0)
    assert raw_promise(promise, cold) == pytest.approx(100_000.0)
    cold_year = settle(112_000.0, expected_use(promise, cold), clause, valuation)
    assert cold_year.outcome is Outcome.WITHIN_BAND
    assert cold_year.amount == 0.0
    assert settle(112_000.0, raw_promise(promise, cold), clause, valuation).outcome is (
        Outcome.SHORTFALL
    )
    mild = Conditions(years=1.0, degree_days=2_800.0)
    assert expected_use(promise, mild) == pytest.approx(84_000.0)
    mild_year = settle(95_000.0, expected_use(promise, mild), clause, valuation)
    assert mild_year.outcome is Outcome.SHORTFALL
    assert mild_year.deviation_share == pytest.approx(11_000.0 / 84_000.0)
    assert mild_year.amount == pytest.approx(6_120.0)
    assert settle(95_000.0, raw_promise(promise, mild), clause, valuation).outcome is (
        Outcome.WITHIN_BAND
    )


def test_vehicle_contract_normalised_by_km() -> None:
    """Electric buses: 1.1 kWh/km promised at 60 000 km/year (66 000 kWh/year). Half a year with
    35 000 km driven: expected 38 500 kWh; 40 000 observed is 3.9 % over (band 5 %): within band,
    while the raw half-year promise (33 000 kWh) would call it 21 % over."""
    promise = Promise(66_000.0, Normalisation.ACTIVITY, reference_activity_per_year=60_000.0)
    half = Conditions(years=0.5, activity=35_000.0)
    assert expected_use(promise, half) == pytest.approx(38_500.0)
    assert raw_promise(promise, half) == pytest.approx(33_000.0)
    s = settle(40_000.0, expected_use(promise, half), Clause(tolerance=0.05), Valuation(1.1))
    assert s.outcome is Outcome.WITHIN_BAND


def test_bonus_share_and_sanction_clauses() -> None:
    """Bonus share 50 %, band 5 %: 34 000 observed against 40 000 → the buyer pays
    0.5 × (38 000 − 34 000) × 1.20 = 2 400 SEK. A sanction clause (CO2 ladder, 1.5×) on an award
    advantage of 120 000 SEK: 1.5 × 120 000 = 180 000 SEK when the promise is missed."""
    bonus = settle(34_000.0, 40_000.0, Clause(ClauseKind.BONUS_SHARE, 0.05, bonus_share=0.5),
                   Valuation(1.20))  # fmt: skip
    assert bonus.outcome is Outcome.SAVINGS
    assert bonus.amount == pytest.approx(-2_400.0)
    sanction = Clause(ClauseKind.SANCTION, 0.0, award_advantage=120_000.0)
    assert settle(41_000.0, 40_000.0, sanction, Valuation(1.2)).amount == pytest.approx(180_000.0)
    assert settle(39_000.0, 40_000.0, sanction, Valuation(1.2)).amount == 0.0
    report_only = settle(50_000.0, 40_000.0, Clause(ClauseKind.REPORT_ONLY), Valuation(1.2))
    assert report_only.outcome is Outcome.SHORTFALL
    assert report_only.amount == 0.0


def test_degree_days_and_a_regression_baseline_judged_by_guideline_14() -> None:
    """HDD at 17 °C of [−2, 5, 16, 20] = 19 + 12 + 1 = 32; CDD at 18 °C = 2. The baseline of
    baseline.py's docstring: slope 9.6, intercept 150, CV(RMSE) 2.32 %: within the monthly limit;
    a poor fit (CV 30 %) is outside it, but within the hourly one."""
    assert heating_degree_days([-2.0, 5.0, 16.0, 20.0], 17.0) == 32.0
    assert cooling_degree_days([-2.0, 5.0, 16.0, 20.0], 18.0) == 2.0
    b = fit_baseline([100.0, 200.0, 300.0, 400.0], [1100.0, 2050.0, 3100.0, 3950.0])
    assert b.slope == pytest.approx(9.6)
    assert b.intercept == pytest.approx(150.0)
    assert b.fit.cv_rmse == pytest.approx((7_000.0 / 2) ** 0.5 / 2_550.0)
    assert b.fit.nmbe == pytest.approx(0.0, abs=1e-12)
    assert b.fit.meets_guideline_14
    poor = goodness_of_fit([100.0, 100.0, 100.0, 100.0], [70.0, 130.0, 70.0, 130.0])
    assert poor.cv_rmse == pytest.approx(30.0 * (4 / 2) ** 0.5 / 100.0)
    assert not poor.meets_guideline_14
    hourly = goodness_of_fit([100.0] * 6, [80.0, 120.0] * 3, Resolution.HOURLY)
    assert hourly.cv_rmse == pytest.approx(20.0 * (6 / 4) ** 0.5 / 100.0)
    assert hourly.meets_guideline_14


def test_regression_normalisation_takes_the_weather_share_from_the_baseline() -> None:
    b = fit_baseline([100.0, 200.0, 300.0, 400.0], [1100.0, 2050.0, 3100.0, 3950.0])
    promise = Promise(30_000.0, Normalisation.REGRESSION, normal_degree_days_per_year=3_000.0,
                      baseline=b)  # fmt: skip
    share = 9.6 * 3_000.0 / (150.0 * 12 + 9.6 * 3_000.0)
    expected = 30_000.0 * ((1 - share) * 1.0 + share * 3_300.0 / 3_000.0)
    assert expected_use(promise, Conditions(1.0, degree_days=3_300.0)) == pytest.approx(expected)


def test_corrections_supersede_and_gaps_are_flagged() -> None:
    """January read at 3 100 kWh; 1–16 February at 1 500, corrected to 1 400 by a later reading;
    nothing after 16 February. The period January–February: 4 500 kWh over 46 of 59 days,
    one gap from 16 February to 1 March; the estimated January reading is 3 100/4 500 of it."""
    jan = Reading("jan", Y2027, datetime(2027, 2, 1, tzinfo=UTC), 3_100.0, estimated=True)
    feb = Reading(
        "feb", datetime(2027, 2, 1, tzinfo=UTC), datetime(2027, 2, 16, tzinfo=UTC), 1_500.0
    )
    fix = Reading("fix", feb.start, feb.end, 1_400.0, supersedes="feb")
    o = observe([jan, feb, fix], Y2027, datetime(2027, 3, 1, tzinfo=UTC))
    assert o.total == pytest.approx(4_500.0)
    assert o.coverage == pytest.approx(46 / 59)
    assert o.gaps == ((datetime(2027, 2, 16, tzinfo=UTC), datetime(2027, 3, 1, tzinfo=UTC)),)
    assert o.reading_ids == ("jan", "fix")
    assert o.estimated_share == pytest.approx(3_100 / 4_500)
    # a reading straddling the period's end counts pro rata: half of January's 3 100
    half = observe([jan], Y2027 + timedelta(days=15.5), datetime(2027, 3, 1, tzinfo=UTC))
    assert half.total == pytest.approx(1_550.0)


@pytest.mark.parametrize(
    ("readings", "message"),
    [
        ([Reading("a", Y2027, Y2027 + timedelta(days=10), 5.0),
          Reading("b", Y2027 + timedelta(days=5), Y2027 + timedelta(days=15), 5.0)],
         "readings a and b overlap"),
        ([Reading("a", Y2027, Y2027, 5.0)], "reading a: its end must be after its start"),
        ([Reading("a", Y2027, Y2027 + timedelta(days=1), -1.0)], "reading a: quantity"),
        ([Reading("a", Y2027, Y2027 + timedelta(days=1), 1.0, supersedes="zz")], "unknown"),
    ],
)  # fmt: skip
def test_bad_readings_are_refused_by_name(readings: list[Reading], message: str) -> None:
    with pytest.raises(ReadingError, match=message):
        current_readings(readings)


@given(
    quantity=st.floats(0.0, 1e9),
    split=st.integers(1, 30 * 24 - 1),
    start_hour=st.integers(0, 30 * 24 - 1),
    length=st.integers(1, 60 * 24),
)
def test_splitting_a_reading_changes_no_total(
    quantity: float, split: int, start_hour: int, length: int
) -> None:
    """One reading over 30 days, or the same use as two readings split at any hour, give the same
    total for any period; coverage stays within 0..1."""
    end = Y2027 + timedelta(days=30)
    cut = Y2027 + timedelta(hours=split)
    whole = [Reading("w", Y2027, end, quantity)]
    parts = [
        Reading("p1", Y2027, cut, quantity * split / (30 * 24)),
        Reading("p2", cut, end, quantity * (30 * 24 - split) / (30 * 24)),
    ]
    start = Y2027 + timedelta(hours=start_hour)
    stop = start + timedelta(hours=length)
    a, b = observe(whole, start, stop), observe(parts, start, stop)
    assert a.total == pytest.approx(b.total, rel=1e-9, abs=1e-6)
    assert 0.0 <= a.coverage <= 1.0 + 1e-12
    assert a.coverage == pytest.approx(b.coverage)


@given(
    observed=st.floats(0.0, 1e9),
    expected=st.floats(1.0, 1e9),
    tolerance=st.floats(0.0, 0.5),
)
def test_within_the_band_nothing_is_paid_and_outside_the_sign_follows(
    observed: float, expected: float, tolerance: float
) -> None:
    s = settle(observed, expected, Clause(ClauseKind.BONUS_SHARE, tolerance, bonus_share=0.5),
               Valuation(1.0))  # fmt: skip
    if s.outcome is Outcome.WITHIN_BAND:
        assert s.amount == 0.0
    elif s.outcome is Outcome.SHORTFALL:
        assert s.amount >= 0.0
    else:
        assert s.amount <= 0.0


def _bus_tender(promise_a: float, promise_b: float) -> Tender:
    def bid(bid_id: str, kwh: float) -> Bid:
        use = ResourceUse("electricity", Quantity(kwh, "kWh/year"))
        item = Item(name="bus", unit_price=Quantity(100_000.0, "SEK"), resource_use=(use,),
                    service_life=Quantity(10.0, "year"))  # fmt: skip
        return Bid(id=bid_id, items=(item,))

    method = Method(
        currency="SEK",
        base_year=2027,
        study_period_years=10,
        discount_rate=0.0,
        resource_prices=(ResourcePrice("electricity", Quantity(1.0, "SEK/kWh")),),
    )
    return Tender(method=method, bids=(bid("A", promise_a), bid("B", promise_b)))


def test_the_award_in_hindsight_says_whether_the_winner_would_change() -> None:
    """hindsight.py's worked example: A 200 000 vs B 220 000 at award (margin −20 000); A
    delivers 1.3× its promise: 230 000 in hindsight, margin +10 000, B would have won. At 1.1×
    A stays best (210 000, margin −10 000). Actual electricity at 1.5 SEK/kWh raises every
    bid's energy cost alike: with A at 1.1× it is 265 000 against 280 000, A still best."""
    tender = _bus_tender(10_000.0, 12_000.0)
    worse = hindsight(tender, "A", {"electricity": 1.3})
    assert [s.evaluated_cost for s in worse.awarded] == pytest.approx([200_000.0, 220_000.0])
    assert worse.awarded_margin == pytest.approx(-20_000.0)
    assert worse.hindsight_margin == pytest.approx(10_000.0)
    assert worse.best_in_hindsight == ("B",)
    assert worse.ranking_changed
    slightly = hindsight(tender, "A", {"electricity": 1.1})
    assert not slightly.ranking_changed
    assert slightly.hindsight_margin == pytest.approx(-10_000.0)
    dearer = hindsight(tender, "A", {"electricity": 1.1}, {"electricity": Quantity(1.5, "SEK/kWh")})
    costs = {s.bid_id: s.evaluated_cost for s in dearer.hindsight}
    assert costs == pytest.approx({"A": 265_000.0, "B": 280_000.0})
    with pytest.raises(ValueError, match="does not price"):
        hindsight(tender, "A", {}, {"diesel": Quantity(20.0, "SEK/l")})
    with pytest.raises(ValueError, match="not a bid"):
        hindsight(tender, "Z", {})


def test_realised_lcc_sums_the_years_lived() -> None:
    """Bid A: 100 000 at t = 0 plus 10 000 SEK of electricity a year, undiscounted: 130 000
    realised after 3 years, the whole 200 000 after 10 (and after more)."""
    result = next(r for r in evaluate(_bus_tender(10_000.0, 12_000.0)).results if r.bid_id == "A")
    assert realised_lcc(result, 0) == pytest.approx(100_000.0)
    assert realised_lcc(result, 3) == pytest.approx(130_000.0)
    assert realised_lcc(result, 10) == pytest.approx(result.life_cycle_cost)
    assert realised_lcc(result, 50) == pytest.approx(result.life_cycle_cost)


@pytest.mark.parametrize(
    "module",
    [adjust, baseline, degree_days, readings, settlement],
    ids=lambda m: m.__name__,
)
def test_the_worked_examples_in_the_docstrings_hold(module: ModuleType) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def _half_years() -> list[Period]:
    mid, end = datetime(2027, 7, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC)
    return [
        Period("2027 H1", Y2027, mid, Conditions(years=0.5)),
        Period("2027 H2", mid, end, Conditions(years=0.5)),
    ]


def test_a_follow_up_settles_each_period_and_the_whole() -> None:
    """report.py's worked example: 20 500 kWh (within band) and 23 000 kWh (shortfall 2 000 kWh
    = 2 400 SEK at 1.20); cumulatively 43 500 against 40 000, shortfall 1 500 kWh = 1 800 SEK."""
    h1, h2 = _half_years()
    lighting = Commitment(
        "LED lighting", "electricity", Promise(40_000.0), Clause(tolerance=0.05), Valuation(1.20)
    )
    meter = [
        Reading("h1", h1.start, h1.end, 20_500.0),
        Reading("h2", h2.start, h2.end, 23_000.0),
    ]
    report = follow_up(lighting, meter, [h1, h2])
    first, second = (r.settlement for r in report.periods)
    assert first is not None
    assert second is not None
    assert first.outcome is Outcome.WITHIN_BAND
    assert second.outcome is Outcome.SHORTFALL
    assert second.amount == pytest.approx(2_400.0)
    assert report.cumulative is not None
    assert report.cumulative.deviation_share == pytest.approx(0.0875)
    assert report.cumulative.amount == pytest.approx(1_800.0)
    assert report.coverage == pytest.approx(1.0)


def test_a_period_without_enough_readings_is_reported_but_not_settled() -> None:
    """Only half of the second half-year is read: the period is shown with its coverage and
    gap, never settled (a missing invoice is no saving), and left out of the cumulative sums."""
    h1, h2 = _half_years()
    lighting = Commitment(
        "LED lighting", "electricity", Promise(40_000.0), Clause(tolerance=0.05), Valuation(1.20)
    )
    part = h2.start + (h2.end - h2.start) / 2
    meter = [Reading("h1", h1.start, h1.end, 20_500.0), Reading("h2a", h2.start, part, 9_000.0)]
    report = follow_up(lighting, meter, [h1, h2])
    assert report.periods[1].settlement is None
    assert report.periods[1].observation.coverage == pytest.approx(0.5)
    assert report.periods[1].observation.gaps == ((part, h2.end),)
    assert report.cumulative is not None
    assert report.cumulative.observed == pytest.approx(20_500.0)
    assert report.coverage == pytest.approx((181 + 92) / 365)  # days read / days of 2027
