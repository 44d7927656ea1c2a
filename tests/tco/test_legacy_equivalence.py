"""The optimised engine gives the same bits as the engine before issue 7, on random inputs.

The example counts keep this file to some 20 s of the suite; the optimisation was checked with
thousands of tenders per property (raise ``max_examples`` locally, or run with several
``--hypothesis-seed`` values, to repeat that).

``tests/tco/legacy`` is a frozen copy of the pipeline before the performance work (per-row
Python expansion, reflective digest, per-call rounding). Every test here draws random inputs
(hypothesis) and compares, bit for bit:

- the stream table of :func:`tco.expand.expand_tender` (every array, dtype and byte);
- the whole :class:`~tco.results.Evaluation` of :func:`tco.evaluate.evaluate_prepared`, dumped
  as in ``test_golden_outputs`` (floats by ``repr``), also through the chunked path with tiny
  chunks;
- the canonical JSON of :mod:`tco.digest` (so every digest) for inputs with odd values: ints in
  float fields, ``-0.0``, NaN, infinities, control characters, unset optional messages;
- :func:`tco.rounding.round_array_money` on arrays full of ties.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tco import digest, evaluate, expand, rounding
from tco.inputs import (
    Bid,
    CarbonPrice,
    CarbonPricePoint,
    Circularity,
    CostStream,
    Deduction,
    EmissionFactor,
    EmissionFactorPoint,
    Emissions,
    EvaluationModel,
    Item,
    LadderStep,
    Method,
    ModelKind,
    PollutantEmission,
    PollutantPrice,
    Quantity,
    RateBasis,
    ResourcePrice,
    ResourceUse,
    Tender,
    Timing,
)
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
from .legacy import digest as legacy_digest
from .legacy import evaluate as legacy_evaluate
from .legacy import expand as legacy_expand
from .legacy import rounding as legacy_rounding
from .test_golden_outputs import dump

# --- prepared tenders ----------------------------------------------------------------------------

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
RESOURCES = ("electricity", "diesel", "water")
POLLUTANTS = ("nox", "pm", "nmhc")


@st.composite
def methods(draw: st.DrawFn) -> PreparedMethod:
    n = draw(st.integers(min_value=1, max_value=30))

    def yearly(size: int, values: st.SearchStrategy[float]) -> float | list[float]:
        if draw(st.booleans()):
            return draw(values)
        return draw(st.lists(values, min_size=size, max_size=size))

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
        for name, unit in zip(RESOURCES, ("kWh", "l", "m**3"), strict=True)
        if draw(st.booleans())
    ]
    carbon = draw(
        st.none()
        | st.builds(
            lambda price, undiscounted: f.carbon_price(price, n, undiscounted=undiscounted),
            st.floats(min_value=0.0, max_value=5.0),
            st.booleans(),
        )
    )
    pollutant_prices = {
        name: (draw(st.floats(min_value=0.0, max_value=100.0)), draw(st.booleans()))
        for name in POLLUTANTS[:2]
        if draw(st.booleans())
    }
    model = draw(st.sampled_from(list(ModelKind)))
    nominal = draw(st.booleans())
    return f.method(
        n,
        draw(rates),
        timing=draw(st.sampled_from(list(Timing))),
        resources=resources,
        carbon=carbon,
        pollutant_prices=pollutant_prices,
        model=model,
        ladder={1: 0.01, 2: 0.04, 3: 0.1},
        externality_factor=draw(st.floats(min_value=0.0, max_value=3.0)),
        include_module_d=draw(st.booleans()),
        rate_basis=RateBasis.NOMINAL if nominal else RateBasis.REAL,
        inflation=draw(rates) if nominal else 0.0,
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
    )
    # Several uses of the same resource and of the same pollutant are legal in a prepared item.
    return dataclasses.replace(
        item,
        resource_use=tuple(
            f.item(resource_use={name: draw(st.sampled_from([0.0, 150.0, 2_200.0]))}).resource_use[
                0
            ]
            for name in uses
        ),
        pollutant_emissions=tuple(
            f.item(pollutants={name: draw(st.sampled_from([0.0, 0.4, 4.0]))}).pollutant_emissions[0]
            for name in pollutants
        ),
    )


CIRCULARITY = PreparedCircularity(450.0, 0.2, 0.6, 0.0, 0.25, 0.7, 0.0, 0.0, 0.85, 0.85, 1.25, 1.0)


@st.composite
def tenders(draw: st.DrawFn, max_bids: int = 5) -> PreparedTender:
    method = draw(methods())
    n = method.study_period_years
    count = draw(st.integers(min_value=1, max_value=max_bids))
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
    method = dataclasses.replace(method, baseline_bid_id=baseline)
    return f.tender(method, *bids)


def _same_table(new: expand.StreamTable, old: legacy_expand.StreamTable) -> None:
    for field in dataclasses.fields(old):
        a, b = getattr(new, field.name), getattr(old, field.name)
        if isinstance(b, np.ndarray):
            assert isinstance(a, np.ndarray), field.name
            assert a.dtype == b.dtype, field.name
            assert a.shape == b.shape, (field.name, a.shape, b.shape)
            assert a.tobytes() == b.tobytes(), field.name
        else:
            assert a == b, field.name


@settings(max_examples=80)
@given(tender=tenders())
def test_stream_table_is_the_legacy_one(tender: PreparedTender) -> None:
    _same_table(expand.expand_tender(tender), legacy_expand.expand_tender(tender))


@settings(max_examples=60)
@given(tender=tenders())
def test_evaluation_is_the_legacy_one(tender: PreparedTender) -> None:
    expected = dump(legacy_evaluate.evaluate_prepared(tender, method_digest="m"))
    assert dump(evaluate.evaluate_prepared(tender, method_digest="m")) == expected


@settings(max_examples=40)
@given(tender=tenders(max_bids=8), part_bids=st.integers(min_value=1, max_value=5))
def test_evaluation_in_parts_is_the_whole_evaluation(
    tender: PreparedTender, part_bids: int
) -> None:
    """Parts of consecutive bids (the path of very large tenders) give the same bits."""
    whole = dump(evaluate.evaluate_prepared(tender))
    assert dump(evaluate.evaluate_prepared(tender, part_bids=part_bids)) == whole


def test_large_tenders_are_split_into_parts_within_the_budget() -> None:
    n = 30
    bid = f.bid("x", items=[f.item(unit_price=1.0)] * 3, costs=[f.stream(1.0)])
    bids = [dataclasses.replace(bid, id=f"b{i}") for i in range(20_000)]
    tender = f.tender(f.method(n), *bids)
    ranges = evaluate._parts(tender, None)
    assert len(ranges) > 1
    assert ranges[0][0] == 0
    assert ranges[-1][1] == len(bids)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(ranges))
    weight = 64 + 12 * 3 + 3 * 1
    assert all((end - start) * weight * (n + 1) <= evaluate.PART_BUDGET for start, end in ranges)
    assert evaluate._parts(f.tender(f.method(n), *bids[:100]), None) == [(0, 100)]


# --- digests -------------------------------------------------------------------------------------

odd_floats = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1e16, 1e-5, 0.035, 185000.0]),
    st.integers(min_value=-(10**6), max_value=10**6),
)
odd_text = st.text(alphabet=st.sampled_from(list('abcSEK/kWh "\\\n\t\x00\x1få€😀')), max_size=12)
quantity = st.none() | st.builds(Quantity, odd_floats, odd_text)


def _stream_inputs() -> st.SearchStrategy[CostStream]:
    return st.builds(
        CostStream,
        name=odd_text,
        category=odd_text,
        amount=quantity,
        first_year=st.integers(-5, 50),
        every_years=st.integers(-1, 5),
        last_year=st.integers(0, 50),
        escalation=odd_floats,
        life=quantity,
        emissions=quantity,
        emissions_module=odd_text,
    )


method_inputs = st.builds(
    Method,
    currency=odd_text,
    base_year=st.integers(1900, 2200),
    study_period_years=st.integers(0, 100),
    discount_rate=odd_floats,
    rate_basis=st.sampled_from(list(RateBasis)),
    inflation_rate=odd_floats,
    timing=st.sampled_from(list(Timing)),
    resource_prices=st.lists(
        st.builds(
            ResourcePrice,
            odd_text,
            quantity,
            odd_floats,
            st.lists(odd_floats, max_size=3).map(tuple),
        ),
        max_size=2,
    ).map(tuple),
    emission_factors=st.lists(
        st.builds(
            EmissionFactor,
            odd_text,
            quantity,
            odd_text,
            st.lists(
                st.builds(EmissionFactorPoint, st.integers(1900, 2200), quantity), max_size=2
            ).map(tuple),
            odd_text,
        ),
        max_size=2,
    ).map(tuple),
    carbon_price=st.none()
    | st.builds(
        CarbonPrice,
        odd_text,
        quantity,
        st.lists(st.builds(CarbonPricePoint, st.integers(1900, 2200), quantity), max_size=2).map(
            tuple
        ),
        st.booleans(),
    ),
    exchange_rates=st.dictionaries(odd_text, odd_floats, max_size=3),
    evaluation_model=st.builds(
        EvaluationModel,
        st.sampled_from(list(ModelKind)),
        st.lists(st.builds(LadderStep, st.integers(0, 5), odd_floats), max_size=2).map(tuple),
        odd_floats,
        quantity,
    ),
    baseline_bid_id=odd_text,
    include_module_d=st.booleans(),
    functional_unit=odd_text,
    pollutant_prices=st.lists(
        st.builds(PollutantPrice, odd_text, quantity, st.booleans()), max_size=2
    ).map(tuple),
)
item_inputs = st.builds(
    Item,
    name=odd_text,
    quantity=odd_floats,
    unit_price=quantity,
    installation_cost=quantity,
    service_life=quantity,
    resource_use=st.lists(st.builds(ResourceUse, odd_text, quantity, quantity), max_size=2).map(
        tuple
    ),
    maintenance_cost=quantity,
    warranty=quantity,
    end_of_life_cost=quantity,
    residual_value=quantity,
    emissions=st.builds(Emissions, quantity, quantity, quantity, quantity, quantity),
    costs=st.lists(_stream_inputs(), max_size=2).map(tuple),
    pollutant_emissions=st.lists(
        st.builds(PollutantEmission, odd_text, quantity, quantity), max_size=2
    ).map(tuple),
)
bid_inputs = st.builds(
    Bid,
    id=odd_text,
    supplier=odd_text,
    items=st.lists(item_inputs, max_size=3).map(tuple),
    costs=st.lists(_stream_inputs(), max_size=2).map(tuple),
    deductions=st.lists(st.builds(Deduction, odd_text, quantity), max_size=2).map(tuple),
    ladder_level=st.integers(0, 5),
    circularity=st.none()
    | st.builds(
        Circularity,
        quantity,
        *([odd_floats] * 11),
    ),
    functional_units_delivered=odd_floats,
)


@settings(max_examples=150)
@given(tender=st.builds(Tender, method_inputs, st.lists(bid_inputs, max_size=3).map(tuple)))
def test_canonical_json_is_the_legacy_one(tender: Tender) -> None:
    assert digest.canonical_json(tender) == legacy_digest.canonical_json(tender)
    assert digest.canonical_json(tender.method) == legacy_digest.canonical_json(tender.method)
    assert digest.request_digest(tender) == legacy_digest.request_digest(tender)
    assert digest.method_digest(tender.method) == legacy_digest.method_digest(tender.method)


def test_canonical_json_of_values_outside_the_declared_types() -> None:
    """Values a caller may pass although the types say otherwise take the generic path."""
    odd: list[Any] = [
        Quantity(True, "SEK"),  # bool in a float field
        Quantity("1.5", "SEK"),  # str in a float field
        Quantity(2, 3),  # int unit
        Quantity([1.0, 2.0], "SEK"),  # type: ignore[arg-type]
    ]
    for value in odd:
        m = dataclasses.replace(Method("SEK", 2027, 12, 0.035), carbon_price=None)
        m = dataclasses.replace(m, evaluation_model=EvaluationModel(price_threshold=value))
        assert digest.canonical_json(m) == legacy_digest.canonical_json(m)
    weird = dataclasses.replace(Method("SEK", 2027, 12, 0.035), exchange_rates={1: 2.0, "1": 3.0})  # type: ignore[dict-item]
    assert digest.canonical_json(weird) == legacy_digest.canonical_json(weird)


# --- rounding ------------------------------------------------------------------------------------


@settings(max_examples=150)
@given(
    values=st.lists(
        st.one_of(
            st.floats(allow_nan=True, allow_infinity=True),
            st.sampled_from(TRICKY),
            st.integers(-(10**6), 10**6).map(lambda k: k / 1000 + 0.0005),
            st.integers(-(10**6), 10**6).map(lambda k: k / 200),
        ),
        max_size=60,
    ),
    digits=st.sampled_from([-2, -1, 0, 1, 2, 3, 4]),
)
def test_rounding_is_the_legacy_one(values: list[float], digits: int) -> None:
    array = np.array(values, dtype=np.float64)
    assert _outcome(rounding.round_array_money, array, digits) == _outcome(
        legacy_rounding.round_array_money, array, digits
    )
    for x in values[:5]:
        a = _outcome(rounding.round_money, x, digits)
        assert a == _outcome(legacy_rounding.round_money, x, digits)


def _outcome(fn: Any, value: Any, digits: int) -> object:
    """The bytes of the result, or the exception type (should either raise)."""
    try:
        result = fn(value, digits)
    except ArithmeticError as error:
        return type(error)
    if isinstance(result, float):
        return "nan" if math.isnan(result) else result.hex()
    return np.asarray(result).tobytes()


def test_rounding_of_cash_flow_tables_is_the_legacy_one() -> None:
    """Large tables with zero rows take the row-skipping path; ties and odd values included."""
    rng = np.random.default_rng(7)
    for shape in [(300, 12, 31), (40, 12, 101), (5000, 9)]:
        table = np.round(rng.standard_normal(shape) * 1e4, 3)
        table[rng.random(shape[:-1]) < 0.6] = 0.0  # whole zero rows
        table[rng.random(shape) < 0.05] = -0.0
        flat = table.reshape(-1)
        flat[rng.integers(0, flat.size, 20)] = np.nan
        flat[rng.integers(0, flat.size, 20)] = np.inf
        for digits in (0, 2, 3):
            new = rounding.round_array_money(table, digits)
            assert new.tobytes() == legacy_rounding.round_array_money(table, digits).tobytes()


def test_measures_are_the_legacy_ones() -> None:
    """compute_measures, vectorised across bids: the same values and statuses, NaN included."""
    from tco.measures import compute_measures

    from .legacy.measures import compute_measures as legacy_measures

    rng = np.random.default_rng(5)
    for trial in range(300):
        n_bids, n = int(rng.integers(1, 8)), int(rng.integers(1, 25))
        shape = (n_bids, len(CATEGORIES), n + 1)
        und = np.round(rng.standard_normal(shape) * 10.0 ** int(rng.integers(0, 6)), 2)
        und[rng.random(shape) < 0.5] = 0.0
        if trial % 5 == 0:
            und[:] = und[0]  # no differences at all
        if trial % 11 == 0:
            und[0, 0, 0] = np.nan
        d = float(rng.choice([0.0, 0.03, 0.08]))
        args: dict[str, Any] = {
            "bid_ids": [f"b{i}" for i in range(n_bids)],
            "baseline_index": int(rng.integers(0, n_bids)),
            "discount_rate": d,
            "study_period_years": n,
            "categories": CATEGORIES,
            "undiscounted": und,
            "discounted": und * (1 + d) ** -np.arange(n + 1),
            "emissions_total_kg": rng.choice([0.0, 1000.0, 5e4], n_bids) + rng.random(n_bids),
        }
        with np.errstate(all="ignore"):
            assert repr(compute_measures(**args)) == repr(legacy_measures(**args))


def test_ranking_is_the_legacy_one() -> None:
    """rank_bids with many ties (groups found by one sort): the same ranks and warnings."""
    from tco.models import rank_bids

    from .legacy.models import rank_bids as legacy_rank_bids

    rng = np.random.default_rng(3)
    for trial in range(300):
        n_bids = int(rng.integers(1, 60))
        values = rng.choice(rng.integers(-3, 8, 6) * 100.0, n_bids) + (trial % 3) * 0.005
        ids = [f"bid {i}" for i in range(n_bids)]
        new, old = rank_bids(values, ids), legacy_rank_bids(values, ids)
        assert repr(new) == repr(old)
