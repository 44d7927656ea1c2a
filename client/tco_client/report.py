"""The Excel report of an evaluation (needs openpyxl, the ``report`` extra).

Sheets (titles in the report's language): ranking, cost by category, emissions by module,
measures, one cash-flow sheet per bid, warnings, explanations and **assumptions** — every method
parameter with its source and price-base year (carbon price series and reference emission factors
as the server lists them), the method and request digests, the engine and client versions and the
reference data version.

Readable on purpose: units and currency in every header, number formats (``#,##0`` for money —
Swedish Excel shows it as ``# ##0`` — ``#,##0.0`` for kg CO2e, ``0.00 %`` for percentages),
frozen header rows, column widths fitted to the content.

Reproducible on purpose: no date of evaluation (the digests identify the evaluation), and the file
itself carries no timestamps (:func:`save_reproducibly`), so the same response gives a
byte-identical workbook.
"""

# ruff: noqa: PLC0415 - optional extras (openpyxl, matplotlib, PyYAML, rich) are imported lazily
from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from tco_client import frames
from tco_client.i18n import category_label, column_label, module_label, status_label, text
from tco_client.result import EvaluationResult
from tco_client.version import __version__
from tcoapi.v1 import tender_pb2

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

FMT_MONEY = "#,##0"
FMT_MONEY_2 = "#,##0.00"
FMT_KG = "#,##0.0"
FMT_PERCENT = "0.00%"
FMT_RATIO = "0.000"
FMT_INT = "0"
FMT_YEAR = "0"

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _column_format(column: str, currency: str) -> str | None:
    if column.endswith(f"_{currency}_per_tCO2e"):
        return FMT_MONEY
    if column.endswith("_percent"):
        return FMT_PERCENT
    if column.endswith("_kgCO2e") or column.endswith("_tCO2e"):
        return FMT_KG
    if column.endswith(f"_{currency}"):
        return FMT_MONEY
    if column in ("sir", "material_circularity"):
        return FMT_RATIO
    if column == "airr":
        return FMT_PERCENT
    if column in ("rank", "year", "calendar_year") or column.endswith("_years"):
        return FMT_INT
    return None


def _cell_value(value: Any) -> Any:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return value


def _style_header(ws: Worksheet, ncols: int, row: int = 1) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    border = Border(bottom=Side(style="thin", color="8EA9DB"))
    for col in range(1, ncols + 1):
        cell = ws.cell(row, col)
        cell.font = bold
        cell.fill = fill
        cell.border = border
        cell.alignment = Alignment(wrap_text=True, vertical="bottom")


def _fit_widths(ws: Worksheet, minimum: int = 8, maximum: int = 60) -> None:
    """Column widths from the content (headers wrap; long text wraps at ``maximum``)."""
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    widths: dict[int, int] = {}
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is None:
                continue
            value = cell.value
            if isinstance(value, float | int) and not isinstance(value, bool):
                n = len(f"{value:,.2f}") if isinstance(value, float) else len(f"{value:,}")
            else:
                n = max(len(line) for line in str(value).splitlines() or [""])
                if n > maximum and cell.row > 1:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
            if cell.row == 1:
                n = min(n, 28)  # headers wrap
            widths[cell.column] = max(widths.get(cell.column, 0), n)
    for col, n in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = max(minimum, min(maximum, n + 2))


def _write_table(
    ws: Worksheet,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    formats: Sequence[str | None],
    *,
    freeze: str = "A2",
) -> None:
    ws.append(list(headers))
    for values in rows:
        ws.append([_cell_value(v) for v in values])
    for col, fmt in enumerate(formats, start=1):
        if fmt is None:
            continue
        for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
            if isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                cell.number_format = fmt
    _style_header(ws, len(headers))
    ws.freeze_panes = freeze
    _fit_widths(ws)
    ws.row_dimensions[1].height = 32


