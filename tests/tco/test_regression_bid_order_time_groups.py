"""Bug 8 (see tests/fuzz/test_regressions.py): a bid's figures depended on the bids before it.

Rows of a bid are ordered by time group, and a cell (bid x module x year) adds its rows in that
order. The groups of events at a fraction of a year were numbered by first appearance in the
whole tender, so a bid with a 6-month life placed *before* a bid with lives of 15 and 6 months
swapped the order of the latter's year-2 rows (a replacement at 1.25 and one at 1.5):
32771.28094960251 kg against 32771.2809496025 kg in year 2, one ulp, for the same bid (found by
``tests/tco/test_properties.py::test_permuting_bids_permutes_results``). A figure one ulp off
can round the other way once it is money. Fix (``tco.expand._plan``): the groups are numbered
by shift value, so a bid's rows come in the same order whatever else the tender holds.
"""

from __future__ import annotations

import dataclasses

from tco.evaluate import evaluate_prepared
from tco.prepared import PreparedTender
from tests.tco import factory as f
from tests.tco.legacy import evaluate as legacy


def _tender() -> PreparedTender:
    m = f.method(3, 0.0)
    two_lives = f.bid(
        "two-lives",
        items=[
            f.item(service_life=1.25, emissions={"a1_a3": 1.6391184695439733}),
            f.item(quantity=8.0, service_life=0.5, emissions={"a1_a3": 2048.0}),
        ],
        costs=[f.stream(0.0, category="replacement", every_years=1, emissions=1.641831132958032)],
    )
    half_year = f.bid("half-year", items=[f.item(installation_cost=1.0, service_life=0.5)])
    return f.tender(m, f.bid("empty"), two_lives, half_year)


def test_a_bid_with_another_in_front_has_the_figures_it_has_alone() -> None:
    tender = _tender()
    alone = dataclasses.replace(tender, bids=(tender.bids[1],))
    behind = dataclasses.replace(tender, bids=(tender.bids[2], tender.bids[1], tender.bids[0]))
    want = evaluate_prepared(alone).results[0]
    for other in (tender, behind):
        got = next(r for r in evaluate_prepared(other).results if r.bid_id == "two-lives")
        assert got.emissions_by_year == want.emissions_by_year
        assert got.emissions_total == want.emissions_total
        assert got.cost_by_category == want.cost_by_category


def test_the_frozen_engine_carries_the_same_fix() -> None:
    """The legacy oracle got the same renumbering (marked FIX), so equivalence still holds."""
    tender = _tender()
    behind = dataclasses.replace(tender, bids=(tender.bids[2], tender.bids[1], tender.bids[0]))
    for t in (tender, behind):
        new = {r.bid_id: r.emissions_by_year for r in evaluate_prepared(t).results}
        old = {r.bid_id: r.emissions_by_year for r in legacy.evaluate_prepared(t).results}
        assert new == old
