"""Request decoding: bytes that do not parse, and the size limits checked before the full parse.

Undecodable requests: grpc answers bytes its deserializer cannot parse with ``INTERNAL:
Exception deserializing request!`` (no incident id, no log line). So every method's deserializer
returns an :class:`Undecodable` instead of raising (:func:`lenient`, :func:`guarded`), answered
by :func:`refusing_undecodable` with ``INVALID_ARGUMENT``: one violation at the empty path (the
wire format does not say which field broke), ``ErrorInfo`` reason ``UNDECODABLE_REQUEST``; in the
EvaluateTenders stream, that message's own response (:mod:`tco_server.batch`).

The size guard (:func:`guarded`): parsing builds every sub-message while holding the GIL, so a
16 MiB message of empty items stalls every call of the process for seconds before the limits
refuse it. A message of :data:`WHOLE_BELOW_BYTES` or more is therefore first seen as a
:class:`WireMessage`: parsed with a *mirror* of its type whose message fields are all ``bytes``
(the same wire format; built at start-up from the contract's descriptors in a private pool, never
served), so a list is counted with ``len()`` and an element parsed only when a size rule looks
into it. The rules are the one table of :mod:`tco_server.limits`, read by the same
:func:`tco_server.limits.size_violations` as the parsed request. Mirrors are parsed from growing
prefixes (:func:`prefix_parse`): upb keeps the elements wholly in a prefix, so a list over its
largest limit in a prefix is over it whatever follows, and the parse stops there (reported ``got
more than {limit}``). The guard's time so follows the limits, not the message; what it buys:
``python -m bench.attack`` (docs/security.md, The size guard, which also lists the answers that
may differ from a full parse's for messages no protobuf library writes). A request the guard lets
through is parsed in full and checked by its handler as any other.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass
from functools import cache
from typing import Any

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import DecodeError, Message

from tco_server import errors
from tco_server.limits import Limits, RequestTooLargeError, SizeRule, limit_of, size_violations
from tco_server.logs import log_event
from tcoapi.v1 import tender_pb2

#: Messages shorter than this are parsed in full at once: the handler's own limits give them the
#: same answer, and the worst such a message holds costs about a millisecond to build and refuse.
WHOLE_BELOW_BYTES = 32 * 1024
#: The first prefix parsed (then 4 times as large): 64 KiB holds 32 K empty elements.
FIRST_PREFIX = 64 * 1024
#: No prefix beyond this; a message not proven over a limit by then is parsed whole.
LAST_PREFIX = 1024 * 1024

_MIRROR_PACKAGE = "tco_server.mirror"
_POOL = descriptor_pool.DescriptorPool()
_POOL_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class Undecodable:
    """A request whose bytes did not parse; ``size`` in bytes, the bytes themselves dropped."""

    size: int
    started: float


@dataclass(frozen=True, slots=True)
class Refused:
    """A request the size guard refused before the full parse (the bytes dropped): the error,
    its bid count, its size, when decoding began, and the EvaluateTenders message's id."""

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


# -- mirrors and prefixes -----------------------------------------------------------------------


@cache
def mirror_class(descriptor: Descriptor) -> type[Message]:
    """The mirror of ``descriptor``: the same fields, every message field (and map) ``bytes``,
    every enum ``int32`` (the same wire types), in a private descriptor pool."""
    proto = descriptor_pb2.DescriptorProto()
    descriptor.CopyToProto(proto)
    proto.name = descriptor.full_name.replace(".", "_")
    del proto.nested_type[:]  # map entries: the maps are repeated bytes now
    del proto.enum_type[:]
    for field, field_proto in zip(descriptor.fields, proto.field, strict=True):
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            field_proto.type = descriptor_pb2.FieldDescriptorProto.TYPE_BYTES
            field_proto.ClearField("type_name")
        elif field.type == FieldDescriptor.TYPE_ENUM:
            field_proto.type = descriptor_pb2.FieldDescriptorProto.TYPE_INT32
            field_proto.ClearField("type_name")
        elif field.type == FieldDescriptor.TYPE_GROUP:  # proto2 only; not in the contract
            raise ValueError(f"{field.full_name}: groups have no mirror")
    file = descriptor_pb2.FileDescriptorProto(
        name=f"{_MIRROR_PACKAGE.replace('.', '/')}/{proto.name}.proto",
        package=_MIRROR_PACKAGE,
        syntax="proto3",
        message_type=[proto],
    )
    with _POOL_LOCK:
        _POOL.AddSerializedFile(file.SerializeToString())
        mirror = _POOL.FindMessageTypeByName(f"{_MIRROR_PACKAGE}.{proto.name}")
    return message_factory.GetMessageClass(mirror)


