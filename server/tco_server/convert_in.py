"""Proto ``EvaluateBidsRequest`` -> domain :class:`tco.inputs.Tender`: mechanical, field by field.

Nothing is checked or converted here (that is :mod:`tco.validate`); nothing raises. The rules:

- A scalar is copied as it is (proto3 zero stays zero: ``Item.quantity = 0`` reaches the engine
  as ``0.0`` and is refused there with its path).
- A scalar with explicit presence (``optional double``: the discount and inflation rates,
  escalation rates, ``Item.quantity``, the externality factor) becomes ``None`` when the request
  left it out, so the engine can refuse a required one by its path instead of reading zero.
- An unset ``Quantity`` (or ``CarbonPrice``, ``Circularity``) becomes ``None``.
- An unset message the domain has a default for (``Item.emissions``,
  ``Method.evaluation_model``) becomes that default; an unset ``method`` reads as the empty
  method, as proto3 reads any unset message, so the engine names each missing required field.
- ``*_UNSPECIFIED`` enums become the contract's documented default (real terms, end of year,
  COST). Enum numbers the contract does not define never get here: :mod:`tco_server.limits`
  refuses them first.
- Maps become dicts in key order, so the domain object does not depend on wire order.

The frozen dataclasses of :mod:`tco.inputs` are built by :func:`tco.construct.constructor`
(the same objects, one slot store a field instead of the generated ``__init__``); a sub-message
is read only when ``HasField`` says it is set; equal frozen values are shared (every item
without ``emissions`` gets the same ``Emissions()``). ``tests/server/test_conversion_golden.py``
pins the result.

A repeated field is read as a slice (``request.bids[:]``, one C call that builds a list): upb's
containers have no iterator of their own, so a ``for`` over one ends in an ``IndexError``
raised, formatted and caught, about 2 000 instructions each, some 70 a typical request.
"""

from __future__ import annotations

from tco import inputs as d
from tco.construct import constructor
from tcoapi.v1 import analysis_pb2
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


# -- constructors of the frozen domain dataclasses (tco.construct: one slot store a field) --


new_quantity = constructor(d.Quantity, "value", "unit")
new_resource_price = constructor(
    d.ResourcePrice, "resource", "price", "escalation", "yearly_escalation"
)
new_emission_factor_point = constructor(d.EmissionFactorPoint, "year", "factor")
new_emission_factor = constructor(
    d.EmissionFactor, "resource", "factor", "basis", "trajectory", "reference_id"
)
new_carbon_price_point = constructor(d.CarbonPricePoint, "year", "price")
new_carbon_price = constructor(d.CarbonPrice, "series_id", "price", "points", "undiscounted")
new_pollutant_price = constructor(d.PollutantPrice, "pollutant", "price", "undiscounted")
new_ladder_step = constructor(d.LadderStep, "level", "discount")
new_evaluation_model = constructor(
    d.EvaluationModel,
    "kind",
    "ladder",
    "externality_factor",
    "price_threshold",
    "deduction_criteria",
)
new_deduction_level = constructor(d.DeductionLevel, "level", "amount")
new_deduction_criterion = constructor(d.DeductionCriterion, "criterion", "levels")
new_resource_use = constructor(d.ResourceUse, "resource", "amount", "activity")
new_pollutant_emission = constructor(d.PollutantEmission, "pollutant", "amount", "activity")
new_emissions = constructor(d.Emissions, "a1_a3", "a4", "a5", "c1_c4", "d")
new_cost_stream = constructor(
    d.CostStream,
    "name",
    "category",
    "amount",
    "first_year",
    "every_years",
    "last_year",
    "escalation",
    "life",
    "emissions",
    "emissions_module",
)
ITEM_FIELDS = (
    "name",
    "quantity",
    "unit_price",
    "installation_cost",
    "service_life",
    "resource_use",
    "maintenance_cost",
    "warranty",
    "end_of_life_cost",
    "residual_value",
    "emissions",
    "costs",
    "pollutant_emissions",
    "price_escalation",
)
new_item = constructor(d.Item, *ITEM_FIELDS)
new_deduction = constructor(d.Deduction, "criterion", "amount", "level")
new_circularity = constructor(
    d.Circularity,
    "mass",
    "recycled_input",
    "reused_input",
    "sustainable_bio_input",
    "collected_for_recycling",
    "collected_for_reuse",
    "collected_for_composting",
    "collected_for_energy_recovery",
    "recycling_efficiency_collection",
    "recycling_efficiency_feedstock",
    "lifetime_ratio",
    "use_intensity_ratio",
)
BID_FIELDS = (
    "id",
    "supplier",
    "items",
    "costs",
    "deductions",
    "ladder_level",
    "circularity",
    "functional_units_delivered",
)
new_bid = constructor(d.Bid, *BID_FIELDS)

