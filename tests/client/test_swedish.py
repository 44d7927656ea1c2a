"""A Swedish evaluator's path: the catalogue is complete, the template and the messages are
Swedish, Swedish unit words and enum words are read, an empty cell is never a zero."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format
from openpyxl import load_workbook

from tco_client import i18n
from tco_client.errors import TcoInvalidTender
from tco_client.i18n_messages import (
    known_warning_codes,
    sv_number,
    violation_line,
    violation_text,
    warning_text,
)
from tco_client.i18n_workbook import (
    COLUMN_NAMES_SV,
    ENUM_WORDS_SV,
    PARAM_NAMES_SV,
    SHEET_NAMES_SV,
    TEXTS_SV,
    canonical_enum,
    canonical_param,
    canonical_sheet,
    sv_text,
)
from tco_client.result import EvaluationResult
from tco_client.template import write_template
from tco_client.tender import load_tender, load_tender_file
from tco_client.workbook_layout import DATA_SHEETS, METHOD_HEADERS, METHOD_PARAMS
from tests.client.conftest import EXAMPLE_FILES, CliResult

# -- the catalogue -----------------------------------------------------------------------------


def _layout_texts() -> Iterator[str]:
    for spec in DATA_SHEETS:
        yield spec.title
        for column in spec.columns:
            yield column.hint
            yield column.doc
    for param in METHOD_PARAMS:
        yield from (param.doc, param.key, param.year, param.unit_hint)


def test_every_catalogue_entry_has_english_and_swedish() -> None:
    tables = (i18n.LABELS, i18n.CATEGORY_LABELS, i18n.MODULE_LABELS, i18n.STATUS_LABELS, i18n.TEXT)
    for table in tables:
        for key, (en, sv) in table.items():
            assert en.strip(), key
            assert sv.strip(), key


def test_every_workbook_text_has_swedish() -> None:
    missing = [t for t in _layout_texts() if t and sv_text(t, "sv") == t and t not in TEXTS_SV]
    assert missing == []
    keys = {c.key.removesuffix("_unit") for s in DATA_SHEETS for c in s.columns}
    assert keys | set(METHOD_HEADERS) <= set(COLUMN_NAMES_SV)
    assert {p.name for p in METHOD_PARAMS} <= set(PARAM_NAMES_SV)
    assert {c for p in METHOD_PARAMS for c in p.choices} <= set(ENUM_WORDS_SV)
    assert {s.name for s in DATA_SHEETS} | {"Method", "Instructions"} <= set(SHEET_NAMES_SV)


def test_swedish_vocabulary_of_the_authorities() -> None:
    assert i18n.label("year", "sv") == "Kalkylår"  # not "Studieår" (academic year)
    assert i18n.category_label("replacement", "sv") == "Reinvestering"
    assert i18n.label("present_value", "sv") == "Nuvärde"
    assert i18n.category_label("residual_value", "sv") == "Restvärde"
    assert PARAM_NAMES_SV["study_period_years"] == "kalkylperiod"
    assert PARAM_NAMES_SV["discount_rate"] == "kalkylränta"
    assert canonical_param("Kalkylränta") == "discount_rate"
    assert canonical_sheet("ANBUD") == "Bids"
    assert canonical_enum("timing", "Vid årets slut") == "end_of_year"
    assert i18n.canonical_category("Reinvestering") == "replacement"
    assert i18n.canonical_category("underhåll") == "maintenance"


def _english_only_texts() -> set[str]:
    """Every catalogue text whose Swedish differs from its English (so seeing it is a miss)."""
    english = {
        en
        for table in (i18n.LABELS, i18n.CATEGORY_LABELS, i18n.MODULE_LABELS, i18n.TEXT)
        for en, sv in table.values()
        if en != sv and len(en) > 3 and not sv.startswith(en)  # "AIRR" -> "AIRR (justerad …)"
    }
    english |= {t for t in _layout_texts() if len(t) > 12 and sv_text(t, "sv") != t}
    english |= {name for name in PARAM_NAMES_SV if PARAM_NAMES_SV[name] != name}
    english |= {s for s in SHEET_NAMES_SV if s != SHEET_NAMES_SV[s]}
    return english


def _cell_texts(path: Path) -> list[tuple[str, str]]:
    wb = load_workbook(path)
    found = [(ws.title, ws.title) for ws in wb.worksheets]
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    found.append((f"{ws.title}!{cell.coordinate}", cell.value))
    return found


@pytest.mark.parametrize("name", ["vehicles", "sample"])
def test_swedish_template_holds_no_english_catalogue_text(name: str, tmp_path: Path) -> None:
    out = write_template(tmp_path / "mall.xlsx", load_tender(EXAMPLE_FILES[name]), lang="sv")
    english = _english_only_texts()
    for where, value in _cell_texts(out):
        header = value.split(" [")[0]
        assert value not in english, where
        assert header not in english, where
    wb = load_workbook(out)
    assert wb.sheetnames[:3] == ["Instruktioner", "Metod", "Anbud"]
    assert "Enheter skrivs på engelska" not in str(
        [c.value for r in wb["Instruktioner"].iter_rows() for c in r]
    )


@pytest.mark.parametrize("name", sorted(EXAMPLE_FILES))
def test_swedish_workbook_reads_as_the_english_one(name: str, tmp_path: Path) -> None:
    request = load_tender(EXAMPLE_FILES[name])
    sv = load_tender(write_template(tmp_path / "sv.xlsx", request, lang="sv"))
    en = load_tender(write_template(tmp_path / "en.xlsx", request, lang="en"))
    assert json_format.MessageToDict(sv) == json_format.MessageToDict(en)


# -- Swedish units and words in a filled workbook -----------------------------------------------


def _edit(path: Path, out: Path, edits: dict[tuple[str, str], Any]) -> Path:
    wb = load_workbook(path)
    for (sheet, cell), value in edits.items():
        wb[sheet][cell] = value
    wb.save(out)
    return out


def _find(path: Path, sheet: str, header: str) -> str:
    """The column letter of the header that starts with ``header``."""
    ws = load_workbook(path)[sheet]
    for cell in ws[1]:
        if str(cell.value).startswith(header):
            return str(cell.column_letter)
    raise AssertionError(header)


def _method_cell(path: Path, parameter: str) -> str:
    ws = load_workbook(path)["Metod"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == parameter:
            return f"D{row[0].row}"
    raise AssertionError(parameter)


@pytest.fixture
def vehicles_sv(tmp_path: Path) -> Path:
    request = load_tender(EXAMPLE_FILES["vehicles"])
    return write_template(tmp_path / "fordon.xlsx", request, lang="sv")


def test_swedish_units_and_words_evaluate_as_english(
    vehicles_sv: Path, tmp_path: Path, cli: Callable[..., CliResult], server_target: str
) -> None:
    life = _find(vehicles_sv, "Anbud", "livslängd enhet")
    price_unit = _find(vehicles_sv, "Anbud", "styckpris enhet")
    timing = _method_cell(vehicles_sv, "betalningstidpunkt")
    swedish = _edit(
        vehicles_sv,
        tmp_path / "svenska.xlsx",
        {
            ("Anbud", f"{life}2"): "år",
            ("Anbud", f"{price_unit}2"): "kr",
            ("Metod", timing): "vid årets slut",
        },
    )
    loaded = load_tender_file(swedish).request
    assert loaded.bids[0].items[0].unit_price.unit == "kr"
    english = cli("evaluate", EXAMPLE_FILES["vehicles"], "-s", server_target, "-f", "csv")
    result = cli("evaluate", swedish, "-s", server_target, "-f", "csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == english.stdout  # the same ranking, to the last digit


# -- an empty cell is absent, named by its cell -------------------------------------------------


def test_empty_unit_price_and_rate_stay_absent_and_are_located(
    vehicles_sv: Path, tmp_path: Path
) -> None:
    price = _find(vehicles_sv, "Anbud", "styckpris [")
    price_unit = _find(vehicles_sv, "Anbud", "styckpris enhet")
    rate = _method_cell(vehicles_sv, "kalkylränta")
    out = _edit(
        vehicles_sv,
        tmp_path / "tom.xlsx",
        {("Anbud", f"{price}3"): None, ("Anbud", f"{price_unit}3"): None, ("Metod", rate): None},
    )
    loaded = load_tender_file(out)
    assert not loaded.request.bids[1].items[0].HasField("unit_price")  # absent, not 0
    assert loaded.locate("bids[1].items[0].unit_price") == f"Anbud!{price}3"
    assert loaded.locate("method.discount_rate") == f"Metod!{rate}"


def test_empty_currency_is_one_message_naming_its_cell(vehicles_sv: Path, tmp_path: Path) -> None:
    cell = _method_cell(vehicles_sv, "valuta")
    out = _edit(vehicles_sv, tmp_path / "ingen-valuta.xlsx", {("Metod", cell): None})
    with pytest.raises(TcoInvalidTender) as info:
        load_tender_file(out)
    assert [v.field for v in info.value.violations] == [f"Metod!{cell}"]
    line = violation_line(info.value.violations[0].field, info.value.violations[0].description)
    assert line.startswith(f"Metod!{cell}: currency is required")


def test_empty_quantity_names_its_cell_first_in_swedish(
    vehicles_sv: Path, tmp_path: Path, cli: Callable[..., CliResult], server_target: str
) -> None:
    quantity = _find(vehicles_sv, "Anbud", "antal")
    out = _edit(vehicles_sv, tmp_path / "antal.xlsx", {("Anbud", f"{quantity}3"): None})
    result = cli("validate", out, "-s", server_target, "--lang", "sv")
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0].startswith("fel: ogiltigt upphandlingsunderlag (1 problem)")
    assert lines[1].startswith(f"Anbud!{quantity}3: ")
    assert lines[1].endswith("— bids[1].items[0].quantity")
    assert "väntade" in lines[1] or "krävs" in lines[1]


def test_a_date_in_a_number_cell_prints_as_a_date(vehicles_sv: Path, tmp_path: Path) -> None:
    cell = _method_cell(vehicles_sv, "basår")
    out = _edit(
        vehicles_sv, tmp_path / "datum.xlsx", {("Metod", cell): datetime.datetime(2026, 1, 1)}
    )
    with pytest.raises(TcoInvalidTender) as info:
        load_tender_file(out)
    (violation,) = info.value.violations
    assert violation.field.endswith("(base_year)")
    assert violation.description == "expected a number, got 2026-01-01"
    assert violation_text(violation.description, "sv") == "väntade ett tal, fick 2026-01-01"


# -- warnings and numbers -----------------------------------------------------------------------


def test_swedish_numbers() -> None:
    assert sv_number("490,217.18") == "490\u00a0217,18"
    assert sv_number("7.71") == "7,71"
    assert sv_number("1e+12") == "1\u00a0000\u00a0000\u00a0000\u00a0000"


SAMPLE_WARNINGS = {
    "TIE": "bids A, B are tied at rank 1 with the same comparison number 1,000.50; the tie is "
    "not broken by the engine",
    "INCONCLUSIVE_RANKING": "the best two bids (C, A) differ by 490,217.18 (7.71 % of the best), "
    "less than 10 %: life-cycle cost inputs are uncertain, the ranking may not be robust",
    "BEST_COST_ZERO": "the best comparison number is 0 (or negligibly close), so differences to "
    "the best cannot be expressed in percent",
    "SERIES_EXTRAPOLATED": "carbon price (series:asek-7.0) held flat outside its points in 3 "
    "study year(s): 2045-2047",
    "EMISSION_FACTOR_EXTRAPOLATED": "emission factor of 'electricity' held flat outside its "
    "trajectory in 2 study year(s): 2040-2041",
    "PRICE_BASE_YEAR": "carbon price (series:cvd-high) is in 2007 prices, the method's base year "
    "is 2027; values used as given",
    "PARAMETER_WITHOUT_EFFECT": "method.resource_prices[1].price: no bid uses the resource, so "
    "the parameter changes no comparison number",
    "NO_EMISSION_FACTOR": "resource 'hvo' has no emission factor in the method: its emissions "
    "count as zero",
    "RESIDUAL_VALUE_IGNORED": "item 'pump': the residual value applies to a unit still in service "
    "at the end of the study period; the last unit's life ends at t = 10 <= N = 10",
    "CARBON_PRICE_IS_MARKET_PRICE": "carbon price series 'eu-ets' is a market price, not a social "
    "value of emissions",
    "NOMINAL_WITHOUT_INFLATION": "nominal analysis with inflation_rate 0: nominal and real rates "
    "coincide",
    "RATE_LOOKS_LIKE_PERCENT": "method.discount_rate is 3.5, i.e. 350 % a year: rates are "
    "fractions (0.035 = 3.5 %)",
}


@pytest.mark.parametrize("code", sorted(SAMPLE_WARNINGS))
def test_every_known_warning_has_a_swedish_sentence(code: str) -> None:
    # the codes without a sample here are read from real engine messages in test_i18n_warnings
    assert code in known_warning_codes()
    english = SAMPLE_WARNINGS[code]
    swedish = warning_text(code, english, "sv")
    assert swedish != english
    assert warning_text(code, english, "en") == english
    assert warning_text(code, f"scenario 'low': {english}", "sv") == f"scenario 'low': {swedish}"


def test_warning_numbers_are_swedish() -> None:
    swedish = warning_text("INCONCLUSIVE_RANKING", SAMPLE_WARNINGS["INCONCLUSIVE_RANKING"], "sv")
    assert "490\u00a0217,18 (7,71\u00a0% av det bästa)" in swedish
    assert "kalkylränta är 3,5" in warning_text(
        "RATE_LOOKS_LIKE_PERCENT", SAMPLE_WARNINGS["RATE_LOOKS_LIKE_PERCENT"], "sv"
    )


def test_an_unknown_warning_stays_in_the_servers_english() -> None:
    assert warning_text("SOMETHING_NEW", "a new thing happened", "sv") == "a new thing happened"
    assert warning_text("TIE", "an unexpected form", "sv") == "an unexpected form"


def test_swedish_evaluation_end_to_end(
    vehicles_sv: Path, tmp_path: Path, cli: Callable[..., CliResult], server_target: str
) -> None:
    report = tmp_path / "rapport.xlsx"
    result = cli("evaluate", vehicles_sv, "-s", server_target, "--lang", "sv", "--excel", report)
    assert result.exit_code == 0, result.stderr
    # a margin in Swedish number format (the vehicles' figures move with the carbon price basis)
    assert re.search(r"\d{1,3}(\u00a0\d{3})*,\d\d \(\d+,\d\d\u00a0% av det bästa\)", result.stdout)
    assert "differ by" not in result.stdout
    messages = [value for where, value in _cell_texts(report) if where.startswith("Varningar!")]
    assert any("skiljer sig med" in m for m in messages)


# -- switching values in the parameter's unit ---------------------------------------------------


def test_switching_values_in_the_parameters_unit() -> None:
    from tco_client.analysis import format_quantity, format_switch

    diesel = "resource_prices[diesel].price"
    assert format_switch(0.784087, "scale", diesel, "SEK/l", 15.6, lang="sv") == (
        "12,23 SEK/l (×0,784)"
    )
    assert format_switch(0.098336, "value", "discount_rate", "1/year", 0.035, lang="sv") == (
        "9,83\u00a0%"
    )
    assert format_switch(8.87864, "scale", "carbon_price", "SEK/kgCO2e", 7.0, lang="sv") == (
        "62,15 SEK/kgCO2e (×8,88)"
    )
    # without a single stated value (a series) only the factor can be said
    assert format_switch(2.5, "scale", "carbon_price", "SEK/kgCO2e", None, lang="sv") == "×2,5"
    assert format_quantity(12.0, "bids[*].items[*].service_life", "year", "sv") == "12,00 år"


def test_swedish_analysis_names_switching_values_in_units(
    vehicles_sv: Path, tmp_path: Path, cli: Callable[..., CliResult], server_target: str
) -> None:
    excel = tmp_path / "analys.xlsx"
    result = cli(
        "analyze", vehicles_sv, "-s", server_target, "--lang", "sv", "--draws", "0",
        "--excel", excel,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "Angivet värde" in result.stdout
    assert "15,60 SEK/l" in result.stdout  # the stated diesel price
    # switching values in the parameter's unit, the factor beside it
    assert re.search(r"\d+,\d\d SEK/l \(×0,\d+\) \([A-C] → [A-C]\)", result.stdout)
    assert re.search(r"\d+,\d\d\u00a0% \([A-C] → [A-C]\)", result.stdout)
    ws = load_workbook(excel)["Brytpunkter"]
    header = [c.value for c in ws[1]]
    assert "Enhet" in header
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in ws.iter_rows(2)]
    rate = next(r for r in rows if r["Sökväg"] == "discount_rate")
    assert rate["Enhet"] == "%"
    assert rate["Värde enligt underlaget"] == pytest.approx(3.5)


def test_monte_carlo_assumptions_are_listed(
    vehicles_sv: Path, tmp_path: Path, cli: Callable[..., CliResult], server_target: str
) -> None:
    excel = tmp_path / "mc.xlsx"
    result = cli(
        "analyze", vehicles_sv, "-s", server_target, "--lang", "sv", "--draws", "200",
        "--excel", excel,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    out = " ".join(result.stdout.split())
    assert "Antaganden i Monte Carlo-simuleringen" in out
    assert "triangulär, min ×0,5, typvärde ×1, max ×2" in out  # the default carbon price
    assert "densamma för alla anbud" in out
    assert "en oberoende dragning för varje anbud" in out  # consumption: per bid
    assert "Standardanalys byggd från underlaget" in out
    cells = [v for where, v in _cell_texts(excel) if where.startswith("Monte Carlo!")]
    assert "Antaganden i Monte Carlo-simuleringen" in cells
    assert any(v.startswith("lognormal, median ×1") for v in cells)
    assert any(v.startswith("Standardanalys byggd från underlaget") for v in cells)


# -- the report as a record ---------------------------------------------------------------------


def test_report_is_a_record_and_prints(
    vehicles_sv: Path, tmp_path: Path, cli: Callable[..., CliResult], server_target: str
) -> None:
    report = tmp_path / "rapport.xlsx"
    result = cli("evaluate", vehicles_sv, "-s", server_target, "--lang", "sv", "--excel", report)
    assert result.exit_code == 0, result.stderr
    wb = load_workbook(report)
    ranking = wb["Rangordning"]
    headers = [c.value for c in ranking[1]]
    per_unit = headers.index("Kostnad per funktionell enhet (SEK per vehicle-km)") + 1
    per_km = [ranking.cell(r, per_unit).value for r in (2, 3, 4)]
    assert all(2.0 < v < 3.5 and round(v, 2) == v for v in per_km)  # SEK per vehicle-km, 2 dp
    assert len({round(v) for v in per_km}) == 1  # a whole-number format would show 3 / 3 / 3
    assert len(set(per_km)) == 3
    assert ranking.cell(2, per_unit).number_format == "#,##0.00"  # not 3 / 3 / 3
    first_sheet = [str(c.value) for row in ranking.iter_rows() for c in row if c.value]
    assert "Metodens kontrollsumma (SHA-256)" in first_sheet
    assert "Beräkningsmotorns version" in first_sheet
    offered = wb["Anbudens indata"]
    rows = [[c.value for c in row] for row in offered.iter_rows(min_row=2)]
    price = next(r for r in rows if r[0] == "A" and r[3] == "Styckpris")
    assert price[4:7] == [395000, "SEK", "Anbud!G2"]
    assert price[7] == "bids[0].items[0].unit_price"
    assert any(r[3].startswith("EPD A1") for r in rows)
    assert any(r[3] == "Förbrukning diesel (mängd)" and r[5] == "l/(100 km)" for r in rows)
    for ws in wb.worksheets:
        assert ws.page_setup.fitToWidth == 1, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.print_title_rows == "$1:$1", ws.title
        assert ws.oddHeader.left.text == vehicles_sv.name
        assert ws.oddFooter.center.text == "Sida &P av &N"
    assert ranking.page_setup.orientation == "landscape"


def test_swedish_report_holds_no_english_catalogue_text(
    offline_result: EvaluationResult, tmp_path: Path
) -> None:
    from tco_client.report import write_report

    report = write_report(offline_result, tmp_path / "rapport.xlsx", lang="sv")
    english = _english_only_texts()
    for where, value in _cell_texts(report):
        assert value not in english, where
        assert value.split(" (")[0] not in english, where
    explanations = [v for w, v in _cell_texts(report) if w.startswith("Förklaringar!")]
    assert not any("sum over" in v or "present value" in v for v in explanations)


# -- the Python client agrees with the CLI ------------------------------------------------------


def test_analyze_without_a_spec_runs_the_default_analysis(server_target: str) -> None:
    from tco_client import TcoClient
    from tco_client.analysis_spec import default_spec

    tender = load_tender(EXAMPLE_FILES["sample"])
    with TcoClient(server_target, timeout=120) as client:
        result = client.analyze(tender)
    assert result.request.analysis == default_spec(tender)  # what `tco analyze` sends
    assert result.has_monte_carlo
    assert len(result.tornado) > 0
    assert result.win_probability["probability_best"].sum() == pytest.approx(1.0)


def test_empty_analysis_frames_are_typed() -> None:
    from tco_client.analysis import AnalysisResult
    from tcoapi.v1 import analysis_pb2

    empty = AnalysisResult(
        analysis_pb2.AnalyzeRankingRequest(), analysis_pb2.AnalyzeRankingResponse()
    )
    for name in ("base", "tornado_bids", "scenarios", "win_probability", "percentiles"):
        frame = getattr(empty, name)
        numbers = [c for c in frame.columns if c not in ("bid_id", "parameter", "scenario")]
        assert all(str(frame[c].dtype) != "object" for c in numbers), name
    assert {str(t) for t in empty.warnings.dtypes} == {"string"}


def test_template_from_a_tender_without_a_rate_leaves_the_cell_empty(tmp_path: Path) -> None:
    request = load_tender(EXAMPLE_FILES["vehicles"])
    request.method.ClearField("discount_rate")
    out = write_template(tmp_path / "utan-ranta.xlsx", request, lang="sv")
    cell = _method_cell(out, "kalkylränta")
    assert load_workbook(out)["Metod"][cell].value is None  # not a written 0
    assert load_tender_file(out).locate("method.discount_rate") == f"Metod!{cell}"


def test_tornado_variation_in_the_parameters_unit(
    vehicles_sv: Path, cli: Callable[..., CliResult], server_target: str
) -> None:
    result = cli("analyze", vehicles_sv, "-s", server_target, "--lang", "sv", "--draws", "0")
    assert result.exit_code == 0, result.stderr
    assert "±20\u00a0% (12,48 … 18,72 SEK/l)" in result.stdout  # diesel price 15,60 SEK/l ± 20 %
    assert "±1\u00a0procentenhet (2,50\u00a0% … 4,50\u00a0%)" in result.stdout  # kalkylränta
