"""TEMPORARY STAND-IN for fustore's readings module (issue 19): same signatures, minimal.

fureport's branch needs ``append_readings`` / ``list_readings`` / ``load_series`` to test the
commitments and the follow-up report end to end; fustore owns the real module (its own table,
the migration 0002, COPY ingest, every validation). At merge the lead takes fustore's version
of this file and drops this one. This stand-in stores each batch as ONE chain record (kind
``readings``) holding its rows in the payload, and validates only what the report's tests need
(series known, unit of the series' dimension, quantity >= 0, end after start, supersedes known).
"""

from __future__ import annotations

import base64
import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from tco import units
from tco.errors import UnitError
from tco.followup.readings import Reading
from tco_server.records.store import Record, RecordStore, parse_utc, utc_text
from tcoapi.v1 import followup_pb2 as fpb

READINGS = "readings"
#: Degree-day units (tco.units has no degree day): the spellings taken, all in K·d.
DEGREE_DAY_UNITS = frozenset({"K·d", "K*d", "K d", "Kd", "degree_day", "degree_days", "°C·d"})
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 1000, 10_000


@dataclass(frozen=True)
class SeriesSpec:
    """What a commitment says a series measures."""

    kind: int
    unit: str


class ReadingsError(Exception):
    """Readings refused: every (field path, reason, message)."""

    def __init__(self, violations: list[tuple[str, str, str]]) -> None:
        super().__init__(f"{len(violations)} invalid field(s)")
        self.violations = violations


def _factor(unit: str, spec: SeriesSpec) -> float:
    if spec.kind == fpb.SERIES_KIND_DEGREE_DAYS:
        if unit.strip() not in DEGREE_DAY_UNITS:
            raise UnitError(f"expected degree days such as 'K·d', got {unit!r}")
        return 1.0
    return units.factor(unit, units.Dimension.of(spec.unit, spec.unit))


def _utc(stamp: Timestamp) -> datetime:
    return stamp.ToDatetime(tzinfo=UTC)


def _rows(
    request: fpb.AppendReadingsRequest | fpb.StreamReadingsRequest,
    series: Mapping[str, SeriesSpec],
    known: set[str],
    batch: str,
) -> tuple[list[list[Any]], list[tuple[str, str, str]]]:
    rows: list[list[Any]] = []
    bad: list[tuple[str, str, str]] = []

    def check(path: str, name: str, unit: str) -> float | None:
        spec = series.get(name)
        if spec is None:
            bad.append((f"{path}.series", "INVALID_REQUEST", "no commitment names this series"))
            return None
        try:
            return _factor(unit, spec)
        except UnitError as error:
            bad.append((f"{path}.unit", "INVALID_REQUEST", str(error)))
            return None

    for i, r in enumerate(request.readings):
        path = f"readings[{i}]"
        f = check(path, r.series, r.quantity.unit)
        start, end = _utc(r.start_time), _utc(r.end_time)
        if not end > start:
            bad.append((f"{path}.end_time", "INVALID_REQUEST", "must be after start_time"))
        q = r.quantity.value
        if not math.isfinite(q) or q < 0:
            bad.append((f"{path}.quantity.value", "INVALID_REQUEST", "must be >= 0"))
        sup = r.supersedes.rsplit("/", 1)[-1] if r.supersedes else ""
        if sup and sup not in known:
            bad.append((f"{path}.supersedes", "INVALID_REQUEST", "no such reading"))
        if f is not None:
            rid = f"r{uuid.uuid4().hex[:16]}"
            known.add(rid)
            rows.append(
                [rid, r.series, utc_text(start), utc_text(end), q * f, r.estimated, sup, r.origin]
            )
    for i, s in enumerate(request.series):
        path = f"series[{i}]"
        f = check(path, s.series, s.unit)
        if f is None:
            continue
        start, step = _utc(s.start_time), timedelta(seconds=s.interval_seconds)
        estimated = set(s.estimated)
        for j, v in enumerate(s.values):
            if not math.isfinite(v) or v < 0:
                bad.append((f"{path}.values[{j}]", "INVALID_REQUEST", "must be >= 0"))
            rows.append(
                [f"{batch}-{i}-{j}", s.series, utc_text(start + j * step),
                 utc_text(start + (j + 1) * step), v * f, j in estimated, "", ""]
            )  # fmt: skip
    return rows, bad


