"""Properties of the calculation core, checked on random tenders (hypothesis)."""

from __future__ import annotations

import dataclasses

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tco.evaluate import evaluate_prepared
from tco.expand import expand_tender
from tco.inputs import Timing
from tco.kernel import present_value_totals, time_grid
from tco.prepared import PreparedBid, PreparedItem, PreparedMethod, PreparedStream, PreparedTender
from tco.results import Evaluation

from . import factory as f

money = st.floats(min_value=0.0, max_value=1e6, allow_nan=False, allow_infinity=False)
small_money = st.floats(min_value=0.0, max_value=1e4, allow_nan=False, allow_infinity=False)
kg = st.floats(min_value=0.0, max_value=1e4, allow_nan=False, allow_infinity=False)


@st.composite
def methods(draw: st.DrawFn, carbon: float | None = None) -> PreparedMethod:
    n = draw(st.integers(min_value=1, max_value=15))
    electricity = f.resource(
        "electricity",
        draw(st.floats(min_value=0.0, max_value=3.0)),
        n,
        escalation=draw(st.floats(min_value=-0.05, max_value=0.1)),
        factor=draw(st.floats(min_value=0.0, max_value=1.0)),
    )
    price = draw(st.floats(min_value=0.0, max_value=5.0)) if carbon is None else carbon
    return f.method(
        n,
        draw(st.floats(min_value=0.0, max_value=0.12)),
        timing=draw(st.sampled_from(list(Timing))),
        resources=[electricity],
        carbon=f.carbon_price(price, n),
    )


@st.composite
def streams(draw: st.DrawFn, n: int) -> PreparedStream:
    every = draw(st.integers(min_value=0, max_value=3))
    return f.stream(
        draw(small_money),
        category=draw(st.sampled_from(["maintenance", "operation", "other", "replacement"])),
        first_year=draw(st.integers(min_value=0, max_value=n)),
        every_years=every,
        last_year=draw(st.integers(min_value=0, max_value=n)),
        escalation=draw(st.floats(min_value=-0.05, max_value=0.1)),
        life=draw(st.none() | st.floats(min_value=0.5, max_value=20.0)),
        emissions=draw(kg),
    )


@st.composite
def items(draw: st.DrawFn, n: int) -> PreparedItem:
    return f.item(
        quantity=draw(st.floats(min_value=0.1, max_value=50.0)),
        unit_price=draw(money),
        installation_cost=draw(small_money),
        service_life=draw(st.none() | st.floats(min_value=0.5, max_value=25.0)),
        resource_use={"electricity": draw(st.floats(min_value=0.0, max_value=1e4))},
        maintenance=draw(small_money),
        warranty=draw(st.floats(min_value=0.0, max_value=6.0)),
        end_of_life_cost=draw(small_money),
        residual_value=draw(st.none() | small_money),
        emissions={"a1_a3": draw(kg), "c1_c4": draw(kg), "d": -draw(kg)},
        costs=draw(st.lists(streams(n), max_size=2)),
    )


@st.composite
def tenders(draw: st.DrawFn, min_bids: int = 1) -> PreparedTender:
    method = draw(methods())
    n = method.study_period_years
    count = draw(st.integers(min_value=min_bids, max_value=4))
    bids = [
        f.bid(
            f"bid-{i}",
            items=draw(st.lists(items(n), min_size=0, max_size=2)),
            costs=draw(st.lists(streams(n), max_size=2)),
        )
        for i in range(count)
    ]
    return f.tender(method, *bids)


def fingerprint(evaluation: Evaluation) -> list[object]:
    out: list[object] = [evaluation.warnings]
    for r in evaluation.results:
        out.append(
            (
                r.bid_id,
                r.rank,
                r.tied,
                [x.hex() for x in (r.life_cycle_cost, r.climate_cost, r.evaluated_cost)],
                r.cost_by_category,
                r.emissions_by_module,
                r.emissions_by_year,
                r.explanations,
                r.cash_flow_undiscounted.tobytes(),
                r.cash_flow_discounted.tobytes(),
            )
        )
    return out


def _scaled(stream: PreparedStream, factor: float) -> PreparedStream:
    return dataclasses.replace(stream, amount=stream.amount * factor)


