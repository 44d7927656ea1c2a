"""ProcurementService end to end: a real server on a free port over SQLite and PostgreSQL.

create -> evaluate -> restart the server -> get/list -> reproduce (identical) -> award (reasons
in Swedish and English holding the winner, the margins and the digests) -> verify; a method that
differs from the published one; the reason a bid not ranked first needs; tenancy by token.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from tco_client.tender import load_tender
from tco_server import security
from tco_server.records.reasons import margin_parts, money
from tcoapi.v1 import procurement_pb2 as pb
from tcoapi.v1 import procurement_pb2_grpc, result_pb2, service_pb2_grpc, tender_pb2
from tests.conftest import SAMPLE_TENDER, ServerProcess
from tests.records.conftest import Backend

TIMEOUT = 60.0


@contextmanager
def serving(
    *flags: str,
) -> Iterator[tuple[ServerProcess, procurement_pb2_grpc.ProcurementServiceStub]]:
    server = ServerProcess(*flags)
    channel = grpc.insecure_channel(server.target)
    try:
        yield server, procurement_pb2_grpc.ProcurementServiceStub(channel)
    finally:
        channel.close()
        code = server.stop()
        assert code == 0, server.logs()


def tender() -> tender_pb2.EvaluateBidsRequest:
    return load_tender(SAMPLE_TENDER)


def create(
    stub: procurement_pb2_grpc.ProcurementServiceStub, pid: str = "vent-2027", **kw: object
) -> pb.Procurement:
    request = pb.CreateProcurementRequest(
        procurement_id=pid,
        procurement=pb.Procurement(title="Ventilation 2027", method=tender().method),
    )
    return stub.CreateProcurement(request, timeout=TIMEOUT, **kw).procurement


def evaluate(
    stub: procurement_pb2_grpc.ProcurementServiceStub, pid: str = "vent-2027", **kw: object
) -> pb.Evaluation:
    request = pb.EvaluateProcurementRequest(name=f"procurements/{pid}", bids=tender().bids)
    return stub.EvaluateProcurement(request, timeout=TIMEOUT, **kw).evaluation


def violations(error: grpc.RpcError) -> list[tuple[str, str]]:
    status = rpc_status.from_call(error)
    assert status is not None
    found = []
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            found += [(v.field, v.description) for v in bad.field_violations]
    return found


def test_create_evaluate_restart_reproduce_award_verify(backend: Backend) -> None:
    with serving(*backend.flags) as (server, stub):
        published = create(stub)
        assert published.name == "procurements/vent-2027"
        assert published.state == pb.PROCUREMENT_STATE_PUBLISHED
        assert published.organization == security.DEFAULT_ORGANIZATION
        stored = evaluate(stub)
        assert stored.name == "procurements/vent-2027/evaluations/e1"
        assert server.events("records_unencrypted"), "no key: the server says so at start"

    # the same answer EvaluateBids gives, byte for byte
    response_bytes = stored.response.SerializeToString(deterministic=True)
    assert stored.evaluation_digest == hashlib.sha256(response_bytes).hexdigest()
    assert stored.method_digest == published.method_digest == stored.response.method_digest
    assert not stored.HasField("request")  # the caller has it; GetEvaluation returns it

    with serving(*backend.flags) as (_, stub):  # a restarted server keeps the records
        got = stub.GetProcurement(pb.GetProcurementRequest(name=published.name), timeout=TIMEOUT)
        assert got.procurement.state == pb.PROCUREMENT_STATE_EVALUATED
        assert got.procurement.method == tender().method
        assert got.procurement.evaluation_count == 1
        listed = stub.ListProcurements(
            pb.ListProcurementsRequest(state=pb.PROCUREMENT_STATE_EVALUATED), timeout=TIMEOUT
        )
        assert [p.name for p in listed.procurements] == [published.name]
        assert not stub.ListProcurements(
            pb.ListProcurementsRequest(state=pb.PROCUREMENT_STATE_PUBLISHED), timeout=TIMEOUT
        ).procurements
        evaluations = stub.ListEvaluations(
            pb.ListEvaluationsRequest(parent=published.name), timeout=TIMEOUT
        ).evaluations
        assert [(e.name, e.evaluation_digest) for e in evaluations] == [
            (stored.name, stored.evaluation_digest)
        ]
        again = stub.GetEvaluation(pb.GetEvaluationRequest(name=stored.name), timeout=TIMEOUT)
        assert again.evaluation.response.SerializeToString(deterministic=True) == response_bytes
        assert again.evaluation.request.bids == tender().bids  # the bids as received
        assert again.evaluation.request.method == tender().method  # the published method

        reproduced = stub.ReproduceEvaluation(
            pb.ReproduceEvaluationRequest(name=stored.name), timeout=TIMEOUT
        )
        assert reproduced.identical, reproduced.differences
        assert reproduced.reproduced_digest == stored.evaluation_digest
        assert not reproduced.differences
        assert not reproduced.reason

        results = sorted(stored.response.results, key=lambda r: r.rank)
        winner, runner_up = results[0], results[1]
        awarded = stub.AwardProcurement(
            pb.AwardProcurementRequest(
                name=published.name,
                evaluation=stored.name,
                bid_id=winner.bid_id,
                decided_by="Upphandlingschef Anna Berg",
                sent_electronically=True,
            ),
            timeout=TIMEOUT,
        ).procurement
        award = awarded.award
        assert awarded.state == pb.PROCUREMENT_STATE_AWARDED
        assert (award.rank, award.standstill_days) == (1, 10)
        assert award.standstill_end_time.seconds - award.decide_time.seconds == 10 * 86400
        currency = stored.response.currency
        margin = runner_up.evaluated_cost - winner.evaluated_cost
        for lang, text in (("sv", award.reasons_sv), ("en", award.reasons_en)):
            assert winner.bid_id in text
            assert runner_up.bid_id in text
            assert money(winner.evaluated_cost, currency, lang) in text  # comparison number
            assert money(margin, currency, lang) in text  # the margin to the runner-up
            _key, part = margin_parts(winner, runner_up)[0]
            assert money(part, currency, lang) in text  # the category that makes it
            for digest in (stored.method_digest, stored.request_digest, stored.evaluation_digest):
                assert digest in text
            assert stored.record_hash in text
        assert "tilldelas" in award.reasons_sv
        assert "awarded" in award.reasons_en

        with pytest.raises(grpc.RpcError) as twice:
            stub.AwardProcurement(
                pb.AwardProcurementRequest(
                    name=published.name,
                    evaluation=stored.name,
                    bid_id=winner.bid_id,
                    decided_by="someone",
                ),
                timeout=TIMEOUT,
            )
        assert twice.value.code() == grpc.StatusCode.FAILED_PRECONDITION

        verified = stub.VerifyRecords(pb.VerifyRecordsRequest(), timeout=TIMEOUT)
        assert verified.ok
        assert verified.records_checked == 3
        assert verified.head_hash == award.record_hash


def test_a_method_that_differs_from_the_published_one_is_named(backend: Backend) -> None:
    with serving(*backend.flags) as (_, stub):
        create(stub)
        changed = tender_pb2.Method()
        changed.CopyFrom(tender().method)
        changed.discount_rate += 0.01
        request = pb.EvaluateProcurementRequest(
            name="procurements/vent-2027", bids=tender().bids, method=changed
        )
        with pytest.raises(grpc.RpcError) as caught:
            stub.EvaluateProcurement(request, timeout=TIMEOUT)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        [(field, description)] = violations(caught.value)
        assert field == "method.discount_rate"
        assert "published" in description
        # the same method is accepted, and nothing was stored by the refused call
        request.method.CopyFrom(tender().method)
        assert stub.EvaluateProcurement(request, timeout=TIMEOUT).evaluation.name.endswith("/e1")


def test_bad_method_and_bad_bids_name_every_field(backend: Backend) -> None:
    with serving(*backend.flags) as (_, stub):
        bad = tender_pb2.Method()
        bad.CopyFrom(tender().method)
        bad.currency = ""
        bad.study_period_years = 0
        with pytest.raises(grpc.RpcError) as caught:
            stub.CreateProcurement(
                pb.CreateProcurementRequest(
                    procurement_id="p1", procurement=pb.Procurement(method=bad)
                ),
                timeout=TIMEOUT,
            )
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        fields = {field for field, _ in violations(caught.value)}
        assert {"procurement.method.currency", "procurement.method.study_period_years"} <= fields

        create(stub, "p2")
        bids = list(tender().bids)
        bids[0].items[0].quantity = -1
        with pytest.raises(grpc.RpcError) as caught:
            stub.EvaluateProcurement(
                pb.EvaluateProcurementRequest(name="procurements/p2", bids=bids), timeout=TIMEOUT
            )
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert any(f.startswith("bids[0].items[0].quantity") for f, _ in violations(caught.value))
        listed = stub.ListEvaluations(
            pb.ListEvaluationsRequest(parent="procurements/p2"), timeout=TIMEOUT
        )
        assert not listed.evaluations  # a refused evaluation is not recorded


def test_a_bid_not_ranked_first_needs_a_reason(tmp_path: Path) -> None:
    with serving("--data-dir", str(tmp_path)) as (_, stub):
        create(stub)
        stored = evaluate(stub)
        second = sorted(stored.response.results, key=lambda r: r.rank)[1]
        request = pb.AwardProcurementRequest(
            name="procurements/vent-2027",
            evaluation=stored.name,
            bid_id=second.bid_id,
            decided_by="Nämnden",
        )
        with pytest.raises(grpc.RpcError) as caught:
            stub.AwardProcurement(request, timeout=TIMEOUT)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert violations(caught.value)[0][0] == "reason"
        request.reason = "Anbud 1 uppfyller inte skakravet om servicetid."
        award = stub.AwardProcurement(request, timeout=TIMEOUT).procurement.award
        assert award.rank == second.rank
        assert award.standstill_days == 15
        assert request.reason in award.reasons_sv
        assert request.reason in award.reasons_en


def test_another_organisations_records_are_not_found(tmp_path: Path) -> None:
    token_a, line_a = security.new_token_line("platform-a")
    token_b, line_b = security.new_token_line("platform-b")
    token_c, line_c = security.new_token_line("platform-c")
    tokens = tmp_path / "tokens.txt"
    # a and c act for the same region; b is another organisation
    tokens.write_text(f"{line_a}:region-x\n{line_b}\n{line_c}:region-x\n", encoding="utf-8")
    with serving("--data-dir", str(tmp_path / "data"), "--tokens-file", str(tokens)) as (_, stub):

        def auth(token: str) -> dict[str, object]:
            return {"metadata": (("authorization", f"Bearer {token}"),)}

        published = create(stub, **auth(token_a))
        assert published.organization == "region-x"
        stored = evaluate(stub, **auth(token_a))
        for call, request in (
            (stub.GetProcurement, pb.GetProcurementRequest(name=published.name)),
            (stub.GetEvaluation, pb.GetEvaluationRequest(name=stored.name)),
            (stub.ReproduceEvaluation, pb.ReproduceEvaluationRequest(name=stored.name)),
            (stub.ListEvaluations, pb.ListEvaluationsRequest(parent=published.name)),
        ):
            with pytest.raises(grpc.RpcError) as caught:
                call(request, timeout=TIMEOUT, **auth(token_b))
            assert caught.value.code() == grpc.StatusCode.NOT_FOUND
        assert not stub.ListProcurements(
            pb.ListProcurementsRequest(), timeout=TIMEOUT, **auth(token_b)
        ).procurements
        assert (
            stub.VerifyRecords(
                pb.VerifyRecordsRequest(), timeout=TIMEOUT, **auth(token_b)
            ).records_checked
            == 0
        )
        # the same organisation through another platform's token sees them
        got = stub.GetProcurement(
            pb.GetProcurementRequest(name=published.name), timeout=TIMEOUT, **auth(token_c)
        )
        assert got.procurement.evaluation_count == 1
        # b may use the same id in its own space
        assert create(stub, **auth(token_b)).organization == "platform-b"


def test_list_pages(tmp_path: Path) -> None:
    with serving("--data-dir", str(tmp_path)) as (_, stub):
        names = [create(stub, f"p{i}").name for i in range(5)]
        seen, token = [], ""
        while True:
            page = stub.ListProcurements(
                pb.ListProcurementsRequest(page_size=2, page_token=token), timeout=TIMEOUT
            )
            seen += [p.name for p in page.procurements]
            token = page.next_page_token
            if not token:
                break
        assert seen == names
        with pytest.raises(grpc.RpcError) as caught:
            stub.ListProcurements(pb.ListProcurementsRequest(page_token="!!"), timeout=TIMEOUT)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_result_type_of_the_stored_response() -> None:
    """The stored response is an EvaluateBidsResponse (what the drafted reasons read)."""
    assert pb.Evaluation.DESCRIPTOR.fields_by_name["response"].message_type is (
        result_pb2.EvaluateBidsResponse.DESCRIPTOR
    )


def test_an_analysis_is_stored_with_its_evaluation_and_cited_in_the_award(tmp_path: Path) -> None:
    from tcoapi.v1 import analysis_pb2

    with serving("--data-dir", str(tmp_path)) as (server, stub):
        channel = grpc.insecure_channel(server.target)
        create(stub)
        stored = evaluate(stub)
        spec = analysis_pb2.AnalysisSpec()
        spec.switching.add(
            path="carbon_price",
            range=analysis_pb2.ValueRange(mode=analysis_pb2.PARAMETER_MODE_SCALE, low=0, high=20),
        )
        analysed = stub.AnalyzeEvaluation(
            pb.AnalyzeEvaluationRequest(name=stored.name, analysis=spec), timeout=TIMEOUT
        )
        assert analysed.name == f"{stored.name}/analyses/a1"
        [switching] = analysed.response.switching
        assert switching.path == "carbon_price"
        # the same answer AnalyzeRanking gives for the stored request
        again = stub.GetEvaluation(pb.GetEvaluationRequest(name=stored.name), timeout=TIMEOUT)
        assert list(again.evaluation.analyses) == [analysed.name]
        direct = service_pb2_grpc.LifeCycleCostServiceStub(channel).AnalyzeRanking(
            analysis_pb2.AnalyzeRankingRequest(
                method=again.evaluation.request.method,
                bids=again.evaluation.request.bids,
                analysis=spec,
            ),
            timeout=TIMEOUT,
        )
        assert direct == analysed.response
        winner = min(stored.response.results, key=lambda r: r.rank)
        award = stub.AwardProcurement(
            pb.AwardProcurementRequest(
                name="procurements/vent-2027",
                evaluation=stored.name,
                bid_id=winner.bid_id,
                decided_by="Chef",
            ),
            timeout=TIMEOUT,
        ).procurement.award
        assert f"{analysed.name}: carbon_price" in award.reasons_en
        assert "Switching values" in award.reasons_en
        assert "Brytpunkter" in award.reasons_sv
        assert stub.VerifyRecords(pb.VerifyRecordsRequest(), timeout=TIMEOUT).records_checked == 4
        channel.close()


def test_health_and_reflection_name_the_procurement_service(tmp_path: Path) -> None:
    from grpc_health.v1 import health_pb2, health_pb2_grpc
    from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

    with serving("--data-dir", str(tmp_path)) as (server, _):
        channel = grpc.insecure_channel(server.target)
        try:
            status = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service="tcoapi.v1.ProcurementService"),
                timeout=TIMEOUT,
            )
            assert status.status == health_pb2.HealthCheckResponse.SERVING
            answers = reflection_pb2_grpc.ServerReflectionStub(channel).ServerReflectionInfo(
                iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=TIMEOUT
            )
            names = {s.name for a in answers for s in a.list_services_response.service}
            assert "tcoapi.v1.ProcurementService" in names
        finally:
            channel.close()
