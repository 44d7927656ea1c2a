"""Throughput: EvaluateBids of the typical tender per second, concurrent clients, 1 vs N processes.

The service runs as ``python -m tco_server --processes P`` on 127.0.0.1 (P = 1, then 2). Load
comes from C client processes (``multiprocessing`` spawn), each with its own channel and its own
TCP connection (``grpc.use_local_subchannel_pool``), calling EvaluateBids in a closed loop (the
next call as soon as the answer is in) for D seconds after a common start. With SO_REUSEPORT the
kernel balances connections, so the C connections spread over the P processes.

To leave the cores to the server, clients send the pre-serialized request and do not decode the
answer; they still share the machine's cores with the server (2 here), so the figures are what
one machine does as client and server at once, a floor for a dedicated server. Reported with
each rate: the p50 latency, and the CPU the server processes and the clients used per call
(``/proc/<pid>/stat`` over the measured seconds; 10 ms ticks).

``--evaluations E ...`` runs each server setting with ``--evaluations E`` (evaluations computing
at once per process, :mod:`tco_server.evaluation_queue`; default 1, the server's default):
``--evaluations 1 8`` compares taking turns with interleaving on the GIL.

    .venv/bin/python -m bench.throughput                      # C=4 clients, D=10 s, P=1 and 2
    .venv/bin/python -m bench.throughput --clients 6 --seconds 20 --processes 1 2
    .venv/bin/python -m bench.throughput --processes 1 --evaluations 1 8
    .venv/bin/python -m bench.throughput --smoke
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import time
from collections.abc import Sequence
from multiprocessing.connection import Connection

from bench._service import Service, argv_list, tco_server, typical_message
from bench.common import Row, machine_line, print_table

ORDER = 61
SERVICE = "tcoapi.v1.LifeCycleCostService"


def _client(target: str, payload: bytes, start_at: float, seconds: float, out: Connection) -> None:
    """One load client: own connection, closed loop from ``start_at`` for ``seconds``."""
    import grpc

    options = [
        ("grpc.use_local_subchannel_pool", 1),
        ("grpc.max_receive_message_length", 64 << 20),
    ]
    with grpc.insecure_channel(target, options=options) as channel:
        call = channel.unary_unary(f"/{SERVICE}/EvaluateBids")
        for _ in range(2):  # connect and warm up before the common start
            call(payload, timeout=60)
        while time.time() < start_at:
            time.sleep(0.001)
        cpu = time.process_time()
        end = time.perf_counter() + seconds
        latencies: list[float] = []
        errors = 0
        while (now := time.perf_counter()) < end:
            try:
                call(payload, timeout=60)
                latencies.append(time.perf_counter() - now)
            except grpc.RpcError:
                errors += 1
        cpu = time.process_time() - cpu
    out.send((len(latencies), errors, latencies, cpu))
    out.close()


def load(
    target: str, payload: bytes, clients: int, seconds: float, server: Service | None = None
) -> dict[str, float]:
    """Run ``clients`` load processes against ``target``; calls/s, latency p50, errors, and CPU
    seconds per call of the clients and (given ``server``) of the server's processes."""
    context = multiprocessing.get_context("spawn")
    start_at = time.time() + 3.0 + 0.3 * clients  # time for the clients to start and connect
    pipes = []
    processes = []
    for _ in range(clients):
        receive, send = context.Pipe(duplex=False)
        process = context.Process(target=_client, args=(target, payload, start_at, seconds, send))
        process.start()
        send.close()
        pipes.append(receive)
        processes.append(process)
    server_cpu = 0.0
    if server is not None:
        while time.time() < start_at:
            time.sleep(0.001)
        before = server.cpu_seconds()
        time.sleep(seconds)
        server_cpu = server.cpu_seconds() - before
    results = [pipe.recv() for pipe in pipes]
    for process in processes:
        process.join(timeout=60)
    calls = sum(r[0] for r in results)
    latencies = [x for r in results for x in r[2]]
    return {
        "calls": float(calls),
        "per_second": calls / seconds,
        "p50": statistics.median(latencies) if latencies else float("nan"),
        "errors": float(sum(r[1] for r in results)),
        "server_cpu_per_call": server_cpu / calls if calls else float("nan"),
        "client_cpu_per_call": sum(r[3] for r in results) / calls if calls else float("nan"),
    }


Setting = tuple[int, int]  # (--processes, --evaluations)


def run(
    processes: Sequence[int], clients: int, seconds: float, evaluations: Sequence[int] = (1,)
) -> dict[Setting, dict[str, float]]:
    payload = typical_message().SerializeToString()
    out: dict[Setting, dict[str, float]] = {}
    for p in processes:
        for e in evaluations:
            with tco_server("--processes", str(p), "--evaluations", str(e)) as service:
                out[(p, e)] = load(service.target, payload, clients, seconds, service)
    return out


def rows(figures: dict[Setting, dict[str, float]], clients: int, seconds: float) -> list[Row]:
    several = len({e for _, e in figures}) > 1
    out = [
        Row(
            "throughput",
            f"--processes {p}{f' --evaluations {e}' if several else ''}, {clients} clients",
            f"{f['per_second']:.0f}/s",
            f"p50 {f['p50'] * 1e3:.1f} ms, {f['calls']:.0f} calls in {seconds:g} s, CPU per call "
            f"server {f['server_cpu_per_call'] * 1e3:.2f} ms + clients "
            f"{f['client_cpu_per_call'] * 1e3:.2f} ms"
            + (f", {f['errors']:.0f} errors" if f["errors"] else ""),
        )
        for (p, e), f in figures.items()
    ]
    for (p, e), f in figures.items():
        base = figures.get((1, e))
        if p != 1 and base is not None and base["per_second"] > 0:
            label = f"--processes {p} / 1" + (f" (--evaluations {e})" if several else "")
            out.append(Row("throughput", label, f"{f['per_second'] / base['per_second']:.2f}x"))
    return out


def collect(smoke: bool) -> list[Row]:
    clients, seconds = (2, 1.0) if smoke else (4, 10.0)
    return rows(run([1, 2], clients, seconds), clients, seconds)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.throughput", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--smoke", action="store_true", help="2 clients, 1 s, no targets checked")
    parser.add_argument("--clients", type=int, default=4, help="load processes (default 4)")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds (default 10)")
    parser.add_argument(
        "--processes", type=int, nargs="+", default=[1, 2], help="server --processes values"
    )
    parser.add_argument(
        "--evaluations", type=int, nargs="+", default=[1], help="server --evaluations values"
    )
    args = parser.parse_args(argv_list(argv))
    clients, seconds = (2, 1.0) if args.smoke else (args.clients, min(args.seconds, 120.0))
    started = time.strftime("%Y-%m-%d %H:%M")
    figures = run(args.processes, clients, seconds, args.evaluations)
    print(f"# bench.throughput, {started}, {machine_line()}, typical tender, {clients} clients")
    print_table(rows(figures, clients, seconds))
    return 0 if all(f["errors"] == 0 for f in figures.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
