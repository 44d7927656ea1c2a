"""The records store: SQLAlchemy 2 Core over SQLite (embedded default) or PostgreSQL.

- **Where**: ``--database URL`` (e.g. ``postgresql+psycopg://user@host/db``), else the SQLite
  file ``records.sqlite3`` in ``--data-dir`` (default :func:`default_data_dir`:
  ``$XDG_DATA_HOME/tco-server``, i.e. ``~/.local/share/tco-server``).
- **Durable**: SQLite runs in WAL mode with ``synchronous=FULL`` (``--data-sync full``, the
  default): a record whose append returned is on disk, fsynced (an evaluation acknowledged to the
  caller survives ``kill -9`` and a power cut); each commit waits for one fsync (about 10 ms on the
  benchmark machine, BENCHMARKS.md). ``--data-sync normal`` (``synchronous=NORMAL``) skips that
  wait: an acknowledged record still survives ``kill -9`` of the server (it is in the WAL, in the
  operating system's cache), but the newest commits may be lost to a power cut or an OS crash.
  PostgreSQL commits durably by default.
- **Append-only**: the code here inserts and selects, nothing else; the migration adds triggers
  that refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL).
- **One chain per organisation** (:mod:`tco_server.records.chain`): appends of one organisation
  are serialised, by ``BEGIN IMMEDIATE`` on SQLite (one writer at a time) and by a transaction
  advisory lock keyed by the organisation on PostgreSQL (several server processes sharing one
  database); the primary key ``(organization, seq)`` refuses a second record at the same place in
  any case, and the append is retried. **Group commit**: the appends of one organisation that
  arrive while its transaction runs go together into the next one (:mod:`.batching`), each its
  own record; on PostgreSQL in two round trips (psycopg's pipeline mode). A caller is answered
  only after the transaction holding its record committed. ``TCO_RECORDS_GROUP_COMMIT``
  (``pipeline``, the default; ``batch``; ``off``) is for the benchmark's A/B.
- **Migrations** (:mod:`tco_server.records.migrations`) run at open, in one transaction under the
  same lock, so processes starting together migrate once.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import json
import os
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from tco_server.records import readings_rows
from tco_server.records.batching import Batcher
from tco_server.records.chain import GENESIS, Link, Verification, first_break, record_hash
from tco_server.records.crypto import Sealer

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
DATABASE_FILE = "records.sqlite3"
#: The newest migration (a test checks it is Alembic's head): a store already there is opened
#: without loading Alembic at all.
HEAD_REVISION = "0002_followup"
VERSION_TABLE = "tco_records_version"
#: Advisory lock key of the migrations on PostgreSQL (any fixed 64-bit number).
_MIGRATION_LOCK = 0x7C0_1EC0_4D5
#: How often an append is retried after losing a race for the same place in the chain.
_APPEND_TRIES = 20
_WRITE = "tco_records_write"

_metadata = sa.MetaData()
records = sa.Table(
    "tco_records",
    _metadata,
    sa.Column("organization", sa.String(64), primary_key=True),
    sa.Column("seq", sa.BigInteger(), primary_key=True),
    sa.Column("id", sa.String(32), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("subject", sa.String(200), nullable=False),
    sa.Column("procurement", sa.String(64), nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("encrypted", sa.Boolean(), nullable=False),
    sa.Column("payload", sa.LargeBinary(), nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)

PROCUREMENT, EVALUATION, AWARD = "procurement", "evaluation", "award"
ANALYSIS = "analysis"
#: A batch of follow-up readings (#19): ``procurements/{p}/readings/batches/b{n}``, its rows in
#: the readings tables (:mod:`tco_server.records.readings_rows`).
READINGS = "readings"


def _statements() -> dict[str, Any]:
    """The store's statements, built once (bound parameters ``org``, ``kind``, ``subject``,
    ``procurement``): a call only binds values, SQLAlchemy's compiled cache does the rest."""
    c = records.c
    same = (
        c.organization == sa.bindparam("org"),
        c.kind == sa.bindparam("kind"),
        c.subject == sa.bindparam("subject"),
    )
    other = records.alias("other")

    def count(kind: str) -> Any:
        return (
            sa.select(sa.func.count())
            .where(
                other.c.organization == c.organization,
                other.c.procurement == c.procurement,
                other.c.kind == kind,
            )
            .scalar_subquery()
        )

    evaluations, awards = count(EVALUATION), count(AWARD)
    awarded = (
        sa.exists()
        .where(
            other.c.organization == c.organization,
            other.c.kind == AWARD,
            other.c.subject == c.subject,
        )
        .label("awarded")
    )
    procurements = sa.select(records, evaluations.label("evaluations"), awards.label("awards"))
    procurements = procurements.where(c.organization == sa.bindparam("org"), c.kind == PROCUREMENT)
    return {
        "head": sa.select(c.seq, c.hash)
        .where(c.organization == sa.bindparam("org"))
        .order_by(c.seq.desc())
        .limit(1),
        "taken": sa.select(c.seq).where(*same),
        "taken_any": sa.select(c.kind, c.subject).where(
            c.organization == sa.bindparam("org"),
            c.subject.in_(sa.bindparam("subjects", expanding=True)),
        ),
        "get": sa.select(records).where(*same),
        "count": sa.select(sa.func.count()).where(
            c.organization == sa.bindparam("org"),
            c.procurement == sa.bindparam("procurement"),
            c.kind == sa.bindparam("kind"),
        ),
        "procurement": procurements.where(c.subject == sa.bindparam("subject")),
        "published": sa.select(records, awarded).where(
            c.organization == sa.bindparam("org"),
            c.kind == PROCUREMENT,
            c.subject == sa.bindparam("subject"),
        ),
        "procurements": procurements,
        "evaluations": evaluations,
        "awards": awards,
        "insert": records.insert(),
        "lock": sa.text("SELECT pg_advisory_xact_lock(:k)"),
    }


