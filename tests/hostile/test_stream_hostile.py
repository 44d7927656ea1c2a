"""Hostile messages inside the EvaluateTenders stream, against the real server.

Regression (issue #8): a stream message that did not decode was answered by grpc's deserializer
with INTERNAL for the whole stream. Each such message must get its own INVALID_ARGUMENT status
(reason ``UNDECODABLE_REQUEST``, ``sequence`` saying which it was) and the stream must go on;
a tender over the size limits gets its own RESOURCE_EXHAUSTED from the size guard, with its
tender id, while the stream goes on. Never INTERNAL.
"""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
from google.rpc import code_pb2, error_details_pb2, status_pb2

from tcoapi.v1 import batch_pb2
from tests.hostile.corpus import SIZE_CASES, serialized
from tests.server.conftest import TIMEOUT, load_sample_request

EVALUATE_TENDERS = "/tcoapi.v1.LifeCycleCostService/EvaluateTenders"
#: The 10^6-item tender is ~2 MB; the client default would refuse to send it.
OPTIONS = [("grpc.max_send_message_length", 64 * 1024 * 1024)]


def _good() -> bytes:
    return batch_pb2.EvaluateTendersRequest(
        tender_id="good", request=load_sample_request()
    ).SerializeToString()


def _reason(status: status_pb2.Status) -> str:
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            return info.reason
    return ""


def _fields(status: status_pb2.Status) -> list[str]:
    out: list[str] = []
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            out += [v.field for v in bad.field_violations]
    return out


@pytest.fixture
def raw_stream(server_target: str) -> Iterator[grpc.StreamStreamMultiCallable]:
    with grpc.insecure_channel(server_target, options=OPTIONS) as channel:
        yield channel.stream_stream(
            EVALUATE_TENDERS,
            request_serializer=None,  # raw bytes, as a client in another language may send
            response_deserializer=batch_pb2.EvaluateTendersResponse.FromString,
        )


UNDECODABLE = {
    "not protobuf": b"\x0a\xff\xff\xff\xff\x0f not protobuf",
    "tender_id not UTF-8": b"\x0a\x02\xff\xfe",
    "truncated tender": _good()[:300],
    "end-group tag": b"\x0c",
    "10^5 unbalanced start-group tags": b"\x0b" * 100_000,
    "bad wire type 7": b"\x0f\x00",
    "length past the end": b"\x12\x80\x80\x80\x08",
}


@pytest.mark.parametrize("garbage", UNDECODABLE.values(), ids=UNDECODABLE.keys())
def test_an_undecodable_stream_message_is_invalid_argument_for_it_not_internal(
    raw_stream: grpc.StreamStreamMultiCallable, garbage: bytes
) -> None:
    good = _good()
    responses = list(raw_stream(iter([good, garbage, good]), timeout=TIMEOUT))
    assert [r.sequence for r in responses] == [0, 1, 2]
    assert [r.WhichOneof("outcome") for r in responses] == ["result", "error", "result"]
    error = responses[1].error
    assert error.code == code_pb2.INVALID_ARGUMENT
    assert _reason(error) == "UNDECODABLE_REQUEST"
    assert _fields(error) == [""]
    assert responses[1].tender_id == ""
    assert responses[0].result == responses[2].result


def test_a_tender_over_the_size_limits_is_refused_by_the_guard_and_the_stream_goes_on(
    raw_stream: grpc.StreamStreamMultiCallable,
) -> None:
    sample = load_sample_request().SerializeToString()
    messages = [_good()]
    expected: list[tuple[str, str]] = []
    for case in SIZE_CASES:
        if case.transport:
            continue
        request = serialized(case, sample)
        # EvaluateTendersRequest: tender_id = 1, request = 2 (built on the wire, no re-parse)
        tender = batch_pb2.EvaluateTendersRequest(tender_id=f"t{len(messages)}")
        messages.append(tender.SerializeToString() + _length_delimited(2, request))
        expected.append((f"t{len(messages) - 1}", case.field))
    messages.append(_good())
    responses = list(raw_stream(iter(messages), timeout=TIMEOUT))
    assert [r.sequence for r in responses] == list(range(len(messages)))
    assert responses[0].HasField("result")
    assert responses[-1].HasField("result")
    for response, (tender_id, field) in zip(responses[1:-1], expected, strict=True):
        assert response.tender_id == tender_id
        assert response.error.code == code_pb2.RESOURCE_EXHAUSTED
        assert field in _fields(response.error)


def _length_delimited(number: int, payload: bytes) -> bytes:
    out = bytearray([(number << 3) | 2])
    size = len(payload)
    while True:
        byte = size & 0x7F
        size >>= 7
        out.append(byte | (0x80 if size else 0))
        if not size:
            return bytes(out) + payload
