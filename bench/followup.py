"""Contract follow-up: reading a meter portal's hourly export, and settling it.

Two figures, each with its growth in the number of readings:

- **file read**: :func:`tco_client.readings_file.check_readings_file` (every row checked, the
  file's SHA-256) and :func:`~tco_client.readings_file.iter_reading_batches` (the readings as
  column batches, as an upload sends them) over a
  CSV of ``meters`` × hourly readings in the Swedish portal shape (``;``, decimal comma) that
  the script writes to a temporary folder first; rows per second and the process's peak memory
  (constant: neither pass holds the file);
- **report**: :func:`tco.followup.report.follow_up` of one meter's 14 months of hourly readings
  settled by month (the per-contract figure of issue #19: < 200 ms).

    .venv/bin/python -m bench.followup                    # 100 meters x 14 months hourly
    .venv/bin/python -m bench.followup --meters 1000      # 10 million rows (about 600 MB of CSV)
    .venv/bin/python -m bench.followup --smoke
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import Row, machine_line, median, print_table

ORDER = 80
HOURS = 14 * 730  # 14 months of hours, as issue #19 counts them


def write_portal_csv(path: Path, meters: int, hours: int) -> int:
    """A meter portal's hourly export: ``meters`` × ``hours`` rows in UTC (local wall-clock
    hours skip and repeat at the summer-time changes); returns the row count."""
    start = datetime(2027, 1, 1)
    stamps = [(start + timedelta(hours=h)).strftime("%Y-%m-%d %H:%M") for h in range(hours + 1)]
    with path.open("w", encoding="utf-8") as out:
        out.write("Mätpunkt;Från;Till;Förbrukning;Status\n")
        for m in range(meters):
            meter = f"735999{m:06d}"
            lines = (
                f"{meter};{stamps[h]};{stamps[h + 1]};{(h * 7 + m) % 97 / 10:.1f}".replace(".", ",")
                + ";\n"
                for h in range(hours)
            )
            out.writelines(lines)
    return meters * hours


def file_rows(meters: int, hours: int) -> list[Row]:
    from tco_client.readings_file import ColumnMap, check_readings_file, iter_reading_batches

    columns = ColumnMap(meter="Mätpunkt", start="Från", end="Till", quantity="Förbrukning",
                        default_unit="kWh", estimated="Status", decimal=",",
                        timezone="UTC")  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "portal.csv"
        rows = write_portal_csv(path, meters, hours)
        size = path.stat().st_size
        began, cpu = time.perf_counter(), time.process_time()
        checked = check_readings_file(path, columns)
        checked_s, checked_cpu = time.perf_counter() - began, time.process_time() - cpu
        began, cpu = time.perf_counter(), time.process_time()
        yielded = sum(len(batch) for batch in iter_reading_batches(path, columns))
        read_s, read_cpu = time.perf_counter() - began, time.process_time() - cpu
    assert checked.rows == yielded == rows
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    note = f"{rows:,} rows, {size / 2**20:.0f} MiB CSV; peak RSS {peak:.0f} MiB"
    per_row = (checked_cpu + read_cpu) / rows * 1e6
    return [
        Row("followup", f"check file ({meters} meters)", f"{checked_s:.1f} s",
            f"{note}; CPU {checked_cpu:.1f} s"),
        Row("followup", f"read file as batches ({meters} meters)", f"{read_s:.1f} s",
            f"CPU {read_cpu:.1f} s; {per_row:.1f} µs of CPU a row over both passes"),
    ]  # fmt: skip


def report_rows(repeat: int) -> list[Row]:
    from tco.followup.adjust import Conditions, Promise
    from tco.followup.readings import Reading
    from tco.followup.report import Commitment, Period, follow_up
    from tco.followup.settlement import Clause, Valuation

    start = datetime(2027, 1, 1, tzinfo=UTC)
    readings = [
        Reading(str(h), start + timedelta(hours=h), start + timedelta(hours=h + 1), 5.0)
        for h in range(HOURS)
    ]
    months = [
        Period(
            f"m{m}",
            start + timedelta(hours=730 * m),
            start + timedelta(hours=730 * (m + 1)),
            Conditions(years=730 / 8760),
        )
        for m in range(14)
    ]
    commitment = Commitment("lighting", "electricity", Promise(40_000.0), Clause(tolerance=0.05),
                            Valuation(1.2))  # fmt: skip
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        follow_up(commitment, readings, months)
        times.append(time.perf_counter() - began)
    return [
        Row("followup", "report of one contract", f"{median(times) * 1000:.0f} ms",
            f"{HOURS:,} hourly readings settled by month, median of {repeat}"),
    ]  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.followup", description=__doc__)
    parser.add_argument("--meters", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--smoke", action="store_true", help="2 meters x 100 hours")
    args = parser.parse_args(list(argv) if argv is not None else None)
    meters, hours = (2, 100) if args.smoke else (args.meters, HOURS)
    print(f"# bench.followup on {machine_line()}")
    print_table(file_rows(meters, hours) + report_rows(1 if args.smoke else args.repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
