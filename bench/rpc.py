"""RPC floor: a gRPC bytes echo against EvaluateBids of the typical tender, in the same run.

What it measures (all on 127.0.0.1, one client channel per server, calls one after another):

- **echo**: a gRPC server (this module with ``--echo-server``: the same ``grpc.server`` set-up as
  the service, 8 handler threads) whose one method returns its request bytes; the request is the
  serialized typical tender, so both calls carry the same request payload. This is the floor: what
  any gRPC call of that size costs here.
- **EvaluateBids**: the service (``python -m tco_server``) evaluating the typical tender: 5 bids
  x 10 items x 20 years, climate cost and circularity on (:func:`bench.common.typical_request`).
- **in-process**: the same tender through the server's own steps without gRPC (proto -> domain,
  engine, domain -> proto, deterministic serialization), in this process: the compute part, so
  ``EvaluateBids - in-process`` is what the transport and the handler add.

Echo calls, EvaluateBids calls and in-process runs alternate in blocks of 10 (5) so all see the
same machine load; p50, p99 and the ratio of the p50s are reported (target: EvaluateBids p50
<= 3 x echo p50).

    .venv/bin/python -m bench.rpc            # 400 calls each
    .venv/bin/python -m bench.rpc --smoke    # a few calls, no targets checked
    .venv/bin/python -m bench.rpc --steps    # where the server's time goes, step by step
"""

from __future__ import annotations

import argparse
import dataclasses
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from bench._service import Service, argv_list, fmt_ms, tco_server, typical_message
from bench.common import Row, machine_line, measure, median, p99, print_table

ORDER = 60
ECHO_METHOD = "/bench.Echo/Echo"
SERVICE = "tcoapi.v1.LifeCycleCostService"


def echo_server_main(port: int = 0) -> int:
    """``--echo-server``: serve the bytes echo on 127.0.0.1 (``--port``, 0 = free) until SIGTERM."""
    import grpc

    def echo(request: bytes, context: object) -> bytes:
        return request

    server = grpc.server(
        ThreadPoolExecutor(max_workers=8),
        options=[("grpc.max_receive_message_length", 16 << 20), ("grpc.so_reuseport", 0)],
    )
    handler = grpc.method_handlers_generic_handler(
        "bench.Echo", {"Echo": grpc.unary_unary_rpc_method_handler(echo)}
    )
    server.add_generic_rpc_handlers((handler,))
    port = server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(f"echo listening on 127.0.0.1:{port}", flush=True)
    stop.wait()
    server.stop(1).wait()
    return 0


def _in_process(request: object) -> Callable[[], bytes]:
    from tco_server import convert_in, convert_out
    from tco_server.deadlines import run_engine

    def once() -> bytes:
        tender = convert_in.to_tender(request)  # type: ignore[arg-type]
        evaluation = run_engine(tender, validate_only=False, checkpoint=lambda _: None)
        return convert_out.to_response(evaluation).SerializeToString(deterministic=True)

    return once


def step_functions() -> dict[str, Callable[[], object]]:
    """The server's steps for the typical tender, each a function of no arguments whose inputs
    were built before (the step before's output), and ``whole handler``: all of them in a row.

    ``size guard + parse`` is the deserializer the server registers for EvaluateBids
    (:func:`tco_server.decoding.guarded` with the default limits), so its figure is what the server
    pays before the handler runs.
    """
    from tco import digest, validate
    from tco.evaluate import evaluate_prepared
    from tco_server import convert_in, convert_out, decoding, limits
    from tcoapi.v1 import tender_pb2

    request = typical_message()
    raw = request.SerializeToString()
    default = limits.Limits()
    deserialize = decoding.guarded(
        tender_pb2.EvaluateBidsRequest,
        decoding.request_refusal(limits.SIZE_RULES, default),
        decoding.caps(tender_pb2.EvaluateBidsRequest.DESCRIPTOR, limits.SIZE_RULES, default),
    )
    tender = convert_in.to_tender(request)
    prepared = validate.prepare(tender)
    evaluation = evaluate_prepared(prepared, method_digest="", request_digest="")
    response = convert_out.to_response(evaluation)

    def whole() -> bytes:
        parsed = deserialize(raw)
        assert isinstance(parsed, tender_pb2.EvaluateBidsRequest)
        limits.check_request(parsed, default)
        converted = convert_in.to_tender(parsed)
        ready = validate.prepare(converted)
        method_digest, request_digest = digest.digests(converted)
        evaluation_digest = digest.evaluation_digest(ready)
        evaluated = evaluate_prepared(
            ready, method_digest=method_digest, request_digest=request_digest
        )
        evaluated = dataclasses.replace(
            evaluated, evaluation_digest=evaluation_digest, data_version=digest.DATA_VERSION
        )
        return convert_out.to_response(evaluated).SerializeToString(deterministic=True)

    return {
        "size guard + parse": lambda: deserialize(raw),
        "limits.check_request": lambda: limits.check_request(request, default),
        "convert_in.to_tender": lambda: convert_in.to_tender(request),
        "engine: validate.prepare": lambda: validate.prepare(tender),
        "engine: digests": lambda: digest.digests(tender),
        "engine: evaluation digest": lambda: digest.evaluation_digest(prepared),
        "engine: evaluate_prepared": lambda: evaluate_prepared(
            prepared, method_digest="", request_digest=""
        ),
        "convert_out.to_response": lambda: convert_out.to_response(evaluation),
        "serialize response": lambda: response.SerializeToString(deterministic=True),
        "whole handler": whole,
    }


