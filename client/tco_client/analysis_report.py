"""The Excel workbook of a ranking analysis (needs openpyxl, the ``report`` extra).

Sheets (titles in the report's language): the ranking as stated, the tornado (one row per
parameter, largest swing first) and the tornado per bid, switching values, scenarios (bids x
scenarios, with the agreement), Monte Carlo (probability of being best, percentiles, the gap
between the best two, the draws of each distribution), the parameters used, and warnings with
the digests that identify the tender and the analysis.

Like :mod:`tco_client.report`: currency in every money header, number formats, frozen header
rows, no timestamps in the file (:func:`tco_client.safe_output.save_workbook`): the same
response gives a byte-identical workbook. Every cell goes through
:func:`tco_client.safe_output.put_cell`: text from the response stays text.
"""

# ruff: noqa: PLC0415 - openpyxl (the report extra) is imported lazily
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tco_client.analysis import AnalysisResult, parameter_label, variation_label
from tco_client.report_sheets import FMT_MONEY, FMT_PERCENT, sheet_title
from tco_client.safe_output import put_cell, save_workbook

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = ["build_analysis_workbook", "write_analysis_report"]

FMT_NUMBER = "0.######"

_L: dict[str, tuple[str, str]] = {
    "base": ("Ranking as stated", "Rangordning enligt underlaget"),
    "tornado": ("Tornado", "Tornado"),
    "tornado_bids": ("Tornado per bid", "Tornado per anbud"),
    "switching": ("Switching values", "Brytpunkter"),
    "scenarios": ("Scenarios", "Scenarier"),
    "monte_carlo": ("Monte Carlo", "Monte Carlo"),
    "parameters": ("Parameters", "Parametrar"),
    "warnings": ("Warnings and digests", "Varningar och kontrollsummor"),
    "bid": ("Bid", "Anbud"),
    "supplier": ("Supplier", "Anbudsgivare"),
    "comparison": ("Comparison number", "Utvärderingspris"),
    "rank": ("Rank", "Rang"),
    "tied": ("Tied", "Lika"),
    "parameter": ("Parameter", "Parameter"),
    "path": ("Path", "Sökväg"),
    "variation": ("Variation", "Variation"),
    "mode": ("Mode", "Läge"),
    "low": ("Low setting", "Låg inställning"),
    "high": ("High setting", "Hög inställning"),
    "gap_base": ("Lead as stated", "Försprång enligt underlaget"),
    "gap_low": ("Lead at low", "Försprång vid låg"),
    "gap_high": ("Lead at high", "Försprång vid hög"),
    "swing": ("Swing", "Utslag"),
    "best_low": ("Best at low", "Bäst vid låg"),
    "best_high": ("Best at high", "Bäst vid hög"),
    "at_base": ("As stated", "Enligt underlaget"),
    "at_low": ("At low", "Vid låg"),
    "at_high": ("At high", "Vid hög"),
    "status": ("Status", "Status"),
    "switches": ("switches", "byter vinnare"),
    "no_switch": ("no switch in the interval", "ingen brytpunkt i intervallet"),
    "method": ("Method", "Metod"),
    "analytic": ("exact (linear)", "exakt (linjär)"),
    "bisection": ("grid and bisection", "rutnät och intervallhalvering"),
    "base_value": ("Stated value", "Värde enligt underlaget"),
    "value": ("Switching value", "Brytpunkt"),
    "from": ("Best below", "Bäst under"),
    "to": ("Best above", "Bäst över"),
    "interval_low": ("Searched from", "Sökt från"),
    "interval_high": ("Searched to", "Sökt till"),
    "scenario": ("Scenario", "Scenario"),
    "best": ("Best bid(s)", "Bästa anbud"),
    "agree": ("The scenarios agree on the winner", "Scenarierna är eniga om vinnaren"),
    "disagree": (
        "The scenarios do NOT agree on the winner",
        "Scenarierna är INTE eniga om vinnaren",
    ),
    "probability": ("Probability of being best", "Sannolikhet att vara bäst"),
    "error": ("Standard error", "Medelfel"),
    "mean": ("Mean", "Medelvärde"),
    "gap": ("Gap between the best two", "Skillnad mellan de två bästa"),
    "draws": ("Draws", "Dragningar"),
    "seed": ("Seed", "Slumpfrö"),
    "tie": ("Share of draws with a tie at the top", "Andel dragningar med delad förstaplats"),
    "draw_summary": ("Draws of each uncertain parameter", "Dragningar av varje osäker parameter"),
    "unit": ("Unit", "Enhet"),
    "targets": ("Targets matched", "Träffar"),
    "linear": ("Linear", "Linjär"),
    "yes": ("yes", "ja"),
    "no": ("no", "nej"),
    "code": ("Code", "Kod"),
    "message": ("Message", "Meddelande"),
    "method_digest": ("Method digest (SHA-256)", "Metodens kontrollsumma (SHA-256)"),
    "request_digest": ("Request digest (SHA-256)", "Begärans kontrollsumma (SHA-256)"),
    "analysis_digest": ("Analysis digest (SHA-256)", "Analysens kontrollsumma (SHA-256)"),
    "engine_version": ("Engine version", "Beräkningsmotorns version"),
    "lead_note": (
        "Lead = comparison number of the runner-up ({runner}) minus the leader ({leader}); "
        "negative: the runner-up wins.",
        "Försprång = utvärderingspris för tvåan ({runner}) minus ettan ({leader}); negativt: "
        "tvåan vinner.",
    ),
}