_SQL = _statements()


class AlreadyExists(Exception):
    """A record of this kind and subject is already stored for the organisation."""


def default_data_dir() -> Path:
    """``$XDG_DATA_HOME/tco-server``, or ``~/.local/share/tco-server`` without it."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "tco-server"


def database_url(database: str | None, data_dir: str | None) -> str:
    """``database`` when given, else the SQLite file in ``data_dir`` (created, mode 0700)."""
    if database:
        return database
    folder = Path(data_dir) if data_dir else default_data_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return f"sqlite:///{folder / DATABASE_FILE}"


def utc_text(moment: datetime) -> str:
    """A UTC time as stored: ``2027-03-01T09:30:00.000000Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_utc(text: str) -> datetime:
    """A stored UTC time back as an aware datetime (``fromisoformat`` reads the ``Z``)."""
    return datetime.fromisoformat(text)


def canonical(payload: Mapping[str, Any]) -> bytes:
    """A payload's stored form before sealing: JSON, keys sorted, no whitespace, UTF-8."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


@dataclass(frozen=True, slots=True)
class Record:
    """One stored record, its payload opened."""

    organization: str
    seq: int
    id: str
    kind: str
    subject: str
    procurement: str
    created_at: datetime
    payload: dict[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class _Append:
    """One append waiting for its transaction: the payload already sealed."""

    organization: str
    kind: str
    subject: str
    procurement: str
    payload: Mapping[str, Any]
    record_id: str
    stored: bytes
    moment: datetime
    #: The payload is sealed (False: stored plain even with a data key; readings).
    sealed: bool = True
    #: ``n`` of a numbered subject, read in the transaction (instead of the count of records).
    number: Callable[[Connection], int] | None = None
    #: More rows written in the record's transaction, after it: ``then(connection, seq, name)``.
    then: Callable[[Connection, int, str], None] | None = None


@dataclass(frozen=True, slots=True)
class ProcurementRow:
    """A procurement record with what its state needs: evaluations stored, the award."""

    record: Record
    evaluations: int
    award: Record | None


def _lock_key(organization: str) -> int:
    """A signed 64-bit advisory lock key of an organisation's chain."""
    digest = hashlib.sha256(b"tco_records:" + organization.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


#: ``--data-sync`` values: SQLite's ``synchronous`` setting of the records store.
SYNC_MODES = ("full", "normal")


def create_engine(url: str, sync: str = "full") -> Engine:
    """An engine for ``url``; on SQLite WAL, ``synchronous=FULL`` (or ``NORMAL``, see the module
    docstring) and explicit transactions (``BEGIN IMMEDIATE`` for writes: one writer at a time,
    no upgrade deadlock)."""
    if sync not in SYNC_MODES:
        raise ValueError(f"sync must be one of {SYNC_MODES}")
    if not url.startswith("sqlite"):
        return sa.create_engine(url, pool_pre_ping=True)
    engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        dbapi_connection.isolation_level = None  # transactions begin below, not in the driver
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={sync.upper()}")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        write = connection.get_execution_options().get(_WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _migrating(engine: Engine, revision: str, *, up: bool) -> None:
    from alembic import command  # noqa: PLC0415 - loaded only when the schema must change
    from alembic.config import Config  # noqa: PLC0415

    with engine.connect() as connection:
        connection.execution_options(**{_WRITE: True})
        with connection.begin():
            if engine.dialect.name == "postgresql":
                connection.execute(
                    sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK}
                )
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS))
            config.attributes["connection"] = connection
            if up:
                command.upgrade(config, revision)
            else:
                command.downgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    """The schema's migration revision, or None for a database without the records."""
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table(VERSION_TABLE):
            return None
        found = connection.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).first()
    return None if found is None else str(found[0])


