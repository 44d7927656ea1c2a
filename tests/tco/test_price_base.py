"""tco.price_base.rebase and the vendored price indices (issue #14 item 5, lcc-method.md §4)."""

from __future__ import annotations

import datetime
import json
from importlib import resources
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tco import reference
from tco.price_base import RebaseStatus, rebase
from tco.reference import IndexValue, PriceIndex


def _json(name: str) -> dict[str, Any]:
    data = json.loads(resources.files("tco.reference").joinpath(name).read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def _index(currency: str) -> PriceIndex:
    index = reference.price_index(currency)
    assert index is not None
    return index


# --- the arithmetic -------------------------------------------------------------------------


def test_worked_example_asek_2017_to_2023_prices() -> None:
    """lcc-method.md §4: 7.00 SEK/kg in 2017 prices = 7.00 x 403.70 / 322.11 = 8.77 in 2023."""
    r = rebase(7.00, "SEK", 2017, 2023)
    assert r.status is RebaseStatus.CONVERTED
    assert (r.index_from, r.index_to) == (322.11, 403.70)
    assert r.value is not None
    assert round(r.value, 4) == 8.7731
    assert r.value == pytest.approx(7.00 * 403.70 / 322.11, rel=1e-15)
    assert r.factor == pytest.approx(1.2533, abs=5e-5)  # +25 %, the figure
    assert (r.beyond_years, r.warns, r.is_error) == ((), False, False)
    assert "322.11" in r.message
    assert "403.7" in r.message
    assert "Konsumentprisindex" in r.index_name
    assert "1980=100" in r.index_name


def test_same_year_is_the_identity_even_without_an_index() -> None:
    for currency in ("SEK", "EUR", "GBP", "USD", "DKK"):
        r = rebase(1234.5, currency, 2021, 2021)
        assert r.status is RebaseStatus.SAME_YEAR
        assert r.value == 1234.5
        assert r.factor is None
        assert not r.warns


@given(
    currency=st.sampled_from(["EUR", "GBP", "SEK", "USD"]),
    data=st.data(),
    value=st.floats(min_value=1e-6, max_value=1e12),
)
def test_round_trip_a_to_b_to_a(currency: str, data: st.DataObject, value: float) -> None:
    index = _index(currency)
    years = st.integers(index.first_year, index.last_year)
    a, b = data.draw(years), data.draw(years)
    there = rebase(value, currency, a, b)
    assert there.value is not None
    back = rebase(there.value, currency, b, a)
    assert back.value == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize("currency", ["EUR", "GBP", "SEK", "USD"])
def test_conversion_is_the_index_ratio(currency: str) -> None:
    index = _index(currency)
    first, last = index.values[0], index.values[-1]
    r = rebase(100.0, currency, first.year, last.year)
    assert r.value == pytest.approx(100.0 * last.value / first.value, rel=1e-15)
    assert (r.index_from, r.index_to, r.last_index_year) == (first.value, last.value, last.year)


def test_a_year_past_the_last_index_year_holds_the_last_level_and_warns() -> None:
    last = _index("SEK").last_year
    held = rebase(7.00, "SEK", 2017, last + 4)
    published = rebase(7.00, "SEK", 2017, last)
    assert held.status is RebaseStatus.CONVERTED
    assert held.value == published.value
    assert held.index_to == _index("SEK").level(last)
    assert held.beyond_years == (last + 4,)
    assert held.warns
    assert f"held at the {last} level" in held.message


def test_both_years_past_the_end_convert_at_factor_one_and_warn() -> None:
    last = _index("USD").last_year
    r = rebase(50.0, "USD", last + 1, last + 3)
    assert r.value == 50.0
    assert r.beyond_years == (last + 1, last + 3)
    assert r.warns


def test_a_stated_inflation_extends_the_index_past_its_last_year() -> None:
    index = _index("SEK")
    last = index.last_year
    r = rebase(100.0, "SEK", last, last + 2, inflation_beyond=0.02)
    assert r.value == pytest.approx(100.0 * 1.02**2, rel=1e-15)
    assert r.beyond_years == (last + 2,)
    assert not r.warns  # the method states the rate: an assumption, not a guess
    assert "2.00% a year" in r.message


def test_unknown_price_base_year_is_flagged_and_used_at_face_value() -> None:
    r = rebase(250.0, "EUR", None, 2023)
    assert r.status is RebaseStatus.UNKNOWN_BASE_YEAR
    assert r.value == 250.0
    assert r.warns
    assert not r.is_error
    assert r.index_from is None
    assert "unknown" in r.message


def test_face_value_opt_out() -> None:
    r = rebase(7.00, "SEK", 2017, 2023, face_value=True)
    assert r.status is RebaseStatus.FACE_VALUE
    assert r.value == 7.00
    assert not r.warns
    assert "face value" in r.message
    assert "2017" in r.message


def test_a_currency_without_an_index_is_an_error_not_a_guess() -> None:
    r = rebase(1500.0, "DKK", 2020, 2023)
    assert r.status is RebaseStatus.NO_INDEX
    assert r.is_error
    assert r.value is None
    note = reference.price_index_not_vendored("DKK")
    assert note is not None
    assert note in r.message
    other = rebase(1.0, "CHF", 2020, 2023)
    assert other.is_error
    assert other.value is None
    assert reference.price_index_not_vendored("CHF") is None


def test_a_year_before_the_first_index_year_is_an_error() -> None:
    first = _index("SEK").first_year
    for from_year, to_year in ((first - 1, 2023), (2023, first - 5)):
        r = rebase(7.00, "SEK", from_year, to_year)
        assert r.status is RebaseStatus.BEFORE_INDEX
        assert r.is_error
        assert r.value is None
        assert str(first) in r.message


def test_an_explicit_index_is_used() -> None:
    values = (IndexValue(2020, 100.0, "test", "2026-12-07"), IndexValue(2021, 110.0, "t", "x"))
    index = PriceIndex("NOK", "test index", "all items", "2020=100", "p", "c", "", values)
    r = rebase(10.0, "NOK", 2020, 2021, index=index)
    assert r.value == pytest.approx(11.0, rel=1e-15)
    assert index.level(2019) is None
    with pytest.raises(ValueError, match="index is of NOK"):
        rebase(10.0, "SEK", 2020, 2021, index=index)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"from_year": 0}, "not a calendar year"),
        ({"to_year": 0}, "not a calendar year"),
        ({"from_year": True}, "not a calendar year"),
        ({"value": float("inf")}, "not finite"),
        ({"value": float("nan")}, "not finite"),
        ({"inflation_beyond": -1.0}, "above -1"),
    ],
)
def test_bad_arguments_raise(kwargs: dict[str, Any], match: str) -> None:
    args: dict[str, Any] = {"value": 7.0, "currency": "SEK", "from_year": 2017, "to_year": 2023}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        rebase(**args)


