"""tco.validate.prepare: every rule, exact wire paths, all violations at once, conversions."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from tco import validate
from tco.errors import FieldViolation, InvalidTender
from tco.inputs import ModelKind, RateBasis, Timing
from tco.prepared import PreparedTender
from tco.validate.limits import MAX_BIDS

from .tender_json import sample_dict, sample_tender, tender

Raw = dict[str, Any]


def prepare(raw: Raw) -> PreparedTender:
    return validate.prepare(tender(raw))


def violations(raw: Raw) -> list[FieldViolation]:
    with pytest.raises(InvalidTender) as info:
        prepare(raw)
    return list(info.value.violations)


def fields(raw: Raw) -> list[str]:
    return [v.field for v in violations(raw)]


def only(raw: Raw) -> FieldViolation:
    found = violations(raw)
    assert len(found) == 1, found
    return found[0]


def edited(change: Callable[[Raw], object]) -> Raw:
    raw = sample_dict()
    change(raw)
    return raw


def method(raw: Raw) -> Raw:
    result: Raw = raw["method"]
    return result


def item(raw: Raw, bid: int = 0, index: int = 0) -> Raw:
    result: Raw = raw["bids"][bid]["items"][index]
    return result


class _Delete:
    """Marks a field to delete in :func:`apply` (its repr names it: test ids stay stable)."""

    def __repr__(self) -> str:
        return "DELETE"


DELETE: Any = _Delete()


def apply(raw: Raw, edits: dict[str, Any]) -> Raw:
    """``raw`` with each dotted path set to its value (``"bids.0.items.0.quantity": 0``); an
    index one past a list's end appends."""
    for path, value in edits.items():
        *parents, last = path.split(".")
        target: Any = raw
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        if isinstance(target, list):
            index = int(last)
            if value is DELETE:
                del target[index]
            elif index == len(target):
                target.append(value)
            else:
                target[index] = value
        elif value is DELETE:
            del target[last]
        else:
            target[last] = value
    return raw


def _id(edits: dict[str, Any]) -> str:
    return ",".join(f"{path}={value!r}"[:60] for path, value in edits.items())


def _money(value: float, unit: str = "SEK") -> Raw:
    return {"value": value, "unit": unit}


ITEM = "bids.0.items.0"
STREAM = "bids.0.costs.0"
EXTERNALITY = {"kind": "EVALUATION_MODEL_KIND_EXTERNALITY_FACTOR", "externality_factor": 1.0}
FICTIVE = {"kind": "EVALUATION_MODEL_KIND_FICTIVE_DISCOUNT", "ladder": []}


def wire(path: str) -> str:
    """A dotted path as on the wire: ``bids.0.items.0`` -> ``bids[0].items[0]``, ``...rates.EUR``
    -> ``...rates[EUR]``."""
    return re.sub(r"\.(\d+|[A-Z]{3})(?=\.|$)", r"[\1]", path)


