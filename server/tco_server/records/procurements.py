"""The business logic of ProcurementService: plain functions over a :class:`RecordStore`.

Every function takes the caller's organisation and the request message and returns the response
message, or raises :class:`RecordsError` carrying the status to answer (or the engine's
:class:`tco.errors.InvalidTender`). Evaluations go through an ``evaluate`` callable, which the
servicer binds to the very path of ``EvaluateBids`` (limits, conversion, the evaluation queue,
the engine, the response check): a stored evaluation is the response EvaluateBids gives.

Records (payloads, JSON; bytes as base64; see :mod:`tco_server.records.store`):

- ``procurement`` ``procurements/{p}``: title, the method (protobuf bytes as received,
  deterministic serialisation), method digest, engine and data version at publication;
- ``evaluation`` ``procurements/{p}/evaluations/{e}``: the EvaluateBidsRequest as evaluated (the
  published method and the bids as received), the response bytes, the method, request and
  evaluation digests (SHA-256 of the response bytes), engine and data version;
- ``analysis`` ``procurements/{p}/evaluations/{e}/analyses/{a}``: the AnalysisSpec and the
  AnalyzeRanking response for the evaluation's stored request, with its analysis digest;
- ``award`` ``procurements/{p}``: the decision and its drafted reasons (sv, en).

A procurement's state follows from its records: AWARDED with an award, EVALUATED with an
evaluation, PUBLISHED otherwise.
"""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from tco.digest import method_digest
from tco.errors import FieldViolation, InvalidTender
from tco.reference import DATA_VERSION
from tco.validate import method as validate_method
from tco.validate.context import Context
from tco.version import __version__ as engine_version
from tco_server import convert_in, errors
from tco_server.limits import Limits, check_request
from tco_server.records import compare, reasons
from tco_server.records.store import (
    ANALYSIS,
    AWARD,
    EVALUATION,
    PROCUREMENT,
    AlreadyExists,
    ProcurementRow,
    Record,
    RecordStore,
    b64,
    unb64,
    utc_text,
)
from tcoapi.v1 import analysis_pb2, result_pb2, tender_pb2
from tcoapi.v1 import procurement_pb2 as pb

#: The id part of a resource name (AIP-122): lower case, digits, "-"; 1-63 characters.
RESOURCE_ID = re.compile(r"[a-z]([a-z0-9-]{0,61}[a-z0-9])?")
_PROCUREMENT_NAME = re.compile(r"procurements/([^/]+)")
_EVALUATION_NAME = re.compile(r"procurements/([^/]+)/evaluations/([^/]+)")
MAX_TITLE, MAX_DECIDED_BY, MAX_REASON = 200, 200, 4000
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 100, 1000
#: Standstill period (LOU 20 kap. 1 §): days after an award decision sent electronically, and
#: sent by other means.
STANDSTILL_ELECTRONIC_DAYS, STANDSTILL_OTHER_DAYS = 10, 15
_STATES = {
    pb.PROCUREMENT_STATE_PUBLISHED: "published",
    pb.PROCUREMENT_STATE_EVALUATED: "evaluated",
    pb.PROCUREMENT_STATE_AWARDED: "awarded",
}

Evaluate = Callable[[tender_pb2.EvaluateBidsRequest], result_pb2.EvaluateBidsResponse]
Analyze = Callable[[analysis_pb2.AnalyzeRankingRequest], analysis_pb2.AnalyzeRankingResponse]


class RecordsError(Exception):
    """A request the records refuse: the status to answer."""

    def __init__(self, status: grpc.Status, code: str) -> None:
        super().__init__(code)
        self.status = status
        self.code = code


def _bad(field: str, description: str, reason: str = "INVALID_REQUEST") -> RecordsError:
    status = errors.request_status(
        grpc.StatusCode.INVALID_ARGUMENT, f"{field}: {description}", reason, [(field, description)]
    )
    return RecordsError(status, "INVALID_ARGUMENT")


def _refused(code: grpc.StatusCode, message: str, reason: str) -> RecordsError:
    return RecordsError(errors.plain_status(code, message, reason), code.name)


def _not_found(name: str) -> RecordsError:
    return _refused(grpc.StatusCode.NOT_FOUND, f"{name} not found", "NOT_FOUND")


def _deterministic(message: Any) -> bytes:
    return bytes(message.SerializeToString(deterministic=True))