def _batches(store: RecordStore, organization: str, procurement: str) -> list[Record]:
    return store.records(organization, READINGS, procurement=procurement)


def append_readings(
    store: RecordStore,
    organization: str,
    procurement: str,
    request: fpb.AppendReadingsRequest | fpb.StreamReadingsRequest,
    series: Mapping[str, SeriesSpec],
) -> fpb.AppendReadingsResponse:
    """Validate and store one batch as one chain record (stand-in: see the module docstring)."""
    known = {
        row[0] for b in _batches(store, organization, procurement) for row in b.payload["rows"]
    }
    batch = f"b{uuid.uuid4().hex[:16]}"
    rows, bad = _rows(request, series, known, batch)
    if bad:
        raise ReadingsError(bad)
    parent = f"procurements/{procurement}"
    record = store.append(
        organization,
        READINGS,
        f"{parent}/readings/batches/{batch}",
        procurement,
        {"rows": rows, "entered_by": request.entered_by},
    )
    singles = [f"{parent}/readings/{row[0]}" for row in rows[: len(request.readings)]]
    return fpb.AppendReadingsResponse(
        readings_appended=len(rows),
        batches=[record.subject],
        record_hash=record.hash,
        readings=singles,
    )


def _all_rows(store: RecordStore, organization: str, procurement: str) -> list[list[Any]]:
    return [row for b in _batches(store, organization, procurement) for row in b.payload["rows"]]


def list_readings(  # noqa: PLR0917 - the interface of FOLLOWUP.md
    store: RecordStore,
    organization: str,
    procurement: str,
    series: str,
    page_size: int,
    page_token: str,
) -> fpb.ListReadingsResponse:
    """The readings in the order appended, superseded ones marked (stand-in)."""
    rows = [r for r in _all_rows(store, organization, procurement) if not series or r[1] == series]
    superseded = {r[6] for r in rows if r[6]}
    size = page_size or DEFAULT_PAGE_SIZE
    start = int(base64.urlsafe_b64decode(page_token).decode()) if page_token else 0
    page = rows[start : start + size]
    out = fpb.ListReadingsResponse()
    for r in page:
        reading = out.readings.add(
            name=f"procurements/{procurement}/readings/{r[0]}",
            series=r[1],
            estimated=r[5],
            superseded=r[0] in superseded,
            origin=r[7],
        )
        reading.start_time.FromDatetime(parse_utc(r[2]))
        reading.end_time.FromDatetime(parse_utc(r[3]))
        reading.quantity.value = r[4]
        if r[6]:
            reading.supersedes = f"procurements/{procurement}/readings/{r[6]}"
    if start + size < len(rows):
        out.next_page_token = base64.urlsafe_b64encode(str(start + size).encode()).decode()
    return out


def load_series(  # noqa: PLR0917 - the interface of FOLLOWUP.md
    store: RecordStore,
    organization: str,
    procurement: str,
    series: str,
    start: datetime,
    end: datetime,
) -> list[Reading]:
    """The current readings of ``series`` overlapping [start, end), canonical unit, UTC."""
    rows = [r for r in _all_rows(store, organization, procurement) if r[1] == series]
    superseded = {r[6] for r in rows if r[6]}
    out = []
    for r in rows:
        if r[0] in superseded:
            continue
        s, e = parse_utc(r[2]), parse_utc(r[3])
        if e > start and s < end:
            out.append(Reading(r[0], s, e, float(r[4]), bool(r[5])))
    return out
