"""The follow-up of one commitment: each settlement period and the cumulative result.

For each period p of the contract: the readings' observed total O_p (:func:`observe`), the
promise adjusted to the period's conditions E_p and the raw promise R_p
(:mod:`tco.followup.adjust`), and the clause's settlement (:func:`settle`). Cumulatively:
O = Σ O_p against E = Σ E_p, settled once more (a contract may settle yearly but judge its
guarantee over the whole period), with the coverage weighted by period length.

A period whose readings cover less than ``min_coverage`` of it is reported, but not settled:
``settlement`` is ``None`` and the period is left out of the cumulative sums, so a missing
invoice never turns into a bonus for the supplier.

Worked example: a lighting contract promising 40 000 kWh/year, settled by half-years, band 5 %:
20 500 kWh in the first half (2.5 % over: within band), 23 000 in the second (15 % over:
shortfall of 23 000 − 21 000 = 2 000 kWh); cumulatively 43 500 against 40 000 (8.75 % over:
a shortfall of 43 500 − 42 000 = 1 500 kWh).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tco.followup.adjust import Conditions, Promise, expected_use, raw_promise
from tco.followup.readings import Meter, Observation, Reading
from tco.followup.settlement import Clause, Settlement, Valuation, settle


@dataclass(frozen=True)
class Commitment:
    """What the winner promised for one resource, and the contract's terms for it."""

    name: str
    resource: str
    promise: Promise
    clause: Clause
    valuation: Valuation


@dataclass(frozen=True)
class Period:
    """A settlement period and the conditions that held in it."""

    label: str
    start: datetime
    end: datetime
    conditions: Conditions


@dataclass(frozen=True)
class PeriodResult:
    """One period of the report."""

    period: Period
    observation: Observation
    expected: float
    raw_promise: float
    settlement: Settlement | None


@dataclass(frozen=True)
class FollowUp:
    """The whole follow-up of one commitment."""

    commitment: Commitment
    periods: tuple[PeriodResult, ...]
    cumulative: Settlement | None
    coverage: float


def follow_up(
    commitment: Commitment,
    readings: Sequence[Reading],
    periods: Sequence[Period],
    min_coverage: float = 0.9,
) -> FollowUp:
    """Each period settled and the cumulative settlement (the module's rules).

    Periods must not overlap; they are reported in the order given.
    """
    ordered = sorted(periods, key=lambda p: p.start)
    for before, after in itertools.pairwise(ordered):
        if after.start < before.end:
            raise ValueError(f"periods {before.label} and {after.label} overlap")
    rows: list[PeriodResult] = []
    meter = Meter(readings)
    for period in periods:
        observation = meter.observe(period.start, period.end)
        expected = expected_use(commitment.promise, period.conditions)
        settled = (
            settle(observation.total, expected, commitment.clause, commitment.valuation)
            if observation.coverage >= min_coverage
            else None
        )
        raw = raw_promise(commitment.promise, period.conditions)
        rows.append(PeriodResult(period, observation, expected, raw, settled))
    counted = [r for r in rows if r.settlement is not None]
    cumulative = None
    if counted:
        cumulative = settle(
            math.fsum(r.observation.total for r in counted),
            math.fsum(r.expected for r in counted),
            commitment.clause,
            commitment.valuation,
        )
    seconds = [(r.period.end - r.period.start).total_seconds() for r in rows]
    covered = math.fsum(r.observation.coverage * s for r, s in zip(rows, seconds, strict=True))
    return FollowUp(
        commitment=commitment,
        periods=tuple(rows),
        cumulative=cumulative,
        coverage=covered / math.fsum(seconds) if rows else 0.0,
    )
