"""Hostile unit strings, values and sizes against the REAL server, with a healthy client alongside.

Each hostile request (:mod:`tests.hostile.corpus`) must be answered INVALID_ARGUMENT (or
RESOURCE_EXHAUSTED for size) naming its field, within a few milliseconds of server time (the
``duration_ms`` of the server's own log line; for the field-level corpus, from the request in
hand), while a healthy client sending the sample tender in
a loop keeps its latency. The figures are printed and appended to
``/tmp/tco-hardening-report.txt``.

Bounds. The strict ones (server time < 10 ms per hostile call at the 99th percentile and < 20 ms
for every one, healthy p99 < 50 ms while the field-level corpus runs) are asserted under the
``load`` marker (``make load``); measured on a busy 2-core machine: p50 1.1, p99 5.3, max 11.7 ms,
the max being a call that waited for the GIL behind the healthy client's evaluation (the
interpreter switches threads every 5 ms). The default run shares the 2 cores with another pytest
worker, so it asserts server p99 < 10 ms and max < 50 ms, healthy p99 < 250 ms.

The size phase (10^6 items, 10^6 bids, 10^5 map entries in ~2 MB messages, a 17 MiB message) is
reported and bounded separately: there the server's time includes decoding the request, since
the size guard of :mod:`tco_server.decoding` refuses it from its bytes before the full parse. A
message of tiny sub-messages is the worst case; ``python -m bench.attack`` measures what 16 MiB
attacks cost a healthy client and ``docs/security.md`` lists the mitigations.
"""

from __future__ import annotations

import pytest

from tests.conftest import ServerProcess
from tests.hostile.corpus import (
    ALL_CASES,
    HOSTILE_UNITS,
    SIZE_CASES,
    UNIT_CASES,
    VALUE_CASES,
    Hostile,
    serialized,
)
from tests.hostile.harness import (
    HealthyClient,
    Outcome,
    attach_server_times,
    attack,
    percentile,
    report,
    summary,
)
from tests.server.conftest import load_sample_request

#: Rounds of the field-level corpus (units and values): enough healthy samples for a p99.
ROUNDS = 4


def _check_answers(outcomes: list[Outcome]) -> None:
    wrong = []
    for o in outcomes:
        if o.failure is None:
            wrong.append(f"{o.case.name}: accepted")
            continue
        if o.failure.code.name != o.case.code:
            wrong.append(f"{o.case.name}: {o.failure.code.name} {o.failure.violations[:3]}")
        elif o.case.field and o.case.field not in o.failure.fields:
            wrong.append(f"{o.case.name}: fields {o.failure.fields[:5]}, not {o.case.field}")
        elif not o.case.transport:
            assert o.failure.domain == "tcoapi", o.case.name
    assert not wrong, "\n".join(wrong)


def _run(rounds: int) -> tuple[list[Outcome], list[Outcome], HealthyClient]:
    sample = load_sample_request().SerializeToString()
    field_cases: list[tuple[Hostile, bytes]] = [
        (case, serialized(case, sample)) for case in UNIT_CASES + VALUE_CASES
    ]
    size_cases = [(case, serialized(case, sample)) for case in SIZE_CASES]
    proc = ServerProcess()
    try:
        with HealthyClient(proc.target, sample) as healthy:
            healthy.wait_for("warm-up", 20)
            healthy.phase = "alone"
            healthy.wait_for("alone", 100)
            healthy.phase = "fields"
            field_outcomes = attack(proc.target, field_cases * rounds)
            healthy.wait_for("fields", 100)  # a short attack still gets a fair sample
            healthy.phase = "sizes"
            size_outcomes = attack(proc.target, size_cases)
            healthy.wait_for("sizes", 20)
            healthy.phase = "after"
            healthy.wait_for("after", 50)
        attach_server_times(proc, field_outcomes + size_outcomes)
    finally:
        code = proc.stop()
    assert code == 0, proc.logs()
    # The server told the client what was wrong; its logs quote none of it.
    logs = proc.logs()
    leaked = [u for u in HOSTILE_UNITS if len(u) >= 8 and u.strip() and u in logs]
    assert not leaked, leaked
    assert "SSSSSSSS" not in logs  # the 1 MB supplier
    return field_outcomes, size_outcomes, healthy


def _server_ms(outcomes: list[Outcome]) -> list[float]:
    return [o.server_ms for o in outcomes if o.server_ms is not None]


def _report(field_outcomes: list[Outcome], size_outcomes: list[Outcome], h: HealthyClient) -> None:
    slowest = sorted(field_outcomes + size_outcomes, key=lambda o: -(o.server_ms or 0.0))[:5]
    report(
        "hostile corpus against the real server",
        [
            f"cases: {len(UNIT_CASES)} unit strings, {len(VALUE_CASES)} values, "
            f"{len(SIZE_CASES)} sizes; field-level corpus sent {ROUNDS}x",
            f"server ms per hostile call (fields): {summary(_server_ms(field_outcomes))}",
            f"server ms per hostile call (sizes):  {summary(_server_ms(size_outcomes))}",
            "slowest (server ms): "
            + "; ".join(f"{o.case.name[:40]} {o.server_ms}" for o in slowest),
            "size cases, client round trip ms (includes transfer + grpc deserialization): "
            + "; ".join(f"{o.case.name} {o.client_ms:.0f}" for o in size_outcomes),
            *(
                f"healthy client, {phase:8s}: {summary(h.latencies.get(phase, []))}"
                for phase in ("alone", "fields", "sizes", "after")
            ),
            f"healthy client failures: {h.failures}",
        ],
    )


def test_corpus_is_large_enough() -> None:
    assert len(HOSTILE_UNITS) >= 50
    assert len(ALL_CASES) >= 100
    assert len({case.name for case in ALL_CASES}) == len(ALL_CASES)


@pytest.mark.slow
def test_hostile_requests_are_refused_fast_while_a_healthy_client_is_served() -> None:
    field_outcomes, size_outcomes, healthy = _run(ROUNDS)
    _report(field_outcomes, size_outcomes, healthy)
    _check_answers(field_outcomes + size_outcomes)
    assert healthy.failures == []
    server_ms = _server_ms(field_outcomes)
    assert len(server_ms) == len(field_outcomes)
    assert percentile(server_ms, 0.99) < 10.0
    assert max(server_ms) < 50.0
    size_ms = _server_ms(size_outcomes)
    assert len(size_ms) == len(size_outcomes) - 1  # 17 MiB: refused by the transport
    assert max(size_ms) < 1000.0  # decoding included; a shared machine (figures: the report)
    assert percentile(healthy.latencies["fields"], 0.99) < 250.0


@pytest.mark.load
def test_hostile_requests_strict_bounds_on_an_idle_machine() -> None:
    """``make load``: hostile calls under 10 ms of server time (p99; the odd one waits a GIL
    switch interval or two behind the healthy client's evaluation), healthy p99 under 50 ms."""
    field_outcomes, size_outcomes, healthy = _run(ROUNDS * 3)
    _report(field_outcomes, size_outcomes, healthy)
    _check_answers(field_outcomes + size_outcomes)
    assert healthy.failures == []
    server_ms = _server_ms(field_outcomes)
    assert percentile(server_ms, 0.99) < 10.0
    assert max(server_ms) < 20.0
    assert max(_server_ms(size_outcomes)) < 250.0  # decoding included (the size guard)
    assert percentile(healthy.latencies["fields"], 0.99) < 50.0
    # After the attack the server is as fast as before it.
    assert (
        percentile(healthy.latencies["after"], 0.5)
        < 2 * percentile(healthy.latencies["alone"], 0.5) + 5.0
    )
