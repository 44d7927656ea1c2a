"""Readings of contract follow-up (#19) in the records store, on SQLite and a real PostgreSQL:
append / list / load, corrections superseding, overlaps and bad rows refused with every field
named, all or nothing, the chain's digest of a batch catching an edited reading row, the
append-only triggers and the migration both ways."""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa

from tco.followup.readings import Meter
from tco_server.records import readings as rd
from tco_server.records.crypto import Sealer, parse_key
from tco_server.records.store import READINGS, RecordStore
from tcoapi.v1 import followup_pb2 as fpb
from tcoapi.v1 import tender_pb2
from tests.records.conftest import Backend

ORG, P = "region-x", "heating-2027"
SPECS = {
    "meter-a": rd.SeriesSpec(fpb.SERIES_KIND_CONSUMPTION, "kWh"),
    "meter-b": rd.SeriesSpec(fpb.SERIES_KIND_CONSUMPTION, "kWh"),
    "odometer": rd.SeriesSpec(fpb.SERIES_KIND_ACTIVITY, "km"),
    "dd": rd.SeriesSpec(fpb.SERIES_KIND_DEGREE_DAYS, "K·d"),
    "invoices": rd.SeriesSpec(fpb.SERIES_KIND_CONSUMPTION, "SEK"),
}


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def request(*readings: fpb.Reading, series: tuple[fpb.IntervalSeries, ...] = ()) -> Any:
    return fpb.AppendReadingsRequest(
        parent=f"procurements/{P}", entered_by="tester", readings=readings, series=series
    )


def reading(
    series: str, start: datetime, end: datetime, value: float, unit: str = "kWh", **more: Any
) -> fpb.Reading:
    out = fpb.Reading(series=series, quantity=tender_pb2.Quantity(value=value, unit=unit), **more)
    out.start_time.FromDatetime(start)
    out.end_time.FromDatetime(end)
    return out


def hourly(series: str, start: datetime, values: list[float], **more: Any) -> fpb.IntervalSeries:
    out = fpb.IntervalSeries(
        series=series, unit=more.pop("unit", "kWh"), interval_seconds=3600, values=values, **more
    )
    out.start_time.FromDatetime(start)
    return out


@pytest.fixture
def store(backend: Backend) -> Iterator[RecordStore]:
    opened = RecordStore.open(backend.url, None)
    try:
        yield opened
    finally:
        opened.close()


def append(store: RecordStore, req: Any) -> fpb.AppendReadingsResponse:
    return rd.append_readings(store, ORG, P, req, SPECS)


def refused(store: RecordStore, req: Any) -> set[tuple[str, str]]:
    with pytest.raises(rd.ReadingsError) as caught:
        append(store, req)
    return {(path, reason) for path, reason, _ in caught.value.violations}


def everything(store: RecordStore, series: str = "", page_size: int = 7) -> list[fpb.Reading]:
    out, token = [], ""
    while True:
        page = rd.list_readings(store, ORG, P, series, page_size, token)
        out += page.readings
        token = page.next_page_token
        if not token:
            return out


# -- append, list, load --------------------------------------------------------------------------


