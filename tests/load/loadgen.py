"""A bounded load generator for a server on loopback, and an RSS sampler of its process.

:class:`Load` runs ``clients`` threads, each with its own channel, each sending requests in a loop
until ``seconds`` have passed (or :meth:`Load.stop`); every call has a deadline, so the run ends
in bounded time whatever the server does. The requests vary so that caches keyed by content
would grow if they were unbounded: most are the sample tender with a random price (new request
digests every time) and a unit string spelled one of 64 ways (``SEK / kWh``, ``SEK/kWh ``...);
one in eight carries a unit string never seen before (an unknown name: INVALID_ARGUMENT, and a
new key for any cache that keeps failures).

:class:`RssSampler` reads ``VmRSS`` of a process from ``/proc/PID/status`` every ``interval``.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import grpc

from tcoapi.v1 import tender_pb2
from tests.hostile.harness import CLIENT_OPTIONS, METHOD, percentile
from tests.server.conftest import load_sample_request

#: Codes a valid request may get under load.
LOAD_CODES = {"OK", "RESOURCE_EXHAUSTED", "DEADLINE_EXCEEDED"}


def _spellings() -> list[str]:
    spaces = ["", " ", "  ", "   "]
    out = []
    for before, after, tail in itertools.product(spaces, spaces, spaces):
        out.append(f"SEK{before}/{after}kWh{tail}")
    return out


SPELLINGS = _spellings()


@dataclass
class Tally:
    """What the clients saw (shared by the threads; guarded by ``lock``)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    valid: Counter[str] = field(default_factory=Counter)
    invalid: Counter[str] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def calls(self) -> int:
        return sum(self.valid.values()) + sum(self.invalid.values())


class Load:
    """``clients`` threads calling EvaluateBids on ``target`` for ``seconds`` (bounded)."""

    def __init__(
        self,
        target: str,
        clients: int,
        seconds: float,
        *,
        timeout: float = 5.0,
        metadata: tuple[tuple[str, str], ...] = (),
        invalid_every: int = 8,
    ) -> None:
        self.target = target
        self.clients = clients
        self.seconds = seconds
        self.timeout = timeout
        self.metadata = metadata
        self.invalid_every = invalid_every
        self.tally = Tally()
        self._stop = threading.Event()
        self._sample = load_sample_request()
        self._threads = [
            threading.Thread(target=self._client, args=(i,), name=f"load-{i}", daemon=True)
            for i in range(clients)
        ]
        self._unique = itertools.count()

    def _request(self, rng: random.Random) -> tuple[bytes, bool]:
        request = tender_pb2.EvaluateBidsRequest()
        request.CopyFrom(self._sample)
        request.bids[0].items[0].unit_price.value = rng.uniform(100_000.0, 300_000.0)
        request.method.resource_prices[0].price.unit = rng.choice(SPELLINGS)
        invalid = self.invalid_every > 0 and rng.randrange(self.invalid_every) == 0
        if invalid:
            request.bids[1].items[0].resource_use[0].amount.unit = f"u{next(self._unique)}/year"
        return request.SerializeToString(), invalid

    def _client(self, index: int) -> None:
        rng = random.Random(index)
        end = time.monotonic() + self.seconds
        with grpc.insecure_channel(self.target, options=CLIENT_OPTIONS) as channel:
            call = channel.unary_unary(METHOD)
            while not self._stop.is_set() and time.monotonic() < end:
                data, invalid = self._request(rng)
                start = time.perf_counter()
                try:
                    call(data, timeout=self.timeout, metadata=self.metadata)
                    code = "OK"
                except grpc.RpcError as error:
                    code = error.code().name
                    if code not in ("RESOURCE_EXHAUSTED", "UNAVAILABLE", "INVALID_ARGUMENT"):
                        with self.tally.lock:
                            self.tally.errors.append(f"{code}: {error.details()}")
                elapsed = (time.perf_counter() - start) * 1000.0
                with self.tally.lock:
                    (self.tally.invalid if invalid else self.tally.valid)[code] += 1
                    if code == "OK":
                        self.tally.latencies_ms.append(elapsed)
                if code in ("RESOURCE_EXHAUSTED", "UNAVAILABLE"):
                    time.sleep(0.005)  # a real client backs off; keeps the loop from spinning

    def start(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def join(self) -> Tally:
        for thread in self._threads:
            thread.join(timeout=self.seconds + self.timeout + 30)
            assert not thread.is_alive(), f"{thread.name} still running"
        return self.tally

    def summary(self) -> str:
        t = self.tally
        lat = t.latencies_ms
        return (
            f"{self.clients} clients x {self.seconds:g} s: {t.calls} calls "
            f"({t.calls / self.seconds:.0f}/s); valid {dict(t.valid)}; invalid {dict(t.invalid)}; "
            f"OK latency p50 {percentile(lat, 0.5):.1f} p99 {percentile(lat, 0.99):.1f} "
            f"max {max(lat, default=0.0):.1f} ms"
        )


class RssSampler:
    """Samples ``VmRSS`` (MiB) of ``pid`` every ``interval`` seconds until stopped."""

    def __init__(self, pid: int, interval: float) -> None:
        self.pid = pid
        self.interval = interval
        self.samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss", daemon=True)

    def rss_mib(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
        raise RuntimeError("no VmRSS")

    def _run(self) -> None:
        start = time.monotonic()
        while not self._stop.is_set():
            try:
                self.samples.append((time.monotonic() - start, self.rss_mib()))
            except (OSError, RuntimeError):
                return
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def thirds(self) -> tuple[float, float, float]:
        """Max RSS of the first, middle and last third of the samples."""
        values = [rss for _, rss in self.samples]
        n = len(values)
        assert n >= 3, self.samples
        third = n // 3
        return max(values[:third]), max(values[third : n - third]), max(values[n - third :])

    def summary(self) -> str:
        first, middle, last = self.thirds()
        series = " ".join(f"{rss:.0f}" for _, rss in self.samples)
        return (
            f"server RSS MiB, max per third: {first:.1f} / {middle:.1f} / {last:.1f}; "
            f"samples every {self.interval:g} s: {series}"
        )
