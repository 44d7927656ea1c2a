"""JSON request bodies: :func:`parse_json`, which names every unknown key of a proto3 JSON
document with its field path (issue #14).

``json_format`` refuses a body with an unknown key, but names only the first one, by message
type. A misspelt or dropped key must not evaluate with zeros, and the client must learn every
bad key at once, by the path the engine uses for violations (``bids[0].items[1].unit_prise``).
Both spellings of a field are known keys: the proto name (``unit_price``) and the lowerCamel
JSON name (``unitPrice``), as the proto3 JSON mapping accepts both.

The walk runs only after ``json_format`` refused a body (the accepted path costs nothing); the
client's tender reader has the same walk (``tco_client.tender``: the client never imports the
server).
"""

from __future__ import annotations

import json
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message

#: Most unknown keys listed (the rest are not walked).
MAX_LISTED = 100


def unknown_fields(document: object, descriptor: Any, path: str = "") -> list[str]:
    """The path of every key of ``document`` that names no field of ``descriptor``.

    >>> from tcoapi.v1 import tender_pb2
    >>> doc = {"method": {"discountRate": 0.03}, "bids": [{"id": "A", "items": [{"unitPrise": 1}]}]}
    >>> unknown_fields(doc, tender_pb2.EvaluateBidsRequest.DESCRIPTOR)
    ['bids[0].items[0].unitPrise']
    """
    found: list[str] = []
    _walk(document, descriptor, path, found)
    return found


def _walk(document: object, descriptor: Any, path: str, found: list[str]) -> None:
    if not isinstance(document, dict) or descriptor.full_name.startswith("google.protobuf."):
        return  # a wrong type is json_format's to refuse; well-known types have their own JSON
    fields = {**descriptor.fields_by_name, **descriptor.fields_by_camelcase_name}
    for key, value in document.items():
        if len(found) >= MAX_LISTED:
            return
        field = fields.get(key) if isinstance(key, str) else None
        at = f"{path}.{key}" if path else str(key)
        if field is None:
            found.append(at)
            continue
        if field.message_type is None:
            continue  # a scalar or an enum
        at = f"{path}.{field.name}" if path else field.name
        if field.message_type.GetOptions().map_entry:  # any keys; message values are walked
            values = field.message_type.fields_by_name["value"].message_type
            if values is not None and isinstance(value, dict):
                for k, entry in value.items():
                    _walk(entry, values, f"{at}[{k}]", found)
            continue
        if field.is_repeated and isinstance(value, list):
            for i, entry in enumerate(value):
                _walk(entry, field.message_type, f"{at}[{i}]", found)
        else:
            _walk(value, field.message_type, at, found)


class UnknownJsonFields(ValueError):
    """A JSON body with keys that name no field: their paths (``bids[0].items[1].unit_prise``)."""

    def __init__(self, paths: list[str]) -> None:
        self.paths = paths
        super().__init__("unknown field(s): " + ", ".join(paths))


def parse_json(payload: bytes, message_type: type[Message]) -> Message:
    """The message of a proto3 JSON body; unknown fields are errors (as in Connect's codecs),
    every one of them named by its path (:class:`UnknownJsonFields`). Both the proto names and
    the lowerCamel JSON names are accepted, as the proto3 JSON mapping says."""
    text = payload.decode("utf-8")
    try:
        return json_format.Parse(text, message_type())
    except json_format.ParseError:
        try:
            document = json.loads(text)
        except ValueError:
            unknown = []
        else:
            unknown = unknown_fields(document, message_type.DESCRIPTOR)
        if unknown:
            raise UnknownJsonFields(unknown) from None
        raise
