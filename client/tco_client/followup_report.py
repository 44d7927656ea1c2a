"""The Excel report of a contract follow-up (needs openpyxl, the ``report`` extra), Swedish or
English (:mod:`tco_client.i18n_followup`).

Sheets (titles in the report's language):

- **summary** ("Sammanfattning"): the commitment and its digests (procurement, awarded
  evaluation and its digest, winning bid, record hash, who recorded it), the contract (start,
  settlement period, guarantee period, least coverage to settle), the report's date; the life-cycle
  cost realised to date, re-forecast to the end and awarded; the total amount under the contract
  and who owes it; the award in hindsight (would the ranking change, the winner's margin at award
  and now, and its change); the contract terms per promise; the clause's cumulative outcome;
- **settlement periods** ("Avräkningsperioder"): per period and promise the actual (observed)
  use, the promise adjusted to the period's conditions and unadjusted, the deviation in units, %,
  money and kg CO2e, the outcome against the tolerance band, the amount, coverage and gaps;
- **cumulative** ("Ackumulerat"): the same over the settled periods;
- **award in hindsight** ("Tilldelning i efterhand"): each bid's standing at award and now;
- **readings coverage** ("Datatäckning"): coverage and estimated share per period and promise,
  every gap, and the actual conditions (activity, degree days);
- **warnings** ("Varningar"), and **regression baselines** when the commitment has any.

Every cell is data (:func:`tco_client.safe_output.put_cell`: a supplier's or meter's text stays
text, never a formula); every sheet prints on A4 fitted to the width with the header row repeated
(:func:`tco_client.report_record.print_setup`). Times are shown in ``timezone`` (the buyer's,
``Europe/Stockholm`` by default; the summary names it). The file carries no timestamps
(:func:`tco_client.safe_output.save_workbook`): the same report gives the same bytes.
"""

# ruff: noqa: PLC0415 - openpyxl (the report extra) is imported lazily
from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pandas as pd

from tco_client.followup_result import FollowUpReport
from tco_client.i18n import resource_label
from tco_client.i18n_followup import (
    clause_label,
    fu_column_label,
    fu_label,
    fu_text,
    fu_warning_text,
    normalisation_label,
    outcome_label,
    settlement_label,
    yes_no,
)
from tco_client.report_record import print_setup
from tco_client.report_sheets import (
    FMT_INT,
    FMT_KG,
    FMT_MONEY,
    FMT_MONEY_2,
    FMT_PERCENT,
    FMT_RATIO,
    sheet_title,
    write_table,
)
from tco_client.safe_output import put_cell, save_workbook
from tcoapi.v1 import followup_pb2 as fpb

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

FMT_QUANTITY = "#,##0"
FMT_TIME = "yyyy-mm-dd hh:mm"
FMT_SHARE = "0.0%"
DEFAULT_TIMEZONE = "Europe/Stockholm"
#: The summary's clause-outcome table (the amount column, named by currency, before the last two).
_OUTCOME_COLUMNS = (
    "item",
    "resource",
    "unit",
    "observed",
    "expected",
    "deviation",
    "deviation_share",
    "outcome",
    "amount",
    "coverage",
    "settled",
)
_COVERAGE_COLUMNS = (
    "period",
    "item",
    "resource",
    "start",
    "end",
    "coverage",
    "estimated_share",
    "gap_count",
    "settled",
)


def _format(column: str, currency: str) -> str | None:
    """The number format of a follow-up column."""
    if column.startswith(("amount_", "deviation_value_", "deviation_climate_value_")):
        return FMT_MONEY_2
    if column.endswith(f"_{currency}"):
        return FMT_MONEY
    if column.endswith("_kgCO2e"):
        return FMT_KG
    if column == "deviation_share":
        return FMT_PERCENT
    if column.endswith("_share") or column in ("coverage", "tolerance", "cv_rmse", "nmbe"):
        return FMT_SHARE
    if column.endswith("_rank") or column in ("gap_count", "rank"):
        return FMT_INT
    if column in ("observed_ratio", "intercept", "slope"):
        return FMT_RATIO
    if column in ("days", "value"):
        return FMT_KG
    if column in ("observed", "expected", "raw_promise", "deviation", "promised_per_year"):
        return FMT_QUANTITY
    return None


