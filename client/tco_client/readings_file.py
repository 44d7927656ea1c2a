"""Readings for contract follow-up from the files meter portals, invoice systems and fuel-card
services export (CSV or .xlsx), through a column map the buyer states, read in one pass.

Two shapes, chosen by :attr:`ColumnMap.cumulative`:

- **interval** rows: meter, period start, period end, consumption over the period (meter
  portals' hourly or monthly values, invoices, fuel-card transactions);
- **meter index** rows: meter, time, index (the counter's reading): each reading is the advance
  from the meter's previous index to this one, over the time between them; a negative advance is
  refused (a meter change is entered as two meters).

The file is streamed in chunks of :data:`CHUNK_ROWS` rows (pandas' C parser for CSV, openpyxl's
read-only stream for a workbook); each chunk is parsed and checked as columns and then emitted,
so memory stays bounded whatever the file's length. Columns are converted once per distinct cell
(a portal's 10 million hourly rows hold a few thousand distinct times and meters), numbers
through one C conversion per chunk. Checks, each bad row named by its row and column
(:class:`ReadingsFileRefused`, the first :data:`MAX_VIOLATIONS` bad rows and the count of the
rest): the mapped columns exist; times parse (ISO 8601, or an Excel date cell; a time without
offset is in the map's time zone, and refused where that zone's clock skips or repeats it at a
summer-time change); numbers parse with the map's decimal separator (never guessed: "1,234" is
1.234 with a decimal comma and refused with a decimal point); the period ends after it starts;
consumption is not negative; a meter's rows are in time order and do not overlap; a meter the
contract lacks is refused; the unit is plain text (units are passed on as written: the service
converts them with the same unit grammar as a tender).

:func:`iter_append_requests` turns the rows into ``StreamReadingsRequest`` messages: consecutive
rows of one series with one fixed step (hourly, daily ...) become :class:`IntervalSeries` runs
(columnar: start, step, packed values, the indices of estimated values); a gap, a change of step
or of unit starts a new run; rows that form no run of :data:`MIN_RUN` (invoices, fuel-card
transactions, calendar months) and corrections (a ``supersedes`` column) become single
``Reading`` messages. Messages are bounded in rows and in bytes.

What is sent when a row is bad: the service stores each message as it arrives, so by default
(``check=True``) the file is checked whole before the first message is yielded (a check pass
that parses but emits nothing; the whole file is refused or the whole file is sent). With
``check=False`` the file is read once: no message holding a bad row, nor any after it, is ever
yielded, the rest of the file is still read to name every bad row, and the error says how many
messages and rows were yielded (and so stored) before it.

A date without a time in an ``end`` column is the last day of the period (invoices say
"2027-01-01 – 2027-01-31"): the period ends at the start of the next day. Row numbers are those a
spreadsheet shows (the header is row 1; blank rows count but carry no reading). The file's
SHA-256, sent with each reading, is computed first (a plain read of the bytes, about 0.03 µs a
row).
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final, NamedTuple
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from tco_client.errors import FieldViolation, TcoInvalidTender
from tco_client.readings_emit import MIN_RUN, Batcher, Rows, Runs, concat_rows
from tco_client.readings_sheet import csv_frames, workbook_frames
from tcoapi.v1 import followup_pb2

#: Bad rows named in an error (the rest are counted).
MAX_VIOLATIONS: Final = 100
#: The largest readings file: 10 million hourly rows of a meter-portal CSV are about 600 MiB.
MAX_READINGS_FILE_BYTES: Final = 2 * 2**30
#: Rows read and checked at a time.
CHUNK_ROWS: Final = 100_000
#: Rows (intervals and readings) in one request message, by default.
DEFAULT_BATCH_ROWS: Final = 100_000
#: Bytes of one request message, by default (gRPC's limit is 4 MiB).
DEFAULT_BATCH_BYTES: Final = 2**20
#: The largest ``batch_bytes`` accepted.
MAX_BATCH_BYTES: Final = 3 * 2**20

#: Digit-group separators in numbers: space, no-break space, narrow no-break space, tab.
_SPACES = (" ", "\u00a0", "\u202f", "\t")
_ROW = "__row__"
_NONE: Final = np.iinfo(np.int64).min  # no time
_EMPTY = "empty: a value is required"
_TIMES_CACHED: Final = 400_000  # distinct time texts remembered across chunks
_DATE = r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}(?::\d{2}(?::\d{2}(?:\.\d+)?)?)?)?(?:Z|[+-]\d{2}:?\d{2})?"


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
    #: A column naming the reading a row corrects ("procurements/p/readings/r", or "r").
    supersedes: str = ""

    def required(self) -> tuple[str, ...]:
        """The header texts the file must have."""
        when = (self.time,) if self.cumulative else (self.start, self.end)
        extra = tuple(c for c in (self.unit, self.estimated, self.supersedes) if c)
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
    """Readings as columns (times in UTC), in file order."""

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


class ReadingsFileRefused(TcoInvalidTender):
    """A readings file with bad rows: ``violations`` names the first :data:`MAX_VIOLATIONS`
    (``"file.csv: row 7, column 'Till'"``), ``bad_rows`` counts all of them;
    ``requests_sent`` and ``rows_sent`` say what :func:`iter_append_requests` yielded before
    the first bad row (0 with ``check=True``)."""

    def __init__(self, violations: list[FieldViolation], message: str, *, bad_rows: int = 0,
                 requests_sent: int = 0, rows_sent: int = 0) -> None:  # fmt: skip
        super().__init__(violations, message)
        self.bad_rows = bad_rows
        self.requests_sent = requests_sent
        self.rows_sent = rows_sent


@dataclass
class _Problems:
    """The bad rows of the file: the first problem of each, the first MAX_VIOLATIONS named."""

    source: str
    found: list[tuple[int, str, str]] = field(default_factory=list)
    bad_rows: int = 0
    header: str = ""

    @property
    def any(self) -> bool:
        return self.bad_rows > 0 or bool(self.header)

    def violations(self) -> list[FieldViolation]:
        if self.header:
            return [FieldViolation(f"{self.source}: row 1", self.header)]
        named = [
            FieldViolation(f"{self.source}: row {row}, column {column!r}", text)
            for row, column, text in self.found
        ]
        if self.bad_rows > len(named):
            more = self.bad_rows - len(named)
            named.append(FieldViolation(self.source, f"and {more} more bad rows (not listed)"))
        return named


class _ChunkProblems:
    """The bad rows of one chunk (by position), each with its first problem, described lazily."""

    def __init__(self, rows: np.ndarray) -> None:
        self.rows = rows
        self.bad = np.zeros(len(rows), dtype=bool)
        self.notes: list[tuple[np.ndarray, str, Any]] = []

    def add(self, mask: np.ndarray, column: str, describe: Any) -> None:
        """Note ``describe(position)`` (or the text) for each row under ``mask`` not yet bad."""
        new = np.flatnonzero(mask & ~self.bad)
        if len(new):
            self.bad[new] = True
            self.notes.append((new, column, describe))

    def commit(self, problems: _Problems) -> None:
        if not self.notes:
            return
        positions = np.concatenate([p for p, _, _ in self.notes])
        which = np.concatenate([np.full(len(p), i) for i, (p, _, _) in enumerate(self.notes)])
        order = np.argsort(self.rows[positions], kind="stable")
        room = max(MAX_VIOLATIONS - len(problems.found), 0)
        for k in order[:room].tolist():
            position, (_, column, describe) = int(positions[k]), self.notes[int(which[k])]
            text = describe(position) if callable(describe) else describe
            problems.found.append((int(self.rows[position]), column, text))
        problems.bad_rows += len(positions)


class _Names:
    """Strings (series, units) numbered across the whole file."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.ids: dict[str, int] = {}

    def number(self, texts: Any) -> np.ndarray:
        ids = self.ids
        out = np.empty(len(texts), dtype=np.int64)
        for i, text in enumerate(texts):
            found = ids.get(text)
            if found is None:
                found = ids[text] = len(self.names)
                self.names.append(text)
            out[i] = found
        return out


