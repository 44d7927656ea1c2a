"""Hypothesis strategies that build protobuf messages by walking their descriptors.

(``hypothesis-pb`` needs protobuf < 4 and silently downgrades it, so it is not used.)

- :func:`messages` builds an arbitrary message of any type from its descriptor: every field is
  set or not; scalars include NaN, +-inf, huge, negative and boundary values; strings are unit-ish
  text, known ids, hostile bits and random unicode; enums include numbers the contract does not
  define; repeated fields and maps get a few entries; nested messages stop at a depth bound.
- :func:`near_valid_requests` starts from the sample tender and applies a few mutations at
  random places (set a field to one of those values, clear it, append a generated element,
  duplicate or drop one, replace a sub-message), so most requests reach the engine rather than
  stopping at the first check.
- :func:`wire_mutations` flips, drops or inserts bytes of a serialized request, and appends
  unknown fields: what a broken client in another language may send.

Every strategy shrinks: a failure is reported as a small mutation of the sample tender.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from hypothesis import strategies as st

from tco.prepared import CATEGORIES, MODULES
from tcoapi.v1 import tender_pb2
from tests.hostile.corpus import HOSTILE_UNITS

F = FieldDescriptor

#: Floats that matter: zero, signs, rates, years, limits of the engine, binary64's edges, NaN, inf.
INTERESTING_FLOATS = [
    *(0.0, -0.0, 1.0, -1.0, 0.5, 0.035, -0.99, -1.0 + 1e-12, 1.0 + 1e-12, 12.0, 2027.0),
    *(1e-300, 5e-324, 1e12, 1e12 + 1, 1e18, 1e19, 1e300),
    *(1.7976931348623157e308, -1.7976931348623157e308, math.nan, math.inf, -math.inf),
]
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
INTERESTING_INTS = [
    *(0, 1, -1, 2, 3, 6, 12, 99, 100, 101, 1000, 1001),
    *(2026, 2027, 2035, 2200, 2201, 10**9, INT32_MAX, INT32_MIN),
]
#: Pieces of unit strings: names of the vocabulary, operators, digits, look-alikes.
UNIT_TOKENS = [
    *("kWh", "MWh", "SEK", "EUR", "kSEK", "year", "years", "months", "h", "W", "l", "km", "kg"),
    *("t", "tCO2e", "kgCO2e", "m", "m^3"),
    *("/", "*", ".", " ", "^", "**", "-", "(", ")", "2", "0", "100"),
    *("²", "³", "µ", "μ", "к", ",", "#", "\x00", "e"),
]
KNOWN_UNITS = [
    *("SEK", "EUR", "SEK/kWh", "SEK/l", "kgCO2e/kWh", "kgCO2e/l", "SEK/tCO2e", "l/year"),
    *("MWh/year", "kWh/year", "SEK/year", "years", "months", "tCO2e", "kgCO2e", "kg", "W"),
    *("h/year", "l/(100 km)", "km/year"),
]
KNOWN_TEXT = [
    *("", " ", "A", "B", "C", "electricity", "diesel", "district_heating"),
    *("SEK", "EUR", "USD", "sek", "asek-7.0", "maintenance", "replacement", "energy"),
    *("A1-A3", "B6", "C1-C4", "D", "nox", "x" * 65, "x" * 257, "x" * 2001),
]
SHORT_HOSTILE = [u for u in HOSTILE_UNITS if len(u) <= 200]
#: Numbers the enums do not define, besides the defined ones.
UNKNOWN_ENUM_NUMBERS = [-1, 4, 5, 99, INT32_MAX, INT32_MIN]

_INT32 = {F.TYPE_INT32, F.TYPE_SINT32, F.TYPE_SFIXED32}
_INT64 = {F.TYPE_INT64, F.TYPE_SINT64, F.TYPE_SFIXED64}
_UINT32 = {F.TYPE_UINT32, F.TYPE_FIXED32}
_UINT64 = {F.TYPE_UINT64, F.TYPE_FIXED64}


def floats() -> st.SearchStrategy[float]:
    return st.one_of(
        st.sampled_from(INTERESTING_FLOATS),
        st.floats(min_value=-1e6, max_value=1e6),
        st.floats(allow_nan=True, allow_infinity=True),
    )


def int32s() -> st.SearchStrategy[int]:
    return st.one_of(
        st.sampled_from(INTERESTING_INTS),
        st.integers(-5, 120),
        st.integers(INT32_MIN, INT32_MAX),
    )


def unit_strings() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(KNOWN_UNITS),
        st.lists(st.sampled_from(UNIT_TOKENS), max_size=8).map("".join),
        st.sampled_from(SHORT_HOSTILE),
        st.text(max_size=12),
    )


def texts() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(KNOWN_TEXT),
        st.text(max_size=16),
        st.sampled_from(SHORT_HOSTILE),
    )


def scalars(field: FieldDescriptor) -> st.SearchStrategy[Any]:
    """Values for one scalar (or enum) field."""
    kind = field.type
    if kind in (F.TYPE_DOUBLE, F.TYPE_FLOAT):
        return floats()
    if kind in _INT32:
        return int32s()
    if kind in _INT64:
        return st.one_of(int32s(), st.integers(-(2**63), 2**63 - 1))
    if kind in _UINT32:
        return st.integers(0, 2**32 - 1)
    if kind in _UINT64:
        return st.integers(0, 2**64 - 1)
    if kind == F.TYPE_BOOL:
        return st.booleans()
    if kind == F.TYPE_STRING:
        return unit_strings() if field.name == "unit" else texts()
    if kind == F.TYPE_BYTES:
        return st.binary(max_size=16)
    if kind == F.TYPE_ENUM:
        defined = [v.number for v in field.enum_type.values]
        return st.one_of(st.sampled_from(defined), st.sampled_from(UNKNOWN_ENUM_NUMBERS))
    raise TypeError(f"not a scalar: {field.full_name}")


#: Plausible values of fields by name (strings and integers), for near-valid mutations.
PLAUSIBLE_BY_NAME: dict[str, list[Any]] = {
    "currency": ["SEK", "EUR"],
    "resource": ["electricity", "diesel"],
    "category": [*CATEGORIES, ""],
    "emissions_module": [*MODULES, ""],
    "series_id": ["asek-7.0", ""],
    "baseline_bid_id": ["A", "B", ""],
    "id": ["A", "B", "C"],
    "pollutant": ["nox", "pm25", ""],
    "base_year": [2025, 2027, 2030],
    "year": [2027, 2028, 2030, 2035, 2040],
    "study_period_years": [1, 2, 5, 12, 20, 40],
    "first_year": [0, 1, 2, 6],
    "every_years": [0, 1, 3],
    "last_year": [0, 5, 12],
    "level": [0, 1, 2],
    "ladder_level": [0, 1, 2],
}


#: Names of integer fields in PLAUSIBLE_BY_NAME that a string field also bears
#: (``LadderStep.level`` is an int32, ``Deduction.level`` a string).
_INTEGER_NAMES = frozenset({"level"})


def plausible_scalars(field: FieldDescriptor) -> st.SearchStrategy[Any]:
    """Values a real tender might hold: mutations with them keep many requests valid."""
    kind = field.type
    if field.name in PLAUSIBLE_BY_NAME and not (
        field.type == F.TYPE_STRING and field.name in _INTEGER_NAMES
    ):
        return st.sampled_from(PLAUSIBLE_BY_NAME[field.name])
    if field.type == F.TYPE_STRING and field.name == "level":  # a deduction level
        return st.sampled_from(["met", "none", "", "x"])
    if kind in (F.TYPE_DOUBLE, F.TYPE_FLOAT):
        return st.one_of(
            st.sampled_from([0.0, 0.5, 1.0, 12.0]),
            st.floats(min_value=0.0, max_value=1.0),
            st.floats(min_value=0.0, max_value=1e5),
        )
    if kind in _INT32 | _INT64 | _UINT32 | _UINT64:
        return st.integers(0, 10)
    if kind == F.TYPE_STRING:
        if field.name == "unit":
            return st.sampled_from(KNOWN_UNITS)
        return st.sampled_from(["", "A", "name"]) | st.text(alphabet="abcdefghij _-", max_size=10)
    if kind == F.TYPE_ENUM:
        return st.sampled_from([v.number for v in field.enum_type.values])
    return scalars(field)


def _is_map(field: FieldDescriptor) -> bool:
    return (
        field.type == F.TYPE_MESSAGE
        and field.message_type is not None
        and field.message_type.GetOptions().map_entry
    )


def _repeated(field: FieldDescriptor) -> bool:
    return bool(field.is_repeated)


@st.composite
def _fill(draw: st.DrawFn, message: Message, depth: int, max_items: int) -> Message:
    """Set a random subset of ``message``'s fields (in place); returns it."""
    for field in message.DESCRIPTOR.fields:
        if not draw(st.booleans()):
            continue
        _set_field(draw, message, field, depth, max_items)
    return message


