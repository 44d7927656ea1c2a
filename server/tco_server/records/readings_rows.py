"""The rows of stored readings (#19): tables, bulk insert, the canonical digest of a batch, and
the check of a batch's rows against its chain record (for :meth:`RecordStore.verify`).

A batch of readings is one chain record (kind ``readings``, subject
``procurements/{p}/readings/batches/b{n}``, payload never sealed: readings are not bids) and its
rows in ``tco_readings``. The record's payload carries ``rows`` and ``rows_sha256``, the
**canonical digest** of the rows, so the record's hash covers every reading:

    rows_sha256 = SHA-256( canonical JSON of the batch's series names, in order of first use
                           ‖ for each row in index order, big-endian and packed:
                             series position u32 ‖ start µs i64 ‖ end µs i64 ‖ quantity f64 ‖
                             estimated u8 ‖ superseded batch number i64 ‖ superseded index i32 )

(times in microseconds since 1970-01-01 UTC; quantity in the series' canonical unit; the
superseded reading 0/0 when none). Worked example: a batch of one reading of series
``meter-a``, 2027-01-01 to 2027-02-01, 3100 kWh, hashes ``["meter-a"]`` then the 41 bytes
``00000000 000663f6d2342000 000666666f48c000 40a8380000000000 00 0000000000000000 00000000``:

>>> import numpy as np
>>> one = Rows(("meter-a",), np.array([0]), np.array([1798761600000000]),
...            np.array([1801440000000000]), np.array([3100.0]), np.array([False]),
...            np.array([0]), np.array([0]))
>>> digest(one)
'a1b0f568048fad4d28adbfafa32df7801a787c74d681a5f0c55cbd503b70841a'

An edited, removed or added row of a batch changes the digest: :func:`batch_problem` says so
and verification names the batch's record. Rows are numeric only (series by id, batch by id): a
reading's name is ``procurements/{p}/readings/b{n}-{index}``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import grpc
import numpy as np
import numpy.typing as npt
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from tco_server import errors

_metadata = sa.MetaData()
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
series_table = sa.Table(
    "tco_reading_series",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column("organization", sa.String(64), nullable=False),
    sa.Column("procurement", sa.String(64), nullable=False),
    sa.Column("series", sa.String(100), nullable=False),
    sa.Column("kind", sa.SmallInteger(), nullable=False),
    sa.Column("unit", sa.String(64), nullable=False),
)
batches_table = sa.Table(
    "tco_reading_batches",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column("organization", sa.String(64), nullable=False),
    sa.Column("procurement", sa.String(64), nullable=False),
    sa.Column("number", sa.BigInteger(), nullable=False),
    sa.Column("record_seq", sa.BigInteger(), nullable=False),
    sa.Column("row_count", sa.BigInteger(), nullable=False),
)
readings_table = sa.Table(
    "tco_readings",
    _metadata,
    sa.Column("batch_id", sa.BigInteger(), primary_key=True),
    sa.Column("idx", sa.Integer(), primary_key=True),
    sa.Column("series_id", sa.BigInteger(), nullable=False),
    sa.Column("start_us", sa.BigInteger(), nullable=False),
    sa.Column("end_us", sa.BigInteger(), nullable=False),
    sa.Column("quantity", sa.Float(precision=53), nullable=False),
    sa.Column("estimated", sa.Boolean(), nullable=False),
    sa.Column("sup_batch", sa.BigInteger(), nullable=True),
    sa.Column("sup_idx", sa.Integer(), nullable=True),
)

_COLUMNS = "batch_id, idx, series_id, start_us, end_us, quantity, estimated, sup_batch, sup_idx"
_SQLITE_INSERT = f"INSERT INTO tco_readings ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
_SQLITE_RUN = (
    f"INSERT INTO tco_readings ({_COLUMNS}) SELECT ?1, ?2 + key, ?3, ?4 + key * ?5, "
    "?4 + (key + 1) * ?5, value, key IN (SELECT value FROM json_each(?7)), NULL, NULL "
    "FROM json_each(?6)"
)
_PG_COPY = f"COPY tco_readings ({_COLUMNS}) FROM STDIN (FORMAT BINARY)"
_PG_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
_PG_TRAILER = b"\xff\xff"
_DIGEST = np.dtype(
    [
        ("series", ">u4"),
        ("start", ">i8"),
        ("end", ">i8"),
        ("quantity", ">f8"),
        ("estimated", "u1"),
        ("sup_batch", ">i8"),
        ("sup_idx", ">i4"),
    ]
)


def _copy_dtype(superseding: bool) -> np.dtype[Any]:
    """One row of PostgreSQL's binary COPY: field count, then (length, value) per column (a NULL
    is length -1 and no value)."""
    fields: list[tuple[str, str]] = [("count", ">i2")]
    for name, kind in (
        ("batch_id", ">i8"),
        ("idx", ">i4"),
        ("series_id", ">i8"),
        ("start_us", ">i8"),
        ("end_us", ">i8"),
        ("quantity", ">f8"),
        ("estimated", "u1"),
    ):
        fields += [(f"{name}_len", ">i4"), (name, kind)]
    if superseding:
        fields += [("sup_batch_len", ">i4"), ("sup_batch", ">i8")]
        fields += [("sup_idx_len", ">i4"), ("sup_idx", ">i4")]
    else:
        fields += [("sup_batch_len", ">i4"), ("sup_idx_len", ">i4")]
    return np.dtype(fields)


_COPY_PLAIN, _COPY_SUPERSEDING = _copy_dtype(False), _copy_dtype(True)

I64 = npt.NDArray[np.int64]
Violation = tuple[str, str, str]


class ReadingsError(Exception):
    """Readings refused: every ``(field path, reason, message)``."""

    def __init__(self, violations: list[Violation]) -> None:
        first = violations[0] if violations else ("", "", "")
        more = f" (and {len(violations) - 1} more)" if len(violations) > 1 else ""
        super().__init__(f"{first[0]}: {first[2]}{more}")
        self.violations = violations

    def status(self) -> grpc.Status:
        """INVALID_ARGUMENT with a BadRequest naming each field (reason INVALID_READINGS)."""
        return errors.request_status(
            grpc.StatusCode.INVALID_ARGUMENT,
            str(self),
            "INVALID_READINGS",
            [(path, message, reason) for path, reason, message in self.violations],
        )


def reading_name(procurement: str, number: int, index: int) -> str:
    return f"procurements/{procurement}/readings/b{number}-{index}"


def batch_name(procurement: str, number: int) -> str:
    return f"procurements/{procurement}/readings/batches/b{number}"


@dataclass(frozen=True)
class Rows:
    """The rows of one batch in index order (row k has index k + 1), columns as arrays."""

    series: tuple[str, ...]  # the batch's series names, in order of first use
    position: I64  # each row's series, as a position in ``series``
    start: I64  # µs since the epoch, UTC
    end: I64
    quantity: npt.NDArray[np.float64]  # in the series' canonical unit
    estimated: npt.NDArray[np.bool_]
    sup_number: I64  # the superseded reading's batch number, 0 when none
    sup_idx: I64  # and its index, 0 when none

    def __len__(self) -> int:
        return len(self.start)


def digest(rows: Rows) -> str:
    """The canonical digest of a batch's rows (see the module docstring)."""
    packed = np.empty(len(rows), _DIGEST)
    packed["series"] = rows.position
    packed["start"] = rows.start
    packed["end"] = rows.end
    packed["quantity"] = rows.quantity
    packed["estimated"] = rows.estimated
    packed["sup_batch"] = rows.sup_number
    packed["sup_idx"] = rows.sup_idx
    names = json.dumps(list(rows.series), separators=(",", ":"), ensure_ascii=False)
    hasher = hashlib.sha256(names.encode("utf-8"))
    hasher.update(packed.tobytes())
    return hasher.hexdigest()


