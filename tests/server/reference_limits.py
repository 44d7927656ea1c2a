"""A frozen copy of ``tco_server.limits`` as it was before the fast path: the oracle that
``check_request`` is compared with (``tests/server/test_limits_fastpath.py``).

Do not optimise or edit this file: its worth is that it is the plain, obviously-correct version.

The original docstring:

Explicit request limits, checked on the proto message before any conversion or parsing.

Two kinds of problem, two status codes (the choice, documented for clients):

- **Request size** (how many bids, items, streams, points, method entries): the request as a
  whole is too big to evaluate here, whatever its content. :func:`check_request` raises
  :class:`RequestTooLargeError`, which the server answers with ``RESOURCE_EXHAUSTED``, a
  ``google.rpc.ErrorInfo`` whose reason names the limit (``TOO_MANY_BIDS``, ...) and a
  ``google.rpc.BadRequest`` naming the field (``bids``, ``bids[3].items``). Sizes are checked
  first and only with ``len()``: a huge request is refused without walking it.
- **Field shape** (a unit string longer than 64 characters, an over-long id or name, a study
  period beyond 100 years, an enum number the contract does not define): one field is wrong, so
  it is an ``INVALID_ARGUMENT`` exactly like the engine's own field violations (the same
  :class:`tco.errors.InvalidTender`, reason ``INVALID_TENDER``), with every such field listed by
  its path. These are refused here, before any unit parsing; the engine's checks run only on a
  request that passed them, so its violations come in a second round.

The string limits are the engine's own (:data:`tco.units.MAX_UNIT_LENGTH`,
:data:`tco.fieldcheck.MAX_ID_LENGTH`, :data:`tco.fieldcheck.MAX_TEXT_LENGTH`), so the service
accepts exactly what the Python API accepts; checking them here only makes the refusal cheap.
Descriptions never echo the offending value (an over-long string is reported by its length): the
limits exist to keep large inputs away from the parser, the logs and the response.

Field paths use the contract's field names with list indexes, like the engine's:
``bids[2].items[0].resource_use[0].amount.unit``; a map entry is ``method.exchange_rates[EUR]``
(or just ``method.exchange_rates`` when the key itself is the problem).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from tco.errors import FieldViolation, InvalidTender
from tco.units import MAX_UNIT_LENGTH
from tco.validate import MAX_BIDS, MAX_STUDY_PERIOD
from tco.validate.limits import MAX_ID_LENGTH, MAX_TEXT_LENGTH
from tcoapi.v1 import tender_pb2


@dataclass(frozen=True, slots=True)
class Limits:
    """What one EvaluateBids request may hold. Defaults fit any real tender many times over.

    The size limits are the service's capacity, not rules of the method: a request at the item
    limit (1 000 bids of 10 items) takes about 4 s to check, validate and evaluate on one core,
    so they sit below the engine's own guards against absurd input (``tco.validate.MAX_LIST``
    10 000 entries per list, ``MAX_TOTAL_ITEMS`` 100 000) and a deployment may move them with the
    ``--max-*`` flags. Bids, the study period and the string lengths use the engine's constants.
    """

    #: Bids in one request (RESOURCE_EXHAUSTED, field ``bids``).
    max_bids: int = MAX_BIDS
    #: Items in one bid (RESOURCE_EXHAUSTED, field ``bids[i].items``).
    max_items_per_bid: int = 1_000
    #: Items over all bids (RESOURCE_EXHAUSTED, field ``bids``).
    max_total_items: int = 10_000
    #: Stream entries over all bids: cost streams, resource uses, pollutant emissions and
    #: deductions of bids and items (RESOURCE_EXHAUSTED, field ``bids``).
    max_total_streams: int = 100_000
    #: Points of one repeated series: emission factor trajectory, carbon price points, yearly
    #: escalation rates, ladder steps (RESOURCE_EXHAUSTED, the list's path).
    max_points: int = 1_000
    #: Entries of each method list: resource prices, emission factors, pollutant prices,
    #: exchange rates (RESOURCE_EXHAUSTED, the list's path).
    max_method_entries: int = 1_000
    #: Study period N in years (INVALID_ARGUMENT, ``method.study_period_years``, the engine's
    #: wording); the engine checks 1..N too.
    max_study_years: int = MAX_STUDY_PERIOD
    #: Characters of a unit string (INVALID_ARGUMENT, the ``...unit`` path); the engine's.
    max_unit_length: int = MAX_UNIT_LENGTH
    #: Characters of an id, a name like ``resource``, a code or a map key (INVALID_ARGUMENT);
    #: the engine's.
    max_id_length: int = MAX_ID_LENGTH
    #: Characters of any other string: names, suppliers, criteria, bases (INVALID_ARGUMENT);
    #: the engine's.
    max_text_length: int = MAX_TEXT_LENGTH


@dataclass(frozen=True, slots=True)
class SizeViolation:
    """One exceeded size limit: the field, what is wrong, and a stable reason code."""

    field: str
    description: str
    reason: str


class RequestTooLargeError(Exception):
    """The request exceeds a size limit; answered with RESOURCE_EXHAUSTED."""

    def __init__(self, violations: list[SizeViolation]) -> None:
        self.violations: tuple[SizeViolation, ...] = tuple(violations)
        #: Reason of the ErrorInfo: the first violation's (they are checked in a fixed order).
        self.reason = self.violations[0].reason
        super().__init__(f"{len(self.violations)} size limit(s) exceeded")


# Fields whose strings are identifiers or codes (shorter limit); every other string is text.
_ID_FIELDS = frozenset(
    {
        "id",
        "bid_id",
        "baseline_bid_id",
        "series_id",
        "reference_id",
        "currency",
        "resource",
        "pollutant",
        "category",
        "emissions_module",
    }
)
_UNIT_FIELD = "unit"


def check_request(request: tender_pb2.EvaluateBidsRequest, limits: Limits) -> None:
    """Refuse a request that breaks a limit; return quietly otherwise.

    Raises :class:`RequestTooLargeError` (size; checked first, with ``len()`` only) or
    :class:`tco.errors.InvalidTender` (field shape; every bad field listed).
    """
    _check_sizes(request, limits)
    violations: list[FieldViolation] = []
    method = request.method
    if method.study_period_years > limits.max_study_years:
        violations.append(
            FieldViolation(
                "method.study_period_years",
                # the wording of tco.validate
                f"expected a study period in whole years from 1 to {limits.max_study_years}",
            )
        )
    _walk(request, "", limits, violations)
    if violations:
        raise InvalidTender(violations)


class _Sizes:
    """Collects exceeded size limits, each with the reason code of its kind."""

    def __init__(self) -> None:
        self.violations: list[SizeViolation] = []

    def check(self, reason: str, path: str, n: int, limit: int, what: str) -> None:
        if n > limit:
            self.violations.append(SizeViolation(path, f"at most {limit} {what}, got {n}", reason))

    def raise_if_any(self) -> None:
        if self.violations:
            raise RequestTooLargeError(self.violations)


def _check_sizes(request: tender_pb2.EvaluateBidsRequest, limits: Limits) -> None:
    sizes = _Sizes()
    bids = request.bids
    sizes.check("TOO_MANY_BIDS", "bids", len(bids), limits.max_bids, "bids per request")
    sizes.raise_if_any()  # do not even look at the bids of an oversized request

    method = request.method
    for name, what in (
        ("resource_prices", "resource prices"),
        ("emission_factors", "emission factors"),
        ("pollutant_prices", "pollutant prices"),
        ("exchange_rates", "exchange rates"),
    ):
        n = len(getattr(method, name))
        sizes.check("TOO_MANY_ENTRIES", f"method.{name}", n, limits.max_method_entries, what)
    sizes.raise_if_any()  # the loops below walk those lists

    points = limits.max_points
    for i, price in enumerate(method.resource_prices):
        path = f"method.resource_prices[{i}].yearly_escalation"
        sizes.check("TOO_MANY_POINTS", path, len(price.yearly_escalation), points, "yearly rates")
    for i, factor in enumerate(method.emission_factors):
        path = f"method.emission_factors[{i}].trajectory"
        sizes.check("TOO_MANY_POINTS", path, len(factor.trajectory), points, "trajectory points")
    n = len(method.carbon_price.points)
    sizes.check("TOO_MANY_POINTS", "method.carbon_price.points", n, points, "carbon price points")
    n = len(method.evaluation_model.ladder)
    sizes.check("TOO_MANY_POINTS", "method.evaluation_model.ladder", n, points, "ladder steps")

    total_items = 0
    for i, bid in enumerate(bids):
        n = len(bid.items)
        total_items += n
        sizes.check(
            "TOO_MANY_ITEMS", f"bids[{i}].items", n, limits.max_items_per_bid, "items per bid"
        )
    sizes.check(
        "TOO_MANY_ITEMS", "bids", total_items, limits.max_total_items, "items over all bids"
    )
    sizes.raise_if_any()  # the loop below walks the items

    streams = 0
    for bid in bids:
        streams += len(bid.costs) + len(bid.deductions)
        for item in bid.items:
            streams += len(item.costs) + len(item.resource_use) + len(item.pollutant_emissions)
    what = "cost streams, resource uses, pollutant emissions and deductions over all bids"
    sizes.check("TOO_MANY_STREAMS", "bids", streams, limits.max_total_streams, what)
    sizes.raise_if_any()


def _walk(message: Message, prefix: str, limits: Limits, out: list[FieldViolation]) -> None:
    """Check every set string and enum of ``message`` (recursively) against the shape limits."""
    for field, value in message.ListFields():
        path = f"{prefix}{field.name}"
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            entry = field.message_type
            if entry is not None and entry.GetOptions().map_entry:
                _walk_map(entry.fields_by_name["value"], value, path, limits, out)
            elif field.is_repeated:
                for i, element in enumerate(value):
                    _walk(element, f"{path}[{i}].", limits, out)
            else:
                _walk(value, f"{path}.", limits, out)
        elif field.type == FieldDescriptor.TYPE_STRING:
            if field.is_repeated:  # no repeated strings in v1; checked all the same
                for i, element in enumerate(value):
                    _check_string(field.name, element, f"{path}[{i}]", limits, out)
            else:
                _check_string(field.name, value, path, limits, out)
        elif field.type == FieldDescriptor.TYPE_ENUM and field.enum_type is not None:
            known = field.enum_type.values_by_number
            for number in value if field.is_repeated else (value,):
                if number not in known:
                    out.append(
                        FieldViolation(path, f"unknown {field.enum_type.name} value {number}")
                    )


def _walk_map(
    value_field: FieldDescriptor,
    entries: Mapping[Any, Any],
    path: str,
    limits: Limits,
    out: list[FieldViolation],
) -> None:
    """Map keys are ids (currency codes in v1): the id limit; message values are walked."""
    for key in sorted(entries):
        if isinstance(key, str) and len(key) > limits.max_id_length:
            out.append(
                FieldViolation(
                    path, f"a key of at most {limits.max_id_length} characters, got {len(key)}"
                )
            )
        elif value_field.type == FieldDescriptor.TYPE_MESSAGE:
            _walk(entries[key], f"{path}[{key}].", limits, out)


def _check_string(
    name: str, value: str, path: str, limits: Limits, out: list[FieldViolation]
) -> None:
    n = len(value)
    if name == _UNIT_FIELD:
        if n > limits.max_unit_length:  # the wording of tco.units
            out.append(
                FieldViolation(
                    path, f"unit is {n} characters long; at most {limits.max_unit_length} allowed"
                )
            )
        return
    limit = limits.max_id_length if name in _ID_FIELDS else limits.max_text_length
    if n > limit:
        out.append(FieldViolation(path, f"at most {limit} characters, got {n}"))


def check_response_size(response: Message, max_bytes: int) -> None:
    """Refuse a response grpc could not send (``max_send_message_length``), naming ``bids``.

    The size of a response grows with bids x years x categories (the cash flows); a request
    within every limit can still need more than the message limit, and only the evaluation
    tells. Raises :class:`RequestTooLargeError` with reason ``RESPONSE_TOO_LARGE``.
    """
    size = response.ByteSize()
    if size > max_bytes:
        mib = 1024 * 1024
        raise RequestTooLargeError(
            [
                SizeViolation(
                    "bids",
                    f"the response would be {size / mib:.1f} MiB, at most {max_bytes / mib:.0f} "
                    "MiB can be sent: send fewer bids per request",
                    "RESPONSE_TOO_LARGE",
                )
            ]
        )