def test_append_list_and_load(store: RecordStore) -> None:
    """January by invoice (3.1 MWh, stored as 3 100 kWh), February 1 hourly from a meter (24
    values of 2 kWh, the 4th estimated): a period 16 Jan - 1 Feb 12:00 observes half of
    January's 3 100 (16 of 31 days: 1 600 kWh) and 12 hours of February (24 kWh)."""
    done = append(
        store,
        request(
            reading("meter-a", at(2027, 1, 1), at(2027, 2, 1), 3.1, "MWh", origin="inv.csv:row 2"),
            series=(
                hourly("meter-a", at(2027, 2, 1), [2.0] * 24, estimated=[3], file_sha256="ab" * 32),
            ),
        ),
    )
    assert done.readings_appended == 25
    assert list(done.batches) == [f"procurements/{P}/readings/batches/b1"]
    assert list(done.readings) == [f"procurements/{P}/readings/b1-1"]
    assert len(done.record_hash) == 64
    second = append(store, request(reading("meter-b", at(2027, 1, 1), at(2027, 1, 2), 5.0)))
    assert list(second.batches) == [f"procurements/{P}/readings/batches/b2"]

    listed = everything(store)
    assert [r.name for r in listed] == [
        f"procurements/{P}/readings/b1-{k}" for k in range(1, 26)
    ] + [f"procurements/{P}/readings/b2-1"]
    first, interval = listed[0], listed[4]
    assert (first.quantity.value, first.quantity.unit, first.origin) == (
        3100.0,
        "kWh",
        "inv.csv:row 2",
    )
    assert first.kind == fpb.SERIES_KIND_CONSUMPTION
    assert not first.superseded
    assert interval.estimated
    assert interval.file_sha256 == "ab" * 32
    assert interval.start_time.ToDatetime(UTC) == at(2027, 2, 1, 3)
    assert interval.end_time.ToDatetime(UTC) == at(2027, 2, 1, 4)
    assert [r.name for r in everything(store, "meter-b", 1)] == [f"procurements/{P}/readings/b2-1"]
    assert everything(store, "no-such-series") == []

    loaded = rd.load_series(store, ORG, P, "meter-a", at(2027, 1, 16), at(2027, 2, 1, 12))
    assert len(loaded) == 1 + 12
    assert loaded[0].id == f"procurements/{P}/readings/b1-1"
    assert loaded[0].start.tzinfo is not None
    observed = Meter(loaded).observe(at(2027, 1, 16), at(2027, 2, 1, 12))
    assert observed.total == pytest.approx(3100 * 16 / 31 + 24.0)
    assert observed.coverage == pytest.approx(1.0)
    assert rd.load_series(store, ORG, P, "meter-a", at(2030, 1, 1), at(2030, 2, 1)) == []
    assert store.verify(ORG).ok
    assert store.verify(ORG).checked == 2


def test_units_convert_to_the_series_unit(store: RecordStore) -> None:
    append(
        store,
        request(
            reading("odometer", at(2027, 1, 1), at(2027, 2, 1), 180.0, "mil"),  # 1 800 km
            reading("dd", at(2027, 1, 1), at(2027, 2, 1), 612.0, "graddagar"),
            reading("invoices", at(2027, 1, 1), at(2027, 2, 1), 12.5, "kSEK"),
        ),
    )
    values = {r.series: (r.quantity.value, r.quantity.unit) for r in everything(store)}
    assert values == {
        "odometer": (1800.0, "km"),
        "dd": (612.0, "K·d"),
        "invoices": (12500.0, "SEK"),
    }


# -- corrections ---------------------------------------------------------------------------------


def test_a_correction_supersedes_and_the_superseded_drops_out(store: RecordStore) -> None:
    append(
        store,
        request(
            reading("meter-a", at(2027, 1, 1), at(2027, 2, 1), 3100.0),
            series=(hourly("meter-a", at(2027, 2, 1), [1.0] * 5),),
        ),
    )
    # a new January figure, and one hour of the interval data corrected
    fixed = append(
        store,
        request(
            reading(
                "meter-a",
                at(2027, 1, 1),
                at(2027, 2, 1),
                3000.0,
                supersedes=f"procurements/{P}/readings/b1-1",
            ),
            reading(
                "meter-a",
                at(2027, 2, 1, 2),
                at(2027, 2, 1, 3),
                9.0,
                supersedes=f"procurements/{P}/readings/b1-4",
            ),
        ),
    )
    listed = {r.name: r for r in everything(store)}
    assert listed[f"procurements/{P}/readings/b1-1"].superseded
    assert listed[f"procurements/{P}/readings/b1-4"].superseded
    assert not listed[f"procurements/{P}/readings/b1-3"].superseded
    assert listed[fixed.readings[0]].supersedes == f"procurements/{P}/readings/b1-1"
    loaded = rd.load_series(store, ORG, P, "meter-a", at(2027, 1, 1), at(2027, 3, 1))
    assert [(r.id, r.quantity) for r in loaded] == [
        (f"procurements/{P}/readings/b2-1", 3000.0),
        (f"procurements/{P}/readings/b1-2", 1.0),
        (f"procurements/{P}/readings/b1-3", 1.0),
        (f"procurements/{P}/readings/b2-2", 9.0),
        (f"procurements/{P}/readings/b1-5", 1.0),
        (f"procurements/{P}/readings/b1-6", 1.0),
    ]
    assert Meter(loaded).observe(at(2027, 1, 1), at(2027, 3, 1)).total == 3000.0 + 4.0 + 9.0
    # correcting a correction: the newest one counts
    append(
        store,
        request(
            reading(
                "meter-a",
                at(2027, 1, 1),
                at(2027, 2, 1),
                2950.0,
                supersedes=fixed.readings[0],
            )
        ),
    )
    january = rd.load_series(store, ORG, P, "meter-a", at(2027, 1, 1), at(2027, 1, 2))
    assert [r.quantity for r in january] == [2950.0]
    assert store.verify(ORG).ok


