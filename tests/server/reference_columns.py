"""A frozen copy of ``tco_server.columns.columns_to_tender`` / ``result_columns`` as they were
before the conversion speed work: the oracle the optimised versions are compared with.

Do not optimise or edit this file: its worth is that it is the plain, obviously-correct version.
"""

from __future__ import annotations

from collections.abc import Sequence

from tco import inputs as d
from tco import results as r
from tcoapi.v1 import batch_pb2, result_pb2, tender_pb2
from tests.server import reference_convert_in as convert_in

#: The single-valued Quantity columns: (BidColumns field, Item field).
ITEM_COLUMNS: tuple[tuple[str, str], ...] = (
    ("unit_price", "unit_price"),
    ("installation_cost", "installation_cost"),
    ("service_life", "service_life"),
    ("maintenance_cost", "maintenance_cost"),
    ("warranty", "warranty"),
    ("end_of_life_cost", "end_of_life_cost"),
    ("residual_value", "residual_value"),
)
#: The emission columns: (BidColumns field, Emissions field).
EMISSION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("emissions_a1_a3", "a1_a3"),
    ("emissions_c1_c4", "c1_c4"),
)


def default_ids(rows: int) -> list[str]:
    """The bid ids of a BidColumns without ``ids``: the row index in decimal."""
    return [str(i) for i in range(rows)]


def _quantities(column: batch_pb2.Column, rows: int) -> Sequence[d.Quantity | None]:
    if not column.values:
        return [None] * rows
    unit = column.unit
    return [d.Quantity(value=v, unit=unit) for v in column.values]


def columns_to_tender(columns: batch_pb2.BidColumns) -> d.Tender:
    """The domain tender of the columns: equal to ``to_tender(columns_to_request(columns))``.

    Expects columns that passed :func:`check_columns`. Nothing is checked or converted here (that
    is the engine's job); a number goes through as it is.
    """
    rows = columns.rows
    method = convert_in.to_tender(tender_pb2.EvaluateBidsRequest(method=columns.method)).method
    ids = list(columns.ids) or default_ids(rows)
    quantity = list(columns.quantity) or [1.0] * rows
    delivered = list(columns.functional_units_delivered) or [0.0] * rows
    item_columns = {
        item_field: _quantities(getattr(columns, name), rows) for name, item_field in ITEM_COLUMNS
    }
    a1_a3 = _quantities(columns.emissions_a1_a3, rows)
    c1_c4 = _quantities(columns.emissions_c1_c4, rows)
    resources = [(u.resource, _quantities(u.amount, rows)) for u in columns.resource_use]
    unit_price = item_columns["unit_price"]
    installation_cost = item_columns["installation_cost"]
    service_life = item_columns["service_life"]
    maintenance_cost = item_columns["maintenance_cost"]
    warranty = item_columns["warranty"]
    end_of_life_cost = item_columns["end_of_life_cost"]
    residual_value = item_columns["residual_value"]
    no_emissions = d.Emissions()
    bids = tuple(
        d.Bid(
            id=ids[i],
            items=(
                d.Item(
                    quantity=quantity[i],
                    unit_price=unit_price[i],
                    installation_cost=installation_cost[i],
                    service_life=service_life[i],
                    resource_use=tuple(
                        d.ResourceUse(resource=name, amount=amounts[i])
                        for name, amounts in resources
                    ),
                    maintenance_cost=maintenance_cost[i],
                    warranty=warranty[i],
                    end_of_life_cost=end_of_life_cost[i],
                    residual_value=residual_value[i],
                    emissions=(
                        d.Emissions(a1_a3=a1_a3[i], c1_c4=c1_c4[i])
                        if a1_a3[i] is not None or c1_c4[i] is not None
                        else no_emissions
                    ),
                ),
            ),
            functional_units_delivered=delivered[i],
        )
        for i in range(rows)
    )
    return d.Tender(method=method, bids=bids)


# -- evaluation -> result columns --------------------------------------------------------------


def result_columns(evaluation: r.Evaluation, bid_ids: Sequence[str]) -> batch_pb2.BidColumnsResult:
    """The headline figures of each bid, one column each, in the order of ``bid_ids``.

    ``bid_ids`` are the request's bid ids in request order (the engine checked they are unique).
    A validation-only evaluation has no results: the columns stay empty.
    """
    out = batch_pb2.BidColumnsResult(
        method_digest=evaluation.method_digest,
        request_digest=evaluation.request_digest,
        engine_version=evaluation.engine_version,
        warnings=[
            result_pb2.Warning(code=w.code, message=w.message, bid_id=w.bid_id)
            for w in evaluation.warnings
        ],
        currency=evaluation.currency,
        validated_only=evaluation.validated_only,
    )
    if not evaluation.results:
        return out
    by_id = {b.bid_id: b for b in evaluation.results}
    ordered = [by_id[bid_id] for bid_id in bid_ids]
    out.bid_ids.extend(bid_ids)
    out.rank.extend([b.rank for b in ordered])
    out.tied.extend([b.tied for b in ordered])
    out.life_cycle_cost.extend([float(b.life_cycle_cost) for b in ordered])
    out.climate_cost.extend([float(b.climate_cost) for b in ordered])
    out.externality_cost.extend([float(b.externality_cost) for b in ordered])
    out.deductions.extend([float(b.deductions) for b in ordered])
    out.evaluated_cost.extend([float(b.evaluated_cost) for b in ordered])
    out.difference_to_best.extend([float(b.difference_to_best) for b in ordered])
    out.annual_value.extend([float(b.annual_value) for b in ordered])
    out.emissions_total.extend([float(b.emissions_total) for b in ordered])
    out.life_cycle_cost_undiscounted.extend(
        [float(b.life_cycle_cost_undiscounted) for b in ordered]
    )
    return out
