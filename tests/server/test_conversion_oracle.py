"""The optimised conversions give what the plain versions gave, on random input.

The plain versions are frozen copies in ``tests/server/reference_*.py``. Domain objects are
compared by ``repr`` (which shows ``-0.0`` and NaN, where ``==`` would not), messages by their
deterministic serialization; an input the plain version refused with an exception must be
refused with the same exception type.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tco import inputs as d
from tco.errors import InvalidTender
from tco.evaluate import evaluate
from tco_server import columns, convert_in, convert_out
from tcoapi.v1 import batch_pb2, tender_pb2
from tests.fuzz.strategies import near_valid_requests, requests
from tests.server import reference_columns, reference_convert_in, reference_convert_out
from tests.server.conftest import load_sample_request
from tests.server.conversion_cases import columns as full_columns

SAMPLE = load_sample_request().SerializeToString()
SETTINGS: dict[str, Any] = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}


def _tender_or_error(fn: Any, arg: Any) -> str:
    try:
        return repr(fn(arg))
    except Exception as error:  # the plain version's refusal, by type
        return f"raised {type(error).__name__}"


@settings(max_examples=300, **SETTINGS)
@given(request=requests(SAMPLE))
def test_to_tender_equals_the_plain_conversion(request: tender_pb2.EvaluateBidsRequest) -> None:
    expected = _tender_or_error(reference_convert_in.to_tender, request)
    assert _tender_or_error(convert_in.to_tender, request) == expected


@settings(max_examples=80, **SETTINGS)
@given(request=near_valid_requests(SAMPLE, max_mutations=2))
def test_to_response_bytes_equal_the_plain_conversion(
    request: tender_pb2.EvaluateBidsRequest,
) -> None:
    try:
        evaluation = evaluate(reference_convert_in.to_tender(request))
    except (InvalidTender, KeyError):
        return
    for summary in (False, True):
        expected = reference_convert_out.to_response(evaluation, summary=summary)
        got = convert_out.to_response(evaluation, summary=summary)
        assert got.SerializeToString(deterministic=True) == expected.SerializeToString(
            deterministic=True
        )
        assert got == expected


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


@settings(max_examples=200, **SETTINGS)
@given(c=bid_columns())
def test_columns_to_tender_equals_the_plain_conversion(c: batch_pb2.BidColumns) -> None:
    expected = reference_columns.columns_to_tender(c)
    got = columns.columns_to_tender(c)
    assert repr(got) == repr(expected)
    # and the contract's definition, through the request it stands for
    assert repr(convert_in.to_tender(columns.columns_to_request(c))) == repr(got)


def _violations(tender: d.Tender) -> list[tuple[str, str]]:
    try:
        evaluate(tender, validate_only=True)
    except InvalidTender as error:
        return [(v.field, v.description) for v in error.violations]
    return []


@settings(max_examples=40, **SETTINGS)
@given(c=bid_columns())
def test_result_columns_equal_the_plain_conversion(c: batch_pb2.BidColumns) -> None:
    """The same results; or, for an invalid tender, the same engine errors (shared objects
    must not change a path)."""
    tender = reference_columns.columns_to_tender(c)
    expected_errors = _violations(tender)
    assert _violations(columns.columns_to_tender(c)) == expected_errors
    if expected_errors:
        return
    evaluation = evaluate(tender)
    ids = [b.id for b in tender.bids]
    expected = reference_columns.result_columns(evaluation, ids)
    got = columns.result_columns(evaluation, ids)
    assert got.SerializeToString(deterministic=True) == expected.SerializeToString(
        deterministic=True
    )


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


# -- the fast dataclass constructors --------------------------------------------------------------

MAKERS = [v for n, v in vars(convert_in).items() if n.startswith("new_") and v.__name__ == "make"]
BULK_MAKERS: dict[Any, type] = {
    convert_in.new_quantities: d.Quantity,
    convert_in.new_resource_uses: d.ResourceUse,
    convert_in.new_emissions_many: d.Emissions,
    convert_in.new_items: d.Item,
    convert_in.new_bids: d.Bid,
}


def _fields(make: Any) -> tuple[type, tuple[str, ...]]:
    cls = make.__globals__["cls_"]
    return cls, make.__code__.co_varnames[: make.__code__.co_argcount]


@pytest.mark.parametrize("make", MAKERS, ids=lambda m: m.__code__.co_filename)
def test_makers_build_what_the_constructor_builds(make: Any) -> None:
    """Every field set, same class, equal and same repr as the dataclass ``__init__``'s."""
    cls, names = _fields(make)
    values = [f"v{i}" for i in range(len(names))]
    built = make(*values)
    assert type(built) is cls
    assert built == cls(**dict(zip(names, values, strict=True)))
    assert repr(built) == repr(cls(**dict(zip(names, values, strict=True))))
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(built, names[0], "changed")


def test_every_bulk_maker_builds_what_the_constructor_builds() -> None:
    every = {n for n, v in vars(convert_in).items() if n.startswith("new_")}
    bulk = {n for n in every if getattr(convert_in, n).__name__ == "make_many"}
    assert bulk == {n for n in every if getattr(convert_in, n) in BULK_MAKERS}
    for make_many, cls in BULK_MAKERS.items():
        names = [f.name for f in dataclasses.fields(cls)]
        rows = 4
        columns_ = [[f"{name}{i}" for i in range(rows)] for name in names]
        built = make_many(rows, *columns_)
        expected = [
            cls(**{name: column[i] for name, column in zip(names, columns_, strict=True)})
            for i in range(rows)
        ]
        assert [type(b) for b in built] == [cls] * rows
        assert built == expected
        assert repr(built) == repr(expected)
        with pytest.raises(ValueError, match="a column of 4 values for 5 rows"):
            make_many(rows + 1, *columns_)


def test_maker_refuses_a_wrong_field_list_and_falls_back_for_post_init() -> None:
    with pytest.raises(TypeError):
        convert_in.maker(d.Quantity, "value")

    @dataclasses.dataclass(frozen=True, slots=True)
    class Checked:
        value: float

        def __post_init__(self) -> None:
            if self.value < 0:
                raise ValueError("negative")

    make = convert_in.maker(Checked, "value")
    assert make(1.0) == Checked(1.0)
    with pytest.raises(ValueError, match="negative"):
        make(-1.0)
