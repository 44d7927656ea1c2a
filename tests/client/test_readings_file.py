"""Readings files for contract follow-up (#19): the shapes meter portals, invoice systems and
fuel-card services export, read through a column map; every bad row refused by row and column."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tco_client import readings_file
from tco_client.errors import TcoInvalidTender
from tco_client.readings_file import (
    ColumnMap,
    ReadingsFileRefused,
    check_readings_file,
    iter_append_requests,
    iter_readings,
    parse_number,
)
from tcoapi.v1 import followup_pb2

PORTAL = ColumnMap(
    meter="Mätpunkt",
    start="Från",
    end="Till",
    quantity="Förbrukning",
    default_unit="kWh",
    estimated="Status",
    decimal=",",
)


def _write(tmp_path: Path, text: str, name: str = "readings.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_swedish_portal_export_with_dates_decimal_commas_and_estimates(tmp_path: Path) -> None:
    """Monthly values, Swedish style: ';' separated, decimal comma, digit groups with a
    non-breaking space, inclusive end dates, an estimated month. January 2027 in Stockholm is
    31 Dec 23:00 UTC to 31 Jan 23:00 UTC."""
    path = _write(
        tmp_path,
        "Mätpunkt;Från;Till;Förbrukning;Status\n"
        "735999-1;2027-01-01;2027-01-31;3\u00a0100,5;\n"
        "735999-1;2027-02-01;2027-02-28;2 800;E\n"
        "\n"
        "735999-2;2027-01-01;2027-01-31;410,25;\n",
    )
    checked = check_readings_file(path, PORTAL, meters={"735999-1", "735999-2"})
    assert checked.rows == 3
    assert checked.meters == ("735999-1", "735999-2")
    assert checked.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    rows = list(iter_readings(path, PORTAL))
    assert [r.quantity for r in rows] == [3100.5, 2800.0, 410.25]
    assert [r.estimated for r in rows] == [False, True, False]
    assert rows[0].start == datetime(2026, 12, 31, 23, tzinfo=UTC)
    assert rows[0].end == datetime(2027, 1, 31, 23, tzinfo=UTC)
    assert rows[1].row == 3
    assert {r.unit for r in rows} == {"kWh"}


def test_meter_indexes_become_advances_and_a_negative_advance_is_refused(tmp_path: Path) -> None:
    """An odometer read at three times: 10 000, 12 500, 15 100 km → advances 2 500 and 2 600
    km; an index that goes down is refused by its row and column."""
    columns = ColumnMap(meter="bil", time="datum", quantity="mätarställning", cumulative=True,
                        unit="enhet")  # fmt: skip
    good = _write(
        tmp_path,
        "bil,datum,mätarställning,enhet\n"
        "ABC123,2027-01-01T00:00:00+00:00,10000,km\n"
        "ABC123,2027-02-01T00:00:00+00:00,12500,km\n"
        "ABC123,2027-03-01T00:00:00+00:00,15100,km\n",
    )
    rows = list(iter_readings(good, columns))
    assert [(r.quantity, r.unit) for r in rows] == [(2500.0, "km"), (2600.0, "km")]
    assert rows[1].start == datetime(2027, 2, 1, tzinfo=UTC)
    bad = _write(
        tmp_path,
        "bil,datum,mätarställning,enhet\nABC123,2027-01-01,10000,km\nABC123,2027-02-01,9000,km\n",
        "bad.csv",
    )
    with pytest.raises(TcoInvalidTender) as raised:
        check_readings_file(bad, columns)
    (violation,) = raised.value.violations
    assert violation.field == "bad.csv: row 3, column 'mätarställning'"
    assert "negative advance" in violation.description


def test_every_bad_row_is_named_with_its_column(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "Mätpunkt;Från;Till;Förbrukning;Status\n"
        "m1;2027-01-01;2027-01-31;100;\n"
        "m1;2027-01-15;2027-02-15;100;\n"  # overlaps row 2
        "m1;2027-03-01;2027-02-01;100;\n"  # ends before it starts
        "m1;2027-04-01;2027-04-30;-5;\n"  # negative consumption
        "m1;1 april;2027-05-30;5;\n"  # not a date
        "m1;2027-06-01;2027-06-30;1.5;\n"  # a decimal point where the map says comma
        "m9;2027-01-01;2027-01-31;5;\n"  # not in the contract
        "m1;2027-08-01;2027-08-31;;\n",  # empty
    )
    with pytest.raises(TcoInvalidTender) as raised:
        check_readings_file(path, PORTAL, meters={"m1"})
    found = {(v.field, v.description.split(":")[0]) for v in raised.value.violations}
    fields = [v.field for v in raised.value.violations]
    assert fields == [
        "readings.csv: row 3, column 'Från'",
        "readings.csv: row 4, column 'Till'",
        "readings.csv: row 5, column 'Förbrukning'",
        "readings.csv: row 6, column 'Från'",
        "readings.csv: row 7, column 'Förbrukning'",
        "readings.csv: row 8, column 'Mätpunkt'",
        "readings.csv: row 9, column 'Förbrukning'",
    ], found
    assert "overlaps" in raised.value.violations[0].description
    assert "not in the contract" in raised.value.violations[5].description


def test_a_missing_column_and_an_empty_file_are_refused(tmp_path: Path) -> None:
    no_end = _write(tmp_path, "Mätpunkt;Från;Förbrukning;Status\nm1;2027-01-01;5;\n")
    with pytest.raises(TcoInvalidTender, match="readings refused") as raised:
        check_readings_file(no_end, PORTAL)
    assert "'Till'" in raised.value.violations[0].description
    empty = _write(tmp_path, "Mätpunkt;Från;Till;Förbrukning;Status\n", "empty.csv")
    with pytest.raises(TcoInvalidTender, match="no readings"):
        check_readings_file(empty, PORTAL)


def test_an_invoice_workbook(tmp_path: Path) -> None:
    """Invoices as an .xlsx with date cells and numbers: read the same way."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Anläggning", "Period från", "Period till", "kWh"])
    sheet.append(["A1", datetime(2027, 1, 1), datetime(2027, 2, 1), 1234.5])
    sheet.append(["A1", datetime(2027, 2, 1), datetime(2027, 3, 1), 1000])
    path = tmp_path / "fakturor.xlsx"
    book.save(path)
    columns = ColumnMap(meter="Anläggning", start="Period från", end="Period till",
                        quantity="kWh", default_unit="kWh", timezone="UTC")  # fmt: skip
    assert check_readings_file(path, columns).rows == 2
    rows = list(iter_readings(path, columns))
    assert [r.quantity for r in rows] == [1234.5, 1000.0]
    assert rows[0].end == datetime(2027, 2, 1, tzinfo=UTC)  # a datetime end is exclusive as is


