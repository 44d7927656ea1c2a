"""Validation gives exactly what it gave before its fast path: same floats, same violations.

``tests/tco/legacy/validate.py`` (with its ``fieldcheck`` and ``units``) is a frozen copy of the
validation as it was before the performance work on :func:`tco.validate.prepare`. Every test here
runs both on the same :class:`tco.inputs.Tender` and compares the outcomes exactly:

- a prepared tender: every field, floats by their bits (``float.hex``: ``-0.0`` is not ``0.0``),
  arrays by dtype, shape, bytes and writeability, ints, bools and floats told apart, mappings in
  their order, the warnings in their order;
- an invalid tender: the violations (paths and descriptions) in their order, and the message;
- anything else raised: its type and message.

Inputs: the sample tender, every ``examples/*.json``, the benchmarks' typical tender and their
1 000-bid stream chunk, a rich tender with every field of it replaced in turn by every hostile value
(one bad field among good ones, where the fast path must step aside), random valid tenders (every
unit spelling and conversion the fast path caches, other currencies, nominal rates, activities,
streams, circularity ...), the same with 1 to 4 random fields replaced by hostile values (NaN,
infinities, wrong types, bad and wrong-dimension units, out-of-range numbers, hostile text), the
fuzz suite's near-valid protobuf requests through the server's conversion, and every tender
:mod:`tests.tco.test_validate` builds (its tests are collected here a second time, with
``tco.validate.prepare`` replaced by a spy that checks each call against the frozen copy).

Two more tests keep the comparison meaningful: valid tenders must never reach the checked code
of a bid (else the fast path would be dead code and equality trivial), and the fast path's own
pieces (interpolation, direct constructors) are compared with what they replace.

The example counts keep this file to some 30 s on two cores; the fast path was also checked with
some 20 000 random tenders (raise ``max_examples``, or repeat with other ``--hypothesis-seed``
values, to do that again).
"""

from __future__ import annotations

