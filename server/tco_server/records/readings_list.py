"""Reading follow-up readings back (#19): :func:`load_series` for the report, :func:`list_readings`
for ListReadings (re-exported by :mod:`tco_server.records.readings`, the module to import).

Both use the index on (series, start) or the batches' order; a reading is current when no later
reading supersedes it (the partial index on the superseded reading answers that).
"""

from __future__ import annotations

import base64
import bisect
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from tco.followup.readings import Reading as CoreReading
from tco_server.records import readings_rows as rr
from tco_server.records.readings_rows import ReadingsError, reading_name
from tco_server.records.store import RecordStore
from tco_server.records.store import records as records_table
from tcoapi.v1 import followup_pb2 as fpb
from tcoapi.v1 import tender_pb2

DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 1000, 10_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SQL = dict(rr.QUERIES)
_r, _b, _s = rr.readings_table.c, rr.batches_table.c, rr.series_table.c
_superseded = rr.SUPERSEDED


def _when(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def _micros(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _series_row(connection: Connection, organization: str, procurement: str, name: str) -> Any:
    return connection.execute(
        _SQL["series"], {"org": organization, "procurement": procurement, "names": [name]}
    ).first()


def load_series(  # noqa: PLR0917 - the interface of FOLLOWUP.md
    store: RecordStore,
    organization: str,
    procurement: str,
    series: str,
    start: datetime,
    end: datetime,
) -> list[CoreReading]:
    """The current readings of ``series`` (superseded ones dropped) that overlap [start, end),
    by start; quantities in the series' canonical unit, times UTC-aware; ``supersedes`` left
    empty (the readings returned are the current ones). Naive datetimes are taken as UTC."""
    lo, hi = _micros(start), _micros(end)
    with store.engine.connect() as connection:
        found = _series_row(connection, organization, procurement, series)
        if found is None or hi <= lo:
            return []
        params = {"series": int(found.id), "lo": lo, "hi": hi, "limit": 1}
        before = connection.execute(_SQL["before"], params).all()
        params["limit"] = 2**62
        rows = [row for row in before if int(row.end_us) > lo]
        rows += connection.execute(_SQL["within"], params).all()
    prefix = f"procurements/{procurement}/readings/b"
    moments: dict[int, datetime] = {}  # interval data: each end is the next start

    def when(us: int) -> datetime:
        found = moments.get(us)
        if found is None:
            found = moments[us] = _EPOCH + timedelta(microseconds=us)
        return found

    return [
        CoreReading(f"{prefix}{number}-{idx}", when(begin), when(finish), quantity, bool(estimated))
        for _, idx, begin, finish, quantity, estimated, number in rows
    ]


_sup = rr.batches_table.alias("sup")
_LISTED = sa.select(
    _r.batch_id,
    _r.idx,
    _r.series_id,
    _r.start_us,
    _r.end_us,
    _r.quantity,
    _r.estimated,
    _sup.c.number.label("sup_number"),
    _r.sup_idx,
    _superseded,
    _b.number,
    _b.record_seq,
).select_from(
    rr.readings_table.join(rr.batches_table, _b.id == _r.batch_id).outerjoin(
        _sup, _sup.c.id == _r.sup_batch
    )
)
_SQL["of_batch"] = (
    _LISTED.where(_r.batch_id == sa.bindparam("batch"), _r.idx > sa.bindparam("after"))
    .order_by(_r.idx)
    .limit(sa.bindparam("limit"))
)
_SQL["of_series"] = (
    _LISTED.where(
        _r.series_id == sa.bindparam("series"),
        sa.or_(
            _r.batch_id > sa.bindparam("batch"),
            sa.and_(_r.batch_id == sa.bindparam("batch"), _r.idx > sa.bindparam("after")),
        ),
    )
    .order_by(_r.batch_id, _r.idx)
    .limit(sa.bindparam("limit"))
)
_SQL["batches"] = (
    sa.select(_b.id, _b.number)
    .where(
        _b.organization == sa.bindparam("org"),
        _b.procurement == sa.bindparam("procurement"),
        _b.number >= sa.bindparam("number"),
    )
    .order_by(_b.number)
    .limit(64)
)
_SQL["all_series"] = sa.select(_s.id, _s.series, _s.kind, _s.unit).where(
    _s.organization == sa.bindparam("org"), _s.procurement == sa.bindparam("procurement")
)
_SQL["payload"] = sa.select(records_table.c.payload).where(
    records_table.c.organization == sa.bindparam("org"),
    records_table.c.seq == sa.bindparam("seq"),
)


def _token(mode: str, a: int, b: int) -> str:
    return base64.urlsafe_b64encode(f"{mode}:{a}:{b}".encode()).decode()


def _untoken(token: str, mode: str) -> tuple[int, int]:
    if not token:
        return 0, 0
    try:
        kind, a, b = base64.urlsafe_b64decode(token.encode("ascii")).decode("ascii").split(":")
        if kind != mode:
            raise ValueError(kind)
        return int(a), int(b)
    except (ValueError, UnicodeError):
        raise ReadingsError(
            [("page_token", "INVALID_REQUEST", "not a page token of this list")]
        ) from None


class _Meta:
    """Where each listed row came from: its batch record's payload, read once per batch."""

    def __init__(self, connection: Connection, organization: str) -> None:
        self._connection, self._organization = connection, organization
        self._payloads: dict[int, dict[str, Any]] = {}

    def of(self, seq: int, index: int) -> dict[str, Any]:
        payload = self._payloads.get(seq)
        if payload is None:
            raw = self._connection.execute(
                _SQL["payload"], {"org": self._organization, "seq": seq}
            ).scalar_one()
            payload = json.loads(bytes(raw))
            payload["_firsts"] = [run["first"] for run in payload["intervals"]]
            self._payloads[seq] = payload
        if index <= len(payload["readings"]):
            return dict(payload["readings"][index - 1])
        k = bisect.bisect_right(payload["_firsts"], index) - 1
        return dict(payload["intervals"][k])


def _reading(procurement: str, row: Any, series: Mapping[int, Any], meta: _Meta) -> fpb.Reading:
    info = series[int(row.series_id)]
    where = meta.of(int(row.record_seq), int(row.idx))
    out = fpb.Reading(
        name=reading_name(procurement, int(row.number), int(row.idx)),
        series=info.series,
        kind=fpb.SeriesKind.ValueType(int(info.kind)),
        quantity=tender_pb2.Quantity(value=float(row.quantity), unit=info.unit),
        source=fpb.ReadingSource.ValueType(int(where.get("source", 0))),
        file_sha256=where.get("file_sha256", ""),
        estimated=bool(row.estimated),
        origin=where.get("origin", ""),
        superseded=bool(row.superseded),
    )
    out.start_time.FromDatetime(_when(int(row.start_us)))
    out.end_time.FromDatetime(_when(int(row.end_us)))
    if row.sup_number is not None:
        out.supersedes = reading_name(procurement, int(row.sup_number), int(row.sup_idx))
    return out


def list_readings(  # noqa: PLR0917 - the interface of FOLLOWUP.md
    store: RecordStore,
    organization: str,
    procurement: str,
    series: str,
    page_size: int,
    page_token: str,
) -> fpb.ListReadingsResponse:
    """The procurement's readings (of ``series`` only, unless empty) in the order appended,
    superseded ones included and marked; ``page_size`` 0 = 1000, at most 10 000."""
    if page_size < 0 or page_size > MAX_PAGE_SIZE:
        raise ReadingsError(
            [("page_size", "INVALID_REQUEST", f"expected 0..{MAX_PAGE_SIZE}, got {page_size}")]
        )
    limit = page_size or DEFAULT_PAGE_SIZE
    params = {"org": organization, "procurement": procurement}
    with store.engine.connect() as connection:
        known = {int(row.id): row for row in connection.execute(_SQL["all_series"], params)}
        meta = _Meta(connection, organization)
        if series:
            batch, after = _untoken(page_token, "s")
            wanted = [k for k, row in known.items() if row.series == series]
            rows: Sequence[Any] = []
            if wanted:
                rows = connection.execute(
                    _SQL["of_series"],
                    {"series": wanted[0], "batch": batch, "after": after, "limit": limit},
                ).all()
            last = (int(rows[-1].batch_id), int(rows[-1].idx)) if rows else (0, 0)
            token = _token("s", *last) if len(rows) == limit else ""
        else:
            rows, token = _page_all(connection, params, page_token, limit)
        listed = [_reading(procurement, row, known, meta) for row in rows]
    return fpb.ListReadingsResponse(readings=listed, next_page_token=token)


def _page_all(
    connection: Connection, params: dict[str, Any], page_token: str, limit: int
) -> tuple[list[Any], str]:
    """One page of every series' readings: batch by batch from the token's."""
    number, after = _untoken(page_token, "p")
    rows: list[Any] = []
    while len(rows) < limit:
        batches = connection.execute(_SQL["batches"], {**params, "number": number}).all()
        for found in batches:
            got = connection.execute(
                _SQL["of_batch"],
                {
                    "batch": int(found.id),
                    "after": after if int(found.number) == number else 0,
                    "limit": limit - len(rows),
                },
            ).all()
            rows += got
            if len(rows) >= limit:
                break
        if len(batches) < 64 or len(rows) >= limit:
            break
        number, after = int(batches[-1].number) + 1, 0
    token = ""
    if len(rows) == limit:
        token = _token("p", int(rows[-1].number), int(rows[-1].idx))
    return rows, token