NAMES = ["", "Electricity", "el ectricity", "1st", "x" * 300]
TRAJECTORY = [
    {"year": 2030, "factor": _money(1, "kgCO2e/kWh")},
    {"year": 1800, "factor": _money(1, "kgCO2e/kWh")},
    {"year": 2040},
]
BAD_LADDER = [
    {"level": 1, "discount": 0.01},
    {"level": 1},
    {"level": 0},
    {"level": 2, "discount": 1.0},
]
BAD_USES = [
    {"resource": "diesel", "amount": _money(-900, "l/year")},
    {"resource": "diesel"},
    {"resource": "diesel", "amount": _money(1, "l"), "activity": _money(-1, "1/year")},
]
USE_FIELDS = [(0, "amount.value"), (1, "amount"), (2, "activity.value"), (2, "activity.unit")]
CIRCULARITY = {
    "reused_input": 0.9,
    "collected_for_composting": 0.2,
    "recycling_efficiency_feedstock": 0.0,
    "mass": _money(0, "kg"),
}
CIRCULARITY_FIELDS = [
    "mass.value",
    "recycled_input",
    "collected_for_recycling",
    "recycling_efficiency_feedstock",
]
USE_W_H = {"resource": "electricity", "amount": _money(45, "W"), "activity": _money(4, "h")}
CO2E_PER_L = "climate impact (CO2e mass) per volume such as 'kgCO2e/l'"
MONEY_PER_YEAR = "money per time such as 'SEK/year'"
INFLATION_3 = {"method.inflation_rate": 0.03}
POINT_2027 = {"year": 2027, "factor": _money(0.07, "kgCO2e/kWh")}
USD_AND_KSEK = {
    f"{ITEM}.maintenance_cost": _money(900, "USD/year"),
    f"{ITEM}.unit_price": _money(185, "kSEK"),
}
ESCALATION = "method.resources.electricity.escalation_rates"
R, E, P = "method.resource_prices", "method.emission_factors", "method.carbon_price"
#: One field set to a refused value, and where that one violation is: the field itself, or its
#: ``.value`` or ``.unit``.
REFUSED_FIELD: list[tuple[str, Any, str]] = [
    *(("method.currency", code, "") for code in ["", "XYZ", "sek", "SEKK", "€"]),
    *(("method.base_year", year, "") for year in [1899, 2201, 0, -1]),
    *(("method.discount_rate", r, "") for r in [-1.0, -1.5, math.nan, math.inf, -math.inf, 1.5]),
    ("method.discount_rate", 35.0, ""),
    *(("method.inflation_rate", r, "") for r in [math.nan, -1.0, 2.0]),
    *(("method.exchange_rates.EUR", r, "") for r in [0.0, -11.2, math.nan, math.inf]),
    ("method.exchange_rates.XYZ", 2.0, ""),
    ("method.exchange_rates.SEK", 2.0, ""),
    (f"{R}.0.yearly_escalation", [0.01] * 101, ""),
    *((f"{R}.0.escalation", r, "") for r in [math.nan, -1.0, 1.01]),
    *((f"{R}.2", {"resource": n, "price": _money(1, "SEK/kWh")}, ".resource") for n in NAMES),
    # a resource whose price is refused is not reported again where bids use it
    (f"{R}.1.price.unit", "SEK/kWh/year", ""),
    (f"{E}.1.factor.value", -1, ""),
    (f"{E}.1.factor", DELETE, ""),
    *((P, {"price": _money(1, unit)}, ".price.unit") for unit in ["SEK/t", "SEK", "kgCO2e/SEK"]),
    (P, {"price": _money(1, "SEK/kWh")}, ".price.unit"),
    (f"{P}.points.0.price.value", -1, ""),
    *(
        ("method.evaluation_model", dict(EXTERNALITY, externality_factor=f), ".externality_factor")
        for f in [-0.5, math.nan, math.inf]
    ),
    ("method.baseline_bid_id", "C", ""),
    *(("bids.1.id", bid_id, "") for bid_id in ["", "   ", "x" * 300]),
    *((f"{ITEM}.quantity", q, "") for q in [0, -1, math.nan, 1e13]),
    *((f"{ITEM}.service_life.value", life, "") for life in [0, -8]),
    (f"{ITEM}.warranty.value", -1, ""),
    *((f"bids.1.items.0.{f}", _money(-1), ".value") for f in ["unit_price", "installation_cost"]),
    ("bids.1.items.0.residual_value", _money(-1), ".value"),
    (f"{ITEM}.resource_use.0.activity", _money(4, "h/y"), ".unit"),
    (f"{STREAM}.emissions_module", "z9", ""),
    *((f"{STREAM}.first_year", year, "") for year in [13, -1]),
    (f"{STREAM}.every_years", -1, ""),
    (f"{STREAM}.last_year", 13, ""),
    (f"{STREAM}.life", _money(0, "years"), ".value"),
    (f"{STREAM}.escalation", math.nan, ""),
    (f"{STREAM}.emissions", _money(1, "kg"), ".unit"),
    ("bids.0.functional_units_delivered", -1, ""),
    *(
        (f"bids.1.circularity.{name}", value, "")
        for name in ["recycled_input", "collected_for_reuse", "recycling_efficiency_collection"]
        for value in [-0.1, 1.1, math.nan]
    ),
]


@pytest.mark.parametrize(("path", "value", "at"), REFUSED_FIELD, ids=lambda x: repr(x)[:40])
def test_refused_field(path: str, value: Any, at: str) -> None:
    assert fields(apply(sample_dict(), {path: value})) == [wire(path) + at]


#: Hostile values (non-finite, huge, tiny, oversized strings) REFUSED_FIELD and
#: test_study_period_range do not already try: each refused at least at its field.
HOSTILE: dict[str, list[Any]] = {
    "method.base_year": [10**12],
    f"{R}.0.price.value": [math.nan, 1e300],
    f"{R}.0.escalation": [math.inf],
    f"{ITEM}.quantity": [1e300],
    f"{ITEM}.unit_price.value": [float("1e400"), -float("1e400")],
    f"{ITEM}.service_life.value": [1e-300],
    f"{ITEM}.resource_use.0.amount.value": [math.nan],
    f"{ITEM}.resource_use.0.amount.unit": ["1,5 l/year", "x" * (1024 * 1024)],
    f"{STREAM}.first_year": [10**9],
    "bids.1.circularity.reused_input": [math.nan, 1.5],
    "bids.1.functional_units_delivered": [math.inf],
}


@pytest.mark.parametrize(
    ("path", "value"),
    [(path, value) for path, values in HOSTILE.items() for value in values],
    ids=lambda x: repr(x)[:40],
)
def test_hostile_value_is_refused(path: str, value: Any) -> None:
    assert wire(path) in fields(apply(sample_dict(), {path: value}))