def test_supersedes_must_name_a_stored_reading_of_the_same_series(store: RecordStore) -> None:
    append(store, request(reading("meter-a", at(2027, 1, 1), at(2027, 2, 1), 1.0)))
    got = refused(
        store,
        request(
            reading(
                "meter-b",
                at(2027, 1, 1),
                at(2027, 2, 1),
                1.0,
                supersedes=f"procurements/{P}/readings/b1-1",
            ),
            reading(
                "meter-a",
                at(2027, 3, 1),
                at(2027, 4, 1),
                1.0,
                supersedes=f"procurements/{P}/readings/b1-2",
            ),
            reading(
                "meter-a",
                at(2027, 4, 1),
                at(2027, 5, 1),
                1.0,
                supersedes="procurements/other/readings/b1-1",
            ),
            reading("meter-a", at(2027, 5, 1), at(2027, 6, 1), 1.0, supersedes="b1-1"),
        ),
    )
    assert got == {
        ("readings[0].supersedes", "SUPERSEDES_OTHER_SERIES"),
        ("readings[1].supersedes", "UNKNOWN_READING"),
        ("readings[2].supersedes", "UNKNOWN_READING"),
        ("readings[3].supersedes", "UNKNOWN_READING"),
    }


# -- refusals ------------------------------------------------------------------------------------


def test_overlaps_are_refused_within_the_batch_and_with_the_stored(store: RecordStore) -> None:
    append(
        store,
        request(
            reading("meter-a", at(2027, 1, 1), at(2027, 2, 1), 1.0),
            series=(hourly("meter-a", at(2027, 2, 1), [1.0] * 48),),
        ),
    )
    got = refused(
        store,
        request(
            reading("meter-a", at(2026, 12, 15), at(2027, 1, 2), 1.0),  # runs into January
            reading("meter-a", at(2027, 1, 31), at(2027, 2, 1, 1), 1.0),  # straddles two
            reading("meter-a", at(2027, 2, 2, 5), at(2027, 2, 2, 6), 1.0),  # inside the hours
            reading("meter-b", at(2027, 1, 1), at(2027, 1, 3), 1.0),
            reading("meter-b", at(2027, 1, 2), at(2027, 1, 4), 1.0),  # overlaps readings[3]
            series=(hourly("meter-a", at(2027, 2, 2, 23), [1.0, 1.0]),),  # overlaps the last hour
        ),
    )
    assert got == {
        ("readings[0].start_time", "OVERLAPPING_READINGS"),
        ("readings[1].start_time", "OVERLAPPING_READINGS"),
        ("readings[2].start_time", "OVERLAPPING_READINGS"),
        ("readings[4].start_time", "OVERLAPPING_READINGS"),
        ("series[0].start_time", "OVERLAPPING_READINGS"),
    }
    # touching is not overlapping: the periods are [start, end)
    append(
        store,
        request(
            reading("meter-a", at(2026, 12, 1), at(2027, 1, 1), 1.0),
            series=(hourly("meter-a", at(2027, 2, 3), [1.0]),),
        ),
    )
    assert len(everything(store, "meter-a")) == 1 + 48 + 2