def _set_field(
    draw: st.DrawFn, message: Message, field: FieldDescriptor, depth: int, max_items: int
) -> None:
    if _is_map(field):
        key_field = field.message_type.fields_by_name["key"]
        value_field = field.message_type.fields_by_name["value"]
        target = getattr(message, field.name)
        for _ in range(draw(st.integers(0, max_items))):
            key = draw(st.sampled_from(["EUR", "SEK", "USD", "eur", ""]) | scalars(key_field))
            if value_field.type == F.TYPE_MESSAGE:
                if depth > 0:
                    draw(_fill(target[key], depth - 1, max_items))
            else:
                target[key] = draw(scalars(value_field))
        return
    if field.type == F.TYPE_MESSAGE:
        if depth <= 0:
            return
        if _repeated(field):
            items = getattr(message, field.name)
            for _ in range(draw(st.integers(0, max_items))):
                draw(_fill(items.add(), depth - 1, max_items))
        else:
            sub = getattr(message, field.name)
            sub.SetInParent()
            draw(_fill(sub, depth - 1, max_items))
        return
    if _repeated(field):
        getattr(message, field.name).extend(draw(st.lists(scalars(field), max_size=max_items)))
        return
    setattr(message, field.name, draw(scalars(field)))


def messages(
    descriptor: Descriptor, cls: Callable[[], Message], *, depth: int = 4, max_items: int = 3
) -> st.SearchStrategy[Message]:
    """Arbitrary messages of ``cls`` (whose descriptor is ``descriptor``), nested ``depth`` deep."""
    return st.builds(cls).flatmap(lambda m: _fill(m, depth, max_items))