#: Edits of the sample and exactly the fields they make invalid, in order.
REFUSED: list[tuple[dict[str, Any], list[str]]] = [
    (
        {"method.discount_rate": -0.9999999, "method.study_period_years": 100},
        ["method.discount_rate"],
    ),
    (
        {f"{R}.0.yearly_escalation": [0.01, math.nan, -2]},
        [f"{R}[0].yearly_escalation[1]", f"{R}[0].yearly_escalation[2]"],
    ),
    (
        {f"{E}.0.trajectory.{j}": point for j, point in enumerate(TRAJECTORY, start=2)},
        [f"{E}[0].trajectory[{j}].{f}" for j, f in ((2, "year"), (3, "year"), (4, "factor"))],
    ),
    (
        {"method.evaluation_model": dict(FICTIVE, ladder=[]), "bids.0.ladder_level": 0},
        ["method.evaluation_model.ladder"],
    ),
    (
        {"method.evaluation_model": dict(FICTIVE, ladder=BAD_LADDER), "bids.0.ladder_level": 0},
        [
            f"method.evaluation_model.ladder[{j}].{f}"
            for j, f in ((1, "level"), (2, "level"), (3, "discount"))
        ],
    ),
    (
        {
            f"{ITEM}.emissions.a1_a3": _money(2.1, "t"),
            f"{ITEM}.emissions.c1_c4": _money(-1, "kgCO2e"),
        },
        [f"{wire(ITEM)}.emissions.a1_a3.unit", f"{wire(ITEM)}.emissions.c1_c4.value"],
    ),
    (
        {f"{ITEM}.resource_use": BAD_USES},
        [f"{wire(ITEM)}.resource_use[{j}].{f}" for j, f in USE_FIELDS],
    ),
    ({f"{STREAM}.first_year": 5, f"{STREAM}.last_year": 3}, ["bids[0].costs[0].last_year"]),
    (
        {
            "bids.1.deductions.1": {"criterion": "x", "level": "met"},
            "bids.1.deductions.2": {},
        },
        ["bids[1].deductions[1].criterion", "bids[1].deductions[2].criterion"],
    ),
    (
        {f"bids.1.circularity.{name}": value for name, value in CIRCULARITY.items()},
        [f"bids[1].circularity.{f}" for f in CIRCULARITY_FIELDS],
    ),
]


@pytest.mark.parametrize(("edits", "expected"), REFUSED, ids=[_id(e) for e, _ in REFUSED])
def test_refused(edits: dict[str, Any], expected: list[str]) -> None:
    assert fields(apply(sample_dict(), edits)) == expected


LADDER = [
    {"level": k, "discount": d} for k, d in ((1, 0.01), (2, 0.02), (3, 0.04), (4, 0.07), (5, 0.10))
]

#: An edit of the sample, the only field it makes invalid (the edited one, or the named one),
#: and words its description must hold (after "!", words it must not: bid contents are not
#: echoed).
MESSAGES: list[tuple[str, Any, str, list[str]]] = [
    (f"{R}.0.price.unit", "SEK", "", ["money per unit of resource"]),
    (f"{R}.2", {"resource": "diesel", "price": _money(1, "SEK/l")}, ".resource", ["priced twice"]),
    (f"{R}.0.price", DELETE, "", ["required"]),
    (f"{E}.1.basis", "", "", ["basis", "always recorded"]),
    (f"{E}.2", {"resource": "diesel", "factor": _money(1, "kgCO2e/l")}, ".resource", ["two"]),
    (
        f"{E}.2",
        {"resource": "hvo", "factor": _money(1, "kgCO2e/l"), "basis": "x"},
        ".resource",
        ["no price"],
    ),
    (f"{E}.1.factor.unit", "kgCO2e/kWh", "", [f"expected {CO2E_PER_L}, got 'kgCO2e/kWh'"]),
    (f"{P}.points.2", {"year": 2035, "price": _money(1, "SEK/tCO2e")}, ".year", ["points[1]"]),
    ("method.evaluation_model.price_threshold", _money(1), "", ["HFD 2022 ref. 41"]),
    ("bids.0.ladder_level", 9, "", ["1, 2, 3, 4, 5"]),
    ("bids", [], "", ["at least one bid"]),
    ("bids.1.id", "A", "", ["bids[0].id"]),
    (f"{ITEM}.resource_use.0.resource", "hvo", "", ["not priced", "!hvo"]),
    (f"{ITEM}.resource_use.0", USE_W_H, ".amount.unit", ["amount times activity"]),
    (f"{ITEM}.service_life", _money(1, "h"), ".value", ["replacements"]),
    (f"{ITEM}.service_life.unit", "km", "", ["expected time such as 'years', got 'km'"]),
    (f"{ITEM}.maintenance_cost.unit", "SEK", "", [f"expected {MONEY_PER_YEAR}, got 'SEK'"]),
    (f"{STREAM}.category", "bribes", "", ["acquisition", "residual_value", "!bribes"]),
    (f"{STREAM}.amount", _money(1, "kWh"), ".unit", ["expected money per occurrence"]),
    (f"{STREAM}.amount", _money(1, "SEK/year"), ".unit", ["every_years = 1"]),
]
#: What the edits of MESSAGES need besides (a ladder, no baseline, a stream every other year).
MESSAGES_CONTEXT: dict[str, dict[str, Any]] = {
    "bids.0.ladder_level": {"method.evaluation_model": dict(FICTIVE, ladder=LADDER)},
    "bids": {"method.baseline_bid_id": ""},
    f"{STREAM}.amount": {f"{STREAM}.every_years": 2},
}


