"""The assumptions sheet of the evaluation report: every method parameter with its source and
price-base year (carbon price series and reference emission factors as the server lists them),
the method and request digests, the engine and client versions and the reference data version.
"""

# ruff: noqa: PLC0415 - openpyxl (the report extra) is imported lazily
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tco_client.i18n import TEXT, label, resource_label
from tco_client.report_sheets import (
    FMT_MONEY_2,
    FMT_PERCENT,
    FMT_YEAR,
    cell_value,
    fit_widths,
    style_header,
)
from tco_client.result import EvaluationResult
from tco_client.safe_output import append_row
from tco_client.version import __version__
from tcoapi.v1 import tender_pb2

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet


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
    "price_base": ("Price base (money of one year)", "Prisnivå (ett års penningvärde)"),
    "price_base_year": (
        "Price-base year of the method's money",
        "Prisbasår för metodens belopp",
    ),
    "price_base_rule": (
        "Reference values in another year's prices are re-based: value x I(method year) / "
        "I(price year), with the annual price index of the value's currency, then converted with "
        "the method's exchange rate. Indices: SEK SCB KPI (1980=100, fastställda tal, "
        "årsmedeltal); EUR Eurostat HICP (euro area, annual average index, 2015=100); GBP HM "
        "Treasury GDP deflator; USD BLS CPI-U (U.S. city average). A year past the last published "
        "index year holds the last level (warning PRICE_INDEX_HELD).",
        "Referensvärden i ett annat års priser räknas om: värde x I(metodens år) / I(prisår), "
        "med årligt prisindex för värdets valuta, därefter växelkurs enligt metoden. Index: SEK "
        "SCB KPI (1980=100, fastställda tal, årsmedeltal); EUR Eurostat HICP (euroområdet, "
        "årsmedelindex, 2015=100); GBP HM Treasurys BNP-deflator; USD BLS KPI-U. Ett år efter "
        "det senast publicerade indexåret får det årets nivå (varning PRICE_INDEX_HELD).",
    ),
    "face_values": (
        "Reference values used at face value (the method opts out of re-basing)",
        "Referensvärden används till nominellt belopp (metoden avstår från omräkning)",
    ),
    "rebasing": ("Re-basing of the carbon price", "Omräkning av koldioxidpriset"),
    "unknown_base": (
        "unknown (not stated by the publisher; used at face value)",
        "okänt (anges inte av utgivaren; används till nominellt belopp)",
    ),
    "rebase_trail": ("from the explanation trail", "ur förklaringskedjan"),
    "deductions": ("Deductions (mervärdesmodell)", "Avdrag (mervärdesmodell)"),
    "deduction_level": ("level", "nivå"),
    "pollutants": ("Pollutant prices", "Priser på luftföroreningar"),
    "pollutant_price": ("Price", "Pris"),
    "reproducibility": ("Reproducibility", "Reproducerbarhet"),
    "request_digest": (
        "Request digest (SHA-256, method and bids)",
        "Begärans kontrollsumma (SHA-256, metod och anbud)",
    ),
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


_ENUM_PREFIXES = {
    "RateBasis": "RATE_BASIS_",
    "Timing": "TIMING_",
    "EvaluationModelKind": "EVALUATION_MODEL_KIND_",
}

AssumptionRow = tuple[str, str, Any, str, str, Any, str | None]


@dataclass
class _AssumptionSheet:
    """The rows being gathered, the current section, and the labels in the report's language."""

    result: EvaluationResult
    lang: str
    section: str = ""
    rows: list[AssumptionRow] = field(default_factory=list)

    @property
    def method(self) -> tender_pb2.Method:
        return self.result.request.method

    def label(self, key: str) -> str:
        """This sheet's label ``key``, else the shared one of :data:`tco_client.i18n.TEXT`."""
        en, sv = _ASSUMPTION_LABELS.get(key) or TEXT[key]
        return sv if self.lang == "sv" else en

    @property
    def stated(self) -> str:
        return self.label("stated")

    @property
    def base_level(self) -> str:
        return f"{self.method.base_year} ({self.label('base_level')})"

    @property
    def per_year(self) -> str:
        return "/ år" if self.lang == "sv" else "/ year"

    def enum_text(self, enum_type: Any, value: int) -> str:
        """An enumeration's value in words (``end of year``), in the report's language."""
        name: str = enum_type.Name(value)
        words = name.removeprefix(_ENUM_PREFIXES[enum_type.DESCRIPTOR.name]).lower()
        words = words.replace("_", " ")
        return _ENUM_SV.get(words, words) if self.lang == "sv" else words

    def add(  # noqa: PLR0917 - one row of the sheet, in column order
        self,
        parameter: str,
        value: Any,
        unit: str = "",
        source: str | None = None,
        base: Any = "",
        fmt: str | None = None,
    ) -> None:
        """A row; its source is "stated in the tender method" unless given."""
        source = self.stated if source is None else source
        self.rows.append((self.section, parameter, value, unit, source, base, fmt))


