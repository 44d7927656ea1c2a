"""Reading the ``Method`` sheet of the tender workbook into ``tender_pb2.Method``.

One parameter per row (``parameter | key | year | value | unit | note``, see
:data:`tco_client.workbook_layout.METHOD_PARAMS`). A parameter without key or year is read by its
kind into its field; the others by their reader in :data:`_READERS`. Keyed parameters
(``resource_price``, ``emission_factor`` …) gather their rows into one entry per key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tco_client.i18n_workbook import canonical_enum, canonical_param
from tco_client.workbook_cells import CellReader, SheetRow, sheet_rows
from tco_client.workbook_layout import (
    BOOL,
    ENUM_VALUES,
    FLOAT,
    INT,
    METHOD_HEADERS,
    METHOD_PARAM_BY_NAME,
    NO_DEFAULT,
    TEXT,
    MethodParam,
)
from tcoapi.v1 import tender_pb2

if TYPE_CHECKING:
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet


@dataclass
class _ParamRow:
    """A Method row checked against its parameter: its cells, key and year."""

    cells: SheetRow
    param: MethodParam
    key: str
    year: int | None

    @property
    def value_ref(self) -> str:
        return self.cells.cell_ref("value")

    def as_quantity(self) -> SheetRow:
        """The row seen with ``value``/``value_unit`` columns (its ``unit`` column)."""
        row = self.cells
        columns = dict(row.columns)
        if "unit" in columns:
            columns["value_unit"] = columns["unit"]
        cells = {**row.cells, "value_unit": row.cells.get("unit")}
        return SheetRow(row.sheet, row.number, cells, columns, dict(row.names))


@dataclass
class _MethodSheet:
    """The method being filled, and the entries of keyed parameters by key."""

    method: tender_pb2.Method
    reader: CellReader
    resource_prices: dict[str, tender_pb2.ResourcePrice] = field(default_factory=dict)
    yearly: dict[str, dict[int, tuple[float, str]]] = field(default_factory=dict)
    factors: dict[str, tender_pb2.EmissionFactor] = field(default_factory=dict)
    pollutants: dict[str, tender_pb2.PollutantPrice] = field(default_factory=dict)
    seen_scalars: dict[str, str] = field(default_factory=dict)

    def keyed(self, row: _ParamRow, by_key: dict[str, Any], path: str, **key: str) -> Any:
        """The entry of ``row.key`` in ``method.<path>`` (added on its first row)."""
        if row.key not in by_key:
            repeated = getattr(self.method, path)
            by_key[row.key] = repeated.add(**key)
            self.reader.locations[f"method.{path}[{len(repeated) - 1}]"] = row.cells.cell_ref()
        return by_key[row.key]

    def resource_price(self, row: _ParamRow) -> Any:
        return self.keyed(row, self.resource_prices, "resource_prices", resource=row.key)

    def factor(self, row: _ParamRow) -> Any:
        return self.keyed(row, self.factors, "emission_factors", resource=row.key)

    def pollutant(self, row: _ParamRow) -> Any:
        return self.keyed(row, self.pollutants, "pollutant_prices", pollutant=row.key)

    def quantity(self, row: _ParamRow, target: tender_pb2.Quantity, path: str) -> None:
        self.reader.quantity(row.as_quantity(), "value", target, NO_DEFAULT, path)

    def number(self, row: _ParamRow) -> float | None:
        return self.reader.number(row.cells, "value")

    def flag(self, row: _ParamRow) -> bool | None:
        return self.reader.boolean(row.cells.get("value"), row.cells.where("value"))


def read_method(
    ws: ReadOnlyWorksheet, method: tender_pb2.Method, reader: CellReader, *, sheet: str = "Method"
) -> None:
    """Fill ``method`` from the Method sheet (named ``sheet``: ``Method`` or ``Metod``); every
    problem goes to ``reader``."""
    found = _MethodSheet(method, reader)
    for cells in sheet_rows(ws, sheet, METHOD_HEADERS, reader, unread=("note",), layout="Method"):
        row = _param_row(cells, found)
        if row is not None:
            _READERS.get(row.param.name, _scalar)(found, row)
    method_locations(sheet, reader)
    for key, by_year in found.yearly.items():
        years = sorted(by_year)
        if years != list(range(1, len(years) + 1)):
            reader.bad(
                by_year[years[0]][1],
                f"resource_yearly_escalation of {key} needs years 1, 2, … without gaps; "
                f"got {years}",
            )
            continue
        found.resource_prices[key].yearly_escalation.extend(by_year[y][0] for y in years)


def _param_row(row: SheetRow, sheet: _MethodSheet) -> _ParamRow | None:
    """The row with its parameter, key and year checked; None when it is empty or bad."""
    reader = sheet.reader
    name_raw = reader.text(row, "parameter")
    if row.get("value") is None:
        if row.filled(("key", "year", "unit")):
            reader.bad(row.where("value"), "the value is missing")
        elif name_raw is not None:
            _note_empty(row, canonical_param(name_raw), reader)
        return None
    if name_raw is None:
        reader.bad(row.where("parameter"), "a value without a parameter name")
        return None
    name = canonical_param(name_raw)
    param = METHOD_PARAM_BY_NAME.get(name)
    if param is not None:
        row.names["value"] = name
    if param is None:
        reader.bad(row.where("parameter"), f"unknown parameter {name_raw!r}")
        return None
    key = reader.text(row, "key") or ""
    if bool(param.key) != bool(key):
        needs = f"needs a key ({param.key})" if param.key else "takes no key"
        reader.bad(row.where("key"), f"{name} {needs}")
        return None
    year = reader.integer(row, "year") if param.year else None
    if param.year and year is None:
        if row.get("year") is None:
            reader.bad(row.where("year"), f"{name} needs a year ({param.year})")
        return None
    if not param.year and row.get("year") is not None:
        reader.bad(row.where("year"), f"{name} takes no year")
        return None
    if not param.key and not param.year:
        if name in sheet.seen_scalars:
            reader.bad(
                row.where("parameter"),
                f"{name} is given twice (also at {sheet.seen_scalars[name]})",
            )
            return None
        sheet.seen_scalars[name] = row.cell_ref("parameter")
    return _ParamRow(row, param, key, year)


def _note_empty(row: SheetRow, name: str, reader: CellReader) -> None:
    """An empty scalar parameter's cell becomes the location of its request path: the server's
    "required" then names the cell (``Metod!D5``), and the field stays absent, never 0."""
    param = METHOD_PARAM_BY_NAME.get(name)
    if param is not None and not param.key and not param.year and "value" in row.columns:
        path = "method." + _SCALAR_FIELDS.get(name, name)
        reader.locations.setdefault(path, row.cell_ref("value"))


def method_locations(sheet: str, reader: CellReader) -> None:
    """Scalar parameters without a row: their path located at the sheet and parameter name
    (``Metod (discount_rate)``), so a "required" still says where to add it."""
    for param in METHOD_PARAM_BY_NAME.values():
        if not param.key and not param.year:
            path = "method." + _SCALAR_FIELDS.get(param.name, param.name)
            reader.locations.setdefault(path, f"{sheet} ({param.name})")


def _enum_value(row: _ParamRow, reader: CellReader) -> int | None:
    """An enumeration by its short name (``mid_year``) or its proto name (``TIMING_MID_YEAR``)."""
    value = str(row.cells.get("value"))
    prefix, table = ENUM_VALUES[row.param.name]
    text = value.strip()
    if text.upper().startswith(prefix):
        text = text[len(prefix) :]
    text = canonical_enum(row.param.name, text)
    if text not in table:
        reader.bad(row.cells.where("value"), f"{value!r} is not one of: {', '.join(table)}")
        return None
    return table[text]


#: Where a scalar parameter goes in the method, when not in the field of its name.
_SCALAR_FIELDS = {
    "evaluation_model": "evaluation_model.kind",
    "externality_factor": "evaluation_model.externality_factor",
    "carbon_price_series": "carbon_price.series_id",
    "carbon_price_undiscounted": "carbon_price.undiscounted",
}


def _scalar(sheet: _MethodSheet, row: _ParamRow) -> None:
    """A parameter without key or year: its value, by its kind, into its field."""
    reader, kind = sheet.reader, row.param.kind
    value: Any
    if kind == TEXT:
        value = reader.text(row.cells, "value") or ""
        value = value.upper() if row.param.name == "currency" else value
    elif kind == INT:
        value = reader.integer(row.cells, "value")
    elif kind == FLOAT:
        value = sheet.number(row)
    elif kind == BOOL:
        value = sheet.flag(row)
    else:
        value = _enum_value(row, reader)
    if value is not None:
        path = _SCALAR_FIELDS.get(row.param.name, row.param.name)
        *parents, name = path.split(".")
        target = sheet.method
        for parent in parents:
            target = getattr(target, parent)
        setattr(target, name, value)
        reader.locations[f"method.{path}"] = row.value_ref


def _ladder_discount(sheet: _MethodSheet, row: _ParamRow) -> None:
    level = sheet.reader.integer_of(row.key, row.cells.where("key"))
    discount = sheet.number(row)
    if level is not None and discount is not None:
        ladder = sheet.method.evaluation_model.ladder
        ladder.add(level=level, discount=discount)
        path = f"method.evaluation_model.ladder[{len(ladder) - 1}]"
        sheet.reader.locations[path] = row.cells.cell_ref()


def _deduction(sheet: _MethodSheet, row: _ParamRow) -> None:
    """A criterion of the deductions table, with its one level "met" and its amount."""
    criteria = sheet.method.evaluation_model.deduction_criteria
    if any(c.criterion == row.key for c in criteria):
        sheet.reader.bad(row.cells.where("key"), "this deduction criterion is given twice")
        return
    level = criteria.add(criterion=row.key).levels.add(level="met")
    path = f"method.evaluation_model.deduction_criteria[{len(criteria) - 1}]"
    sheet.reader.locations[path] = row.cells.cell_ref()
    sheet.quantity(row, level.amount, f"{path}.levels[0].amount")


def _exchange_rate(sheet: _MethodSheet, row: _ParamRow) -> None:
    rate = sheet.number(row)
    if rate is None:
        return
    code = row.key.upper()
    rates = sheet.method.exchange_rates
    if code in rates:
        sheet.reader.bad(row.cells.where("key"), f"exchange rate for {code} is given twice")
    rates[code] = rate
    for path in (f"[{code}]", f'["{code}"]', f".{code}"):
        sheet.reader.locations[f"method.exchange_rates{path}"] = row.value_ref


def _resource_price(sheet: _MethodSheet, row: _ParamRow) -> None:
    price = sheet.resource_price(row)
    if price.HasField("price"):
        sheet.reader.bad(row.cells.where("key"), f"price of {row.key} is given twice")
    index = list(sheet.resource_prices).index(row.key)
    sheet.quantity(row, price.price, f"method.resource_prices[{index}].price")


def _resource_escalation(sheet: _MethodSheet, row: _ParamRow) -> None:
    escalation = sheet.number(row)
    if escalation is not None:
        sheet.resource_price(row).escalation = escalation


def _resource_yearly_escalation(sheet: _MethodSheet, row: _ParamRow) -> None:
    escalation = sheet.number(row)
    if escalation is not None and row.year is not None:
        sheet.resource_price(row)
        by_year = sheet.yearly.setdefault(row.key, {})
        by_year[row.year] = (escalation, row.cells.where("year"))


def _emission_factor(sheet: _MethodSheet, row: _ParamRow) -> None:
    factor = sheet.factor(row)
    index = list(sheet.factors).index(row.key)
    sheet.quantity(row, factor.factor, f"method.emission_factors[{index}].factor")


def _emission_factor_text(sheet: _MethodSheet, row: _ParamRow) -> None:
    attr = "basis" if row.param.name == "emission_factor_basis" else "reference_id"
    setattr(sheet.factor(row), attr, sheet.reader.text(row.cells, "value") or "")


def _emission_factor_point(sheet: _MethodSheet, row: _ParamRow) -> None:
    factor = sheet.factor(row)
    point = factor.trajectory.add(year=row.year or 0)
    index = list(sheet.factors).index(row.key)
    path = f"method.emission_factors[{index}].trajectory[{len(factor.trajectory) - 1}]"
    sheet.quantity(row, point.factor, path)


def _carbon_price(sheet: _MethodSheet, row: _ParamRow) -> None:
    sheet.quantity(row, sheet.method.carbon_price.price, "method.carbon_price.price")


def _carbon_price_point(sheet: _MethodSheet, row: _ParamRow) -> None:
    points = sheet.method.carbon_price.points
    point = points.add(year=row.year or 0)
    sheet.quantity(row, point.price, f"method.carbon_price.points[{len(points) - 1}]")


def _pollutant_price(sheet: _MethodSheet, row: _ParamRow) -> None:
    price = sheet.pollutant(row)
    index = list(sheet.pollutants).index(row.key)
    sheet.quantity(row, price.price, f"method.pollutant_prices[{index}].price")


def _pollutant_price_undiscounted(sheet: _MethodSheet, row: _ParamRow) -> None:
    flag = sheet.flag(row)
    if flag is not None:
        sheet.pollutant(row).undiscounted = flag


_READERS: dict[str, Callable[[_MethodSheet, _ParamRow], None]] = {
    "ladder_discount": _ladder_discount,
    "deduction": _deduction,
    "exchange_rate": _exchange_rate,
    "resource_price": _resource_price,
    "resource_escalation": _resource_escalation,
    "resource_yearly_escalation": _resource_yearly_escalation,
    "emission_factor": _emission_factor,
    "emission_factor_basis": _emission_factor_text,
    "emission_factor_reference": _emission_factor_text,
    "emission_factor_point": _emission_factor_point,
    "carbon_price": _carbon_price,
    "carbon_price_point": _carbon_price_point,
    "pollutant_price": _pollutant_price,
    "pollutant_price_undiscounted": _pollutant_price_undiscounted,
}