@pytest.mark.parametrize(("path", "value", "at", "words"), MESSAGES, ids=lambda x: repr(x)[:40])
def test_refused_saying(path: str, value: Any, at: str, words: list[str]) -> None:
    raw = apply(sample_dict(), {**MESSAGES_CONTEXT.get(path, {}), path: value})
    found = only(raw)
    assert found.field == wire(path) + at
    for word in words:
        assert (
            (word[1:] not in found.description)
            if word.startswith("!")
            else (word in found.description)
        )


def pick(obj: Any, spec: str) -> object:
    """``"bids.0.costs.0:first_year,last_year"`` of a prepared tender: (first_year, last_year);
    an array as a list."""
    where, _, names = spec.partition(":")
    for key in where.split("."):
        obj = obj[int(key)] if key.isdigit() else obj[key] if key in KEYS else getattr(obj, key)
    values = [getattr(obj, name) for name in names.split(",")] if names else [obj]
    values = [v.tolist() if isinstance(v, np.ndarray) else v for v in values]
    return tuple(values) if len(values) > 1 else values[0]


KEYS = {"electricity", "diesel", "a4", "d"}
MODULE_OF_CATEGORY = {
    "replacement": "b4",
    "acquisition": "a1_a3",
    "installation": "a5",
    "end_of_life": "c1_c4",
    "energy": "b6",
    "water_and_resources": "b7",
    "maintenance": "b1_b3",
    "operation": "b1_b3",
    "other": "b1_b3",
    "residual_value": "b1_b3",
}
ELECTRICITY, DIESEL = "method.resources.electricity", "method.resources.diesel"
#: An edit of the sample, what to read of the prepared tender (:func:`pick`), what it must be.
ACCEPTED: list[tuple[dict[str, Any], str, object]] = [
    *(({"method.discount_rate": r}, "method.discount_rate", r) for r in [0.0, -0.01, 0.08, 1.0]),
    # inflation counts only in a nominal analysis
    ({"method.inflation_rate": 0.02}, "method:inflation_rate,discount_rate", (0.0, 0.035)),
    # primer: real 20 %, inflation 3 % -> nominal 23.6 %
    (
        {"method.rate_basis": "RATE_BASIS_NOMINAL", "method.discount_rate": 0.236, **INFLATION_3},
        "method.discount_rate",
        pytest.approx(0.20, rel=1e-12),
    ),
    ({"method.exchange_rates.SEK": 1.0}, "method.currency", "SEK"),
    ({f"{R}.0.yearly_escalation": [0.01] * 30}, f"{ELECTRICITY}.escalation_rates.shape", (12,)),
    ({f"{R}.0.yearly_escalation": [0.05, 0.04, 0.03]}, ESCALATION, [0.05, 0.04] + [0.03] * 10),
    ({f"{R}.0.price": _money(0.12, "EUR/kWh")}, f"{ELECTRICITY}.price", pytest.approx(1.344)),
    ({f"{R}.1.price": _money(17500, "SEK/m^3")}, f"{DIESEL}:unit,price", ("l", 17.5)),
    (
        {f"{E}.0.factor": _money(59, "gCO2e/kWh"), f"{E}.0.trajectory": []},
        f"{ELECTRICITY}.emission_factor",
        pytest.approx([0.059] * 13),
    ),
    # a trajectory point at the base year wins over the factor
    ({f"{E}.0.trajectory.2": POINT_2027}, f"{ELECTRICITY}.emission_factor.0", 0.07),
    ({P: DELETE}, "method.carbon_price", None),
    ({P: {"price": _money(250, "EUR/tCO2e")}}, f"{P}.price_per_kg.0", pytest.approx(2.8)),
    ({P: {"price": _money(250, "SEK/kgCO2e")}}, f"{P}.price_per_kg.0", 250.0),
    (
        {P: {"price": _money(1500, "SEK/tCO2e"), "undiscounted": True}},
        f"{P}:price_per_kg,undiscounted,source",
        ([1.5] * 13, True, "constant"),
    ),
    (
        {"method.rate_basis": "RATE_BASIS_NOMINAL", "method.inflation_rate": 0.0},
        "method.discount_rate",
        0.035,
    ),
    (
        {P: {"series_id": "asek-7.0"}, "method.use_face_values": True},
        f"{P}:price_per_kg,source,price_base_year,extrapolated_years",
        ([7.0] * 13, "series:asek-7.0", 2017, ()),
    ),
    # re-based to the method's prices (issue #14): 2017 -> 2023 with SCB KPI
    (
        {P: {"series_id": "asek-7.0"}, "method.price_base_year": 2023},
        f"{P}.price_per_kg",
        [7.0 * (403.70 / 322.11)] * 13,  # 8.7731 SEK/kgCO2e
    ),
    # a constant series before its year is extrapolated
    (
        {P: {"series_id": "asek-7.0"}, "method.base_year": 2017, f"{E}.0.trajectory": []},
        f"{P}.extrapolated_years",
        (2017, 2018, 2019),
    ),
    ({"method.evaluation_model": EXTERNALITY}, "method.model.externality_factor", 1.0),
    (
        {"method.evaluation_model": dict(FICTIVE, ladder=LADDER), "bids.0.ladder_level": 0},
        "method.model:kind,ladder",
        (ModelKind.FICTIVE_DISCOUNT, {1: 0.01, 2: 0.02, 3: 0.04, 4: 0.07, 5: 0.10}),
    ),
    ({"method.baseline_bid_id": ""}, "method.baseline_bid_id", ""),
    (
        {"method.exchange_rates.USD": 10.0, **USD_AND_KSEK},
        f"{ITEM}:maintenance_per_year,unit_price",
        (9000.0, 185000.0),
    ),
    ({f"{ITEM}.service_life": _money(96, "months")}, f"{ITEM}.service_life", 8.0),
    # an item without purchase cost may leave its service life out (it lasts the study period)
    (
        {
            f"{ITEM}.service_life": DELETE,
            f"{ITEM}.unit_price.value": 0,
            f"{ITEM}.installation_cost": DELETE,
        },
        f"{ITEM}.service_life",
        None,
    ),
    # end of life may be a revenue, module D (beyond the life) negative
    ({f"{ITEM}.end_of_life_cost.value": -500}, f"{ITEM}.end_of_life_cost", -500.0),
    (
        {
            f"{ITEM}.emissions.d": _money(-0.4, "tCO2e"),
            f"{ITEM}.emissions.a4": _money(12, "kgCO2e"),
        },
        f"{ITEM}.emissions",
        {"a1_a3": 2100.0, "a4": 12.0, "a5": 0.0, "c1_c4": 60.0, "d": pytest.approx(-400.0)},
    ),
    ({f"{STREAM}.category": ""}, f"{STREAM}:category,emissions_module", ("other", "b1_b3")),
    # a stream's EN 15978 module follows its category when it names none
    *(
        ({f"{STREAM}.category": category}, f"{STREAM}.emissions_module", module)
        for category, module in MODULE_OF_CATEGORY.items()
    ),
    ({f"{STREAM}.emissions_module": "b5"}, f"{STREAM}.emissions_module", "b5"),
    ({f"{STREAM}.amount": _money(1000, "SEK/month")}, f"{STREAM}.amount", pytest.approx(12000.0)),
    (
        {f"{STREAM}.first_year": 2, f"{STREAM}.last_year": 9},
        f"{STREAM}:first_year,last_year",
        (2, 9),
    ),
    ({f"{STREAM}.first_year": 12, f"{STREAM}.every_years": 0}, f"{STREAM}.last_year", 12),
    (
        {
            f"{STREAM}.life": _money(5, "years"),
            f"{STREAM}.emissions": _money(0.35, "tCO2e"),
            f"{STREAM}.escalation": 0.02,
        },
        f"{STREAM}:life,emissions,escalation",
        (5.0, 350.0, 0.02),
    ),
    (
        {f"{STREAM}.amount": DELETE, f"{STREAM}.emissions": _money(10, "kgCO2e")},
        f"{STREAM}:amount,emissions",
        (0.0, 10.0),
    ),
    # 0 means "not stated", taken as 1
    (
        {"bids.1.circularity.lifetime_ratio": 0, "bids.1.circularity.use_intensity_ratio": 0},
        "bids.1.circularity:lifetime_ratio,use_intensity_ratio",
        (1.0, 1.0),
    ),
    ({"bids.1.circularity.mass": _money(0.45, "t")}, "bids.1.circularity.mass_kg", 450.0),
]