class UnknownSchema(Exception):
    """The database's records schema is at a revision these migrations do not know (a newer
    server wrote it)."""


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema to ``revision`` (once, however many processes start together).
    Raises :class:`UnknownSchema` for a store at a revision this code does not have."""
    current = current_revision(engine)
    if revision == "head" and current == HEAD_REVISION:
        return  # the usual start: nothing to change, Alembic not even loaded
    if current is not None:
        from alembic.script import ScriptDirectory  # noqa: PLC0415 - only when migrating

        known = {script.revision for script in ScriptDirectory(str(MIGRATIONS)).walk_revisions()}
        if current not in known:
            raise UnknownSchema(
                f"the records database is at schema revision {current!r}, which this server "
                f"does not know (its newest is {HEAD_REVISION!r}): a newer server wrote it"
            )
    _migrating(engine, revision, up=True)


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Downgrade the schema to ``revision`` (``base``: no records table at all)."""
    _migrating(engine, revision, up=False)


def _numbered(items: Sequence[_Append]) -> list[tuple[str, str]]:
    """The (procurement, kind) pairs whose records the numbered subjects of ``items`` count."""
    return sorted({(item.procurement, item.kind) for item in items if "{n}" in item.subject})


def _names(items: Sequence[_Append], counts: Mapping[tuple[str, str], int]) -> list[str]:
    """Each item's subject, ``{n}`` numbered after ``counts`` (records so far) in item order."""
    taken = dict(counts)
    names = []
    for item in items:
        name = item.subject
        if "{n}" in name:
            key = (item.procurement, item.kind)
            taken[key] += 1
            name = name.replace("{n}", str(taken[key]))
        names.append(name)
    return names


#: The statements of the pipelined append on PostgreSQL (psycopg's own placeholders).
_COLUMNS = ("organization", "seq", "id", "kind", "subject", "procurement", "created_at",
            "encrypted", "payload", "prev_hash", "hash")  # fmt: skip
