"""A frozen copy of ``tco_server.convert_in`` as it was before the conversion speed work: the oracle
the optimised version is compared with (``tests/server/test_conversion_golden.py``).

Do not optimise or edit this file: its worth is that it is the plain, obviously-correct version.

The original docstring:

Proto ``EvaluateBidsRequest`` -> domain :class:`tco.inputs.Tender`: mechanical, field by field.

Nothing is checked or converted here (that is :mod:`tco.validate`); nothing raises. The rules:

- A scalar is copied as it is (proto3 zero stays zero: ``Item.quantity = 0`` reaches the engine
  as ``0.0`` and is refused there with its path).
- An unset ``Quantity`` (or ``CarbonPrice``, ``Circularity``) becomes ``None``.
- An unset message the domain has a default for (``Item.emissions``,
  ``Method.evaluation_model``) becomes that default; an unset ``method`` reads as the empty
  method, as proto3 reads any unset message, so the engine names each missing required field.
- ``*_UNSPECIFIED`` enums become the contract's documented default (real terms, end of year,
  COST). Enum numbers the contract does not define never get here: :mod:`tco_server.limits`
  refuses them first.
- Maps become dicts in key order, so the domain object does not depend on wire order.
"""

from __future__ import annotations

from google.protobuf.message import Message

from tco import inputs as d
from tcoapi.v1 import tender_pb2 as pb

_RATE_BASIS: dict[int, d.RateBasis] = {
    pb.RATE_BASIS_UNSPECIFIED: d.RateBasis.REAL,
    pb.RATE_BASIS_REAL: d.RateBasis.REAL,
    pb.RATE_BASIS_NOMINAL: d.RateBasis.NOMINAL,
}
_TIMING: dict[int, d.Timing] = {
    pb.TIMING_UNSPECIFIED: d.Timing.END_OF_YEAR,
    pb.TIMING_END_OF_YEAR: d.Timing.END_OF_YEAR,
    pb.TIMING_MID_YEAR: d.Timing.MID_YEAR,
    pb.TIMING_BEGINNING_OF_YEAR: d.Timing.BEGINNING_OF_YEAR,
}
_MODEL_KIND: dict[int, d.ModelKind] = {
    pb.EVALUATION_MODEL_KIND_UNSPECIFIED: d.ModelKind.COST,
    pb.EVALUATION_MODEL_KIND_COST: d.ModelKind.COST,
    pb.EVALUATION_MODEL_KIND_DEDUCTIONS: d.ModelKind.DEDUCTIONS,
    pb.EVALUATION_MODEL_KIND_FICTIVE_DISCOUNT: d.ModelKind.FICTIVE_DISCOUNT,
    pb.EVALUATION_MODEL_KIND_EXTERNALITY_FACTOR: d.ModelKind.EXTERNALITY_FACTOR,
}


def to_tender(request: pb.EvaluateBidsRequest) -> d.Tender:
    """The domain tender of a request (``validate_only`` is passed to the engine separately)."""
    return d.Tender(
        method=_method(request.method),
        bids=tuple(_bid(bid) for bid in request.bids),
    )


def _quantity(parent: Message, name: str) -> d.Quantity | None:
    """``parent.name`` as a domain Quantity, or None when the field is unset."""
    if not parent.HasField(name):
        return None
    q: pb.Quantity = getattr(parent, name)
    return d.Quantity(value=q.value, unit=q.unit)


def _method(m: pb.Method) -> d.Method:
    return d.Method(
        currency=m.currency,
        base_year=m.base_year,
        study_period_years=m.study_period_years,
        discount_rate=m.discount_rate,
        rate_basis=_RATE_BASIS[m.rate_basis],
        inflation_rate=m.inflation_rate,
        timing=_TIMING[m.timing],
        resource_prices=tuple(
            d.ResourcePrice(
                resource=p.resource,
                price=_quantity(p, "price"),
                escalation=p.escalation,
                yearly_escalation=tuple(p.yearly_escalation),
            )
            for p in m.resource_prices
        ),
        emission_factors=tuple(
            d.EmissionFactor(
                resource=f.resource,
                factor=_quantity(f, "factor"),
                basis=f.basis,
                trajectory=tuple(
                    d.EmissionFactorPoint(year=pt.year, factor=_quantity(pt, "factor"))
                    for pt in f.trajectory
                ),
                reference_id=f.reference_id,
            )
            for f in m.emission_factors
        ),
        carbon_price=_carbon_price(m.carbon_price) if m.HasField("carbon_price") else None,
        exchange_rates={code: m.exchange_rates[code] for code in sorted(m.exchange_rates)},
        evaluation_model=_model(m.evaluation_model),
        baseline_bid_id=m.baseline_bid_id,
        include_module_d=m.include_module_d,
        functional_unit=m.functional_unit,
        pollutant_prices=tuple(
            d.PollutantPrice(
                pollutant=p.pollutant, price=_quantity(p, "price"), undiscounted=p.undiscounted
            )
            for p in m.pollutant_prices
        ),
    )


