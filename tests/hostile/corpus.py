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
  16 MiB transport limit: INVALID_ARGUMENT by the limits (naming the field and the limit's
  reason: permanent), RESOURCE_EXHAUSTED by the transport (no handler runs, no field).

Every request is built and serialized once, up front (:func:`serialized`), so sending it costs the
test process next to nothing while the healthy client is being timed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

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


# -- where a hostile value goes -------------------------------------------------------------------


def _put(path: str, value: object) -> Callable[[Request], None]:
    """Set the field at ``path``, written as the answers name it (``bids[0].items[0].quantity``,
    ``method.exchange_rates[EUR]`` for a map entry)."""
    *parents, last = path.split(".")

    def mutate(r: Request) -> None:
        node: Any = r
        for part in parents:
            name, _, index = part.partition("[")
            node = getattr(node, name)
            if index:
                node = node[int(index.removesuffix("]"))]
        name, _, key = last.partition("[")
        if key:
            getattr(node, name)[key.removesuffix("]")] = value
        else:
            setattr(node, name, value)

    return mutate


#: The unit fields a hostile unit goes into, in turn.
UNIT_PATHS = [
    "bids[1].items[0].resource_use[0].amount.unit",
    "bids[0].items[0].unit_price.unit",
    "bids[1].items[0].warranty.unit",
    "bids[1].items[0].service_life.unit",
    "method.resource_prices[0].price.unit",
    "method.emission_factors[0].factor.unit",
    "method.carbon_price.points[0].price.unit",
    "bids[1].items[0].emissions.a1_a3.unit",
    "bids[0].costs[0].amount.unit",
    "bids[1].circularity.mass.unit",
]


