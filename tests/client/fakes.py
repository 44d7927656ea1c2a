"""A hand-made, internally consistent EvaluateBidsResponse (no server needed), and a fake gRPC
servicer for transport tests of the client (errors, retries, metadata).

The numbers follow the response's definitions (present values are sums of the discounted cash
flows; totals are sums of categories) so frames, report and chart code can be tested offline;
the real server's numbers are checked in the end-to-end tests.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent import futures
from typing import Any

import grpc
from google.rpc import error_details_pb2, status_pb2

from tcoapi.v1 import reference_pb2, result_pb2, service_pb2_grpc, tender_pb2

BASE_YEAR = 2027
N = 12
RATE = 0.035


def _bid(
    response: result_pb2.EvaluateBidsResponse,
    *,
    bid_id: str,
    supplier: str,
    price: float,
    energy: float,
    maintenance: float,
    life: int,
    tonnes_per_year: float,
) -> result_pb2.BidResult:
    r = response.results.add(bid_id=bid_id, supplier=supplier)
    flows: dict[tuple[int, str], float] = {}
    flows[(0, "acquisition")] = price
    flows[(0, "installation")] = 0.05 * price
    for t in range(1, N + 1):
        flows[(t, "energy")] = energy * 1.01**t
        flows[(t, "maintenance")] = maintenance
        flows[(t, "climate")] = tonnes_per_year * 1500
    for t in range(life, N, life):
        flows[(t, "replacement")] = price * 1.05
    last = (N // life) * life if N % life else N - life
    remaining = life - (N - last)
    if 0 < remaining < life:
        flows[(N, "residual_value")] = -price * 1.05 * remaining / life
    flows[(N, "end_of_life")] = 3000.0
    pv: dict[str, float] = {}
    for (t, cat), amount in sorted(flows.items()):
        disc = round(amount / (1 + RATE) ** t, 2)
        r.cash_flow.add(
            year=t,
            calendar_year=BASE_YEAR + t,
            category=cat,
            undiscounted=round(amount, 2),
            discounted=disc,
        )
        pv[cat] = pv.get(cat, 0.0) + disc
    climate = round(pv.pop("climate"), 2)
    for cat, value in pv.items():
        r.cost_by_category[cat] = round(value, 2)
    r.life_cycle_cost = round(sum(pv.values()), 2)
    r.climate_cost = climate
    r.evaluated_cost = round(r.life_cycle_cost + climate, 2)
    r.life_cycle_cost_undiscounted = round(
        sum(a for (t, c), a in flows.items() if c != "climate"), 2
    )
    r.annual_value = round(r.life_cycle_cost / ((1 - (1 + RATE) ** -N) / RATE), 2)
    r.emissions_by_module["a1_a3"] = 2100.0
    r.emissions_by_module["b4"] = 2100.0 * len(range(life, N, life))
    r.emissions_by_module["b6"] = tonnes_per_year * 1000 * N
    r.emissions_by_module["c1_c4"] = 60.0
    r.emissions_by_module["d"] = -150.0
    r.emissions_total = sum(v for k, v in r.emissions_by_module.items() if k != "d")
    r.emissions_by_year.extend([2100.0] + [tonnes_per_year * 1000] * N)
    r.explanations.add(
        quantity="life_cycle_cost",
        formula="LCC = sum_t sum_c CF(c, t) x (1 + d)^-t",
        value=r.life_cycle_cost,
        inputs=["discount_rate = 0.035 (real)", f"study_period = {N} years"],
    )
    return r


def fake_response(currency: str = "SEK") -> result_pb2.EvaluateBidsResponse:
    response = result_pb2.EvaluateBidsResponse(
        method_digest="a" * 64,
        request_digest="b" * 64,
        engine_version="0.0-test",
        currency=currency,
    )
    bids = [
        _bid(
            response,
            bid_id=bid_id,
            supplier=supplier,
            price=price,
            energy=energy,
            maintenance=maintenance,
            life=life,
            tonnes_per_year=tonnes,
        )
        for bid_id, supplier, price, energy, maintenance, life, tonnes in (
            ("B", "EcoClean Europe GmbH", 218400, 2970, 6500, 10, 0.13),
            ("A", "Städmaskiner Nord AB", 740000, 63000, 48000, 8, 10.7),
            ("C", "Third Bidder Oy", 500000, 30000, 20000, 6, 4.0),
        )
    ]
    bids.sort(key=lambda r: r.evaluated_cost)
    ordered = [result_pb2.BidResult() for _ in bids]
    for target, source in zip(ordered, bids, strict=True):
        target.CopyFrom(source)
    del response.results[:]
    best = ordered[0].evaluated_cost
    for rank, r in enumerate(ordered, start=1):
        r.rank = rank
        r.difference_to_best = round(r.evaluated_cost - best, 2)
        r.difference_to_best_percent = round(100 * (r.evaluated_cost - best) / best, 2)
        response.results.append(r)
    # measures against "A"
    base = next(r for r in response.results if r.bid_id == "A")
    for r in response.results:
        m = r.measures
        m.baseline_bid_id = "A"
        if r.bid_id == "A":
            for status in ("sir", "airr", "simple_payback", "discounted_payback", "abatement_cost"):
                setattr(m, f"{status}_status", result_pb2.MEASURE_STATUS_IS_BASELINE)
            continue
        m.net_savings = round(base.life_cycle_cost - r.life_cycle_cost, 2)
        m.sir_status = result_pb2.MEASURE_STATUS_NO_ADDITIONAL_INVESTMENT
        m.airr_status = result_pb2.MEASURE_STATUS_NO_ADDITIONAL_INVESTMENT
        m.simple_payback_status = result_pb2.MEASURE_STATUS_NO_ADDITIONAL_INVESTMENT
        m.discounted_payback_status = result_pb2.MEASURE_STATUS_NO_ADDITIONAL_INVESTMENT
        m.abatement_cost = -1234.5
        m.abatement_cost_status = result_pb2.MEASURE_STATUS_OK
        m.additional_investment = -100000.0
        m.operational_savings = 50000.0
    c = next(r for r in response.results if r.bid_id == "C")
    c.measures.sir = 1.8
    c.measures.sir_status = result_pb2.MEASURE_STATUS_OK
    c.measures.simple_payback_years = 7
    c.measures.simple_payback_status = result_pb2.MEASURE_STATUS_OK
    c.measures.discounted_payback_status = result_pb2.MEASURE_STATUS_NEVER_PAYS_BACK
    next(r for r in response.results if r.bid_id == "B").material_circularity = 0.71
    response.warnings.add(code="INCONCLUSIVE_RANKING", message="the best two differ by < 10 %")
    response.warnings.add(code="NO_EMISSION_FACTOR", message="no factor for water", bid_id="C")
    return response


def fake_reference() -> tuple[
    reference_pb2.ListCarbonPriceSeriesResponse, reference_pb2.ListEmissionFactorsResponse
]:
    series = reference_pb2.ListCarbonPriceSeriesResponse(data_version="test")
    s = series.series.add(
        id="asek-7.0",
        name="ASEK 7.0",
        currency="SEK",
        price_base_year=2017,
        source="Trafikverket ASEK 7.0",
        notes="social value",
    )
    s.points.add(year=2020, price=tender_pb2.Quantity(value=7.0, unit="SEK/kgCO2e"))
    factors = reference_pb2.ListEmissionFactorsResponse(data_version="test")
    factors.factors.add(
        id="nordic-mix-2021-2023",
        resource="electricity",
        factor=tender_pb2.Quantity(value=0.059, unit="kgCO2e/kWh"),
        basis="location-based",
        source="IVL",
        period="2021-2023",
    )
    factors.energy_contents.add(
        id="cvd-diesel",
        fuel="diesel",
        content=tender_pb2.Quantity(value=36, unit="MJ/l"),
        source="CVD",
    )
    return series, factors


class FakeService(service_pb2_grpc.LifeCycleCostServiceServicer):
    """Answers EvaluateBids with ``handler(request, context)``; counts calls; records metadata."""

    def __init__(
        self,
        handler: Callable[[tender_pb2.EvaluateBidsRequest, Any], result_pb2.EvaluateBidsResponse],
    ) -> None:
        self.handler = handler
        self.calls = 0
        self.metadata: list[dict[str, str]] = []

    def EvaluateBids(self, request: Any, context: Any) -> Any:
        self.calls += 1
        self.metadata.append(dict(context.invocation_metadata()))
        return self.handler(request, context)

    def ListCarbonPriceSeries(self, request: Any, context: Any) -> Any:
        return fake_reference()[0]

    def ListEmissionFactors(self, request: Any, context: Any) -> Any:
        return fake_reference()[1]


def abort_with_details(
    context: Any,
    code: grpc.StatusCode,
    message: str,
    *,
    violations: list[tuple[str, str]] | None = None,
    reason: str = "",
    metadata: dict[str, str] | None = None,
) -> None:
    status = status_pb2.Status(code=code.value[0], message=message)
    if violations:
        bad = error_details_pb2.BadRequest()
        for field, description in violations:
            bad.field_violations.add(field=field, description=description)
        status.details.add().Pack(bad)
    if reason or metadata:
        info = error_details_pb2.ErrorInfo(reason=reason, domain="tcoapi", metadata=metadata or {})
        status.details.add().Pack(info)
    context.set_trailing_metadata((("grpc-status-details-bin", status.SerializeToString()),))
    context.abort(code, message)


def start_fake_server(service: FakeService) -> tuple[Any, str]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    service_pb2_grpc.add_LifeCycleCostServiceServicer_to_server(service, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return server, f"127.0.0.1:{port}"
