"""Cells of the tender workbook: reading rows as text, numbers and quantities, with the cell of
every problem (``Bids!G5 (unit_price)``) and of every request path.

Rows are streamed (openpyxl's read-only mode), the sheets' shape already checked by
:mod:`tco_client.input_limits`. A cell holding a formula is refused, naming the cell: the result
a spreadsheet application stored with it may be missing, or disagree with the formula (any
program can write both), so it cannot be read as the value; the evaluator types the value.
"""

# ruff: noqa: PLC0415 - openpyxl (the report extra) is imported lazily
from __future__ import annotations

import datetime
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tco_client.errors import FieldViolation
from tco_client.i18n_workbook import column_aliases
from tco_client.input_limits import MAX_SHEET_COLUMNS, MAX_SHEET_ROWS
from tco_client.workbook_layout import (
    CO2E,
    MASS,
    MONEY,
    MONEY_PER_YEAR,
    NO_DEFAULT,
    TIME,
    header_key,
)
from tcoapi.v1 import tender_pb2

if TYPE_CHECKING:
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

_TRUE = {"true", "yes", "ja", "sant", "1", "x"}


def shown(value: Any) -> str:
    """A cell's value for a message: a date as a date (``2026-01-01``), a time with its time,
    text quoted, a number as typed."""
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, str) else str(value)


_FALSE = {"false", "no", "nej", "falskt", "0", ""}


@dataclass
class SheetRow:
    """A data row of a sheet: its cells by column key, and where each came from."""

    sheet: str
    number: int
    cells: dict[str, Any]
    columns: dict[str, str]  # key -> column letter
    #: What a column's cell holds when not the column key itself (a Method row's ``value`` cell
    #: holds its parameter: ``Method!D3 (base_year)``).
    names: dict[str, str] = field(default_factory=dict)

    def where(self, key: str | None = None) -> str:
        """The cell of ``key`` and its column key (``Bids!G5 (unit_price)``), or the row."""
        if key not in self.columns:
            return self.cell_ref()
        return f"{self.cell_ref(key)} ({self.names.get(key, key)})"

    def cell_ref(self, key: str | None = None) -> str:
        """The cell of ``key`` (``'Resource use'!D2``), or the row (``Bids row 5``)."""
        sheet = f"'{self.sheet}'" if " " in self.sheet else self.sheet
        if key in self.columns:
            return f"{sheet}!{self.columns[key]}{self.number}"
        return f"{sheet} row {self.number}"

    def get(self, key: str) -> Any:
        value = self.cells.get(key)
        if isinstance(value, str):
            value = value.strip()
            if value == "":
                return None
        return value

    def filled(self, keys: Sequence[str]) -> bool:
        return any(self.get(k) is not None for k in keys)


