"""Regression tests of the calculation core, one per bug, named after it (pint's habit).

One numbering for the whole project, in the order the bugs were found ("regression bug N" in
the commit that fixed it). "Bug N" always means regression bug N; the bug classes of the method
primer's §9 are "bug class N" (``test_bug_classes.py``), never "bug N".

Bugs 1-6 are pinned end to end, over a real server, in ``tests/server/test_issues.py``; 7 and 8
are pinned here.

1. A tiny ``functional_units_delivered`` (1e-281) gave an infinite cost per functional unit.
2. Money rounding raised ``decimal.InvalidOperation`` from 1e26 up.
3. Control, zero-width and bidi characters were accepted in ids and texts.
4. An undecodable request was answered INTERNAL by grpc.
5. Subnormal circularity ratios made the MCI divide by zero (commit bc06595).
6. A life or mass that converts to 0.0 crashed the engine (commit 49f96bb).
7. A subnormal additional investment or emission reduction gave an infinite SIR, AIRR or
   abatement cost with status OK (commit 2db61a1).
8. A bid's figures changed in the last bit with the bids before it (commit 71562cd).
9-10. Pinned in ``tests/server/test_issues.py``.
11. A tender evaluated in parts (very large tenders) listed the figure-based plausibility
    warnings in another order than the same tender evaluated whole.
12. A switching range wider than the largest float (-1e308 .. 1e308) made the analysis' cost
    estimate raise OverflowError (INTERNAL) instead of answering.
"""

from __future__ import annotations

import dataclasses
import math

import pytest

from tco.evaluate import evaluate_prepared
from tco.prepared import PreparedTender
from tco.results import BidResult, MeasureStatus

from . import factory as f


def _result(tender: PreparedTender, bid_id: str) -> BidResult:
    return next(r for r in evaluate_prepared(tender).results if r.bid_id == bid_id)


def test_bug_07_subnormal_investment_or_reduction_gave_infinite_measures() -> None:
    """Symptom: a bid whose only extra investment over the baseline was 1e-310 SEK (> 0, so it
    "invests") and that saved money to run got SIR = AIRR = +inf with status OK; a subnormal
    emission reduction likewise an infinite abatement cost. Cause: dS / dI overflowed.
    Fix (2db61a1, ``tco.measures``): a ratio that is not finite means there is no investment
    (or reduction) to speak of: None with NO_ADDITIONAL_INVESTMENT (NO_EMISSION_REDUCTION)."""
    m = f.method(5, 0.03, baseline="A")
    base = f.bid("A", items=[f.item(maintenance=100.0, emissions={"a1_a3": 1e-305})])
    for price, finite in ((1e-310, False), (1e-300, True)):
        other = f.bid("B", items=[f.item(unit_price=price, maintenance=10.0)])
        measures = _result(f.tender(m, base, other), "B").measures
        assert measures is not None
        if finite:  # large but finite: a value
            assert measures.sir_status is MeasureStatus.OK
            assert measures.sir is not None
            assert math.isfinite(measures.sir)
        else:
            assert (measures.sir, measures.airr) == (None, None)
            assert measures.sir_status is MeasureStatus.NO_ADDITIONAL_INVESTMENT
        assert measures.abatement_cost is None
        assert measures.abatement_cost_status is MeasureStatus.NO_EMISSION_REDUCTION
        assert math.isfinite(measures.net_savings + measures.additional_investment)


