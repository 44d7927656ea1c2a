"""Field-by-field comparison of two messages: the first difference of two methods, and every
differing figure of a reproduced evaluation.

Paths are written as on the wire and in the engine's violations: ``method.discount_rate``,
``method.resource_prices[1].price.value``, ``method.exchange_rates["EUR"]``; bid results are
keyed by bid id, ``results[bid=B].evaluated_cost``, so a reordered result list reads as the
figures that moved. Fields are visited in field-number order; a repeated field of different
lengths differs first at its length (``method.resource_prices: 2 entries, published 3``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

#: At most this many differing figures are listed.
MAX_DIFFERENCES = 200


def _text(value: Any) -> str:
    if isinstance(value, Message):
        return "{...}"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _is_message(field: FieldDescriptor) -> bool:
    return field.type == FieldDescriptor.TYPE_MESSAGE


def _is_map(field: FieldDescriptor) -> bool:
    entry: Any = field.message_type
    return _is_message(field) and bool(entry.GetOptions().map_entry)


def _key(item: Message) -> str | None:
    """The key a repeated message is matched by (``bid_id``), or None: matched by position."""
    names = item.DESCRIPTOR.fields_by_name
    return str(item.bid_id) if "bid_id" in names and "rank" in names else None  # type: ignore[attr-defined]


def differences(old: Message, new: Message, path: str = "") -> Iterator[tuple[str, str, str]]:
    """``(path, old value, new value)`` for every differing leaf, in field-number order."""
    fields: list[Any] = list(old.DESCRIPTOR.fields)
    for field in sorted(fields, key=lambda f: f.number):
        at = f"{path}.{field.name}" if path else field.name
        a, b = getattr(old, field.name), getattr(new, field.name)
        if _is_map(field):
            yield from _map_differences(at, field, a, b)
        elif field.is_repeated:
            yield from _list_differences(at, field, list(a), list(b))
        elif _is_message(field):
            has_a, has_b = old.HasField(field.name), new.HasField(field.name)
            if has_a and has_b:
                yield from differences(a, b, at)
            elif has_a != has_b:
                yield at, "set" if has_a else "", "set" if has_b else ""
        elif a != b:
            yield at, _text(a), _text(b)


def _map_differences(
    at: str, field: FieldDescriptor, a: Any, b: Any
) -> Iterator[tuple[str, str, str]]:
    entry: Any = field.message_type
    value_field = entry.fields_by_name["value"]
    for key in sorted(set(a) | set(b)):
        where = f'{at}["{key}"]'
        if key not in a or key not in b:
            yield where, _text(a[key]) if key in a else "", _text(b[key]) if key in b else ""
        elif _is_message(value_field):
            yield from differences(a[key], b[key], where)
        elif a[key] != b[key]:
            yield where, _text(a[key]), _text(b[key])


def _list_differences(
    at: str, field: FieldDescriptor, a: list[Any], b: list[Any]
) -> Iterator[tuple[str, str, str]]:
    if _is_message(field) and a and b and _key(a[0]) is not None:
        old = {_key(item): item for item in a}
        new = {_key(item): item for item in b}
        for key in [*old, *(k for k in new if k not in old)]:
            where = f"{at}[bid={key}]"
            if key in old and key in new:
                yield from differences(old[key], new[key], where)
            else:
                yield where, "set" if key in old else "", "set" if key in new else ""
        return
    if len(a) != len(b):
        yield at, f"{len(a)} entries", f"{len(b)} entries"
        return
    for index, (x, y) in enumerate(zip(a, b, strict=True)):
        where = f"{at}[{index}]"
        if _is_message(field):
            yield from differences(x, y, where)
        elif x != y:
            yield where, _text(x), _text(y)


def first_difference(published: Message, given: Message, path: str) -> tuple[str, str] | None:
    """``(path, description)`` of the first field where ``given`` differs from ``published``."""
    for at, old, new in differences(published, given, path):
        return at, f"differs from the published method: published {old or '(unset)'}, " + (
            f"given {new or '(unset)'}"
        )
    return None


def figure_differences(stored: Message, reproduced: Message) -> list[tuple[str, str, str]]:
    """The differing figures of two responses, at most :data:`MAX_DIFFERENCES`."""
    found: list[tuple[str, str, str]] = []
    for difference in differences(stored, reproduced):
        found.append(difference)
        if len(found) >= MAX_DIFFERENCES:
            break
    return found
