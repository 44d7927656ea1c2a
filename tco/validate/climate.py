"""The method's climate checks: emission factors (a factor, a reference factor or a trajectory
per priced resource) and the carbon price (a series, a constant or points), both as arrays over
the study years.

Rules: an emission factor names a priced resource, records its basis (or takes it from
``reference_id``), gives ``factor``, ``reference_id`` or a ``trajectory`` (not both factor and
reference_id); factors >= 0; trajectory years 1900..2200 and distinct. Carbon price: exactly one
of series_id / price / points, a known series, money per CO2e >= 0, distinct point years.

Trajectories and carbon price points become arrays over the study years through
:func:`tco.yearly_series.interpolate_series` (linear between calendar-year points, flat beyond):
a factor of 0.05 kgCO2e/kWh stated for 2030 and 0.03 for 2040 is 0.04 in 2035. A carbon price
is per kgCO2e in the method currency (``1 200 SEK/tCO2e`` -> 1.2 SEK/kgCO2e).

Price base (lcc-method.md §4, issue #14): the method's money is in the prices of
``method.price_base_year`` (0: its ``base_year``). A reference series in another year's prices is
re-based **first, in its own currency, with its own currency's index** (:func:`tco.price_base.
rebase`: value x I(method year) / I(series year)), **then** converted with the method's exchange
rate. That order keeps each index with the money it measures (SCB KPI for SEK, Eurostat HICP for
EUR ...); the exchange rate is the method's, valid in the method's price year. Example: ASEK 7.0,
7.00 SEK/kgCO2e in 2017 prices, in a 2023 method = 7.00 x 403.70 / 322.11 = 8.7731 SEK/kgCO2e.
A method year past the last index year holds the last level (warning ``PRICE_INDEX_HELD``); an
unknown series year is used at face value (``PRICE_BASE_UNKNOWN``); ``use_face_values`` opts out
(``PRICE_BASE_FACE_VALUE``). A price the method states itself (``price`` / ``points``) is in the
method's money already and is never re-based.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from tco import price_base as rebasing
from tco import reference, units
from tco.errors import UnitError
from tco.inputs import CarbonPrice, EmissionFactor, Method, Quantity
from tco.prepared import PreparedCarbonPrice, PreparedResource
from tco.units import Dimension
from tco.validate.context import Context, Resource, readonly
from tco.validate.limits import MAX_BASE_YEAR, MAX_ID_LENGTH, MIN_BASE_YEAR
from tco.yearly_series import interpolate_series

#: (the method's price-base year, whether it opts out of re-basing ("use face values")).
PriceBase = tuple[int, bool]

_BASIS_REQUIRED = (
    "required: the basis (location / residual mix / market; tank-to-wheel / well-to-wheel) can "
    "change results six-fold, so it is always recorded"
)


def emission_factors(ctx: Context, m: Method) -> None:
    """Check every emission factor; set each priced resource's factor array, basis, source."""
    v = ctx.v
    if not v.listed("method.emission_factors", m.emission_factors):
        return
    entries = v.named_once(
        "method.emission_factors",
        m.emission_factors,
        "resource",
        "a resource name",
        "has two emission factors",
    )
    for at, name, ef in entries:
        if name and name not in ctx.listed:
            v.fail(
                f"{at}.resource",
                f"resource {name!r} has no price in method.resource_prices; an emission "
                "factor needs the price's unit to know the resource's dimension",
            )
        _emission_factor(ctx, at, ef, ctx.resources.get(name))


