"""tco.validate.prepare: every rule, exact wire paths, all violations at once, conversions."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from tco import validate
from tco.errors import FieldViolation, InvalidTender
from tco.inputs import ModelKind, RateBasis, Timing
from tco.prepared import PreparedTender

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


#: Marks a field to delete in :func:`apply`.
DELETE: Any = object()


def apply(raw: Raw, edits: dict[str, Any]) -> Raw:
    """``raw`` with each dotted path set to its value (``"bids.0.items.0.quantity": 0``)."""
    for path, value in edits.items():
        *parents, last = path.split(".")
        target: Any = raw
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        key: Any = int(last) if isinstance(target, list) else last
        if value is DELETE:
            del target[key]
        else:
            target[key] = value
    return raw


def _id(edits: dict[str, Any]) -> str:
    return ",".join(f"{path}={value!r}"[:60] for path, value in edits.items())


def _money(value: float, unit: str = "SEK") -> Raw:
    return {"value": value, "unit": unit}


ITEM = "bids.0.items.0"
STREAM = "bids.0.costs.0"
EXTERNALITY = {"kind": "EVALUATION_MODEL_KIND_EXTERNALITY_FACTOR", "externality_factor": 1.0}
FICTIVE = {"kind": "EVALUATION_MODEL_KIND_FICTIVE_DISCOUNT", "ladder": []}

#: One edit of the sample each (dotted path -> value) and exactly the fields it makes invalid.
REFUSED: list[tuple[dict[str, Any], list[str]]] = [
    *(({"method.currency": c}, ["method.currency"]) for c in ["", "XYZ", "sek", "SEKK", "€"]),
    *(({"method.base_year": y}, ["method.base_year"]) for y in [1899, 2201, 0, -1]),
    *(
        ({"method.discount_rate": r}, ["method.discount_rate"])
        for r in [-1.0, -1.5, math.nan, math.inf, -math.inf, 1.5, 35.0]
    ),
    (
        {"method.discount_rate": -0.9999999, "method.study_period_years": 100},
        ["method.discount_rate"],
    ),
    *(({"method.inflation_rate": r}, ["method.inflation_rate"]) for r in [math.nan, -1.0, 2.0]),
    *(
        ({"method.exchange_rates": {"EUR": r}}, ["method.exchange_rates[EUR]"])
        for r in [0.0, -11.2, math.nan, math.inf]
    ),
    ({"method.exchange_rates.XYZ": 2.0}, ["method.exchange_rates[XYZ]"]),
    ({"method.exchange_rates.SEK": 2.0}, ["method.exchange_rates[SEK]"]),
    (
        {"method.resource_prices.0.yearly_escalation": [0.01] * 101},
        ["method.resource_prices[0].yearly_escalation"],
    ),
    (
        {"method.resource_prices.0.yearly_escalation": [0.01, math.nan, -2]},
        [
            "method.resource_prices[0].yearly_escalation[1]",
            "method.resource_prices[0].yearly_escalation[2]",
        ],
    ),
    *(
        ({"method.resource_prices.0.escalation": r}, ["method.resource_prices[0].escalation"])
        for r in [math.nan, -1.0, 1.01]
    ),
    # a resource whose price is refused is not reported again where bids use it
    (
        {"method.resource_prices.1.price.unit": "SEK/kWh/year"},
        ["method.resource_prices[1].price.unit"],
    ),
    (
        {"method.emission_factors.1.factor.value": -1},
        ["method.emission_factors[1].factor.value"],
    ),
    ({"method.emission_factors.1.factor": DELETE}, ["method.emission_factors[1].factor"]),
    *(
        ({"method.carbon_price": {"price": _money(1, u)}}, ["method.carbon_price.price.unit"])
        for u in ["SEK/t", "SEK", "kgCO2e/SEK", "SEK/kWh"]
    ),
    (
        {"method.carbon_price.points.0.price.value": -1},
        ["method.carbon_price.points[0].price.value"],
    ),
    (
        {"method.evaluation_model": FICTIVE, "bids.0.ladder_level": 0},
        ["method.evaluation_model.ladder"],
    ),
    *(
        (
            {"method.evaluation_model": dict(EXTERNALITY, externality_factor=f)},
            ["method.evaluation_model.externality_factor"],
        )
        for f in [-0.5, math.nan, math.inf]
    ),
    ({"method.baseline_bid_id": "C"}, ["method.baseline_bid_id"]),
    *(({"bids.1.id": bid_id}, ["bids[1].id"]) for bid_id in ["", "   ", "x" * 300]),
    *(({f"{ITEM}.quantity": q}, ["bids[0].items[0].quantity"]) for q in [0, -1, math.nan, 1e13]),
    *(
        ({f"{ITEM}.service_life.value": life}, ["bids[0].items[0].service_life.value"])
        for life in [0, -8]
    ),
    ({f"{ITEM}.warranty.value": -1}, ["bids[0].items[0].warranty.value"]),
    *(
        ({f"bids.1.items.0.{f}": _money(-1)}, [f"bids[1].items[0].{f}.value"])
        for f in ["unit_price", "installation_cost", "residual_value"]
    ),
    (
        {
            f"{ITEM}.emissions.a1_a3": _money(2.1, "t"),
            f"{ITEM}.emissions.c1_c4": _money(-1, "kgCO2e"),
        },
        ["bids[0].items[0].emissions.a1_a3.unit", "bids[0].items[0].emissions.c1_c4.value"],
    ),
    (
        {
            f"{ITEM}.resource_use": [
                {"resource": "electricity", "amount": _money(45, "W"), "activity": _money(4, "h/y")}
            ]
        },
        ["bids[0].items[0].resource_use[0].activity.unit"],
    ),
    ({f"{STREAM}.emissions_module": "z9"}, ["bids[0].costs[0].emissions_module"]),
    ({f"{STREAM}.first_year": 13}, ["bids[0].costs[0].first_year"]),
    ({f"{STREAM}.first_year": -1}, ["bids[0].costs[0].first_year"]),
    ({f"{STREAM}.every_years": -1}, ["bids[0].costs[0].every_years"]),
    ({f"{STREAM}.last_year": 13}, ["bids[0].costs[0].last_year"]),
    ({f"{STREAM}.first_year": 5, f"{STREAM}.last_year": 3}, ["bids[0].costs[0].last_year"]),
    ({f"{STREAM}.life": _money(0, "years")}, ["bids[0].costs[0].life.value"]),
    ({f"{STREAM}.escalation": math.nan}, ["bids[0].costs[0].escalation"]),
    ({f"{STREAM}.emissions": _money(1, "kg")}, ["bids[0].costs[0].emissions.unit"]),
    ({"bids.0.functional_units_delivered": -1}, ["bids[0].functional_units_delivered"]),
]


@pytest.mark.parametrize(("edits", "expected"), REFUSED, ids=[_id(e) for e, _ in REFUSED])
def test_refused(edits: dict[str, Any], expected: list[str]) -> None:
    assert fields(apply(sample_dict(), edits)) == expected


#: One edit of the sample each, what to read of the prepared tender, and what it must be.
ACCEPTED: list[tuple[dict[str, Any], Callable[[PreparedTender], object], object]] = [
    *(
        ({"method.discount_rate": r}, lambda p: p.method.discount_rate, r)
        for r in [0.0, -0.01, 0.08, 1.0]
    ),
    # inflation counts only in a nominal analysis
    (
        {"method.inflation_rate": 0.02},
        lambda p: (p.method.inflation_rate, p.method.discount_rate),
        (0.0, 0.035),
    ),
    ({"method.exchange_rates.SEK": 1.0}, lambda p: p.method.currency, "SEK"),
    (
        {"method.resource_prices.0.yearly_escalation": [0.01] * 30},
        lambda p: p.method.resources["electricity"].escalation_rates.shape,
        (12,),
    ),
    ({"method.carbon_price": DELETE}, lambda p: p.method.carbon_price, None),
    ({"method.evaluation_model": EXTERNALITY}, lambda p: p.method.model.externality_factor, 1.0),
    ({"method.baseline_bid_id": ""}, lambda p: p.method.baseline_bid_id, ""),
    (
        {f"{ITEM}.service_life": _money(96, "months")},
        lambda p: p.bids[0].items[0].service_life,
        8.0,
    ),
    ({f"{ITEM}.service_life": DELETE}, lambda p: p.bids[0].items[0].service_life, None),
    # end of life may be a revenue
    (
        {f"{ITEM}.end_of_life_cost.value": -500},
        lambda p: p.bids[0].items[0].end_of_life_cost,
        -500.0,
    ),
    (
        {f"{STREAM}.category": ""},
        lambda p: (p.bids[0].costs[0].category, p.bids[0].costs[0].emissions_module),
        ("other", "b1_b3"),
    ),
    ({f"{STREAM}.emissions_module": "b5"}, lambda p: p.bids[0].costs[0].emissions_module, "b5"),
    (
        {f"{STREAM}.first_year": 2, f"{STREAM}.last_year": 9},
        lambda p: (p.bids[0].costs[0].first_year, p.bids[0].costs[0].last_year),
        (2, 9),
    ),
    (
        {f"{STREAM}.first_year": 12, f"{STREAM}.every_years": 0},
        lambda p: p.bids[0].costs[0].last_year,
        12,
    ),
    (
        {
            f"{STREAM}.life": _money(5, "years"),
            f"{STREAM}.emissions": _money(0.35, "tCO2e"),
            f"{STREAM}.escalation": 0.02,
        },
        lambda p: (
            p.bids[0].costs[0].life,
            p.bids[0].costs[0].emissions,
            p.bids[0].costs[0].escalation,
        ),
        (5.0, 350.0, 0.02),
    ),
    (
        {f"{STREAM}.amount": DELETE, f"{STREAM}.emissions": _money(10, "kgCO2e")},
        lambda p: (p.bids[0].costs[0].amount, p.bids[0].costs[0].emissions),
        (0.0, 10.0),
    ),
    # 0 means "not stated", taken as 1
    (
        {"bids.1.circularity.lifetime_ratio": 0, "bids.1.circularity.use_intensity_ratio": 0},
        lambda p: (p.bids[1].circularity.lifetime_ratio, p.bids[1].circularity.use_intensity_ratio),
        (1.0, 1.0),
    ),
    (
        {"bids.1.circularity.mass": _money(0.45, "t")},
        lambda p: p.bids[1].circularity.mass_kg,
        450.0,
    ),
]


@pytest.mark.parametrize(
    ("edits", "read", "expected"), ACCEPTED, ids=[_id(e) for e, _, _ in ACCEPTED]
)
def test_accepted(
    edits: dict[str, Any], read: Callable[[PreparedTender], object], expected: object
) -> None:
    assert read(prepare(apply(sample_dict(), edits))) == expected


# =============================================================== the sample


def test_sample_tender_prepares() -> None:
    prepared = validate.prepare(sample_tender())
    m = prepared.method
    assert m.currency == "SEK"
    assert m.minor_unit_digits == 2
    assert m.base_year == 2027
    assert m.study_period_years == 12
    assert m.discount_rate == 0.035
    assert m.stated_discount_rate == 0.035
    assert m.rate_basis is RateBasis.REAL
    assert m.inflation_rate == 0.0
    assert m.timing is Timing.END_OF_YEAR
    assert m.model.kind is ModelKind.DEDUCTIONS
    assert m.baseline_bid_id == "A"
    assert m.functional_unit == "year of cleaning service"
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


def test_sample_bids() -> None:
    a, b = validate.prepare(sample_tender()).bids
    scrubber = a.items[0]
    assert scrubber.quantity == 4.0
    assert scrubber.unit_price == 185000.0
    assert scrubber.installation_cost == 2500.0
    assert scrubber.service_life == 8.0
    assert scrubber.resource_use[0].resource == "diesel"
    assert scrubber.resource_use[0].amount_per_year == 900.0
    assert scrubber.maintenance_per_year == 9000.0
    assert scrubber.warranty_years == 2.0  # 24 months
    assert scrubber.end_of_life_cost == 3000.0
    assert scrubber.residual_value is None
    assert dict(scrubber.emissions) == {
        "a1_a3": 2100.0,
        "a4": 0.0,
        "a5": 0.0,
        "c1_c4": 60.0,
        "d": 0.0,
    }
    service = a.costs[0]
    assert (service.category, service.amount, service.first_year) == ("maintenance", 12000.0, 1)
    assert (service.every_years, service.last_year, service.emissions_module) == (1, 12, "b1_b3")
    battery = b.items[0]
    assert battery.unit_price == pytest.approx(19500 * 11.2)  # EUR at the method's rate
    assert battery.resource_use[0].amount_per_year == 2200.0  # 2.2 MWh/year
    assert battery.residual_value == 20000.0
    pack = battery.costs[0]
    assert pack.amount == pytest.approx(1800 * 11.2)
    assert (pack.category, pack.emissions, pack.emissions_module) == ("replacement", 350.0, "b4")
    assert b.deductions[0].amount == 25000.0
    assert b.circularity is not None
    assert b.circularity.mass_kg == 450.0
    assert b.circularity.lifetime_ratio == 1.25


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


def test_rate_that_looks_like_percent_warns() -> None:
    prepared = prepare(edited(lambda r: method(r).update(discount_rate=0.35)))
    assert "RATE_LOOKS_LIKE_PERCENT" in [c for c, _, _ in prepared.warnings]


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


def test_fisher_reference_value() -> None:
    """Primer: real 20 %, inflation 3 % -> nominal 23.6 %."""
    raw = edited(
        lambda r: method(r).update(
            rate_basis="RATE_BASIS_NOMINAL", discount_rate=0.236, inflation_rate=0.03
        )
    )
    assert prepare(raw).method.discount_rate == pytest.approx(0.20, rel=1e-12)


def test_nominal_without_inflation_warns_but_is_allowed() -> None:
    raw = edited(lambda r: method(r).update(rate_basis="RATE_BASIS_NOMINAL", inflation_rate=0.0))
    prepared = prepare(raw)
    assert prepared.method.discount_rate == 0.035
    assert "NOMINAL_WITHOUT_INFLATION" in [c for c, _, _ in prepared.warnings]


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


def test_money_in_another_currency_is_converted() -> None:
    def change(raw: Raw) -> None:
        method(raw)["exchange_rates"]["USD"] = 10.0
        item(raw)["maintenance_cost"] = {"value": 900, "unit": "USD/year"}
        item(raw)["unit_price"] = {"value": 185, "unit": "kSEK"}

    scrubber = prepare(edited(change)).bids[0].items[0]
    assert scrubber.maintenance_per_year == 9000.0
    assert scrubber.unit_price == 185000.0


# =============================================================== resource prices


def test_resource_price_unit_must_be_money_per_resource() -> None:
    raw = edited(lambda r: method(r)["resource_prices"][0]["price"].update(unit="SEK"))
    found = violations(raw)
    assert found[0].field == "method.resource_prices[0].price.unit"
    assert "money per unit of resource" in found[0].description


def test_resource_price_in_another_currency() -> None:
    raw = edited(
        lambda r: method(r)["resource_prices"][0]["price"].update(value=0.12, unit="EUR/kWh")
    )
    assert prepare(raw).method.resources["electricity"].price == pytest.approx(0.12 * 11.2)


def test_resource_price_canonical_unit() -> None:
    raw = edited(
        lambda r: method(r)["resource_prices"][1].update(price={"value": 17500, "unit": "SEK/m^3"})
    )
    diesel = prepare(raw).method.resources["diesel"]
    assert diesel.unit == "l"
    assert diesel.price == pytest.approx(17.5)


def test_resource_priced_twice() -> None:
    raw = edited(
        lambda r: method(r)["resource_prices"].append(dict(method(r)["resource_prices"][0]))
    )
    v = only(raw)
    assert v.field == "method.resource_prices[2].resource"
    assert "priced twice" in v.description
    assert "method.resource_prices[0]" in v.description


@pytest.mark.parametrize("name", ["", "Electricity", "el ectricity", "1st", "x" * 300])
def test_resource_name_is_lower_snake_case(name: str) -> None:
    def change(raw: Raw) -> None:
        method(raw)["resource_prices"].append(
            {"resource": name, "price": {"value": 1, "unit": "SEK/kWh"}}
        )

    assert fields(edited(change)) == ["method.resource_prices[2].resource"]


def test_resource_price_required() -> None:
    raw = edited(lambda r: method(r)["resource_prices"][0].pop("price"))
    found = fields(raw)
    assert found[0] == "method.resource_prices[0].price"


def test_yearly_escalation_last_rate_repeated() -> None:
    raw = edited(
        lambda r: method(r)["resource_prices"][0].update(yearly_escalation=[0.05, 0.04, 0.03])
    )
    rates = prepare(raw).method.resources["electricity"].escalation_rates
    assert rates.tolist() == [0.05, 0.04] + [0.03] * 10


def test_resource_used_but_not_priced() -> None:
    raw = edited(lambda r: item(r)["resource_use"][0].update(resource="hvo"))
    v = only(raw)
    assert v.field == "bids[0].items[0].resource_use[0].resource"
    assert "not priced" in v.description
    assert "hvo" not in v.description  # bid contents are not echoed


# =============================================================== emission factors


def test_emission_factor_without_basis() -> None:
    raw = edited(lambda r: method(r)["emission_factors"][1].update(basis=""))
    v = only(raw)
    assert v.field == "method.emission_factors[1].basis"
    assert "basis" in v.description


def test_emission_factor_for_an_unpriced_resource() -> None:
    def change(raw: Raw) -> None:
        method(raw)["emission_factors"].append(
            {"resource": "hvo", "factor": {"value": 0.5, "unit": "kgCO2e/l"}, "basis": "wtw"}
        )

    assert fields(edited(change)) == ["method.emission_factors[2].resource"]


def test_emission_factor_unit_must_match_the_resource() -> None:
    raw = edited(lambda r: method(r)["emission_factors"][1]["factor"].update(unit="kgCO2e/kWh"))
    v = only(raw)
    assert v.field == "method.emission_factors[1].factor.unit"
    assert (
        v.description
        == "expected climate impact (CO2e mass) per volume such as 'kgCO2e/l', got 'kgCO2e/kWh'"
    )


def test_emission_factor_in_grams_per_kwh() -> None:
    def change(raw: Raw) -> None:
        ef = method(raw)["emission_factors"][0]
        ef["factor"] = {"value": 59, "unit": "gCO2e/kWh"}
        ef["trajectory"] = []

    factor = prepare(edited(change)).method.resources["electricity"].emission_factor
    assert np.allclose(factor, 0.059)


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


def test_emission_factor_trajectory_rules() -> None:
    def change(raw: Raw) -> None:
        trajectory = method(raw)["emission_factors"][0]["trajectory"]
        trajectory.append({"year": 2030, "factor": {"value": 0.04, "unit": "kgCO2e/kWh"}})
        trajectory.append({"year": 1800, "factor": {"value": 0.04, "unit": "kgCO2e/kWh"}})
        trajectory.append({"year": 2040})

    assert fields(edited(change)) == [
        "method.emission_factors[0].trajectory[2].year",
        "method.emission_factors[0].trajectory[3].year",
        "method.emission_factors[0].trajectory[4].factor",
    ]


def test_trajectory_point_at_base_year_wins_over_factor() -> None:
    def change(raw: Raw) -> None:
        method(raw)["emission_factors"][0]["trajectory"].append(
            {"year": 2027, "factor": {"value": 0.07, "unit": "kgCO2e/kWh"}}
        )

    factor = prepare(edited(change)).method.resources["electricity"].emission_factor
    assert factor[0] == pytest.approx(0.07)


def test_no_emission_factor_warns_per_bid() -> None:
    raw = edited(lambda r: method(r)["emission_factors"].pop(1))
    prepared = prepare(raw)
    assert ("NO_EMISSION_FACTOR", "A") in [(c, b) for c, _, b in prepared.warnings]
    diesel = prepared.method.resources["diesel"]
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


def test_carbon_price_series_asek() -> None:
    raw = edited(lambda r: method(r).update(carbon_price={"series_id": "asek-7.0"}))
    carbon = prepare(raw).method.carbon_price
    assert carbon is not None
    assert np.all(carbon.price_per_kg == 7.0)
    assert carbon.source == "series:asek-7.0"
    assert carbon.price_base_year == 2017
    assert carbon.extrapolated_years == ()


def test_carbon_price_constant_series_before_its_year_is_extrapolated() -> None:
    raw = edited(lambda r: method(r).update(carbon_price={"series_id": "asek-7.0"}, base_year=2017))
    raw["method"]["emission_factors"][0]["trajectory"] = []
    carbon = prepare(raw).method.carbon_price
    assert carbon is not None
    assert carbon.extrapolated_years == (2017, 2018, 2019)


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


def test_carbon_price_market_series_warns() -> None:
    raw = edited(lambda r: method(r).update(carbon_price={"series_id": "eu-ets-2024-average"}))
    codes = [c for c, _, _ in prepare(raw).warnings]
    assert "CARBON_PRICE_IS_MARKET_PRICE" in codes


def test_carbon_price_constant() -> None:
    raw = edited(
        lambda r: method(r).update(
            carbon_price={"price": {"value": 1500, "unit": "SEK/tCO2e"}, "undiscounted": True}
        )
    )
    carbon = prepare(raw).method.carbon_price
    assert carbon is not None
    assert carbon.price_per_kg.shape == (13,)
    assert np.all(carbon.price_per_kg == 1.5)
    assert carbon.undiscounted
    assert carbon.source == "constant"


@pytest.mark.parametrize(
    ("unit", "per_kg"), [("EUR/tCO2e", 250 * 11.2 / 1000), ("SEK/kgCO2e", 250.0)]
)
def test_carbon_price_units(unit: str, per_kg: float) -> None:
    raw = edited(lambda r: method(r).update(carbon_price={"price": {"value": 250, "unit": unit}}))
    carbon = prepare(raw).method.carbon_price
    assert carbon is not None
    assert carbon.price_per_kg[0] == pytest.approx(per_kg)


def test_carbon_price_points_duplicate_years() -> None:
    def change(raw: Raw) -> None:
        method(raw)["carbon_price"]["points"].append(
            {"year": 2035, "price": {"value": 3100, "unit": "SEK/tCO2e"}}
        )

    v = only(edited(change))
    assert v.field == "method.carbon_price.points[2].year"
    assert "points[1]" in v.description


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


# =============================================================== evaluation model


def test_price_threshold_is_refused_citing_hfd() -> None:
    raw = edited(
        lambda r: method(r)["evaluation_model"].update(price_threshold={"value": 1, "unit": "SEK"})
    )
    v = only(raw)
    assert v.field == "method.evaluation_model.price_threshold"
    assert "HFD 2022 ref. 41" in v.description


def _ladder(raw: Raw, steps: list[Raw], level: int = 3) -> None:
    method(raw)["evaluation_model"] = {
        "kind": "EVALUATION_MODEL_KIND_FICTIVE_DISCOUNT",
        "ladder": steps,
    }
    raw["bids"][0]["ladder_level"] = level


LADDER = [
    {"level": k, "discount": d} for k, d in ((1, 0.01), (2, 0.02), (3, 0.04), (4, 0.07), (5, 0.10))
]


def test_fictive_discount_ladder() -> None:
    model = prepare(edited(lambda r: _ladder(r, LADDER))).method.model
    assert model.kind is ModelKind.FICTIVE_DISCOUNT
    assert dict(model.ladder) == {1: 0.01, 2: 0.02, 3: 0.04, 4: 0.07, 5: 0.10}


def test_ladder_rules() -> None:
    steps = [
        {"level": 1, "discount": 0.01},
        {"level": 1, "discount": 0.02},
        {"level": 0, "discount": 0.0},
        {"level": 2, "discount": 1.0},
    ]
    assert fields(edited(lambda r: _ladder(r, steps, level=0))) == [
        "method.evaluation_model.ladder[1].level",
        "method.evaluation_model.ladder[2].level",
        "method.evaluation_model.ladder[3].discount",
    ]


def test_bid_level_must_be_on_the_ladder() -> None:
    v = only(edited(lambda r: _ladder(r, LADDER, level=9)))
    assert v.field == "bids[0].ladder_level"
    assert "1, 2, 3, 4, 5" in v.description


# =============================================================== bids


def test_at_least_one_bid() -> None:
    raw = edited(lambda r: r.update(bids=[]))
    found = fields(raw)
    assert "bids" in found


def test_bid_ids_unique() -> None:
    v = only(edited(lambda r: r["bids"][1].update(id="A")))
    assert v.field == "bids[1].id"
    assert "bids[0].id" in v.description


def test_too_many_bids_is_refused_cheaply() -> None:
    raw = sample_dict()
    raw["bids"] = [dict(raw["bids"][1], id=f"b{i}") for i in range(validate.MAX_BIDS + 1)]
    raw["method"]["baseline_bid_id"] = "b0"
    assert fields(raw) == ["bids"]


def test_service_life_too_short_for_the_study() -> None:
    raw = edited(lambda r: item(r).update(service_life={"value": 1, "unit": "h"}))
    v = only(raw)
    assert v.field == "bids[0].items[0].service_life.value"
    assert "replacements" in v.description


def test_service_life_wrong_dimension() -> None:
    v = only(edited(lambda r: item(r)["service_life"].update(unit="km")))
    assert v.field == "bids[0].items[0].service_life.unit"
    assert v.description == "expected time such as 'years', got 'km'"


def test_maintenance_must_be_money_per_time() -> None:
    v = only(edited(lambda r: item(r)["maintenance_cost"].update(unit="SEK")))
    assert v.field == "bids[0].items[0].maintenance_cost.unit"
    assert v.description == "expected money per time such as 'SEK/year', got 'SEK'"


def test_embodied_emissions() -> None:
    def change(raw: Raw) -> None:
        item(raw)["emissions"]["d"] = {"value": -0.4, "unit": "tCO2e"}
        item(raw)["emissions"]["a4"] = {"value": 12, "unit": "kgCO2e"}

    emissions = prepare(edited(change)).bids[0].items[0].emissions
    assert emissions["d"] == pytest.approx(-400.0)
    assert emissions["a4"] == 12.0


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


def test_resource_use_wrong_product() -> None:
    def change(raw: Raw) -> None:
        item(raw)["resource_use"] = [
            {
                "resource": "electricity",
                "amount": {"value": 45, "unit": "W"},
                "activity": {"value": 4000, "unit": "h"},
            }
        ]

    v = only(edited(change))
    assert v.field == "bids[0].items[0].resource_use[0].amount.unit"
    assert "amount times activity" in v.description


def test_resource_use_negative_and_missing() -> None:
    def change(raw: Raw) -> None:
        item(raw)["resource_use"] = [
            {"resource": "diesel", "amount": {"value": -900, "unit": "l/year"}},
            {"resource": "diesel"},
            {
                "resource": "diesel",
                "amount": {"value": 1, "unit": "l"},
                "activity": {"value": -1, "unit": "1/year"},
            },
        ]

    assert fields(edited(change)) == [
        "bids[0].items[0].resource_use[0].amount.value",
        "bids[0].items[0].resource_use[1].amount",
        "bids[0].items[0].resource_use[2].activity.value",
        "bids[0].items[0].resource_use[2].activity.unit",
    ]


# --------------------------------------------------------------- streams


def _stream(raw: Raw, **fields_: Any) -> None:
    raw["bids"][0]["costs"][0].update(fields_)


def test_stream_category_unknown_lists_allowed() -> None:
    v = only(edited(lambda r: _stream(r, category="bribes")))
    assert v.field == "bids[0].costs[0].category"
    assert "acquisition" in v.description
    assert "residual_value" in v.description


@pytest.mark.parametrize(
    ("category", "module"),
    [
        ("replacement", "b4"),
        ("acquisition", "a1_a3"),
        ("installation", "a5"),
        ("end_of_life", "c1_c4"),
        ("energy", "b6"),
        ("water_and_resources", "b7"),
        ("maintenance", "b1_b3"),
        ("operation", "b1_b3"),
        ("other", "b1_b3"),
        ("residual_value", "b1_b3"),
    ],
)
def test_stream_module_from_category(category: str, module: str) -> None:
    stream = prepare(edited(lambda r: _stream(r, category=category))).bids[0].costs[0]
    assert stream.emissions_module == module


def test_stream_money_per_time_only_yearly() -> None:
    stream = (
        prepare(edited(lambda r: _stream(r, amount={"value": 1000, "unit": "SEK/month"})))
        .bids[0]
        .costs[0]
    )
    assert stream.amount == pytest.approx(12000.0)
    v = only(
        edited(lambda r: _stream(r, amount={"value": 12000, "unit": "SEK/year"}, every_years=2))
    )
    assert v.field == "bids[0].costs[0].amount.unit"
    assert "every_years = 1" in v.description


def test_stream_amount_wrong_dimension() -> None:
    v = only(edited(lambda r: _stream(r, amount={"value": 1, "unit": "kWh"})))
    assert v.field == "bids[0].costs[0].amount.unit"
    assert v.description.startswith("expected money per occurrence")


# --------------------------------------------------------------- deductions, circularity


def test_deductions_non_negative_and_required() -> None:
    raw = edited(
        lambda r: r["bids"][1]["deductions"].extend(
            [{"criterion": "x", "amount": {"value": -1, "unit": "SEK"}}, {"criterion": "y"}]
        )
    )
    assert fields(raw) == ["bids[1].deductions[1].amount.value", "bids[1].deductions[2].amount"]


def test_circularity_rules() -> None:
    def change(raw: Raw) -> None:
        c = raw["bids"][1]["circularity"]
        c["reused_input"] = 0.9
        c["collected_for_composting"] = 0.2
        c["recycling_efficiency_feedstock"] = 0.0
        c["mass"] = {"value": 0, "unit": "kg"}

    assert fields(edited(change)) == [
        "bids[1].circularity.mass.value",
        "bids[1].circularity.recycled_input",
        "bids[1].circularity.collected_for_recycling",
        "bids[1].circularity.recycling_efficiency_feedstock",
    ]


@pytest.mark.parametrize(
    "name", ["recycled_input", "collected_for_reuse", "recycling_efficiency_collection"]
)
@pytest.mark.parametrize("value", [-0.1, 1.1, math.nan])
def test_circularity_fractions(name: str, value: float) -> None:
    raw = edited(lambda r: r["bids"][1]["circularity"].update({name: value}))
    assert f"bids[1].circularity.{name}" in fields(raw)


# =============================================================== messages stay small


def test_violation_cap() -> None:
    raw = sample_dict()
    streams = [{"category": "bad"} for _ in range(1500)]
    raw["bids"][0]["costs"] = streams
    found = violations(raw)
    assert len(found) == 1001
    assert found[-1].description.startswith("500 more violation(s) not listed")
