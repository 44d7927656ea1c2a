"""The report as an evaluation record: every bid's inputs as offered, the digests on the first
sheet, and a print setup a person can file.

- :func:`write_offered_inputs` — one long sheet ("Anbudens indata" / "Bids as offered"): per bid,
  item and input (quantity, prices, service lives, energy and resource use, EPD values, costs,
  deductions, circularity) the value, its unit, the cell of the tender workbook it came from and
  the request path (a JSON/YAML tender has no cells: the path alone).
- :func:`write_record_header` — the method and request digests, engine, client and data versions
  under the ranking, so the first printed page identifies the evaluation.
- :func:`print_setup` — every sheet on A4: landscape where wider than
  :data:`PORTRAIT_MAX_WIDTH` characters, fit to the page width, header row repeated, the tender's
  name in the page header and "page n of m" in the footer.
"""

# ruff: noqa: PLC0415 - openpyxl (the report extra) is imported lazily
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, cast

from tco_client.i18n import label, resource_label, text
from tco_client.i18n_workbook import COLUMN_NAMES_SV
from tco_client.report_sheets import write_table
from tco_client.safe_output import put_cell
from tco_client.tender import locate
from tco_client.version import __version__
from tcoapi.v1 import tender_pb2

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

    from tco_client.result import EvaluationResult

#: Sheets up to this many characters wide (the sum of the column widths) print portrait, wider
#: ones landscape: about what an A4 page holds at full size either way.
PORTRAIT_MAX_WIDTH = 100

_ITEM_QUANTITIES = (
    "unit_price",
    "installation_cost",
    "service_life",
    "maintenance_cost",
    "warranty",
    "end_of_life_cost",
    "residual_value",
)
_MODULES = ("a1_a3", "a4", "a5", "c1_c4", "d")
_HEADERS = {
    "en": ("Bid", "Supplier", "Item", "Input", "Value", "Unit", "Cell", "Request path"),
    "sv": ("Anbud", "Anbudsgivare", "Objekt", "Indata", "Värde", "Enhet", "Cell", "Sökväg"),
}
_WORDS = {
    "title": ("Bids as offered", "Anbudens indata"),
    "epd": ("EPD", "EPD"),
    "use": ("use", "förbrukning"),
    "per": ("per", "per"),
    "cost": ("cost", "kostnad"),
    "deduction": ("deduction", "avdrag"),
    "record": ("Evaluation record", "Utvärderingens identitet"),
    "client_version": ("Client (report) version", "Klientens (rapportens) version"),
    "data_version": ("Reference data version", "Referensdatans version"),
    "tender": ("Tender", "Underlag"),
    "page": ("Page &P of &N", "Sida &P av &N"),
}

Row = tuple[str, str, str, str, Any, str, str]


def _w(key: str, lang: str) -> str:
    pair = _WORDS[key]
    return pair[1] if lang == "sv" else pair[0]


def _field(key: str, lang: str) -> str:
    """An input's name: the workbook's column name (Swedish) or the key in words."""
    if lang == "sv":
        name = COLUMN_NAMES_SV.get(key, key.replace("_", " "))
        return name[:1].upper() + name[1:]
    return key.replace("_", " ").capitalize()


def _quantity(q: tender_pb2.Quantity) -> tuple[Any, str]:
    return q.value, q.unit


def _bid_rows(bid: tender_pb2.Bid, index: int) -> Iterator[tuple[str, str, Any, str]]:
    """(item name, request path, value, unit) of every input of the bid."""
    p = f"bids[{index}]"
    if bid.functional_units_delivered:
        yield "", f"{p}.functional_units_delivered", bid.functional_units_delivered, ""
    if bid.ladder_level:
        yield "", f"{p}.ladder_level", bid.ladder_level, ""
    for i, item in enumerate(bid.items):
        ip = f"{p}.items[{i}]"
        yield item.name, f"{ip}.quantity", item.quantity, ""
        for key in _ITEM_QUANTITIES:
            if item.HasField(cast(Any, key)):
                yield item.name, f"{ip}.{key}", *_quantity(getattr(item, key))
        for module in _MODULES:
            if item.emissions.HasField(cast(Any, module)):
                yield (
                    item.name,
                    f"{ip}.emissions.{module}",
                    *_quantity(getattr(item.emissions, module)),
                )
        for u, use in enumerate(item.resource_use):
            up = f"{ip}.resource_use[{u}]"
            yield item.name, f"{up}.amount", *_quantity(use.amount)
            if use.HasField("activity"):
                yield item.name, f"{up}.activity", *_quantity(use.activity)
        for e, emission in enumerate(item.pollutant_emissions):
            yield item.name, f"{ip}.pollutant_emissions[{e}].amount", *_quantity(emission.amount)
        for c, stream in enumerate(item.costs):
            yield item.name, f"{ip}.costs[{c}].amount", *_quantity(stream.amount)
    for c, stream in enumerate(bid.costs):
        yield "", f"{p}.costs[{c}].amount", *_quantity(stream.amount)
    for d, deduction in enumerate(bid.deductions):
        yield "", f"{p}.deductions[{d}].amount", *_quantity(deduction.amount)
    if bid.HasField("circularity"):
        circularity = bid.circularity
        if circularity.HasField("mass"):
            yield "", f"{p}.circularity.mass", *_quantity(circularity.mass)
        for field in circularity.DESCRIPTOR.fields:
            value = getattr(circularity, field.name)
            if isinstance(value, float) and value:
                yield "", f"{p}.circularity.{field.name}", value, ""