def _factor(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes and distinct stripped texts of a column (a missing cell is the text "")."""
    codes, uniques = pd.factorize(cells)
    stripped = np.array([str(u).strip() for u in uniques] + [""], dtype=object)
    merged, distinct = pd.factorize(stripped)  # "a" and "a " are one text
    return merged[codes], np.asarray(distinct, dtype=object)


def parse_number(text: object, decimal: str) -> float:
    """A number from a cell: spaces (also non-breaking) are digit groups; ``decimal`` is the only
    decimal separator accepted.

    >>> parse_number("1 234,5", ","), parse_number("0.25", "."), parse_number(3, ".")
    (1234.5, 0.25, 3.0)
    """
    cell = repr(float(text)).replace(".", decimal) if isinstance(text, int | float) else text
    value = float(_numbers(np.array([str(cell)], dtype=object), decimal)[0])
    if math.isnan(value):
        raise ValueError(f"expected a number with decimal {decimal!r}, got {str(text)!r}")
    return value


def _numbers(cells: np.ndarray, decimal: str) -> np.ndarray:
    """Numbers of a text column, NaN where a cell is not a finite number in the map's form.

    The usual chunk (plain numbers, no digit groups) takes one join, one replace and one C
    conversion; anything else is read cell by cell, the same way."""
    other = "." if decimal == "," else ","
    try:  # pandas' C float parser over the column as one text
        values = pd.read_csv(
            io.StringIO("\n".join(cells)), header=None, names=["v"], dtype=np.float64,
            sep="\x1f", quoting=csv.QUOTE_NONE, decimal=decimal, na_filter=False,
            skip_blank_lines=False, engine="c",
        )["v"].to_numpy()  # fmt: skip
        if len(values) == len(cells) and np.isfinite(values).all():
            return values
    except (TypeError, ValueError):
        pass
    compact = np.strings.strip(cells.astype(str))
    for space in _SPACES:
        compact = np.strings.replace(compact, space, "")
    values = pd.to_numeric(
        pd.Series(np.strings.replace(compact, decimal, ".")), errors="coerce"
    ).to_numpy(dtype=np.float64, na_value=np.nan)
    underscore = np.strings.find(compact, "_") >= 0
    wrong = (np.strings.find(compact, other) >= 0) | underscore | ~np.isfinite(values)
    return np.where(wrong, np.nan, values)


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


def _parse_times(texts: np.ndarray, zone: ZoneInfo, end_of_day: bool) -> tuple[Any, list[str]]:
    """UTC microseconds of distinct time texts (:data:`_NONE` where refused) and why."""
    text = pd.Series(texts, dtype=object).astype(str)
    out = np.full(len(text), _NONE, dtype=np.int64)
    why = ["" if t else _EMPTY for t in text.tolist()]
    form = text.str.fullmatch(_DATE).to_numpy(dtype=bool)
    offset = form & text.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$", regex=True).to_numpy(bool)
    if offset.any():
        aware = pd.to_datetime(text[offset], format="ISO8601", errors="coerce", utc=True)
        out[offset] = _micros(aware)
    naive_at = form & ~offset
    if naive_at.any():
        naive = pd.to_datetime(text[naive_at], format="ISO8601", errors="coerce")
        if end_of_day:
            bare = (text[naive_at].str.len() == 10).to_numpy(dtype=bool)
            naive = naive.mask(bare, naive + pd.Timedelta(days=1))
        placed = pd.DatetimeIndex(naive).tz_localize(zone, nonexistent="NaT", ambiguous="NaT")
        micros = _micros(placed)
        out[naive_at] = micros
        skipped = np.flatnonzero(pd.notna(naive).to_numpy(dtype=bool) & (micros == _NONE))
        for k in skipped.tolist():
            where = int(np.flatnonzero(naive_at)[k])
            why[where] = _local(naive.iloc[k].to_pydatetime(), zone)
    for i in np.flatnonzero(out == _NONE).tolist():
        if not why[i]:
            why[i] = f"expected a date or time such as 2027-01-31 13:00, got {text.iloc[i]!r}"
    return out, why


def _micros(times: Any) -> np.ndarray:
    """Microseconds since 1970 UTC of pandas times (:data:`_NONE` for NaT)."""
    index = pd.DatetimeIndex(times)
    if index.tz is not None:
        index = index.tz_convert(UTC).tz_localize(None)
    values = index.as_unit("us").asi8.copy()
    return values


@dataclass
class _Chunk:
    """One chunk's parsed columns by position; ``problems.bad`` marks the refused rows."""

    rows: np.ndarray
    series: np.ndarray
    start: np.ndarray
    end: np.ndarray
    quantity: np.ndarray
    unit: np.ndarray
    estimated: np.ndarray
    supersedes: np.ndarray | None
    problems: _ChunkProblems


@dataclass
class _State:
    """What the pass carries from chunk to chunk."""

    columns: ColumnMap
    zone: ZoneInfo
    meters: frozenset[str] | None
    series: _Names = field(default_factory=_Names)
    units: _Names = field(default_factory=_Names)
    last_end: dict[int, int] = field(default_factory=dict)
    last_row: dict[int, int] = field(default_factory=dict)
    last_index: dict[int, float] = field(default_factory=dict)
    #: Whether each series (by number) is one of ``meters``.
    known: list[bool] = field(default_factory=list)
    #: Each time text already read (start or time column; end column): UTC µs and why not.
    times: dict[str, tuple[int, str]] = field(default_factory=dict)
    end_times: dict[str, tuple[int, str]] = field(default_factory=dict)


def _time_column(
    factored: tuple[np.ndarray, np.ndarray], state: _State, column: str,
    problems: _ChunkProblems, skip: np.ndarray, *, end_of_day: bool = False,
) -> np.ndarray:  # fmt: skip
    codes, distinct = factored
    cache = state.end_times if end_of_day else state.times
    texts = distinct.tolist()
    new = [i for i, t in enumerate(texts) if t not in cache]
    if new:
        if len(cache) + len(new) > _TIMES_CACHED:
            cache.clear()
        parsed, reasons_new = _parse_times(distinct[new], state.zone, end_of_day)
        for i, value, reason in zip(new, parsed.tolist(), reasons_new, strict=True):
            cache[texts[i]] = (value, reason)
    known = [cache[t] for t in texts]
    values = np.array([k[0] for k in known], dtype=np.int64)
    reasons = [k[1] for k in known]
    refused = (values == _NONE)[codes] & ~skip
    problems.add(refused, column, lambda i: reasons[codes[i]])
    result: np.ndarray = values[codes]
    return result


def _name_column(
    factored: tuple[np.ndarray, np.ndarray], names: _Names, column: str,
    problems: _ChunkProblems, skip: np.ndarray,
) -> np.ndarray:  # fmt: skip
    codes, distinct = factored
    ids = names.number(distinct)
    texts = distinct.tolist()
    plain = np.array([t.isprintable() and len(t) <= 100 for t in texts], dtype=bool)

    def describe(i: int) -> str:
        text = texts[codes[i]]
        return f"expected plain text of at most 100 characters, got {text!r}" if text else _EMPTY

    problems.add(((distinct == "") | ~plain)[codes] & ~skip, column, describe)
    result: np.ndarray = ids[codes]
    return result


def _parse_chunk(frame: pd.DataFrame, state: _State) -> _Chunk:
    """The mapped columns of one chunk parsed; each bad row's first problem noted."""
    columns = state.columns
    rows = frame[_ROW].to_numpy(dtype=np.int64)
    cells = {c: frame[c].to_numpy(dtype=object) for c in columns.required()}
    factored = {c: _factor(v) for c, v in cells.items() if c != columns.quantity}
    problems = _ChunkProblems(rows)
    blank = cells[columns.quantity] == ""
    for codes, distinct in factored.values():
        blank &= (distinct == "")[codes]
    series = _name_column(factored[columns.meter], state.series, columns.meter, problems, blank)
    if state.meters is not None:
        names = state.series.names
        state.known.extend(n in state.meters for n in names[len(state.known) :])
        known = np.array(state.known, dtype=bool)
        problems.add(~known[series] & ~blank, columns.meter,
                     lambda i: f"meter {names[series[i]]} is not in the contract")  # fmt: skip
    quantity = _numbers(cells[columns.quantity], columns.decimal)
    texts = cells[columns.quantity]

    def not_a_number(i: int) -> str:
        text = str(texts[i])
        if not text.strip():
            return _EMPTY
        return f"expected a number with decimal {columns.decimal!r}, got {text!r}"

    problems.add(np.isnan(quantity) & ~blank, columns.quantity, not_a_number)
    if columns.unit:
        unit = _name_column(factored[columns.unit], state.units, columns.unit, problems, blank)
    else:
        unit = np.full(len(rows), state.units.number([columns.default_unit])[0])
    estimated = np.zeros(len(rows), dtype=bool)
    if columns.estimated:
        codes, distinct = factored[columns.estimated]
        marks = {v.casefold() for v in columns.estimated_values}
        estimated = np.array([d.casefold() in marks for d in distinct], dtype=bool)[codes]
    if columns.cumulative:
        start = end = _time_column(factored[columns.time], state, columns.time, problems, blank)
    else:
        start = _time_column(factored[columns.start], state, columns.start, problems, blank)
        end = _time_column(factored[columns.end], state, columns.end, problems, blank,
                           end_of_day=True)  # fmt: skip
        ok = ~problems.bad & ~blank
        problems.add(ok & (end <= start), columns.end, "the period must end after it starts")
        problems.add(
            ok & (quantity < 0),
            columns.quantity,
            lambda i: f"consumption must not be negative, got {quantity[i]:g}",
        )
    supersedes = None
    if columns.supersedes:
        codes, distinct = factored[columns.supersedes]
        supersedes = distinct[codes]
    problems.bad |= blank  # blank rows carry no reading and are no problem
    problems.notes = [(p[~blank[p]], c, d) for p, c, d in problems.notes]
    return _Chunk(rows, series, start, end, quantity, unit, estimated, supersedes, problems)


def _in_order(chunk: _Chunk, state: _State) -> Rows:
    """Each meter's rows in time order, without overlaps (or index advances, never negative);
    the readings of the chunk's good rows, ordered by series (file order within one)."""
    columns, problems = state.columns, chunk.problems
    ok = np.flatnonzero(~problems.bad)
    correction = np.zeros(len(ok), dtype=bool)
    if chunk.supersedes is not None:
        correction = chunk.supersedes[ok] != ""
    corrections, ok = ok[correction], ok[~correction]
    at = ok[np.argsort(chunk.series[ok], kind="stable")]
    s, start, end, q, rows = (chunk.series[at], chunk.start[at], chunk.end[at],
                              chunk.quantity[at], chunk.rows[at])  # fmt: skip
    first = np.ones(len(at), dtype=bool)
    first[1:] = s[1:] != s[:-1]
    heads = np.flatnonzero(first)
    before_end, before_row = np.empty_like(end), np.empty_like(rows)
    before_end[1:], before_row[1:] = end[:-1], rows[:-1]
    heads_s = s[heads].tolist()
    before_end[heads] = [state.last_end.get(k, _NONE) for k in heads_s]
    before_row[heads] = [state.last_row.get(k, 0) for k in heads_s]
    names = state.series.names

    def back(where: np.ndarray) -> np.ndarray:
        mask = np.zeros(len(problems.bad), dtype=bool)
        mask[at[where]] = True
        return mask

    where_of = np.empty(len(problems.bad), dtype=np.int64)
    where_of[at] = np.arange(len(at))
    if columns.cumulative:
        before_q = np.empty_like(q)
        before_q[1:] = q[:-1]
        before_q[heads] = [state.last_index.get(k, math.nan) for k in heads_s]
        early = (before_end != _NONE) & (start <= before_end)
        problems.add(back(early), columns.time, lambda i: (
            f"meter {names[s[where_of[i]]]}: not after its reading of row "
            f"{before_row[where_of[i]]}"))  # fmt: skip
        down = ~early & (q < before_q)
        problems.add(back(down), columns.quantity, lambda i: (
            f"meter {names[s[where_of[i]]]}: the index went down from "
            f"{before_q[where_of[i]]:g} to {q[where_of[i]]:g} (a negative advance; enter a "
            "replaced meter as a new meter)"))  # fmt: skip
        good = ~early & ~down
        reading = good & ~np.isnan(before_q)
        out_start, amount = before_end[reading], (q - before_q)[reading]
    else:
        early = start < before_end
        problems.add(back(early), columns.start, lambda i: (
            f"meter {names[s[where_of[i]]]}: this period overlaps or precedes the one of row "
            f"{before_row[where_of[i]]} (a meter's rows must be in time order, without "
            "overlaps)"))  # fmt: skip
        good = reading = ~early
        out_start, amount = start[reading], q[reading]
    kept = np.flatnonzero(good)
    if len(kept):
        last = kept[np.r_[s[kept][1:] != s[kept][:-1], True]]
        for k, e, r, v in zip(s[last].tolist(), end[last].tolist(), rows[last].tolist(),
                              q[last].tolist(), strict=True):  # fmt: skip
            state.last_end[k], state.last_row[k], state.last_index[k] = e, r, v
    taken = at[reading]
    return concat_rows(
        Rows(s[reading], out_start, end[reading], amount, chunk.unit[taken],
             chunk.estimated[taken], rows[reading], None),
        _corrections(chunk, corrections),
    )  # fmt: skip


def _corrections(chunk: _Chunk, at: np.ndarray) -> Rows:
    supersedes = None if chunk.supersedes is None else chunk.supersedes[at]
    return Rows(chunk.series[at], chunk.start[at], chunk.end[at], chunk.quantity[at],
                chunk.unit[at], chunk.estimated[at], chunk.rows[at], supersedes)  # fmt: skip


def _frames(path: Path, columns: ColumnMap) -> Iterator[pd.DataFrame]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return workbook_frames(path, columns.sheet, columns.required(), columns.decimal,
                               chunk_rows=CHUNK_ROWS, row=_ROW)  # fmt: skip
    return csv_frames(path, columns.delimiter, columns.required(), CHUNK_ROWS, _ROW)


def _pass(
    path: Path, columns: ColumnMap, problems: _Problems, meters: Collection[str] | None
) -> Iterator[tuple[Rows, _State]]:
    """The checked readings of each chunk (nothing once a row was refused)."""
    if not columns.unit and not columns.default_unit:
        problems.header = "the column map names neither a unit column nor a default unit"
        return
    if columns.cumulative and columns.supersedes:
        problems.header = "corrections (supersedes) need interval rows, not meter indexes"
        return
    state = _State(
        columns, ZoneInfo(columns.timezone), None if meters is None else frozenset(meters)
    )
    frames = _frames(path, columns)
    header = next(frames)
    missing = [c for c in columns.required() if c not in header.columns]
    if missing:
        problems.header = f"no column {', '.join(map(repr, missing))} in the header"
        return
    for frame in frames:
        if frame.empty:
            continue
        chunk = _parse_chunk(frame, state)
        readings = _in_order(chunk, state)
        chunk.problems.commit(problems)
        if not problems.any and len(readings.row):
            yield readings, state


def _refuse(source: str, problem: str) -> TcoInvalidTender:
    return TcoInvalidTender([FieldViolation(source, problem)], f"cannot read {source}")


def _sha256(path: Path) -> str:
    """The file's SHA-256 (refusing a file over :data:`MAX_READINGS_FILE_BYTES`)."""
    try:
        size = path.stat().st_size
        if size > MAX_READINGS_FILE_BYTES:
            raise _refuse(path.name, f"{size} bytes is over the limit of {MAX_READINGS_FILE_BYTES}")
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        raise _refuse(path.name, str(exc)) from None
    return digest.hexdigest()


def _guarded(
    path: Path, columns: ColumnMap, problems: _Problems, meters: Collection[str] | None
) -> Iterator[tuple[Rows, _State]]:
    """:func:`_pass` with unreadable files refused as such."""
    try:
        yield from _pass(path, columns, problems, meters)
    except (OSError, UnicodeDecodeError, ValueError, pd.errors.ParserError) as exc:
        raise _refuse(path.name, f"not a readable CSV or workbook: {exc}") from None


def _refused(problems: _Problems, **sent: int) -> ReadingsFileRefused:
    return ReadingsFileRefused(problems.violations(), f"{problems.source}: readings refused",
                               bad_rows=problems.bad_rows, **sent)  # fmt: skip


def check_readings_file(
    path: Path, columns: ColumnMap, *, meters: Collection[str] | None = None
) -> ReadingsFile:
    """Check every row of a readings file (nothing is sent); the file's digest and extent.

    Raises :class:`ReadingsFileRefused` naming the bad rows (or the header's problem)."""
    sha256 = _sha256(path)
    problems = _Problems(path.name)
    count, seen, first, last = 0, set[int](), _NONE, _NONE
    state: _State | None = None
    for readings, chunk_state in _guarded(path, columns, problems, meters):
        state = chunk_state
        count += len(readings.row)
        seen.update(np.unique(readings.series).tolist())
        low, high = int(readings.start.min()), int(readings.end.max())
        first = low if first == _NONE else min(first, low)
        last = max(last, high)
    if problems.any:
        raise _refused(problems)
    if count == 0 or state is None:
        raise TcoInvalidTender(
            [FieldViolation(path.name, "no readings")], f"{path.name}: no readings"
        )
    names = tuple(sorted(state.series.names[i] for i in seen))
    return ReadingsFile(path, sha256, count, names, _utc(first), _utc(last))


def _utc(micros: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros)


def iter_reading_batches(
    path: Path, columns: ColumnMap, *, meters: Collection[str] | None = None
) -> Iterator[ReadingBatch]:
    """The readings of a file as column batches in file order, one per chunk (one pass: a bad
    row stops the batches; :class:`ReadingsFileRefused` names every bad row at the end)."""
    problems = _Problems(path.name)
    for readings, state in _guarded(path, columns, problems, meters):
        order = np.argsort(readings.row, kind="stable")

        def times(values: np.ndarray, order: np.ndarray = order) -> pd.Series:
            return pd.Series(values[order].astype("datetime64[us]")).dt.tz_localize(UTC)

        yield ReadingBatch(
            meter=pd.Series(np.array(state.series.names, dtype=object)[readings.series[order]]),
            start=times(readings.start),
            end=times(readings.end),
            quantity=pd.Series(readings.quantity[order]),
            unit=pd.Series(np.array(state.units.names, dtype=object)[readings.unit[order]]),
            estimated=pd.Series(readings.estimated[order]),
            row=pd.Series(readings.row[order]),
        )
    if problems.any:
        raise _refused(problems)


def iter_readings(
    path: Path, columns: ColumnMap, *, meters: Collection[str] | None = None
) -> Iterator[ReadingRow]:
    """The readings of a file, row by row."""
    for batch in iter_reading_batches(path, columns, meters=meters):
        yield from batch.rows()


def iter_append_requests(
    path: Path,
    column_map: ColumnMap,
    parent: str,
    entered_by: str,
    *,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    batch_bytes: int = DEFAULT_BATCH_BYTES,
    meters: Collection[str] | None = None,
    kind: followup_pb2.SeriesKind.ValueType = followup_pb2.SERIES_KIND_UNSPECIFIED,
    source: followup_pb2.ReadingSource.ValueType = followup_pb2.READING_SOURCE_METER,
    min_run: int = MIN_RUN,
    check: bool = True,
) -> Iterator[followup_pb2.StreamReadingsRequest]:
    """The file's readings as ``StreamReadings`` messages for ``parent``
    ("procurements/{p}"): interval runs as ``IntervalSeries``, the other rows as ``Reading``
    (``origin`` "file.csv:row 12"), every message at most ``batch_rows`` rows and
    ``batch_bytes`` bytes, each carrying the file's SHA-256.

    ``check=True`` (the default) reads the file once to check it before yielding anything: a
    bad file sends nothing. ``check=False`` reads it once: the messages before the first bad
    row are yielded (the service stores each as it arrives), none after; the error then tells
    ``requests_sent`` and ``rows_sent``. Either way :class:`ReadingsFileRefused` names every
    bad row (the first :data:`MAX_VIOLATIONS`)."""
    if not 1 <= batch_rows <= 2**21:
        raise ValueError(f"batch_rows must be 1..{2**21}, got {batch_rows}")
    if not 4096 <= batch_bytes <= MAX_BATCH_BYTES:
        raise ValueError(f"batch_bytes must be 4096..{MAX_BATCH_BYTES}, got {batch_bytes}")
    checked = check_readings_file(path, column_map, meters=meters) if check else None
    sha256 = checked.sha256 if checked else _sha256(path)
    problems = _Problems(path.name)
    batcher = Batcher(
        followup_pb2.StreamReadingsRequest(parent=parent, entered_by=entered_by),
        followup_pb2.IntervalSeries(kind=kind, source=source, file_sha256=sha256),
        followup_pb2.Reading(kind=kind, source=source, file_sha256=sha256),
        batch_rows=batch_rows, batch_bytes=batch_bytes, readings_prefix=f"{parent}/readings/",
        source_name=path.name,
    )  # fmt: skip
    runs: Runs | None = None
    sent = rows_sent = 0
    for readings, state in _guarded(path, column_map, problems, meters):
        if runs is None:
            runs = Runs(state.series.names, state.units.names, min_run)
        for request, rows in runs.emit(readings, batcher):
            yield request
            sent, rows_sent = sent + 1, rows_sent + rows
    if problems.any:
        raise _refused(problems, requests_sent=sent, rows_sent=rows_sent)
    if runs is None:
        raise TcoInvalidTender(
            [FieldViolation(path.name, "no readings")], f"{path.name}: no readings"
        )
    for request, _rows in runs.finish(batcher):
        yield request
