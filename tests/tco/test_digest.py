"""tco.digest: a pinned digest of a fixed method; changes with any field; order-independent."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from pathlib import Path

import pytest

from tco import digest, reference, validate
from tco.evaluate import evaluate
from tco.inputs import (
    CarbonPrice,
    EmissionFactor,
    Method,
    Quantity,
    RateBasis,
    ResourcePrice,
    Tender,
)
from tco.version import __version__

from . import digest_vector
from .tender_json import sample_tender
from .tender_json import tender as tender_from_dict


def typical_tender() -> Tender:
    """The goldens' typical tender: 5 bids x 10 items x 20 years."""
    from .test_golden_outputs import _typical

    return tender_from_dict(_typical())


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


# --- the evaluation digest (docs/digest.md) ------------------------------------------------------


def _evaluation_digest(tender: Tender) -> str:
    return digest.evaluation_digest(validate.prepare(tender))


def _with_first_item(tender: Tender, **change: object) -> Tender:
    bid = tender.bids[0]
    item = dataclasses.replace(bid.items[0], **change)  # type: ignore[arg-type]
    bid = dataclasses.replace(bid, items=(item, *bid.items[1:]))
    return dataclasses.replace(tender, bids=(bid, *tender.bids[1:]))


def test_evaluation_digest_ignores_the_order_of_the_bids() -> None:
    tender = sample_tender()
    swapped = dataclasses.replace(tender, bids=tender.bids[::-1])
    assert digest.request_digest(swapped) != digest.request_digest(tender)
    assert _evaluation_digest(swapped) == _evaluation_digest(tender)
    assert evaluate(swapped).evaluation_digest == evaluate(tender).evaluation_digest


def test_evaluation_digest_ignores_the_spelling_of_a_unit() -> None:
    in_years = _with_first_item(sample_tender(), service_life=Quantity(10, "years"))
    in_months = _with_first_item(sample_tender(), service_life=Quantity(120, "months"))
    assert digest.request_digest(in_years) != digest.request_digest(in_months)
    assert _evaluation_digest(in_years) == _evaluation_digest(in_months)
    assert evaluate(in_years).ranking_table().equals(evaluate(in_months).ranking_table())


def test_evaluation_digest_changes_with_the_last_bit_of_a_quantity() -> None:
    tender = sample_tender()
    price = tender.bids[0].items[0].unit_price
    assert price is not None
    nudged = _with_first_item(
        tender, unit_price=Quantity(math.nextafter(price.value, math.inf), price.unit)
    )
    assert _evaluation_digest(nudged) != _evaluation_digest(tender)


def test_evaluation_digest_follows_a_reference_value(monkeypatch: pytest.MonkeyPatch) -> None:
    """The digest covers the value a reference id resolves to, not the id: the same method with
    the series' first point changed (as a data release would) gives another digest."""
    method = dataclasses.replace(sample_tender().method, carbon_price=CarbonPrice("asek-7.0"))
    tender = dataclasses.replace(sample_tender(), method=method)
    before = _evaluation_digest(tender)
    series = reference.carbon_price_series_by_id("asek-7.0")
    assert series is not None
    first, *rest = series.points
    changed = dataclasses.replace(
        series, points=(dataclasses.replace(first, value=first.value + 0.01), *rest)
    )
    monkeypatch.setattr(reference, "carbon_price_series_by_id", lambda _id: changed)
    assert _evaluation_digest(tender) != before
    assert digest.request_digest(tender) == digest.request_digest(tender)  # the request is the same


def test_evaluation_digest_covers_engine_and_data_version() -> None:
    prepared = validate.prepare(sample_tender())
    document = digest.evaluation_document(prepared)
    assert digest.evaluation_digest(prepared) == hashlib.sha256(document).hexdigest()
    other_engine = digest.evaluation_document(prepared, engine_version="9.9.9")
    other_data = digest.evaluation_document(prepared, data_version="2099.1+0000000000000000")
    assert len({document, other_engine, other_data}) == 3
    parsed = json.loads(document)
    assert parsed["engine_version"] == __version__
    assert parsed["data_version"] == digest.DATA_VERSION
    assert [bid["id"] for bid in parsed["bids"]] == sorted(b.id for b in prepared.bids)
    assert "warnings" not in parsed


