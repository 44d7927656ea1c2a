"""Load, slow-client phase (``make load``): what a few slow clients cost a healthy one.

Against ``tco-server`` with its defaults, on loopback: a healthy client on its own channel checks
health (2 s deadline) and evaluates the sample tender (5 s) one after the other, first alone, then
while 16 calls that sent their headers and never their message (8 to health, 8 to EvaluateBids)
and 8 EvaluateTenders streams whose client never reads (each stalled once its HTTP/2 window was
full) are held. Every healthy call must succeed, and during the attack the health check's p99 must
stay under 100 ms and EvaluateBids' under 250 ms (issue #15). The figures go to stdout and
``/tmp/tco-hardening-report.txt``; docs/security.md ("Slow clients") quotes them.

    .venv/bin/python -m pytest -m load -p no:randomly -s tests/load/test_slow_clients_load.py
"""

from __future__ import annotations

import time

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tcoapi.v1 import service_pb2_grpc, tender_pb2
from tests.conftest import ServerProcess
from tests.hostile.harness import percentile, report, summary
from tests.hostile.slow_clients import EVALUATE_BIDS, HEALTH_CHECK, StalledCalls, UnreadStreams
from tests.server.conftest import load_sample_request

#: Healthy rounds (one health check and one evaluation each) alone and under attack.
ROUNDS_ALONE = 100
ROUNDS_ATTACK = 300
HEALTH_P99_MS = 100.0
EVALUATE_P99_MS = 250.0


def _rounds(
    target: str, request: tender_pb2.EvaluateBidsRequest, rounds: int
) -> tuple[list[float], list[float]]:
    """``rounds`` health checks and evaluations on a fresh channel: their latencies, ms."""
    health_ms: list[float] = []
    evaluate_ms: list[float] = []
    service = health_pb2.HealthCheckRequest(service="tcoapi.v1.LifeCycleCostService")
    with grpc.insecure_channel(target) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        stub = service_pb2_grpc.LifeCycleCostServiceStub(channel)
        stub.EvaluateBids(request, timeout=5.0)  # connected and warm
        for _ in range(rounds):
            start = time.perf_counter()
            status = health.Check(service, timeout=2.0).status
            health_ms.append((time.perf_counter() - start) * 1000.0)
            assert status == health_pb2.HealthCheckResponse.SERVING
            start = time.perf_counter()
            response = stub.EvaluateBids(request, timeout=5.0)
            evaluate_ms.append((time.perf_counter() - start) * 1000.0)
            assert len(response.results) == len(request.bids)
    return health_ms, evaluate_ms


@pytest.mark.load
def test_a_healthy_client_is_served_on_time_while_24_slow_clients_hold_on() -> None:
    request = load_sample_request()
    proc = ServerProcess()
    try:
        alone = _rounds(proc.target, request, ROUNDS_ALONE)
        with (
            StalledCalls(proc.target, [HEALTH_CHECK, EVALUATE_BIDS], 16, 300.0) as stalled,
            UnreadStreams(proc.target, request, 8, 200, 300.0) as streams,
        ):
            time.sleep(3.0)  # the streams fill their windows; the stalled calls are all in
            attacked = _rounds(proc.target, request, ROUNDS_ATTACK)
            held = stalled.started(), sum(1 for c in streams.calls if not c.done())
    finally:
        code = proc.stop()
    assert code == 0, proc.logs()
    report(
        "slow clients: 16 headers-only calls + 8 unread EvaluateTenders streams, server defaults",
        [
            f"alone      health {summary(alone[0])}",
            f"alone      EvaluateBids {summary(alone[1])}",
            f"attack     health {summary(attacked[0])}",
            f"attack     EvaluateBids {summary(attacked[1])}",
            f"held to the end: {held[0]} stalled calls, {held[1]} unread streams",
        ],
    )
    assert held == (16, 8)
    assert percentile(attacked[0], 0.99) < HEALTH_P99_MS
    assert percentile(attacked[1], 0.99) < EVALUATE_P99_MS