def test_bug_08_bid_order_changes_last_bit() -> None:
    """Symptom: bid "two-lives" had 32771.28094960251 kg in year 2 alone and
    32771.2809496025 kg behind a bid with a 6-month life (one ulp; money can round the other
    way). Cause: events at a fraction of a year go into time groups, a cell adds its rows in
    group order, and the groups were numbered by first appearance in the whole tender, so a
    bid in front swapped the order of two year-2 rows (replacements at 1.25 and 1.5). Found by
    ``test_properties.py::test_permuting_bids_permutes_results_bit_for_bit``. Fix (71562cd,
    ``tco.expand``): groups numbered by the value of their shift."""
    two_lives = f.bid(
        "two-lives",
        items=[
            f.item(service_life=1.25, emissions={"a1_a3": 1.6391184695439733}),
            f.item(quantity=8.0, service_life=0.5, emissions={"a1_a3": 2048.0}),
        ],
        costs=[f.stream(0.0, category="replacement", every_years=1, emissions=1.641831132958032)],
    )
    half_year = f.bid("half-year", items=[f.item(installation_cost=1.0, service_life=0.5)])
    tender = f.tender(f.method(3, 0.0), f.bid("empty"), two_lives, half_year)
    alone = _result(dataclasses.replace(tender, bids=(two_lives,)), "two-lives")
    behind = dataclasses.replace(tender, bids=(half_year, two_lives, tender.bids[0]))
    for other in (tender, behind):
        got = _result(other, "two-lives")
        assert got.emissions_by_year == alone.emissions_by_year
        assert got.emissions_total == alone.emissions_total
        assert got.cost_by_category == alone.cost_by_category


def test_bug_11_warnings_of_a_tender_in_parts_came_in_another_order() -> None:
    """Symptom: bid "free" (no cost at all: BID_WITHOUT_COST) before bid "per-tonne" (a climate
    cost 1 000 times its LCC: CLIMATE_COST_ABOVE_LCC) gave [BID_WITHOUT_COST(free),
    CLIMATE_COST_ABOVE_LCC(per-tonne)] in parts of one bid and the reverse evaluated whole, so
    the response and its evaluation digest depended on how the engine cut the tender. Found by
    ``test_properties.py::test_evaluation_in_parts_is_the_whole_evaluation``. Fix
    (``tco.evaluate._implausible_figures``): the checks run over all parts, every warning of the
    first kind, then every one of the second, in bid order."""
    per_tonne = f.bid(
        "per-tonne",
        items=[f.item(unit_price=1000.0, service_life=10.0, emissions={"a1_a3": 1000.0})],
    )
    tender = f.tender(
        f.method(10, 0.0, carbon=f.carbon_price(1000.0, 10)), f.bid("free"), per_tonne
    )
    whole = evaluate_prepared(tender).warnings
    codes = [(w.code, w.bid_id) for w in whole if w.bid_id]
    assert ("BID_WITHOUT_COST", "free") in codes
    assert ("CLIMATE_COST_ABOVE_LCC", "per-tonne") in codes
    assert evaluate_prepared(tender, part_bids=1).warnings == whole


def test_bug_12_a_switching_range_wider_than_the_largest_float_overflowed_the_estimate() -> None:
    """Symptom: AnalyzeRanking switching on the unit price over [-1e308, 1e308] raised
    OverflowError ("cannot convert float infinity to integer"): the cost estimate
    (``tco.analysis.analyze``) divides the range's width, inf, into grid steps and took
    ``ceil(log2(inf))``. Found by ``tests/tco/analysis/test_budget.py::
    test_every_ok_answer_is_finite_and_numpy_stays_silent``. Fix: an infinite ratio counts as the
    most bisection steps allowed; the analysis then answers, or refuses naming the part."""
    from tco.analysis.analyze import analyze_prepared
    from tco.analysis.parameters import Mode
    from tco.analysis.spec import AnalysisSpec, SwitchingParameter, ValueRange
    from tco.errors import InvalidTender
    from tests.tco.analysis.helpers import domain, prepared, sample

    raw = sample()
    wide = ValueRange(Mode.VALUE, -1e308, 1e308)
    spec = AnalysisSpec(switching=(SwitchingParameter("bids[*].items[*].unit_price", wide),))
    with pytest.raises(InvalidTender) as refused:
        analyze_prepared(prepared(raw), spec, tender=domain(raw))
    assert [v.field for v in refused.value.violations] == ["analysis.switching[0]"]
    assert "unit price must stay in [0, 1e+18]" in refused.value.violations[0].description
