"""Request limits: one table of size rules, and the shape of strings and enums.

- **Size** (how many bids, items, streams, points, method and analysis entries): the request is
  too big to evaluate here, whatever its content: ``INVALID_ARGUMENT`` (permanent: the same
  request is refused again, so not RESOURCE_EXHAUSTED, which clients retry), ``ErrorInfo`` reason
  naming the limit (``TOO_MANY_BIDS``, ...), ``BadRequest`` naming the list (``bids[3].items``).
  :data:`SIZE_RULES` (and :data:`ANALYSIS_SIZE_RULES`) is the one table of them: field path,
  limit, reason, what is counted. :func:`size_violations` reads it on the parsed request and
  on its bytes before the full parse (:mod:`tco_server.decoding`), with ``len()`` only.
- **Shape** (an over-long unit, id or text, a study period beyond 100 years, an enum number the
  contract does not define): ``INVALID_ARGUMENT`` like the engine's own field violations, every
  field listed by its path (``bids[2].items[0].resource_use[0].amount.unit``; a map entry
  ``method.exchange_rates[EUR]``), before any unit parsing. The string limits are the engine's
  (``tco.units.MAX_UNIT_LENGTH``, ``tco.validate.limits.MAX_ID_LENGTH``, ``MAX_TEXT_LENGTH``):
  checking them here only makes the refusal cheap. Descriptions never echo a value. A yes/no
  pass over a plan read from the descriptors (:func:`_plan`) runs first; only a request it
  finds at fault is walked again to name every violation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from operator import attrgetter
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from tco.analysis.spec import MAX_ENTRIES as MAX_ANALYSIS_ENTRIES
from tco.errors import FieldViolation, InvalidTender
from tco.units import MAX_UNIT_LENGTH
from tco.validate.limits import MAX_BIDS, MAX_ID_LENGTH, MAX_STUDY_PERIOD, MAX_TEXT_LENGTH
from tcoapi.v1.tender_pb2 import EvaluateBidsRequest

#: Values of one discrete distribution of the analysis (its values and probabilities each).
MAX_DISCRETE_VALUES = 1000


@dataclass(frozen=True, slots=True)
class Limits:
    """What one request may hold: the service's capacity (a request at the item limit takes
    seconds to evaluate), below the engine's own guards against absurd input and movable with the
    ``--max-*`` flags; bids, the study period and the string lengths are the engine's constants.
    """

    #: Bids in one request (INVALID_ARGUMENT field ``bids``).
    max_bids: int = MAX_BIDS
    #: Items in one bid (INVALID_ARGUMENT field ``bids[i].items``).
    max_items_per_bid: int = 1_000
    #: Items over all bids (INVALID_ARGUMENT field ``bids``).
    max_total_items: int = 10_000
    #: Stream entries over all bids: cost streams, resource uses, pollutant emissions and
    #: deductions of bids and items (INVALID_ARGUMENT field ``bids``).
    max_total_streams: int = 100_000
    #: Points of one repeated series: emission factor trajectory, carbon price points, yearly
    #: escalation rates, ladder steps (INVALID_ARGUMENT the list's path).
    max_points: int = 1_000
    #: Entries of each method list: resource prices, emission factors, pollutant prices,
    #: exchange rates (INVALID_ARGUMENT the list's path).
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
class SizeRule:
    """One size limit: the list at ``path`` (``[]``: of every element) holds at most ``limit``.

    ``limit`` is a :class:`Limits` field (a deployment may move it) or a fixed number. A rule
    with ``summed`` paths counts their lists together, over all elements, and reports at
    ``path``. Rules run in ``stage`` order; a stage with a violation ends the check, so a later
    stage never walks lists an earlier one found too long.
    """

    path: str
    limit: str | int
    reason: str
    what: str
    stage: int
    summed: tuple[str, ...] = ()


_STREAMS = (
    "bids[].costs",
    "bids[].deductions",
    "bids[].items[].costs",
    "bids[].items[].resource_use",
    "bids[].items[].pollutant_emissions",
)
_STREAMS_WHAT = "cost streams, resource uses, pollutant emissions and deductions over all bids"
_ENTRIES, _POINTS, _ITEMS = "TOO_MANY_ENTRIES", "TOO_MANY_POINTS", "TOO_MANY_ITEMS"
_DISCRETE = "analysis.monte_carlo.distributions[].discrete."

#: Every size limit of a tender (EvaluateBidsRequest; the same fields of AnalyzeRankingRequest).
SIZE_RULES: tuple[SizeRule, ...] = (
    SizeRule("bids", "max_bids", "TOO_MANY_BIDS", "bids per request", 0),
    SizeRule("method.resource_prices", "max_method_entries", _ENTRIES, "resource prices", 1),
    SizeRule("method.emission_factors", "max_method_entries", _ENTRIES, "emission factors", 1),
    SizeRule("method.pollutant_prices", "max_method_entries", _ENTRIES, "pollutant prices", 1),
    SizeRule("method.exchange_rates", "max_method_entries", _ENTRIES, "exchange rates", 1),
    SizeRule(
        "method.resource_prices[].yearly_escalation", "max_points", _POINTS, "yearly rates", 2
    ),
    SizeRule("method.emission_factors[].trajectory", "max_points", _POINTS, "trajectory points", 2),
    SizeRule("method.carbon_price.points", "max_points", _POINTS, "carbon price points", 2),
    SizeRule("method.evaluation_model.ladder", "max_points", _POINTS, "ladder steps", 2),
    SizeRule(
        "method.evaluation_model.deduction_criteria",
        "max_method_entries",
        _ENTRIES,
        "deduction criteria",
        1,
    ),
    SizeRule(
        "method.evaluation_model.deduction_criteria[].levels",
        "max_points",
        _POINTS,
        "deduction levels",
        2,
    ),
    SizeRule("bids[].items", "max_items_per_bid", _ITEMS, "items per bid", 2),
    SizeRule("bids", "max_total_items", _ITEMS, "items over all bids", 2, ("bids[].items",)),
    SizeRule("bids", "max_total_streams", "TOO_MANY_STREAMS", _STREAMS_WHAT, 3, _STREAMS),
)

#: The analysis of an AnalyzeRankingRequest, after its tender (:data:`SIZE_RULES`).
ANALYSIS_SIZE_RULES: tuple[SizeRule, ...] = (
    SizeRule("analysis.sensitivity", MAX_ANALYSIS_ENTRIES, _ENTRIES, "entries", 4),
    SizeRule("analysis.switching", MAX_ANALYSIS_ENTRIES, _ENTRIES, "entries", 4),
    SizeRule("analysis.scenarios", MAX_ANALYSIS_ENTRIES, _ENTRIES, "entries", 4),
    SizeRule("analysis.monte_carlo.distributions", MAX_ANALYSIS_ENTRIES, _ENTRIES, "entries", 4),
    SizeRule("analysis.scenarios[].settings", MAX_ANALYSIS_ENTRIES, _ENTRIES, "entries", 5),
    SizeRule(_DISCRETE + "values", MAX_DISCRETE_VALUES, _POINTS, "values", 5),
    SizeRule(_DISCRETE + "probabilities", MAX_DISCRETE_VALUES, _POINTS, "probabilities", 5),
)


#: The size rules of an AnalyzeRankingRequest: its tender's, then its analysis'.
ANALYSIS_REQUEST_RULES = SIZE_RULES + ANALYSIS_SIZE_RULES


@dataclass(frozen=True, slots=True)
class SizeViolation:
    """One exceeded size limit: the field, what is wrong, and a stable reason code."""

    field: str
    description: str
    reason: str


class RequestTooLargeError(Exception):
    """The request exceeds a size limit; answered with INVALID_ARGUMENT
    (:func:`tco_server.errors.too_large_status`)."""

    def __init__(self, violations: Sequence[SizeViolation]) -> None:
        self.violations: tuple[SizeViolation, ...] = tuple(violations)
        #: Reason of the ErrorInfo: the first violation's (they are checked in a fixed order).
        self.reason = self.violations[0].reason
        super().__init__(f"{len(self.violations)} size limit(s) exceeded")


def limit_of(rule: SizeRule, limits: Limits) -> int:
    """The number a rule compares with, under ``limits``."""
    return rule.limit if isinstance(rule.limit, int) else int(getattr(limits, rule.limit))


@cache
def _segments(path: str) -> tuple[tuple[str, bool], ...]:
    """``bids[].items`` -> ``(("bids", True), ("items", False))``: name, and "each element"."""
    return tuple((head.removesuffix("[]"), head.endswith("[]")) for head in path.split("."))


def _lists(message: Any, path: str, seen: dict[str, Any]) -> list[tuple[Any, tuple[int, ...]]]:
    """Every list at ``path`` under ``message``, with the indexes of the ``[]`` on the way
    (``seen``: the levels already walked by earlier rules, by path prefix)."""
    *heads, (last, _) = _segments(path)
    level: list[tuple[Any, tuple[int, ...]]] = [(message, ())]
    prefix = ""
    for name, each in heads:
        prefix += f"{name}.{each}"
        if prefix not in seen:
            if each:
                level = [
                    (e, (*at, i))
                    for m, at in level
                    for i, e in enumerate(_elements(getattr(m, name)))
                ]
            else:
                level = [(getattr(m, name), at) for m, at in level]
            seen[prefix] = level
        level = seen[prefix]
    return [(getattr(m, last), at) for m, at in level]


#: upb's container of a repeated message field: no iterator of its own, so a ``for`` over one ends
#: in an ``IndexError`` raised, formatted and caught (about 2 000 instructions); a slice is one C
#: call that builds a list.
_REPEATED = type(EvaluateBidsRequest().bids)


def _elements(items: Any) -> Any:
    """The elements of a list of messages, to iterate over: a parsed one's as a slice."""
    return items[:] if type(items) is _REPEATED else items