class _Writer:
    """Writes one report's sheets in one language and time zone."""

    def __init__(self, report: FollowUpReport, lang: str, timezone: str) -> None:
        self.report = report
        self.lang = lang
        self.zone = ZoneInfo(timezone)
        self.timezone = timezone
        self.cur = report.currency

    # -- cells -----------------------------------------------------------------------------

    def local(self, value: Any) -> Any:
        """A UTC time as the naive local time Excel shows (None stays None)."""
        if value is None or value is pd.NaT:
            return None
        stamp = pd.Timestamp(value)
        if stamp.tzinfo is None:
            stamp = stamp.tz_localize("UTC")
        return stamp.tz_convert(self.zone).tz_localize(None).to_pydatetime()

    def cell_value(self, column: str, value: Any) -> Any:
        """A frame value as a cell: words in the language, times local."""
        if value is None or value is pd.NA or value is pd.NaT:
            return None
        if column == "outcome":
            return outcome_label(str(value), self.lang)
        if column == "clause":
            return clause_label(str(value), self.lang)
        if column == "normalisation":
            return normalisation_label(str(value), self.lang)
        if column == "resource":
            return resource_label(str(value), self.lang)
        if isinstance(value, bool):
            return yes_no(value, self.lang)
        if isinstance(value, pd.Timestamp | datetime):
            return self.local(value)
        return value

    def header(self, column: str) -> str:
        if column in ("start", "end"):
            return f"{fu_label(column, self.lang)} ({self.timezone})"
        return fu_column_label(column, self.lang)

    def table(
        self,
        ws: Worksheet,
        frame: pd.DataFrame,
        *,
        start_row: int = 1,
        freeze: str = "A2",
        headers: dict[str, str] | None = None,
    ) -> int:
        """``frame`` (index included as columns) as a styled table; the row after it."""
        data = frame.reset_index() if _named_index(frame) else frame
        columns = [str(c) for c in data.columns]
        named = headers or {}
        titles = [named.get(c) or self.header(c) for c in columns]
        rows = [
            [self.cell_value(c, v) for c, v in zip(columns, record, strict=True)]
            for record in data.itertuples(index=False, name=None)
        ]
        formats = [_format(c, self.cur) for c in columns]
        after = write_table(ws, titles, rows, formats, freeze=freeze, start_row=start_row)
        for col, values in enumerate(zip(*rows, strict=True) if rows else [], start=1):
            if any(isinstance(v, datetime) for v in values):
                for r in range(start_row + 1, start_row + 1 + len(rows)):
                    ws.cell(r, col).number_format = FMT_TIME
        return after

    def pairs(self, ws: Worksheet, row: int, lines: Sequence[tuple[str, Any, str | None]]) -> int:
        """``(label, value, number format)`` lines from ``row``; the row after them."""
        for offset, (name, value, fmt) in enumerate(lines):
            put_cell(ws, row + offset, 1, name)
            shown = self.cell_value("", value)
            if shown is None or shown == "":
                continue
            cell = put_cell(ws, row + offset, 2, shown)
            if isinstance(shown, datetime):
                cell.number_format = FMT_TIME
            elif fmt and isinstance(shown, int | float) and not isinstance(shown, bool):
                cell.number_format = fmt
        return row + len(lines) + 1

    def t(self, key: str) -> str:
        """A title or sentence in the report's language."""
        return fu_text(key, self.lang)

    def heading(self, ws: Worksheet, row: int, key: str) -> int:
        from openpyxl.styles import Font

        put_cell(ws, row, 1, fu_text(key, self.lang)).font = Font(bold=True)
        return row + 1

    # -- sheets ----------------------------------------------------------------------------

    def summary(self, ws: Worksheet) -> None:
        lang, r, c = self.lang, self.report.response, self.report.commitment
        t = self.t
        put_cell(ws, 1, 1, t("title"))
        put_cell(ws, 1, 2, c.name)
        from tco_client.report_sheets import fit_widths, style_header

        style_header(ws, 2)
        procurement = c.name.split("/commitments/")[0]
        row = self.pairs(
            ws,
            2,
            [
                (t("procurement"), procurement, None),
                (t("commitment"), c.name.rsplit("/", 1)[-1], None),
                (t("evaluation"), c.evaluation, None),
                (t("evaluation_digest"), c.evaluation_digest, None),
                (t("bid"), c.bid_id, None),
                (t("record_hash"), c.record_hash, None),
                (t("recorded_by"), c.recorded_by, None),
                (t("recorded"), _stamp(c.create_time), None),
                (t("organization"), c.organization, None),
                (t("contract_start"), _stamp(c.contract_start_time), None),
                (
                    t("settlement_period"),
                    settlement_label(fpb.SettlementPeriod.Name(c.settlement_period), lang),
                    None,
                ),
                (t("guarantee_periods"), c.guarantee_periods, FMT_INT),
                (
                    t("min_coverage"),
                    c.min_coverage if c.HasField("min_coverage") else 0.9,
                    FMT_SHARE,
                ),
                (t("as_of"), _stamp(r.as_of_time), None),
                (t("times_in"), self.timezone, None),
                (t("currency"), self.cur, None),
            ],
        )
        row = self.facts_lines(ws, row)
        row = self.money_lines(ws, row)
        row = self.hindsight_lines(ws, row)
        row = self.heading(ws, row, "contract_terms")
        terms = self.report.terms.reset_index()
        shown = [
            "item",
            "resource",
            "series",
            "promised_per_year",
            "unit",
            "clause",
            "tolerance",
            "normalisation",
            "whole_deviation",
            "include_climate",
            "price",
            "emission_factor",
        ]
        optional: tuple[str, ...] = (
            "bonus_share",
            "sanction_factor",
            "award_advantage",
            "activity_series",
        )
        optional += ("reference_activity", "degree_day_series", "normal_degree_days")
        extra = [k for k in optional if any(pd.notna(v) and v != "" for v in terms[k])]
        row = self.table(ws, terms[shown + extra + ["source_path"]], start_row=row)
        row = self.heading(ws, row, "clause_outcome")
        outcome = self.report.cumulative.reset_index()[
            [*_OUTCOME_COLUMNS[:-3], f"amount_{self.cur}", *_OUTCOME_COLUMNS[-2:]]
        ]
        self.table(ws, outcome, start_row=row)
        ws.freeze_panes = "A2"
        fit_widths(ws)

    def facts_lines(self, ws: Worksheet, row: int) -> int:
        """What the winning bid promised beyond the followed-up consumption."""
        facts, t = self.report.commitment.facts, self.t
        row = self.heading(ws, row, "promised_facts")
        lines: list[tuple[str, Any, str | None]] = [
            (f"{t('awarded_evaluated_cost')} ({self.cur})", facts.evaluated_cost.value, FMT_MONEY),
            (t("promised_emissions"), facts.emissions_kg_co2e, FMT_KG),
        ]
        for item, life in sorted(facts.service_life.items()):
            lines.append((f"{t('service_life')}: {item}", f"{life.value:g} {life.unit}", None))
        return self.pairs(ws, row, lines)

    def money_lines(self, ws: Worksheet, row: int) -> int:
        figures = self.report.key_figures()
        t = self.t
        row = self.heading(ws, row, "lcc")
        money = f" ({self.cur})"
        total = figures["total_amount"]
        owed = "owed_by_supplier" if total > 0 else "owed_to_supplier" if total < 0 else None
        row = self.pairs(
            ws,
            row,
            [
                (t("awarded_lcc") + money, figures["awarded_life_cycle_cost"], FMT_MONEY),
                (t("realised_lcc") + money, figures["realised_life_cycle_cost"], FMT_MONEY),
                (t("forecast_lcc") + money, figures["forecast_life_cycle_cost"], FMT_MONEY),
                (t("forecast_minus_awarded") + money, figures["forecast_minus_awarded"], FMT_MONEY),
                (t("total_amount") + money, total, FMT_MONEY_2),
                ("", t(owed) if owed else t("nothing_owed"), None),
                (t("data_coverage"), figures["coverage"], FMT_SHARE),
            ],
        )
        return row

    def hindsight_lines(self, ws: Worksheet, row: int) -> int:
        lang, figures = self.lang, self.report.key_figures()
        t = self.t
        row = self.heading(ws, row, "hindsight")
        if not figures["has_hindsight"]:
            put_cell(ws, row, 1, t("no_hindsight"))
            return row + 2
        money = f" ({self.cur})"
        row = self.pairs(
            ws,
            row,
            [
                (fu_label("winner", lang), figures["winner"], None),
                (
                    fu_label("best_in_hindsight", lang),
                    ", ".join(figures["best_in_hindsight"]),
                    None,
                ),
                (t("ranking_changed"), yes_no(bool(figures["ranking_changed"]), lang), None),
                (t("awarded_margin") + money, figures["awarded_margin"], FMT_MONEY),
                (t("hindsight_margin") + money, figures["hindsight_margin"], FMT_MONEY),
                (t("margin_change") + money, figures["margin_change"], FMT_MONEY),
            ],
        )
        put_cell(ws, row - 1, 1, t("margin_note"))
        put_cell(ws, row, 1, t("others_keep_promises"))
        return row + 2

    def periods(self, ws: Worksheet) -> None:
        frame = self.report.periods.reset_index()
        gaps = self.gap_texts()
        frame["gaps"] = [
            gaps.get((p, i, r), "")
            for p, i, r in zip(frame["period"], frame["item"], frame["resource"], strict=True)
        ]
        self.table(ws, frame.drop(columns=["gap_count"]), freeze="B2")

    def gap_texts(self) -> dict[tuple[str, str, str], str]:
        texts: dict[tuple[str, str, str], list[str]] = {}
        gaps = self.report.gaps
        for period, item, resource, first, last in zip(
            gaps["period"], gaps["item"], gaps["resource"], gaps["start"], gaps["end"], strict=True
        ):
            start, end = self.local(first), self.local(last)
            span = f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M}" if start and end else ""
            texts.setdefault((str(period), str(item), str(resource)), []).append(span)
        return {key: "; ".join(spans) for key, spans in texts.items()}

    def cumulative(self, ws: Worksheet) -> None:
        self.table(ws, self.report.cumulative.drop(columns=["gap_count"]), freeze="C2")

    def hindsight(self, ws: Worksheet) -> None:
        if not self.report.response.HasField("hindsight"):
            put_cell(ws, 1, 1, fu_text("no_hindsight", self.lang))
            return
        row = self.table(ws, self.report.hindsight, freeze="B2")
        put_cell(ws, row - 1, 1, fu_text("margin_note", self.lang))
        put_cell(ws, row, 1, fu_text("others_keep_promises", self.lang))
        ratios = self.report.key_figures()["observed_ratios"]
        if ratios:
            frame = pd.DataFrame(
                {"resource": list(ratios), "observed_ratio": list(ratios.values())}
            )
            self.table(ws, frame, start_row=row + 2)

    def coverage(self, ws: Worksheet) -> None:
        frame = self.report.periods.reset_index()[list(_COVERAGE_COLUMNS)]
        row = self.table(ws, frame, freeze="B2")
        row = self.heading(ws, row, "gaps")
        gaps = self.report.gaps
        if gaps.empty:
            put_cell(ws, row, 1, fu_text("no_gaps", self.lang))
            row += 2
        else:
            row = self.table(ws, gaps, start_row=row)
        if not self.report.conditions.empty:
            row = self.heading(ws, row, "conditions")
            conditions = self.report.conditions.copy()
            conditions["condition"] = [fu_label(k, self.lang) for k in conditions["condition"]]
            self.table(ws, conditions, start_row=row)

    def warnings(self, ws: Worksheet) -> None:
        frame = self.report.warnings.copy()
        if frame.empty:
            put_cell(ws, 1, 1, fu_text("no_warnings", self.lang))
            return
        frame["message"] = [
            fu_warning_text(code, message, self.lang)
            for code, message in zip(frame["code"], frame["message"], strict=True)
        ]
        self.table(ws, frame)

    def baselines(self, ws: Worksheet) -> None:
        self.table(ws, self.report.baselines, freeze="C2")


