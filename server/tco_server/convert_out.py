"""Domain :class:`tco.results.Evaluation` -> proto ``EvaluateBidsResponse``: mechanical.

The numbers are the engine's, already rounded; nothing is computed here. Rules:

- A measure without a value (``None``) leaves its proto field at 0 and says why in its
  ``MeasureStatus``; ``Measures`` itself is absent when the method names no baseline.
- ``material_circularity`` and ``cost_per_functional_unit`` are proto3 ``optional``: set only when
  the engine has a value.
- Maps are filled in key order; the wire bytes are made deterministic by the response serializer
  (``SerializeToString(deterministic=True)``, see :mod:`tco_server.app`), so the same request
  gives the byte-identical response.
- Cash flows: one ``CashFlow`` per (category, year) with a non-zero undiscounted or discounted
  amount, categories in the engine's row order, years ascending within a category - the same
  rows as :meth:`tco.results.BidResult.cash_flow_table`.
- ``summary=True`` (``RESPONSE_VIEW_SUMMARY`` / ``RESULT_DETAIL_SUMMARY``) leaves out the bulky
  parts: ``cash_flow``, ``explanations`` and ``emissions_by_year`` stay empty; every other field is
  as in the full response.
- The default view (:func:`to_fitting_response` with ``full=None``) is the full response when its
  serialized size fits in 4 MiB, the largest message grpc-js, grpc-java and grpc-go accept by
  default; else the summary with a ``RESPONSE_SUMMARIZED`` warning that gives the full size and
  how to ask for it. The summary of the largest request the limits admit (1 000 bids) is under
  1 MiB, so the default response always fits.

How: results are built in place (``results.add(...)``), and the cash-flow rows, most of a
response, are written in the protobuf wire format by :func:`_cash_flow_bytes` (precomputed bytes
for the years and categories, ``struct`` for the doubles) and parsed in C by one
``MergeFromString``, which gives the same message as :func:`_cash_flows` builds row by row
(``tests/server/test_conversion_properties.py``); the response's bytes come from its own
deterministic serialization. What it buys: about half the step's instructions (BENCHMARKS.md,
Instructions per step).
"""

from __future__ import annotations

import functools
import itertools
import operator
import struct
from collections.abc import Mapping

import numpy as np

from tco import results as r
from tcoapi.v1 import result_pb2 as pb
from tcoapi.v1 import tender_pb2

_STATUS: dict[r.MeasureStatus, pb.MeasureStatus.ValueType] = {
    r.MeasureStatus.OK: pb.MEASURE_STATUS_OK,
    r.MeasureStatus.IS_BASELINE: pb.MEASURE_STATUS_IS_BASELINE,
    r.MeasureStatus.NO_ADDITIONAL_INVESTMENT: pb.MEASURE_STATUS_NO_ADDITIONAL_INVESTMENT,
    r.MeasureStatus.NEVER_PAYS_BACK: pb.MEASURE_STATUS_NEVER_PAYS_BACK,
    r.MeasureStatus.NO_EMISSION_REDUCTION: pb.MEASURE_STATUS_NO_EMISSION_REDUCTION,
    r.MeasureStatus.NO_SAVINGS: pb.MEASURE_STATUS_NO_SAVINGS,
}

#: The basis of the rate-derived results (``Evaluation.rate_basis``, ``Measures.rate_basis``).
RATE_BASIS: dict[str, tender_pb2.RateBasis.ValueType] = {
    "real": tender_pb2.RATE_BASIS_REAL,
    "nominal": tender_pb2.RATE_BASIS_NOMINAL,
}

_INT32_MIN = -(2**31)
_INT32_MAX = 2**31 - 1


def to_response(evaluation: r.Evaluation, *, summary: bool = False) -> pb.EvaluateBidsResponse:
    """The response message of an evaluation (or of a validation when ``validated_only``)."""
    response = pb.EvaluateBidsResponse(
        method_digest=evaluation.method_digest,
        request_digest=evaluation.request_digest,
        engine_version=evaluation.engine_version,
        currency=evaluation.currency,
        validated_only=evaluation.validated_only,
        rate_basis=RATE_BASIS[evaluation.rate_basis],
        analysis_discount_rate=float(evaluation.analysis_discount_rate),
        evaluation_digest=evaluation.evaluation_digest,
        data_version=evaluation.data_version,
    )
    results = response.results
    for b in evaluation.results:
        _bid_result(results.add(), b, summary=summary)
    warnings = response.warnings
    for w in evaluation.warnings:
        warnings.add(code=w.code, message=w.message, bid_id=w.bid_id)
    return response


#: The largest message most gRPC clients receive without a setting (grpc-js, grpc-java, grpc-go).
CLIENT_DEFAULT_RECEIVE_BYTES = 4 * 1024 * 1024

#: The warning code of a default-view response that left out the bulky parts.
RESPONSE_SUMMARIZED = "RESPONSE_SUMMARIZED"


