"""Readings for contract follow-up from the files meter portals, invoice systems and fuel-card
services export (CSV or .xlsx), through a column map the buyer states.

Two shapes, chosen by :attr:`ColumnMap.cumulative`:

- **interval** rows: meter, period start, period end, consumption over the period (meter
  portals' hourly or monthly values, invoices, fuel-card transactions);
- **meter index** rows: meter, time, index (the counter's reading): each reading is the advance
  from the meter's previous index to this one, over the time between them; a negative advance is
  refused (a meter change is entered as two meters).

A file is read in chunks of :data:`CHUNK_ROWS` rows, each checked as columns (pandas' C parser
and vectorised checks: a meter portal's 10 million hourly rows never sit in memory whole, and
cost about a microsecond a row), twice: :func:`check_readings_file` checks every row and returns
the file's SHA-256 (recorded with each reading) or raises
:class:`~tco_client.errors.TcoInvalidTender` naming the row and column of each problem (at most
:data:`MAX_VIOLATIONS`, the first problem of each row); :func:`iter_reading_batches` then yields
the readings as column batches (:func:`iter_readings` as rows). Checks: the mapped columns exist;
times parse (ISO 8601, or an Excel date cell; a time without offset is in the map's time zone,
and refused where that zone's clock skips or repeats it at a summer-time change); numbers parse
with the map's decimal separator (never guessed: "1,234" is 1.234 with a decimal comma and
refused with a decimal point); the period ends after it starts; consumption is not negative; a
meter's rows are in time order and do not overlap; a meter the contract lacks is refused. Units
are passed on as written: the service checks them with the same unit grammar as a tender.

A date without a time in an ``end`` column is the last day of the period (invoices say
"2027-01-01 – 2027-01-31"): the period ends at the start of the next day. Row numbers are those a
spreadsheet shows (the header is row 1; blank rows count but carry no reading).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, NamedTuple
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from tco_client.errors import FieldViolation, TcoInvalidTender
from tco_client.input_limits import check_workbook_archive

#: Problems listed before the check stops reading (the file is refused either way).
MAX_VIOLATIONS: Final = 50
#: The largest readings file: 10 million hourly rows of a meter-portal CSV are about 600 MiB.
MAX_READINGS_FILE_BYTES: Final = 2 * 2**30
#: Rows read and checked at a time.
CHUNK_ROWS: Final = 500_000

#: Digit-group separators in numbers: space, no-break space, narrow no-break space, tab.
_SPACES = (" ", "\u00a0", "\u202f", "\t")
_ROW = "__row__"


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


class ReadingRow(NamedTuple):
    """One reading: consumption of ``meter`` over [start, end), both in UTC."""

    meter: str
    start: datetime
    end: datetime
    quantity: float
    unit: str
    estimated: bool
    row: int


@dataclass(frozen=True)
class ReadingBatch:
    """Readings as columns (times in UTC): what a streaming upload sends."""

    meter: pd.Series
    start: pd.Series
    end: pd.Series
    quantity: pd.Series
    unit: pd.Series
    estimated: pd.Series
    row: pd.Series

    def __len__(self) -> int:
        return len(self.meter)

    def rows(self) -> Iterator[ReadingRow]:
        """The batch row by row."""
        columns = (self.meter, self.start, self.end, self.quantity, self.unit, self.estimated)
        for meter, start, end, quantity, unit, estimated, row in zip(
            *(c.tolist() for c in columns), self.row.tolist(), strict=True
        ):
            yield ReadingRow(
                meter, start.to_pydatetime(), end.to_pydatetime(), quantity, unit, estimated, row
            )


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
class _Problems:
    """The first problem of each bad row, in row order, up to MAX_VIOLATIONS."""

    source: str
    found: dict[int, tuple[str, str]] = field(default_factory=dict)
    header: str = ""

    def add(self, rows: pd.Series, mask: Any, column: str, describe: Any) -> None:
        """Note ``describe(index)`` (or the text) for every row under ``mask`` not yet noted."""
        for index in np.flatnonzero(np.asarray(mask, dtype=bool)).tolist():
            row = int(rows.iloc[index])
            if row not in self.found and len(self.found) < MAX_VIOLATIONS:
                text = describe(index) if callable(describe) else describe
                self.found[row] = (column, text)

    @property
    def full(self) -> bool:
        return len(self.found) >= MAX_VIOLATIONS or bool(self.header)

    def violations(self) -> list[FieldViolation]:
        if self.header:
            return [FieldViolation(f"{self.source}: row 1", self.header)]
        return [
            FieldViolation(f"{self.source}: row {row}, column {column!r}", text)
            for row, (column, text) in sorted(self.found.items())
        ]


@dataclass
class _Carry:
    """Each meter's last reading in the chunks before (end or index time, index, row)."""

    last: dict[Any, Any] = field(default_factory=dict)
    index: dict[Any, Any] = field(default_factory=dict)
    row: dict[Any, Any] = field(default_factory=dict)