def _carbon_price(c: pb.CarbonPrice) -> d.CarbonPrice:
    return d.CarbonPrice(
        series_id=c.series_id,
        price=_quantity(c, "price"),
        points=tuple(
            d.CarbonPricePoint(year=pt.year, price=_quantity(pt, "price")) for pt in c.points
        ),
        undiscounted=c.undiscounted,
    )


def _model(e: pb.EvaluationModel) -> d.EvaluationModel:
    return d.EvaluationModel(
        kind=_MODEL_KIND[e.kind],
        ladder=tuple(d.LadderStep(level=s.level, discount=s.discount) for s in e.ladder),
        externality_factor=e.externality_factor,
        price_threshold=_quantity(e, "price_threshold"),
    )


def _bid(b: pb.Bid) -> d.Bid:
    return d.Bid(
        id=b.id,
        supplier=b.supplier,
        items=tuple(_item(i) for i in b.items),
        costs=tuple(_stream(s) for s in b.costs),
        deductions=tuple(
            d.Deduction(criterion=x.criterion, amount=_quantity(x, "amount")) for x in b.deductions
        ),
        ladder_level=b.ladder_level,
        circularity=_circularity(b.circularity) if b.HasField("circularity") else None,
        functional_units_delivered=b.functional_units_delivered,
    )


def _item(i: pb.Item) -> d.Item:
    return d.Item(
        name=i.name,
        quantity=i.quantity,
        unit_price=_quantity(i, "unit_price"),
        installation_cost=_quantity(i, "installation_cost"),
        service_life=_quantity(i, "service_life"),
        resource_use=tuple(
            d.ResourceUse(
                resource=r.resource,
                amount=_quantity(r, "amount"),
                activity=_quantity(r, "activity"),
            )
            for r in i.resource_use
        ),
        maintenance_cost=_quantity(i, "maintenance_cost"),
        warranty=_quantity(i, "warranty"),
        end_of_life_cost=_quantity(i, "end_of_life_cost"),
        residual_value=_quantity(i, "residual_value"),
        emissions=_emissions(i.emissions) if i.HasField("emissions") else d.Emissions(),
        costs=tuple(_stream(s) for s in i.costs),
        pollutant_emissions=tuple(
            d.PollutantEmission(
                pollutant=p.pollutant,
                amount=_quantity(p, "amount"),
                activity=_quantity(p, "activity"),
            )
            for p in i.pollutant_emissions
        ),
    )


def _emissions(e: pb.Emissions) -> d.Emissions:
    return d.Emissions(
        a1_a3=_quantity(e, "a1_a3"),
        a4=_quantity(e, "a4"),
        a5=_quantity(e, "a5"),
        c1_c4=_quantity(e, "c1_c4"),
        d=_quantity(e, "d"),
    )


def _stream(s: pb.CostStream) -> d.CostStream:
    return d.CostStream(
        name=s.name,
        category=s.category,
        amount=_quantity(s, "amount"),
        first_year=s.first_year,
        every_years=s.every_years,
        last_year=s.last_year,
        escalation=s.escalation,
        life=_quantity(s, "life"),
        emissions=_quantity(s, "emissions"),
        emissions_module=s.emissions_module,
    )


def _circularity(c: pb.Circularity) -> d.Circularity:
    return d.Circularity(
        mass=_quantity(c, "mass"),
        recycled_input=c.recycled_input,
        reused_input=c.reused_input,
        sustainable_bio_input=c.sustainable_bio_input,
        collected_for_recycling=c.collected_for_recycling,
        collected_for_reuse=c.collected_for_reuse,
        collected_for_composting=c.collected_for_composting,
        collected_for_energy_recovery=c.collected_for_energy_recovery,
        recycling_efficiency_collection=c.recycling_efficiency_collection,
        recycling_efficiency_feedstock=c.recycling_efficiency_feedstock,
        lifetime_ratio=c.lifetime_ratio,
        use_intensity_ratio=c.use_intensity_ratio,
    )
