"""Worksheet helpers shared by the evaluation and analysis reports: number formats, styled
headers, tables, column widths, sheet titles. Every cell goes through
:func:`tco_client.safe_output.append_row`: text from a request or a response stays text.
"""

# ruff: noqa: PLC0415 - openpyxl (the report extra) is imported lazily
from __future__ import annotations

import math
import re
import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from tco_client.frames import is_fraction
from tco_client.i18n import column_label
from tco_client.safe_output import put_cell

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

FMT_MONEY = "#,##0"
FMT_MONEY_2 = "#,##0.00"
FMT_KG = "#,##0.0"
FMT_PERCENT = "0.00%"
FMT_RATIO = "0.000"
FMT_INT = "0"
FMT_YEAR = "0"

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def column_format(column: str, currency: str) -> str | None:
    if column.endswith(f"_{currency}_per_tCO2e"):
        return FMT_MONEY
    if column == f"cost_per_functional_unit_{currency}":
        return FMT_MONEY_2  # 2.54 / 2.74 / 2.91 per vehicle-km must not all print as 3
    if is_fraction(column):  # a fraction (0.031) in a percent format (3.10 %)
        return FMT_PERCENT
    if column.endswith("_kgCO2e") or column.endswith("_tCO2e"):
        return FMT_KG
    if column.endswith(f"_{currency}"):
        return FMT_MONEY
    if column in ("sir", "material_circularity"):
        return FMT_RATIO
    if column in ("rank", "year", "calendar_year") or column.endswith("_years"):
        return FMT_INT
    return None


def cell_value(value: Any) -> Any:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return value