@dataclass
class CellReader:
    """Converts cells, records every violation and where each request path came from."""

    violations: list[FieldViolation] = field(default_factory=list)
    locations: dict[str, str] = field(default_factory=dict)
    currency: str = ""

    def bad(self, where: str, description: str) -> None:
        self.violations.append(FieldViolation(where, description))

    # -- cell conversions (None when empty or invalid; invalid is recorded) --

    def text(self, row: SheetRow, key: str) -> str | None:
        value = row.get(key)
        if value is None:
            return None
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        if isinstance(value, datetime.date | datetime.time):
            return shown(value)
        return str(value)

    def number(self, row: SheetRow, key: str) -> float | None:
        return self.number_of(row.get(key), row.where(key))

    def number_of(self, value: Any, where: str) -> float | None:
        if value is None:
            return None
        if isinstance(value, bool | datetime.date | datetime.time):
            self.bad(where, f"expected a number, got {shown(value)}")
            return None
        if isinstance(value, int | float):
            number = float(value)
        else:
            text = str(value).strip().replace("\u00a0", "").replace(" ", "")
            if re.fullmatch(r"-?\d{1,3},\d{3}", text):
                ambiguous = "is ambiguous (decimal or thousands comma?): type a number"
                self.bad(where, f"{shown(value)} {ambiguous}")
                return None
            if text.count(",") == 1 and "." not in text:
                text = text.replace(",", ".")  # Swedish decimal comma
            try:
                number = float(text)
            except ValueError:
                self.bad(where, f"expected a number, got {shown(value)}")
                return None
        if not math.isfinite(number):
            self.bad(where, f"expected a finite number, got {shown(value)}")
            return None
        return number

    def integer(self, row: SheetRow, key: str) -> int | None:
        return self.integer_of(row.get(key), row.where(key))

    def integer_of(self, value: Any, where: str) -> int | None:
        number = self.number_of(value, where)
        if number is None:
            return None
        if not number.is_integer():
            self.bad(where, f"expected a whole number, got {shown(value)}")
            return None
        return int(number)

    def boolean(self, value: Any, where: str) -> bool | None:
        if value is None:
            return None
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if isinstance(value, int | float) and not isinstance(value, bool):
            text = "1" if value == 1 else "0" if value == 0 else text
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        self.bad(where, f"expected TRUE or FALSE, got {shown(value)}")
        return None

    def quantity(
        self,
        row: SheetRow,
        key: str,
        target: tender_pb2.Quantity,
        default_unit: str,
        path: str,
    ) -> bool:
        """Fill ``target`` from ``key`` and ``key_unit``; False when the value cell is empty."""
        value = self.number(row, key)
        unit = self.text(row, f"{key}_unit")
        if key in row.columns:  # also when empty: a server's "required" then names the cell
            self.locations.setdefault(path, row.cell_ref(key))
            self.locations.setdefault(f"{path}.value", row.cell_ref(key))
        if value is None:
            if unit is not None and row.get(key) is None:
                self.bad(
                    row.where(f"{key}_unit"),
                    f"a unit without a value: give {key} or clear the unit",
                )
            return False
        resolved = unit or self._default_unit(default_unit)
        if not resolved and not (default_unit in (MONEY, MONEY_PER_YEAR) and not self.currency):
            # (without a method currency the currency alone is reported, once)
            self.bad(row.where(f"{key}_unit"), f"the unit of {key} is required")
        target.value = value
        target.unit = resolved
        self.locations[path] = row.cell_ref(key)
        self.locations[f"{path}.value"] = row.cell_ref(key)
        if f"{key}_unit" in row.columns:
            self.locations[f"{path}.unit"] = row.cell_ref(f"{key}_unit")
        return True

    def _default_unit(self, default: str) -> str:
        return {
            MONEY: self.currency,
            MONEY_PER_YEAR: f"{self.currency}/year" if self.currency else "",
            TIME: "years",
            CO2E: "kgCO2e",
            MASS: "kg",
            NO_DEFAULT: "",
        }[default]


def sheet_rows(
    ws: ReadOnlyWorksheet,
    sheet: str,
    known: Sequence[str],
    reader: CellReader,
    *,
    unread: Sequence[str] = (),
    layout: str = "",
) -> Iterator[SheetRow]:
    """The non-empty data rows of a sheet whose header names columns of ``known`` (in English or
    Swedish; ``layout`` is the sheet's English name when ``sheet`` is its Swedish one); the
    ``unread`` ones (the Method sheet's notes) are skipped."""
    from openpyxl.utils import get_column_letter

    if not hasattr(ws, "iter_rows"):
        reader.bad(sheet, "not a worksheet (a chart sheet?)")
        return
    header = [cell.value for cell in next(ws.iter_rows(max_row=1, max_col=MAX_SHEET_COLUMNS), ())]
    while header and header[-1] is None:
        header.pop()
    columns = _header_columns(header, sheet, column_aliases(layout or sheet, known), reader)
    for key in unread:
        columns.pop(key, None)
    letters = {k: get_column_letter(i + 1) for k, i in columns.items()}
    rows = ws.iter_rows(min_row=2, max_row=MAX_SHEET_ROWS, max_col=max(len(header), 1))
    for number, cells in enumerate(rows, start=2):
        values: dict[str, Any] = {}
        for key, index in columns.items():
            cell = cells[index] if index < len(cells) else None
            if cell is not None and cell.data_type == "f":
                reader.bad(
                    f"{sheet}!{letters[key]}{number} ({key})",
                    f"a formula ({str(cell.value)[:80]}): type its value, a formula's stored "
                    "result cannot be checked",
                )
                continue
            values[key] = None if cell is None else cell.value
        row = SheetRow(sheet, number, values, letters)
        if any(row.get(k) is not None for k in values):
            yield row


def _header_columns(
    header: Sequence[Any], sheet: str, known: dict[str, str], reader: CellReader
) -> dict[str, int]:
    """Column key -> index of the header's known columns (``known``: header key in either
    language -> column key); unknown and repeated ones are bad."""
    from openpyxl.utils import get_column_letter

    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = known.get(header_key(cell), header_key(cell))
        if not key:
            continue
        where = f"{sheet}!{get_column_letter(index + 1)}1"
        if key not in known.values():
            reader.bad(where, f"unknown column {cell!r}")
        elif key in columns:
            reader.bad(where, f"column {key!r} appears twice")
        else:
            columns[key] = index
    return columns
