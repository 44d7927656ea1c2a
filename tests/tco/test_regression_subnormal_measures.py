"""Bug 7 (see tests/fuzz/test_regressions.py): a subnormal additional investment or emission
reduction made SIR / AIRR / the abatement cost infinite in an OK result.

A bid whose only extra investment over the baseline is 1e-310 SEK (ΔI > 0, so "invests") saved
money to run: ΔS / ΔI overflowed to inf, so SIR and AIRR were +inf with status OK (found by the
derandomized hypothesis profile as an overflow warning). Fix (``tco.measures``): a ratio that
is not finite means there is no investment (or reduction) to speak of: ``None`` with
NO_ADDITIONAL_INVESTMENT (NO_EMISSION_REDUCTION), in the scalar functions and the vectorised
path alike.
"""

from __future__ import annotations

import math

from tco.evaluate import evaluate_prepared
from tco.measures import abatement_cost, sir
from tco.results import MeasureStatus
from tests.tco import factory as f


def test_sir_of_a_subnormal_investment_is_no_additional_investment() -> None:
    measure = sir(30.0, 1e-310)
    assert measure.value is None
    assert measure.status is MeasureStatus.NO_ADDITIONAL_INVESTMENT
    assert sir(30.0, 1e-300).value == 30.0 / 1e-300  # large but finite: a value


def test_abatement_cost_of_a_subnormal_reduction_is_no_reduction() -> None:
    measure = abatement_cost(1_000.0, 0.0, 1e-310, 0.0)
    assert measure.value is None
    assert measure.status is MeasureStatus.NO_EMISSION_REDUCTION


def test_evaluation_never_reports_an_infinite_measure() -> None:
    m = f.method(5, 0.03, baseline="A")
    base = f.bid("A", items=[f.item(maintenance=100.0)])
    other = f.bid("B", items=[f.item(unit_price=1e-310, maintenance=10.0)])
    evaluation = evaluate_prepared(f.tender(m, base, other))
    result = next(r for r in evaluation.results if r.bid_id == "B")
    measures = result.measures
    assert measures is not None
    assert measures.sir is None
    assert measures.sir_status is MeasureStatus.NO_ADDITIONAL_INVESTMENT
    assert measures.airr is None
    for value in (measures.net_savings, measures.additional_investment):
        assert math.isfinite(value)