def style_header(ws: Worksheet, ncols: int, row: int = 1) -> None:
    """Bold, shaded, wrapped header cells in ``row`` (in the body's font: a cell font without a
    name prints in the spreadsheet's serif default)."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    bold = Font(name="Calibri", size=11, bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    border = Border(bottom=Side(style="thin", color="8EA9DB"))
    alignment = Alignment(wrap_text=True, vertical="bottom")
    _HEADER_ROWS.setdefault(ws, set()).add(row)
    for col in range(1, ncols + 1):
        cell = ws.cell(row, col)
        cell.font = bold
        cell.fill = fill
        cell.border = border
        cell.alignment = alignment


#: The header rows of each sheet (:func:`style_header`), which :func:`fit_widths` wraps.
_HEADER_ROWS: weakref.WeakKeyDictionary[Any, set[int]] = weakref.WeakKeyDictionary()

#: Points per line of 11-point text, and the widest a header may make its column (characters):
#: longer headers wrap onto up to four lines instead of widening the printed page.
LINE_HEIGHT = 15.0
HEADER_WIDTH = 16
#: Characters of ordinary text per unit of column width (the unit is the width of a digit, and
#: most letters are narrower).
CHARACTERS_PER_WIDTH = 1.2


def _shown_width(value: Any, number_format: str) -> int:
    """Characters ``value`` takes as the spreadsheet shows it in ``number_format``."""
    if isinstance(value, bool):
        return 5
    if isinstance(value, int | float):
        if number_format.endswith("%"):
            places = len(number_format.rsplit(".", 1)[1]) - 1 if "." in number_format else 0
            return len(f"{value * 100:,.{places}f}") + 1
        if number_format in ("0", "General") and isinstance(value, int):
            return len(str(value))
        places = len(number_format.rsplit(".", 1)[1]) if "." in number_format else 2
        places = min(places, 4)
        return len(f"{value:,.{places}f}")
    return max(len(line) for line in str(value).splitlines() or [""])


def _header_width(header: str) -> int:
    """The column width a header needs wrapped onto at most four lines (its longest word)."""
    longest = max((len(word) for word in header.split()), default=0)
    return max(longest, min(HEADER_WIDTH, -(-len(header) // 4)), min(len(header), 8))


def _lines(value: Any, width: int) -> int:
    """Lines ``value`` wraps onto in a column ``width`` characters wide."""
    import textwrap

    per_line = max(int(width * CHARACTERS_PER_WIDTH), 1)
    return sum(max(1, len(textwrap.wrap(line, per_line))) for line in str(value).splitlines())


def fit_widths(ws: Worksheet, minimum: int = 8, maximum: int = 60) -> None:
    """Column widths from the content as shown (number formats applied); headers (the rows
    :func:`style_header` styled) wrap (at most
    :data:`HEADER_WIDTH` characters unless a word is longer) and text longer than ``maximum``
    wraps, with the row heights set so that wrapped lines print whole."""
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    header_rows = _HEADER_ROWS.get(ws, set())
    widths: dict[int, int] = {}
    wrapped: list[Any] = []
    for row in ws.iter_rows():
        for cell in row:
            value = cell.value
            if value is None:
                continue
            if cell.row in header_rows:
                n = _header_width(str(value))
            else:
                n = _shown_width(value, cell.number_format)
                if n > maximum:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
                    wrapped.append(cell)
            widths[cell.column] = max(widths.get(cell.column, 0), n)
    final = {col: max(minimum, min(maximum, n + 2)) for col, n in widths.items()}
    for col, width in final.items():
        ws.column_dimensions[get_column_letter(col)].width = width
    heights: dict[int, int] = {}
    for cell in wrapped:
        lines = _lines(cell.value, final[cell.column])
        heights[cell.row] = max(heights.get(cell.row, 1), lines)
    top = Alignment(vertical="top")
    for row_number in heights:  # a row of wrapped text reads from its top, every cell
        for cell in ws[row_number]:
            if cell.value is not None and not cell.alignment.wrap_text:
                cell.alignment = top
    for header_row in header_rows:
        header_lines = max(
            (_lines(c.value, final.get(c.column, minimum)) for c in ws[header_row] if c.value),
            default=1,
        )
        heights[header_row] = max(header_lines, 2)
    for row_number, lines in heights.items():
        ws.row_dimensions[row_number].height = LINE_HEIGHT * lines + 2


def write_table(
    ws: Worksheet,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    formats: Sequence[str | None],
    *,
    freeze: str = "A2",
    start_row: int = 1,
) -> int:
    """A styled table from ``start_row`` (the first one freezes the panes at ``freeze``);
    ``formats`` are the number formats by column. Returns the row after the table and a gap."""
    for col, header in enumerate(headers, start=1):
        put_cell(ws, start_row, col, header)
    for r, values in enumerate(rows, start=start_row + 1):
        for col, raw in enumerate(values, start=1):
            value = cell_value(raw)
            if value is None:
                continue
            cell = put_cell(ws, r, col, value)
            fmt = formats[col - 1] if col <= len(formats) else None
            if fmt and isinstance(value, int | float) and not isinstance(value, bool):
                cell.number_format = fmt
    style_header(ws, len(headers), start_row)
    if start_row == 1:
        ws.freeze_panes = freeze
    fit_widths(ws)
    return start_row + len(rows) + 2


def write_frame(
    ws: Worksheet,
    frame: pd.DataFrame,
    currency: str,
    lang: str,
    *,
    index: bool = False,
    freeze: str = "B2",
    transform: dict[str, Callable[[Any], Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> None:
    data = frame.reset_index() if index else frame
    columns = [str(c) for c in data.columns]
    named = headers or {}
    header_row = [named.get(c) or column_label(c, lang) for c in columns]
    formats = [column_format(c, currency) for c in columns]
    transform = transform or {}
    rows = []
    for record in data.itertuples(index=False, name=None):
        row = []
        for column, value in zip(columns, record, strict=True):
            fn = transform.get(column)
            row.append(fn(value) if fn is not None and cell_value(value) is not None else value)
        rows.append(row)
    write_table(ws, header_row, rows, formats, freeze=freeze)


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
