"""Everything the client writes: cells that are data, never formulas; files whole, or not at all.

- :func:`put_cell` / :func:`append_row` — the one way the client writes a worksheet cell. Text
  is stored as a string (openpyxl data type ``s``), whatever it starts with: a bidder's supplier
  ``=HYPERLINK("http://…?"&C3,"x")`` or a bid id ``=1+2`` stays text in the evaluator's report,
  never a live formula (nor an error value such as ``#N/A``).
- :func:`csv_safe` — CSV cells escaped by OWASP's rule against CSV injection: text beginning
  with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'``.
- :func:`write_file` — the one way the client writes a file: into a temporary file in the same
  folder, flushed and fsynced, then renamed over the target (``os.replace``). A failure (a full
  disk, a killed process) leaves the previous file as it was and raises
  :class:`TcoOutputError` naming the path.
- :func:`save_workbook` — an openpyxl workbook through :func:`write_file`, without timestamps:
  the same content gives the same bytes.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import pandas as pd

from tco_client.errors import TcoOutputError

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

#: What makes a spreadsheet read a CSV cell as a formula (OWASP, CSV injection).
CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


#: Characters XML 1.0, so a workbook, cannot hold (openpyxl refuses them).
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _cell_text(value: Any) -> Any:
    return _NOT_IN_XML.sub("\ufffd", value) if isinstance(value, str) else value


def put_cell(ws: Worksheet, row: int, column: int, value: Any) -> Cell:
    """Write ``value`` into a cell; text is always stored as text, never as a formula (a control
    character a workbook cannot hold becomes U+FFFD)."""
    cell = ws.cell(row, column)
    cell.value = _cell_text(value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def append_row(ws: Worksheet, values: Iterable[Any]) -> int:
    """Write ``values`` into the row below the last one (text as :func:`put_cell`); its number."""
    values = [_cell_text(value) for value in values]
    ws.append(values)
    row: int = ws._current_row  # the row append wrote (ws.max_row would scan every cell)
    for column, value in enumerate(values, start=1):
        if isinstance(value, str):
            put_cell(ws, row, column, value)
    return row


def csv_safe(value: Any) -> Any:
    """``value``, with a leading ``'`` when it is text a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(CSV_FORMULA_START):
        return "'" + value
    return value


def csv_text(frame: pd.DataFrame) -> str:
    """``frame`` as CSV text, every cell through :func:`csv_safe`."""
    safe = frame.rename(columns=csv_safe)
    for column in safe.columns:
        if pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(csv_safe)
    text: str = safe.to_csv(index=False, lineterminator="\n")
    return text


def write_file(path: str | Path, write: Callable[[IO[bytes]], object]) -> Path:
    """Write a file whole or not at all: ``write(f)`` fills a temporary file next to ``path``,
    which then replaces ``path``. Raises :class:`TcoOutputError` naming ``path``."""
    path = Path(path)
    temporary: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        mode = path.stat().st_mode & 0o777 if path.exists() else _new_file_mode()
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
        temporary = None
        _sync_folder(path.parent)
    except OSError as exc:
        raise TcoOutputError(path, exc.strerror or str(exc)) from exc
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
    return path


def _new_file_mode() -> int:
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def _sync_folder(folder: Path) -> None:
    """Make the rename durable (where the platform can open a folder)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


_CORE_DATES = re.compile(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>")
_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def save_workbook(wb: Workbook, path: str | Path) -> Path:
    """Save ``wb`` through :func:`write_file` without timestamps: core properties lose
    created/modified, zip entries get a fixed time; the same content gives the same bytes."""
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _CORE_DATES.sub(b"", data)
            entry = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, data)
    return write_file(path, lambda f: f.write(out.getvalue()))