def _write_frame(
    ws: Worksheet,
    frame: pd.DataFrame,
    currency: str,
    lang: str,
    *,
    index: bool = False,
    freeze: str = "B2",
    transform: dict[str, Any] | None = None,
) -> None:
    data = frame.reset_index() if index else frame
    columns = [str(c) for c in data.columns]
    headers = [column_label(c, lang) for c in columns]
    formats = [_column_format(c, currency) for c in columns]
    transform = transform or {}
    rows = []
    for record in data.itertuples(index=False, name=None):
        row = []
        for column, value in zip(columns, record, strict=True):
            fn = transform.get(column)
            row.append(fn(value) if fn is not None and _cell_value(value) is not None else value)
        rows.append(row)
    _write_table(ws, headers, rows, formats, freeze=freeze)


def sheet_title(title: str, used: set[str]) -> str:
    """A valid, unique worksheet title (≤ 31 characters, no ``[]:*?/\\``)."""
    base = _SHEET_FORBIDDEN.sub("_", title).strip("'")[:31] or "Sheet"
    candidate, n = base, 2
    while candidate.lower() in used:
        suffix = f" ({n})"
        candidate = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(candidate.lower())
    return candidate


# -- assumptions ----------------------------------------------------------------------------

_ASSUMPTION_LABELS: dict[str, tuple[str, str]] = {
    "method": ("Method", "Metod"),
    "currency": ("Currency of results", "Valuta för resultat"),
    "base_year": ("Base year (t = 0, contract start)", "Basår (t = 0, avtalsstart)"),
    "study_period_years": ("Study period", "Kalkylperiod"),
    "discount_rate": ("Discount rate", "Kalkylränta"),
    "rate_basis": ("Rate basis", "Räntebas"),
    "inflation_rate": ("Inflation rate", "Inflation"),
    "timing": ("Payment timing", "Betalningstidpunkt"),
    "evaluation_model": ("Evaluation model", "Utvärderingsmodell"),
    "ladder": ("Fictive discount, ladder level", "Fiktiv rabatt, trappsteg"),
    "externality_factor": ("Externality factor", "Faktor för externa kostnader"),
    "baseline_bid_id": ("Baseline bid for measures", "Jämförelsebas för lönsamhetsmått"),
    "include_module_d": ("Module D counted", "Modul D medräknas"),
    "functional_unit": ("Functional unit", "Funktionell enhet"),
    "exchange_rate": ("Exchange rate", "Växelkurs"),
    "resources": ("Resource prices", "Resurspriser"),
    "resource_price": ("Price", "Pris"),
    "escalation": ("Real price escalation", "Real prisutveckling"),
    "yearly_escalation": ("Yearly escalation (t = 1, 2, …)", "Årlig prisutveckling (t = 1, 2, …)"),
    "emission_factors": ("Emission factors", "Emissionsfaktorer"),
    "emission_factor": ("Emission factor", "Emissionsfaktor"),
    "trajectory": ("Trajectory point", "Trajektoriepunkt"),
    "carbon": ("Carbon price", "Koldioxidpris"),
    "carbon_series": ("Carbon price series", "Koldioxidprisserie"),
    "carbon_point": ("Carbon price point", "Koldioxidpris, punkt"),
    "carbon_price": ("Carbon price (constant)", "Koldioxidpris (konstant)"),
    "carbon_undiscounted": ("Climate cost discounted", "Klimatkostnad diskonteras"),
    "no_carbon_price": (
        "No carbon price: no climate cost (emissions still reported)",
        "Inget koldioxidpris: ingen klimatkostnad (utsläpp redovisas ändå)",
    ),
    "pollutants": ("Pollutant prices", "Priser på luftföroreningar"),
    "pollutant_price": ("Price", "Pris"),
    "reproducibility": ("Reproducibility", "Reproducerbarhet"),
    "method_digest": ("Method digest (SHA-256)", "Metodens kontrollsumma (SHA-256)"),
    "request_digest": (
        "Request digest (SHA-256, method and bids)",
        "Begärans kontrollsumma (SHA-256, metod och anbud)",
    ),
    "engine_version": ("Engine version", "Beräkningsmotorns version"),
    "client_version": ("Client (report) version", "Klientens (rapportens) version"),
    "data_version": ("Reference data version", "Referensdatans version"),
    "stated": ("stated in the tender method", "anges i upphandlingens metod"),
    "base_level": ("base-year price level", "basårets prisnivå"),
    "yes": ("yes", "ja"),
    "no": ("no", "nej"),
    "years": ("years", "år"),
    "not_listed": (
        "reference data not available from the server",
        "referensdata ej tillgängliga från servern",
    ),
    "digest_note": (
        "Identifies this evaluation; the date is left out so the same tender gives the same file.",
        "Identifierar utvärderingen; datum utelämnas så att samma underlag ger samma fil.",
    ),
    "per": ("per", "per"),
    "all_years": ("(all years)", "(alla år)"),
}


