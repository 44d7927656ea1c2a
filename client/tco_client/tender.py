"""Load a tender file into the request the service takes (``tcoapi.v1.EvaluateBidsRequest``).

Three file forms, one request:

- **JSON** (``.json``) — the proto JSON mapping of ``EvaluateBidsRequest``: the same document an
  e-procurement platform sends. Field names may be proto names (``study_period_years``) or
  lowerCamelCase (``studyPeriodYears``); enums by name (``"TIMING_END_OF_YEAR"``).
- **YAML** (``.yaml``/``.yml``) — the same document written as YAML (needs PyYAML, the ``cli``
  extra).
- **Excel** (``.xlsx``/``.xlsm``) — the evaluator's workbook (needs openpyxl, the ``report``
  extra); layout in :mod:`tco_client.excel_tender`, empty template from ``tco template``.

Unknown fields are errors, not silently dropped: a misspelt ``discount_rat`` must not evaluate
with a zero discount rate. Every problem raises :class:`~tco_client.errors.TcoInvalidTender`
with the file location as the field.
"""

# ruff: noqa: PLC0415 - optional extras (openpyxl, matplotlib, PyYAML, rich) are imported lazily
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from google.protobuf import json_format

from tco_client.errors import FieldViolation, TcoInvalidTender
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
        raise TcoInvalidTender(
            [FieldViolation(source, _clean_parse_error(str(exc)))], f"cannot read {source}"
        ) from None
    return request


def tender_from_json(text: str, *, source: str = "tender.json") -> tender_pb2.EvaluateBidsRequest:
    """Parse JSON text in the proto JSON mapping of ``EvaluateBidsRequest``."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TcoInvalidTender(
            [FieldViolation(f"{source}:{exc.lineno}:{exc.colno}", f"not valid JSON: {exc.msg}")],
            f"cannot read {source}",
        ) from None
    return tender_from_mapping(document, source=source)


def tender_from_yaml(text: str, *, source: str = "tender.yaml") -> tender_pb2.EvaluateBidsRequest:
    """Parse YAML text holding the same document as the JSON form (needs PyYAML)."""
    try:
        import yaml  # the cli extra
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise TcoInvalidTender(
            [FieldViolation(source, "reading YAML needs PyYAML: pip install 'lcc-tco-client[cli]'")]
        ) from exc
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark is not None else source
        problem = getattr(exc, "problem", None) or str(exc)
        raise TcoInvalidTender(
            [FieldViolation(where, f"not valid YAML: {problem}")], f"cannot read {source}"
        ) from None
    return tender_from_mapping(document, source=source)


def load_tender_file(path: str | Path) -> LoadedTender:
    """Read a tender file (JSON, YAML or Excel, by suffix) with source locations."""
    path = Path(path)
    suffix = path.suffix.lower()
    source = path.name
    if not path.is_file():
        raise TcoInvalidTender([FieldViolation(str(path), "no such file")], "cannot read tender")
    if suffix in EXCEL_SUFFIXES:
        from tco_client.excel_tender import read_tender_workbook

        return read_tender_workbook(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise TcoInvalidTender(
            [FieldViolation(str(path), str(exc))], "cannot read tender"
        ) from None
    if suffix in YAML_SUFFIXES:
        return LoadedTender(tender_from_yaml(text, source=source), source)
    if suffix in JSON_SUFFIXES:
        return LoadedTender(tender_from_json(text, source=source), source)
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


def _clean_parse_error(message: str) -> str:
    # json_format messages name the message type ("Message type "tcoapi.v1.Method" has no field
    # named "x" at "EvaluateBidsRequest.method"."); keep them, they already carry the path.
    return message.replace("\n", " ").strip()