def assumption_rows(result: EvaluationResult, lang: str = "en") -> list[AssumptionRow]:
    """Rows ``(section, parameter, value, unit, source/basis, price-base year, number format)``."""
    gathered = _AssumptionSheet(result, lang)
    for section in (
        _method_section,
        _deduction_section,
        _price_base_section,
        _resource_section,
        _emission_factor_section,
        _carbon_section,
        _pollutant_section,
        _reproducibility_section,
    ):
        section(gathered)
    return gathered.rows


def _method_section(sheet: _AssumptionSheet) -> None:
    """The method's scalars, evaluation model and exchange rates."""
    m, label = sheet.method, sheet.label
    sheet.section = label("method")
    sheet.add(label("currency"), sheet.result.currency)
    sheet.add(label("base_year"), m.base_year, fmt=FMT_YEAR)
    sheet.add(label("study_period_years"), m.study_period_years, label("years"))
    basis = sheet.enum_text(tender_pb2.RateBasis, m.rate_basis or tender_pb2.RATE_BASIS_REAL)
    sheet.add(
        label("discount_rate"), m.discount_rate, f"{sheet.per_year} ({basis})", fmt=FMT_PERCENT
    )
    sheet.add(label("rate_basis"), basis)
    if m.rate_basis == tender_pb2.RATE_BASIS_NOMINAL:
        sheet.add(label("inflation_rate"), m.inflation_rate, sheet.per_year, fmt=FMT_PERCENT)
    sheet.add(
        label("timing"),
        sheet.enum_text(tender_pb2.Timing, m.timing or tender_pb2.TIMING_END_OF_YEAR),
    )
    model = m.evaluation_model
    kind = model.kind or tender_pb2.EVALUATION_MODEL_KIND_COST
    sheet.add(label("evaluation_model"), sheet.enum_text(tender_pb2.EvaluationModelKind, kind))
    for step in sorted(model.ladder, key=lambda s: s.level):
        sheet.add(f"{label('ladder')} {step.level}", step.discount, fmt=FMT_PERCENT)
    if kind == tender_pb2.EVALUATION_MODEL_KIND_EXTERNALITY_FACTOR:
        sheet.add(label("externality_factor"), model.externality_factor)
    if m.baseline_bid_id:
        sheet.add(label("baseline_bid_id"), m.baseline_bid_id)
    sheet.add(label("include_module_d"), label("yes" if m.include_module_d else "no"))
    if m.functional_unit:
        sheet.add(label("functional_unit"), m.functional_unit)
    for code in sorted(m.exchange_rates):
        rate = m.exchange_rates[code]
        sheet.add(f"{label('exchange_rate')} {code}", rate, f"{m.currency}/{code}", fmt="0.0000")


def _deduction_section(sheet: _AssumptionSheet) -> None:
    """The deductions the method fixes per criterion level (DEDUCTIONS model)."""
    criteria = sheet.method.evaluation_model.deduction_criteria
    if not criteria:
        return
    sheet.section = sheet.label("deductions")
    for criterion in criteria:
        for level in criterion.levels:
            name = f"{criterion.criterion}: {sheet.label('deduction_level')} {level.level}"
            sheet.add(name, level.amount.value, level.amount.unit, fmt=FMT_MONEY_2)


