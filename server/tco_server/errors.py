"""Errors -> gRPC status with ``google.rpc`` details (the contract's error model).

The status code says what a client program can do: INVALID_ARGUMENT - change the request, never
retry it as it is; UNAVAILABLE - retry after ``RetryInfo.retry_delay``; UNAUTHENTICATED - fix the
token; INTERNAL - quote the incident id. Every status carries an ``ErrorInfo`` (reason, domain
:data:`DOMAIN`, metadata); every ``BadRequest.FieldViolation`` has its ``reason`` set. Every
reason is a value of ``ErrorReason`` in ``proto/tcoapi/v1/codes.proto`` (the catalogue;
``tests/server/test_codes.py`` holds the source to it).

=====================  ===================  ==========================================
what                   code                 details
=====================  ===================  ==========================================
bad fields             INVALID_ARGUMENT     BadRequest (one FieldViolation per violation,
(engine or limits)                          path exactly as given, reason
                                            "INVALID_TENDER") + ErrorInfo(reason
                                            "INVALID_TENDER", metadata {"violations":
                                            "<count>"})
request too large      INVALID_ARGUMENT     BadRequest naming the field (``bids``), each
(a size limit:                              violation with its rule's reason + ErrorInfo
permanent)                                  (reason "TOO_MANY_BIDS" / "TOO_MANY_STREAMS"
                                            / ... of the first)
undecodable request    INVALID_ARGUMENT     BadRequest with one violation at the empty
(not protobuf, not                          path + ErrorInfo(reason "UNDECODABLE_REQUEST");
UTF-8; tco_server.decoding)                 grpc's own answer would be INTERNAL
overloaded (more       UNAVAILABLE          RetryInfo(retry_delay) + ErrorInfo(reason
calls wait for an                           "OVERLOADED", metadata {"limit": "<calls>"})
evaluation than
``--max-waiting``)
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
from google.protobuf import any_pb2, duration_pb2
from google.protobuf.message import Message
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from tco.errors import FieldViolation, InvalidTender
from tco_server.evaluation_queue import Overloaded
from tco_server.limits import RequestTooLargeError

#: The ErrorInfo domain of every error this service returns: a DNS-style name (AIP-193), the
#: service's name under the project's (github.com/lcc-tco) own domain.
DOMAIN = "tcoapi.lcc-tco.org"
#: The reason of a FieldViolation the engine found (tco.errors.FieldViolation has no reason).
INVALID_TENDER = "INVALID_TENDER"
#: The reason of an overload refusal (UNAVAILABLE with RetryInfo).
OVERLOADED = "OVERLOADED"

#: A violation: (field, description) - its reason is the status's - or (field, description,
#: reason).
Violation = tuple[str, str] | tuple[str, str, str]
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


def _bad_request(
    fields: Sequence[Violation], reason: str
) -> tuple[error_details_pb2.BadRequest, int]:
    """A BadRequest with as many violations as fit the budget; and how many. A violation without
    its own reason gets ``reason`` (the ErrorInfo's)."""
    bad = error_details_pb2.BadRequest()
    used = 0
    for violation in fields:
        field, raw_description = violation[0], violation[1]
        own = violation[2] if len(violation) > 2 else reason  # (field, description, reason)
        description = _cut(raw_description, MAX_DETAIL_TEXT)  # the path is never cut
        cost = len(field.encode()) + len(description.encode()) + len(own) + 12
        if bad.field_violations and used + cost > DETAILS_BUDGET_BYTES:
            break
        used += cost
        bad.field_violations.add(field=field, description=description, reason=own)
    return bad, len(bad.field_violations)


def _status(
    code: grpc.StatusCode,
    message: str,
    reason: str,
    metadata: dict[str, str],
    fields: Sequence[Violation] = (),
    *,
    retry_after: float | None = None,
) -> grpc.Status:
    details: list[any_pb2.Any] = []
    if fields:
        bad, reported = _bad_request(fields, reason)
        if reported < len(fields):
            metadata = {**metadata, "reported": str(reported)}
        details.append(_pack(bad))
    details.append(
        _pack(error_details_pb2.ErrorInfo(reason=reason, domain=DOMAIN, metadata=metadata))
    )
    if retry_after is not None:
        delay = duration_pb2.Duration()
        delay.FromNanoseconds(round(retry_after * 1e9))
        details.append(_pack(error_details_pb2.RetryInfo(retry_delay=delay)))
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
        INVALID_TENDER,
        {"violations": str(count)},
        [(v.field, v.description, getattr(v, "reason", "") or INVALID_TENDER) for v in violations],
    )


#: The status code of a request over a size limit: permanent (the same request is refused
#: again), so INVALID_ARGUMENT, not RESOURCE_EXHAUSTED, which clients read as "retry later".
TOO_LARGE_CODE = grpc.StatusCode.INVALID_ARGUMENT


def too_large_status(error: RequestTooLargeError) -> grpc.Status:
    """INVALID_ARGUMENT: the exceeded size limits, each naming its field and its rule's reason."""
    first = error.violations[0]
    return _status(
        TOO_LARGE_CODE,
        f"request too large: {first.field}: {first.description}",
        error.reason,
        {"violations": str(len(error.violations))},
        [(v.field, v.description, v.reason) for v in error.violations],
    )


def overloaded_status(limit: int, retry_after: float) -> grpc.Status:
    """UNAVAILABLE: more calls in progress than the server takes; retry after ``retry_after``
    seconds (``RetryInfo``), the same request will do."""
    return _status(
        grpc.StatusCode.UNAVAILABLE,
        f"server busy: {limit} calls in progress; retry after {retry_after:g} s",
        OVERLOADED,
        {"limit": str(limit)},
        retry_after=retry_after,
    )


#: The retry delay a client is given when every call slot of a process is taken: about one
#: typical evaluation's time in the queue (the slots free up as calls finish).
TOO_MANY_CALLS_RETRY_SECONDS = 1.0


def too_many_calls_status(limit: int) -> grpc.Status:
    """RESOURCE_EXHAUSTED: ``limit`` service calls are already in progress in this process
    (``--max-concurrent-rpcs``); reason OVERLOADED and a ``RetryInfo`` delay: the same request
    will do later (or on another process)."""
    return _status(
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        f"more than {limit} calls in progress; retry after {TOO_MANY_CALLS_RETRY_SECONDS:g} s",
        OVERLOADED,
        {"limit": str(limit)},
        retry_after=TOO_MANY_CALLS_RETRY_SECONDS,
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
    code: grpc.StatusCode, message: str, reason: str, fields: Sequence[Violation]
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
    size, field, overload and unexpected errors."""
    if isinstance(error, RequestTooLargeError):
        fields: dict[str, object] = {"reason": error.reason, "violations": len(error.violations)}
        return TOO_LARGE_CODE.name, fields, too_large_status(error)
    if isinstance(error, Overloaded):
        fields = {"reason": OVERLOADED, "retry_after_s": error.retry_after}
        return "UNAVAILABLE", fields, overloaded_status(error.limit, error.retry_after)
    if isinstance(error, InvalidTender):
        fields = {"reason": INVALID_TENDER, "violations": len(error.violations)}
        return "INVALID_ARGUMENT", fields, invalid_tender_status(error)
    incident_id = new_incident_id()
    fields = {
        "incident_id": incident_id,
        "exc_type": exception_type(error),
        "frames": exception_frames(error),
    }
    return "INTERNAL", fields, internal_status(incident_id)
