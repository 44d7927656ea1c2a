"""The FollowUpService servicer (issue 19): transport only, over :mod:`tco_server.records`.

It shares the ONE records store the ProcurementService opened (:func:`handlers` takes it), so
commitments and readings join the same hash chain as the procurement records. Each call:

- runs as the caller's organisation (:data:`tco_server.security.ORGANIZATION`), so another
  organisation's procurement or commitment is NOT_FOUND;
- calls one plain function: :mod:`~tco_server.records.commitments` (Create/Get/List),
  :mod:`~tco_server.records.readings` (Append/Stream/List, against the series the
  procurement's commitments name: :func:`~tco_server.records.commitments.series_specs`),
  :mod:`~tco_server.records.followup_report` (GetFollowUpReport);
- logs one line (method, code, duration, counts; never a reading, a term or a bid);
- maps a refusal to its status with every bad field's path (INVALID_ARGUMENT), an unawarded
  procurement to FAILED_PRECONDITION, anything else to INTERNAL with an incident id.

StreamReadings is a client stream. Over gRPC the asyncio server reads its messages on the event
loop and appends each in a pool thread as it arrives (:meth:`FollowUpService.open_readings`
opens a :class:`ReadingsSink`; :meth:`tco_server.serving.GrpcServer.collect`), so a slow sender
holds no thread. Over HTTP (the Connect protocol's client stream: enveloped messages in, one
enveloped response out) the gateway drives :meth:`FollowUpService.StreamReadings` in its thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import grpc
from google.protobuf.message import Message

from tco.errors import InvalidTender
from tco_server import decoding, errors
from tco_server.logs import log_event
from tco_server.records import commitments, followup_report, readings
from tco_server.records import procurements as proc
from tco_server.records.store import RecordStore
from tco_server.records_calls import run_as_caller
from tco_server.security import ORGANIZATION
from tcoapi.v1 import followup_pb2 as fpb
from tcoapi.v1 import followup_pb2_grpc

SERVICE_NAME = "tcoapi.v1.FollowUpService"
#: The service's descriptor (the HTTP gateway routes its methods by it).
DESCRIPTOR = fpb.DESCRIPTOR.services_by_name["FollowUpService"]
#: Client-streaming methods (the rest are unary).
STREAMS = frozenset({"StreamReadings"})
T = TypeVar("T")


def _series(store: RecordStore, organization: str, parent: str) -> tuple[str, dict[str, Any]]:
    """(procurement id, the series its commitments name); NOT_FOUND / FAILED_PRECONDITION."""
    procurement_id, _ = commitments.awarded(store, organization, parent)
    found = commitments.stored_commitments(store, organization, procurement_id)
    return procurement_id, commitments.series_specs(
        commitments.commitment_message(r) for r in found
    )


def _refused_readings(error: readings.ReadingsError, prefix: str = "") -> proc.RecordsError:
    return commitments.invalid([(prefix + f, m, r) for f, r, m in error.violations])


def _refusal(error: Exception) -> tuple[str, grpc.Status] | None:
    """The statuses of the errors this service knows (:func:`run_as_caller`)."""
    if isinstance(error, proc.RecordsError):
        return error.code, error.status
    if isinstance(error, readings.ReadingsError):
        refused = _refused_readings(error)
        return refused.code, refused.status
    if isinstance(error, InvalidTender):
        return "INVALID_ARGUMENT", errors.invalid_tender_status(error)
    return None


class FollowUpService(followup_pb2_grpc.FollowUpServiceServicer):
    """Every method: the caller's organisation, one plain function, one log line."""

    def __init__(self, store: RecordStore) -> None:
        self.store = store

    def _call(
        self,
        method: str,
        context: grpc.ServicerContext,
        work: Callable[[str], T],
        **logged: object,
    ) -> T:
        return run_as_caller(method, context, work, _refusal, **logged)

    def CreateCommitment(  # noqa: N802
        self, request: fpb.CreateCommitmentRequest, context: grpc.ServicerContext
    ) -> fpb.CreateCommitmentResponse:
        return self._call(
            "CreateCommitment",
            context,
            lambda org: commitments.create_commitment(self.store, org, request),
            promises=len(request.commitment.promises),
        )

    def GetCommitment(  # noqa: N802
        self, request: fpb.GetCommitmentRequest, context: grpc.ServicerContext
    ) -> fpb.GetCommitmentResponse:
        return self._call(
            "GetCommitment",
            context,
            lambda org: commitments.get_commitment(self.store, org, request),
        )

    def ListCommitments(  # noqa: N802
        self, request: fpb.ListCommitmentsRequest, context: grpc.ServicerContext
    ) -> fpb.ListCommitmentsResponse:
        return self._call(
            "ListCommitments",
            context,
            lambda org: commitments.list_commitments(self.store, org, request),
        )

    def _append(
        self, organization: str, request: fpb.AppendReadingsRequest | fpb.StreamReadingsRequest
    ) -> fpb.AppendReadingsResponse:
        if not request.entered_by.strip() or len(request.entered_by) > commitments.MAX_RECORDED_BY:
            raise proc._bad(
                "entered_by", "required: a name, role or system, at most 200 characters"
            )
        procurement_id, specs = _series(self.store, organization, request.parent)
        return readings.append_readings(self.store, organization, procurement_id, request, specs)

    def AppendReadings(  # noqa: N802
        self, request: fpb.AppendReadingsRequest, context: grpc.ServicerContext
    ) -> fpb.AppendReadingsResponse:
        return self._call(
            "AppendReadings",
            context,
            lambda org: self._append(org, request),
            readings=len(request.readings),
            series=len(request.series),
        )

    def open_readings(self, requests: None, context: grpc.ServicerContext) -> ReadingsSink:
        """A StreamReadings call over gRPC: the sink its messages go to (see the module)."""
        return ReadingsSink(self, context)

    def StreamReadings(  # noqa: N802
        self, requests: Iterable[Any], context: grpc.ServicerContext
    ) -> fpb.StreamReadingsResponse:
        """The whole stream in this thread (the HTTP gateway's client stream)."""
        sink = ReadingsSink(self, context)
        for request in requests:
            sink.take(request)
        return sink.finish()

    def ListReadings(  # noqa: N802
        self, request: fpb.ListReadingsRequest, context: grpc.ServicerContext
    ) -> fpb.ListReadingsResponse:
        def work(org: str) -> fpb.ListReadingsResponse:
            procurement_id = proc._procurement_id(request.parent, "parent")
            proc._row(self.store, org, request.parent)
            if not 0 <= request.page_size <= readings.MAX_PAGE_SIZE:
                raise proc._bad("page_size", f"expected 0..{readings.MAX_PAGE_SIZE}")
            return readings.list_readings(
                self.store,
                org,
                procurement_id,
                request.series,
                request.page_size,
                request.page_token,
            )

        return self._call("ListReadings", context, work)

    def GetFollowUpReport(  # noqa: N802
        self, request: fpb.GetFollowUpReportRequest, context: grpc.ServicerContext
    ) -> fpb.GetFollowUpReportResponse:
        return self._call(
            "GetFollowUpReport",
            context,
            lambda org: followup_report.get_follow_up_report(self.store, org, request),
        )


