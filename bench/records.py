"""Procurement records: what keeping the record costs an evaluation, and listing a large store.

- **recorded vs unrecorded**: one server (SQLite in a temporary ``--data-dir``, WAL, once with
  ``--data-sync full``: an fsync per commit, once with ``normal``) answers EvaluateBids
  (unrecorded) and EvaluateProcurement (the same typical tender evaluated and its record
  appended and committed) in alternating pairs, calls one after another on one channel; p50/p99
  of each and the median of the paired differences (target: <= 5 ms). On a machine shared with
  other work the paired median is the steadier figure: both calls of a pair see the same load.
- **ListEvaluations on a large store**: the store is filled with ``--procurements`` procurements
  x 3 evaluations (rows written directly with their chain hashes, one transaction: the set-up,
  not what is measured), then ListEvaluations of one procurement is called repeatedly through
  the server (target: p50 < 50 ms at 10 000 procurements).

- **recorded throughput on PostgreSQL** (``--database URL``, an empty database): a server with
  ``--processes N`` (default 2) on that database, ``--clients`` threads (default 8) calling
  EvaluateProcurement for ``--seconds`` (default 20) with the typical tender; recorded
  evaluations per second, and the chain verified afterwards (target: >= 200/s with 2 processes).

    .venv/bin/python -m bench.records                       # 200 calls each, 10 000 procurements
    .venv/bin/python -m bench.records --smoke               # a few calls, 50 procurements
    .venv/bin/python -m bench.records --database postgresql+psycopg://postgres@127.0.0.1:5432/b
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench._service import fmt_ms, tco_server, typical_message
from bench.common import Row, machine_line, median, p99, print_table

ORDER = 70
EVALUATIONS_PER_PROCUREMENT = 3


def _timed(call: object, request: object, times: list[float]) -> None:
    import time

    start = time.perf_counter()
    call(request, timeout=120)  # type: ignore[operator]
    times.append(time.perf_counter() - start)


def recorded_vs_unrecorded(calls: int, sync: str = "full") -> list[Row]:
    import grpc

    from tcoapi.v1 import procurement_pb2 as pb
    from tcoapi.v1 import procurement_pb2_grpc, service_pb2_grpc

    request = typical_message()
    with (
        tempfile.TemporaryDirectory() as folder,
        tco_server("--data-dir", folder, "--data-sync", sync) as server,
    ):
        channel = grpc.insecure_channel(
            server.target, options=[("grpc.max_receive_message_length", 64 << 20)]
        )
        plain = service_pb2_grpc.LifeCycleCostServiceStub(channel)
        records = procurement_pb2_grpc.ProcurementServiceStub(channel)
        records.CreateProcurement(
            pb.CreateProcurementRequest(
                procurement_id="bench", procurement=pb.Procurement(method=request.method)
            ),
            timeout=120,
        )
        recorded = pb.EvaluateProcurementRequest(name="procurements/bench", bids=request.bids)
        unrecorded_times: list[float] = []
        recorded_times: list[float] = []
        for warm in range(3):  # warm-up, not measured
            plain.EvaluateBids(request, timeout=120)
            records.EvaluateProcurement(recorded, timeout=120)
            del warm
        while len(recorded_times) < calls:  # pairs: the same machine load for both calls
            _timed(plain.EvaluateBids, request, unrecorded_times)
            _timed(records.EvaluateProcurement, recorded, recorded_times)
        channel.close()
    p50_plain, p50_recorded = median(unrecorded_times), median(recorded_times)
    paired = median([r - u for r, u in zip(recorded_times, unrecorded_times, strict=True)])
    return [
        Row(
            "records",
            "EvaluateBids (unrecorded) p50 / p99",
            f"{fmt_ms(p50_plain)} / {fmt_ms(p99(unrecorded_times))}",
        ),
        Row(
            "records",
            f"EvaluateProcurement (recorded, SQLite, --data-sync {sync}) p50 / p99",
            f"{fmt_ms(p50_recorded)} / {fmt_ms(p99(recorded_times))}",
        ),
        Row(
            "records",
            f"recorded - unrecorded, median of pairs (--data-sync {sync})",
            fmt_ms(paired),
            f"target <= 5 ms; {len(recorded_times)} pairs; difference of the p50s "
            f"{fmt_ms(p50_recorded - p50_plain)}",
        ),
    ]


def populate(folder: str, procurements: int) -> None:
    """``procurements`` x 3 evaluation records (small payloads) in the SQLite store of
    ``folder``, chained as the store chains them, in one transaction."""
    from tco_server.records.chain import GENESIS, record_hash
    from tco_server.records.store import (
        DATABASE_FILE,
        canonical,
        create_engine,
        migrate,
        records,
    )

    engine = create_engine(f"sqlite:///{Path(folder) / DATABASE_FILE}")
    migrate(engine)
    rows = []
    prev, seq = GENESIS, 0
    digest = "0" * 64
    payloads: dict[str, dict[str, Any]] = {
        "procurement": {"title": "bench", "method": "", "method_digest": digest},
        "evaluation": {
            "request": "",
            "response": "",
            "method_digest": digest,
            "request_digest": digest,
            "evaluation_digest": digest,
            "engine_version": "bench",
            "data_version": "bench",
            "bid_count": 5,
        },
    }
    encoded = {kind: canonical(value) for kind, value in payloads.items()}
    for p in range(procurements):
        pid = f"p{p}"
        subjects = [("procurement", f"procurements/{pid}")] + [
            ("evaluation", f"procurements/{pid}/evaluations/e{e + 1}")
            for e in range(EVALUATIONS_PER_PROCUREMENT)
        ]
        for kind, subject in subjects:
            seq += 1
            row: dict[str, Any] = {
                "organization": "default",
                "seq": seq,
                "id": f"{seq:032x}",
                "kind": kind,
                "subject": subject,
                "procurement": pid,
                "created_at": "2027-01-01T00:00:00.000000Z",
                "encrypted": False,
                "payload": encoded[kind],
                "prev_hash": prev,
            }
            prev = record_hash(**row)
            rows.append({**row, "hash": prev})
    with engine.begin() as connection:
        connection.execute(records.insert(), rows)
    engine.dispose()


def list_evaluations(procurements: int, calls: int) -> list[Row]:
    import grpc

    from tcoapi.v1 import procurement_pb2 as pb
    from tcoapi.v1 import procurement_pb2_grpc

    with tempfile.TemporaryDirectory() as folder:
        populate(folder, procurements)
        with tco_server("--data-dir", folder) as server:
            channel = grpc.insecure_channel(server.target)
            stub = procurement_pb2_grpc.ProcurementServiceStub(channel)
            middle = f"procurements/p{procurements // 2}"
            request = pb.ListEvaluationsRequest(parent=middle)
            times: list[float] = []
            for _ in range(3):
                stub.ListEvaluations(request, timeout=120)
            for _ in range(calls):
                _timed(stub.ListEvaluations, request, times)
            found = len(stub.ListEvaluations(request, timeout=120).evaluations)
            channel.close()
    assert found == EVALUATIONS_PER_PROCUREMENT
    return [
        Row(
            "records",
            f"ListEvaluations p50 / p99, store of {procurements} x 3",
            f"{fmt_ms(median(times))} / {fmt_ms(p99(times))}",
            "target p50 < 50 ms",
        ),
    ]


def _rate(calls: list[Any], request: Any, seconds: float) -> tuple[int, float]:
    """Calls of ``calls[i](request)`` from one thread each for ``seconds``: (done, elapsed)."""
    import threading
    import time

    done = [0] * len(calls)
    stop = time.monotonic() + seconds

    def client(index: int) -> None:
        while time.monotonic() < stop:
            calls[index](request, timeout=120)
            done[index] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(calls))]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done), time.monotonic() - started


def throughput(database: str, processes: int, clients: int, seconds: float) -> list[Row]:
    import grpc

    from tcoapi.v1 import procurement_pb2 as pb
    from tcoapi.v1 import procurement_pb2_grpc, service_pb2_grpc

    request = typical_message()
    flags = ("--database", database, "--processes", str(processes), "--evaluations", "1")
    with (
        tempfile.TemporaryDirectory() as folder,
        tco_server(*flags, "--data-dir", folder) as server,
    ):
        channels = [grpc.insecure_channel(server.target) for _ in range(clients)]
        stubs = [procurement_pb2_grpc.ProcurementServiceStub(c) for c in channels]
        plain = [service_pb2_grpc.LifeCycleCostServiceStub(c).EvaluateBids for c in channels]
        stubs[0].CreateProcurement(
            pb.CreateProcurementRequest(
                procurement_id="throughput", procurement=pb.Procurement(method=request.method)
            ),
            timeout=120,
        )
        call = pb.EvaluateProcurementRequest(name="procurements/throughput", bids=request.bids)
        unrecorded, plain_elapsed = _rate(plain, request, seconds)
        recorded, elapsed = _rate([s.EvaluateProcurement for s in stubs], call, seconds)
        verified = stubs[0].VerifyRecords(pb.VerifyRecordsRequest(), timeout=600)
        for channel in channels:
            channel.close()
    assert verified.ok
    assert verified.records_checked == recorded + 1
    note = f"{clients} clients, {seconds:.0f} s each"
    return [
        Row("records", f"EvaluateBids (unrecorded)/s, --processes {processes}",
            f"{unrecorded / plain_elapsed:.0f}/s", note),
        Row("records", f"recorded evaluations/s, PostgreSQL, --processes {processes}",
            f"{recorded / elapsed:.0f}/s", f"{note}; chain verified; target >= 200/s"),
    ]  # fmt: skip


def collect(smoke: bool, calls: int | None = None, procurements: int | None = None) -> list[Row]:
    calls = calls or (10 if smoke else 200)
    procurements = procurements or (50 if smoke else 10_000)
    return [
        *recorded_vs_unrecorded(calls, "full"),
        *recorded_vs_unrecorded(calls, "normal"),
        *list_evaluations(procurements, 20 if smoke else 200),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.records", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="a few calls, a small store")
    parser.add_argument("--calls", type=int, default=None, help="calls of each kind")
    parser.add_argument("--procurements", type=int, default=None, help="store size for the list")
    parser.add_argument("--database", help="an empty PostgreSQL database: the throughput only")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args(argv)
    print(machine_line())
    if args.database:
        print_table(throughput(args.database, args.processes, args.clients, args.seconds))
        return 0
    print_table(collect(args.smoke, args.calls, args.procurements))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
