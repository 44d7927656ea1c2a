"""The report's assumptions sheet says how reference prices are re-based and where the index comes
from, and shows the re-basing the engine applied (issue #14 item 5), against the real server."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from tco_client.client import TcoClient
from tco_client.report import write_report
from tco_client.tender import load_tender
from tests.client.conftest import EXAMPLE_FILES


@pytest.mark.parametrize("lang", ["en", "sv"])
def test_assumptions_show_the_price_base_and_the_rebasing(
    server_target: str, tmp_path: Path, lang: str
) -> None:
    with TcoClient(server_target) as client:
        result = client.evaluate(EXAMPLE_FILES["it"], reference=True)
    wb = load_workbook(write_report(result, tmp_path / "report.xlsx", lang=lang))
    sheet = "Förutsättningar" if lang == "sv" else "Assumptions"
    rows = list(wb[sheet].iter_rows(values_only=True))
    text = " ".join(str(v) for row in rows for v in row if v is not None)
    assert "SCB KPI (1980=100" in text  # where the index comes from
    assert "Eurostat HICP" in text
    # the engine's re-basing of ASEK 7.0 (2017 prices) to the 2027 method, held at 2023
    if lang == "en":
        assert "7 SEK in 2017 prices = 8.77309 SEK in 2027 prices" in text
        assert "held at the 2023 level" in text
    else:  # in the report's language (issue #17: no English left in a Swedish report)
        assert "7 SEK i 2017 års priser = 8,77309 SEK i 2027 års priser" in text
        assert "indexet hålls på 2023 års nivå" in text
    # the method's deductions table
    assert any(row[1] and "ISO/IEC 27001" in str(row[1]) and row[2] == 200000 for row in rows)
    assert any(
        row[1] in ("Price-base year of the method's money", "Prisbasår för metodens belopp")
        and row[2] == 2027
        for row in rows
    )


def test_an_unknown_publisher_base_year_reads_unknown_not_0(
    server_target: str, tmp_path: Path
) -> None:
    with TcoClient(server_target) as client:
        request = load_tender(EXAMPLE_FILES["it"])
        request.method.carbon_price.series_id = "ebrd"
        request.method.exchange_rates["EUR"] = 11.2
        result = client.evaluate(request, reference=True)
    assert "PRICE_BASE_UNKNOWN" in [w.code for w in result.response.warnings]
    wb = load_workbook(write_report(result, tmp_path / "report.xlsx"))
    (series_row,) = [r for r in wb["Assumptions"].iter_rows(values_only=True) if r[2] == "ebrd"]
    assert str(series_row[5]).startswith("unknown")
