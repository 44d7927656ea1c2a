"""The shortcuts of the engine's result building give the bits of the plain forms they replace.

- :func:`tco.evaluate._constructor` (results made without the frozen ``__init__``) gives objects
  equal to the dataclass's own constructor.
- A ``%`` template (``"%.2f SEK" % x``, used to write every explanation line for many bids at
  once) gives the text of the f-string it replaces (``f"{x:.2f} SEK"``), for every float.
- :func:`tco.rounding.round_array_money_in_place` and the sparse path of
  :func:`tco.rounding.round_array_money` give the bits of the dense path.
- Tenders of many small bids (the streaming shape) and of every evaluation model give the
  evaluation of the frozen engine before the speed work (``tests/tco/legacy``), bit for bit.
- The inline serialisers of :mod:`tco.digest` (small messages, repeated fields) give the
  reference form's text for values of other types than the declared ones.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tco import digest, evaluate, rounding
from tco.inputs import Bid, Item, ModelKind, Quantity, ResourceUse
from tco.prepared import PreparedTender
from tco.results import BidResult, Explanation, Measures, MeasureStatus, Warning

from . import factory as f
from .legacy import evaluate as legacy_evaluate
from .test_golden_outputs import dump


def test_constructor_gives_the_dataclass_own_objects() -> None:
    make = evaluate._constructor(Explanation)
    assert make("q", "f", 1.5, ("a", "b")) == Explanation("q", "f", 1.5, ("a", "b"))
    made = evaluate._constructor(Warning)("CODE", "text", "bid")
    assert made == Warning("CODE", "text", "bid")
    assert type(made) is Warning
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.code = "other"  # type: ignore[misc]
    values = dict.fromkeys((fld.name for fld in dataclasses.fields(Measures)), None)
    values.update(baseline_bid_id="b", net_savings=1.0, sir_status=MeasureStatus.OK)
    assert evaluate._constructor(Measures)(*values.values()) == Measures(**values)  # type: ignore[arg-type]
    fields = [fld.name for fld in dataclasses.fields(BidResult)]
    row = {name: k for k, name in enumerate(fields)}
    assert evaluate._constructor(BidResult)(*row.values()) == BidResult(**row)  # type: ignore[arg-type]


def test_constructor_refuses_other_types() -> None:
    with pytest.raises(TypeError):
        evaluate._constructor(int)


specials = st.sampled_from(
    [0.0, -0.0, 0.005, 0.015, 1.005, 2.675, -2.5, 1e16, 1e50, 1e300, 5e-324, float("inf")]
)


@settings(max_examples=400)
@given(
    value=st.floats(allow_nan=True, allow_infinity=True) | specials,
    spec=st.sampled_from([".0f", ".1f", ".2f", ".3f", ".6g", ".10g"]),
)
def test_percent_templates_write_what_f_strings_write(value: float, spec: str) -> None:
    unit = " SEK %"  # a literal % in the unit is escaped in the template
    template = f"x = %{spec}{evaluate._escape(unit)}"
    assert template % value == f"x = {value:{spec}}{unit}"


def test_lines_of_nonzero_keep_column_order_and_show_nan() -> None:
    values = np.array([[0.0, 2.5, -0.0], [1.0, 0.0, np.nan], [0.0, 0.0, 0.0]])
    lines = evaluate._lines_of_nonzero(values, ("a = %g", "b = %g", "c = %g"))
    assert lines == [("b = 2.5",), ("a = 1", "c = nan"), ()]


arrays = st.lists(
    st.one_of(
        st.just(0.0),
        st.just(-0.0),
        st.floats(allow_nan=True, allow_infinity=True),
        st.integers(-(10**6), 10**6).map(lambda k: k / 200),  # ties at 2 decimals
    ),
    min_size=0,
    max_size=300,
)


@settings(max_examples=200)
@given(values=arrays, digits=st.integers(-2, 4), repeat=st.sampled_from([1, 20]))
def test_in_place_and_sparse_rounding_are_the_dense_rounding(
    values: list[float], digits: int, repeat: int
) -> None:
    array = np.array(values * repeat, dtype=np.float64)  # repeat 20: past the sparse threshold
    with np.errstate(invalid="ignore", over="ignore"):
        dense = rounding._round_dense(array.copy(), digits)
    assert rounding.round_array_money(array, digits).tobytes() == dense.tobytes()
    table = array.copy()
    rounding.round_array_money_in_place(table, digits)
    assert table.tobytes() == dense.tobytes()


def test_in_place_rounding_refuses_views_it_cannot_write() -> None:
    with pytest.raises(ValueError, match="C-contiguous"):
        rounding.round_array_money_in_place(np.zeros((4, 4))[:, ::2], 2)


def _many_bids(model: ModelKind, n_bids: int = 150) -> PreparedTender:
    """Small bids of one or two items, as streamed: energy, maintenance, emissions, pollutants."""
    n = 20
    m = f.method(
        n,
        d=0.035,
        resources=[f.resource("electricity", 1.3, n, escalation=0.01, factor=0.059)],
        carbon=f.carbon_price(0.7, n),
        pollutant_prices={"nox": (80.0, False), "pm": (400.0, True)},
        model=model,
        ladder={1: 0.05, 2: 0.1},
        externality_factor=0.5,
        baseline="b-3",
    )
    m = dataclasses.replace(m, functional_unit="lm")
    rng = np.random.default_rng(11)
    bids = []
    for k in range(n_bids):
        items = [
            f.item(
                quantity=float(rng.integers(1, 20)),
                unit_price=round(float(rng.uniform(500.0, 50_000.0)), 2),
                installation_cost=round(float(rng.uniform(0.0, 2_000.0)), 2),
                service_life=float(rng.integers(3, 26)),
                maintenance=round(float(rng.uniform(0.0, 3_000.0)), 2),
                warranty=float(k % 3),
                end_of_life_cost=float(k % 2) * 12.5,
                resource_use={"electricity": round(float(rng.uniform(10.0, 20_000.0)), 1)},
                emissions={"a1_a3": round(float(rng.uniform(1.0, 2_000.0)), 1), "c1_c4": 3.0},
                pollutants={"nox": 0.25} if k % 4 == 0 else ({"pm": 0.01} if k % 4 == 1 else None),
            )
        ]
        if k % 5 == 0:
            items.append(f.item(unit_price=100.0, service_life=15.0))
        bids.append(
            f.bid(
                f"b-{k}",
                items=items,
                deductions=[1000.0 * (k % 3)] if k % 2 else [],
                ladder_level=k % 3,
                functional_units=float(k % 4) * 1000.0,
            )
        )
    return f.tender(m, *bids)


@pytest.mark.parametrize("model", list(ModelKind))
def test_many_small_bids_give_the_legacy_evaluation(model: ModelKind) -> None:
    tender = _many_bids(model)
    expected = dump(legacy_evaluate.evaluate_prepared(tender, method_digest="m"))
    assert dump(evaluate.evaluate_prepared(tender, method_digest="m")) == expected
    assert dump(evaluate.evaluate_prepared(tender, method_digest="m", part_bids=40)) == expected


def test_inline_serialisers_fall_back_for_other_types() -> None:
    item = Item(
        name="lamp",
        quantity=2,  # an int in a float field
        unit_price=Quantity(3, "SEK"),  # an int value inside a small message
        installation_cost=Quantity(-0.0, 'S"E\nK'),
        service_life=Quantity(float("nan"), "years"),
        resource_use=[ResourceUse("electricity", Quantity(1.5, "kWh"))],  # type: ignore[arg-type]
        costs=(),
    )
    bid = Bid(id="b", items=(item, Item()), costs=[], deductions=())  # type: ignore[arg-type]
    for value, hint in ((item, Item), (bid, Bid), (Quantity(1e16, "x"), Quantity)):
        assert digest._encoder(hint)(value) == digest._reference(value, hint)
