"""Reference data the engine ships with: carbon prices, emission factors, CVD values, price indices.

Reference data is data: the values live in versioned JSON files next to this module
(``carbon_prices.json``, ``emission_factors.json``, ``clean_vehicles.json``,
``price_indices.json``), each value with its source and price-base year or period. They are loaded
once (on first use), checked (unit strings through :mod:`tco.units`, unique ids, one
``data_version`` across the files) and exposed read-only as frozen dataclasses, ordered by id.

A method refers to a series by ``CarbonPrice.series_id`` (e.g. ``"asek-7.0"``) and to a factor by
``EmissionFactor.reference_id`` (e.g. ``"nordic-mix-2021-2023"``).

>>> carbon_price_series_by_id("asek-7.0").points[0].value
7.0
>>> emission_factor_by_id("nordic-mix-2021-2023").unit
'kgCO2e/kWh'

Annual price indices (one per currency) re-base money values between price years; the arithmetic
is :func:`tco.price_base.rebase`:

>>> price_index("SEK").level(2017)
322.11
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, fields
from importlib import resources
from typing import Any, Final, TypeVar, cast

from tco import units
from tco.errors import UnitError
from tco.units import Dimension

__all__ = [
    "DATA_VERSION",
    "CarbonPriceSeries",
    "EnergyContent",
    "IndexValue",
    "LifetimeKm",
    "PollutantPrice",
    "PriceIndex",
    "ReferenceEmissionFactor",
    "SeriesPoint",
    "carbon_price_series",
    "carbon_price_series_by_id",
    "emission_factor_by_id",
    "emission_factors",
    "energy_contents",
    "lifetime_km",
    "pollutant_prices",
    "price_index",
    "price_index_not_vendored",
    "price_indices",
]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class SeriesPoint:
    """One point of a series: calendar year (0 = no year stated) and value in the series' unit."""

    year: int
    value: float


@dataclass(frozen=True, slots=True)
class CarbonPriceSeries:
    """A named, sourced carbon price series (money per CO2e mass)."""

    id: str
    name: str
    #: What kind of value: social value, shadow cost, market price ...
    kind: str
    #: ISO 4217 code of the values.
    currency: str
    #: Unit of every point, e.g. "EUR/tCO2e".
    unit: str
    #: The year whose price level the values are in; 0 when the publisher states none (the
    #: data file says ``null`` and :attr:`price_base_note` says so). 0 is the wire's "unknown";
    #: code asks :attr:`price_base`, which is ``None`` then.
    price_base_year: int
    #: One value without a time path, applying to every year from its point's year.
    constant: bool
    #: Points by calendar year, ascending.
    points: tuple[SeriesPoint, ...]
    source: str
    notes: str
    #: Where the price-base year comes from, or why it is unknown.
    price_base_note: str = ""

    @property
    def price_base(self) -> int | None:
        """The price-base year, or None when the publisher states none (explicitly unknown)."""
        return self.price_base_year or None


@dataclass(frozen=True, slots=True)
class ReferenceEmissionFactor:
    """A named, sourced emission factor (climate impact per unit of resource)."""

    id: str
    resource: str
    value: float
    #: e.g. "kgCO2e/kWh".
    unit: str
    #: Location / residual mix / market; tank-to-wheel / well-to-wheel.
    basis: str
    source: str
    #: Years the value describes, e.g. "2021-2023"; "" when not recorded.
    period: str
    notes: str


@dataclass(frozen=True, slots=True)
class EnergyContent:
    """Energy content of a fuel (Clean Vehicles Directive Annex, Table 1)."""

    id: str
    fuel: str
    value: float
    #: "MJ/l" or "MJ/Nm3".
    unit: str
    source: str


@dataclass(frozen=True, slots=True)
class PollutantPrice:
    """Money price of a pollutant (Clean Vehicles Directive Annex, Table 2)."""

    id: str
    pollutant: str
    value: float
    #: e.g. "EUR/g".
    unit: str
    price_base_year: int
    source: str


@dataclass(frozen=True, slots=True)
class LifetimeKm:
    """Lifetime distance of a vehicle class (Clean Vehicles Directive Annex, Table 3)."""

    vehicle: str
    km: float
    description: str
    source: str


@dataclass(frozen=True, slots=True)
class IndexValue:
    """One annual value of a price index, with where it comes from."""

    year: int
    value: float
    #: Citation of the value's source (resolved from the index's source ids).
    source: str
    #: ISO date the value was retrieved, e.g. "2026-12-07".
    retrieved: str