#: The ``emissions`` of every item that states none (frozen: one object serves them all).
NO_EMISSIONS = d.Emissions()


# -- conversion --------------------------------------------------------------------------------


def to_tender(request: pb.EvaluateBidsRequest | analysis_pb2.AnalyzeRankingRequest) -> d.Tender:
    """The domain tender of a request's ``method`` and ``bids`` (an EvaluateBidsRequest, or the
    tender part of an AnalyzeRankingRequest; ``validate_only`` goes to the engine separately)."""
    return d.Tender(
        method=to_method(request.method),
        bids=tuple([_bid(bid) for bid in request.bids[:]]),
    )


def _quantity(q: pb.Quantity) -> d.Quantity:
    return new_quantity(q.value, q.unit)


def to_method(m: pb.Method) -> d.Method:
    """The domain method of a ``Method`` message (also the columnar tenders' method)."""
    q = new_quantity
    rates = m.exchange_rates
    return d.Method(
        currency=m.currency,
        base_year=m.base_year,
        study_period_years=m.study_period_years,
        discount_rate=m.discount_rate if m.HasField("discount_rate") else None,
        rate_basis=_RATE_BASIS[m.rate_basis],
        inflation_rate=m.inflation_rate if m.HasField("inflation_rate") else None,
        timing=_TIMING[m.timing],
        resource_prices=tuple(
            [
                new_resource_price(
                    p.resource,
                    q(p.price.value, p.price.unit) if p.HasField("price") else None,
                    p.escalation if p.HasField("escalation") else None,
                    tuple(p.yearly_escalation[:]),
                )
                for p in m.resource_prices[:]
            ]
        ),
        emission_factors=tuple(
            [
                new_emission_factor(
                    f.resource,
                    q(f.factor.value, f.factor.unit) if f.HasField("factor") else None,
                    f.basis,
                    tuple(
                        [
                            new_emission_factor_point(
                                pt.year,
                                q(pt.factor.value, pt.factor.unit)
                                if pt.HasField("factor")
                                else None,
                            )
                            for pt in f.trajectory[:]
                        ]
                    ),
                    f.reference_id,
                )
                for f in m.emission_factors[:]
            ]
        ),
        carbon_price=_carbon_price(m.carbon_price) if m.HasField("carbon_price") else None,
        exchange_rates={code: rates[code] for code in sorted(rates)},
        evaluation_model=_model(m.evaluation_model),
        baseline_bid_id=m.baseline_bid_id,
        include_module_d=m.include_module_d,
        functional_unit=m.functional_unit,
        pollutant_prices=tuple(
            [
                new_pollutant_price(
                    p.pollutant,
                    q(p.price.value, p.price.unit) if p.HasField("price") else None,
                    p.undiscounted,
                )
                for p in m.pollutant_prices[:]
            ]
        ),
        price_base_year=m.price_base_year,
        use_face_values=m.use_face_values,
    )


def _carbon_price(c: pb.CarbonPrice) -> d.CarbonPrice:
    q = new_quantity
    return new_carbon_price(
        c.series_id,
        q(c.price.value, c.price.unit) if c.HasField("price") else None,
        tuple(
            [
                new_carbon_price_point(
                    pt.year, q(pt.price.value, pt.price.unit) if pt.HasField("price") else None
                )
                for pt in c.points[:]
            ]
        ),
        c.undiscounted,
    )


def _model(e: pb.EvaluationModel) -> d.EvaluationModel:
    return new_evaluation_model(
        _MODEL_KIND[e.kind],
        tuple([new_ladder_step(s.level, s.discount) for s in e.ladder[:]]),
        e.externality_factor if e.HasField("externality_factor") else None,
        _quantity(e.price_threshold) if e.HasField("price_threshold") else None,
        tuple(
            [
                new_deduction_criterion(
                    c.criterion,
                    tuple(
                        [
                            new_deduction_level(
                                x.level, _quantity(x.amount) if x.HasField("amount") else None
                            )
                            for x in c.levels[:]
                        ]
                    ),
                )
                for c in e.deduction_criteria[:]
            ]
        ),
    )