def parse_number(text: object, decimal: str) -> float:
    """A number from a cell: spaces (also non-breaking) are digit groups; ``decimal`` is the only
    decimal separator accepted.

    >>> parse_number("1 234,5", ","), parse_number("0.25", "."), parse_number(3, ".")
    (1234.5, 0.25, 3.0)
    """
    parsed = _numbers(pd.Series([_text(text, decimal)], dtype=object), decimal)
    value = float(parsed.iloc[0])
    if math.isnan(value):
        raise ValueError(f"expected a number with decimal {decimal!r}, got {str(text)!r}")
    return value


def _text(value: object, decimal: str) -> str:
    """A workbook cell as the text a CSV would hold."""
    if value is None or isinstance(value, bool):
        return "" if value is None else str(value)
    if isinstance(value, int | float):
        return repr(float(value)).replace(".", decimal)
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _stripped(texts: pd.Series) -> pd.Series:
    """A text column without leading and trailing spaces (numpy's string ufuncs: C loops)."""
    return pd.Series(np.strings.strip(texts.to_numpy(dtype=str)), index=texts.index)


def _numbers(texts: pd.Series, decimal: str) -> pd.Series:
    """Numbers of a text column, NaN where a cell is not a finite number in the map's form."""
    compact = texts.to_numpy(dtype=str)
    for space in _SPACES:
        compact = np.strings.replace(compact, space, "")
    other = "." if decimal == "," else ","
    values = pd.to_numeric(
        pd.Series(np.strings.replace(compact, decimal, "."), index=texts.index), errors="coerce"
    ).astype(float)
    wrong = (np.strings.find(compact, other) >= 0) | ~np.isfinite(values.to_numpy())
    return values.mask(wrong)


def _local(naive: datetime, zone: ZoneInfo) -> str:
    """Why a wall-clock time in ``zone`` cannot be placed (skipped or repeated by the clock)."""
    moment = naive.replace(tzinfo=zone)
    if moment.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        return (
            f"{naive:%Y-%m-%d %H:%M} does not exist in {zone.key} (the clock skips it at the "
            "change to summer time): give times with their UTC offset, e.g. 2027-03-28T02:00+01:00"
        )
    return (
        f"{naive:%Y-%m-%d %H:%M} occurs twice in {zone.key} (the change back from summer "
        "time): give times with their UTC offset, e.g. 2027-10-31T02:00+02:00"
    )


