"""The checks of an item and what it holds: its amounts, service life, resource uses, pollutant
emissions, embodied emissions and cost streams (cost streams also belong to bids).

Rules: quantity required, finite in (0, 1e12]; unit price required; service life required once the
item has a purchase cost (unit price or installation > 0); prices, installation, maintenance,
warranty, residual value, resource use and activity >= 0; service life and stream life > 0 and at
most :data:`~tco.validate.limits.MAX_REPLACEMENTS` replacements in the study period; embodied
emissions >= 0 except module D; a resource use names a priced resource and is resource per year, or
amount x activity giving resource per year (``45 W`` x ``4000 h/year`` = 180 kWh/year); a pollutant
emission names a priced pollutant and is mass per year (alone or x activity); stream category one
of :data:`tco.prepared.CATEGORIES` ("" = other), emissions_module one of
:data:`tco.prepared.MODULES` ("" = from the category), first_year 0..N, every_years >= 0, last_year
0..N and >= first_year when set, amount money per occurrence or money per time when every_years =
1.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from types import MappingProxyType
from typing import Final

from tco.construct import constructor
from tco.inputs import CostStream, Emissions, Item, Quantity
from tco.prepared import (
    CATEGORIES,
    MODULES,
    PreparedItem,
    PreparedPollutantEmission,
    PreparedResourceUse,
    PreparedStream,
    default_module,
)
from tco.units import Dimension
from tco.validate import plausibility
from tco.validate.context import Context
from tco.validate.limits import (
    MAX_CODE_LENGTH,
    MAX_EVERY_YEARS,
    MAX_ID_LENGTH,
    MAX_LIST,
    MAX_MAGNITUDE,
    MAX_QUANTITY,
    MAX_STUDY_PERIOD,
)
from tco.validate.plausibility import MAX_PLAUSIBLE_LIFE
from tco.validate.violations import Path

#: Money per occurrence (a stream amount); the label says money per time is possible too.
_STREAM_MONEY: Final = Dimension(
    "money per occurrence (or money per time when every_years = 1)",
    Dimension.MONEY.canonical,
    Dimension.MONEY.example,
    Dimension.MONEY.dims,
    Dimension.MONEY.scale,
)
_ENERGY_PER_YEAR: Final = Dimension.ENERGY.per(Dimension.TIME)
_CATEGORY_SET: Final = frozenset(CATEGORIES)
_MODULE_SET: Final = frozenset(MODULES)
#: Modules of embodied emissions (EN 15978), in the order of :attr:`PreparedItem.emissions`.
_EMBODIED: Final = ("a1_a3", "a4", "a5", "c1_c4", "d")
_new_item = constructor(PreparedItem)
_new_stream = constructor(PreparedStream)


def item(ctx: Context, at: Path, it: object, bid_id: str) -> PreparedItem | None:
    """The prepared item, or None after recording every violation in it."""
    v = ctx.v
    if not isinstance(it, Item):
        v.fail(at, "expected an item")
        return None
    name = v.text((at, "name"), it.name, False)
    quantity: float | None = it.quantity
    if quantity is None:  # explicit presence: left out is a violation, never 0 (issue #14)
        v.fail((at, "quantity"), "required: the number of units, > 0")
    elif type(quantity) is not float or not 0.0 < quantity <= MAX_QUANTITY:
        quantity = v.number(
            (at, "quantity"),
            quantity,
            minimum=0.0,
            minimum_open=True,
            maximum=MAX_QUANTITY,
            what="a number of units",
        )
    # The unit price is required; another absent amount is 0 (a residual value or a service
    # life: none; a service life is required once the item has a purchase cost). Each present
    # one is checked, in the order of the contract's fields. quantity_of(path, quantity,
    # dimension, minimum, money): by position, the hot calls (see Violations.quantity).
    money, quantity_of = Dimension.MONEY, v.quantity
    unit_price = installation = maintenance = warranty = end_of_life = residual = None
    if it.unit_price is not None:
        unit_price = quantity_of((at, "unit_price"), it.unit_price, money, 0.0, True)
    else:
        v.fail(
            (at, "unit_price"),
            "required: the purchase price of one unit, money such as 'SEK' (0 for an item "
            "bought at no cost)",
        )
    if it.installation_cost is not None:
        installation = quantity_of(
            (at, "installation_cost"), it.installation_cost, money, 0.0, True
        )
    life_ok, life = True, None
    if it.service_life is not None:
        life_ok, life = ctx.life((at, "service_life"), it.service_life)
        if life is not None and life > MAX_PLAUSIBLE_LIFE:
            plausibility.service_life(v, (at, "service_life"), life, bid_id)
    elif unit_price or installation:
        life_ok = False
        v.fail(
            (at, "service_life"),
            "required for an item with a purchase cost: the service life of one unit, time "
            "such as '8 years' (its replacements and residual value depend on it)",
        )
    uses = _resource_uses(ctx, (at, "resource_use"), it.resource_use, bid_id)
    if it.maintenance_cost is not None:
        maintenance = quantity_of(
            (at, "maintenance_cost"),
            it.maintenance_cost,
            Dimension.MONEY_PER_TIME,
            0.0,
            True,
        )
    if it.warranty is not None:
        warranty = quantity_of((at, "warranty"), it.warranty, Dimension.TIME, 0.0)
    if it.end_of_life_cost is not None:
        end_of_life = quantity_of((at, "end_of_life_cost"), it.end_of_life_cost, money, None, True)
    if it.residual_value is not None:
        residual = quantity_of((at, "residual_value"), it.residual_value, money, 0.0, True)
        if residual is not None and unit_price is not None:
            plausibility.residual_value(v, at, residual, unit_price + (installation or 0.0), bid_id)
    price_escalation = _price_escalation(ctx, at, it.price_escalation)
    emissions = _embodied(ctx, (at, "emissions"), it)
    costs = () if it.costs == () else streams(ctx, (at, "costs"), it.costs)
    pollutants = (
        ()
        if it.pollutant_emissions == ()
        else _pollutant_emissions(ctx, (at, "pollutant_emissions"), it.pollutant_emissions)
    )
    if (
        quantity is None
        or unit_price is None
        or (installation is None and it.installation_cost is not None)
        or (maintenance is None and it.maintenance_cost is not None)
        or (warranty is None and it.warranty is not None)
        or (end_of_life is None and it.end_of_life_cost is not None)
        or (residual is None and it.residual_value is not None)
        or not life_ok
        or price_escalation is None
        or uses is None
        or emissions is None
        or costs is None
        or pollutants is None
    ):
        return None
    return _new_item(
        name,
        quantity,
        unit_price,
        installation or 0.0,
        life,
        uses,
        maintenance or 0.0,
        warranty or 0.0,
        end_of_life or 0.0,
        residual,
        MappingProxyType(emissions),
        costs,
        pollutants,
        price_escalation,
    )


def _price_escalation(ctx: Context, at: Path, value: object) -> float | None:
    """The item's real price escalation: 0 when not stated; else a rate per year on the
    method's basis (finite, in (-1, 1], (1 + e)^N finite), made real by Fisher in a nominal
    analysis. Example: 3 % nominal with 2 % inflation -> 0.980392 % real."""
    if value is None:
        return 0.0
    path = (at, "price_escalation")
    return ctx.real(ctx.v.rate(path, value, ctx.n, "price escalation"), path)


def _resource_uses(
    ctx: Context, at: Path, uses: Sequence[object], bid_id: str
) -> tuple[PreparedResourceUse, ...] | None:
    v = ctx.v
    if (type(uses) is not tuple or len(uses) > MAX_LIST) and not v.listed(at, uses):
        return None
    prepared: list[PreparedResourceUse] = []
    ok = True
    for k, use in enumerate(uses):
        p = (at, k)
        name = getattr(use, "resource", None)
        # the name of a priced resource passed the method's checks: others are checked here
        resource = ctx.resources.get(name) if type(name) is str else None
        if resource is None:
            name = v.text((p, "resource"), name, required=True, limit=MAX_ID_LENGTH)
            if name and name not in ctx.listed:
                priced = ", ".join(ctx.resources) or "none"
                v.fail(
                    (p, "resource"),
                    f"resource is not priced in method.resource_prices (priced: {priced})",
                )
        amount = _per_year(
            ctx,
            p,
            getattr(use, "amount", None),
            getattr(use, "activity", None),
            None if resource is None else resource.per_year,
        )
        if resource is None or amount is None:
            ok = False
            continue
        if resource.factor is None:
            v.warn(
                "NO_EMISSION_FACTOR",
                f"resource {resource.name!r} has no emission factor in the method: its "
                "emissions count as zero",
                bid_id,
            )
        prepared.append(PreparedResourceUse(resource.name, amount))
    return tuple(prepared) if ok else None


def _per_year(
    ctx: Context, at: Path, amount: object, activity: object, expected: Dimension | None
) -> float | None:
    """Amount per year, or amount x activity per year, in canonical units, >= 0.

    ``Quantity(45, "W")`` x ``Quantity(4000, "h/year")`` -> 180 (kWh/year).
    """
    v = ctx.v
    where = (at, "amount")
    if activity is None and expected is not None and type(amount) is Quantity:
        # the common case, decided without a check of its own: a finite value >= 0 in a unit of
        # the expected dimension; anything else takes the checks below, in the contract's order
        known = v.factor_of(amount.unit, expected)
        if known is not None and type(amount.value) is float and 0.0 <= amount.value < math.inf:
            converted = amount.value * known
            if converted <= MAX_MAGNITUDE:
                return 0.0 if converted == 0.0 else converted
            return v.scaled(where, amount.value, known)  # records why not
    label = expected or _ENERGY_PER_YEAR
    if not v.present(where, amount, label, required=True):
        return None
    assert isinstance(amount, Quantity)
    value = v.number((where, "value"), amount.value, what="a finite number")
    unit_ok = v.unit_ok((where, "unit"), amount.unit)
    if value is not None and value < 0:
        v.fail((where, "value"), "expected >= 0")
        value = None
    times = 1.0
    factor: float | None = None
    if activity is not None:
        if not v.present((at, "activity"), activity, label, required=False):
            return None
        assert isinstance(activity, Quantity)
        times_value = v.number(
            ((at, "activity"), "value"),
            activity.value,
            minimum=0.0,
            what="a finite number >= 0",
        )
        activity_ok = v.unit_ok(((at, "activity"), "unit"), activity.unit)
        if times_value is None or not activity_ok or not unit_ok or expected is None:
            return None
        times = times_value
        factor = v.product((where, "unit"), amount.unit, activity.unit, expected)
    elif unit_ok and expected is not None:
        unit = v.unit((where, "unit"), amount.unit, expected)
        factor = None if unit is None else unit[0]
    if value is None or factor is None:
        return None
    return v.scaled(where, value * times, factor)


def _pollutant_emissions(
    ctx: Context, at: Path, emissions: Sequence[object]
) -> tuple[PreparedPollutantEmission, ...] | None:
    v = ctx.v
    if not v.listed(at, emissions):
        return None
    prepared: list[PreparedPollutantEmission] = []
    ok = True
    for k, emission in enumerate(emissions):
        p = (at, k)
        name = v.text(
            (p, "pollutant"),
            getattr(emission, "pollutant", None),
            required=True,
            limit=MAX_ID_LENGTH,
        )
        if name and name not in ctx.pollutants:
            priced = ", ".join(ctx.pollutants) or "none"
            v.fail(
                (p, "pollutant"),
                f"pollutant is not priced in method.pollutant_prices (priced: {priced})",
            )
            ok = False
        kg = _per_year(
            ctx,
            p,
            getattr(emission, "amount", None),
            getattr(emission, "activity", None),
            Dimension.MASS_PER_TIME,
        )
        if kg is None or not name or name not in ctx.pollutants:
            ok = False
            continue
        prepared.append(PreparedPollutantEmission(name, kg))
    return tuple(prepared) if ok else None


def _embodied(ctx: Context, at: Path, it: Item) -> dict[str, float] | None:
    """kgCO2e per unit by module: A1-A3, A4, A5, C1-C4 >= 0; D (beyond the life) any sign."""
    e = it.emissions
    quantities: tuple[object, ...] = (
        (e.a1_a3, e.a4, e.a5, e.c1_c4, e.d)
        if type(e) is Emissions
        else tuple(getattr(e, module, None) for module in _EMBODIED)
    )
    result: dict[str, float] = dict.fromkeys(_EMBODIED, 0.0)
    ok = True
    quantity_of, co2e = ctx.v.quantity, Dimension.CO2E
    for module, quantity in zip(_EMBODIED, quantities, strict=False):
        if quantity is None:
            continue
        kg = quantity_of((at, module), quantity, co2e, None if module == "d" else 0.0)
        if kg is None:
            ok = False
        else:
            result[module] = kg
    return result if ok else None


def streams(ctx: Context, at: Path, listed: Sequence[object]) -> tuple[PreparedStream, ...] | None:
    """The prepared cost streams of a bid or an item, or None after a violation."""
    if (type(listed) is not tuple or len(listed) > MAX_LIST) and not ctx.v.listed(at, listed):
        return None
    prepared: list[PreparedStream] = []
    ok = True
    for k, s in enumerate(listed):
        result = _stream(ctx, (at, k), s)
        if result is None:
            ok = False
        else:
            prepared.append(result)
    return tuple(prepared) if ok else None


def _stream(ctx: Context, at: Path, s: object) -> PreparedStream | None:
    v = ctx.v
    if not isinstance(s, CostStream):
        v.fail(at, "expected a cost stream")
        return None
    name = v.text((at, "name"), s.name, False)
    # a known category or module is a valid text: only others are checked as texts
    category = s.category
    if type(category) is not str or category not in _CATEGORY_SET:
        category = v.text((at, "category"), category, required=False, limit=MAX_CODE_LENGTH)
        category = category or "other"
        if category not in _CATEGORY_SET:
            v.fail((at, "category"), "unknown category; allowed: " + ", ".join(CATEGORIES))
            category = ""
    n = ctx.n if ctx.n is not None else MAX_STUDY_PERIOD
    first: int | None = s.first_year
    every: int | None = s.every_years
    last: int | None = s.last_year
    if type(first) is not int or not 0 <= first <= n:
        first = v.integer((at, "first_year"), first, 0, n, "a study year")
    if type(every) is not int or not 0 <= every <= MAX_EVERY_YEARS:
        every = v.integer((at, "every_years"), every, 0, MAX_EVERY_YEARS, "a recurrence in years")
    if type(last) is not int or not 0 <= last <= n:
        last = v.integer((at, "last_year"), last, 0, n, "a study year (0 = the end)")
    if last and first is not None and last < first:
        v.fail((at, "last_year"), "must be >= first_year (or 0 for the end of the study)")
        last = None
    amount = _stream_amount(ctx, (at, "amount"), s.amount, every)
    escalation = ctx.escalation((at, "escalation"), s.escalation)
    real_escalation = ctx.real(escalation, (at, "escalation"))
    life_ok, life = (True, None) if s.life is None else ctx.life((at, "life"), s.life)
    if life is not None and life > MAX_PLAUSIBLE_LIFE:
        plausibility.service_life(v, (at, "life"), life)
    module = s.emissions_module
    if type(module) is not str or (module and module not in _MODULE_SET):
        module = v.text((at, "emissions_module"), module, required=False, limit=MAX_CODE_LENGTH)
        if module and module not in _MODULE_SET:
            v.fail((at, "emissions_module"), "unknown module; allowed: " + ", ".join(MODULES))
            module = "?"
    kg: float | None = 0.0
    if s.emissions is not None:
        kg = v.quantity((at, "emissions"), s.emissions, Dimension.CO2E)
    if (
        not category
        or first is None
        or every is None
        or last is None
        or amount is None
        or real_escalation is None
        or not life_ok
        or module == "?"
        or kg is None
        or ctx.n is None
    ):
        return None
    return _new_stream(
        name,
        category,
        amount,
        first,
        every,
        last or ctx.n,
        real_escalation,
        life,
        kg,
        module or default_module(category),
    )


def _stream_amount(ctx: Context, at: Path, amount: object, every: int | None) -> float | None:
    """Money per occurrence; money per time only for a yearly stream (converted per year)."""
    if type(amount) is not Quantity:
        if amount is None:
            return 0.0
        if not ctx.v.present(at, amount, Dimension.MONEY, required=False):
            return None
    assert isinstance(amount, Quantity)
    if ctx.v.factor_of(amount.unit, Dimension.MONEY_PER_TIME) is not None:
        if every != 1:
            if every is not None:
                ctx.v.fail(
                    (at, "unit"),
                    "money per time is only for a yearly stream (every_years = 1); "
                    "give money per occurrence such as 'SEK'",
                )
            return None
        return ctx.v.quantity(at, amount, Dimension.MONEY_PER_TIME, None, True)
    return ctx.v.quantity(at, amount, _STREAM_MONEY, None, True)
