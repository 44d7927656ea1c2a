"""Throughput: EvaluateBids of the typical tender per second, concurrent clients, 1 vs N processes.

The service runs as ``python -m tco_server --processes P`` on 127.0.0.1 (P = 1, then 2). Load
comes from C client processes (``multiprocessing`` spawn), each with its own channel and its own
TCP connection (``grpc.use_local_subchannel_pool``), calling EvaluateBids in a closed loop (the
next call as soon as the answer is in) for D seconds after a common start. With SO_REUSEPORT the
kernel balances connections, so the C connections spread over the P processes.

To leave the cores to the server, clients send the pre-serialized request and do not decode the
answer; they still share the machine's cores with the server (2 here), so the figures are what
one machine does as client and server at once, a floor for a dedicated server.

    .venv/bin/python -m bench.throughput                      # C=4 clients, D=10 s, P=1 and 2
    .venv/bin/python -m bench.throughput --clients 6 --seconds 20 --processes 1 2
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

from bench._service import argv_list, tco_server, typical_message
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
        end = time.perf_counter() + seconds
        latencies: list[float] = []
        errors = 0
        while (now := time.perf_counter()) < end:
            try:
                call(payload, timeout=60)
                latencies.append(time.perf_counter() - now)
            except grpc.RpcError:
                errors += 1
    out.send((len(latencies), errors, latencies))
    out.close()


def load(target: str, payload: bytes, clients: int, seconds: float) -> dict[str, float]:
    """Run ``clients`` load processes against ``target``; calls/s, latency p50, errors."""
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
    }


def run(processes: Sequence[int], clients: int, seconds: float) -> dict[int, dict[str, float]]:
    payload = typical_message().SerializeToString()
    out: dict[int, dict[str, float]] = {}
    for p in processes:
        with tco_server("--processes", str(p)) as service:
            out[p] = load(service.target, payload, clients, seconds)
    return out


def rows(figures: dict[int, dict[str, float]], clients: int, seconds: float) -> list[Row]:
    out = [
        Row(
            "throughput",
            f"--processes {p}, {clients} clients",
            f"{f['per_second']:.0f}/s",
            f"p50 {f['p50'] * 1e3:.1f} ms, {f['calls']:.0f} calls in {seconds:g} s"
            + (f", {f['errors']:.0f} errors" if f["errors"] else ""),
        )
        for p, f in figures.items()
    ]
    if 1 in figures and len(figures) > 1:
        base = figures[1]["per_second"]
        for p, f in figures.items():
            if p != 1 and base > 0:
                out.append(
                    Row("throughput", f"--processes {p} / 1", f"{f['per_second'] / base:.2f}x")
                )
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
    args = parser.parse_args(argv_list(argv))
    clients, seconds = (2, 1.0) if args.smoke else (args.clients, min(args.seconds, 120.0))
    started = time.strftime("%Y-%m-%d %H:%M")
    figures = run(args.processes, clients, seconds)
    print(f"# bench.throughput, {started}, {machine_line()}, typical tender, {clients} clients")
    print_table(rows(figures, clients, seconds))
    return 0 if all(f["errors"] == 0 for f in figures.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