def _at(path: str, index: tuple[int, ...]) -> str:
    """``path`` with its ``[]`` filled in: ``bids[].items``, (3,) -> ``bids[3].items``."""
    parts = path.split("[]")
    return "".join(f"{part}[{i}]" for part, i in zip(parts, index, strict=False)) + parts[-1]


def _describe(limit: int, what: str, n: int, exact: bool) -> str:
    return (
        f"at most {limit} {what}, got {n}"
        if exact
        else f"at most {limit} {what}, got more than {limit}"
    )


def size_violations(
    message: Any, rules: Sequence[SizeRule], limits: Limits, *, bounded: bool = False
) -> list[SizeViolation]:
    """The violations of ``rules`` in ``message``, of the first stage that has any.

    ``message`` is a parsed message or a view that reads lengths only
    (:class:`tco_server.decoding.WireMessage`): a list it did not read to its end (attribute
    ``exact`` False) is over its limit, and reported ``got more than {limit}``. ``bounded``: a
    summed count stops once it is over its limit, likewise reported without its exact count.
    """
    found: list[SizeViolation] = []
    seen: dict[str, Any] = {}
    # Every element of a list takes at least one byte on the wire, so a parsed message of
    # ``size`` bytes cannot break a limit of ``size`` or more: those rules are not walked.
    size = message.ByteSize() if isinstance(message, Message) else 1 << 62
    stage = rules[0].stage if rules else 0
    for rule in rules:
        if rule.stage != stage:
            if found:
                return found
            stage = rule.stage
        limit = limit_of(rule, limits)
        if size <= limit:
            continue
        if not rule.summed:
            for items, index in _lists(message, rule.path, seen):
                n = len(items)
                if n > limit:
                    exact = getattr(items, "exact", True)
                    found.append(
                        SizeViolation(
                            _at(rule.path, index),
                            _describe(limit, rule.what, n, exact),
                            rule.reason,
                        )
                    )
            continue
        total, exact = 0, True
        for path in rule.summed:
            for items, _ in _lists(message, path, seen):
                total += len(items)
                exact = exact and getattr(items, "exact", True)
                if bounded and total > limit:
                    break
            if bounded and total > limit:
                exact = False
                break
        if total > limit:
            found.append(
                SizeViolation(rule.path, _describe(limit, rule.what, total, exact), rule.reason)
            )
    return found