def insert(  # noqa: PLR0917 - the batch's parts
    connection: Connection,
    batch_id: int,
    rows: Rows,
    series_ids: I64,
    sup_batch_ids: I64,
    runs: Sequence[tuple[int, int, int]] = (),
) -> None:
    """Insert a batch's rows in the open transaction. ``series_ids[p]`` is the id of series
    position p; ``sup_batch_ids`` the id of each row's superseded batch (0: none); ``runs`` the
    (first index, count, step µs) of each interval run.

    PostgreSQL: one binary COPY of all rows (numpy builds the COPY format). SQLite: each run is
    one ``INSERT … SELECT … FROM json_each(values)`` (the values as one JSON array, expanded by
    SQLite in C: 2.4× less CPU than binding each row through ``executemany``, BENCHMARKS.md;
    SQLite reads back every float exactly as Python wrote its shortest repr), the other rows
    one ``executemany``.
    """
    ids = series_ids[rows.position]
    driver: Any = connection.connection.driver_connection
    if connection.dialect.name != "postgresql":
        single = np.ones(len(rows), np.bool_)
        for first, count, step in runs:
            k = first - 1
            single[k : k + count] = False
            estimated = np.flatnonzero(rows.estimated[k : k + count]).tolist()
            driver.execute(
                _SQLITE_RUN,
                (
                    batch_id,
                    first,
                    int(ids[k]),
                    int(rows.start[k]),
                    step,
                    json.dumps(rows.quantity[k : k + count].tolist()),
                    json.dumps(estimated),
                ),
            )
        picked = np.flatnonzero(single)
        if len(picked):
            sup_batch = [int(b) or None for b in sup_batch_ids[picked].tolist()]
            sup_idx = [int(i) or None for i in rows.sup_idx[picked].tolist()]
            driver.executemany(
                _SQLITE_INSERT,
                zip(
                    [batch_id] * len(picked),
                    (picked + 1).tolist(),
                    ids[picked].tolist(),
                    rows.start[picked].tolist(),
                    rows.end[picked].tolist(),
                    rows.quantity[picked].tolist(),
                    rows.estimated[picked].astype(np.int8).tolist(),
                    sup_batch,
                    sup_idx,
                    strict=True,
                ),
            )
        return
    superseding = sup_batch_ids != 0
    parts = [_PG_SIGNATURE]
    for mask, dtype in ((~superseding, _COPY_PLAIN), (superseding, _COPY_SUPERSEDING)):
        count = int(mask.sum())
        if not count:
            continue
        out = np.empty(count, dtype)
        out["count"] = 9
        for name, size in (
            ("batch_id", 8),
            ("idx", 4),
            ("series_id", 8),
            ("start_us", 8),
            ("end_us", 8),
            ("quantity", 8),
            ("estimated", 1),
        ):
            out[f"{name}_len"] = size
        out["batch_id"] = batch_id
        out["idx"] = np.flatnonzero(mask) + 1
        out["series_id"] = ids[mask]
        out["start_us"] = rows.start[mask]
        out["end_us"] = rows.end[mask]
        out["quantity"] = rows.quantity[mask]
        out["estimated"] = rows.estimated[mask]
        if dtype is _COPY_SUPERSEDING:
            out["sup_batch_len"], out["sup_idx_len"] = 8, 4
            out["sup_batch"] = sup_batch_ids[mask]
            out["sup_idx"] = rows.sup_idx[mask]
        else:
            out["sup_batch_len"], out["sup_idx_len"] = -1, -1
        parts.append(out.tobytes())
    parts.append(_PG_TRAILER)
    with driver.cursor() as cursor, cursor.copy(_PG_COPY) as copy:
        copy.write(b"".join(parts))