def steps(repeat: int = 30) -> list[Row]:
    """Where the typical tender's server time goes, step by step, in this process."""
    return [
        Row("rpc", f"step: {name}", fmt_ms(median(measure(fn, repeat=repeat, warmup=2))))
        for name, fn in step_functions().items()
    ]


def run(calls: int, block: int = 10) -> dict[str, object]:
    """Measure; the figures as a dict (seconds)."""
    import grpc

    from tcoapi.v1 import tender_pb2

    request = typical_message()
    payload = request.SerializeToString()
    with (
        Service("bench.rpc", "--echo-server") as echo_server,
        tco_server() as service,
        grpc.insecure_channel(echo_server.target) as echo_channel,
        grpc.insecure_channel(
            service.target, options=[("grpc.max_receive_message_length", 64 << 20)]
        ) as service_channel,
    ):
        echo = echo_channel.unary_unary(ECHO_METHOD)
        evaluate = service_channel.unary_unary(
            f"/{SERVICE}/EvaluateBids",
            request_serializer=tender_pb2.EvaluateBidsRequest.SerializeToString,
        )
        response_bytes = len(evaluate(request, timeout=60))
        warm = max(3, min(20, calls // 10))
        for _ in range(warm):
            echo(payload, timeout=60)
            evaluate(request, timeout=60)
        in_process = _in_process(request)
        in_process()
        echo_times: list[float] = []
        evaluate_times: list[float] = []
        compute: list[float] = []
        while len(echo_times) < calls:
            n = min(block, calls - len(echo_times))
            echo_times += measure(lambda: echo(payload, timeout=60), repeat=n, warmup=0)
            evaluate_times += measure(lambda: evaluate(request, timeout=60), repeat=n, warmup=0)
            compute += measure(in_process, repeat=max(1, n // 2), warmup=0)
    return {
        "request_bytes": len(payload),
        "response_bytes": response_bytes,
        "echo_p50": median(echo_times),
        "echo_p99": p99(echo_times),
        "evaluate_p50": median(evaluate_times),
        "evaluate_p99": p99(evaluate_times),
        "compute_p50": median(compute),
        "ratio": median(evaluate_times) / median(echo_times),
        "calls": calls,
    }


def rows(figures: dict[str, object]) -> list[Row]:
    f = {k: float(v) for k, v in figures.items() if isinstance(v, int | float)}
    size = f"request {int(f['request_bytes'])} B"
    return [
        Row("rpc", "echo p50 / p99", f"{fmt_ms(f['echo_p50'])} / {fmt_ms(f['echo_p99'])}", size),
        Row(
            "rpc",
            "EvaluateBids p50 / p99",
            f"{fmt_ms(f['evaluate_p50'])} / {fmt_ms(f['evaluate_p99'])}",
            f"typical tender, response {int(f['response_bytes'])} B",
        ),
        Row("rpc", "in-process compute p50", fmt_ms(f["compute_p50"]), "no gRPC"),
        Row(
            "rpc",
            "EvaluateBids p50 - compute p50",
            fmt_ms(f["evaluate_p50"] - f["compute_p50"]),
            "what transport + handler add",
        ),
        Row(
            "rpc",
            "p50 ratio EvaluateBids / echo",
            f"{f['ratio']:.1f}x",
            "bound <= 13x (no regression)",
        ),
    ]


def collect(smoke: bool) -> list[Row]:
    return rows(run(5 if smoke else 400))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.rpc", description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="a few calls, no targets checked")
    parser.add_argument("--calls", type=int, default=400, help="calls per server (default 400)")
    parser.add_argument(
        "--steps", action="store_true", help="only time the server's steps, in this process"
    )
    parser.add_argument("--echo-server", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--host", default="127.0.0.1", help=argparse.SUPPRESS)  # loopback only
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv_list(argv))
    if args.echo_server:
        return echo_server_main(args.port)
    if args.steps:
        print(f"# bench.rpc --steps, {time.strftime('%Y-%m-%d %H:%M')}, {machine_line()}")
        print_table(steps(3 if args.smoke else 30))
        return 0
    calls = 5 if args.smoke else args.calls
    started = time.strftime("%Y-%m-%d %H:%M")
    figures = run(calls)
    print(f"# bench.rpc, {started}, {machine_line()}, {calls} calls each")
    print_table(rows(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