def _timestamp(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def _procurement_id(name: str, field: str = "name") -> str:
    match = _PROCUREMENT_NAME.fullmatch(name)
    if match is None or not RESOURCE_ID.fullmatch(match.group(1)):
        raise _bad(field, "expected 'procurements/{id}'")
    return match.group(1)


def _evaluation_ids(name: str, field: str = "name") -> tuple[str, str]:
    match = _EVALUATION_NAME.fullmatch(name)
    if match is None or not all(RESOURCE_ID.fullmatch(part) for part in match.groups()):
        raise _bad(field, "expected 'procurements/{id}/evaluations/{id}'")
    return match.group(1), match.group(2)


def _page(token: str, size: int) -> tuple[int, int]:
    """(after_seq, limit) of a page request."""
    if size < 0 or size > MAX_PAGE_SIZE:
        raise _bad("page_size", f"expected 0..{MAX_PAGE_SIZE}, got {size}")
    after = 0
    if token:
        try:
            after = int(base64.urlsafe_b64decode(token.encode("ascii")).decode("ascii"))
        except (ValueError, UnicodeError):
            raise _bad("page_token", "not a page token of this list") from None
    return after, size or DEFAULT_PAGE_SIZE


def _next_token(seqs: list[int], limit: int) -> str:
    return base64.urlsafe_b64encode(str(seqs[-1]).encode()).decode() if len(seqs) == limit else ""


# -- procurements --------------------------------------------------------------------------------


def _validated_method(message: tender_pb2.Method, limits: Limits) -> str:
    """The method's digest, once it passed the limits and every check of the engine's
    validation; else :class:`InvalidTender` with paths under ``procurement.method``."""
    try:
        check_request(tender_pb2.EvaluateBidsRequest(method=message), limits)
        method = convert_in.to_method(message)
        context = Context()
        validate_method.method(context, method)
        found = context.v.all_violations()
        if found:
            raise InvalidTender(found)
    except InvalidTender as error:
        raise InvalidTender(
            [FieldViolation(f"procurement.{v.field}", v.description) for v in error.violations]
        ) from None
    return method_digest(method)


def _award(record: Record) -> pb.Award:
    p = record.payload
    return pb.Award(
        evaluation=p["evaluation"],
        bid_id=p["bid_id"],
        rank=p["rank"],
        organization=record.organization,
        decided_by=p["decided_by"],
        decide_time=_timestamp(record.created_at),
        standstill_days=p["standstill_days"],
        standstill_end_time=_timestamp(
            record.created_at + timedelta(days=int(p["standstill_days"]))
        ),
        reason=p["reason"],
        reasons_sv=p["reasons_sv"],
        reasons_en=p["reasons_en"],
        record_hash=record.hash,
        sent_electronically=p["sent_electronically"],
    )


def _procurement(row: ProcurementRow) -> pb.Procurement:
    record = row.record
    state = pb.PROCUREMENT_STATE_PUBLISHED
    if row.award is not None:
        state = pb.PROCUREMENT_STATE_AWARDED
    elif row.evaluations:
        state = pb.PROCUREMENT_STATE_EVALUATED
    out = pb.Procurement(
        name=record.subject,
        title=record.payload["title"],
        method=tender_pb2.Method.FromString(unb64(record.payload["method"])),
        method_digest=record.payload["method_digest"],
        state=state,
        create_time=_timestamp(record.created_at),
        organization=record.organization,
        evaluation_count=row.evaluations,
        record_hash=record.hash,
    )
    if row.award is not None:
        out.award.CopyFrom(_award(row.award))
    return out


def _row(store: RecordStore, organization: str, name: str) -> ProcurementRow:
    row = store.procurement(organization, name)
    if row is None:
        raise _not_found(name)
    return row


def create_procurement(
    store: RecordStore, organization: str, request: pb.CreateProcurementRequest, limits: Limits
) -> pb.CreateProcurementResponse:
    procurement_id = request.procurement_id or f"p-{uuid.uuid4().hex[:12]}"
    if not RESOURCE_ID.fullmatch(procurement_id):
        raise _bad(
            "procurement_id", "1-63 lower-case letters, digits and '-', starting with a letter"
        )
    title = request.procurement.title
    if len(title) > MAX_TITLE:
        raise _bad("procurement.title", f"at most {MAX_TITLE} characters")
    if not request.procurement.HasField("method"):
        raise InvalidTender([FieldViolation("procurement.method", "required")])
    method = request.procurement.method
    digest = _validated_method(method, limits)
    name = f"procurements/{procurement_id}"
    payload = {
        "title": title,
        "method": b64(_deterministic(method)),
        "method_digest": digest,
        "engine_version": engine_version,
        "data_version": DATA_VERSION,
    }
    try:
        record = store.append(organization, PROCUREMENT, name, procurement_id, payload)
    except AlreadyExists:
        raise _refused(
            grpc.StatusCode.ALREADY_EXISTS, f"{name} already exists", "ALREADY_EXISTS"
        ) from None
    return pb.CreateProcurementResponse(procurement=_procurement(ProcurementRow(record, 0, None)))


def get_procurement(
    store: RecordStore, organization: str, request: pb.GetProcurementRequest
) -> pb.GetProcurementResponse:
    _procurement_id(request.name)
    return pb.GetProcurementResponse(
        procurement=_procurement(_row(store, organization, request.name))
    )


def list_procurements(
    store: RecordStore, organization: str, request: pb.ListProcurementsRequest
) -> pb.ListProcurementsResponse:
    after, limit = _page(request.page_token, request.page_size)
    if request.state not in _STATES and request.state != pb.PROCUREMENT_STATE_UNSPECIFIED:
        raise _bad("state", f"unknown state {request.state}")
    rows = store.procurements(
        organization, _STATES.get(request.state), after_seq=after, limit=limit
    )
    return pb.ListProcurementsResponse(
        procurements=[_procurement(row) for row in rows],
        next_page_token=_next_token([row.record.seq for row in rows], limit),
    )


# -- evaluations ---------------------------------------------------------------------------------


def _evaluation(record: Record, *, bodies: bool) -> pb.Evaluation:
    p = record.payload
    out = pb.Evaluation(
        name=record.subject,
        method_digest=p["method_digest"],
        request_digest=p["request_digest"],
        evaluation_digest=p["evaluation_digest"],
        engine_version=p["engine_version"],
        data_version=p["data_version"],
        create_time=_timestamp(record.created_at),
        record_hash=record.hash,
        bid_count=p["bid_count"],
    )
    if bodies:
        out.request.ParseFromString(unb64(p["request"]))
        out.response.ParseFromString(unb64(p["response"]))
    return out


def _stored_evaluation(store: RecordStore, organization: str, name: str) -> Record:
    _evaluation_ids(name)
    record = store.get(organization, EVALUATION, name)
    if record is None:
        raise _not_found(name)
    return record


def evaluate_procurement(
    store: RecordStore,
    organization: str,
    request: pb.EvaluateProcurementRequest,
    evaluate: Evaluate,
) -> pb.EvaluateProcurementResponse:
    procurement_id = _procurement_id(request.name)
    if request.evaluation_id and not RESOURCE_ID.fullmatch(request.evaluation_id):
        raise _bad(
            "evaluation_id", "1-63 lower-case letters, digits and '-', starting with a letter"
        )
    published_row = store.published(organization, request.name)
    if published_row is None:
        raise _not_found(request.name)
    record, awarded = published_row
    if awarded:
        raise _refused(
            grpc.StatusCode.FAILED_PRECONDITION,
            f"{request.name} is awarded: no further evaluation",
            "PROCUREMENT_AWARDED",
        )
    published = tender_pb2.Method.FromString(unb64(record.payload["method"]))
    if request.HasField("method"):
        found = compare.first_difference(published, request.method, "method")
        if found is not None:
            raise _bad(found[0], found[1], "METHOD_DIFFERS_FROM_PUBLISHED")
    tender = tender_pb2.EvaluateBidsRequest(method=published, bids=request.bids)
    response = evaluate(tender)
    response_bytes = _deterministic(response)
    payload = {
        "request": b64(_deterministic(tender)),
        "response": b64(response_bytes),
        "method_digest": response.method_digest,
        "request_digest": response.request_digest,
        "evaluation_digest": hashlib.sha256(response_bytes).hexdigest(),
        "engine_version": response.engine_version,
        "data_version": DATA_VERSION,
        "bid_count": len(request.bids),
    }
    evaluation_id = request.evaluation_id or "e{n}"  # numbered by the store, under its lock
    name = f"{request.name}/evaluations/{evaluation_id}"
    try:
        record = store.append(organization, EVALUATION, name, procurement_id, payload)
    except AlreadyExists:
        raise _refused(
            grpc.StatusCode.ALREADY_EXISTS, f"{name} already exists", "ALREADY_EXISTS"
        ) from None
    evaluation = _evaluation(record, bodies=False)  # the request is what the caller sent
    evaluation.response.CopyFrom(response)
    return pb.EvaluateProcurementResponse(evaluation=evaluation)


def _analyses(store: RecordStore, record: Record) -> list[Record]:
    """The analyses stored with an evaluation record, oldest first."""
    prefix = f"{record.subject}/analyses/"
    found = store.records(record.organization, ANALYSIS, procurement=record.procurement)
    return [analysis for analysis in found if analysis.subject.startswith(prefix)]


def get_evaluation(
    store: RecordStore, organization: str, request: pb.GetEvaluationRequest
) -> pb.GetEvaluationResponse:
    record = _stored_evaluation(store, organization, request.name)
    evaluation = _evaluation(record, bodies=True)
    evaluation.analyses.extend(analysis.subject for analysis in _analyses(store, record))
    return pb.GetEvaluationResponse(evaluation=evaluation)


def analyze_evaluation(
    store: RecordStore, organization: str, request: pb.AnalyzeEvaluationRequest, analyze: Analyze
) -> pb.AnalyzeEvaluationResponse:
    """AnalyzeRanking on the evaluation's stored request, stored with it."""
    record = _stored_evaluation(store, organization, request.name)
    stored = tender_pb2.EvaluateBidsRequest.FromString(unb64(record.payload["request"]))
    response = analyze(
        analysis_pb2.AnalyzeRankingRequest(
            method=stored.method, bids=stored.bids, analysis=request.analysis
        )
    )
    payload = {
        "analysis": b64(_deterministic(request.analysis)),
        "response": b64(_deterministic(response)),
        "analysis_digest": response.analysis_digest,
        "evaluation": record.subject,
    }
    name = f"{record.subject}/analyses/a{{n}}"  # numbered by the store, under its lock
    analysis = store.append(organization, ANALYSIS, name, record.procurement, payload)
    return pb.AnalyzeEvaluationResponse(
        name=analysis.subject, response=response, record_hash=analysis.hash
    )


def list_evaluations(
    store: RecordStore, organization: str, request: pb.ListEvaluationsRequest
) -> pb.ListEvaluationsResponse:
    procurement_id = _procurement_id(request.parent, "parent")
    after, limit = _page(request.page_token, request.page_size)
    if store.get(organization, PROCUREMENT, request.parent) is None:
        raise _not_found(request.parent)
    found = store.records(
        organization, EVALUATION, procurement=procurement_id, after_seq=after, limit=limit
    )
    return pb.ListEvaluationsResponse(
        evaluations=[_evaluation(record, bodies=False) for record in found],
        next_page_token=_next_token([record.seq for record in found], limit),
    )


def reproduce_evaluation(
    store: RecordStore,
    organization: str,
    request: pb.ReproduceEvaluationRequest,
    evaluate: Evaluate,
) -> pb.ReproduceEvaluationResponse:
    record = _stored_evaluation(store, organization, request.name)
    p = record.payload
    response = evaluate(tender_pb2.EvaluateBidsRequest.FromString(unb64(p["request"])))
    return reproduction(
        unb64(p["response"]),
        response,
        evaluation_digest=p["evaluation_digest"],
        stored_engine_version=p["engine_version"],
        stored_data_version=p["data_version"],
    )


def reproduction(
    stored_bytes: bytes,
    response: result_pb2.EvaluateBidsResponse,
    *,
    evaluation_digest: str,
    stored_engine_version: str,
    stored_data_version: str,
) -> pb.ReproduceEvaluationResponse:
    """A stored response (its bytes as stored) against the one computed now: identical (the
    same bytes, so the same evaluation digest), or every differing figure
    (:func:`compare.figure_differences`) and why: ``ENGINE_VERSION_CHANGED``,
    ``DATA_VERSION_CHANGED`` (both, comma-separated) or ``UNEXPLAINED``."""
    now_bytes = _deterministic(response)
    out = pb.ReproduceEvaluationResponse(
        identical=now_bytes == stored_bytes,
        evaluation_digest=evaluation_digest,
        reproduced_digest=hashlib.sha256(now_bytes).hexdigest(),
        stored_engine_version=stored_engine_version,
        engine_version=response.engine_version,
        stored_data_version=stored_data_version,
        data_version=DATA_VERSION,
        response=response,
    )
    if not out.identical:
        stored = result_pb2.EvaluateBidsResponse.FromString(stored_bytes)
        for path, old, new in compare.figure_differences(stored, response):
            out.differences.add(path=path, stored=old, reproduced=new)
        why = [
            reason
            for reason, changed in (
                ("ENGINE_VERSION_CHANGED", out.engine_version != out.stored_engine_version),
                ("DATA_VERSION_CHANGED", out.data_version != out.stored_data_version),
            )
            if changed
        ]
        out.reason = ",".join(why) or "UNEXPLAINED"
    return out


# -- award and verification ----------------------------------------------------------------------


def award_procurement(
    store: RecordStore,
    organization: str,
    request: pb.AwardProcurementRequest,
    *,
    now: datetime | None = None,
) -> pb.AwardProcurementResponse:
    procurement_id = _procurement_id(request.name)
    evaluation_procurement, _ = _evaluation_ids(request.evaluation, "evaluation")
    if evaluation_procurement != procurement_id:
        raise _bad("evaluation", f"not an evaluation of {request.name}")
    if not request.decided_by.strip() or len(request.decided_by) > MAX_DECIDED_BY:
        raise _bad("decided_by", f"required: a name or role, at most {MAX_DECIDED_BY} characters")
    if len(request.reason) > MAX_REASON:
        raise _bad("reason", f"at most {MAX_REASON} characters")
    row = _row(store, organization, request.name)
    if row.award is not None:
        raise _refused(
            grpc.StatusCode.FAILED_PRECONDITION, f"{request.name} is already awarded", "AWARDED"
        )
    evaluation = _stored_evaluation(store, organization, request.evaluation)
    response = result_pb2.EvaluateBidsResponse.FromString(unb64(evaluation.payload["response"]))
    ranks = {result.bid_id: result.rank for result in response.results}
    if request.bid_id not in ranks:
        raise _bad("bid_id", f"no bid {request.bid_id!r} in {request.evaluation}")
    rank = ranks[request.bid_id]
    if rank != 1 and not request.reason.strip():
        raise _bad(
            "reason",
            f"required: bid {request.bid_id!r} is ranked {rank}, not first",
            "REASON_REQUIRED",
        )
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    days = STANDSTILL_ELECTRONIC_DAYS if request.sent_electronically else STANDSTILL_OTHER_DAYS
    decision = reasons.Decision(
        procurement=request.name,
        title=row.record.payload["title"],
        evaluation=request.evaluation,
        bid_id=request.bid_id,
        decided_by=request.decided_by,
        organization=organization,
        decide_time=utc_text(moment),
        standstill_days=days,
        standstill_end=utc_text(moment + timedelta(days=days)),
        reason=request.reason,
        method=tender_pb2.Method.FromString(unb64(row.record.payload["method"])),
        response=response,
        method_digest=evaluation.payload["method_digest"],
        request_digest=evaluation.payload["request_digest"],
        evaluation_digest=evaluation.payload["evaluation_digest"],
        procurement_record=row.record.hash,
        evaluation_record=evaluation.hash,
        data_version=evaluation.payload["data_version"],
        analyses=tuple(
            (
                analysis.subject,
                analysis_pb2.AnalyzeRankingResponse.FromString(unb64(analysis.payload["response"])),
            )
            for analysis in _analyses(store, evaluation)
        ),
    )
    payload = {
        "evaluation": request.evaluation,
        "bid_id": request.bid_id,
        "rank": rank,
        "decided_by": request.decided_by,
        "standstill_days": days,
        "reason": request.reason,
        "sent_electronically": request.sent_electronically,
        "reasons_sv": reasons.draft(decision, "sv"),
        "reasons_en": reasons.draft(decision, "en"),
    }
    try:
        award = store.append(organization, AWARD, request.name, procurement_id, payload, now=moment)
    except AlreadyExists:
        raise _refused(
            grpc.StatusCode.FAILED_PRECONDITION, f"{request.name} is already awarded", "AWARDED"
        ) from None
    return pb.AwardProcurementResponse(
        procurement=_procurement(ProcurementRow(row.record, row.evaluations, award))
    )


def verify_records(store: RecordStore, organization: str) -> pb.VerifyRecordsResponse:
    found = store.verify(organization)
    out = pb.VerifyRecordsResponse(
        ok=found.ok, records_checked=found.checked, head_hash=found.head_hash, problem=found.problem
    )
    if found.broken is not None:
        out.first_broken_record = f"records/{found.broken.seq} ({found.broken.subject})"
    return out