# -- checking (VerifyRecords) ----------------------------------------------------------------

_r, _b, _s = readings_table.c, batches_table.c, series_table.c
_sup = batches_table.alias("sup")
_BATCH = sa.select(_b.id, _b.record_seq, _b.row_count).where(
    _b.organization == sa.bindparam("org"),
    _b.procurement == sa.bindparam("procurement"),
    _b.number == sa.bindparam("number"),
)
_ROWS = (
    sa.select(
        _r.idx,
        _r.series_id,
        _r.start_us,
        _r.end_us,
        _r.quantity,
        _r.estimated,
        sa.func.coalesce(_sup.c.number, 0),
        sa.func.coalesce(_r.sup_idx, 0),
    )
    .select_from(readings_table.outerjoin(_sup, _sup.c.id == _r.sup_batch))
    .where(_r.batch_id == sa.bindparam("batch"))
    .order_by(_r.idx)
)
_STORED = np.dtype(
    [
        ("idx", np.int64),
        ("series", np.int64),
        ("start", np.int64),
        ("end", np.int64),
        ("quantity", np.float64),
        ("estimated", np.bool_),
        ("sup_number", np.int64),
        ("sup_idx", np.int64),
    ]
)
_SERIES = sa.select(_s.id, _s.organization, _s.procurement, _s.series).where(
    _s.id.in_(sa.bindparam("ids", expanding=True))
)


def batch_number(subject: str) -> int | None:
    """``procurements/p/readings/batches/b17`` -> 17 (None for another subject)."""
    head, _, last = subject.rpartition("/readings/batches/b")
    return int(last) if head and last.isdigit() else None