_PG = {
    "lock": "SELECT pg_advisory_xact_lock(%s)",
    "head": "SELECT seq, hash FROM tco_records WHERE organization = %s ORDER BY seq DESC LIMIT 1",
    "count": "SELECT count(*) FROM tco_records WHERE organization = %s AND procurement = %s "
    "AND kind = %s",
    "taken": "SELECT kind, subject FROM tco_records WHERE organization = %s AND subject = ANY(%s)",
    "insert": f"INSERT INTO tco_records ({', '.join(_COLUMNS)}) "
    f"VALUES ({', '.join(f'%({c})s' for c in _COLUMNS)})",
}
#: Group commit settings (``TCO_RECORDS_GROUP_COMMIT``): ``off`` (a transaction per record),
#: ``batch`` (batches, statements one by one), ``pipeline`` (batches; on PostgreSQL in two
#: round trips, the default).
GROUP_COMMIT_MODES = ("off", "batch", "pipeline")


class RecordStore:
    """Append and read records; check the chains. Thread-safe (a connection per call)."""

    def __init__(
        self, engine: Engine, sealer: Sealer | None, *, group_commit: str | None = None
    ) -> None:
        self.engine = engine
        self._sealer = sealer
        mode = group_commit or os.environ.get("TCO_RECORDS_GROUP_COMMIT", "pipeline")
        if mode not in GROUP_COMMIT_MODES:
            raise ValueError(f"group commit must be one of {GROUP_COMMIT_MODES}, not {mode!r}")
        self._group_commit = mode != "off"
        self._pipelined = mode == "pipeline" and engine.dialect.name == "postgresql"
        self._batchers: dict[str, Batcher[_Append, Record]] = {}
        self._batchers_lock = threading.Lock()

    @classmethod
    def open(cls, url: str, sealer: Sealer | None, sync: str = "full") -> RecordStore:
        """Connect to ``url`` and migrate the schema to the newest revision."""
        engine = create_engine(url, sync)
        migrate(engine)
        return cls(engine, sealer)

    @property
    def encrypted(self) -> bool:
        return self._sealer is not None

    def close(self) -> None:
        self.engine.dispose()

    # -- writing ----------------------------------------------------------------------------

    def append(
        self,
        organization: str,
        kind: str,
        subject: str,
        procurement: str,
        payload: Mapping[str, Any],
        *,
        now: datetime | None = None,
        sealed: bool = True,
        number: Callable[[Connection], int] | None = None,
        then: Callable[[Connection, int, str], None] | None = None,
    ) -> Record:
        """Append one record at the head of ``organization``'s chain and commit it; return once
        the transaction holding it committed.

        Concurrent appends of one organisation in this process are written together, one
        transaction and one commit for all (group commit, :mod:`tco_server.records.batching`;
        ``TCO_RECORDS_GROUP_COMMIT=off`` turns it off: a transaction per record), each still its
        own record chained to the one before.

        A ``subject`` holding ``{n}`` is numbered within the transaction (so under the chain's
        lock): ``n`` = the procurement's records of ``kind`` so far + 1
        (``procurements/p/evaluations/e{n}`` -> ``.../e3``); concurrent appends never race for
        a number. Raises :class:`AlreadyExists` when ``(kind, subject)`` is taken for the
        organisation.

        ``number(connection)``, when given, is ``n`` instead of that count; ``then(connection,
        seq, name)`` writes more rows in the same transaction, after the record (an exception
        from it rolls both back). ``sealed=False`` stores the payload plain even with a data key
        (readings: not bids, and their digest is checked without the key). An append with
        ``number`` or ``then`` (a readings batch: its own rows, its own size) has a transaction
        of its own, not a group commit.
        """
        record_id = uuid.uuid4().hex
        plain = canonical(payload)
        stored = plain
        seal = sealed and self._sealer is not None
        if seal and self._sealer is not None:
            stored = self._sealer.seal(plain, f"{organization}/{record_id}".encode())
        moment = (now or datetime.now(UTC)).astimezone(UTC)
        item = _Append(
            organization,
            kind,
            subject,
            procurement,
            payload,
            record_id,
            stored,
            moment,
            seal,
            number,
            then,
        )
        if not self._group_commit or number is not None or then is not None:
            outcome = self._write(organization, [item])[0]
            if isinstance(outcome, BaseException):
                raise outcome
            return outcome
        with self._batchers_lock:
            batcher = self._batchers.get(organization)
            if batcher is None:
                batcher = Batcher(functools.partial(self._write, organization))
                self._batchers[organization] = batcher
        return batcher.submit(item)

    def _write(self, organization: str, items: Sequence[_Append]) -> list[Record | AlreadyExists]:
        """Append ``items`` (all of ``organization``) in one transaction, retried after losing a
        race for the chain's head to a writer that does not take the lock (or, pipelined, for a
        numbered name someone took by hand)."""
        callbacks = any(item.number is not None or item.then is not None for item in items)
        if self._pipelined and not callbacks:
            import psycopg  # noqa: PLC0415 - PostgreSQL's driver, loaded only for it

            try:
                return self._write_pipelined(organization, items)
            except psycopg.IntegrityError:
                pass  # the careful way below: every name checked under the lock
        for _ in range(_APPEND_TRIES):
            try:
                with self.engine.connect() as connection:
                    connection.execution_options(**{_WRITE: True})
                    with connection.begin():
                        outcomes, rows = self._chained(connection, organization, items)
                        if rows:
                            connection.execute(_SQL["insert"], rows)
                        for item, outcome in zip(items, outcomes, strict=True):
                            if item.then is not None and isinstance(outcome, Record):
                                item.then(connection, outcome.seq, outcome.subject)
            except IntegrityError:
                continue  # lost the race for this place in the chain: take the new head
            return outcomes
        raise RuntimeError(f"could not append to the chain in {_APPEND_TRIES} tries")

    def _chained(
        self, connection: Connection, organization: str, items: Sequence[_Append]
    ) -> tuple[list[Record | AlreadyExists], list[dict[str, Any]]]:
        """Under the chain's lock: each item's name, place and hash (or AlreadyExists); the rows
        to insert."""
        head = self._head(connection, organization)
        counts: dict[tuple[str, str], int] = {}
        for key in _numbered(items):
            numbered = {"org": organization, "procurement": key[0], "kind": key[1]}
            given = next((i.number for i in items if (i.procurement, i.kind) == key), None)
            counts[key] = (
                given(connection) - 1
                if given is not None
                else int(connection.execute(_SQL["count"], numbered).scalar_one())
            )
        names = _names(items, counts)
        taken = {
            (row.kind, row.subject)
            for row in connection.execute(
                _SQL["taken_any"], {"org": organization, "subjects": sorted(set(names))}
            )
        }
        return self._link(organization, items, names, head, taken)

    def _write_pipelined(
        self, organization: str, items: Sequence[_Append]
    ) -> list[Record | AlreadyExists]:
        """:meth:`_chained` and the insert on PostgreSQL in two round trips (psycopg's pipeline
        mode): the lock, the head, the counts and the fixed names' check sent together; then the
        rows and the commit. Fewer round trips under the lock: in a busy server process each one
        also waits for the GIL. A numbered name taken by hand (an explicit id ``e7``) is caught
        by the unique constraint: the batch is then written the careful way."""
        pooled = self.engine.raw_connection()
        raw: Any = pooled.driver_connection
        try:
            with raw.pipeline() as pipeline:
                raw.execute(_PG["lock"], (_lock_key(organization),))
                head_cursor = raw.execute(_PG["head"], (organization,))
                keys = _numbered(items)
                count_cursors = [raw.execute(_PG["count"], (organization, *key)) for key in keys]
                fixed = sorted({item.subject for item in items if "{n}" not in item.subject})
                taken_cursor = raw.execute(_PG["taken"], (organization, fixed))
                pipeline.sync()
                found = head_cursor.fetchone()
                head = (1, GENESIS) if found is None else (int(found[0]) + 1, str(found[1]))
                counts = {
                    key: int(cursor.fetchone()[0])
                    for key, cursor in zip(keys, count_cursors, strict=True)
                }
                names = _names(items, counts)
                taken = {(str(kind), str(subject)) for kind, subject in taken_cursor.fetchall()}
                outcomes, rows = self._link(organization, items, names, head, taken)
                if rows:
                    with raw.cursor() as cursor:
                        cursor.executemany(_PG["insert"], rows)
                raw.commit()
        except BaseException:
            with contextlib.suppress(Exception):  # the first error is the one to tell
                raw.rollback()
            raise
        finally:
            pooled.close()
        return outcomes

    def _link(
        self,
        organization: str,
        items: Sequence[_Append],
        names: Sequence[str],
        head: tuple[int, str],
        taken: set[tuple[str, str]],
    ) -> tuple[list[Record | AlreadyExists], list[dict[str, Any]]]:
        """Chain ``items`` (named ``names``) after ``head``: each a record, or AlreadyExists
        when ``(kind, name)`` is ``taken`` (or taken by an item before it)."""
        seq, prev_hash = head
        outcomes: list[Record | AlreadyExists] = []
        rows: list[dict[str, Any]] = []
        for item, name in zip(items, names, strict=True):
            if (item.kind, name) in taken:
                outcomes.append(AlreadyExists(name))
                continue
            taken.add((item.kind, name))
            row: dict[str, Any] = {
                "organization": organization,
                "seq": seq,
                "id": item.record_id,
                "kind": item.kind,
                "subject": name,
                "procurement": item.procurement,
                "created_at": utc_text(item.moment),
                "encrypted": item.sealed,
                "payload": item.stored,
                "prev_hash": prev_hash,
            }
            digest = record_hash(**row)
            rows.append({**row, "hash": digest})
            outcomes.append(
                Record(
                    organization=organization,
                    seq=seq,
                    id=item.record_id,
                    kind=item.kind,
                    subject=name,
                    procurement=item.procurement,
                    created_at=item.moment,
                    payload=dict(item.payload),
                    prev_hash=prev_hash,
                    hash=digest,
                )
            )
            seq, prev_hash = seq + 1, digest
        return outcomes, rows

    def _head(self, connection: Connection, organization: str) -> tuple[int, str]:
        if connection.dialect.name == "postgresql":
            connection.execute(_SQL["lock"], {"k": _lock_key(organization)})
        head = connection.execute(_SQL["head"], {"org": organization}).first()
        return (1, GENESIS) if head is None else (int(head.seq) + 1, str(head.hash))

    # -- reading ----------------------------------------------------------------------------

    def _reading(self) -> Connection:
        """A connection for reads. On PostgreSQL in autocommit: no BEGIN and no ROLLBACK round
        trip around a read (records are only ever appended, so reading without one snapshot
        across statements sees nothing inconsistent, at worst a newer record)."""
        connection = self.engine.connect()
        if self.engine.dialect.name == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT")
        return connection

    def _record(self, row: Any) -> Record:
        stored = bytes(row.payload)
        if row.encrypted:
            if self._sealer is None:
                raise RuntimeError("the records are encrypted: start the server with its key")
            stored = self._sealer.open(stored, f"{row.organization}/{row.id}".encode())
        return Record(
            organization=row.organization,
            seq=int(row.seq),
            id=row.id,
            kind=row.kind,
            subject=row.subject,
            procurement=row.procurement,
            created_at=parse_utc(row.created_at),
            payload=json.loads(stored),
            prev_hash=row.prev_hash,
            hash=row.hash,
        )

    def get(self, organization: str, kind: str, subject: str) -> Record | None:
        """The record of ``kind`` and ``subject`` of the organisation, or None."""
        with self._reading() as connection:
            row = connection.execute(
                _SQL["get"], {"org": organization, "kind": kind, "subject": subject}
            ).first()
        return None if row is None else self._record(row)

    def records(
        self,
        organization: str,
        kind: str,
        *,
        procurement: str | None = None,
        after_seq: int = 0,
        limit: int | None = None,
    ) -> list[Record]:
        """Records of one kind, oldest first, after ``after_seq``; of one procurement if given."""
        query = (
            sa.select(records)
            .where(
                records.c.organization == organization,
                records.c.kind == kind,
                records.c.seq > after_seq,
            )
            .order_by(records.c.seq)
        )
        if procurement is not None:
            query = query.where(records.c.procurement == procurement)
        if limit is not None:
            query = query.limit(limit)
        with self._reading() as connection:
            rows = connection.execute(query).all()
        return [self._record(row) for row in rows]

    def _procurement_rows(
        self, organization: str, query: Any, **params: Any
    ) -> list[ProcurementRow]:
        with self._reading() as connection:
            rows = connection.execute(query, {"org": organization, **params}).all()
            result = []
            for row in rows:
                award = None
                if row.awards:
                    found = connection.execute(
                        _SQL["get"], {"org": organization, "kind": AWARD, "subject": row.subject}
                    ).first()
                    award = None if found is None else self._record(found)
                result.append(ProcurementRow(self._record(row), int(row.evaluations), award))
        return result

    def published(self, organization: str, subject: str) -> tuple[Record, bool] | None:
        """A procurement record and whether it is awarded (one query, no counting), or None."""
        with self._reading() as connection:
            row = connection.execute(
                _SQL["published"], {"org": organization, "subject": subject}
            ).first()
        return None if row is None else (self._record(row), bool(row.awarded))

    def procurement(self, organization: str, subject: str) -> ProcurementRow | None:
        """One procurement with its evaluation count and award (one connection), or None."""
        found = self._procurement_rows(organization, _SQL["procurement"], subject=subject)
        return found[0] if found else None

    def procurements(
        self, organization: str, state: str | None, *, after_seq: int = 0, limit: int = 100
    ) -> list[ProcurementRow]:
        """Procurement records oldest first with their evaluation count and award; ``state``
        ``"published"`` / ``"evaluated"`` / ``"awarded"`` filters, None lists all."""
        evaluations, awards = _SQL["evaluations"], _SQL["awards"]
        query = _SQL["procurements"].where(records.c.seq > after_seq)
        query = query.order_by(records.c.seq).limit(limit)
        if state == "published":
            query = query.where(evaluations == 0, awards == 0)
        elif state == "evaluated":
            query = query.where(evaluations > 0, awards == 0)
        elif state == "awarded":
            query = query.where(awards > 0)
        return self._procurement_rows(organization, query)

    # -- checking ---------------------------------------------------------------------------

    def _links(self, organization: str) -> Iterator[Link]:
        with self.engine.connect() as connection:  # a transaction: yield_per's server cursor
            result = connection.execution_options(yield_per=500).execute(
                sa.select(records)
                .where(records.c.organization == organization)
                .order_by(records.c.seq)
            )
            for row in result:
                yield Link(
                    organization=row.organization,
                    seq=int(row.seq),
                    id=row.id,
                    kind=row.kind,
                    subject=row.subject,
                    procurement=row.procurement,
                    created_at=row.created_at,
                    encrypted=bool(row.encrypted),
                    payload=bytes(row.payload),
                    prev_hash=row.prev_hash,
                    hash=row.hash,
                )

    def verify(self, organization: str) -> Verification:
        """Check ``organization``'s chain record by record (see :func:`chain.first_break`); a
        readings batch's rows against its record's digest too
        (:func:`readings_rows.batch_problem`), and that no batch of readings lacks its record
        (:func:`readings_rows.uncovered`: rows inserted around the chain)."""
        covered: set[tuple[str, int]] = set()
        with self.engine.connect() as connection:

            def rows_problem(link: Link) -> str:
                if link.kind != READINGS or link.encrypted:
                    return ""
                covered.add((link.procurement, readings_rows.batch_number(link.subject) or 0))
                return readings_rows.batch_problem(
                    connection,
                    organization=link.organization,
                    procurement=link.procurement,
                    subject=link.subject,
                    seq=link.seq,
                    payload=link.payload,
                )

            found = first_break(self._links(organization), rows_problem)
            extra = readings_rows.uncovered(connection, organization, covered) if found.ok else ""
        if not extra:
            return found
        last = None
        for last in self._links(organization):  # noqa: B007 - the head record is named
            pass
        if last is None:
            return Verification(checked=0, head_hash="", problem=extra)
        return Verification(
            checked=found.checked, head_hash=found.head_hash, broken=last, problem=extra
        )
