"""EvaluateTenders: many tenders over one bidirectional stream, one result (or error) each.

Each tender goes through the steps of an EvaluateBids call (limits, proto -> domain,
:func:`tco_server.deadlines.run_engine`, domain -> proto, response size), so a ``request``
tender gives exactly the EvaluateBids response (``RESULT_DETAIL_FULL``); columnar tenders
(``BidColumns``) are checked and converted by :mod:`tco_server.columns`.

Flow control: tenders are evaluated one at a time in arrival order (:class:`TenderStreamCall`,
one worker-thread task per message). The gRPC server (:mod:`tco_server.serving`) reads the next
message only after the previous response was written, and a write waits (on the event loop, no
thread held) until the transport took it, so HTTP/2 flow control holds back a client that sends
faster than the engine evaluates, or that does not read, and a stream holds at most one request
and one response plus the transport's window. (The HTTP gateway drives the same steps from its
own thread, :meth:`TenderStream.EvaluateTenders`.) A client that wants more cores opens several
streams over several connections to a multi-process server (:mod:`tco_server.multiproc`).

Errors: a failing tender (bad fields, over the limits, refused by the size guard
:func:`tender_refusal`, not protobuf at all, an unexpected fault) gets the ``google.rpc.Status``
EvaluateBids would have failed with in its own response (an undecodable one with an empty
``tender_id``; its ``sequence`` says which), and the stream goes on. The stream ends when the
client half-closes (OK), cancels or its deadline passes, checked between tenders and steps.

Logging: one line per stream, counts only (``tenders``, ``tender_errors``, ``bids``); tender ids
are client data and never logged; an INTERNAL tender logs its incident id, type and frames.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import grpc
from google.rpc import status_pb2

from tco.errors import FieldViolation, InvalidTender
from tco_server import convert_in, convert_out, decoding, errors
from tco_server.columns import check_columns, columns_to_tender, result_columns
from tco_server.config import ServerConfig
from tco_server.deadlines import ClientGone, ensure_waiting, run_engine
from tco_server.evaluation_queue import EvaluationQueue
from tco_server.limits import SIZE_RULES, Limits, check_request, check_response_size
from tco_server.logs import log_event
from tcoapi.v1 import batch_pb2

#: The ``grpc-status-details-bin`` trailer key that carries the serialized google.rpc.Status.
_STATUS_DETAILS_KEY = "grpc-status-details-bin"

_DETAILS = frozenset(batch_pb2.ResultDetail.values())
#: ``detail`` → ``full`` of :func:`convert_out.to_fitting_response` (None: the default).
_FULL: dict[int, bool | None] = {
    batch_pb2.RESULT_DETAIL_UNSPECIFIED: None,
    batch_pb2.RESULT_DETAIL_FULL: True,
    batch_pb2.RESULT_DETAIL_SUMMARY: False,
}
_REQUEST_NAME = batch_pb2.EvaluateTendersRequest.DESCRIPTOR.full_name


def status_proto(status: grpc.Status) -> status_pb2.Status:
    """The ``google.rpc.Status`` inside a ``grpc.Status`` made by :mod:`tco_server.errors`."""
    for key, value in status.trailing_metadata:
        if key == _STATUS_DETAILS_KEY:
            return status_pb2.Status.FromString(value)
    return status_pb2.Status(code=status.code.value[0], message=status.details)


def _header_violation(tender_id: str, detail: int, limits: Limits) -> InvalidTender | None:
    """What is wrong with a message's ``tender_id`` and ``detail`` (checked before its tender)."""
    if len(tender_id) > limits.max_id_length:
        message = f"at most {limits.max_id_length} characters, got {len(tender_id)}"
        return InvalidTender([FieldViolation("tender_id", message)])
    if detail not in _DETAILS:
        return InvalidTender([FieldViolation("detail", f"unknown ResultDetail value {detail}")])
    return None


def tender_refusal(limits: Limits) -> Callable[[Any], decoding.Refusal]:
    """The size guard of one EvaluateTendersRequest (:func:`tco_server.decoding.guarded`).

    It refuses only what :meth:`TenderStream.evaluate_one` would answer with a size error: a
    ``request`` tender whose id and detail are fine (those are checked first) and whose
    EvaluateBidsRequest is over a size limit. Everything else is parsed in full."""
    refuse_request = decoding.request_refusal(SIZE_RULES, limits)

    def refuse(view: Any) -> decoding.Refusal:
        if (
            view.WhichOneof("tender") != "request"
            or _header_violation(view.tender_id, view.detail, limits) is not None
        ):
            return None, 0, ""
        error, bids, _ = refuse_request(view.request)
        return error, bids, view.tender_id

    return refuse


def _checkpoint(context: grpc.ServicerContext) -> None:
    ensure_waiting(context, "the next step")