def check_request(request: Message, limits: Limits) -> None:
    """Refuse an EvaluateBidsRequest that breaks a limit: :class:`RequestTooLargeError` (size,
    checked first) or :class:`tco.errors.InvalidTender` (shape; every bad field listed)."""
    found = size_violations(request, SIZE_RULES, limits)
    if found:
        raise RequestTooLargeError(found)
    check_shape(request, limits)
    costly = evaluation_cost_violations(request)  # issue 15: the price of the evaluation
    if costly:
        raise RequestTooLargeError(costly)


def check_shape(request: Message, limits: Limits, *, skip: frozenset[str] = frozenset()) -> None:
    """Refuse a tender's over-long strings, unknown enums and study period (not the fields in
    ``skip``); every violation listed."""
    years = request.method.study_period_years  # type: ignore[attr-defined]
    if years <= limits.max_study_years and _fine(request, _plan(request.DESCRIPTOR, limits, skip)):
        return
    violations: list[FieldViolation] = []
    if years > limits.max_study_years:  # the wording of tco.validate
        text = f"expected a study period in whole years from 1 to {limits.max_study_years}"
        violations.append(FieldViolation("method.study_period_years", text))
    _walk(request, "", limits, violations, skip)
    if violations:
        raise InvalidTender(violations)


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
        "level",
    }
)
_UNIT_FIELD = "unit"


