"""Writing a request into the tender workbook's layout (:mod:`tco_client.workbook_layout`).

The ``Method`` sheet lists every parameter (values from the request, the rest empty, each with a
note; drop-down lists for enumerations and yes/no); the data sheets get the request's bids. Every
cell goes through :func:`tco_client.safe_output.append_row`: a bidder's text stays text.
"""

# ruff: noqa: PLC0415 - openpyxl (the report extra) is imported lazily
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tco_client.errors import TcoInvalidTender
from tco_client.i18n import category_label
from tco_client.i18n_workbook import (
    BOOL_WORDS,
    column_name,
    enum_word,
    param_name,
    sheet_label,
    sv_text,
)
from tco_client.safe_output import append_row
from tco_client.workbook_layout import (
    BOOL,
    CIRCULARITY_FRACTIONS,
    DATA_SHEETS,
    EMISSION_MODULES,
    FLOAT,
    ITEM_QUANTITY_FIELDS,
    METHOD_HEADERS,
    METHOD_PARAM_BY_NAME,
    METHOD_PARAMS,
    Column,
    SheetSpec,
)
from tcoapi.v1 import tender_pb2

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

MethodRow = tuple[str, str, int | None, Any, str]
_PERCENT_PARAMS = frozenset(
    {
        "discount_rate",
        "inflation_rate",
        "resource_escalation",
        "resource_yearly_escalation",
        "ladder_discount",
    }
)


def _item_refs(bid: tender_pb2.Bid) -> list[str]:
    """How detail rows name each item: its name when unique, else ``#n``."""
    names = [item.name for item in bid.items]
    return [
        name if name and names.count(name) == 1 and not name.startswith("#") else f"#{i + 1}"
        for i, name in enumerate(names)
    ]


def method_rows(method: tender_pb2.Method) -> list[MethodRow]:
    """The Method sheet rows ``(parameter, key, year, value, unit)`` of a method."""
    return _model_rows(method) + _price_rows(method)


def _present(message: Any, name: str) -> bool:
    """Whether ``message.name`` was given: its presence where the contract tracks it (an
    ``optional`` field), else a non-default value. A field not given stays an empty cell, never
    a written 0 that would read back as a stated 0."""
    try:
        return bool(message.HasField(name))
    except ValueError:  # no presence tracked for this field
        return bool(getattr(message, name))


def _row_adder(rows: list[MethodRow]) -> Any:
    def add(name: str, value: Any, unit: str = "", key: str = "", year: int | None = None) -> None:
        rows.append((name, key, year, value, unit))

    return add


def _model_rows(method: tender_pb2.Method) -> list[MethodRow]:
    """Rows of the method's scalars and evaluation model."""
    rows: list[MethodRow] = []
    add = _row_adder(rows)
    for name in ("currency", "base_year", "study_period_years", "discount_rate"):
        add(name, getattr(method, name) if _present(method, name) else None)
    if method.rate_basis:
        add(
            "rate_basis",
            tender_pb2.RateBasis.Name(method.rate_basis).removeprefix("RATE_BASIS_").lower(),
        )
    if method.inflation_rate:
        add("inflation_rate", method.inflation_rate)
    if method.timing:
        add("timing", tender_pb2.Timing.Name(method.timing).removeprefix("TIMING_").lower())
    model = method.evaluation_model
    if model.kind:
        add(
            "evaluation_model",
            tender_pb2.EvaluationModelKind.Name(model.kind)
            .removeprefix("EVALUATION_MODEL_KIND_")
            .lower(),
        )
    if model.externality_factor:
        add("externality_factor", model.externality_factor)
    for step in model.ladder:
        add("ladder_discount", step.discount, key=str(step.level))
    for i, criterion in enumerate(model.deduction_criteria):
        levels = [(x.level, x.amount) for x in criterion.levels]
        if [name for name, _ in levels] != ["met"]:
            path = f"method.evaluation_model.deduction_criteria[{i}].levels"
            why = "the workbook holds one level 'met' per criterion; keep this tender in JSON"
            raise TcoInvalidTender([(path, why)], "cannot write the tender as a workbook")
        amount = levels[0][1]
        add("deduction", amount.value, amount.unit, key=criterion.criterion)
    if method.price_base_year:
        add("price_base_year", method.price_base_year)
    if method.use_face_values:
        add("use_face_values", True)
    if method.baseline_bid_id:
        add("baseline_bid_id", method.baseline_bid_id)
    if method.include_module_d:
        add("include_module_d", True)
    if method.functional_unit:
        add("functional_unit", method.functional_unit)
    return rows


