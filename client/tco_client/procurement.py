"""``ProcurementClient``: the procurement records of the service (``tcoapi.v1.ProcurementService``).

>>> with ProcurementClient("127.0.0.1:50051") as records:          # doctest: +SKIP
...     records.create("ventilation-2027", "examples/sample-tender.json", title="Ventilation")
...     evaluation = records.evaluate("ventilation-2027", "examples/sample-tender.json")
...     records.reproduce(evaluation.name).identical
True

Publish a method (:meth:`create`: the method of a tender file, or a ``Method``), evaluate bids
against it (:meth:`evaluate`: the tender file's method is sent along and must equal the published
one, so a changed method file is refused naming the first difference), read them back
(:meth:`get`; :meth:`procurements` and :meth:`evaluations` as DataFrames), re-run one
(:meth:`reproduce`), award (:meth:`award`: the drafted reasons, Swedish and English), check the
chain (:meth:`verify`) and write a procurement's whole record to a zip archive (:meth:`export`).

Errors are those of :class:`tco_client.TcoClient`: :class:`~tco_client.errors.TcoInvalidTender`
naming every bad field, :class:`~tco_client.errors.TcoServiceError` with the status code
(NOT_FOUND for another organisation's records). Every call has the deadline ``timeout``; calls
are not retried (an append is not safe to repeat blindly).
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

import grpc
import pandas as pd
from google.protobuf import json_format

from tco_client.errors import error_from_rpc
from tco_client.safe_output import write_file
from tco_client.tender import load_tender
from tcoapi.v1 import analysis_pb2, procurement_pb2_grpc, result_pb2, tender_pb2
from tcoapi.v1 import procurement_pb2 as pb

_Resp = TypeVar("_Resp")
STATES = {
    "published": pb.PROCUREMENT_STATE_PUBLISHED,
    "evaluated": pb.PROCUREMENT_STATE_EVALUATED,
    "awarded": pb.PROCUREMENT_STATE_AWARDED,
}
STATE_NAMES = {number: name for name, number in STATES.items()}
#: Page size used when the client reads a whole list.
PAGE_SIZE = 500

MethodLike = tender_pb2.Method | tender_pb2.EvaluateBidsRequest | str | os.PathLike[str]


def procurement_name(procurement: str) -> str:
    """``"procurements/ID"`` for an id or a name."""
    return procurement if procurement.startswith("procurements/") else f"procurements/{procurement}"


def evaluation_name(procurement: str, evaluation: str) -> str:
    """``"procurements/P/evaluations/E"`` for ids or names."""
    if evaluation.startswith("procurements/"):
        return evaluation
    return f"{procurement_name(procurement)}/evaluations/{evaluation}"


def _tender(source: MethodLike) -> tender_pb2.EvaluateBidsRequest:
    if isinstance(source, tender_pb2.EvaluateBidsRequest):
        return source
    if isinstance(source, tender_pb2.Method):
        return tender_pb2.EvaluateBidsRequest(method=source)
    return load_tender(Path(source))


def _time(stamp: Any) -> pd.Timestamp | None:
    if not stamp.seconds and not stamp.nanos:
        return None
    return pd.Timestamp(stamp.ToDatetime(), tz="UTC")


class ProcurementClient:
    """Blocking client of ``tcoapi.v1.ProcurementService``; use as a context manager."""

    def __init__(
        self,
        target: str = "127.0.0.1:50051",
        *,
        timeout: float = 60.0,
        token: str | None = None,
        credentials: Any | None = None,
        tls: bool = False,
        root_certificates: bytes | None = None,
    ) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be > 0 seconds")
        if credentials is None and (tls or root_certificates):
            credentials = grpc.ssl_channel_credentials(root_certificates=root_certificates)
        options = [
            ("grpc.max_receive_message_length", 64 * 1024 * 1024),
            ("grpc.max_send_message_length", 64 * 1024 * 1024),
        ]
        self.target = target
        self.timeout = timeout
        self._channel = (
            grpc.secure_channel(target, credentials, options=options)
            if credentials is not None
            else grpc.insecure_channel(target, options=options)
        )
        self._stub = procurement_pb2_grpc.ProcurementServiceStub(self._channel)
        self._metadata: tuple[tuple[str, str], ...] = (
            (("authorization", f"Bearer {token}"),) if token else ()
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._channel.close()

    def _call(self, method: Callable[..., _Resp], request: Any) -> _Resp:
        try:
            return method(request, timeout=self.timeout, metadata=self._metadata)
        except grpc.RpcError as exc:
            raise error_from_rpc(exc, target=self.target) from None

    # -- procurements ----------------------------------------------------------------------

    def create(self, procurement_id: str, method: MethodLike, *, title: str = "") -> pb.Procurement:
        """Publish ``method`` (a Method, or the method of a tender file or request)."""
        request = pb.CreateProcurementRequest(
            procurement_id=procurement_id,
            procurement=pb.Procurement(title=title, method=_tender(method).method),
        )
        answer: pb.CreateProcurementResponse = self._call(self._stub.CreateProcurement, request)
        return answer.procurement

    def get(self, procurement: str) -> pb.Procurement:
        request = pb.GetProcurementRequest(name=procurement_name(procurement))
        answer: pb.GetProcurementResponse = self._call(self._stub.GetProcurement, request)
        return answer.procurement

    def list_procurements(self, state: str | None = None) -> list[pb.Procurement]:
        """Every procurement of the caller's organisation (in ``state`` if given), oldest first."""
        found: list[pb.Procurement] = []
        token = ""
        while True:
            request = pb.ListProcurementsRequest(page_size=PAGE_SIZE, page_token=token)
            if state:
                request.state = STATES[state]
            page = self._call(self._stub.ListProcurements, request)
            found += page.procurements
            token = page.next_page_token
            if not token:
                return found

    def procurements(self, state: str | None = None) -> pd.DataFrame:
        """:meth:`list_procurements` as a DataFrame: one row per procurement."""
        rows = [
            {
                "procurement": p.name.rsplit("/", 1)[-1],
                "title": p.title,
                "state": STATE_NAMES.get(p.state, ""),
                "evaluations": p.evaluation_count,
                "awarded_bid": p.award.bid_id if p.HasField("award") else "",
                "created": _time(p.create_time),
                "method_digest": p.method_digest,
                "organization": p.organization,
            }
            for p in self.list_procurements(state)
        ]
        columns = ["procurement", "title", "state", "evaluations", "awarded_bid", "created"]
        return pd.DataFrame(rows, columns=[*columns, "method_digest", "organization"])

    # -- evaluations -----------------------------------------------------------------------

    def evaluate(
        self, procurement: str, tender: MethodLike, *, evaluation_id: str = ""
    ) -> pb.Evaluation:
        """Evaluate the bids of ``tender`` against the published method (the tender's own method
        is sent along and must equal it)."""
        request_tender = _tender(tender)
        request = pb.EvaluateProcurementRequest(
            name=procurement_name(procurement),
            bids=request_tender.bids,
            evaluation_id=evaluation_id,
        )
        if request_tender.HasField("method"):
            request.method.CopyFrom(request_tender.method)
        answer: pb.EvaluateProcurementResponse = self._call(self._stub.EvaluateProcurement, request)
        return answer.evaluation

    def evaluation(self, procurement: str, evaluation: str) -> pb.Evaluation:
        request = pb.GetEvaluationRequest(name=evaluation_name(procurement, evaluation))
        answer: pb.GetEvaluationResponse = self._call(self._stub.GetEvaluation, request)
        return answer.evaluation

    def list_evaluations(self, procurement: str) -> list[pb.Evaluation]:
        found: list[pb.Evaluation] = []
        token = ""
        while True:
            request = pb.ListEvaluationsRequest(
                parent=procurement_name(procurement), page_size=PAGE_SIZE, page_token=token
            )
            page = self._call(self._stub.ListEvaluations, request)
            found += page.evaluations
            token = page.next_page_token
            if not token:
                return found

    def evaluations(self, procurement: str) -> pd.DataFrame:
        """The evaluations of a procurement as a DataFrame (digests and versions)."""
        rows = [
            {
                "evaluation": e.name.rsplit("/", 1)[-1],
                "bids": e.bid_count,
                "created": _time(e.create_time),
                "evaluation_digest": e.evaluation_digest,
                "request_digest": e.request_digest,
                "method_digest": e.method_digest,
                "engine_version": e.engine_version,
                "data_version": e.data_version,
            }
            for e in self.list_evaluations(procurement)
        ]
        columns = ["evaluation", "bids", "created", "evaluation_digest", "request_digest"]
        return pd.DataFrame(
            rows, columns=[*columns, "method_digest", "engine_version", "data_version"]
        )

    def reproduce(self, evaluation: str, procurement: str = "") -> pb.ReproduceEvaluationResponse:
        """Re-run a stored evaluation now: identical, or the differing figures and why."""
        request = pb.ReproduceEvaluationRequest(name=evaluation_name(procurement, evaluation))
        answer: pb.ReproduceEvaluationResponse = self._call(self._stub.ReproduceEvaluation, request)
        return answer

    def analyze(
        self, evaluation: str, analysis: analysis_pb2.AnalysisSpec, procurement: str = ""
    ) -> pb.AnalyzeEvaluationResponse:
        """AnalyzeRanking on a stored evaluation's request, stored with it (its switching values
        go into the award's drafted reasons)."""
        request = pb.AnalyzeEvaluationRequest(
            name=evaluation_name(procurement, evaluation), analysis=analysis
        )
        answer: pb.AnalyzeEvaluationResponse = self._call(self._stub.AnalyzeEvaluation, request)
        return answer

    # -- award, verification, export -------------------------------------------------------

    def award(
        self,
        procurement: str,
        *,
        evaluation: str,
        bid_id: str,
        decided_by: str,
        reason: str = "",
        sent_electronically: bool = True,
    ) -> pb.Procurement:
        """Record the award decision; the answer holds the drafted reasons (sv and en)."""
        request = pb.AwardProcurementRequest(
            name=procurement_name(procurement),
            evaluation=evaluation_name(procurement, evaluation),
            bid_id=bid_id,
            decided_by=decided_by,
            reason=reason,
            sent_electronically=sent_electronically,
        )
        answer: pb.AwardProcurementResponse = self._call(self._stub.AwardProcurement, request)
        return answer.procurement

    def verify(self) -> pb.VerifyRecordsResponse:
        """Check the caller's hash chain; ``first_broken_record`` names the first broken one."""
        answer: pb.VerifyRecordsResponse = self._call(
            self._stub.VerifyRecords, pb.VerifyRecordsRequest()
        )
        return answer

    def export(self, procurement: str, path: str | Path) -> Path:
        """Write a procurement's whole record to a zip archive: ``procurement.json`` (method,
        digests, award), one ``evaluations/E.json`` each (request, response, digests, engine and
        data version) with the request as evaluated and the response as stored, as bytes
        (``evaluations/E.request.binpb``, ``evaluations/E.response.binpb``: the response's
        SHA-256 is the evaluation digest), ``award_sv.txt``/``award_en.txt`` and
        ``manifest.json`` (the digests, and the outcome of VerifyRecords at export: a store
        whose chain is broken says so in its archives).

        The archive is enough to re-compute every evaluation offline with the engine
        (:func:`check_archive`, ``tco procurement reproduce --archive``)."""
        verified = self.verify()
        record = self.get(procurement)
        evaluations = [
            self.evaluation(record.name, e.name) for e in self.list_evaluations(record.name)
        ]
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("procurement.json", json_format.MessageToJson(record, indent=1))
            manifest: dict[str, Any] = {
                "procurement": record.name,
                "method_digest": record.method_digest,
                "record_hash": record.record_hash,
                "evaluations": {},
                "verify_records": json_format.MessageToDict(verified),
            }
            for e in evaluations:
                short = e.name.rsplit("/", 1)[-1]
                archive.writestr(
                    f"evaluations/{short}.json", json_format.MessageToJson(e, indent=1)
                )
                archive.writestr(
                    f"evaluations/{short}.request.binpb",
                    e.request.SerializeToString(deterministic=True),
                )
                archive.writestr(
                    f"evaluations/{short}.response.binpb",
                    e.response.SerializeToString(deterministic=True),
                )
                manifest["evaluations"][short] = {
                    "evaluation_digest": e.evaluation_digest,
                    "request_digest": e.request_digest,
                    "record_hash": e.record_hash,
                }
            if record.HasField("award"):
                archive.writestr("award_sv.txt", record.award.reasons_sv)
                archive.writestr("award_en.txt", record.award.reasons_en)
            archive.writestr("manifest.json", json.dumps(manifest, indent=1, sort_keys=True))
        return write_file(path, lambda f: f.write(buffer.getvalue()))


def check_archive(path: str | Path) -> list[str]:
    """Offline check of an :meth:`ProcurementClient.export` archive, without the engine: each
    stored response's SHA-256 against its evaluation digest, the request digest it names, and
    the store's chain as verified at export. Returns the problems (empty: the archive holds).
    Re-computing the evaluations needs the engine: ``tco_server.records.archive``."""
    import hashlib  # noqa: PLC0415 - only for this check

    problems: list[str] = []
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        verified = manifest.get("verify_records")  # absent in archives of an earlier client
        if verified is not None and not verified.get("ok", False):
            problems.append(
                f"the store's chain was broken at export: {verified.get('firstBrokenRecord', '')}"
                f" {verified.get('problem', '')}".rstrip()
            )
        for short, digests in sorted(manifest["evaluations"].items()):
            data = archive.read(f"evaluations/{short}.response.binpb")
            if hashlib.sha256(data).hexdigest() != digests["evaluation_digest"]:
                problems.append(f"evaluations/{short}: response bytes do not match the digest")
            response = result_pb2.EvaluateBidsResponse.FromString(data)
            if response.request_digest != digests["request_digest"]:
                problems.append(f"evaluations/{short}: request digest differs")
    return problems