def to_fitting_response(
    evaluation: r.Evaluation, *, full: bool | None = None
) -> pb.EvaluateBidsResponse:
    """The response in the view asked for: ``True`` full, ``False`` summary, ``None`` (the
    default view) full when it fits in :data:`CLIENT_DEFAULT_RECEIVE_BYTES`, else the summary
    with a ``RESPONSE_SUMMARIZED`` warning."""
    if full is not None:
        return to_response(evaluation, summary=not full)
    response = to_response(evaluation)
    size = response.ByteSize()
    if size <= CLIENT_DEFAULT_RECEIVE_BYTES:
        return response
    response = to_response(evaluation, summary=True)
    mib = 1024 * 1024
    response.warnings.add(
        code=RESPONSE_SUMMARIZED,
        message=(
            f"the full response would be {size / mib:.1f} MiB, over the 4 MiB most gRPC clients "
            "accept by default: cash_flow, explanations and emissions_by_year are left out. Ask "
            f"for view RESPONSE_VIEW_FULL with a client max receive message size above "
            f"{size / mib:.1f} MiB, or send fewer bids per request"
        ),
    )
    return response


def _sorted_map(values: Mapping[str, float]) -> dict[str, float]:
    return {key: float(values[key]) for key in sorted(values)}


def _bid_result(out: pb.BidResult, b: r.BidResult, *, summary: bool = False) -> None:
    """Fill ``out`` (an empty element of ``results``) with the result of one bid."""
    out.bid_id = b.bid_id
    out.supplier = b.supplier
    out.rank = b.rank
    out.tied = b.tied
    out.life_cycle_cost = float(b.life_cycle_cost)
    out.life_cycle_cost_undiscounted = float(b.life_cycle_cost_undiscounted)
    out.climate_cost = float(b.climate_cost)
    out.externality_cost = float(b.externality_cost)
    out.deductions = float(b.deductions)
    out.evaluated_cost = float(b.evaluated_cost)
    out.difference_to_best = float(b.difference_to_best)
    out.difference_to_best_percent = float(b.difference_to_best_percent)
    out.annual_value = float(b.annual_value)
    out.cost_by_category.update(_sorted_map(b.cost_by_category))
    out.emissions_by_module.update(_sorted_map(b.emissions_by_module))
    out.emissions_total = float(b.emissions_total)
    if b.measures is not None:
        _measures(out.measures, b.measures)
    if b.material_circularity is not None:
        out.material_circularity = float(b.material_circularity)
    if b.cost_per_functional_unit is not None:
        out.cost_per_functional_unit = float(b.cost_per_functional_unit)
    if summary:
        return
    out.emissions_by_year.extend([float(v) for v in b.emissions_by_year])
    explanations = out.explanations
    for e in b.explanations:
        explanations.add(
            quantity=e.quantity, formula=e.formula, value=float(e.value), inputs=e.inputs
        )
    cash = _cash_flow_bytes(b)
    if cash is None:
        out.cash_flow.extend(_cash_flows(b))
    elif cash:
        out.MergeFromString(cash)


def _measures(out: pb.Measures, m: r.Measures) -> None:
    out.baseline_bid_id = m.baseline_bid_id
    out.net_savings = float(m.net_savings)
    out.additional_investment = float(m.additional_investment)
    out.operational_savings = float(m.operational_savings)
    out.sir = _or_zero(m.sir)
    out.sir_status = _STATUS[m.sir_status]
    out.airr = _or_zero(m.airr)
    out.airr_status = _STATUS[m.airr_status]
    out.simple_payback_years = m.simple_payback_years or 0
    out.simple_payback_status = _STATUS[m.simple_payback_status]
    out.discounted_payback_years = m.discounted_payback_years or 0
    out.discounted_payback_status = _STATUS[m.discounted_payback_status]
    out.abatement_cost = _or_zero(m.abatement_cost)
    out.abatement_cost_status = _STATUS[m.abatement_cost_status]
    out.discount_rate = float(m.discount_rate)
    out.rate_basis = RATE_BASIS[m.rate_basis]
    out.SetInParent()  # present even when every figure is zero, as when copied in


def _or_zero(value: float | None) -> float:
    return 0.0 if value is None else float(value)


