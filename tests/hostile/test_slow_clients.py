"""Finding 3 of issue #15: a few slow clients must not freeze the server (loopback, bounded).

Against ``tco-server`` with its defaults: 16 calls that send their headers and never their message
(8 to the open health service, 8 to EvaluateBids) and then 8 EvaluateTenders streams whose client
never reads are held while a healthy client, on its own channel, checks health with a 2 s deadline
and evaluates the sample tender with a 10 s deadline: both must succeed. The old server (the sync
gRPC server, 8 handler threads that each waited for a request's bytes) answered neither: every
health check and evaluation of other callers ran into its deadline for as long as the attack held.

The latency the healthy client sees during such an attack is measured by ``make load``
(``tests/load/test_load.py``, the slow-client phase) and written in docs/security.md.
"""

from __future__ import annotations

import time

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tcoapi.v1 import service_pb2_grpc, tender_pb2
from tests.conftest import ServerProcess
from tests.hostile.slow_clients import (
    EVALUATE_BIDS,
    HEALTH_CHECK,
    StalledCalls,
    UnreadStreams,
)
from tests.server.conftest import load_sample_request

#: How long the attackers' calls may be held at most (their deadline): the test's upper bound.
HOLD_SECONDS = 30.0
#: A pause for the attackers' calls to reach the server before the healthy client starts.
SETTLE_SECONDS = 2.0


def _healthy_calls(target: str, request: tender_pb2.EvaluateBidsRequest) -> tuple[int, int]:
    """A health check (2 s deadline) and an evaluation (10 s) on a fresh channel: their results."""
    with grpc.insecure_channel(target) as channel:
        health = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service="tcoapi.v1.LifeCycleCostService"), timeout=2.0
        )
        response = service_pb2_grpc.LifeCycleCostServiceStub(channel).EvaluateBids(
            request, timeout=10.0
        )
    return int(health.status), len(response.results)


def test_health_and_evaluations_are_served_while_16_calls_never_send_their_message() -> None:
    request = load_sample_request()
    proc = ServerProcess()
    try:
        with StalledCalls(proc.target, [HEALTH_CHECK, EVALUATE_BIDS], 16, HOLD_SECONDS) as stalled:
            time.sleep(SETTLE_SECONDS)  # the 16 calls reach the server (no assertion on time)
            status, ranked = _healthy_calls(proc.target, request)
            assert status == health_pb2.HealthCheckResponse.SERVING
            assert ranked == len(request.bids)
            assert stalled.started() == 16  # still held while the healthy client was served
    finally:
        code = proc.stop()
    assert code == 0, proc.logs()


def test_health_and_evaluations_are_served_while_8_streams_are_never_read() -> None:
    request = load_sample_request()
    proc = ServerProcess()
    try:
        with UnreadStreams(proc.target, request, 8, 200, HOLD_SECONDS) as streams:
            # the server evaluates tenders until each stream's window is full
            time.sleep(SETTLE_SECONDS)
            for _ in range(3):
                status, ranked = _healthy_calls(proc.target, request)
                assert status == health_pb2.HealthCheckResponse.SERVING
                assert ranked == len(request.bids)
            assert all(not c.done() for c in streams.calls)
    finally:
        code = proc.stop()
    assert code == 0, proc.logs()
