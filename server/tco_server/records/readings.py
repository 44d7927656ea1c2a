"""Readings of contract follow-up (#19): validation, storage and listing.

A request (AppendReadingsRequest, or one StreamReadingsRequest message) is one **batch**: all
its readings are stored or none. The batch is one chain record (kind ``readings``, subject
``procurements/{p}/readings/batches/b{n}``, ``n`` counting the procurement's batches) whose hash
covers the canonical digest of its rows (:mod:`tco_server.records.readings_rows`), and the rows
in the readings table, one per single reading and one per interval. Each row is a reading named
``procurements/{p}/readings/b{n}-{k}``, ``k`` its index in the batch from 1 (single readings
first, in request order, then the intervals of each IntervalSeries in order): single readings
get their names in the response; intervals need none but are listed and can be superseded.

Checks (each bad field named by its path, every one, with an UPPER_SNAKE reason):

- the series is one of the commitments' (``UNKNOWN_SERIES``), of the kind they say
  (``WRONG_SERIES_KIND``; an unset kind takes the series'), not stored before with another kind or
  unit (``SERIES_REDEFINED``);
- the unit passes :mod:`tco.units` (``BAD_UNIT``; client strings never reach pint) and has the
  series' dimension (``WRONG_DIMENSION``; money in the series' currency; degree days from the
  small allow-list :data:`DEGREE_DAY_UNITS`); values are converted to the series' canonical unit;
- every quantity and interval value is finite (``NOT_FINITE``) and ≥ 0 (``NEGATIVE_VALUE``),
  checked over numpy arrays;
- end after start (``END_NOT_AFTER_START``); interval length 60 s to 366 days
  (``INTERVAL_OUT_OF_RANGE``); estimated indices within the values and ascending
  (``BAD_ESTIMATED_INDEX``);
- no two current readings of a series overlap, within the batch or with the stored ones
  (``OVERLAPPING_READINGS``; a reading the batch supersedes is no longer current);
- ``supersedes`` names a stored reading of the procurement (``UNKNOWN_READING``) of the same
  series (``SUPERSEDES_OTHER_SERIES``);
- at most :data:`MAX_BATCH_ROWS` rows (``TOO_MANY_READINGS``); other malformed fields
  ``INVALID_REQUEST``.

The checks against stored readings run inside the append's transaction, under the chain's lock,
with indexed queries (series, start): the current reading just before each new run, and the
stored ones starting within it.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from tco import units
from tco.errors import UnitError
from tco_server.records import readings_rows as rr
from tco_server.records.readings_list import MAX_PAGE_SIZE, list_readings, load_series
from tco_server.records.readings_rows import ReadingsError, Violation, batch_name, reading_name
from tco_server.records.store import READINGS, RecordStore
from tcoapi.v1 import followup_pb2 as fpb

MAX_SERIES_NAME, MAX_ENTERED_BY, MAX_ORIGIN = 100, 200, 500
MIN_INTERVAL_SECONDS, MAX_INTERVAL_SECONDS = 60, 31_622_400
#: Most rows (single readings + intervals) in one batch.
MAX_BATCH_ROWS = 2_000_000
#: Degree-day units accepted for a DEGREE_DAYS series (all the same: kelvin-days).
DEGREE_DAY_UNITS = frozenset(
    {"K·d", "K d", "Kd", "K*d", "K.d", "°C·d", "°Cd", "degree_day", "degree_days", "graddagar"}
)
_US = 1_000_000
#: Times accepted: 1900-01-01 to 2200-01-01 (µs since the epoch).
_MIN_US, _MAX_US = -2_208_988_800 * _US, 7_258_118_400 * _US
_SHA256 = re.compile(r"[0-9a-f]{64}")
_READING = re.compile(r"procurements/([^/]+)/readings/b([1-9][0-9]{0,17})-([1-9][0-9]{0,8})")
_KINDS = (fpb.SERIES_KIND_CONSUMPTION, fpb.SERIES_KIND_ACTIVITY, fpb.SERIES_KIND_DEGREE_DAYS)
_SOURCES = frozenset(fpb.ReadingSource.values())

Request = fpb.AppendReadingsRequest | fpb.StreamReadingsRequest


@dataclass(frozen=True)
class SeriesSpec:
    """What a commitment says a series measures."""

    kind: int  # followup_pb2.SeriesKind value (CONSUMPTION/ACTIVITY/DEGREE_DAYS)
    unit: str  # the canonical unit values are stored in, e.g. "kWh", "km", "K·d", "SEK"


# -- units -----------------------------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def _dimension(unit: str) -> units.Dimension:
    """A dimension whose canonical unit is the series' (memoised: dimensions compare by id)."""
    return units.Dimension.of(f"the unit of the series ({unit})", unit)


