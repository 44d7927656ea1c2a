"""Fuzz the real server with descriptor-built requests: a result or field errors, nothing else.

Against a ``python -m tco_server`` on a loopback port, every request the strategies of
:mod:`tests.fuzz.strategies` make must be answered

- OK, with one result per bid, no NaN or infinite number anywhere in the response (the contract
  says "never NaN"), and the same bytes when sent again (checked on every 25th OK);
- INVALID_ARGUMENT, with a BadRequest naming at least one field (the empty path only for bytes
  that do not parse, reason UNDECODABLE_REQUEST);
  a size limit is INVALID_ARGUMENT too, with the limit's reason (``TOO_MANY_BIDS`` ...);
- or RESOURCE_EXHAUSTED (the transport's message limit);

never INTERNAL, never UNKNOWN, never hung (a generous deadline: a hang guard, not a speed bound).

Sizes: the default suite runs 10 000 requests (5 000 near-valid, 5 000 of which one in ten is
arbitrary; two tests, so two workers share them) and 1 000 wire-level mutations (about a minute
on 2 cores); ``make fuzz-long`` runs the ``fuzz_long`` tests with
``TCO_FUZZ_EXAMPLES`` (100 000) requests and a fifth of that in wire mutations. The figures (codes
seen, time) are printed and appended to ``/tmp/tco-hardening-report.txt``.
"""

from __future__ import annotations

import math
import os
import time
from collections import Counter
from collections.abc import Iterator

import grpc
import pytest
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from hypothesis import HealthCheck, given, settings

from tco_server.limits import SIZE_RULES
from tcoapi.v1 import result_pb2, tender_pb2
from tests.conftest import HANG_GUARD, ServerProcess
from tests.fuzz.strategies import near_valid_requests, requests, wire_mutations
from tests.hostile.harness import CLIENT_OPTIONS, METHOD, report
from tests.server.conftest import decode, load_sample_request

CI_EXAMPLES = 10_000
LONG_EXAMPLES = int(os.environ.get("TCO_FUZZ_EXAMPLES", "100000"))
TIMEOUT = HANG_GUARD
ALLOWED = {"OK", "INVALID_ARGUMENT", "RESOURCE_EXHAUSTED"}
#: Reasons of an INVALID_ARGUMENT that names fields: a bad field or a size limit.
FIELD_REASONS = frozenset(
    {"INVALID_TENDER", "RESPONSE_TOO_LARGE", *(rule.reason for rule in SIZE_RULES)}
)
SAMPLE = load_sample_request().SerializeToString()

FUZZ_SETTINGS = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
}


class Target:
    """The server, a raw EvaluateBids callable, and what was seen."""

    def __init__(self, proc: ServerProcess) -> None:
        self.proc = proc
        self.channel = grpc.insecure_channel(proc.target, options=CLIENT_OPTIONS)
        self.call = self.channel.unary_unary(METHOD)
        self.codes: Counter[str] = Counter()
        self.ok = 0
        self.started = time.monotonic()
        self.slowest = 0.0

    def check(self, data: bytes, *, bids: int | None, validate_only: bool = False) -> str:
        """Send ``data``; assert the answer is one of the allowed kinds. Returns the code name."""
        start = time.monotonic()
        try:
            answer: bytes = self.call(data, timeout=TIMEOUT)
        except grpc.RpcError as error:
            failure = decode(error)
            code = failure.code.name
            self.codes[code] += 1
            assert code in ALLOWED, (code, failure.message, failure.metadata)
            if code == "INVALID_ARGUMENT":
                assert failure.violations, failure
                if failure.reason == "UNDECODABLE_REQUEST":
                    assert bids is None
                else:  # a bad field, or a size limit (permanent: INVALID_ARGUMENT too)
                    assert failure.reason in FIELD_REASONS, failure
                    assert all(failure.fields), failure.violations
            else:
                assert failure.reason, failure
                assert failure.violations, failure
            return code
        finally:
            self.slowest = max(self.slowest, time.monotonic() - start)
        self.codes["OK"] += 1
        self.ok += 1
        response = result_pb2.EvaluateBidsResponse.FromString(answer)
        _assert_finite(response)
        if bids is not None and not validate_only:
            assert len(response.results) == bids
        if self.ok % 25 == 0:
            again: bytes = self.call(data, timeout=TIMEOUT)
            assert again == answer, "the same request gave different bytes"
        return "OK"