def _a(key: str, lang: str) -> str:
    en, sv = _ASSUMPTION_LABELS[key]
    return sv if lang == "sv" else en


_ENUM_SV = {
    "real": "real",
    "nominal": "nominell",
    "end of year": "vid årets slut",
    "mid year": "mitt i året",
    "beginning of year": "vid årets början",
    "cost": "kostnad",
    "deductions": "avdrag (mervärdesmodell)",
    "fictive discount": "fiktiv rabatt (trappa)",
    "externality factor": "faktor på externa kostnader",
}


def _enum_text(enum_type: Any, value: int, prefix: str, lang: str = "en") -> str:
    name: str = enum_type.Name(value)
    text_en = name.removeprefix(prefix).lower().replace("_", " ")
    return _ENUM_SV.get(text_en, text_en) if lang == "sv" else text_en


AssumptionRow = tuple[str, str, Any, str, str, Any, str | None]


def assumption_rows(result: EvaluationResult, lang: str = "en") -> list[AssumptionRow]:
    """Rows ``(section, parameter, value, unit, source/basis, price-base year, number format)``."""
    m = result.request.method
    rows: list[AssumptionRow] = []
    stated = _a("stated", lang)
    base_level = f"{m.base_year} ({_a('base_level', lang)})"

    def add(  # noqa: PLR0917 - one row of the sheet, in column order
        section: str,
        parameter: str,
        value: Any,
        unit: str = "",
        source: str = "",
        base: Any = "",
        fmt: str | None = None,
    ) -> None:
        rows.append((section, parameter, value, unit, source, base, fmt))

    sec = _a("method", lang)
    add(sec, _a("currency", lang), result.currency, "", stated)
    add(sec, _a("base_year", lang), m.base_year, "", stated, fmt=FMT_YEAR)
    add(sec, _a("study_period_years", lang), m.study_period_years, _a("years", lang), stated)
    basis = _enum_text(
        tender_pb2.RateBasis, m.rate_basis or tender_pb2.RATE_BASIS_REAL, "RATE_BASIS_", lang
    )
    per_year = "/ år" if lang == "sv" else "/ year"
    add(
        sec,
        _a("discount_rate", lang),
        m.discount_rate,
        f"{per_year} ({basis})",
        stated,
        fmt=FMT_PERCENT,
    )
    add(sec, _a("rate_basis", lang), basis, "", stated)
    if m.rate_basis == tender_pb2.RATE_BASIS_NOMINAL:
        add(sec, _a("inflation_rate", lang), m.inflation_rate, per_year, stated, fmt=FMT_PERCENT)
    add(
        sec,
        _a("timing", lang),
        _enum_text(tender_pb2.Timing, m.timing or tender_pb2.TIMING_END_OF_YEAR, "TIMING_", lang),
        "",
        stated,
    )
    model = m.evaluation_model
    kind = model.kind or tender_pb2.EVALUATION_MODEL_KIND_COST
    add(
        sec,
        _a("evaluation_model", lang),
        _enum_text(tender_pb2.EvaluationModelKind, kind, "EVALUATION_MODEL_KIND_", lang),
        "",
        stated,
    )
    for step in sorted(model.ladder, key=lambda s: s.level):
        add(sec, f"{_a('ladder', lang)} {step.level}", step.discount, "", stated, fmt=FMT_PERCENT)
    if kind == tender_pb2.EVALUATION_MODEL_KIND_EXTERNALITY_FACTOR:
        add(sec, _a("externality_factor", lang), model.externality_factor, "", stated)
    if m.baseline_bid_id:
        add(sec, _a("baseline_bid_id", lang), m.baseline_bid_id, "", stated)
    add(
        sec,
        _a("include_module_d", lang),
        _a("yes" if m.include_module_d else "no", lang),
        "",
        stated,
    )
    if m.functional_unit:
        add(sec, _a("functional_unit", lang), m.functional_unit, "", stated)
    for code in sorted(m.exchange_rates):
        add(
            sec,
            f"{_a('exchange_rate', lang)} {code}",
            m.exchange_rates[code],
            f"{m.currency}/{code}",
            stated,
            fmt="0.0000",
        )

    sec = _a("resources", lang)
    for rp in m.resource_prices:
        add(
            sec,
            f"{rp.resource}: {_a('resource_price', lang)}",
            rp.price.value,
            rp.price.unit,
            stated,
            base_level,
            FMT_MONEY_2,
        )
        if rp.yearly_escalation:
            add(
                sec,
                f"{rp.resource}: {_a('yearly_escalation', lang)}",
                "; ".join(f"{e:.4g}" for e in rp.yearly_escalation),
                "",
                stated,
            )
        else:
            add(
                sec,
                f"{rp.resource}: {_a('escalation', lang)}",
                rp.escalation,
                per_year,
                stated,
                fmt=FMT_PERCENT,
            )

    sec = _a("emission_factors", lang)
    references = {}
    factors_ref = result.reference.emission_factors
    if factors_ref is not None:
        references = {f.id: f for f in factors_ref.factors}
    for ef in m.emission_factors:
        if ef.reference_id:
            ref = references.get(ef.reference_id)
            if ref is not None:
                source = f"{ref.basis} — {ref.source} ({ref.period}) [id {ref.id}]"
                add(
                    sec,
                    f"{ef.resource}: {_a('emission_factor', lang)}",
                    ref.factor.value,
                    ref.factor.unit,
                    source,
                    "",
                    "0.000",
                )
            else:
                add(
                    sec,
                    f"{ef.resource}: {_a('emission_factor', lang)}",
                    ef.reference_id,
                    "",
                    _a("not_listed", lang),
                )
        if ef.HasField("factor"):
            add(
                sec,
                f"{ef.resource}: {_a('emission_factor', lang)}",
                ef.factor.value,
                ef.factor.unit,
                f"{ef.basis} — {stated}",
                "",
                "0.000",
            )
        for point in ef.trajectory:
            add(
                sec,
                f"{ef.resource}: {_a('trajectory', lang)} {point.year}",
                point.factor.value,
                point.factor.unit,
                ef.basis or stated,
                "",
                "0.000",
            )

    sec = _a("carbon", lang)
    if not m.HasField("carbon_price"):
        add(sec, _a("no_carbon_price", lang), "", "", stated)
    else:
        cp = m.carbon_price
        if cp.series_id:
            series = None
            if result.reference.carbon_series is not None:
                series = next(
                    (s for s in result.reference.carbon_series.series if s.id == cp.series_id), None
                )
            if series is None:
                add(sec, _a("carbon_series", lang), cp.series_id, "", _a("not_listed", lang))
            else:
                source = f"{series.name} — {series.source}" + (
                    f". {series.notes}" if series.notes else ""
                )
                add(
                    sec,
                    _a("carbon_series", lang),
                    series.id,
                    series.currency,
                    source,
                    series.price_base_year,
                    FMT_YEAR,
                )
                for series_point in series.points:
                    add(
                        sec,
                        f"{_a('carbon_point', lang)} {series_point.year or _a('all_years', lang)}",
                        series_point.price.value,
                        series_point.price.unit,
                        series.id,
                        series.price_base_year,
                        FMT_MONEY_2,
                    )
        if cp.HasField("price"):
            add(
                sec,
                _a("carbon_price", lang),
                cp.price.value,
                cp.price.unit,
                stated,
                base_level,
                FMT_MONEY_2,
            )
        for carbon_point in cp.points:
            add(
                sec,
                f"{_a('carbon_point', lang)} {carbon_point.year}",
                carbon_point.price.value,
                carbon_point.price.unit,
                stated,
                base_level,
                FMT_MONEY_2,
            )
        add(
            sec,
            _a("carbon_undiscounted", lang),
            _a("no" if cp.undiscounted else "yes", lang),
            "",
            stated,
        )

    if m.pollutant_prices:
        sec = _a("pollutants", lang)
        for pp in m.pollutant_prices:
            suffix = (
                ""
                if not pp.undiscounted
                else (" (odiskonterat)" if lang == "sv" else " (undiscounted)")
            )
            add(
                sec,
                f"{pp.pollutant}: {_a('pollutant_price', lang)}{suffix}",
                pp.price.value,
                pp.price.unit,
                stated,
                "",
                "0.0000",
            )

    sec = _a("reproducibility", lang)
    note = _a("digest_note", lang)
    add(sec, _a("method_digest", lang), result.method_digest, "", note)
    add(sec, _a("request_digest", lang), result.request_digest, "", note)
    add(sec, _a("engine_version", lang), result.engine_version, "", "")
    add(sec, _a("client_version", lang), __version__, "", "lcc-tco-client")
    versions = []
    if result.reference.carbon_series is not None and result.reference.carbon_series.data_version:
        versions.append(result.reference.carbon_series.data_version)
    if (
        result.reference.emission_factors is not None
        and result.reference.emission_factors.data_version
    ):
        versions.append(result.reference.emission_factors.data_version)
    if versions:
        add(sec, _a("data_version", lang), " / ".join(dict.fromkeys(versions)), "", "")
    return rows


