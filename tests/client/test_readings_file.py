"""Readings files for contract follow-up (#19): the shapes meter portals, invoice systems and
fuel-card services export, read through a column map; every bad row refused by row and column."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tco_client.errors import TcoInvalidTender
from tco_client.readings_file import ColumnMap, check_readings_file, iter_readings, parse_number

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
