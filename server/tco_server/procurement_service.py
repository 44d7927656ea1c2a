"""The ProcurementService servicer: transport only, over :mod:`tco_server.records`.

:func:`register` opens the records store at server start (migrating it: the SQLite file in
``--data-dir`` by default, or ``--database URL``), says in the log whether bids are encrypted at
rest (``records_store``; ``records_unencrypted`` without ``--data-key-file``), and adds the
service's handlers to the gRPC server, serialising responses deterministically like the
LifeCycleCostService. Each call:

- runs as the caller's organisation (:data:`tco_server.security.ORGANIZATION`, from the tokens
  file; :data:`~tco_server.security.DEFAULT_ORGANIZATION` without tokens);
- calls one plain function of :mod:`tco_server.records.procurements`; evaluations go through the
  LifeCycleCostService's own ``EvaluateBids`` (limits, queue, engine, response check: the same
  status and log line for a bad bid as EvaluateBids gives); AnalyzeEvaluation through its own
  ``AnalyzeRanking`` likewise;
- logs one line (method, code, duration; never a bid's content);
- maps :class:`~tco_server.records.procurements.RecordsError` to its status, the engine's
  :class:`tco.errors.InvalidTender` to INVALID_ARGUMENT naming every field, anything else to
  INTERNAL with an incident id (:func:`tco_server.errors.failure`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import grpc
from google.protobuf.message import Message
from sqlalchemy.exc import SQLAlchemyError

from tco_server import decoding
from tco_server.config import ServerConfig
from tco_server.logs import log_event
from tco_server.records import procurements as logic
from tco_server.records.crypto import Sealer, load_key
from tco_server.records.store import RecordStore, UnknownSchema, database_url
from tco_server.records_calls import run_as_caller
from tco_server.security import SecurityConfigError
from tcoapi.v1 import analysis_pb2, procurement_pb2_grpc, result_pb2, tender_pb2
from tcoapi.v1 import procurement_pb2 as pb

SERVICE_NAME = "tcoapi.v1.ProcurementService"
#: The service's descriptor (the HTTP gateway routes its methods by it).
DESCRIPTOR = pb.DESCRIPTOR.services_by_name["ProcurementService"]
T = TypeVar("T")


class RecordsStoreError(SecurityConfigError):
    """The records database cannot be opened at start (the message never quotes the URL)."""


class _Refused(Exception):
    """The evaluation path aborted the call with this status (a bad bid, a deadline ...)."""

    def __init__(self, status: grpc.Status) -> None:
        super().__init__("refused")
        self.status = status


class _Capturing:
    """The call's context for the EvaluateBids path, with its abort captured (so the records
    are not written and the status is answered by this service's own handler)."""

    def __init__(self, context: grpc.ServicerContext) -> None:
        self._context = context

    def abort_with_status(self, status: grpc.Status) -> None:
        raise _Refused(status)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)


class Evaluator(Protocol):
    """What the servicer needs of the LifeCycleCostService: its ``EvaluateBids``."""

    def EvaluateBids(  # noqa: N802 - the contract's method name
        self, request: tender_pb2.EvaluateBidsRequest, context: Any
    ) -> result_pb2.EvaluateBidsResponse: ...

    def AnalyzeRanking(  # noqa: N802 - the contract's method name
        self, request: analysis_pb2.AnalyzeRankingRequest, context: Any
    ) -> analysis_pb2.AnalyzeRankingResponse: ...


def _refusal(error: Exception) -> tuple[str, grpc.Status] | None:
    """The statuses of the errors this service knows (:func:`run_as_caller`)."""
    if isinstance(error, _Refused):
        return error.status.code.name, error.status
    if isinstance(error, logic.RecordsError):
        return error.code, error.status
    return None