def _string_limit(name: str, limits: Limits) -> int:
    """The length limit of a string field named ``name``."""
    if name == _UNIT_FIELD:
        return limits.max_unit_length
    return limits.max_id_length if name in _ID_FIELDS else limits.max_text_length


@dataclass(frozen=True, slots=True)
class _Plan:
    """What the yes/no pass reads in one message type, through its singular sub-messages at
    once (dotted :func:`operator.attrgetter` s, one C call each): the strings of each length
    limit, the enums of each type, the lists and maps to go into with their elements' plans."""

    #: Several strings of one limit (a tuple of them), and a string alone with its limit.
    strings: tuple[tuple[Callable[[Any], Any], int], ...]
    lone: tuple[tuple[Callable[[Any], Any], int], ...]
    enums: tuple[tuple[Callable[[Any], Any], frozenset[int]], ...]
    #: The elements' plan (None: strings or enums) and, for small elements, their gate.
    lists: tuple[tuple[Callable[[Any], Any], _Plan | None, int | None], ...]
    maps: tuple[tuple[Callable[[Any], Any], int, _Plan | None], ...]  # key limit, value plan
    #: Small sub-messages with several strings: fine as a whole when their serialized size is
    #: within their smallest string limit (no string is longer than the message holding it).
    gated: tuple[tuple[Callable[[Any], Any], int, _Plan], ...]
    #: That smallest limit for a message of this type when it is small (no lists, maps or enums).
    small: int | None


def _small(descriptor: Descriptor, limits: Limits) -> tuple[int, int] | None:
    """(smallest string limit, number of strings) of a type without lists, maps or enums."""
    smallest, count = 1 << 62, 0
    for field in descriptor.fields:
        entry = field.message_type
        if field.is_repeated or field.type == field.TYPE_ENUM or entry is descriptor:
            return None
        if entry is not None:
            inner = _small(entry, limits)
            if inner is None:
                return None
            smallest, count = min(smallest, inner[0]), count + inner[1]
        elif field.type == field.TYPE_STRING:
            smallest, count = min(smallest, _string_limit(field.name, limits)), count + 1
    return (smallest, count) if count else None


def _getter(paths: list[str]) -> Callable[[Any], Any]:
    """A tuple of the values at ``paths`` (dotted), whatever their number."""
    get = attrgetter(*paths)
    return get if len(paths) > 1 else lambda message: (get(message),)


