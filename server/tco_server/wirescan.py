"""A size guard whose cost follows the limits, not the message: prefix parses that stop early.

Why
    The shallow guard of :func:`tco_server.wire.guarded` counts a list by parsing its parent
    with every element kept as ``repeated bytes``: about 9 ns per element in upb, so 10^6 empty
    items (2 MB) cost ~10 ms of GIL and 8*10^6 of them (16 MiB) ~80 ms, only to learn that the
    list holds more than 1 000 elements. A walk of the wire format in Python could stop at the
    1 001st element, but costs ~150 ns per field (16 times upb), so it loses as soon as a list
    must be walked to its end (100 000 stream entries) or the message is padded with fields the
    guard does not count (each is a Python step).

How
    upb decodes fields in order and keeps what it decoded when the input ends early: parsing a
    *prefix* of a message's bytes gives every element that lies wholly in the prefix (the
    last, cut, element raises DecodeError and is dropped). So the number of elements of a list
    in a prefix is a lower bound of its length in the message, at C speed: once it passes the
    limit, the list is over the limit whatever follows. :func:`prefix_parse` parses prefixes
    of growing size (``first`` bytes, then 4 times as many, up to :data:`LAST_PREFIX`) until a
    predicate says "proven over" or the whole message was parsed (then the counts are exact, as
    before). An element is at least 2 bytes (a 1-byte key and a 1-byte length), so a prefix
    of ``2 * (limit + 1)`` bytes of a list of empty elements proves it; larger elements need
    larger prefixes, and the growth keeps the total at most 4/3 of the last parse.
    :func:`supported` checks that the protobuf runtime behaves so (upb does; with another
    runtime the exact guard decides).

What the wire format rules give
    - a repeated field's elements may be interleaved with other fields, and a singular message
      field sent twice is merged: both are handled by upb itself, as in the full parse;
    - counts only grow with the prefix, so a count over the limit in a prefix is final;
    - a count within the limit is final only when the whole message was parsed.

What it costs in answers
    A list proven over its limit from a prefix has no exact length: its violation says ``got
    more than {limit}`` instead of ``got {n}`` (:func:`describe`); lists counted to their end
    keep the exact wording. Paths, reasons, the order of the stages and the set of violations
    are those of :func:`tco_server.limits.check_request` (only a list that alone proves its
    stage's error is cut short, so no other violation of the stage can be missed: see
    :func:`bounded_refusal`). As with the shallow guard, a message over a limit that is also
    broken after the point where the guard stopped gets RESOURCE_EXHAUSTED, not
    ``UNDECODABLE_REQUEST``.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from typing import Any

from google.protobuf.descriptor import Descriptor
from google.protobuf.message import DecodeError

from tco_server.limits import Limits, RequestTooLargeError, SizeViolation
from tcoapi.v1 import tender_pb2

#: Messages up to this size are left to the exact guard: it costs at most ~128 K elements
#: (~1-2 ms), and keeps the exact ``got {n}`` wording for every request of that size.
EXACT_BYTES = 256 * 1024
#: The first prefix parsed (then 4 times as large): 64 KiB holds 32 K empty elements (~0.3 ms).
FIRST_PREFIX = 64 * 1024
#: No prefix beyond this; a list not proven over by then is counted whole (exactly). Bounds the
#: work spent on prefixes of a message whose lists are within their limits (each prefix parse
#: copies what it parses) to ~1.3 MiB.
LAST_PREFIX = 1024 * 1024


def describe(limit: int, what: str, n: int, exact: bool) -> str:
    """The violation's description: ``_check_sizes``' own when ``n`` is exact, else a bound."""
    if exact:
        return f"at most {limit} {what}, got {n}"
    return f"at most {limit} {what}, got more than {limit}"


def prefix_parse(
    cls: Callable[[], Any], data: Any, enough: Callable[[Any], bool], first: int | None = None
) -> tuple[Any, bool]:
    """``(message, complete)``: ``cls`` parsed from growing prefixes of ``data`` (at most
    :data:`LAST_PREFIX` bytes) until
    ``enough(message)`` or the whole of ``data`` was parsed (``complete``; its DecodeError is
    raised: the bytes do not parse). ``data`` is any buffer; prefixes are views, not copies."""
    view: Any = memoryview(data)  # upb parses any buffer (typed as bytes in the stubs)
    size = len(view)
    window = max(FIRST_PREFIX if first is None else first, 2)
    while window < size and window <= LAST_PREFIX:
        message = cls()
        with suppress(DecodeError):  # the prefix ends inside a field: the ones before are kept
            message.MergeFromString(view[:window])
        if enough(message):
            return message, False
        window *= 4
    message = cls()
    message.MergeFromString(view)
    return message, True


#: ``descriptor -> its shallow mirror class`` (:func:`tco_server.wire.shallow_class`).
Mirrors = Callable[[Descriptor], Any]


def supported(shallow_class: Mirrors) -> bool:
    """Does this protobuf runtime keep the elements decoded before a truncation? (upb does.)"""
    cls = shallow_class(tender_pb2.Bid.DESCRIPTOR)
    message = cls()
    try:
        message.MergeFromString(b"\x1a\x00" * 3 + b"\x1a\x05ab")
    except DecodeError:
        pass
    except Exception:  # pragma: no cover - another runtime, another error
        return False
    return len(message.items) == 3


def bounded_refusal(
    data: bytes, limits: Limits, shallow_class: Mirrors
) -> tuple[RequestTooLargeError | None, int]:
    """The size error of the EvaluateBidsRequest ``data`` (or None) and its bid count.

    The stages of :func:`tco_server.limits._check_sizes`, in order, with the same paths and
    reasons. Cut short (prefix parses) only where one list alone decides the stage:

    - bids: the request's prefix until more than ``max_bids`` bids (the stage has no other
      violation);
    - items: a bid's prefix until it alone has more than ``max_total_items`` items, which
      makes both its per-bid violation and the total's certain; every other bid is counted
      to its end (it may be over the per-bid limit);
    - streams: an item's prefix until the streams counted so far pass ``max_total_streams``
      (the stage has one violation, the total).

    The method's lists are counted to their end (four lists, one stage: each may be over).
    Raises DecodeError (or what the parser raises) when a parse that had to be complete fails.
    """
    found: list[SizeViolation] = []

    def check(reason: str, path: str, n: int, limit: int, what: str, *, exact: bool = True) -> None:
        if n > limit:
            found.append(SizeViolation(path, describe(limit, what, n, exact), reason))

    max_bids = limits.max_bids
    request, complete = prefix_parse(
        shallow_class(tender_pb2.EvaluateBidsRequest.DESCRIPTOR),
        data,
        lambda m: len(m.bids) > max_bids,
    )
    bids = request.bids
    check("TOO_MANY_BIDS", "bids", len(bids), max_bids, "bids per request", exact=complete)
    if found:
        return RequestTooLargeError(found), len(bids)

    method = request.method
    for name, what in (
        ("resource_prices", "resource prices"),
        ("emission_factors", "emission factors"),
        ("pollutant_prices", "pollutant prices"),
        ("exchange_rates", "exchange rates"),
    ):
        n = len(getattr(method, name))
        check("TOO_MANY_ENTRIES", f"method.{name}", n, limits.max_method_entries, what)
    if found:
        return RequestTooLargeError(found), len(bids)

    points = limits.max_points
    price_cls = shallow_class(tender_pb2.ResourcePrice.DESCRIPTOR).FromString
    for i, data_i in enumerate(method.resource_prices):
        path = f"method.resource_prices[{i}].yearly_escalation"
        n = len(price_cls(data_i).yearly_escalation)
        check("TOO_MANY_POINTS", path, n, points, "yearly rates")
    factor_cls = shallow_class(tender_pb2.EmissionFactor.DESCRIPTOR).FromString
    for i, data_i in enumerate(method.emission_factors):
        path = f"method.emission_factors[{i}].trajectory"
        check(
            "TOO_MANY_POINTS", path, len(factor_cls(data_i).trajectory), points, "trajectory points"
        )
    n = len(method.carbon_price.points)
    check("TOO_MANY_POINTS", "method.carbon_price.points", n, points, "carbon price points")
    n = len(method.evaluation_model.ladder)
    check("TOO_MANY_POINTS", "method.evaluation_model.ladder", n, points, "ladder steps")

    bid_cls = shallow_class(tender_pb2.Bid.DESCRIPTOR)
    max_total = limits.max_total_items
    parsed = []
    total_items = 0
    total_exact = True
    for i, bid_data in enumerate(bids):
        bid, complete = prefix_parse(bid_cls, bid_data, lambda m: len(m.items) > max_total)
        parsed.append(bid)
        n = len(bid.items)
        total_items += n
        total_exact = total_exact and complete
        check(
            "TOO_MANY_ITEMS",
            f"bids[{i}].items",
            n,
            limits.max_items_per_bid,
            "items per bid",
            exact=complete,
        )
    what = "items over all bids"
    check("TOO_MANY_ITEMS", "bids", total_items, max_total, what, exact=total_exact)
    if found:
        return RequestTooLargeError(found), len(bids)

    item_cls = shallow_class(tender_pb2.Item.DESCRIPTOR)
    max_streams = limits.max_total_streams
    streams = sum(len(bid.costs) + len(bid.deductions) for bid in parsed)
    exact = True  # False once the count stopped early (a prefix, or items left unread)
    for bid in parsed:
        for item_data in bid.items:
            if streams > max_streams:
                exact = False
                break
            before = streams

            def enough(m: Any, before: int = before) -> bool:
                n = len(m.costs) + len(m.resource_use) + len(m.pollutant_emissions)
                return before + n > max_streams

            item, complete = prefix_parse(item_cls, item_data, enough)
            streams += len(item.costs) + len(item.resource_use) + len(item.pollutant_emissions)
            exact = exact and complete
        if not exact:
            break
    what = "cost streams, resource uses, pollutant emissions and deductions over all bids"
    check("TOO_MANY_STREAMS", "bids", streams, max_streams, what, exact=exact)
    return (RequestTooLargeError(found) if found else None), len(bids)
