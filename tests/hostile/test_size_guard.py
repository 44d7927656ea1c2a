"""The size guard of :mod:`tco_server.wire` gives exactly the answers of the full parse.

The guard refuses a request over a size limit from a shallow parse; what it refuses with must be
the very error :func:`tco_server.limits.check_request` raises on the fully parsed request (same
violations in the same order, same reason), and a request within the limits must come out of
the guard as the full parse. Bytes that do not parse must be Undecodable either way. No server
is needed: the deserializers are called as grpc calls them.
"""

from __future__ import annotations

import random

import pytest

from tco_server import wire
from tco_server.batch import tender_refusal
from tco_server.limits import Limits, RequestTooLargeError, check_request
from tcoapi.v1 import batch_pb2, tender_pb2
from tests.hostile.corpus import SIZE_CASES, serialized
from tests.server.conftest import load_sample_request

Request = tender_pb2.EvaluateBidsRequest
#: Small limits, so that every size error is cheap to build.
SMALL = Limits(
    max_bids=4,
    max_items_per_bid=3,
    max_total_items=6,
    max_total_streams=7,
    max_points=2,
    max_method_entries=2,
)


def _full_answer(data: bytes, limits: Limits) -> object:
    """What the server answered before the guard: the parse, then check_request's size error."""
    try:
        request = Request.FromString(data)
    except Exception:
        return "undecodable"
    try:
        check_request(request, limits)
    except RequestTooLargeError as too_large:
        return ("too large", too_large.reason, too_large.violations)
    except Exception:
        return request  # a field-shape error: the handler reports it, from the full parse
    return request


def _guard_answer(data: bytes, limits: Limits, *, bounded: bool = False) -> object:
    """The answer of the shallow guard: exact counts (``bounded=False``) unless asked."""
    result = wire.guarded(
        Request, wire.evaluate_bids_refusal(limits, bounded=bounded), whole_below=0
    )(data)
    if isinstance(result, wire.Undecodable):
        return "undecodable"
    if isinstance(result, wire.Refused):
        assert result.size == len(data)
        return ("too large", result.error.reason, result.error.violations)
    return result


def _random_request(rng: random.Random, sample: Request) -> Request:
    """The sample's scalars with lists grown around the small limits (and some bad strings)."""
    r = Request()
    r.CopyFrom(sample)
    for name in ("resource_prices", "emission_factors", "pollutant_prices", "exchange_rates"):
        r.method.ClearField(name)
    del r.bids[1:]
    del r.bids[0].items[:]
    for _ in range(rng.choice([0, 0, 1, 3, 4])):
        r.bids.add(id=f"x{rng.randrange(10)}")
    for bid in r.bids:
        for _ in range(rng.choice([0, 0, 1, 2, 3])):
            item = bid.items.add(name="n")
            for _ in range(rng.choice([0, 1, 2])):
                item.costs.add(category="c")
            for _ in range(rng.choice([0, 0, 1])):
                item.resource_use.add(resource="electricity")
            for _ in range(rng.choice([0, 0, 1])):
                item.pollutant_emissions.add(pollutant="nox")
        for _ in range(rng.choice([0, 0, 1, 2])):
            bid.costs.add(category="c")
        for _ in range(rng.choice([0, 0, 1])):
            bid.deductions.add()
    method = r.method
    for _ in range(rng.choice([0, 0, 1, 2])):
        method.resource_prices.add(resource=f"r{rng.randrange(5)}")
    for price in method.resource_prices:
        price.yearly_escalation.extend([0.01] * rng.choice([0, 1, 2, 3]))
    for _ in range(rng.choice([0, 0, 1, 2])):
        method.emission_factors.add(resource="r")
    for factor in method.emission_factors:
        for _ in range(rng.choice([0, 1, 3])):
            factor.trajectory.add(year=2030)
    for _ in range(rng.choice([0, 0, 1, 3])):
        method.pollutant_prices.add(pollutant="p")
    for _ in range(rng.choice([0, 0, 1, 2])):
        method.exchange_rates[f"E{rng.randrange(100)}"] = 10.0
    for _ in range(rng.choice([0, 0, 1, 3])):
        method.carbon_price.points.add(year=2030)
    for _ in range(rng.choice([0, 0, 1, 3])):
        method.evaluation_model.ladder.add()
    if rng.random() < 0.2:
        r.bids[0].supplier = "s" * 3000  # a field-shape error too: sizes come first
    return r


def test_the_corpus_size_cases_get_the_same_refusal() -> None:
    sample = load_sample_request().SerializeToString()
    for case in SIZE_CASES:
        if case.transport:
            continue
        data = serialized(case, sample)
        guard = _guard_answer(data, Limits())
        assert guard == _full_answer(data, Limits()), case.name
        assert isinstance(guard, tuple), case.name  # refused by the guard itself


