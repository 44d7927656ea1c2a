"""Random prepared tenders (hypothesis strategies) and the engine's bit-exactness properties.

The strategies reach every path of the engine: all timing conventions, real and nominal
analyses, every evaluation model, yearly escalation and emission-factor series, fractional
lives (months), warranties, stated residual values, negative amounts, streams of every kind,
pollutants, module D, a baseline, circularity and functional units. ``test_reference_model``
checks the figures against the reference model on them; the properties here are the ones a
reference model cannot see: the same tender gives the same bits, whatever the order of the bids,
the parts it is computed in, or a zero stream added; the digests follow their documented rules.
Ranking and MCI properties at the end.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import math
import typing
from collections.abc import Mapping

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tco import digest
from tco.circularity import mci
from tco.evaluate import evaluate_prepared
from tco.inputs import ModelKind, RateBasis, Tender, Timing
from tco.models import competition_rank, rank_bids
from tco.prepared import (
    CATEGORIES,
    MODULES,
    PreparedCircularity,
    PreparedItem,
    PreparedMethod,
    PreparedStream,
    PreparedTender,
)

from . import factory as f
from .test_golden_outputs import canonical, dump

#: Amounts whose decimal form ends in 5 at the rounding position, and other awkward ones.
TRICKY = [0.0, 1.005, 2.675, 0.125, 1234.565, 0.5, 2.5, 1e-9, 1e12 + 0.5, 99999.995, 7.0]
money = st.one_of(
    st.sampled_from(TRICKY),
    st.floats(min_value=0.0, max_value=1e6, allow_nan=False, allow_infinity=False),
)
signed = st.one_of(money, money.map(lambda x: -x))
rates = st.one_of(st.just(0.0), st.floats(min_value=-0.05, max_value=0.15))
lives = st.one_of(
    st.none(),
    st.integers(min_value=1, max_value=40).map(float),
    st.integers(min_value=4, max_value=400).map(lambda months: months / 12),
    st.floats(min_value=0.3, max_value=45.0),
)
RESOURCES = (("electricity", "kWh"), ("diesel", "l"), ("water", "m**3"))
POLLUTANTS = ("nox", "pm", "nmhc")
CIRCULARITY = PreparedCircularity(450.0, 0.2, 0.6, 0.0, 0.25, 0.7, 0.0, 0.0, 0.85, 0.85, 1.25, 1.0)


@st.composite
def methods(
    draw: st.DrawFn, timing: Timing | None = None, nominal: bool | None = None
) -> PreparedMethod:
    """A method; ``timing`` and ``nominal`` fix the timing convention and the rate basis."""
    n = draw(st.integers(min_value=1, max_value=30))

    def yearly(size: int, values: st.SearchStrategy[float]) -> float | list[float]:
        return draw(values | st.lists(values, min_size=size, max_size=size))

    resources = [
        f.resource(
            name,
            draw(st.floats(min_value=-1.0, max_value=20.0)),
            n,
            unit=unit,
            escalation=yearly(n, rates),
            factor=yearly(n + 1, st.floats(min_value=0.0, max_value=3.0)),
            basis="location-based",
            source="method",
        )
        for name, unit in RESOURCES
        if draw(st.booleans())
    ]
    carbon = draw(
        st.none()
        | st.builds(
            lambda price, undiscounted: f.carbon_price(price, n, undiscounted=undiscounted),
            st.floats(min_value=0.0, max_value=5.0)
            | st.lists(st.floats(0.0, 5.0), min_size=n + 1, max_size=n + 1),
            st.booleans(),
        )
    )
    pollutant_prices = {
        name: (draw(st.floats(min_value=0.0, max_value=100.0)), draw(st.booleans()))
        for name in POLLUTANTS[:2]
        if draw(st.booleans())
    }
    nominal = draw(st.booleans()) if nominal is None else nominal
    d = draw(rates)
    inflation = draw(rates) if nominal else 0.0
    return f.method(
        n,
        d,
        timing=draw(st.sampled_from(list(Timing))) if timing is None else timing,
        resources=resources,
        carbon=carbon,
        pollutant_prices=pollutant_prices,
        model=draw(st.sampled_from(list(ModelKind))),
        ladder={1: 0.01, 2: 0.04, 3: 0.1},
        externality_factor=draw(st.floats(min_value=0.0, max_value=3.0)),
        include_module_d=draw(st.booleans()),
        rate_basis=RateBasis.NOMINAL if nominal else RateBasis.REAL,
        inflation=inflation,
        stated_discount_rate=(1 + d) * (1 + inflation) - 1,
        digits=draw(st.sampled_from([0, 2, 3])),
    )


@st.composite
def streams(draw: st.DrawFn, n: int) -> PreparedStream:
    return f.stream(
        draw(signed),
        category=draw(st.sampled_from(CATEGORIES)),
        first_year=draw(st.integers(min_value=0, max_value=n + 1)),
        every_years=draw(st.integers(min_value=-1, max_value=n + 1)),
        last_year=draw(st.integers(min_value=0, max_value=n + 1)),
        escalation=draw(rates),
        life=draw(st.none() | st.floats(min_value=0.25, max_value=30.0)),
        emissions=draw(st.sampled_from([0.0, 0.0, 12.5, -3.0])),
        emissions_module=draw(st.sampled_from(["", *MODULES])),
    )


@st.composite
def items(draw: st.DrawFn, method: PreparedMethod) -> PreparedItem:
    n = method.study_period_years
    priced = sorted(method.resources)
    uses = draw(st.lists(st.sampled_from(priced), max_size=3)) if priced else []
    pollutants = draw(st.lists(st.sampled_from(POLLUTANTS), max_size=2))
    item = f.item(
        name=draw(st.sampled_from(["luminaire", "van", "pump 'A'"])),
        quantity=draw(st.sampled_from([1.0, 4.0, 0.5, 3.0, 1e6])),
        unit_price=draw(money),
        installation_cost=draw(st.sampled_from([0.0, 250.0, 1.005])),
        service_life=draw(lives),
        maintenance=draw(st.sampled_from([0.0, 0.0, 120.0, 99.995])),
        warranty=draw(st.sampled_from([0.0, 1.0, 1.5, 2.0, 18 / 12, 50.0])),
        end_of_life_cost=draw(st.sampled_from([0.0, 30.0, -15.0])),
        residual_value=draw(st.none() | st.sampled_from([0.0, 100.0, 2_000.5])),
        emissions={
            module: draw(st.sampled_from([0.0, 2.5, 1000.0]))
            for module in ("a1_a3", "a4", "a5", "c1_c4")
            if draw(st.booleans())
        }
        | {"d": -draw(st.sampled_from([0.0, 3.0]))},
        costs=draw(st.lists(streams(n), max_size=3)),
        price_escalation=draw(st.sampled_from([0.0, 0.0, 0.02, -0.015])),
    )
    # Several uses of the same resource and of the same pollutant are legal in a prepared item.
    one = st.sampled_from([0.0, 150.0, 2_200.0])
    kg = st.sampled_from([0.0, 0.4, 4.0])
    return dataclasses.replace(
        item,
        resource_use=tuple(f.item(resource_use={u: draw(one)}).resource_use[0] for u in uses),
        pollutant_emissions=tuple(
            f.item(pollutants={p: draw(kg)}).pollutant_emissions[0] for p in pollutants
        ),
    )


@st.composite
def tenders(
    draw: st.DrawFn,
    min_bids: int = 1,
    max_bids: int = 5,
    timing: Timing | None = None,
    nominal: bool | None = None,
) -> PreparedTender:
    method = draw(methods(timing, nominal))
    n = method.study_period_years
    count = draw(st.integers(min_value=min_bids, max_value=max_bids))
    bids = [
        f.bid(
            f"bid-{i}",
            items=draw(st.lists(items(method), max_size=4)),
            costs=draw(st.lists(streams(n), max_size=3)),
            deductions=draw(st.lists(st.sampled_from([0.0, 1_000.0, 25_000.005]), max_size=2)),
            ladder_level=draw(st.integers(min_value=0, max_value=3)),
            circularity=draw(st.sampled_from([None, CIRCULARITY])),
            functional_units=draw(st.sampled_from([0.0, 12.0, 3.0])),
        )
        for i in range(count)
    ]
    baseline = draw(st.sampled_from(["", *[b.id for b in bids]]))
    return f.tender(dataclasses.replace(method, baseline_bid_id=baseline), *bids)


# --- bit-exactness ------------------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(tender=tenders(), data=st.data())
def test_a_zero_stream_changes_nothing(tender: PreparedTender, data: st.DataObject) -> None:
    n = tender.method.study_period_years
    zero = dataclasses.replace(data.draw(streams(n)), amount=0.0, emissions=0.0, life=None)
    target = data.draw(st.integers(min_value=0, max_value=len(tender.bids) - 1))
    bids = list(tender.bids)
    bids[target] = dataclasses.replace(bids[target], costs=(*bids[target].costs, zero))
    padded = dataclasses.replace(tender, bids=tuple(bids))
    assert dump(evaluate_prepared(padded)) == dump(evaluate_prepared(tender))


@settings(max_examples=25, deadline=None)
@given(tender=tenders(min_bids=2), data=st.data())
def test_permuting_bids_permutes_results_bit_for_bit(
    tender: PreparedTender, data: st.DataObject
) -> None:
    """A bid's figures depend on its own inputs only (regression bug 8 broke this)."""
    order = data.draw(st.permutations(range(len(tender.bids))))
    permuted = dataclasses.replace(tender, bids=tuple(tender.bids[i] for i in order))
    original = {r.bid_id: r for r in evaluate_prepared(tender).results}
    shuffled = {r.bid_id: r for r in evaluate_prepared(permuted).results}
    assert original.keys() == shuffled.keys()
    for bid_id, result in original.items():
        assert canonical(shuffled[bid_id]) == canonical(result)


