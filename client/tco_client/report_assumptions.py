"""The assumptions sheet of the evaluation report: every method parameter with its source and
price-base year (carbon price series and reference emission factors as the server lists them),
the method and request digests, the engine and client versions and the reference data version.
"""

# ruff: noqa: PLC0415 - openpyxl (the report extra) is imported lazily
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

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


@dataclass
class _Assumptions:
    """The rows being gathered, the current section, and the labels in the report's language."""

    result: EvaluationResult
    lang: str
    section: str = ""
    rows: list[AssumptionRow] = field(default_factory=list)

    @property
    def method(self) -> tender_pb2.Method:
        return self.result.request.method

    def label(self, key: str) -> str:
        en, sv = _ASSUMPTION_LABELS[key]
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

    def add(  # noqa: PLR0917 - one row of the sheet, in column order
        self,
        parameter: str,
        value: Any,
        unit: str = "",
        source: str = "",
        base: Any = "",
        fmt: str | None = None,
    ) -> None:
        self.rows.append((self.section, parameter, value, unit, source, base, fmt))


def assumption_rows(result: EvaluationResult, lang: str = "en") -> list[AssumptionRow]:
    """Rows ``(section, parameter, value, unit, source/basis, price-base year, number format)``."""
    gathered = _Assumptions(result, lang)
    for section in (
        _method_section,
        _resource_section,
        _emission_factor_section,
        _carbon_section,
        _pollutant_section,
        _reproducibility_section,
    ):
        section(gathered)
    return gathered.rows


def _method_section(a: _Assumptions) -> None:
    """The method's scalars, evaluation model and exchange rates."""
    a.section = a.label("method")
    a.add(a.label("currency"), a.result.currency, "", a.stated)
    a.add(a.label("base_year"), a.method.base_year, "", a.stated, fmt=FMT_YEAR)
    a.add(a.label("study_period_years"), a.method.study_period_years, a.label("years"), a.stated)
    basis = _enum_text(
        tender_pb2.RateBasis,
        a.method.rate_basis or tender_pb2.RATE_BASIS_REAL,
        "RATE_BASIS_",
        a.lang,
    )
    a.add(
        a.label("discount_rate"),
        a.method.discount_rate,
        f"{a.per_year} ({basis})",
        a.stated,
        fmt=FMT_PERCENT,
    )
    a.add(a.label("rate_basis"), basis, "", a.stated)
    if a.method.rate_basis == tender_pb2.RATE_BASIS_NOMINAL:
        a.add(
            a.label("inflation_rate"),
            a.method.inflation_rate,
            a.per_year,
            a.stated,
            fmt=FMT_PERCENT,
        )
    a.add(
        a.label("timing"),
        _enum_text(
            tender_pb2.Timing, a.method.timing or tender_pb2.TIMING_END_OF_YEAR, "TIMING_", a.lang
        ),
        "",
        a.stated,
    )
    model = a.method.evaluation_model
    kind = model.kind or tender_pb2.EVALUATION_MODEL_KIND_COST
    a.add(
        a.label("evaluation_model"),
        _enum_text(tender_pb2.EvaluationModelKind, kind, "EVALUATION_MODEL_KIND_", a.lang),
        "",
        a.stated,
    )
    for step in sorted(model.ladder, key=lambda s: s.level):
        a.add(f"{a.label('ladder')} {step.level}", step.discount, "", a.stated, fmt=FMT_PERCENT)
    if kind == tender_pb2.EVALUATION_MODEL_KIND_EXTERNALITY_FACTOR:
        a.add(a.label("externality_factor"), model.externality_factor, "", a.stated)
    if a.method.baseline_bid_id:
        a.add(a.label("baseline_bid_id"), a.method.baseline_bid_id, "", a.stated)
    a.add(
        a.label("include_module_d"),
        a.label("yes" if a.method.include_module_d else "no"),
        "",
        a.stated,
    )
    if a.method.functional_unit:
        a.add(a.label("functional_unit"), a.method.functional_unit, "", a.stated)
    for code in sorted(a.method.exchange_rates):
        a.add(
            f"{a.label('exchange_rate')} {code}",
            a.method.exchange_rates[code],
            f"{a.method.currency}/{code}",
            a.stated,
            fmt="0.0000",
        )


def _resource_section(a: _Assumptions) -> None:
    """Resource prices and their escalation."""
    a.section = a.label("resources")
    for rp in a.method.resource_prices:
        a.add(
            f"{rp.resource}: {a.label('resource_price')}",
            rp.price.value,
            rp.price.unit,
            a.stated,
            a.base_level,
            FMT_MONEY_2,
        )
        if rp.yearly_escalation:
            a.add(
                f"{rp.resource}: {a.label('yearly_escalation')}",
                "; ".join(f"{e:.4g}" for e in rp.yearly_escalation),
                "",
                a.stated,
            )
        else:
            a.add(
                f"{rp.resource}: {a.label('escalation')}",
                rp.escalation,
                a.per_year,
                a.stated,
                fmt=FMT_PERCENT,
            )


