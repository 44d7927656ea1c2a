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

from tco_client.safe_output import append_row, save_workbook
from tco_client.workbook_layout import DATA_SHEETS, METHOD_PARAMS
from tco_client.workbook_writer import fill_workbook
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
        "1. Method: beställarens publicerade utvärderingsparametrar, fastställda innan anbuden "
        "kommer in. En parameter per rad; fyll i värde (och enhet där det efterfrågas). Rader "
        "utan värde ignoreras. Rader med nyckel (resource_price, emission_factor, exchange_rate "
        "…) upprepas en gång per nyckel; lägg till rader vid behov.",
        "2. Bids: en rad per anbudsobjekt (bid_id, supplier … på anbudets första rad). Ett anbud "
        "som bara prissätts i Costs (ett tjänsteavtal) behöver en rad med sitt bid_id och inget "
        "objekt (item).",
        "3. Resource use, Costs, Pollutants, Deductions, Circularity: rader som anger anbud med "
        "bid_id och objekt med dess namn i Bids (eller #n för anbudets n:te objekt).",
        "4. Kontrollera: tco validate UNDERLAG.xlsx — utvärdera: tco evaluate UNDERLAG.xlsx "
        "--excel RAPPORT.xlsx --lang sv",
        "",
        "Tal skrivs som tal i cellen (utan enhet). Räntor och andelar anges som andelar: 0,035 = "
        "3,5 % (en cell formaterad som procent innehåller redan andelen). Belopp anges i "
        "basårets prisnivå. Skriv värden, inte formler: en cell med en formel avvisas (resultatet "
        "som sparats med den kan inte kontrolleras).",
        "Standardenheter när enhetscellen är tom: pengar → metodens valuta (maintenance_cost → "
        "valuta/year), tid → years, klimatpåverkan → kgCO2e, massa → kg. Priser, "
        "emissionsfaktorer och förbrukning kräver alltid enhet.",
        "Enheter skrivs på engelska, t.ex. SEK, EUR, SEK/kWh, SEK/l, SEK/m^3, kWh/year, MWh/year, "
        "W (med activity h/year), l/(100 km) eller kWh/km (med activity km/year), kgCO2e/kWh, "
        "kgCO2e/l, SEK/tCO2e, EUR/g, years, months.",
        "Kostnadskategorier: acquisition (anskaffning), installation, energy (energi), "
        "water_and_resources (vatten och resurser), maintenance (underhåll), operation (drift), "
        "replacement (ersättning/utbyte), end_of_life (slutomhändertagande), residual_value "
        "(restvärde), other (övrigt).",
        "Kolumnrubriker: namnet före [ … ] gäller; ledtexten inom hakparentes får ändras.",
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
    append_row(
        ws,
        [
            "Method",
            "parameter | key | year | value | unit | note",
            "One parameter per row (see below).",
        ],
    )
    for param in METHOD_PARAMS:
        extra = []
        if param.key:
            extra.append(f"key = {param.key}")
        if param.year:
            extra.append(f"year = {param.year}")
        if param.unit_hint:
            extra.append(f"unit: {param.unit_hint}")
        if param.choices:
            extra.append("one of: " + ", ".join(param.choices))
        meaning = param.doc + (f" ({'; '.join(extra)})" if extra else "")
        append_row(ws, ["Method", param.name, meaning])
    for spec in DATA_SHEETS:
        append_row(ws, [spec.name, "", spec.title])
        ws.cell(ws.max_row, 1).font = bold
        ws.cell(ws.max_row, 3).font = bold
        for column in spec.columns:
            append_row(ws, [spec.name, column.header, column.doc])
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
    write_instructions(wb.create_sheet("Instructions"), lang=lang)
    fill_workbook(wb, request)
    return save_workbook(wb, path)