class ProcurementService(procurement_pb2_grpc.ProcurementServiceServicer):
    """Every method: the caller's organisation, one plain function, one log line."""

    def __init__(self, store: RecordStore, config: ServerConfig, evaluator: Evaluator) -> None:
        self.store = store
        self._config = config
        self._evaluator = evaluator

    def _evaluate(self, context: grpc.ServicerContext) -> logic.Evaluate:
        def run(request: tender_pb2.EvaluateBidsRequest) -> result_pb2.EvaluateBidsResponse:
            return self._evaluator.EvaluateBids(request, _Capturing(context))

        return run

    def _analyze(self, context: grpc.ServicerContext) -> logic.Analyze:
        def run(request: analysis_pb2.AnalyzeRankingRequest) -> analysis_pb2.AnalyzeRankingResponse:
            return self._evaluator.AnalyzeRanking(request, _Capturing(context))

        return run

    def _call(self, method: str, context: grpc.ServicerContext, work: Callable[[str], T]) -> T:
        return run_as_caller(method, context, work, _refusal)

    def CreateProcurement(  # noqa: N802
        self, request: pb.CreateProcurementRequest, context: grpc.ServicerContext
    ) -> pb.CreateProcurementResponse:
        return self._call(
            "CreateProcurement",
            context,
            lambda org: logic.create_procurement(self.store, org, request, self._config.limits),
        )

    def GetProcurement(  # noqa: N802
        self, request: pb.GetProcurementRequest, context: grpc.ServicerContext
    ) -> pb.GetProcurementResponse:
        return self._call(
            "GetProcurement", context, lambda org: logic.get_procurement(self.store, org, request)
        )

    def ListProcurements(  # noqa: N802
        self, request: pb.ListProcurementsRequest, context: grpc.ServicerContext
    ) -> pb.ListProcurementsResponse:
        return self._call(
            "ListProcurements",
            context,
            lambda org: logic.list_procurements(self.store, org, request),
        )

    def EvaluateProcurement(  # noqa: N802
        self, request: pb.EvaluateProcurementRequest, context: grpc.ServicerContext
    ) -> pb.EvaluateProcurementResponse:
        return self._call(
            "EvaluateProcurement",
            context,
            lambda org: logic.evaluate_procurement(
                self.store, org, request, self._evaluate(context)
            ),
        )

    def GetEvaluation(  # noqa: N802
        self, request: pb.GetEvaluationRequest, context: grpc.ServicerContext
    ) -> pb.GetEvaluationResponse:
        return self._call(
            "GetEvaluation", context, lambda org: logic.get_evaluation(self.store, org, request)
        )

    def ListEvaluations(  # noqa: N802
        self, request: pb.ListEvaluationsRequest, context: grpc.ServicerContext
    ) -> pb.ListEvaluationsResponse:
        return self._call(
            "ListEvaluations",
            context,
            lambda org: logic.list_evaluations(self.store, org, request),
        )

    def ReproduceEvaluation(  # noqa: N802
        self, request: pb.ReproduceEvaluationRequest, context: grpc.ServicerContext
    ) -> pb.ReproduceEvaluationResponse:
        return self._call(
            "ReproduceEvaluation",
            context,
            lambda org: logic.reproduce_evaluation(
                self.store, org, request, self._evaluate(context)
            ),
        )

    def AwardProcurement(  # noqa: N802
        self, request: pb.AwardProcurementRequest, context: grpc.ServicerContext
    ) -> pb.AwardProcurementResponse:
        return self._call(
            "AwardProcurement",
            context,
            lambda org: logic.award_procurement(self.store, org, request),
        )

    def AnalyzeEvaluation(  # noqa: N802
        self, request: pb.AnalyzeEvaluationRequest, context: grpc.ServicerContext
    ) -> pb.AnalyzeEvaluationResponse:
        return self._call(
            "AnalyzeEvaluation",
            context,
            lambda org: logic.analyze_evaluation(self.store, org, request, self._analyze(context)),
        )

    def VerifyRecords(  # noqa: N802
        self, request: pb.VerifyRecordsRequest, context: grpc.ServicerContext
    ) -> pb.VerifyRecordsResponse:
        return self._call(
            "VerifyRecords", context, lambda org: logic.verify_records(self.store, org)
        )


def open_store(config: ServerConfig) -> RecordStore:
    """The records store of ``config``, migrated; logs where it is and whether it is encrypted.

    Raises :class:`tco_server.records.crypto.DataKeyError` for a key file that cannot be used and
    :class:`RecordsStoreError` for a database that cannot be opened (both: exit 2 at start).
    """
    sealer = Sealer(load_key(config.data_key_file)) if config.data_key_file else None
    try:
        url = database_url(config.database, config.data_dir)
        store = RecordStore.open(url, sealer, config.data_sync)
    except (OSError, SQLAlchemyError) as error:  # the URL may hold a password: never quoted
        raise RecordsStoreError(
            f"cannot open the records database: {type(error).__name__}"
        ) from None
    except UnknownSchema as error:  # names revisions, never the URL
        raise RecordsStoreError(f"cannot use the records database: {error}") from None
    log_event("records_store", backend=store.engine.dialect.name, encrypted=sealer is not None)
    if sealer is None:  # the reason says what to do
        log_event("records_unencrypted", logging.WARNING, reason="NO_DATA_KEY_FILE")
    return store


def _deterministic(message: Message) -> bytes:
    return message.SerializeToString(deterministic=True)


def handlers(
    config: ServerConfig, evaluator: Evaluator, store: RecordStore | None = None
) -> dict[str, grpc.RpcMethodHandler]:
    """Open the store (unless given: the one the FollowUpService shares); the
    ProcurementService's method handlers, by method name, for the server's table. ``evaluator``
    is the process's LifeCycleCostService (its EvaluateBids evaluates the bids)."""
    servicer = ProcurementService(store or open_store(config), config, evaluator)
    contract = DESCRIPTOR
    table: dict[str, grpc.RpcMethodHandler] = {}
    for name, method in contract.methods_by_name.items():
        message_type = getattr(pb, method.input_type.name)
        table[name] = grpc.unary_unary_rpc_method_handler(
            decoding.refusing_undecodable(
                name, method.input_type.full_name, getattr(servicer, name)
            ),
            request_deserializer=decoding.lenient(message_type.FromString),
            response_serializer=_deterministic,
        )
    return table