# -- near-valid requests -------------------------------------------------------------------------


def _sites(message: Message) -> list[tuple[Message, FieldDescriptor]]:
    """Every (message, field) of ``message`` and of the sub-messages it holds."""
    found: list[tuple[Message, FieldDescriptor]] = []
    for field in message.DESCRIPTOR.fields:
        found.append((message, field))
        if _is_map(field):
            value_field = field.message_type.fields_by_name["value"]
            if value_field.type == F.TYPE_MESSAGE:
                for value in getattr(message, field.name).values():
                    found += _sites(value)
        elif field.type == F.TYPE_MESSAGE:
            if _repeated(field):
                for element in getattr(message, field.name):
                    found += _sites(element)
            elif message.HasField(field.name):
                found += _sites(getattr(message, field.name))
    return found


@st.composite
def _mutate_once(draw: st.DrawFn, request: tender_pb2.EvaluateBidsRequest) -> None:
    sites = _sites(request)
    if draw(st.integers(0, 3)):  # mostly a scalar: replacing whole messages rarely stays valid
        sites = [site for site in sites if site[1].type != F.TYPE_MESSAGE]
    message, field = sites[draw(st.integers(0, len(sites) - 1))]
    action = draw(st.sampled_from(["set"] * 6 + ["clear", "grow", "shrink", "copy"]))
    values_of = plausible_scalars if draw(st.integers(0, 2)) else scalars
    if action == "clear":
        message.ClearField(field.name)
        return
    if _is_map(field):
        target = getattr(message, field.name)
        if action == "shrink" and target:
            del target[draw(st.sampled_from(sorted(target)))]
        else:
            _set_field(draw, message, field, depth=1, max_items=2)
        return
    if not _repeated(field):
        if field.type == F.TYPE_MESSAGE:
            sub = getattr(message, field.name)
            sub.Clear()
            sub.SetInParent()
            draw(_fill(sub, 2, 2))
        else:
            setattr(message, field.name, draw(values_of(field)))
        return
    values = getattr(message, field.name)
    n = len(values)
    if action == "shrink" and n:
        del values[draw(st.integers(0, n - 1))]
    elif action == "copy" and n:
        source = values[draw(st.integers(0, n - 1))]
        if field.type == F.TYPE_MESSAGE:
            values.add().CopyFrom(source)
        else:
            values.append(source)
    elif action == "set" and n:
        index = draw(st.integers(0, n - 1))
        if field.type == F.TYPE_MESSAGE:
            draw(_fill(values[index], 1, 2))
        else:
            values[index] = draw(values_of(field))
    elif field.type == F.TYPE_MESSAGE:
        draw(_fill(values.add(), 2, 2))
    else:
        values.append(draw(values_of(field)))