def _emission_factor(ctx: Context, at: str, ef: EmissionFactor, resource: Resource | None) -> None:
    v = ctx.v
    expected = Dimension.CO2E.per(resource.dimension) if resource is not None else None
    basis = v.text(f"{at}.basis", ef.basis, required=False)
    reference_id = v.text(f"{at}.reference_id", ef.reference_id, required=False)
    if reference_id:
        ok, value, basis, source = _reference_factor(
            ctx, at, ef, reference_id, basis=basis, expected=expected
        )
    else:
        value, source = None, "method"
        ok = bool(basis.strip())
        if not ok:
            v.fail(f"{at}.basis", _BASIS_REQUIRED)
        if ef.factor is None and not ef.trajectory:
            v.fail(f"{at}.factor", "required: a factor, a reference_id or a trajectory")
            ok = False
        elif ef.factor is not None:
            value = _co2e_per(ctx, f"{at}.factor", ef.factor, expected)
            ok = ok and value is not None
    points = _trajectory(ctx, at, ef, expected)
    if points is None or not ok or resource is None:
        return
    if (
        value is not None
        and ctx.base_year is not None
        and all(y != ctx.base_year for y, _ in points)
    ):
        points = [(ctx.base_year, value), *points]
    years = ctx.years()
    if years is None or not points:
        return
    values, flat = interpolate_series(points, years)
    if ef.trajectory and flat:
        v.warn(
            "EMISSION_FACTOR_EXTRAPOLATED",
            f"emission factor of {resource.name!r} held flat outside its trajectory in "
            f"{len(flat)} study year(s): {_span(flat)}",
        )
    resource.factor = readonly(np.asarray(values, dtype=np.float64))
    resource.basis = basis
    resource.source = source


def _reference_factor(
    ctx: Context,
    at: str,
    ef: EmissionFactor,
    reference_id: str,
    *,
    basis: str,
    expected: Dimension | None,
) -> tuple[bool, float | None, str, str]:
    """(ok, factor, basis, source) of a factor taken from :mod:`tco.reference`."""
    v = ctx.v
    ok = True
    ref = reference.emission_factor_by_id(reference_id)
    if ef.factor is not None:
        v.fail(f"{at}.factor", "give factor or reference_id, not both")
        ok = False
    if ref is None:
        known = ", ".join(f.id for f in reference.emission_factors())
        v.fail(f"{at}.reference_id", f"unknown reference factor {reference_id!r}; known: {known}")
        return False, None, basis, "method"
    if basis and basis != ref.basis:
        v.fail(
            f"{at}.basis",
            f"the basis comes from reference factor {ref.id!r} ({ref.basis!r}); leave basis empty",
        )
        ok = False
    value = None
    if expected is not None:
        try:
            value = ref.value * units.factor(ref.unit, expected)
        except UnitError:
            v.fail(
                f"{at}.reference_id",
                f"reference factor {ref.id!r} is in {ref.unit!r}, but resource "
                f"{ef.resource!r} is priced per {expected.label.rsplit(' per ', 1)[-1]}",
            )
            ok = False
    return ok, value, ref.basis, ref.id


def _co2e_per(
    ctx: Context, at: str, quantity: Quantity, expected: Dimension | None
) -> float | None:
    """kgCO2e per canonical resource unit, >= 0 (grammar only when the dimension is unknown)."""
    v = ctx.v
    if expected is None:
        if v.present(at, quantity, Dimension.CO2E, required=True):
            v.number(f"{at}.value", quantity.value, what="a finite number")
            v.unit_ok(f"{at}.unit", quantity.unit)
        return None
    return v.quantity(at, quantity, expected, required=True, minimum=0.0)


def _trajectory(
    ctx: Context, at: str, ef: EmissionFactor, expected: Dimension | None
) -> list[tuple[int, float]] | None:
    v = ctx.v
    if not v.listed(f"{at}.trajectory", ef.trajectory):
        return None
    points: list[tuple[int, float]] = []
    seen: dict[int, int] = {}
    ok = True
    for j, point in enumerate(ef.trajectory):
        p = f"{at}.trajectory[{j}]"
        year = _year(ctx, f"{at}.trajectory", j, point.year, seen)
        value = (
            _co2e_per(ctx, f"{p}.factor", point.factor, expected)
            if point.factor is not None
            else None
        )
        if point.factor is None:
            v.fail(f"{p}.factor", "required: climate impact per unit of resource")
        if year is None or value is None:
            ok = False
            continue
        points.append((year, value))
    return points if ok else None