def _cash_flow_rows(b: r.BidResult) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(category index, year, undiscounted, discounted) of each non-zero cash-flow cell.

    Row-major order: categories in the engine's row order, years ascending within one.
    """
    undiscounted = np.asarray(b.cash_flow_undiscounted, dtype=np.float64)
    discounted = np.asarray(b.cash_flow_discounted, dtype=np.float64)
    if undiscounted.size == 0:
        empty = np.zeros(0, dtype=np.intp)
        return empty, empty, np.zeros(0), np.zeros(0)
    rows, years = np.nonzero((undiscounted != 0.0) | (discounted != 0.0))
    return rows, years, undiscounted[rows, years], discounted[rows, years]


def _cash_flows(b: r.BidResult) -> list[pb.CashFlow]:
    """The cash-flow rows as messages, one by one (the plain way; see :func:`_cash_flow_bytes`)."""
    rows, years, undiscounted, discounted = _cash_flow_rows(b)
    calendar = b.calendar_years
    categories = b.cash_flow_categories
    return [
        pb.CashFlow(
            year=int(t),
            calendar_year=int(calendar[t]),
            category=categories[c],
            undiscounted=float(u),
            discounted=float(v),
        )
        for c, t, u, v in zip(
            rows.tolist(), years.tolist(), undiscounted.tolist(), discounted.tolist(), strict=True
        )
    ]


@functools.lru_cache(maxsize=4096)
def _varint(value: int) -> bytes:
    """``value`` as a protobuf varint (negative int32/int64 as 10 bytes, two's complement).

    Cached: the same years, calendar years and lengths come back in every response.
    """
    value &= 0xFFFF_FFFF_FFFF_FFFF
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


#: Key of BidResult.cash_flow (field 17, length-delimited) and of CashFlow's fields.
_CASH_FLOW_KEY = _varint(17 << 3 | 2)
_YEAR_KEY = _varint(1 << 3 | 0)
_CALENDAR_YEAR_KEY = _varint(2 << 3 | 0)
_CATEGORY_KEY = _varint(3 << 3 | 2)
_UNDISCOUNTED_KEY = 4 << 3 | 1  # 64-bit
_DISCOUNTED_KEY = 5 << 3 | 1
_DOUBLES = struct.Struct("<BdBd").pack  # key, undiscounted, key, discounted
_DOUBLES_SIZE = 18


@functools.lru_cache(maxsize=64)
def _year_parts(calendar: tuple[int, ...]) -> tuple[bytes, ...] | None:
    """``year`` and ``calendar_year`` of a cash-flow row, serialized, for each year index.

    None when a calendar year does not fit int32. Cached: every bid of an evaluation, and every
    evaluation with the same base year and study period, has the same calendar.
    """
    parts: list[bytes] = []
    for t, calendar_year in enumerate(calendar):
        if not _INT32_MIN <= int(calendar_year) <= _INT32_MAX:
            return None
        parts.append(_YEAR_KEY + _varint(t) + _CALENDAR_YEAR_KEY + _varint(int(calendar_year)))
    return tuple(parts)


@functools.lru_cache(maxsize=64)
def _category_parts(categories: tuple[str, ...]) -> tuple[bytes, ...]:
    """``category`` of a cash-flow row, serialized, for each row label (cached like the years)."""
    return tuple(
        _CATEGORY_KEY + _varint(len(raw)) + raw for raw in (c.encode("utf-8") for c in categories)
    )


def _cash_flow_bytes(b: r.BidResult) -> bytes | None:
    """The ``cash_flow`` rows of ``b`` as serialized ``BidResult`` field 17 entries.

    The same rows as :func:`_cash_flows`, written in the wire format instead of built as
    messages. A row is: the field key, the row's length, ``year`` and ``calendar_year`` (bytes
    prepared once per year), ``category`` (once per category), and the two doubles
    (``struct``, little endian, every bit as computed: ``-0.0`` stays ``-0.0``, a NaN keeps its
    payload). The four parts of all rows are gathered with ``map`` and joined once, so no
    Python bytecode runs per row. Fields equal to zero may be written explicitly; parsing sets
    them to zero, which is the same message. None when a calendar year is outside int32: the
    message path then raises exactly as it always did.
    """
    rows, years, undiscounted, discounted = _cash_flow_rows(b)
    n = int(rows.size)
    if n == 0:
        return b""
    heads = _year_parts(tuple(b.calendar_years))
    if heads is None:
        return None
    categories = _category_parts(tuple(b.cash_flow_categories))
    year_list = years.tolist()
    row_list = rows.tolist()
    head_parts = list(map(heads.__getitem__, year_list))
    category_parts = list(map(categories.__getitem__, row_list))
    double_parts = list(
        map(
            _DOUBLES,
            itertools.repeat(_UNDISCOUNTED_KEY, n),
            undiscounted.tolist(),
            itertools.repeat(_DISCOUNTED_KEY, n),
            discounted.tolist(),
        )
    )
    sizes = list(map(operator.add, map(len, head_parts), map(len, category_parts)))
    prefixes = {size: _CASH_FLOW_KEY + _varint(size + _DOUBLES_SIZE) for size in set(sizes)}
    parts: list[bytes] = [b""] * (4 * n)
    parts[0::4] = map(prefixes.__getitem__, sizes)
    parts[1::4] = head_parts
    parts[2::4] = category_parts
    parts[3::4] = double_parts
    return b"".join(parts)
