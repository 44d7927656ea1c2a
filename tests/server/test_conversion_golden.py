"""Golden outputs of the server's own steps around the engine, against files on disk.

The files in ``tests/fixtures/golden/server/`` were written *before* the speed work on
:mod:`tco_server.limits`, :mod:`tco_server.convert_in`, :mod:`tco_server.convert_out` and
:mod:`tco_server.columns`, and pin what a client sees: an optimisation may change how a message
or a domain object is built, never a byte of a response nor a word of an error.

- ``response-*.pb``: ``to_response(evaluate(to_tender(request)))`` serialized with
  ``deterministic=True`` (full and ``summary``), for the sample, every example and the typical
  tender; ``columns-*.pb`` the same for :func:`result_columns` of columnar tenders.
- ``tender-*.txt``: the ``repr`` of the domain tender (floats by ``repr``, so ``-0.0`` and NaN
  show), from :func:`convert_in.to_tender` and :func:`columns.columns_to_tender`, including a
  request with every field set: this pins the conversion without the engine.
- ``limits.json``: the exact error (class, reason, every violation's field, description and
  reason, in order) that :func:`limits.check_request` raises for requests that break the limits,
  and that :func:`columns.check_columns` raises for bad columns.

Regenerate (only for a deliberate change, with the reason in the commit):
``TCO_UPDATE_GOLDEN=1 .venv/bin/pytest tests/server/test_conversion_golden.py``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tco.errors import InvalidTender
from tco.evaluate import evaluate
from tco_server import columns, convert_in, convert_out, limits
from tcoapi.v1 import batch_pb2
from tests.server.conversion_cases import (
    column_cases,
    filled_request,
    limit_cases,
    partly_filled_request,
    valid_requests,
)

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "fixtures" / "golden" / "server"
UPDATE = os.environ.get("TCO_UPDATE_GOLDEN") == "1"

VALID = valid_requests()
COLUMNS = column_cases()


def _check_bytes(name: str, data: bytes) -> None:
    path = GOLDEN / name
    if UPDATE:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    assert path.read_bytes() == data, f"{name} differs from its golden file"


def _check_text(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    expected = path.read_text(encoding="utf-8")
    assert expected == text, f"{name} differs from its golden file"


def error_record(fn: Any, *args: Any) -> dict[str, Any]:
    """What ``fn(*args)`` raises, as JSON data: class, reason, message, every violation."""
    try:
        fn(*args)
    except limits.RequestTooLargeError as error:
        return {
            "error": "RequestTooLargeError",
            "reason": error.reason,
            "message": str(error),
            "violations": [[v.field, v.description, v.reason] for v in error.violations],
        }
    except InvalidTender as error:
        return {
            "error": "InvalidTender",
            "message": str(error),
            "violations": [[v.field, v.description] for v in error.violations],
        }
    return {"error": None}


@pytest.mark.parametrize("name", sorted(VALID))
def test_response_bytes(name: str) -> None:
    request = VALID[name]
    limits.check_request(request, limits.Limits())
    tender = convert_in.to_tender(request)
    _check_text(f"tender-{name}.txt", repr(tender) + "\n")
    evaluation = evaluate(tender)
    full = convert_out.to_response(evaluation)
    _check_bytes(f"response-{name}.pb", full.SerializeToString(deterministic=True))
    summary = convert_out.to_response(evaluation, summary=True)
    _check_bytes(f"response-{name}-summary.pb", summary.SerializeToString(deterministic=True))
    validated = convert_out.to_response(evaluate(tender, validate_only=True))
    raw = validated.SerializeToString(deterministic=True)
    _check_bytes(f"response-{name}-validate-only.pb", raw)


def test_filled_request_tender() -> None:
    """Every field of the contract set (invalid values included): the domain tender, unchecked."""
    _check_text("tender-filled.txt", repr(convert_in.to_tender(filled_request())) + "\n")
    partly = convert_in.to_tender(partly_filled_request())
    _check_text("tender-partly-filled.txt", repr(partly) + "\n")


def test_limit_violations() -> None:
    records = {
        name: error_record(limits.check_request, request, lim)
        for name, request, lim in limit_cases()
    }
    for name, request in VALID.items():
        records[f"valid: {name}"] = error_record(limits.check_request, request, limits.Limits())
    _check_text("limits.json", json.dumps(records, indent=1, ensure_ascii=True) + "\n")


@pytest.mark.parametrize("name", sorted(COLUMNS))
def test_columns(name: str) -> None:
    c = COLUMNS[name]
    record = error_record(columns.check_columns, c, limits.Limits())
    assert record == {"error": None}
    tender = columns.columns_to_tender(c)
    _check_text(f"tender-columns-{name}.txt", repr(tender) + "\n")
    try:
        evaluation = evaluate(tender, validate_only=c.validate_only)
    except InvalidTender as error:
        text = json.dumps([[v.field, v.description] for v in error.violations], indent=1)
        _check_text(f"columns-{name}-invalid.json", text + "\n")
        return
    out = columns.result_columns(evaluation, [b.id for b in tender.bids])
    _check_bytes(f"columns-{name}.pb", out.SerializeToString(deterministic=True))


def test_bad_columns() -> None:
    """check_columns' errors for columns of the wrong shape (several problems at once)."""
    records: dict[str, Any] = {}
    base = COLUMNS["full-7-seed3"]

    def variant(**changes: Any) -> batch_pb2.BidColumns:
        c = batch_pb2.BidColumns()
        c.CopyFrom(base)
        for change in changes.values():
            change(c)
        return c

    cases = {
        "rows 0": variant(r=lambda c: setattr(c, "rows", 0)),
        "rows over max_bids": variant(r=lambda c: setattr(c, "rows", 10**6)),
        "wrong lengths": variant(
            a=lambda c: c.ids.append("x" * 300),
            b=lambda c: c.quantity.append(1.0),
            u=lambda c: setattr(c.unit_price, "unit", "u" * 80),
            e=lambda c: c.emissions_c1_c4.values.pop(),
            r=lambda c: setattr(c.resource_use[0], "resource", "r" * 300),
        ),
        "bad method": variant(
            m=lambda c: setattr(c.method, "timing", 9),
            n=lambda c: setattr(c.method, "currency", "c" * 300),
        ),
    }
    for name, c in cases.items():
        records[name] = error_record(columns.check_columns, c, limits.Limits())
    small = limits.Limits(max_total_streams=5, max_total_items=3)
    records["small limits"] = error_record(columns.check_columns, base, small)
    _check_text("columns-checks.json", json.dumps(records, indent=1, ensure_ascii=True) + "\n")
