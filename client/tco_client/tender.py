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
with a zero discount rate. Every problem raises :class:`~tco_client.errors.TcoInvalidTender`
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
        raise TcoInvalidTender(
            # json_format's message names the message type and the path ("… at
            # EvaluateBidsRequest.method"): kept, on one line.
            [FieldViolation(source, str(exc).replace("\n", " ").strip())],
            f"cannot read {source}",
        ) from None
    return request


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