@dataclass(frozen=True, slots=True)
class PriceIndex:
    """An annual price index of one currency (consecutive years, ascending, all positive)."""

    currency: str
    #: e.g. "Konsumentprisindex (KPI), fastställda tal, årsmedeltal".
    name: str
    #: What the index covers, e.g. "Euro area (Eurostat geo code EA), all items".
    aggregate: str
    #: Reference base, e.g. "1980=100" (only ratios are used, so the base never matters).
    base: str
    publisher: str
    #: Table / dataset / series identifier of the index.
    citation: str
    notes: str
    values: tuple[IndexValue, ...]

    @property
    def first_year(self) -> int:
        """The first year with a published value."""
        return self.values[0].year

    @property
    def last_year(self) -> int:
        """The last year with a published value (later years are not published yet)."""
        return self.values[-1].year

    def level(self, year: int) -> float | None:
        """The index value of ``year``, or None outside ``first_year..last_year``."""
        if not self.first_year <= year <= self.last_year:
            return None
        return self.values[year - self.first_year].value


@dataclass(frozen=True, slots=True)
class _Data:
    data_version: str
    series: tuple[CarbonPriceSeries, ...]
    factors: tuple[ReferenceEmissionFactor, ...]
    energy_contents: tuple[EnergyContent, ...]
    pollutant_prices: tuple[PollutantPrice, ...]
    lifetime_km: tuple[LifetimeKm, ...]
    price_indices: tuple[PriceIndex, ...]
    #: Currency -> why no index is vendored for it.
    not_vendored: tuple[tuple[str, str], ...]


def _read(name: str) -> dict[str, Any]:
    text = resources.files("tco.reference").joinpath(name).read_text(encoding="utf-8")
    data = json.loads(text)
    if not isinstance(data, dict):  # pragma: no cover - shipped files are objects
        raise ValueError(f"{name}: expected a JSON object")
    return data


def _record(cls: Callable[..., T], raw: dict[str, Any], **given: Any) -> T:
    """A reference record from a JSON object: each field not ``given`` is ``raw[field]``
    converted by its annotated type (str, float or int).

    Example: ``_record(LifetimeKm, {"vehicle": "bus", "km": 8e5, ...})`` is a :class:`LifetimeKm`.
    """
    convert = {"str": str, "float": float, "int": int}
    read = (f for f in fields(cast(Any, cls)) if f.name not in given)
    return cls(**{f.name: convert[str(f.type)](raw[f.name]) for f in read}, **given)


def _unique(ids: list[str], what: str) -> None:
    if len(set(ids)) != len(ids):
        raise ValueError(f"duplicate {what} id in reference data")


def _series(raw: dict[str, Any]) -> CarbonPriceSeries:
    unit = str(raw["unit"])
    units.factor(unit, Dimension.MONEY_PER_CO2E)  # checked at load: a bad file fails loudly
    if units.currency_of(unit) != raw["currency"]:
        raise ValueError(f"series {raw['id']}: unit {unit!r} is not in {raw['currency']}")
    points = tuple(
        SeriesPoint(int(p["year"]), float(p["value"]))
        for p in sorted(raw["points"], key=lambda p: int(p["year"]))
    )
    if not points or (raw["constant"] and len(points) != 1):
        raise ValueError(f"series {raw['id']}: a constant series has exactly one point")
    return _record(
        CarbonPriceSeries,
        raw,
        price_base_year=_price_base_year(raw),
        constant=bool(raw["constant"]),
        points=points,
        price_base_note=str(raw.get("price_base_note", "")),
    )


def _price_base_year(raw: dict[str, Any]) -> int:
    """A series' price-base year: ``null`` in the file (explicitly unknown, with a note) -> 0."""
    year = raw["price_base_year"]
    if year is None:
        if not str(raw.get("price_base_note", "")).strip():
            raise ValueError(f"series {raw['id']}: an unknown price-base year needs a note")
        return 0
    if isinstance(year, bool) or not isinstance(year, int) or year < 1900:
        raise ValueError(
            f"series {raw['id']}: price_base_year {year!r} is not a year (null: unknown)"
        )
    return year


def _price_index(raw: dict[str, Any]) -> PriceIndex:
    """One index of ``price_indices.json``, checked: sourced, dated, consecutive years, positive."""
    currency = str(raw["currency"])
    sources = {str(k): str(v) for k, v in raw["sources"].items()}
    values: list[IndexValue] = []
    for item in raw["values"]:
        year, value = int(item["year"]), float(item["value"])
        source, retrieved = str(item["source"]), str(item["retrieved"])
        if source not in sources or not sources[source].strip():
            raise ValueError(f"price index {currency} {year}: source {source!r} not cited")
        if len(retrieved) != 10 or not (value > 0.0 and value < float("inf")):
            raise ValueError(f"price index {currency} {year}: bad value or retrieval date")
        if values and year != values[-1].year + 1:
            raise ValueError(f"price index {currency}: years must be consecutive at {year}")
        values.append(IndexValue(year, value, sources[source], retrieved))
    if not values:
        raise ValueError(f"price index {currency}: no values")
    return _record(PriceIndex, raw, values=tuple(values))


