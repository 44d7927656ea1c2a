"""The client's errors, and the decoding of gRPC error details into them.

A failed call becomes one of two exceptions:

- :class:`TcoInvalidTender` — the tender has bad fields. ``violations`` lists *every* field
  violation the server found, as ``(field, description)`` pairs, decoded from the
  ``google.rpc.BadRequest`` detail in the ``grpc-status-details-bin`` trailer. Tender files that
  cannot be read (bad JSON/YAML, unknown fields, a malformed workbook, out of bounds) raise it
  too, with the file location as the field.
- :class:`TcoServiceError` — anything else: server unreachable, deadline exceeded, limits,
  internal faults. Carries the gRPC status code name, the server's message, the
  ``google.rpc.ErrorInfo`` reason (a value of ``ErrorReason`` in ``proto/tcoapi/v1/codes.proto``,
  e.g. ``OVERLOADED``) and metadata, the incident id from ``metadata["incident_id"]`` when the
  server gave one, and ``retry_delay`` from ``google.rpc.RetryInfo`` (an overloaded server says
  when to try again; :class:`tco_client.client.TcoClient` waits at least that long).

A report, chart, template or spec that cannot be written raises :class:`TcoOutputError`.

The decoding uses googleapis-common-protos directly (``google.rpc.status_pb2`` and
``google.rpc.error_details_pb2``); grpcio-status is not a client dependency.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from google.rpc import error_details_pb2, status_pb2

STATUS_DETAILS_KEY = "grpc-status-details-bin"


class FieldViolation(NamedTuple):
    """One bad field: its path in the request (``bids[1].items[0].unit_price.unit``) and why."""

    field: str
    description: str

    def __str__(self) -> str:
        return f"{self.field}: {self.description}" if self.field else self.description


class TcoError(Exception):
    """Base class of every error the client raises."""


class TcoInvalidTender(TcoError):
    """The tender (method or bids) has invalid fields; ``violations`` lists every one of them."""

    def __init__(
        self,
        violations: Iterable[FieldViolation | tuple[str, str]],
        message: str = "invalid tender",
        *,
        reason: str = "",
        domain: str = "",
        details: str = "",
    ) -> None:
        self.violations: list[FieldViolation] = [FieldViolation(*v) for v in violations]
        self.message = message
        self.details = details
        self.reason = reason
        self.domain = domain
        lines = [message, *(f"  {v}" for v in self.violations)]
        super().__init__("\n".join(lines))


class TcoOutputError(TcoError):
    """A file could not be written (a full disk, no permission); the previous file at ``path``
    is unchanged (:func:`tco_client.safe_output.write_file`)."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        super().__init__(f"cannot write {path}: {reason} (the previous file, if any, is unchanged)")


class TcoServiceError(TcoError):
    """A call failed for a reason other than invalid input.

    ``code`` is the gRPC status code name (``"UNAVAILABLE"``, ``"DEADLINE_EXCEEDED"``,
    ``"INTERNAL"`` …), ``details`` the server's message, ``incident_id`` the id the server logged
    the fault under (quote it when reporting a problem).
    """

    def __init__(
        self,
        code: str,
        details: str,
        *,
        incident_id: str = "",
        reason: str = "",
        metadata: Mapping[str, str] | None = None,
        target: str = "",
        retry_delay: float | None = None,
    ) -> None:
        #: Seconds the server asked the client to wait before retrying (google.rpc.RetryInfo).
        self.retry_delay = retry_delay
        self.code = code
        self.details = details
        self.incident_id = incident_id
        self.reason = reason
        self.metadata = dict(metadata or {})
        self.target = target
        super().__init__(self._describe())

    def _describe(self) -> str:
        if self.code == "UNAVAILABLE":
            where = f" at {self.target}" if self.target else ""
            text = f"the LCC service{where} is unreachable (UNAVAILABLE): {self.details}"
        elif self.code == "DEADLINE_EXCEEDED":
            text = f"the LCC service did not answer in time (DEADLINE_EXCEEDED): {self.details}"
        else:
            text = f"the LCC service failed ({self.code}): {self.details}"
        if self.incident_id:
            text += f" [incident id {self.incident_id}]"
        return text


@dataclass(frozen=True)
class StatusDetails:
    """What ``grpc-status-details-bin`` carried, decoded."""

    violations: list[FieldViolation] = field(default_factory=list)
    reason: str = ""
    domain: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    message: str = ""
    has_bad_request: bool = False
    #: google.rpc.RetryInfo.retry_delay in seconds; None when the server sent none.
    retry_delay: float | None = None


def decode_status_details(trailing_metadata: Iterable[tuple[str, Any]] | None) -> StatusDetails:
    """Decode google.rpc.Status (BadRequest, ErrorInfo, RetryInfo) from the call's trailing
    metadata.

    Unknown detail types are skipped; an unreadable trailer yields empty details (the gRPC code and
    message still describe the failure).
    """
    raw: bytes | None = None
    for key, value in trailing_metadata or ():
        if key == STATUS_DETAILS_KEY:
            raw = value if isinstance(value, bytes) else str(value).encode()
            break
    if raw is None:
        return StatusDetails()
    status = status_pb2.Status()
    try:
        status.ParseFromString(raw)
    except Exception:  # a malformed trailer must not hide the real error
        return StatusDetails()
    violations: list[FieldViolation] = []
    reason = domain = ""
    metadata: dict[str, str] = {}
    has_bad_request = False
    retry_delay: float | None = None
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            has_bad_request = True
            violations.extend(FieldViolation(v.field, v.description) for v in bad.field_violations)
        elif detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            reason, domain = info.reason, info.domain
            metadata.update(dict(info.metadata))
        elif detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            retry = error_details_pb2.RetryInfo()
            detail.Unpack(retry)
            retry_delay = retry.retry_delay.ToNanoseconds() / 1e9
    return StatusDetails(
        violations=violations,
        reason=reason,
        domain=domain,
        metadata=metadata,
        message=status.message,
        has_bad_request=has_bad_request,
        retry_delay=retry_delay,
    )


def error_from_rpc(exc: Any, *, target: str = "") -> TcoError:
    """Turn a ``grpc.RpcError`` (a ``grpc.Call``) into :class:`TcoInvalidTender` or
    :class:`TcoServiceError`."""
    code_obj = exc.code() if hasattr(exc, "code") else None
    code = getattr(code_obj, "name", None) or "UNKNOWN"
    message = (exc.details() if hasattr(exc, "details") else None) or str(exc)
    trailers = exc.trailing_metadata() if hasattr(exc, "trailing_metadata") else None
    details = decode_status_details(trailers)
    if code == "INVALID_ARGUMENT":
        violations = details.violations or [FieldViolation("", message)]
        return TcoInvalidTender(
            violations,
            "invalid tender",
            reason=details.reason,
            domain=details.domain,
            details=message,
        )
    return TcoServiceError(
        code,
        message,
        incident_id=details.metadata.get("incident_id", ""),
        reason=details.reason,
        metadata=details.metadata,
        target=target,
        retry_delay=details.retry_delay,
    )