def test_every_bad_field_is_named_and_nothing_is_stored(store: RecordStore) -> None:
    append(store, request(reading("meter-a", at(2027, 1, 1), at(2027, 2, 1), 1.0)))
    head = store.verify(ORG).head_hash
    bad_run = hourly(
        "meter-a", at(2027, 3, 1), [1.0, -2.0, math.nan, math.inf], estimated=[2, 1, 9]
    )
    bad_run.interval_seconds = 30
    got = refused(
        store,
        request(
            reading("meter-a", at(2027, 2, 1), at(2027, 2, 2), 1.0),  # good on its own
            reading("no-meter", at(2027, 2, 1), at(2027, 2, 2), 1.0),
            reading("meter-b", at(2027, 2, 2), at(2027, 2, 1), -1.0),
            reading("meter-b", at(2027, 3, 1), at(2027, 3, 2), 1.0, "kg"),
            reading("meter-b", at(2027, 4, 1), at(2027, 4, 2), 1.0, "1,5 kWh"),
            reading("meter-b", at(2027, 5, 1), at(2027, 5, 2), 1.0, kind=fpb.SERIES_KIND_ACTIVITY),
            reading("meter-a", at(2027, 1, 5), at(2027, 1, 6), 1.0),  # overlaps the stored
            fpb.Reading(series="meter-b"),
            series=(
                bad_run,
                hourly("dd", at(2027, 1, 1), [1.0], unit="kWh"),
                hourly("invoices", at(2027, 1, 1), [1.0], unit="EUR"),
            ),
        ),
    )
    assert got == {
        ("readings[1].series", "UNKNOWN_SERIES"),
        ("readings[2].end_time", "END_NOT_AFTER_START"),
        ("readings[2].quantity.value", "NEGATIVE_VALUE"),
        ("readings[3].quantity.unit", "WRONG_DIMENSION"),
        ("readings[4].quantity.unit", "BAD_UNIT"),
        ("readings[5].kind", "WRONG_SERIES_KIND"),
        ("readings[6].start_time", "OVERLAPPING_READINGS"),
        ("readings[7].start_time", "INVALID_REQUEST"),
        ("readings[7].end_time", "INVALID_REQUEST"),
        ("readings[7].quantity", "INVALID_REQUEST"),
        ("series[0].interval_seconds", "INTERVAL_OUT_OF_RANGE"),
        ("series[0].values[1]", "NEGATIVE_VALUE"),
        ("series[0].values[2]", "NOT_FINITE"),
        ("series[0].values[3]", "NOT_FINITE"),
        ("series[0].estimated[1]", "BAD_ESTIMATED_INDEX"),
        ("series[0].estimated[2]", "BAD_ESTIMATED_INDEX"),
        ("series[1].unit", "WRONG_DIMENSION"),
        ("series[2].unit", "WRONG_DIMENSION"),
    }
    # all or nothing: not even the good reading of the batch was stored
    assert len(everything(store)) == 1
    assert store.verify(ORG).head_hash == head


def test_a_batch_refused_by_the_stored_readings_stores_nothing(store: RecordStore) -> None:
    append(store, request(reading("meter-a", at(2027, 1, 1), at(2027, 2, 1), 1.0)))
    got = refused(
        store,
        request(
            reading("meter-b", at(2027, 1, 1), at(2027, 2, 1), 1.0),  # a new series: not kept
            series=(hourly("meter-a", at(2027, 1, 31, 23), [1.0, 1.0]),),
        ),
    )
    assert got == {("series[0].start_time", "OVERLAPPING_READINGS")}
    assert everything(store, "meter-b") == []
    assert store.verify(ORG).checked == 1
    # the next batch takes the next number: b2, not b3
    done = append(store, request(reading("meter-b", at(2027, 1, 1), at(2027, 2, 1), 1.0)))
    assert list(done.batches) == [f"procurements/{P}/readings/batches/b2"]


def test_request_level_faults(store: RecordStore) -> None:
    empty = fpb.AppendReadingsRequest(parent="procurements/other")
    got = refused(store, empty)
    assert got == {
        ("parent", "INVALID_REQUEST"),
        ("entered_by", "INVALID_REQUEST"),
        ("readings", "INVALID_REQUEST"),
    }
    # a stream's later message may leave entered_by empty: the first message's is given
    later = fpb.StreamReadingsRequest(parent=f"procurements/{P}")
    later.readings.append(reading("meter-a", at(2027, 1, 1), at(2027, 2, 1), 1.0))
    done = rd.append_readings(store, ORG, P, later, SPECS, entered_by="the stream's first")
    assert done.readings_appended == 1
    with pytest.raises(rd.ReadingsError) as caught:
        rd.list_readings(store, ORG, P, "", 10_001, "")
    assert caught.value.violations[0][:2] == ("page_size", "INVALID_REQUEST")
    with pytest.raises(rd.ReadingsError):
        rd.list_readings(store, ORG, P, "", 10, "bm9wZQ==")
    status = caught.value.status()
    assert status.code.name == "INVALID_ARGUMENT"