@st.composite
def near_valid_requests(
    draw: st.DrawFn, sample: bytes, max_mutations: int = 4
) -> tender_pb2.EvaluateBidsRequest:
    """The sample request with 0..``max_mutations`` random mutations."""
    request = tender_pb2.EvaluateBidsRequest.FromString(sample)
    for _ in range(draw(st.integers(0, max_mutations))):
        draw(_mutate_once(request))
    return request


def requests(sample: bytes) -> st.SearchStrategy[tender_pb2.EvaluateBidsRequest]:
    """Mostly near-valid requests (9 in 10), sometimes an arbitrary one."""
    arbitrary = messages(
        tender_pb2.EvaluateBidsRequest.DESCRIPTOR, tender_pb2.EvaluateBidsRequest, max_items=2
    )
    return st.integers(0, 9).flatmap(
        lambda k: arbitrary if k == 0 else near_valid_requests(sample)  # type: ignore[arg-type]
    )


# -- wire-level mutations ------------------------------------------------------------------------


@st.composite
def wire_mutations(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` with bytes flipped, dropped or inserted, cut short, or unknown fields added."""
    buffer = bytearray(data)
    for _ in range(draw(st.integers(1, 3))):
        action = draw(st.sampled_from(["flip", "drop", "insert", "truncate", "unknown"]))
        position = draw(st.integers(0, max(0, len(buffer) - 1)))
        if action == "flip" and buffer:
            buffer[position] ^= 1 << draw(st.integers(0, 7))
        elif action == "drop" and buffer:
            del buffer[position]
        elif action == "insert":
            buffer[position:position] = draw(st.binary(min_size=1, max_size=4))
        elif action == "truncate":
            del buffer[position:]
        else:
            # an unknown field: number 100..2^29-1, varint or length-delimited
            number = draw(st.integers(100, 2**29 - 1))
            wire_type = draw(st.sampled_from([0, 2]))
            buffer += _varint(number << 3 | wire_type)
            if wire_type == 0:
                buffer += _varint(draw(st.integers(0, 2**64 - 1)))
            else:
                payload = draw(st.binary(max_size=8))
                buffer += _varint(len(payload)) + payload
    return bytes(buffer)


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)
