"""TcoClient against an in-process fake service: error decoding, retries, deadlines, metadata."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import grpc
import pytest

from tco_client.client import TcoClient, as_request
from tco_client.errors import FieldViolation, TcoInvalidTender, TcoServiceError
from tcoapi.v1 import result_pb2, tender_pb2
from tests.client import fakes
from tests.conftest import SAMPLE_TENDER

FakeStarter = Callable[[Callable[..., Any]], tuple[fakes.FakeService, str]]


def ok(request: tender_pb2.EvaluateBidsRequest, context: Any) -> result_pb2.EvaluateBidsResponse:
    response = fakes.fake_response()
    response.validated_only = request.validate_only
    return response


def test_evaluate_returns_frames_and_digests(fake_server: FakeStarter) -> None:
    service, target = fake_server(ok)
    with TcoClient(target) as client:
        result = client.evaluate(SAMPLE_TENDER, reference=True)
    assert result.method_digest == "a" * 64
    assert result.request.method.currency == "SEK"
    assert not result.request.validate_only
    assert result.reference.carbon_series is not None
    assert result.ranking.index.tolist() == result.bid_ids
    assert service.calls == 1


def test_validate_sets_validate_only(fake_server: FakeStarter) -> None:
    _, target = fake_server(ok)
    with TcoClient(target) as client:
        assert client.validate(SAMPLE_TENDER).validated_only


def test_every_field_violation_is_decoded(fake_server: FakeStarter) -> None:
    violations = [
        ("method.study_period_years", "expected 1..100"),
        ("bids[0].items[0].unit_price.unit", "expected money such as 'SEK', got 'kWh'"),
        ("bids[1].items[0].resource_use[0].resource", "not priced"),
    ]

    def bad(request: Any, context: Any) -> Any:
        fakes.abort_with_details(
            context,
            grpc.StatusCode.INVALID_ARGUMENT,
            "3 invalid fields",
            violations=violations,
            reason="INVALID_TENDER",
        )

    service, target = fake_server(bad)
    with TcoClient(target) as client, pytest.raises(TcoInvalidTender) as caught:
        client.evaluate(SAMPLE_TENDER)
    assert caught.value.violations == [FieldViolation(*v) for v in violations]
    assert caught.value.reason == "INVALID_TENDER"
    assert caught.value.domain == "tcoapi"
    assert service.calls == 1  # never retried


def test_invalid_argument_without_details_is_one_violation(fake_server: FakeStarter) -> None:
    def bad(request: Any, context: Any) -> Any:
        context.abort(grpc.StatusCode.INVALID_ARGUMENT, "no bids")

    _, target = fake_server(bad)
    with TcoClient(target) as client, pytest.raises(TcoInvalidTender) as caught:
        client.evaluate(SAMPLE_TENDER)
    assert caught.value.violations == [FieldViolation("", "no bids")]


def test_internal_error_carries_the_incident_id(fake_server: FakeStarter) -> None:
    def fault(request: Any, context: Any) -> Any:
        fakes.abort_with_details(
            context,
            grpc.StatusCode.INTERNAL,
            "internal error",
            reason="INTERNAL",
            metadata={"incident_id": "abc123"},
        )

    service, target = fake_server(fault)
    with TcoClient(target) as client, pytest.raises(TcoServiceError) as caught:
        client.evaluate(SAMPLE_TENDER)
    assert caught.value.code == "INTERNAL"
    assert caught.value.incident_id == "abc123"
    assert "abc123" in str(caught.value)
    assert service.calls == 1


def test_deadline_applies_to_every_call(fake_server: FakeStarter) -> None:
    def slow(request: Any, context: Any) -> Any:
        time.sleep(1.0)
        return ok(request, context)

    _, target = fake_server(slow)
    with TcoClient(target, timeout=0.2) as client, pytest.raises(TcoServiceError) as caught:
        client.evaluate(SAMPLE_TENDER)
    assert caught.value.code == "DEADLINE_EXCEEDED"


def test_bearer_token_is_sent(fake_server: FakeStarter) -> None:
    service, target = fake_server(ok)
    with TcoClient(target, token="s3cret") as client:
        client.evaluate(SAMPLE_TENDER)
    assert service.metadata[0]["authorization"] == "Bearer s3cret"


def test_unreachable_server_is_a_clear_service_error() -> None:
    client = TcoClient("127.0.0.1:1", timeout=2, initial_backoff=0.01)
    with client, pytest.raises(TcoServiceError) as caught:
        client.evaluate(SAMPLE_TENDER)
    assert caught.value.code == "UNAVAILABLE"
    assert "127.0.0.1:1" in str(caught.value)
    assert "unreachable" in str(caught.value)


def test_fails_over_to_the_next_target(fake_server: FakeStarter) -> None:
    service, target = fake_server(ok)
    with TcoClient(["127.0.0.1:1", target], initial_backoff=0.01) as client:
        result = client.evaluate(SAMPLE_TENDER)
    assert result.bid_ids
    assert service.calls == 1


def test_as_request_accepts_requests_paths_and_mappings() -> None:
    from_path = as_request(SAMPLE_TENDER)
    assert as_request(str(SAMPLE_TENDER)) == from_path
    copy = as_request(from_path)
    assert copy == from_path
    assert copy is not from_path
    assert as_request({"method": {"currency": "SEK"}}).method.currency == "SEK"
    with pytest.raises(TypeError):
        as_request(42)  # type: ignore[arg-type]


def test_closed_client_refuses_calls() -> None:
    client = TcoClient("127.0.0.1:1")
    client.close()
    with pytest.raises(RuntimeError):
        client.evaluate(SAMPLE_TENDER)


# -- retries during a server's drain (issue #8) ----------------------------------------------------


@pytest.mark.parametrize(
    "refusals",
    [
        [grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.UNAVAILABLE],
        # A SIGTERM drain: grpc's core refuses a call that raced the stop with CANCELLED (no
        # handler ran); EvaluateBids is a pure function of its request, so it is retried.
        [grpc.StatusCode.CANCELLED, grpc.StatusCode.UNAVAILABLE],
    ],
)
def test_refused_calls_are_retried_then_succeed(
    fake_server: FakeStarter, refusals: list[grpc.StatusCode]
) -> None:
    def draining(request: Any, context: Any) -> Any:
        if refusals:
            context.abort(refusals.pop(0), "server shutting down")
        return ok(request, context)

    service, target = fake_server(draining)
    with TcoClient(target, initial_backoff=0.01) as client:
        assert client.evaluate(SAMPLE_TENDER).request_digest == "b" * 64
    assert service.calls == 3


@pytest.mark.parametrize(
    ("code", "options", "calls"),
    [
        ("UNAVAILABLE", {"max_attempts": 3}, 3),  # retries are bounded
        ("RESOURCE_EXHAUSTED", {}, 1),  # other codes are not retried
        ("CANCELLED", {"retry_codes": ["UNAVAILABLE"]}, 1),  # the codes are configurable
    ],
)
def test_retries_stop(
    fake_server: FakeStarter, code: str, options: dict[str, Any], calls: int
) -> None:
    def refuse(request: Any, context: Any) -> Any:
        context.abort(getattr(grpc.StatusCode, code), "refused")

    service, target = fake_server(refuse)
    client = TcoClient(target, initial_backoff=0.01, **options)
    with client, pytest.raises(TcoServiceError) as caught:
        client.evaluate(SAMPLE_TENDER)
    assert caught.value.code == code
    assert service.calls == calls


def test_retry_options_are_checked(fake_server: FakeStarter) -> None:
    _, target = fake_server(ok)
    with pytest.raises(ValueError, match="NOT_A_CODE"):
        TcoClient(target, retry_codes=["UNAVAILABLE", "NOT_A_CODE"])
    with pytest.raises(ValueError, match="jitter"):
        TcoClient(target, jitter=1.5)
    with pytest.raises(ValueError, match="backoff"):
        TcoClient(target, initial_backoff=3.0, max_backoff=2.0)


class _DrainingReads(fakes.FakeService):
    """Refuses the first two reference reads with CANCELLED, as a draining server's core may."""

    def __init__(self) -> None:
        super().__init__(ok)
        self.refusals = [grpc.StatusCode.CANCELLED, grpc.StatusCode.CANCELLED]

    def ListCarbonPriceSeries(self, request: Any, context: Any) -> Any:
        if self.refusals:
            context.abort(self.refusals.pop(0), "server shutting down")
        return super().ListCarbonPriceSeries(request, context)