def _truncation_keeps_elements() -> bool:
    """Does this protobuf runtime keep the elements decoded before a truncation? (upb does.)"""
    message: Any = mirror_class(tender_pb2.Bid.DESCRIPTOR)()
    with suppress(DecodeError):
        message.MergeFromString(b"\x1a\x00" * 3 + b"\x1a\x05ab")  # Bid.items (field 3)
    return len(message.items) == 3


_PREFIXES_WORK = _truncation_keeps_elements()


def prefix_parse(
    cls: Callable[[], Message], data: bytes, enough: Callable[[Any], bool] | None
) -> tuple[Message, bool]:
    """``(message, complete)``: ``cls`` parsed from growing prefixes of ``data`` until
    ``enough(message)`` or the whole was parsed (``complete``; then a DecodeError is raised:
    the bytes do not parse). Prefixes are views, not copies."""
    view: Any = memoryview(data)  # upb parses any buffer (typed as bytes in the stubs)
    window = FIRST_PREFIX
    while enough is not None and _PREFIXES_WORK and window < len(view) and window <= LAST_PREFIX:
        message = cls()
        with suppress(DecodeError):  # the prefix ends inside a field: the ones before are kept
            message.MergeFromString(view[:window])
        if enough(message):
            return message, False
        window *= 4
    message = cls()
    message.MergeFromString(view)
    return message, True


#: Per message type (full name): the counted lists, each with the largest limit it takes part in.
Caps = dict[str, tuple[tuple[str, int], ...]]


def caps(root: Descriptor, rules: Sequence[SizeRule], limits: Limits) -> Caps:
    """Where a prefix parse of each message type may stop: a list over the largest limit it
    takes part in (its own, or a total's) breaks that limit, whatever else the message holds."""
    found: dict[str, dict[str, int]] = {}
    for rule in rules:
        for path in rule.summed or (rule.path,):
            descriptor = root
            *heads, last = path.split(".")
            for head in heads:
                entry = descriptor.fields_by_name[head.removesuffix("[]")].message_type
                assert entry is not None, path
                descriptor = entry
            listed = found.setdefault(descriptor.full_name, {})
            listed[last] = max(listed.get(last, 0), limit_of(rule, limits))
    return {name: tuple(listed.items()) for name, listed in found.items()}


class WireList:
    """A list seen from its bytes: its length, and each element as a :class:`WireMessage`.
    ``exact`` is False when its parent was parsed from a prefix (the length is a lower bound)."""

    __slots__ = ("_caps", "_entry", "_items", "_views", "exact")

    def __init__(self, items: Sequence[bytes], entry: Descriptor | None, exact: bool, caps: Caps):
        self._items = items
        self._entry = entry
        self.exact = exact
        self._caps = caps
        self._views: list[WireMessage] | None = None

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[WireMessage]:
        if self._entry is None:
            raise TypeError("map entries are counted, not read")
        if self._views is None:
            self._views = [WireMessage(self._entry, data, self._caps) for data in self._items]
        return iter(self._views)


