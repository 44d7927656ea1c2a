"""Issue #17: every warning code has a Swedish rendering, and each engine warning's pattern reads
the REAL message the engine or server writes (tenders built to trigger it), giving Swedish words
and Swedish numbers."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

import pytest

from tco.climate import climate_warnings
from tco.evaluate import evaluate
from tco.price_base import rebase
from tco.results import Evaluation
from tco_client.i18n_explain import explanation_input
from tco_client.i18n_followup import WARNING_LABELS
from tco_client.i18n_messages import (
    _WARNING_PATTERNS,
    known_warning_codes,
    sv_number,
    warning_text,
)
from tco_server import convert_out
from tcoapi.v1 import codes_pb2
from tests.tco import factory
from tests.tco.tender_json import sample_dict, tender

Raw = dict[str, Any]

#: Words of the English messages that must not survive in the Swedish sentence.
ENGLISH_WORDS = (
    "the", "of", "is", "and", "not", "price", "prices", "carbon", "bid", "bids", "cost", "costs",
    "value", "values", "check", "over", "with", "field", "unit", "method", "model", "years",
    "year", "used", "face", "deductions", "criteria", "response", "times", "above", "below",
    "service", "life", "index", "held", "level", "published", "tonne", "request",
)  # fmt: skip
_ENGLISH = re.compile(rf"\b(?:{'|'.join(ENGLISH_WORDS)})\b")
_PATH = re.compile(r"\b(?:method|bids)[.\[][\w.\[\]]*")


def test_every_warning_code_has_a_swedish_rendering() -> None:
    """Engine codes through the warnings table, follow-up codes through WARNING_LABELS: a new
    code in codes.proto without Swedish fails here."""
    prefix = "WARNING_CODE_"
    codes = {
        name.removeprefix(prefix)
        for name in codes_pb2.WarningCode.DESCRIPTOR.values_by_name
        if name != f"{prefix}UNSPECIFIED"
    }
    covered = known_warning_codes() | frozenset(WARNING_LABELS)
    assert codes - covered == set()
    assert covered - codes == set()  # no stale entry either
    assert known_warning_codes().isdisjoint(WARNING_LABELS)


def _ev(raw: Raw, *, validate_only: bool = False) -> Evaluation:
    return evaluate(tender(raw), validate_only=validate_only)


def _set(raw: Raw, path: str, value: Any) -> Raw:
    node: Any = raw
    parts = path.replace("]", "").replace("[", ".").split(".")
    for part in parts[:-1]:
        node = node[int(part)] if part.isdigit() else node[part]
    node[parts[-1]] = value
    return raw


def _no_carbon() -> Raw:
    raw = sample_dict()
    del raw["method"]["carbon_price"]
    return raw


def _series(series_id: str, **method: Any) -> Raw:
    raw = sample_dict()
    raw["method"]["carbon_price"] = {"series_id": series_id}
    raw["method"]["emission_factors"][0]["trajectory"] = []
    raw["method"]["exchange_rates"] = {"EUR": 11.2, "DKK": 1.5}
    raw["method"].update(method)
    return raw


def _not_positive() -> Raw:
    """Bid B costs 1 SEK and claims the 25 000 SEK take-back deduction."""
    raw = sample_dict()
    item = raw["bids"][1]["items"][0]
    for key in ("resource_use", "maintenance_cost", "residual_value", "emissions", "costs"):
        item.pop(key, None)
    item.update(quantity=1, unit_price={"value": 1, "unit": "SEK"})
    raw["bids"][1].pop("costs", None)
    return raw


def _claims_under_cost() -> Raw:
    raw = sample_dict()
    raw["method"]["evaluation_model"] = {"kind": "EVALUATION_MODEL_KIND_COST"}
    return raw


def _table_under_cost() -> Raw:
    raw = sample_dict()
    raw["method"]["evaluation_model"]["kind"] = "EVALUATION_MODEL_KIND_COST"
    for b in raw["bids"]:
        b.pop("deductions", None)
    return raw


def _no_criteria() -> Raw:
    raw = sample_dict()
    raw["method"]["evaluation_model"] = {"kind": "EVALUATION_MODEL_KIND_DEDUCTIONS"}
    del raw["bids"][1]["deductions"]
    return raw


def _duplicate() -> Raw:
    raw = sample_dict()
    items = raw["bids"][0]["items"]
    items.append(copy.deepcopy(items[0]))
    return raw


def _without_cost() -> Raw:
    raw = sample_dict()
    raw["bids"].append(
        {"id": "C", "items": [{"name": "nothing", "quantity": 1, "unit_price": {"value": 0}}]}
    )
    raw["bids"][2]["items"][0]["unit_price"]["unit"] = "SEK"
    return raw


def _per_tonne_as_kg() -> Raw:
    return _set(
        sample_dict(), "method.carbon_price", {"price": {"value": 1500, "unit": "SEK/kgCO2e"}}
    )


_SERVICE_LIFE = {"value": 800, "unit": "months"}
#: code -> (tenders that trigger it, one per message form; validate_only)
CASES: dict[str, list[Callable[[], Raw]]] = {
    "NO_CARBON_PRICE": [_no_carbon],
    "PRICE_INDEX_HELD": [lambda: _series("asek-7.0", base_year=2027)],
    "PRICE_BASE_UNKNOWN": [lambda: _series("eib-2020")],
    "PRICE_BASE_FACE_VALUE": [
        lambda: _series("asek-7.0", base_year=2023, use_face_values=True),
        lambda: _series("eib-2020", use_face_values=True),
    ],
    "COMPARISON_NUMBER_NOT_POSITIVE": [_not_positive],
    "DEDUCTIONS_NOT_APPLIED": [_claims_under_cost, _table_under_cost],
    "DEDUCTIONS_WITHOUT_CRITERIA": [_no_criteria],
    "CARBON_PRICE_IMPLAUSIBLE": [_per_tonne_as_kg],
    "SERVICE_LIFE_IMPLAUSIBLE": [
        lambda: _set(sample_dict(), "bids[0].items[0].service_life", _SERVICE_LIFE)
    ],
    "RESIDUAL_ABOVE_PURCHASE_COST": [
        lambda: _set(
            sample_dict(), "bids[1].items[0].residual_value", {"value": 300000.5, "unit": "SEK"}
        )
    ],
    "DUPLICATE_ITEM": [_duplicate],
    "CLIMATE_COST_ABOVE_LCC": [_per_tonne_as_kg],
    "BID_WITHOUT_COST": [_without_cost],
    "RATE_LOOKS_LIKE_PERCENT": [lambda: _set(sample_dict(), "method.discount_rate", 0.35)],
}


def _messages(code: str, raw: Raw) -> list[str]:
    return [w.message for w in _ev(raw).warnings if w.code == code]


def _assert_swedish(code: str, english: str) -> str:
    swedish = warning_text(code, english, "sv")
    assert swedish != english, f"{code}: no pattern reads {english!r}"
    words = _PATH.sub("", swedish)  # field paths stay as on the wire
    assert not _ENGLISH.search(words), (code, swedish)
    match = next(p.fullmatch(english) for p, _ in _WARNING_PATTERNS[code] if p.fullmatch(english))
    verbatim = swedish
    for name, value in match.groupdict().items():
        if value and name.startswith("n"):
            assert sv_number(value) in swedish, (code, name, value, swedish)
        elif value:
            verbatim = verbatim.replace(value, "")
    # no English decimal point or thousands comma outside the verbatim parts (paths, sources)
    assert not re.search(r"\d\.\d|\d,\d{3}(?:[,.]\d)", verbatim), (code, swedish)
    assert warning_text(code, english, "en") == english
    return swedish


@pytest.mark.parametrize(
    ("code", "form"), [(c, i) for c, forms in CASES.items() for i in range(len(forms))]
)
def test_a_real_engine_message_reads_in_swedish(code: str, form: int) -> None:
    messages = _messages(code, CASES[code][form]())
    assert messages, f"the tender does not trigger {code}"
    for english in messages:
        _assert_swedish(code, english)


def test_the_two_face_value_forms_differ() -> None:
    given, unknown = (
        warning_text(code, _messages(code, make())[0], "sv")
        for code, make in (
            ("PRICE_BASE_FACE_VALUE", CASES["PRICE_BASE_FACE_VALUE"][0]),
            ("PRICE_BASE_FACE_VALUE", CASES["PRICE_BASE_FACE_VALUE"][1]),
        )
    )
    assert "2017 års priser" in given
    assert "okänt prisbasår" in unknown


def test_swedish_numbers_in_a_negative_comparison_number() -> None:
    (english,) = _messages("COMPARISON_NUMBER_NOT_POSITIVE", _not_positive())
    swedish = _assert_swedish("COMPARISON_NUMBER_NOT_POSITIVE", english)
    assert re.search(r"jämförelsetalet \u2212?[\d\u00a0]+,\d\d är inte större än 0", swedish)


def test_response_summarized_from_the_servers_builder(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server's own message (convert_out.to_fitting_response), its 4 MiB limit lowered so a
    small tender's full response is over it."""
    monkeypatch.setattr(convert_out, "CLIENT_DEFAULT_RECEIVE_BYTES", 64)
    response = convert_out.to_fitting_response(_ev(sample_dict()))
    (english,) = [w.message for w in response.warnings if w.code == "RESPONSE_SUMMARIZED"]
    swedish = _assert_swedish("RESPONSE_SUMMARIZED", english)
    assert re.search(r"svaret skulle bli \d+,\d MiB", swedish)