@pytest.mark.parametrize(
    ("edits", "spec", "expected"), ACCEPTED, ids=[_id(e) for e, _, _ in ACCEPTED]
)
def test_accepted(edits: dict[str, Any], spec: str, expected: object) -> None:
    assert pick(prepare(apply(sample_dict(), edits)), spec) == expected


#: An edit of the sample that is accepted with a warning: the code (and the bid it names).
WARNED: list[tuple[dict[str, Any], str, str]] = [
    ({"method.discount_rate": 0.35}, "RATE_LOOKS_LIKE_PERCENT", ""),
    (
        {"method.rate_basis": "RATE_BASIS_NOMINAL", "method.inflation_rate": 0.0},
        "NOMINAL_WITHOUT_INFLATION",
        "",
    ),
    ({P: {"series_id": "eu-ets-2024-average"}}, "CARBON_PRICE_IS_MARKET_PRICE", ""),
    ({f"{E}.1": DELETE}, "NO_EMISSION_FACTOR", "A"),
]


@pytest.mark.parametrize(("edits", "code", "bid"), WARNED, ids=[c for _, c, _ in WARNED])
def test_warned(edits: dict[str, Any], code: str, bid: str) -> None:
    warnings = prepare(apply(sample_dict(), edits)).warnings
    assert (code, bid) in [(c, b) for c, _, b in warnings]


# =============================================================== the sample