def _emission_factor_section(a: _Assumptions) -> None:
    """Emission factors: stated, or reference factors as the server lists them."""
    a.section = a.label("emission_factors")
    references = {}
    factors_ref = a.result.reference.emission_factors
    if factors_ref is not None:
        references = {f.id: f for f in factors_ref.factors}
    for ef in a.method.emission_factors:
        if ef.reference_id:
            ref = references.get(ef.reference_id)
            if ref is not None:
                source = f"{ref.basis} — {ref.source} ({ref.period}) [id {ref.id}]"
                a.add(
                    f"{ef.resource}: {a.label('emission_factor')}",
                    ref.factor.value,
                    ref.factor.unit,
                    source,
                    "",
                    "0.000",
                )
            else:
                a.add(
                    f"{ef.resource}: {a.label('emission_factor')}",
                    ef.reference_id,
                    "",
                    a.label("not_listed"),
                )
        if ef.HasField("factor"):
            a.add(
                f"{ef.resource}: {a.label('emission_factor')}",
                ef.factor.value,
                ef.factor.unit,
                f"{ef.basis} — {a.stated}",
                "",
                "0.000",
            )
        for point in ef.trajectory:
            a.add(
                f"{ef.resource}: {a.label('trajectory')} {point.year}",
                point.factor.value,
                point.factor.unit,
                ef.basis or a.stated,
                "",
                "0.000",
            )


def _carbon_section(a: _Assumptions) -> None:
    """The carbon price: a reference series with its points, or stated prices."""
    a.section = a.label("carbon")
    if not a.method.HasField("carbon_price"):
        a.add(a.label("no_carbon_price"), "", "", a.stated)
    else:
        cp = a.method.carbon_price
        if cp.series_id:
            series = None
            if a.result.reference.carbon_series is not None:
                series = next(
                    (s for s in a.result.reference.carbon_series.series if s.id == cp.series_id),
                    None,
                )
            if series is None:
                a.add(a.label("carbon_series"), cp.series_id, "", a.label("not_listed"))
            else:
                source = f"{series.name} — {series.source}" + (
                    f". {series.notes}" if series.notes else ""
                )
                a.add(
                    a.label("carbon_series"),
                    series.id,
                    series.currency,
                    source,
                    series.price_base_year,
                    FMT_YEAR,
                )
                for series_point in series.points:
                    a.add(
                        f"{a.label('carbon_point')} {series_point.year or a.label('all_years')}",
                        series_point.price.value,
                        series_point.price.unit,
                        series.id,
                        series.price_base_year,
                        FMT_MONEY_2,
                    )
        if cp.HasField("price"):
            a.add(
                a.label("carbon_price"),
                cp.price.value,
                cp.price.unit,
                a.stated,
                a.base_level,
                FMT_MONEY_2,
            )
        for carbon_point in cp.points:
            a.add(
                f"{a.label('carbon_point')} {carbon_point.year}",
                carbon_point.price.value,
                carbon_point.price.unit,
                a.stated,
                a.base_level,
                FMT_MONEY_2,
            )
        a.add(
            a.label("carbon_undiscounted"),
            a.label("no" if cp.undiscounted else "yes"),
            "",
            a.stated,
        )


def _pollutant_section(a: _Assumptions) -> None:
    """Pollutant prices."""
    if a.method.pollutant_prices:
        a.section = a.label("pollutants")
        for pp in a.method.pollutant_prices:
            suffix = (
                ""
                if not pp.undiscounted
                else (" (odiskonterat)" if a.lang == "sv" else " (undiscounted)")
            )
            a.add(
                f"{pp.pollutant}: {a.label('pollutant_price')}{suffix}",
                pp.price.value,
                pp.price.unit,
                a.stated,
                "",
                "0.0000",
            )


def _reproducibility_section(a: _Assumptions) -> None:
    """Digests and versions that identify the evaluation."""
    a.section = a.label("reproducibility")
    note = a.label("digest_note")
    a.add(a.label("method_digest"), a.result.method_digest, "", note)
    a.add(a.label("request_digest"), a.result.request_digest, "", note)
    a.add(a.label("engine_version"), a.result.engine_version, "", "")
    a.add(a.label("client_version"), __version__, "", "lcc-tco-client")
    versions = []
    if (
        a.result.reference.carbon_series is not None
        and a.result.reference.carbon_series.data_version
    ):
        versions.append(a.result.reference.carbon_series.data_version)
    if (
        a.result.reference.emission_factors is not None
        and a.result.reference.emission_factors.data_version
    ):
        versions.append(a.result.reference.emission_factors.data_version)
    if versions:
        a.add(a.label("data_version"), " / ".join(dict.fromkeys(versions)), "", "")


def write_assumptions(ws: Worksheet, result: EvaluationResult, lang: str) -> None:
    """The assumptions sheet: one row per parameter, the section named on its first row."""
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
            ws.cell(row, 1).font = Font(bold=True)
        previous = section
        if fmt and isinstance(value, int | float) and not isinstance(value, bool):
            ws.cell(row, 3).number_format = fmt
        if isinstance(base, int):
            ws.cell(row, 6).number_format = FMT_YEAR
    style_header(ws, len(headers))
    ws.freeze_panes = "A2"
    fit_widths(ws, maximum=70)
