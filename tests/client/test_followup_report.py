"""The follow-up report's frames, Excel workbook and chart, from a constructed
``GetFollowUpReportResponse`` (tests/client/followup_sample.py: the example lighting contract,
its figures worked by hand there) — no server needed."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tco_client.followup_charts import write_followup_chart
from tco_client.followup_report import build_followup_workbook, write_followup_report
from tco_client.followup_result import FollowUpReport
from tcoapi.v1 import followup_pb2 as fpb
from tests.client import followup_sample
from tests.client.followup_sample import ITEM

SHEETS_SV = [
    "Sammanfattning",
    "Avräkningsperioder",
    "Ackumulerat",
    "Tilldelning i efterhand",
    "Datatäckning",
    "Varningar",
]
SHEETS_EN = [
    "Summary",
    "Settlement periods",
    "Cumulative",
    "Award in hindsight",
    "Readings coverage",
    "Warnings",
]


@pytest.fixture
def report() -> FollowUpReport:
    return FollowUpReport(followup_sample.response())


def _cells(ws: Any) -> list[Any]:
    return [cell for row in ws.iter_rows() for cell in row if cell.value is not None]


def _texts(ws: Any) -> set[str]:
    return {c.value for c in _cells(ws) if isinstance(c.value, str)}


def _row_of(ws: Any, first: str) -> list[Any]:
    for row in ws.iter_rows(values_only=True):
        if row and row[0] == first:
            return list(row)
    raise AssertionError(f"no row starting {first!r} in {ws.title}")


def test_frames_are_indexed_by_period_and_promise_with_shares_as_fractions(
    report: FollowUpReport,
) -> None:
    periods = report.periods
    assert periods.index.names == ["period", "item", "resource"]
    assert list(periods.index.get_level_values("period")) == ["2027", "2028"]
    second = periods.loc[("2028", ITEM, "electricity")]
    assert second["observed"] == 39821
    assert second["deviation_share"] == pytest.approx(3421 / 36400)  # a fraction, not percent
    assert second["amount_SEK"] == 2196.57
    assert second["outcome"] == "shortfall"
    assert second["coverage"] == pytest.approx(335 / 366)
    assert second["gap_count"] == 1
    assert str(second["start"].tz) == "UTC"
    cumulative = report.cumulative.loc[(ITEM, "electricity")]
    assert (cumulative["observed"], cumulative["amount_SEK"]) == (76767, 448.64)
    assert report.gaps["days"].tolist() == [31.0]
    hindsight = report.hindsight
    assert list(hindsight.index) == ["B", "C", "A"]
    assert hindsight.loc["B", "evaluated_cost_change_SEK"] == 2075300 - 1945150
    assert bool(hindsight.loc["B", "winner"])
    assert bool(hindsight.loc["B", "best_in_hindsight"])
    figures = report.key_figures()
    assert figures["margin_change"] == (2075300 - 2379800) - (1945150 - 2206110)
    assert figures["forecast_minus_awarded"] == 1702118 - 1634102
    assert figures["ranking_changed"] is False


def test_unit_rates_recover_the_contracts_valuation(report: FollowUpReport) -> None:
    """(709.80 + 4 447.30 + 5 157.10) / (546 + 3 421 + 3 967) = 10 314.20 / 7 934 = 1.30 SEK/kWh;
    (24.57 + 153.945 + 178.515) / 7 934 = 0.045 kgCO2e/kWh."""
    rates = report.unit_rates().loc[(ITEM, "electricity")]
    assert rates["price"] == pytest.approx(1.30)
    assert rates["kgCO2e"] == pytest.approx(0.045)
    totals = report.running_totals()
    assert totals["observed"].tolist() == [36946, 76767]
    assert totals["expected_money"].tolist() == pytest.approx([47320.0, 94640.0])


def test_swedish_workbook_has_every_sheet_the_figures_and_swedish_words(
    report: FollowUpReport,
) -> None:
    wb = build_followup_workbook(report, "sv")
    assert wb.sheetnames == SHEETS_SV
    summary = wb["Sammanfattning"]
    texts = _texts(summary)
    assert {"Realiserad LCC hittills (SEK)", "LCC-prognos till avtalets slut (SEK)"} <= texts
    assert {"Skulle rangordningen ändras?", "nej", "Avtalsvillkor per åtagande"} <= texts
    assert {"ersättning för underskott", "underskott mot åtagandet", "el"} <= texts
    assert {"att betala för leverantören", "Klausulens utfall (ackumulerat)"} <= texts
    assert _row_of(summary, "Summa enligt avtalet (SEK)")[1] == 2196.57
    assert _row_of(summary, "Marginalens förändring (SEK)")[1] == -43540
    assert _row_of(summary, "Utvärderingens kontrollsumma (SHA-256)")[1] == "9" * 64
    periods = wb["Avräkningsperioder"]
    header = [c.value for c in periods[1]]
    for title in (
        "Utfall (uppmätt)",
        "Korrigerat åtagande",
        "Åtagande, okorrigerat",
        "Avvikelse (%)",
        "Avvikelse i pengar (SEK)",
        "Avvikelse, klimat (kg CO2e)",
        "Belopp enligt klausulen (SEK)",
        "Datatäckning (%)",
        "Luckor (perioder utan mätvärden)",
    ):
        assert title in header
    second = dict(zip(header, periods[3], strict=True))
    assert second["Avräkningsperiod"].value == "2028"
    assert second["Belopp enligt klausulen (SEK)"].value == 2196.57
    assert second["Belopp enligt klausulen (SEK)"].number_format == "#,##0.00"
    assert second["Avvikelse (%)"].number_format == "0.00%"
    assert math.isclose(second["Avvikelse (%)"].value, 3421 / 36400)
    assert second["Luckor (perioder utan mätvärden)"].value == "2028-07-01 00:00 – 2028-08-01 00:00"
    assert str(second["Från (Europe/Stockholm)"].value) == "2028-01-01 00:00:00"  # local time
    assert "inom toleransbandet" in _texts(periods)
    assert _texts(wb["Tilldelning i efterhand"]) >= {"Rang i efterhand", "Bäst i efterhand"}
    assert "Luckor (perioder utan mätvärden)" in _texts(wb["Datatäckning"])
    assert any("uppskattat" in t for t in _texts(wb["Varningar"]))


def test_english_workbook(report: FollowUpReport) -> None:
    wb = build_followup_workbook(report, "en")
    assert wb.sheetnames == SHEETS_EN
    texts = _texts(wb["Summary"])
    assert {"Realised LCC to date (SEK)", "Would the ranking change?", "no"} <= texts
    assert "shortfall against the promise" in _texts(wb["Settlement periods"])


def test_every_cell_is_data_and_the_file_is_reproducible(
    report: FollowUpReport, tmp_path: Path
) -> None:
    """A recorded-by text starting with '=' stays text; no cell holds a formula; the same report
    gives the same bytes; sheets print on A4 with the header row repeated."""
    first = write_followup_report(report, tmp_path / "a.xlsx", lang="sv")
    second = write_followup_report(report, tmp_path / "b.xlsx", lang="sv")
    assert first.read_bytes() == second.read_bytes()
    wb = load_workbook(first)
    for ws in wb.worksheets:
        for cell in _cells(ws):
            assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula"
        assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4
        assert ws.print_title_rows == "$1:$1"
    assert _row_of(wb["Sammanfattning"], "Registrerat av")[1] == "=Avtalsförvaltare"


def test_a_report_without_settled_periods_or_hindsight(tmp_path: Path) -> None:
    response = followup_sample.response()
    response.ClearField("hindsight")
    del response.cumulative[:]
    outcome = response.periods[1].outcomes[0]
    outcome.settled = False
    outcome.outcome = fpb.OUTCOME_UNSPECIFIED
    outcome.amount = 0
    report = FollowUpReport(response)
    assert report.hindsight.empty
    wb = build_followup_workbook(report, "sv")
    assert "Ingen avräknad period ännu: ingen tilldelning i efterhand." in _texts(
        wb["Tilldelning i efterhand"]
    )
    assert "ej avräknad" in _texts(wb["Avräkningsperioder"])
    assert write_followup_chart(report, tmp_path / "c.png", lang="sv").stat().st_size > 0


def test_baselines_get_their_own_sheet() -> None:
    response = followup_sample.response()
    response.baselines.add(
        item=ITEM, resource="electricity", intercept=120.0, slope=8.5, cv_rmse=0.12, nmbe=0.01,
        within_guideline_14=True,
    )  # fmt: skip
    wb = build_followup_workbook(FollowUpReport(response), "sv")
    assert wb.sheetnames[-1] == "Referensmodeller (regression)"
    assert "Inom ASHRAE Guideline 14" in _texts(wb.worksheets[-1])


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_chart_is_one_png_drawn_once_the_same_bytes_each_time(
    report: FollowUpReport, tmp_path: Path, lang: str
) -> None:
    first = write_followup_chart(report, tmp_path / "a.png", lang=lang)
    second = write_followup_chart(report, tmp_path / "b.png", lang=lang)
    assert first.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert first.read_bytes() == second.read_bytes()
    assert b"Software" not in first.read_bytes()


def test_the_worked_examples_in_the_docstrings_hold() -> None:
    import doctest

    from tco_client import followup, followup_result, i18n_followup

    for module in (followup, followup_result, i18n_followup):
        failed, _ = doctest.testmod(module)
        assert failed == 0, module.__name__


def test_several_promises_normalised_with_savings_and_an_unsettled_period(tmp_path: Path) -> None:
    """A second promise (district heating, normalised by degree days: the adjusted promise
    differs from the raw one) saving beyond its band, a bonus paid to the supplier (a negative
    amount), and a third period not settled for low coverage: every sheet and the chart render,
    the conditions are listed."""
    response = followup_sample.response()
    response.commitment.facts.service_life[ITEM].value = 25
    response.commitment.facts.service_life[ITEM].unit = "years"
    heat = response.commitment.promises.add(
        item="Fjärrvärmecentral", resource="district_heating", series="fv-hus-7"
    )
    heat.terms.clause = fpb.CLAUSE_KIND_BONUS_SHARE
    heat.terms.bonus_share = 0.5
    heat.terms.tolerance = 0.05
    heat.terms.normalisation = fpb.NORMALISATION_DEGREE_DAYS
    heat.terms.degree_day_series = "smhi-ronneby"
    heat.promised_per_year.value, heat.promised_per_year.unit = 100000, "kWh/year"
    for period, observed, expected, outcome, amount, dd in (
        (response.periods[0], 97000, 104000, fpb.OUTCOME_SAVINGS, -910.0, 3640.0),
        (response.periods[1], 99000, 101000, fpb.OUTCOME_WITHIN_BAND, 0.0, 3535.0),
    ):
        period.outcomes.add(
            item="Fjärrvärmecentral", resource="district_heating", unit="kWh",
            observed=observed, expected=expected, raw_promise=100000,
            deviation=observed - expected, deviation_share=(observed - expected) / expected,
            deviation_value=(observed - expected) * 0.9, outcome=outcome, amount=amount,
            coverage=1.0, settled=True,
        )  # fmt: skip
        period.degree_days["smhi-ronneby"] = dd
    third = response.periods.add(label="2029")
    third.start_time.FromJsonString("2028-12-31T23:00:00Z")
    third.end_time.FromJsonString("2029-12-31T23:00:00Z")
    third.outcomes.add(
        item=ITEM, resource="electricity", unit="kWh", observed=20000, expected=36400,
        raw_promise=36400, deviation=-16400, deviation_share=-16400 / 36400, coverage=0.5,
    )  # fmt: skip
    report = FollowUpReport(response)
    assert report.periods.loc[("2027", "Fjärrvärmecentral", "district_heating"), "amount_SEK"] < 0
    assert list(report.conditions["value"]) == [3640.0, 3535.0]
    wb = build_followup_workbook(report, "sv")
    assert {"besparing utöver åtagandet", "ej avräknad"} <= _texts(wb["Avräkningsperioder"])
    assert {"Graddagar", "smhi-ronneby"} <= _texts(wb["Datatäckning"])
    summary = _texts(wb["Sammanfattning"])
    assert {"fjärrvärme", "normalårskorrigering med graddagar", "Bonusandel (%)"} <= summary
    assert f"Livslängd: {ITEM}" in summary
    assert write_followup_chart(report, tmp_path / "many.png", lang="sv").stat().st_size > 0