def _year(ctx: Context, listed: str, j: int, year: object, seen: dict[int, int]) -> int | None:
    """The calendar year of point ``j`` of a list, distinct from the points before (``seen``:
    year -> index)."""
    p = f"{listed}[{j}]"
    checked = ctx.v.integer(f"{p}.year", year, MIN_BASE_YEAR, MAX_BASE_YEAR, "a calendar year")
    if checked is not None and checked in seen:
        ctx.v.fail(f"{p}.year", f"year {checked} is given twice (also {listed}[{seen[checked]}])")
        return None
    if checked is not None:
        seen[checked] = j
    return checked


def prepared_resources(ctx: Context) -> dict[str, PreparedResource] | None:
    """The priced resources, each with its emission factor array (zeros without a factor)."""
    if ctx.n is None:
        return None
    prepared: dict[str, PreparedResource] = {}
    for name, r in ctx.resources.items():
        if r.price is None or r.escalation is None:
            return None
        factor = r.factor
        if factor is None:
            factor = readonly(np.zeros(ctx.n + 1, dtype=np.float64))
        prepared[name] = PreparedResource(
            name=name,
            unit=r.dimension.canonical,
            price=r.price,
            escalation_rates=r.escalation,
            emission_factor=factor,
            emission_basis=r.basis,
            emission_source=r.source if r.factor is not None else "",
        )
    return prepared


def price_base(ctx: Context, m: Method) -> PriceBase | None:
    """The method's price-base year (``price_base_year``, 0: ``base_year``) and its opt-out.

    None after a violation (or when the base year itself was refused).
    """
    v = ctx.v
    face = m.use_face_values
    if not isinstance(face, bool):
        v.fail("method.use_face_values", "expected true or false")
        return None
    year = v.integer(
        "method.price_base_year", m.price_base_year, 0, MAX_BASE_YEAR, "a calendar year (0: base)"
    )
    if year is not None and 0 < year < MIN_BASE_YEAR:
        v.fail(
            "method.price_base_year",
            f"expected 0 (the base year) or a calendar year from {MIN_BASE_YEAR} to "
            f"{MAX_BASE_YEAR}",
        )
        return None
    if year is None:
        return None
    if year == 0:
        return None if ctx.base_year is None else (ctx.base_year, face)
    return year, face


def carbon_price(
    ctx: Context, cp: CarbonPrice | None, base: PriceBase | None
) -> PreparedCarbonPrice | None:
    """The carbon price per kgCO2e over the study years, or None (none, or a violation).

    ``base``: the method's price-base year and opt-out (:func:`price_base`); a reference series
    is re-based to it (None: after a violation there, recorded by :func:`price_base` or at the
    base year; the series is then not prepared).
    """
    v = ctx.v
    if cp is None:
        return None
    at = "method.carbon_price"
    if not isinstance(cp, CarbonPrice):
        v.fail(at, "expected a carbon price")
        return None
    if not isinstance(cp.undiscounted, bool):
        v.fail(f"{at}.undiscounted", "expected true or false")
    given = [
        name
        for name, present in (
            ("series_id", bool(cp.series_id)),
            ("price", cp.price is not None),
            ("points", bool(cp.points)),
        )
        if present
    ]
    if len(given) != 1:
        got = " and ".join(given) if given else "none"
        v.fail(at, f"set exactly one of series_id, price or points; got {got}")
        return None
    years = ctx.years()
    if cp.series_id:
        return _carbon_series(ctx, at, cp, years, base)
    if cp.price is None:
        return _carbon_points(ctx, at, cp, years)
    price = ctx.v.quantity(
        f"{at}.price", cp.price, Dimension.MONEY_PER_CO2E, required=True, minimum=0.0, money=True
    )
    if price is None or years is None:
        return None
    return _carbon(cp, np.full(len(years), price, dtype=np.float64), "constant")