import dataclasses
import enum
import json
import math
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tco import validate
from tco.errors import InvalidTender
from tco.inputs import (
    Bid,
    CarbonPrice,
    CarbonPricePoint,
    Circularity,
    CostStream,
    Deduction,
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
from tco.prepared import (
    CATEGORIES,
    MODULES,
    PreparedBid,
    PreparedItem,
    PreparedResourceUse,
    PreparedStream,
)

from . import test_validate as _test_validate
from .legacy import validate as legacy_validate
from .tender_json import sample_dict, sample_tender, tender
from .test_hostile_units import HOSTILE_VALUES, _set

ROOT = Path(__file__).resolve().parent.parent.parent

# --- exact outcomes ------------------------------------------------------------------------------


def dump(value: Any) -> Any:
    """A comparable, exact picture of a prepared value (floats by bits, types kept)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, enum.Enum):
        return ("enum", type(value).__name__, value.value)
    if isinstance(value, int):
        return ("int", type(value).__name__, value)
    if isinstance(value, float):
        return ("float", type(value).__name__, value.hex())
    if isinstance(value, np.ndarray):
        return (
            "array",
            value.dtype.str,
            value.shape,
            value.tobytes(),
            bool(value.flags.writeable),
        )
    if isinstance(value, np.generic):
        return ("numpy", type(value).__name__, repr(value))
    if dataclasses.is_dataclass(value):
        return (
            type(value).__name__,
            tuple((f.name, dump(getattr(value, f.name))) for f in dataclasses.fields(value)),
        )
    if isinstance(value, Mapping):
        return (
            type(value).__name__,
            tuple((dump(k), dump(v)) for k, v in value.items()),
        )
    if isinstance(value, (tuple, list)):
        return (type(value).__name__, tuple(dump(v) for v in value))
    raise TypeError(f"cannot dump {type(value).__name__}")


def outcome(prepare: Callable[[Tender], Any], tender_: Any) -> Any:
    try:
        result = prepare(tender_)
    except InvalidTender as error:
        return (
            "invalid",
            tuple((v.field, v.description) for v in error.violations),
            str(error),
        )
    except Exception as error:
        return ("raised", type(error).__name__, str(error))
    return ("ok", dump(result))


#: The validation under test (``validate.prepare`` itself is a spy in this module's tests).
_PREPARE: Callable[[Tender], Any] = validate.prepare


def assert_same(tender_: Any) -> Any:
    """The current and the frozen validation agree exactly on ``tender_``; the outcome."""
    expected = outcome(legacy_validate.prepare, tender_)
    got = outcome(_PREPARE, tender_)
    if got != expected:
        if expected[0] == "invalid" and got[0] == "invalid":
            assert got[1] == expected[1]
        assert got[0] == expected[0], (got[:2], expected[:2])
    assert got == expected
    # Twice: per-run caches must not leak between calls.
    assert outcome(_PREPARE, tender_) == expected
    return expected


# --- fixed tenders -------------------------------------------------------------------------------


def test_sample_tender_is_the_same() -> None:
    assert assert_same(sample_tender())[0] == "ok"


@pytest.mark.parametrize("path", sorted((ROOT / "examples").glob("*.json")), ids=lambda p: p.name)
def test_examples_are_the_same(path: Path) -> None:
    assert assert_same(tender(json.loads(path.read_text(encoding="utf-8"))))[0] == "ok"


def test_typical_tender_is_the_same() -> None:
    from bench.common import to_tender, typical_request

    assert assert_same(to_tender(typical_request()))[0] == "ok"
    assert assert_same(to_tender(typical_request(7, 3, 40)))[0] == "ok"


def test_stream_chunk_is_the_same() -> None:
    from bench.stream import ROWS_PER_TENDER, chunks
    from tco_server import columns

    _, chunk = next(chunks(ROWS_PER_TENDER))
    assert assert_same(columns.columns_to_tender(chunk))[0] == "ok"


# --- random valid tenders ------------------------------------------------------------------------

MONEY_UNITS = {"SEK": ("SEK", "kSEK", "MSEK"), "EUR": ("EUR", "kEUR"), "USD": ("USD",)}
PER_YEAR = ("/year", "/a", "/yr", "/month", "/months", "/years")
TIME_UNITS = ("years", "year", "a", "yr", "months", "month", "d", "days", "weeks", "h")
CO2E_UNITS = ("kgCO2e", "tCO2e", "gCO2e", "kg_CO2e", "kgCO2eq", "tCO2eq")
MASS_UNITS = ("kg", "t", "g", "tonnes", "mg")
#: Resource name -> (price per, use units per year, (amount, activity) pairs, factor units).
RESOURCES: dict[str, tuple[str, tuple[str, ...], tuple[tuple[str, str], ...], tuple[str, ...]]] = {
    "electricity": (
        "kWh",
        ("kWh/year", "MWh/year", "kWh/month", "GJ/year", "kW.h/year", "Wh/d"),
        (("W", "h/year"), ("kWh/km", "km/year"), ("kW", "h/month"), ("MJ/km", "km/a")),
        ("kgCO2e/kWh", "gCO2e/kWh", "kgCO2e/MWh", "tCO2e/GWh"),
    ),
    "diesel": (
        "l",
        ("l/year", "m3/year", "litres/year", "ml/d"),
        (("l/(100 km)", "km/year"), ("l/h", "h/year"), ("l/km", "km/month")),
        ("kgCO2e/l", "gCO2e/l", "kgCO2e/m3"),
    ),
    "water": (
        "m3",
        ("m3/year", "m³/year", "m^3/year", "l/d", "m**3/month"),
        (("l/d", "d/year"),),
        ("kgCO2e/m3", "gCO2e/l"),
    ),
    "district_heating": ("MWh", ("MWh/year", "kWh/year"), (), ("kgCO2e/MWh",)),
    "pellets": ("t", ("t/year", "kg/year"), (("kg/h", "h/year"),), ("kgCO2e/kg",)),
}
POLLUTANT_EMISSION_UNITS = ("kg/year", "g/year", "t/year", "mg/d")
POLLUTANT_ACTIVITY_UNITS = (("g/km", "km/year"), ("mg/km", "km/month"), ("g/h", "h/year"))
REFERENCE_FACTORS = {
    "electricity": ("nordic-mix-2021-2023", "nordic-residual-mix-2021", "nordic-mix-2016-2019"),
    "diesel": ("dk-mst-diesel",),
}
SERIES = ("asek-7.0", "cvd-high", "ebrd", "eib-2020", "eu-ets-2024-average")

floats_0_1 = st.one_of(st.sampled_from([0.0, 1.0, 0.5, -0.0]), st.floats(0.0, 1.0))
rates = st.one_of(
    st.sampled_from([0.0, -0.0, 0.035, 0.01, 1.0, 0.3, -0.5, 0, 1]),
    st.floats(-0.2, 0.3),
)
positive = st.one_of(
    st.sampled_from([1.0, 2.5, 1234.5, 1e-3, 1e6, 7, 12, 1.005]),
    st.floats(1e-6, 1e9),
    st.integers(1, 10**6),
)
lives = st.one_of(st.sampled_from([10, 10.0, 0.5, 18, 1.5, 100.0, 365, 0.1]), st.floats(0.1, 1e6))
non_negative = st.one_of(st.sampled_from([0.0, -0.0, 0]), positive)
signed = st.one_of(non_negative, positive.map(lambda x: -x))
texts = st.one_of(
    st.sampled_from(["", "a", "pump 'A' #2", "åäö € 😀", "x" * 300, "tab\there", "line\nbreak"]),
    st.text(max_size=12),
)


def _per_year(draw: st.DrawFn, unit: str) -> str:
    return unit + draw(st.sampled_from(PER_YEAR))


@st.composite
def methods(draw: st.DrawFn) -> Method:
    own = draw(st.sampled_from(["SEK", "EUR"]))
    other = "EUR" if own == "SEK" else "SEK"
    exchange: dict[str, float] = {other: draw(st.sampled_from([11.2, 0.089, 1.0, 3]))}
    if draw(st.integers(0, 4)):
        exchange["USD"] = draw(st.sampled_from([10.5, 0.95]))
    if draw(st.booleans()):
        exchange[own] = draw(st.sampled_from([1.0, 1]))
    if draw(st.booleans()):
        exchange = dict(reversed(list(exchange.items())))
    n = draw(st.sampled_from([1, 2, 6, 12, 20, 30, 100]))
    base_year = draw(st.sampled_from([2027, 2000, 2030, 1990]))
    nominal = draw(st.booleans())
    names = draw(st.lists(st.sampled_from(sorted(RESOURCES)), unique=True, max_size=4))
    prices = []
    for name in names:
        per = RESOURCES[name][0]
        money = draw(st.sampled_from([c for codes in MONEY_UNITS.values() for c in codes]))
        yearly = draw(st.lists(rates, max_size=3).map(tuple) | st.just(()))
        prices.append(
            ResourcePrice(name, Quantity(draw(signed), f"{money}/{per}"), draw(rates), yearly)
        )
    factors = []
    for name in names:
        if not draw(st.booleans()):
            continue
        refs = REFERENCE_FACTORS.get(name, ())
        if refs and draw(st.booleans()):
            factors.append(EmissionFactor(name, reference_id=draw(st.sampled_from(refs))))
            continue
        unit = st.sampled_from(RESOURCES[name][3])
        trajectory = tuple(
            EmissionFactorPoint(year, Quantity(draw(non_negative), draw(unit)))
            for year in draw(
                st.lists(st.integers(base_year - 5, base_year + n + 5), unique=True, max_size=3)
            )
        )
        factor = Quantity(draw(non_negative), draw(unit))
        factors.append(
            EmissionFactor(
                name,
                factor=factor if (draw(st.booleans()) or not trajectory) else None,
                basis=draw(st.sampled_from(["location-based", "market", "well-to-wheel"])),
                trajectory=trajectory,
            )
        )
    carbon_kind = draw(st.sampled_from(["none", "series", "price", "points"]))
    carbon: CarbonPrice | None = None
    money_co2 = st.sampled_from(
        [f"{m}/{c}" for m in ("SEK", "EUR", "kSEK") for c in ("tCO2e", "kgCO2e", "gCO2e")]
    )
    if carbon_kind == "series":
        carbon = CarbonPrice(series_id=draw(st.sampled_from(SERIES)))
    elif carbon_kind == "price":
        carbon = CarbonPrice(price=Quantity(draw(non_negative), draw(money_co2)))
    elif carbon_kind == "points":
        years = draw(st.lists(st.integers(1990, 2150), unique=True, min_size=1, max_size=4))
        carbon = CarbonPrice(
            points=tuple(
                CarbonPricePoint(y, Quantity(draw(non_negative), draw(money_co2))) for y in years
            ),
            undiscounted=draw(st.booleans()),
        )
    pollutants = tuple(
        PollutantPrice(
            name,
            Quantity(draw(non_negative), draw(st.sampled_from(["SEK/kg", "EUR/g", "SEK/t"]))),
            draw(st.booleans()),
        )
        for name in draw(st.lists(st.sampled_from(["nox", "pm", "nmhc"]), unique=True))
    )
    kind = draw(st.sampled_from(list(ModelKind)))
    ladder: tuple[LadderStep, ...] = ()
    if kind is ModelKind.FICTIVE_DISCOUNT or draw(st.booleans()):
        levels = draw(st.lists(st.integers(1, 6), unique=True, min_size=1, max_size=4))
        ladder = tuple(
            LadderStep(level, draw(st.sampled_from([0.0, 0.01, 0.5]))) for level in levels
        )
    model = EvaluationModel(kind, ladder, draw(st.sampled_from([0.0, 1.0, 2.5, 0])))
    return Method(
        currency=own,
        base_year=base_year,
        study_period_years=n,
        discount_rate=draw(rates),
        rate_basis=RateBasis.NOMINAL if nominal else RateBasis.REAL,
        inflation_rate=draw(st.sampled_from([0.0, 0.02, 0.0225049])) if nominal else 0.0,
        timing=draw(st.sampled_from(list(Timing))),
        resource_prices=tuple(prices),
        emission_factors=tuple(factors),
        carbon_price=carbon,
        exchange_rates=exchange,
        evaluation_model=model,
        include_module_d=draw(st.booleans()),
        functional_unit=draw(st.sampled_from(["", "user-year"])),
        pollutant_prices=pollutants,
    )


def _money(draw: st.DrawFn, values: st.SearchStrategy[Any] = non_negative) -> Quantity:
    codes = draw(st.sampled_from(sorted(MONEY_UNITS)))
    return Quantity(draw(values), draw(st.sampled_from(MONEY_UNITS[codes])))


def _maybe(draw: st.DrawFn, make: Callable[[], Any]) -> Any:
    return make() if draw(st.booleans()) else None


@st.composite
def streams(draw: st.DrawFn, n: int) -> CostStream:
    first = draw(st.integers(0, n))
    every = draw(st.sampled_from([0, 1, 1, 2, 5, 1_000_000]))
    last = draw(st.sampled_from([0, first, n, min(n, first + 3)]))
    if every == 1 and draw(st.booleans()):
        code = draw(st.sampled_from(sorted(MONEY_UNITS)))
        amount: Quantity | None = Quantity(
            draw(signed), _per_year(draw, draw(st.sampled_from(MONEY_UNITS[code])))
        )
    else:
        amount = _maybe(draw, lambda: _money(draw, signed))
    return CostStream(
        name=draw(st.sampled_from(["", "battery pack", "service"])),
        category=draw(st.sampled_from(["", *CATEGORIES])),
        amount=amount,
        first_year=first,
        every_years=every,
        last_year=last,
        escalation=draw(rates),
        life=_maybe(draw, lambda: Quantity(draw(lives), draw(st.sampled_from(TIME_UNITS[:7])))),
        emissions=_maybe(draw, lambda: Quantity(draw(signed), draw(st.sampled_from(CO2E_UNITS)))),
        emissions_module=draw(st.sampled_from(["", *MODULES])),
    )


@st.composite
def items(draw: st.DrawFn, method: Method) -> Item:
    n = method.study_period_years
    priced = [rp.resource for rp in method.resource_prices]
    uses = []
    for name in draw(st.lists(st.sampled_from(priced), max_size=3)) if priced else []:
        _, per_year, products, _ = RESOURCES[name]
        if products and draw(st.booleans()):
            amount_unit, activity_unit = draw(st.sampled_from(products))
            uses.append(
                ResourceUse(
                    name,
                    Quantity(draw(non_negative), amount_unit),
                    Quantity(draw(non_negative), activity_unit),
                )
            )
        else:
            uses.append(
                ResourceUse(name, Quantity(draw(non_negative), draw(st.sampled_from(per_year))))
            )
    pollutants = []
    for price in (
        draw(st.lists(st.sampled_from(method.pollutant_prices), max_size=2))
        if method.pollutant_prices
        else []
    ):
        if draw(st.booleans()):
            amount_unit, activity_unit = draw(st.sampled_from(POLLUTANT_ACTIVITY_UNITS))
            pollutants.append(
                PollutantEmission(
                    price.pollutant,
                    Quantity(draw(non_negative), amount_unit),
                    Quantity(draw(non_negative), activity_unit),
                )
            )
        else:
            pollutants.append(
                PollutantEmission(
                    price.pollutant,
                    Quantity(draw(non_negative), draw(st.sampled_from(POLLUTANT_EMISSION_UNITS))),
                )
            )
    co2 = st.sampled_from(CO2E_UNITS)
    emissions = Emissions(
        **{
            module: Quantity(draw(signed if module == "d" else non_negative), draw(co2))
            for module in ("a1_a3", "a4", "a5", "c1_c4", "d")
            if draw(st.booleans())
        }
    )
    maintenance_code = draw(st.sampled_from(sorted(MONEY_UNITS)))
    return Item(
        name=draw(st.sampled_from(["", "luminaire", "ride-on scrubber (battery) #3"])),
        quantity=draw(st.one_of(positive, st.sampled_from([1e12, 1]))),
        unit_price=_maybe(draw, lambda: _money(draw)),
        installation_cost=_maybe(draw, lambda: _money(draw)),
        service_life=_maybe(
            draw,
            lambda: Quantity(draw(lives), draw(st.sampled_from(TIME_UNITS[:7]))),
        ),
        resource_use=tuple(uses),
        maintenance_cost=_maybe(
            draw,
            lambda: Quantity(
                draw(non_negative),
                _per_year(draw, draw(st.sampled_from(MONEY_UNITS[maintenance_code]))),
            ),
        ),
        warranty=_maybe(
            draw, lambda: Quantity(draw(non_negative), draw(st.sampled_from(TIME_UNITS)))
        ),
        end_of_life_cost=_maybe(draw, lambda: _money(draw, signed)),
        residual_value=_maybe(draw, lambda: _money(draw)),
        emissions=emissions,
        costs=tuple(draw(st.lists(streams(n), max_size=2))),
        pollutant_emissions=tuple(pollutants),
    )


@st.composite
def circularities(draw: st.DrawFn) -> Circularity:
    recycled = draw(st.sampled_from([0.0, 0.2, 0.5]))
    reused = draw(st.sampled_from([0.0, 0.3, 0.5]))
    collected = draw(st.sampled_from([0.0, 0.25, 1.0]))
    return Circularity(
        mass=Quantity(draw(positive), draw(st.sampled_from(MASS_UNITS))),
        recycled_input=recycled,
        reused_input=reused,
        sustainable_bio_input=draw(st.sampled_from([0.0, 0.1, 0])),
        collected_for_recycling=collected,
        collected_for_reuse=draw(st.sampled_from([0.0, 0.0, 0])),
        collected_for_composting=0.0,
        collected_for_energy_recovery=0.0,
        recycling_efficiency_collection=draw(st.sampled_from([0.85, 1.0, 1]))
        if collected
        else draw(st.sampled_from([0.0, 0.9])),
        recycling_efficiency_feedstock=draw(st.sampled_from([0.85, 1.0]))
        if recycled
        else draw(st.sampled_from([0.0, 0.9])),
        lifetime_ratio=draw(st.sampled_from([0.0, 1.25, 1e-3, 1e3, 1])),
        use_intensity_ratio=draw(st.sampled_from([0.0, 1.0, 2])),
    )


@st.composite
def valid_tenders(draw: st.DrawFn, max_bids: int = 4) -> Tender:
    method = draw(methods())
    n = method.study_period_years
    ladder = [step.level for step in method.evaluation_model.ladder]
    bids = []
    for i in range(draw(st.integers(1, max_bids))):
        level = draw(st.sampled_from([0, *ladder]))
        bids.append(
            Bid(
                id=f"bid-{i}",
                supplier=draw(st.sampled_from(["", "ACME AB", "Städ & Co"])),
                items=tuple(draw(st.lists(items(method), max_size=4))),
                costs=tuple(draw(st.lists(streams(n), max_size=2))),
                deductions=tuple(
                    Deduction(draw(st.sampled_from(["", "take-back"])), _money(draw))
                    for _ in range(draw(st.integers(0, 2)))
                ),
                ladder_level=level,
                circularity=draw(st.none() | circularities()),
                functional_units_delivered=draw(st.sampled_from([0.0, 12.0, 1e-6, 1e12, 3])),
            )
        )
    baseline = draw(st.sampled_from(["", *[b.id for b in bids]]))
    return Tender(method=dataclasses.replace(method, baseline_bid_id=baseline), bids=tuple(bids))


# --- hostile mutations ---------------------------------------------------------------------------

HOSTILE_UNITS = [
    "",
    " ",
    "kWh",
    "SEK",
    "EUR",
    "GBP",
    "DKK",
    "kg",
    "t",
    "tCO2e",
    "years",
    "SEK/year",
    "kWh/year",
    "km/year",
    "h/year",
    "SEK/kWh",
    "kgCO2e/kWh",
    "1,5 kWh",
    "kg # t",
    "kWh**0",
    "l/100 km",
    "SEK/kWh/year",
    "кWh",
    "t CO2e",
    "kSEK EUR",
    "x" * 100,
    "\x00kg",
    "kWh ",
    " SEK",
    "sek",
    "m^5",
]
HOSTILE_NUMBERS = [
    math.nan,
    math.inf,
    -math.inf,
    -1.0,
    -1,
    0,
    0.0,
    -0.0,
    1e-300,
    5e-324,
    1e300,
    1e18,
    1e12,
    1e12 + 1,
    10**30,
    -(10**30),
    2.0,
    1.0,
    0.5,
    -0.99,
    -1.0 + 1e-12,
    1.0 + 1e-12,
    12,
    2027,
    10**9,
    True,
    False,
]
HOSTILE_OTHER: list[Any] = [
    None,
    "",
    "x",
    "0.035",
    "A",
    "\u202e",
    "bid-0",
    "electricity",
    "nox",
    "Electricity",
    "x" * 300,
    (),
    [],
    {},
    object(),
    b"kWh",
    Quantity(1.0, "SEK"),
    Quantity(math.nan, "kWh/year"),
    Quantity("1", "kg"),  # type: ignore[arg-type]
    Quantity(1.0, 5),  # type: ignore[arg-type]
    Emissions(),
    CostStream(),
    Item(),
    Bid(id="bid-0"),
    RateBasis.NOMINAL,
    Timing.MID_YEAR,
    ModelKind.FICTIVE_DISCOUNT,
]


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Paths to every field and list entry of an input tree (the root excluded)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield (*path, f.name)
            yield from _leaves(getattr(value, f.name), (*path, f.name))
    elif isinstance(value, (tuple, list)):
        for i, entry in enumerate(value):
            yield (*path, i)
            yield from _leaves(entry, (*path, i))
    elif isinstance(value, Mapping):
        for key in list(value):
            yield (*path, ("key", key))


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(head, tuple):  # a mapping entry
        mapping = dict(value)
        mapping[head[1]] = _replace(mapping[head[1]], rest, new)
        return mapping
    if isinstance(head, int):
        entries = list(value)
        entries[head] = _replace(entries[head], rest, new)
        return type(value)(entries)
    return dataclasses.replace(value, **{head: _replace(getattr(value, head), rest, new)})


def _get(value: Any, path: tuple[Any, ...]) -> Any:
    for head in path:
        if isinstance(head, tuple):
            value = value[head[1]]
        elif isinstance(head, int):
            value = value[head]
        else:
            value = getattr(value, head)
    return value


@st.composite
def mutated(draw: st.DrawFn, base: st.SearchStrategy[Tender], most: int = 4) -> Tender:
    t = draw(base)
    for _ in range(draw(st.integers(1, most))):
        paths = list(_leaves(t))
        # Mostly a quantity or a number (the fast path's bread and butter), else any field.
        pool = draw(st.sampled_from(["quantity", "number", "any"]))
        if pool == "quantity":
            paths = [p for p in paths if isinstance(_get(t, p), Quantity)] or paths
        elif pool == "number":
            paths = [p for p in paths if type(_get(t, p)) in (int, float)] or paths
        path = draw(st.sampled_from(paths))
        old = _get(t, path)
        action = draw(st.sampled_from(["value", "value", "unit", "other", "drop", "dup"]))
        if action == "unit" and isinstance(old, Quantity):
            new: Any = dataclasses.replace(old, unit=draw(st.sampled_from(HOSTILE_UNITS)))
        elif action == "value" and isinstance(old, Quantity):
            new = dataclasses.replace(old, value=draw(st.sampled_from(HOSTILE_NUMBERS)))
        elif action == "drop" and isinstance(old, (tuple, list)) and old:
            k = draw(st.integers(0, len(old) - 1))
            new = type(old)([*old[:k], *old[k + 1 :]])
        elif action == "dup" and isinstance(old, (tuple, list)) and old:
            k = draw(st.integers(0, len(old) - 1))
            new = type(old)([*old, old[k]])
        elif action == "other":
            new = draw(st.sampled_from(HOSTILE_OTHER + HOSTILE_UNITS))
        else:
            new = draw(st.sampled_from(HOSTILE_NUMBERS + HOSTILE_UNITS + HOSTILE_OTHER))
        if isinstance(path[-1], tuple) and draw(st.booleans()):  # a mapping's key instead
            mapping = dict(_get(t, path[:-1]))
            value = mapping.pop(path[-1][1])
            mapping[draw(st.sampled_from(["EUR", "USD", "sek", "", "XXX", 5]))] = value
            t = _replace(t, path[:-1], mapping)
            continue
        t = _replace(t, path, new)
    return t


# --- every field of a rich tender, one at a time ------------------------------------------------


def rich_tender() -> Tender:
    """The sample tender with what it lacks: activities, pollutants, a cost per year, a ladder,
    ints where floats are expected, every optional amount of an item and of a stream."""
    raw = sample_dict()
    method = raw["method"]
    method["pollutant_prices"] = [{"pollutant": "nox", "price": {"value": 4.4, "unit": "EUR/kg"}}]
    method["evaluation_model"] = {
        "kind": "EVALUATION_MODEL_KIND_FICTIVE_DISCOUNT",
        "ladder": [{"level": 1, "discount": 0.02}, {"level": 2, "discount": 0.05}],
    }
    bid = raw["bids"][0]
    bid["ladder_level"] = 2
    bid["deductions"] = [{"criterion": "x", "amount": {"value": 1000, "unit": "kSEK"}}]
    item = bid["items"][0]
    item["residual_value"] = {"value": 20000.0, "unit": "SEK"}
    item["emissions"] = {
        module: {"value": 1.5, "unit": "tCO2e"} for module in ("a1_a3", "a4", "a5", "c1_c4", "d")
    }
    item["resource_use"].append(
        {
            "resource": "diesel",
            "amount": {"value": 5.5, "unit": "l/(100 km)"},
            "activity": {"value": 15000, "unit": "km/year"},
        }
    )
    item["pollutant_emissions"] = [
        {"pollutant": "nox", "amount": {"value": 2.0, "unit": "kg/year"}},
        {
            "pollutant": "nox",
            "amount": {"value": 0.2, "unit": "g/km"},
            "activity": {"value": 12000.0, "unit": "km/year"},
        },
    ]
    item["costs"] = [
        {
            "name": "filters",
            "category": "maintenance",
            "amount": {"value": 300.0, "unit": "EUR/year"},
            "first_year": 1,
            "every_years": 1,
            "last_year": 10,
            "escalation": 0.01,
            "life": {"value": 6, "unit": "months"},
            "emissions": {"value": -2.0, "unit": "kgCO2e"},
            "emissions_module": "b4",
        }
    ]
    return tender(raw)


SINGLE_NUMBERS = [
    *HOSTILE_NUMBERS,
    -2.0,
    -1e-300,
    1e16,
    1e15,
    2**1000,
    2**1023,
    10**400,
    np.float64(1.0),
]


def _single_field_cases() -> list[tuple[Any, ...]]:
    rich = rich_tender()
    return [path for path in _leaves(rich) if not isinstance(path[-1], tuple)]


@pytest.mark.parametrize("path", _single_field_cases(), ids=lambda p: ".".join(map(str, p)))
def test_every_field_of_a_rich_tender_alone(path: tuple[Any, ...]) -> None:
    """Each field of a valid tender replaced by each hostile value in turn (and a Quantity's
    value and unit): one bad field among good ones is where the fast path must step aside."""
    rich = rich_tender()
    assert assert_same(rich)[0] == "ok"
    old = _get(rich, path)
    if isinstance(old, Quantity):
        news: list[Any] = [dataclasses.replace(old, value=v) for v in SINGLE_NUMBERS]
        news += [dataclasses.replace(old, unit=u) for u in HOSTILE_UNITS]
        news += [None]
    elif type(old) in (int, float):
        news = [*SINGLE_NUMBERS, "1", None]
    else:
        news = [*HOSTILE_OTHER[:14], 0, 1.5, math.nan]
    for new in news:
        assert_same(_replace(rich, path, new))


# --- the properties ------------------------------------------------------------------------------


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(tender_=valid_tenders())
def test_random_valid_tenders_are_the_same(tender_: Tender) -> None:
    assert_same(tender_)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(tender_=mutated(valid_tenders()))
def test_random_invalid_tenders_are_the_same(tender_: Tender) -> None:
    assert_same(tender_)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(tender_=mutated(valid_tenders(max_bids=2), most=1), bids=st.integers(2, 40))
def test_one_bad_field_among_many_good_bids(tender_: Tender, bids: int) -> None:
    """A bad bid among good ones: the good ones may take the fast path, the bad one may not."""
    assume(isinstance(tender_, Tender) and isinstance(tender_.bids, tuple))
    good = [
        dataclasses.replace(b, id=f"copy-{i}")
        for i, b in enumerate(tender_.bids * bids)
        if isinstance(b, Bid)
    ]
    assert_same(dataclasses.replace(tender_, bids=(*tender_.bids, *good[:bids])))


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(tender_=valid_tenders(max_bids=3), offset=st.integers(0, 2000))
def test_violations_beyond_the_listed_maximum_are_the_same(tender_: Tender, offset: int) -> None:
    """Over 1 000 violations only the first are listed: the cut falls in the same place."""
    bad = Item(quantity=math.nan, unit_price=Quantity(1.0, "kg"))
    bid = Bid(id="bad", items=(bad,) * (480 + offset % 100))
    assert_same(dataclasses.replace(tender_, bids=(bid, *tender_.bids)))


@settings(max_examples=120, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fuzz_requests_are_the_same(data: st.DataObject) -> None:
    from google.protobuf import json_format

    from tco_server import convert_in
    from tcoapi.v1 import tender_pb2
    from tests.fuzz.strategies import near_valid_requests

    request = json_format.ParseDict(
        json.loads((ROOT / "examples" / "sample-tender.json").read_text(encoding="utf-8")),
        tender_pb2.EvaluateBidsRequest(),
    )
    message = data.draw(near_valid_requests(request.SerializeToString(), max_mutations=6))
    try:
        converted = convert_in.to_tender(message)
    except Exception:
        return
    assert_same(converted)


@pytest.mark.parametrize(
    ("path", "value", "field"), HOSTILE_VALUES, ids=[h[2] for h in HOSTILE_VALUES]
)
def test_hostile_values_are_the_same(path: list[Any], value: Any, field: str) -> None:
    raw = sample_dict()
    _set(raw, path, value)
    assert field in [v[0] for v in assert_same(tender(raw))[1]]


# --- the fast path is taken, and its parts are exact ------------------------------------------


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(tender_=valid_tenders())
def test_valid_bids_never_take_the_checked_path(tender_: Tender) -> None:
    """Equality above proves little if the fast path is never taken: a valid tender's bids
    (and so their items and streams) must all be prepared by it."""
    if outcome(legacy_validate.prepare, tender_)[0] != "ok":
        return

    def checked(*_: object) -> None:
        raise AssertionError("a valid bid took the checked path")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(validate._Preparer, "bid", checked)
        assert outcome(_PREPARE, tender_)[0] == "ok"


def test_typical_and_stream_tenders_never_take_the_checked_path() -> None:
    from bench.common import to_tender, typical_request
    from bench.stream import ROWS_PER_TENDER, chunks
    from tco_server import columns

    _, chunk = next(chunks(ROWS_PER_TENDER))
    with pytest.MonkeyPatch.context() as patch:
        for name in ("bid", "stream", "resource_uses", "per_year", "circularity"):
            patch.setattr(validate._Preparer, name, None)
        _PREPARE(to_tender(typical_request()))
        _PREPARE(columns.columns_to_tender(chunk))
        _PREPARE(sample_tender())


@settings(max_examples=300)
@given(
    points=st.dictionaries(
        st.integers(1900, 2200),
        st.floats(-1e6, 1e6) | st.sampled_from([0.0, -0.0, 0.059, 1500.0]),
        min_size=1,
        max_size=6,
    ),
    base_year=st.integers(1900, 2200),
    n=st.integers(1, 100),
)
def test_interpolation_is_the_frozen_climate_modules(
    points: dict[int, float], base_year: int, n: int
) -> None:
    """``tco.climate.interpolate_series`` (sped up for validation) against its frozen copy."""
    from tco.yearly_series import interpolate_series
    from tests.tco.legacy.climate import interpolate_series as frozen

    years = np.arange(base_year, base_year + n + 1, dtype=np.int64)
    pairs = list(points.items())
    values, flat = interpolate_series(pairs, years)
    expected_values, expected_flat = frozen(pairs, years)
    assert dump(values) == dump(expected_values)
    assert flat == expected_flat
    assert all(type(y) is int for y in flat)


@given(
    item=st.builds(
        PreparedItem,
        name=st.text(max_size=3),
        quantity=st.floats(),
        unit_price=st.floats(),
        installation_cost=st.floats(),
        service_life=st.none() | st.floats(),
        resource_use=st.lists(st.builds(PreparedResourceUse, st.text(), st.floats())).map(tuple),
        maintenance_per_year=st.floats(),
        warranty_years=st.floats(),
        end_of_life_cost=st.floats(),
        residual_value=st.none() | st.floats(),
        emissions=st.dictionaries(st.text(), st.floats()).map(MappingProxyType),
        costs=st.just(()),
        pollutant_emissions=st.just(()),
    )
)
def test_direct_constructors_make_the_same_objects(item: PreparedItem) -> None:
    fields = [getattr(item, f.name) for f in dataclasses.fields(item)]
    made = validate._new_item(*fields)
    assert type(made) is PreparedItem
    assert dump(made) == dump(item)
    assert repr(made) == repr(item)
    if item == item:  # noqa: PLR0124 - NaN fields make an item unequal to itself
        assert made == item
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.name = "x"  # type: ignore[misc]
    for new, cls in (
        (validate._new_stream, PreparedStream),
        (validate._new_use, PreparedResourceUse),
        (validate._new_bid, PreparedBid),
    ):
        names = [f.name for f in dataclasses.fields(cls)]
        values = [f"v{i}" for i in range(len(names))]
        assert new(*values) == cls(*values)
        assert hash(new(*values)) == hash(cls(*values))


# --- test_validate's tenders, once more, each checked against the frozen copy -------------------


@pytest.fixture(autouse=True)
def _spy(monkeypatch: pytest.MonkeyPatch) -> None:
    """``tco.validate.prepare`` checks every call against the frozen copy (then behaves as
    itself), for the tests of :mod:`tests.tco.test_validate` collected below."""
    real = validate.prepare

    def spy(tender_: Tender) -> Any:
        expected = outcome(legacy_validate.prepare, tender_)
        assert outcome(real, tender_) == expected
        return real(tender_)

    monkeypatch.setattr(validate, "prepare", spy)


for _name, _test in list(vars(_test_validate).items()):
    if _name.startswith("test_") and callable(_test):
        globals()[f"test_spied_{_name.removeprefix('test_')}"] = _test
del _name, _test
