"""A readings file's rows as text columns, streamed in chunks with bounded memory: CSV through
pandas' C parser, a workbook through openpyxl's read-only stream (the part of
:mod:`tco_client.readings_file` that reads files).

A workbook is bounded as :mod:`tco_client.input_limits` bounds a tender's, with limits for
readings (a meter portal's year of hourly values for a hundred meters is a large workbook):
before openpyxl opens it, the file's size, the zip directory (sheets, unpacked sizes, the shared
strings, compression ratios) and, streamed in blocks, each sheet's XML, where no row may exceed
:data:`MAX_ROW_XML_BYTES` (openpyxl holds one row at a time, so this bounds its memory); while
reading, the rows of the sheet (Excel's own limit).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import pandas as pd

from tco_client.input_limits import refuse

MiB: Final = 2**20
#: The largest readings workbook.
MAX_WORKBOOK_BYTES: Final = 256 * MiB
#: One part of a workbook (a sheet's XML), unpacked.
MAX_PART_BYTES: Final = 4096 * MiB
#: The shared strings part, unpacked (openpyxl holds it whole).
MAX_SHARED_STRINGS_BYTES: Final = 64 * MiB
#: Unpacked / packed size of a part larger than 1 MiB.
MAX_COMPRESSION_RATIO: Final = 200
#: Worksheets in a workbook.
MAX_SHEETS: Final = 32
#: The XML of one row (about 16 000 cells).
MAX_ROW_XML_BYTES: Final = 4 * MiB
#: Rows of a sheet (Excel's limit).
MAX_SHEET_ROWS: Final = 1_048_576
#: Columns of the header row read (Excel's limit is 16 384).
MAX_SHEET_COLUMNS: Final = 1024


def csv_frames(
    path: Path, delimiter: str, wanted: Sequence[str], chunk_rows: int, row: str
) -> Iterator[pd.DataFrame]:
    """An empty frame with the header's columns, then the ``wanted`` columns of ``chunk_rows``
    rows at a time as text (column ``row``: the row's number, the header being row 1).
    ``delimiter`` empty: the most frequent of ``;``, ``,`` and tab in the header."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header_line = handle.readline()
    delimiter = delimiter or max(";,\t", key=header_line.count)
    header = [h.strip() for h in header_line.rstrip("\r\n").split(delimiter)]
    yield pd.DataFrame(columns=header)
    usecols = sorted({header.index(c) for c in wanted if c in header})
    reader = pd.read_csv(
        path, sep=delimiter, dtype=object, keep_default_na=False, na_filter=False,
        skip_blank_lines=False, encoding="utf-8-sig", header=0, names=header,
        usecols=usecols, chunksize=chunk_rows, engine="c",
    )  # fmt: skip
    with reader:
        for chunk in reader:
            chunk[row] = chunk.index.to_numpy() + 2
            yield chunk


def cell_text(value: object, decimal: str) -> str:
    """A workbook cell as the text a CSV would hold (times to the second: Excel stores them as
    fractions of a day, so 01:00 may come back as 00:59:59.999999)."""
    if value is None or isinstance(value, bool):
        return "" if value is None else str(value)
    if isinstance(value, int | float):
        return repr(float(value)).replace(".", decimal)
    if isinstance(value, datetime):
        rounded = (value + timedelta(microseconds=500_000)).replace(microsecond=0)
        return rounded.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def workbook_frames(
    path: Path, sheet: str, wanted: Sequence[str], decimal: str, *, chunk_rows: int, row: str
) -> Iterator[pd.DataFrame]:
    """As :func:`csv_frames`, from the sheet named ``sheet`` (empty: the first) of a workbook."""
    from openpyxl import load_workbook  # noqa: PLC0415 - the report extra, only for .xlsx

    check_readings_workbook(path)
    book = load_workbook(path, read_only=True, data_only=True)
    try:
        chosen = book[sheet] if sheet else book.worksheets[0]
        # bounds given: openpyxl would otherwise read the whole sheet to find its extent
        first = chosen.iter_rows(max_row=1, max_col=MAX_SHEET_COLUMNS, values_only=True)
        header = [str(c).strip() if c is not None else "" for c in next(first, ())]
        while header and not header[-1]:
            header.pop()
        yield pd.DataFrame(columns=header)
        names = list(dict.fromkeys(c for c in wanted if c in header))
        at = [header.index(c) for c in names]
        lines = chosen.iter_rows(min_row=2, max_row=MAX_SHEET_ROWS + 1,
                                 max_col=max(at, default=0) + 1, values_only=True)  # fmt: skip
        data: list[list[str]] = []
        number = 1
        for number, line in enumerate(lines, start=2):
            if number > MAX_SHEET_ROWS:
                raise refuse(path.name, f"over {MAX_SHEET_ROWS} rows")
            data.append([cell_text(line[i], decimal) if i < len(line) else "" for i in at])
            if len(data) == chunk_rows:
                yield _frame(data, names, number, row)
                data = []
        if data:
            yield _frame(data, names, number, row)
    finally:
        book.close()


def _frame(data: list[list[str]], names: list[str], last: int, row: str) -> pd.DataFrame:
    frame = pd.DataFrame(data, columns=names, dtype=object)
    frame[row] = range(last - len(data) + 1, last + 1)
    return frame


def check_readings_workbook(path: Path) -> None:
    """Refuse a workbook out of bounds before openpyxl opens it."""
    try:
        size = path.stat().st_size
        if size > MAX_WORKBOOK_BYTES:
            raise refuse(path.name, f"{size / MiB:.1f} MiB is over the limit of "
                                    f"{MAX_WORKBOOK_BYTES / MiB:.0f} MiB")  # fmt: skip
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
            _check_parts(parts, path.name)
            for part in parts:
                if part.filename.startswith("xl/worksheets/") and part.filename.endswith(".xml"):
                    _check_rows(archive, part.filename, path.name)
    except (OSError, zipfile.BadZipFile, ValueError) as exc:
        raise refuse(path.name, f"not a readable workbook: {exc}") from None


def _check_parts(parts: list[zipfile.ZipInfo], source: str) -> None:
    sheets = [p for p in parts if p.filename.startswith("xl/worksheets/sheet")]
    if len(sheets) > MAX_SHEETS:
        raise refuse(source, f"{len(sheets)} sheets, over the limit of {MAX_SHEETS}")
    for part in parts:
        limit = MAX_PART_BYTES
        if "sharedstrings" in part.filename.lower():
            limit = MAX_SHARED_STRINGS_BYTES
        if part.file_size > limit:
            raise refuse(source, f"{part.filename} unpacks to {part.file_size / MiB:.1f} MiB, "
                                 f"over {limit / MiB:.0f} MiB")  # fmt: skip
        if part.file_size > MiB and part.file_size > MAX_COMPRESSION_RATIO * part.compress_size:
            ratio = part.file_size // max(part.compress_size, 1)
            raise refuse(source, f"{part.filename} is compressed {ratio}:1, over "
                                 f"{MAX_COMPRESSION_RATIO}:1")  # fmt: skip


def _check_rows(archive: zipfile.ZipFile, part: str, source: str) -> None:
    """No row of the sheet's XML longer than :data:`MAX_ROW_XML_BYTES` (streamed in blocks of
    1 MiB: a row within one block is shorter than the limit; only the stretch since the last
    row tag is carried)."""
    since = 0
    stream: Any
    with archive.open(part) as stream:
        for block in iter(lambda: stream.read(MiB), b""):
            first = block.find(b"<row")
            if first < 0:
                since += len(block)
            else:
                since += first
            if since > MAX_ROW_XML_BYTES:
                raise refuse(source, f"{part}: a row of over {MAX_ROW_XML_BYTES / MiB:.0f} MiB "
                                     "of XML")  # fmt: skip
            if first >= 0:
                since = len(block) - block.rfind(b"<row")