def _factor(unit: str, spec: SeriesSpec) -> tuple[float, str, str]:
    """(factor to the series' unit, reason, message); reason "" when the unit is accepted."""
    if spec.kind == fpb.SERIES_KIND_DEGREE_DAYS:
        if unit.strip() in DEGREE_DAY_UNITS:
            return 1.0, "", ""
        return 0.0, "WRONG_DIMENSION", f"expected degree days such as 'K·d', got {unit!r}"
    if unit.strip() in DEGREE_DAY_UNITS:
        return 0.0, "WRONG_DIMENSION", f"degree days for a series in {spec.unit!r}"
    try:
        units.check(unit)
    except UnitError as error:
        return 0.0, "BAD_UNIT", str(error)
    try:
        value = units.factor(unit, _dimension(spec.unit))
        if units.currency_of(unit) != units.currency_of(spec.unit):
            return 0.0, "WRONG_DIMENSION", f"expected money in {spec.unit!r}, got {unit!r}"
    except UnitError:
        return 0.0, "WRONG_DIMENSION", f"expected a unit convertible to {spec.unit!r}, got {unit!r}"
    return value, "", ""


# -- the batch as checked arrays -------------------------------------------------------------


@dataclass
class _Segment:
    """A stretch of one series the batch covers: a single reading, or a whole interval run."""

    series: str
    start: int
    end: int
    path: str


@dataclass
class _Batch:
    """What a request becomes once checked field by field."""

    series: list[str] = field(default_factory=list)  # names in order of first use
    positions: list[np.ndarray] = field(default_factory=list)
    starts: list[np.ndarray] = field(default_factory=list)
    ends: list[np.ndarray] = field(default_factory=list)
    quantities: list[np.ndarray] = field(default_factory=list)
    estimated: list[np.ndarray] = field(default_factory=list)
    segments: list[_Segment] = field(default_factory=list)
    #: (row index from 1, path, batch number, index, series) of each reading that supersedes
    supersedes: list[tuple[int, str, int, int, str]] = field(default_factory=list)
    readings_meta: list[dict[str, Any]] = field(default_factory=list)
    intervals_meta: list[dict[str, Any]] = field(default_factory=list)
    rows: int = 0

    def position(self, name: str) -> int:
        if name not in self.series:
            self.series.append(name)
        return self.series.index(name)

    def add(self, name: str, start: Any, end: Any, quantity: Any, estimated: Any) -> None:
        n = len(start)
        self.positions.append(np.full(n, self.position(name), np.int64))
        self.starts.append(np.asarray(start, np.int64))
        self.ends.append(np.asarray(end, np.int64))
        self.quantities.append(np.asarray(quantity, np.float64) + 0.0)  # -0.0 -> 0.0
        self.estimated.append(np.asarray(estimated, np.bool_))
        self.rows += n

    def columns(self) -> rr.Rows:
        def joined(parts: list[np.ndarray], dtype: Any) -> Any:
            return np.concatenate(parts).astype(dtype) if parts else np.empty(0, dtype)

        sup_number = np.zeros(self.rows, np.int64)
        sup_idx = np.zeros(self.rows, np.int64)
        for row, _, number, index, _ in self.supersedes:
            sup_number[row - 1], sup_idx[row - 1] = number, index
        return rr.Rows(
            series=tuple(self.series),
            position=joined(self.positions, np.int64),
            start=joined(self.starts, np.int64),
            end=joined(self.ends, np.int64),
            quantity=joined(self.quantities, np.float64),
            estimated=joined(self.estimated, np.bool_),
            sup_number=sup_number,
            sup_idx=sup_idx,
        )


def _us(stamp: Any) -> int:
    return int(stamp.seconds) * _US + int(stamp.nanos) // 1000


