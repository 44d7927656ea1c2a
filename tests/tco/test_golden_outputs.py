"""Golden outputs: every result field of a set of tenders, bit for bit, against files on disk.

The files in ``tests/fixtures/golden/`` were written by the engine *before* the performance work
of issue 7 and pin its outputs: an optimisation may change how a figure is computed, never a bit
of it. Each file is a canonical dump of a :class:`tco.results.Evaluation`: every field of every
result, floats as ``repr`` (the shortest string that reads back to the same binary64), arrays
with their shape and every element, the digests included. ``engine_version`` is left out (a
release label, not a computed figure), and so are ``data_version`` and ``evaluation_digest``,
which cover the release labels (``tests/tco/test_digest.py`` tests them).

Cases: ``tests/fixtures/sample-tender.json``, every ``examples/*.json`` (loaded with
:func:`tests.tco.tender_json.tender`), and variants of the sample that reach the other paths of
the expansion and the kernel: MID_YEAR and BEGINNING_OF_YEAR timing, a nominal analysis,
fractional service lives and warranties, and a typical tender of 5 bids x 10 items x 20 years.

Regenerate (only for a deliberate change of the outputs, with the reason in the commit):
``TCO_UPDATE_GOLDEN=1 .venv/bin/pytest tests/tco/test_golden_outputs.py``.
"""

from __future__ import annotations

import copy
import dataclasses
import enum
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tco.evaluate import evaluate
from tco.results import Evaluation

from .tender_json import sample_dict, tender

#: Evaluation fields that follow the engine's and the reference data's release labels.
_RELEASE_LABELS = frozenset({"engine_version", "data_version", "evaluation_digest"})

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "fixtures" / "golden"
EXAMPLES = ROOT / "examples"
UPDATE = os.environ.get("TCO_UPDATE_GOLDEN") == "1"


def canonical(value: Any) -> Any:
    """``value`` as JSON data that shows every bit: floats as repr, arrays with shape."""
    if isinstance(value, np.ndarray):
        return {
            "shape": list(value.shape),
            "dtype": str(value.dtype),
            "values": [canonical(v) for v in value.reshape(-1).tolist()],
        }
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: canonical(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.name not in _RELEASE_LABELS
        }
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Mapping):
        return {"map": [[str(k), canonical(v)] for k, v in value.items()]}
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return {"int": value}
    if isinstance(value, float):
        return {"float": repr(value)}
    raise TypeError(f"no canonical form for {type(value).__name__}")


def dump(evaluation: Evaluation) -> str:
    return json.dumps(canonical(evaluation), indent=1, ensure_ascii=False, sort_keys=False) + "\n"


# --- cases ---------------------------------------------------------------------------------------


def _example(path: Path) -> Callable[[], dict[str, Any]]:
    def load() -> dict[str, Any]:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return data

    return load


def _sample_with(**method: Any) -> Callable[[], dict[str, Any]]:
    def load() -> dict[str, Any]:
        data = sample_dict()
        data["method"].update(method)
        return data

    return load


def _fractional() -> dict[str, Any]:
    """Lives in months (30, 90), warranties of 18 months, an item stream with a life."""
    data = sample_dict()
    data["method"]["study_period_years"] = 15
    a, b = data["bids"][0]["items"][0], data["bids"][1]["items"][0]
    a["service_life"] = {"value": 30, "unit": "months"}
    a["warranty"] = {"value": 18, "unit": "months"}
    b["service_life"] = {"value": 90, "unit": "months"}
    b["warranty"] = {"value": 18, "unit": "months"}
    b["costs"].append(
        {
            "name": "software licence",
            "category": "operation",
            "amount": {"value": 1200, "unit": "SEK"},
            "first_year": 2,
            "every_years": 3,
            "escalation": 0.015,
            "life": {"value": 4, "unit": "years"},
            "emissions": {"value": 12, "unit": "kgCO2e"},
        }
    )
    return data


def _typical() -> dict[str, Any]:
    """5 bids x 10 items x 20 years, built like ``bench.common.typical_request``."""
    sample = sample_dict()
    data = {"method": copy.deepcopy(sample["method"]), "bids": []}
    data["method"]["study_period_years"] = 20
    for j in range(5):
        template = sample["bids"][j % 2]
        bid = copy.deepcopy(template)
        bid["id"] = f"bid-{j}"
        items = []
        for k in range(10):
            item = copy.deepcopy(template["items"][0])
            item["name"] = f"{item['name']} #{k}"
            item["quantity"] = 1 + (j + k) % 4
            items.append(item)
        bid["items"] = items
        data["bids"].append(bid)
    data["method"]["baseline_bid_id"] = "bid-0"
    return data


CASES: dict[str, Callable[[], dict[str, Any]]] = {
    "fixture-sample-tender": sample_dict,
    **{f"example-{p.stem}": _example(p) for p in sorted(EXAMPLES.glob("*.json"))},
    "sample-mid-year": _sample_with(timing="TIMING_MID_YEAR"),
    "sample-beginning-of-year": _sample_with(timing="TIMING_BEGINNING_OF_YEAR"),
    "sample-nominal": _sample_with(rate_basis="RATE_BASIS_NOMINAL", inflation_rate=0.02),
    "sample-fractional-lives": _fractional,
    "typical-5x10x20": _typical,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_outputs_match_the_golden_file(name: str) -> None:
    try:
        request = tender(CASES[name]())
    except (KeyError, TypeError, ValueError) as error:  # a field tender_json does not know
        pytest.skip(f"{name}: tests/tco/tender_json.py cannot load it ({error!r})")
    text = dump(evaluate(request))
    path = GOLDEN / f"{name}.json"
    if UPDATE:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"no golden file {path}: run with TCO_UPDATE_GOLDEN=1 once"
    expected = path.read_text(encoding="utf-8")
    if text != expected:
        got_lines, want_lines = text.splitlines(), expected.splitlines()
        first = next(
            (i for i, (g, w) in enumerate(zip(got_lines, want_lines, strict=False)) if g != w),
            min(len(got_lines), len(want_lines)),
        )
        context = "\n".join(want_lines[max(first - 8, 0) : first + 1])
        pytest.fail(
            f"{name}: output differs from {path.name} at line {first + 1}\n"
            f"expected (with context):\n{context}\n"
            f"got: {got_lines[first] if first < len(got_lines) else '<end>'}"
        )


def test_every_golden_file_has_a_case() -> None:
    stale = {p.stem for p in GOLDEN.glob("*.json")} - set(CASES)
    assert not stale, f"golden files without a case: {sorted(stale)}"
