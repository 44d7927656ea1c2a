"""Every error class end to end: code, google.rpc details, field paths exactly as the contract says.

- INVALID_ARGUMENT: BadRequest with one FieldViolation per bad field (all of them at once, each
  with its reason) and ErrorInfo(reason INVALID_TENDER, domain tcoapi.lcc-tco.org,
  metadata.violations = count);
- INVALID_ARGUMENT too for a request-size limit (permanent): BadRequest naming the field, the
  limit's reason in ErrorInfo and in each FieldViolation;
- UNAVAILABLE for overload: RetryInfo with the delay, ErrorInfo reason OVERLOADED;
- INTERNAL: ErrorInfo.metadata.incident_id, no stack trace in the message.
"""

from __future__ import annotations

import math
import re

import grpc
import pytest
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from tco_client.errors import decode_status_details
from tco_server import errors
from tcoapi.v1 import codes_pb2, service_pb2_grpc, tender_pb2
from tests.conftest import ServerProcess, wait_until
from tests.server.conftest import Failure, call_failing

UNIT_PATH = "bids[1].items[0].resource_use[0].amount.unit"
# The engine's wording (tco.units), pinned: clients may show it to users.
BAD_UNIT_MESSAGE = "expected energy per time such as 'kWh/year', got 'kg'"
MISSING_EUR_PATHS = ["bids[1].items[0].unit_price.unit", "bids[1].items[0].costs[0].amount.unit"]


def _assert_invalid_tender(failure: Failure) -> None:
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert failure.reason == "INVALID_TENDER"
    assert failure.domain == errors.DOMAIN
    assert failure.metadata["violations"] == str(len(failure.violations))


def test_bad_unit_names_the_unit_field_with_the_engine_message(
    stub: service_pb2_grpc.LifeCycleCostServiceStub, sample_request: tender_pb2.EvaluateBidsRequest
) -> None:
    sample_request.bids[1].items[0].resource_use[0].amount.unit = "kg"
    failure = call_failing(stub, sample_request)
    _assert_invalid_tender(failure)
    assert failure.fields == [UNIT_PATH]
    assert failure.description(UNIT_PATH) == BAD_UNIT_MESSAGE
    assert UNIT_PATH in failure.message


def test_missing_exchange_rate_is_refused(
    stub: service_pb2_grpc.LifeCycleCostServiceStub, sample_request: tender_pb2.EvaluateBidsRequest
) -> None:
    del sample_request.method.exchange_rates["EUR"]
    failure = call_failing(stub, sample_request)
    _assert_invalid_tender(failure)
    # Bid B states two EUR amounts: the unit price and the battery pack.
    assert failure.fields == MISSING_EUR_PATHS
    assert all("EUR" in description for _, description in failure.violations)


def test_unknown_carbon_price_series_is_refused(
    stub: service_pb2_grpc.LifeCycleCostServiceStub, sample_request: tender_pb2.EvaluateBidsRequest
) -> None:
    sample_request.method.carbon_price.Clear()
    sample_request.method.carbon_price.series_id = "no-such-series"
    failure = call_failing(stub, sample_request)
    _assert_invalid_tender(failure)
    assert failure.fields == ["method.carbon_price.series_id"]
    assert "no-such-series" in failure.description("method.carbon_price.series_id")


def test_several_errors_are_all_listed_in_one_answer(
    stub: service_pb2_grpc.LifeCycleCostServiceStub, sample_request: tender_pb2.EvaluateBidsRequest
) -> None:
    sample_request.bids[1].items[0].resource_use[0].amount.unit = "kg"
    sample_request.bids[0].items[0].unit_price.value = math.nan
    sample_request.method.carbon_price.Clear()
    sample_request.method.carbon_price.series_id = "no-such-series"
    failure = call_failing(stub, sample_request)
    _assert_invalid_tender(failure)
    assert set(failure.fields) == {
        UNIT_PATH,
        "bids[0].items[0].unit_price.value",
        "method.carbon_price.series_id",
    }
    assert failure.metadata["violations"] == "3"