def _price_rows(method: tender_pb2.Method) -> list[MethodRow]:
    """Rows of exchange rates, resource prices, emission factors, carbon and pollutant prices."""
    rows: list[MethodRow] = []
    add = _row_adder(rows)
    for code in sorted(method.exchange_rates):
        add("exchange_rate", method.exchange_rates[code], key=code)
    for rp in method.resource_prices:
        if rp.HasField("price"):
            add("resource_price", rp.price.value, rp.price.unit, key=rp.resource)
        if rp.escalation:
            add("resource_escalation", rp.escalation, key=rp.resource)
        for t, e in enumerate(rp.yearly_escalation, start=1):
            add("resource_yearly_escalation", e, key=rp.resource, year=t)
    for ef in method.emission_factors:
        if ef.HasField("factor"):
            add("emission_factor", ef.factor.value, ef.factor.unit, key=ef.resource)
        if ef.basis:
            add("emission_factor_basis", ef.basis, key=ef.resource)
        if ef.reference_id:
            add("emission_factor_reference", ef.reference_id, key=ef.resource)
        for point in ef.trajectory:
            add(
                "emission_factor_point",
                point.factor.value,
                point.factor.unit,
                key=ef.resource,
                year=point.year,
            )
    if method.HasField("carbon_price"):
        cp = method.carbon_price
        if cp.series_id:
            add("carbon_price_series", cp.series_id)
        if cp.HasField("price"):
            add("carbon_price", cp.price.value, cp.price.unit)
        for point_cp in cp.points:
            add("carbon_price_point", point_cp.price.value, point_cp.price.unit, year=point_cp.year)
        if cp.undiscounted:
            add("carbon_price_undiscounted", True)
    for pp in method.pollutant_prices:
        if pp.HasField("price"):
            add("pollutant_price", pp.price.value, pp.price.unit, key=pp.pollutant)
        if pp.undiscounted:
            add("pollutant_price_undiscounted", True, key=pp.pollutant)
    return rows


def data_rows(request: tender_pb2.EvaluateBidsRequest) -> dict[str, list[dict[str, Any]]]:
    """Rows of each data sheet (column key -> value) for the bids of a request."""
    sheets: dict[str, list[dict[str, Any]]] = {s.name: [] for s in DATA_SHEETS}
    for bid in request.bids:
        bid_cells: dict[str, Any] = {"bid_id": bid.id}
        for key in ("supplier", "functional_units_delivered", "ladder_level"):
            if getattr(bid, key):
                bid_cells[key] = getattr(bid, key)
        if not bid.items:
            sheets["Bids"].append(bid_cells)
        for n, (item, ref) in enumerate(zip(bid.items, _item_refs(bid), strict=True)):
            _item_rows(sheets, item, bid_cells if n == 0 else {"bid_id": bid.id}, ref)
        sheets["Costs"].extend(_cost_row(bid.id, None, stream) for stream in bid.costs)
        for deduction in bid.deductions:
            row = {
                "bid_id": bid.id,
                "criterion": deduction.criterion or None,
                "level": deduction.level or None,
            }
            sheets["Deductions"].append(_put_quantities(row, deduction, "amount"))
        if bid.HasField("circularity"):
            c = bid.circularity
            row = _put_quantities({"bid_id": bid.id}, c, "mass")
            row.update(
                (key, getattr(c, key)) for key, _doc in CIRCULARITY_FRACTIONS if getattr(c, key)
            )
            sheets["Circularity"].append(row)
    return sheets


def _item_rows(
    sheets: dict[str, list[dict[str, Any]]], item: tender_pb2.Item, first: dict[str, Any], ref: str
) -> None:
    """An item's row of ``Bids`` (after ``first``: the bid's cells on its first item) and its
    rows of the detail sheets, which name it by ``ref``."""
    bid_id = first["bid_id"]
    cells = {**first, "item": item.name or None}
    if item.quantity:
        cells["quantity"] = item.quantity
    _put_quantities(cells, item, *ITEM_QUANTITY_FIELDS)
    sheets["Bids"].append(_put_quantities(cells, item.emissions, *EMISSION_MODULES))
    for use in item.resource_use:
        row = {"bid_id": bid_id, "item": ref, "resource": use.resource}
        sheets["Resource use"].append(_put_quantities(row, use, "amount", "activity"))
    for emission in item.pollutant_emissions:
        row = {"bid_id": bid_id, "item": ref, "pollutant": emission.pollutant}
        sheets["Pollutants"].append(_put_quantities(row, emission, "amount", "activity"))
    sheets["Costs"].extend(_cost_row(bid_id, ref, stream) for stream in item.costs)


def _put_quantities(row: dict[str, Any], message: Any, *keys: str) -> dict[str, Any]:
    """``row[key]`` and ``row[key_unit]`` of each quantity ``message`` has; returns ``row``."""
    for key in keys:
        if message.HasField(key):
            quantity = getattr(message, key)
            row[key], row[f"{key}_unit"] = quantity.value, quantity.unit
    return row


def _cost_row(bid_id: str, item: str | None, stream: tender_pb2.CostStream) -> dict[str, Any]:
    row: dict[str, Any] = {
        "bid_id": bid_id,
        "item": item,
        "name": stream.name or None,
        "category": stream.category or None,
        "emissions_module": stream.emissions_module or None,
    }
    for key in ("first_year", "every_years", "last_year", "escalation"):
        if getattr(stream, key):
            row[key] = getattr(stream, key)
    return _put_quantities(row, stream, "amount", "life", "emissions")


