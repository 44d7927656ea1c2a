"""ASTM E917 / E964 / E1057 / E1074 measures against a baseline bid (tco.measures): primer §7."""

from __future__ import annotations

import doctest
import math
from typing import Any

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tco.measures
from tco.measures import airr, compute_measures
from tco.prepared import CATEGORIES
from tco.results import Measures, MeasureStatus

D = 0.03
N = 20
UPV_3_20 = 14.8775  # primer §2 reference value
CAT = {name: i for i, name in enumerate(CATEGORIES)}
OK = MeasureStatus.OK


def _flows(n_bids: int = 2, years: int = N) -> np.ndarray:
    return np.zeros((n_bids, len(CATEGORIES), years + 1))


def _discount(und: np.ndarray, rate: float = D) -> np.ndarray:
    t = np.arange(und.shape[-1])
    return und * (1.0 + rate) ** -t


def _measures(
    und: np.ndarray,
    emissions_kg: tuple[float, ...] | None = None,
    baseline: int = 0,
    rate: float = D,
) -> list[Measures]:
    n_bids = und.shape[0]
    return compute_measures(
        bid_ids=[f"bid-{i}" for i in range(n_bids)],
        baseline_index=baseline,
        discount_rate=rate,
        study_period_years=und.shape[-1] - 1,
        categories=CATEGORIES,
        undiscounted=und,
        discounted=_discount(und, rate),
        emissions_total_kg=np.array(emissions_kg if emissions_kg else [0.0] * n_bids),
    )


def simple_payback(savings: list[float], investment: list[float]) -> tuple[int | None, object]:
    """Simple payback of an alternative saving ``savings`` and investing ``investment`` a year."""
    und = _flows(2, len(savings) - 1)
    und[1, CAT["energy"]] = np.negative(savings)
    und[1, CAT["acquisition"]] = investment
    _, alt = _measures(und)
    return alt.simple_payback_years, alt.simple_payback_status


def _reference_scenario() -> np.ndarray:
    """Baseline: 50 000 at t = 0 + 3 000 energy a year. Alternative: 60 000 + 2 000 a year."""
    und = _flows()
    und[0, CAT["acquisition"], 0] = 50_000.0
    und[1, CAT["acquisition"], 0] = 60_000.0
    und[0, CAT["energy"], 1:] = 3_000.0
    und[1, CAT["energy"], 1:] = 2_000.0
    return und


def test_docstring_examples_hold() -> None:
    result = doctest.testmod(tco.measures)
    assert result.attempted > 0
    assert result.failed == 0


# --- reference scenario: d = 3 %, N = 20, +10 000 at t = 0, saving 1 000 a year ------------------


def test_reference_scenario_hand_computed() -> None:
    _, alt = _measures(_reference_scenario(), emissions_kg=(90_000.0, 60_000.0))
    upv = (1 - 1.03**-20) / 0.03
    assert upv == pytest.approx(UPV_3_20, abs=5e-5)

    assert alt.baseline_bid_id == "bid-0"
    assert alt.additional_investment == pytest.approx(10_000.0)
    assert alt.operational_savings == pytest.approx(1_000.0 * upv)
    assert alt.net_savings == pytest.approx(1_000.0 * upv - 10_000.0)
    assert alt.net_savings == pytest.approx(4_877.47, abs=0.005)

    assert alt.sir_status is OK
    assert alt.sir == pytest.approx(1.48775, abs=5e-6)
    assert alt.airr_status is OK
    assert alt.airr == pytest.approx(1.03 * 1.4877474860 ** (1 / 20) - 1, rel=1e-9)
    assert alt.airr == pytest.approx(0.0506636, abs=1e-7)

    assert (alt.simple_payback_years, alt.simple_payback_status) == (10, OK)
    # Σ_{t=1..12} 1.03^-t = 9.954 < 10 ≤ Σ_{t=1..13} 1.03^-t = 10.635
    assert sum(1.03**-t for t in range(1, 13)) < 10 <= sum(1.03**-t for t in range(1, 14))
    assert (alt.discounted_payback_years, alt.discounted_payback_status) == (13, OK)

    # (LCC_alt − LCC_base) / (t_base − t_alt) = −4 877.47 / 30 t
    assert alt.abatement_cost_status is OK
    assert alt.abatement_cost == pytest.approx(-(1_000.0 * upv - 10_000.0) / 30.0)


