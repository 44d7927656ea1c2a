"""Load: many concurrent clients against one server on loopback, bounded in time.

- Valid requests get only OK, RESOURCE_EXHAUSTED (over ``--max-concurrent-rpcs``) or
  DEADLINE_EXCEEDED (the client's 5 s deadline); the requests made invalid on purpose get
  INVALID_ARGUMENT (or those same load codes); nothing else, no INTERNAL in the server's log.
- Memory is flat: the server's RSS is sampled from ``/proc/PID/status``; the largest value of the
  last third of the run must be within :data:`MARGIN_MIB` (or 10 %) of the first third's. The
  requests carry new digests, 64 spellings of a unit and a never-seen unit string in one of
  eight, so a cache without a bound (pint's parse cache, an lru_cache without maxsize) would show.
- The server is still healthy and serving afterwards and exits 0 on SIGTERM.

``make load`` runs the full test (64 clients x 60 s); the default suite runs a short one
(16 clients x 5 s). Figures go to stdout and ``/tmp/tco-hardening-report.txt``.
"""

from __future__ import annotations

import pytest
from grpc_health.v1 import health_pb2

from tests.conftest import ServerProcess
from tests.hostile.harness import report
from tests.load.loadgen import LOAD_CODES, Load, RssSampler

#: Allowed growth of the server's RSS from the first third of the run to the last.
MARGIN_MIB = 16.0


def _health(target: str) -> int:
    import grpc
    from grpc_health.v1 import health_pb2_grpc

    with grpc.insecure_channel(target) as channel:
        response = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service="tcoapi.v1.LifeCycleCostService"), timeout=10
        )
    return int(response.status)


def _run(clients: int, seconds: float, interval: float) -> tuple[Load, RssSampler, list[str]]:
    proc = ServerProcess()
    try:
        with RssSampler(proc.proc.pid, interval) as rss:
            load = Load(proc.target, clients, seconds).start()
            tally = load.join()
        assert _health(proc.target) == health_pb2.HealthCheckResponse.SERVING
    finally:
        code = proc.stop()
    assert code == 0, proc.logs()
    internal = [ln for ln in proc.stderr_lines if '"code":"INTERNAL"' in ln]
    report(
        f"load: {clients} clients x {seconds:g} s",
        [load.summary(), rss.summary(), f"INTERNAL lines in the server log: {len(internal)}"],
    )
    assert set(tally.valid) <= LOAD_CODES, tally.valid
    assert set(tally.invalid) <= LOAD_CODES | {"INVALID_ARGUMENT"}, tally.invalid
    assert tally.valid["OK"] > 0
    return load, rss, internal


@pytest.mark.slow
def test_short_load_gets_only_load_codes() -> None:
    _, rss, internal = _run(clients=16, seconds=5.0, interval=0.25)
    assert not internal
    first, _, last = rss.thirds()
    assert last <= max(first * 1.25, first + 64.0), rss.summary()  # 5 s: a loose bound


@pytest.mark.load
def test_64_clients_for_60_seconds_memory_flat() -> None:
    load, rss, internal = _run(clients=64, seconds=60.0, interval=2.0)
    assert not internal
    first, _, last = rss.thirds()
    assert last <= max(first + MARGIN_MIB, first * 1.10), rss.summary()
    # 64 clients > 32 concurrent RPCs: the limit was exercised, and most calls still got answers
    assert load.tally.valid["OK"] > load.tally.valid["RESOURCE_EXHAUSTED"] / 10