@pytest.mark.parametrize(
    ("text", "decimal", "value"),
    [("1 234,5", ",", 1234.5), ("1\u202f234,5", ",", 1234.5), ("12.5", ".", 12.5), ("7", ",", 7.0)],
)
def test_numbers_read_with_the_stated_decimal_separator(
    text: str, decimal: str, value: float
) -> None:
    assert parse_number(text, decimal) == value


@pytest.mark.parametrize(
    ("text", "decimal"), [("1,234", "."), ("1.5", ","), ("nan", "."), ("", ",")]
)
def test_ambiguous_or_non_finite_numbers_are_refused(text: str, decimal: str) -> None:
    with pytest.raises(ValueError, match="expected"):
        parse_number(text, decimal)


@pytest.mark.parametrize(
    ("when", "problem"),
    [("2027-03-28 02:30", "does not exist in Europe/Stockholm"),
     ("2027-10-31 02:30", "occurs twice in Europe/Stockholm")],
)  # fmt: skip
def test_local_times_the_clock_skips_or_repeats_are_refused(
    tmp_path: Path, when: str, problem: str
) -> None:
    """Summer time: 02:30 on 28 March 2027 never shows on a Stockholm clock and 02:30 on
    31 October shows twice; without an offset such a reading's hour is unknown, so it is
    refused (with an offset it is read)."""
    path = _write(tmp_path, f"Mätpunkt;Från;Till;Förbrukning;Status\nm1;{when};2027-11-01;1;\n")
    with pytest.raises(TcoInvalidTender) as raised:
        check_readings_file(path, PORTAL)
    assert problem in raised.value.violations[0].description
    offset = _write(
        tmp_path,
        f"Mätpunkt;Från;Till;Förbrukning;Status\nm1;{when.replace(' ', 'T')}+01:00;2027-11-01;1;\n",
        "offset.csv",
    )
    assert check_readings_file(offset, PORTAL).rows == 1