def test_airr_agrees_with_irr_of_terminal_value_flows() -> None:
    """E1057: AIRR is the IRR of −ΔI now against the savings reinvested at d until N."""
    sir_value = 1_000.0 * (1 - 1.03**-20) / 0.03 / 10_000.0
    terminal = sum(1_000.0 * 1.03 ** (20 - t) for t in range(1, 21))
    irr = npf.irr([-10_000.0] + [0.0] * 19 + [terminal])
    value = airr(sir_value, 0.03, 20).value
    assert value is not None
    assert value == pytest.approx(irr, abs=1e-10)


def test_airr_above_d_exactly_when_sir_above_one() -> None:
    for s, above in ((1.2, True), (1.0, False), (0.8, False)):
        value = airr(s, 0.03, 20).value
        assert value is not None
        assert (value > 0.03 + 1e-12) is above
    assert airr(1.0, 0.03, 20).value == pytest.approx(0.03)


def test_baseline_gets_is_baseline_everywhere() -> None:
    base, _ = _measures(_reference_scenario())
    assert base.net_savings == 0.0
    assert base.additional_investment == 0.0
    assert base.operational_savings == 0.0
    for value, status in (
        (base.sir, base.sir_status),
        (base.airr, base.airr_status),
        (base.simple_payback_years, base.simple_payback_status),
        (base.discounted_payback_years, base.discounted_payback_status),
        (base.abatement_cost, base.abatement_cost_status),
    ):
        assert value is None
        assert status is MeasureStatus.IS_BASELINE


def test_baseline_in_the_middle() -> None:
    und = np.concatenate([_reference_scenario()[[1]], _reference_scenario()], axis=0)
    got = _measures(und, baseline=1)
    assert got[1].sir_status is MeasureStatus.IS_BASELINE
    assert got[0].sir == pytest.approx(got[2].sir)
    assert got[0].baseline_bid_id == "bid-1"


# --- bug class 3: SIR sign; SIR/AIRR when ΔI ≤ 0 -------------------------------------------------


def test_bug_class_3_cheaper_and_better_has_no_sir_not_a_negative_one() -> None:
    """Alternative costs 5 000 less to buy AND saves 1 000 a year: ΔI < 0, no SIR at all."""
    und = _reference_scenario()
    und[1, CAT["acquisition"], 0] = 45_000.0
    _, alt = _measures(und)
    assert alt.additional_investment == pytest.approx(-5_000.0)
    assert alt.net_savings > 0
    for value, status in (
        (alt.sir, alt.sir_status),
        (alt.airr, alt.airr_status),
        (alt.simple_payback_years, alt.simple_payback_status),
        (alt.discounted_payback_years, alt.discounted_payback_status),
    ):
        assert value is None
        assert status is MeasureStatus.NO_ADDITIONAL_INVESTMENT


def test_bug_class_3_equal_investment_has_no_sir() -> None:
    und = _reference_scenario()
    und[1, CAT["acquisition"], 0] = 50_000.0
    _, alt = _measures(und)
    assert alt.sir is None
    assert alt.sir_status is MeasureStatus.NO_ADDITIONAL_INVESTMENT


def test_bug_class_3_sir_sign_follows_savings_over_investment() -> None:
    """ΔS = PV(op_base) − PV(op_alt), ΔI = PV(inv_alt) − PV(inv_base): both positive → SIR > 0."""
    _, alt = _measures(_reference_scenario())
    assert alt.operational_savings > 0
    assert alt.additional_investment > 0
    assert alt.sir is not None
    assert alt.sir > 0
    # Swapping the roles: the former baseline invests less → NO_ADDITIONAL_INVESTMENT, not 1/SIR.
    _, swapped = _measures(_reference_scenario()[::-1].copy())
    assert swapped.sir is None


def test_bug_class_3_sir_negative_when_dearer_to_buy_and_to_run() -> None:
    und = _reference_scenario()
    und[1, CAT["energy"], 1:] = 3_500.0
    _, alt = _measures(und)
    assert alt.sir_status is OK
    assert alt.sir is not None
    assert alt.sir == pytest.approx(-500.0 * (1 - 1.03**-20) / 0.03 / 10_000.0)
    assert alt.airr is None
    assert alt.airr_status is MeasureStatus.NO_SAVINGS
    assert alt.simple_payback_status is MeasureStatus.NEVER_PAYS_BACK
    assert alt.discounted_payback_status is MeasureStatus.NEVER_PAYS_BACK


