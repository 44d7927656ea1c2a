"""Small builders of prepared tenders for the calculation-core tests (canonical units already).

Every default is the neutral value (no escalation, no emissions, no warranty), so a test states
only what it checks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from tco.inputs import ModelKind, RateBasis, Timing
from tco.prepared import (
    PreparedBid,
    PreparedCarbonPrice,
    PreparedCircularity,
    PreparedDeduction,
    PreparedItem,
    PreparedMethod,
    PreparedModel,
    PreparedPollutantEmission,
    PreparedPollutantPrice,
    PreparedResource,
    PreparedResourceUse,
    PreparedStream,
    PreparedTender,
)


def resource(
    name: str,
    price: float,
    n: int,
    *,
    unit: str = "kWh",
    escalation: float | Sequence[float] = 0.0,
    factor: float | Sequence[float] = 0.0,
    basis: str = "",
    source: str = "",
) -> PreparedResource:
    if isinstance(escalation, int | float):
        rates = np.full(n, float(escalation))
    else:
        rates = np.asarray(escalation, dtype=np.float64)
    if isinstance(factor, int | float):
        factors = np.full(n + 1, float(factor))
    else:
        factors = np.asarray(factor, dtype=np.float64)
    return PreparedResource(
        name=name,
        unit=unit,
        price=price,
        escalation_rates=rates,
        emission_factor=factors,
        emission_basis=basis,
        emission_source=source,
    )


def carbon_price(
    per_kg: float | Sequence[float],
    n: int,
    *,
    undiscounted: bool = False,
    source: str = "constant",
    extrapolated_years: tuple[int, ...] = (),
    price_base_year: int = 0,
) -> PreparedCarbonPrice:
    if isinstance(per_kg, int | float):
        prices = np.full(n + 1, float(per_kg))
    else:
        prices = np.asarray(per_kg, dtype=np.float64)
    return PreparedCarbonPrice(
        price_per_kg=prices,
        undiscounted=undiscounted,
        source=source,
        extrapolated_years=extrapolated_years,
        price_base_year=price_base_year,
    )


def method(
    n: int = 10,
    d: float = 0.0,
    *,
    timing: Timing = Timing.END_OF_YEAR,
    resources: Sequence[PreparedResource] = (),
    carbon: PreparedCarbonPrice | None = None,
    pollutant_prices: Mapping[str, tuple[float, bool]] | None = None,
    model: ModelKind = ModelKind.COST,
    ladder: Mapping[int, float] | None = None,
    externality_factor: float = 0.0,
    baseline: str = "",
    include_module_d: bool = False,
    rate_basis: RateBasis = RateBasis.REAL,
    inflation: float = 0.0,
    stated_discount_rate: float | None = None,
    currency: str = "SEK",
    digits: int = 2,
    base_year: int = 2027,
) -> PreparedMethod:
    return PreparedMethod(
        currency=currency,
        minor_unit_digits=digits,
        base_year=base_year,
        study_period_years=n,
        discount_rate=d,
        stated_discount_rate=d if stated_discount_rate is None else stated_discount_rate,
        rate_basis=rate_basis,
        inflation_rate=inflation,
        timing=timing,
        resources={r.name: r for r in resources},
        carbon_price=carbon,
        pollutant_prices={
            name: PreparedPollutantPrice(name, price, undiscounted)
            for name, (price, undiscounted) in (pollutant_prices or {}).items()
        },
        model=PreparedModel(model, dict(ladder or {}), externality_factor),
        baseline_bid_id=baseline,
        include_module_d=include_module_d,
        functional_unit="",
    )


def item(
    *,
    name: str = "item",
    quantity: float = 1.0,
    unit_price: float = 0.0,
    installation_cost: float = 0.0,
    service_life: float | None = None,
    resource_use: Mapping[str, float] | None = None,
    maintenance: float = 0.0,
    warranty: float = 0.0,
    end_of_life_cost: float = 0.0,
    residual_value: float | None = None,
    emissions: Mapping[str, float] | None = None,
    costs: Sequence[PreparedStream] = (),
    pollutants: Mapping[str, float] | None = None,
    price_escalation: float = 0.0,
) -> PreparedItem:
    return PreparedItem(
        name=name,
        quantity=quantity,
        unit_price=unit_price,
        installation_cost=installation_cost,
        service_life=service_life,
        resource_use=tuple(
            PreparedResourceUse(res, amount) for res, amount in (resource_use or {}).items()
        ),
        maintenance_per_year=maintenance,
        warranty_years=warranty,
        end_of_life_cost=end_of_life_cost,
        residual_value=residual_value,
        emissions=dict(emissions or {}),
        costs=tuple(costs),
        pollutant_emissions=tuple(
            PreparedPollutantEmission(p, kg) for p, kg in (pollutants or {}).items()
        ),
        price_escalation=price_escalation,
    )


def stream(
    amount: float,
    *,
    category: str = "other",
    first_year: int = 0,
    every_years: int = 0,
    last_year: int = 0,
    escalation: float = 0.0,
    life: float | None = None,
    emissions: float = 0.0,
    emissions_module: str = "",
    name: str = "stream",
    n: int | None = None,
) -> PreparedStream:
    return PreparedStream(
        name=name,
        category=category,
        amount=amount,
        first_year=first_year,
        every_years=every_years,
        last_year=last_year if n is None else min(last_year or n, n),
        escalation=escalation,
        life=life,
        emissions=emissions,
        emissions_module=emissions_module,
    )


def bid(
    bid_id: str,
    *,
    items: Sequence[PreparedItem] = (),
    costs: Sequence[PreparedStream] = (),
    deductions: Sequence[float] = (),
    ladder_level: int = 0,
    circularity: PreparedCircularity | None = None,
    functional_units: float = 0.0,
    supplier: str = "",
) -> PreparedBid:
    return PreparedBid(
        id=bid_id,
        supplier=supplier or f"supplier {bid_id}",
        items=tuple(items),
        costs=tuple(costs),
        deductions=tuple(PreparedDeduction(f"criterion {i}", a) for i, a in enumerate(deductions)),
        ladder_level=ladder_level,
        circularity=circularity,
        functional_units_delivered=functional_units,
    )


def tender(
    m: PreparedMethod,
    *bids: PreparedBid,
    warnings: tuple[tuple[str, str, str], ...] = (),
) -> PreparedTender:
    return PreparedTender(method=m, bids=tuple(bids), warnings=warnings)
