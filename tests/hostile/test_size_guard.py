"""The size guard of :mod:`tco_server.decoding` gives the answers of the full parse.

The guard refuses a request over a size limit from its bytes; what it refuses with must be the
error :func:`tco_server.limits.check_request` raises on the fully parsed request (same
violations in the same order, same reason; a list it proved over its limit from a prefix says
``got more than {limit}``), and a request within the limits must come out of the guard as the
full parse. Bytes that do not parse must be Undecodable either way. No server is needed: the
deserializers are called as grpc calls them.
"""

from __future__ import annotations

import random

import pytest

from tco_server import decoding
from tco_server.batch import tender_refusal
from tco_server.limits import SIZE_RULES, Limits, RequestTooLargeError, check_request
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


def _guard(limits: Limits, whole_below: int = 0) -> decoding.Deserializer:
    return decoding.guarded(
        Request,
        decoding.request_refusal(SIZE_RULES, limits),
        decoding.caps(Request.DESCRIPTOR, SIZE_RULES, limits),
        whole_below=whole_below,
    )


def _guard_answer(data: bytes, limits: Limits) -> object:
    """The answer of the guard (on every message, however short)."""
    result = _guard(limits)(data)
    if isinstance(result, decoding.Undecodable):
        return "undecodable"
    if isinstance(result, decoding.Refused):
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


def _same_but_bounded(guard: object, full: object, name: str) -> None:
    """Equal, but a list proved over its limit may say ``got more than {limit}``."""
    assert isinstance(guard, tuple), name
    assert isinstance(full, tuple), name
    assert guard[:2] == full[:2], name
    for got, want in zip(guard[2], full[2], strict=True):
        assert (got.field, got.reason) == (want.field, want.reason), name
        if got.description != want.description:
            head = want.description.rsplit(", got ", 1)[0]
            assert got.description == f"{head}, got more than {head.split()[2]}", name


def test_the_corpus_size_cases_get_the_same_refusal() -> None:
    sample = load_sample_request().SerializeToString()
    for case in SIZE_CASES:
        if not case.transport:
            data = serialized(case, sample)
            _same_but_bounded(
                _guard_answer(data, Limits()), _full_answer(data, Limits()), case.name
            )


@pytest.mark.parametrize(
    ("what", "data", "field"),
    [
        ("bids", b"\x12\x00" * 40_000, "bids"),
        (
            "items",
            b"\x12" + bytes([0x80, 0xE2, 0x09]) + b"\x1a\x00" * 80_000,
            "bids[0].items",
        ),
    ],
)
def test_a_huge_list_is_refused_from_a_prefix(what: str, data: bytes, field: str) -> None:
    answer = _guard_answer(data, Limits(max_bids=10, max_items_per_bid=10, max_total_items=20))
    assert isinstance(answer, tuple), what
    assert answer[2][0].field == field
    assert answer[2][0].description.endswith("got more than 10")


def test_random_requests_around_the_limits_get_the_same_answer() -> None:
    rng = random.Random(8)
    sample = load_sample_request()
    refused = 0
    for _ in range(600):
        data = _random_request(rng, sample).SerializeToString()
        guard, full = _guard_answer(data, SMALL), _full_answer(data, SMALL)
        if isinstance(full, tuple):
            _same_but_bounded(guard, full, "random")
        else:
            assert guard == full
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
    result = _guard(Limits(), decoding.WHOLE_BELOW_BYTES)(sample.SerializeToString())
    assert type(result) is Request
    assert result == sample


def test_a_short_message_skips_the_guard_and_is_refused_by_the_handlers_check() -> None:
    """Under ``WHOLE_BELOW_BYTES`` the guard is skipped: the full parse comes out, and the
    handler's ``check_request`` refuses it with what the guard would have said."""
    request = load_sample_request()
    for _ in range(SMALL.max_bids + 1):
        request.bids.add()
    data = request.SerializeToString()
    assert len(data) < decoding.WHOLE_BELOW_BYTES
    skipped = _guard(SMALL, decoding.WHOLE_BELOW_BYTES)(data)
    assert type(skipped) is Request
    assert skipped == request
    guarded = _guard_answer(data, SMALL)
    assert isinstance(guarded, tuple)
    assert _full_answer(data, SMALL) == guarded
    # a message as long as the threshold goes through the guard
    assert isinstance(_guard(SMALL, len(data))(data), decoding.Refused)


def test_the_mirror_is_private() -> None:
    mirror = decoding.mirror_class(Request.DESCRIPTOR).DESCRIPTOR
    assert mirror.full_name.startswith("tco_server.mirror.")
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
    guard = decoding.guarded(
        batch_pb2.EvaluateTendersRequest,
        tender_refusal(SMALL),
        decoding.caps(Request.DESCRIPTOR, SIZE_RULES, SMALL),
        whole_below=0,
    )
    result = guard(tender.SerializeToString())
    if expected == "too large":
        assert isinstance(result, decoding.Refused)
        assert result.tender_id == "t-1"
        assert result.bids == len(request.bids)
        assert result.error.reason == "TOO_MANY_BIDS"
    else:
        assert result == tender