def test_sample_tender_prepares() -> None:
    m = validate.prepare(sample_tender()).method
    assert (m.currency, m.minor_unit_digits, m.base_year, m.study_period_years) == (
        "SEK",
        2,
        2027,
        12,
    )
    assert (m.discount_rate, m.stated_discount_rate, m.inflation_rate) == (0.035, 0.035, 0.0)
    assert (m.rate_basis, m.timing, m.model.kind) == (
        RateBasis.REAL,
        Timing.END_OF_YEAR,
        ModelKind.DEDUCTIONS,
    )
    assert (m.baseline_bid_id, m.functional_unit) == ("A", "year of cleaning service")
    assert list(m.resources) == ["electricity", "diesel"]


def test_sample_resources() -> None:
    resources = validate.prepare(sample_tender()).method.resources
    electricity = resources["electricity"]
    assert electricity.unit == "kWh"
    assert electricity.price == 1.35
    assert electricity.escalation_rates.shape == (12,)
    assert np.all(electricity.escalation_rates == 0.01)
    assert electricity.emission_basis == "Nordic consumption mix 2021-2023 (location-based)"
    assert electricity.emission_source == "method"
    factor = electricity.emission_factor
    assert factor.shape == (13,)
    # 0.059 at 2027 (the factor at base_year), 0.045 at 2030, 0.03 at 2038, flat in 2039
    assert factor[0] == pytest.approx(0.059)
    assert factor[3] == pytest.approx(0.045)
    assert factor[11] == pytest.approx(0.03)
    assert factor[12] == pytest.approx(0.03)
    assert factor[1] == pytest.approx(0.059 + (0.045 - 0.059) / 3)
    diesel = resources["diesel"]
    assert diesel.unit == "l"
    assert diesel.price == 17.5
    assert np.all(diesel.emission_factor == 2.98)
    assert not electricity.escalation_rates.flags.writeable


def test_sample_carbon_price_per_kg() -> None:
    carbon = validate.prepare(sample_tender()).method.carbon_price
    assert carbon is not None
    assert carbon.source == "points"
    # 1500 SEK/t in 2027 -> 1.5 SEK/kg; 3000 SEK/t in 2035 -> 3.0, flat after
    assert carbon.price_per_kg[0] == pytest.approx(1.5)
    assert carbon.price_per_kg[8] == pytest.approx(3.0)
    assert carbon.price_per_kg[4] == pytest.approx(2.25)
    assert carbon.extrapolated_years == (2036, 2037, 2038, 2039)
    assert carbon.price_base_year == 0
    assert not carbon.undiscounted


def test_sample_warnings() -> None:
    warnings = validate.prepare(sample_tender()).warnings
    codes = [code for code, _, _ in warnings]
    assert codes == ["EMISSION_FACTOR_EXTRAPOLATED"]


def test_prepare_does_not_mutate_or_depend_on_call_order() -> None:
    first = validate.prepare(sample_tender())
    second = validate.prepare(sample_tender())
    assert first.bids == second.bids
    assert np.array_equal(
        first.method.resources["electricity"].emission_factor,
        second.method.resources["electricity"].emission_factor,
    )


# =============================================================== all violations at once


def test_many_errors_are_all_listed_with_exact_paths() -> None:
    def change(raw: Raw) -> None:
        m = method(raw)
        m["currency"] = "XYZ"
        m["discount_rate"] = math.nan
        m["resource_prices"][1]["price"]["value"] = math.inf
        m["resource_prices"][0]["escalation"] = 0.01
        m["carbon_price"] = {"series_id": "foo"}
        m["evaluation_model"]["price_threshold"] = {"value": 100, "unit": "SEK"}
        m["baseline_bid_id"] = "Z"
        item(raw)["resource_use"][0]["amount"]["unit"] = "kg"
        item(raw)["service_life"]["value"] = -8
        raw["bids"][1]["id"] = "A"
        raw["bids"][1]["items"][0]["resource_use"][0]["amount"]["unit"] = "kg"
        raw["bids"][0]["costs"][0]["category"] = "bribes"

    found = {v.field: v.description for v in violations(edited(change))}
    assert set(found) == {
        "method.currency",
        "method.discount_rate",
        "method.resource_prices[1].price.value",
        "method.carbon_price.series_id",
        "method.evaluation_model.price_threshold",
        "method.baseline_bid_id",
        "bids[0].items[0].resource_use[0].amount.unit",
        "bids[0].items[0].service_life.value",
        "bids[1].id",
        "bids[1].items[0].resource_use[0].amount.unit",
        "bids[0].costs[0].category",
    }
    assert (
        found["bids[1].items[0].resource_use[0].amount.unit"]
        == "expected energy per time such as 'kWh/year', got 'kg'"
    )
    assert (
        found["bids[0].items[0].resource_use[0].amount.unit"]
        == "expected volume per time such as 'l/year', got 'kg'"
    )
    assert found["method.carbon_price.series_id"].startswith("unknown series 'foo'; known: ")
    assert "asek-7.0" in found["method.carbon_price.series_id"]