# --- iter_append_requests: StreamReadings messages ----------------------------------------

PARENT = "procurements/skolan-2027"


def _portal(tmp_path: Path, lines: list[str], name: str = "portal.csv") -> Path:
    return _write(tmp_path, "Mätpunkt;Från;Till;Förbrukning;Status\n" + "".join(lines), name)


def _hours(meter: str, first: int, count: int, *, step: int = 1, mark: dict[int, str] | None = None,
           day: int = 1) -> list[str]:  # fmt: skip
    """Hourly rows of ``meter`` from hour ``first`` of 1 January 2027 (UTC offsets given),
    consumption "h,5" for hour h, Swedish style."""
    out = []
    for h in range(first, first + count * step, step):
        start = datetime(2027, 1, day, tzinfo=UTC) + timedelta(hours=h)
        end = start + timedelta(hours=step)
        status = (mark or {}).get(h, "")
        out.append(f"{meter};{start:%Y-%m-%dT%H:%M}Z;{end:%Y-%m-%dT%H:%M}Z;{h},5;{status}\n")
    return out


def _intervals(requests: list[followup_pb2.StreamReadingsRequest]) -> list[tuple[Any, ...]]:
    """Every interval and reading of the messages as (series, start, end, value, estimated)."""
    out: list[tuple[Any, ...]] = []
    for request in requests:
        for run in request.series:
            start = run.start_time.ToDatetime(UTC)
            estimated = set(run.estimated)
            for i, value in enumerate(run.values):
                begin = start + timedelta(seconds=i * run.interval_seconds)
                out.append((run.series, begin, begin + timedelta(seconds=run.interval_seconds),
                            value, i in estimated))  # fmt: skip
        for reading in request.readings:
            out.append((reading.series, reading.start_time.ToDatetime(UTC),
                        reading.end_time.ToDatetime(UTC), reading.quantity.value,
                        reading.estimated))  # fmt: skip
    return sorted(out)


def test_hourly_rows_become_interval_runs_split_at_gaps_steps_and_units(tmp_path: Path) -> None:
    """One meter: hours 0-4, a gap, hours 6-9 (hour 7 estimated), then two-hour rows from hour
    10; a second meter's 3 hours. Each stretch is one IntervalSeries: start, step, the values
    packed, the estimated indices; nothing is a single reading."""
    lines = (_hours("m1", 0, 5) + _hours("m1", 6, 4, mark={7: "E"}) + _hours("m1", 10, 3, step=2)
             + _hours("m2", 0, 3))  # fmt: skip
    path = _portal(tmp_path, lines)
    (request,) = iter_append_requests(path, PORTAL, PARENT, "Energy manager")
    assert request.parent == PARENT
    assert request.entered_by == "Energy manager"
    assert not request.readings
    runs = [(r.series, r.start_time.ToDatetime(UTC).hour, r.interval_seconds, list(r.values),
             list(r.estimated), r.unit) for r in request.series]  # fmt: skip
    assert runs == [
        ("m1", 0, 3600, [0.5, 1.5, 2.5, 3.5, 4.5], [], "kWh"),
        ("m1", 6, 3600, [6.5, 7.5, 8.5, 9.5], [1], "kWh"),
        ("m1", 10, 7200, [10.5, 12.5, 14.5], [], "kWh"),
        ("m2", 0, 3600, [0.5, 1.5, 2.5], [], "kWh"),
    ]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert {r.file_sha256 for r in request.series} == {digest}
    assert {r.source for r in request.series} == {followup_pb2.READING_SOURCE_METER}


