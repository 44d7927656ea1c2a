"""Readings for contract follow-up from the files meter portals, invoice systems and fuel-card
services export (CSV or .xlsx), through a column map the buyer states.

Two shapes, chosen by :attr:`ColumnMap.cumulative`:

- **interval** rows: meter, period start, period end, consumption over the period (meter
  portals' hourly or monthly values, invoices, fuel-card transactions);
- **meter index** rows: meter, time, index (the counter's reading): each reading is the advance
  from the meter's previous index to this one, over the time between them; a negative advance is
  refused (a meter change is entered as two meters).

Reading a file is two passes over it in constant memory, so a file of millions of hourly rows is
never held whole: :func:`check_readings_file` checks every row and returns the file's SHA-256
(recorded with each reading) or raises :class:`~tco_client.errors.TcoInvalidTender` naming the
row and column of each problem (at most :data:`MAX_VIOLATIONS`); :func:`iter_readings` then
yields the rows. Checks: the mapped columns exist; times parse (ISO 8601, or an Excel date cell;
a time without offset is in the map's time zone); numbers parse with the map's decimal separator
(never guessed: "1,234" is 1.234 with a decimal comma and refused with a decimal point); the
period ends after it starts; consumption is not negative; a meter's rows are in time order and do
not overlap; a meter the contract lacks is refused. Units are passed on as written: the service
checks them with the same unit grammar as a tender.

A date without a time in an ``end`` column is the last day of the period (invoices say
"2027-01-01 – 2027-01-31"): the period ends at the start of the next day.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

from tco_client.errors import FieldViolation, TcoInvalidTender
from tco_client.input_limits import check_workbook_archive

#: Problems listed before the check stops reading (the file is refused either way).
MAX_VIOLATIONS: Final = 50
#: The largest readings file: 10 million hourly rows of a meter-portal CSV are about 600 MiB.
MAX_READINGS_FILE_BYTES: Final = 2 * 2**30

_SPACES = re.compile(r"[\s\u00a0\u202f]")


@dataclass(frozen=True)
class ColumnMap:
    """Which column holds what, by header text, and how to read the values."""

    meter: str
    quantity: str
    start: str = ""
    end: str = ""
    time: str = ""
    unit: str = ""
    default_unit: str = ""
    estimated: str = ""
    estimated_values: tuple[str, ...] = ("E", "estimated", "estimerad", "uppskattad")
    cumulative: bool = False
    decimal: str = "."
    timezone: str = "Europe/Stockholm"
    sheet: str = ""
    delimiter: str = ""

    def required(self) -> tuple[str, ...]:
        """The header texts the file must have."""
        when = (self.time,) if self.cumulative else (self.start, self.end)
        extra = tuple(c for c in (self.unit, self.estimated) if c)
        return (self.meter, self.quantity, *when, *extra)


@dataclass(frozen=True)
class ReadingRow:
    """One reading: consumption of ``meter`` over [start, end), both in UTC."""

    meter: str
    start: datetime
    end: datetime
    quantity: float
    unit: str
    estimated: bool
    row: int


@dataclass(frozen=True)
class ReadingsFile:
    """A checked file: its digest and what it holds."""

    path: Path
    sha256: str
    rows: int
    meters: tuple[str, ...]
    first: datetime | None
    last: datetime | None


@dataclass
class _Meter:
    last_end: datetime | None = None
    last_row: int = 0
    index: float | None = None
    index_time: datetime | None = None


@dataclass
class _Check:
    source: str
    violations: list[FieldViolation] = field(default_factory=list)

    def add(self, row: int, column: str, problem: str) -> None:
        if len(self.violations) < MAX_VIOLATIONS:
            where = f"{self.source}: row {row}" + (f", column {column!r}" if column else "")
            self.violations.append(FieldViolation(where, problem))

    @property
    def full(self) -> bool:
        return len(self.violations) >= MAX_VIOLATIONS


class _RowError(ValueError):
    def __init__(self, column: str, problem: str) -> None:
        super().__init__(problem)
        self.column = column


def parse_number(text: object, decimal: str) -> float:
    """A number from a cell: spaces (also non-breaking) are digit groups; ``decimal`` is the only
    decimal separator accepted.

    >>> parse_number("1 234,5", ","), parse_number("0.25", "."), parse_number(3, ".")
    (1234.5, 0.25, 3.0)
    """
    if isinstance(text, bool):
        raise ValueError("expected a number, got a true/false cell")
    if isinstance(text, int | float):
        value = float(text)
    else:
        raw = _SPACES.sub("", str(text))
        other = "." if decimal == "," else ","
        if not raw or other in raw:
            raise ValueError(f"expected a number with decimal {decimal!r}, got {str(text)!r}")
        try:
            value = float(raw.replace(decimal, "."))
        except ValueError:
            raise ValueError(f"expected a number, got {str(text)!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {str(text)!r}")
    return value


def parse_time(value: object, zone: ZoneInfo, *, end_of_day: bool = False) -> datetime:
    """A moment in UTC from an ISO 8601 text or a date/datetime cell; a time without offset is in
    ``zone``; a bare date is its midnight, or the next midnight with ``end_of_day``.

    >>> parse_time("2027-01-31", ZoneInfo("Europe/Stockholm"), end_of_day=True).isoformat()
    '2027-01-31T23:00:00+00:00'
    """
    bare_date = False
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment, bare_date = datetime.combine(value, time()), True
    else:
        text = str(value).strip()
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"expected a date or time such as 2027-01-31 13:00, got {text!r}"
            ) from None
        bare_date = len(text) == 10
    if bare_date and end_of_day:
        moment += timedelta(days=1)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def _rows(path: Path, columns: ColumnMap) -> Iterator[tuple[int, dict[str, Any]]]:
    """Row 1: {header: header}; then (row number as a spreadsheet shows it, {header: cell}) of
    every non-empty data row."""
    if path.suffix.lower() == ".xlsx":
        yield from _workbook_rows(path, columns)
        return
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header_line = handle.readline()
        delimiter = columns.delimiter or max(";,\t", key=header_line.count)
        header = [
            h.strip() for h in next(csv.reader(io.StringIO(header_line), delimiter=delimiter), [])
        ]
        yield 1, {h: h for h in header}
        for number, cells in enumerate(csv.reader(handle, delimiter=delimiter), start=2):
            if any(c.strip() for c in cells):
                yield number, dict(zip(header, cells, strict=False))


def _workbook_rows(path: Path, columns: ColumnMap) -> Iterator[tuple[int, dict[str, Any]]]:
    from openpyxl import load_workbook  # noqa: PLC0415 - the report extra, only for .xlsx

    check_workbook_archive(path)
    book = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book[columns.sheet] if columns.sheet else book.worksheets[0]
        lines = sheet.iter_rows(values_only=True)
        header = [str(c).strip() if c is not None else "" for c in next(lines, ())]
        yield 1, {h: h for h in header}
        for number, cells in enumerate(lines, start=2):
            if any(c is not None and str(c).strip() for c in cells):
                yield number, dict(zip(header, cells, strict=False))
    finally:
        book.close()


def _cell(cells: dict[str, Any], column: str) -> Any:
    value = cells.get(column)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise _RowError(column, "empty: a value is required")
    return value


def _reading(
    number: int, cells: dict[str, Any], columns: ColumnMap, zone: ZoneInfo, state: dict[str, _Meter]
) -> ReadingRow | None:
    """The reading of one row (None for the first index of a meter), or _RowError."""
    meter = str(_cell(cells, columns.meter)).strip()
    try:
        value = parse_number(_cell(cells, columns.quantity), columns.decimal)
    except ValueError as exc:
        raise _RowError(columns.quantity, str(exc)) from None
    unit = str(_cell(cells, columns.unit)).strip() if columns.unit else columns.default_unit
    marks = {v.casefold() for v in columns.estimated_values}
    flag = str(cells.get(columns.estimated) or "").strip().casefold() if columns.estimated else ""
    seen = state.setdefault(meter, _Meter())
    if columns.cumulative:
        try:
            at = parse_time(_cell(cells, columns.time), zone)
        except ValueError as exc:
            raise _RowError(columns.time, str(exc)) from None
        previous, since = seen.index, seen.index_time
        if since is not None and at <= since:
            raise _RowError(columns.time, f"meter {meter}: not after its previous reading")
        if previous is not None and value < previous:
            raise _RowError(
                columns.quantity,
                f"meter {meter}: the index went down from {previous:g} to {value:g} "
                "(a negative advance; enter a replaced meter as a new meter)",
            )
        seen.index, seen.index_time, seen.last_row = value, at, number
        if previous is None or since is None:
            return None
        return ReadingRow(meter, since, at, value - previous, unit, flag in marks, number)
    try:
        start = parse_time(_cell(cells, columns.start), zone)
    except ValueError as exc:
        raise _RowError(columns.start, str(exc)) from None
    try:
        end = parse_time(_cell(cells, columns.end), zone, end_of_day=True)
    except ValueError as exc:
        raise _RowError(columns.end, str(exc)) from None
    if end <= start:
        raise _RowError(columns.end, "the period must end after it starts")
    if value < 0.0:
        raise _RowError(columns.quantity, f"consumption must not be negative, got {value:g}")
    if seen.last_end is not None and start < seen.last_end:
        raise _RowError(
            columns.start,
            f"meter {meter}: this period overlaps or precedes the one of row {seen.last_row} "
            "(a meter's rows must be in time order, without overlaps)",
        )
    seen.last_end, seen.last_row = end, number
    return ReadingRow(meter, start, end, value, unit, flag in marks, number)


def _readings(
    path: Path, columns: ColumnMap, check: _Check, meters: Collection[str] | None
) -> Iterator[ReadingRow]:
    zone = ZoneInfo(columns.timezone)
    state: dict[str, _Meter] = {}
    if not columns.unit and not columns.default_unit:
        check.add(1, "", "the column map names neither a unit column nor a default unit")
        return
    for number, cells in _rows(path, columns):
        if number == 1:
            missing = [c for c in columns.required() if c not in cells]
            if missing:
                check.add(1, "", f"no column {', '.join(map(repr, missing))} in the header")
                return
            continue
        try:
            reading = _reading(number, cells, columns, zone, state)
        except _RowError as exc:
            check.add(number, exc.column, str(exc))
            if check.full:
                return
            continue
        if meters is not None and reading is not None and reading.meter not in meters:
            check.add(number, columns.meter, f"meter {reading.meter} is not in the contract")
            continue
        if reading is not None:
            yield reading


def check_readings_file(
    path: Path, columns: ColumnMap, *, meters: Collection[str] | None = None
) -> ReadingsFile:
    """Check every row of a readings file (first pass); the file's digest and extent."""
    source = path.name
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise TcoInvalidTender(
            [FieldViolation(source, str(exc))], f"cannot read {source}"
        ) from None
    if size > MAX_READINGS_FILE_BYTES:
        raise TcoInvalidTender(
            [
                FieldViolation(
                    source, f"{size} bytes is over the limit of {MAX_READINGS_FILE_BYTES}"
                )
            ],
            f"cannot read {source}",
        )
    check = _Check(source)
    rows, names, first, last = 0, set(), None, None
    try:
        for reading in _readings(path, columns, check, meters):
            rows += 1
            names.add(reading.meter)
            first = reading.start if first is None else min(first, reading.start)
            last = reading.end if last is None else max(last, reading.end)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        check.add(0, "", f"not a readable CSV or workbook: {exc}")
    if check.violations:
        raise TcoInvalidTender(check.violations, f"{source}: readings refused")
    if rows == 0:
        raise TcoInvalidTender([FieldViolation(source, "no readings")], f"{source}: no readings")
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return ReadingsFile(path, digest.hexdigest(), rows, tuple(sorted(names)), first, last)


def iter_readings(
    path: Path, columns: ColumnMap, *, meters: Collection[str] | None = None
) -> Iterator[ReadingRow]:
    """The readings of a file that :func:`check_readings_file` accepted (second pass)."""
    check = _Check(path.name)
    yield from _readings(path, columns, check, meters)
    if check.violations:  # the file changed between the passes
        raise TcoInvalidTender(check.violations, f"{path.name}: readings refused")
