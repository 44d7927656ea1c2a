"""Hostile unit strings, values and sizes against the REAL server, with a healthy client alongside.

Each hostile request (:mod:`tests.hostile.corpus`) must be answered INVALID_ARGUMENT (a size
limit too) naming its field, with the server's own log line for each (a 17 MiB
message is refused by the transport, before any handler), quoting none of the hostile content,
while a healthy client sending the sample tender in a loop is served without a failure.

The test asserts no time: the figures (the server's ``duration_ms`` per hostile call, the healthy
client's latency by phase) are printed and appended to ``/tmp/tco-hardening-report.txt`` for the
record; what a size attack costs a healthy client is measured by ``python -m bench.attack``, and
``docs/security.md`` lists the mitigations.
"""

from __future__ import annotations

import pytest

from tco_server import errors
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
    report,
    summary,
)
from tests.server.conftest import load_sample_request


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
            assert o.failure.domain == errors.DOMAIN, o.case.name
    assert not wrong, "\n".join(wrong)


def _run() -> tuple[list[Outcome], list[Outcome], HealthyClient]:
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
            field_outcomes = attack(proc.target, field_cases)
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
            f"{len(SIZE_CASES)} sizes",
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
def test_hostile_requests_are_refused_while_a_healthy_client_is_served() -> None:
    field_outcomes, size_outcomes, healthy = _run()
    _report(field_outcomes, size_outcomes, healthy)
    _check_answers(field_outcomes + size_outcomes)
    assert healthy.failures == []
    assert len(_server_ms(field_outcomes)) == len(field_outcomes)  # each has its log line
    assert len(_server_ms(size_outcomes)) == len(size_outcomes) - 1  # 17 MiB: the transport's
