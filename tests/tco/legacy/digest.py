"""Digests of a method and of a whole request: SHA-256 over a canonical JSON serialisation.

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
- An enum is its lower-case value: ``"real"``, ``"nominal"``, ``"end_of_year"``, ``"mid_year"``,
  ``"beginning_of_year"``, ``"cost"``, ``"deductions"``, ``"fictive_discount"``,
  ``"externality_factor"`` (the proto's UNSPECIFIED maps to the documented default).
- A repeated field is an array in request order; a map (``exchange_rates``) is an object.
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
from collections.abc import Mapping
from typing import Any

from tco.inputs import Method, Tender

__all__ = ["canonical_json", "method_digest", "request_digest"]


def method_digest(method: Method) -> str:
    """SHA-256 (hex) of the canonical serialisation of the method (see the module docstring)."""
    return _sha256(canonical_json(method))


def request_digest(tender: Tender) -> str:
    """SHA-256 (hex) of the canonical serialisation of ``{"bids": [...], "method": {...}}``."""
    return _sha256(canonical_json(tender))


def canonical_json(value: Any) -> bytes:
    """The canonical serialisation of an inputs object, as UTF-8 bytes."""
    document = _canon(value, type(value))
    text = json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


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
        return None
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        hints = _hints(type(value))
        return {
            f.name: _canon(getattr(value, f.name), hints[f.name]) for f in dataclasses.fields(value)
        }
    if isinstance(value, enum.Enum):
        return value.value
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