def test_sir_zero_savings_gives_airr_no_savings() -> None:
    und = _flows()
    und[1, CAT["acquisition"], 0] = 100.0
    _, alt = _measures(und)
    assert (alt.sir, alt.sir_status) == (0.0, OK)
    assert alt.airr_status is MeasureStatus.NO_SAVINGS


def test_floating_noise_in_investment_is_not_an_investment() -> None:
    """Same money summed in another order must not produce an absurd SIR."""
    und = _reference_scenario()
    und[1, CAT["acquisition"], 0] = 0.1 + 0.2
    und[1, CAT["installation"], 0] = 50_000.0 - 0.1 - 0.2
    inv = und[1, [CAT["acquisition"], CAT["installation"]], 0].sum()
    assert inv != 50_000.0  # 7.3e-12 of rounding noise: a naive SIR would be ~2e15
    assert abs(inv - 50_000.0) < 1e-9
    _, alt = _measures(und)
    assert alt.sir is None
    assert alt.sir_status is MeasureStatus.NO_ADDITIONAL_INVESTMENT


def test_residual_value_and_replacement_are_investment_related() -> None:
    und = _reference_scenario()
    und[1, CAT["acquisition"], 0] = 50_000.0
    und[1, CAT["replacement"], 10] = 8_000.0
    und[1, CAT["residual_value"], 20] = -2_000.0
    _, alt = _measures(und)
    expected = 8_000.0 * 1.03**-10 - 2_000.0 * 1.03**-20
    assert alt.additional_investment == pytest.approx(expected)
    assert alt.operational_savings == pytest.approx(1_000.0 * (1 - 1.03**-20) / 0.03)


@pytest.mark.parametrize(
    "category",
    ["energy", "water_and_resources", "maintenance", "operation", "end_of_life", "other"],
)
def test_every_other_category_is_operational(category: str) -> None:
    und = _flows()
    und[:, CAT["acquisition"], 0] = (100.0, 200.0)
    und[0, CAT[category], 5] = 300.0
    _, alt = _measures(und)
    assert alt.operational_savings == pytest.approx(300.0 * 1.03**-5)
    assert alt.additional_investment == pytest.approx(100.0)


# --- bug class 4: payback never 0 because year 0 shows no difference -----------------------------


def test_bug_class_4_payback_not_zero_when_year_0_has_no_difference() -> None:
    """Same acquisition at t = 0; the extra 10 000 is spent in year 3, 1 000 saved from year 4."""
    und = _flows()
    und[:, CAT["acquisition"], 0] = 50_000.0  # year 0: no difference at all
    und[1, CAT["installation"], 3] = 10_000.0
    und[0, CAT["energy"], 1:] = 3_000.0
    und[1, CAT["energy"], 1:4] = 3_000.0
    und[1, CAT["energy"], 4:] = 2_000.0
    _, alt = _measures(und)
    assert alt.simple_payback_status is OK
    assert alt.simple_payback_years == 13  # C_t = −10 000 + 1 000 (t − 3) ≥ 0 from t = 13
    assert alt.simple_payback_years != 0
    # discounted: Σ_{t=4..T} 1.03^-t ≥ 10 000 × 1.03^-3 / 1 000
    pv = np.cumsum([1_000.0 * 1.03**-t if t >= 4 else 0.0 for t in range(21)])
    first = next(t for t in range(3, 21) if pv[t] >= 10_000.0 * 1.03**-3)
    assert alt.discounted_payback_years == first == 16


#: Yearly (savings, additional investment) and the simple payback year they give: the first year,
#: from the first one with an investment, whose cumulative net savings are >= 0.
PAYBACKS: list[tuple[list[float], list[float], int]] = [
    # bug class 4: year 0 without difference is not a payback of 0
    ([0.0, 0.0, 0.0] + [1_000.0] * 18, [0.0, 0.0, 10_000.0] + [0.0] * 18, 12),
    # 0 only when year 0's savings already cover its investment
    ([500.0, 0.0], [400.0, 0.0], 0),
    ([0.0, 500.0], [400.0, 0.0], 1),
    # savings of years 1..4 already cover a year-5 investment
    ([0.0] + [1_000.0] * 10, [0.0] * 5 + [3_000.0] + [0.0] * 5, 5),
    # the first crossing, even if it dips later
    ([0.0] + [1_000.0] * 10, [2_000.0, 0.0, 0.0, 0.0, 0.0, 0.0, 5_000.0, 0.0, 0.0, 0.0, 0.0], 2),
    # exactly at N
    ([0.0] + [500.0] * 20, [10_000.0] + [0.0] * 20, 20),
]


