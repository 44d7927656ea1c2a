"""The ProcurementService over JSON/HTTP (the Connect protocol), from the same process and store
as over gRPC: a procurement published over HTTP is listed over gRPC, and the reverse."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from google.protobuf import json_format

from tco_client.tender import load_tender
from tcoapi.v1 import procurement_pb2 as pb
from tcoapi.v1 import procurement_pb2_grpc
from tests.conftest import SAMPLE_TENDER, ServerProcess
from tests.server.test_http import TIMEOUT, Http

PATH = "/tcoapi.v1.ProcurementService/"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Http]:
    proc = ServerProcess("--http-port", "0", "--data-dir", str(tmp_path))
    ports = Http(proc)
    try:
        yield ports
    finally:
        ports.channel.close()
        assert proc.stop() == 0, proc.logs()


def test_procurements_over_http_and_grpc_share_one_store(served: Http) -> None:
    method = json_format.MessageToDict(load_tender(SAMPLE_TENDER).method)
    body = {"procurementId": "lamps-2027", "procurement": {"title": "Lamps", "method": method}}
    status, _, answer = served.post(PATH + "CreateProcurement", json.dumps(body).encode())
    assert status == 200, answer
    created = json_format.Parse(answer, pb.CreateProcurementResponse())
    assert created.procurement.name == "procurements/lamps-2027"
    assert created.procurement.method_digest
    stub = procurement_pb2_grpc.ProcurementServiceStub(served.channel)
    listed = stub.ListProcurements(pb.ListProcurementsRequest(), timeout=TIMEOUT)
    assert [p.name for p in listed.procurements] == ["procurements/lamps-2027"]
    status, _, answer = served.post(PATH + "GetProcurement", b'{"name": "procurements/nope"}')
    assert status == 404
    assert json.loads(answer)["code"] == "not_found"


def test_a_bad_procurement_over_http_names_its_fields(served: Http) -> None:
    body = {"procurementId": "x", "procurement": {"title": "No method"}}
    status, _, answer = served.post(PATH + "CreateProcurement", json.dumps(body).encode())
    assert status == 400
    error = json.loads(answer)
    assert error["code"] == "invalid_argument"
    assert error["details"]


def test_grpc_still_answers_the_same_calls(served: Http) -> None:
    stub = procurement_pb2_grpc.ProcurementServiceStub(served.channel)
    with pytest.raises(grpc.RpcError) as raised:
        stub.GetProcurement(pb.GetProcurementRequest(name="procurements/nope"), timeout=TIMEOUT)
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND
