"""Server reflection, ``grpc.reflection.v1`` and ``v1alpha``, with the contract's comments.

:func:`enable` is the one call the app makes. What it serves:

- **Both protocol versions.** ``grpc.reflection.v1.ServerReflection`` (what grpcurl, Postman and
  current grpc tools ask first) and ``grpc.reflection.v1alpha.ServerReflection`` (older tools).
  The two protos are the same messages under another package, so one servicer answers both;
  grpcio-reflection ships only v1alpha's generated code, whose messages are used for either on
  the wire.
- **Comments.** The contract's files come from the FileDescriptorSet that ``scripts/gen_proto.py``
  writes with ``protoc --include_source_info`` (``tcoapi/v1/descriptor_set.binpb``), and are
  served as protoc wrote them, ``source_code_info`` included, so a tool that shows a method or a
  field shows its comment too. (The default descriptor pool, which grpcio-reflection serves,
  holds the generated code's descriptors, which carry no source info.) Files outside the
  contract (health, reflection, and ``google/rpc/error_details.proto`` so that a client can
  decode the error details) come from the default pool.
- **Any symbol.** ``file_containing_symbol`` resolves a package, service, method
  (``tcoapi.v1.LifeCycleCostService.EvaluateBids``), message, field, enum or enum value.

Example (grpcurl)::

    grpcurl -plaintext 127.0.0.1:50051 list
    grpcurl -plaintext 127.0.0.1:50051 describe tcoapi.v1.LifeCycleCostService.EvaluateBids
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from importlib import resources
from typing import Any

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2
from grpc_reflection.v1alpha import reflection_pb2 as pb

#: The reflection services, newest first.
SERVICE_NAMES: tuple[str, ...] = (
    "grpc.reflection.v1.ServerReflection",
    "grpc.reflection.v1alpha.ServerReflection",
)
#: The contract with source info, written by scripts/gen_proto.py next to the generated code.
DESCRIPTOR_SET = ("tcoapi.v1", "descriptor_set.binpb")
_V1_FILE = "grpc/reflection/v1/reflection.proto"


class Contract:
    """The files reflection serves: serialized FileDescriptorProtos by name, and a pool of them
    to find a symbol's file."""

    def __init__(self, files: Iterable[descriptor_pb2.FileDescriptorProto]) -> None:
        self.pool = descriptor_pool.DescriptorPool()
        self.serialized: dict[str, bytes] = {}
        self.dependencies: dict[str, tuple[str, ...]] = {}
        for proto in files:
            if proto.name in self.serialized:
                continue
            self.pool.Add(proto)
            self.serialized[proto.name] = proto.SerializeToString()
            self.dependencies[proto.name] = tuple(proto.dependency)

    def file_with_dependencies(self, name: str) -> list[bytes]:
        """``name`` first, then every file it imports, each once."""
        order: list[str] = []
        pending = [name]
        while pending:
            current = pending.pop()
            if current in order or current not in self.serialized:
                continue
            order.append(current)
            pending.extend(reversed(self.dependencies[current]))
        return [self.serialized[n] for n in order]

    def file_of_symbol(self, symbol: str) -> str | None:
        """The file that defines ``symbol``; a method by its service's file."""
        try:
            return str(self.pool.FindFileContainingSymbol(symbol).name)
        except KeyError:
            pass
        service, _, method = symbol.rpartition(".")
        try:
            found = self.pool.FindServiceByName(service)
        except KeyError:
            return None
        return str(found.file.name) if method in found.methods_by_name else None


def _default_file(name: str) -> descriptor_pb2.FileDescriptorProto:
    proto = descriptor_pb2.FileDescriptorProto()
    descriptor_pool.Default().FindFileByName(name).CopyToProto(proto)
    return proto


def _v1_reflection_file() -> descriptor_pb2.FileDescriptorProto:
    """grpc.reflection.v1's file: v1alpha's messages under the v1 package (the same wire form)."""
    proto = _default_file(pb.DESCRIPTOR.name)
    old, new = f".{proto.package}.", ".grpc.reflection.v1."
    proto.name = "grpc/reflection/v1/reflection.proto"
    proto.package = "grpc.reflection.v1"
    proto.ClearField("options")
    for message in proto.message_type:
        for field in message.field:
            if field.HasField("type_name"):
                field.type_name = field.type_name.replace(old, new)
    for service in proto.service:
        for method in service.method:
            method.input_type = method.input_type.replace(old, new)
            method.output_type = method.output_type.replace(old, new)
    return proto


def _with_imports(
    name: str, seen: dict[str, descriptor_pb2.FileDescriptorProto]
) -> Iterator[descriptor_pb2.FileDescriptorProto]:
    """A default-pool file after the files it imports (a pool takes a file after its imports)."""
    if name in seen:
        return
    proto = _default_file(name)
    seen[name] = proto
    for dependency in proto.dependency:
        yield from _with_imports(dependency, seen)
    yield proto


@functools.cache
def contract() -> Contract:
    """The contract's files (with source info) and the health and reflection files."""
    package, name = DESCRIPTOR_SET
    data = resources.files(package).joinpath(name).read_bytes()
    files = list(descriptor_pb2.FileDescriptorSet.FromString(data).file)
    seen = {f.name: f for f in files}
    for extra in (
        health_pb2.DESCRIPTOR.name,
        pb.DESCRIPTOR.name,
        error_details_pb2.DESCRIPTOR.name,
    ):
        files.extend(_with_imports(extra, seen))
    files.append(_v1_reflection_file())
    return Contract(files)


class ReflectionServicer:
    """``ServerReflectionInfo`` of both versions over :func:`contract`."""

    def __init__(self, service_names: Iterable[str], files: Contract) -> None:
        self._services = tuple(sorted({*service_names, *SERVICE_NAMES}))
        self._files = files

    def answer(self, request: pb.ServerReflectionRequest) -> pb.ServerReflectionResponse:
        """The response to one request of the stream."""
        kind = request.WhichOneof("message_request")
        response = pb.ServerReflectionResponse(original_request=request)
        if kind == "list_services":
            response.list_services_response.service.extend(
                pb.ServiceResponse(name=name) for name in self._services
            )
            return response
        name: str | None = None
        if kind == "file_by_filename":
            name = request.file_by_filename
        elif kind == "file_containing_symbol":
            name = self._files.file_of_symbol(request.file_containing_symbol)
        elif kind == "all_extension_numbers_of_type":
            # The contract defines no extensions; a known message type has none.
            if self._files.file_of_symbol(request.all_extension_numbers_of_type) is not None:
                response.all_extension_numbers_response.base_type_name = (
                    request.all_extension_numbers_of_type
                )
                return response
        else:  # file_containing_extension: the contract defines no extensions
            name = None
        if name is None or name not in self._files.serialized:
            response.error_response.error_code = grpc.StatusCode.NOT_FOUND.value[0]
            response.error_response.error_message = "not found"
            return response
        response.file_descriptor_response.file_descriptor_proto.extend(
            self._files.file_with_dependencies(name)
        )
        return response

    def ServerReflectionInfo(  # noqa: N802 - the proto's name
        self, requests: Iterator[pb.ServerReflectionRequest], context: Any
    ) -> Iterator[pb.ServerReflectionResponse]:
        for request in requests:
            yield self.answer(request)


def handlers(
    service_names: Iterable[str], *, asynchronous: bool = False
) -> tuple[grpc.GenericRpcHandler, ...]:
    """The generic handlers of both reflection services; ``asynchronous``: for an asyncio
    server, where the stream is served on the event loop (a tool that keeps its stream open
    holds no thread)."""
    servicer = ReflectionServicer(service_names, contract())
    behaviour: Any = servicer.ServerReflectionInfo
    if asynchronous:

        async def behaviour(requests: Any, context: Any) -> Any:
            async for request in requests:
                yield servicer.answer(request)

    return tuple(
        grpc.method_handlers_generic_handler(
            service,
            {
                "ServerReflectionInfo": grpc.stream_stream_rpc_method_handler(
                    behaviour,
                    request_deserializer=pb.ServerReflectionRequest.FromString,
                    response_serializer=pb.ServerReflectionResponse.SerializeToString,
                )
            },
        )
        for service in SERVICE_NAMES
    )


def enable(server: Any, service_names: Iterable[str]) -> None:
    """Serve reflection v1 and v1alpha on ``server`` for ``service_names`` (and themselves)."""
    asynchronous = isinstance(server, grpc.aio.Server)
    server.add_generic_rpc_handlers(handlers(service_names, asynchronous=asynchronous))
