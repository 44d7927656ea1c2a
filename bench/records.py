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

- **recorded throughput on PostgreSQL** (``--database URL``, an empty database, or ``--database
  temp``: a throwaway PostgreSQL started here from ``/usr/lib/postgresql/*/bin``, fsync on): in
  alternating rounds, a fresh server with ``--processes N`` (default 2) per setting, loaded by
  ``--clients`` client processes (default 6) as :mod:`bench.throughput` loads it (each its own
  TCP connection, the request serialised once, the answer not decoded) for ``--seconds``: first
  EvaluateBids (unrecorded), then EvaluateProcurement of the typical tender for each
  ``--group-commit`` setting (``TCO_RECORDS_GROUP_COMMIT``: ``pipeline``, the default, ``batch``,
  ``off``); the median of the rounds, the load average, the chain verified at the end (target:
  >= 200 recorded/s with 2 processes). Before 2026-12-08 this used client *threads* of one
  process whose channels shared one TCP connection (gRPC's global subchannel pool), so one of
  the two server processes did all the work: 128/s unrecorded.

    .venv/bin/python -m bench.records                       # 200 calls each, 10 000 procurements
    .venv/bin/python -m bench.records --smoke               # a few calls, 50 procurements
    .venv/bin/python -m bench.records --database temp       # the throughput, PostgreSQL
    .venv/bin/python -m bench.records --database temp --group-commit pipeline batch off  # A/B
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from bench._service import Service, fmt_ms, tco_server, typical_message
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


def _client(  # noqa: PLR0917 - a multiprocessing target takes positional arguments
    target: str, path: str, payload: bytes, start_at: float, seconds: float, out: Any
) -> None:
    """One load process (as :mod:`bench.throughput`): its own TCP connection, the request
    serialised once, the answer not decoded, a closed loop from ``start_at`` for ``seconds``."""
    import time

    import grpc

    options = [("grpc.use_local_subchannel_pool", 1), ("grpc.max_receive_message_length", 64 << 20)]
    with grpc.insecure_channel(target, options=options) as channel:
        call = channel.unary_unary(path)
        call(payload, timeout=120)  # connect before the common start
        while time.time() < start_at:
            time.sleep(0.001)
        end, done, errors = time.perf_counter() + seconds, 0, 0
        while time.perf_counter() < end:
            try:
                call(payload, timeout=120)
                done += 1
            except grpc.RpcError:
                errors += 1
    out.send((done, errors))
    out.close()


def _load(target: str, path: str, payload: bytes, clients: int, seconds: float) -> tuple[int, int]:
    """``clients`` load processes against ``target``: (calls answered, errors); the warm-up
    call of each client is answered too (a recorded one is stored) and counted in the first."""
    import multiprocessing
    import time

    context = multiprocessing.get_context("spawn")
    start_at = time.time() + 3.0 + 0.3 * clients
    pipes, processes = [], []
    for _ in range(clients):
        receive, send = context.Pipe(duplex=False)
        process = context.Process(
            target=_client, args=(target, path, payload, start_at, seconds, send)
        )
        process.start()
        send.close()
        pipes.append(receive)
        processes.append(process)
    results = [pipe.recv() for pipe in pipes]
    for process in processes:
        process.join(timeout=60)
    return sum(r[0] for r in results), sum(r[1] for r in results)


@contextlib.contextmanager
def temporary_postgresql() -> Iterator[str]:
    """A throwaway PostgreSQL from Debian's binaries (``/usr/lib/postgresql/*/bin``) on a free
    loopback port, **fsync on** (the durable default), run as the ``postgres`` user when root
    (``initdb`` refuses root); an empty database ``bench``; stopped and removed at the end."""
    import glob
    import os
    import pwd
    import shutil
    import socket
    import subprocess

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise SystemExit("no PostgreSQL binaries: make postgresql")
    bindir = Path(found[-1]).parent
    folder = Path(tempfile.mkdtemp(prefix="tco-bench-pg-"))
    owner: list[str] = []
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(folder, user.pw_uid, user.pw_gid)
        owner = ["runuser", "-u", "postgres", "--"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    data = folder / "data"
    run = functools.partial(subprocess.run, check=True, capture_output=True, cwd=folder)
    run([*owner, str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"])
    pg_ctl = [*owner, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w"]
    run([*pg_ctl, "-o", f"-p {port} -k {folder} -c listen_addresses=127.0.0.1", "start"])
    try:
        run([str(bindir / "psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
             "-c", "CREATE DATABASE bench"])  # fmt: skip
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/bench"
    finally:
        subprocess.run([*pg_ctl, "-m", "fast", "stop"], check=False, capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


_PLAIN = "/tcoapi.v1.LifeCycleCostService/EvaluateBids"
_RECORDED = "/tcoapi.v1.ProcurementService/EvaluateProcurement"


def throughput(
    database: str,
    processes: int,
    clients: int,
    seconds: float,
    *,
    rounds: int,
    batch: Sequence[str],
) -> list[Row]:
    """Alternating rounds on one database: EvaluateBids (unrecorded), then EvaluateProcurement
    once per ``batch`` setting (``TCO_RECORDS_GROUP_COMMIT``: ``pipeline``, ``batch``, ``off``;
    see :mod:`tco_server.records.store`), each from a fresh server; the medians of the rounds, the
    load average before each round, and the whole chain verified at the end."""
    import os
    import statistics

    import grpc

    from tcoapi.v1 import procurement_pb2 as pb
    from tcoapi.v1 import procurement_pb2_grpc

    if database == "temp":
        with temporary_postgresql() as url:
            return throughput(url, processes, clients, seconds, rounds=rounds, batch=batch)
    request = typical_message()
    flags = ("--database", database, "--processes", str(processes))
    rates: dict[str, list[float]] = {"unrecorded": [], **{b: [] for b in batch}}
    loads: list[float] = []
    stored = 0
    folder = tempfile.mkdtemp(prefix="tco-bench-")
    for round_ in range(rounds):
        loads.append(os.getloadavg()[0])
        for setting in ("unrecorded", *batch):
            env = {"TCO_RECORDS_GROUP_COMMIT": "pipeline" if setting == "unrecorded" else setting}
            with Service("tco_server", *flags, "--data-dir", folder, env=env) as server:
                if setting == "unrecorded":
                    path, payload = _PLAIN, request.SerializeToString()
                else:
                    pid = f"r{round_}-{setting}"
                    with grpc.insecure_channel(server.target) as channel:
                        procurement_pb2_grpc.ProcurementServiceStub(channel).CreateProcurement(
                            pb.CreateProcurementRequest(
                                procurement_id=pid,
                                procurement=pb.Procurement(method=request.method),
                            ),
                            timeout=120,
                        )
                    stored += 1
                    path = _RECORDED
                    payload = pb.EvaluateProcurementRequest(
                        name=f"procurements/{pid}", bids=request.bids
                    ).SerializeToString()
                done, errors = _load(server.target, path, payload, clients, seconds)
                if errors:
                    raise RuntimeError(f"{errors} calls failed ({setting})")
                rates[setting].append(done / seconds)
                if setting != "unrecorded":
                    stored += done + clients  # and each client's warm-up call
    with (
        Service("tco_server", "--database", database, "--data-dir", folder) as server,
        grpc.insecure_channel(server.target) as channel,
    ):
        verified = procurement_pb2_grpc.ProcurementServiceStub(channel).VerifyRecords(
            pb.VerifyRecordsRequest(), timeout=600
        )
    assert verified.ok, verified.problem
    assert verified.records_checked == stored, (verified.records_checked, stored)
    note = (
        f"{clients} client processes, {seconds:g} s x {rounds} alternating rounds; "
        f"load average {min(loads):.1f}-{max(loads):.1f}"
    )
    out = [
        Row("records", f"EvaluateBids (unrecorded)/s, --processes {processes}",
            f"{statistics.median(rates['unrecorded']):.0f}/s",
            f"{note}; rounds {', '.join(f'{r:.0f}' for r in rates['unrecorded'])}"),
    ]  # fmt: skip
    for setting in batch:
        out.append(
            Row("records", f"recorded/s, PostgreSQL, --processes {processes}, group commit "
                f"{setting}", f"{statistics.median(rates[setting]):.0f}/s",
                f"rounds {', '.join(f'{r:.0f}' for r in rates[setting])}; chain verified "
                f"({verified.records_checked} records); target >= 200/s")
        )  # fmt: skip
    return out


def store_rate(
    database: str, threads: int, seconds: float, *, rounds: int, batch: Sequence[str]
) -> list[Row]:
    """The records' own cost, without the engine or gRPC: ``threads`` threads of this process
    call the EvaluateProcurement logic (the procurement looked up, the evaluation record
    appended and committed) with a ready response of the typical tender, for ``seconds``, once
    per group commit setting in alternating rounds; appends per second (median of the rounds)
    and this process's CPU per append."""
    import statistics
    import threading
    import time

    from tco_server.limits import Limits
    from tco_server.records import procurements as logic
    from tco_server.records.store import RecordStore
    from tcoapi.v1 import procurement_pb2 as pb

    if database == "temp":
        with temporary_postgresql() as url:
            return store_rate(url, threads, seconds, rounds=rounds, batch=batch)
    request = typical_message()
    with tco_server("--data-dir", tempfile.mkdtemp(prefix="tco-bench-")) as server:
        import grpc

        from tcoapi.v1 import service_pb2_grpc

        with grpc.insecure_channel(server.target) as channel:
            response = service_pb2_grpc.LifeCycleCostServiceStub(channel).EvaluateBids(
                request, timeout=120
            )
    rates: dict[str, list[float]] = {b: [] for b in batch}
    cpu: dict[str, list[float]] = {b: [] for b in batch}
    for round_ in range(rounds):
        for setting in batch:
            store = RecordStore.open(database, None)
            store = RecordStore(store.engine, None, group_commit=setting)
            pid = f"s{round_}-{setting}"
            create = pb.CreateProcurementRequest(
                procurement_id=pid, procurement=pb.Procurement(method=request.method)
            )
            logic.create_procurement(store, "default", create, Limits())
            call = pb.EvaluateProcurementRequest(name=f"procurements/{pid}", bids=request.bids)
            done = [0] * threads
            stop = time.monotonic() + seconds

            def work(index: int, store: Any, call: Any, done: list[int], stop: float) -> None:
                while time.monotonic() < stop:
                    logic.evaluate_procurement(store, "default", call, lambda _: response)
                    done[index] += 1

            workers = [
                threading.Thread(target=work, args=(i, store, call, done, stop))
                for i in range(threads)
            ]
            started, cpu_before = time.monotonic(), time.process_time()
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join()
            rates[setting].append(sum(done) / (time.monotonic() - started))
            cpu[setting].append((time.process_time() - cpu_before) / max(sum(done), 1))
            store.close()
    return [
        Row("records", f"store appends/s (no engine), {threads} threads, group commit {b}",
            f"{statistics.median(rates[b]):.0f}/s",
            f"rounds {', '.join(f'{r:.0f}' for r in rates[b])}; CPU per append "
            f"{fmt_ms(statistics.median(cpu[b]))}")
        for b in batch
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
    parser.add_argument(
        "--database",
        help="the throughput only, on this empty PostgreSQL database, or 'temp': a throwaway "
        "PostgreSQL (fsync on) started here from /usr/lib/postgresql/*/bin",
    )
    parser.add_argument(
        "--store-only",
        action="store_true",
        help="with --database: the records' own cost, no engine, no gRPC (--clients threads)",
    )
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--clients", type=int, default=6, help="load processes (default 6)")
    parser.add_argument("--seconds", type=float, default=10.0, help="per round (default 10)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    parser.add_argument(
        "--group-commit",
        nargs="+",
        choices=["pipeline", "batch", "off"],
        default=["pipeline"],
        help="TCO_RECORDS_GROUP_COMMIT settings of the server to measure, alternating (default "
        "pipeline, the server's default; 'pipeline batch off' for the A/B)",
    )
    args = parser.parse_args(argv)
    print(machine_line())
    if args.database and args.store_only:
        rows = store_rate(
            args.database, args.clients, args.seconds, rounds=args.rounds, batch=args.group_commit
        )
        print(f"load average {os.getloadavg()[0]:.1f} at the end")
        print_table(rows)
        return 0
    if args.database:
        print_table(
            throughput(
                args.database, args.processes, args.clients, args.seconds,
                rounds=args.rounds, batch=args.group_commit,
            )
        )  # fmt: skip
        return 0
    print_table(collect(args.smoke, args.calls, args.procurements))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