class ReadingsSink:
    """One StreamReadings call: each message appended as AppendReadings would, in order; a bad
    message ends the call (its violations' paths prefixed ``messages[i].``), the batches before
    it stay stored."""

    def __init__(self, service: FollowUpService, context: grpc.ServicerContext) -> None:
        self._service = service
        self._context = context
        self._parent = ""
        self._entered_by = ""
        self._response = fpb.StreamReadingsResponse()
        self._count = 0
        self._undecodable = decoding.undecodable_status(
            fpb.StreamReadingsRequest.DESCRIPTOR.full_name
        )

    def _one(self, organization: str, index: int, request: Any) -> None:
        if index == 0:
            self._parent, self._entered_by = request.parent, request.entered_by
        elif request.parent != self._parent:
            raise proc._bad(f"messages[{index}].parent", "every message must name the same parent")
        message = fpb.StreamReadingsRequest()
        message.CopyFrom(request)
        message.entered_by = message.entered_by or self._entered_by
        try:
            done = self._service._append(organization, message)
        except readings.ReadingsError as error:
            raise _refused_readings(error, f"messages[{index}].") from None
        self._response.readings_appended += done.readings_appended
        self._response.batches.extend(done.batches)
        self._response.readings.extend(done.readings)
        self._response.record_hash = done.record_hash

    def take(self, request: Any) -> None:
        """Append one message (a pool thread per message over gRPC)."""
        index = self._count
        self._count += 1
        if isinstance(request, decoding.Undecodable):
            self._context.abort_with_status(self._undecodable)
        self._service._call(
            "StreamReadings.message",
            self._context,
            lambda org: self._one(org, index, request),
            message=index,
        )

    def finish(self) -> fpb.StreamReadingsResponse:
        """The sum of the stream's batches."""
        log_event(
            "rpc",
            method="StreamReadings",
            code="OK",
            organization=ORGANIZATION.get(),
            messages=self._count,
            readings=self._response.readings_appended,
        )
        return self._response


def _deterministic(message: Message) -> bytes:
    return message.SerializeToString(deterministic=True)


def handlers(store: RecordStore) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the gRPC server's table, the HTTP gateway's table) of the service, by method name, over
    ``store`` (the ProcurementService's). gRPC: StreamReadings opens a :class:`ReadingsSink`
    (a client-stream opener for :mod:`tco_server.serving`); HTTP: the gateway's stream handler
    drives :meth:`FollowUpService.StreamReadings` and answers its one response."""
    servicer = FollowUpService(store)
    grpc_table: dict[str, Any] = {}
    http_table: dict[str, Any] = {}
    for name, method in DESCRIPTOR.methods_by_name.items():
        message_type = getattr(fpb, method.input_type.name)
        deserializer = decoding.lenient(message_type.FromString)
        if name in STREAMS:
            grpc_table[name] = grpc.stream_unary_rpc_method_handler(
                servicer.open_readings,
                request_deserializer=deserializer,
                response_serializer=_deterministic,
            )

            def whole(requests: Iterable[Any], context: Any) -> Iterable[Any]:
                yield servicer.StreamReadings(requests, context)

            http_table[name] = grpc.stream_stream_rpc_method_handler(
                whole, request_deserializer=deserializer, response_serializer=_deterministic
            )
            continue
        grpc_table[name] = http_table[name] = grpc.unary_unary_rpc_method_handler(
            decoding.refusing_undecodable(
                name, method.input_type.full_name, getattr(servicer, name)
            ),
            request_deserializer=deserializer,
            response_serializer=_deterministic,
        )
    return grpc_table, http_table