class TenderStream:
    """The EvaluateTenders handler. Holds the config and the process's evaluation turns (each
    tender takes its own turn, :mod:`tco_server.evaluation_queue`); every stream is independent."""

    def __init__(self, config: ServerConfig, queue: EvaluationQueue | None = None) -> None:
        self._config = config
        self._queue = queue if queue is not None else EvaluationQueue(config.evaluations)

    def EvaluateTenders(  # noqa: N802 - the contract's method name
        self,
        requests: Iterator[
            batch_pb2.EvaluateTendersRequest | decoding.Undecodable | decoding.Refused
        ],
        context: grpc.ServicerContext,
    ) -> Iterator[batch_pb2.EvaluateTendersResponse]:
        """The stream driven by its own thread (the HTTP gateway): read, evaluate, write."""
        stream = self.open(requests, context)
        code = "UNKNOWN"
        try:
            for request in requests:
                yield stream.respond(request)
            code = "OK"
        except ClientGone as gone:
            code = gone.code.name
        except grpc.RpcError:  # reading the next request failed: the client went away
            code = "CANCELLED"
        except GeneratorExit:  # gRPC dropped the stream between two responses
            code = "CANCELLED"
            raise
        finally:
            stream.close(code)

    def open(self, requests: object, context: grpc.ServicerContext) -> TenderStreamCall:
        """One stream, message by message (the asyncio server reads and writes it itself,
        :mod:`tco_server.serving`; ``requests`` is not used)."""
        return TenderStreamCall(self, context)

    def evaluate_one(
        self,
        request: batch_pb2.EvaluateTendersRequest | decoding.Undecodable | decoding.Refused,
        sequence: int,
        context: grpc.ServicerContext,
    ) -> tuple[batch_pb2.EvaluateTendersResponse, int]:
        """The response of one tender, and its bid count; raises only ClientGone."""
        limits = self._config.limits
        out = batch_pb2.EvaluateTendersResponse(sequence=sequence)
        bids = 0
        status: grpc.Status | None = None
        if isinstance(request, decoding.Undecodable):  # not protobuf: no tender_id to echo
            out.error.CopyFrom(status_proto(decoding.undecodable_status(_REQUEST_NAME)))
            return out, 0
        if isinstance(request, decoding.Refused):  # over a size limit, found by the size guard
            out.tender_id = request.tender_id
            out.error.CopyFrom(status_proto(errors.too_large_status(request.error)))
            return out, request.bids
        try:
            header = _header_violation(request.tender_id, request.detail, limits)
            if header is not None and header.violations[0].field == "tender_id":
                raise header
            out.tender_id = request.tender_id
            detail = request.detail
            if header is not None:
                raise header
            kind = request.WhichOneof("tender")
            if kind == "request":
                bids = len(request.request.bids)
                check_request(request.request, limits)
            elif kind == "columns":
                bids = max(request.columns.rows, 0)
                check_columns(request.columns, limits)
            else:
                raise InvalidTender([FieldViolation("tender", "set request or columns")])
            with self._queue.turn(lambda: _checkpoint(context)):
                if kind == "request":
                    tender = convert_in.to_tender(request.request)
                    validate_only = request.request.validate_only
                else:
                    tender = columns_to_tender(request.columns)
                    validate_only = request.columns.validate_only
                _checkpoint(context)
                evaluation = run_engine(
                    tender, validate_only=validate_only, checkpoint=lambda _: _checkpoint(context)
                )
                _checkpoint(context)
                if detail == batch_pb2.RESULT_DETAIL_COLUMNS:
                    out.columns.CopyFrom(result_columns(evaluation, [b.id for b in tender.bids]))
                else:
                    full = _FULL.get(detail)
                    out.result.CopyFrom(convert_out.to_fitting_response(evaluation, full=full))
                check_response_size(out, self._config.max_message_bytes)
                del tender, evaluation  # freed within the turn, not alongside the next one
        except ClientGone:
            raise
        except Exception as error:
            code, fields, status = errors.failure(error)
            if code == "INTERNAL":
                log_event(
                    "tender_failed", logging.ERROR, method="EvaluateTenders", code=code, **fields
                )
        if status is not None:
            out.error.CopyFrom(status_proto(status))
        return out, bids


def fields_of(*parts: dict[str, Any]) -> dict[str, Any]:
    """The log fields of ``parts``, merged (later parts win)."""
    return {k: v for part in parts for k, v in part.items()}


class TenderStreamCall:
    """One EvaluateTenders stream: :meth:`respond` to each message in order, :meth:`close` once
    with the stream's code (it logs the stream's one line)."""

    def __init__(self, stream: TenderStream, context: grpc.ServicerContext) -> None:
        self._stream = stream
        self._context = context
        self._start = time.monotonic()
        self._sequence = 0
        self.counts = {"tenders": 0, "tender_errors": 0, "bids": 0}

    def respond(
        self,
        request: batch_pb2.EvaluateTendersRequest | decoding.Undecodable | decoding.Refused,
    ) -> batch_pb2.EvaluateTendersResponse:
        """The response to the next message; raises :class:`ClientGone` only."""
        _checkpoint(self._context)
        response, bids = self._stream.evaluate_one(request, self._sequence, self._context)
        self._sequence += 1
        self.counts["tenders"] += 1
        self.counts["bids"] += bids
        if response.HasField("error"):
            self.counts["tender_errors"] += 1
        return response

    def close(self, code: str, **fields: Any) -> None:
        log_event(
            "rpc",
            method="EvaluateTenders",
            code=code,
            duration_ms=round((time.monotonic() - self._start) * 1000.0, 1),
            **fields_of(self.counts, fields),
        )
