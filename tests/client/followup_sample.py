"""A hand-made follow-up report of the example lighting contract (examples/followup/), as the
service would answer it, for the client's tests without a server.

Bid B of examples/hospital-led-lighting.json promised 400 panels × 26 W × 3 500 h = 36 400 kWh a
year; the contract pays the shortfall beyond a ±5 % band at 1.30 SEK/kWh plus its climate value
(0.045 kgCO2e/kWh at 1.60 SEK/kgCO2e):

- 2027: 36 946 kWh, 546 over (1.5 %): within the band, nothing paid;
- 2028: 39 821 kWh with July missing (coverage 335/366 = 0.9153), 3 421 over (9.4 %): the band
  ends at 38 220, so 1 601 kWh × (1.30 + 0.045 × 1.60) = 1 601 × 1.372 = 2 196.57 SEK;
- cumulatively 76 767 against 72 800 (5.45 %): 327 kWh beyond 76 440, 448.64 SEK.

The award in hindsight: B stays best (margin −260 960 SEK at award, −304 500 SEK now).

:class:`RecordingFollowUpService` answers the client's calls with these messages in-process (as
tests/client/fakes.py does for the evaluation service), keeping what the client sent.
"""

from __future__ import annotations

from concurrent import futures
from datetime import UTC, datetime
from typing import Any

import grpc

from tcoapi.v1 import followup_pb2 as fpb
from tcoapi.v1 import followup_pb2_grpc, result_pb2, tender_pb2

ITEM = "LED panel 600x600, 26 W, L90 100 000 h, DALI-2 presence and daylight sensor"
RESOURCE = "electricity"


def _at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def _stamp(target: object, when: datetime) -> None:
    target.FromDatetime(when)  # type: ignore[attr-defined]


def commitment() -> fpb.Commitment:
    made = fpb.Commitment(
        name="procurements/led-2027/commitments/c1",
        evaluation="procurements/led-2027/evaluations/e1",
        evaluation_digest="9" * 64,
        bid_id="B",
        settlement_period=fpb.SETTLEMENT_PERIOD_YEAR,
        guarantee_periods=2,
        min_coverage=0.9,
        organization="region-blekinge",
        record_hash="a" * 64,
        recorded_by="=Avtalsförvaltare",  # a formula-looking name must stay text
        currency="SEK",
    )
    _stamp(made.contract_start_time, _at(2026, 12, 31, 23))
    _stamp(made.create_time, _at(2027, 1, 20, 9))
    promise = made.promises.add(
        item=ITEM,
        resource=RESOURCE,
        promised_per_year=tender_pb2.Quantity(value=36400, unit="kWh/year"),
        series="belysning-hus-7",
        source_path="bids[1].items[0].resource_use[0]",
    )
    promise.terms.clause = fpb.CLAUSE_KIND_SHORTFALL_PAYMENT
    promise.terms.tolerance = 0.05
    promise.terms.include_climate = True
    promise.terms.normalisation = fpb.NORMALISATION_NONE
    made.facts.emissions_kg_co2e = 42900
    made.facts.life_cycle_cost.CopyFrom(tender_pb2.Quantity(value=1634102, unit="SEK"))
    made.facts.evaluated_cost.CopyFrom(tender_pb2.Quantity(value=1945150, unit="SEK"))
    return made


def _outcome(  # noqa: PLR0917 - one row of the table
    observed: float,
    expected: float,
    value: float,
    kg: float,
    climate: float,
    outcome: int,
    amount: float,
    coverage: float = 1.0,
    estimated: float = 0.0,
) -> fpb.PromiseOutcome:
    deviation = observed - expected
    return fpb.PromiseOutcome(
        item=ITEM,
        resource=RESOURCE,
        unit="kWh",
        observed=observed,
        expected=expected,
        raw_promise=expected,
        deviation=deviation,
        deviation_share=deviation / expected,
        deviation_value=value,
        deviation_kg_co2e=kg,
        deviation_climate_value=climate,
        outcome=outcome,  # type: ignore[arg-type]
        amount=amount,
        coverage=coverage,
        estimated_share=estimated,
        settled=True,
    )


