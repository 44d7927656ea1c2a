"""The method's checks: currency, years, rates, exchange rates, resource and pollutant prices,
the evaluation model; they fill the :class:`~tco.validate.context.Context` the bids are checked
against. Emission factors and the carbon price are in :mod:`tco.validate.climate`.

Rules: currency a known ISO 4217 code; base_year 1900..2200; study_period_years 1..100;
discount_rate, inflation_rate and every escalation rate finite, in (-1, 1] and with (1 + r)^±N
finite; inflation is used only for NOMINAL (0 allowed, with a warning); exchange_rates keyed by
known codes, finite and > 0 (the method currency's own rate, if given, is 1); resource and
pollutant names lower_snake_case and not listed twice; a price is money per energy / volume /
mass / length / area, which fixes the resource's dimension (its value may be negative: a revenue
per unit); yearly_escalation at most 100 rates, the last one repeated to N; evaluation model:
ladder levels distinct and >= 1, discounts in [0, 1), FICTIVE_DISCOUNT needs a ladder,
externality_factor finite >= 0, price_threshold refused (HFD 2022 ref. 41).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Final

import numpy as np

from tco import currency, units
from tco.errors import UnitError
from tco.inputs import EvaluationModel, Method, ModelKind, Quantity, RateBasis, Timing
from tco.prepared import FloatArray, PreparedMethod, PreparedModel, PreparedPollutantPrice
from tco.units import Dimension
from tco.validate import climate, plausibility
from tco.validate.context import Context, Resource, readonly
from tco.validate.limits import (
    MAX_BASE_YEAR,
    MAX_ID_LENGTH,
    MAX_LADDER_LEVEL,
    MAX_STUDY_PERIOD,
    MAX_YEARLY_RATES,
    MIN_BASE_YEAR,
)

_HFD_2022_41: Final = (
    "refused: a threshold below which further price reductions stop counting is not allowed "
    "(Swedish Supreme Administrative Court, HFD 2022 ref. 41); leave price_threshold unset"
)


def method(ctx: Context, m: Method) -> PreparedMethod | None:
    """Check the method, fill ``ctx``; the prepared method, or None after a violation."""
    v = ctx.v
    code = v.text("method.currency", m.currency, required=True, limit=MAX_ID_LENGTH)
    if code and not currency.is_known(code):
        v.fail(
            "method.currency",
            "expected an ISO 4217 code such as 'SEK' or 'EUR'; known: "
            + ", ".join(currency.KNOWN_CURRENCIES),
        )
    elif code:
        ctx.v.currency = code
    ctx.base_year = v.integer(
        "method.base_year", m.base_year, MIN_BASE_YEAR, MAX_BASE_YEAR, "a calendar year"
    )
    ctx.n = v.integer(
        "method.study_period_years",
        m.study_period_years,
        1,
        MAX_STUDY_PERIOD,
        "a study period in whole years",
    )
    stated, real_discount = _rates(ctx, m)
    if not isinstance(m.timing, Timing):
        v.fail("method.timing", "expected 'end_of_year', 'mid_year' or 'beginning_of_year'")
    _exchange_rates(ctx, m.exchange_rates)
    _resource_prices(ctx, m)
    climate.emission_factors(ctx, m)
    base = climate.price_base(ctx, m)
    carbon = climate.carbon_price(ctx, m.carbon_price, base)
    plausibility.carbon_price(v, carbon, v.rates)
    _pollutant_prices(ctx, m)
    model = _evaluation_model(ctx, m.evaluation_model)
    v.text("method.baseline_bid_id", m.baseline_bid_id, required=False, limit=MAX_ID_LENGTH)
    functional_unit = v.text("method.functional_unit", m.functional_unit, required=False)
    if not isinstance(m.include_module_d, bool):
        v.fail("method.include_module_d", "expected true or false")
    resources = climate.prepared_resources(ctx)
    if (
        ctx.v.currency is None
        or ctx.base_year is None
        or ctx.n is None
        or stated is None
        or real_discount is None
        or ctx.inflation is None
        or not isinstance(m.rate_basis, RateBasis)
        or not isinstance(m.timing, Timing)
        or model is None
        or resources is None
        or base is None
    ):
        return None
    return PreparedMethod(
        currency=ctx.v.currency,
        minor_unit_digits=currency.minor_unit_digits(ctx.v.currency),
        base_year=ctx.base_year,
        study_period_years=ctx.n,
        discount_rate=real_discount,
        stated_discount_rate=stated,
        rate_basis=m.rate_basis,
        inflation_rate=ctx.inflation,
        timing=m.timing,
        resources=MappingProxyType(resources),
        carbon_price=carbon,
        pollutant_prices=MappingProxyType(dict(ctx.pollutants)),
        model=model,
        baseline_bid_id=m.baseline_bid_id,
        include_module_d=bool(m.include_module_d),
        functional_unit=functional_unit,
        price_base_year=base[0],
        use_face_values=base[1],
    )


def _rates(ctx: Context, m: Method) -> tuple[float | None, float | None]:
    """(stated, real) discount rate; sets the inflation and whether the analysis is nominal."""
    v = ctx.v
    if not isinstance(m.rate_basis, RateBasis):
        v.fail("method.rate_basis", "expected 'real' or 'nominal'")
    ctx.nominal = m.rate_basis is RateBasis.NOMINAL
    stated: float | None = None
    if m.discount_rate is None:  # explicit presence: left out is not 0 % (issue #14)
        v.fail(
            "method.discount_rate",
            "required: the discount rate per year as a fraction (0.035 = 3.5 %; send 0 for an "
            "undiscounted analysis)",
        )
    else:
        stated = v.rate("method.discount_rate", m.discount_rate, ctx.n, "discount rate")
    inflation: float | None = 0.0
    if m.inflation_rate is None:
        if ctx.nominal:
            v.fail(
                "method.inflation_rate",
                "required in a nominal analysis: general inflation per year as a fraction",
            )
            inflation = None
    else:
        inflation = v.rate("method.inflation_rate", m.inflation_rate, ctx.n, "inflation rate")
    ctx.inflation = (inflation if ctx.nominal else 0.0) if inflation is not None else None
    if ctx.nominal and inflation == 0.0:
        v.warn(
            "NOMINAL_WITHOUT_INFLATION",
            "nominal analysis with inflation_rate 0: nominal and real rates coincide",
        )
    plausibility.rate(v, "method.discount_rate", stated, "discount rate")
    if ctx.nominal:
        plausibility.rate(v, "method.inflation_rate", inflation, "inflation rate")
    return stated, ctx.real(stated, "method.discount_rate")


def _exchange_rates(ctx: Context, rates: object) -> None:
    v = ctx.v
    if not isinstance(rates, Mapping):
        v.fail("method.exchange_rates", "expected a map from ISO 4217 code to rate")
        return
    if len(rates) > len(currency.KNOWN_CURRENCIES):
        v.fail("method.exchange_rates", "more entries than known currencies")
        return
    for key, value in rates.items():
        at = f"method.exchange_rates[{key}]" if isinstance(key, str) else ""
        if not isinstance(key, str) or not currency.is_known(key):
            v.fail(at or "method.exchange_rates", "keys are ISO 4217 codes such as 'EUR'")
            continue
        ctx.v.rates_given.add(key)
        rate = v.number(
            at,
            value,
            minimum=0.0,
            minimum_open=True,
            what=f"units of the method currency per one {key}",
        )
        if rate is None:
            continue
        if key == ctx.v.currency and rate != 1.0:
            v.fail(at, "the rate of the method currency itself must be 1")
            continue
        ctx.v.rates[key] = rate


def _resource_prices(ctx: Context, m: Method) -> None:
    v = ctx.v
    if not v.listed("method.resource_prices", m.resource_prices):
        return
    entries = v.named_once(
        "method.resource_prices",
        m.resource_prices,
        "resource",
        "a resource name",
        "is priced twice",
    )
    for at, name, rp in entries:
        if name:
            ctx.listed.add(name)
        dimension = _resource_dimension(ctx, f"{at}.price", rp.price)
        price = None
        if dimension is not None:
            price = ctx.v.quantity(
                f"{at}.price", rp.price, Dimension.MONEY.per(dimension), required=True, money=True
            )
        escalation = _escalation(ctx, at, rp.escalation, rp.yearly_escalation)
        if name and dimension is not None:
            ctx.resources[name] = Resource(name, dimension, price, escalation)


def _resource_dimension(ctx: Context, at: str, price: Quantity | None) -> Dimension | None:
    """The dimension of the resource a price is per (``SEK/kWh`` -> energy)."""
    example = Dimension.MONEY.per(Dimension.ENERGY)
    if not ctx.v.present(at, price, example, required=True) or price is None:
        return None
    if not isinstance(price.unit, str):
        ctx.v.fail(f"{at}.unit", "expected a unit string")
        return None
    try:
        return units.resource_dimension(price.unit)
    except UnitError as error:
        ctx.v.fail(f"{at}.unit", str(error))
        return None


def _escalation(
    ctx: Context, at: str, constant: object, yearly: Sequence[object]
) -> FloatArray | None:
    """N real escalation rates: the yearly list (last rate repeated to N) or the constant.

    ``yearly_escalation = [0.05, 0.03]`` over N = 4 -> ``[0.05, 0.03, 0.03, 0.03]``.
    """
    v = ctx.v
    rate = ctx.escalation(f"{at}.escalation", constant, given_yearly=bool(yearly))
    rates: list[float] = []
    ok = rate is not None
    if len(yearly) > MAX_YEARLY_RATES:
        v.fail(f"{at}.yearly_escalation", f"at most {MAX_YEARLY_RATES} rates")
        return None
    for j, value in enumerate(yearly):
        r = v.rate(f"{at}.yearly_escalation[{j}]", value, ctx.n, "escalation")
        if r is None:
            ok = False
        else:
            plausibility.rate(v, f"{at}.yearly_escalation[{j}]", r, "escalation rate")
            rates.append(r)
    if not ok or ctx.n is None or rate is None:
        return None
    real = [ctx.real(r, f"{at}.escalation") for r in rates or [rate]]
    values = [r for r in real if r is not None]
    if len(values) < len(real):
        return None
    padded = values[: ctx.n] + [values[-1]] * max(0, ctx.n - len(values))
    return readonly(np.array(padded, dtype=np.float64))


def _pollutant_prices(ctx: Context, m: Method) -> None:
    v = ctx.v
    if not v.listed("method.pollutant_prices", m.pollutant_prices):
        return
    entries = v.named_once(
        "method.pollutant_prices",
        m.pollutant_prices,
        "pollutant",
        "a pollutant name",
        "is priced twice",
    )
    for at, name, pp in entries:
        if not isinstance(pp.undiscounted, bool):
            v.fail(f"{at}.undiscounted", "expected true or false")
        price = ctx.v.quantity(
            f"{at}.price",
            pp.price,
            Dimension.MONEY_PER_MASS,
            required=True,
            minimum=0.0,
            money=True,
        )
        if name and price is not None:
            ctx.pollutants[name] = PreparedPollutantPrice(name, price, bool(pp.undiscounted))


def _evaluation_model(ctx: Context, em: EvaluationModel) -> PreparedModel | None:
    v = ctx.v
    at = "method.evaluation_model"
    if not isinstance(em, EvaluationModel):
        v.fail(at, "expected an evaluation model")
        ctx.model_kind = None
        return None
    kind = em.kind if isinstance(em.kind, ModelKind) else None
    if kind is None:
        v.fail(f"{at}.kind", "expected one of " + ", ".join(k.value for k in ModelKind))
    ctx.model_kind = kind
    if em.price_threshold is not None:
        v.fail(f"{at}.price_threshold", _HFD_2022_41)
    factor: float | None = 0.0
    if em.externality_factor is None:
        if kind is ModelKind.EXTERNALITY_FACTOR:
            v.fail(
                f"{at}.externality_factor",
                "required for the externality factor model: the factor on monetised "
                "externalities, e.g. 1.0",
            )
            factor = None
    else:
        factor = v.number(
            f"{at}.externality_factor",
            em.externality_factor,
            minimum=0.0,
            what="a factor on monetised externalities",
        )
    ladder: dict[int, float] = {}
    ok = factor is not None and v.listed(f"{at}.ladder", em.ladder)
    if ok:
        ok = _ladder(ctx, em, ladder)
    if kind is ModelKind.FICTIVE_DISCOUNT and not em.ladder:
        v.fail(f"{at}.ladder", "required for the fictive discount model: level -> discount")
        ok = False
    ctx.ladder = ladder  # its valid steps, also when others were refused
    if not ok or kind is None or factor is None:
        return None
    return PreparedModel(kind=kind, ladder=MappingProxyType(ladder), externality_factor=factor)


def _ladder(ctx: Context, em: EvaluationModel, ladder: dict[int, float]) -> bool:
    """Fill ``ladder`` (level -> discount) with the valid steps; whether all were."""
    v = ctx.v
    at = "method.evaluation_model.ladder"
    seen: dict[int, int] = {}
    ok = True
    for j, step in enumerate(em.ladder):
        p = f"{at}[{j}]"
        level = v.integer(f"{p}.level", step.level, 1, MAX_LADDER_LEVEL, "a ladder level")
        if level is not None and level in seen:
            v.fail(f"{p}.level", f"level {level} is given twice (also {at}[{seen[level]}])")
            level = None
        discount = v.number(
            f"{p}.discount",
            step.discount,
            minimum=0.0,
            maximum=1.0,
            maximum_open=True,
            what="a fictive discount as a fraction",
        )
        if level is None or discount is None:
            ok = False
            continue
        seen[level] = j
        ladder[level] = discount
    return ok