def _price_base_section(sheet: _AssumptionSheet) -> None:
    """The money of the method (its price-base year), how reference values are re-based and
    where the index comes from, and the re-basing the engine applied (explanation trail)."""
    m, label = sheet.method, sheet.label
    sheet.section = label("price_base")
    year = m.price_base_year or m.base_year
    sheet.add(label("price_base_year"), year, base=year, fmt=FMT_YEAR)
    if m.use_face_values:
        sheet.add(label("face_values"), label("yes"))
    else:
        sheet.add(label("price_base"), label("price_base_rule"))
    for line in _rebase_lines(sheet.result):
        shown = _rebase_line_sv(line) if sheet.lang == "sv" else line
        sheet.add(label("rebasing"), shown, source=label("rebase_trail"), base=year)


def _rebase_lines(result: EvaluationResult) -> list[str]:
    """The engine's "price base: ..." lines of the climate cost explanation (first bid)."""
    for r in result.response.results[:1]:
        for e in r.explanations:
            if e.quantity == "climate_cost":
                prefix = "price base: "
                return [i.removeprefix(prefix) for i in e.inputs if i.startswith(prefix)]
    return []


_REBASE_SV = (
    (
        re.compile(r"(\S+) (\S+) in (\d{4}) prices = (\S+) (\S+) in (\d{4}) prices"),
        r"\1 \2 i \3 års priser = \4 \5 i \6 års priser",
    ),
    (
        re.compile(r"(\d{4}) past the last published year (\d{4}): held at the \2 level"),
        r"\1 ligger efter det senast publicerade året \2: indexet hålls på \2 års nivå",
    ),
    (re.compile(r"(?<=\d)\.(?=\d)"), ","),
)


def _rebase_line_sv(line: str) -> str:
    """The engine's re-basing line in Swedish (the index's name as its publisher gives it):
    ``7 SEK in 2017 prices = 8.77309 SEK in 2027 prices (x 403.7 / 322.11, KPI)`` ->
    ``7 SEK i 2017 års priser = 8,77309 SEK i 2027 års priser (x 403,7 / 322,11, KPI)``."""
    for pattern, replacement in _REBASE_SV:
        line = pattern.sub(replacement, line)
    return line


def _resource_section(sheet: _AssumptionSheet) -> None:
    """Resource prices and their escalation."""
    sheet.section = sheet.label("resources")
    for rp in sheet.method.resource_prices:
        name = f"{resource_label(rp.resource, sheet.lang)}: {sheet.label('resource_price')}"
        sheet.add(name, rp.price.value, rp.price.unit, base=sheet.base_level, fmt=FMT_MONEY_2)
        if rp.yearly_escalation:
            steps = "; ".join(f"{e:.4g}" for e in rp.yearly_escalation)
            sheet.add(
                f"{resource_label(rp.resource, sheet.lang)}: {sheet.label('yearly_escalation')}",
                steps,
            )
        else:
            name = f"{resource_label(rp.resource, sheet.lang)}: {sheet.label('escalation')}"
            sheet.add(name, rp.escalation, sheet.per_year, fmt=FMT_PERCENT)


def _emission_factor_section(sheet: _AssumptionSheet) -> None:
    """Emission factors: stated, or reference factors as the server lists them."""
    sheet.section = sheet.label("emission_factors")
    listed = sheet.result.reference.emission_factors
    references = {f.id: f for f in listed.factors} if listed is not None else {}
    for ef in sheet.method.emission_factors:
        name = f"{resource_label(ef.resource, sheet.lang)}: {sheet.label('emission_factor')}"
        ref = references.get(ef.reference_id)
        if ref is not None:
            source = f"{ref.basis} — {ref.source} ({ref.period}) [id {ref.id}]"
            sheet.add(name, ref.factor.value, ref.factor.unit, source, fmt="0.000")
        elif ef.reference_id:
            sheet.add(name, ef.reference_id, source=sheet.label("not_listed"))
        if ef.HasField("factor"):
            source = f"{ef.basis} — {sheet.stated}"
            sheet.add(name, ef.factor.value, ef.factor.unit, source, fmt="0.000")
        resource = resource_label(ef.resource, sheet.lang)
        for point in ef.trajectory:
            name = f"{resource}: {sheet.label('trajectory')} {point.year}"
            source = ef.basis or sheet.stated
            sheet.add(name, point.factor.value, point.factor.unit, source, fmt="0.000")


