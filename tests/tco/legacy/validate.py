"""Frozen copy of ``tco.validate`` before the validation fast path (oracle of
``tests/tco/test_validate_fastpath.py``): same code, imports pointed here. Never edit it except to
keep it importable, and to apply bug fixes the current code also got (each marked with its
regression test: bug 6 of ``tests/fuzz/test_regressions.py``). ``tco.units`` was not changed by
the fast path, so this copy (and the frozen ``fieldcheck``) use the live one.

The edge of the core: a raw :class:`tco.inputs.Tender` -> a trusted :class:`PreparedTender`.

:func:`prepare` checks every field against the rules of the v1 contract
(``proto/tcoapi/v1/tender.proto``) and converts everything to the canonical floats documented in
:mod:`tco.prepared`. It never stops at the first problem: it raises one
:class:`tco.errors.InvalidTender` listing every :class:`~tco.errors.FieldViolation`, each with
its path exactly as on the wire, e.g.

- ``method.discount_rate: expected discount rate as a fraction per year ... > -1 and <= 1``
- ``bids[2].items[0].resource_use[0].amount.unit: expected energy per time such as 'kWh/year',
  got 'kg'``
- ``method.carbon_price.series_id: unknown series 'foo'; known: asek-7.0, ...``

Rules (beyond the unit grammar and dimensions of :mod:`tco.units`)
-----------------------------------------------------------------
Method
  currency a known ISO 4217 code; base_year 1900..2200; study_period_years 1..100 (checked
  before anything is allocated); discount_rate, inflation_rate and every escalation rate finite,
  in (-1, 1] and with (1 + r)^±N finite; inflation is used only for NOMINAL (0 allowed, with a
  warning); exchange_rates keyed by known codes, finite and > 0 (the method currency's own rate,
  if given, is 1); resource and pollutant names lower_snake_case and not listed twice; a price
  is money per energy / volume / mass / length / area, which fixes the resource's dimension
  (its value may be negative: a revenue per unit);
  yearly_escalation at most 100 rates; an emission factor names a priced resource, records its
  basis (or takes it from ``reference_id``), gives ``factor``, ``reference_id`` or a
  ``trajectory`` (not both factor and reference_id), factors >= 0, trajectory years 1900..2200
  and distinct; carbon price: exactly one of series_id / price / points, a known series, money
  per CO2e >= 0, distinct point years; evaluation model: ladder levels distinct and >= 1,
  discounts in [0, 1), FICTIVE_DISCOUNT needs a ladder, externality_factor finite >= 0,
  price_threshold refused (HFD 2022 ref. 41); baseline_bid_id names a bid.
Bids
  at least one, at most :data:`MAX_BIDS`; ids non-empty, at most 256 characters, distinct;
  repeated fields at most :data:`MAX_LIST` entries; item quantity finite in (0, 1e12]; prices,
  installation, maintenance, warranty, residual value, resource use and activity >= 0; service
  life and stream life > 0 (and at most :data:`MAX_REPLACEMENTS` replacements in the study
  period); embodied emissions >= 0 except module D; a resource use names a priced resource and is
  resource per year, or amount x activity giving resource per year; a pollutant emission names
  a priced pollutant and is mass per year (alone or x activity); stream category one of
  :data:`tco.prepared.CATEGORIES` ("" = other), emissions_module one of
  :data:`tco.prepared.MODULES` ("" = from the category), first_year 0..N, every_years >= 0,
  last_year 0..N and >= first_year when set, amount money per occurrence or money per time when
  every_years = 1; deductions >= 0; ladder_level >= 0 and on the ladder for FICTIVE_DISCOUNT;
  circularity fractions in [0, 1], input fractions and collection fractions each summing to at
  most 1, efficiencies in (0, 1] where they are used, ratios >= 0 (0 means 1), mass > 0;
  functional_units_delivered 0 (none stated) or from 1e-6 to 1e12.
Money
  Every money amount is converted to the method currency: ``value x unit factor x rate``, where
  the rate is 1 for the method currency and ``exchange_rates[code]`` otherwise; a currency without
  a rate is a violation at that amount's ``.unit`` path.

Conversions: rates become real by Fisher, ``(1 + r_real) = (1 + r_nominal) / (1 + inflation)``,
in a nominal analysis (discount rate and every escalation rate); ``yearly_escalation`` becomes N
rates, the last one repeated; emission-factor trajectories and carbon prices become arrays over
the study years via :func:`tco.climate.interpolate_series` (linear between calendar-year points,
flat beyond); carbon prices are per kgCO2e in the method currency.

Warnings (code, message, bid_id): NO_EMISSION_FACTOR (a bid uses a resource without factor),
EMISSION_FACTOR_EXTRAPOLATED (a trajectory held flat), RATE_LOOKS_LIKE_PERCENT (a rate above
0.25), NOMINAL_WITHOUT_INFLATION, CARBON_PRICE_IS_MARKET_PRICE. Warnings about the carbon price
series itself (extrapolation, price-base year) come from :func:`tco.climate.climate_warnings`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

import numpy as np

from tco import currency, reference, units
from tco.yearly_series import interpolate_series
from tco.errors import FieldViolation, InvalidTender, UnitError
from tco.inputs import (
    Bid,
    CarbonPrice,
    Circularity,
    CostStream,
    EmissionFactor,
    EvaluationModel,
    Item,
    Method,
    ModelKind,
    Quantity,
    RateBasis,
    Tender,
    Timing,
)
from tco.prepared import (
    CATEGORIES,
    MODULES,
    FloatArray,
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
from tco.units import Dimension
from tests.tco.legacy.fieldcheck import MAX_ID_LENGTH, PERCENT_WARNING_RATE, Checker

__all__ = ["MAX_BIDS", "MAX_LIST", "MAX_REPLACEMENTS", "prepare"]

#: Most bids in one tender.
MAX_BIDS: Final = 1000
#: Bounds of the MCI's lifetime and use-intensity ratios (L/L_av, U/U_av) when stated.
MIN_CIRCULARITY_RATIO: Final = 1e-3
MAX_CIRCULARITY_RATIO: Final = 1e3
#: Most entries of any repeated field (items, streams, resource uses, ladder steps ...).
MAX_LIST: Final = 10_000
#: Most items over all bids.
MAX_TOTAL_ITEMS: Final = 100_000
#: Most replacements a service life may imply within the study period.
MAX_REPLACEMENTS: Final = 1000
#: Largest item quantity.
MAX_QUANTITY: Final = 1e12
#: Fewest functional units a bid may state, unless 0 (none): the cost per unit stays finite.
MIN_FUNCTIONAL_UNITS: Final = 1e-6
#: Most rates in a yearly escalation list (the longest study period).
MAX_YEARLY_RATES: Final = 100
MIN_BASE_YEAR: Final = 1900
MAX_BASE_YEAR: Final = 2200
MAX_STUDY_PERIOD: Final = 100

#: Module of a stream's emissions when it names none (tender.proto, CostStream.emissions_module).
MODULE_BY_CATEGORY: Final = MappingProxyType(
    {
        "replacement": "b4",
        "acquisition": "a1_a3",
        "installation": "a5",
        "end_of_life": "c1_c4",
        "energy": "b6",
        "water_and_resources": "b7",
    }
)
_DEFAULT_MODULE: Final = "b1_b3"
#: Money per occurrence (a stream amount); the label says money per time is possible too.
_STREAM_MONEY: Final = Dimension(
    "money per occurrence (or money per time when every_years = 1)",
    Dimension.MONEY.canonical,
    Dimension.MONEY.example,
    Dimension.MONEY.dims,
    Dimension.MONEY.scale,
)
_EMBODIED: Final = ("a1_a3", "a4", "a5", "c1_c4", "d")
_HFD_2022_41: Final = (
    "refused: a threshold below which further price reductions stop counting is not allowed "
    "(Swedish Supreme Administrative Court, HFD 2022 ref. 41); leave price_threshold unset"
)


def prepare(tender: Tender) -> PreparedTender:
    """Check every field of ``tender`` and convert it to canonical floats.

    Raises :class:`tco.errors.InvalidTender` listing every violation (never only the first).
    """
    return _Preparer(tender).run()


@dataclass(slots=True)
class _Resource:
    """A priced resource while the method is being checked."""

    name: str
    dimension: Dimension
    price: float | None
    escalation: FloatArray | None
    factor: FloatArray | None = None
    basis: str = ""
    source: str = ""


def _readonly(array: FloatArray) -> FloatArray:
    array.setflags(write=False)
    return array


def _fisher(rate: float, inflation: float) -> float:
    """Real rate from a nominal one: (1 + r_real) = (1 + r_nominal) / (1 + inflation).

    Computed as ``(r_nominal - inflation) / (1 + inflation)``, the same identity without the
    cancellation of ``1 + r - 1`` (exact when inflation is 0). Primer: 4.5 % nominal, 2.25049 %
    inflation -> 2.2 % real; 23.6 % nominal, 3 % inflation -> 20 % real.
    """
    return (rate - inflation) / (1.0 + inflation)


class _Preparer:
    """One validation run: checks, converts, collects; :meth:`run` raises or returns."""

    def __init__(self, tender: Tender) -> None:
        self.tender = tender
        self.c = Checker()
        self.currency: str | None = None
        self.rates: dict[str, float] = {}
        self.rates_given: set[str] = set()
        self.n: int | None = None
        self.base_year: int | None = None
        self.inflation: float | None = 0.0
        self.nominal = False
        self.resources: dict[str, _Resource] = {}
        #: Every resource name the method lists, also those whose price was refused.
        self.listed: set[str] = set()
        self.pollutants: dict[str, PreparedPollutantPrice] = {}
        self.model_kind: ModelKind | None = ModelKind.COST
        self.ladder: dict[int, float] = {}

    # ================================================================ orchestration

    def run(self) -> PreparedTender:
        tender = self.tender
        method = tender.method if isinstance(tender, Tender) else None
        if not isinstance(method, Method):
            self.c.fail("method", "required")
            raise InvalidTender(self.c.all_violations())
        prepared_method = self.method(method)
        bids = self.bids(tender.bids)
        self.baseline(method, tender.bids)
        violations = self.c.all_violations()
        if violations or prepared_method is None or bids is None:
            raise InvalidTender(violations or [_internal()])
        return PreparedTender(
            method=prepared_method, bids=tuple(bids), warnings=tuple(self.c.warnings)
        )

    # ================================================================ method

    def method(self, m: Method) -> PreparedMethod | None:
        c = self.c
        code = c.text("method.currency", m.currency, required=True, limit=MAX_ID_LENGTH)
        if code and not currency.is_known(code):
            c.fail(
                "method.currency",
                "expected an ISO 4217 code such as 'SEK' or 'EUR'; known: "
                + ", ".join(currency.KNOWN_CURRENCIES),
            )
        elif code:
            self.currency = code
        self.base_year = c.integer(
            "method.base_year", m.base_year, MIN_BASE_YEAR, MAX_BASE_YEAR, "a calendar year"
        )
        self.n = c.integer(
            "method.study_period_years",
            m.study_period_years,
            1,
            MAX_STUDY_PERIOD,
            "a study period in whole years",
        )
        basis_ok = isinstance(m.rate_basis, RateBasis)
        if not basis_ok:
            c.fail("method.rate_basis", "expected 'real' or 'nominal'")
        self.nominal = m.rate_basis is RateBasis.NOMINAL
        stated = c.rate("method.discount_rate", m.discount_rate, self.n, "discount rate")
        inflation = c.rate("method.inflation_rate", m.inflation_rate, self.n, "inflation rate")
        self.inflation = (inflation if self.nominal else 0.0) if inflation is not None else None
        if self.nominal and inflation == 0.0:
            c.warn(
                "NOMINAL_WITHOUT_INFLATION",
                "nominal analysis with inflation_rate 0: nominal and real rates coincide",
            )
        for path, value in (("discount_rate", stated), ("inflation_rate", inflation)):
            if value is not None and value > PERCENT_WARNING_RATE:
                c.warn(
                    "RATE_LOOKS_LIKE_PERCENT",
                    f"method.{path} is {value:g}, i.e. {value * 100:g} % a year: rates are "
                    "fractions (0.035 = 3.5 %)",
                )
        real_discount = self.real(stated, "method.discount_rate")
        if not isinstance(m.timing, Timing):
            c.fail("method.timing", "expected 'end_of_year', 'mid_year' or 'beginning_of_year'")
        self.exchange_rates(m.exchange_rates)
        self.resource_prices(m)
        self.emission_factors(m)
        carbon = self.carbon_price(m.carbon_price)
        self.pollutant_prices(m)
        model = self.evaluation_model(m.evaluation_model)
        c.text("method.baseline_bid_id", m.baseline_bid_id, required=False, limit=MAX_ID_LENGTH)
        functional_unit = c.text("method.functional_unit", m.functional_unit, required=False)
        if not isinstance(m.include_module_d, bool):
            c.fail("method.include_module_d", "expected true or false")
        resources = self.prepared_resources()
        if (
            self.currency is None
            or self.base_year is None
            or self.n is None
            or stated is None
            or real_discount is None
            or self.inflation is None
            or not basis_ok
            or not isinstance(m.timing, Timing)
            or model is None
            or resources is None
        ):
            return None
        return PreparedMethod(
            currency=self.currency,
            minor_unit_digits=currency.minor_unit_digits(self.currency),
            base_year=self.base_year,
            study_period_years=self.n,
            discount_rate=real_discount,
            stated_discount_rate=stated,
            rate_basis=m.rate_basis,
            inflation_rate=self.inflation,
            timing=m.timing,
            resources=MappingProxyType(resources),
            carbon_price=carbon,
            pollutant_prices=MappingProxyType(dict(self.pollutants)),
            model=model,
            baseline_bid_id=m.baseline_bid_id,
            include_module_d=bool(m.include_module_d),
            functional_unit=functional_unit,
        )

    def real(self, rate: float | None, path: str) -> float | None:
        """The real rate: Fisher in a nominal analysis, the rate itself in a real one."""
        if rate is None or self.inflation is None:
            return None
        if not self.nominal:
            return rate
        real = _fisher(rate, self.inflation)
        if self.n is not None and self.n * abs(math.log1p(real)) > 700.0:
            self.c.fail(path, "the real rate (Fisher) is too close to -1 for the study period")
            return None
        return real

    def years(self) -> np.ndarray | None:
        """Calendar years of the study, base_year .. base_year + N."""
        if self.base_year is None or self.n is None:
            return None
        return np.arange(self.base_year, self.base_year + self.n + 1, dtype=np.int64)

    # ---------------------------------------------------------------- exchange rates

    def exchange_rates(self, rates: object) -> None:
        c = self.c
        if not isinstance(rates, Mapping):
            c.fail("method.exchange_rates", "expected a map from ISO 4217 code to rate")
            return
        if len(rates) > len(currency.KNOWN_CURRENCIES):
            c.fail("method.exchange_rates", "more entries than known currencies")
            return
        for key, value in rates.items():
            path = f"method.exchange_rates[{key}]" if isinstance(key, str) else ""
            if not isinstance(key, str) or not currency.is_known(key):
                c.fail(path or "method.exchange_rates", "keys are ISO 4217 codes such as 'EUR'")
                continue
            self.rates_given.add(key)
            rate = c.number(
                path,
                value,
                minimum=0.0,
                minimum_open=True,
                what=f"units of the method currency per one {key}",
            )
            if rate is None:
                continue
            if key == self.currency and rate != 1.0:
                c.fail(path, "the rate of the method currency itself must be 1")
                continue
            self.rates[key] = rate

    def rate_of(self, path: str, unit: str) -> float | None:
        """Method currency per one unit of ``unit``'s currency (1 for the method currency).

        ``path`` is the money quantity's path; a missing rate is reported at ``{path}.unit``.
        """
        code = units.currency_of(unit)
        if code is None or self.currency is None:
            return None if self.currency is None else 1.0
        if code == self.currency:
            return 1.0
        if code in self.rates:
            return self.rates[code]
        if code not in self.rates_given:  # a given but bad rate is reported at its own path
            self.c.fail(
                f"{path}.unit",
                f"currency {code} has no exchange rate: add method.exchange_rates[{code}] "
                f"({self.currency} per one {code})",
            )
        return None

    def money(
        self,
        path: str,
        quantity: Quantity | None,
        expected: Dimension = Dimension.MONEY,
        *,
        required: bool = False,
        minimum: float | None = None,
        minimum_open: bool = False,
    ) -> float | None:
        """A money amount (or money per X) in the method currency."""
        parts = self.c.parts(path, quantity, expected, required=required)
        if parts is None or quantity is None:
            return None
        value, unit_factor = parts
        rate = self.rate_of(path, quantity.unit)
        if rate is None:
            return None
        return self.c.scaled(path, value, unit_factor * rate, minimum, minimum_open)

    # ---------------------------------------------------------------- resources

    def resource_prices(self, m: Method) -> None:
        c = self.c
        if not self.list_ok("method.resource_prices", m.resource_prices):
            return
        first: dict[str, int] = {}
        for i, rp in enumerate(m.resource_prices):
            path = f"method.resource_prices[{i}]"
            name = c.name(f"{path}.resource", rp.resource, "a resource name")
            if name in first:
                c.fail(
                    f"{path}.resource",
                    f"resource {name!r} is priced twice "
                    f"(also method.resource_prices[{first[name]}])",
                )
                continue
            if name:
                first[name] = i
                self.listed.add(name)
            dimension = self.resource_dimension(f"{path}.price", rp.price)
            price = None
            if dimension is not None:
                price = self.money(
                    f"{path}.price", rp.price, Dimension.MONEY.per(dimension), required=True
                )
            escalation = self.escalation(path, rp.escalation, rp.yearly_escalation)
            if name and dimension is not None:
                self.resources[name] = _Resource(name, dimension, price, escalation)

    def resource_dimension(self, path: str, price: Quantity | None) -> Dimension | None:
        example = Dimension.MONEY.per(Dimension.ENERGY)
        if not self.c.present(path, price, example, required=True) or price is None:
            return None
        if not isinstance(price.unit, str):
            self.c.fail(f"{path}.unit", "expected a unit string")
            return None
        try:
            return units.resource_dimension(price.unit)
        except UnitError as error:
            self.c.fail(f"{path}.unit", str(error))
            return None

    def escalation(
        self, path: str, constant: object, yearly: Sequence[object]
    ) -> FloatArray | None:
        """N real escalation rates: the yearly list (last rate repeated) or the constant."""
        c = self.c
        rate = c.rate(f"{path}.escalation", constant, self.n, "escalation")
        rates: list[float] = []
        ok = rate is not None
        if len(yearly) > MAX_YEARLY_RATES:
            c.fail(f"{path}.yearly_escalation", f"at most {MAX_YEARLY_RATES} rates")
            return None
        for j, value in enumerate(yearly):
            r = c.rate(f"{path}.yearly_escalation[{j}]", value, self.n, "escalation")
            if r is None:
                ok = False
            else:
                rates.append(r)
        if not ok or self.n is None or rate is None:
            return None
        stated = rates or [rate]
        real = [self.real(r, f"{path}.escalation") for r in stated]
        if any(r is None for r in real):
            return None
        values = [r for r in real if r is not None]
        padded = values[: self.n] + [values[-1]] * max(0, self.n - len(values))
        return _readonly(np.array(padded, dtype=np.float64))

    # ---------------------------------------------------------------- emission factors

    def emission_factors(self, m: Method) -> None:
        c = self.c
        if not self.list_ok("method.emission_factors", m.emission_factors):
            return
        first: dict[str, int] = {}
        for i, ef in enumerate(m.emission_factors):
            path = f"method.emission_factors[{i}]"
            name = c.name(f"{path}.resource", ef.resource, "a resource name")
            if name in first:
                c.fail(
                    f"{path}.resource",
                    f"resource {name!r} has two emission factors "
                    f"(also method.emission_factors[{first[name]}])",
                )
                continue
            if name:
                first[name] = i
            resource = self.resources.get(name)
            if name and name not in self.listed:
                c.fail(
                    f"{path}.resource",
                    f"resource {name!r} has no price in method.resource_prices; an emission "
                    "factor needs the price's unit to know the resource's dimension",
                )
            self.emission_factor(path, ef, resource)

    def emission_factor(self, path: str, ef: EmissionFactor, resource: _Resource | None) -> None:
        c = self.c
        expected = Dimension.CO2E.per(resource.dimension) if resource is not None else None
        basis = c.text(f"{path}.basis", ef.basis, required=False)
        value: float | None = None
        source = "method"
        ok = True
        reference_id = c.text(f"{path}.reference_id", ef.reference_id, required=False)
        if reference_id:
            ref = reference.emission_factor_by_id(reference_id)
            if ef.factor is not None:
                c.fail(f"{path}.factor", "give factor or reference_id, not both")
                ok = False
            if ref is None:
                known = ", ".join(f.id for f in reference.emission_factors())
                c.fail(
                    f"{path}.reference_id",
                    f"unknown reference factor {reference_id!r}; known: {known}",
                )
                ok = False
            elif basis and basis != ref.basis:
                c.fail(
                    f"{path}.basis",
                    f"the basis comes from reference factor {ref.id!r} ({ref.basis!r}); "
                    "leave basis empty",
                )
                ok = False
            if ref is not None:
                basis, source = ref.basis, ref.id
            if ref is not None and expected is not None:
                try:
                    value = ref.value * units.factor(ref.unit, expected)
                except UnitError:
                    c.fail(
                        f"{path}.reference_id",
                        f"reference factor {ref.id!r} is in {ref.unit!r}, but resource "
                        f"{resource.name if resource else ''!r} is priced per "
                        f"{expected.label.rsplit(' per ', 1)[-1]}",
                    )
                    ok = False
        else:
            if not basis.strip():
                c.fail(
                    f"{path}.basis",
                    "required: the basis (location / residual mix / market; tank-to-wheel / "
                    "well-to-wheel) can change results six-fold, so it is always recorded",
                )
                ok = False
            if ef.factor is None and not ef.trajectory:
                c.fail(f"{path}.factor", "required: a factor, a reference_id or a trajectory")
                ok = False
            elif ef.factor is not None:
                value = self.co2e_per(f"{path}.factor", ef.factor, expected)
                ok = ok and value is not None
        points = self.trajectory(path, ef, expected)
        if points is None or not ok or resource is None:
            return
        base_year = self.base_year
        if value is not None and base_year is not None and all(y != base_year for y, _ in points):
            points = [(base_year, value), *points]
        years = self.years()
        if years is None or not points:
            return
        values, flat = interpolate_series(points, years)
        if ef.trajectory and flat:
            c.warn(
                "EMISSION_FACTOR_EXTRAPOLATED",
                f"emission factor of {resource.name!r} held flat outside its trajectory in "
                f"{len(flat)} study year(s): {_span(flat)}",
            )
        resource.factor = _readonly(np.asarray(values, dtype=np.float64))
        resource.basis = basis
        resource.source = source

    def co2e_per(self, path: str, quantity: Quantity, expected: Dimension | None) -> float | None:
        """kgCO2e per canonical resource unit, >= 0 (grammar only when the dimension is unknown)."""
        if expected is None:
            if self.c.present(path, quantity, Dimension.CO2E, required=True):
                self.c.number(f"{path}.value", quantity.value, what="a finite number")
                self.c.unit_ok(f"{path}.unit", quantity.unit)
            return None
        return self.c.quantity(path, quantity, expected, required=True, minimum=0.0)

    def trajectory(
        self, path: str, ef: EmissionFactor, expected: Dimension | None
    ) -> list[tuple[int, float]] | None:
        c = self.c
        if not self.list_ok(f"{path}.trajectory", ef.trajectory):
            return None
        points: list[tuple[int, float]] = []
        seen: dict[int, int] = {}
        ok = True
        for j, point in enumerate(ef.trajectory):
            p = f"{path}.trajectory[{j}]"
            year = c.integer(
                f"{p}.year", point.year, MIN_BASE_YEAR, MAX_BASE_YEAR, "a calendar year"
            )
            if year is not None and year in seen:
                c.fail(
                    f"{p}.year",
                    f"year {year} is given twice (also {path}.trajectory[{seen[year]}])",
                )
                year = None
            if year is not None:
                seen[year] = j
            value = (
                self.co2e_per(f"{p}.factor", point.factor, expected)
                if point.factor is not None
                else None
            )
            if point.factor is None:
                c.fail(f"{p}.factor", "required: climate impact per unit of resource")
            if year is None or value is None:
                ok = False
                continue
            points.append((year, value))
        return points if ok else None

    def prepared_resources(self) -> dict[str, PreparedResource] | None:
        if self.n is None:
            return None
        prepared: dict[str, PreparedResource] = {}
        for name, r in self.resources.items():
            if r.price is None or r.escalation is None:
                return None
            factor = r.factor
            if factor is None:
                factor = _readonly(np.zeros(self.n + 1, dtype=np.float64))
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

    # ---------------------------------------------------------------- carbon price

    def carbon_price(self, cp: CarbonPrice | None) -> PreparedCarbonPrice | None:
        c = self.c
        if cp is None:
            return None
        path = "method.carbon_price"
        if not isinstance(cp, CarbonPrice):
            c.fail(path, "expected a carbon price")
            return None
        if not isinstance(cp.undiscounted, bool):
            c.fail(f"{path}.undiscounted", "expected true or false")
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
            c.fail(path, f"set exactly one of series_id, price or points; got {got}")
            return None
        years = self.years()
        if cp.series_id:
            return self.carbon_series(path, cp, years)
        if cp.price is not None:
            price = self.money(
                f"{path}.price", cp.price, Dimension.MONEY_PER_CO2E, required=True, minimum=0.0
            )
            if price is None or years is None:
                return None
            return PreparedCarbonPrice(
                price_per_kg=_readonly(np.full(len(years), price, dtype=np.float64)),
                undiscounted=bool(cp.undiscounted),
                source="constant",
                extrapolated_years=(),
                price_base_year=0,
            )
        return self.carbon_points(path, cp, years)

    def carbon_series(
        self, path: str, cp: CarbonPrice, years: np.ndarray | None
    ) -> PreparedCarbonPrice | None:
        c = self.c
        series_id = c.text(f"{path}.series_id", cp.series_id, required=True, limit=MAX_ID_LENGTH)
        series = reference.carbon_price_series_by_id(series_id) if series_id else None
        if series is None:
            if series_id:
                known = ", ".join(s.id for s in reference.carbon_price_series())
                c.fail(f"{path}.series_id", f"unknown series {series_id!r}; known: {known}")
            return None
        rate: float | None = 1.0
        if self.currency is None:
            rate = None
        elif series.currency != self.currency:
            rate = self.rates.get(series.currency)
            if rate is None and series.currency not in self.rates_given:
                c.fail(
                    f"{path}.series_id",
                    f"series {series.id!r} is in {series.currency}; method.exchange_rates has "
                    f"no rate for {series.currency}",
                )
        if series.kind == "market price":
            c.warn(
                "CARBON_PRICE_IS_MARKET_PRICE",
                f"carbon price series {series.id!r} is a market price, not a social value of "
                "emissions",
            )
        if rate is None or years is None:
            return None
        per_kg = units.factor(series.unit, Dimension.MONEY_PER_CO2E) * rate
        if series.constant:
            point = series.points[0]
            values = np.full(len(years), point.value * per_kg, dtype=np.float64)
            flat = tuple(int(y) for y in years if y < point.year)
        else:
            values, flat = interpolate_series(
                [(p.year, p.value * per_kg) for p in series.points], years
            )
        return PreparedCarbonPrice(
            price_per_kg=_readonly(np.asarray(values, dtype=np.float64)),
            undiscounted=bool(cp.undiscounted),
            source=f"series:{series.id}",
            extrapolated_years=flat,
            price_base_year=series.price_base_year,
        )

    def carbon_points(
        self, path: str, cp: CarbonPrice, years: np.ndarray | None
    ) -> PreparedCarbonPrice | None:
        c = self.c
        if not self.list_ok(f"{path}.points", cp.points):
            return None
        points: list[tuple[int, float]] = []
        seen: dict[int, int] = {}
        ok = True
        for j, point in enumerate(cp.points):
            p = f"{path}.points[{j}]"
            year = c.integer(
                f"{p}.year", point.year, MIN_BASE_YEAR, MAX_BASE_YEAR, "a calendar year"
            )
            if year is not None and year in seen:
                c.fail(
                    f"{p}.year", f"year {year} is given twice (also {path}.points[{seen[year]}])"
                )
                year = None
            if year is not None:
                seen[year] = j
            price = self.money(
                f"{p}.price", point.price, Dimension.MONEY_PER_CO2E, required=True, minimum=0.0
            )
            if year is None or price is None:
                ok = False
                continue
            points.append((year, price))
        if not ok or years is None:
            return None
        values, flat = interpolate_series(points, years)
        return PreparedCarbonPrice(
            price_per_kg=_readonly(np.asarray(values, dtype=np.float64)),
            undiscounted=bool(cp.undiscounted),
            source="points",
            extrapolated_years=flat,
            price_base_year=0,
        )

    # ---------------------------------------------------------------- pollutants, model

    def pollutant_prices(self, m: Method) -> None:
        c = self.c
        if not self.list_ok("method.pollutant_prices", m.pollutant_prices):
            return
        first: dict[str, int] = {}
        for i, pp in enumerate(m.pollutant_prices):
            path = f"method.pollutant_prices[{i}]"
            name = c.name(f"{path}.pollutant", pp.pollutant, "a pollutant name")
            if name in first:
                c.fail(
                    f"{path}.pollutant",
                    f"pollutant {name!r} is priced twice "
                    f"(also method.pollutant_prices[{first[name]}])",
                )
                continue
            if name:
                first[name] = i
            if not isinstance(pp.undiscounted, bool):
                c.fail(f"{path}.undiscounted", "expected true or false")
            price = self.money(
                f"{path}.price", pp.price, Dimension.MONEY_PER_MASS, required=True, minimum=0.0
            )
            if name and price is not None:
                self.pollutants[name] = PreparedPollutantPrice(name, price, bool(pp.undiscounted))

    def evaluation_model(self, em: EvaluationModel) -> PreparedModel | None:
        c = self.c
        path = "method.evaluation_model"
        if not isinstance(em, EvaluationModel):
            c.fail(path, "expected an evaluation model")
            self.model_kind = None
            return None
        kind = em.kind if isinstance(em.kind, ModelKind) else None
        if kind is None:
            c.fail(f"{path}.kind", "expected one of " + ", ".join(k.value for k in ModelKind))
        self.model_kind = kind
        if em.price_threshold is not None:
            c.fail(f"{path}.price_threshold", _HFD_2022_41)
        factor = c.number(
            f"{path}.externality_factor",
            em.externality_factor,
            minimum=0.0,
            what="a factor on monetised externalities",
        )
        ladder: dict[int, float] = {}
        ok = factor is not None and self.list_ok(f"{path}.ladder", em.ladder)
        if ok:
            seen: dict[int, int] = {}
            for j, step in enumerate(em.ladder):
                p = f"{path}.ladder[{j}]"
                level = c.integer(f"{p}.level", step.level, 1, 1_000_000, "a ladder level")
                if level is not None and level in seen:
                    c.fail(
                        f"{p}.level",
                        f"level {level} is given twice (also {path}.ladder[{seen[level]}])",
                    )
                    level = None
                discount = c.number(
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
        if kind is ModelKind.FICTIVE_DISCOUNT and not em.ladder:
            c.fail(f"{path}.ladder", "required for the fictive discount model: level -> discount")
            ok = False
        self.ladder = ladder
        if not ok or kind is None or factor is None:
            return None
        return PreparedModel(kind=kind, ladder=MappingProxyType(ladder), externality_factor=factor)

    def list_ok(self, path: str, values: object) -> bool:
        """A repeated field: a sequence of at most :data:`MAX_LIST` entries."""
        if not isinstance(values, (tuple, list)):
            self.c.fail(path, "expected a list")
            return False
        if len(values) > MAX_LIST:
            self.c.fail(path, f"at most {MAX_LIST} entries")
            return False
        return True

    # ================================================================ bids

    def bids(self, bids: object) -> list[PreparedBid] | None:
        c = self.c
        if not isinstance(bids, (tuple, list)):
            c.fail("bids", "expected a list of bids")
            return None
        if not bids:
            c.fail("bids", "at least one bid is required")
            return None
        if len(bids) > MAX_BIDS:
            c.fail("bids", f"at most {MAX_BIDS} bids")
            return None
        total_items = sum(len(b.items) for b in bids if isinstance(b, Bid))
        if total_items > MAX_TOTAL_ITEMS:
            c.fail("bids", f"at most {MAX_TOTAL_ITEMS} items over all bids")
            return None
        first: dict[str, int] = {}
        prepared: list[PreparedBid] = []
        ok = True
        for i, bid in enumerate(bids):
            if not isinstance(bid, Bid):
                c.fail(f"bids[{i}]", "expected a bid")
                ok = False
                continue
            bid_id = c.text(f"bids[{i}].id", bid.id, required=True, limit=MAX_ID_LENGTH)
            if bid_id in first:
                c.fail(f"bids[{i}].id", f"duplicate bid id (same as bids[{first[bid_id]}].id)")
            elif bid_id:
                first[bid_id] = i
            result = self.bid(f"bids[{i}]", bid, bid_id)
            if result is None:
                ok = False
            else:
                prepared.append(result)
        return prepared if ok else None

    def bid(self, path: str, bid: Bid, bid_id: str) -> PreparedBid | None:
        c = self.c
        supplier = c.text(f"{path}.supplier", bid.supplier, required=False)
        items: list[PreparedItem] = []
        ok = self.list_ok(f"{path}.items", bid.items)
        if ok:
            for j, item in enumerate(bid.items):
                prepared_item = self.item(f"{path}.items[{j}]", item, bid_id)
                if prepared_item is None:
                    ok = False
                else:
                    items.append(prepared_item)
        costs = self.streams(f"{path}.costs", bid.costs)
        deductions = self.deductions(f"{path}.deductions", bid.deductions)
        level = c.integer(f"{path}.ladder_level", bid.ladder_level, 0, 1_000_000, "a ladder level")
        if (
            level
            and self.model_kind is ModelKind.FICTIVE_DISCOUNT
            and self.ladder
            and level not in self.ladder
        ):
            levels = ", ".join(str(k) for k in sorted(self.ladder))
            c.fail(f"{path}.ladder_level", f"not on the method's ladder (levels: {levels})")
            level = None
        circularity = None
        if bid.circularity is not None:
            circularity = self.circularity(f"{path}.circularity", bid.circularity)
            ok = ok and circularity is not None
        delivered = c.number(
            f"{path}.functional_units_delivered",
            bid.functional_units_delivered,
            minimum=0.0,
            maximum=MAX_QUANTITY,
            what="a count of functional units",
        )
        if delivered is not None and 0.0 < delivered < MIN_FUNCTIONAL_UNITS:
            # the cost per unit would overflow (bug: 1e-281 units gave an infinite cost per unit)
            c.fail(
                f"{path}.functional_units_delivered",
                f"expected 0 (none stated) or at least {MIN_FUNCTIONAL_UNITS:g} functional units; "
                "state the functional unit in a smaller unit",
            )
            delivered = None
        if not ok or costs is None or deductions is None or level is None or delivered is None:
            return None
        return PreparedBid(
            id=bid_id,
            supplier=supplier,
            items=tuple(items),
            costs=costs,
            deductions=deductions,
            ladder_level=level,
            circularity=circularity,
            functional_units_delivered=delivered,
        )

    def item(self, path: str, item: Item, bid_id: str) -> PreparedItem | None:
        c = self.c
        if not isinstance(item, Item):
            c.fail(path, "expected an item")
            return None
        name = c.text(f"{path}.name", item.name, required=False)
        quantity = c.number(
            f"{path}.quantity",
            item.quantity,
            minimum=0.0,
            minimum_open=True,
            maximum=MAX_QUANTITY,
            what="a number of units",
        )
        money = Dimension.MONEY
        unit_price = self.money(f"{path}.unit_price", item.unit_price, money, minimum=0.0)
        installation = self.money(
            f"{path}.installation_cost", item.installation_cost, money, minimum=0.0
        )
        life_ok, life = self.life(f"{path}.service_life", item.service_life)
        uses = self.resource_uses(f"{path}.resource_use", item.resource_use, bid_id)
        maintenance = self.money(
            f"{path}.maintenance_cost",
            item.maintenance_cost,
            Dimension.MONEY_PER_TIME,
            minimum=0.0,
        )
        warranty = c.quantity(
            f"{path}.warranty", item.warranty, Dimension.TIME, required=False, minimum=0.0
        )
        end_of_life = self.money(f"{path}.end_of_life_cost", item.end_of_life_cost, money)
        residual = self.money(f"{path}.residual_value", item.residual_value, money, minimum=0.0)
        emissions = self.embodied(f"{path}.emissions", item)
        costs = self.streams(f"{path}.costs", item.costs)
        pollutants = self.pollutant_emissions(
            f"{path}.pollutant_emissions", item.pollutant_emissions
        )
        values_ok = all(
            bad is None or q is not None
            for bad, q in (
                (item.unit_price, unit_price),
                (item.installation_cost, installation),
                (item.maintenance_cost, maintenance),
                (item.warranty, warranty),
                (item.end_of_life_cost, end_of_life),
                (item.residual_value, residual),
            )
        )
        if (
            quantity is None
            or not values_ok
            or not life_ok
            or uses is None
            or emissions is None
            or costs is None
            or pollutants is None
        ):
            return None
        return PreparedItem(
            name=name,
            quantity=quantity,
            unit_price=unit_price or 0.0,
            installation_cost=installation or 0.0,
            service_life=life,
            resource_use=uses,
            maintenance_per_year=maintenance or 0.0,
            warranty_years=warranty or 0.0,
            end_of_life_cost=end_of_life or 0.0,
            residual_value=residual,
            emissions=MappingProxyType(emissions),
            costs=costs,
            pollutant_emissions=pollutants,
        )

    def life(self, path: str, quantity: Quantity | None) -> tuple[bool, float | None]:
        """(ok, years > 0 or None when absent); at most MAX_REPLACEMENTS in the study period."""
        if quantity is None:
            return True, None
        years = self.c.quantity(
            path, quantity, Dimension.TIME, required=False, minimum=0.0, minimum_open=True
        )
        if years is None:
            return False, None
        # bug 6 of tests/fuzz/test_regressions.py, fixed here as in tco.validate
        if years == 0.0 or (self.n is not None and self.n / years > MAX_REPLACEMENTS):
            self.c.fail(
                f"{path}.value",
                f"too short: more than {MAX_REPLACEMENTS} replacements in the study period",
            )
            return False, None
        return True, years

    def resource_uses(
        self, path: str, uses: Sequence[object], bid_id: str
    ) -> tuple[PreparedResourceUse, ...] | None:
        c = self.c
        if not self.list_ok(path, uses):
            return None
        prepared: list[PreparedResourceUse] = []
        ok = True
        priced = ", ".join(self.resources) or "none"
        for k, use in enumerate(uses):
            p = f"{path}[{k}]"
            resource_name = getattr(use, "resource", None)
            name = c.text(f"{p}.resource", resource_name, required=True, limit=MAX_ID_LENGTH)
            resource = self.resources.get(name)
            if name and name not in self.listed:
                c.fail(
                    f"{p}.resource",
                    f"resource is not priced in method.resource_prices (priced: {priced})",
                )
            expected = resource.dimension.per(Dimension.TIME) if resource is not None else None
            amount = self.per_year(
                p, getattr(use, "amount", None), getattr(use, "activity", None), expected
            )
            if resource is None or amount is None:
                ok = False
                continue
            if resource.factor is None:
                c.warn(
                    "NO_EMISSION_FACTOR",
                    f"resource {resource.name!r} has no emission factor in the method: its "
                    "emissions count as zero",
                    bid_id,
                )
            prepared.append(PreparedResourceUse(resource.name, amount))
        return tuple(prepared) if ok else None

    def per_year(
        self,
        path: str,
        amount: Quantity | None,
        activity: Quantity | None,
        expected: Dimension | None,
    ) -> float | None:
        """Amount per year, or amount x activity per year, in canonical units, >= 0."""
        c = self.c
        label = expected or Dimension.ENERGY.per(Dimension.TIME)
        if not c.present(f"{path}.amount", amount, label, required=True) or amount is None:
            return None
        value = c.number(f"{path}.amount.value", amount.value, what="a finite number")
        unit_ok = c.unit_ok(f"{path}.amount.unit", amount.unit)
        if value is not None and value < 0:
            c.fail(f"{path}.amount.value", "expected >= 0")
            value = None
        times = 1.0
        unit_factor: float | None = None
        if activity is not None:
            if not c.present(f"{path}.activity", activity, label, required=False):
                return None
            times_value = c.number(
                f"{path}.activity.value",
                activity.value,
                minimum=0.0,
                what="a finite number >= 0",
            )
            activity_ok = c.unit_ok(f"{path}.activity.unit", activity.unit)
            if times_value is None or not activity_ok or not unit_ok or expected is None:
                return None
            times = times_value
            try:
                unit_factor = units.product_factor(amount.unit, activity.unit, expected)
            except UnitError as error:
                c.fail(f"{path}.amount.unit", str(error))
                return None
        elif unit_ok and expected is not None:
            unit_factor = c.unit_factor(f"{path}.amount.unit", amount.unit, expected)
        if value is None or unit_factor is None:
            return None
        return c.scaled(f"{path}.amount", value * times, unit_factor)

    def pollutant_emissions(
        self, path: str, emissions: Sequence[object]
    ) -> tuple[PreparedPollutantEmission, ...] | None:
        c = self.c
        if not self.list_ok(path, emissions):
            return None
        prepared: list[PreparedPollutantEmission] = []
        ok = True
        priced = ", ".join(self.pollutants) or "none"
        for k, emission in enumerate(emissions):
            p = f"{path}[{k}]"
            name = c.text(
                f"{p}.pollutant",
                getattr(emission, "pollutant", None),
                required=True,
                limit=MAX_ID_LENGTH,
            )
            if name and name not in self.pollutants:
                c.fail(
                    f"{p}.pollutant",
                    f"pollutant is not priced in method.pollutant_prices (priced: {priced})",
                )
                ok = False
            kg = self.per_year(
                p,
                getattr(emission, "amount", None),
                getattr(emission, "activity", None),
                Dimension.MASS_PER_TIME,
            )
            if kg is None or not name or name not in self.pollutants:
                ok = False
                continue
            prepared.append(PreparedPollutantEmission(name, kg))
        return tuple(prepared) if ok else None

    def embodied(self, path: str, item: Item) -> dict[str, float] | None:
        emissions = item.emissions
        result: dict[str, float] = dict.fromkeys(_EMBODIED, 0.0)
        ok = True
        for module in _EMBODIED:
            quantity = getattr(emissions, module, None)
            if quantity is None:
                continue
            kg = self.c.quantity(
                f"{path}.{module}",
                quantity,
                Dimension.CO2E,
                required=False,
                minimum=None if module == "d" else 0.0,
            )
            if kg is None:
                ok = False
            else:
                result[module] = kg
        return result if ok else None

    def streams(self, path: str, streams: Sequence[object]) -> tuple[PreparedStream, ...] | None:
        if not self.list_ok(path, streams):
            return None
        prepared: list[PreparedStream] = []
        ok = True
        for k, stream in enumerate(streams):
            result = self.stream(f"{path}[{k}]", stream)
            if result is None:
                ok = False
            else:
                prepared.append(result)
        return tuple(prepared) if ok else None

    def stream(self, path: str, s: object) -> PreparedStream | None:
        c = self.c
        if not isinstance(s, CostStream):
            c.fail(path, "expected a cost stream")
            return None
        name = c.text(f"{path}.name", s.name, required=False)
        category = c.text(f"{path}.category", s.category, required=False, limit=64) or "other"
        if category not in CATEGORIES:
            c.fail(f"{path}.category", "unknown category; allowed: " + ", ".join(CATEGORIES))
            category = ""
        n = self.n if self.n is not None else MAX_STUDY_PERIOD
        first = c.integer(f"{path}.first_year", s.first_year, 0, n, "a study year")
        every = c.integer(
            f"{path}.every_years", s.every_years, 0, 1_000_000, "a recurrence in years"
        )
        last = c.integer(f"{path}.last_year", s.last_year, 0, n, "a study year (0 = the end)")
        if last and first is not None and last < first:
            c.fail(f"{path}.last_year", "must be >= first_year (or 0 for the end of the study)")
            last = None
        amount = self.stream_amount(f"{path}.amount", s.amount, every)
        escalation = c.rate(f"{path}.escalation", s.escalation, self.n, "escalation")
        real_escalation = self.real(escalation, f"{path}.escalation")
        life_ok, life = self.life(f"{path}.life", s.life)
        module = c.text(f"{path}.emissions_module", s.emissions_module, required=False, limit=64)
        if module and module not in MODULES:
            c.fail(f"{path}.emissions_module", "unknown module; allowed: " + ", ".join(MODULES))
            module = "?"
        kg: float | None = 0.0
        if s.emissions is not None:
            kg = c.quantity(f"{path}.emissions", s.emissions, Dimension.CO2E, required=False)
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
            or self.n is None
        ):
            return None
        return PreparedStream(
            name=name,
            category=category,
            amount=amount,
            first_year=first,
            every_years=every,
            last_year=last or self.n,
            escalation=real_escalation,
            life=life,
            emissions=kg,
            emissions_module=module or MODULE_BY_CATEGORY.get(category, _DEFAULT_MODULE),
        )

    def stream_amount(self, path: str, amount: Quantity | None, every: int | None) -> float | None:
        """Money per occurrence; money per time only for a yearly stream (converted per year)."""
        if amount is None:
            return 0.0
        if not self.c.present(path, amount, Dimension.MONEY, required=False):
            return None
        unit = amount.unit
        if isinstance(unit, str) and _fits(unit, Dimension.MONEY_PER_TIME):
            if every != 1:
                if every is not None:
                    self.c.fail(
                        f"{path}.unit",
                        "money per time is only for a yearly stream (every_years = 1); "
                        "give money per occurrence such as 'SEK'",
                    )
                return None
            return self.money(path, amount, Dimension.MONEY_PER_TIME)
        return self.money(path, amount, _STREAM_MONEY)

    def deductions(
        self, path: str, deductions: Sequence[object]
    ) -> tuple[PreparedDeduction, ...] | None:
        if not self.list_ok(path, deductions):
            return None
        prepared: list[PreparedDeduction] = []
        ok = True
        for k, deduction in enumerate(deductions):
            p = f"{path}[{k}]"
            criterion = self.c.text(
                f"{p}.criterion", getattr(deduction, "criterion", None), required=False
            )
            amount = self.money(
                f"{p}.amount", getattr(deduction, "amount", None), required=True, minimum=0.0
            )
            if amount is None:
                ok = False
                continue
            prepared.append(PreparedDeduction(criterion, amount))
        return tuple(prepared) if ok else None

    def circularity(self, path: str, ci: Circularity) -> PreparedCircularity | None:
        c = self.c
        if not isinstance(ci, Circularity):
            c.fail(path, "expected circularity data")
            return None
        mass = c.quantity(
            f"{path}.mass", ci.mass, Dimension.MASS, required=True, minimum=0.0, minimum_open=True
        )
        if mass == 0.0:  # bug 6 of tests/fuzz/test_regressions.py, fixed as in tco.validate
            c.fail(f"{path}.mass.value", "expected a mass greater than 0 kg once converted")
            mass = None
        names = (
            "recycled_input",
            "reused_input",
            "sustainable_bio_input",
            "collected_for_recycling",
            "collected_for_reuse",
            "collected_for_composting",
            "collected_for_energy_recovery",
            "recycling_efficiency_collection",
            "recycling_efficiency_feedstock",
        )
        f: dict[str, float | None] = {
            name: c.number(
                f"{path}.{name}",
                getattr(ci, name),
                minimum=0.0,
                maximum=1.0,
                what="a fraction from 0 to 1",
            )
            for name in names
        }
        ratios: dict[str, float | None] = {
            name: c.number(f"{path}.{name}", getattr(ci, name), minimum=0.0, what="a ratio >= 0")
            for name in ("lifetime_ratio", "use_intensity_ratio")
        }
        # X = (L/L_av)(U/U_av) divides in F(X) = 0.9/X: tiny ratios (even subnormal ones, whose
        # product underflows to 0) must not reach it. 0 means "not stated" and is taken as 1.
        for name, ratio in ratios.items():
            if ratio and not MIN_CIRCULARITY_RATIO <= ratio <= MAX_CIRCULARITY_RATIO:
                c.fail(
                    f"{path}.{name}",
                    f"expected 0 (not stated: taken as 1) or a ratio from "
                    f"{MIN_CIRCULARITY_RATIO:g} to {MAX_CIRCULARITY_RATIO:g}, got {ratio!r}",
                )
                ratios[name] = None
        if any(v is None for v in f.values()) or any(v is None for v in ratios.values()):
            return None
        v = {k: x or 0.0 for k, x in f.items()}
        ok = mass is not None
        tolerance = 1e-9
        if v["recycled_input"] + v["reused_input"] + v["sustainable_bio_input"] > 1 + tolerance:
            c.fail(f"{path}.recycled_input", "input fractions (recycled + reused + bio) exceed 1")
            ok = False
        collected = sum(v[k] for k in names[3:7])
        if collected > 1 + tolerance:
            c.fail(f"{path}.collected_for_recycling", "collection fractions together exceed 1")
            ok = False
        for efficiency, used_by in (
            ("recycling_efficiency_collection", "collected_for_recycling"),
            ("recycling_efficiency_feedstock", "recycled_input"),
        ):
            if v[used_by] > 0 and v[efficiency] <= 0:
                c.fail(f"{path}.{efficiency}", f"expected > 0 when {used_by} is > 0")
                ok = False
        if not ok or mass is None:
            return None
        return PreparedCircularity(
            mass_kg=mass,
            recycled_input=v["recycled_input"],
            reused_input=v["reused_input"],
            sustainable_bio_input=v["sustainable_bio_input"],
            collected_for_recycling=v["collected_for_recycling"],
            collected_for_reuse=v["collected_for_reuse"],
            collected_for_composting=v["collected_for_composting"],
            collected_for_energy_recovery=v["collected_for_energy_recovery"],
            recycling_efficiency_collection=v["recycling_efficiency_collection"],
            recycling_efficiency_feedstock=v["recycling_efficiency_feedstock"],
            lifetime_ratio=ratios["lifetime_ratio"] or 1.0,
            use_intensity_ratio=ratios["use_intensity_ratio"] or 1.0,
        )

    # ================================================================ cross-checks

    def baseline(self, m: Method, bids: object) -> None:
        baseline = m.baseline_bid_id
        if not isinstance(baseline, str) or not baseline or not isinstance(bids, (tuple, list)):
            return
        if not any(isinstance(b, Bid) and b.id == baseline for b in bids):
            self.c.fail("method.baseline_bid_id", "names no bid of the request")


def _span(years: Sequence[int]) -> str:
    """``(2036, 2037, 2038)`` -> ``"2036-2038"``; one year alone -> ``"2039"``."""
    first, last = min(years), max(years)
    return str(first) if first == last else f"{first}-{last}"


def _fits(unit: str, dimension: Dimension) -> bool:
    try:
        units.factor(unit, dimension)
    except UnitError:
        return False
    return True


def _internal() -> FieldViolation:  # pragma: no cover - every None records a violation first
    return FieldViolation("", "internal: validation failed without a recorded violation")
