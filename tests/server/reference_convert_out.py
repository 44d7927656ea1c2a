"""A frozen copy of ``tco_server.convert_out`` from before the conversion speed work: the oracle
the optimised version is compared with (``tests/server/test_conversion_golden.py``).

Do not optimise or edit this file: its worth is that it is the plain, obviously-correct version.

The original docstring:

Domain :class:`tco.results.Evaluation` -> proto ``EvaluateBidsResponse``: mechanical.

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
- ``summary=True`` (the EvaluateTenders stream's ``RESULT_DETAIL_SUMMARY``) leaves out the bulky
  parts: ``cash_flow``, ``explanations`` and ``emissions_by_year`` stay empty; every other field is
  as in the full response.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from tco import results as r
from tcoapi.v1 import result_pb2 as pb

_STATUS: dict[r.MeasureStatus, pb.MeasureStatus.ValueType] = {
    r.MeasureStatus.OK: pb.MEASURE_STATUS_OK,
    r.MeasureStatus.IS_BASELINE: pb.MEASURE_STATUS_IS_BASELINE,
    r.MeasureStatus.NO_ADDITIONAL_INVESTMENT: pb.MEASURE_STATUS_NO_ADDITIONAL_INVESTMENT,
    r.MeasureStatus.NEVER_PAYS_BACK: pb.MEASURE_STATUS_NEVER_PAYS_BACK,
    r.MeasureStatus.NO_EMISSION_REDUCTION: pb.MEASURE_STATUS_NO_EMISSION_REDUCTION,
    r.MeasureStatus.NO_SAVINGS: pb.MEASURE_STATUS_NO_SAVINGS,
}


def to_response(evaluation: r.Evaluation, *, summary: bool = False) -> pb.EvaluateBidsResponse:
    """The response message of an evaluation (or of a validation when ``validated_only``)."""
    return pb.EvaluateBidsResponse(
        results=[_bid_result(b, summary=summary) for b in evaluation.results],
        method_digest=evaluation.method_digest,
        request_digest=evaluation.request_digest,
        engine_version=evaluation.engine_version,
        warnings=[
            pb.Warning(code=w.code, message=w.message, bid_id=w.bid_id) for w in evaluation.warnings
        ],
        currency=evaluation.currency,
        validated_only=evaluation.validated_only,
    )


def _sorted_map(values: Mapping[str, float]) -> dict[str, float]:
    return {key: float(values[key]) for key in sorted(values)}


def _bid_result(b: r.BidResult, *, summary: bool = False) -> pb.BidResult:
    out = pb.BidResult(
        bid_id=b.bid_id,
        supplier=b.supplier,
        rank=b.rank,
        tied=b.tied,
        life_cycle_cost=float(b.life_cycle_cost),
        life_cycle_cost_undiscounted=float(b.life_cycle_cost_undiscounted),
        climate_cost=float(b.climate_cost),
        externality_cost=float(b.externality_cost),
        deductions=float(b.deductions),
        evaluated_cost=float(b.evaluated_cost),
        difference_to_best=float(b.difference_to_best),
        difference_to_best_percent=float(b.difference_to_best_percent),
        annual_value=float(b.annual_value),
        cost_by_category=_sorted_map(b.cost_by_category),
        emissions_by_module=_sorted_map(b.emissions_by_module),
        emissions_total=float(b.emissions_total),
        emissions_by_year=[] if summary else [float(v) for v in b.emissions_by_year],
        explanations=[]
        if summary
        else [
            pb.Explanation(
                quantity=e.quantity, formula=e.formula, value=float(e.value), inputs=e.inputs
            )
            for e in b.explanations
        ],
        cash_flow=[] if summary else _cash_flows(b),
    )
    if b.measures is not None:
        out.measures.CopyFrom(_measures(b.measures))
    if b.material_circularity is not None:
        out.material_circularity = float(b.material_circularity)
    if b.cost_per_functional_unit is not None:
        out.cost_per_functional_unit = float(b.cost_per_functional_unit)
    return out


def _measures(m: r.Measures) -> pb.Measures:
    return pb.Measures(
        baseline_bid_id=m.baseline_bid_id,
        net_savings=float(m.net_savings),
        additional_investment=float(m.additional_investment),
        operational_savings=float(m.operational_savings),
        sir=_or_zero(m.sir),
        sir_status=_STATUS[m.sir_status],
        airr=_or_zero(m.airr),
        airr_status=_STATUS[m.airr_status],
        simple_payback_years=m.simple_payback_years or 0,
        simple_payback_status=_STATUS[m.simple_payback_status],
        discounted_payback_years=m.discounted_payback_years or 0,
        discounted_payback_status=_STATUS[m.discounted_payback_status],
        abatement_cost=_or_zero(m.abatement_cost),
        abatement_cost_status=_STATUS[m.abatement_cost_status],
    )


def _or_zero(value: float | None) -> float:
    return 0.0 if value is None else float(value)


def _cash_flows(b: r.BidResult) -> list[pb.CashFlow]:
    undiscounted = np.asarray(b.cash_flow_undiscounted, dtype=np.float64)
    discounted = np.asarray(b.cash_flow_discounted, dtype=np.float64)
    if undiscounted.size == 0:
        return []
    rows, years = np.nonzero((undiscounted != 0.0) | (discounted != 0.0))  # row-major order
    calendar = b.calendar_years
    categories = b.cash_flow_categories
    return [
        pb.CashFlow(
            year=int(t),
            calendar_year=int(calendar[t]),
            category=categories[c],
            undiscounted=float(undiscounted[c, t]),
            discounted=float(discounted[c, t]),
        )
        for c, t in zip(rows.tolist(), years.tolist(), strict=True)
    ]
