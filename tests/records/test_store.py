"""The records store on real databases: migrations, append-only triggers, the hash chain under
concurrent appends and tampering, encryption at rest, kill -9 durability, two servers on one
PostgreSQL."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import grpc
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from tco_server import security
from tco_server.records import chain
from tco_server.records.crypto import DataKeyError, Sealer, SealError, parse_key
from tco_server.records.store import (
    EVALUATION,
    HEAD_REVISION,
    MIGRATIONS,
    PROCUREMENT,
    AlreadyExists,
    RecordStore,
    create_engine,
    current_revision,
    downgrade,
    migrate,
)
from tcoapi.v1 import procurement_pb2 as pb
from tests.conftest import ServerProcess
from tests.records.conftest import Backend, Postgres, free_port, new_database
from tests.records.test_procurements import TIMEOUT, create, evaluate, serving, tender


def test_migrations_up_and_down(backend: Backend) -> None:
    engine = create_engine(backend.url)
    try:
        assert current_revision(engine) is None
        migrate(engine)
        assert current_revision(engine) == HEAD_REVISION
        assert {"tco_records", "tco_records_version"} <= set(sa.inspect(engine).get_table_names())
        store = RecordStore(engine, None)
        store.append("org", PROCUREMENT, "procurements/p", "p", {"title": "t"})
        downgrade(engine)
        inspector = sa.inspect(engine)
        assert "tco_records" not in inspector.get_table_names()
        assert current_revision(engine) is None
        migrate(engine)  # and up again, empty
        assert store.verify("org").checked == 0
    finally:
        engine.dispose()


def test_head_revision_is_alembics_head() -> None:
    """The constant that lets a start skip Alembic names the newest migration."""
    from alembic.script import ScriptDirectory

    assert ScriptDirectory(str(MIGRATIONS)).get_current_head() == HEAD_REVISION


def _store(url: str, sealer: Sealer | None = None) -> RecordStore:
    return RecordStore.open(url, sealer)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE tco_records SET subject = 'x'",
        "DELETE FROM tco_records",
        "TRUNCATE tco_records",
    ],
)
def test_postgresql_refuses_changes_to_records(postgres: Postgres, statement: str) -> None:
    store = _store(new_database(postgres))
    try:
        store.append("org", PROCUREMENT, "procurements/p", "p", {"title": "t"})
        with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as connection:
            connection.exec_driver_sql(statement)
        assert store.verify("org").ok
        assert store.get("org", PROCUREMENT, "procurements/p") is not None
    finally:
        store.close()


def test_concurrent_appends_keep_one_chain(backend: Backend) -> None:
    """Two stores (as two processes would have) x 4 threads append to one organisation."""
    stores = [_store(backend.url), _store(backend.url)]
    errors: list[BaseException] = []

    def append(store: RecordStore, worker: int) -> None:
        try:
            for i in range(10):
                store.append("org", EVALUATION, f"s/{worker}/{i}", "p", {"i": i})
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=append, args=(stores[w % 2], w)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    try:
        assert not errors
        found = stores[0].verify("org")
        assert found.ok, found.problem
        assert found.checked == 80
        seqs = [r.seq for r in stores[1].records("org", EVALUATION)]
        assert seqs == list(range(1, 81))
    finally:
        for store in stores:
            store.close()


@pytest.mark.parametrize("group_commit", ["pipeline", "batch", "off"])
def test_concurrent_numbered_and_duplicate_appends(backend: Backend, group_commit: str) -> None:
    """Threads of one store append numbered subjects and race for one fixed subject: with group
    commit (several appends in one transaction) as without, the numbers are 1..n without gaps,
    exactly one thread gets the fixed subject, the others AlreadyExists, and the chain holds."""
    store = RecordStore(create_engine(backend.url), None, group_commit=group_commit)
    migrate(store.engine)
    start = threading.Barrier(6)
    names: list[str] = []
    refused: list[str] = []
    errors: list[BaseException] = []

    def append(worker: int) -> None:
        try:
            start.wait(timeout=60)
            for i in range(5):
                names.append(store.append("org", EVALUATION, "p/e{n}", "p", {"w": worker}).subject)
                try:
                    store.append("org", PROCUREMENT, f"one/{i}", "p", {"w": worker})
                except AlreadyExists as taken:
                    refused.append(str(taken))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=append, args=(w,)) for w in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    try:
        assert not errors
        assert sorted(names) == sorted(f"p/e{n}" for n in range(1, 31))
        assert sorted(refused) == sorted(f"one/{i}" for i in range(5) for _ in range(5))
        found = store.verify("org")
        assert found.ok, found.problem
        assert found.checked == 35
    finally:
        store.close()


@pytest.mark.parametrize("group_commit", ["pipeline", "batch", "off"])
def test_a_numbered_name_taken_by_hand_is_refused(backend: Backend, group_commit: str) -> None:
    """``q/e2`` stored under its own name, then the next numbered one would be ``q/e2`` too:
    AlreadyExists (pipelined on PostgreSQL, the unique constraint finds it and the batch is
    written again the careful way), and the chain is intact."""
    store = RecordStore(create_engine(backend.url), None, group_commit=group_commit)
    migrate(store.engine)
    try:
        store.append("org", EVALUATION, "q/e2", "q", {})
        with pytest.raises(AlreadyExists, match="q/e2"):
            store.append("org", EVALUATION, "q/e{n}", "q", {})
        assert store.append("org", EVALUATION, "q/e{n}", "r", {}).subject == "q/e1"
        found = store.verify("org")
        assert (found.ok, found.checked) == (True, 2)
    finally:
        store.close()


def test_an_edited_row_in_the_sqlite_file_is_named(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with serving("--data-dir", str(data)) as (_, stub):
        create(stub)
        first = evaluate(stub)
        evaluate(stub)
    database = sqlite3.connect(data / "records.sqlite3")
    try:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            database.execute("UPDATE tco_records SET created_at = created_at")
        # whoever edits the file can drop the trigger: the chain still tells
        database.execute("DROP TRIGGER tco_records_no_update")
        database.execute(
            "UPDATE tco_records SET payload = CAST(REPLACE(CAST(payload AS TEXT), 'e1', 'e9') "
            "AS BLOB) WHERE seq = 2"
        )
        database.commit()
    finally:
        database.close()
    with serving("--data-dir", str(data)) as (_, stub):
        verified = stub.VerifyRecords(pb.VerifyRecordsRequest(), timeout=TIMEOUT)
    assert not verified.ok
    assert verified.first_broken_record == f"records/2 ({first.name})"
    assert "changed" in verified.problem
    assert verified.records_checked == 2


def test_a_missing_record_breaks_the_chain_at_the_next_one() -> None:
    links = []
    prev = chain.GENESIS
    for seq in (1, 2, 3):
        fields = {
            "organization": "o",
            "seq": seq,
            "id": f"{seq:032x}",
            "kind": "evaluation",
            "subject": f"s{seq}",
            "procurement": "p",
            "created_at": "2027-01-01T00:00:00.000000Z",
            "encrypted": False,
            "payload": b"{}",
            "prev_hash": prev,
        }
        prev = chain.record_hash(**fields)  # type: ignore[arg-type]
        links.append(chain.Link(**fields, hash=prev))  # type: ignore[arg-type]
    assert chain.first_break(links).ok
    found = chain.first_break([links[0], links[2]])
    assert found.broken is links[2]
    assert "missing" in found.problem


def test_bids_are_encrypted_at_rest(tmp_path: Path) -> None:
    key = tmp_path / "data.key"
    made = subprocess.run(
        [sys.executable, "-m", "tco_server.records.crypto", "new-key", str(key)],
        check=True,
        capture_output=True,
        text=True,
    )
    assert "wrote a new data key" in made.stdout
    assert key.stat().st_mode & 0o777 == 0o600
    data = tmp_path / "data"
    flags = ("--data-dir", str(data), "--data-key-file", str(key))
    with serving(*flags) as (server, stub):
        create(stub)
        stored = evaluate(stub)
        assert not server.events("records_unencrypted")
        assert server.events("records_store")[0]["encrypted"] is True
    raw = b"".join(path.read_bytes() for path in data.iterdir() if path.is_file())
    suppliers = [bid.supplier.encode() for bid in tender().bids if bid.supplier]
    assert suppliers
    for supplier in suppliers:
        assert supplier not in raw  # a copied database file reveals no bid
    with serving(*flags) as (_, stub):
        got = stub.GetEvaluation(pb.GetEvaluationRequest(name=stored.name), timeout=TIMEOUT)
        assert got.evaluation.response == stored.response
        assert stub.VerifyRecords(pb.VerifyRecordsRequest(), timeout=TIMEOUT).ok


def test_a_sealed_payload_opens_only_with_its_key_and_record() -> None:
    sealer = Sealer(parse_key(b"11" * 32))
    sealed = sealer.seal(b"bid", b"org/1")
    assert sealer.open(sealed, b"org/1") == b"bid"
    with pytest.raises(SealError):
        sealer.open(sealed, b"org/2")  # moved onto another record
    with pytest.raises(SealError):
        Sealer(parse_key(b"22" * 32)).open(sealed, b"org/1")
    with pytest.raises(DataKeyError):
        parse_key(b"too short")


def test_a_bad_key_file_stops_the_start(tmp_path: Path) -> None:
    key = tmp_path / "bad.key"
    key.write_text("not a key\n", encoding="utf-8")
    with pytest.raises(RuntimeError, match="server did not start"):
        ServerProcess("--data-dir", str(tmp_path), "--data-key-file", str(key))


def test_an_unreachable_database_stops_the_start(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    secret = "s3cret-password"
    done = subprocess.run(
        [sys.executable, "-m", "tco_server", "--port", "0", "--database",
         f"postgresql+psycopg://u:{secret}@127.0.0.1:{port}/db"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "cannot open the records database" in done.stderr
    assert secret not in done.stderr + done.stdout


def test_a_store_from_a_newer_server_stops_the_start(tmp_path: Path) -> None:
    """A records database migrated by a newer server (a revision these migrations lack): exit 2
    naming the revision, not a traceback."""
    engine = create_engine(f"sqlite:///{tmp_path / 'records.sqlite3'}")
    migrate(engine)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE tco_records_version SET version_num = '0099_future'"))
    engine.dispose()
    done = subprocess.run(
        [sys.executable, "-m", "tco_server", "--port", "0", "--data-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "schema revision '0099_future'" in done.stderr
    assert "Traceback" not in done.stderr


def test_tokens_file_names_organisations() -> None:
    line = "platform-a:" + "ab" * 32 + ":region-x\nplatform-b:" + "cd" * 32
    table = security.parse_tokens(line)
    assert table.organization_of("platform-a") == "region-x"
    assert table.organization_of("platform-b") == "platform-b"
    with pytest.raises(security.SecurityConfigError, match="line 1: an organization name"):
        security.parse_tokens("platform-a:" + "ab" * 32 + ":bad name")


@pytest.mark.parametrize(
    ("backend", "sync"),
    [("sqlite", "full"), ("sqlite", "normal"), ("postgresql", "full")],
    indirect=["backend"],
)
def test_acknowledged_evaluations_survive_kill_9(backend: Backend, sync: str) -> None:
    """A server under load from several threads is SIGKILLed; restarted on the same database,
    every evaluation acknowledged to a caller is there (GetEvaluation) and the chain verifies.
    Bounded: at most about 2 minutes of load (a hang guard) and 3 threads; the kill comes once
    6 evaluations are acknowledged."""
    flags = (*backend.flags, "--data-sync", sync)
    server = ServerProcess(*flags)
    acknowledged: list[str] = []
    stop = threading.Event()
    channel = grpc.insecure_channel(server.target)
    from tcoapi.v1 import procurement_pb2_grpc

    stub = procurement_pb2_grpc.ProcurementServiceStub(channel)
    create(stub)

    def load() -> None:
        while not stop.is_set():
            try:
                acknowledged.append(evaluate(stub).name)
            except grpc.RpcError:
                return  # the server was killed under this call: not acknowledged

    workers = [threading.Thread(target=load) for _ in range(3)]
    for worker in workers:
        worker.start()
    try:
        for _ in range(6000):  # until enough are acknowledged (a hang guard, not a speed bound)
            if len(acknowledged) >= 6:
                break
            stop.wait(0.02)
        server.proc.kill()  # SIGKILL while calls are in flight
        server.proc.wait(timeout=60)
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=60)
        channel.close()
        server.stop()
    assert len(acknowledged) >= 6
    with serving(*flags) as (_, stub):  # the same database, a new process and port
        for name in acknowledged:
            got = stub.GetEvaluation(pb.GetEvaluationRequest(name=name), timeout=TIMEOUT)
            assert got.evaluation.name == name
            assert got.evaluation.response.results
        listed = stub.ListEvaluations(
            pb.ListEvaluationsRequest(parent="procurements/vent-2027", page_size=1000),
            timeout=TIMEOUT,
        )
        assert set(acknowledged) <= {e.name for e in listed.evaluations}
        verified = stub.VerifyRecords(pb.VerifyRecordsRequest(), timeout=TIMEOUT)
        assert verified.ok, verified.problem
        assert verified.records_checked == 1 + len(listed.evaluations)


def test_two_servers_share_one_postgresql(postgres: Postgres, tmp_path: Path) -> None:
    url = new_database(postgres)
    flags = ("--database", url, "--data-dir", str(tmp_path))
    with serving(*flags) as (_, one), serving(*flags) as (_, two):
        published = create(one)
        stored = evaluate(two)  # the other process sees the published procurement
        names: list[str] = []

        def more(stub: object) -> None:
            names.extend(evaluate(stub).name for _ in range(3))  # type: ignore[arg-type]

        both = [threading.Thread(target=more, args=(s,)) for s in (one, two, one, two)]
        for thread in both:
            thread.start()
        for thread in both:
            thread.join(timeout=300)
        # numbered under the chain's lock: no two processes take the same number
        assert sorted(names) == sorted(f"{published.name}/evaluations/e{i}" for i in range(2, 14))
        got = one.GetEvaluation(pb.GetEvaluationRequest(name=stored.name), timeout=TIMEOUT)
        assert got.evaluation.evaluation_digest == stored.evaluation_digest
        assert (
            two.GetProcurement(
                pb.GetProcurementRequest(name=published.name), timeout=TIMEOUT
            ).procurement.state
            == pb.PROCUREMENT_STATE_EVALUATED
        )
        verified = one.VerifyRecords(pb.VerifyRecordsRequest(), timeout=TIMEOUT)
        assert verified.ok
        assert verified.records_checked == 14