def test_validate_only_reports_the_same_violations(
    stub: service_pb2_grpc.LifeCycleCostServiceStub, sample_request: tender_pb2.EvaluateBidsRequest
) -> None:
    sample_request.bids[1].items[0].resource_use[0].amount.unit = "kg"
    sample_request.validate_only = True
    failure = call_failing(stub, sample_request)
    _assert_invalid_tender(failure)
    assert failure.fields == [UNIT_PATH]


# -- limits, checked by the server before any parsing --------------------------------------------


def _violation_reasons(status: status_pb2.Status) -> list[str]:
    reasons: list[str] = []
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            reasons += [v.reason for v in bad.field_violations]
    return reasons


def _status_of(
    stub: service_pb2_grpc.LifeCycleCostServiceStub, request: tender_pb2.EvaluateBidsRequest
) -> status_pb2.Status:
    with pytest.raises(grpc.RpcError) as raised:
        stub.EvaluateBids(request, timeout=60)
    status = rpc_status.from_call(raised.value)  # type: ignore[arg-type]
    assert status is not None
    return status


def test_every_field_violation_has_a_reason(
    stub: service_pb2_grpc.LifeCycleCostServiceStub, sample_request: tender_pb2.EvaluateBidsRequest
) -> None:
    sample_request.bids[1].items[0].resource_use[0].amount.unit = "kg"
    del sample_request.method.exchange_rates["EUR"]
    reasons = _violation_reasons(_status_of(stub, sample_request))
    assert len(reasons) == 3
    assert set(reasons) == {"INVALID_TENDER"}


def test_too_many_bids_is_invalid_argument_naming_bids(
    stub: service_pb2_grpc.LifeCycleCostServiceStub, sample_request: tender_pb2.EvaluateBidsRequest
) -> None:
    template = sample_request.bids[0]
    del sample_request.bids[:]
    for i in range(1001):
        bid = sample_request.bids.add()
        bid.CopyFrom(template)
        bid.id = f"bid-{i}"
    failure = call_failing(stub, sample_request)
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT  # permanent: never retry as is
    assert failure.reason == "TOO_MANY_BIDS"
    assert failure.domain == errors.DOMAIN
    assert failure.fields == ["bids"]
    assert "1000" in failure.description("bids")
    assert "1001" in failure.description("bids")
    assert _violation_reasons(_status_of(stub, sample_request)) == ["TOO_MANY_BIDS"]


def test_too_many_items_in_a_bid_names_its_items(
    stub: service_pb2_grpc.LifeCycleCostServiceStub, sample_request: tender_pb2.EvaluateBidsRequest
) -> None:
    item = sample_request.bids[1].items[0]
    for _ in range(1000):
        sample_request.bids[1].items.add().CopyFrom(item)
    failure = call_failing(stub, sample_request)
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert failure.reason == "TOO_MANY_ITEMS"
    assert failure.fields == ["bids[1].items"]


def test_over_long_unit_is_refused_before_parsing(
    stub: service_pb2_grpc.LifeCycleCostServiceStub, sample_request: tender_pb2.EvaluateBidsRequest
) -> None:
    # A megabyte of unit: the unit parser must never see it, nor the answer echo it.
    sample_request.bids[1].items[0].resource_use[0].amount.unit = "kWh/" + "(year)" * 200_000
    failure = call_failing(stub, sample_request)
    _assert_invalid_tender(failure)
    assert failure.fields == [UNIT_PATH]
    assert "64" in failure.description(UNIT_PATH)
    assert "(year)" not in failure.description(UNIT_PATH)
    assert len(failure.message) < 400


def test_shape_violations_are_all_listed(
    stub: service_pb2_grpc.LifeCycleCostServiceStub, sample_request: tender_pb2.EvaluateBidsRequest
) -> None:
    sample_request.bids[0].items[0].warranty.unit = "m" * 65
    sample_request.bids[1].id = "x" * 257
    sample_request.method.study_period_years = 101
    sample_request.method.timing = 42  # type: ignore[assignment]  # an enum number v1 lacks
    failure = call_failing(stub, sample_request)
    _assert_invalid_tender(failure)
    assert set(failure.fields) == {
        "bids[0].items[0].warranty.unit",
        "bids[1].id",
        "method.study_period_years",
        "method.timing",
    }


