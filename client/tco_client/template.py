"""``tco template OUT.xlsx``: the empty, documented tender workbook.

The workbook has an ``Instructions`` sheet (how to fill it in, every column explained, default
units) and the sheets of :mod:`tco_client.workbook_layout` with units in their headers, written by
:mod:`tco_client.workbook_writer` (empty, or filled from a tender: ``tco template --from``).
"""

# ruff: noqa: PLC0415 - optional extras (openpyxl, matplotlib, PyYAML, rich) are imported lazily
from __future__ import annotations

import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

from tco_client.i18n_workbook import column_name, enum_word, param_name, sheet_label, sv_text
from tco_client.safe_output import append_row, save_workbook
from tco_client.workbook_layout import DATA_SHEETS, METHOD_HEADERS, METHOD_PARAMS
from tco_client.workbook_writer import column_header, fill_workbook
from tcoapi.v1 import tender_pb2

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

_INTRO: dict[str, list[str]] = {
    "en": [
        "Tender workbook for the life-cycle cost (LCC) service — EU Directive 2014/24/EU Art. 68, "
        "LOU 16 kap.",
        "",
        "1. Method: the buyer's published evaluation parameters, fixed before bids arrive. One "
        "parameter per row; fill in the value (and unit where asked). Rows you leave without a "
        "value are ignored. Repeat keyed rows (resource_price, emission_factor, exchange_rate …) "
        "once per key; add rows as needed.",
        "2. Bids: one row per bid item (bid_id, supplier … on the bid's first row). A bid priced "
        "only through Costs (a service contract) needs one row with its bid_id and no item.",
        "3. Resource use, Costs, Pollutants, Deductions, Circularity: rows that refer to a bid by "
        "bid_id and to an item by its name in Bids (or #n for the bid's n-th item).",
        "4. Check it: tco validate TENDER.xlsx — evaluate it: tco evaluate TENDER.xlsx --excel "
        "REPORT.xlsx",
        "",
        "Numbers are plain numbers in the cell (no units inside). Rates and fractions are "
        "fractions: 0.035 = 3.5 % (a cell formatted as a percentage already holds the fraction). "
        "Amounts are at base-year price level. Type values, not formulas: a cell holding a formula "
        "is refused (the result stored with it cannot be checked).",
        "Default units when a unit cell is empty: money → the method currency (maintenance_cost → "
        "currency/year), time → years, climate impact → kgCO2e, mass → kg. Prices, emission "
        "factors and consumption always need their unit.",
        "Units, e.g.: SEK, EUR, SEK/kWh, SEK/l, SEK/m^3, kWh/year, MWh/year, W (with activity "
        "h/year), l/(100 km) or kWh/km (with activity km/year), kgCO2e/kWh, kgCO2e/l, SEK/tCO2e, "
        "EUR/g, years, months.",
        "Cost categories: acquisition, installation, energy, water_and_resources, maintenance, "
        "operation, replacement, end_of_life, residual_value, other.",
        "Column headers: the name before [ … ] is what counts; the hint in brackets may be edited.",
        "",
    ],
    "sv": [
        "Upphandlingsunderlag för LCC-tjänsten (livscykelkostnad) — direktiv 2014/24/EU art. 68, "
        "LOU 16 kap.",
        "",
        "1. Metod: beställarens publicerade utvärderingsparametrar, fastställda innan anbuden "
        "kommer in. En parameter per rad; fyll i värde (och enhet där det efterfrågas). Rader "
        "utan värde ignoreras. Rader med nyckel (resurspris, emissionsfaktor, växelkurs …) "
        "upprepas en gång per nyckel; lägg till rader vid behov.",
        "2. Anbud: en rad per anbudsobjekt (anbud, anbudsgivare … på anbudets första rad). Ett "
        "anbud som bara prissätts i Kostnader (ett tjänsteavtal) behöver en rad med sin "
        "anbudsbeteckning och inget objekt.",
        "3. Resursanvändning, Kostnader, Föroreningar, Avdrag, Cirkularitet: rader som anger "
        "anbud med dess beteckning och objekt med dess namn i Anbud (eller #n för anbudets n:te "
        "objekt).",
        "4. Kontrollera: tco validate UNDERLAG.xlsx --lang sv — utvärdera: tco evaluate "
        "UNDERLAG.xlsx --excel RAPPORT.xlsx --lang sv",
        "",
        "Tal skrivs som tal i cellen (utan enhet). Räntor och andelar anges som andelar: 0,035 = "
        "3,5 % (en cell formaterad som procent innehåller redan andelen). Belopp anges i "
        "basårets prisnivå. Skriv värden, inte formler: en cell med en formel avvisas (resultatet "
        "som sparats med den kan inte kontrolleras). En tom cell är inte noll: ett obligatoriskt "
        "värde som saknas avvisas med cellens namn.",
        "Standardenheter när enhetscellen är tom: pengar → metodens valuta (underhållskostnad → "
        "valuta/år), tid → år, klimatpåverkan → kgCO2e, massa → kg. Priser, emissionsfaktorer "
        "och förbrukning kräver alltid enhet.",
        "Enheter skrivs på svenska eller engelska, t.ex. kr, tkr, SEK, EUR, kr/kWh, kr/l, "
        "kr/m^3, kWh/år, MWh/år, W (med aktivitet h/år), l/mil eller kWh/km (med aktivitet "
        "mil/år eller km/år), kgCO2e/kWh, kgCO2e/l, kr/ton CO2e, EUR/g, år, månader.",
        "Kostnadskategorier: anskaffning, installation, energi, vatten och resurser, underhåll, "
        "drift, reinvestering, slutomhändertagande, restvärde, övrigt.",
        "Kolumnrubriker: namnet före [ … ] gäller (på svenska eller engelska); ledtexten inom "
        "hakparentes får ändras.",
        "",
    ],
}
_WRAP = 120


