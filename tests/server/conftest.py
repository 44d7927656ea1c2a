"""Fixtures of the end-to-end server tests: stubs on the shared server, the sample request, and
helpers that decode the ``google.rpc`` details of a failed call.

Every test talks to a real ``python -m tco_server`` on a loopback port through the generated
stubs. Tests that need a differently started server (fault hooks, one concurrent call, shutdown)
start their own :class:`tests.conftest.ServerProcess`.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from google.protobuf import json_format
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from tcoapi.v1 import service_pb2_grpc, tender_pb2
from tests.conftest import SAMPLE_TENDER, ServerProcess

#: Environment that turns the test-only fault hooks on (see tco_server.faults).
FAULTS_ENV = {"TCO_SERVER_TEST_FAULTS": "1"}
#: Deadline of ordinary test calls, seconds: generous, but a hung server fails the test.
TIMEOUT = 30.0


def load_sample_request() -> tender_pb2.EvaluateBidsRequest:
    """The sample tender JSON, parsed unchanged into the request message."""
    return json_format.Parse(
        Path(SAMPLE_TENDER).read_text(encoding="utf-8"), tender_pb2.EvaluateBidsRequest()
    )


@pytest.fixture(scope="session")
def _sample_request() -> tender_pb2.EvaluateBidsRequest:
    return load_sample_request()


@pytest.fixture
def sample_request(
    _sample_request: tender_pb2.EvaluateBidsRequest,
) -> tender_pb2.EvaluateBidsRequest:
    """A fresh copy per test: tests may change it."""
    return copy.deepcopy(_sample_request)


@pytest.fixture(scope="session")
def channel(server_target: str) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(server_target) as ch:
        grpc.channel_ready_future(ch).result(timeout=TIMEOUT)
        yield ch


@pytest.fixture(scope="session")
def stub(channel: grpc.Channel) -> service_pb2_grpc.LifeCycleCostServiceStub:
    return service_pb2_grpc.LifeCycleCostServiceStub(channel)


@pytest.fixture(scope="session")
def fault_server() -> Iterator[ServerProcess]:
    """A server with the test-only fault hooks on (TCO_SERVER_TEST_FAULTS=1)."""
    proc = ServerProcess(env=FAULTS_ENV)
    try:
        yield proc
    finally:
        code = proc.stop()
        assert code == 0, f"server exited {code}:\n{proc.logs()}"


@pytest.fixture(scope="session")
def fault_stub(fault_server: ServerProcess) -> Iterator[service_pb2_grpc.LifeCycleCostServiceStub]:
    with grpc.insecure_channel(fault_server.target) as ch:
        yield service_pb2_grpc.LifeCycleCostServiceStub(ch)


@dataclass(frozen=True)
class Failure:
    """A failed call, decoded: code, message, and the google.rpc details."""

    code: grpc.StatusCode
    message: str
    violations: list[tuple[str, str]]
    reason: str
    domain: str
    metadata: dict[str, str]

    @property
    def fields(self) -> list[str]:
        return [field for field, _ in self.violations]

    def description(self, field: str) -> str:
        found = [d for f, d in self.violations if f == field]
        assert found, f"no violation at {field}; got {self.violations}"
        return found[0]


def status_details(
    status: status_pb2.Status,
) -> tuple[list[tuple[str, str]], str, str, dict[str, str]]:
    """The BadRequest violations ``(field, description)`` and the ErrorInfo reason, domain and
    metadata of a ``google.rpc.Status``."""
    violations: list[tuple[str, str]] = []
    reason = domain = ""
    metadata: dict[str, str] = {}
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            violations += [(v.field, v.description) for v in bad.field_violations]
        elif detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            reason, domain, metadata = info.reason, info.domain, dict(info.metadata)
    return violations, reason, domain, metadata


def decode(error: grpc.RpcError) -> Failure:
    """Decode ``grpc-status-details-bin`` of a failed call (BadRequest + ErrorInfo)."""
    status = rpc_status.from_call(error)
    if status is not None:
        assert status.code == error.code().value[0]
    violations, reason, domain, metadata = status_details(status or status_pb2.Status())
    return Failure(
        code=error.code(),
        message=error.details() or "",
        violations=violations,
        reason=reason,
        domain=domain,
        metadata=metadata,
    )


def call_failing(
    stub: service_pb2_grpc.LifeCycleCostServiceStub,
    request: tender_pb2.EvaluateBidsRequest,
    metadata: tuple[tuple[str, str], ...] = (),
    timeout: float = TIMEOUT,
) -> Failure:
    """Call EvaluateBids expecting an error; return it decoded."""
    with pytest.raises(grpc.RpcError) as caught:
        stub.EvaluateBids(request, timeout=timeout, metadata=metadata)
    return decode(caught.value)