@pytest.mark.slow
def test_a_response_over_the_message_limit_is_refused_by_name(
    sample_request: tender_pb2.EvaluateBidsRequest,
) -> None:
    """Within every request limit, but the answer (cash flows of 300 bids) exceeds 1 MiB."""
    template = sample_request.bids[1]
    del sample_request.bids[:]
    for i in range(300):
        bid = sample_request.bids.add()
        bid.CopyFrom(template)
        bid.id = f"bid-{i}"
    sample_request.method.baseline_bid_id = "bid-0"
    proc = ServerProcess("--max-message-mb", "1")
    try:
        with grpc.insecure_channel(proc.target) as channel:
            stub = service_pb2_grpc.LifeCycleCostServiceStub(channel)
            failure = call_failing(stub, sample_request)
            assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
            assert failure.reason == "RESPONSE_TOO_LARGE"
            assert failure.fields == ["bids"]
            assert "MiB" in failure.description("bids")
            sample_request.validate_only = True  # no results: small answer
            assert stub.EvaluateBids(sample_request, timeout=30).validated_only
    finally:
        assert proc.stop() == 0, proc.logs()


# -- unexpected faults ----------------------------------------------------------------------------


def test_unexpected_fault_is_internal_with_an_incident_id(
    fault_server: ServerProcess,
    fault_stub: service_pb2_grpc.LifeCycleCostServiceStub,
    sample_request: tender_pb2.EvaluateBidsRequest,
) -> None:
    failure = call_failing(fault_stub, sample_request, metadata=(("x-tco-test-fault", "raise"),))
    assert failure.code == grpc.StatusCode.INTERNAL
    assert failure.reason == "INTERNAL"
    assert failure.domain == errors.DOMAIN
    incident_id = failure.metadata["incident_id"]
    assert re.fullmatch(r"[0-9a-f]{32}", incident_id)
    assert incident_id in failure.message
    assert "Traceback" not in failure.message
    assert "Städmaskiner" not in failure.message
    # The server logged the incident: its id and the exception type, not its message.
    wait_until(lambda: incident_id in fault_server.logs(), fault_server.logs)
    line = next(ln for ln in fault_server.logs().splitlines() if incident_id in ln)
    assert "InjectedFaultError" in line
    assert "Städmaskiner" not in line
    assert "injected fault while reading" not in line


def test_fault_hooks_are_off_by_default(
    stub: service_pb2_grpc.LifeCycleCostServiceStub, sample_request: tender_pb2.EvaluateBidsRequest
) -> None:
    response = stub.EvaluateBids(
        sample_request, timeout=30, metadata=(("x-tco-test-fault", "raise"),)
    )
    assert len(response.results) == 2


# -- overload and the catalogue ----------------------------------------------------------------


def test_overload_is_unavailable_with_a_retry_delay() -> None:
    """The status of an overload refusal carries RetryInfo, and the Python client decodes it."""
    status = errors.overloaded_status(32, 0.25)
    assert status.code == grpc.StatusCode.UNAVAILABLE
    (key, raw), *_ = status.trailing_metadata
    assert key == "grpc-status-details-bin"
    details = decode_status_details(status.trailing_metadata)
    assert (details.reason, details.domain) == ("OVERLOADED", errors.DOMAIN)
    assert details.metadata == {"limit": "32"}
    assert details.retry_delay == 0.25
    decoded = status_pb2.Status.FromString(raw)
    assert decoded.code == grpc.StatusCode.UNAVAILABLE.value[0]
    assert "retry after 0.25 s" in decoded.message


def test_every_reason_sent_is_in_the_catalogue() -> None:
    values = codes_pb2.ErrorReason.values()
    names = {codes_pb2.ErrorReason.Name(v).removeprefix("ERROR_REASON_") for v in values}
    assert {"INVALID_TENDER", "OVERLOADED", "TOO_MANY_BIDS", "TOO_MANY_STREAMS"} <= names
    assert "TOO_MANY_DRAWS" in names


def test_domain_is_a_dns_name() -> None:
    assert re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", errors.DOMAIN)
