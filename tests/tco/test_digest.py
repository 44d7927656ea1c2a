"""tco.digest: a pinned digest of a fixed method; changes with any field; order-independent."""

from __future__ import annotations

import dataclasses
import hashlib
import json

import pytest

from tco import digest
from tco.inputs import (
    CarbonPrice,
    EmissionFactor,
    Method,
    Quantity,
    RateBasis,
    ResourcePrice,
)

from .tender_json import sample_tender

FIXED = Method(
    currency="SEK",
    base_year=2027,
    study_period_years=12,
    discount_rate=0.035,
    resource_prices=(ResourcePrice("electricity", Quantity(1.35, "SEK/kWh"), 0.01),),
    emission_factors=(
        EmissionFactor("electricity", Quantity(0.059, "kgCO2e/kWh"), "location-based"),
    ),
    carbon_price=CarbonPrice(series_id="asek-7.0"),
    exchange_rates={"EUR": 11.2, "DKK": 1.5},
)

#: Pinned: changing the serialisation changes every published method digest. Do not update this
#: value without a contract version bump.
FIXED_DIGEST = "50ac134c36a206a8d19838055433fe9fbf0585e376e017ba5e62f59eb9391f06"


def test_pinned_digest_of_a_fixed_method() -> None:
    assert digest.method_digest(FIXED) == FIXED_DIGEST


def test_canonical_json_shape() -> None:
    text = digest.canonical_json(FIXED).decode("utf-8")
    assert text.startswith('{"base_year":2027,"baseline_bid_id":"","carbon_price":{"points":[]')
    assert '"discount_rate":0.035' in text
    assert '"exchange_rates":{"DKK":1.5,"EUR":11.2}' in text
    assert '"rate_basis":"real"' in text
    assert '"timing":"end_of_year"' in text
    assert (
        '"evaluation_model":{"deduction_criteria":[],"externality_factor":0.0,"kind":"cost",'
        '"ladder":[]' in text
    )
    assert " " not in text.replace("location-based", "")
    assert json.loads(text)["resource_prices"][0]["price"] == {"unit": "SEK/kWh", "value": 1.35}


def test_digest_is_sha256_of_the_canonical_json() -> None:
    expected = hashlib.sha256(digest.canonical_json(FIXED)).hexdigest()
    assert digest.method_digest(FIXED) == expected
    assert len(expected) == 64


def test_independent_of_map_insertion_order() -> None:
    reordered = dataclasses.replace(FIXED, exchange_rates={"DKK": 1.5, "EUR": 11.2})
    assert digest.method_digest(reordered) == digest.method_digest(FIXED)


def test_int_and_float_in_a_double_field_are_the_same() -> None:
    as_int = dataclasses.replace(FIXED, discount_rate=0)
    as_float = dataclasses.replace(FIXED, discount_rate=0.0)
    negative_zero = dataclasses.replace(FIXED, discount_rate=-0.0)
    assert digest.method_digest(as_int) == digest.method_digest(as_float)
    assert digest.method_digest(negative_zero) == digest.method_digest(as_float)
    price = ResourcePrice("electricity", Quantity(2, "SEK/kWh"))
    price_float = ResourcePrice("electricity", Quantity(2.0, "SEK/kWh"))
    assert digest.method_digest(
        dataclasses.replace(FIXED, resource_prices=(price,))
    ) == digest.method_digest(dataclasses.replace(FIXED, resource_prices=(price_float,)))


@pytest.mark.parametrize(
    "change",
    [
        {"currency": "EUR"},
        {"base_year": 2028},
        {"study_period_years": 13},
        {"discount_rate": 0.035000000000000003 + 1e-17},
        {"discount_rate": 0.04},
        {"rate_basis": RateBasis.NOMINAL},
        {"inflation_rate": 0.02},
        {"exchange_rates": {"EUR": 11.2}},
        {"exchange_rates": {"EUR": 11.2, "DKK": 1.6}},
        {"carbon_price": None},
        {"carbon_price": CarbonPrice(series_id="asek-7.0", undiscounted=True)},
        {"baseline_bid_id": "A"},
        {"include_module_d": True},
        {"functional_unit": "patient-day"},
        {"resource_prices": ()},
        {"resource_prices": (ResourcePrice("electricity", Quantity(1.35, "SEK/MWh"), 0.01),)},
        {
            "emission_factors": (
                EmissionFactor("electricity", Quantity(0.059, "kgCO2e/kWh"), "market"),
            )
        },
    ],
)
def test_digest_changes_with_any_field(change: dict[str, object]) -> None:
    changed = dataclasses.replace(FIXED, **change)  # type: ignore[arg-type]
    if changed == FIXED:
        pytest.skip("no change")
    assert digest.method_digest(changed) != digest.method_digest(FIXED)


def test_non_finite_values_still_have_a_digest() -> None:
    for value in (float("nan"), float("inf"), float("-inf")):
        text = digest.canonical_json(dataclasses.replace(FIXED, discount_rate=value))
        assert b'"discount_rate":"' in text


def test_request_digest_covers_method_and_bids() -> None:
    tender = sample_tender()
    base = digest.request_digest(tender)
    assert base == digest.request_digest(sample_tender())
    assert base != digest.method_digest(tender.method)
    bid = dataclasses.replace(tender.bids[0], supplier="Someone else")
    assert digest.request_digest(dataclasses.replace(tender, bids=(bid, tender.bids[1]))) != base
    swapped = dataclasses.replace(tender, bids=(tender.bids[1], tender.bids[0]))
    assert digest.request_digest(swapped) != base  # bid order is part of the request


def test_non_ascii_is_written_as_utf8() -> None:
    text = digest.canonical_json(sample_tender())
    assert "Städmaskiner".encode() in text


def test_third_party_recomputation_from_the_documented_rules() -> None:
    """Build the document by hand, as a reader of the docstring would, and compare."""
    method = Method(currency="EUR", base_year=2030, study_period_years=20, discount_rate=0.04)
    document = {
        "currency": "EUR",
        "base_year": 2030,
        "study_period_years": 20,
        "discount_rate": 0.04,
        "rate_basis": "real",
        "inflation_rate": 0.0,
        "timing": "end_of_year",
        "resource_prices": [],
        "emission_factors": [],
        "carbon_price": None,
        "exchange_rates": {},
        "evaluation_model": {
            "kind": "cost",
            "ladder": [],
            "externality_factor": 0.0,
            "price_threshold": None,
            "deduction_criteria": [],
        },
        "baseline_bid_id": "",
        "include_module_d": False,
        "functional_unit": "",
        "pollutant_prices": [],
        "price_base_year": 0,
        "use_face_values": False,
    }
    data = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert digest.method_digest(method) == hashlib.sha256(data.encode("utf-8")).hexdigest()