def _carbon_section(sheet: _AssumptionSheet) -> None:
    """The carbon price: a reference series with its points, or stated prices."""
    label = sheet.label
    sheet.section = label("carbon")
    if not sheet.method.HasField("carbon_price"):
        sheet.add(label("no_carbon_price"), "")
        return
    cp = sheet.method.carbon_price
    if cp.series_id:
        listed = sheet.result.reference.carbon_series
        found = [s for s in listed.series if s.id == cp.series_id] if listed is not None else []
        if not found:
            sheet.add(label("carbon_series"), cp.series_id, source=label("not_listed"))
        for series in found[:1]:
            source = f"{series.name} — {series.source}" + (
                f". {series.notes}" if series.notes else ""
            )
            # 0 on the wire: the publisher states no price-base year; say so, never "0"
            base = series.price_base_year or label("unknown_base")
            sheet.add(label("carbon_series"), series.id, series.currency, source, base, FMT_YEAR)
            for point in series.points:
                name = f"{label('carbon_point')} {point.year or label('all_years')}"
                sheet.add(name, point.price.value, point.price.unit, series.id, base, FMT_MONEY_2)
    if cp.HasField("price"):
        price = cp.price
        sheet.add(
            label("carbon_price"), price.value, price.unit, base=sheet.base_level, fmt=FMT_MONEY_2
        )
    for point in cp.points:
        name = f"{label('carbon_point')} {point.year}"
        sheet.add(name, point.price.value, point.price.unit, base=sheet.base_level, fmt=FMT_MONEY_2)
    sheet.add(label("carbon_undiscounted"), label("no" if cp.undiscounted else "yes"))


def _pollutant_section(sheet: _AssumptionSheet) -> None:
    """Pollutant prices."""
    if sheet.method.pollutant_prices:
        sheet.section = sheet.label("pollutants")
    for pp in sheet.method.pollutant_prices:
        suffix = ""
        if pp.undiscounted:
            suffix = " (odiskonterat)" if sheet.lang == "sv" else " (undiscounted)"
        name = f"{pp.pollutant}: {sheet.label('pollutant_price')}{suffix}"
        sheet.add(name, pp.price.value, pp.price.unit, fmt="0.0000")


def _reproducibility_section(sheet: _AssumptionSheet) -> None:
    """Digests and versions that identify the evaluation."""
    sheet.section = sheet.label("reproducibility")
    note = sheet.label("digest_note")
    sheet.add(sheet.label("method_digest"), sheet.result.method_digest, source=note)
    sheet.add(sheet.label("request_digest"), sheet.result.request_digest, source=note)
    sheet.add(sheet.label("engine_version"), sheet.result.engine_version, source="")
    sheet.add(sheet.label("client_version"), __version__, source="lcc-tco-client")
    reference = sheet.result.reference
    versions = [
        listed.data_version
        for listed in (reference.carbon_series, reference.emission_factors)
        if listed is not None and listed.data_version
    ]
    if versions:
        sheet.add(sheet.label("data_version"), " / ".join(dict.fromkeys(versions)), source="")


def write_assumptions(ws: Worksheet, result: EvaluationResult, lang: str) -> None:
    """The assumptions sheet: one row per parameter, the section named on its first row."""
    from openpyxl.styles import Font

    columns = ("parameter", "value", "unit", "source", "price_base_year")
    headers = ["Avsnitt" if lang == "sv" else "Section", *(label(c, lang) for c in columns)]
    rows = assumption_rows(result, lang)
    append_row(ws, headers)
    previous = None
    for section, parameter, value, unit, source, base, fmt in rows:
        row = append_row(
            ws,
            [
                section if section != previous else None,
                parameter,
                cell_value(value),
                unit or None,
                source or None,
                base if base != "" else None,
            ],
        )
        if section != previous:
            ws.cell(row, 1).font = Font(name="Calibri", size=11, bold=True)
        previous = section
        if fmt and isinstance(value, int | float) and not isinstance(value, bool):
            ws.cell(row, 3).number_format = fmt
        if isinstance(base, int):
            ws.cell(row, 6).number_format = FMT_YEAR
    style_header(ws, len(headers))
    ws.freeze_panes = "A2"
    fit_widths(ws, maximum=70)
