"""Contract follow-up: reading a meter portal's hourly export, and settling it.

Two figures, each with its growth in the number of readings:

- **readings file**: :func:`tco_client.readings_file.iter_append_requests` (the
  ``StreamReadings`` messages, serialised) in one pass (``check=False``) and with its default
  check pass first (``check=True``), and :func:`~tco_client.readings_file.check_readings_file`
  alone, over a CSV of ``meters`` × hourly readings in the Swedish portal shape (``;``, decimal
  comma) that the script writes to a temporary folder first; each in a fresh process: CPU µs a
  row, rows per CPU second, peak RSS (flat: the file is streamed), the load average;
- **report**: :func:`tco.followup.report.follow_up` of one meter's 14 months of hourly readings
  settled by month (the per-contract figure of issue #19: < 200 ms).

    .venv/bin/python -m bench.followup                    # 100 meters x 14 months hourly
    .venv/bin/python -m bench.followup --meters 1000      # 10 million rows (about 600 MB of CSV)
    .venv/bin/python -m bench.followup --smoke
    .venv/bin/python -m bench.followup --meters 1000 --file-only --passes one-pass checked
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
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


_PORTAL_COLUMNS = {"meter": "Mätpunkt", "start": "Från", "end": "Till", "quantity": "Förbrukning",
                   "default_unit": "kWh", "estimated": "Status", "decimal": ",",
                   "timezone": "UTC"}  # fmt: skip
FILE_PASSES = ("one-pass", "checked", "check")


def file_pass(path: Path, mode: str) -> dict[str, float]:
    """One way of reading the portal CSV, in this process: ``one-pass``
    (:func:`~tco_client.readings_file.iter_append_requests` with ``check=False``: parse, check
    and build the messages as it goes), ``checked`` (the default ``check=True``: a check pass,
    then the same), ``check`` (:func:`~tco_client.readings_file.check_readings_file` alone).
    Each message is serialised as gRPC would. CPU and wall seconds, rows, messages, bytes and
    the process's peak RSS (MiB)."""
    from tco_client.readings_file import ColumnMap, check_readings_file, iter_append_requests

    columns = ColumnMap(**_PORTAL_COLUMNS)  # type: ignore[arg-type]
    began, cpu = time.perf_counter(), time.process_time()
    rows = messages = size = 0
    if mode == "check":
        rows = check_readings_file(path, columns).rows
    else:
        for request in iter_append_requests(path, columns, "procurements/bench", "bench",
                                            check=mode == "checked"):  # fmt: skip
            size += len(request.SerializeToString())
            messages += 1
            rows += sum(len(s.values) for s in request.series) + len(request.readings)
    return {
        "cpu": time.process_time() - cpu,
        "wall": time.perf_counter() - began,
        "rows": rows,
        "messages": messages,
        "bytes": size,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def file_rows(meters: int, hours: int, passes: Sequence[str] = FILE_PASSES) -> list[Row]:
    """The portal CSV of ``meters`` × ``hours`` rows read each way of :func:`file_pass`, each in
    a fresh process (so each peak RSS is its own)."""
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "portal.csv"
        count = write_portal_csv(path, meters, hours)
        size = path.stat().st_size
        for mode in passes:
            load = os.getloadavg()[0]
            done = subprocess.run(
                [sys.executable, "-m", "bench.followup", "--file-pass", mode, str(path)],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
            got = json.loads(done.stdout.splitlines()[-1])
            assert got["rows"] == count, (mode, got["rows"], count)
            per_row = got["cpu"] / count * 1e6
            note = (f"{count:,} rows, {size / 2**20:.0f} MiB CSV; CPU {got['cpu']:.1f} s, "
                    f"{per_row:.2f} µs of CPU a row, {count / got['cpu']:,.0f} rows/s of CPU; "
                    f"peak RSS {got['peak_mib']:.0f} MiB; load average {load:.1f}")  # fmt: skip
            if got["messages"]:
                note += f"; {got['messages']:.0f} messages, {got['bytes'] / 2**20:.0f} MiB"
            rows.append(Row("followup", f"readings file, {mode} ({meters} meters)",
                            f"{got['wall']:.1f} s", note))  # fmt: skip
    return rows


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
    parser.add_argument("--file-only", action="store_true", help="only the readings file")
    parser.add_argument("--passes", nargs="+", choices=FILE_PASSES, default=FILE_PASSES)
    parser.add_argument("--file-pass", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.file_pass:
        print(json.dumps(file_pass(Path(args.file_pass[1]), args.file_pass[0])))
        return 0
    meters, hours = (2, 100) if args.smoke else (args.meters, HOURS)
    print(f"# bench.followup on {machine_line()}")
    rows = file_rows(meters, hours, args.passes)
    if not args.file_only:
        rows += report_rows(1 if args.smoke else args.repeat)
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