def _times(
    texts: pd.Series,
    zone: ZoneInfo,
    rows: pd.Series,
    column: str,
    problems: _Problems,
    *,
    end_of_day: bool = False,
) -> pd.Series:
    """UTC times of a text column (NaT where refused, the refusal noted)."""
    text = _stripped(texts)
    chars = text.to_numpy(dtype=str)
    # an offset (Z, +01:00, -0500) follows the time: a sign past the date's own hyphens
    offset = pd.Series(
        np.strings.endswith(chars, "Z")
        | (np.strings.rfind(chars, "+") >= 10)
        | (np.strings.rfind(chars, "-") >= 10),
        index=text.index,
    )
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us, UTC]")
    if offset.any():
        out[offset] = pd.to_datetime(text[offset], format="ISO8601", errors="coerce", utc=True)
    naive_text = text[~offset]
    if len(naive_text):
        naive = pd.to_datetime(naive_text, format="ISO8601", errors="coerce")
        if end_of_day:
            bare = np.strings.str_len(naive_text.to_numpy(dtype=str)) == 10
            naive = naive.mask(pd.Series(bare, index=naive.index), naive + pd.Timedelta(days=1))
        placed = naive.dt.tz_localize(zone, nonexistent="NaT", ambiguous="NaT")
        clock = naive.notna() & placed.isna()
        where = clock.to_numpy()
        problems.add(
            rows[~offset],
            where,
            column,
            lambda i: _local(naive.iloc[i].to_pydatetime(), zone),
        )
        out[~offset] = placed.dt.tz_convert(UTC)

    def unread(i: int) -> str:
        if not text.iloc[i]:
            return "empty: a value is required"
        return f"expected a date or time such as 2027-01-31 13:00, got {text.iloc[i]!r}"

    problems.add(rows, out.isna(), column, unread)
    return out


def _frames(path: Path, columns: ColumnMap) -> Iterator[pd.DataFrame]:
    """The file's rows as text columns (the mapped ones) with each row's number."""
    if path.suffix.lower() == ".xlsx":
        yield from _workbook_frames(path, columns)
        return
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header_line = handle.readline()
    delimiter = columns.delimiter or max(";,\t", key=header_line.count)
    header = [h.strip() for h in header_line.rstrip("\r\n").split(delimiter)]
    yield pd.DataFrame(columns=header)
    wanted = [c for c in columns.required() if c in header]
    reader = pd.read_csv(
        path,
        sep=delimiter,
        dtype=str,
        keep_default_na=False,
        skip_blank_lines=False,
        encoding="utf-8-sig",
        header=0,
        names=header,
        usecols=wanted,
        chunksize=CHUNK_ROWS,
        engine="c",
    )
    with reader:
        for chunk in reader:
            yield chunk.fillna("").assign(**{_ROW: chunk.index.to_numpy() + 2})


def _workbook_frames(path: Path, columns: ColumnMap) -> Iterator[pd.DataFrame]:
    from openpyxl import load_workbook  # noqa: PLC0415 - the report extra, only for .xlsx

    check_workbook_archive(path)
    book = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book[columns.sheet] if columns.sheet else book.worksheets[0]
        lines = sheet.iter_rows(values_only=True)
        header = [str(c).strip() if c is not None else "" for c in next(lines, ())]
        yield pd.DataFrame(columns=header)
        data = [[_text(v, columns.decimal) for v in line] for line in lines]
    finally:
        book.close()
    frame = pd.DataFrame(data, columns=header[: len(data[0])] if data else header, dtype=object)
    yield frame.fillna("").assign(**{_ROW: np.arange(2, len(frame) + 2)})


@dataclass
class _Chunk:
    """One chunk's parsed columns; ``ok`` marks the rows without a problem so far."""

    rows: pd.Series
    meter: pd.Series
    start: pd.Series
    end: pd.Series
    quantity: pd.Series
    unit: pd.Series
    estimated: pd.Series
    ok: pd.Series


def _empty_or_not_a_number(cells: pd.Series, decimal: str) -> Any:
    def describe(i: int) -> str:
        text = str(cells.iloc[i])
        if not text.strip():
            return "empty: a value is required"
        return f"expected a number with decimal {decimal!r}, got {text!r}"

    return describe