def test_a_unit_change_starts_a_new_run(tmp_path: Path) -> None:
    columns = ColumnMap(meter="m", start="from", end="to", quantity="q", unit="unit",
                        timezone="UTC")  # fmt: skip
    path = _write(tmp_path, "m,from,to,q,unit\n" + "".join(
        f"m1,2027-01-01 {h:02d}:00,2027-01-01 {h + 1:02d}:00,1,{'kWh' if h < 4 else 'MWh'}\n"
        for h in range(8)))  # fmt: skip
    (request,) = iter_append_requests(path, columns, PARENT, "x")
    assert [(r.unit, len(r.values)) for r in request.series] == [("kWh", 4), ("MWh", 4)]


def test_invoices_and_corrections_become_single_readings(tmp_path: Path) -> None:
    """Calendar months (31, 28, 31 days) form no run: each is a Reading with its origin; a row
    with a supersedes cell is a correction (a bare id is named under the procurement)."""
    columns = ColumnMap(meter="Anläggning", start="Från", end="Till", quantity="kWh",
                        default_unit="kWh", decimal=",", supersedes="Ersätter")  # fmt: skip
    path = _write(
        tmp_path,
        "Anläggning;Från;Till;kWh;Ersätter\n"
        "A1;2027-01-01;2027-01-31;3 100,5;\n"
        "A1;2027-02-01;2027-02-28;2 800;\n"
        "A1;2027-03-01;2027-03-31;2 950;\n"
        "A1;2027-01-01;2027-01-31;3 000;r-17\n",
        "fakturor.csv",
    )
    (request,) = iter_append_requests(path, columns, PARENT, "Invoices",
                                      source=followup_pb2.READING_SOURCE_INVOICE)  # fmt: skip
    assert not request.series
    readings = request.readings
    assert [(r.quantity.value, r.quantity.unit, r.origin) for r in readings] == [
        (3100.5, "kWh", "fakturor.csv:row 2"),
        (2800.0, "kWh", "fakturor.csv:row 3"),
        (2950.0, "kWh", "fakturor.csv:row 4"),
        (3000.0, "kWh", "fakturor.csv:row 5"),
    ]
    assert [r.supersedes for r in readings] == ["", "", "", f"{PARENT}/readings/r-17"]
    assert readings[0].start_time.ToDatetime(UTC) == datetime(2026, 12, 31, 23, tzinfo=UTC)
    assert readings[0].end_time.ToDatetime(UTC) == datetime(2027, 1, 31, 23, tzinfo=UTC)
    assert {r.source for r in readings} == {followup_pb2.READING_SOURCE_INVOICE}


@pytest.mark.parametrize(("batch_rows", "batch_bytes"), [(100_000, 4096), (7, 2**20)])
def test_every_message_is_bounded_in_rows_and_bytes(
    tmp_path: Path, batch_rows: int, batch_bytes: int
) -> None:
    """2 000 hours of three meters, some estimated, and 50 invoices: split into messages of at
    most ``batch_rows`` rows and ``batch_bytes`` serialised bytes; together they hold every
    row exactly once, a run split across messages continuing where it stopped."""
    marks = dict.fromkeys(range(0, 2000, 3), "E")
    lines = [line for m in ("m1", "m2", "m3") for line in _hours(m, 0, 2000, mark=marks)]
    lines += [f"f{i};2027-0{1 + i % 9}-01;2027-0{1 + i % 9}-15;{i};\n" for i in range(50)]
    path = _portal(tmp_path, lines)
    requests = list(iter_append_requests(path, PORTAL, PARENT, "x", batch_rows=batch_rows,
                                         batch_bytes=batch_bytes))  # fmt: skip
    assert len(requests) > 1
    for request in requests:
        assert request.ByteSize() <= batch_bytes
        assert sum(len(r.values) for r in request.series) + len(request.readings) <= batch_rows
    got = _intervals(requests)
    assert len(got) == 6050
    expected = _intervals([followup_pb2.StreamReadingsRequest(series=[
        followup_pb2.IntervalSeries(
            series=m, start_time=_stamp(datetime(2027, 1, 1, tzinfo=UTC)), interval_seconds=3600,
            values=[h + 0.5 for h in range(2000)], estimated=list(range(0, 2000, 3)))
        for m in ("m1", "m2", "m3")])])  # fmt: skip
    assert [g for g in got if g[0] in ("m1", "m2", "m3")] == expected


