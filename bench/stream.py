"""Streaming: many small bids through EvaluateTenders; time, peak memory, growth with size.

The service runs as ``python -m tco_server --processes P`` (default 2) on 127.0.0.1. A client
process (spawned afresh for each size, so its peak memory is that size's) sends N bids as
columnar tenders (``BidColumns``) of up to 1 000 one-item bids each (the per-tender bid limit),
built from seeded random columns as they are sent: unit price, quantity, installation cost,
service life, maintenance, electricity use, embodied A1-A3 and C1-C4 emissions, under the
sample tender's method (20 years, climate cost on, COST model). It uses
``TcoClient(target, connections=S).evaluate_many(..., detail="columns", streams=S)`` with S = 4 x P
streams on as many connections (the kernel places connections on the processes at random; with
4 per process every process gets some, and the client feeds whichever stream has room), and
checks that every tender came back with a result for every bid.

Reported per size: wall time, bids per second, microseconds per bid, peak resident memory
(VmHWM) of the server (supervisor + workers, summed) and of the client, CPU seconds of both.
A run longer than ``--max-seconds`` (default 900) is cut there (the client cancels its streams)
and reported as such: the load stays bounded in time.

    .venv/bin/python -m bench.stream                               # 10k, 100k, 1M bids
    .venv/bin/python -m bench.stream --sizes 1000000 --processes 2
    .venv/bin/python -m bench.stream --smoke                       # 2 000 bids
    .venv/bin/python -m bench.stream --steps     # where the server's time goes, per 1 000 bids
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import time
from collections.abc import Iterator, Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from bench._service import argv_list, peak_rss_mib, tco_server
from bench.common import Row, machine_line, measure, median, print_table, sample_request

ORDER = 62
ROWS_PER_TENDER = 1000


def _method() -> Any:
    from google.protobuf import json_format

    from tcoapi.v1 import tender_pb2

    method = sample_request()["method"]
    method["study_period_years"] = 20
    method["baseline_bid_id"] = ""
    method["evaluation_model"] = {"kind": "EVALUATION_MODEL_KIND_COST"}
    return json_format.ParseDict(method, tender_pb2.Method())


def chunks(n_bids: int, *, seed: int = 11, rows: int = ROWS_PER_TENDER) -> Iterator[Any]:
    """``n_bids`` one-item bids as ``(tender_id, BidColumns)`` of up to ``rows`` rows, lazily."""
    import numpy as np

    from tcoapi.v1 import batch_pb2

    method = _method()
    rng = np.random.default_rng(seed)
    sent = 0
    index = 0
    while sent < n_bids:
        n = min(rows, n_bids - sent)
        c = batch_pb2.BidColumns(rows=n)
        c.method.CopyFrom(method)
        c.quantity.extend(rng.integers(1, 20, n).astype(float).tolist())

        def column(name: str, unit: str, low: float, high: float, digits: int = 2) -> None:
            target = getattr(c, name)  # noqa: B023 - used at once, inside the loop
            target.unit = unit
            target.values.extend(np.round(rng.uniform(low, high, n), digits).tolist())  # noqa: B023

        column("unit_price", "SEK", 500.0, 50_000.0)
        column("installation_cost", "SEK", 0.0, 2_000.0)
        column("service_life", "years", 3.0, 25.0, 0)
        column("maintenance_cost", "SEK/year", 0.0, 3_000.0)
        column("emissions_a1_a3", "kgCO2e", 1.0, 2_000.0, 1)
        column("emissions_c1_c4", "kgCO2e", 0.0, 100.0, 1)
        energy = c.resource_use.add(resource="electricity")
        energy.amount.unit = "kWh/year"
        energy.amount.values.extend(np.round(rng.uniform(10.0, 20_000.0, n), 1).tolist())
        yield (f"chunk-{index}", c)
        sent += n
        index += 1


def _client(target: str, n_bids: int, streams: int, max_seconds: float, out: Connection) -> None:
    """The client process: stream ``n_bids``, check the answers, report time/memory/CPU."""
    from tco_client import TcoClient

    start = time.perf_counter()
    bids = tenders = errors = 0
    stopped = False
    with TcoClient(target, connections=streams, timeout=60) as client:
        outcomes = client.evaluate_many(chunks(n_bids), detail="columns", streams=streams)
        try:
            for outcome in outcomes:
                tenders += 1
                if outcome.columns is None:
                    errors += 1
                else:
                    bids += len(outcome.columns.bid_ids)
                if time.perf_counter() - start > max_seconds:
                    stopped = True
                    break
        finally:
            outcomes.close()  # type: ignore[attr-defined]
    seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    out.send(
        {
            "bids": bids,
            "tenders": tenders,
            "errors": errors,
            "seconds": seconds,
            "client_rss": peak_rss_mib(),
            "client_cpu": usage.ru_utime + usage.ru_stime,
            "stopped": stopped,
        }
    )
    out.close()


def _cpu_seconds(pids: Sequence[int]) -> float:
    """utime + stime of the processes, seconds (from /proc/<pid>/stat)."""
    import os

    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            pass
    return total


def run_size(n_bids: int, processes: int, max_seconds: float) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    with tco_server("--processes", str(processes)) as service:
        pids = service.pids()
        cpu_before = _cpu_seconds(pids)
        receive, send = context.Pipe(duplex=False)
        client = context.Process(
            target=_client, args=(service.target, n_bids, 4 * processes, max_seconds, send)
        )
        client.start()
        send.close()
        figures: dict[str, Any] = receive.recv()
        client.join(timeout=60)
        figures["server_rss"] = service.peak_rss_mib()
        figures["server_cpu"] = _cpu_seconds(pids) - cpu_before
    figures["exit_code"] = service.exit_code
    figures["requested"] = n_bids
    return figures


def rows(results: Sequence[dict[str, Any]], processes: int) -> list[Row]:
    out = []
    for f in results:
        bids = f["bids"]
        per_bid = f["seconds"] / bids * 1e6 if bids else float("nan")
        note = (
            f"{f['seconds']:.1f} s, {per_bid:.0f} us/bid, server peak RSS "
            f"{f['server_rss']:.0f} MiB, client {f['client_rss']:.0f} MiB, CPU s server "
            f"{f['server_cpu']:.0f} / client {f['client_cpu']:.0f}"
        )
        if f["stopped"]:
            note += f", CUT at --max-seconds after {bids} of {f['requested']} bids"
        if f["errors"]:
            note += f", {f['errors']} tender errors"
        out.append(
            Row(
                "stream",
                f"{f['requested']:,} bids, --processes {processes}",
                f"{bids / f['seconds']:,.0f} bids/s",
                note,
            )
        )
    return out


def steps(repeat: int = 5) -> list[Row]:
    """Where a 1 000-bid columnar tender's server time goes, step by step, in this process."""
    from tco import digest, validate
    from tco.evaluate import evaluate_prepared
    from tco_server import columns
    from tco_server.limits import Limits
    from tcoapi.v1 import batch_pb2

    _, chunk = next(chunks(ROWS_PER_TENDER))
    raw = chunk.SerializeToString()
    tender = columns.columns_to_tender(chunk)
    prepared = validate.prepare(tender)
    evaluation = evaluate_prepared(prepared, method_digest="", request_digest="")
    ids = [b.id for b in tender.bids]
    work = {
        "parse BidColumns": lambda: batch_pb2.BidColumns.FromString(raw),
        "check_columns": lambda: columns.check_columns(chunk, Limits()),
        "columns_to_tender": lambda: columns.columns_to_tender(chunk),
        "engine: validate.prepare": lambda: validate.prepare(tender),
        "engine: digests": lambda: (
            digest.method_digest(tender.method),
            digest.request_digest(tender),
        ),
        "engine: evaluate_prepared": lambda: evaluate_prepared(
            prepared, method_digest="", request_digest=""
        ),
        "result_columns + serialize": lambda: columns.result_columns(
            evaluation, ids
        ).SerializeToString(deterministic=True),
    }
    return [
        Row(
            "stream",
            f"step: {name}",
            f"{median(measure(fn, repeat=repeat)) * 1e3:.2f} ms",
            "per 1 000 bids",
        )
        for name, fn in work.items()
    ]


