"""The award in hindsight: the evaluation re-run with what is now known.

Two things are known after award that were promises or forecasts at award:
- the prices the buyer actually paid for each resource (the same for every bid: they are the
  market's, not the supplier's), stated in the method's currency and base-year prices;
- the winner's observed performance: observed / adjusted promise for each resource, from the
  settlement periods followed up (:mod:`tco.followup.settlement`).

The hindsight evaluation replaces the method's resource prices by the actual ones and scales
the winner's consumption of each resource by its observed ratio; every other bid keeps its
promises (nobody measured them). It answers: with what we know now, would the winner still be
the best bid, and by how much?

    margin = C_winner − min_{b ≠ winner} C_b        (< 0: still the best, by |margin|)

Worked example: two bids, A (winner) promised 10 000 kWh/year and B 12 000, each at a
price of 100 000 SEK, electricity 1 SEK/kWh, 10 years undiscounted: C_A = 200 000 and
C_B = 220 000 (margin −20 000). A delivers 1.3× its promise: C_A = 230 000 in hindsight,
margin +10 000: B would have won.

:func:`realised_lcc` sums the discounted cash flows of the study years already lived (t ≤ the
elapsed years), the realised part of a bid's LCC; the hindsight evaluation's LCC is the LCC
re-forecast to the end of the contract.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass

from tco.evaluate import evaluate
from tco.inputs import Bid, Item, Quantity, ResourceUse, Tender
from tco.results import BidResult, Evaluation


@dataclass(frozen=True)
class Standing:
    """One bid's comparison number and rank in an evaluation."""

    bid_id: str
    evaluated_cost: float
    life_cycle_cost: float
    rank: int


@dataclass(frozen=True)
class Hindsight:
    """The awarded ranking beside the ranking with actual prices and observed performance."""

    winner: str
    awarded: tuple[Standing, ...]
    hindsight: tuple[Standing, ...]
    best_in_hindsight: tuple[str, ...]
    awarded_margin: float
    hindsight_margin: float

    @property
    def ranking_changed(self) -> bool:
        """True when the winner would not be the (only) best bid in hindsight."""
        return self.best_in_hindsight != (self.winner,)


def _scaled_use(use: ResourceUse, ratio: float) -> ResourceUse:
    if use.amount is None:
        return use
    return dataclasses.replace(use, amount=Quantity(use.amount.value * ratio, use.amount.unit))


def _observed_bid(bid: Bid, ratios: Mapping[str, float]) -> Bid:
    items: list[Item] = []
    for item in bid.items:
        uses = tuple(_scaled_use(u, ratios.get(u.resource, 1.0)) for u in item.resource_use)
        items.append(dataclasses.replace(item, resource_use=uses))
    return dataclasses.replace(bid, items=tuple(items))


def _check(tender: Tender, winner: str, ratios: Mapping[str, float]) -> None:
    if winner not in {b.id for b in tender.bids}:
        raise ValueError(f"the winner {winner!r} is not a bid of the tender")
    for resource, ratio in ratios.items():
        if not math.isfinite(ratio) or ratio < 0.0:
            raise ValueError(f"observed ratio of {resource!r} must be a finite number >= 0")


def hindsight_tender(
    tender: Tender,
    winner: str,
    observed_ratios: Mapping[str, float],
    actual_prices: Mapping[str, Quantity],
) -> Tender:
    """The tender with actual resource prices and the winner's observed consumption."""
    _check(tender, winner, observed_ratios)
    prices = tuple(
        dataclasses.replace(p, price=actual_prices[p.resource])
        if p.resource in actual_prices
        else p
        for p in tender.method.resource_prices
    )
    unknown = set(actual_prices) - {p.resource for p in tender.method.resource_prices}
    if unknown:
        raise ValueError(
            f"actual prices for resources the method does not price: {sorted(unknown)}"
        )
    method = dataclasses.replace(tender.method, resource_prices=prices)
    bids = tuple(_observed_bid(b, observed_ratios) if b.id == winner else b for b in tender.bids)
    return dataclasses.replace(tender, method=method, bids=bids)


def _standings(evaluation: Evaluation) -> tuple[Standing, ...]:
    return tuple(
        Standing(r.bid_id, r.evaluated_cost, r.life_cycle_cost, r.rank) for r in evaluation.results
    )


def _margin(standings: tuple[Standing, ...], winner: str) -> float:
    own = next(s.evaluated_cost for s in standings if s.bid_id == winner)
    others = [s.evaluated_cost for s in standings if s.bid_id != winner]
    return own - min(others) if others else 0.0


def hindsight(
    tender: Tender,
    winner: str,
    observed_ratios: Mapping[str, float],
    actual_prices: Mapping[str, Quantity] | None = None,
    *,
    evaluated: Evaluation | None = None,
) -> Hindsight:
    """The awarded evaluation and the hindsight evaluation side by side (module docstring).

    ``evaluated``: the evaluation of ``tender`` when the caller has it already (it is not
    evaluated again)."""
    awarded = _standings(evaluated if evaluated is not None else evaluate(tender))
    again = _standings(
        evaluate(hindsight_tender(tender, winner, observed_ratios, actual_prices or {}))
    )
    return Hindsight(
        winner=winner,
        awarded=awarded,
        hindsight=again,
        best_in_hindsight=tuple(s.bid_id for s in again if s.rank == 1),
        awarded_margin=_margin(awarded, winner),
        hindsight_margin=_margin(again, winner),
    )


def realised_lcc(result: BidResult, elapsed_years: int) -> float:
    """Σ of the bid's discounted cash flows of study years t ≤ ``elapsed_years`` (t = 0 included).

    The cash flows of the buyer's life-cycle cost only (the categories of ``cost_by_category``;
    monetised externalities are left out as in the LCC itself).
    """
    if elapsed_years < 0:
        raise ValueError("elapsed years must be >= 0")
    categories = set(result.cost_by_category)
    flows = result.cash_flow_discounted
    return math.fsum(
        float(flows[row, t])
        for row, category in enumerate(result.cash_flow_categories)
        if category in categories
        for t in range(min(elapsed_years + 1, flows.shape[1]))
    )


__all__ = [
    "Hindsight",
    "Standing",
    "hindsight",
    "hindsight_tender",
    "realised_lcc",
]
