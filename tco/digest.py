"""Digests of a method, of a whole request and of an evaluation: SHA-256 over canonical JSON.

The rules, the evaluation document and a test vector are specified in ``docs/digest.md``; this
docstring repeats the serialisation rules next to the code that follows them.

A tender document can cite the method digest; the same method (field for field) always gives the
same digest, on any machine, whatever order a client put map entries in.

The canonical serialisation (recompute it from the v1 contract without this code)
----------------------------------------------------------------------------------
The value is the :mod:`tco.inputs` object (a :class:`~tco.inputs.Method`, or for the request
``{"bids": [...], "method": {...}}``), written as JSON by these rules:

- A message (dataclass) is a JSON object with **every** field of the contract, set or not, under
  its contract name (``study_period_years``, ``exchange_rates`` ...). Defaults are written out:
  ``0``, ``0.0``, ``""``, ``false``, ``[]``, ``{}``.
- An absent optional message (``Quantity``, ``CarbonPrice``, ``Circularity`` ...) is ``null``.
- An absent number with explicit presence (``optional double``: ``inflation_rate``,
  ``escalation``, ``externality_factor``) is ``0.0``, the value it stands for once validation
  accepted its absence (a required one left out never gets here), so leaving it out and sending
  0 give the same digest.
- An enum is its lower-case value: ``"real"``, ``"nominal"``, ``"end_of_year"``, ``"mid_year"``,
  ``"beginning_of_year"``, ``"cost"``, ``"deductions"``, ``"fictive_discount"``,
  ``"externality_factor"`` (the proto's UNSPECIFIED maps to the documented default).
- A repeated field (or a numpy array of the prepared tender) is an array in its order; a map
  (``exchange_rates``) is an object whose keys are the map's keys as text (an int key ``3``:
  ``"3"``).
- A field typed ``double`` is always written as a float, even when whole: Python's
  ``repr(float(x))``, the shortest decimal that reads back to the same binary64, in fixed notation
  when 1e-4 <= \\|x\\| < 1e16 and otherwise ``d.ddde±XX`` (``1.0``, ``0.035``, ``185000.0``,
  ``1e+16``, ``1.5e-05``). ``-0.0`` is written ``0.0``. Non-finite values (refused by validation
  anyway) are written as the strings ``"NaN"``, ``"Infinity"``, ``"-Infinity"`` so that the digest
  is defined for every input.
- An ``int32`` field is a JSON integer; a ``bool`` is ``true``/``false``; a string is a JSON
  string.
- The document is serialised with object keys sorted by code point, no whitespace (``","`` and
  ``":"`` separators), non-ASCII characters written as themselves (not ``\\u`` escapes), and
  encoded as UTF-8. The digest is the lower-case hex SHA-256 of those bytes.

Example: ``Method(currency="SEK", base_year=2027, study_period_years=12, discount_rate=0.035)``
serialises to a document starting ``{"base_year":2027,"baseline_bid_id":"","carbon_price":null,
"currency":"SEK","discount_rate":0.035,...``.

Implementation: :func:`_canon` + :func:`json.dumps` is the reference form of these rules (and
the path taken by any value whose type is not the declared one). The fast path writes the same
text directly: for each inputs dataclass a serialiser is generated once, with its fields sorted
by name: one test that every plain field has its declared type exactly and that the message's
floats are finite (their sum is), then one f-string (a float as ``repr``, ``0.0`` for zero; a
``Quantity`` inline; lists, maps and arrays by the encoders of their types); a message that fails
the test takes the reference form. A ``Mapping[str, float]`` is a ``%r`` template per key set.
JSON is compositional (an object's text is its sorted members' texts joined), so both give the
same bytes; ``tests/tco/test_digest.py`` checks it on generated inputs. What the generated source
buys is in BENCHMARKS.md (*What each remaining speed mechanism buys*).
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import hashlib
import json
import math
import types
import typing
from collections.abc import Callable, Mapping
from importlib import resources
from json.encoder import encode_basestring  # what json.dumps(ensure_ascii=False) writes
from typing import Any

import numpy as np

from tco.inputs import Method, Tender
from tco.prepared import PreparedTender
from tco.reference import DATA_VERSION as REFERENCE_DATA_LABEL
from tco.version import __version__

__all__ = [
    "DATA_VERSION",
    "EVALUATION_FORMAT",
    "canonical_json",
    "digests",
    "evaluation_digest",
    "evaluation_document",
    "method_digest",
    "reference_data_digest",
    "request_digest",
]


def method_digest(method: Method) -> str:
    """SHA-256 (hex) of the canonical serialisation of the method (see the module docstring)."""
    return _sha256(canonical_json(method))


def request_digest(tender: Tender) -> str:
    """SHA-256 (hex) of the canonical serialisation of ``{"bids": [...], "method": {...}}``."""
    return _sha256(canonical_json(tender))


def digests(tender: Tender) -> tuple[str, str]:
    """``(method_digest(tender.method), request_digest(tender))``, the method serialised once."""
    if type(tender) is not Tender or type(tender.method) is not Method:
        return method_digest(tender.method), request_digest(tender)
    method_text = _encoder(Method)(tender.method)
    bids_text = _encoder(_hints(Tender)["bids"])(tender.bids)
    request_text = '{"bids":' + bids_text + ',"method":' + method_text + "}"
    return _sha256(method_text.encode("utf-8")), _sha256(request_text.encode("utf-8"))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- the evaluation digest (docs/digest.md) ----------------------------------------------------

#: Names the canonical form of :func:`evaluation_document`; changes with any change of its rules.
EVALUATION_FORMAT = "tco-evaluation/1"

#: Fields of :class:`~tco.prepared.PreparedTender` left out of the evaluation document: what
#: validation found to say (its text may quote a unit as spelled), not an input of any number.
_NOT_INPUTS = frozenset({"warnings"})


def reference_data_digest() -> str:
    """SHA-256 (hex) of the vendored reference data: every ``tco/reference/*.json`` file.

    The digest of the manifest ``"<sha256 hex of the file>  <file name>\n"`` per file, in name
    order: what ``cd tco/reference && LC_ALL=C sha256sum *.json | sha256sum`` prints.
    """
    folder = resources.files("tco.reference")
    names = sorted(entry.name for entry in folder.iterdir() if entry.name.endswith(".json"))
    manifest = "".join(
        f"{hashlib.sha256(folder.joinpath(name).read_bytes()).hexdigest()}  {name}\n"
        for name in names
    )
    return _sha256(manifest.encode("utf-8"))


def _data_version() -> str:
    return f"{REFERENCE_DATA_LABEL}+{reference_data_digest()[:16]}"


#: The reference data an evaluation used: the files' ``data_version`` label, ``+``, the first 16
#: hex digits of :func:`reference_data_digest` (e.g. ``2026.1+3f9a0c1b2d4e5f60``); computed once,
#: at import, so an edited value with an unchanged label still gives another version.
DATA_VERSION: str = _data_version()


def evaluation_document(
    prepared: PreparedTender,
    *,
    engine_version: str = __version__,
    data_version: str = DATA_VERSION,
) -> bytes:
    """The canonical evaluation document (docs/digest.md), as UTF-8 bytes.

    ``{"bids":[...],"data_version":...,"engine_version":...,"format":...,"method":{...}}``: the
    prepared tender (canonical units, rates real, references resolved to their values), its bids
    in id order, its warnings left out, by the rules of the module docstring.

    Example: a tender whose item lasts ``Quantity(120, "months")`` and the same with
    ``Quantity(10, "years")`` prepare to ``service_life`` 10.0 both, so give one document.
    """
    members = {
        "data_version": _encode_str(data_version),
        "engine_version": _encode_str(engine_version),
        "format": _encode_str(EVALUATION_FORMAT),
    }
    hints = _hints(PreparedTender)
    for f in dataclasses.fields(PreparedTender):
        if f.name in _NOT_INPUTS:
            continue
        value = getattr(prepared, f.name)
        if f.name == "bids":
            value = tuple(sorted(value, key=lambda bid: bid.id))
        members[f.name] = _encoder(hints[f.name])(value)
    text = "{" + ",".join(encode_basestring(k) + ":" + members[k] for k in sorted(members)) + "}"
    return text.encode("utf-8")


def evaluation_digest(prepared: PreparedTender) -> str:
    """SHA-256 (hex) of :func:`evaluation_document`: the same for the same evaluation, whatever
    the bid order or the units a quantity was spelled in; another for any change that can change
    a number (an input, a resolved reference value, the engine or the reference data)."""
    return _sha256(evaluation_document(prepared))


def canonical_json(value: Any) -> bytes:
    """The canonical serialisation of an inputs object, as UTF-8 bytes."""
    hint: Any = type(value)
    return _encoder(hint)(value).encode("utf-8")


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


# --- the reference form ------------------------------------------------------------------------


def _float(value: Any) -> float | str:
    number = float(value)
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    return 0.0 if number == 0.0 else number  # -0.0 -> 0.0


def _canon(value: Any, hint: Any) -> Any:
    """``value`` as plain JSON data, guided by its declared type ``hint``."""
    if value is None:
        return 0.0 if _optional_of(hint) == (True, float) else None
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        hints = _hints(type(value))
        return {
            f.name: _canon(getattr(value, f.name), hints[f.name]) for f in dataclasses.fields(value)
        }
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, np.ndarray):  # an array of the prepared tender: a JSON array
        return [_canon(v, float if value.dtype.kind == "f" else Any) for v in value.tolist()]
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):  # X | None
        inner = next((a for a in args if a is not type(None)), Any)
        return _canon(value, inner)
    if isinstance(value, Mapping):
        value_hint = args[1] if len(args) == 2 else Any
        return {str(k): _canon(v, value_hint) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        item_hint = args[0] if args else Any
        return [_canon(v, item_hint) for v in value]
    if isinstance(value, bool):
        return value
    if hint is float or isinstance(value, float):
        return _float(value)
    if isinstance(value, (int, str)):
        return value
    raise TypeError(f"cannot serialise {type(value).__name__} canonically")


def _reference(value: Any, hint: Any) -> str:
    """The canonical text of ``value`` by the reference form (``_canon`` + ``json.dumps``)."""
    return json.dumps(
        _canon(value, hint),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )


# --- the fast path -----------------------------------------------------------------------------

Encoder = Callable[[Any], str]


@functools.cache
def _encoder(hint: Any) -> Encoder:
    """The serialiser of a value declared as ``hint`` (built once per type)."""

    def reference(value: Any) -> str:
        return _reference(value, hint)

    if hint is float:
        return _encode_float
    if hint is int:
        return _encode_int
    if hint is str:
        return _encode_str
    if hint is bool:
        return _encode_bool
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return _enum_encoder(hint, reference)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _dataclass_encoder(hint, reference)
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        inner = next((a for a in args if a is not type(None)), Any)
        return _optional_encoder(_encoder(inner))
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return _tuple_encoder(_encoder(args[0]), reference)
    if origin is Mapping and len(args) == 2 and args[0] is str and args[1] is float:
        return _float_mapping_encoder(reference)
    if origin is Mapping and len(args) == 2 and args[0] in (str, int):
        return _mapping_encoder(_encoder(args[1]), reference)
    if origin is np.ndarray:
        return _array_encoder
    return reference


def _encode_float(value: Any) -> str:
    if type(value) is float and math.isfinite(value):
        return repr(value + 0.0)  # -0.0 + 0.0 is 0.0
    return _reference(value, float)


def _array_encoder(value: Any) -> str:
    """A float array as its values' texts (``-0.0`` as ``0.0``: adding ``0.0`` clears the sign)."""
    if type(value) is np.ndarray and value.dtype == np.float64 and np.isfinite(value).all():
        return f"[{','.join(map(repr, (value + 0.0).tolist()))}]"
    return _reference(value, Any)


def _encode_int(value: Any) -> str:
    if type(value) is int:
        return repr(value)
    return _reference(value, int)


def _encode_str(value: Any) -> str:
    if type(value) is str:
        return encode_basestring(value)
    return _reference(value, str)


def _encode_bool(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return _reference(value, bool)


def _enum_encoder(cls: type[enum.Enum], reference: Encoder) -> Encoder:
    texts = {member: _reference(member, cls) for member in cls}

    def encode(value: Any) -> str:
        return texts[value] if type(value) is cls else reference(value)

    return encode


def _optional_encoder(inner: Encoder) -> Encoder:
    def encode(value: Any) -> str:
        return "null" if value is None else inner(value)

    return encode


def _tuple_encoder(item: Encoder, reference: Encoder) -> Encoder:
    def encode(value: Any) -> str:
        if type(value) is tuple or type(value) is list:
            return f"[{','.join(map(item, value))}]"
        return reference(value)

    return encode


def _mapping_encoder(item: Encoder, reference: Encoder) -> Encoder:
    def encode(value: Any) -> str:
        if value is None or not isinstance(value, Mapping):
            return reference(value)
        members = {str(k): v for k, v in value.items()}
        texts = [encode_basestring(k) + ":" + item(members[k]) for k in sorted(members)]
        return f"{{{','.join(texts)}}}"

    return encode


#: Most key sets a float mapping encoder remembers a template for (module names, currencies).
_TEMPLATES = 64
_FLOAT_ONLY = frozenset({float})


def _float_mapping_encoder(reference: Encoder) -> Encoder:
    """A ``Mapping[str, float]`` (an item's emissions by module, exchange rates): a template
    ``{"a1_a3":%r,"a4":%r,...}`` per set of keys in code point order, filled with the values
    when they are all finite floats (no ``-0.0``: a text holding ``-0.0`` takes the reference
    form, which writes ``0.0``), else the reference form."""
    templates: dict[tuple[Any, ...], str] = {}

    def encode(value: Any) -> str:
        if type(value) is dict or type(value) is types.MappingProxyType:
            keys = tuple(value)
            template = templates.get(keys)
            if template is None:
                if not all(type(k) is str for k in keys):
                    return reference(value)
                if list(keys) != sorted(keys):
                    return encode({k: value[k] for k in sorted(keys)})
                template = f"{{{','.join(_percent(encode_basestring(k)) + ':%r' for k in keys)}}}"
                if len(templates) < _TEMPLATES:
                    templates[keys] = template
            values = tuple(value.values())
            if set(map(type, values)) <= _FLOAT_ONLY and math.isfinite(sum(values)):
                text: str = template % values
                if "-0.0" not in text:
                    return text
        return reference(value)

    return encode


def _percent(text: str) -> str:
    return text.replace("%", "%%")


def _dataclass_encoder(cls: type, reference: Encoder) -> Encoder:
    """``{"field":...,...}`` with the fields sorted by name, as generated source.

    One test that every field written inline has its declared type exactly (a float, int, str,
    bool, enum member, a small message of such fields like ``Quantity``; ``None`` for an optional
    one) and that the floats are finite (their sum is), then one f-string: ``repr(x + 0.0)`` for
    a float (``-0.0`` + ``0.0`` is ``0.0``), the encoder of the field's type for a list, map,
    array or other message. A value that fails the test takes the reference form.
    """
    hints = _hints(cls)
    names = sorted(f.name for f in dataclasses.fields(cls))
    namespace: dict[str, Any] = {
        "cls": cls,
        "reference": reference,
        "isfinite": math.isfinite,
        "escape": encode_basestring,
        "repr": repr,
    }
    lines = [
        "def encode(value):",
        "    if type(value) is not cls:",
        "        return reference(value)",
    ]
    tests: list[str] = []
    floats: list[str] = []
    pieces: list[str] = []
    before: list[str] = []
    for k, name in enumerate(names):
        optional, inner = _optional_of(hints[name])
        x = f"x{k}"
        lines.append(f"    {x} = value.{name}")
        simple = _simple_fields(inner)
        if optional and inner is float:
            lines.append(f"    if {x} is None:")
            lines.append(f"        {x} = 0.0")  # an absent optional number stands for 0.0
            optional = False
        if inner in _INLINE and not optional:
            test, text = _inline(inner, x)
            tests.append(test)
            if inner is float:
                floats.append(x)
        elif isinstance(inner, type) and issubclass(inner, enum.Enum) and not optional:
            namespace[f"t{k}"] = {member: _reference(member, inner) for member in inner}
            namespace[f"c{k}"] = inner
            tests.append(f"type({x}) is c{k}")
            text = f"t{k}[{x}]"
        elif simple is not None:
            # A small message of plain fields (Quantity: value, unit) written inline, as its own
            # encoder writes it when every field has its declared type.
            namespace[f"c{k}"] = inner
            member_tests, texts = [f"type({x}) is c{k}"], []
            for member, member_hint in simple:
                test, member_text = _inline(member_hint, f"{x}.{member}")
                member_tests.append(test)
                texts.append(f"{_braces(encode_basestring(member))}:{{{member_text}}}")
                if member_hint is float:
                    floats.append(
                        f"(0.0 if {x} is None else {x}.{member})" if optional else f"{x}.{member}"
                    )
            test = " and ".join(member_tests)
            inline = "{{" + ",".join(texts) + "}}"
            if optional:
                tests.append(f"({x} is None or {test})")
                before.append(f"        s{k} = 'null' if {x} is None else f'{inline}'")
                text = f"s{k}"
            else:
                tests.append(test)
                text = None
                pieces.append(f"{_braces(encode_basestring(name))}:{inline}")
        elif typing.get_origin(inner) is tuple and _is_tuple_hint(inner) and not optional:
            namespace[f"i{k}"] = _encoder(typing.get_args(inner)[0])
            tests.append(f"type({x}) is tuple")
            text = f'",".join(map(i{k}, {x})) if {x} else ""'
            pieces.append(f"{_braces(encode_basestring(name))}:[{{{text}}}]")
            text = None
        else:
            namespace[f"e{k}"] = _encoder(hints[name])
            text = f"e{k}({x})"
        if text is not None:
            pieces.append(f"{_braces(encode_basestring(name))}:{{{text}}}")
    if floats:
        tests.append(f"isfinite({' + '.join(floats)})")
    lines.append(f"    if {' and '.join(tests) or 'True'}:")
    lines.extend(before)
    lines.append(f"        return f'{{{{{','.join(pieces)}}}}}'")
    lines.append("    return reference(value)")
    # The source holds field names and string literals only, never a value.
    exec("\n".join(lines), namespace)
    encode: Encoder = namespace["encode"]
    return encode


def _braces(text: str) -> str:
    """``text`` as literal text of an f-string."""
    return text.replace("{", "{{").replace("}", "}}")


#: Field types written inline by the generated serialisers (:func:`_inline`).
_INLINE: tuple[type, ...] = (float, int, str, bool)


def _inline(hint: type, x: str) -> tuple[str, str]:
    """(test, text): Python expressions that a value ``x`` of type ``hint`` (float, int, str,
    bool) has exactly that type, and its canonical text when it has (a finite float's: its
    finiteness is tested once for all the floats of a message).
    """
    if hint is float:
        return f"type({x}) is float", f'(repr({x}) if {x} else "0.0")'
    if hint is int:
        return f"type({x}) is int", f"{x}!r"
    if hint is str:
        return f"type({x}) is str", f"escape({x})"
    return f"({x} is True or {x} is False)", f'"true" if {x} else "false"'


def _simple_fields(hint: Any) -> list[tuple[str, type]] | None:
    """The fields (sorted by name) of a dataclass whose fields are all float, int, str or bool,
    else None."""
    if not (isinstance(hint, type) and dataclasses.is_dataclass(hint)):
        return None
    hints = _hints(hint)
    names = sorted(f.name for f in dataclasses.fields(hint))
    if not names or any(hints[name] not in _INLINE for name in names):
        return None
    return [(name, hints[name]) for name in names]


def _is_tuple_hint(hint: Any) -> bool:
    args = typing.get_args(hint)
    return len(args) == 2 and args[1] is Ellipsis


def _optional_of(hint: Any) -> tuple[bool, Any]:
    """``(True, X)`` for ``X | None``, else ``(False, hint)``."""
    if typing.get_origin(hint) in (types.UnionType, typing.Union):
        args = typing.get_args(hint)
        if type(None) in args:
            return True, next((a for a in args if a is not type(None)), Any)
    return False, hint
