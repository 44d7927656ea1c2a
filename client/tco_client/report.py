"""The Excel report of an evaluation (needs openpyxl, the ``report`` extra).

Sheets (titles in the report's language): ranking (with the digests and versions under it, so the
first printed page identifies the evaluation), cost by category, emissions by module, measures, one
cash-flow sheet per bid, warnings, explanations (in Swedish too: :mod:`tco_client.i18n_explain`),
**assumptions** — every method parameter with its source and price-base year (carbon price series
and reference emission factors as the server lists them), the method and request digests, the
engine and client versions and the reference data version — and **bids as offered** ("Anbudens
indata"): every input of every bid with its unit and the workbook cell it came from
(:mod:`tco_client.report_record`). Every sheet prints on A4 fitted to the page width, landscape
where wide, with the header row repeated, the tender's name and page numbers.

Readable on purpose: units and currency in every header, number formats (``#,##0`` for money —
Swedish Excel shows it as ``# ##0`` — ``#,##0.0`` for kg CO2e, ``0.00 %`` for percentages),
frozen header rows, column widths fitted to the content.

Reproducible on purpose: no date of evaluation (the digests identify the evaluation), and the file
itself carries no timestamps (:func:`tco_client.safe_output.save_workbook`), so the same response
gives a byte-identical workbook.
"""

# ruff: noqa: PLC0415 - optional extras (openpyxl, matplotlib, PyYAML, rich) are imported lazily
from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from tco_client import frames
from tco_client.i18n import (
    CATEGORY_ORDER,
    category_label,
    column_label,
    label,
    module_label,
    status_label,
    text,
)
from tco_client.i18n_explain import explanation_formula, explanation_input
from tco_client.i18n_messages import warning_text
from tco_client.report_assumptions import write_assumptions
from tco_client.report_record import (
    offered_title,
    print_setup,
    write_offered_inputs,
    write_record_header,
)
from tco_client.report_sheets import (
    FMT_INT,
    FMT_KG,
    FMT_MONEY,
    FMT_MONEY_2,
    FMT_YEAR,
    sheet_title,
    write_frame,
    write_table,
)
from tco_client.result import EvaluationResult
from tco_client.safe_output import save_workbook

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet.worksheet import Worksheet


def _cash_flow_rows(
    result: EvaluationResult, bid_id: str
) -> tuple[list[str], list[tuple[int, int, list[float], list[float]]]]:
    """The bid's categories (canonical order, then others alphabetically) and per study year
    (year, calendar year, undiscounted and present values by category): straight from the
    response, summed as :func:`tco_client.frames.cash_flow_table` sums them."""
    flows = [cf for r in result.response.results if r.bid_id == bid_id for cf in r.cash_flow]
    present = {cf.category for cf in flows}
    categories = [c for c in CATEGORY_ORDER if c in present] + sorted(present - set(CATEGORY_ORDER))
    column = {c: i for i, c in enumerate(categories)}
    years: dict[tuple[int, int], tuple[list[float], list[float]]] = {}
    for cf in flows:
        und, pv = years.setdefault(
            (cf.year, cf.calendar_year), ([0.0] * len(categories), [0.0] * len(categories))
        )
        und[column[cf.category]] += cf.undiscounted
        pv[column[cf.category]] += cf.discounted
    rows = [(year, calendar, und, pv) for (year, calendar), (und, pv) in sorted(years.items())]
    return categories, rows


def _write_cash_flows(ws: Worksheet, result: EvaluationResult, bid_id: str, lang: str) -> None:
    cur = result.currency
    cats, flows = _cash_flow_rows(result, bid_id)
    und = "odiskonterat" if lang == "sv" else "undiscounted"
    pv = "nuvärde" if lang == "sv" else "present value"
    headers = [column_label("year", lang), column_label("calendar_year", lang)]
    headers += [f"{category_label(c, lang)}, {und} ({cur})" for c in cats]
    headers += [f"{text('total', lang).capitalize()}, {und} ({cur})"]
    headers += [f"{category_label(c, lang)}, {pv} ({cur})" for c in cats]
    headers += [f"{text('total', lang).capitalize()}, {pv} ({cur})"]
    headers += [f"{column_label('cumulative_discounted', lang)} ({cur})"]
    rows = []
    cumulative = 0.0
    for year, calendar_year, undiscounted, discounted in flows:
        cumulative += sum(discounted)
        totals = [sum(undiscounted), sum(discounted)]
        rows.append(
            [year, calendar_year, *undiscounted, totals[0], *discounted, totals[1], cumulative]
        )
    formats = [FMT_INT, FMT_YEAR] + [FMT_MONEY] * (len(headers) - 2)
    write_table(ws, headers, rows, formats, freeze="C2")


def _write_breakdown(  # noqa: PLR0917 - the table and how to label it
    ws: Worksheet,
    frame: pd.DataFrame,
    lang: str,
    unit: str,
    label: Callable[[str, str], str],
    fmt: str,
) -> None:
    """A bids x parts table (cost by category, emissions by module), the total column last."""
    shown = "kg CO2e" if unit == "kgCO2e" else unit
    headers = [column_label("bid_id", lang)] + [
        f"{text('total', lang).capitalize()} ({shown})"
        if c == f"total_{unit}"
        else f"{label(c.removesuffix(f'_{unit}'), lang)} ({shown})"
        for c in frame.columns
    ]
    rows = [
        [bid, *values]
        for bid, values in zip(frame.index, frame.itertuples(index=False, name=None), strict=True)
    ]
    write_table(ws, headers, rows, [None] + [fmt] * len(frame.columns), freeze="B2")


