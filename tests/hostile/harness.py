"""A healthy client and an attacker against one real server, with the server's own timings.

:class:`HealthyClient` sends the sample tender in a loop on its own channel (a thread) and records
every latency with the phase it fell in; :func:`attack` sends pre-serialized hostile requests one
after the other on another channel and decodes each answer. The server's time per call comes
from its own log line (``duration_ms``, :mod:`tco_server.logs`): the handler's time, from the
request message in hand to the status sent; for a request refused by the size guard or not
decodable (:mod:`tco_server.decoding`), from the moment its bytes were in hand, decoding included.
Transfer, and grpc's own work before the deserializer, are not in it;
``python -m bench.attack`` measures their effect on a healthy client instead.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import grpc

from tests.conftest import ServerProcess, wait_until
from tests.hostile.corpus import Hostile
from tests.server.conftest import Failure, decode

METHOD = "/tcoapi.v1.LifeCycleCostService/EvaluateBids"
#: Where the measured figures go (also printed; see with ``pytest -s``).
REPORT = Path("/tmp/tco-hardening-report.txt")
#: The client side may send more than the server accepts (the 17 MiB case).
CLIENT_OPTIONS = [
    ("grpc.max_send_message_length", 64 * 1024 * 1024),
    ("grpc.max_receive_message_length", 64 * 1024 * 1024),
]


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0..1) by nearest rank; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))
    return ordered[rank]


def summary(values_ms: Sequence[float]) -> str:
    if not values_ms:
        return "n=0"
    return (
        f"n={len(values_ms)} p50={statistics.median(values_ms):.1f} "
        f"p99={percentile(values_ms, 0.99):.1f} max={max(values_ms):.1f} ms"
    )


def report(title: str, lines: Sequence[str]) -> None:
    """Print the figures and append them to :data:`REPORT`."""
    text = "\n".join([f"== {title} ({time.strftime('%Y-%m-%d %H:%M:%S')})", *lines, ""])
    print("\n" + text)
    with REPORT.open("a", encoding="utf-8") as out:
        out.write(text + "\n")


class HealthyClient:
    """Sends ``request`` in a loop until stopped; latencies (ms) by phase, failures counted."""

    def __init__(self, target: str, request: bytes, timeout: float = 10.0) -> None:
        self._channel = grpc.insecure_channel(target, options=CLIENT_OPTIONS)
        self._call = self._channel.unary_unary(METHOD)
        self._request = request
        self._timeout = timeout
        self.phase = "warm-up"
        self.latencies: dict[str, list[float]] = {}
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="healthy-client", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            phase = self.phase
            start = time.perf_counter()
            try:
                self._call(self._request, timeout=self._timeout)
            except grpc.RpcError as error:
                self.failures.append(error.code().name)
                continue
            self.latencies.setdefault(phase, []).append((time.perf_counter() - start) * 1000.0)

    def __enter__(self) -> HealthyClient:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
        self._channel.close()

    def wait_for(self, phase: str, n: int, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.latencies.get(phase, ())) < n and time.monotonic() < deadline:
            time.sleep(0.01)


@dataclass
class Outcome:
    case: Hostile
    failure: Failure | None
    client_ms: float
    server_ms: float | None = None


def attack(target: str, cases: Sequence[tuple[Hostile, bytes]]) -> list[Outcome]:
    """Send each pre-serialized case once, in order; decode each answer."""
    outcomes: list[Outcome] = []
    with grpc.insecure_channel(target, options=CLIENT_OPTIONS) as channel:
        call = channel.unary_unary(METHOD)
        for case, data in cases:
            start = time.perf_counter()
            failure: Failure | None = None
            try:
                call(data, timeout=30)
            except grpc.RpcError as error:
                failure = decode(error)
            outcomes.append(Outcome(case, failure, (time.perf_counter() - start) * 1000.0))
    return outcomes


def attach_server_times(proc: ServerProcess, outcomes: list[Outcome]) -> None:
    """Give each outcome the server's ``duration_ms`` from its log line.

    The hostile calls are the only failing ones and are sent one at a time, so the server's
    non-OK lines are theirs, in order; a call the transport refused has no line.
    """
    expected = [o for o in outcomes if not o.case.transport]

    def failing_lines() -> list[dict[str, object]]:
        return [line for line in proc.events("rpc") if line.get("code") != "OK"]

    wait_until(lambda: len(failing_lines()) >= len(expected), proc.logs)
    failing = failing_lines()
    assert len(failing) == len(expected), (len(failing), len(expected))
    for outcome, line in zip(expected, failing, strict=True):
        assert line["code"] == outcome.case.code, (outcome.case.name, line)
        outcome.server_ms = float(line["duration_ms"])  # type: ignore[arg-type]