def run(sizes: Sequence[int], processes: int, max_seconds: float) -> list[dict[str, Any]]:
    return [run_size(n, processes, max_seconds) for n in sizes]


def collect(smoke: bool) -> list[Row]:
    sizes = [2000] if smoke else [10_000, 100_000, 1_000_000]
    return rows(run(sizes, 2, 900.0), 2)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.stream", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--smoke", action="store_true", help="2 000 bids, no targets checked")
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000], help="bids per run"
    )
    parser.add_argument("--processes", type=int, default=2, help="server processes (default 2)")
    parser.add_argument(
        "--max-seconds", type=float, default=900.0, help="cut a run after this long (default 900)"
    )
    parser.add_argument(
        "--steps", action="store_true", help="only time the server's steps on one 1 000-bid tender"
    )
    args = parser.parse_args(argv_list(argv))
    if args.steps:
        print(f"# bench.stream --steps, {time.strftime('%Y-%m-%d %H:%M')}, {machine_line()}")
        print_table(steps())
        return 0
    sizes = [2000] if args.smoke else args.sizes
    started = time.strftime("%Y-%m-%d %H:%M")
    results = run(sizes, args.processes, min(args.max_seconds, 3600.0))
    print(f"# bench.stream, {started}, {machine_line()}")
    print_table(rows(results, args.processes))
    ok = all(
        f["errors"] == 0 and f["exit_code"] == 0 and (f["stopped"] or f["bids"] == f["requested"])
        for f in results
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