def build_workbook(
    result: EvaluationResult,
    lang: str = "en",
    *,
    title: str = "",
    locations: Mapping[str, str] | None = None,
) -> Workbook:
    """The report as an openpyxl workbook (see the module docstring for its sheets); ``title``
    (the tender's name) goes in the page header, ``locations`` (request path -> workbook cell)
    into the offered-inputs sheet."""
    from openpyxl import Workbook

    cur = result.currency
    wb = Workbook()
    used: set[str] = set()

    def sheet(title: str) -> Worksheet:
        return wb.create_sheet(sheet_title(title, used))

    ranking = result.ranking.reset_index()  # rank, bid_id, …: the layout stays
    ranking.insert(0, "rank", ranking.pop("rank"))
    ranking["tied"] = ranking["tied"].map(lambda t: ("ja" if lang == "sv" else "yes") if t else "")
    per_unit = f"cost_per_functional_unit_{cur}"
    functional_unit = result.request.method.functional_unit
    headers = {}
    if functional_unit and per_unit in ranking.columns:
        name = column_label("cost_per_functional_unit", lang)
        headers[per_unit] = f"{name} ({cur} per {functional_unit})"
    first = sheet(text("ranking", lang))
    write_frame(first, ranking, cur, lang, freeze="C2", headers=headers)
    write_record_header(first, result, lang, first.max_row + 2)
    by_category = sheet(text("cost_by_category", lang))
    _write_breakdown(by_category, result.cost_by_category, lang, cur, category_label, FMT_MONEY)
    by_module = sheet(text("emissions_by_module", lang))
    _write_breakdown(by_module, result.emissions_by_module, lang, "kgCO2e", module_label, FMT_KG)
    statuses = dict.fromkeys(frames.MEASURE_STATUS_COLUMNS, lambda s: status_label(str(s), lang))
    measures = result.measures.reset_index()
    write_frame(sheet(text("measures", lang)), measures, cur, lang, transform=statuses)
    for bid_id in result.bid_ids:
        _write_cash_flows(sheet(f"{text('cash_flows', lang)} {bid_id}"), result, bid_id, lang)
    warnings = result.warnings.copy()
    if len(warnings):
        warnings["message"] = [
            warning_text(code, message, lang)
            for code, message in zip(warnings["code"], warnings["message"], strict=True)
        ]
    write_frame(sheet(text("warnings", lang)), warnings, cur, lang, freeze="A2")
    _write_explanations(sheet(text("explanations", lang)), result, lang)
    write_assumptions(sheet(text("assumptions", lang)), result, lang)
    write_offered_inputs(sheet(offered_title(lang)), result, lang, locations or {})
    wb.remove(wb.worksheets[0])  # the empty first sheet of a new workbook
    print_setup(wb, title, lang)
    return wb


def _write_explanations(ws: Worksheet, result: EvaluationResult, lang: str) -> None:
    """The explanation trail: bid, figure, formula, value with its unit, inputs."""
    frame = _explanations(result, lang)
    cur = result.currency
    per_year = f"{cur}/år" if lang == "sv" else f"{cur}/year"
    functional_unit = result.request.method.functional_unit
    units = {
        "annual_value": per_year,
        "cost_per_functional_unit": f"{cur} per {functional_unit}" if functional_unit else cur,
    }
    quantities = result.explanations["quantity"]  # the keys, before translation
    columns = ["bid_id", "quantity", "formula", "value", "unit", "inputs"]
    headers = [column_label(c, lang) for c in columns]
    rows = [
        [bid, quantity, formula, value, units.get(str(key), cur), inputs]
        for (bid, quantity, formula, value, inputs), key in zip(
            frame[["bid_id", "quantity", "formula", "value", "inputs"]].itertuples(
                index=False, name=None
            ),
            quantities,
            strict=True,
        )
    ]
    formats = [None, None, None, FMT_MONEY_2, None, None]
    write_table(ws, headers, rows, formats, freeze="A2")


def _explanations(result: EvaluationResult, lang: str) -> pd.DataFrame:
    """The explanation trail in the language: figure names, formulas and input lines
    (:mod:`tco_client.i18n_explain`); the values as the server computed them."""
    frame = result.explanations
    if lang == "en" or not len(frame):
        return frame
    inputs = [
        "; ".join(explanation_input(line, lang) for line in e.inputs)
        for r in result.response.results
        for e in r.explanations
    ]
    return frame.assign(
        quantity=[label(q, lang) for q in frame["quantity"]],
        formula=[explanation_formula(f, lang) for f in frame["formula"]],
        inputs=inputs,
    )


def write_report(
    result: EvaluationResult,
    path: str | Path,
    *,
    lang: str = "en",
    title: str = "",
    locations: Mapping[str, str] | None = None,
) -> Path:
    """Write the Excel report of ``result`` to ``path`` (``.xlsx``); ``title`` names the tender
    in the page header, ``locations`` give the cells the inputs came from."""
    workbook = build_workbook(result, lang, title=title, locations=locations)
    return save_workbook(workbook, path)
