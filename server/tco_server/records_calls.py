"""One records RPC as the caller's organisation: the work, its refusal as a status, a log line.

The ProcurementService and the FollowUpService run every method through :func:`run_as_caller`:
the organisation comes from the caller's token (:data:`tco_server.security.ORGANIZATION`), the
method's plain function gets it, an error the service knows becomes its status through the
service's ``refusal`` (a bad field → INVALID_ARGUMENT naming it, an unknown resource → NOT_FOUND
...), anything else INTERNAL with an incident id (:func:`tco_server.errors.failure`), and one log
line says the method, the code, the organisation and the duration — never a bid's content.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

import grpc

from tco_server import errors
from tco_server.logs import log_event
from tco_server.security import ORGANIZATION

T = TypeVar("T")
#: A service's mapping of the errors it knows to (code name, status); None: not one of them.
Refusal = Callable[[Exception], "tuple[str, grpc.Status] | None"]


def run_as_caller(
    method: str,
    context: grpc.ServicerContext,
    work: Callable[[str], T],
    refusal: Refusal,
    **logged: object,
) -> T:
    """``work(organization)``'s answer, or the call aborted with the status of its error."""
    started = time.monotonic()
    organization = ORGANIZATION.get()
    code, status = "OK", None
    fields: dict[str, object] = dict(logged)
    try:
        return work(organization)
    except Exception as error:
        mapped = refusal(error)
        if mapped is None:
            code, fields, status = errors.failure(error)
        else:
            code, status = mapped
    finally:
        log_event(
            "rpc",
            logging.ERROR if code == "INTERNAL" else logging.INFO,
            method=method,
            code=code,
            organization=organization,
            duration_ms=round((time.monotonic() - started) * 1000.0, 1),
            **fields,
        )
    context.abort_with_status(status)
    raise AssertionError("context.abort_with_status returned")  # pragma: no cover
