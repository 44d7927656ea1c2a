"""Load a tender file into the request the service takes (``tcoapi.v1.EvaluateBidsRequest``).

Three file forms, one request:

- **JSON** (``.json``) — the proto JSON mapping of ``EvaluateBidsRequest``: the same document an
  e-procurement platform sends. Field names may be proto names (``study_period_years``) or
  lowerCamelCase (``studyPeriodYears``); enums by name (``"TIMING_END_OF_YEAR"``).
- **YAML** (``.yaml``/``.yml``) — the same document written as YAML (needs PyYAML, the ``cli``
  extra).
- **Excel** (``.xlsx``/``.xlsm``) — the evaluator's workbook (needs openpyxl, the ``report``
  extra); layout in :mod:`tco_client.workbook_layout`, empty template from ``tco template``.

Unknown fields are errors, not silently dropped: a misspelt ``discount_rat`` must not evaluate
with a zero discount rate. Every unknown key is named by its request path
(``bids[0].items[1].unit_prise``, :func:`unknown_fields`); a required field left out is refused
by the service with its path. Every problem raises :class:`~tco_client.errors.TcoInvalidTender`
with the file location as the field; a file out of the bounds of :mod:`tco_client.input_limits`
(size, nesting, YAML aliases, a workbook's sheets, rows and cells) too.
"""

# ruff: noqa: PLC0415 - optional extras (openpyxl, matplotlib, PyYAML, rich) are imported lazily
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from google.protobuf import json_format

from tco_client.errors import FieldViolation, TcoInvalidTender
from tco_client.input_limits import parse_json, parse_yaml, read_bounded_text
from tcoapi.v1 import tender_pb2

JSON_SUFFIXES = frozenset({".json"})
YAML_SUFFIXES = frozenset({".yaml", ".yml"})
EXCEL_SUFFIXES = frozenset({".xlsx", ".xlsm"})


@dataclass
class LoadedTender:
    """A tender read from a file, with where each part of it came from.

    ``locations`` maps request paths (``"bids[0].items[1].unit_price"``) to places in the source
    (``"Bids!G5"``) for workbooks, so that the server's field violations can point at cells.
    """

    request: tender_pb2.EvaluateBidsRequest
    source: str
    locations: dict[str, str] = field(default_factory=dict)

    def locate(self, path: str) -> str:
        """The source location of a request path (longest known prefix), or ``""``."""
        return locate(self.locations, path)


def locate(locations: Mapping[str, str], path: str) -> str:
    """Longest prefix of ``path`` (ending at a field boundary) that ``locations`` knows."""
    best = ""
    best_len = -1
    for prefix, where in locations.items():
        if (
            path.startswith(prefix)
            and (len(path) == len(prefix) or path[len(prefix)] in ".[")
            and len(prefix) > best_len
        ):
            best, best_len = where, len(prefix)
    return best


def tender_from_mapping(
    document: Mapping[str, Any], *, source: str = "tender"
) -> tender_pb2.EvaluateBidsRequest:
    """Parse a tender document (proto JSON mapping, as a dict) into the request."""
    if not isinstance(document, Mapping):
        raise TcoInvalidTender(
            [FieldViolation(source, "the document must be a mapping with 'method' and 'bids'")]
        )
    request = tender_pb2.EvaluateBidsRequest()
    try:
        json_format.ParseDict(dict(document), request, ignore_unknown_fields=False)
    except json_format.ParseError as exc:
        unknown = unknown_fields(document, request.DESCRIPTOR)
        if unknown:
            raise TcoInvalidTender(
                [FieldViolation(path, f"unknown field in {source}") for path in unknown],
                f"cannot read {source}",
            ) from None
        raise TcoInvalidTender(
            # json_format's message names the message type and the path ("… at
            # EvaluateBidsRequest.method"): kept, on one line.
            [FieldViolation(source, str(exc).replace("\n", " ").strip())],
            f"cannot read {source}",
        ) from None
    return request


#: Most unknown keys listed.
MAX_UNKNOWN_LISTED = 100


def unknown_fields(document: object, descriptor: Any, path: str = "") -> list[str]:
    """The request path of every key of ``document`` that names no field of ``descriptor``.

    Proto names and lowerCamel JSON names are both known keys (the proto3 JSON mapping takes
    both); map keys are free. The server's HTTP gateway walks JSON bodies the same way
    (``tco_server.json_fields``; the client does not import the server).

    >>> doc = {"method": {"discountRate": 0.03}, "bids": [{"id": "A", "items": [{"unitPrise": 1}]}]}
    >>> unknown_fields(doc, tender_pb2.EvaluateBidsRequest.DESCRIPTOR)
    ['bids[0].items[0].unitPrise']
    """
    found: list[str] = []
    _walk(document, descriptor, path, found)
    return found


def _walk(document: object, descriptor: Any, path: str, found: list[str]) -> None:
    if not isinstance(document, Mapping) or descriptor.full_name.startswith("google.protobuf."):
        return  # a wrong type is json_format's to refuse; well-known types have their own JSON
    fields = {**descriptor.fields_by_name, **descriptor.fields_by_camelcase_name}
    for key, value in document.items():
        if len(found) >= MAX_UNKNOWN_LISTED:
            return
        known = fields.get(key) if isinstance(key, str) else None
        at = f"{path}.{key}" if path else str(key)
        if known is None:
            found.append(at)
            continue
        if known.message_type is None:
            continue  # a scalar or an enum
        at = f"{path}.{known.name}" if path else known.name
        if known.message_type.GetOptions().map_entry:  # any keys; message values are walked
            values = known.message_type.fields_by_name["value"].message_type
            if values is not None and isinstance(value, Mapping):
                for k, entry in value.items():
                    _walk(entry, values, f"{at}[{k}]", found)
            continue
        if known.is_repeated and isinstance(value, list):
            for i, entry in enumerate(value):
                _walk(entry, known.message_type, f"{at}[{i}]", found)
        else:
            _walk(value, known.message_type, at, found)


def load_tender_file(path: str | Path) -> LoadedTender:
    """Read a tender file (JSON, YAML or Excel, by suffix) with source locations."""
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        raise TcoInvalidTender([FieldViolation(str(path), "no such file")], "cannot read tender")
    if suffix in EXCEL_SUFFIXES:
        from tco_client.workbook_reader import read_tender_workbook

        request, locations = read_tender_workbook(path)
        return LoadedTender(request, path.name, locations)
    if suffix in YAML_SUFFIXES | JSON_SUFFIXES:
        text = read_bounded_text(path)
        parse = parse_yaml if suffix in YAML_SUFFIXES else parse_json
        return LoadedTender(
            tender_from_mapping(parse(text, path.name), source=path.name), path.name
        )
    raise TcoInvalidTender(
        [FieldViolation(str(path), "unknown tender file type: use .json, .yaml, .yml or .xlsx")],
        "cannot read tender",
    )


def load_tender(path: str | Path) -> tender_pb2.EvaluateBidsRequest:
    """Read a tender file (JSON, YAML or Excel, by suffix) into ``EvaluateBidsRequest``."""
    return load_tender_file(path).request


def tender_to_dict(request: tender_pb2.EvaluateBidsRequest) -> dict[str, Any]:
    """The request as a proto-JSON dict with proto field names (for YAML/JSON export)."""
    return json_format.MessageToDict(request, preserving_proto_field_name=True)