class WireMessage:
    """A message seen from its bytes (see the module doc): lists as :class:`WireList`,
    sub-messages as :class:`WireMessage`, scalars and strings as they are."""

    __slots__ = ("_caps", "_complete", "_descriptor", "_message", "_seen")

    def __init__(self, descriptor: Descriptor, data: bytes, caps: Caps) -> None:
        self._descriptor = descriptor
        self._caps = caps
        self._seen: dict[str, Any] = {}
        counted = caps.get(descriptor.full_name)

        def enough(message: Any) -> bool:
            return any(len(getattr(message, name)) > cap for name, cap in counted or ())

        self._message, self._complete = prefix_parse(
            mirror_class(descriptor), data, enough if counted else None
        )

    def WhichOneof(self, name: str) -> str | None:  # noqa: N802 - protobuf's name
        message: Any = self._message
        which: str | None = message.WhichOneof(name)
        return which

    def __getattr__(self, name: str) -> Any:
        if name in self._seen:
            return self._seen[name]
        field = self._descriptor.fields_by_name.get(name)
        if field is None:
            raise AttributeError(name)
        value = getattr(self._message, name)
        entry = field.message_type
        if entry is not None:
            if field.is_repeated:
                keyed = entry.GetOptions().map_entry
                value = WireList(value, None if keyed else entry, self._complete, self._caps)
            else:
                value = WireMessage(entry, value, self._caps)
        self._seen[name] = value
        return value


# -- the guard ----------------------------------------------------------------------------------

#: What a guard learns from a request's view: the refusal (or None), its bid count, the tender
#: id to echo.
Refusal = tuple[RequestTooLargeError | None, int, str]


def request_refusal(rules: Sequence[SizeRule], limits: Limits) -> Callable[[Any], Refusal]:
    """The refusal of a request (a view) that breaks one of ``rules``."""

    def refuse(view: Any) -> Refusal:
        found = size_violations(view, rules, limits, bounded=True)
        return (RequestTooLargeError(found) if found else None), len(view.bids), ""

    return refuse


#: A deserializer grpc calls with a request's bytes.
Deserializer = Callable[[bytes], Message | Undecodable | Refused]


def guarded(
    message_type: type[Message],
    refuse: Callable[[WireMessage], Refusal],
    caps: Caps,
    *,
    whole_below: int | None = None,
) -> Deserializer:
    """A deserializer of ``message_type`` with the size guard in front (see the module doc).

    ``refuse`` looks at the request's :class:`WireMessage` (with ``caps``, :func:`caps`); when
    it returns an error, the request is :class:`Refused` without the full parse. A message
    shorter than ``whole_below`` bytes (default :data:`WHOLE_BELOW_BYTES`) is parsed at once."""
    below = WHOLE_BELOW_BYTES if whole_below is None else whole_below
    descriptor: Any = message_type.DESCRIPTOR
    parse = message_type.FromString

    def deserialize(data: bytes) -> Message | Undecodable | Refused:
        started = time.monotonic()
        if len(data) >= below:
            try:
                error, bids, tender_id = refuse(WireMessage(descriptor, data, caps))
            except DecodeError:  # a part the guard had to read whole does not parse
                return Undecodable(len(data), started)
            except Exception:  # not expected; the full parse and the handler's limits decide
                error, bids, tender_id = None, 0, ""
            if error is not None:
                return Refused(error, bids, len(data), started, tender_id)
        try:
            return parse(data)
        except Exception:
            return Undecodable(len(data), started)

    return deserialize


def request_guard(
    message_type: type[Message], rules: Sequence[SizeRule], limits: Limits
) -> Deserializer:
    """:func:`guarded` with the refusal of a request that breaks one of ``rules``."""
    caps_ = caps(message_type.DESCRIPTOR, rules, limits)  # type: ignore[arg-type]
    return guarded(message_type, request_refusal(rules, limits), caps_)


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
    :class:`Refused` one INVALID_ARGUMENT (the status and log line EvaluateBids gives a
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
                code=errors.TOO_LARGE_CODE.name,
                duration_ms=_ms_since(request.started),
                bids=request.bids,
                reason=request.error.reason,
                violations=len(request.error.violations),
            )
            context.abort_with_status(errors.too_large_status(request.error))
        return behaviour(request, context)

    return run