def test_invalid_tender_message_counts() -> None:
    raw = edited(lambda r: method(r).update(currency="", discount_rate=-2))
    with pytest.raises(InvalidTender, match=r"^2 invalid field\(s\): method.currency"):
        prepare(raw)


# =============================================================== method scalars


@pytest.mark.parametrize(("code", "digits"), [("EUR", 2), ("JPY", 0), ("ISK", 0), ("KWD", 3)])
def test_minor_unit_digits_of_the_method_currency(code: str, digits: int) -> None:
    def change(raw: Raw) -> None:
        m = method(raw)
        m["currency"] = code
        m["exchange_rates"] = {"SEK": 0.1, "EUR": 1.0} if code != "EUR" else {"SEK": 0.09}

    assert prepare(edited(change)).method.minor_unit_digits == digits


@pytest.mark.parametrize("years", [0, -1, 101, 10**9])
def test_study_period_range(years: int) -> None:
    found = fields(edited(lambda r: method(r).update(study_period_years=years)))
    assert "method.study_period_years" in found


def test_study_period_bounds_are_allowed() -> None:
    for years in (1, 100):
        raw = edited(lambda r, y=years: method(r).update(study_period_years=y))  # type: ignore[misc]
        raw["bids"][0]["costs"][0]["first_year"] = 1
        raw["bids"][1]["items"][0]["costs"][0]["first_year"] = 1
        assert prepare(raw).method.study_period_years == years


def test_nominal_analysis_uses_fisher() -> None:
    def change(raw: Raw) -> None:
        m = method(raw)
        m.update(rate_basis="RATE_BASIS_NOMINAL", discount_rate=0.045, inflation_rate=0.0225049)
        m["resource_prices"][0]["escalation"] = 0.03
        raw["bids"][0]["costs"][0]["escalation"] = 0.0225049

    prepared = prepare(edited(change))
    m = prepared.method
    assert m.rate_basis is RateBasis.NOMINAL
    assert m.stated_discount_rate == 0.045
    assert m.discount_rate == pytest.approx(0.022, abs=1e-7)  # primer: 4.5 % nominal -> 2.2 %
    assert m.inflation_rate == 0.0225049
    assert m.resources["electricity"].escalation_rates[0] == pytest.approx(1.03 / 1.0225049 - 1)
    assert prepared.bids[0].costs[0].escalation == pytest.approx(0.0, abs=1e-15)


# =============================================================== exchange rates


def test_missing_exchange_rate_is_reported_at_every_amount() -> None:
    found = {
        v.field: v.description
        for v in violations(edited(lambda r: method(r).update(exchange_rates={})))
    }
    assert set(found) == {
        "bids[1].items[0].unit_price.unit",
        "bids[1].items[0].costs[0].amount.unit",
    }
    description = found["bids[1].items[0].unit_price.unit"]
    assert "EUR" in description
    assert "method.exchange_rates" in description


# =============================================================== emission factors


def test_emission_factor_from_reference_takes_its_basis() -> None:
    def change(raw: Raw) -> None:
        method(raw)["emission_factors"][0] = {
            "resource": "electricity",
            "reference_id": "nordic-residual-mix-2021",
        }

    electricity = prepare(edited(change)).method.resources["electricity"]
    assert electricity.emission_source == "nordic-residual-mix-2021"
    assert "residual mix" in electricity.emission_basis
    assert np.allclose(electricity.emission_factor, 0.372)


def test_emission_factor_reference_rules() -> None:
    def change(raw: Raw) -> None:
        efs = method(raw)["emission_factors"]
        efs[0] = {"resource": "electricity", "reference_id": "nope"}
        efs[1] = {
            "resource": "diesel",
            "reference_id": "nordic-mix-2021-2023",
            "factor": {"value": 2.98, "unit": "kgCO2e/l"},
            "basis": "my own",
        }

    found = {v.field: v.description for v in violations(edited(change))}
    assert found["method.emission_factors[0].reference_id"].startswith(
        "unknown reference factor 'nope'; known: "
    )
    assert "factor or reference_id, not both" in found["method.emission_factors[1].factor"]
    assert "leave basis empty" in found["method.emission_factors[1].basis"]
    assert "priced per volume" in found["method.emission_factors[1].reference_id"]


def test_no_emission_factor_is_zero_without_a_basis() -> None:
    diesel = prepare(apply(sample_dict(), {f"{E}.1": DELETE})).method.resources["diesel"]
    assert np.all(diesel.emission_factor == 0.0)
    assert diesel.emission_basis == ""
    assert diesel.emission_source == ""


# =============================================================== carbon price


@pytest.mark.parametrize(
    "carbon",
    [
        {},
        {"series_id": "asek-7.0", "price": {"value": 7, "unit": "SEK/kgCO2e"}},
        {
            "price": {"value": 7, "unit": "SEK/kgCO2e"},
            "points": [{"year": 2027, "price": {"value": 7, "unit": "SEK/kgCO2e"}}],
        },
    ],
)
def test_carbon_price_exactly_one_of(carbon: Raw) -> None:
    v = only(edited(lambda r: method(r).update(carbon_price=carbon)))
    assert v.field == "method.carbon_price"
    assert "exactly one of series_id, price or points" in v.description


