"""Readings ingest (#19): 10^7 interval readings appended through ``append_readings``.

``--series`` meters (default 1 000) × hourly values × ``--months`` (default 14) months, appended
in process at the store level (no RPC) as AppendReadingsRequest batches of ``--per-batch``
IntervalSeries of one series-month each (default 10: ≈ 7 300 rows, one chain record per batch),
month by month as a monthly meter-portal import would. Each batch is validated (numpy: finite,
≥ 0), converted, checked for overlaps against the stored readings (indexed queries) and stored
all-or-nothing: ``executemany`` in one transaction on SQLite, binary COPY on PostgreSQL.

Reported: wall and CPU seconds of the whole ingest, rows per second, peak RSS of the process;
then ``load_series`` of one series over the whole period (median of 5), and, with ``--verify``,
the chain verified (every batch's rows re-digested). Targets: < 60 s and < 1 GiB for 10^7 rows on
SQLite and on PostgreSQL.

    .venv/bin/python -m bench.ingest                                   # SQLite, 10^7 rows
    .venv/bin/python -m bench.ingest --series 100                      # 10^6 rows (growth)
    .venv/bin/python -m bench.ingest --database postgresql+psycopg://postgres@127.0.0.1:55432/b
    .venv/bin/python -m bench.ingest --smoke                           # 5 series × 2 months
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

import numpy as np

from bench.common import Row, machine_line, print_table

ORG, PROCUREMENT = "region-x", "heating-2027"
START = datetime(2027, 1, 1, tzinfo=UTC)


def _month(k: int) -> datetime:
    return datetime(START.year + (START.month - 1 + k) // 12, (START.month - 1 + k) % 12 + 1, 1)


def _requests(series: int, months: int, per_batch: int) -> Iterator[object]:
    """AppendReadingsRequests month by month, ``per_batch`` series-months each."""
    from google.protobuf.timestamp_pb2 import Timestamp

    from tcoapi.v1 import followup_pb2 as fpb

    rng = np.random.default_rng(19)
    for m in range(months):
        begin, end = _month(m).replace(tzinfo=UTC), _month(m + 1).replace(tzinfo=UTC)
        hours = int((end - begin).total_seconds()) // 3600
        stamp = Timestamp()
        stamp.FromDatetime(begin)
        for first in range(0, series, per_batch):
            request = fpb.AppendReadingsRequest(
                parent=f"procurements/{PROCUREMENT}", entered_by="bench.ingest"
            )
            for s in range(first, min(first + per_batch, series)):
                values = rng.gamma(2.0, 1.5, hours).round(3)
                run = request.series.add(
                    series=f"meter-{s:04d}",
                    kind=fpb.SERIES_KIND_CONSUMPTION,
                    unit="kWh",
                    interval_seconds=3600,
                    source=fpb.READING_SOURCE_METER,
                )
                run.start_time.CopyFrom(stamp)
                run.values.extend(values.tolist())
                run.estimated.extend([5, 6])
            yield request


def _server_cpu(store: object) -> float | None:
    """CPU seconds (user + system) used so far by a local PostgreSQL server: its postmaster and
    every child (backends, WAL writer, checkpointer), from /proc; None when not readable."""
    import sqlalchemy as sa

    try:
        with store.engine.connect() as connection:  # type: ignore[attr-defined]
            folder = connection.execute(sa.text("SHOW data_directory")).scalar_one()
        with open(f"{folder}/postmaster.pid", encoding="ascii") as pid_file:
            postmaster = int(pid_file.readline())
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(entry) == postmaster or int(fields[1]) == postmaster:
                total += int(fields[11]) + int(fields[12])
        return total / tick
    except (OSError, ValueError, sa.exc.SQLAlchemyError):
        return None


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(
    database: str | None, series: int, months: int, per_batch: int, *, verify: bool, sync: str
) -> list[Row]:
    from tco_server.records import readings
    from tco_server.records.store import RecordStore
    from tcoapi.v1 import followup_pb2 as fpb

    folder = tempfile.mkdtemp(prefix="tco-ingest-")
    url = database or f"sqlite:///{folder}/records.sqlite3"
    backend = "postgresql" if url.startswith("postgresql") else "sqlite"
    store = RecordStore.open(url, None, sync=sync)
    specs = {
        f"meter-{s:04d}": readings.SeriesSpec(fpb.SERIES_KIND_CONSUMPTION, "kWh")
        for s in range(series)
    }
    rows = batches = 0
    server = _server_cpu(store) if backend == "postgresql" else None
    wall, cpu = time.perf_counter(), time.process_time()
    for request in _requests(series, months, per_batch):
        done = readings.append_readings(store, ORG, PROCUREMENT, request, specs)  # type: ignore[arg-type]
        rows += done.readings_appended
        batches += 1
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = _peak_rss_mib()
    after = _server_cpu(store) if server is not None else None
    tag = f"{backend}, {series} series × {months} months"
    out = [
        Row("ingest", f"rows appended ({tag})", f"{rows:,}", f"{batches} batches"),
        Row("ingest", "wall time", f"{wall:.1f} s", f"{rows / wall:,.0f} rows/s; target < 60 s"),
        Row("ingest", "CPU time of the process", f"{cpu:.1f} s", f"{cpu / rows * 1e6:.2f} µs/row"),
        Row("ingest", "peak RSS", f"{peak:.0f} MiB", "target < 1024 MiB"),
    ]
    if server is not None and after is not None:
        used = after - server
        out.append(
            Row("ingest", "CPU time of the PostgreSQL server", f"{used:.1f} s", "all its processes")
        )
    end = _month(months).replace(tzinfo=UTC)
    times, got = [], []
    for _ in range(5):
        t0 = time.perf_counter()
        got = readings.load_series(store, ORG, PROCUREMENT, "meter-0000", START, end)
        times.append(time.perf_counter() - t0)
    out.append(
        Row(
            "ingest",
            f"load_series, one series × {months} months",
            f"{statistics.median(times) * 1e3:.1f} ms",
            f"{len(got):,} readings, median of 5",
        )
    )
    if verify:
        t0 = time.perf_counter()
        checked = store.verify(ORG)
        out.append(
            Row(
                "ingest",
                "verify the chain (every batch re-digested)",
                f"{time.perf_counter() - t0:.1f} s",
                f"{checked.checked} records, ok={checked.ok}",
            )
        )
    if backend == "sqlite":
        size = os.path.getsize(f"{folder}/records.sqlite3") / 2**20
        out.append(
            Row("ingest", "database file", f"{size:.0f} MiB", f"{size * 2**20 / rows:.0f} B/row")
        )
    store.close()
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.ingest", description=__doc__)
    parser.add_argument(
        "--database",
        help="SQLAlchemy URL of an empty database (default SQLite); 'temp': a throwaway "
        "PostgreSQL started here (bench.records.temporary_postgresql)",
    )
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--months", type=int, default=14)
    parser.add_argument("--per-batch", type=int, default=10, help="series-months per batch")
    parser.add_argument("--sync", default="full", choices=("full", "normal"))
    parser.add_argument("--verify", action="store_true", help="verify the chain afterwards")
    parser.add_argument("--smoke", action="store_true", help="5 series × 2 months, verified")
    args = parser.parse_args(argv)
    if args.smoke:
        args.series, args.months, args.per_batch, args.verify = 5, 2, 2, True
    print(
        f"# {machine_line()}; load average {os.getloadavg()[0]:.1f}; "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )
    with contextlib.ExitStack() as stack:
        database = args.database
        if database == "temp":
            from bench.records import temporary_postgresql

            database = stack.enter_context(temporary_postgresql())
        rows = run(
            database, args.series, args.months, args.per_batch, verify=args.verify, sync=args.sync
        )
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