def test_a_series_stored_with_another_unit_is_refused(store: RecordStore) -> None:
    append(store, request(reading("meter-a", at(2027, 1, 1), at(2027, 2, 1), 1.0)))
    changed = {**SPECS, "meter-a": rd.SeriesSpec(fpb.SERIES_KIND_CONSUMPTION, "MWh")}
    with pytest.raises(rd.ReadingsError) as caught:
        rd.append_readings(
            store, ORG, P, request(reading("meter-a", at(2027, 2, 1), at(2027, 3, 1), 1.0)), changed
        )
    assert [v[:2] for v in caught.value.violations] == [("readings[0].series", "SERIES_REDEFINED")]


def test_another_organisation_sees_nothing(store: RecordStore) -> None:
    append(store, request(reading("meter-a", at(2027, 1, 1), at(2027, 2, 1), 1.0)))
    assert rd.list_readings(store, "other-org", P, "", 10, "").readings == []
    assert rd.load_series(store, "other-org", P, "meter-a", at(2027, 1, 1), at(2028, 1, 1)) == []
    # its own first batch of the same procurement id is its b1, and may overlap in time
    done = rd.append_readings(
        store,
        "other-org",
        P,
        request(reading("meter-a", at(2027, 1, 1), at(2027, 2, 1), 2.0)),
        SPECS,
    )
    assert list(done.batches) == [f"procurements/{P}/readings/batches/b1"]


# -- the chain covers the rows -------------------------------------------------------------------


def test_full_precision_values_verify(store: RecordStore) -> None:
    """Every float comes back bit for bit (SQLite reads the JSON the run is inserted as)."""
    values = np.random.default_rng(7).random(2000) * np.exp(np.linspace(-30, 30, 2000))
    append(store, request(series=(hourly("meter-a", at(2027, 1, 1), values.tolist()),)))
    back = [
        r.quantity for r in rd.load_series(store, ORG, P, "meter-a", at(2027, 1, 1), at(2028, 1, 1))
    ]
    assert back == values.tolist()
    assert store.verify(ORG).ok


def test_readings_are_not_sealed_in_an_encrypted_store(backend: Backend) -> None:
    store = RecordStore.open(backend.url, Sealer(parse_key(b"22" * 32)))
    try:
        append(store, request(reading("meter-a", at(2027, 1, 1), at(2027, 2, 1), 1.0)))
        with store.engine.connect() as connection:
            encrypted = connection.execute(
                sa.text("SELECT encrypted FROM tco_records WHERE kind = :k"), {"k": READINGS}
            ).scalar_one()
        assert not encrypted
        assert store.verify(ORG).ok
    finally:
        store.close()


def test_concurrent_overlapping_batches_store_only_one(backend: Backend) -> None:
    """Two stores (as two server processes would have) × 4 threads each append the same
    January of one meter: the overlap check runs under the chain's lock, so exactly one batch
    is stored and the others are refused as overlapping."""
    stores = [RecordStore.open(backend.url, None) for _ in range(2)]
    outcomes: list[str] = []

    def attempt(store: RecordStore) -> None:
        try:
            append(store, request(series=(hourly("meter-a", at(2027, 1, 1), [1.0] * 744),)))
            outcomes.append("stored")
        except rd.ReadingsError as error:
            outcomes.append(error.violations[0][1])

    threads = [threading.Thread(target=attempt, args=(stores[k % 2],)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    try:
        assert sorted(outcomes) == ["OVERLAPPING_READINGS"] * 7 + ["stored"]
        assert len(everything(stores[0], "meter-a", 1000)) == 744
        assert stores[1].verify(ORG).ok
    finally:
        for store in stores:
            store.close()