def _input_name(path: str, bid: tender_pb2.Bid, lang: str) -> str:
    """``bids[0].items[1].resource_use[0].amount`` -> ``Förbrukning el (mängd)`` and the like."""
    parts = path.split(".")
    key = parts[-1]
    if "resource_use[" in path:
        use = _index_of(path, "resource_use")
        item = bid.items[_index_of(path, "items")]
        name = resource_label(item.resource_use[use].resource, lang)
        return f"{_w('use', lang).capitalize()} {name} ({_field(key, lang).lower()})"
    if "pollutant_emissions[" in path:
        item = bid.items[_index_of(path, "items")]
        pollutant = item.pollutant_emissions[_index_of(path, "pollutant_emissions")].pollutant
        return f"{label('emissions', lang)} {pollutant}"
    if ".costs[" in path:
        costs = bid.costs if ".items[" not in path else bid.items[_index_of(path, "items")].costs
        stream = costs[_index_of(path, "costs")]
        return f"{_w('cost', lang).capitalize()}: {stream.name or stream.category or '–'}"
    if ".deductions[" in path:
        deduction = bid.deductions[_index_of(path, "deductions")]
        return f"{_w('deduction', lang).capitalize()}: {deduction.criterion}"
    if ".emissions." in path:
        return f"{_w('epd', lang)} {key.upper().replace('_', '–')}"
    return _field(key, lang)


def _index_of(path: str, name: str) -> int:
    start = path.index(f"{name}[") + len(name) + 1
    return int(path[start : path.index("]", start)])


def offered_rows(
    request: tender_pb2.EvaluateBidsRequest, locations: Mapping[str, str], lang: str
) -> list[Row]:
    """Every bid's inputs: (bid, supplier, item, input, value, unit, cell, path)."""
    rows: list[Any] = []
    for index, bid in enumerate(request.bids):
        for item, path, value, unit in _bid_rows(bid, index):
            cell = locate(locations, path) if locations else ""
            rows.append(
                (
                    bid.id,
                    bid.supplier,
                    item,
                    _input_name(path, bid, lang),
                    value,
                    unit,
                    cell,
                    path,
                )
            )
    return rows


def write_offered_inputs(
    ws: Worksheet, result: EvaluationResult, lang: str, locations: Mapping[str, str]
) -> None:
    """The "Bids as offered" sheet (see the module docstring)."""
    rows = offered_rows(result.request, locations, lang)
    headers = _HEADERS["sv" if lang == "sv" else "en"]
    write_table(ws, headers, rows, [None, None, None, None, "#,##0.####"], freeze="D2")


def offered_title(lang: str) -> str:
    return _w("title", lang)


def write_record_header(ws: Worksheet, result: EvaluationResult, lang: str, row: int) -> None:
    """The evaluation's identity from ``row`` on (under the ranking): digests and versions."""
    from openpyxl.styles import Font

    put_cell(ws, row, 1, _w("record", lang)).font = Font(name="Calibri", size=11, bold=True)
    response = result.response
    lines = [
        (text("method_digest", lang), result.method_digest),
        (text("request_digest", lang), result.request_digest),
    ]
    evaluation_digest = getattr(response, "evaluation_digest", "")
    if evaluation_digest:
        lines.append((text("evaluation_digest", lang), evaluation_digest))
    lines += [
        (text("engine_version", lang), result.engine_version),
        (_w("client_version", lang), __version__),
    ]
    data_version = getattr(response, "data_version", "")
    if data_version:
        lines.append((_w("data_version", lang), data_version))
    column = _value_column(ws, max(len(name) for name, _ in lines) + 2)
    for offset, (name, value) in enumerate(lines, start=1):
        put_cell(ws, row + offset, 1, name)
        put_cell(ws, row + offset, column, value)


def _value_column(ws: Worksheet, label_width: int) -> int:
    """The first column right of a label ``label_width`` characters wide that starts in column
    A and runs over the empty cells beside it (the table above set the widths)."""
    from openpyxl.utils import get_column_letter

    last: int = ws.max_column
    used = 0.0
    for column in range(1, last + 1):
        if used >= label_width:
            return column
        used += ws.column_dimensions[get_column_letter(column)].width or 8.43
    return last + 1


def print_setup(wb: Workbook, title: str, lang: str) -> None:
    """Every sheet printable: A4, landscape where wide, fit to width, header row repeated, the
    tender's name in the header, page numbers in the footer."""
    for ws in wb.worksheets:
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        wide = _width(ws) > PORTRAIT_MAX_WIDTH
        ws.page_setup.orientation = "landscape" if wide else "portrait"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_title_rows = "1:1"
        ws.print_options.gridLines = False
        ws.oddHeader.left.text = _escape(title) if title else ""
        ws.oddHeader.right.text = "&A"
        ws.oddFooter.center.text = _w("page", lang)
        ws.page_margins.left = ws.page_margins.right = 0.5


def _width(ws: Worksheet) -> float:
    """The sheet's used width in characters (columns without a width count as Excel's 8.43)."""
    from openpyxl.utils import get_column_letter

    return sum(
        ws.column_dimensions[get_column_letter(c)].width or 8.43
        for c in range(1, ws.max_column + 1)
    )


def _escape(value: str) -> str:
    """A name in a page header: ``&`` doubled (it starts a header code), cut to 80 characters."""
    return value.replace("&", "&&")[:80]
