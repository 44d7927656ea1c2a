"""The tender workbook and issue #14: the method's deductions table (level 'met'), the level a
bid claims, the method's price-base year and its opt-out survive a round trip; a table the
workbook cannot hold is refused, never cut."""

from __future__ import annotations

from pathlib import Path

import pytest

from tco_client.errors import TcoInvalidTender
from tco_client.template import write_template
from tco_client.tender import load_tender
from tests.client.conftest import EXAMPLE_FILES


def test_price_base_and_deductions_round_trip(tmp_path: Path) -> None:
    request = load_tender(EXAMPLE_FILES["it"])
    request.method.price_base_year = 2023
    request.method.use_face_values = True
    request.bids[0].deductions[0].level = "none"
    back = load_tender(write_template(tmp_path / "tender.xlsx", request))
    assert back == request
    assert back.method.price_base_year == 2023
    assert back.method.use_face_values
    criteria = back.method.evaluation_model.deduction_criteria
    assert [(c.levels[0].level, c.levels[0].amount.value) for c in criteria] == [
        ("met", 300000.0),
        ("met", 200000.0),
        ("met", 150000.0),
    ]
    assert [d.level for d in back.bids[0].deductions] == ["none", "met", "met"]


def test_a_level_other_than_met_cannot_be_written_to_the_workbook(tmp_path: Path) -> None:
    request = load_tender(EXAMPLE_FILES["it"])
    request.method.evaluation_model.deduction_criteria[1].levels.add(level="partly")
    with pytest.raises(TcoInvalidTender) as caught:
        write_template(tmp_path / "tender.xlsx", request)
    (violation,) = caught.value.violations
    assert violation.field == "method.evaluation_model.deduction_criteria[1].levels"
    assert not (tmp_path / "tender.xlsx").exists()
