"""``BidColumns`` (one-item bids as flat columns) -> domain tender, and results ->
``BidColumnsResult``: mechanical, like :mod:`tco_server.convert_in` / :mod:`tco_server.convert_out`.

The contract (``proto/tcoapi/v1/batch.proto``) defines ``BidColumns`` by the
``EvaluateBidsRequest`` it stands for (row ``i`` is the bid ``{id: ids[i], items: [{quantity:
quantity[i], unit_price: {unit_price.values[i], unit_price.unit}, ...}]}``), spelled out by
:func:`columns_to_request` (for the tests and a reader; the service does not call it).
:func:`columns_to_tender` builds the domain tender straight from the columns, column by column
(:func:`tco.construct.many`), equal values sharing one frozen object: the point of the columnar
form (BENCHMARKS.md, Streaming). ``tests/server/test_conversion_properties.py`` pins that
``convert_in.to_tender(columns_to_request(c)) == columns_to_tender(c)``.

:func:`check_columns` checks the shape first (rows within the limits, columns ``rows`` long,
string lengths) with ``columns.*`` paths; the engine reports the rest with the paths of the
equivalent request. :func:`result_columns` gives each bid's headline figures in request order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import repeat
from typing import TypeVar

from tco import inputs as d
from tco import results as r
from tco.construct import many
from tco.errors import FieldViolation, InvalidTender
from tco_server import convert_in, convert_out
from tco_server.limits import Limits, RequestTooLargeError, SizeViolation, check_request
from tcoapi.v1 import batch_pb2, result_pb2, tender_pb2

T = TypeVar("T")

QUANTITY = ("value", "unit")
RESOURCE_USE = ("resource", "amount", "activity")
EMISSIONS = ("a1_a3", "a4", "a5", "c1_c4", "d")

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


#: The money and emission figures of ``BidColumnsResult``, one float column each.
_MONEY_RESULTS = [
    "life_cycle_cost",
    "climate_cost",
    "externality_cost",
    "deductions",
    "evaluated_cost",
    "difference_to_best",
    "annual_value",
    "emissions_total",
    "life_cycle_cost_undiscounted",
]


def default_ids(rows: int) -> list[str]:
    """The bid ids of a BidColumns without ``ids``: the row index in decimal."""
    return [str(i) for i in range(rows)]


def check_columns(columns: batch_pb2.BidColumns, limits: Limits) -> None:
    """Refuse columns that break a limit or do not have ``rows`` values; quiet otherwise.

    Raises :class:`RequestTooLargeError` (INVALID_ARGUMENT: more rows than ``max_bids``, more
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
    names = [(f"columns.ids[{i}]", bid_id) for i, bid_id in enumerate(columns.ids)]
    names += [
        (f"columns.resource_use[{k}].resource", use.resource)
        for k, use in enumerate(columns.resource_use)
    ]
    for path, name in names:
        if len(name) > limits.max_id_length:
            out.append(
                FieldViolation(path, f"at most {limits.max_id_length} characters, got {len(name)}")
            )
    named = [
        (f"columns.{name}", getattr(columns, name)) for name, _ in ITEM_COLUMNS + EMISSION_COLUMNS
    ]
    named += [
        (f"columns.resource_use[{k}].amount", use.amount)
        for k, use in enumerate(columns.resource_use)
    ]
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


def _shared(values: list[float], make_many: Callable[[list[float]], list[T]]) -> list[T]:
    """``make_many(values)``, with one object per distinct value when values repeat.

    The domain objects are frozen, so rows with equal values can hold the same object: fewer
    objects to build and to keep (a column of service lives in whole years has a few dozen
    distinct values in a thousand rows). Equal means the same float *and* the same sign of
    zero: a column holding a zero is built row by row, since ``0.0 == -0.0`` would merge them.
    A NaN is never equal to another, so each gets its own object, as it would anyway.
    """
    distinct = set(values)
    if 0.0 in distinct or 2 * len(distinct) > len(values):
        return make_many(values)
    keys = list(distinct)
    made = dict(zip(keys, make_many(keys), strict=True))
    return list(map(made.__getitem__, values))


def _quantities(column: batch_pb2.Column, rows: int) -> list[d.Quantity | None]:
    """The column's Quantity of each row, or None for every row when it has no values."""
    values = list(column.values)
    if not values:
        return [None] * rows
    unit = column.unit

    def make_many(v: list[float]) -> list[d.Quantity | None]:
        return list(many(d.Quantity, len(v), v, repeat(unit), order=QUANTITY))

    return _shared(values, make_many)


def _resource_uses(use: batch_pb2.ResourceColumn, rows: int) -> list[d.ResourceUse]:
    """The ResourceUse of each row for one resource column (shared like the quantities)."""
    resource = use.resource
    values = list(use.amount.values)
    if not values:
        return [convert_in.new_resource_use(resource, None, None)] * rows
    unit = use.amount.unit

    def make_many(v: list[float]) -> list[d.ResourceUse]:
        amounts = many(d.Quantity, len(v), v, repeat(unit), order=QUANTITY)
        return many(
            d.ResourceUse, len(v), repeat(resource), amounts, repeat(None), order=RESOURCE_USE
        )

    return _shared(values, make_many)


def columns_to_tender(columns: batch_pb2.BidColumns) -> d.Tender:
    """The domain tender of the columns: equal to ``to_tender(columns_to_request(columns))``.

    Expects columns that passed :func:`check_columns`. Nothing is checked or converted here (that
    is the engine's job); a number goes through as it is.

    Built column by column rather than row by row: each field's values for all rows at once,
    the domain objects by the :func:`tco.construct.many` (no Python
    frame per object), equal values sharing one frozen object (:func:`_shared`).
    """
    rows = columns.rows
    method = convert_in.to_method(columns.method)
    ids = list(columns.ids) or default_ids(rows)
    quantity = list(columns.quantity) or [1.0] * rows
    delivered = list(columns.functional_units_delivered) or [0.0] * rows
    item_columns = {
        item_field: _quantities(getattr(columns, name), rows) for name, item_field in ITEM_COLUMNS
    }
    emissions: list[d.Emissions]
    if columns.emissions_a1_a3.values or columns.emissions_c1_c4.values:
        a1_a3 = _quantities(columns.emissions_a1_a3, rows)
        c1_c4 = _quantities(columns.emissions_c1_c4, rows)
        none = repeat(None)
        emissions = many(d.Emissions, rows, a1_a3, none, none, c1_c4, none, order=EMISSIONS)
    else:
        emissions = [convert_in.NO_EMISSIONS] * rows
    resource_use: list[tuple[d.ResourceUse, ...]]
    if columns.resource_use:
        per_resource = [_resource_uses(u, rows) for u in columns.resource_use]
        resource_use = list(zip(*per_resource, strict=True))
    else:
        resource_use = [()] * rows
    items = many(
        d.Item,
        rows,
        repeat(""),
        quantity,
        item_columns["unit_price"],
        item_columns["installation_cost"],
        item_columns["service_life"],
        resource_use,
        item_columns["maintenance_cost"],
        item_columns["warranty"],
        item_columns["end_of_life_cost"],
        item_columns["residual_value"],
        emissions,
        repeat(()),
        repeat(()),
        repeat(None),  # price_escalation: not a column
        order=convert_in.ITEM_FIELDS,
    )
    bids = many(
        d.Bid,
        rows,
        ids,
        repeat(""),
        list(zip(items)),  # one-item tuples
        repeat(()),
        repeat(()),
        repeat(0),
        repeat(None),
        delivered,
        order=convert_in.BID_FIELDS,
    )
    return d.Tender(method=method, bids=tuple(bids))


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
        rate_basis=convert_out.RATE_BASIS[evaluation.rate_basis],
        analysis_discount_rate=float(evaluation.analysis_discount_rate),
        evaluation_digest=evaluation.evaluation_digest,
        data_version=evaluation.data_version,
    )
    if not evaluation.results:
        return out
    by_id = {b.bid_id: b for b in evaluation.results}
    ordered = [by_id[bid_id] for bid_id in bid_ids]
    out.bid_ids.extend(bid_ids)
    out.rank.extend([b.rank for b in ordered])
    out.tied.extend([b.tied for b in ordered])
    for name in _MONEY_RESULTS:
        getattr(out, name).extend([float(getattr(b, name)) for b in ordered])
    return out