def _carbon_series(
    ctx: Context,
    at: str,
    cp: CarbonPrice,
    years: npt.NDArray[np.int64] | None,
    base: PriceBase | None,
) -> PreparedCarbonPrice | None:
    v = ctx.v
    series_id = v.text(f"{at}.series_id", cp.series_id, required=True, limit=MAX_ID_LENGTH)
    series = reference.carbon_price_series_by_id(series_id) if series_id else None
    if series is None:
        if series_id:
            known = ", ".join(s.id for s in reference.carbon_price_series())
            v.fail(f"{at}.series_id", f"unknown series {series_id!r}; known: {known}")
        return None
    rate: float | None = 1.0
    if ctx.v.currency is None:
        rate = None
    elif series.currency != ctx.v.currency:
        rate = ctx.v.rates.get(series.currency)
        if rate is None and series.currency not in ctx.v.rates_given:
            v.fail(
                f"{at}.series_id",
                f"series {series.id!r} is in {series.currency}; method.exchange_rates has "
                f"no rate for {series.currency}",
            )
    if series.kind == "market price":
        v.warn(
            "CARBON_PRICE_IS_MARKET_PRICE",
            f"carbon price series {series.id!r} is a market price, not a social value of emissions",
        )
    rebased = _rebase(ctx, at, series, base)
    if rate is None or years is None or rebased is None:
        return None
    # index first (in the series' currency), then the method's exchange rate
    per_kg = units.factor(series.unit, Dimension.MONEY_PER_CO2E) * (rebased.factor or 1.0) * rate
    if series.constant:
        point = series.points[0]
        values = np.full(len(years), point.value * per_kg, dtype=np.float64)
        flat = tuple(y for y in years.tolist() if y < point.year)
    else:
        values, flat = interpolate_series(
            [(p.year, p.value * per_kg) for p in series.points], years
        )
    return _carbon(cp, values, f"series:{series.id}", flat, series.price_base_year, rebased)


def _rebase(
    ctx: Context, at: str, series: reference.CarbonPriceSeries, base: PriceBase | None
) -> rebasing.Rebased | None:
    """How ``series`` is brought to the method's prices (:func:`tco.price_base.rebase` of its
    first non-zero point, which gives the trail its sentence); None after a violation."""
    if base is None:
        return None
    year, face = base
    point = next((p for p in series.points if p.value), series.points[0])
    rebased = rebasing.rebase(
        point.value, series.currency, series.price_base, year, face_value=face
    )
    if rebased.is_error:
        ctx.v.fail(
            f"{at}.series_id",
            f"series {series.id!r} cannot be re-based to the method's {year} prices: "
            f"{rebased.message}; state the price yourself, or set use_face_values",
        )
        return None
    return rebased


def _carbon_points(
    ctx: Context, at: str, cp: CarbonPrice, years: npt.NDArray[np.int64] | None
) -> PreparedCarbonPrice | None:
    v = ctx.v
    if not v.listed(f"{at}.points", cp.points):
        return None
    points: list[tuple[int, float]] = []
    seen: dict[int, int] = {}
    ok = True
    for j, point in enumerate(cp.points):
        p = f"{at}.points[{j}]"
        year = _year(ctx, f"{at}.points", j, point.year, seen)
        price = ctx.v.quantity(
            f"{p}.price",
            point.price,
            Dimension.MONEY_PER_CO2E,
            required=True,
            minimum=0.0,
            money=True,
        )
        if year is None or price is None:
            ok = False
            continue
        points.append((year, price))
    if not ok or years is None:
        return None
    values, flat = interpolate_series(points, years)
    return _carbon(cp, values, "points", flat)


def _carbon(  # noqa: PLR0917 - the prepared record's fields, in order
    cp: CarbonPrice,
    values: object,
    source: str,
    flat: tuple[int, ...] = (),
    price_base_year: int = 0,
    rebased: rebasing.Rebased | None = None,
) -> PreparedCarbonPrice:
    """The prepared carbon price: ``values`` per kgCO2e over the study years, read-only."""
    return PreparedCarbonPrice(
        price_per_kg=readonly(np.asarray(values, dtype=np.float64)),
        undiscounted=bool(cp.undiscounted),
        source=source,
        extrapolated_years=flat,
        price_base_year=price_base_year,
        rebased=rebased,
    )


def _span(years: Sequence[int]) -> str:
    """``(2036, 2037, 2038)`` -> ``"2036-2038"``; one year alone -> ``"2039"``."""
    first, last = min(years), max(years)
    return str(first) if first == last else f"{first}-{last}"