def _time(message: Any, name: str, path: str, out: list[Violation]) -> int | None:
    if not message.HasField(name):
        out.append((f"{path}.{name}", "INVALID_REQUEST", "required"))
        return None
    stamp = getattr(message, name)
    value = _us(stamp)
    if stamp.nanos % 1000 or not _MIN_US <= value < _MAX_US:
        out.append((f"{path}.{name}", "INVALID_REQUEST", "a whole microsecond in 1900-2199 (UTC)"))
        return None
    return value


def _kind_name(kind: int) -> str:
    return fpb.SeriesKind.Name(fpb.SeriesKind.ValueType(kind)) if kind in _KINDS else str(kind)


def _series_of(
    message: Any, path: str, specs: Mapping[str, SeriesSpec], out: list[Violation]
) -> SeriesSpec | None:
    name = message.series
    if not name or len(name) > MAX_SERIES_NAME:
        out.append((f"{path}.series", "INVALID_REQUEST", f"1-{MAX_SERIES_NAME} characters"))
        return None
    spec = specs.get(name)
    if spec is None:
        out.append(
            (f"{path}.series", "UNKNOWN_SERIES", f"no commitment of this procurement has {name!r}")
        )
        return None
    if message.kind not in (fpb.SERIES_KIND_UNSPECIFIED, spec.kind):
        out.append(
            (
                f"{path}.kind",
                "WRONG_SERIES_KIND",
                f"{name!r} is {_kind_name(spec.kind)}, not {_kind_name(message.kind)}",
            )
        )
    return spec


def _provenance(message: Any, path: str, out: list[Violation]) -> None:
    if message.source not in _SOURCES:
        out.append((f"{path}.source", "INVALID_REQUEST", f"unknown source {message.source}"))
    if message.file_sha256 and not _SHA256.fullmatch(message.file_sha256):
        out.append((f"{path}.file_sha256", "INVALID_REQUEST", "64 lower-case hex digits"))


def _values(values: np.ndarray, path: str, out: list[Violation]) -> None:
    """Every value not finite or negative, named (numpy finds them)."""
    finite = np.isfinite(values)
    for k in np.flatnonzero(~finite).tolist():
        out.append((f"{path}[{k}]", "NOT_FINITE", f"got {float(values[k])!r}"))
    for k in np.flatnonzero(finite & (values < 0.0)).tolist():
        out.append((f"{path}[{k}]", "NEGATIVE_VALUE", f"must be >= 0, got {float(values[k])!r}"))


def _single(
    batch: _Batch,
    reading: fpb.Reading,
    i: int,
    *,
    procurement: str,
    specs: Mapping[str, SeriesSpec],
    out: list[Violation],
) -> None:
    path = f"readings[{i}]"
    before = len(out)
    spec = _series_of(reading, path, specs, out)
    start = _time(reading, "start_time", path, out)
    end = _time(reading, "end_time", path, out)
    if start is not None and end is not None and end <= start:
        out.append((f"{path}.end_time", "END_NOT_AFTER_START", "must be after start_time"))
    factor = 0.0
    if not reading.HasField("quantity"):
        out.append((f"{path}.quantity", "INVALID_REQUEST", "required"))
    else:
        value = reading.quantity.value
        if not math.isfinite(value):
            out.append((f"{path}.quantity.value", "NOT_FINITE", f"got {value!r}"))
        elif value < 0.0:
            out.append((f"{path}.quantity.value", "NEGATIVE_VALUE", f"must be >= 0, got {value!r}"))
        if spec is not None:
            factor, reason, message = _factor(reading.quantity.unit, spec)
            if reason:
                out.append((f"{path}.quantity.unit", reason, message))
    _provenance(reading, path, out)
    if len(reading.origin) > MAX_ORIGIN:
        out.append((f"{path}.origin", "INVALID_REQUEST", f"at most {MAX_ORIGIN} characters"))
    row = batch.rows + 1
    if reading.supersedes:
        match = _READING.fullmatch(reading.supersedes)
        if match is None or match.group(1) != procurement:
            out.append(
                (
                    f"{path}.supersedes",
                    "UNKNOWN_READING",
                    f"expected a reading 'procurements/{procurement}/readings/b{{n}}-{{k}}'",
                )
            )
        else:
            batch.supersedes.append(
                (row, path, int(match.group(2)), int(match.group(3)), reading.series)
            )
    if len(out) > before or start is None or end is None:
        batch.rows += 1  # keeps the row numbers of the readings after it
        return
    quantity = reading.quantity.value * factor
    batch.add(reading.series, [start], [end], [quantity], [reading.estimated])
    batch.segments.append(_Segment(reading.series, start, end, path))
    batch.readings_meta.append(
        {
            "source": int(reading.source),
            "file_sha256": reading.file_sha256,
            "origin": reading.origin,
            "value": reading.quantity.value,
            "unit": reading.quantity.unit,
        }
    )


