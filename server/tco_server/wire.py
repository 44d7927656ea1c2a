"""Request decoding: bytes that do not parse, and a size guard before the full parse.

Requests that are not valid protobuf
    grpc deserializes a request before any handler runs; when that fails (bytes that are not the
    protobuf wire format, a truncated message, a string field that is not UTF-8, as a client in
    another language can send), grpc itself answers ``INTERNAL: Exception deserializing
    request!``: a client is told the server is broken, there is no incident id and no log line.
    So every method of the service is registered with a deserializer that returns an
    :class:`Undecodable` instead of raising (:func:`lenient`, :func:`guarded`), and the unary
    behaviours are wrapped by :func:`refusing_undecodable`, which answers it with
    ``INVALID_ARGUMENT``: a ``BadRequest`` with one violation at the empty path (the message as
    a whole; the wire format does not say which field was broken) and ``ErrorInfo`` reason
    ``UNDECODABLE_REQUEST``. The log line has the method, the code, the reason and the size. In
    the EvaluateTenders stream the message's own response carries that status
    (:mod:`tco_server.batch`) and the stream goes on.

The size guard (:func:`guarded`)
    Parsing builds every sub-message while holding the GIL, about 0.1 us each: 10^6 empty
    items (2 MB on the wire) held every other call of the process for ~0.1 s, a 16 MiB message
    of them for ~1.3 s, only for :func:`tco_server.limits.check_request` to refuse the request
    in a millisecond afterwards. EvaluateBids and each EvaluateTenders message are therefore
    first parsed *shallowly*: with a mirror of the request type, built at start-up from the
    contract's descriptors (:func:`shallow_class`, in a private descriptor pool: in no ``.proto``
    file, not generated, not served, not part of ``tcoapi.v1``), in which every repeated message
    field and map is ``repeated bytes``: the same wire format, so each element is kept as a
    view of its bytes and counted with ``len()``; an element is parsed (shallowly again) only
    once the lists around it were found within their limits. :func:`size_refusal` is the size
    stage of :func:`tco_server.limits.check_request`, step for step, on that shallow request:
    same order, field paths, reasons and wording (a test compares the two on every kind of size
    error), so a refusal here is the very status the full request would have got. A request
    within the size limits is parsed in full and goes on exactly as before. The guard makes the
    worst cases 4-40 times cheaper (10^6 empty items: ~10 ms instead of ~90) and its time is
    part of the call's logged ``duration_ms``.

    Two answers can differ from a full parse, both for messages no protobuf library writes:
    a map is counted by its entries as sent (a repeated key counts each time; the full parse
    keeps the last), and a message over a size limit that is also broken inside an element the
    guard did not need to parse gets RESOURCE_EXHAUSTED rather than ``UNDECODABLE_REQUEST``.
    A mirror parses every message the full parse accepts (it reads fewer fields, with the same
    wire types), so bytes it cannot parse are :class:`Undecodable` without a second try.

    A message under :data:`WHOLE_BELOW_BYTES` (32 KiB) skips the guard and is parsed in full at
    once: the handler's own :func:`tco_server.limits.check_request` then gives it the very same
    answer. The guard walks the shallow bids and items in Python, which cost the typical
    13 KB tender (5 bids x 10 items) 0.38 ms against 0.02 ms for its full parse; the worst a
    message that small can hold (every byte an empty sub-message) costs about 0.5 ms to parse
    and refuse in full (64 KiB of empty items: 1.0 ms, measured with ``tests/hostile`` shapes).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import DecodeError, Message

from tco_server import errors, wirescan
from tco_server.limits import Limits, RequestTooLargeError, SizeViolation
from tco_server.logs import log_event
from tcoapi.v1 import tender_pb2

#: Package of the shallow mirrors (a private descriptor pool; never served, never generated).
SHALLOW_PACKAGE = "tco_server.shallow"
#: The early-stopping guard of :mod:`tco_server.wirescan` decides for EvaluateBids messages over
#: :data:`tco_server.wirescan.EXACT_BYTES` (on by default): a request over a size limit is refused
#: after reading at most about the limit's worth of the list, so the refusal costs time in
#: proportion to the limit, not to the message. A list it did not read to its end is reported as
#: ``at most {limit} ..., got more than {limit}`` instead of the exact ``got {n}``: the exact count
#: of a hostile 16 MiB list is not worth the 75-200 ms of GIL it costs every other client.
#: ``TCO_SIZE_GUARD=exact`` in the server's environment restores the exact count (always read
#: to the end).
BOUNDED = os.environ.get("TCO_SIZE_GUARD", "bounded") != "exact"
#: Messages shorter than this are parsed in full without the size guard (see the module doc):
#: at most ~16 000 sub-messages, cheaper to build and refuse than to guard.
WHOLE_BELOW_BYTES = 32 * 1024


@dataclass(frozen=True, slots=True)
class Undecodable:
    """A request whose bytes did not parse; ``size`` in bytes, the bytes themselves dropped."""

    size: int
    started: float


@dataclass(frozen=True, slots=True)
class Refused:
    """A request the size guard refused before the full parse (the bytes dropped).

    ``error`` is what :func:`tco_server.limits.check_request` would raise (:func:`size_refusal`),
    ``bids`` the number of bids in it, ``tender_id`` the EvaluateTenders message's id (empty for
    EvaluateBids), ``started`` when decoding began (the call's duration counts from there).
    """

    error: RequestTooLargeError
    bids: int
    size: int
    started: float
    tender_id: str = ""


def lenient(parse: Callable[[bytes], Message]) -> Callable[[bytes], Message | Undecodable]:
    """``parse``, returning :class:`Undecodable` instead of raising."""

    def deserialize(data: bytes) -> Message | Undecodable:
        started = time.monotonic()
        try:
            return parse(data)
        except Exception:  # DecodeError, and whatever else a parser may raise on hostile bytes
            return Undecodable(len(data), started)

    return deserialize


# -- the shallow mirrors ------------------------------------------------------------------------


def _mirror_name(descriptor: Descriptor) -> str:
    """Full name of ``descriptor``'s mirror: its top-level type renamed into the package."""
    outer = descriptor
    while outer.containing_type is not None:
        outer = outer.containing_type
    nested = descriptor.full_name[len(outer.full_name) :]
    return f"{SHALLOW_PACKAGE}.{outer.full_name.replace('.', '_')}{nested}"


def _message_type(field: FieldDescriptor) -> Descriptor:
    if field.message_type is None:  # pragma: no cover - a message field always has its type
        raise ValueError(field.full_name)
    return field.message_type


def _is_map(field: FieldDescriptor) -> bool:
    entry = field.message_type
    return entry is not None and entry.GetOptions().map_entry


def _shallow_file(root: Descriptor) -> descriptor_pb2.FileDescriptorProto:
    """A file of the mirrors of ``root`` and every message type it reaches that has none yet
    (those come from the files added before, its dependencies)."""
    file = descriptor_pb2.FileDescriptorProto(
        name=f"{SHALLOW_PACKAGE.replace('.', '/')}/{root.full_name}.proto",
        package=SHALLOW_PACKAGE,
        syntax="proto3",
        dependency=_FILES,
    )
    pending = [root]
    while pending:
        outer = pending.pop()
        while outer.containing_type is not None:
            outer = outer.containing_type
        if outer.full_name in _MIRRORED:
            continue
        _MIRRORED.add(outer.full_name)
        proto = file.message_type.add()
        outer.CopyToProto(proto)
        proto.name = outer.full_name.replace(".", "_")
        _rewrite(outer, proto, pending)
    return file


def _rewrite(
    descriptor: Descriptor, proto: descriptor_pb2.DescriptorProto, pending: list[Descriptor]
) -> None:
    """Repeated message fields and maps -> ``repeated bytes`` (a map entry is a message on the
    wire); enums -> int32 (the same varint on the wire, open in proto3); other message fields
    -> their mirrors (queued in ``pending``)."""
    for field, field_proto in zip(descriptor.fields, proto.field, strict=True):
        if field.type == FieldDescriptor.TYPE_ENUM:
            field_proto.type = descriptor_pb2.FieldDescriptorProto.TYPE_INT32
            field_proto.ClearField("type_name")
        elif field.type == FieldDescriptor.TYPE_MESSAGE:
            if field.is_repeated:
                field_proto.type = descriptor_pb2.FieldDescriptorProto.TYPE_BYTES
                field_proto.ClearField("type_name")
                if not _is_map(field):
                    pending.append(_message_type(field))  # parsed when the limits look in
            else:
                sub = _message_type(field)
                field_proto.type_name = "." + _mirror_name(sub)
                pending.append(sub)
        elif field.type == FieldDescriptor.TYPE_GROUP:  # proto2 only; not in the contract
            raise ValueError(f"{field.full_name}: groups have no shallow mirror")
    for nested, nested_proto in zip(descriptor.nested_types, proto.nested_type, strict=True):
        _rewrite(nested, nested_proto, pending)
    kept = [n for n in proto.nested_type if not n.options.map_entry]  # no map fields left
    del proto.nested_type[:]
    proto.nested_type.extend(kept)


_POOL = descriptor_pool.DescriptorPool()
_POOL_LOCK = threading.Lock()
_FILES: list[str] = []  # the files added to _POOL, in order
_MIRRORED: set[str] = set()  # full names of the contract's top-level types mirrored in _POOL


@cache
def shallow_class(descriptor: Descriptor) -> type[Message]:
    """The message class of the shallow mirror of ``descriptor`` (built once, in a private pool).

    Repeated message fields are ``repeated bytes``; maps, singular message fields (as mirrors),
    scalars and strings are as in the contract; enums are int32."""
    name = _mirror_name(descriptor)
    with _POOL_LOCK:
        try:
            mirror = _POOL.FindMessageTypeByName(name)
        except KeyError:
            file = _shallow_file(descriptor)
            _POOL.AddSerializedFile(file.SerializeToString())
            _FILES.append(file.name)
            mirror = _POOL.FindMessageTypeByName(name)
    return message_factory.GetMessageClass(mirror)


class _NotShallow(Exception):
    """The limits asked for more than lengths and sub-messages: the full parse decides."""


class _Count:
    """The length of a map, and nothing else: its entries as sent (see :class:`_Shallow`)."""

    __slots__ = ("_n",)

    def __init__(self, n: int) -> None:
        self._n = n

    def __len__(self) -> int:
        return self._n

    def __iter__(self) -> Iterator[Any]:
        raise _NotShallow("map entries")


class _Elements:
    """A repeated message field kept as bytes: its length, and each element parsed shallowly
    when first asked for (kept, as the limits may walk a list twice)."""

    __slots__ = ("_descriptor", "_items", "_parsed")

    def __init__(self, items: Any, descriptor: Descriptor) -> None:
        self._items = items
        self._descriptor = descriptor
        self._parsed: list[_Shallow] | None = None

    def __len__(self) -> int:
        return len(self._items)

    def _elements(self) -> list[_Shallow]:
        if self._parsed is None:
            parse = shallow_class(self._descriptor).FromString
            self._parsed = [_Shallow(parse(data), self._descriptor) for data in self._items]
        return self._parsed

    def __getitem__(self, index: int) -> _Shallow:
        if not isinstance(index, int):
            raise _NotShallow("slice")
        return self._elements()[index]

    def __iter__(self) -> Iterator[_Shallow]:
        return iter(self._elements())


class _Shallow:
    """A shallow message seen through the contract's field names: repeated fields (lengths,
    elements), maps (lengths) and sub-messages only; anything else raises :class:`_NotShallow`.

    Every length is the full parse's but a map's: a map is counted by its entries as sent, so
    one that repeats a key (which no protobuf serializer does) counts each repetition.
    """

    __slots__ = ("_descriptor", "_message", "_seen")

    def __init__(self, message: Message, descriptor: Descriptor) -> None:
        self._message = message
        self._descriptor = descriptor
        self._seen: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        seen = self._seen.get(name)
        if seen is not None:
            return seen
        field = self._descriptor.fields_by_name.get(name)
        if field is None:
            raise _NotShallow(name)
        value = getattr(self._message, name)
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            if _is_map(field):
                value = _Count(len(value))
            elif field.is_repeated:
                value = _Elements(value, _message_type(field))
            else:
                value = _Shallow(value, _message_type(field))
        elif not field.is_repeated:  # packed numbers pass: their container, as in the full parse
            raise _NotShallow(name)
        self._seen[name] = value
        return value


def size_refusal(shallow: Message, limits: Limits) -> RequestTooLargeError | None:
    """The size error :func:`tco_server.limits.check_request` raises for the EvaluateBidsRequest
    whose shallow mirror is ``shallow``, or None when it is within every size limit.

    The size stage of ``check_request``, step for step (same order, paths, reasons and
    wording; ``tests/hostile/test_size_guard.py`` compares the two on every kind of size
    error), on the shallow request: it reads lengths only, and looks into a list only once the
    lists around it were found within their limits. ``check_request`` itself is not called on
    the shallow request: its fast pass reads strings and numbers first and walks every list.
    """
    request = _Shallow(shallow, tender_pb2.EvaluateBidsRequest.DESCRIPTOR)
    found: list[SizeViolation] = []

    def check(reason: str, path: str, n: int, limit: int, what: str) -> None:
        if n > limit:
            found.append(SizeViolation(path, f"at most {limit} {what}, got {n}", reason))

    bids = request.bids
    check("TOO_MANY_BIDS", "bids", len(bids), limits.max_bids, "bids per request")
    if found:  # do not even look at the bids of an oversized request
        return RequestTooLargeError(found)

    method = request.method
    for name, what in (
        ("resource_prices", "resource prices"),
        ("emission_factors", "emission factors"),
        ("pollutant_prices", "pollutant prices"),
        ("exchange_rates", "exchange rates"),
    ):
        n = len(getattr(method, name))
        check("TOO_MANY_ENTRIES", f"method.{name}", n, limits.max_method_entries, what)
    if found:  # the loops below walk those lists
        return RequestTooLargeError(found)

    points = limits.max_points
    for i, price in enumerate(method.resource_prices):
        path = f"method.resource_prices[{i}].yearly_escalation"
        check("TOO_MANY_POINTS", path, len(price.yearly_escalation), points, "yearly rates")
    for i, factor in enumerate(method.emission_factors):
        path = f"method.emission_factors[{i}].trajectory"
        check("TOO_MANY_POINTS", path, len(factor.trajectory), points, "trajectory points")
    n = len(method.carbon_price.points)
    check("TOO_MANY_POINTS", "method.carbon_price.points", n, points, "carbon price points")
    n = len(method.evaluation_model.ladder)
    check("TOO_MANY_POINTS", "method.evaluation_model.ladder", n, points, "ladder steps")

    total_items = 0
    for i, bid in enumerate(bids):
        n = len(bid.items)
        total_items += n
        check("TOO_MANY_ITEMS", f"bids[{i}].items", n, limits.max_items_per_bid, "items per bid")
    check("TOO_MANY_ITEMS", "bids", total_items, limits.max_total_items, "items over all bids")
    if found:  # the loop below walks the items
        return RequestTooLargeError(found)

    streams = 0
    for bid in bids:
        streams += len(bid.costs) + len(bid.deductions)
        for item in bid.items:
            streams += len(item.costs) + len(item.resource_use) + len(item.pollutant_emissions)
    what = "cost streams, resource uses, pollutant emissions and deductions over all bids"
    check("TOO_MANY_STREAMS", "bids", streams, limits.max_total_streams, what)
    return RequestTooLargeError(found) if found else None


#: What a guard learns from the shallow message: the refusal (or None), the bid count and the
#: tender id to echo.
Refusal = tuple[RequestTooLargeError | None, int, str]


#: The early-stopping guard of a request's bytes: ``(error or None, bids)``
#: (:func:`tco_server.wirescan.bounded_refusal`).
Bounded = Callable[[bytes], tuple[RequestTooLargeError | None, int]]


def guarded(
    message_type: type[Message],
    refuse: Callable[[Any], Refusal],
    bounded: Bounded | None = None,
    *,
    whole_below: int = WHOLE_BELOW_BYTES,
) -> Callable[[bytes], Message | Undecodable | Refused]:
    """A deserializer of ``message_type`` with the size guard in front (see the module doc).

    A message shorter than ``whole_below`` bytes is parsed in full without the guard (its
    handler checks the limits on the full message); ``whole_below=0`` guards every message.

    ``refuse`` looks at the shallow message (of :func:`shallow_class`): when it returns an
    error, the request is :class:`Refused` without the full parse. ``bounded`` (by default
    ``refuse.bounded`` when it has one, see :func:`evaluate_bids_refusal`) decides first for a
    message over :data:`tco_server.wirescan.EXACT_BYTES`, from prefixes (its time follows the
    limits, not the message); when it raises anything but DecodeError, the exact guard
    decides."""
    shallow = shallow_class(message_type.DESCRIPTOR).FromString
    parse = message_type.FromString
    if bounded is None:
        bounded = getattr(refuse, "bounded", None)
    if bounded is not None and not wirescan.supported(shallow_class):
        bounded = None

    def full(data: bytes, started: float) -> Message | Undecodable:
        try:
            return parse(data)
        except Exception:
            return Undecodable(len(data), started)

    def deserialize(data: bytes) -> Message | Undecodable | Refused:
        started = time.monotonic()
        if len(data) < whole_below:
            return full(data, started)
        if bounded is not None and len(data) > wirescan.EXACT_BYTES:
            try:
                found, bids = bounded(data)
            except DecodeError:  # a list's parent that had to be parsed whole does not parse
                return Undecodable(len(data), started)
            except Exception:  # not expected; the exact guard decides
                pass
            else:
                if found is None:
                    return full(data, started)
                return Refused(found, bids, len(data), started)
        try:
            mirror = shallow(data)
        except Exception:  # DecodeError: the full parse would fail too
            return Undecodable(len(data), started)
        try:
            error, bids, tender_id = refuse(mirror)
        except DecodeError:  # an element that does not parse: nor would the full request
            return Undecodable(len(data), started)
        except Exception:  # not expected; the full parse and check decide
            error, bids, tender_id = None, 0, ""
        if error is not None:
            return Refused(error, bids, len(data), started, tender_id)
        return full(data, started)

    return deserialize


class _BidsRefusal:
    """The guard of EvaluateBids: :func:`size_refusal` of the shallow request, and (with
    :data:`BOUNDED`) :func:`tco_server.wirescan.bounded_refusal` of its bytes as ``bounded``."""

    def __init__(self, limits: Limits, bounded: bool) -> None:
        self._limits = limits
        self.bounded: Bounded | None = self._bounded if bounded else None

    def __call__(self, shallow: Any) -> Refusal:
        return size_refusal(shallow, self._limits), len(shallow.bids), ""

    def _bounded(self, data: bytes) -> tuple[RequestTooLargeError | None, int]:
        return wirescan.bounded_refusal(data, self._limits, shallow_class)


def evaluate_bids_refusal(limits: Limits, bounded: bool | None = None) -> Callable[[Any], Refusal]:
    """The guard of EvaluateBids: :func:`size_refusal` of the whole request; early-stopping
    over :data:`tco_server.wirescan.EXACT_BYTES` when ``bounded`` (default :data:`BOUNDED`)."""
    return _BidsRefusal(limits, BOUNDED if bounded is None else bounded)


# -- answering them -----------------------------------------------------------------------------


def undecodable_status(message_name: str) -> grpc.Status:
    description = (
        f"the request is not a valid {message_name}: protobuf wire format with UTF-8 strings "
        "expected"
    )
    return errors.request_status(
        grpc.StatusCode.INVALID_ARGUMENT, description, "UNDECODABLE_REQUEST", [("", description)]
    )


def _ms_since(started: float) -> float:
    return round((time.monotonic() - started) * 1000.0, 1)


def refusing_undecodable(
    method: str, message_name: str, behaviour: Callable[[Any, grpc.ServicerContext], Any]
) -> Callable[[Any, grpc.ServicerContext], Any]:
    """``behaviour``, but an :class:`Undecodable` request is answered INVALID_ARGUMENT and a
    :class:`Refused` one RESOURCE_EXHAUSTED (the status and log line EvaluateBids gives a
    request its limits refuse)."""
    status = undecodable_status(message_name)

    def run(request: Any, context: grpc.ServicerContext) -> Any:
        if isinstance(request, Undecodable):
            log_event(
                "rpc",
                method=method,
                code="INVALID_ARGUMENT",
                reason="UNDECODABLE_REQUEST",
                bytes=request.size,
                duration_ms=_ms_since(request.started),
            )
            context.abort_with_status(status)
        if isinstance(request, Refused):
            log_event(
                "rpc",
                method=method,
                code="RESOURCE_EXHAUSTED",
                duration_ms=_ms_since(request.started),
                bids=request.bids,
                reason=request.error.reason,
                violations=len(request.error.violations),
            )
            context.abort_with_status(errors.too_large_status(request.error))
        return behaviour(request, context)

    return run