def batch_problem(
    connection: Connection,
    *,
    organization: str,
    procurement: str,
    subject: str,
    seq: int,
    payload: bytes,
) -> str:
    """What is wrong with the stored rows of the batch record ``seq`` ("" when nothing): rows
    missing, added, edited, or the batch row pointing elsewhere."""
    number = batch_number(subject)
    try:
        facts = json.loads(payload)
        names: Sequence[str] = facts["series"]
        expected_rows, expected_digest = int(facts["rows"]), str(facts["rows_sha256"])
    except (ValueError, KeyError, TypeError):
        return "the batch record's payload is not a readings batch"
    found = connection.execute(
        _BATCH, {"org": organization, "procurement": procurement, "number": number}
    ).first()
    if found is None or int(found.record_seq) != seq or int(found.row_count) != expected_rows:
        return "the batch's row in tco_reading_batches is missing or was changed"
    stored = np.array(
        [tuple(row) for row in connection.execute(_ROWS, {"batch": found.id}).all()], _STORED
    ).reshape(-1)
    if not np.array_equal(stored["idx"], np.arange(1, expected_rows + 1)):
        return "readings of the batch are missing or were added (tco_readings)"
    ids = np.unique(stored["series"])
    series = {
        int(row.id): (row.organization, row.procurement, row.series)
        for row in connection.execute(_SERIES, {"ids": ids.tolist()})
    }
    position = {name: k for k, name in enumerate(names)}
    try:
        positions = np.array([position[series[int(i)][2]] for i in ids.tolist()], np.int64)
        owners = {series[int(i)][:2] for i in ids.tolist()}
    except KeyError:
        return "a reading of the batch names a series the batch does not (tco_readings)"
    if owners - {(organization, procurement)}:
        return "a reading of the batch names another procurement's series (tco_readings)"
    rows = Rows(
        series=tuple(names),
        position=positions[np.searchsorted(ids, stored["series"])],
        start=stored["start"],
        end=stored["end"],
        quantity=stored["quantity"],
        estimated=stored["estimated"],
        sup_number=stored["sup_number"],
        sup_idx=stored["sup_idx"],
    )
    if digest(rows) != expected_digest:
        return "a reading of the batch was changed (tco_readings): its digest differs"
    return ""


_BATCHES = sa.select(_b.procurement, _b.number).where(_b.organization == sa.bindparam("org"))
_later_rows = readings_table.alias("later_rows")
#: Corrections whose batch is gone (or never was): they would hide the reading they name.
_ORPHANS = sa.select(sa.func.count()).where(
    _later_rows.c.sup_batch.is_not(None),
    ~sa.exists().where(_b.id == _later_rows.c.batch_id),
)


def uncovered(connection: Connection, organization: str, covered: set[tuple[str, int]]) -> str:
    """What the readings tables hold that no record of the chain covers ("" when nothing): a
    batch of ``organization`` without its record, or a correction without its batch."""
    for row in connection.execute(_BATCHES, {"org": organization}):
        if (row.procurement, int(row.number)) not in covered:
            name = f"procurements/{row.procurement}/readings/batches/b{row.number}"
            return f"tco_reading_batches holds {name}, which no record covers (rows were added)"
    if connection.execute(_ORPHANS).scalar_one():
        return "tco_readings holds corrections of no batch (rows were added)"
    return ""


# -- queries of readings.py and readings_list.py ------------------------------------------------

_later = readings_table.alias("later")
#: True for a reading a later one supersedes (the partial index on sup_batch answers it).
SUPERSEDED = (
    sa.exists()
    .where(_later.c.sup_batch == _r.batch_id, _later.c.sup_idx == _r.idx)
    .label("superseded")
)
QUERIES: dict[str, Any] = {
    "series": sa.select(_s.id, _s.series, _s.kind, _s.unit).where(
        _s.organization == sa.bindparam("org"),
        _s.procurement == sa.bindparam("procurement"),
        _s.series.in_(sa.bindparam("names", expanding=True)),
    ),
    "last": sa.select(sa.func.max(_b.number)).where(
        _b.organization == sa.bindparam("org"), _b.procurement == sa.bindparam("procurement")
    ),
    "target": sa.select(_b.id, _r.series_id)
    .select_from(batches_table.join(readings_table, _r.batch_id == _b.id))
    .where(
        _b.organization == sa.bindparam("org"),
        _b.procurement == sa.bindparam("procurement"),
        _b.number == sa.bindparam("number"),
        _r.idx == sa.bindparam("idx"),
    ),
}
_CURRENT_ROWS = (
    sa.select(_r.batch_id, _r.idx, _r.start_us, _r.end_us, _r.quantity, _r.estimated, _b.number)
    .select_from(readings_table.join(batches_table, _b.id == _r.batch_id))
    .where(_r.series_id == sa.bindparam("series"), ~SUPERSEDED)
)
#: Current readings of a series starting in [lo, hi), by start.
QUERIES["within"] = (
    _CURRENT_ROWS.where(_r.start_us >= sa.bindparam("lo"), _r.start_us < sa.bindparam("hi"))
    .order_by(_r.start_us)
    .limit(sa.bindparam("limit"))
)
#: The current readings of a series starting before ``lo``, latest first.
QUERIES["before"] = (
    _CURRENT_ROWS.where(_r.start_us < sa.bindparam("lo"))
    .order_by(_r.start_us.desc())
    .limit(sa.bindparam("limit"))
)