def _interval(
    batch: _Batch,
    run: fpb.IntervalSeries,
    j: int,
    specs: Mapping[str, SeriesSpec],
    out: list[Violation],
) -> None:
    path = f"series[{j}]"
    before = len(out)
    spec = _series_of(run, path, specs, out)
    start = _time(run, "start_time", path, out)
    step = int(run.interval_seconds)
    if not MIN_INTERVAL_SECONDS <= step <= MAX_INTERVAL_SECONDS:
        out.append(
            (
                f"{path}.interval_seconds",
                "INTERVAL_OUT_OF_RANGE",
                f"expected {MIN_INTERVAL_SECONDS}..{MAX_INTERVAL_SECONDS} s, got {step}",
            )
        )
    values = np.array(run.values, np.float64)
    n = len(values)
    if not n:
        out.append((f"{path}.values", "INVALID_REQUEST", "at least one value"))
    _values(values, f"{path}.values", out)
    factor = 0.0
    if spec is not None:
        factor, reason, message = _factor(run.unit, spec)
        if reason:
            out.append((f"{path}.unit", reason, message))
    estimated = np.array(run.estimated, np.int64)
    if len(estimated):
        bad = (estimated < 0) | (estimated >= n)
        bad[1:] |= estimated[1:] <= estimated[:-1]
        for m in np.flatnonzero(bad).tolist():
            out.append(
                (
                    f"{path}.estimated[{m}]",
                    "BAD_ESTIMATED_INDEX",
                    f"indices into values (0..{n - 1}), ascending; got {int(estimated[m])}",
                )
            )
    _provenance(run, path, out)
    if start is not None and n and start + n * step * _US > _MAX_US:
        out.append((f"{path}.values", "INVALID_REQUEST", "the run ends after 2199"))
    if len(out) > before or start is None:
        batch.rows += n
        return
    starts = start + np.arange(n, dtype=np.int64) * (step * _US)
    flags = np.zeros(n, np.bool_)
    flags[estimated] = True
    first = batch.rows + 1
    batch.add(run.series, starts, starts + step * _US, values * factor, flags)
    end = start + n * step * _US
    batch.segments.append(_Segment(run.series, start, end, path))
    batch.intervals_meta.append(
        {
            "first": first,
            "count": n,
            "series": run.series,
            "unit": run.unit,
            "interval_seconds": step,
            "source": int(run.source),
            "file_sha256": run.file_sha256,
        }
    )


def _overlaps_within(batch: _Batch, out: list[Violation]) -> None:
    """Readings of one series in the batch that overlap each other."""
    by_series: dict[str, list[_Segment]] = {}
    for segment in batch.segments:
        by_series.setdefault(segment.series, []).append(segment)
    for segments in by_series.values():
        segments.sort(key=lambda s: (s.start, s.end))
        reach: _Segment | None = None
        for segment in segments:
            if reach is not None and segment.start < reach.end:
                out.append(
                    (
                        f"{segment.path}.start_time",
                        "OVERLAPPING_READINGS",
                        f"overlaps {reach.path} of the same request",
                    )
                )
            if reach is None or segment.end > reach.end:
                reach = segment


