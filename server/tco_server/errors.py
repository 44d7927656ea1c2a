"""Errors -> gRPC status with ``google.rpc`` details (the contract's error model).

=====================  ===================  ==========================================
what                   code                 details
=====================  ===================  ==========================================
bad fields             INVALID_ARGUMENT     BadRequest (one FieldViolation per violation,
(engine or limits)                          path exactly as given) + ErrorInfo(reason
                                            "INVALID_TENDER", domain "tcoapi",
                                            metadata {"violations": "<count>"})
request too large      RESOURCE_EXHAUSTED   BadRequest naming the field (``bids``) +
                                            ErrorInfo(reason "TOO_MANY_BIDS" / ...)
undecodable request    INVALID_ARGUMENT     BadRequest with one violation at the empty
(not protobuf, not                          path + ErrorInfo(reason "UNDECODABLE_REQUEST");
UTF-8; tco_server.decoding)                 grpc's own answer would be INTERNAL
unauthenticated        UNAUTHENTICATED      ErrorInfo(reason "MISSING_TOKEN" /
(tco_server.security)                       "INVALID_TOKEN")
unexpected fault       INTERNAL             ErrorInfo(reason "INTERNAL", metadata
                                            {"incident_id": "<uuid4 hex>"}); no stack
                                            trace, no request content
=====================  ===================  ==========================================

The details travel in the ``grpc-status-details-bin`` trailer, which grpc limits in size (8 KiB
by default on the receiving side). So the details list violations in order until about
:data:`DETAILS_BUDGET_BYTES` and stop; ``ErrorInfo.metadata["violations"]`` always gives the full
count, and ``metadata["reported"]`` the number listed when that is fewer. A client that needs
them all fixes the first ones and asks again.

An incident is logged with its id, the exception's type and the traceback frames (file, line,
function) - never the exception's message or arguments, which may quote bid content.
"""

from __future__ import annotations

import traceback
import uuid
from collections.abc import Sequence
from pathlib import PurePath

import grpc
from google.protobuf import any_pb2
from google.protobuf.message import Message
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from tco.errors import FieldViolation, InvalidTender
from tco_server.limits import RequestTooLargeError

#: The ErrorInfo domain of every error this service returns.
DOMAIN = "tcoapi"
#: Rough size budget of the BadRequest detail, bytes (well under grpc's 8 KiB metadata limit).
DETAILS_BUDGET_BYTES = 4096
#: Longest description put into a detail (longer ones are cut with "..."); paths are never cut.
MAX_DETAIL_TEXT = 300
#: Longest status message (the ``grpc-message`` header).
MAX_MESSAGE = 300


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _pack(message: Message) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed


def _bad_request(fields: Sequence[tuple[str, str]]) -> tuple[error_details_pb2.BadRequest, int]:
    """A BadRequest with as many (field, description) pairs as fit the budget; and how many."""
    bad = error_details_pb2.BadRequest()
    used = 0
    for field, raw_description in fields:
        description = _cut(raw_description, MAX_DETAIL_TEXT)  # the path is never cut
        cost = len(field.encode()) + len(description.encode()) + 8
        if bad.field_violations and used + cost > DETAILS_BUDGET_BYTES:
            break
        used += cost
        bad.field_violations.add(field=field, description=description)
    return bad, len(bad.field_violations)


def _status(
    code: grpc.StatusCode,
    message: str,
    reason: str,
    metadata: dict[str, str],
    fields: Sequence[tuple[str, str]] = (),
) -> grpc.Status:
    details: list[any_pb2.Any] = []
    if fields:
        bad, reported = _bad_request(fields)
        if reported < len(fields):
            metadata = {**metadata, "reported": str(reported)}
        details.append(_pack(bad))
    details.append(
        _pack(error_details_pb2.ErrorInfo(reason=reason, domain=DOMAIN, metadata=metadata))
    )
    proto = status_pb2.Status(
        code=getattr(code_pb2, code.name), message=_cut(message, MAX_MESSAGE), details=details
    )
    return rpc_status.to_status(proto)


def invalid_tender_status(error: InvalidTender) -> grpc.Status:
    """INVALID_ARGUMENT: every violation as a FieldViolation, path exactly as the engine gave it."""
    violations: tuple[FieldViolation, ...] = error.violations
    count = len(violations)
    first = f": {violations[0]}" if violations else ""
    more = f" (and {count - 1} more)" if count > 1 else ""
    return _status(
        grpc.StatusCode.INVALID_ARGUMENT,
        f"{count} invalid field(s){first}{more}",
        "INVALID_TENDER",
        {"violations": str(count)},
        [(v.field, v.description) for v in violations],
    )


def too_large_status(error: RequestTooLargeError) -> grpc.Status:
    """RESOURCE_EXHAUSTED: the exceeded size limits, each naming its field."""
    first = error.violations[0]
    return _status(
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        f"request too large: {first.field}: {first.description}",
        error.reason,
        {"violations": str(len(error.violations))},
        [(v.field, v.description) for v in error.violations],
    )


def new_incident_id() -> str:
    return uuid.uuid4().hex


def internal_status(incident_id: str) -> grpc.Status:
    """INTERNAL: an incident id to quote to the operator, nothing else."""
    return _status(
        grpc.StatusCode.INTERNAL,
        f"internal error, incident {incident_id}",
        "INTERNAL",
        {"incident_id": incident_id},
    )


def request_status(
    code: grpc.StatusCode, message: str, reason: str, fields: Sequence[tuple[str, str]]
) -> grpc.Status:
    """A status with a BadRequest of ``fields`` and an ErrorInfo (a malformed request)."""
    return _status(code, message, reason, {"violations": str(len(fields))}, fields)


def plain_status(code: grpc.StatusCode, message: str, reason: str) -> grpc.Status:
    """A status with only an ErrorInfo (deadline, cancellation)."""
    return _status(code, message, reason, {})


def exception_type(error: BaseException) -> str:
    cls = type(error)
    return f"{cls.__module__}.{cls.__qualname__}"


def exception_frames(error: BaseException) -> list[str]:
    """Where the exception (and the ones it chains) came from: ``file:line in function`` only.

    The message and arguments of the exceptions are left out on purpose: they may quote bid
    content (a supplier's name, a price), which must never reach the logs.
    """
    frames: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if current is not error:
            frames.append(f"caused by {exception_type(current)}")
        for frame in traceback.extract_tb(current.__traceback__):
            frames.append(f"{PurePath(frame.filename).name}:{frame.lineno} in {frame.name}")
        current = current.__cause__ or current.__context__
    return frames


def failure(error: Exception) -> tuple[str, dict[str, object], grpc.Status]:
    """A failed call's (or tender's) code name, log fields and status: the one mapping of
    size, field and unexpected errors."""
    if isinstance(error, RequestTooLargeError):
        fields: dict[str, object] = {"reason": error.reason, "violations": len(error.violations)}
        return "RESOURCE_EXHAUSTED", fields, too_large_status(error)
    if isinstance(error, InvalidTender):
        fields = {"reason": "INVALID_TENDER", "violations": len(error.violations)}
        return "INVALID_ARGUMENT", fields, invalid_tender_status(error)
    incident_id = new_incident_id()
    fields = {
        "incident_id": incident_id,
        "exc_type": exception_type(error),
        "frames": exception_frames(error),
    }
    return "INTERNAL", fields, internal_status(incident_id)