@pytest.mark.parametrize(("savings", "investment", "year"), PAYBACKS)
def test_simple_payback(savings: list[float], investment: list[float], year: int) -> None:
    assert simple_payback(savings, investment) == (year, OK)


def test_never_pays_back_within_study_period() -> None:
    und = _reference_scenario()
    und[1, CAT["acquisition"], 0] = 75_000.0  # 25 000 extra, only 20 000 saved undiscounted
    _, alt = _measures(und)
    assert alt.simple_payback_years is None
    assert alt.simple_payback_status is MeasureStatus.NEVER_PAYS_BACK
    assert alt.discounted_payback_status is MeasureStatus.NEVER_PAYS_BACK
    assert alt.sir is not None
    assert 0 < alt.sir < 1
    assert alt.airr is not None
    assert alt.airr < D


def test_simple_pays_back_but_discounted_does_not() -> None:
    und = _reference_scenario()
    und[1, CAT["acquisition"], 0] = 65_000.0  # 15 000: 15 years simple, PV 14 877 < 15 000
    _, alt = _measures(und)
    assert (alt.simple_payback_years, alt.simple_payback_status) == (15, OK)
    assert alt.discounted_payback_status is MeasureStatus.NEVER_PAYS_BACK


def test_payback_with_no_investment_year() -> None:
    assert simple_payback([0.0, 1.0], [0.0, -1.0])[1] is MeasureStatus.NO_ADDITIONAL_INVESTMENT


# --- abatement cost ------------------------------------------------------------------------------


def test_abatement_cost_positive_when_paying_to_avoid() -> None:
    und = _reference_scenario()
    und[1, CAT["energy"], 1:] = 3_000.0  # no savings: pays 10 000 more
    _, alt = _measures(und, emissions_kg=(80_000.0, 30_000.0))
    assert alt.abatement_cost == pytest.approx(10_000.0 / 50.0)
    assert alt.abatement_cost_status is OK


def test_abatement_cost_negative_when_saving_and_avoiding() -> None:
    und = _flows()
    und[:, CAT["acquisition"], 0] = (100_000.0, 95_000.0)
    _, alt = _measures(und, emissions_kg=(80_000.0, 30_000.0))
    assert (alt.abatement_cost, alt.abatement_cost_status) == (-100.0, OK)


@pytest.mark.parametrize("alt_kg", [90_000.0, 120_000.0])
def test_abatement_cost_no_emission_reduction(alt_kg: float) -> None:
    _, alt = _measures(_reference_scenario(), emissions_kg=(90_000.0, alt_kg))
    assert alt.abatement_cost is None
    assert alt.abatement_cost_status is MeasureStatus.NO_EMISSION_REDUCTION


def test_abatement_cost_uses_tonnes() -> None:
    """kg in, money per tCO2e out (bug class 12)."""
    und = _reference_scenario()
    und[1, CAT["energy"], 1:] = 3_000.0
    _, alt = _measures(und, emissions_kg=(2_000.0, 1_000.0))  # 1 t avoided
    assert alt.abatement_cost == pytest.approx(10_000.0)


# --- scalar verbs, status values, no NaN/inf -----------------------------------------------------


def test_net_savings_sign() -> None:
    und = _flows(3)
    und[:, CAT["acquisition"], 0] = (100.0, 80.0, 120.0)
    _, cheaper, dearer = _measures(und)
    assert (cheaper.net_savings, dearer.net_savings) == (20.0, -20.0)


def test_airr_refuses_zero_study_period() -> None:
    with pytest.raises(ValueError, match="study period"):
        airr(1.2, 0.03, 0)


def test_airr_at_zero_discount_rate() -> None:
    value = airr(2.0, 0.0, 10).value
    assert value == pytest.approx(2.0**0.1 - 1.0)