def _l(key: str, lang: str, **values: Any) -> str:
    pair = _L[key]
    return (pair[1] if lang == "sv" else pair[0]).format(**values)


def _table(
    ws: Worksheet,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    formats: Sequence[str | None],
    *,
    start_row: int = 1,
) -> int:
    """Write a styled table from ``start_row``; returns the next free row."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    for col, header in enumerate(headers, start=1):
        cell = put_cell(ws, start_row, col, header)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.border = Border(bottom=Side(style="thin", color="8EA9DB"))
        cell.alignment = Alignment(wrap_text=True, vertical="bottom")
    for r, values in enumerate(rows, start=start_row + 1):
        for col, value in enumerate(values, start=1):
            cell = put_cell(ws, r, col, value)
            fmt = formats[col - 1] if col - 1 < len(formats) else None
            if fmt and isinstance(value, int | float) and not isinstance(value, bool):
                cell.number_format = fmt
    for col, header in enumerate(headers, start=1):
        longest = max(
            [min(len(header), 28)]
            + [
                len(f"{row[col - 1]:,.2f}")
                if isinstance(row[col - 1], float)
                else len(str(row[col - 1]))
                for row in rows
                if col - 1 < len(row)
            ]
        )
        ws.column_dimensions[get_column_letter(col)].width = max(8, min(60, longest + 2))
    ws.row_dimensions[start_row].height = 32
    if start_row == 1:
        ws.freeze_panes = "A2"
    return start_row + len(rows) + 2


def _yes(value: bool, lang: str) -> str:
    return _l("yes", lang) if value else ""


def build_analysis_workbook(result: AnalysisResult, lang: str = "en") -> Workbook:
    """The analysis as an openpyxl workbook (see the module docstring)."""
    from openpyxl import Workbook

    cur = result.currency
    money = f" ({cur})"
    wb = Workbook()
    used: set[str] = set()
    ws = wb.active
    assert ws is not None
    ws.title = sheet_title(_l("base", lang), used)
    _table(
        ws,
        [
            _l("bid", lang),
            _l("supplier", lang),
            _l("comparison", lang) + money,
            _l("rank", lang),
            _l("tied", lang),
        ],
        [
            [b.bid_id, result.supplier(b.bid_id), b.comparison_number, b.rank, _yes(b.tied, lang)]
            for b in result.response.base
        ],
        [None, None, FMT_MONEY, "0", None],
    )

    response = result.response
    rows: list[list[Any]] = []
    if len(response.sensitivity):
        ws = wb.create_sheet(sheet_title(_l("tornado", lang), used))
        for s in response.sensitivity:
            mode = _mode(s.mode)
            rows.append(
                [
                    parameter_label(s.path, lang),
                    variation_label(
                        mode, s.low, s.high, s.path, lang=lang, unit=result.unit(s.path)
                    ),
                    s.path,
                    mode,
                    s.low,
                    s.high,
                    s.gap_base if s.HasField("gap_base") else None,
                    s.gap_low if s.HasField("gap_low") else None,
                    s.gap_high if s.HasField("gap_high") else None,
                    s.swing,
                    ", ".join(s.best_at_low),
                    ", ".join(s.best_at_high),
                ]
            )
        next_row = _table(
            ws,
            [
                _l("parameter", lang),
                _l("variation", lang),
                _l("path", lang),
                _l("mode", lang),
                _l("low", lang),
                _l("high", lang),
                _l("gap_base", lang) + money,
                _l("gap_low", lang) + money,
                _l("gap_high", lang) + money,
                _l("swing", lang) + money,
                _l("best_low", lang),
                _l("best_high", lang),
            ],
            rows,
            [
                None,
                None,
                None,
                None,
                FMT_NUMBER,
                FMT_NUMBER,
                FMT_MONEY,
                FMT_MONEY,
                FMT_MONEY,
                FMT_MONEY,
                None,
                None,
            ],
        )
        if result.runner_up is not None:
            note = _l("lead_note", lang, runner=result.runner_up, leader=result.leader)
            put_cell(ws, next_row, 1, note)
        ws = wb.create_sheet(sheet_title(_l("tornado_bids", lang), used))
        _table(
            ws,
            [
                _l("parameter", lang),
                _l("variation", lang),
                _l("bid", lang),
                _l("at_base", lang) + money,
                _l("at_low", lang) + money,
                _l("at_high", lang) + money,
            ],
            [
                [
                    parameter_label(s.path, lang),
                    variation_label(
                        _mode(s.mode), s.low, s.high, s.path, lang=lang, unit=result.unit(s.path)
                    ),
                    b.bid_id,
                    b.base,
                    b.low,
                    b.high,
                ]
                for s in response.sensitivity
                for b in s.bids
            ],
            [None, None, None, FMT_MONEY, FMT_MONEY, FMT_MONEY],
        )

    if len(response.switching):
        ws = wb.create_sheet(sheet_title(_l("switching", lang), used))
        rows = []
        for w in response.switching:
            status = "switches" if w.status == 1 else "no_switch"
            common = [
                parameter_label(w.path, lang),
                w.path,
                _mode(w.mode),
                w.low,
                w.high,
                _l(status, lang),
                _l("analytic" if w.analytic else "bisection", lang),
                w.base_value if w.HasField("base_value") else None,
            ]
            if not w.points:
                rows.append([*common, None, w.best_at_low, w.best_at_high])
            for p in w.points:
                rows.append([*common, p.value, p.from_bid_id, p.to_bid_id])
        _table(
            ws,
            [
                _l("parameter", lang),
                _l("path", lang),
                _l("mode", lang),
                _l("interval_low", lang),
                _l("interval_high", lang),
                _l("status", lang),
                _l("method", lang),
                _l("base_value", lang),
                _l("value", lang),
                _l("from", lang),
                _l("to", lang),
            ],
            rows,
            [
                None,
                None,
                None,
                FMT_NUMBER,
                FMT_NUMBER,
                None,
                None,
                FMT_NUMBER,
                FMT_NUMBER,
                None,
                None,
            ],
        )

    if result.has_scenarios:
        ws = wb.create_sheet(sheet_title(_l("scenarios", lang), used))
        scenarios = list(response.scenarios.results)
        headers = [_l("bid", lang)] + [f"{sc.name}{money}" for sc in scenarios]
        rows = []
        for b, bid_id in enumerate(result.bid_ids):
            rows.append([bid_id] + [sc.bids[b].comparison_number for sc in scenarios])
        rows.append([_l("best", lang)] + [", ".join(sc.best_bid_ids) for sc in scenarios])
        next_row = _table(ws, headers, rows, [None] + [FMT_MONEY] * len(scenarios))
        agree = response.scenarios.winners_agree
        cell = put_cell(ws, next_row, 1, _l("agree" if agree else "disagree", lang))
        from openpyxl.styles import Font

        cell.font = Font(bold=True, color="006100" if agree else "C00000")

    if result.has_monte_carlo:
        ws = wb.create_sheet(sheet_title(_l("monte_carlo", lang), used))
        mc = response.monte_carlo
        rows = [
            [
                b.bid_id,
                b.probability_best,
                b.standard_error,
                b.comparison_number.mean,
                b.comparison_number.p5,
                b.comparison_number.p50,
                b.comparison_number.p95,
            ]
            for b in mc.bids
        ]
        if mc.HasField("gap"):
            rows.append(
                [_l("gap", lang), None, None, mc.gap.mean, mc.gap.p5, mc.gap.p50, mc.gap.p95]
            )
        next_row = _table(
            ws,
            [
                _l("bid", lang),
                _l("probability", lang),
                _l("error", lang),
                _l("mean", lang) + money,
                "P5" + money,
                "P50" + money,
                "P95" + money,
            ],
            rows,
            [None, FMT_PERCENT, FMT_PERCENT, FMT_MONEY, FMT_MONEY, FMT_MONEY, FMT_MONEY],
        )
        next_row = _table(
            ws,
            [_l("draws", lang), _l("seed", lang), _l("tie", lang)],
            [[mc.draws, str(mc.seed), mc.probability_tie]],
            ["#,##0", None, FMT_PERCENT],
            start_row=next_row,
        )
        put_cell(ws, next_row, 1, _l("draw_summary", lang))
        _table(
            ws,
            [
                _l("parameter", lang),
                _l("path", lang),
                _l("mode", lang),
                _l("mean", lang),
                "P5",
                "P50",
                "P95",
            ],
            [
                [
                    parameter_label(d.path, lang),
                    d.path,
                    _mode(d.mode),
                    d.draws.mean,
                    d.draws.p5,
                    d.draws.p50,
                    d.draws.p95,
                ]
                for d in mc.parameters
            ],
            [None, None, None, FMT_NUMBER, FMT_NUMBER, FMT_NUMBER, FMT_NUMBER],
            start_row=next_row + 1,
        )

    ws = wb.create_sheet(sheet_title(_l("parameters", lang), used))
    _table(
        ws,
        [
            _l("parameter", lang),
            _l("path", lang),
            _l("unit", lang),
            _l("base_value", lang),
            _l("targets", lang),
            _l("linear", lang),
        ],
        [
            [
                parameter_label(p.path, lang),
                p.path,
                p.unit,
                p.base_value if p.HasField("base_value") else None,
                p.targets,
                _l("yes", lang) if p.linear else _l("no", lang),
            ]
            for p in response.parameters
        ],
        [None, None, None, FMT_NUMBER, "0", None],
    )

    ws = wb.create_sheet(sheet_title(_l("warnings", lang), used))
    next_row = _table(
        ws,
        [_l("code", lang), _l("message", lang), _l("bid", lang)],
        [[w.code, w.message, w.bid_id] for w in response.warnings],
        [None, None, None],
    )
    _table(
        ws,
        [_l("parameter", lang), ""],
        [
            [_l("method_digest", lang), response.method_digest],
            [_l("request_digest", lang), response.request_digest],
            [_l("analysis_digest", lang), response.analysis_digest],
            [_l("engine_version", lang), response.engine_version],
        ],
        [None, None],
        start_row=next_row,
    )
    return wb


def _mode(value: int) -> str:
    return {1: "scale", 2: "value", 3: "shift"}.get(value, "unspecified")


def write_analysis_report(result: AnalysisResult, path: str | Path, *, lang: str = "en") -> Path:
    """Write the analysis workbook to ``path`` (``.xlsx``), reproducibly."""
    return save_workbook(build_analysis_workbook(result, lang), path)