def _write_assumptions(ws: Worksheet, result: EvaluationResult, lang: str) -> None:
    from openpyxl.styles import Font

    headers = [
        "Avsnitt" if lang == "sv" else "Section",
        "Parameter",
        "Värde" if lang == "sv" else "Value",
        "Enhet" if lang == "sv" else "Unit",
        "Källa / grund" if lang == "sv" else "Source / basis",
        "Prisbasår" if lang == "sv" else "Price-base year",
    ]
    rows = assumption_rows(result, lang)
    ws.append(headers)
    previous = None
    for section, parameter, value, unit, source, base, fmt in rows:
        ws.append(
            [
                section if section != previous else None,
                parameter,
                _cell_value(value),
                unit or None,
                source or None,
                base if base != "" else None,
            ]
        )
        if section != previous:
            ws.cell(ws.max_row, 1).font = Font(bold=True)
        previous = section
        if fmt and isinstance(value, int | float) and not isinstance(value, bool):
            ws.cell(ws.max_row, 3).number_format = fmt
        if isinstance(base, int):
            ws.cell(ws.max_row, 6).number_format = FMT_YEAR
    _style_header(ws, len(headers))
    ws.freeze_panes = "A2"
    _fit_widths(ws, maximum=70)


def _write_cash_flows(ws: Worksheet, result: EvaluationResult, bid_id: str, lang: str) -> None:
    cur = result.currency
    undiscounted = result.cash_flow_table(bid_id, discounted=False)
    discounted = result.cash_flow_table(bid_id, discounted=True)
    cats = [c.removesuffix(f"_{cur}") for c in undiscounted.columns if c != f"total_{cur}"]
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
    for key in undiscounted.index:
        year, calendar_year = int(key[0]), int(key[1])
        u_row = undiscounted.loc[key]
        d_row = discounted.loc[key]
        cumulative += float(d_row[f"total_{cur}"])
        rows.append(
            [year, calendar_year]
            + [float(u_row[f"{c}_{cur}"]) for c in cats]
            + [float(u_row[f"total_{cur}"])]
            + [float(d_row[f"{c}_{cur}"]) for c in cats]
            + [float(d_row[f"total_{cur}"]), cumulative]
        )
    formats = [FMT_INT, FMT_YEAR] + [FMT_MONEY] * (len(headers) - 2)
    _write_table(ws, headers, rows, formats, freeze="C2")