def _checked(
    request: Request, procurement: str, specs: Mapping[str, SeriesSpec], entered_by: str | None
) -> tuple[_Batch, str, list[Violation]]:
    """The request as arrays (its good readings), who enters it, and every field-level fault."""
    out: list[Violation] = []
    if request.parent != f"procurements/{procurement}":
        out.append(("parent", "INVALID_REQUEST", f"expected 'procurements/{procurement}'"))
    who = request.entered_by or entered_by or ""
    if not who.strip() or len(who) > MAX_ENTERED_BY:
        out.append(
            ("entered_by", "INVALID_REQUEST", f"a name or role, at most {MAX_ENTERED_BY} chars")
        )
    rows = len(request.readings) + sum(len(run.values) for run in request.series)
    if rows == 0:
        out.append(("readings", "INVALID_REQUEST", "no readings and no series"))
    if rows > MAX_BATCH_ROWS:
        raise ReadingsError(
            [("series", "TOO_MANY_READINGS", f"{rows} rows, at most {MAX_BATCH_ROWS} per batch")]
        )
    batch = _Batch()
    for i, reading in enumerate(request.readings):
        _single(batch, reading, i, procurement=procurement, specs=specs, out=out)
    for j, run in enumerate(request.series):
        _interval(batch, run, j, specs, out)
    _overlaps_within(batch, out)  # among the readings whose own fields are good
    return batch, who, out


# -- against the stored readings (in the append's transaction) -------------------------------

_SQL = rr.QUERIES


def _inserted(connection: Connection, table: sa.Table, row: dict[str, Any]) -> int:
    """Insert ``row``; its new id."""
    key = connection.execute(table.insert(), row).inserted_primary_key
    assert key is not None
    return int(key[0])


def _series_ids(
    connection: Connection,
    organization: str,
    procurement: str,
    batch: _Batch,
    *,
    specs: Mapping[str, SeriesSpec],
    out: list[Violation],
    create: bool = True,
) -> np.ndarray:
    """The id of each of the batch's series (stored now when new and ``create``, else -1)."""
    found = {
        row.series: row
        for row in connection.execute(
            _SQL["series"], {"org": organization, "procurement": procurement, "names": batch.series}
        )
    }
    ids = np.zeros(len(batch.series), np.int64)
    for k, name in enumerate(batch.series):
        spec, row = specs[name], found.get(name)
        if row is None and not create:
            ids[k] = -1
            continue
        if row is None:
            ids[k] = _inserted(
                connection,
                rr.series_table,
                {
                    "organization": organization,
                    "procurement": procurement,
                    "series": name,
                    "kind": spec.kind,
                    "unit": spec.unit,
                },
            )
            continue
        ids[k] = row.id
        if (int(row.kind), row.unit) != (spec.kind, spec.unit):
            out.append(
                (
                    next(s.path for s in batch.segments if s.series == name) + ".series",
                    "SERIES_REDEFINED",
                    f"{name!r} is stored as {_kind_name(int(row.kind))} in "
                    f"{row.unit!r}; the commitments now say "
                    f"{_kind_name(spec.kind)} in {spec.unit!r}",
                )
            )
    return ids


def _targets(
    connection: Connection,
    organization: str,
    procurement: str,
    batch: _Batch,
    *,
    ids: np.ndarray,
    out: list[Violation],
) -> tuple[np.ndarray, set[tuple[int, int]]]:
    """The batch id of each row's superseded reading (0: none), and the (batch id, index) of
    every reading the batch supersedes; unknown or other-series targets into ``out``."""
    sup_batch = np.zeros(batch.rows, np.int64)
    targets: set[tuple[int, int]] = set()
    position = {name: k for k, name in enumerate(batch.series)}
    for row, path, number, index, name in batch.supersedes:
        found = connection.execute(
            _SQL["target"],
            {"org": organization, "procurement": procurement, "number": number, "idx": index},
        ).first()
        if found is None:
            out.append(
                (f"{path}.supersedes", "UNKNOWN_READING", "no such reading in this procurement")
            )
            continue
        if int(found.series_id) != int(ids[position[name]]):
            out.append(
                (
                    f"{path}.supersedes",
                    "SUPERSEDES_OTHER_SERIES",
                    "names a reading of another series",
                )
            )
            continue
        sup_batch[row - 1] = int(found.id)
        targets.add((int(found.id), index))
    return sup_batch, targets