@cache
def _plan(descriptor: Descriptor, limits: Limits, skip: frozenset[str] = frozenset()) -> _Plan:
    strings: dict[int, list[str]] = {}
    enums: dict[Any, list[str]] = {}
    lists: list[tuple[Callable[[Any], Any], _Plan | None, int | None]] = []
    maps: list[tuple[Callable[[Any], Any], int, _Plan | None]] = []
    gated: list[tuple[Callable[[Any], Any], int, _Plan]] = []
    pending: list[tuple[str, Descriptor, tuple[Descriptor, ...]]] = [
        ("", descriptor, (descriptor,))
    ]
    while pending:  # the message and its singular sub-messages, flattened
        prefix, desc, stack = pending.pop()
        for field in desc.fields:
            if not prefix and field.name in skip:
                continue
            path = prefix + field.name
            entry = field.message_type
            if entry is not None and entry in stack:  # pragma: no cover - none in v1
                raise TypeError(f"{field.full_name}: a message type that holds itself")
            if entry is not None and entry.GetOptions().map_entry:
                value = entry.fields_by_name["value"].message_type
                plan = None if value is None else _plan(value, limits)
                maps.append((attrgetter(path), limits.max_id_length, plan))
            elif entry is not None and field.is_repeated:
                element = _plan(entry, limits)
                lists.append((attrgetter(path), element, element.small))
            elif entry is not None and (small := _small(entry, limits)) and small[1] > 1:
                gated.append((attrgetter(path), small[0], _plan(entry, limits)))
            elif entry is not None:
                pending.append((path + ".", entry, (*stack, entry)))
            elif field.is_repeated and field.type in (field.TYPE_STRING, field.TYPE_ENUM):
                lists.append((attrgetter(path), None, None))  # none in v1: the exact walk decides
            elif field.type == field.TYPE_STRING:
                strings.setdefault(_string_limit(field.name, limits), []).append(path)
            elif field.type == field.TYPE_ENUM and field.enum_type is not None:
                enums.setdefault(field.enum_type, []).append(path)
    return _Plan(
        tuple((attrgetter(*paths), limit) for limit, paths in strings.items() if len(paths) > 1),
        tuple((attrgetter(*paths), limit) for limit, paths in strings.items() if len(paths) == 1),
        tuple((_getter(paths), frozenset(kind.values_by_number)) for kind, paths in enums.items()),
        tuple(lists),
        tuple(maps),
        tuple(gated),
        None if (small := _small(descriptor, limits)) is None else small[0],
    )


def _fine(message: Any, plan: _Plan) -> bool:
    """True when nothing in ``message`` breaks a shape limit."""
    if plan.small is not None and message.ByteSize() <= plan.small:
        return True
    for get, limit, sub_plan in plan.gated:
        sub = get(message)
        if sub.ByteSize() > limit and not _fine(sub, sub_plan):
            return False
    for get, limit in plan.lone:
        if len(get(message)) > limit:
            return False
    for get, limit in plan.strings:
        if max(map(len, get(message))) > limit:
            return False
    for get, known in plan.enums:
        if not known.issuperset(get(message)):
            return False
    for get, element_plan, small in plan.lists:
        elements = get(message)
        if not elements:
            continue
        if element_plan is None:
            return False
        if small is not None:  # small elements: most are fine by their size alone
            for element in elements[:]:
                if element.ByteSize() > small and not _fine(element, element_plan):
                    return False
            continue
        for element in elements[:]:
            if not _fine(element, element_plan):
                return False
    for get, key_limit, value_plan in plan.maps:
        entries = get(message)
        for key in entries:
            if isinstance(key, str) and len(key) > key_limit:
                return False
            if value_plan is not None and not _fine(entries[key], value_plan):
                return False
    return True


