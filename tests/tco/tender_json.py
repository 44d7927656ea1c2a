"""Test helper: a tender as proto-style JSON (``tests/fixtures/sample-tender.json``) -> tco.inputs.

The server has the real proto -> inputs conversion; this is a small stand-in so that the core's
validation tests can start from the shared sample and from dicts written like it. Enum values may
be given as the proto names (``RATE_BASIS_NOMINAL``) or as the inputs' values (``nominal``).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from tco.inputs import (
    Bid,
    CarbonPrice,
    CarbonPricePoint,
    Circularity,
    CostStream,
    Deduction,
    DeductionCriterion,
    DeductionLevel,
    EmissionFactor,
    EmissionFactorPoint,
    Emissions,
    EvaluationModel,
    Item,
    LadderStep,
    Method,
    ModelKind,
    PollutantEmission,
    PollutantPrice,
    Quantity,
    RateBasis,
    ResourcePrice,
    ResourceUse,
    Tender,
    Timing,
)

SAMPLE = Path(__file__).resolve().parent.parent / "fixtures" / "sample-tender.json"


def sample_dict() -> dict[str, Any]:
    """A fresh, mutable copy of the sample tender as JSON data."""
    return copy.deepcopy(_SAMPLE)


_SAMPLE: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))


def _enum(cls: Any, value: str | None, prefix: str) -> Any:
    if value is None:
        return None
    text = value.removeprefix(prefix).lower()
    if text == "unspecified":
        return None
    return cls(text)


def q(raw: dict[str, Any] | None) -> Quantity | None:
    return None if raw is None else Quantity(raw.get("value", 0.0), raw.get("unit", ""))


def _kw(**kwargs: Any) -> dict[str, Any]:
    return {k: v for k, v in kwargs.items() if v is not None}


def stream(raw: dict[str, Any]) -> CostStream:
    return CostStream(
        **_kw(
            name=raw.get("name"),
            category=raw.get("category"),
            amount=q(raw.get("amount")),
            first_year=raw.get("first_year"),
            every_years=raw.get("every_years"),
            last_year=raw.get("last_year"),
            escalation=raw.get("escalation"),
            life=q(raw.get("life")),
            emissions=q(raw.get("emissions")),
            emissions_module=raw.get("emissions_module"),
        )
    )


def method(raw: dict[str, Any]) -> Method:
    carbon = raw.get("carbon_price")
    model = raw.get("evaluation_model", {})
    return Method(
        **_kw(
            currency=raw.get("currency", ""),
            base_year=raw.get("base_year", 0),
            study_period_years=raw.get("study_period_years", 0),
            discount_rate=raw.get("discount_rate", 0.0),
            rate_basis=_enum(RateBasis, raw.get("rate_basis"), "RATE_BASIS_"),
            inflation_rate=raw.get("inflation_rate"),
            timing=_enum(Timing, raw.get("timing"), "TIMING_"),
            resource_prices=tuple(
                ResourcePrice(
                    **_kw(
                        resource=r.get("resource", ""),
                        price=q(r.get("price")),
                        escalation=r.get("escalation"),
                        yearly_escalation=tuple(r.get("yearly_escalation", ())),
                    )
                )
                for r in raw.get("resource_prices", [])
            ),
            emission_factors=tuple(
                EmissionFactor(
                    **_kw(
                        resource=e.get("resource", ""),
                        factor=q(e.get("factor")),
                        basis=e.get("basis"),
                        trajectory=tuple(
                            EmissionFactorPoint(p.get("year", 0), q(p.get("factor")))
                            for p in e.get("trajectory", [])
                        ),
                        reference_id=e.get("reference_id"),
                    )
                )
                for e in raw.get("emission_factors", [])
            ),
            carbon_price=None
            if carbon is None
            else CarbonPrice(
                **_kw(
                    series_id=carbon.get("series_id"),
                    price=q(carbon.get("price")),
                    points=tuple(
                        CarbonPricePoint(p.get("year", 0), q(p.get("price")))
                        for p in carbon.get("points", [])
                    ),
                    undiscounted=carbon.get("undiscounted"),
                )
            ),
            exchange_rates=dict(raw.get("exchange_rates", {})),
            evaluation_model=EvaluationModel(
                **_kw(
                    kind=_enum(ModelKind, model.get("kind"), "EVALUATION_MODEL_KIND_"),
                    ladder=tuple(
                        LadderStep(s.get("level", 0), s.get("discount", 0.0))
                        for s in model.get("ladder", [])
                    ),
                    externality_factor=model.get("externality_factor"),
                    price_threshold=q(model.get("price_threshold")),
                    deduction_criteria=tuple(
                        DeductionCriterion(
                            c.get("criterion", ""),
                            tuple(
                                DeductionLevel(x.get("level", ""), q(x.get("amount")))
                                for x in c.get("levels", [])
                            ),
                        )
                        for c in model.get("deduction_criteria", [])
                    ),
                )
            ),
            baseline_bid_id=raw.get("baseline_bid_id"),
            include_module_d=raw.get("include_module_d"),
            functional_unit=raw.get("functional_unit"),
            price_base_year=raw.get("price_base_year"),
            use_face_values=raw.get("use_face_values"),
            pollutant_prices=tuple(
                PollutantPrice(
                    **_kw(
                        pollutant=p.get("pollutant", ""),
                        price=q(p.get("price")),
                        undiscounted=p.get("undiscounted"),
                    )
                )
                for p in raw.get("pollutant_prices", [])
            ),
        )
    )


def item(raw: dict[str, Any]) -> Item:
    emissions = raw.get("emissions", {})
    return Item(
        **_kw(
            name=raw.get("name"),
            quantity=raw.get("quantity"),
            unit_price=q(raw.get("unit_price")),
            installation_cost=q(raw.get("installation_cost")),
            service_life=q(raw.get("service_life")),
            resource_use=tuple(
                ResourceUse(r.get("resource", ""), q(r.get("amount")), q(r.get("activity")))
                for r in raw.get("resource_use", [])
            ),
            maintenance_cost=q(raw.get("maintenance_cost")),
            warranty=q(raw.get("warranty")),
            end_of_life_cost=q(raw.get("end_of_life_cost")),
            residual_value=q(raw.get("residual_value")),
            emissions=Emissions(**{k: q(v) for k, v in emissions.items()}),
            costs=tuple(stream(s) for s in raw.get("costs", [])),
            pollutant_emissions=tuple(
                PollutantEmission(p.get("pollutant", ""), q(p.get("amount")), q(p.get("activity")))
                for p in raw.get("pollutant_emissions", [])
            ),
            price_escalation=raw.get("price_escalation"),
        )
    )


def bid(raw: dict[str, Any]) -> Bid:
    circularity = raw.get("circularity")
    return Bid(
        **_kw(
            id=raw.get("id", ""),
            supplier=raw.get("supplier"),
            items=tuple(item(i) for i in raw.get("items", [])),
            costs=tuple(stream(s) for s in raw.get("costs", [])),
            deductions=tuple(
                Deduction(d.get("criterion", ""), q(d.get("amount")), d.get("level", ""))
                for d in raw.get("deductions", [])
            ),
            ladder_level=raw.get("ladder_level"),
            circularity=None
            if circularity is None
            else Circularity(**{k: (q(v) if k == "mass" else v) for k, v in circularity.items()}),
            functional_units_delivered=raw.get("functional_units_delivered"),
        )
    )


def tender(raw: dict[str, Any]) -> Tender:
    """A :class:`Tender` from proto-style JSON data."""
    return Tender(method=method(raw["method"]), bids=tuple(bid(b) for b in raw.get("bids", [])))


def sample_tender() -> Tender:
    return tender(sample_dict())