def response() -> fpb.GetFollowUpReportResponse:
    """The report as of 2029-01-01 (Stockholm)."""
    answer = fpb.GetFollowUpReportResponse(
        commitment=commitment(),
        coverage=(365 + 335) / (365 + 366),
        realised_life_cycle_cost=1361942.0,
        forecast_life_cycle_cost=1702118.0,
        awarded_life_cycle_cost=1634102.0,
        currency="SEK",
        total_amount=2196.57,
    )
    _stamp(answer.as_of_time, _at(2028, 12, 31, 23))
    first = answer.periods.add(label="2027")
    _stamp(first.start_time, _at(2026, 12, 31, 23))
    _stamp(first.end_time, _at(2027, 12, 31, 23))
    first.outcomes.append(
        _outcome(36946, 36400, 709.80, 24.57, 39.31, fpb.OUTCOME_WITHIN_BAND, 0.0)
    )
    second = answer.periods.add(label="2028")
    _stamp(second.start_time, _at(2027, 12, 31, 23))
    _stamp(second.end_time, _at(2028, 12, 31, 23))
    outcome = _outcome(
        39821, 36400, 4447.30, 153.945, 246.31, fpb.OUTCOME_SHORTFALL, 2196.57, 335 / 366, 0.0731
    )
    gap = outcome.gaps.add()
    _stamp(gap.start_time, _at(2028, 6, 30, 22))
    _stamp(gap.end_time, _at(2028, 7, 31, 22))
    second.outcomes.append(outcome)
    answer.cumulative.append(
        _outcome(
            76767, 72800, 5157.10, 178.515, 285.62, fpb.OUTCOME_SHORTFALL, 448.64, 700 / 731, 0.0379
        )
    )
    h = answer.hindsight
    h.winner = "B"
    for bid, cost, lcc, rank in (
        ("B", 1945150, 1634102, 1),
        ("C", 2206110, 1723207, 2),
        ("A", 2730586, 2185483, 3),
    ):
        h.awarded.add(bid_id=bid, evaluated_cost=cost, life_cycle_cost=lcc, rank=rank)
    for bid, cost, lcc, rank in (
        ("B", 2075300, 1702118, 1),
        ("C", 2379800, 1858902, 2),
        ("A", 2935100, 2349877, 3),
    ):
        h.hindsight.add(bid_id=bid, evaluated_cost=cost, life_cycle_cost=lcc, rank=rank)
    h.best_in_hindsight.append("B")
    h.awarded_margin = 1945150 - 2206110
    h.hindsight_margin = 2075300 - 2379800
    h.ranking_changed = False
    h.observed_ratios[RESOURCE] = 76767 / 72800
    answer.warnings.append(
        result_pb2.Warning(
            code="ESTIMATED_READINGS",
            message="2028: 7.3 % of the observed electricity comes from estimated readings",
        )
    )
    return answer


class RecordingFollowUpService(followup_pb2_grpc.FollowUpServiceServicer):
    """An in-process FollowUpService answering with the hand-made report and commitment and
    keeping every request it was sent (the client's side of the contract, without the records)."""

    def __init__(self) -> None:
        self.requests: list[Any] = []
        self.readings: list[fpb.Reading] = []

    def CreateCommitment(self, request: Any, context: Any) -> Any:
        self.requests.append(request)
        made = commitment()
        made.recorded_by = request.commitment.recorded_by
        return fpb.CreateCommitmentResponse(commitment=made)

    def ListCommitments(self, request: Any, context: Any) -> Any:
        self.requests.append(request)
        return fpb.ListCommitmentsResponse(commitments=[commitment()])

    def GetCommitment(self, request: Any, context: Any) -> Any:
        self.requests.append(request)
        return fpb.GetCommitmentResponse(commitment=commitment())

    def StreamReadings(self, request_iterator: Any, context: Any) -> Any:
        answer = fpb.StreamReadingsResponse()
        for n, message in enumerate(request_iterator):
            self.requests.append(message)
            for reading in message.readings:
                stored = fpb.Reading()
                stored.CopyFrom(reading)
                stored.name = f"{message.parent}/readings/r{len(self.readings) + 1}"
                self.readings.append(stored)
                answer.readings.append(stored.name)
            answer.readings_appended += len(message.readings) + sum(
                len(s.values) for s in message.series
            )
            answer.batches.append(f"{message.parent}/readings/batches/b{n + 1}")
        answer.record_hash = "b" * 64
        return answer

    def AppendReadings(self, request: Any, context: Any) -> Any:
        self.requests.append(request)
        answer = fpb.AppendReadingsResponse(record_hash="c" * 64)
        for reading in request.readings:
            stored = fpb.Reading()
            stored.CopyFrom(reading)
            stored.name = f"{request.parent}/readings/r{len(self.readings) + 1}"
            self.readings.append(stored)
            answer.readings.append(stored.name)
        answer.readings_appended = len(request.readings)
        return answer

    def ListReadings(self, request: Any, context: Any) -> Any:
        self.requests.append(request)
        found = [r for r in self.readings if not request.series or r.series == request.series]
        return fpb.ListReadingsResponse(readings=found)

    def GetFollowUpReport(self, request: Any, context: Any) -> Any:
        self.requests.append(request)
        return response()


def start_followup_service() -> tuple[RecordingFollowUpService, Any, str]:
    """``(service, server, target)``: the recording service on a free loopback port."""
    service = RecordingFollowUpService()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    followup_pb2_grpc.add_FollowUpServiceServicer_to_server(service, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return service, server, f"127.0.0.1:{port}"