def _assert_finite(message: Message, path: str = "") -> None:
    for field, value in message.ListFields():
        here = f"{path}.{field.name}" if path else field.name
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            if field.message_type.GetOptions().map_entry:
                values = list(value.values())
                if values and isinstance(values[0], Message):
                    for v in values:
                        _assert_finite(v, here)
                else:
                    assert all(math.isfinite(v) for v in values if isinstance(v, float)), here
            elif field.is_repeated:
                for i, element in enumerate(value):
                    _assert_finite(element, f"{here}[{i}]")
            else:
                _assert_finite(value, here)
        elif field.type in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
            values = value if field.is_repeated else [value]
            assert all(math.isfinite(v) for v in values), f"{here} is not finite"


@pytest.fixture(scope="module")
def target() -> Iterator[Target]:
    proc = ServerProcess()
    fuzz = Target(proc)
    try:
        yield fuzz
    finally:
        fuzz.channel.close()
        code = proc.stop()
        internal = [ln for ln in proc.stderr_lines if '"code":"INTERNAL"' in ln]
        report(
            "fuzzing the real server",
            [
                f"requests: {sum(fuzz.codes.values())} in {time.monotonic() - fuzz.started:.1f} s; "
                f"codes {dict(sorted(fuzz.codes.items()))}; slowest call "
                f"{fuzz.slowest * 1000:.0f} ms; INTERNAL lines in the server log: {len(internal)}",
            ],
        )
        assert code == 0, proc.logs()
        assert not internal, internal[:3]


def _send(target: Target, request: tender_pb2.EvaluateBidsRequest) -> None:
    target.check(
        request.SerializeToString(), bids=len(request.bids), validate_only=request.validate_only
    )


def _send_wire(target: Target, data: bytes) -> None:
    try:
        request = tender_pb2.EvaluateBidsRequest.FromString(data)
    except Exception:
        target.check(data, bids=None)
        return
    target.check(data, bids=len(request.bids), validate_only=request.validate_only)


# Two halves of the CI-sized run, so that pytest-xdist can run them side by side.


@pytest.mark.slow
@settings(max_examples=CI_EXAMPLES // 2, **FUZZ_SETTINGS)
@given(request=near_valid_requests(SAMPLE))
def test_fuzzed_near_valid_requests_get_a_result_or_field_errors(
    target: Target, request: tender_pb2.EvaluateBidsRequest
) -> None:
    _send(target, request)


@pytest.mark.slow
@settings(max_examples=CI_EXAMPLES // 2, **FUZZ_SETTINGS)
@given(request=requests(SAMPLE))
def test_fuzzed_requests_get_a_result_or_field_errors(
    target: Target, request: tender_pb2.EvaluateBidsRequest
) -> None:
    _send(target, request)


@pytest.mark.slow
@settings(max_examples=CI_EXAMPLES // 10, **FUZZ_SETTINGS)
@given(data=wire_mutations(SAMPLE))
def test_fuzzed_wire_bytes_get_a_result_or_field_errors(target: Target, data: bytes) -> None:
    _send_wire(target, data)


@pytest.mark.fuzz_long
@settings(max_examples=LONG_EXAMPLES, **FUZZ_SETTINGS)
@given(request=requests(SAMPLE))
def test_long_fuzz_requests(target: Target, request: tender_pb2.EvaluateBidsRequest) -> None:
    _send(target, request)


@pytest.mark.fuzz_long
@settings(max_examples=max(1, LONG_EXAMPLES // 5), **FUZZ_SETTINGS)
@given(data=wire_mutations(SAMPLE))
def test_long_fuzz_wire(target: Target, data: bytes) -> None:
    _send_wire(target, data)


def test_the_strategies_reach_the_engine(target: Target) -> None:
    """A short run of the request strategy: a fair share of requests are valid and evaluated."""
    seen: Counter[str] = Counter()

    @settings(max_examples=300, **FUZZ_SETTINGS)
    @given(request=requests(SAMPLE))
    def run(request: tender_pb2.EvaluateBidsRequest) -> None:
        seen[
            target.check(
                request.SerializeToString(),
                bids=len(request.bids),
                validate_only=request.validate_only,
            )
        ] += 1

    run()
    total = sum(seen.values())
    assert seen["OK"] >= total * 0.15, seen
    assert seen["INVALID_ARGUMENT"] >= total * 0.15, seen
