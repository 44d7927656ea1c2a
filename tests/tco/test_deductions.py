"""The DEDUCTIONS model's table: the method fixes the deductions, a bid claims a level (issue #14
item 2, lcc-method.md §6; :mod:`tco.validate.deductions`)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tco import digest
from tco.errors import InvalidTender
from tco.evaluate import evaluate
from tco.results import Evaluation
from tco.validate import prepare

from .tender_json import sample_dict, tender

SEK = "SEK"
TAKE_BACK = "take-back and refurbishment programme"
ISO = "ISO 14001 certified service organisation"


def _money(value: float, unit: str = SEK) -> dict[str, Any]:
    return {"value": value, "unit": unit}


def _raw() -> dict[str, Any]:
    """The sample (bid B claims the take-back level "met" = 25 000 SEK) with a second criterion
    of two levels that no bid claims yet."""
    raw = sample_dict()
    criteria = raw["method"]["evaluation_model"]["deduction_criteria"]
    criteria.append(
        {
            "criterion": ISO,
            "levels": [
                {"level": "partly", "amount": _money(10)},
                {"level": "fully", "amount": _money(2, "kSEK")},
            ],
        }
    )
    return raw


def _claims(raw: dict[str, Any], bid: int) -> list[dict[str, Any]]:
    claims: list[dict[str, Any]] = raw["bids"][bid].setdefault("deductions", [])
    return claims


def _refused(raw: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(InvalidTender) as caught:
        prepare(tender(raw))
    return {v.field: v.description for v in caught.value.violations}


def _deductions(result: Evaluation) -> dict[str, float]:
    return {r.bid_id: r.deductions for r in result.results}


def test_the_method_amount_is_applied_for_the_claimed_level() -> None:
    raw = _raw()
    _claims(raw, 0).append({"criterion": ISO, "level": "fully"})
    _claims(raw, 1).append({"criterion": ISO, "level": "partly"})
    prepared = prepare(tender(raw))
    a, b = prepared.bids
    assert [(d.criterion, d.level, d.amount) for d in a.deductions] == [(ISO, "fully", 2000.0)]
    assert [(d.criterion, d.level, d.amount) for d in b.deductions] == [
        (TAKE_BACK, "met", 25000.0),
        (ISO, "partly", 10.0),
    ]
    assert _deductions(evaluate(tender(raw))) == {"A": 2000.0, "B": 25010.0}


def test_an_unclaimed_criterion_and_level_none_deduct_nothing() -> None:
    raw = _raw()
    _claims(raw, 0).append({"criterion": ISO, "level": "none"})
    prepared = prepare(tender(raw))
    assert prepared.bids[0].deductions == ()  # "none": no deduction, not listed
    assert _deductions(evaluate(tender(raw)))["A"] == 0.0


def test_the_trail_names_criterion_level_and_the_methods_amount() -> None:
    result = evaluate(tender(_raw()))
    (b,) = [r for r in result.results if r.bid_id == "B"]
    (evaluated,) = [e for e in b.explanations if e.quantity == "evaluated_cost"]
    assert f"deduction '{TAKE_BACK}', level 'met' = 25000.00 SEK (the method's amount)" in (
        evaluated.inputs
    )


def test_a_bid_stated_amount_that_differs_is_refused() -> None:
    """Issue #14: one bid claimed 900 000 SEK where the method fixes 300 000."""
    raw = _raw()
    _claims(raw, 1)[0]["amount"] = _money(900_000)
    found = _refused(raw)
    assert list(found) == ["bids[1].deductions[0].amount"]
    assert "the method fixes the deduction" in found["bids[1].deductions[0].amount"]
    assert "25000.00 SEK" in found["bids[1].deductions[0].amount"]


def test_a_bid_stated_amount_equal_to_the_methods_is_accepted_for_compatibility() -> None:
    raw = _raw()
    _claims(raw, 1)[0]["amount"] = _money(25, "kSEK")
    assert _deductions(evaluate(tender(raw)))["B"] == 25000.0


def test_an_amount_without_a_level_is_refused() -> None:
    raw = _raw()
    _claims(raw, 1)[0] = {"criterion": TAKE_BACK, "amount": _money(25000)}
    assert list(_refused(raw)) == ["bids[1].deductions[0].level"]


def test_a_made_up_criterion_is_refused_naming_it() -> None:
    """Issue #14: 50 000 000 SEK for a made-up criterion gave a comparison number of -40 M."""
    raw = _raw()
    _claims(raw, 0).append({"criterion": "best supplier ever", "level": "met"})
    found = _refused(raw)
    assert list(found) == ["bids[0].deductions[0].criterion"]
    assert "not a deduction criterion" in found["bids[0].deductions[0].criterion"]
    assert TAKE_BACK in found["bids[0].deductions[0].criterion"]  # the method's criteria listed
    assert "best supplier" not in found["bids[0].deductions[0].criterion"]  # bids are secret


