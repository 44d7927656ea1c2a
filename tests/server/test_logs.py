"""Bids are confidential until award: the server's logs never hold bid content.

A canary string goes into the id, supplier and names of a bid; good requests, bad requests (engine
violations, limit violations) and an unexpected fault run through a server of our own; the canary
must not appear anywhere in what the server wrote. The log lines themselves are one JSON object
each, with the method, code, duration and bid count.
"""

from __future__ import annotations

import contextlib
import json
import math
import socket
from pathlib import Path

import grpc
import pytest

from tcoapi.v1 import service_pb2_grpc, tender_pb2
from tests.conftest import ServerProcess, wait_until
from tests.server.certs import make_pki
from tests.server.conftest import FAULTS_ENV, TIMEOUT

CANARY = "CANARY-7f3a"


def _with_canary(request: tender_pb2.EvaluateBidsRequest) -> tender_pb2.EvaluateBidsRequest:
    bid = request.bids[1]
    old_id = bid.id
    bid.id = f"{CANARY}-bid"
    bid.supplier = f"{CANARY} Supplier AB"
    bid.items[0].name = f"{CANARY} scrubber"
    bid.items[0].costs[0].name = f"{CANARY} battery"
    bid.deductions[0].criterion = f"{CANARY} take-back"
    # the claim names a criterion of the method (tco.validate.deductions)
    request.method.evaluation_model.deduction_criteria[0].criterion = f"{CANARY} take-back"
    if request.method.baseline_bid_id == old_id:
        request.method.baseline_bid_id = bid.id
    return request


@pytest.mark.slow
def test_logs_never_contain_bid_content(sample_request: tender_pb2.EvaluateBidsRequest) -> None:
    request = _with_canary(sample_request)
    proc = ServerProcess(env=FAULTS_ENV)
    codes: list[grpc.StatusCode] = []
    try:
        with grpc.insecure_channel(proc.target) as channel:
            stub = service_pb2_grpc.LifeCycleCostServiceStub(channel)

            def call(req: tender_pb2.EvaluateBidsRequest, **kwargs: object) -> None:
                try:
                    stub.EvaluateBids(req, timeout=TIMEOUT, **kwargs)
                    codes.append(grpc.StatusCode.OK)
                except grpc.RpcError as error:
                    codes.append(error.code())

            call(request)  # good
            validate = tender_pb2.EvaluateBidsRequest()
            validate.CopyFrom(request)
            validate.validate_only = True
            call(validate)  # good, validation only

            bad_unit = tender_pb2.EvaluateBidsRequest()
            bad_unit.CopyFrom(request)
            bad_unit.bids[1].items[0].resource_use[0].amount.unit = f"{CANARY}/year"
            bad_unit.bids[1].items[0].unit_price.value = math.nan
            call(bad_unit)  # engine violations quoting the canary back to the client

            too_long = tender_pb2.EvaluateBidsRequest()
            too_long.CopyFrom(request)
            too_long.bids[1].items[0].warranty.unit = CANARY * 20
            call(too_long)  # limits violation

            call(request, metadata=(("x-tco-test-fault", "raise"),))  # INTERNAL; message quotes it
    finally:
        code = proc.stop()
    assert code == 0, proc.logs()
    assert codes == [
        grpc.StatusCode.OK,
        grpc.StatusCode.OK,
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.INTERNAL,
    ]

    logs = proc.logs()
    assert CANARY not in logs
    assert "CANARY" not in logs
    assert "Supplier AB" not in logs

    # One JSON line per call with counts and codes only.
    wait_until(lambda: len(proc.events("rpc")) >= len(codes), proc.logs)
    rpc_lines = proc.events("rpc")
    assert [line["code"] for line in rpc_lines] == [c.name for c in codes]
    for line in rpc_lines:
        assert line["method"] == "EvaluateBids"
        assert line["bids"] == 2
        assert isinstance(line["duration_ms"], float)
    assert len(str(rpc_lines[0]["digest"])) == 12


def test_grpc_core_lines_stay_out_of_the_json_log(tmp_path: Path) -> None:
    """A client that is not TLS made gRPC core log "I1207 ... Handshake failed" on stderr, between
    the JSON lines (issue #16, item 8): core logging is off, every line is JSON."""
    pki = make_pki(tmp_path / "pki")
    proc = ServerProcess("--tls-cert", str(pki.server_cert), "--tls-key", str(pki.server_key))
    try:
        for _ in range(3):  # plaintext HTTP/2 against the TLS port: the handshake fails
            with socket.create_connection((proc.host, proc.port), timeout=TIMEOUT) as sock:
                sock.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes(64))
                sock.settimeout(TIMEOUT)
                with contextlib.suppress(OSError):
                    sock.recv(1024)  # the server closes the connection
    finally:
        assert proc.stop() == 0, proc.logs()
    lines = [line for line in proc.stderr_lines if line.strip()]
    assert all(line.startswith("{") for line in lines), lines
    assert {json.loads(line)["event"] for line in lines} >= {"started", "stopped"}
