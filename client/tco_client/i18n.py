"""Swedish and English labels for tables, reports and charts.

The DataFrames keep stable English snake_case column names with the unit as a suffix
(``life_cycle_cost_SEK``, ``b6_kgCO2e``, ``difference_to_best_share``); :func:`column_label`
turns such a name into a display header in the chosen language with the unit in parentheses
(``"Livscykelkostnad (SEK)"``). Categories, modules and measure statuses have their own tables.

The catalogue has four parts, one table per kind of text, every entry in English and Swedish:
this module (labels, statuses, the command line's sentences), :mod:`tco_client.i18n_workbook`
(the tender workbook), :mod:`tco_client.i18n_messages` (warnings by code, violations) and
:mod:`tco_client.i18n_explain` (the explanation trail).

Numbers are formatted the way readers of each language expect: Swedish ``1 234 567,5`` (a
no-break space groups thousands, a decimal comma), English ``1,234,567.5``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

LABELS: Final[Mapping[str, tuple[str, str]]] = {
    # key: (English, Swedish)
    "rank": ("Rank", "Rang"),
    "bid_id": ("Bid", "Anbud"),
    "supplier": ("Supplier", "Anbudsgivare"),
    "tied": ("Tied", "Lika"),
    "life_cycle_cost": ("Life-cycle cost", "Livscykelkostnad"),
    "life_cycle_cost_undiscounted": (
        "Life-cycle cost, undiscounted",
        "Livscykelkostnad, odiskonterad",
    ),
    "climate_cost": ("Climate cost", "Klimatkostnad"),
    "externality_cost": ("Other externalities", "Övriga externa kostnader"),
    "deductions": ("Deductions", "Avdrag"),
    "evaluated_cost": ("Evaluated cost", "Utvärderingspris"),
    "difference_to_best": ("Difference to best", "Skillnad mot bästa"),
    "annual_value": ("Annual value", "Årskostnad (annuitet)"),
    "emissions_total": ("Emissions", "Utsläpp"),
    "emissions": ("Emissions", "Utsläpp"),
    "material_circularity": ("Material circularity (MCI)", "Materialcirkularitet (MCI)"),
    "cost_per_functional_unit": ("Cost per functional unit", "Kostnad per funktionell enhet"),
    "present_value": ("Present value", "Nuvärde"),
    "total": ("Total", "Totalt"),
    "category": ("Cost category", "Kostnadskategori"),
    "module": ("Module", "Modul"),
    "year": ("Study year", "Kalkylår"),
    "calendar_year": ("Year", "År"),
    "undiscounted": ("Undiscounted", "Odiskonterat"),
    "discounted": ("Present value", "Nuvärde"),
    "cumulative_discounted": ("Cumulative present value", "Ackumulerat nuvärde"),
    "baseline_bid_id": ("Baseline bid", "Jämförelsebas"),
    "net_savings": ("Net savings", "Nettobesparing"),
    "additional_investment": ("Additional investment", "Merinvestering"),
    "operational_savings": ("Operational savings", "Driftbesparing"),
    "sir": ("SIR", "SIR (besparing/investering)"),
    "sir_status": ("SIR status", "SIR, status"),
    "airr": ("AIRR", "AIRR (justerad internränta)"),
    "airr_status": ("AIRR status", "AIRR, status"),
    "airr_discount_rate": ("AIRR discount rate", "AIRR, kalkylränta"),
    "airr_rate_basis": ("AIRR rate basis", "AIRR, räntebas"),
    "simple_payback_years": ("Simple payback (years)", "Återbetalningstid (år)"),
    "simple_payback_status": ("Simple payback status", "Återbetalningstid, status"),
    "discounted_payback_years": (
        "Discounted payback (years)",
        "Diskonterad återbetalningstid (år)",
    ),
    "discounted_payback_status": (
        "Discounted payback status",
        "Diskonterad återbetalningstid, status",
    ),
    "abatement_cost": ("Abatement cost", "Åtgärdskostnad"),
    "abatement_cost_status": ("Abatement cost status", "Åtgärdskostnad, status"),
    "code": ("Code", "Kod"),
    "message": ("Message", "Meddelande"),
    "quantity": ("Figure", "Storhet"),
    "formula": ("Formula", "Formel"),
    "value": ("Value", "Värde"),
    "inputs": ("Inputs", "Indata"),
    "parameter": ("Parameter", "Parameter"),
    "unit": ("Unit", "Enhet"),
    "source": ("Source / basis", "Källa / grund"),
    "price_base_year": ("Price-base year", "Prisbasår"),
    "note": ("Note", "Anmärkning"),
    "id": ("Id", "Id"),
    "name": ("Name", "Namn"),
    "currency": ("Currency", "Valuta"),
    "resource": ("Resource", "Resurs"),
    "factor": ("Factor", "Faktor"),
    "basis": ("Basis", "Grund"),
    "period": ("Period", "Period"),
    "points": ("Points", "Punkter"),
    "fuel": ("Fuel", "Bränsle"),
    "content": ("Energy content", "Energiinnehåll"),
    "notes": ("Notes", "Anmärkningar"),
}

CATEGORY_LABELS: Final[Mapping[str, tuple[str, str]]] = {
    "acquisition": ("Acquisition", "Anskaffning"),
    "installation": ("Installation", "Installation"),
    "energy": ("Energy", "Energi"),
    "water_and_resources": ("Water and resources", "Vatten och resurser"),
    "maintenance": ("Maintenance", "Underhåll"),
    "operation": ("Operation", "Drift"),
    "replacement": ("Replacement", "Reinvestering"),
    "end_of_life": ("End of life", "Slutomhändertagande"),
    "residual_value": ("Residual value", "Restvärde"),
    "externality": ("Externalities", "Externa kostnader"),
    "other": ("Other", "Övrigt"),
    "climate": ("Climate cost", "Klimatkostnad"),
    "pollutants": ("Pollutants", "Luftföroreningar"),
}
#: Display order of cost categories (unknown ones follow alphabetically).
CATEGORY_ORDER: Final = tuple(CATEGORY_LABELS)

MODULE_LABELS: Final[Mapping[str, tuple[str, str]]] = {
    "a1_a3": ("A1–A3 product", "A1–A3 produktskede"),
    "a4": ("A4 transport", "A4 transport"),
    "a5": ("A5 installation", "A5 installation"),
    "b1_b3": ("B1–B3 use", "B1–B3 användning"),
    "b4": ("B4 replacement", "B4 utbyte"),
    "b5": ("B5 refurbishment", "B5 renovering"),
    "b6": ("B6 operational energy", "B6 energianvändning"),
    "b7": ("B7 operational water", "B7 vattenanvändning"),
    "c1_c4": ("C1–C4 end of life", "C1–C4 slutskede"),
    "d": ("D beyond system boundary", "D utanför systemgränsen"),
}
MODULE_ORDER: Final = tuple(MODULE_LABELS)

#: Resource names as tenders usually key them -> (English, Swedish) display names.
RESOURCE_LABELS: Final[Mapping[str, tuple[str, str]]] = {
    "electricity": ("electricity", "el"),
    "district_heating": ("district heating", "fjärrvärme"),
    "district_cooling": ("district cooling", "fjärrkyla"),
    "water": ("water", "vatten"),
    "diesel": ("diesel", "diesel"),
    "petrol": ("petrol", "bensin"),
    "gasoline": ("petrol", "bensin"),
    "natural_gas": ("natural gas", "naturgas"),
    "biogas": ("biogas", "biogas"),
    "hydrogen": ("hydrogen", "vätgas"),
    "heating_oil": ("heating oil", "eldningsolja"),
    "pellets": ("pellets", "pellets"),
    "hvo": ("HVO", "HVO"),
    "hvo100": ("HVO100", "HVO100"),
    "rme": ("RME", "RME"),
}

STATUS_LABELS: Final[Mapping[str, tuple[str, str]]] = {
    "ok": ("ok", "ok"),
    "unspecified": ("not given", "ej angiven"),
    "is_baseline": ("is the baseline", "är jämförelsebas"),
    "no_additional_investment": ("no additional investment", "ingen merinvestering"),
    "never_pays_back": ("never pays back", "återbetalas aldrig"),
    "no_emission_reduction": ("no emission reduction", "ingen utsläppsminskning"),
    "no_savings": ("no savings", "ingen besparing"),
}

TEXT: Final[Mapping[str, tuple[str, str]]] = {
    "ranking": ("Ranking", "Rangordning"),
    "cost_by_category": ("Cost by category", "Kostnad per kategori"),
    "emissions_by_module": ("Emissions by module", "Utsläpp per modul"),
    "measures": ("Measures", "Lönsamhetsmått"),
    "cash_flows": ("Cash flows", "Kassaflöden"),
    "assumptions": ("Assumptions", "Förutsättningar"),
    "warnings": ("Warnings", "Varningar"),
    "explanations": ("Explanations", "Förklaringar"),
    "cumulative_title": (
        "Cumulative present value of cost over the study period",
        "Ackumulerat nuvärde av kostnader under kalkylperioden",
    ),
    "cumulative_title_climate": (
        "Cumulative present value of cost incl. climate cost",
        "Ackumulerat nuvärde av kostnader inkl. klimatkostnad",
    ),
    "categories_title": ("Present value by cost category", "Nuvärde per kostnadskategori"),
    "emissions_title": (
        "Climate impact by life-cycle module (EN 15978)",
        "Klimatpåverkan per livscykelmodul (EN 15978)",
    ),
    "total": ("total", "totalt"),
    "thousand": ("thousand", "tusen"),
    "million": ("million", "miljoner"),
    "excluded_from_total": ("not in total", "ingår ej i totalen"),
    "method_digest": ("Method digest (SHA-256)", "Metodens kontrollsumma (SHA-256)"),
    "request_digest": ("Request digest (SHA-256)", "Begärans kontrollsumma (SHA-256)"),
    "evaluation_digest": ("Evaluation digest (SHA-256)", "Utvärderingens kontrollsumma (SHA-256)"),
    "analysis_digest": ("Analysis digest (SHA-256)", "Analysens kontrollsumma (SHA-256)"),
    "engine_version": ("Engine version", "Beräkningsmotorns version"),
    "no_warnings": ("No warnings.", "Inga varningar."),
    "valid": ("The tender is valid.", "Upphandlingsunderlaget är giltigt."),
    # the command line
    "error": ("error", "fel"),
    "problem": ("problem", "problem"),
    "problems": ("problems", "problem"),
    "invalid_tender": ("invalid tender", "ogiltigt upphandlingsunderlag"),
    "invalid_workbook": ("invalid tender workbook", "ogiltig underlagsarbetsbok"),
    "cannot_read_tender": ("cannot read tender", "kan inte läsa underlaget"),
    "report": ("Report", "Rapport"),
    "chart": ("Chart", "Diagram"),
    "template": ("Template", "Mall"),
    "interrupted": ("interrupted", "avbrutet"),
    "unexpected_failure": ("unexpected failure", "oväntat fel"),
    "template_not_xlsx": (
        "the template is an Excel workbook, name it .xlsx",
        "mallen är en Excel-arbetsbok, ge den filändelsen .xlsx",
    ),
    "exists_use_force": (
        "exists (use --force to overwrite)",
        "finns redan (använd --force för att skriva över)",
    ),
    "unavailable": ("the LCC service is unreachable", "LCC-tjänsten går inte att nå"),
    "deadline": ("the LCC service did not answer in time", "LCC-tjänsten svarade inte i tid"),
    "service_failed": ("the LCC service failed", "LCC-tjänsten misslyckades"),
    "incident_id": ("incident id", "incident-id"),
}

_CURRENCY_SUFFIX = re.compile(r"^(?P<base>.+)_(?P<cur>[A-Z]{3})(?P<per>_per_tCO2e)?$")


def _pick(table: Mapping[str, tuple[str, str]], key: str, lang: str) -> str | None:
    pair = table.get(key)
    if pair is None:
        return None
    return pair[1] if lang == "sv" else pair[0]


def text(key: str, lang: str = "en") -> str:
    """A sentence or title in the language."""
    return _pick(TEXT, key, lang) or key


def label(key: str, lang: str = "en") -> str:
    """Label of a column base name, category or module (falls back to the key itself)."""
    for table in (LABELS, CATEGORY_LABELS, MODULE_LABELS):
        found = _pick(table, key, lang)
        if found is not None:
            return found
    return key.replace("_", " ")


def category_label(category: str, lang: str = "en") -> str:
    return _pick(CATEGORY_LABELS, category, lang) or category.replace("_", " ")


_CATEGORY_BY_WORD: Final = {
    " ".join(word.lower().replace("_", " ").split()): key
    for key, pair in CATEGORY_LABELS.items()
    for word in (key, *pair)
} | {"ersättning/utbyte": "replacement", "utbyte": "replacement"}


def canonical_category(category: str) -> str:
    """A cost category named in English or Swedish (``Reinvestering``, ``underhåll``) -> its key
    (``replacement``, ``maintenance``); anything else is returned unchanged (the server refuses
    an unknown category, naming it)."""
    return _CATEGORY_BY_WORD.get(" ".join(category.lower().replace("_", " ").split()), category)


def module_label(module: str, lang: str = "en") -> str:
    return _pick(MODULE_LABELS, module, lang) or module.upper().replace("_", "–")


def resource_label(resource: str, lang: str = "en") -> str:
    """A resource's display name (``electricity`` -> ``el``, ``hvo`` -> ``HVO``); an unknown
    one as keyed, underscores as spaces."""
    return _pick(RESOURCE_LABELS, resource, lang) or resource.replace("_", " ")


def status_label(status: str, lang: str = "en") -> str:
    return _pick(STATUS_LABELS, status, lang) or status.replace("_", " ")


def column_label(column: str, lang: str = "en") -> str:
    """Display header of a frame column: label plus unit from its suffix.

    >>> column_label("life_cycle_cost_SEK", "sv")
    'Livscykelkostnad (SEK)'
    >>> column_label("b6_kgCO2e")
    'B6 operational energy (kg CO2e)'
    """
    match = _CURRENCY_SUFFIX.match(column)
    if match:
        unit = match["cur"] + ("/t CO2e" if match["per"] else "")
        return f"{label(match['base'], lang)} ({unit})"
    if column.endswith("_kgCO2e"):
        return f"{label(column.removesuffix('_kgCO2e'), lang)} (kg CO2e)"
    if column.endswith("_tCO2e"):
        return f"{label(column.removesuffix('_tCO2e'), lang)} (t CO2e)"
    if column.endswith("_share"):  # a fraction, shown as a percentage
        return f"{label(column.removesuffix('_share'), lang)} (%)"
    return label(column, lang)


def format_number(value: float | None, decimals: int = 0, lang: str = "en") -> str:
    """``1234567.891`` → ``"1,234,567.89"`` (en) or ``"1 234 567,89"`` (sv); None/NaN → ``"–"``.

    Rounds half away from zero on the decimal representation (the server already rounded money
    half-up; this only formats)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    quantum = Decimal(1).scaleb(-decimals)
    rounded = Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)  # no "-0"
    text_en = f"{rounded:,.{decimals}f}"
    if lang == "sv":
        return text_en.replace(",", "\u00a0").replace(".", ",").replace("-", "−")
    return text_en


def format_percent(fraction: float | None, decimals: int = 1, lang: str = "en") -> str:
    """``0.0312`` → ``"3.1 %"`` / ``"3,1 %"``."""
    if fraction is None or (isinstance(fraction, float) and math.isnan(fraction)):
        return "–"
    return f"{format_number(fraction * 100, decimals, lang)}\u00a0%"