def test_an_unknown_level_is_refused_naming_it_and_the_levels() -> None:
    raw = _raw()
    _claims(raw, 0).append({"criterion": ISO, "level": "platinum"})
    message = _refused(raw)["bids[0].deductions[0].level"]
    assert "platinum" not in message  # bids are secret: the path names the entry
    assert ISO in message
    assert "'partly', 'fully', 'none'" in message


def test_a_criterion_claimed_twice_is_refused() -> None:
    raw = _raw()
    _claims(raw, 0).extend(
        [{"criterion": ISO, "level": "partly"}, {"criterion": ISO, "level": "fully"}]
    )
    assert list(_refused(raw)) == ["bids[0].deductions[1].criterion"]


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda c: c[1].update(criterion=TAKE_BACK), "[1].criterion"),
        (lambda c: c[1].update(criterion=""), "[1].criterion"),
        (lambda c: c[1].update(levels=[]), "[1].levels"),
        (lambda c: c[1]["levels"][1].update(level="partly"), "[1].levels[1].level"),
        (lambda c: c[1]["levels"][1].update(level="none"), "[1].levels[1].level"),
        (lambda c: c[1]["levels"][1].update(level=""), "[1].levels[1].level"),
        (lambda c: c[1]["levels"][1].pop("amount"), "[1].levels[1].amount"),
        (lambda c: c[1]["levels"][1].update(amount=_money(-1)), "[1].levels[1].amount.value"),
        (lambda c: c[1]["levels"][1].update(amount=_money(1, "kg")), "[1].levels[1].amount.unit"),
    ],
)
def test_a_bad_method_table_is_refused_at_its_field(edit: Any, field: str) -> None:
    raw = _raw()
    edit(raw["method"]["evaluation_model"]["deduction_criteria"])
    found = _refused(raw)
    assert f"method.evaluation_model.deduction_criteria{field}" in found


def test_a_table_with_another_model_is_not_applied_with_a_warning() -> None:
    raw = _raw()
    raw["method"]["evaluation_model"]["kind"] = "EVALUATION_MODEL_KIND_COST"
    result = evaluate(tender(raw))
    assert _deductions(result) == {"A": 0.0, "B": 0.0}
    messages = [w.message for w in result.warnings if w.code == "DEDUCTIONS_NOT_APPLIED"]
    assert any("2 deduction criteria" in m for m in messages)


def test_claims_under_another_model_count_for_nothing_with_a_warning() -> None:
    raw = sample_dict()
    raw["method"]["evaluation_model"] = {"kind": "EVALUATION_MODEL_KIND_COST"}
    result = evaluate(tender(raw))
    assert _deductions(result) == {"A": 0.0, "B": 0.0}
    (warning,) = [w for w in result.warnings if w.code == "DEDUCTIONS_NOT_APPLIED"]
    assert "(B)" in warning.message


def test_deductions_without_criteria_warn() -> None:
    raw = sample_dict()
    raw["method"]["evaluation_model"] = {"kind": "EVALUATION_MODEL_KIND_DEDUCTIONS"}
    del raw["bids"][1]["deductions"]
    result = evaluate(tender(raw), validate_only=True)
    assert "DEDUCTIONS_WITHOUT_CRITERIA" in [w.code for w in result.warnings]


def test_the_method_digest_covers_the_table() -> None:
    raw = _raw()
    other = copy.deepcopy(raw)
    other["method"]["evaluation_model"]["deduction_criteria"][1]["levels"][0]["amount"] = _money(11)
    assert digest.method_digest(tender(raw).method) != digest.method_digest(tender(other).method)


def test_a_comparison_number_not_above_zero_is_flagged_naming_the_bid() -> None:
    raw = _raw()
    raw["method"]["evaluation_model"]["deduction_criteria"][1]["levels"][1]["amount"] = _money(
        50, "MSEK"
    )
    _claims(raw, 0).append({"criterion": ISO, "level": "fully"})
    result = evaluate(tender(raw))
    (a,) = [r for r in result.results if r.bid_id == "A"]
    assert a.evaluated_cost < 0
    (warning,) = [w for w in result.warnings if w.code == "COMPARISON_NUMBER_NOT_POSITIVE"]
    assert warning.bid_id == "A"
    assert "bid A" in warning.message


def test_the_sample_keeps_its_numbers() -> None:
    """The sample was converted from bid-stated amounts to the method's table: same result."""
    result = evaluate(tender(sample_dict()))
    assert _deductions(result) == {"A": 0.0, "B": 25000.0}
