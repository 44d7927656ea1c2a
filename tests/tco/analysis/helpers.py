"""Shared helpers of the analysis tests: the sample tender (domain and prepared) and builders."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from tco import validate
from tco.analysis.model import ParametricModel
from tco.analysis.parameters import Mode, Parameter, resolve
from tco.evaluate import evaluate
from tco.inputs import Tender
from tco.prepared import PreparedTender
from tests.tco import tender_json


def sample() -> dict[str, Any]:
    """A fresh copy of the sample tender as proto-style JSON data (bids A and B)."""
    return tender_json.sample_dict()


def domain(raw: dict[str, Any]) -> Tender:
    return tender_json.tender(raw)


def prepared(raw: dict[str, Any]) -> PreparedTender:
    return validate.prepare(domain(raw))


def vectorised(
    raw: dict[str, Any], path: str, mode: Mode, values: list[float]
) -> tuple[Parameter, np.ndarray]:
    """Comparison numbers of the tender ``raw`` with ``path`` set to each value: (values, bids)."""
    p = prepared(raw)
    parameter = resolve(path, mode, p)
    model = ParametricModel(p)
    return parameter, model.comparison_numbers([parameter], np.array(values)[:, None])


def evaluated(raw: dict[str, Any]) -> dict[str, float]:
    """evaluate() of a tender: bid id -> published (rounded) comparison number."""
    return {r.bid_id: r.evaluated_cost for r in evaluate(domain(raw)).results}


def modified(raw: dict[str, Any], change: Any) -> dict[str, Any]:
    copy_ = copy.deepcopy(raw)
    change(copy_)
    return copy_
