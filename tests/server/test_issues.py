"""Regression tests of the server layer, one per bug (each named after it), in one numbering.

1. ``functional_units_delivered`` of 1e-281 was accepted: the cost per functional unit came out
   infinite in an OK response (the contract: never NaN; an infinite figure is as bad), or so large
   that rounding crashed (next bug). Fix: 0 (none stated) or 1e-6 .. 1e12
   (``tco.validate.MIN_FUNCTIONAL_UNITS``).
2. Money rounding raised ``decimal.InvalidOperation`` for amounts from 1e26 up (the default
   decimal context holds 28 digits): a valid tender with large amounts got INTERNAL. Fix:
   ``tco.rounding`` quantizes in a context wide enough for any float.
3. Control characters, zero-width characters and bidirectional overrides were accepted in ids and
   texts: ``"A"`` and ``"A\\u200b"`` were two bids that look the same in a ranking, and a supplier
   name could display reversed (CVE-2021-42574 style). Fix: ids must be printable, texts may hold
   no control characters but tab and line breaks and no bidi overrides
   (``tco.validate.violations``).
4. Bytes that do not parse as the request message (garbage, a truncated message, a string that
   is not UTF-8) were answered ``INTERNAL: Exception deserializing request!`` by grpc, with no
   incident id and no log line. Fix: ``tco_server.decoding``: INVALID_ARGUMENT, reason
   UNDECODABLE_REQUEST, logged (in the EvaluateTenders stream: that message's own status, the
   stream goes on; ``tests/server/test_stream.py``).
5. Circularity ``lifetime_ratio`` and ``use_intensity_ratio`` of 2.2e-313 (subnormal, > 0) were
   accepted; their product X underflowed to 0 and the MCI's F(X) = 0.9/X raised: INTERNAL (found
   by CI's derandomized fuzz run). Fix: a stated ratio must be within 0.001 .. 1000
   (``tco.validate.MIN_CIRCULARITY_RATIO`` / ``MAX_CIRCULARITY_RATIO``); 0 still means 1.
6. A service life (or a cost stream's life) or a circularity mass stated > 0 but so small that
   it converts to 0.0 (``5e-324 s`` is 0 years, ``5e-324 mg`` 0 kg) passed the "> 0" check, which
   looks at the stated value: the replacement count divided by it (ZeroDivisionError) and the MCI
   refused its mass (ValueError): INTERNAL. Found by the equivalence tests of the validation fast
   path. Fix: ``tco.validate`` refuses a converted life or mass of 0.0 with a field violation.
7. A subnormal additional investment (1e-310 SEK) or emission reduction made SIR, AIRR or the
   abatement cost +-inf in an OK result (found as an overflow warning under CI's derandomized
   hypothesis profile). Fix: ``tco.measures`` reports a ratio that is not finite as no
   investment / no reduction; tests in ``tests/tco/test_regression_subnormal_measures.py``.
8. A bid's yearly emissions (and any cell summing rows of two fractional payment times) changed
   in the last bit with the bids *before* it: the time groups of fractional events were
   numbered by first appearance in the tender, rows are ordered by group within a bid, so
   another bid with a 6-month life swapped the order in which a cell added its rows (found by
   the property "permuting bids permutes results" in the default suite). Fix:
   ``tco.item_events.time_groups`` numbers them by shift value; tests in
   ``tests/tco/test_issues.py``.
9. AnalyzeRanking counted its analysis lists only after it had walked and copied the tender,
   and did not count a discrete distribution's probabilities at all (10^5 of them reached the
   engine). Fix: the analysis lists are rules of the one size table (``tco_server.limits``),
   checked with the tender's before anything is walked, and by the pre-parse guard.
10. The evaluation's cost estimate (``tco.analysis.budget``, run by ``limits.check_request``
    before the tender is converted) divided the study period by each service life; a subnormal
    life in years (5e-324 years) gave an infinite ratio, ``math.floor`` raised OverflowError:
    INTERNAL (found by the server fuzz test the day the estimate landed). Fix: an infinite ratio
    counts as the most replacements the engine allows; the validation then refuses the life.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator

import grpc
import pytest

from tco.errors import InvalidTender
from tco.evaluate import evaluate
from tco.rounding import round_array_money, round_money
from tco_server import convert_in, errors
from tcoapi.v1 import result_pb2, tender_pb2
from tests.conftest import ServerProcess, wait_until
from tests.server.conftest import Failure, decode, load_sample_request

EVALUATE = "/tcoapi.v1.LifeCycleCostService/EvaluateBids"
LIST_FACTORS = "/tcoapi.v1.LifeCycleCostService/ListEmissionFactors"


@pytest.fixture(scope="module")
def own_server() -> Iterator[ServerProcess]:
    proc = ServerProcess()
    try:
        yield proc
    finally:
        assert proc.stop() == 0, proc.logs()


@pytest.fixture(scope="module")
def channel(own_server: ServerProcess) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(own_server.target) as ch:
        yield ch


def _call(channel: grpc.Channel, data: bytes, method: str = EVALUATE) -> bytes | Failure:
    try:
        answer: bytes = channel.unary_unary(method)(data, timeout=30)
    except grpc.RpcError as error:
        return decode(error)
    return answer


def _violations(request: tender_pb2.EvaluateBidsRequest) -> list[str]:
    try:
        evaluate(convert_in.to_tender(request))
    except InvalidTender as invalid:
        return [v.field for v in invalid.violations]
    return []


# -- 1 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("units", [1e-281, 5e-324, 1e-7, 1e13, math.inf])
def test_bug_tiny_functional_units_gave_an_infinite_cost_per_unit(
    channel: grpc.Channel, units: float
) -> None:
    request = load_sample_request()
    request.bids[0].functional_units_delivered = units
    answer = _call(channel, request.SerializeToString())
    assert isinstance(answer, Failure)
    assert answer.code == grpc.StatusCode.INVALID_ARGUMENT
    assert answer.fields == ["bids[0].functional_units_delivered"]


@pytest.mark.parametrize("units", [0.0, 1e-6, 12.0, 1e12])
def test_bug_tiny_functional_units_the_bounds_themselves_are_fine(units: float) -> None:
    request = load_sample_request()
    request.bids[0].functional_units_delivered = units
    evaluation = evaluate(convert_in.to_tender(request))
    per_unit = [r.cost_per_functional_unit for r in evaluation.results]
    assert all(p is None or math.isfinite(p) for p in per_unit)


# -- 2 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [1e26, -3.3e27, 1e30, 1e300, 1.7976931348623157e308])
def test_bug_money_rounding_raised_invalid_operation_from_1e26(value: float) -> None:
    for digits in (0, 2, 3, -2):
        rounded = round_money(value, digits)
        assert math.isfinite(rounded)
        assert rounded == pytest.approx(value, rel=1e-15)
    assert round_array_money([value, 1.005], 2).tolist() == [round_money(value, 2), 1.01]


def test_bug_money_rounding_huge_costs_are_evaluated_not_internal(channel: grpc.Channel) -> None:
    request = load_sample_request()
    item = request.bids[0].items[0]
    item.quantity = 1e12  # the largest quantity
    item.unit_price.value = 1e17  # 1e29 SEK in all: absurd, valid, must not crash
    answer = _call(channel, request.SerializeToString())
    assert isinstance(answer, bytes), answer
    response = result_pb2.EvaluateBidsResponse.FromString(answer)
    result = next(r for r in response.results if r.bid_id == "A")
    assert result.life_cycle_cost > 1e28
    assert math.isfinite(result.life_cycle_cost)


# -- 3 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("bids[0].id", "\x00"),
        ("bids[0].id", "A\u200b"),  # zero-width space: looks like "A"
        ("bids[0].id", "A\tB"),
        ("bids[0].id", "A\u00a0"),  # no-break space
        ("bids[0].supplier", "Nord AB \u202eBA droN"),  # right-to-left override
        ("bids[0].supplier", "Nord\x1b[2J AB"),  # terminal escape
        ("bids[0].items[0].name", "scrubber\x7f"),
        ("method.functional_unit", "year\u2066 of service"),  # isolate
    ],
)
def test_bug_control_and_invisible_characters_were_accepted(field: str, value: str) -> None:
    request = load_sample_request()
    if field == "bids[0].id":
        request.bids[0].id = value
        request.method.baseline_bid_id = value
    elif field == "bids[0].supplier":
        request.bids[0].supplier = value
    elif field == "bids[0].items[0].name":
        request.bids[0].items[0].name = value
    else:
        request.method.functional_unit = value
    assert field in _violations(request)


@pytest.mark.parametrize(
    "supplier", ["Städmaskiner Nord AB", "Nord AB\nBox 12\tLuleå", "Ελληνική Α.Ε.", "Øst & Co"]
)
def test_bug_control_characters_ordinary_texts_still_pass(supplier: str) -> None:
    request = load_sample_request()
    request.bids[0].supplier = supplier
    assert _violations(request) == []


# -- 4 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xff\xff",  # not the wire format
        b"\x12\x05\x0a\x03A",  # truncated
        b"\x12\x03\x0a\x01\xff",  # bids[0].id not UTF-8
        b"\x0a\x02\x0a",  # method cut short
    ],
    ids=["garbage", "truncated", "not-utf8", "cut-short"],
)
def test_bug_undecodable_request_was_answered_internal(
    channel: grpc.Channel, own_server: ServerProcess, data: bytes
) -> None:
    # ListEmissionFactorsRequest has no fields: only garbage fails to parse as one
    for method in (EVALUATE, LIST_FACTORS) if data.startswith(b"\xff") else (EVALUATE,):
        answer = _call(channel, data, method)
        assert isinstance(answer, Failure), method
        assert answer.code == grpc.StatusCode.INVALID_ARGUMENT
        assert answer.reason == "UNDECODABLE_REQUEST"
        assert answer.domain == errors.DOMAIN
        assert answer.fields == [""]

    def undecodable() -> list[dict[str, object]]:
        return [ln for ln in own_server.events("rpc") if ln.get("reason") == "UNDECODABLE_REQUEST"]

    wait_until(lambda: len(undecodable()) >= 2, own_server.logs)
    lines = undecodable()
    assert {line["method"] for line in lines} >= {"EvaluateBids"}
    assert all(line["code"] == "INVALID_ARGUMENT" and line["bytes"] > 0 for line in lines)
    # and the server is fine afterwards
    ok = _call(channel, load_sample_request().SerializeToString())
    assert isinstance(ok, bytes)


# -- 5 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("ratio", [2.22507385852178e-313, 5e-324, 1e-4, 1e4, 1e300])
def test_bug_subnormal_circularity_ratios_made_the_mci_divide_by_zero(
    channel: grpc.Channel, ratio: float
) -> None:
    request = load_sample_request()
    circularity = request.bids[1].circularity
    circularity.lifetime_ratio = ratio
    circularity.use_intensity_ratio = ratio
    answer = _call(channel, request.SerializeToString())
    assert isinstance(answer, Failure)
    assert answer.code == grpc.StatusCode.INVALID_ARGUMENT
    assert answer.fields == [
        "bids[1].circularity.lifetime_ratio",
        "bids[1].circularity.use_intensity_ratio",
    ]


@pytest.mark.parametrize("ratio", [0.0, 1e-3, 1.25, 1e3])
def test_bug_subnormal_circularity_ratios_the_bounds_themselves_are_fine(ratio: float) -> None:
    request = load_sample_request()
    request.bids[1].circularity.lifetime_ratio = ratio
    request.bids[1].circularity.use_intensity_ratio = ratio
    evaluation = evaluate(convert_in.to_tender(request))
    mci = next(r for r in evaluation.results if r.bid_id == "B").material_circularity
    assert mci is not None
    assert 0.0 <= mci <= 1.0


@pytest.mark.parametrize(
    ("field", "unit"),
    [
        ("bids[0].items[0].service_life", "s"),
        ("bids[1].circularity.mass", "mg"),
    ],
)
def test_bug_a_life_or_mass_that_converts_to_zero_crashed_the_engine(
    channel: grpc.Channel, field: str, unit: str
) -> None:
    request = load_sample_request()
    if field.startswith("bids[0]"):
        quantity = request.bids[0].items[0].service_life
    else:
        quantity = request.bids[1].circularity.mass
    quantity.value = 5e-324  # > 0, but 0.0 once converted to years / kg
    quantity.unit = unit
    answer = _call(channel, request.SerializeToString())
    assert isinstance(answer, Failure)
    assert answer.code == grpc.StatusCode.INVALID_ARGUMENT
    assert answer.fields == [f"{field}.value"]


def test_bug_a_stream_life_that_converts_to_zero_is_a_field_violation() -> None:
    from tco.inputs import CostStream, Quantity

    request = load_sample_request()
    tender = convert_in.to_tender(request)
    item = tender.bids[0].items[0]
    stream = CostStream(
        name="service",
        category="maintenance",
        amount=Quantity(100.0, "SEK"),
        every_years=1,
        life=Quantity(5e-324, "s"),
    )
    bad_item = dataclasses.replace(item, costs=(stream,))
    bad_bid = dataclasses.replace(tender.bids[0], items=(bad_item, *tender.bids[0].items[1:]))
    bad = dataclasses.replace(tender, bids=(bad_bid, *tender.bids[1:]))
    with pytest.raises(InvalidTender) as raised:
        evaluate(bad)
    assert [v.field for v in raised.value.violations] == ["bids[0].items[0].costs[0].life.value"]


# -- 9 -------------------------------------------------------------------------------------------


def test_bug_analysis_lists_were_counted_late_or_not_at_all() -> None:
    from tco_server import analysis
    from tco_server.limits import Limits, RequestTooLargeError
    from tcoapi.v1 import analysis_pb2

    request = analysis_pb2.AnalyzeRankingRequest(method=load_sample_request().method)
    request.bids.add().supplier = "s" * 5000  # a shape error, found only after the sizes
    entry = request.analysis.monte_carlo.distributions.add(path="method.discount_rate")
    entry.discrete.probabilities.extend([1e-5] * 100_000)
    with pytest.raises(RequestTooLargeError) as raised:
        analysis.check_request(request, Limits())
    [violation] = raised.value.violations
    assert violation.field == "analysis.monte_carlo.distributions[0].discrete.probabilities"
    assert violation.reason == "TOO_MANY_POINTS"


# -- 10 ------------------------------------------------------------------------------------------


def test_bug_a_subnormal_service_life_overflowed_the_cost_estimate(channel: grpc.Channel) -> None:
    request = load_sample_request()
    request.bids[0].items[0].service_life.value = 5e-324
    request.bids[0].items[0].service_life.unit = "year"
    answer = _call(channel, request.SerializeToString())
    assert isinstance(answer, Failure)
    assert answer.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "bids[0].items[0].service_life.value" in answer.fields