#: Hostile unit strings (>= 50); each is refused wherever it is put.
HOSTILE_UNITS: list[str] = [
    # pint's evaluation traps
    *("9**9**9 m", "10**10**10", "2^2^2^2^2^2", "m**9**9", "kWh**0", "kWh^0", "m^-0", "m**99"),
    *("m^1.5", "m^(2)", "1e400 kWh", "nan kWh", "inf kWh"),
    "*".join(["m"] * 20_000),
    "*".join(["kWh"] * 100_000),
    "(" * 10_000 + "m" + ")" * 10_000,
    "x" * (1024 * 1024),
    "kWh" + " " * 100,
    "m*m*m*m*m*m*m*m*m*m*m*m*m",  # 13 names: over the limit of 12
    "((kWh))/year",
    # pint's silent reinterpretations
    *("1,5 kWh", "100 kg # 5 t", "kg # t", "\x00 kg", "kWh\x00", "", " ", "2 kWh", "0x10 kWh"),
    *("l/100 km", "SEK/kWh/year", "/kWh", "kWh/"),
    # code and names that are not units
    *("__import__('os')", "__import__('os').system('true')", "eval", "lambda: 0"),
    *("kWh; rm -rf /", "{kWh}", "${jndi:ldap://127.0.0.1/a}", "%s%s%s%n", "<script>kWh</script>"),
    *("kWh\n", "kWh\r\nyear", "dimensionless", "percent", "°C", "kwh"),
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
    path = UNIT_PATHS[i % len(UNIT_PATHS)]
    shown = ascii(unit[:20]) + (f"...({len(unit)} chars)" if len(unit) > 20 else "")
    return Hostile(f"unit {shown} at {path}", _put(path, unit), INVALID, path)


UNIT_CASES: list[Hostile] = [_unit_case(i, unit) for i, unit in enumerate(HOSTILE_UNITS)]


# -- hostile values ------------------------------------------------------------------------------

PRICE = "bids[0].items[0].unit_price.value"
ITEM = "bids[0].items[0]"

#: (name, field, value): the value put at the field, which the answer must name.
_VALUES: list[tuple[str, str, object]] = [
    ("NaN price", PRICE, math.nan),
    ("+inf price", PRICE, math.inf),
    ("-inf price", PRICE, -math.inf),
    ("1e400 price (parses to inf)", PRICE, float("1e400")),
    ("negative price", PRICE, -185000.0),
    ("negative quantity", f"{ITEM}.quantity", -4.0),
    ("NaN quantity", f"{ITEM}.quantity", math.nan),
    ("1e300 quantity", f"{ITEM}.quantity", 1e300),
    ("negative service life", f"{ITEM}.service_life.value", -8.0),
    ("zero service life", f"{ITEM}.service_life.value", 0.0),
    ("inf resource use", f"{ITEM}.resource_use[0].amount.value", math.inf),
    ("NaN emissions", f"{ITEM}.emissions.a1_a3.value", math.nan),
    ("NaN discount rate", "method.discount_rate", math.nan),
    ("inf discount rate", "method.discount_rate", math.inf),
    ("discount rate 1e400", "method.discount_rate", float("1e400")),
    ("inflation -inf", "method.inflation_rate", -math.inf),
    ("study period 10^9 years", "method.study_period_years", 10**9),
    ("study period -5", "method.study_period_years", -5),
    ("study period 0", "method.study_period_years", 0),
    ("base year 2^31-1", "method.base_year", 2**31 - 1),
    ("base year -2^31", "method.base_year", -(2**31)),
    ("rate basis enum 99", "method.rate_basis", 99),
    ("timing enum -1", "method.timing", -1),
    ("model kind enum 2^31-1", "method.evaluation_model.kind", 2**31 - 1),
    ("exchange rate NaN", "method.exchange_rates[EUR]", math.nan),
    ("exchange rate inf", "method.exchange_rates[EUR]", math.inf),
    ("exchange rate negative", "method.exchange_rates[EUR]", -11.2),
    ("exchange rate key 'kg # t'", "method.exchange_rates[kg # t]", 1.0),
    ("exchange rate key 1 MB", "method.exchange_rates", 1.0),  # the map, not the key, is named
    ("carbon price point year -2^31", "method.carbon_price.points[0].year", -(2**31)),
    ("carbon price NaN", "method.carbon_price.points[1].price.value", math.nan),
    ("escalation inf", "method.resource_prices[0].escalation", math.inf),
    ("cost stream every -1 years", "bids[0].costs[0].every_years", -1),
    ("cost stream first year 2^31-1", "bids[0].costs[0].first_year", 2**31 - 1),
    ("recycled input NaN", "bids[1].circularity.recycled_input", math.nan),
    ("reused input 2.0", "bids[1].circularity.reused_input", 2.0),
    ("functional units -inf", "bids[0].functional_units_delivered", -math.inf),
    ("empty bid id", "bids[0].id", ""),
    ("bid id NUL", "bids[0].id", "\x00"),
    ("bid id zero-width space", "bids[0].id", "A\u200b"),
    ("bid id line break", "bids[0].id", "A\nB"),
    ("supplier with a bidi override", "bids[0].supplier", "AB \u202eNORD"),
    ("item name with ESC", f"{ITEM}.name", "\x1b[2Jscrubber"),
    ("currency 'kg # t'", "method.currency", "kg # t"),
    ("currency empty", "method.currency", ""),
    ("supplier 1 MB", "bids[0].supplier", "S" * 1_000_000),
    ("resource name 1 MB", "method.resource_prices[0].resource", "r" * 1_000_000),
]

#: Where a value goes when the answer names another path than its own.
_PUT_AT = {"exchange rate key 1 MB": f"method.exchange_rates[{'E' * 1_000_000}]"}

VALUE_CASES: list[Hostile] = [
    Hostile(name, _put(_PUT_AT.get(name, field), value), INVALID, field)
    for name, field, value in _VALUES
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


def _points(n: int) -> Callable[[Request], None]:
    def mutate(r: Request) -> None:
        r.method.resource_prices[0].yearly_escalation.extend([0.01] * n)

    return mutate


def _over_transport_limit(r: Request) -> None:
    r.bids[0].supplier = "S" * (17 * 1024 * 1024)  # the message limit is 16 MiB


SIZE_CASES: list[Hostile] = [
    Hostile("10^6 items in one bid", _many_items(10**6), INVALID, "bids[0].items"),
    Hostile("10^6 bids", _many_bids(10**6), INVALID, "bids"),
    Hostile("10^5 exchange rates", _many_rates(10**5), INVALID, "method.exchange_rates"),
    Hostile(
        "10^5 yearly escalation rates",
        _points(10**5),
        INVALID,
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