def _bid(b: pb.Bid) -> d.Bid:
    costs = b.costs
    deductions = b.deductions
    return new_bid(
        b.id,
        b.supplier,
        tuple([_item(i) for i in b.items[:]]),
        tuple([_stream(s) for s in costs[:]]) if costs else (),
        tuple(
            [
                new_deduction(
                    x.criterion,
                    _quantity(x.amount) if x.HasField("amount") else None,
                    x.level,
                )
                for x in deductions[:]
            ]
        )
        if deductions
        else (),
        b.ladder_level,
        _circularity(b.circularity) if b.HasField("circularity") else None,
        b.functional_units_delivered,
    )


def _item(i: pb.Item) -> d.Item:
    has = i.HasField
    q = new_quantity
    resource_use = i.resource_use
    costs = i.costs
    pollutants = i.pollutant_emissions
    unit_price = q((x := i.unit_price).value, x.unit) if has("unit_price") else None
    installation_cost = (
        q((x := i.installation_cost).value, x.unit) if has("installation_cost") else None
    )
    service_life = q((x := i.service_life).value, x.unit) if has("service_life") else None
    maintenance_cost = (
        q((x := i.maintenance_cost).value, x.unit) if has("maintenance_cost") else None
    )
    warranty = q((x := i.warranty).value, x.unit) if has("warranty") else None
    end_of_life_cost = (
        q((x := i.end_of_life_cost).value, x.unit) if has("end_of_life_cost") else None
    )
    residual_value = q((x := i.residual_value).value, x.unit) if has("residual_value") else None
    return new_item(
        i.name,
        i.quantity if has("quantity") else None,
        unit_price,
        installation_cost,
        service_life,
        tuple(
            [
                new_resource_use(
                    r.resource,
                    q(r.amount.value, r.amount.unit) if r.HasField("amount") else None,
                    q(r.activity.value, r.activity.unit) if r.HasField("activity") else None,
                )
                for r in resource_use[:]
            ]
        )
        if resource_use
        else (),
        maintenance_cost,
        warranty,
        end_of_life_cost,
        residual_value,
        _emissions(i.emissions) if has("emissions") else NO_EMISSIONS,
        tuple([_stream(s) for s in costs[:]]) if costs else (),
        tuple(
            [
                new_pollutant_emission(
                    p.pollutant,
                    q(p.amount.value, p.amount.unit) if p.HasField("amount") else None,
                    q(p.activity.value, p.activity.unit) if p.HasField("activity") else None,
                )
                for p in pollutants[:]
            ]
        )
        if pollutants
        else (),
        i.price_escalation if has("price_escalation") else None,
    )


def _emissions(e: pb.Emissions) -> d.Emissions:
    has = e.HasField
    q = new_quantity
    return new_emissions(
        q(e.a1_a3.value, e.a1_a3.unit) if has("a1_a3") else None,
        q(e.a4.value, e.a4.unit) if has("a4") else None,
        q(e.a5.value, e.a5.unit) if has("a5") else None,
        q(e.c1_c4.value, e.c1_c4.unit) if has("c1_c4") else None,
        q(e.d.value, e.d.unit) if has("d") else None,
    )


def _stream(s: pb.CostStream) -> d.CostStream:
    has = s.HasField
    q = new_quantity
    return new_cost_stream(
        s.name,
        s.category,
        q(s.amount.value, s.amount.unit) if has("amount") else None,
        s.first_year,
        s.every_years,
        s.last_year,
        s.escalation if has("escalation") else None,
        q(s.life.value, s.life.unit) if has("life") else None,
        q(s.emissions.value, s.emissions.unit) if has("emissions") else None,
        s.emissions_module,
    )


def _circularity(c: pb.Circularity) -> d.Circularity:
    return new_circularity(
        _quantity(c.mass) if c.HasField("mass") else None,
        c.recycled_input,
        c.reused_input,
        c.sustainable_bio_input,
        c.collected_for_recycling,
        c.collected_for_reuse,
        c.collected_for_composting,
        c.collected_for_energy_recovery,
        c.recycling_efficiency_collection,
        c.recycling_efficiency_feedstock,
        c.lifetime_ratio,
        c.use_intensity_ratio,
    )