def _parse_chunk(
    frame: pd.DataFrame, columns: ColumnMap, zone: ZoneInfo, problems: _Problems
) -> _Chunk:
    """The mapped columns of one chunk parsed; each bad row's first problem noted."""
    frame = frame.reset_index(drop=True)
    rows = frame[_ROW]
    required = [np.strings.strip(frame[c].to_numpy(dtype=str)) for c in columns.required()]
    blank = pd.Series(np.logical_and.reduce([c == "" for c in required]), index=frame.index)
    meter = _stripped(frame[columns.meter])
    problems.add(rows, (meter == "") & ~blank, columns.meter, "empty: a value is required")
    quantity = _numbers(frame[columns.quantity], columns.decimal)
    problems.add(
        rows,
        quantity.isna() & ~blank,
        columns.quantity,
        _empty_or_not_a_number(frame[columns.quantity], columns.decimal),
    )
    unit = pd.Series(columns.default_unit, index=frame.index)
    if columns.unit:
        unit = _stripped(frame[columns.unit])
        problems.add(rows, (unit == "") & ~blank, columns.unit, "empty: a value is required")
    estimated = pd.Series(False, index=frame.index)
    if columns.estimated:
        marks = {v.casefold() for v in columns.estimated_values}
        flags = np.strings.lower(np.strings.strip(frame[columns.estimated].to_numpy(dtype=str)))
        estimated = pd.Series(np.isin(flags, list(marks)), index=frame.index)
    filler = "2000-01-01"  # blank rows carry no reading: no time to complain about
    if columns.cumulative:
        start = _times(
            frame[columns.time].where(~blank, filler), zone, rows, columns.time, problems
        )
        end = start
    else:
        start = _times(
            frame[columns.start].where(~blank, filler), zone, rows, columns.start, problems
        )
        end = _times(
            frame[columns.end].where(~blank, "2000-01-02"),
            zone,
            rows,
            columns.end,
            problems,
            end_of_day=True,
        )
    ok = ~blank & (meter != "") & (unit != "") & quantity.notna() & start.notna() & end.notna()
    if not columns.cumulative:
        backwards = ok & (end <= start)
        problems.add(rows, backwards, columns.end, "the period must end after it starts")
        negative = ok & ~backwards & (quantity < 0)
        problems.add(
            rows,
            negative,
            columns.quantity,
            lambda i: f"consumption must not be negative, got {quantity.iloc[i]:g}",
        )
        ok &= ~backwards & ~negative
    return _Chunk(rows, meter, start, end, quantity, unit, estimated, ok)


def _in_order(
    chunk: _Chunk,
    columns: ColumnMap,
    carry: _Carry,
    problems: _Problems,
    meters: Collection[str] | None,
) -> ReadingBatch:
    """Each meter's rows in time order, without overlaps (or index advances, never negative)."""
    keep = chunk.ok.to_numpy()
    m, s, e = chunk.meter[keep], chunk.start[keep], chunk.end[keep]
    q, r = chunk.quantity[keep], chunk.rows[keep]
    first = e.groupby(m).shift(1).isna()
    carried_last = m.map(carry.last).astype("datetime64[us, UTC]")
    before_last = e.groupby(m).shift(1).where(~first, carried_last)
    before_row = r.groupby(m).shift(1).astype(float).where(~first, m.map(carry.row).astype(float))
    unknown = pd.Series(False, index=m.index)
    if meters is not None:
        unknown = ~m.isin(list(meters))
    problems.add(r, unknown, columns.meter, lambda i: f"meter {m.iloc[i]} is not in the contract")

    def after(i: int) -> str:
        return f"meter {m.iloc[i]}: not after its reading of row {int(before_row.iloc[i])}"

    def overlaps(i: int) -> str:
        return (
            f"meter {m.iloc[i]}: this period overlaps or precedes the one of row "
            f"{int(before_row.iloc[i])} (a meter's rows must be in time order, without overlaps)"
        )

    if columns.cumulative:
        carried_index = m.map(carry.index).astype(float)
        before_index = q.groupby(m).shift(1).where(~first, carried_index)
        early = before_last.notna() & (s <= before_last)
        problems.add(r, early & ~unknown, columns.time, after)
        down = ~early & before_index.notna() & (q < before_index)

        def negative(i: int) -> str:
            return (
                f"meter {m.iloc[i]}: the index went down from {before_index.iloc[i]:g} to "
                f"{q.iloc[i]:g} (a negative advance; enter a replaced meter as a new meter)"
            )

        problems.add(r, down & ~unknown, columns.quantity, negative)
        good = ~unknown & ~early & ~down
        reading = good & before_index.notna()
        batch_start, amount = before_last[reading], (q - before_index)[reading]
        carry.index.update(q[good].groupby(m[good]).last().to_dict())
    else:
        early = before_last.notna() & (s < before_last)
        problems.add(r, early & ~unknown, columns.start, overlaps)
        good = reading = ~unknown & ~early
        batch_start, amount = s[reading], q[reading]
    carry.last.update(e[good].groupby(m[good]).last().to_dict())
    carry.row.update(r[good].groupby(m[good]).last().to_dict())
    return ReadingBatch(
        meter=m[reading].reset_index(drop=True),
        start=batch_start.astype("datetime64[us, UTC]").reset_index(drop=True),
        end=e[reading].reset_index(drop=True),
        quantity=amount.astype(float).reset_index(drop=True),
        unit=chunk.unit[keep][reading].reset_index(drop=True),
        estimated=chunk.estimated[keep][reading].astype(bool).reset_index(drop=True),
        row=r[reading].astype(int).reset_index(drop=True),
    )


