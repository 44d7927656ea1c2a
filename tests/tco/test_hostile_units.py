"""Hostile unit strings and values: each refused with UnitError / a FieldViolation,
before pint parses anything (no wall-clock assertions: timings are measured in bench/).
Regression tests for pint 0.25's silent reinterpretations: ``1,5 kWh`` -> 15 kWh,
``100 kg # 5 t`` -> 100 kg, ``\\x00 kg`` -> 1 kg, empty unit -> dimensionless.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import re
import tracemalloc

import pytest

from tco import units, validate
from tco.errors import InvalidTender, UnitError
from tco.inputs import Quantity
from tco.units import Dimension

from .tender_json import sample_dict, tender

BOUND_SECONDS = 0.050
ENERGY_PER_YEAR = Dimension.ENERGY.per(Dimension.TIME)

HOSTILE_UNITS: list[str] = [
    # pint reinterpretations
    "1,5 kWh",
    "100 kg # 5 t",
    "kg # t",
    "\x00 kg",
    "kWh\x00",
    "",
    " ",
    "   ",
    # expressions and numbers
    "9**9**9 m",
    "10**10**10",
    "kWh**0",
    "kWh^0",
    "m^10",
    "m**99",
    "m^-9",
    "m^2^2",
    "m**2**2",
    "m^(2)",
    "m^1.5",
    "m^",
    "2 kWh",
    "kWh 2",
    "1e3 kWh",
    "0x10 kWh",
    "l/100 km",
    "l/(0100 km)",
    "l/(10000000 km)",
    "l/(100km)",
    "l/(100 km)^2",
    "(100 km)",
    "kWh/1000",
    "1/year",
    # structure
    "*".join(["m"] * 20_000),
    "(" * 10_000 + "m" + ")" * 10_000,
    "((m))",
    "(m",
    "m)",
    "()",
    "/kWh",
    "kWh/",
    "kWh//year",
    "SEK/kWh/year",
    "kWh**",
    "*kWh",
    "kWh*",
    "kWh..h",
    "m * * m",
    "m/(s/(h))",
    "x" * (1024 * 1024),
    "kWh" + " " * 100,
    "m*m*m*m*m*m*m*m*m*m*m*m*m",
    # code injection and unknown names
    "__import__('os')",
    "__import__",
    "eval",
    "os.system",
    "kWh; rm -rf /",
    "{kWh}",
    "[kWh]",
    "kWh\n",
    "kWh\r\nyear",
    "kWh\tyear",
    "lambda: 0",
    "kwh",
    "KWH",
    "watt",
    "CO2e",
    "EUR/t CO2e",
    "SEK/EUR",
    "dimensionless",
    "percent",
    "%",
    "°C",
    # unicode look-alikes and friends
    "кWh",  # Cyrillic ka
    "kWһ",  # Cyrillic shha
    "ｋＷｈ",  # full width
    "kWh\u200b",  # zero-width space
    "k\u0301Wh",  # combining accent
    "μg",  # Greek mu, not the micro sign
    "kWh\u2044year",  # fraction slash
    "kWh\u2215year",  # division slash
    "m\u00b9",  # superscript one
    "\ufeffkWh",  # byte-order mark
    "kWh\u00a0",  # no-break space
    "\U0001f600",
    "\ud800",  # lone surrogate
]


def _ids(values: list[str]) -> list[str]:
    return [ascii(v[:24]) + (f"...{len(v)}" if len(v) > 24 else "") for v in values]


def test_corpus_is_large_enough() -> None:
    assert len(HOSTILE_UNITS) >= 50


@pytest.mark.parametrize("unit", HOSTILE_UNITS, ids=_ids(HOSTILE_UNITS))
def test_hostile_unit_is_refused_before_pint_parses_it(unit: str) -> None:
    """Refused through every entry point while pint's parse caches stay untouched: the guard
    refuses the string before any (possibly super-linear) parsing. No wall-clock bound: timings
    are measured in bench/."""
    cache = units._UREG._cache
    before = {name: len(getattr(cache, name)) for name in vars(cache)}
    for call in (
        lambda: units.factor(unit, ENERGY_PER_YEAR),
        lambda: units.check(unit),
        lambda: units.currency_of(unit),
        lambda: units.product_factor(unit, "h/year", ENERGY_PER_YEAR),
        lambda: units.product_factor("W", unit, ENERGY_PER_YEAR),
        lambda: units.resource_dimension(unit),
    ):
        with pytest.raises(UnitError):
            call()
    assert before == {name: len(getattr(cache, name)) for name in vars(cache)}


def test_error_messages_never_echo_huge_input() -> None:
    for unit in ("x" * (1024 * 1024), "*".join(["m"] * 20_000)):
        with pytest.raises(UnitError) as info:
            units.factor(unit, ENERGY_PER_YEAR)
        assert len(str(info.value)) < 200


def test_non_string_units_are_refused() -> None:
    for unit in (None, 5, b"kWh", ["kWh"], {"kWh": 1}):
        with pytest.raises(UnitError, match="expected a unit string"):
            units.factor(unit, ENERGY_PER_YEAR)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("unit", "reason"),
    [
        ("1,5 kWh", "COMMA"),
        ("100 kg # 5 t", "NUMBER SIGN"),
        ("\x00 kg", "U+0000"),
        ("", "empty"),
        ("kWh**0", "exponents"),
        ("9**9**9 m", "numbers are not allowed"),
        ("кWh", "CYRILLIC"),
        ("ｋＷｈ", "FULLWIDTH"),
        ("μg", "micro sign"),
        ("l/100 km", "l/(100 km)"),
        ("m^2^2", "powers of powers"),
        ("((m))", "one level of parentheses"),
        ("SEK/kWh/year", "one '/'"),
    ],
)
def test_refusal_says_why(unit: str, reason: str) -> None:
    with pytest.raises(UnitError, match=re.escape(reason)):
        units.check(unit)


# ------------------------------------------------------------------ values through validation


def test_bad_value_types_are_refused() -> None:
    raw = sample_dict()
    t = tender(raw)
    method = dataclasses.replace(t.method, discount_rate="0.035", study_period_years=12.0)  # type: ignore[arg-type]
    bad = dataclasses.replace(t, method=method)
    with pytest.raises(InvalidTender) as info:
        validate.prepare(bad)
    fields = {v.field for v in info.value.violations}
    assert {"method.discount_rate", "method.study_period_years"} <= fields


def test_quantity_value_as_string_is_refused() -> None:
    t = tender(sample_dict())
    item = dataclasses.replace(t.bids[0].items[0], unit_price=Quantity("185000", "SEK"))  # type: ignore[arg-type]
    bid = dataclasses.replace(t.bids[0], items=(item,))
    with pytest.raises(InvalidTender) as info:
        validate.prepare(dataclasses.replace(t, bids=(bid, t.bids[1])))
    assert [v.field for v in info.value.violations] == ["bids[0].items[0].unit_price.value"]


# ------------------------------------------------------------------ memory stays bounded


def _distinct_units(count: int) -> list[str]:
    """``count`` distinct valid unit strings: a*b/(c d) over a slice of the vocabulary."""
    names = [n for n in units.known_unit_names() if n.isascii() and not n.isupper()][:80]
    out: list[str] = []
    for a in names:
        for b in names:
            for c in names:
                out.append(f"{a}*{b}/{c}")
                if len(out) == count:
                    return out
    return out


@pytest.mark.slow
def test_200k_distinct_units_do_not_grow_memory() -> None:
    """200 000 distinct valid unit strings: the caches stay at their bound, pint's are untouched,
    and once the caches are full, more distinct strings add no lasting memory."""
    cache = units._UREG._cache
    pint_before = {name: len(getattr(cache, name)) for name in vars(cache)}
    batch = _distinct_units(220_000)
    assert len(set(batch)) == 220_000
    for unit in batch[:200_000]:
        with contextlib.suppress(UnitError):
            units.factor(unit, ENERGY_PER_YEAR)
    for info in units.cache_info().values():
        assert info.currsize <= units.CACHE_SIZE
    assert units.cache_info()["resolve"].currsize == units.CACHE_SIZE  # it did fill up
    pint_after = {name: len(getattr(cache, name)) for name in vars(cache)}
    assert pint_before == pint_after
    # 20 000 more distinct strings with the caches full: nothing lasting is added. A cache
    # that kept them would hold >= 20 000 x ~150 B = 3 MB; allow 1.5 MB of entry-size noise.
    gc.collect()
    tracemalloc.start()
    before, _ = tracemalloc.get_traced_memory()
    for unit in batch[200_000:]:
        with contextlib.suppress(UnitError):
            units.factor(unit, ENERGY_PER_YEAR)
    gc.collect()
    after, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert after - before < 1_500_000