@settings(max_examples=20, deadline=None)
@given(tender=tenders(max_bids=8), part_bids=st.integers(min_value=1, max_value=5))
def test_evaluation_in_parts_is_the_whole_evaluation(
    tender: PreparedTender, part_bids: int
) -> None:
    """Parts of consecutive bids (the path of very large tenders) give the same bits, and so
    does a second call (warm caches) and a copy of the same inputs."""
    whole = dump(evaluate_prepared(tender))
    assert dump(evaluate_prepared(tender, part_bids=part_bids)) == whole
    copy = dataclasses.replace(tender, bids=tuple(dataclasses.replace(b) for b in tender.bids))
    assert dump(evaluate_prepared(copy)) == whole


@settings(max_examples=25, deadline=None)
@given(
    tender=tenders(max_bids=1),
    extra=st.floats(min_value=0.0, max_value=1e5),
    price=st.floats(min_value=0.0, max_value=5.0),
    increase=st.floats(min_value=0.0, max_value=5.0),
)
def test_a_higher_carbon_price_never_helps_the_higher_emitting_bid(
    tender: PreparedTender, extra: float, price: float, increase: float
) -> None:
    method = dataclasses.replace(tender.method, model=f.method().model)
    base = tender.bids[0]
    heavy = f.item(emissions={"a1_a3": extra})
    high = dataclasses.replace(base, id="HIGH", items=(*base.items, heavy))
    n = method.study_period_years

    def gap(per_kg: float) -> tuple[float, float]:
        priced = dataclasses.replace(method, carbon_price=f.carbon_price(per_kg, n))
        results = {r.bid_id: r for r in evaluate_prepared(f.tender(priced, base, high)).results}
        a, b = results["HIGH"].evaluated_cost, results[base.id].evaluated_cost
        return a - b, abs(a) + abs(b)

    (low, scale), (high_gap, _) = gap(price), gap(price + increase)
    # evaluated costs are rounded to the minor unit each: allow one unit either way
    assert high_gap >= low - 2 * 10.0**-method.minor_unit_digits - 1e-9 * scale