def _batches(
    path: Path, columns: ColumnMap, problems: _Problems, meters: Collection[str] | None
) -> Iterator[ReadingBatch]:
    if not columns.unit and not columns.default_unit:
        problems.header = "the column map names neither a unit column nor a default unit"
        return
    zone = ZoneInfo(columns.timezone)
    carry = _Carry()
    frames = _frames(path, columns)
    header = next(frames)
    missing = [c for c in columns.required() if c not in header.columns]
    if missing:
        problems.header = f"no column {', '.join(map(repr, missing))} in the header"
        return
    for frame in frames:
        if frame.empty:
            continue
        batch = _in_order(
            _parse_chunk(frame, columns, zone, problems), columns, carry, problems, meters
        )
        if problems.full:
            return
        if len(batch):
            yield batch


def _refuse(source: str, problem: str) -> TcoInvalidTender:
    return TcoInvalidTender([FieldViolation(source, problem)], f"cannot read {source}")


def check_readings_file(
    path: Path, columns: ColumnMap, *, meters: Collection[str] | None = None
) -> ReadingsFile:
    """Check every row of a readings file (first pass); the file's digest and extent."""
    source = path.name
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise _refuse(source, str(exc)) from None
    if size > MAX_READINGS_FILE_BYTES:
        raise _refuse(source, f"{size} bytes is over the limit of {MAX_READINGS_FILE_BYTES}")
    problems = _Problems(source)
    rows, names, first, last = 0, set[str](), None, None
    try:
        for batch in _batches(path, columns, problems, meters):
            rows += len(batch)
            names.update(batch.meter.unique().tolist())
            low, high = batch.start.min().to_pydatetime(), batch.end.max().to_pydatetime()
            first = low if first is None else min(first, low)
            last = high if last is None else max(last, high)
    except (OSError, UnicodeDecodeError, ValueError, pd.errors.ParserError) as exc:
        raise _refuse(source, f"not a readable CSV or workbook: {exc}") from None
    if problems.found or problems.header:
        raise TcoInvalidTender(problems.violations(), f"{source}: readings refused")
    if rows == 0:
        raise TcoInvalidTender([FieldViolation(source, "no readings")], f"{source}: no readings")
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return ReadingsFile(path, digest.hexdigest(), rows, tuple(sorted(names)), first, last)


def iter_reading_batches(
    path: Path, columns: ColumnMap, *, meters: Collection[str] | None = None
) -> Iterator[ReadingBatch]:
    """The readings of a file that :func:`check_readings_file` accepted, as column batches
    (second pass)."""
    problems = _Problems(path.name)
    yield from _batches(path, columns, problems, meters)
    if problems.found or problems.header:  # the file changed between the passes
        raise TcoInvalidTender(problems.violations(), f"{path.name}: readings refused")


def iter_readings(
    path: Path, columns: ColumnMap, *, meters: Collection[str] | None = None
) -> Iterator[ReadingRow]:
    """The readings of a checked file, row by row."""
    for batch in iter_reading_batches(path, columns, meters=meters):
        yield from batch.rows()