# --- the data file -----------------------------------------------------------------------


def test_price_indices_file_shares_the_data_version() -> None:
    assert _json("price_indices.json")["data_version"] == reference.DATA_VERSION


def test_currencies_and_the_missing_one() -> None:
    assert [i.currency for i in reference.price_indices()] == ["EUR", "GBP", "SEK", "USD"]
    assert reference.price_index("DKK") is None
    assert reference.price_index_not_vendored("DKK")


@pytest.mark.parametrize("currency", ["EUR", "GBP", "SEK", "USD"])
def test_every_value_is_sourced_dated_consecutive_and_positive(currency: str) -> None:
    index = _index(currency)
    for field in (index.name, index.aggregate, index.base, index.publisher, index.citation):
        assert field.strip()
    years = [v.year for v in index.values]
    assert years == list(range(years[0], years[0] + len(years)))
    for v in index.values:
        assert v.value > 0.0
        assert v.source.strip()
        assert datetime.date.fromisoformat(v.retrieved) <= datetime.date.today()
    raw = next(i for i in _json("price_indices.json")["indices"] if i["currency"] == currency)
    assert all(item["source"] in raw["sources"] for item in raw["values"])


def test_sek_values_are_the_scb_figures_of_the_method() -> None:
    """The SCB KPI annual averages (fastställda tal) quoted in lcc-method.md §4."""
    quoted = {
        2015: 313.35,
        2016: 316.43,
        2017: 322.11,
        2018: 328.40,
        2019: 334.26,
        2020: 335.92,
        2021: 343.19,
        2022: 371.91,
        2023: 403.70,
    }
    index = _index("SEK")
    assert {year: index.level(year) for year in quoted} == quoted
    assert index.base == "1980=100"


def test_loader_rejects_unsourced_or_broken_index_values() -> None:
    good: dict[str, Any] = {
        "currency": "XXX",
        "name": "n",
        "aggregate": "a",
        "base": "b",
        "publisher": "p",
        "citation": "c",
        "notes": "",
        "sources": {"s": "a citation"},
        "values": [
            {"year": 2020, "value": 100.0, "source": "s", "retrieved": "2026-12-07"},
            {"year": 2021, "value": 101.0, "source": "s", "retrieved": "2026-12-07"},
        ],
    }
    assert reference._price_index(good).last_year == 2021
    broken = [
        ({"source": "unknown"}, "not cited"),
        ({"value": 0.0}, "bad value"),
        ({"retrieved": ""}, "retrieval date"),
        ({"year": 2022}, "consecutive"),
    ]
    for change, match in broken:
        raw = json.loads(json.dumps(good))
        raw["values"][1].update(change)
        with pytest.raises(ValueError, match=match):
            reference._price_index(raw)


# --- the carbon price series' price-base years -------------------------------------------


def test_unknown_price_base_years_are_null_with_a_note_never_0() -> None:
    raw = {s["id"]: s for s in _json("carbon_prices.json")["series"]}
    unknown = {sid for sid, s in raw.items() if s["price_base_year"] is None}
    assert unknown == {"eib-2020", "ebrd", "dk-mst"}
    for sid, s in raw.items():
        assert s["price_base_year"] != 0
        assert s["price_base_note"].strip()
        series = reference.carbon_price_series_by_id(sid)
        assert series is not None
        assert series.price_base_note == s["price_base_note"]
        assert series.price_base == s["price_base_year"]
        if sid in unknown:
            assert series.price_base_year == 0  # the wire's "unknown"
            assert series.price_base_note.startswith("Unknown")


def test_every_known_series_base_year_can_be_rebased() -> None:
    for series in reference.carbon_price_series():
        r = rebase(1.0, series.currency, series.price_base, 2024)
        if series.price_base is None:
            assert r.status is RebaseStatus.UNKNOWN_BASE_YEAR
        else:
            assert not r.is_error, r.message
            assert r.value is not None
            assert r.value >= 1.0  # every index rose from each base year to 2024


def test_loader_rejects_an_unknown_base_year_without_a_note_or_a_0() -> None:
    with pytest.raises(ValueError, match="needs a note"):
        reference._price_base_year({"id": "x", "price_base_year": None})
    with pytest.raises(ValueError, match="not a year"):
        reference._price_base_year({"id": "x", "price_base_year": 0, "price_base_note": "n"})
    assert reference._price_base_year({"id": "x", "price_base_year": 2017}) == 2017