def test_the_server_default_guard_refuses_the_corpus_size_cases_like_the_limits() -> None:
    """The server's default (early-stopping, :mod:`tco_server.wirescan`) differs only in words.

    A list it proved over its limit from a prefix says ``got more than {limit}`` instead of
    ``got {n}``; field paths, reasons and the set of violations are the exact guard's.
    """
    assert wire.BOUNDED  # the default of the server
    sample = load_sample_request().SerializeToString()
    for case in SIZE_CASES:
        if case.transport:
            continue
        data = serialized(case, sample)
        exact = _full_answer(data, Limits())
        bounded = _guard_answer(data, Limits(), bounded=True)
        assert isinstance(bounded, tuple), case.name
        assert isinstance(exact, tuple), case.name
        assert bounded[1] == exact[1], case.name
        assert len(bounded[2]) == len(exact[2]), case.name
        for got, want in zip(bounded[2], exact[2], strict=True):
            assert (got.field, got.reason) == (want.field, want.reason), case.name
            if got.description != want.description:
                head = want.description.rsplit(", got ", 1)[0]
                limit = head.split()[2]
                assert got.description == f"{head}, got more than {limit}", case.name


def test_random_requests_around_the_limits_get_the_same_answer() -> None:
    rng = random.Random(8)
    sample = load_sample_request()
    refused = 0
    for _ in range(600):
        data = _random_request(rng, sample).SerializeToString()
        guard = _guard_answer(data, SMALL)
        assert guard == _full_answer(data, SMALL)
        refused += isinstance(guard, tuple)
    assert 100 < refused < 550  # both sides of every limit were tried
    reasons = set()
    for _ in range(600):
        answer = _guard_answer(_random_request(rng, sample).SerializeToString(), SMALL)
        if isinstance(answer, tuple):
            reasons.add(answer[1])
    assert reasons == {
        "TOO_MANY_BIDS",
        "TOO_MANY_ENTRIES",
        "TOO_MANY_POINTS",
        "TOO_MANY_ITEMS",
        "TOO_MANY_STREAMS",
    }


def test_mutated_bytes_are_undecodable_exactly_when_the_full_parse_fails() -> None:
    rng = random.Random(88)
    sample = load_sample_request().SerializeToString()
    undecodable = 0
    for _ in range(3000):
        data = bytearray(sample)
        for _ in range(rng.choice([1, 1, 2, 4])):
            kind = rng.random()
            at = rng.randrange(len(data))
            if kind < 0.6:
                data[at] = rng.randrange(256)
            elif kind < 0.8:
                del data[at : at + rng.randrange(1, 8)]
            else:
                data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 6)))
        guard = _guard_answer(bytes(data), Limits())
        assert guard == _full_answer(bytes(data), Limits())
        undecodable += guard == "undecodable"
    assert undecodable > 300


def test_a_request_within_the_limits_comes_out_as_the_full_parse() -> None:
    sample = load_sample_request()
    result = wire.guarded(Request, wire.evaluate_bids_refusal(Limits()))(sample.SerializeToString())
    assert type(result) is Request
    assert result == sample


def test_a_short_message_skips_the_guard_and_is_refused_by_the_handlers_check() -> None:
    """Under ``WHOLE_BELOW_BYTES`` the guard is skipped: the full parse comes out, and the
    handler's ``check_request`` refuses it with what the guard would have said."""
    request = load_sample_request()
    for _ in range(SMALL.max_bids + 1):
        request.bids.add()
    data = request.SerializeToString()
    assert len(data) < wire.WHOLE_BELOW_BYTES
    skipped = wire.guarded(Request, wire.evaluate_bids_refusal(SMALL, bounded=False))(data)
    assert type(skipped) is Request
    assert skipped == request
    guarded = _guard_answer(data, SMALL)
    assert isinstance(guarded, tuple)
    assert _full_answer(data, SMALL) == guarded
    # a message as long as the threshold goes through the guard
    at = wire.guarded(
        Request, wire.evaluate_bids_refusal(SMALL, bounded=False), whole_below=len(data)
    )(data)
    assert isinstance(at, wire.Refused)


def test_the_mirror_is_private() -> None:
    mirror = wire.shallow_class(Request.DESCRIPTOR).DESCRIPTOR
    assert mirror.full_name.startswith(wire.SHALLOW_PACKAGE + ".")
    assert mirror.fields_by_name["bids"].type == mirror.fields_by_name["bids"].TYPE_BYTES
    assert not mirror.full_name.startswith("tcoapi.")
    # not in the default pool (reflection serves that one)
    from google.protobuf import descriptor_pool

    with pytest.raises(KeyError):
        descriptor_pool.Default().FindMessageTypeByName(mirror.full_name)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda t: None, "too large"),
        (lambda t: setattr(t, "tender_id", "x" * 300), "full"),  # tender_id is checked first
        (lambda t: setattr(t, "detail", 99), "full"),  # so is detail
        (lambda t: t.ClearField("tender"), "full"),
    ],
    ids=["oversize", "long-id", "unknown-detail", "no-tender"],
)
def test_the_stream_guard_refuses_only_what_the_tender_would_be_refused_for(
    change: object, expected: str
) -> None:
    request = load_sample_request()
    for _ in range(SMALL.max_bids + 1):
        request.bids.add()
    tender = batch_pb2.EvaluateTendersRequest(tender_id="t-1", request=request)
    change(tender)  # type: ignore[operator]
    result = wire.guarded(batch_pb2.EvaluateTendersRequest, tender_refusal(SMALL), whole_below=0)(
        tender.SerializeToString()
    )
    if expected == "too large":
        assert isinstance(result, wire.Refused)
        assert result.tender_id == "t-1"
        assert result.bids == len(request.bids)
        assert result.error.reason == "TOO_MANY_BIDS"
    else:
        assert result == tender
