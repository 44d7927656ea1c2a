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

from tco_client.analysis import (
    AnalysisResult,
    display_unit,
    in_unit,
    mode_name,
    parameter_label,
    variation_label,
)
from tco_client.analysis_assumptions import distribution_rows, word
from tco_client.i18n import LABELS, text
from tco_client.i18n_messages import warning_text
from tco_client.report_sheets import FMT_MONEY, FMT_PERCENT, sheet_title, write_table
from tco_client.safe_output import put_cell, save_workbook

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = ["build_analysis_workbook", "write_analysis_report"]

FMT_NUMBER = "0.######"

_LABELS: dict[str, tuple[str, str]] = {
    "base": ("Ranking as stated", "Rangordning enligt underlaget"),
    "tornado": ("Tornado", "Tornado"),
    "tornado_bids": ("Tornado per bid", "Tornado per anbud"),
    "switching": ("Switching values", "Brytpunkter"),
    "scenarios": ("Scenarios", "Scenarier"),
    "monte_carlo": ("Monte Carlo", "Monte Carlo"),
    "parameters": ("Parameters", "Parametrar"),
    "warnings": ("Warnings and digests", "Varningar och kontrollsummor"),
    "bid": ("Bid", "Anbud"),
    "comparison": ("Evaluated cost", "Utvärderingspris"),
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
    "unit": ("Unit", "Enhet"),
    "factor": ("Setting (factor or shift)", "Inställning (faktor eller förskjutning)"),
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
    "targets": ("Targets matched", "Träffar"),
    "linear": ("Linear", "Linjär"),
    "yes": ("yes", "ja"),
    "no": ("no", "nej"),
    "lead_note": (
        "Lead = evaluated cost of the runner-up ({runner}) minus the leader ({leader}); "
        "negative: the runner-up wins.",
        "Försprång = utvärderingspris för tvåan ({runner}) minus ettan ({leader}); negativt: "
        "tvåan vinner.",
    ),
}


def _label(key: str, lang: str, **values: Any) -> str:
    """The label ``key`` in the report's language (this module's, else :data:`i18n.LABELS`)."""
    pair = _LABELS.get(key) or LABELS[key]
    return (pair[1] if lang == "sv" else pair[0]).format(**values)


Columns = Sequence[tuple[str, str | None]]  # (label key, number format); "…$": in the currency

_TORNADO: Columns = (
    ("parameter", None),
    ("variation", None),
    ("path", None),
    ("mode", None),
    ("low", FMT_NUMBER),
    ("high", FMT_NUMBER),
    ("gap_base$", FMT_MONEY),
    ("gap_low$", FMT_MONEY),
    ("gap_high$", FMT_MONEY),
    ("swing$", FMT_MONEY),
    ("best_low", None),
    ("best_high", None),
)
_TORNADO_BIDS: Columns = (
    ("parameter", None),
    ("variation", None),
    ("bid", None),
    ("at_base$", FMT_MONEY),
    ("at_low$", FMT_MONEY),
    ("at_high$", FMT_MONEY),
)
_SWITCHING: Columns = (
    ("parameter", None),
    ("path", None),
    ("mode", None),
    ("interval_low", FMT_NUMBER),
    ("interval_high", FMT_NUMBER),
    ("status", None),
    ("method", None),
    ("base_value", FMT_NUMBER),
    ("value", FMT_NUMBER),
    ("unit", None),
    ("factor", FMT_NUMBER),
    ("from", None),
    ("to", None),
)
_PERCENTILES = (("P5$", FMT_MONEY), ("P50$", FMT_MONEY), ("P95$", FMT_MONEY))
_WIN: Columns = (
    ("bid", None),
    ("probability", FMT_PERCENT),
    ("error", FMT_PERCENT),
    ("mean$", FMT_MONEY),
    *_PERCENTILES,
)
_DRAWS: Columns = (
    ("parameter", None),
    ("path", None),
    ("mode", None),
    *((key, FMT_NUMBER) for key in ("mean", "P5", "P50", "P95")),
)
_PARAMETERS: Columns = (
    ("parameter", None),
    ("path", None),
    ("unit", None),
    ("base_value", FMT_NUMBER),
    ("targets", "0"),
    ("linear", None),
)


def _table(
    ws: Worksheet,
    result: AnalysisResult,
    lang: str,
    columns: Columns,
    rows: Sequence[Sequence[Any]],
    *,
    start_row: int = 1,
) -> int:
    """A table with labelled columns (see :data:`Columns`); returns the next free row."""
    headers = []
    for key, _fmt in columns:
        name = key.removesuffix("$")
        label = _label(name, lang) if name in _LABELS or name in LABELS else name
        headers.append(f"{label} ({result.currency})" if key.endswith("$") else label)
    formats = [fmt for _key, fmt in columns]
    return write_table(ws, headers, rows, formats, start_row=start_row)