def test_reference_reads_are_retried_on_cancelled() -> None:
    service = _DrainingReads()
    server, target = fakes.start_fake_server(service)
    try:
        with TcoClient(target, initial_backoff=0.01) as client:
            assert client.carbon_price_series().series[0].id == "asek-7.0"
    finally:
        server.stop(0)
    assert service.refusals == []


def test_backoff_is_jittered_doubling_and_capped(
    fake_server: FakeStarter, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(request: Any, context: Any) -> Any:
        context.abort(grpc.StatusCode.UNAVAILABLE, "draining")

    service, target = fake_server(down)
    pauses: list[float] = []
    monkeypatch.setattr("tco_client.client.time.sleep", pauses.append)
    client = TcoClient(target, max_attempts=5, initial_backoff=0.1, max_backoff=0.3, jitter=0.2)
    with client, pytest.raises(TcoServiceError):
        client.evaluate(SAMPLE_TENDER)
    assert service.calls == 5
    assert len(pauses) == 4
    for pause, base in zip(pauses, [0.1, 0.2, 0.3, 0.3], strict=True):
        assert base * 0.8 <= pause <= base * 1.2
    assert len(set(pauses)) > 1  # jittered, not a fixed schedule


def test_no_retry_past_the_deadline(fake_server: FakeStarter) -> None:
    def down(request: Any, context: Any) -> Any:
        context.abort(grpc.StatusCode.CANCELLED, "draining")

    service, target = fake_server(down)
    client = TcoClient(target, timeout=0.5, max_attempts=100, initial_backoff=0.2, max_backoff=2)
    with client, pytest.raises(TcoServiceError) as caught:
        client.evaluate(SAMPLE_TENDER)
    assert caught.value.code in ("CANCELLED", "DEADLINE_EXCEEDED")  # a loaded machine: the latter
    assert service.calls < 5  # backoffs 0.2, 0.4, ...: the third would start past the deadline
