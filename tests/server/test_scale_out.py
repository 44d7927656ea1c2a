"""Client-side scale-out over real servers: round_robin over several server processes, several
connections to one multi-process server, and ``evaluate_many`` over the EvaluateTenders stream."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator

import pytest

from tco_client import TcoClient, TcoInvalidTender
from tco_client.batch import balanced_target
from tco_client.client import as_request
from tco_server import multiproc
from tcoapi.v1 import batch_pb2, tender_pb2
from tests.conftest import SAMPLE_TENDER, ServerProcess, wait_until
from tests.server.conftest import TIMEOUT


def _served(proc: ServerProcess, method: str = "EvaluateBids") -> list[dict[str, object]]:
    """The server's "rpc" log lines of ``method`` (one per call)."""
    return [line for line in proc.events("rpc") if line.get("method") == method]


def _wait_for_lines(procs: list[ServerProcess], total: int, method: str = "EvaluateBids") -> None:
    wait_until(lambda: sum(len(_served(p, method)) for p in procs) >= total, procs)


@pytest.fixture(scope="module")
def two_servers() -> Iterator[list[ServerProcess]]:
    procs = [ServerProcess(), ServerProcess()]
    try:
        yield procs
    finally:
        codes = [p.stop() for p in procs]
        assert codes == [0, 0], [p.logs() for p in procs]


def test_balanced_target_names_every_address() -> None:
    assert balanced_target(["127.0.0.1:1", "127.0.0.1:2"]) == "ipv4:127.0.0.1:1,127.0.0.1:2"
    assert balanced_target(["[::1]:1", "[::1]:2"]) == "ipv6:[::1]:1,[::1]:2"
    assert balanced_target(["tco.internal:50051"]) == "dns:///tco.internal:50051"
    assert balanced_target(["dns:///tco:50051"]) == "dns:///tco:50051"
    with pytest.raises(ValueError, match="host name"):
        balanced_target(["a.example:1", "b.example:1"])
    with pytest.raises(ValueError, match="IPv4 and IPv6"):
        balanced_target(["127.0.0.1:1", "[::1]:2"])


def test_round_robin_spreads_calls_over_both_servers(two_servers: list[ServerProcess]) -> None:
    before = [len(_served(p)) for p in two_servers]
    calls = 20
    targets = ",".join(p.target for p in two_servers)  # the comma form of the target list
    with TcoClient(targets, balance=True, timeout=TIMEOUT) as client:
        assert client.targets == [f"ipv4:{targets}"]
        client.wait_until_ready()
        for _ in range(calls):
            assert len(client.evaluate(SAMPLE_TENDER).response.results) == 2
    _wait_for_lines(two_servers, sum(before) + calls)
    served = [len(_served(p)) - b for p, b in zip(two_servers, before, strict=True)]
    assert sum(served) == calls
    assert all(n > 0 for n in served), served  # both servers served calls
    assert max(served) - min(served) <= calls // 2, served  # and roughly evenly


def test_evaluate_many_spreads_streams_over_both_servers(two_servers: list[ServerProcess]) -> None:
    before = [len(_served(p, "EvaluateTenders")) for p in two_servers]
    sample = as_request(SAMPLE_TENDER)
    with TcoClient([p.target for p in two_servers], balance=True, timeout=TIMEOUT) as client:
        client.wait_until_ready()
        # ready means one connection is: call until both servers served one (round robin only
        # picks connected servers, and on a busy machine the second connects a moment later)
        served = [len(_served(p)) for p in two_servers]

        def both_connected() -> bool:
            client.evaluate(SAMPLE_TENDER)
            return all(len(_served(p)) > n for p, n in zip(two_servers, served, strict=True))

        wait_until(both_connected, "the client never reached both servers")
        bad = tender_pb2.EvaluateBidsRequest()
        bad.CopyFrom(sample)
        bad.method.currency = ""
        tenders = [(f"T{i}", bad if i == 3 else sample) for i in range(10)]
        outcomes = list(client.evaluate_many(tenders, detail="summary", streams=2))
    assert [o.tender_id for o in outcomes] == [f"T{i}" for i in range(10)]
    assert [o.index for o in outcomes] == list(range(10))
    assert [o.ok for o in outcomes] == [i != 3 for i in range(10)]
    assert isinstance(outcomes[3].error, TcoInvalidTender)
    assert "method.currency" in [v.field for v in outcomes[3].error.violations]
    assert all(
        o.response is not None and not o.response.results[0].cash_flow for o in outcomes if o.ok
    )
    _wait_for_lines(two_servers, sum(before) + 2, "EvaluateTenders")
    streams = [
        len(_served(p, "EvaluateTenders")) - b for p, b in zip(two_servers, before, strict=True)
    ]
    assert streams == [1, 1]  # one stream on each server


