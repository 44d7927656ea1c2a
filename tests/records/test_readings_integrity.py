"""The readings tables are append-only and covered by the chain (#19): an edited, removed or
added reading row is named by verification as its batch's record (SQLite, after dropping the
trigger as whoever edits the file can); PostgreSQL's triggers refuse the edit outright; the
migration goes up and down."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from tco_server.records import readings as rd
from tco_server.records.store import (
    HEAD_REVISION,
    PROCUREMENT,
    RecordStore,
    create_engine,
    current_revision,
    downgrade,
    migrate,
)
from tests.records.conftest import Backend, Postgres, new_database
from tests.records.test_readings_store import ORG, P, append, at, hourly, reading, request

TABLES = ("tco_reading_series", "tco_reading_batches", "tco_readings")
COLUMN = {"tco_reading_series": "unit", "tco_reading_batches": "number", "tco_readings": "quantity"}


def _two_batches(store: RecordStore) -> None:
    store.append(ORG, PROCUREMENT, f"procurements/{P}", P, {"title": "t"})
    append(store, request(reading("meter-a", at(2027, 1, 1), at(2027, 2, 1), 3100.0)))
    append(store, request(series=(hourly("meter-a", at(2027, 2, 1), [1.0] * 24),)))
    store.append(ORG, PROCUREMENT, "procurements/later", "later", {"title": "t"})


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        ("UPDATE tco_readings SET quantity = 2.0 WHERE idx = 7", "changed"),
        ("UPDATE tco_readings SET start_us = start_us + 1 WHERE idx = 24", "changed"),
        ("UPDATE tco_readings SET estimated = 1 WHERE idx = 1", "changed"),
        ("DELETE FROM tco_readings WHERE idx = 24", "missing"),
        (
            "INSERT INTO tco_readings SELECT batch_id, 25, series_id, end_us, end_us + 3600000000, "
            "1.0, 0, NULL, NULL FROM tco_readings WHERE idx = 24",
            "added",
        ),
        ("UPDATE tco_reading_series SET series = 'meter-z'", "series"),
        ("UPDATE tco_reading_batches SET row_count = 23 WHERE number = 2", "tco_reading_batches"),
    ],
)
def test_an_edited_reading_row_in_the_sqlite_file_is_named(
    tmp_path: Path, edit: str, problem: str
) -> None:
    url = f"sqlite:///{tmp_path / 'records.sqlite3'}"
    store = RecordStore.open(url, None)
    _two_batches(store)
    assert store.verify(ORG).ok
    store.close()
    database = sqlite3.connect(tmp_path / "records.sqlite3")
    try:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            database.execute("UPDATE tco_readings SET quantity = 0")
        for table in TABLES:  # whoever edits the file can drop the triggers: the chain tells
            database.execute(f"DROP TRIGGER {table}_no_update")
            database.execute(f"DROP TRIGGER {table}_no_delete")
        if "series = 'meter-z'" in edit:
            edit = edit + " WHERE series = 'meter-a'"
        database.execute(edit)
        database.commit()
    finally:
        database.close()
    store = RecordStore.open(url, None)
    try:
        found = store.verify(ORG)
    finally:
        store.close()
    assert not found.ok
    assert found.broken is not None
    batch = 1 if "series" in edit and "meter-z" in edit else 2
    if "idx = 1" in edit:
        batch = 1
    expected = f"procurements/{P}/readings/batches/b{batch}"
    assert (
        f"records/{found.broken.seq} ({found.broken.subject})"
        == f"records/{batch + 1} ({expected})"
    )
    assert problem in found.problem
    assert found.checked == batch + 1


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize("action", ["UPDATE", "DELETE", "TRUNCATE"])
def test_postgresql_refuses_changes_to_readings(
    postgres: Postgres, table: str, action: str
) -> None:
    store = RecordStore.open(new_database(postgres), None)
    try:
        _two_batches(store)
        statement = {
            "UPDATE": f"UPDATE {table} SET {COLUMN[table]} = {COLUMN[table]}",
            "DELETE": f"DELETE FROM {table}",
            "TRUNCATE": f"TRUNCATE {table}",
        }[action]
        with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as connection:
            connection.exec_driver_sql(statement)
        found = store.verify(ORG)
        assert found.ok
        assert found.checked == 4
    finally:
        store.close()


def test_migrations_up_and_down_with_readings(backend: Backend) -> None:
    engine = create_engine(backend.url)
    try:
        migrate(engine, "0001_records")
        assert current_revision(engine) == "0001_records"
        assert not set(TABLES) & set(sa.inspect(engine).get_table_names())
        migrate(engine)
        assert current_revision(engine) == HEAD_REVISION == "0002_followup"
        assert set(TABLES) <= set(sa.inspect(engine).get_table_names())
        store = RecordStore(engine, None)
        _two_batches(store)
        downgrade(engine, "0001_records")
        names = set(sa.inspect(engine).get_table_names())
        assert not set(TABLES) & names
        assert "tco_records" in names
        assert current_revision(engine) == "0001_records"
        migrate(engine)  # and up again, the readings tables empty
        assert rd.list_readings(store, ORG, P, "", 10, "").readings == []
        downgrade(engine)
        assert current_revision(engine) is None
    finally:
        engine.dispose()


@pytest.mark.parametrize("query", ["within", "before"])
def test_the_overlap_checks_are_indexed_queries(tmp_path: Path, query: str) -> None:
    """SQLite's plan of the checks against the stored readings: the (series, start) index and
    the partial index of superseded readings, never a scan of the readings."""
    from sqlalchemy.dialects import sqlite

    from tco_server.records import readings_rows as rr

    store = RecordStore.open(f"sqlite:///{tmp_path / 'records.sqlite3'}", None)
    try:
        _two_batches(store)
        sql = str(rr.QUERIES[query].compile(dialect=sqlite.dialect()))
        with store.engine.connect() as connection:
            plan = " | ".join(
                str(row[3])
                for row in connection.exec_driver_sql(
                    f"EXPLAIN QUERY PLAN {sql}", (1, 0, 10**18, 2, 0)[: sql.count("?")]
                )
            )
    finally:
        store.close()
    assert "USING INDEX tco_readings_by_series (series_id=? AND start_us" in plan, plan
    assert "USING INDEX tco_readings_by_superseded" in plan, plan
    assert "SCAN tco_readings" not in plan, plan


@pytest.mark.parametrize("what", ["batch", "orphan"])
def test_readings_inserted_around_the_chain_are_found(backend: Backend, what: str) -> None:
    """INSERT is what the triggers cannot refuse (the store inserts): a batch row added without
    its record, or a correction whose batch does not exist, would hide a stored reading from the
    reports. Verification finds both and names the chain's head record."""
    store = RecordStore.open(backend.url, None)
    try:
        _two_batches(store)
        with store.engine.begin() as connection:
            if what == "batch":
                connection.exec_driver_sql(
                    "INSERT INTO tco_reading_batches (organization, procurement, number, "
                    f"record_seq, row_count) VALUES ('{ORG}', '{P}', 3, 4, 1)"
                )
            fake = "(SELECT max(id) FROM tco_reading_batches)" if what == "batch" else "999"
            connection.exec_driver_sql(
                "INSERT INTO tco_readings (batch_id, idx, series_id, start_us, end_us, quantity, "
                f"estimated, sup_batch, sup_idx) SELECT {fake}, 1, series_id, start_us, end_us, "
                "0.0, false, batch_id, idx FROM tco_readings WHERE idx = 1 AND sup_batch IS NULL "
                "AND batch_id = (SELECT min(batch_id) FROM tco_readings)"
            )
        january = rd.load_series(store, ORG, P, "meter-a", at(2027, 1, 1), at(2027, 1, 2))
        # the stored 3 100 kWh is hidden: replaced by the fake 0 kWh, or by nothing at all
        assert [r.quantity for r in january] == ([0.0] if what == "batch" else [])
        found = store.verify(ORG)
        assert not found.ok
        assert found.broken is not None
        assert found.broken.seq == 4
        assert ("b3" if what == "batch" else "corrections of no batch") in found.problem
    finally:
        store.close()