def _optional(message: Any, name: str) -> float | None:
    return getattr(message, name) if message.HasField(name) else None


def _percentiles(summary: Any) -> list[float]:
    return [summary.mean, summary.p5, summary.p50, summary.p95]


def _variation(result: AnalysisResult, entry: Any, lang: str) -> str:
    unit = result.unit(entry.path)
    mode = mode_name(entry.mode)
    return variation_label(mode, entry.low, entry.high, entry.path, lang=lang, unit=unit)


def build_analysis_workbook(
    result: AnalysisResult, lang: str = "en", *, default_analysis: bool | None = None
) -> Workbook:
    """The analysis as an openpyxl workbook (see the module docstring); ``default_analysis``: the
    spec is the program's default (no ``--spec``), which the Monte Carlo sheet then says (None:
    as ``result.default_analysis`` says)."""
    from openpyxl import Workbook

    if default_analysis is None:
        default_analysis = result.default_analysis

    wb = Workbook()
    used: set[str] = set()

    def sheet(key: str) -> Worksheet:
        return wb.create_sheet(sheet_title(_label(key, lang), used))

    base = (("bid", None), ("supplier", None), ("comparison$", FMT_MONEY), ("rank", "0"))
    yes = _label("yes", lang)
    rows = [
        [b.bid_id, result.supplier(b.bid_id), b.comparison_number, b.rank, yes if b.tied else ""]
        for b in result.response.base
    ]
    _table(sheet("base"), result, lang, (*base, ("tied", None)), rows)
    if len(result.response.sensitivity):
        _tornado_sheets(sheet("tornado"), sheet("tornado_bids"), result, lang)
    if len(result.response.switching):
        _switching_sheet(sheet("switching"), result, lang)
    if result.has_scenarios:
        _scenario_sheet(sheet("scenarios"), result, lang)
    if result.has_monte_carlo:
        _monte_carlo_sheet(sheet("monte_carlo"), result, lang, default_analysis)
    _parameter_sheet(sheet("parameters"), result, lang)
    _warning_sheet(sheet("warnings"), result, lang)
    wb.remove(wb.worksheets[0])  # the empty first sheet of a new workbook
    return wb


def _tornado_sheets(ws: Worksheet, per_bid: Worksheet, result: AnalysisResult, lang: str) -> None:
    rows = [
        [
            parameter_label(s.path, lang),
            _variation(result, s, lang),
            s.path,
            _mode(s.mode, lang),
            s.low,
            s.high,
            *(_optional(s, name) for name in ("gap_base", "gap_low", "gap_high")),
            s.swing,
            ", ".join(s.best_at_low),
            ", ".join(s.best_at_high),
        ]
        for s in result.response.sensitivity
    ]
    next_row = _table(ws, result, lang, _TORNADO, rows)
    if result.runner_up is not None:
        note = _label("lead_note", lang, runner=result.runner_up, leader=result.leader)
        put_cell(ws, next_row, 1, note)
    rows = [
        [
            parameter_label(s.path, lang),
            _variation(result, s, lang),
            b.bid_id,
            b.base,
            b.low,
            b.high,
        ]
        for s in result.response.sensitivity
        for b in s.bids
    ]
    _table(per_bid, result, lang, _TORNADO_BIDS, rows)


_MODES_SV = {"scale": "faktor", "shift": "förskjutning", "value": "värde", "unspecified": "–"}


def _mode(value: int, lang: str) -> str:
    """A parameter mode's name in the language (``scale`` -> ``faktor``)."""
    name = mode_name(value)
    return _MODES_SV.get(name, name) if lang == "sv" else name


def _switching_sheet(ws: Worksheet, result: AnalysisResult, lang: str) -> None:
    """One row per switch point: the stated value and the switching value in the parameter's
    unit (a rate in %), the unit, the setting (factor or shift) beside it."""
    rows: list[list[Any]] = []
    for w in result.response.switching:
        mode, unit = mode_name(w.mode), result.unit(w.path)
        base = result.stated_value(w.path)
        shown = display_unit(unit, lang)
        per = 100.0 if shown == "%" else 1.0
        common = [
            parameter_label(w.path, lang),
            w.path,
            _mode(w.mode, lang),
            w.low,
            w.high,
            _label("switches" if w.status == 1 else "no_switch", lang),
            _label("analytic" if w.analytic else "bisection", lang),
            None if base is None else base * per,
        ]
        if not w.points:
            rows.append([*common, None, shown, None, w.best_at_low, w.best_at_high])
        for p in w.points:
            quantity = in_unit(p.value, mode, base)
            value = None if quantity is None else quantity * per
            setting = None if mode == "value" else p.value
            rows.append([*common, value, shown, setting, p.from_bid_id, p.to_bid_id])
    _table(ws, result, lang, _SWITCHING, rows)