def write_instructions(ws: Worksheet, *, lang: str = "en") -> None:
    """Fill the Instructions sheet: an introduction and every sheet's columns explained."""
    from openpyxl.styles import Alignment, Font, PatternFill

    bold = Font(bold=True)
    title = Font(bold=True, size=14)
    section_fill = PatternFill("solid", fgColor="DDEBF7")
    intro = _INTRO.get(lang, _INTRO["en"])
    for n, paragraph in enumerate(intro):
        for line in textwrap.wrap(paragraph, _WRAP, subsequent_indent="   ") or [""]:
            append_row(ws, [line])
            if n == 0:
                ws.cell(ws.max_row, 1).font = title
    sv = lang == "sv"
    append_row(
        ws,
        [
            "Blad" if sv else "Sheet",
            "Kolumn / parameter" if sv else "Column / parameter",
            "Betydelse" if sv else "Meaning",
        ],
    )
    header_row = ws.max_row
    for cell in ws[header_row]:
        cell.font = bold
        cell.fill = section_fill
    method = sheet_label("Method", lang)
    append_row(
        ws,
        [
            method,
            " | ".join(column_name("Method", h, lang) for h in METHOD_HEADERS),
            "En parameter per rad (se nedan)." if sv else "One parameter per row (see below).",
        ],
    )
    words = ("nyckel", "år", "enhet", "en av") if sv else ("key", "year", "unit", "one of")
    for param in METHOD_PARAMS:
        extra = []
        if param.key:
            extra.append(f"{words[0]} = {sv_text(param.key, lang)}")
        if param.year:
            extra.append(f"{words[1]} = {sv_text(param.year, lang)}")
        if param.unit_hint:
            extra.append(f"{words[2]}: {sv_text(param.unit_hint, lang)}")
        if param.choices:
            extra.append(f"{words[3]}: " + ", ".join(enum_word(c, lang) for c in param.choices))
        meaning = sv_text(param.doc, lang) + (f" ({'; '.join(extra)})" if extra else "")
        append_row(ws, [method, param_name(param.name, lang), meaning])
    for spec in DATA_SHEETS:
        name = sheet_label(spec.name, lang)
        append_row(ws, [name, "", sv_text(spec.title, lang)])
        ws.cell(ws.max_row, 1).font = bold
        ws.cell(ws.max_row, 3).font = bold
        for column in spec.columns:
            header = column_header(spec.name, column, lang)
            append_row(ws, [name, header, sv_text(column.doc, lang)])
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 48
    ws.column_dimensions["C"].width = 110
    for row in ws.iter_rows(min_row=header_row + 1):
        for cell in row:
            cell.alignment = Alignment(vertical="top")
    ws.freeze_panes = None


def write_template(
    path: str | Path, request: tender_pb2.EvaluateBidsRequest | None = None, *, lang: str = "en"
) -> Path:
    """Write the tender workbook: the Instructions sheet and the layout, empty or filled from
    ``request``."""
    from openpyxl import Workbook

    wb = Workbook()
    assert wb.active is not None
    wb.remove(wb.active)
    write_instructions(wb.create_sheet(sheet_label("Instructions", lang)), lang=lang)
    fill_workbook(wb, request, lang=lang)
    return save_workbook(wb, path)