def test_data_version_is_the_label_and_the_files_digest() -> None:
    folder = Path(reference.__file__).parent
    manifest = "".join(
        f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {path.name}\n"
        for path in sorted(folder.glob("*.json"))
    )
    data_digest = hashlib.sha256(manifest.encode()).hexdigest()
    assert digest.reference_data_digest() == data_digest
    assert f"{reference.DATA_VERSION}+{data_digest[:16]}" == digest.DATA_VERSION


@pytest.mark.parametrize("name", ["sample", "typical", "negative-zero"])
def test_evaluation_document_reference_form_agrees_with_the_fast_path(name: str) -> None:
    """The generated serialisers write what ``_canon`` + ``json.dumps`` write (arrays, -0.0 as
    0.0, the float mappings included)."""
    tender = sample_tender()
    if name == "typical":
        tender = typical_tender()
    elif name == "negative-zero":
        tender = _with_first_item(tender, installation_cost=Quantity(-0.0, "SEK"))
    prepared = validate.prepare(tender)
    fast = digest.evaluation_document(prepared)
    parsed = json.loads(fast)
    for part in ("method", "bids"):
        value = getattr(prepared, part)
        if part == "bids":
            value = tuple(sorted(value, key=lambda bid: bid.id))
        hint = digest._hints(type(prepared))[part]
        assert parsed[part] == json.loads(digest._reference(value, hint))
    text = json.dumps(parsed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert text.encode("utf-8") == fast


def test_the_documented_test_vector() -> None:
    """docs/digest.md: the tender, its canonical document and digest; another language checks
    its implementation against them (``tests/tco/digest_vector.py`` reads and rewrites it)."""
    vector = digest_vector.read_vector()
    document = digest_vector.document_of(vector)
    assert document.decode("utf-8") == vector.document, (
        "docs/digest.md's test vector is out of date (a prepared field changed?): "
        "run .venv/bin/python -m tests.tco.digest_vector and review the diff"
    )
    assert hashlib.sha256(document).hexdigest() == vector.digest
    assert digest_vector.read_bytes_line() == f"{len(document)} bytes; the first 32 in hex: " + (
        document[:32].hex()
    )


@pytest.mark.parametrize(
    "change",
    [
        {"unit_price": 185000},  # an int in a float field: written as a float
        {"unit_price": True},  # a bool in a float field: the reference writes true
        {"unit_price": -0.0, "quantity": 1e308, "residual_value": 1e308},  # the sum overflows
        {"installation_cost": float("nan")},
        {"service_life": None, "residual_value": None},  # absent optional numbers: 0.0
        {"emissions": {"d": -0.0, "a1_a3": 2.5}},  # unsorted keys, -0.0
        {"emissions": {"a1_a3": 1, "a4": -0.05}},  # an int value; a text holding "-0.0"
        {"emissions": {"a%s": 1.0, 3: 2.0}},  # a key that is no str; "%" in a key
        {"costs": [], "name": 'Städ "x" \u2028'},  # a list for a tuple; escapes
    ],
)
def test_the_fast_path_writes_the_reference_form_for_values_of_other_types(
    change: dict[str, object],
) -> None:
    """The generated serialisers fall back to ``_canon`` + ``json.dumps`` for a value that is not
    of its declared type (or a float that is not finite), message by message."""
    prepared = validate.prepare(sample_tender())
    bid = prepared.bids[0]
    item = dataclasses.replace(bid.items[0], **change)  # type: ignore[arg-type]
    bid = dataclasses.replace(bid, items=(item, *bid.items[1:]))
    hint = digest._hints(type(bid))["items"]
    assert digest._encoder(type(bid))(bid) == digest._reference(bid, type(bid))
    assert digest._encoder(hint)(bid.items) == digest._reference(bid.items, hint)
    method = dataclasses.replace(FIXED, discount_rate=0, exchange_rates={"USD": 10.6, "EUR": -0.0})
    assert digest.canonical_json(method) == digest._reference(method, Method).encode()
