"""The LifeCycleCostService servicer: transport only, no calculation.

EvaluateBids, step by step (each step one module; the engine does every calculation): the limits
on the proto (:mod:`tco_server.limits`); proto -> domain (:mod:`tco_server.convert_in`); the
engine (:func:`tco_server.deadlines.run_engine`: its :class:`tco.errors.InvalidTender` becomes
INVALID_ARGUMENT with every field violation); domain -> proto (:mod:`tco_server.convert_out`),
a response over the message limit refused by name (``RESPONSE_TOO_LARGE``) rather than opaquely
inside grpc. The last three wait in the process's evaluation queue
(:mod:`tco_server.evaluation_queue`); between the steps the call checks that its client still
waits (:mod:`tco_server.deadlines`). Anything unexpected becomes INTERNAL with an incident id
(:func:`tco_server.errors.failure`). Each call logs one line (:mod:`tco_server.logs`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

import grpc

from tco_server import convert_in, convert_out, errors, faults, reference
from tco_server.batch import TenderStream, TenderStreamCall
from tco_server.config import ServerConfig
from tco_server.deadlines import ClientGone, ensure_waiting, run_engine
from tco_server.evaluation_queue import TURN, EvaluationQueue
from tco_server.limits import check_request, check_response_size
from tco_server.logs import DIGEST_PREFIX, log_event
from tcoapi.v1 import (
    analysis_pb2,
    batch_pb2,
    reference_pb2,
    result_pb2,
    service_pb2_grpc,
    tender_pb2,
)

T = TypeVar("T")


#: ``view`` → ``full`` of :func:`convert_out.to_fitting_response` (None: the default view).
_FULL: dict[int, bool | None] = {
    tender_pb2.RESPONSE_VIEW_UNSPECIFIED: None,
    tender_pb2.RESPONSE_VIEW_FULL: True,
    tender_pb2.RESPONSE_VIEW_SUMMARY: False,
}


@dataclass(slots=True)
class _CallLog:
    """What one call's log line will say (counts and codes only)."""

    method: str
    start: float = field(default_factory=time.monotonic)
    code: str = "UNKNOWN"
    fields: dict[str, object] = field(default_factory=dict)

    def emit(self) -> None:
        duration_ms = round((time.monotonic() - self.start) * 1000.0, 1)
        level = logging.ERROR if self.code == "INTERNAL" else logging.INFO
        log_event(
            "rpc",
            level,
            method=self.method,
            code=self.code,
            duration_ms=duration_ms,
            **self.fields,
        )


class LifeCycleCostService(service_pb2_grpc.LifeCycleCostServiceServicer):
    """The servicer: the config and the process's evaluation turns; every call is independent."""

    def __init__(self, config: ServerConfig) -> None:
        self._config = config
        self.queue = EvaluationQueue(config.evaluations, config.max_waiting)

    def EvaluateBids(  # noqa: N802 - the contract's method name
        self, request: tender_pb2.EvaluateBidsRequest, context: grpc.ServicerContext
    ) -> result_pb2.EvaluateBidsResponse:
        call = _CallLog("EvaluateBids")
        call.fields["bids"] = len(request.bids)
        return self._guarded(call, context, lambda: self._evaluate(request, context, call))

    def _evaluate(
        self,
        request: tender_pb2.EvaluateBidsRequest,
        context: grpc.ServicerContext,
        call: _CallLog,
    ) -> result_pb2.EvaluateBidsResponse:
        ensure_waiting(context, "limits")
        check_request(request, self._config.limits)

        fault = faults.requested(context, self._config.test_faults)
        if fault is not None:
            log_event("test_fault", fault="raise" if fault.raise_error else "sleep")
            if fault.raise_error:
                supplier = request.bids[0].supplier if request.bids else ""
                raise faults.InjectedFaultError(f"injected fault while reading {supplier!r}")
            faults.sleep(context, fault.sleep_seconds)

        with self.queue.turn(lambda: ensure_waiting(context, TURN)) as queued:
            call.fields["queued_ms"] = round(queued * 1000.0, 1)
            ensure_waiting(context, "conversion")
            tender = convert_in.to_tender(request)
            ensure_waiting(context, "validation")
            evaluation = run_engine(
                tender,
                validate_only=request.validate_only,
                checkpoint=lambda before: ensure_waiting(context, before),
            )
            call.fields["digest"] = evaluation.request_digest[:DIGEST_PREFIX]
            ensure_waiting(context, "response")
            response = convert_out.to_fitting_response(evaluation, full=_FULL[request.view])
            check_response_size(response, self._config.max_message_bytes)
            del tender, evaluation  # freed within the turn, not alongside the next evaluation
        ensure_waiting(context, "serialization")
        return response

    def EvaluateTenders(  # noqa: N802
        self,
        request_iterator: Iterator[batch_pb2.EvaluateTendersRequest],
        context: grpc.ServicerContext,
    ) -> Iterator[batch_pb2.EvaluateTendersResponse]:
        return TenderStream(self._config, self.queue).EvaluateTenders(request_iterator, context)

    def open_tenders(self, requests: object, context: grpc.ServicerContext) -> TenderStreamCall:
        """EvaluateTenders message by message (the asyncio server, :mod:`tco_server.serving`)."""
        return TenderStream(self._config, self.queue).open(requests, context)

    def AnalyzeRanking(  # noqa: N802
        self, request: analysis_pb2.AnalyzeRankingRequest, context: grpc.ServicerContext
    ) -> analysis_pb2.AnalyzeRankingResponse:
        from tco_server import analysis  # noqa: PLC0415 - the analysis engine loads on first use

        call = _CallLog("AnalyzeRanking")
        call.fields["bids"] = len(request.bids)
        return self._guarded(
            call,
            context,
            lambda: analysis.analyze(
                request,
                self._config.limits,
                self._config.max_message_bytes,
                lambda before: ensure_waiting(context, before),
                call.fields,
                queue=self.queue,
            ),
        )

    def ListCarbonPriceSeries(  # noqa: N802
        self, request: reference_pb2.ListCarbonPriceSeriesRequest, context: grpc.ServicerContext
    ) -> reference_pb2.ListCarbonPriceSeriesResponse:
        call = _CallLog("ListCarbonPriceSeries")
        return self._guarded(call, context, lambda: reference.carbon_price_series_page(request))

    def ListEmissionFactors(  # noqa: N802
        self, request: reference_pb2.ListEmissionFactorsRequest, context: grpc.ServicerContext
    ) -> reference_pb2.ListEmissionFactorsResponse:
        call = _CallLog("ListEmissionFactors")
        return self._guarded(call, context, lambda: reference.emission_factors_page(request))

    def _guarded(self, call: _CallLog, context: grpc.ServicerContext, work: Callable[[], T]) -> T:
        """Run ``work``; map every failure to its status; log one line either way."""
        status: grpc.Status | None = None
        try:
            result = work()
            call.code = "OK"
            return result
        except ClientGone as gone:
            call.code = gone.code.name
            call.fields["stopped_before"] = gone.before
            status = errors.plain_status(gone.code, gone.description, gone.code.name)
        except Exception as error:
            call.code, fields, status = errors.failure(error)
            call.fields.update(fields)
        finally:
            call.emit()
        context.abort_with_status(status)
        raise AssertionError("context.abort_with_status returned")  # pragma: no cover