def test_the_hand_prepared_face_value_form() -> None:
    """The engine's first PRICE_BASE_FACE_VALUE form: a carbon price prepared without its
    re-basing record (tco.climate.climate_warnings)."""
    price = factory.carbon_price(7.0, 3, source="series:asek-7.0", price_base_year=2017)
    (warning,) = climate_warnings(price, 2027)
    swedish = _assert_swedish(warning.code, warning.message)
    assert "2017 års priser och har inte räknats om" in swedish


# --------------------------------------------------------------------------------------------
# The explanation trail: the price-base line, the annual value's discount rate, deductions.
# --------------------------------------------------------------------------------------------


def _inputs(raw: Raw) -> list[str]:
    return [line for e in _ev(raw).results[1].explanations for line in e.inputs]


@pytest.mark.parametrize(
    "make",
    [
        lambda: _series("asek-7.0", base_year=2027),
        lambda: _series("asek-7.0", base_year=2023, use_face_values=True),
        lambda: _series("eib-2020"),
        lambda: _set(sample_dict(), "method.rate_basis", "RATE_BASIS_NOMINAL"),
        sample_dict,
    ],
)
def test_explanation_inputs_on_price_base_rates_and_deductions_are_swedish(
    make: Callable[[], Raw],
) -> None:
    for line in _inputs(make()):
        if not line.startswith(("price base:", "d = ", "discount_rate", "deduction ")):
            continue
        swedish = explanation_input(line, "sv")
        assert swedish != line, line
        assert not _ENGLISH.search(_PATH.sub("", swedish)), swedish
        assert not re.search(r"\d\.\d", swedish.replace("BLCC 5.3", "")), swedish


def test_the_price_base_line_in_swedish_numbers() -> None:
    held = [
        line
        for line in _inputs(_series("asek-7.0", base_year=2027))
        if line.startswith("price base:")
    ]
    (swedish,) = {explanation_input(line, "sv") for line in held}
    assert swedish.startswith("prisbas: 7 SEK i 2017 års priser = 8,77309 SEK i 2027 års priser")
    assert "hålls på nivån för 2023" in swedish
    extended = rebase(7.0, "SEK", 2017, 2027, inflation_beyond=0.02)
    swedish = explanation_input(f"price base: {extended.message}", "sv")
    assert swedish.endswith("förlängs med 2,00\u00a0% per år enligt metoden")
    same = explanation_input(f"price base: {rebase(7.0, 'SEK', 2023, 2023).message}", "sv")
    assert same == "prisbas: 7 SEK i 2023 års priser"
    assert explanation_input("d = discount_rate = 0.035 (real)", "sv") == (
        "d = kalkylränta = 0,035 (real)"
    )
