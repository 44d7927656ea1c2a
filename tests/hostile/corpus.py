"""Hostile inputs for the real server: unit strings, values, sizes. Each is one mutation of the
sample tender, with the status it must get and the field path the answer must name.

Three groups, each measured separately by :mod:`tests.hostile.test_server_hostile`:

- :data:`UNIT_CASES`: a hostile unit string put into one of the tender's unit fields (cycling
  through a method unit, an item price, a resource use, a warranty, a carbon price, ...). pint's
  known traps are all here: ``9**9**9 m`` and ``2^2^2^2^2^2`` (hang), 20 000 chained factors
  (quadratic preprocessing, RecursionError at 100 000), 10 000 nested parentheses, a 1 MB string,
  ``1,5 kWh`` (pint: 15 kWh), ``kg # t`` (pint: kg), ``\\x00 kg`` (pint: 1 kg), ``""`` (pint:
  dimensionless), code, unicode look-alikes, powers of zero.
- :data:`VALUE_CASES`: NaN, +-inf, 1e400 (parses to inf), negatives where not allowed, absurd
  years and study periods, enum numbers the contract does not define, over-long texts and keys.
- :data:`SIZE_CASES`: 10^6 items, 10^6 bids, 10^6 map entries, 10^5 points, a message over the
  16 MiB transport limit: RESOURCE_EXHAUSTED, by the limits (naming the field) or by the
  transport (no handler runs, no field).

Every request is built and serialized once, up front (:func:`serialized`), so sending it costs the
test process next to nothing while the healthy client is being timed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from tcoapi.v1 import tender_pb2

Request = tender_pb2.EvaluateBidsRequest
INVALID = "INVALID_ARGUMENT"
EXHAUSTED = "RESOURCE_EXHAUSTED"


@dataclass(frozen=True)
class Hostile:
    """One hostile request: how to make it from the sample, and the answer it must get.

    ``field`` must be one of the BadRequest's field paths (empty when the transport refuses the
    message before any handler, so there is no BadRequest and no server log line).
    """

    name: str
    mutate: Callable[[Request], None]
    code: str
    field: str
    transport: bool = False


# -- where a hostile unit goes -------------------------------------------------------------------


def _unit_slots() -> list[tuple[str, Callable[[Request, str], None]]]:
    def item(r: Request) -> tender_pb2.Item:
        return r.bids[1].items[0]

    def set_attr(get: Callable[[Request], object], attr: str) -> Callable[[Request, str], None]:
        def set_unit(r: Request, unit: str) -> None:
            setattr(get(r), attr, unit)

        return set_unit

    return [
        (
            "bids[1].items[0].resource_use[0].amount.unit",
            set_attr(lambda r: item(r).resource_use[0].amount, "unit"),
        ),
        (
            "bids[0].items[0].unit_price.unit",
            set_attr(lambda r: r.bids[0].items[0].unit_price, "unit"),
        ),
        ("bids[1].items[0].warranty.unit", set_attr(lambda r: item(r).warranty, "unit")),
        ("bids[1].items[0].service_life.unit", set_attr(lambda r: item(r).service_life, "unit")),
        (
            "method.resource_prices[0].price.unit",
            set_attr(lambda r: r.method.resource_prices[0].price, "unit"),
        ),
        (
            "method.emission_factors[0].factor.unit",
            set_attr(lambda r: r.method.emission_factors[0].factor, "unit"),
        ),
        (
            "method.carbon_price.points[0].price.unit",
            set_attr(lambda r: r.method.carbon_price.points[0].price, "unit"),
        ),
        (
            "bids[1].items[0].emissions.a1_a3.unit",
            set_attr(lambda r: item(r).emissions.a1_a3, "unit"),
        ),
        ("bids[0].costs[0].amount.unit", set_attr(lambda r: r.bids[0].costs[0].amount, "unit")),
        ("bids[1].circularity.mass.unit", set_attr(lambda r: r.bids[1].circularity.mass, "unit")),
    ]


#: Hostile unit strings (>= 50); each is refused wherever it is put.
HOSTILE_UNITS: list[str] = [
    # pint's evaluation traps
    "9**9**9 m",
    "10**10**10",
    "2^2^2^2^2^2",
    "m**9**9",
    "kWh**0",
    "kWh^0",
    "m^-0",
    "m**99",
    "m^1.5",
    "m^(2)",
    "1e400 kWh",
    "nan kWh",
    "inf kWh",
    "*".join(["m"] * 20_000),
    "*".join(["kWh"] * 100_000),
    "(" * 10_000 + "m" + ")" * 10_000,
    "x" * (1024 * 1024),
    "kWh" + " " * 100,
    "m*m*m*m*m*m*m*m*m*m*m*m*m",  # 13 names: over the limit of 12
    "((kWh))/year",
    # pint's silent reinterpretations
    "1,5 kWh",
    "100 kg # 5 t",
    "kg # t",
    "\x00 kg",
    "kWh\x00",
    "",
    " ",
    "2 kWh",
    "0x10 kWh",
    "l/100 km",
    "SEK/kWh/year",
    "/kWh",
    "kWh/",
    # code and names that are not units
    "__import__('os')",
    "__import__('os').system('true')",
    "eval",
    "lambda: 0",
    "kWh; rm -rf /",
    "{kWh}",
    "${jndi:ldap://127.0.0.1/a}",
    "%s%s%s%n",
    "<script>kWh</script>",
    "kWh\n",
    "kWh\r\nyear",
    "dimensionless",
    "percent",
    "°C",
    "kwh",
    # unicode look-alikes and friends
    "кWh",  # Cyrillic ka
    "kWһ",  # Cyrillic shha
    "ｋＷｈ",  # full width
    "kWh\u200b",  # zero-width space
    "k\u0301Wh",  # combining accent
    "μg",  # Greek mu, not the micro sign
    "kWh\u2044year",  # fraction slash
    "kWh\u2215year",  # division slash
    "\ufeffkWh",  # byte-order mark
    "kWh\u00a0",  # no-break space
    "kWh\u202e",  # right-to-left override
    "\U0001f600",
]


def _unit_case(i: int, unit: str) -> Hostile:
    path, setter = _unit_slots()[i % len(_unit_slots())]
    shown = ascii(unit[:20]) + (f"...({len(unit)} chars)" if len(unit) > 20 else "")

    def mutate(r: Request) -> None:
        setter(r, unit)

    return Hostile(f"unit {shown} at {path}", mutate, INVALID, path)


UNIT_CASES: list[Hostile] = [_unit_case(i, unit) for i, unit in enumerate(HOSTILE_UNITS)]


# -- hostile values ------------------------------------------------------------------------------


def _value(
    name: str, field: str, mutate: Callable[[Request], None], code: str = INVALID
) -> Hostile:
    return Hostile(name, mutate, code, field)


def _item(r: Request) -> tender_pb2.Item:
    return r.bids[0].items[0]


def _set(path: Callable[[Request], object], attr: str, value: object) -> Callable[[Request], None]:
    def mutate(r: Request) -> None:
        setattr(path(r), attr, value)

    return mutate


def _exchange(key: str, value: float) -> Callable[[Request], None]:
    def mutate(r: Request) -> None:
        r.method.exchange_rates[key] = value

    return mutate


def _points(n: int) -> Callable[[Request], None]:
    def mutate(r: Request) -> None:
        r.method.resource_prices[0].yearly_escalation.extend([0.01] * n)

    return mutate


VALUE_CASES: list[Hostile] = [
    _value(
        "NaN price",
        "bids[0].items[0].unit_price.value",
        _set(lambda r: _item(r).unit_price, "value", math.nan),
    ),
    _value(
        "+inf price",
        "bids[0].items[0].unit_price.value",
        _set(lambda r: _item(r).unit_price, "value", math.inf),
    ),
    _value(
        "-inf price",
        "bids[0].items[0].unit_price.value",
        _set(lambda r: _item(r).unit_price, "value", -math.inf),
    ),
    _value(
        "1e400 price (parses to inf)",
        "bids[0].items[0].unit_price.value",
        _set(lambda r: _item(r).unit_price, "value", float("1e400")),
    ),
    _value(
        "negative price",
        "bids[0].items[0].unit_price.value",
        _set(lambda r: _item(r).unit_price, "value", -185000.0),
    ),
    _value("negative quantity", "bids[0].items[0].quantity", _set(_item, "quantity", -4.0)),
    _value("NaN quantity", "bids[0].items[0].quantity", _set(_item, "quantity", math.nan)),
    _value("1e300 quantity", "bids[0].items[0].quantity", _set(_item, "quantity", 1e300)),
    _value(
        "negative service life",
        "bids[0].items[0].service_life.value",
        _set(lambda r: _item(r).service_life, "value", -8.0),
    ),
    _value(
        "zero service life",
        "bids[0].items[0].service_life.value",
        _set(lambda r: _item(r).service_life, "value", 0.0),
    ),
    _value(
        "inf resource use",
        "bids[0].items[0].resource_use[0].amount.value",
        _set(lambda r: _item(r).resource_use[0].amount, "value", math.inf),
    ),
    _value(
        "NaN emissions",
        "bids[0].items[0].emissions.a1_a3.value",
        _set(lambda r: _item(r).emissions.a1_a3, "value", math.nan),
    ),
    _value(
        "NaN discount rate",
        "method.discount_rate",
        _set(lambda r: r.method, "discount_rate", math.nan),
    ),
    _value(
        "inf discount rate",
        "method.discount_rate",
        _set(lambda r: r.method, "discount_rate", math.inf),
    ),
    _value(
        "discount rate 1e400",
        "method.discount_rate",
        _set(lambda r: r.method, "discount_rate", float("1e400")),
    ),
    _value(
        "inflation -inf",
        "method.inflation_rate",
        _set(lambda r: r.method, "inflation_rate", -math.inf),
    ),
    _value(
        "study period 10^9 years",
        "method.study_period_years",
        _set(lambda r: r.method, "study_period_years", 10**9),
    ),
    _value(
        "study period -5",
        "method.study_period_years",
        _set(lambda r: r.method, "study_period_years", -5),
    ),
    _value(
        "study period 0",
        "method.study_period_years",
        _set(lambda r: r.method, "study_period_years", 0),
    ),
    _value(
        "base year 2^31-1", "method.base_year", _set(lambda r: r.method, "base_year", 2**31 - 1)
    ),
    _value("base year -2^31", "method.base_year", _set(lambda r: r.method, "base_year", -(2**31))),
    _value("rate basis enum 99", "method.rate_basis", _set(lambda r: r.method, "rate_basis", 99)),
    _value("timing enum -1", "method.timing", _set(lambda r: r.method, "timing", -1)),
    _value(
        "model kind enum 2^31-1",
        "method.evaluation_model.kind",
        _set(lambda r: r.method.evaluation_model, "kind", 2**31 - 1),
    ),
    _value("exchange rate NaN", "method.exchange_rates[EUR]", _exchange("EUR", math.nan)),
    _value("exchange rate inf", "method.exchange_rates[EUR]", _exchange("EUR", math.inf)),
    _value("exchange rate negative", "method.exchange_rates[EUR]", _exchange("EUR", -11.2)),
    _value("exchange rate key 'kg # t'", "method.exchange_rates[kg # t]", _exchange("kg # t", 1.0)),
    _value("exchange rate key 1 MB", "method.exchange_rates", _exchange("E" * 1_000_000, 1.0)),
    _value(
        "carbon price point year -2^31",
        "method.carbon_price.points[0].year",
        _set(lambda r: r.method.carbon_price.points[0], "year", -(2**31)),
    ),
    _value(
        "carbon price NaN",
        "method.carbon_price.points[1].price.value",
        _set(lambda r: r.method.carbon_price.points[1].price, "value", math.nan),
    ),
    _value(
        "escalation inf",
        "method.resource_prices[0].escalation",
        _set(lambda r: r.method.resource_prices[0], "escalation", math.inf),
    ),
    _value(
        "cost stream every -1 years",
        "bids[0].costs[0].every_years",
        _set(lambda r: r.bids[0].costs[0], "every_years", -1),
    ),
    _value(
        "cost stream first year 2^31-1",
        "bids[0].costs[0].first_year",
        _set(lambda r: r.bids[0].costs[0], "first_year", 2**31 - 1),
    ),
    _value(
        "recycled input NaN",
        "bids[1].circularity.recycled_input",
        _set(lambda r: r.bids[1].circularity, "recycled_input", math.nan),
    ),
    _value(
        "reused input 2.0",
        "bids[1].circularity.reused_input",
        _set(lambda r: r.bids[1].circularity, "reused_input", 2.0),
    ),
    _value(
        "functional units -inf",
        "bids[0].functional_units_delivered",
        _set(lambda r: r.bids[0], "functional_units_delivered", -math.inf),
    ),
    _value("empty bid id", "bids[0].id", _set(lambda r: r.bids[0], "id", "")),
    _value("bid id NUL", "bids[0].id", _set(lambda r: r.bids[0], "id", "\x00")),
    _value("bid id zero-width space", "bids[0].id", _set(lambda r: r.bids[0], "id", "A\u200b")),
    _value("bid id line break", "bids[0].id", _set(lambda r: r.bids[0], "id", "A\nB")),
    _value(
        "supplier with a bidi override",
        "bids[0].supplier",
        _set(lambda r: r.bids[0], "supplier", "AB \u202eNORD"),
    ),
    _value("item name with ESC", "bids[0].items[0].name", _set(_item, "name", "\x1b[2Jscrubber")),
    _value("currency 'kg # t'", "method.currency", _set(lambda r: r.method, "currency", "kg # t")),
    _value("currency empty", "method.currency", _set(lambda r: r.method, "currency", "")),
    _value(
        "supplier 1 MB", "bids[0].supplier", _set(lambda r: r.bids[0], "supplier", "S" * 1_000_000)
    ),
    _value(
        "resource name 1 MB",
        "method.resource_prices[0].resource",
        _set(lambda r: r.method.resource_prices[0], "resource", "r" * 1_000_000),
    ),
]


# -- sizes ---------------------------------------------------------------------------------------


def _many_items(n: int) -> Callable[[Request], None]:
    def mutate(r: Request) -> None:
        items = r.bids[0].items
        for _ in range(n):
            items.add()

    return mutate


def _many_bids(n: int) -> Callable[[Request], None]:
    def mutate(r: Request) -> None:
        for _ in range(n):
            r.bids.add()

    return mutate


def _many_rates(n: int) -> Callable[[Request], None]:
    def mutate(r: Request) -> None:
        rates = r.method.exchange_rates
        for i in range(n):
            rates[f"X{i}"] = 1.0

    return mutate


def _over_transport_limit(r: Request) -> None:
    r.bids[0].supplier = "S" * (17 * 1024 * 1024)  # the message limit is 16 MiB


SIZE_CASES: list[Hostile] = [
    Hostile("10^6 items in one bid", _many_items(10**6), EXHAUSTED, "bids[0].items"),
    Hostile("10^6 bids", _many_bids(10**6), EXHAUSTED, "bids"),
    Hostile("10^5 exchange rates", _many_rates(10**5), EXHAUSTED, "method.exchange_rates"),
    Hostile(
        "10^5 yearly escalation rates",
        _points(10**5),
        EXHAUSTED,
        "method.resource_prices[0].yearly_escalation",
    ),
    Hostile("a 17 MiB message", _over_transport_limit, EXHAUSTED, "", transport=True),
]

ALL_CASES: list[Hostile] = UNIT_CASES + VALUE_CASES + SIZE_CASES


@cache
def serialized(case: Hostile, sample: bytes) -> bytes:
    """The wire bytes of ``case`` applied to a copy of the sample (built once per case)."""
    request = Request.FromString(sample)
    case.mutate(request)
    return request.SerializeToString()