@pytest.mark.slow
def test_several_connections_reach_every_process_of_a_multi_process_server() -> None:
    proc = ServerProcess("--processes", "2")
    try:
        with TcoClient(proc.target, connections=8, timeout=TIMEOUT) as client:
            for _ in range(24):
                client.evaluate(SAMPLE_TENDER)
            columns = batch_pb2.BidColumns(rows=3)
            columns.method.CopyFrom(as_request(SAMPLE_TENDER).method)
            columns.method.baseline_bid_id = ""
            columns.unit_price.unit = "SEK"
            columns.unit_price.values.extend([100.0, 200.0, 300.0])
            columns.service_life.unit = "years"  # required with a purchase cost (issue #14)
            columns.service_life.values.extend([10.0, 10.0, 10.0])
            outcomes = list(client.evaluate_many([columns] * 6, detail="columns", streams=3))
        assert [list(o.columns.rank) for o in outcomes if o.columns] == [[1, 2, 3]] * 6
        _wait_for_lines([proc], 24)
        workers = {line.get("worker") for line in _served(proc)}
        assert workers == {0, 1}, proc.logs()  # the kernel gave connections to both processes
    finally:
        assert proc.stop() == 0, proc.logs()


# -- the supervisor backs off instead of giving up ---------------------------------------------


def test_restart_delays_double_up_to_the_cap() -> None:
    delays = [multiproc.backoff_seconds(n) for n in range(1, 12)]
    assert delays[:5] == [0.0, 0.5, 1.0, 2.0, 4.0]
    assert delays[-1] == multiproc.BACKOFF_CAP_SECONDS
    assert delays == sorted(delays)


@pytest.mark.slow
def test_a_worker_that_keeps_dying_is_restarted_with_backoff_and_the_port_stays_served() -> None:
    """Six deaths in a row made the old supervisor exit (more than 5 restarts in 60 s) and the
    port went dead (issue #15, finding 1); now each restart waits longer and serving goes on."""
    deaths = 6
    proc = ServerProcess("--processes", "2")
    try:

        def count(event: str, n: int) -> Callable[[], bool]:
            return lambda: len(proc.events(event)) == n

        for death in range(deaths):
            wait_until(count("worker_started", 2 + death), proc.logs)
            victim = [e for e in proc.events("worker_started") if e["worker"] == 1][-1]
            os.kill(int(victim["pid"]), signal.SIGKILL)  # type: ignore[call-overload]
            wait_until(count("worker_exited", death + 1), proc.logs)
        wait_until(lambda: len(proc.events("worker_started")) == 2 + deaths, proc.logs)
        assert proc.proc.poll() is None  # the supervisor is still there
        delays = [e["backoff_ms"] for e in proc.events("worker_restart_delayed")]
        assert delays == [500, 1000, 2000, 4000, 8000]
        with TcoClient(proc.target, connections=4, timeout=TIMEOUT) as client:
            for _ in range(4):
                assert len(client.evaluate(SAMPLE_TENDER).response.results) == 2
    finally:
        code = proc.stop()
    assert code == 0, proc.logs()
