"""The fast pass of :func:`tco_server.limits.check_request` agrees with the exact walk.

``check_request`` first asks a predicate compiled from the descriptors "is everything within the
limits?" and runs the exact walk (which builds the violations with their paths) only when the
answer is no. Two properties keep that honest, on the descriptor-driven fuzz strategy
(:mod:`tests.fuzz.strategies`: near-valid mutations of the sample and arbitrary messages) and
with random, often tiny, :class:`Limits` so that every limit is hit:

- the predicate says "fine" exactly when the exact walk finds no violation;
- ``check_request`` raises exactly what the version before the fast pass raised
  (:mod:`tests.server.reference_limits`): same class, reason, fields, descriptions, order.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tco.errors import InvalidTender
from tco_server import limits
from tcoapi.v1 import tender_pb2
from tests.fuzz.strategies import requests
from tests.server import reference_limits
from tests.server.conftest import load_sample_request

SAMPLE = load_sample_request().SerializeToString()
SETTINGS: dict[str, Any] = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}


@st.composite
def some_limits(draw: st.DrawFn) -> limits.Limits:
    """The default limits, or limits around the sizes of the sample (so each one binds)."""
    if draw(st.booleans()):
        return limits.Limits()
    small = st.integers(0, 6)
    return limits.Limits(
        max_bids=draw(st.sampled_from([1000, 1, 2, 3])),
        max_items_per_bid=draw(st.sampled_from([1000, 0, 1, 2])),
        max_total_items=draw(st.sampled_from([10_000, 1, 2, 4])),
        max_total_streams=draw(st.sampled_from([100_000, 0, 2, 5, 8])),
        max_points=draw(small),
        max_method_entries=draw(small),
        max_study_years=draw(st.sampled_from([100, 0, 20, 30])),
        max_unit_length=draw(st.sampled_from([64, 0, 3, 5, 8])),
        max_id_length=draw(st.sampled_from([256, 0, 4, 11])),
        max_text_length=draw(st.sampled_from([2000, 0, 6, 20])),
    )


def _outcome(module: Any, request: tender_pb2.EvaluateBidsRequest, lim: Any) -> object:
    try:
        module.check_request(request, lim)
    except InvalidTender as error:
        return ("InvalidTender", str(error), [(v.field, v.description) for v in error.violations])
    except module.RequestTooLargeError as error:
        violations = [(v.field, v.description, v.reason) for v in error.violations]
        return ("RequestTooLargeError", error.reason, str(error), violations)
    return None


def _reference_limits(lim: limits.Limits) -> reference_limits.Limits:
    fields = {name: getattr(lim, name) for name in limits.Limits.__dataclass_fields__}
    return reference_limits.Limits(**fields)


@settings(max_examples=400, **SETTINGS)
@given(request=requests(SAMPLE), lim=some_limits())
def test_fast_predicate_is_fine_exactly_when_the_exact_walk_is(
    request: tender_pb2.EvaluateBidsRequest, lim: limits.Limits
) -> None:
    exact = _outcome(reference_limits, request, _reference_limits(lim))
    assert limits._fast_check(lim)(request) is (exact is None)


@settings(max_examples=400, **SETTINGS)
@given(request=requests(SAMPLE), lim=some_limits())
def test_check_request_raises_what_it_always_raised(
    request: tender_pb2.EvaluateBidsRequest, lim: limits.Limits
) -> None:
    expected = _outcome(reference_limits, request, _reference_limits(lim))
    assert _outcome(limits, request, lim) == expected


@pytest.mark.parametrize(
    "mutate",
    [
        lambda r: setattr(r.method, "timing", 4),
        lambda r: setattr(r.method.evaluation_model, "kind", -1),
        lambda r: setattr(r.bids[0].items[0].emissions.a4, "unit", "k" * 65),
        lambda r: setattr(r.bids[1].items[0].resource_use[0], "resource", "r" * 257),
        lambda r: setattr(r.bids[0].costs[0], "emissions_module", "m" * 257),
        lambda r: setattr(r.bids[0].deductions.add(), "criterion", "c" * 2001),
        lambda r: setattr(r.method.carbon_price.points[0].price, "unit", "u" * 65),
        lambda r: r.method.exchange_rates.__setitem__("E" * 257, 1.0),
        lambda r: setattr(r.method, "study_period_years", 101),
    ],
)
def test_each_kind_of_shape_problem_is_caught_by_the_predicate(mutate: Any) -> None:
    """One problem at a time, in the places the ``ByteSize`` guard and the loops cover."""
    request = load_sample_request()
    assert limits._fast_check(limits.Limits())(request) is True
    mutate(request)
    assert limits._fast_check(limits.Limits())(request) is False
    with pytest.raises(InvalidTender):
        limits.check_request(request, limits.Limits())


def test_strings_at_the_limit_are_fine_and_one_more_is_not() -> None:
    request = load_sample_request()
    item = request.bids[0].items[0]
    item.emissions.a1_a3.unit = "k" * 64
    item.emissions.c1_c4.unit = "k" * 64
    item.resource_use[0].resource = "r" * 256
    assert limits._fast_check(limits.Limits())(request) is True
    item.emissions.c1_c4.unit = "k" * 65
    assert limits._fast_check(limits.Limits())(request) is False


def test_a_huge_request_is_refused_by_size_before_anything_is_read() -> None:
    """10^5 empty bids over a limit of 1 000: False from the count alone, the exact check then
    raises RESOURCE_EXHAUSTED naming ``bids``."""
    request = load_sample_request()
    for _ in range(100_000):
        request.bids.add()
    assert limits._fast_check(limits.Limits())(request) is False
    with pytest.raises(limits.RequestTooLargeError) as caught:
        limits.check_request(request, limits.Limits())
    assert [v.field for v in caught.value.violations] == ["bids"]


def test_predicates_are_cached_per_limits() -> None:
    lim = limits.Limits(max_unit_length=10)
    assert limits._fast_check(lim) is limits._fast_check(limits.Limits(max_unit_length=10))
    assert limits._fast_check(lim) is not limits._fast_check(limits.Limits())
