"""The per-call shortcuts for small tenders give the bits of the frozen engine.

Small tenders spend their time in the fixed cost of many tiny numpy calls, so the engine merges
them and remembers what repeats from call to call:

- every one-off amount of every item (purchases, embodied emissions, replacements, ends of life,
  residual values) from one per-schedule template (:func:`tco.expand._event_template`),
  whatever the number of distinct service lives and fractional time groups;
- the payment times of the time groups (:func:`tco.expand._time_rows`), the discount and
  reporting factors (:func:`tco.kernel.time_grid`) and ``UPV(d, N)``, cached by value and
  shared read-only;
- the figures, the measures' money and the cash flows of a part rounded in one pass.

Each test compares with ``tests/tco/legacy`` (the engine before the speed work), bit for bit,
and evaluates more than once so that the second call runs on warm caches.
"""

from __future__ import annotations

import pytest

from tco import evaluate, expand, kernel
from tco.inputs import ModelKind, RateBasis, Timing
from tco.prepared import PreparedTender

from . import factory as f
from .legacy import evaluate as legacy_evaluate
from .legacy import expand as legacy_expand
from .test_golden_outputs import dump
from .test_legacy_equivalence import _same_table

#: Service lives that give several schedules, fractional event times (several time groups),
#: a life beyond the study period and none at all.
LIVES = (8.0, 10.0, 30 / 12, 90 / 12, 2.4, None, 40.0, 1.0)


def _tender(n: int, timing: Timing, d: float, *, nominal: bool = False) -> PreparedTender:
    method = f.method(
        n,
        d,
        timing=timing,
        resources=[f.resource("electricity", 1.35, n, escalation=0.01, factor=0.059)],
        carbon=f.carbon_price(1.5, n),
        pollutant_prices={"nox": (4.4, False)},
        model=ModelKind.DEDUCTIONS,
        baseline="bid-1",
        rate_basis=RateBasis.NOMINAL if nominal else RateBasis.REAL,
        inflation=0.02 if nominal else 0.0,
    )
    bids = []
    for b in range(5):
        items = [
            f.item(
                name=f"item {b}.{k}",
                quantity=1.0 + (b + k) % 4,
                unit_price=0.0 if k == 3 else 1_000.005 * (k + 1),
                installation_cost=250.0 if k % 2 else 0.0,
                service_life=LIVES[(b + k) % len(LIVES)],
                resource_use={"electricity": 150.0 * k},
                maintenance=99.995 if k % 3 else 0.0,
                warranty=(0.0, 1.5, 2.0)[k % 3],
                end_of_life_cost=(0.0, 30.0, -15.0)[k % 3],
                residual_value=(None, 100.0, 0.0)[(b + k) % 3],
                emissions={"a1_a3": 2.5 * k, "c1_c4": 1.0, "d": -3.0 if k % 2 else 0.0},
                costs=[f.stream(1_800.0, category="replacement", first_year=6, emissions=350.0)]
                if b % 2
                else [],
                pollutants={"nox": 0.4} if k == 1 else None,
            )
            for k in range(6)
        ]
        costs = [f.stream(12_000.0, category="maintenance", first_year=1, every_years=1, n=n)]
        bids.append(f.bid(f"bid-{b}", items=items, costs=costs, deductions=[25_000.005]))
    return f.tender(method, *bids)


CASES = [
    (n, timing, d, nominal)
    for n, timing, d, nominal in (
        (20, Timing.END_OF_YEAR, 0.035, False),
        (20, Timing.MID_YEAR, 0.035, False),
        (12, Timing.BEGINNING_OF_YEAR, 0.0, True),
        (7, Timing.MID_YEAR, 0.08, True),
        (1, Timing.END_OF_YEAR, 0.03, False),
    )
]


@pytest.mark.parametrize(("n", "timing", "d", "nominal"), CASES)
def test_small_tenders_give_the_legacy_table_and_evaluation(
    n: int, timing: Timing, d: float, nominal: bool
) -> None:
    tender = _tender(n, timing, d, nominal=nominal)
    old_table = legacy_expand.expand_tender(tender)
    expected = dump(legacy_evaluate.evaluate_prepared(tender, method_digest="m"))
    for _ in range(2):  # cold, then warm caches
        _same_table(expand.expand_tender(tender), old_table)
        assert dump(evaluate.evaluate_prepared(tender, method_digest="m")) == expected
    for part_bids in (1, 2):
        parted = evaluate.evaluate_prepared(tender, method_digest="m", part_bids=part_bids)
        assert dump(parted) == expected


def test_methods_that_differ_only_in_rates_do_not_share_factors() -> None:
    """The caches are keyed by every input they depend on (rate, inflation, timing, N)."""
    for d, nominal in ((0.035, False), (0.05, False), (0.035, True), (0.0, False), (-0.0, True)):
        for timing in Timing:
            tender = _tender(9, timing, d, nominal=nominal)
            expected = dump(legacy_evaluate.evaluate_prepared(tender))
            assert dump(evaluate.evaluate_prepared(tender)) == expected


def test_shared_arrays_are_read_only() -> None:
    tender = _tender(10, Timing.MID_YEAR, 0.035, nominal=True)
    table = expand.expand_tender(tender)
    grid = kernel.time_grid(table.group_times, tender.method)
    for array in (table.group_times, grid.times, grid.discount, grid.report):
        assert not array.flags.writeable
    assert not kernel.counted_modules(False).flags.writeable
    assert kernel.counted_modules(True).tolist() == [True] * len(kernel.counted_modules(True))


def test_event_template_lists_each_row_once() -> None:
    """L = 8, N = 20: 16 entries in 11 rows; 2.5 years: replacements at 2.5, 7.5 ... in group 2."""
    schedule = expand._schedule(8.0, 20)
    template = expand._event_template((schedule,), (), 20)
    assert template.length.tolist() == [16]
    assert template.n_rows == 11
    assert template.column.tolist() == [0, 0, 0, 0, 0, 20, 8, 16, 8, 16, 8, 16, 8, 16, 8, 16]
    assert template.row.tolist() == [0, 1, 2, 3, 4, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10]

    half = expand._schedule(2.5, 10)
    template = expand._event_template((schedule, half), (0.5,), 10)
    start, length = template.start.tolist(), template.length.tolist()
    assert start == [0, length[0]]
    groups = template.group[start[1] : start[1] + length[1]]
    assert sorted(set(groups.tolist())) == [0, 2]
    unplanned = expand._event_template((half,), (), 10)
    assert unplanned.unplanned
    assert -1 in unplanned.group.tolist()