def _stamp(when: datetime) -> Any:
    from google.protobuf.timestamp_pb2 import Timestamp

    stamp = Timestamp()
    stamp.FromDatetime(when)
    return stamp


def test_runs_continue_across_chunks_and_interleaved_meters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chunks of 4 rows, two meters' hours interleaved (hour-major, as some portals export):
    each meter's 11 hours stay intervals (no single readings), in order and contiguous."""
    monkeypatch.setattr(readings_file, "CHUNK_ROWS", 4)
    lines = [line for h in range(11) for m in ("m1", "m2") for line in _hours(m, h, 1)]
    (request,) = iter_append_requests(_portal(tmp_path, lines), PORTAL, PARENT, "x")
    assert not request.readings
    assert [(r.series, len(r.values)) for r in request.series] == [("m1", 11), ("m2", 11)]
    requests = [request]
    got = _intervals(requests)
    assert [(g[0], g[1].hour, g[3]) for g in got] == [
        (m, h, h + 0.5) for m in ("m1", "m2") for h in range(11)
    ]


def test_meter_indexes_become_advances_in_runs(tmp_path: Path) -> None:
    columns = ColumnMap(meter="m", time="t", quantity="index", cumulative=True,
                        default_unit="kWh", timezone="UTC")  # fmt: skip
    path = _write(tmp_path, "m,t,index\n" + "".join(
        f"m1,2027-01-{d:02d},{1000 + d * d}\n" for d in range(1, 6)))  # fmt: skip
    (request,) = iter_append_requests(path, columns, PARENT, "x")
    (run,) = request.series
    assert run.interval_seconds == 86_400
    assert list(run.values) == [3.0, 5.0, 7.0, 9.0]
    assert run.start_time.ToDatetime(UTC) == datetime(2027, 1, 1, tzinfo=UTC)


def test_an_hour_the_clock_repeats_is_refused_before_anything_is_sent(tmp_path: Path) -> None:
    """Local times (Stockholm) without offsets: 02:00 on 31 October 2027 occurs twice, so the
    file is refused, naming the row and column, and (check=True) no message is yielded."""
    lines = [f"m1;2027-10-31 {h:02d}:00;2027-10-31 {h + 1:02d}:00;1;\n" for h in range(5)]
    path = _portal(tmp_path, lines)
    requests: list[Any] = []
    with pytest.raises(ReadingsFileRefused) as raised:
        requests.extend(iter_append_requests(path, PORTAL, PARENT, "x"))
    assert requests == []
    assert raised.value.requests_sent == 0
    fields = [v.field for v in raised.value.violations]
    assert fields == ["portal.csv: row 3, column 'Till'", "portal.csv: row 4, column 'Från'"]
    assert "02:00 occurs twice in Europe/Stockholm" in raised.value.violations[0].description


def test_one_pass_sends_what_precedes_the_first_bad_row_and_names_every_bad_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """check=False: messages before the chunk of the first bad row are yielded, none after;
    every bad row is counted, the first MAX_VIOLATIONS named with row and column."""
    monkeypatch.setattr(readings_file, "CHUNK_ROWS", 10)
    good = _hours("m1", 0, 25)  # rows 2-26; the chunk of rows 22-31 holds the first bad row
    bad = [f"m1;2027-03-01T{h % 24:02d}:00Z;2027-03-01T{h % 24:02d}:30Z;x{h};\n"
           for h in range(150)]  # fmt: skip
    path = _portal(tmp_path, good + bad)
    requests: list[Any] = []
    stream = iter_append_requests(path, PORTAL, PARENT, "x", check=False, batch_rows=10)
    with pytest.raises(ReadingsFileRefused) as raised:
        requests.extend(stream)
    error = raised.value
    assert error.requests_sent == len(requests) == 2
    assert error.rows_sent == 20
    assert error.bad_rows == 150
    assert len(error.violations) == readings_file.MAX_VIOLATIONS + 1
    assert error.violations[0].field == "portal.csv: row 27, column 'Förbrukning'"
    assert error.violations[0].description == "expected a number with decimal ',', got 'x0'"
    assert error.violations[-1].description == "and 50 more bad rows (not listed)"