def _overlaps_stored(
    connection: Connection,
    procurement: str,
    batch: _Batch,
    *,
    ids: np.ndarray,
    targets: set[tuple[int, int]],
    out: list[Violation],
) -> None:
    """New readings that overlap a current stored one (not superseded by this batch)."""
    position = {name: k for k, name in enumerate(batch.series)}
    limit = len(targets) + 1
    for segment in batch.segments:
        series = int(ids[position[segment.series]])
        params = {"series": series, "lo": segment.start, "hi": segment.end, "limit": limit}
        hit = None
        for row in connection.execute(_SQL["within"], params):
            if (int(row.batch_id), int(row.idx)) not in targets:
                hit = row
                break
        if hit is None:
            for row in connection.execute(_SQL["before"], params):
                if (int(row.batch_id), int(row.idx)) not in targets:
                    hit = row if int(row.end_us) > segment.start else None
                    break
        if hit is not None:
            out.append(
                (
                    f"{segment.path}.start_time",
                    "OVERLAPPING_READINGS",
                    f"overlaps the stored reading {reading_name(procurement, hit.number, hit.idx)}",
                )
            )


def _against_stored(  # noqa: PLR0917 - the batch and where it goes
    connection: Connection,
    organization: str,
    procurement: str,
    batch: _Batch,
    specs: Mapping[str, SeriesSpec],
    out: list[Violation],
    create: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Series ids and superseded batch ids of the batch; its faults against the stored
    readings into ``out`` (redefined series, unknown superseded readings, overlaps)."""
    ids = _series_ids(
        connection, organization, procurement, batch, specs=specs, out=out, create=create
    )
    sup_batch, targets = _targets(connection, organization, procurement, batch, ids=ids, out=out)
    _overlaps_stored(connection, procurement, batch, ids=ids, targets=targets, out=out)
    return ids, sup_batch


def append_readings(
    store: RecordStore,
    organization: str,
    procurement: str,
    request: Request,
    series: Mapping[str, SeriesSpec],
    *,
    entered_by: str | None = None,
) -> fpb.AppendReadingsResponse:
    """Check and store one batch, all or nothing (see the module docstring); ``entered_by`` is
    used when the request leaves it empty (a stream's later messages). Raises
    :class:`ReadingsError` naming every bad field."""
    batch, who, faults = _checked(request, procurement, series, entered_by)
    if faults:  # and the faults against the stored readings of the good ones, to name them all
        with store.engine.connect() as connection:
            _against_stored(connection, organization, procurement, batch, series, faults, False)
        raise ReadingsError(faults)
    rows = batch.columns()
    payload = {
        "entered_by": who,
        "rows": len(rows),
        "rows_sha256": rr.digest(rows),
        "series": list(batch.series),
        "readings": batch.readings_meta,
        "intervals": batch.intervals_meta,
    }
    numbers: list[int] = []

    def number(connection: Connection) -> int:
        last = connection.execute(
            _SQL["last"], {"org": organization, "procurement": procurement}
        ).scalar()
        numbers[:] = [int(last or 0) + 1]
        return numbers[0]

    def then(connection: Connection, seq: int, name: str) -> None:
        out: list[Violation] = []
        ids, sup_batch = _against_stored(
            connection, organization, procurement, batch, series, out, True
        )
        if out:
            raise ReadingsError(out)
        batch_id = _inserted(
            connection,
            rr.batches_table,
            {
                "organization": organization,
                "procurement": procurement,
                "number": numbers[0],
                "record_seq": seq,
                "row_count": len(rows),
            },
        )
        runs = [(r["first"], r["count"], r["interval_seconds"] * _US) for r in batch.intervals_meta]
        rr.insert(connection, int(batch_id), rows, ids, sup_batch, runs)

    record = store.append(
        organization,
        READINGS,
        f"procurements/{procurement}/readings/batches/b{{n}}",
        procurement,
        payload,
        sealed=False,
        number=number,
        then=then,
    )
    singles = len(batch.readings_meta)
    return fpb.AppendReadingsResponse(
        readings_appended=len(rows),
        batches=[record.subject],
        record_hash=record.hash,
        readings=[reading_name(procurement, numbers[0], k) for k in range(1, singles + 1)],
    )


__all__ = [
    "MAX_PAGE_SIZE",
    "ReadingsError",
    "SeriesSpec",
    "append_readings",
    "batch_name",
    "list_readings",
    "load_series",
    "reading_name",
]