def test_carbon_price_series_in_eur_needs_a_rate() -> None:
    raw = edited(lambda r: method(r).update(carbon_price={"series_id": "ebrd"}))
    carbon = prepare(raw).method.carbon_price
    assert carbon is not None
    # EBRD 101 EUR/t in 2022, 179 in 2030: 2027 = 101 + 78 * 5/8 = 149.75 EUR/t
    assert carbon.price_per_kg[0] == pytest.approx(149.75 * 11.2 / 1000)
    raw = edited(lambda r: method(r).update(carbon_price={"series_id": "ebrd"}, exchange_rates={}))
    found = {v.field: v.description for v in violations(raw)}
    assert "method.carbon_price.series_id" in found
    assert "EUR" in found["method.carbon_price.series_id"]
    assert "method.exchange_rates" in found["method.carbon_price.series_id"]


# =============================================================== pollutants


def _with_pollutants(raw: Raw) -> None:
    method(raw)["pollutant_prices"] = [
        {"pollutant": "nox", "price": {"value": 0.0044, "unit": "EUR/g"}, "undiscounted": True},
        {"pollutant": "pm", "price": {"value": 0.087, "unit": "EUR/g"}},
    ]
    item(raw)["pollutant_emissions"] = [
        {
            "pollutant": "nox",
            "amount": {"value": 0.2, "unit": "g/km"},
            "activity": {"value": 20000, "unit": "km/year"},
        },
        {"pollutant": "pm", "amount": {"value": 1.5, "unit": "kg/year"}},
    ]


def test_pollutants_are_converted_per_kg() -> None:
    prepared = prepare(edited(_with_pollutants))
    nox = prepared.method.pollutant_prices["nox"]
    assert nox.price_per_kg == pytest.approx(4.4 * 11.2)
    assert nox.undiscounted
    emissions = prepared.bids[0].items[0].pollutant_emissions
    assert emissions[0].kg_per_year == pytest.approx(4.0)
    assert emissions[1].kg_per_year == pytest.approx(1.5)


def test_pollutant_rules() -> None:
    def change(raw: Raw) -> None:
        _with_pollutants(raw)
        method(raw)["pollutant_prices"].append(dict(method(raw)["pollutant_prices"][0]))
        item(raw)["pollutant_emissions"][1]["pollutant"] = "so2"
        item(raw)["pollutant_emissions"][0]["amount"]["unit"] = "g"

    assert fields(edited(change)) == [
        "method.pollutant_prices[2].pollutant",
        "bids[0].items[0].pollutant_emissions[0].amount.unit",
        "bids[0].items[0].pollutant_emissions[1].pollutant",
    ]


# =============================================================== bids


def test_too_many_bids_is_refused_cheaply() -> None:
    raw = sample_dict()
    raw["bids"] = [dict(raw["bids"][1], id=f"b{i}") for i in range(MAX_BIDS + 1)]
    raw["method"]["baseline_bid_id"] = "b0"
    assert fields(raw) == ["bids"]


# --------------------------------------------------------------- resource use


@pytest.mark.parametrize(
    ("resource", "amount", "activity", "per_year"),
    [
        ("electricity", {"value": 150, "unit": "kWh/year"}, None, 150.0),
        ("electricity", {"value": 2.2, "unit": "MWh/year"}, None, 2200.0),
        ("electricity", {"value": 45, "unit": "W"}, {"value": 4000, "unit": "h/year"}, 180.0),
        (
            "electricity",
            {"value": 0.18, "unit": "kWh/km"},
            {"value": 20000, "unit": "km/year"},
            3600.0,
        ),
        (
            "electricity",
            {"value": 3.6, "unit": "MJ/km"},
            {"value": 1000, "unit": "km/year"},
            1000.0,
        ),
        ("diesel", {"value": 900, "unit": "l/year"}, None, 900.0),
        ("diesel", {"value": 5, "unit": "l/(100 km)"}, {"value": 15000, "unit": "km/year"}, 750.0),
        ("diesel", {"value": 0.9, "unit": "m^3/year"}, None, 900.0),
    ],
)
def test_resource_use_conversions(
    resource: str, amount: Raw, activity: Raw | None, per_year: float
) -> None:
    def change(raw: Raw) -> None:
        use = {"resource": resource, "amount": amount}
        if activity is not None:
            use["activity"] = activity
        item(raw)["resource_use"] = [use]

    use = prepare(edited(change)).bids[0].items[0].resource_use[0]
    assert use.resource == resource
    assert use.amount_per_year == pytest.approx(per_year, rel=1e-14)


# =============================================================== messages stay small


def test_violation_cap() -> None:
    raw = sample_dict()
    streams = [{"category": "bad"} for _ in range(1500)]
    raw["bids"][0]["costs"] = streams
    found = violations(raw)
    assert len(found) == 1001
    assert found[-1].description.startswith("500 more violation(s) not listed")