def _walk(
    message: Message,
    prefix: str,
    limits: Limits,
    out: list[FieldViolation],
    skip: frozenset[str] = frozenset(),
) -> None:
    """Check every set string and enum of ``message`` (recursively) against the shape limits."""
    for field, value in message.ListFields():
        if field.name in skip:
            continue
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
    value: FieldDescriptor, entries: Mapping[Any, Any], path: str, limits: Limits, out: list[Any]
) -> None:
    """Map keys are ids (currency codes in v1): the id limit; message values are walked."""
    for key in sorted(entries):
        if isinstance(key, str) and len(key) > (limit := limits.max_id_length):
            out.append(FieldViolation(path, f"a key of at most {limit} characters, got {len(key)}"))
        elif value.type == FieldDescriptor.TYPE_MESSAGE:
            _walk(entries[key], f"{path}[{key}].", limits, out)


def _check_string(
    name: str, value: str, path: str, limits: Limits, out: list[FieldViolation]
) -> None:
    n, limit = len(value), _string_limit(name, limits)
    if n > limit:  # a unit in the wording of tco.units
        unit = name == _UNIT_FIELD
        text = f"unit is {n} characters long; at most {limit} allowed" if unit else None
        out.append(FieldViolation(path, text or f"at most {limit} characters, got {n}"))


def check_response_size(response: Message, max_bytes: int) -> None:
    """Refuse a response grpc could not send (``max_send_message_length``), naming ``bids``:
    its size grows with bids x years x categories, which only the evaluation tells. Raises
    :class:`RequestTooLargeError` with reason ``RESPONSE_TOO_LARGE``."""
    size, mib = response.ByteSize(), 1024 * 1024
    if size > max_bytes:
        text = (
            f"the response would be {size / mib:.1f} MiB, at most {max_bytes / mib:.0f} MiB can "
            "be sent: send fewer bids per request"
        )
        raise RequestTooLargeError([SizeViolation("bids", text, "RESPONSE_TOO_LARGE")])


# --- The cost of an evaluation (issue 15; added by the analysis path, tco.analysis.budget) ---


def evaluation_cost_violations(request: Message) -> list[SizeViolation]:
    """An EvaluateBidsRequest whose evaluation would exceed
    :data:`tco.analysis.budget.EVALUATION_BUDGET`: reason ``EVALUATION_TOO_COSTLY`` at
    ``bids``. Sizes bound what a request holds, not the time groups its service lives open:
    every distinct fractional life opens up to N / life groups of bids x years cells each.

    Only the distinct ``(value, unit)`` lives are converted (:func:`tco.units.factor`, the
    guarded path; an invalid unit counts as the shortest life and is refused by validation).
    """
    from tco import units  # noqa: PLC0415 - pint's registry loads on first use, as validation
    from tco.analysis import budget  # noqa: PLC0415
    from tco.errors import UnitError  # noqa: PLC0415

    years = int(request.method.study_period_years)  # type: ignore[attr-defined]
    if years <= 0:
        return []
    distinct: dict[tuple[float, str], float | None] = {}
    for bid in request.bids[:]:  # type: ignore[attr-defined]
        for item in bid.items[:]:
            if not item.HasField("service_life"):
                continue
            key = (item.service_life.value, item.service_life.unit)
            if key in distinct:
                continue
            try:
                life = key[0] * units.factor(key[1], units.Dimension.TIME)
            except UnitError:
                life = None
            distinct[key] = life if life is None or life > 0.0 else None
    bids = len(request.bids)  # type: ignore[attr-defined]
    cells, grid = budget.evaluation_cost(bids, years, distinct.values())
    limit = budget.EVALUATION_BUDGET
    if cells <= limit.cells and grid <= limit.memory_bytes:
        return []
    return [
        SizeViolation(
            "bids",
            f"{budget.EVALUATION_REASON}: {len(distinct)} distinct service lives open time "
            f"groups worth about {cells:.1e} cells of work and {grid:.1e} bids x groups x "
            f"years (budget {limit.cells:.1e} and {limit.memory_bytes:.1e}): fewer distinct "
            "fractional lives (whole years open none), bids or study years",
            budget.EVALUATION_REASON,
        )
    ]
