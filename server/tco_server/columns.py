"""``BidColumns`` (a tender of one-item bids as flat columns) -> domain tender, and results ->
``BidColumnsResult``: mechanical, like :mod:`tco_server.convert_in` / :mod:`tco_server.convert_out`.

The contract (``proto/tcoapi/v1/batch.proto``) defines a ``BidColumns`` message by the
``EvaluateBidsRequest`` it stands for: row ``i`` is the bid ``{id: ids[i], items: [{quantity:
quantity[i], unit_price: {unit_price.values[i], unit_price.unit}, ...}]}``. Two functions spell
that out:

- :func:`columns_to_request` builds that equivalent request (proto to proto). It is the
  definition, used by the tests and handy for a reader; the service does not call it.
- :func:`columns_to_tender` builds the domain :class:`tco.inputs.Tender` straight from the
  columns, without a nested proto message per bid: the point of the columnar form. Measured on
  1 000 one-item bids (2 shared cores, 2026-11-22): decode + checks + domain objects about 20 ms
  from columns (64 kB on the wire) against about 70 ms from the equivalent nested request
  (167 kB), most of what is left being the construction of the frozen domain dataclasses.
  ``tests/server/test_stream.py`` pins that ``convert_in.to_tender(columns_to_request(c)) ==
  columns_to_tender(c)``, so both give the same results and the same request digest.

:func:`check_columns` checks the shape first (row count within the limits, every column with
values exactly ``rows`` long, string lengths), raising the same errors as
:mod:`tco_server.limits` with ``columns.*`` paths; anything else is the engine's to find, and it
reports it with the paths of the equivalent request (``bids[7].items[0].unit_price.value``).

:func:`result_columns` turns an evaluation into ``BidColumnsResult``: the headline figures of each
bid in request order (the engine returns them in rank order).
"""

from __future__ import annotations

from collections.abc import Sequence

from tco import inputs as d
from tco import results as r
from tco.errors import FieldViolation, InvalidTender
from tco_server import convert_in
from tco_server.limits import Limits, RequestTooLargeError, SizeViolation, check_request
from tcoapi.v1 import batch_pb2, result_pb2, tender_pb2

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


# -- checks ------------------------------------------------------------------------------------


def check_columns(columns: batch_pb2.BidColumns, limits: Limits) -> None:
    """Refuse columns that break a limit or do not have ``rows`` values; quiet otherwise.

    Raises :class:`RequestTooLargeError` (RESOURCE_EXHAUSTED: more rows than ``max_bids``, more
    resource entries than ``max_total_streams``) or :class:`InvalidTender` (INVALID_ARGUMENT:
    row count below 1, a column of the wrong length, an over-long id, unit or resource name; and
    everything :func:`tco_server.limits.check_request` finds in the method).
    """
    rows = columns.rows
    sizes: list[SizeViolation] = []
    if rows > limits.max_bids:
        sizes.append(
            SizeViolation(
                "columns.rows", f"at most {limits.max_bids} rows, got {rows}", "TOO_MANY_BIDS"
            )
        )
    elif rows > limits.max_total_items:
        sizes.append(
            SizeViolation(
                "columns.rows",
                f"at most {limits.max_total_items} items, got {rows}",
                "TOO_MANY_ITEMS",
            )
        )
    streams = rows * len(columns.resource_use)
    if streams > limits.max_total_streams:
        sizes.append(
            SizeViolation(
                "columns.resource_use",
                f"at most {limits.max_total_streams} resource uses over all rows, got {streams}",
                "TOO_MANY_STREAMS",
            )
        )
    if sizes:
        raise RequestTooLargeError(sizes)
    # The method alone, through the same checks as an EvaluateBids request (paths "method.*").
    check_request(tender_pb2.EvaluateBidsRequest(method=columns.method), limits)

    out: list[FieldViolation] = []
    if rows < 1:
        out.append(FieldViolation("columns.rows", f"at least 1 row, got {rows}"))

    def length(path: str, n: int) -> None:
        if n not in (0, rows):
            out.append(FieldViolation(path, f"expected {rows} values (rows) or none, got {n}"))

    length("columns.ids", len(columns.ids))
    length("columns.quantity", len(columns.quantity))
    length("columns.functional_units_delivered", len(columns.functional_units_delivered))
    for i, bid_id in enumerate(columns.ids):
        if len(bid_id) > limits.max_id_length:
            out.append(
                FieldViolation(
                    f"columns.ids[{i}]",
                    f"at most {limits.max_id_length} characters, got {len(bid_id)}",
                )
            )
    named = [
        (f"columns.{name}", getattr(columns, name)) for name, _ in ITEM_COLUMNS + EMISSION_COLUMNS
    ]
    for k, resource in enumerate(columns.resource_use):
        path = f"columns.resource_use[{k}]"
        if len(resource.resource) > limits.max_id_length:
            out.append(
                FieldViolation(
                    f"{path}.resource",
                    f"at most {limits.max_id_length} characters, got {len(resource.resource)}",
                )
            )
        named.append((f"{path}.amount", resource.amount))
    for path, column in named:
        length(f"{path}.values", len(column.values))
        if len(column.unit) > limits.max_unit_length:  # the wording of tco.units
            out.append(
                FieldViolation(
                    f"{path}.unit",
                    f"unit is {len(column.unit)} characters long; at most "
                    f"{limits.max_unit_length} allowed",
                )
            )
    if out:
        raise InvalidTender(out)


# -- columns -> tender -------------------------------------------------------------------------


def columns_to_request(columns: batch_pb2.BidColumns) -> tender_pb2.EvaluateBidsRequest:
    """The EvaluateBidsRequest the columns stand for (the contract's definition, spelled out).

    Expects columns that passed :func:`check_columns` (lengths match ``rows``).
    """
    rows = columns.rows
    ids = list(columns.ids) or default_ids(rows)
    request = tender_pb2.EvaluateBidsRequest(validate_only=columns.validate_only)
    request.method.CopyFrom(columns.method)
    for i in range(rows):
        bid = request.bids.add(id=ids[i])
        if columns.functional_units_delivered:
            bid.functional_units_delivered = columns.functional_units_delivered[i]
        item = bid.items.add(quantity=columns.quantity[i] if columns.quantity else 1.0)
        for column_name, item_field in ITEM_COLUMNS:
            column: batch_pb2.Column = getattr(columns, column_name)
            if column.values:
                getattr(item, item_field).CopyFrom(
                    tender_pb2.Quantity(value=column.values[i], unit=column.unit)
                )
        for resource in columns.resource_use:
            use = item.resource_use.add(resource=resource.resource)
            if resource.amount.values:
                use.amount.value = resource.amount.values[i]
                use.amount.unit = resource.amount.unit
        for column_name, module in EMISSION_COLUMNS:
            column = getattr(columns, column_name)
            if column.values:
                getattr(item.emissions, module).CopyFrom(
                    tender_pb2.Quantity(value=column.values[i], unit=column.unit)
                )
    return request


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
