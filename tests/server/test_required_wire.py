"""Required is required, over the wire (issue #14): a field left out of a request, a dropped or
misspelt JSON key, never evaluates with zeros; ``validate_only`` answers with the evaluation's
own warnings.

gRPC calls go to the session's server (``stub``); the JSON calls to a server with its HTTP port
open (as :mod:`tests.server.test_http` does).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import json_format

from tco.errors import InvalidTender
from tco.evaluate import evaluate
from tco_server import columns
from tcoapi.v1 import batch_pb2, result_pb2, service_pb2_grpc, tender_pb2
from tests.conftest import SAMPLE_TENDER, ServerProcess
from tests.server.conftest import FAULTS_ENV, call_failing
from tests.server.test_http import SERVICE, Http, _details


def test_unit_price_left_out_is_refused_naming_it(
    stub: service_pb2_grpc.LifeCycleCostServiceStub, sample_request: tender_pb2.EvaluateBidsRequest
) -> None:
    sample_request.bids[1].items[0].ClearField("unit_price")
    failure = call_failing(stub, sample_request)
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert failure.fields == ["bids[1].items[0].unit_price"]
    assert failure.description("bids[1].items[0].unit_price").startswith("required")


def test_rates_left_out_are_refused_and_zero_sent_is_zero(
    stub: service_pb2_grpc.LifeCycleCostServiceStub, sample_request: tender_pb2.EvaluateBidsRequest
) -> None:
    request = tender_pb2.EvaluateBidsRequest()
    request.CopyFrom(sample_request)
    request.method.ClearField("discount_rate")
    request.bids[0].items[0].ClearField("quantity")
    failure = call_failing(stub, request)
    assert failure.fields == ["method.discount_rate", "bids[0].items[0].quantity"]
    # 0 sent explicitly is a discount rate of 0 (explicit presence puts it on the wire)
    sample_request.method.discount_rate = 0.0
    assert sample_request.method.HasField("discount_rate")
    response = stub.EvaluateBids(sample_request, timeout=30)
    assert len(response.results) == 2


def test_validate_only_answers_with_the_evaluation_warnings(
    stub: service_pb2_grpc.LifeCycleCostServiceStub, sample_request: tender_pb2.EvaluateBidsRequest
) -> None:
    sample_request.method.discount_rate = 0.35
    sample_request.bids[0].items.append(sample_request.bids[0].items[0])
    sample_request.method.carbon_price.Clear()
    sample_request.method.carbon_price.price.value = 1500
    sample_request.method.carbon_price.price.unit = "SEK/kgCO2e"
    evaluated = stub.EvaluateBids(sample_request, timeout=30)
    sample_request.validate_only = True
    checked = stub.EvaluateBids(sample_request, timeout=30)
    assert checked.validated_only
    assert not checked.results
    assert list(checked.warnings) == list(evaluated.warnings)
    assert {
        "RATE_LOOKS_LIKE_PERCENT",
        "DUPLICATE_ITEM",
        "CARBON_PRICE_IMPLAUSIBLE",
        "CLIMATE_COST_ABOVE_LCC",
    } <= {w.code for w in checked.warnings}


def test_columns_without_a_unit_price_column_name_each_row() -> None:
    method = json_format.Parse(
        json.dumps(json.loads(Path(SAMPLE_TENDER).read_text())["method"]), tender_pb2.Method()
    )
    method.ClearField("baseline_bid_id")
    tender = columns.columns_to_tender(
        batch_pb2.BidColumns(
            method=method,
            rows=2,
            service_life=batch_pb2.Column(unit="years", values=[8.0, 9.0]),
        )
    )
    with pytest.raises(InvalidTender) as info:
        evaluate(tender)
    assert [v.field for v in info.value.violations] == [
        "bids[0].items[0].unit_price",
        "bids[1].items[0].unit_price",
    ]


# -- JSON over HTTP ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served() -> Iterator[Http]:
    proc = ServerProcess("--http-port", "0", env=FAULTS_ENV)
    ports = Http(proc)
    try:
        yield ports
    finally:
        ports.channel.close()
        assert proc.stop() == 0, proc.logs()


def _document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(Path(SAMPLE_TENDER).read_text())
    return document


def _camel(value: Any) -> Any:
    """The document with lowerCamel keys (map keys kept), as a non-Python client writes it."""
    if isinstance(value, list):
        return [_camel(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, inner in value.items():
        head, *rest = key.split("_")
        camel = head + "".join(part.title() for part in rest)
        out[camel] = inner if key == "exchange_rates" else _camel(inner)
    return out


def _post(served: Http, document: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    status, _, body = served.post(f"{SERVICE}/EvaluateBids", json.dumps(document).encode())
    answer: dict[str, Any] = json.loads(body)
    return status, answer


def _violations(answer: dict[str, Any]) -> list[str]:
    bad = _details(answer)["google.rpc.BadRequest"]
    return [v.field for v in bad.field_violations]  # type: ignore[attr-defined]


def test_lower_camel_keys_evaluate_as_the_proto_names(served: Http) -> None:
    status, snake = _post(served, _document())
    assert status == 200
    status, camel = _post(served, _camel(_document()))
    assert status == 200
    assert "discountRate" in json.dumps(_camel(_document()))
    assert json_format.ParseDict(camel, result_pb2.EvaluateBidsResponse()) == json_format.ParseDict(
        snake, result_pb2.EvaluateBidsResponse()
    )


def test_misspelt_keys_are_refused_every_one_with_its_path(served: Http) -> None:
    document = _document()
    method = document["method"]
    method["discount_rat"] = method.pop("discount_rate")
    item = document["bids"][1]["items"][0]
    item["unitPrise"] = item.pop("unit_price")
    item["costs"][0]["Amount"] = item["costs"][0].pop("amount")
    status, answer = _post(served, document)
    assert status == 400
    assert answer["code"] == "invalid_argument"
    assert sorted(_violations(answer)) == [
        "bids[1].items[0].costs[0].Amount",
        "bids[1].items[0].unitPrise",
        "method.discount_rat",
    ]


def test_a_dropped_key_is_a_violation_not_a_zero(served: Http) -> None:
    document = _camel(_document())
    del document["bids"][0]["items"][0]["unitPrice"]
    del document["method"]["discountRate"]
    status, answer = _post(served, document)
    assert status == 400
    assert _violations(answer) == ["method.discount_rate", "bids[0].items[0].unit_price"]