def column_header(sheet: str, column: Column, lang: str = "en") -> str:
    """A data sheet's header cell: the column's name, its hint in brackets (in the language)."""
    return f"{column_name(sheet, column.key, lang)} [{sv_text(column.hint, lang)}]"


def fill_workbook(
    wb: Workbook, request: tender_pb2.EvaluateBidsRequest | None, *, lang: str = "en"
) -> None:
    """Write the layout into ``wb``: Method rows (every parameter; values from ``request``) and
    the data sheets (rows from ``request``); sheet names, headers, parameter names, enumeration
    words and notes in the language (the reader accepts both)."""
    _write_method_sheet(wb.create_sheet(sheet_label("Method", lang)), request, lang)
    data = data_rows(request) if request is not None else {s.name: [] for s in DATA_SHEETS}
    for spec in DATA_SHEETS:
        ws = wb.create_sheet(sheet_label(spec.name, lang))
        _write_data_sheet(ws, spec, data[spec.name], lang)


def _write_method_sheet(
    ws: Worksheet, request: tender_pb2.EvaluateBidsRequest | None, lang: str
) -> None:
    from openpyxl.styles import Font

    append_row(ws, [column_name("Method", h, lang) for h in METHOD_HEADERS])
    filled = method_rows(request.method) if request is not None else []
    filled_names = {r[0] for r in filled}
    # Every parameter appears at least once, so the sheet documents itself.
    rows = filled + [
        (p.name, "", None, None, "") for p in METHOD_PARAMS if p.name not in filled_names
    ]
    order = {p.name: i for i, p in enumerate(METHOD_PARAMS)}
    rows.sort(key=lambda r: order[r[0]])  # stable: keeps the order within a parameter
    drop_downs = _drop_downs(ws, lang)
    note_font = Font(italic=True, color="666666")
    sv = lang == "sv"
    labels = ("Nyckel", "År", "Enhet") if sv else ("Key", "Year", "Unit")
    for name, key, year, given, unit in rows:
        param = METHOD_PARAM_BY_NAME[name]
        value = given
        hint = sv_text(param.doc, lang)
        for label, text in zip(labels, (param.key, param.year, param.unit_hint), strict=True):
            if text:
                hint += f" {label}: {sv_text(text, lang)}."
        if param.choices and isinstance(value, str):
            value = enum_word(value, lang)
        elif isinstance(value, bool) and sv:
            value = BOOL_WORDS["sv"][0 if value else 1]
        r = append_row(ws, [param_name(name, lang), key or None, year, value, unit or None, hint])
        ws.cell(r, 6).font = note_font
        choices = drop_downs.get(name) or (drop_downs["BOOL"] if param.kind == BOOL else None)
        if choices is not None:
            choices.add(ws.cell(r, 4))
        if name in _PERCENT_PARAMS:
            ws.cell(r, 4).number_format = "0.00%"
    _style_header(ws, len(METHOD_HEADERS))
    for col, width in zip("ABCDEF", (30, 18, 10, 16, 16, 90), strict=True):
        ws.column_dimensions[col].width = width


def _drop_downs(ws: Worksheet, lang: str) -> dict[str, Any]:
    """The drop-down lists of the Method sheet: one per enumeration, ``BOOL`` for yes/no."""
    from openpyxl.worksheet.datavalidation import DataValidation

    lists = {
        p.name: tuple(enum_word(c, lang) for c in p.choices) for p in METHOD_PARAMS if p.choices
    } | {"BOOL": BOOL_WORDS.get(lang, BOOL_WORDS["en"])}
    found: dict[str, Any] = {}
    for name, choices in lists.items():
        found[name] = DataValidation(
            type="list", formula1=f'"{",".join(choices)}"', allow_blank=True
        )
        ws.add_data_validation(found[name])
    return found


def _write_data_sheet(
    ws: Worksheet, spec: SheetSpec, rows: list[dict[str, Any]], lang: str
) -> None:
    from openpyxl.utils import get_column_letter

    headers = [column_header(spec.name, c, lang) for c in spec.columns]
    append_row(ws, headers)
    for row in rows:
        cells = row
        if lang == "sv" and row.get("category"):
            cells = {**row, "category": category_label(row["category"], "sv")}
        append_row(ws, [cells.get(c.key) for c in spec.columns])
    _style_header(ws, len(spec.columns), wrap=True)
    for index, column in enumerate(spec.columns, start=1):
        letter = get_column_letter(index)
        width = len(headers[index - 1]) * 0.55 + 4
        ws.column_dimensions[letter].width = max(12, min(34, width))
        if column.key == "escalation" or (
            spec.name == "Circularity" and column.kind == FLOAT and "ratio" not in column.key
        ):
            for (cell,) in ws.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = "0.00%"
    ws.row_dimensions[1].height = 45


def _style_header(ws: Worksheet, columns: int, *, wrap: bool = False) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    for index in range(1, columns + 1):
        cell = ws.cell(1, index)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        if wrap:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "B2"