# --- digests ------------------------------------------------------------------------------------


def documented(value: object) -> object:
    """The canonical JSON data of :mod:`tco.digest`'s documented rules, for values of their
    declared types: every field by name, enums by value, -0.0 as 0.0, non-finite as strings."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        hints = typing.get_type_hints(type(value))
        return {
            # an absent number with explicit presence (float | None) is written 0.0
            fl.name: 0.0
            if getattr(value, fl.name) is None and hints[fl.name] == float | None
            else documented(getattr(value, fl.name))
            for fl in dataclasses.fields(value)
        }
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple):
        return [documented(v) for v in value]
    if isinstance(value, Mapping):
        return {k: documented(v) for k, v in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return value + 0.0 if isinstance(value, float) else value


@settings(max_examples=20, deadline=None)
@given(st.from_type(Tender))
def test_canonical_json_follows_the_documented_rules(tender: Tender) -> None:
    """The generated serialisers write what the rules say, for odd values too (NaN, -0.0,
    control characters, empty and absent messages)."""
    for value in (tender, tender.method):
        text = json.dumps(
            documented(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        assert digest.canonical_json(value) == text.encode("utf-8")
    method, request = digest.digests(tender)
    assert (method, request) == (digest.method_digest(tender.method), digest.request_digest(tender))


# --- ranking and MCI ----------------------------------------------------------------------------

cents = st.integers(min_value=-(10**9), max_value=10**11).map(lambda c: c / 100.0)
money_lists = st.lists(cents | st.integers(0, 4).map(float), min_size=1, max_size=12)


@given(money_lists, st.randoms(use_true_random=False))
def test_permuting_bids_permutes_ranks(values: list[float], rnd: object) -> None:
    x, ids = np.array(values), [f"bid-{i}" for i in range(len(values))]
    perm = np.arange(len(values))
    rnd.shuffle(perm)  # type: ignore[attr-defined]
    original, permuted = rank_bids(x, ids), rank_bids(x[perm], [ids[i] for i in perm])
    np.testing.assert_array_equal(permuted.rank, original.rank[perm])
    np.testing.assert_array_equal(permuted.tied, original.tied[perm])
    np.testing.assert_array_equal(permuted.difference_to_best, original.difference_to_best[perm])
    assert sorted(w.code for w in permuted.warnings) == sorted(w.code for w in original.warnings)


@given(money_lists, st.integers(min_value=1, max_value=20))
def test_competition_rank_over_draws_equals_each_row(values: list[float], draws: int) -> None:
    """The vectorised ranking of Monte Carlo draws is the ranking of each draw."""
    rng = np.random.default_rng(len(values) * 31 + draws)
    x = np.stack([rng.permutation(np.array(values)) for _ in range(draws)])
    rank, tied = competition_rank(x)
    for k in range(draws):
        row = rank_bids(x[k], [f"bid-{i}" for i in range(len(values))])
        np.testing.assert_array_equal(rank[k], row.rank)
        np.testing.assert_array_equal(tied[k], row.tied)


@st.composite
def split(draw: st.DrawFn, parts: int) -> list[float]:
    """``parts`` fractions with sum <= 1."""
    raw = [draw(st.floats(min_value=0.0, max_value=1.0)) for _ in range(parts + 1)]
    assume(sum(raw) > 0)
    return [v / sum(raw) for v in raw[:parts]]


ratio = st.just(0.0) | st.floats(min_value=1e-3, max_value=1e3)
efficiency = st.floats(min_value=1e-3, max_value=1.0)


@given(
    inputs=split(3),
    collected=split(4),
    rest=st.tuples(efficiency, efficiency, ratio, ratio),
    mass=st.floats(1e-6, 1e9),
)
def test_mci_is_between_0_and_1_and_mass_cancels(
    inputs: list[float], collected: list[float], rest: tuple[float, ...], mass: float
) -> None:
    names = [field.name for field in dataclasses.fields(PreparedCircularity)][1:]
    kwargs = dict(zip(names, [*inputs, *collected, *rest], strict=True))
    value = mci(mass=mass, **kwargs)
    assert 0.0 <= value <= 1.0
    assert abs(mci(mass=1.0, **kwargs) - value) <= 1e-9
