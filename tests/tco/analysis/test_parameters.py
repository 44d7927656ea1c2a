"""The parameter path grammar: parsing, resolution against a tender, and its refusals."""

from __future__ import annotations

import pytest

from tco.analysis.parameters import Kind, Mode, PathError, parse_path, resolve
from tests.tco.analysis.helpers import prepared, sample


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("discount_rate", (Kind.DISCOUNT_RATE, "", "", "*", "*")),
        ("carbon_price", (Kind.CARBON_PRICE, "", "", "*", "*")),
        ("resource_prices[electricity].price", (Kind.RESOURCE_PRICE, "electricity", "", "*", "*")),
        ("resource_prices[*].escalation", (Kind.ESCALATION, "*", "", "*", "*")),
        ("emission_factors[diesel].factor", (Kind.EMISSION_FACTOR, "diesel", "", "*", "*")),
        ("bids[A].items[0].service_life", (Kind.SERVICE_LIFE, "", "A", 0, "*")),
        ("bids[*].items[*].quantity", (Kind.QUANTITY, "", "*", "*", "*")),
        ("bids[bid-7].items[12].unit_price", (Kind.UNIT_PRICE, "", "bid-7", 12, "*")),
        ("bids[B].items[0].resource_use[1].amount", (Kind.RESOURCE_USE, "", "B", 0, 1)),
        (
            "bids[*].items[*].resource_use[diesel].amount",
            (Kind.RESOURCE_USE, "", "*", "*", "diesel"),
        ),
        ('bids["x]y"].items[0].service_life', (Kind.SERVICE_LIFE, "", "x]y", 0, "*")),
    ],
)
def test_parse(text: str, expected: tuple[object, ...]) -> None:
    parsed = parse_path(text)
    assert (parsed.kind, parsed.resource, parsed.bid, parsed.item, parsed.use) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "discount",
        "discount_rate ",
        "resource_prices[Electricity].price",
        "resource_prices[electricity]",
        "bids[A].items[-1].service_life",
        "bids[A].items[0].warranty",
        "bids[A].items[0].resource_use[0]",
        "carbon_price.points[0]",
        "x" * 700,
    ],
)
def test_bad_paths_are_refused_with_the_grammar(text: str) -> None:
    with pytest.raises(PathError):
        parse_path(text)


def test_resolution_targets_units_and_stated_values() -> None:
    p = prepared(sample())
    price = resolve("resource_prices[*].price", Mode.SCALE, p)
    assert price.targets == ("electricity", "diesel")
    assert price.linear
    assert not price.structural
    diesel = resolve("resource_prices[diesel].price", Mode.VALUE, p)
    assert (diesel.unit, diesel.base) == ("SEK/l", 17.5)
    assert diesel.reference == 17.5
    assert resolve("resource_prices[diesel].price", Mode.SCALE, p).reference == 1.0
    assert resolve("discount_rate", Mode.SHIFT, p).reference == 0.0
    life = resolve("bids[*].items[*].service_life", Mode.SCALE, p)
    assert life.targets == ((0, 0), (1, 0))
    assert life.structural
    assert not life.linear
    assert life.base is None  # 8 and 10 years
    use = resolve("bids[*].items[*].resource_use[electricity].amount", Mode.VALUE, p)
    assert use.targets == ((1, 0, 0),)
    assert (use.unit, use.base) == ("kWh/year", 2200.0)
    carbon = resolve("carbon_price", Mode.VALUE, p)
    assert (carbon.unit, carbon.base, carbon.linear) == ("SEK/kgCO2e", None, True)
    trajectory = resolve("emission_factors[electricity].factor", Mode.VALUE, p)
    assert trajectory.base is None  # a trajectory is not one number
    assert resolve("emission_factors[diesel].factor", Mode.VALUE, p).base == 2.98


@pytest.mark.parametrize(
    ("text", "mode", "message"),
    [
        ("resource_prices[coal].price", Mode.SCALE, "not priced"),
        ("bids[Z].items[0].quantity", Mode.SCALE, "no bid with id"),
        ("bids[A].items[5].quantity", Mode.SCALE, "item index out of range"),
        ("bids[A].items[0].resource_use[3].amount", Mode.SCALE, "use index out of range"),
        ("bids[A].items[0].resource_use[electricity].amount", Mode.SCALE, "matches no resource"),
    ],
)
def test_resolution_refusals(text: str, mode: Mode, message: str) -> None:
    with pytest.raises(PathError, match=message):
        resolve(text, mode, prepared(sample()))


def test_an_item_without_service_life() -> None:
    raw = sample()
    item = raw["bids"][0]["items"][0]
    del item["service_life"]
    # only an item without purchase cost may leave its life out (issue #14)
    item["unit_price"]["value"] = 0.0
    item.pop("installation_cost", None)
    p = prepared(raw)
    with pytest.raises(PathError, match="states no service life"):
        resolve("bids[A].items[0].service_life", Mode.SCALE, p)
    assert resolve("bids[A].items[0].service_life", Mode.VALUE, p).targets == ((0, 0),)
    # A wildcard in scale mode matches only the items that state a life.
    assert resolve("bids[*].items[*].service_life", Mode.SCALE, p).targets == ((1, 0),)


def test_scaling_a_missing_carbon_price_is_refused() -> None:
    raw = sample()
    del raw["method"]["carbon_price"]
    p = prepared(raw)
    with pytest.raises(PathError, match="sets no carbon price"):
        resolve("carbon_price", Mode.SCALE, p)
    assert resolve("carbon_price", Mode.VALUE, p).base == 0.0
