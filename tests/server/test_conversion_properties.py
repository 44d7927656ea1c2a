"""Properties of the conversions on random input (no frozen copy: each side is the contract).

- A request within the limits always converts (:func:`convert_in.to_tender` never raises).
- Columns give the tender of the request they stand for (the contract's definition,
  :func:`columns.columns_to_request`), down to ``-0.0`` and NaN (compared by ``repr``).
- The cash-flow rows written in the wire format are the rows built as messages.
"""

from __future__ import annotations

import math
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tco import inputs as d
from tco.errors import InvalidTender
from tco.evaluate import evaluate
from tco_server import columns, convert_in, convert_out
from tco_server.limits import Limits, RequestTooLargeError, check_request
from tcoapi.v1 import batch_pb2, result_pb2, tender_pb2
from tests.fuzz.strategies import near_valid_requests, requests
from tests.server.conftest import load_sample_request
from tests.server.conversion_cases import columns as full_columns

SAMPLE = load_sample_request().SerializeToString()
SETTINGS: dict[str, Any] = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}


@settings(max_examples=200, **SETTINGS)
@given(request=requests(SAMPLE))
def test_a_request_within_the_limits_always_converts(
    request: tender_pb2.EvaluateBidsRequest,
) -> None:
    try:
        check_request(request, Limits())
    except (InvalidTender, RequestTooLargeError):
        return
    assert isinstance(convert_in.to_tender(request), d.Tender)


@settings(max_examples=60, **SETTINGS)
@given(request=near_valid_requests(SAMPLE, max_mutations=2))
def test_cash_flow_rows_on_the_wire_are_the_rows_as_messages(
    request: tender_pb2.EvaluateBidsRequest,
) -> None:
    try:
        evaluation = evaluate(convert_in.to_tender(request))
    except (InvalidTender, KeyError):
        return
    for b in evaluation.results:
        wire = result_pb2.BidResult.FromString(convert_out._cash_flow_bytes(b) or b"")
        plain = result_pb2.BidResult(cash_flow=convert_out._cash_flows(b))
        assert wire.SerializeToString(deterministic=True) == plain.SerializeToString(
            deterministic=True
        )


# -- columns ------------------------------------------------------------------------------------

_COLUMN_VALUES = st.one_of(
    st.sampled_from([0.0, -0.0, 1.0, 12.0, 250.5, math.nan, math.inf, -3.0]),
    st.floats(allow_nan=True, allow_infinity=True),
)


@st.composite
def bid_columns(draw: st.DrawFn) -> batch_pb2.BidColumns:
    """Columns of 1..25 rows: random columns left out, repeated and odd values, extra resources."""
    rows = draw(st.integers(1, 25))
    c = full_columns(rows, seed=draw(st.integers(0, 9)))
    for name in ("ids", "quantity", "functional_units_delivered"):
        if draw(st.booleans()):
            c.ClearField(name)
    names = [
        "unit_price",
        "installation_cost",
        "service_life",
        "maintenance_cost",
        "warranty",
        "end_of_life_cost",
        "residual_value",
        "emissions_a1_a3",
        "emissions_c1_c4",
    ]
    for name in names:
        choice = draw(st.sampled_from(["keep", "keep", "clear", "constant", "odd"]))
        column = getattr(c, name)
        if choice == "clear":
            c.ClearField(name)  # type: ignore[arg-type]
        elif choice == "constant":
            value = draw(_COLUMN_VALUES)
            column.values[:] = [value] * rows
        elif choice == "odd":
            column.values[:] = draw(st.lists(_COLUMN_VALUES, min_size=rows, max_size=rows))
    for _ in range(draw(st.integers(0, 2))):
        extra = c.resource_use.add(resource=draw(st.sampled_from(["diesel", "water", "x"])))
        if draw(st.booleans()):
            extra.amount.unit = "l/year"
            extra.amount.values.extend(draw(st.lists(_COLUMN_VALUES, min_size=rows, max_size=rows)))
    if draw(st.booleans()):
        c.ClearField("resource_use")
    c.method.baseline_bid_id = "" if not c.ids else c.ids[0]
    return c


@settings(max_examples=150, **SETTINGS)
@given(c=bid_columns())
def test_columns_give_the_tender_of_the_request_they_stand_for(c: batch_pb2.BidColumns) -> None:
    got = columns.columns_to_tender(c)
    assert repr(convert_in.to_tender(columns.columns_to_request(c))) == repr(got)


def test_shared_keeps_signed_zeros_and_nans_apart() -> None:
    def make_many(values: list[float]) -> list[d.Quantity]:
        return [convert_in.new_quantity(v, "SEK") for v in values]

    zeros = [0.0, -0.0, 0.0, -0.0, 0.0, 0.0]
    assert repr(columns._shared(zeros, make_many)) == repr(make_many(zeros))
    values = [1.0, 1.0, 1.0, float("nan"), float("nan"), 2.0, 1.0, 1.0, 2.0]  # two NaN objects
    shared = columns._shared(values, make_many)
    assert shared[0] is shared[1] is shared[2] is shared[6]
    assert shared[3] is not shared[4]  # NaN != NaN: never merged (only the same object is)
    assert repr(shared) == repr(make_many(values))
