"""Shared pieces of the FollowUpService tests: a real server, the worked cases' tenders, readings.

The tenders are small and hand-checkable (every figure in the tests' docstrings):

- lighting: electricity 1.50 SEK/kWh, 0.05 kgCO2e/kWh, 10 years at 4 % (annuity factor
  8.1108958); bid ``led-a`` 120 luminaires at 2 000 SEK of 45 W × 4 000 h/year
  (21 600 kWh/year), bid ``led-b`` 120 at 1 800 SEK of 60 W (28 800 kWh/year):
  LCC A = 240 000 + 32 400 × 8.1108958 = 502 793.02, B = 216 000 + 43 200 × 8.1108958
  = 566 390.70: ``led-a`` wins; it stays best while its use is below
  (566 390.70 − 240 000) / (32 400 × 8.1108958) = 1.2420 × the promise.
- heating: district heating 0.80 SEK/kWh, one bid promising 100 000 kWh/year;
- vehicle: diesel 20 SEK/l, one bus of 0.35 l/km × 40 000 km/year = 14 000 l/year, its
  maintenance promised at 50 000 SEK/year.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from tcoapi.v1 import followup_pb2 as fpb
from tcoapi.v1 import followup_pb2_grpc, procurement_pb2_grpc, tender_pb2
from tcoapi.v1 import procurement_pb2 as pb
from tests.conftest import ServerProcess

TIMEOUT = 60.0


def q(value: float, unit: str) -> tender_pb2.Quantity:
    return tender_pb2.Quantity(value=value, unit=unit)


def ts(*parts: int) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(datetime(*parts, tzinfo=UTC))  # type: ignore[misc]
    return stamp


def method(resource: str, price: float, unit: str, factor: float = 0.0) -> tender_pb2.Method:
    m = tender_pb2.Method(currency="SEK", base_year=2027, study_period_years=10, discount_rate=0.04)
    m.resource_prices.add(resource=resource, price=q(price, f"SEK/{unit}"))
    if factor:
        m.emission_factors.add(
            resource=resource, factor=q(factor, f"kgCO2e/{unit}"), basis="location"
        )
    return m


def bid(bid_id: str, item: str, count: float, price: float, *uses: tender_pb2.ResourceUse):
    b = tender_pb2.Bid(id=bid_id, supplier=bid_id.upper())
    b.items.add(
        name=item,
        quantity=count,
        unit_price=q(price, "SEK"),
        service_life=q(10, "years"),
        resource_use=list(uses),
    )
    return b


def lighting() -> tuple[tender_pb2.Method, list[tender_pb2.Bid]]:
    def use(watts: float) -> tender_pb2.ResourceUse:
        return tender_pb2.ResourceUse(
            resource="electricity", amount=q(watts, "W"), activity=q(4000, "h/year")
        )

    return method("electricity", 1.5, "kWh", 0.05), [
        bid("led-a", "LED luminaire", 120, 2000, use(45)),
        bid("led-b", "LED luminaire", 120, 1800, use(60)),
    ]


def heating() -> tuple[tender_pb2.Method, list[tender_pb2.Bid]]:
    use = tender_pb2.ResourceUse(resource="district_heating", amount=q(100_000, "kWh/year"))
    return method("district_heating", 0.8, "kWh"), [
        bid("heat-a", "Heating system", 1, 500_000, use)
    ]


def vehicle() -> tuple[tender_pb2.Method, list[tender_pb2.Bid]]:
    use = tender_pb2.ResourceUse(
        resource="diesel", amount=q(0.35, "l/km"), activity=q(40_000, "km/year")
    )
    bus = bid("bus-a", "Bus", 1, 3_000_000, use)
    bus.items[0].maintenance_cost.CopyFrom(q(50_000, "SEK/year"))
    return method("diesel", 20, "l"), [bus]


@dataclass
class Stubs:
    server: ServerProcess
    procurements: procurement_pb2_grpc.ProcurementServiceStub
    followup: followup_pb2_grpc.FollowUpServiceStub


@contextmanager
def serving(*flags: str) -> Iterator[Stubs]:
    server = ServerProcess(*flags)
    channel = grpc.insecure_channel(server.target)
    try:
        yield Stubs(
            server,
            procurement_pb2_grpc.ProcurementServiceStub(channel),
            followup_pb2_grpc.FollowUpServiceStub(channel),
        )
    finally:
        channel.close()
        code = server.stop()
        assert code == 0, server.logs()


def awarded(
    stubs: Stubs,
    pid: str,
    tender: tuple[tender_pb2.Method, list[tender_pb2.Bid]],
    *,
    award: bool = True,
    **kw: object,
) -> str:
    """Create, evaluate and (unless ``award`` is False) award ``pid`` to its first-ranked bid."""
    m, bids = tender
    stubs.procurements.CreateProcurement(
        pb.CreateProcurementRequest(procurement_id=pid, procurement=pb.Procurement(method=m)),
        timeout=TIMEOUT,
        **kw,
    )
    name = f"procurements/{pid}"
    evaluation = stubs.procurements.EvaluateProcurement(
        pb.EvaluateProcurementRequest(name=name, bids=bids), timeout=TIMEOUT, **kw
    ).evaluation
    if award:
        best = min(evaluation.response.results, key=lambda r: r.rank).bid_id
        stubs.procurements.AwardProcurement(
            pb.AwardProcurementRequest(
                name=name, evaluation=evaluation.name, bid_id=best, decided_by="Nämnden"
            ),
            timeout=TIMEOUT,
            **kw,
        )
    return name


def commit(
    stubs: Stubs,
    parent: str,
    promises: list[fpb.Promise],
    *,
    start: Timestamp | None = None,
    period: int = fpb.SETTLEMENT_PERIOD_YEAR,
    periods: int = 2,
    commitment_id: str = "",
    **kw: object,
) -> fpb.Commitment:
    c = fpb.Commitment(
        settlement_period=period,
        guarantee_periods=periods,
        recorded_by="Avtalsförvaltare",
        promises=promises,
    )
    c.contract_start_time.CopyFrom(start or ts(2027, 1, 1))
    request = fpb.CreateCommitmentRequest(parent=parent, commitment=c, commitment_id=commitment_id)
    return stubs.followup.CreateCommitment(request, timeout=TIMEOUT, **kw).commitment


def reading(
    series: str, start: Timestamp, end: Timestamp, value: float, unit: str, **kw: object
) -> fpb.Reading:
    return fpb.Reading(series=series, start_time=start, end_time=end, quantity=q(value, unit), **kw)


def monthly(series: str, year: int, values: list[float], unit: str) -> list[fpb.Reading]:
    """One reading per calendar month from January of ``year``."""
    out = []
    for k, value in enumerate(values):
        y, m = year + k // 12, k % 12 + 1
        end = ts(y + (m == 12), m % 12 + 1, 1)
        out.append(reading(series, ts(y, m, 1), end, value, unit))
    return out


def append(stubs: Stubs, parent: str, readings: list[fpb.Reading], **kw: object):
    return stubs.followup.AppendReadings(
        fpb.AppendReadingsRequest(parent=parent, readings=readings, entered_by="Mätportal"),
        timeout=TIMEOUT,
        **kw,
    )


def report(stubs: Stubs, name: str, *as_of: int, **kw: object) -> fpb.GetFollowUpReportResponse:
    request = fpb.GetFollowUpReportRequest(name=name, as_of_time=ts(*as_of))
    return stubs.followup.GetFollowUpReport(request, timeout=TIMEOUT, **kw)


def violations(error: grpc.RpcError) -> list[tuple[str, str, str]]:
    status = rpc_status.from_call(error)
    assert status is not None
    found = []
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            found += [(v.field, v.description, v.reason) for v in bad.field_violations]
    return found


def reason(error: grpc.RpcError) -> str:
    status = rpc_status.from_call(error)
    assert status is not None
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            return str(info.reason)
    return ""


def codes(response: fpb.GetFollowUpReportResponse) -> list[str]:
    return [w.code for w in response.warnings]