def test_never_nan_inf_or_zero_stand_in() -> None:
    rng = np.random.default_rng(11)
    for _ in range(200):
        und = _flows(4, 10)
        und[:, CAT["acquisition"], 0] = rng.choice([0.0, 100.0, 200.0], size=4)
        und[:, CAT["energy"], 1:] = rng.choice([0.0, 10.0, 30.0], size=(4, 1))
        emissions = tuple(rng.choice([0.0, 1_000.0, 2_000.0], size=4).tolist())
        for m in _measures(und, emissions_kg=emissions):
            for value, status in (
                (m.sir, m.sir_status),
                (m.airr, m.airr_status),
                (m.simple_payback_years, m.simple_payback_status),
                (m.discounted_payback_years, m.discounted_payback_status),
                (m.abatement_cost, m.abatement_cost_status),
            ):
                assert (value is None) is (status is not OK)
                if value is not None:
                    assert math.isfinite(value)
            for money in (m.net_savings, m.additional_investment, m.operational_savings):
                assert math.isfinite(money)


def test_compute_measures_checks_shapes_and_baseline() -> None:
    und = _reference_scenario()
    common: dict[str, Any] = {
        "bid_ids": ["a", "b"],
        "discount_rate": D,
        "categories": CATEGORIES,
        "undiscounted": und,
        "discounted": und,
        "emissions_total_kg": np.zeros(2),
    }
    with pytest.raises(ValueError, match="cash flows"):
        compute_measures(baseline_index=0, study_period_years=19, **common)
    with pytest.raises(ValueError, match="baseline"):
        compute_measures(baseline_index=2, study_period_years=N, **common)


# --- properties -----------------------------------------------------------------------------------

amounts = st.integers(min_value=0, max_value=10**7).map(float)


@given(
    inv=st.lists(amounts, min_size=2, max_size=2),
    op=st.lists(amounts, min_size=2, max_size=2),
    rate=st.sampled_from([0.0, 0.02, 0.035, 0.08]),
)
def test_property_ns_is_savings_minus_investment_and_sir_agrees_with_ns(
    inv: list[float], op: list[float], rate: float
) -> None:
    """NS = ΔS − ΔI; with ΔI > 0: SIR > 1 ⇔ NS > 0 and AIRR > d ⇔ SIR > 1 (bug class 3)."""
    und = _flows(2, 10)
    und[:, CAT["acquisition"], 0] = inv
    und[:, CAT["maintenance"], 1:] = np.array(op)[:, None]
    _, alt = _measures(und, rate=rate)
    ns, d_s, d_i = alt.net_savings, alt.operational_savings, alt.additional_investment
    assert ns == pytest.approx(d_s - d_i, abs=1e-6)
    if alt.sir is None:
        assert d_i <= 0
        assert alt.sir_status is MeasureStatus.NO_ADDITIONAL_INVESTMENT
        return
    assert d_i > 0
    if abs(ns) > 1e-6 * (abs(d_s) + abs(d_i)):
        assert (alt.sir > 1) is (ns > 0)
    if alt.airr is not None:
        assert alt.sir > 0
        if abs(alt.sir - 1) > 1e-9:
            assert (alt.airr > rate) is (alt.sir > 1)
    else:
        assert alt.sir <= 0


def test_the_measures_record_the_rate_of_airr_and_its_basis() -> None:
    """§7: AIRR is on the analysis basis and says so; the baseline's measures too."""
    und = _reference_scenario()
    t = np.arange(N + 1)
    nominal, inflation = 1.03 * 1.02 - 1, 0.02
    # The same present values, the AIRR at the stated nominal rate (a nominal analysis).
    base, alt = compute_measures(
        bid_ids=["A", "B"],
        baseline_index=0,
        discount_rate=nominal,
        rate_basis="nominal",
        study_period_years=N,
        categories=CATEGORIES,
        undiscounted=und * (1 + inflation) ** t,
        discounted=_discount(und),
        emissions_total_kg=np.zeros(2),
    )
    assert (base.rate_basis, base.discount_rate) == ("nominal", nominal)
    assert (alt.rate_basis, alt.discount_rate) == ("nominal", nominal)
    real_alt = _measures(und)[1]
    assert (real_alt.rate_basis, real_alt.discount_rate) == ("real", D)
    assert alt.sir == real_alt.sir
    assert alt.airr is not None
    assert real_alt.airr is not None
    # The nominal AIRR is the real one carried over by Fisher: (1 + AIRR_n) = (1 + AIRR_r)(1 + i).
    assert alt.airr == pytest.approx((1 + real_alt.airr) * (1 + inflation) - 1, rel=1e-12)