def build_workbook(result: EvaluationResult, lang: str = "en") -> Workbook:
    """The report as an openpyxl workbook (see the module docstring for its sheets)."""
    from openpyxl import Workbook

    cur = result.currency
    wb = Workbook()
    assert wb.active is not None
    used: set[str] = set()
    ws = wb.active
    ws.title = sheet_title(text("ranking", lang), used)
    ranking = result.ranking.copy()
    ranking["difference_to_best_percent"] = ranking["difference_to_best_percent"] / 100.0
    ranking["tied"] = ranking["tied"].map(lambda t: ("ja" if lang == "sv" else "yes") if t else "")
    _write_frame(ws, ranking, cur, lang, freeze="C2")

    ws = wb.create_sheet(sheet_title(text("cost_by_category", lang), used))
    cbc = result.cost_by_category.copy()
    cbc.columns = pd.Index([str(c) for c in cbc.columns])
    headers = [column_label("bid_id", lang)] + [
        (
            f"{text('total', lang).capitalize()} ({cur})"
            if c == f"total_{cur}"
            else f"{category_label(c.removesuffix(f'_{cur}'), lang)} ({cur})"
        )
        for c in cbc.columns
    ]
    rows = [
        [bid, *values]
        for bid, values in zip(cbc.index, cbc.itertuples(index=False, name=None), strict=True)
    ]
    _write_table(ws, headers, rows, [None] + [FMT_MONEY] * len(cbc.columns), freeze="B2")

    ws = wb.create_sheet(sheet_title(text("emissions_by_module", lang), used))
    ebm = result.emissions_by_module
    headers = [column_label("bid_id", lang)] + [
        (
            f"{text('total', lang).capitalize()} (kg CO2e)"
            if c == "total_kgCO2e"
            else f"{module_label(c.removesuffix('_kgCO2e'), lang)} (kg CO2e)"
        )
        for c in ebm.columns
    ]
    rows = [
        [bid, *values]
        for bid, values in zip(ebm.index, ebm.itertuples(index=False, name=None), strict=True)
    ]
    _write_table(ws, headers, rows, [None] + [FMT_KG] * len(ebm.columns), freeze="B2")

    ws = wb.create_sheet(sheet_title(text("measures", lang), used))
    measures = result.measures
    _write_frame(
        ws,
        measures,
        cur,
        lang,
        transform=dict.fromkeys(
            frames.MEASURE_STATUS_COLUMNS, lambda s: status_label(str(s), lang)
        ),
    )

    for bid_id in result.bid_ids:
        ws = wb.create_sheet(sheet_title(f"{text('cash_flows', lang)} {bid_id}", used))
        _write_cash_flows(ws, result, bid_id, lang)

    ws = wb.create_sheet(sheet_title(text("warnings", lang), used))
    _write_frame(ws, result.warnings, cur, lang, freeze="A2")

    ws = wb.create_sheet(sheet_title(text("explanations", lang), used))
    _write_frame(ws, result.explanations, cur, lang, freeze="A2")

    ws = wb.create_sheet(sheet_title(text("assumptions", lang), used))
    _write_assumptions(ws, result, lang)
    return wb


_CORE_DATES = re.compile(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>")
_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def save_reproducibly(wb: Workbook, path: str | Path) -> Path:
    """Save ``wb`` without timestamps: core properties lose created/modified, zip entries get a
    fixed time — the same content gives the same bytes."""
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _CORE_DATES.sub(b"", data)
            entry = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, data)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(out.getvalue())
    return path


def write_report(result: EvaluationResult, path: str | Path, *, lang: str = "en") -> Path:
    """Write the Excel report of ``result`` to ``path`` (``.xlsx``)."""
    return save_reproducibly(build_workbook(result, lang), path)