def _scenario_sheet(ws: Worksheet, result: AnalysisResult, lang: str) -> None:
    from openpyxl.styles import Font

    scenarios = list(result.response.scenarios.results)
    rows: list[list[Any]] = [
        [bid_id] + [sc.bids[b].comparison_number for sc in scenarios]
        for b, bid_id in enumerate(result.bid_ids)
    ]
    rows.append([_label("best", lang)] + [", ".join(sc.best_bid_ids) for sc in scenarios])
    headers = [_label("bid", lang)] + [f"{sc.name} ({result.currency})" for sc in scenarios]
    next_row = write_table(ws, headers, rows, [None] + [FMT_MONEY] * len(scenarios))
    agree = result.response.scenarios.winners_agree
    cell = put_cell(ws, next_row, 1, _label("agree" if agree else "disagree", lang))
    cell.font = Font(bold=True, color="006100" if agree else "C00000")


def _monte_carlo_sheet(
    ws: Worksheet, result: AnalysisResult, lang: str, default_analysis: bool = False
) -> None:
    mc = result.response.monte_carlo
    rows: list[list[Any]] = []
    for b in mc.bids:
        rows.append(
            [b.bid_id, b.probability_best, b.standard_error, *_percentiles(b.comparison_number)]
        )
    if mc.HasField("gap"):
        rows.append([_label("gap", lang), None, None, *_percentiles(mc.gap)])
    next_row = _table(ws, result, lang, _WIN, rows)
    draws = (("draws", "#,##0"), ("seed", None), ("tie", FMT_PERCENT))
    rows = [[mc.draws, str(mc.seed), mc.probability_tie]]
    next_row = _table(ws, result, lang, draws, rows, start_row=next_row)
    put_cell(ws, next_row, 1, _label("draw_summary", lang))
    rows = [
        [parameter_label(d.path, lang), d.path, _mode(d.mode, lang), *_percentiles(d.draws)]
        for d in mc.parameters
    ]
    next_row = _table(ws, result, lang, _DRAWS, rows, start_row=next_row + 1)
    spec = result.request.analysis.monte_carlo
    put_cell(ws, next_row, 1, word("title", lang))
    assumptions = [list(row) for row in distribution_rows(spec, lang)]
    headers = [word("parameter", lang), _label("path", lang), word("distribution", lang)]
    headers.append(word("draws", lang))
    next_row = write_table(ws, headers, assumptions, [None] * 4, start_row=next_row + 1)
    if default_analysis:
        put_cell(ws, next_row, 1, word("default", lang))


def _parameter_sheet(ws: Worksheet, result: AnalysisResult, lang: str) -> None:
    """Each parameter with its unit as a reader writes it (a rate in %, ``år`` in Swedish)."""
    yes, no = _label("yes", lang), _label("no", lang)
    rows = []
    for p in result.response.parameters:
        unit = display_unit(p.unit, lang)
        base = _optional(p, "base_value")
        if base is not None and unit == "%":
            base *= 100.0
        rows.append(
            [parameter_label(p.path, lang), p.path, unit, base, p.targets, yes if p.linear else no]
        )
    _table(ws, result, lang, _PARAMETERS, rows)


def _warning_sheet(ws: Worksheet, result: AnalysisResult, lang: str) -> None:
    response = result.response
    rows = [[w.code, warning_text(w.code, w.message, lang), w.bid_id] for w in response.warnings]
    next_row = _table(ws, result, lang, (("code", None), ("message", None), ("bid", None)), rows)
    digests = [
        [text(key, lang), getattr(response, key)]
        for key in ("method_digest", "request_digest", "analysis_digest", "engine_version")
    ]
    _table(ws, result, lang, (("parameter", None), ("", None)), digests, start_row=next_row)


def write_analysis_report(
    result: AnalysisResult,
    path: str | Path,
    *,
    lang: str = "en",
    default_analysis: bool | None = None,
) -> Path:
    """Write the analysis workbook to ``path`` (``.xlsx``), reproducibly."""
    workbook = build_analysis_workbook(result, lang, default_analysis=default_analysis)
    return save_workbook(workbook, path)
