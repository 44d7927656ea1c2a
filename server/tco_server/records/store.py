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
  any case, and the append is retried.
- **Migrations** (:mod:`tco_server.records.migrations`) run at open, in one transaction under the
  same lock, so processes starting together migrate once.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from tco_server.records import readings_rows
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
    procurements = sa.select(records, evaluations.label("evaluations"), awards.label("awards"))
    procurements = procurements.where(c.organization == sa.bindparam("org"), c.kind == PROCUREMENT)
    return {
        "head": sa.select(c.seq, c.hash)
        .where(c.organization == sa.bindparam("org"))
        .order_by(c.seq.desc())
        .limit(1),
        "taken": sa.select(c.seq).where(*same),
        "get": sa.select(records).where(*same),
        "count": sa.select(sa.func.count()).where(
            c.organization == sa.bindparam("org"),
            c.procurement == sa.bindparam("procurement"),
            c.kind == sa.bindparam("kind"),
        ),
        "procurement": procurements.where(c.subject == sa.bindparam("subject")),
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


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema to ``revision`` (once, however many processes start together)."""
    if revision == "head" and current_revision(engine) == HEAD_REVISION:
        return  # the usual start: nothing to change, Alembic not even loaded
    _migrating(engine, revision, up=True)


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Downgrade the schema to ``revision`` (``base``: no records table at all)."""
    _migrating(engine, revision, up=False)


class RecordStore:
    """Append and read records; check the chains. Thread-safe (a connection per call)."""

    def __init__(self, engine: Engine, sealer: Sealer | None) -> None:
        self.engine = engine
        self._sealer = sealer

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
        """Append one record at the head of ``organization``'s chain and commit it.

        A ``subject`` holding ``{n}`` is numbered within the transaction (so under the chain's
        lock): ``n`` = the procurement's records of ``kind`` so far + 1
        (``procurements/p/evaluations/e{n}`` -> ``.../e3``); concurrent appends never race for
        a number. Raises :class:`AlreadyExists` when ``(kind, subject)`` is taken for the
        organisation.

        ``number(connection)``, when given, is ``n`` instead of that count; ``then(connection,
        seq, name)`` writes more rows in the same transaction, after the record (an exception
        from it rolls both back). ``sealed=False`` stores the payload plain even with a data key
        (readings: not bids, and their digest is checked without the key).
        """
        plain = canonical(payload)
        for _ in range(_APPEND_TRIES):
            record_id = uuid.uuid4().hex
            moment = (now or datetime.now(UTC)).astimezone(UTC)
            created_at = utc_text(moment)
            stored = plain
            seal = sealed and self._sealer is not None
            if seal and self._sealer is not None:
                stored = self._sealer.seal(plain, f"{organization}/{record_id}".encode())
            try:
                with self.engine.connect() as connection:
                    connection.execution_options(**{_WRITE: True})
                    with connection.begin():
                        seq, prev_hash = self._head(connection, organization)
                        name = subject
                        if "{n}" in subject:
                            numbered = {"org": organization, "procurement": procurement}
                            count = (
                                number(connection) - 1
                                if number is not None
                                else connection.execute(
                                    _SQL["count"], {**numbered, "kind": kind}
                                ).scalar_one()
                            )
                            name = subject.replace("{n}", str(int(count) + 1))
                        if self._taken(connection, organization, kind, name):
                            raise AlreadyExists(name)
                        row: dict[str, Any] = {
                            "organization": organization,
                            "seq": seq,
                            "id": record_id,
                            "kind": kind,
                            "subject": name,
                            "procurement": procurement,
                            "created_at": created_at,
                            "encrypted": seal,
                            "payload": stored,
                            "prev_hash": prev_hash,
                        }
                        digest = record_hash(**row)
                        connection.execute(_SQL["insert"], {**row, "hash": digest})
                        if then is not None:
                            then(connection, seq, name)
            except IntegrityError:
                with self.engine.connect() as connection:
                    if "{n}" not in subject and self._taken(
                        connection, organization, kind, subject
                    ):
                        raise AlreadyExists(subject) from None
                continue  # lost the race for this place in the chain: take the new head
            return Record(
                organization=organization,
                seq=seq,
                id=record_id,
                kind=kind,
                subject=name,
                procurement=procurement,
                created_at=moment,
                payload=dict(payload),
                prev_hash=prev_hash,
                hash=digest,
            )
        raise RuntimeError(f"could not append to the chain in {_APPEND_TRIES} tries")

    def _head(self, connection: Connection, organization: str) -> tuple[int, str]:
        if connection.dialect.name == "postgresql":
            connection.execute(_SQL["lock"], {"k": _lock_key(organization)})
        head = connection.execute(_SQL["head"], {"org": organization}).first()
        return (1, GENESIS) if head is None else (int(head.seq) + 1, str(head.hash))

    @staticmethod
    def _taken(connection: Connection, organization: str, kind: str, subject: str) -> bool:
        found = connection.execute(
            _SQL["taken"], {"org": organization, "kind": kind, "subject": subject}
        ).first()
        return found is not None

    # -- reading ----------------------------------------------------------------------------

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
        with self.engine.connect() as connection:
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
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return [self._record(row) for row in rows]

    def _procurement_rows(
        self, organization: str, query: Any, **params: Any
    ) -> list[ProcurementRow]:
        with self.engine.connect() as connection:
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
        with self.engine.connect() as connection:
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