def _factor(raw: dict[str, Any]) -> ReferenceEmissionFactor:
    unit = str(raw["unit"])
    if not str(raw["basis"]):
        raise ValueError(f"factor {raw['id']}: basis missing")
    # Climate impact per a resource dimension (energy, volume, ...): check via money per X.
    if not any(
        _fits(unit, Dimension.CO2E.per(resource)) for resource in Dimension.RESOURCES
    ):  # pragma: no cover - shipped files are checked by the tests
        raise ValueError(f"factor {raw['id']}: unit {unit!r} is not CO2e per resource unit")
    return _record(ReferenceEmissionFactor, raw)


def _fits(unit: str, dimension: Dimension) -> bool:
    try:
        units.factor(unit, dimension)
    except UnitError:
        return False
    return True


@functools.cache
def _load() -> _Data:
    carbon = _read("carbon_prices.json")
    factors = _read("emission_factors.json")
    vehicles = _read("clean_vehicles.json")
    indices = _read("price_indices.json")
    files = (carbon, factors, vehicles, indices)
    versions = {f["data_version"] for f in files}
    if len(versions) != 1:  # pragma: no cover - shipped files agree (tested)
        raise ValueError(f"reference files disagree on data_version: {sorted(versions)}")
    series = tuple(sorted((_series(s) for s in carbon["series"]), key=lambda s: s.id))
    _unique([s.id for s in series], "carbon price series")
    factor_list = tuple(sorted((_factor(f) for f in factors["factors"]), key=lambda f: f.id))
    _unique([f.id for f in factor_list], "emission factor")
    contents = tuple(
        sorted((_record(EnergyContent, c) for c in factors["energy_contents"]), key=lambda c: c.id)
    )
    _unique([c.id for c in contents], "energy content")
    energy_per_volume = Dimension.ENERGY.per(Dimension.VOLUME)
    for content in contents:
        units.factor(content.unit, energy_per_volume)
    prices = tuple(
        sorted(
            (_record(PollutantPrice, p) for p in vehicles["pollutant_prices"]), key=lambda p: p.id
        )
    )
    _unique([p.id for p in prices], "pollutant price")
    for price in prices:
        units.factor(price.unit, Dimension.MONEY_PER_MASS)
    lifetimes = tuple(_record(LifetimeKm, v) for v in vehicles["lifetime_km"])
    price_indices = tuple(
        sorted((_price_index(i) for i in indices["indices"]), key=lambda i: i.currency)
    )
    _unique([i.currency for i in price_indices], "price index currency")
    return _Data(
        data_version=str(carbon["data_version"]),
        series=series,
        factors=factor_list,
        energy_contents=contents,
        pollutant_prices=prices,
        lifetime_km=lifetimes,
        price_indices=price_indices,
        not_vendored=tuple(sorted((str(k), str(v)) for k, v in indices["not_vendored"].items())),
    )


def carbon_price_series() -> tuple[CarbonPriceSeries, ...]:
    """Every carbon price series, ordered by id."""
    return _load().series


def carbon_price_series_by_id(series_id: str) -> CarbonPriceSeries | None:
    """The series with id ``series_id``, or None when there is none."""
    return next((s for s in _load().series if s.id == series_id), None)


def emission_factors() -> tuple[ReferenceEmissionFactor, ...]:
    """Every reference emission factor, ordered by id."""
    return _load().factors


def emission_factor_by_id(factor_id: str) -> ReferenceEmissionFactor | None:
    """The reference emission factor with id ``factor_id``, or None when there is none."""
    return next((f for f in _load().factors if f.id == factor_id), None)


def energy_contents() -> tuple[EnergyContent, ...]:
    """Clean Vehicles Directive energy contents (MJ per l or per Nm3), ordered by id."""
    return _load().energy_contents


def pollutant_prices() -> tuple[PollutantPrice, ...]:
    """Clean Vehicles Directive pollutant prices (NOx, NMHC, PM; 2007 prices), ordered by id."""
    return _load().pollutant_prices


def lifetime_km() -> tuple[LifetimeKm, ...]:
    """Clean Vehicles Directive lifetime distances: car, van, truck, bus."""
    return _load().lifetime_km


def price_indices() -> tuple[PriceIndex, ...]:
    """Every vendored annual price index, ordered by currency."""
    return _load().price_indices


def price_index(currency: str) -> PriceIndex | None:
    """The annual price index of ``currency`` (ISO 4217), or None when none is vendored."""
    return next((i for i in _load().price_indices if i.currency == currency), None)


def price_index_not_vendored(currency: str) -> str | None:
    """Why no index is vendored for ``currency``, when the data file says; else None."""
    return dict(_load().not_vendored).get(currency)


#: Version of the reference data set (the ``data_version`` of every file).
DATA_VERSION: Final[str] = _load().data_version