def _named_index(frame: pd.DataFrame) -> bool:
    return any(name is not None for name in frame.index.names)


def _stamp(stamp: Any) -> pd.Timestamp | None:
    if not stamp.seconds and not stamp.nanos:
        return None
    return pd.Timestamp(stamp.seconds * 10**9 + stamp.nanos, tz="UTC")


def build_followup_workbook(
    report: FollowUpReport,
    lang: str = "en",
    *,
    title: str = "",
    timezone: str = DEFAULT_TIMEZONE,
) -> Workbook:
    """The follow-up report as an openpyxl workbook (the module docstring lists its sheets)."""
    from openpyxl import Workbook

    writer = _Writer(report, lang, timezone)
    wb = Workbook()
    used: set[str] = set()
    sheets: list[tuple[str, Callable[[Worksheet], None]]] = [
        ("summary", writer.summary),
        ("periods", writer.periods),
        ("cumulative", writer.cumulative),
        ("hindsight", writer.hindsight),
        ("coverage", writer.coverage),
        ("warnings", writer.warnings),
    ]
    if len(report.response.baselines):
        sheets.append(("baselines", writer.baselines))
    for key, write in sheets:
        write(wb.create_sheet(sheet_title(fu_text(key, lang), used)))
    wb.remove(wb.worksheets[0])  # the empty first sheet of a new workbook
    heading = title or f"{fu_text('title', lang)}: {report.commitment.name}"
    print_setup(wb, heading, lang)
    return wb


def write_followup_report(
    report: FollowUpReport,
    path: str | Path,
    *,
    lang: str = "en",
    title: str = "",
    timezone: str = DEFAULT_TIMEZONE,
) -> Path:
    """Write the follow-up report to ``path`` (``.xlsx``), whole or not at all."""
    workbook = build_followup_workbook(report, lang, title=title, timezone=timezone)
    return save_workbook(workbook, path)