def test_a_workbook_and_a_csv_give_the_same_messages(tmp_path: Path) -> None:
    """The same hourly readings as .xlsx (date cells, number cells) and as a Swedish CSV."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Mätpunkt", "Från", "Till", "Förbrukning", "Status"])
    for h in range(6):
        start = datetime(2027, 1, 1) + timedelta(hours=h)
        sheet.append(["m1", start, start + timedelta(hours=1), h + 0.5, "E" if h == 2 else None])
    sheet.append(["m1", datetime(2027, 1, 2), datetime(2027, 2, 1), 700.25, None])
    workbook = tmp_path / "portal.xlsx"
    book.save(workbook)
    lines = [f"m1;2027-01-01 {h:02d}:00;2027-01-01 {h + 1:02d}:00;{h},5;{'E' if h == 2 else ''}\n"
             for h in range(6)] + ["m1;2027-01-02 00:00;2027-02-01 00:00;700,25;\n"]  # fmt: skip
    csv_file = _portal(tmp_path, lines)
    from_book = list(iter_append_requests(workbook, PORTAL, PARENT, "x"))
    from_csv = list(iter_append_requests(csv_file, PORTAL, PARENT, "x"))
    assert _intervals(from_book) == _intervals(from_csv)
    (request,) = from_book
    assert [len(r.values) for r in request.series] == [6]
    assert list(request.series[0].estimated) == [2]
    assert [r.origin for r in request.readings] == ["portal.xlsx:row 8"]


def test_bad_arguments_and_a_file_without_readings(tmp_path: Path) -> None:
    path = _portal(tmp_path, _hours("m1", 0, 3))
    with pytest.raises(ValueError, match="batch_bytes"):
        next(iter_append_requests(path, PORTAL, PARENT, "x", batch_bytes=8 * 2**20))
    empty = _portal(tmp_path, [], "empty.csv")
    with pytest.raises(TcoInvalidTender, match="no readings"):
        next(iter_append_requests(empty, PORTAL, PARENT, "x", check=False))


def test_units_must_be_plain_text_and_meters_known(tmp_path: Path) -> None:
    columns = ColumnMap(meter="m", start="from", end="to", quantity="q", unit="unit",
                        timezone="UTC")  # fmt: skip
    path = _write(
        tmp_path,
        "m,from,to,q,unit\n"
        "m1,2027-01-01 00:00,2027-01-01 01:00,1,kWh\n"
        "m1,2027-01-01 01:00,2027-01-01 02:00,1,\n"
        "m1,2027-01-01 02:00,2027-01-01 03:00,1,kWh\x07\n"
        "m2,2027-01-01 02:00,2027-01-01 03:00,1,kWh\n",
    )
    with pytest.raises(ReadingsFileRefused) as raised:
        list(iter_append_requests(path, columns, PARENT, "x", meters={"m1"}))
    assert [(v.field, v.description[:20]) for v in raised.value.violations] == [
        ("readings.csv: row 3, column 'unit'", "empty: a value is re"),
        ("readings.csv: row 4, column 'unit'", "expected plain text "),
        ("readings.csv: row 5, column 'm'", "meter m2 is not in t"),
    ]


def test_a_workbook_over_the_row_bound_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    from tco_client import readings_sheet

    monkeypatch.setattr(readings_sheet, "MAX_SHEET_ROWS", 3)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Mätpunkt", "Från", "Till", "Förbrukning", "Status"])
    for h in range(3):
        sheet.append(["m1", datetime(2027, 1, 1, h), datetime(2027, 1, 1, h + 1), 1.0, None])
    path = tmp_path / "big.xlsx"
    book.save(path)
    with pytest.raises(TcoInvalidTender, match=r"big\.xlsx") as raised:
        check_readings_file(path, PORTAL)
    assert "over 3 rows" in raised.value.violations[0].description
