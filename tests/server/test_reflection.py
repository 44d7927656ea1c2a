"""Server reflection v1 and v1alpha against the real server, over the raw streaming method.

What grpcurl does (``list``, ``describe``), by hand: ``grpc.reflection.v1.ServerReflection/
ServerReflectionInfo`` lists the services, resolves a method name to its file, and returns file
descriptors that carry the contract's comments (source info).
"""

from __future__ import annotations

import grpc
import pytest
from google.protobuf import descriptor_pb2
from grpc_reflection.v1alpha import reflection_pb2 as pb

from tests.server.conftest import TIMEOUT

SERVICE = "tcoapi.v1.LifeCycleCostService"
VERSIONS = ("grpc.reflection.v1", "grpc.reflection.v1alpha")


def _ask(
    channel: grpc.Channel, version: str, *requests: pb.ServerReflectionRequest
) -> list[pb.ServerReflectionResponse]:
    """The raw bidirectional method (v1 and v1alpha messages are the same on the wire)."""
    call = channel.stream_stream(
        f"/{version}.ServerReflection/ServerReflectionInfo",
        request_serializer=pb.ServerReflectionRequest.SerializeToString,
        response_deserializer=pb.ServerReflectionResponse.FromString,
    )
    return list(call(iter(requests), timeout=TIMEOUT))


def _files(response: pb.ServerReflectionResponse) -> list[descriptor_pb2.FileDescriptorProto]:
    assert response.WhichOneof("message_response") == "file_descriptor_response", response
    return [
        descriptor_pb2.FileDescriptorProto.FromString(raw)
        for raw in response.file_descriptor_response.file_descriptor_proto
    ]


@pytest.mark.parametrize("version", VERSIONS)
def test_reflection_lists_the_services(channel: grpc.Channel, version: str) -> None:
    (response,) = _ask(channel, version, pb.ServerReflectionRequest(list_services=""))
    names = {s.name for s in response.list_services_response.service}
    assert {
        SERVICE,
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
        "grpc.reflection.v1alpha.ServerReflection",
    } <= names


@pytest.mark.parametrize("version", VERSIONS)
def test_a_method_name_resolves_to_its_file_with_comments(
    channel: grpc.Channel, version: str
) -> None:
    (response,) = _ask(
        channel,
        version,
        pb.ServerReflectionRequest(file_containing_symbol=f"{SERVICE}.EvaluateBids"),
    )
    files = _files(response)
    first = files[0]
    assert first.name == "tcoapi/v1/service.proto"
    assert {"tcoapi/v1/tender.proto", "tcoapi/v1/result.proto"} <= {f.name for f in files}
    comments = [loc.leading_comments for loc in first.source_code_info.location]
    assert any("Evaluate the bids of one tender" in c for c in comments)
    # a field's comment travels too (result.proto's evaluation_digest)
    result = next(f for f in files if f.name == "tcoapi/v1/result.proto")
    assert any("evaluation_digest" not in c and "docs/digest.md" in c for c in _comments(result))


def _comments(proto: descriptor_pb2.FileDescriptorProto) -> list[str]:
    return [loc.leading_comments for loc in proto.source_code_info.location]


def test_the_catalogue_and_the_error_details_are_reflected(channel: grpc.Channel) -> None:
    ask = [
        pb.ServerReflectionRequest(file_containing_symbol="tcoapi.v1.ErrorReason"),
        pb.ServerReflectionRequest(file_containing_symbol="google.rpc.RetryInfo"),
        pb.ServerReflectionRequest(file_containing_symbol="grpc.reflection.v1.ServerReflection"),
        pb.ServerReflectionRequest(file_containing_symbol="no.such.Symbol"),
    ]
    codes, details, v1, missing = _ask(channel, "grpc.reflection.v1", *ask)
    assert _files(codes)[0].name == "tcoapi/v1/codes.proto"
    assert any("OVERLOADED" in c or "retry" in c for c in _comments(_files(codes)[0]))
    assert _files(details)[0].name == "google/rpc/error_details.proto"
    assert _files(v1)[0].package == "grpc.reflection.v1"
    assert missing.error_response.error_code == grpc.StatusCode.NOT_FOUND.value[0]