@settings(max_examples=60)
@given(
    method=methods(),
    data=st.data(),
    factor=st.just(0.0) | st.floats(min_value=1e-6, max_value=100.0),
)
def test_present_value_is_linear_in_amounts(
    method: PreparedMethod, data: st.DataObject, factor: float
) -> None:
    n = method.study_period_years
    first = data.draw(st.lists(streams(n), min_size=1, max_size=3))
    second = data.draw(st.lists(streams(n), min_size=1, max_size=3))

    def pv(costs: list[PreparedStream]) -> float:
        tender = f.tender(method, f.bid("A", costs=costs))
        table = expand_tender(tender)
        return float(present_value_totals(table, time_grid(table.group_times, method))[0])

    scale = abs(pv(first)) + abs(pv(second)) + 1.0
    assert (
        abs(pv([_scaled(s, factor) for s in first]) - factor * pv(first)) <= 1e-9 * factor * scale
    )
    assert abs(pv(first + second) - (pv(first) + pv(second))) <= 1e-9 * scale


@settings(max_examples=40)
@given(tender=tenders(), data=st.data())
def test_a_zero_stream_changes_nothing(tender: PreparedTender, data: st.DataObject) -> None:
    n = tender.method.study_period_years
    zero = dataclasses.replace(data.draw(streams(n)), amount=0.0, emissions=0.0)
    target = data.draw(st.integers(min_value=0, max_value=len(tender.bids) - 1))
    bids = list(tender.bids)
    bids[target] = dataclasses.replace(bids[target], costs=(*bids[target].costs, zero))
    padded = dataclasses.replace(tender, bids=tuple(bids))
    assert fingerprint(evaluate_prepared(padded)) == fingerprint(evaluate_prepared(tender))


@settings(max_examples=40)
@given(tender=tenders(min_bids=2), data=st.data())
def test_permuting_bids_permutes_results(tender: PreparedTender, data: st.DataObject) -> None:
    order = data.draw(st.permutations(range(len(tender.bids))))
    permuted = dataclasses.replace(tender, bids=tuple(tender.bids[i] for i in order))
    original = {r.bid_id: r for r in evaluate_prepared(tender).results}
    shuffled = {r.bid_id: r for r in evaluate_prepared(permuted).results}
    assert original.keys() == shuffled.keys()
    for bid_id, result in original.items():
        other = shuffled[bid_id]
        assert (other.rank, other.tied) == (result.rank, result.tied)
        assert other.evaluated_cost == result.evaluated_cost
        assert other.cost_by_category == result.cost_by_category
        assert np.array_equal(other.cash_flow_discounted, result.cash_flow_discounted)
        assert other.emissions_by_year == result.emissions_by_year


def _emitter(base: PreparedItem, extra_kg: float) -> PreparedBid:
    more = dict(base.emissions)
    more["a1_a3"] = more.get("a1_a3", 0.0) + extra_kg
    return f.bid("HIGH", items=[dataclasses.replace(base, emissions=more)])


@settings(max_examples=40)
@given(
    method=methods(carbon=1.0),
    data=st.data(),
    extra=st.floats(min_value=0.0, max_value=1e5),
    low_price=st.floats(min_value=0.0, max_value=5.0),
    increase=st.floats(min_value=0.0, max_value=5.0),
)
def test_a_higher_carbon_price_never_helps_the_higher_emitting_bid(
    method: PreparedMethod,
    data: st.DataObject,
    extra: float,
    low_price: float,
    increase: float,
) -> None:
    n = method.study_period_years
    base = data.draw(items(n))
    other_price = data.draw(money)
    low = f.bid("LOW", items=[base], costs=[f.stream(other_price, category="other")])
    high = _emitter(base, extra)

    def gap(price: float) -> float:
        priced = dataclasses.replace(method, carbon_price=f.carbon_price(price, n))
        results = {r.bid_id: r for r in evaluate_prepared(f.tender(priced, low, high)).results}
        return results["HIGH"].evaluated_cost - results["LOW"].evaluated_cost

    # evaluated costs are rounded to 0.01 each: allow one minor unit either way
    assert gap(low_price + increase) >= gap(low_price) - 0.02 - 1e-9


@settings(max_examples=30)
@given(tender=tenders())
def test_identical_inputs_give_identical_outputs(tender: PreparedTender) -> None:
    copy = dataclasses.replace(tender, bids=tuple(dataclasses.replace(b) for b in tender.bids))
    assert fingerprint(evaluate_prepared(tender)) == fingerprint(evaluate_prepared(copy))
