"""What an analysis returns: frozen dataclasses mirroring ``tcoapi.v1.AnalyzeRankingResponse``.

Money (comparison numbers, their differences and percentiles) is rounded half-up to the
currency's minor unit, as every figure the engine publishes; parameter values (switching
values, percentiles of draws) and probabilities are not rounded. Bids are listed in request
order; tornado rows in tornado order (largest swing of the gap first).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from tco.results import Warning

from .parameters import Mode

__all__ = [
    "BidDistribution",
    "BidOutcome",
    "DrawSummary",
    "MonteCarloResult",
    "ParameterInfo",
    "Percentiles",
    "RankingAnalysis",
    "ScenarioComparison",
    "ScenarioResult",
    "SensitivityBid",
    "SensitivityResult",
    "SwitchPoint",
    "SwitchingResult",
    "SwitchingStatus",
]


@dataclass(frozen=True, slots=True)
class BidOutcome:
    """A bid's comparison number and competition rank (ties share a rank) in one setting."""

    bid_id: str
    comparison_number: float
    rank: int
    tied: bool


@dataclass(frozen=True, slots=True)
class ParameterInfo:
    """A parameter path the analysis used: what it matched and its stated value.

    ``base`` is the stated value as one ``value``-mode number (None when there is none: a
    trajectory, targets with different values); ``targets`` how many resources, items or uses
    the path matched; ``linear``: comparison numbers are affine in it.
    """

    path: str
    unit: str
    base: float | None
    targets: int
    linear: bool


@dataclass(frozen=True, slots=True)
class SensitivityBid:
    """Comparison number of one bid as stated and at the low and high setting."""

    bid_id: str
    base: float
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class SensitivityResult:
    """One tornado bar: a parameter at ``low`` and at ``high``, others as stated.

    ``gap_*`` is the comparison number of the base runner-up minus that of the base leader
    (negative: the runner-up is ahead); ``swing = |gap_high - gap_low|`` orders the tornado.
    ``best_at_low`` / ``best_at_high``: the best bid(s) there (more than one on a tie).
    """

    path: str
    mode: Mode
    low: float
    high: float
    bids: tuple[SensitivityBid, ...]
    gap_base: float | None
    gap_low: float | None
    gap_high: float | None
    swing: float
    best_at_low: tuple[str, ...]
    best_at_high: tuple[str, ...]


class SwitchingStatus(enum.Enum):
    """Whether the best bid changes within the searched interval."""

    SWITCHES = "switches"
    NO_SWITCH = "no_switch"


@dataclass(frozen=True, slots=True)
class SwitchPoint:
    """At ``value`` the best bid changes from ``from_bid`` (below) to ``to_bid`` (above)."""

    value: float
    from_bid: str
    to_bid: str


@dataclass(frozen=True, slots=True)
class SwitchingResult:
    """The switching values of one parameter within ``[low, high]`` (in ``mode``).

    ``analytic``: found exactly from the lines of a linear parameter; else by grid scan and
    bisection. ``base``: the number that leaves the tender as stated in this mode (scale 1,
    shift 0, the stated value), None when there is none; ``nearest_below`` / ``nearest_above``
    the switching values closest to it.
    """

    path: str
    mode: Mode
    low: float
    high: float
    status: SwitchingStatus
    analytic: bool
    base: float | None
    points: tuple[SwitchPoint, ...]
    best_at_low: str
    best_at_high: str
    nearest_below: float | None
    nearest_above: float | None


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    """One scenario's comparison numbers and ranking; ``best``: the best bid(s)."""

    name: str
    bids: tuple[BidOutcome, ...]
    best: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ScenarioComparison:
    """Every scenario; ``agree``: all scenarios have the same best bid(s).

    ``winners``: the distinct best bids over the scenarios, in scenario order.
    """

    results: tuple[ScenarioResult, ...]
    agree: bool
    winners: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Percentiles:
    """Mean and the 5th, 50th and 95th percentile (linear interpolation) of a sample."""

    mean: float
    p5: float
    p50: float
    p95: float


@dataclass(frozen=True, slots=True)
class BidDistribution:
    """Monte Carlo outcome of one bid.

    ``probability_best``: share of draws in which the bid has the lowest comparison number
    (rounded to the minor unit; a tie at the top splits the draw evenly among the tied bids);
    ``standard_error = sqrt(p (1 - p) / draws)``.
    """

    bid_id: str
    probability_best: float
    standard_error: float
    comparison_number: Percentiles


@dataclass(frozen=True, slots=True)
class DrawSummary:
    """The draws of one distribution (pooled over targets when drawn independently)."""

    path: str
    mode: Mode
    draws: Percentiles


@dataclass(frozen=True, slots=True)
class MonteCarloResult:
    """Monte Carlo over the joint draws of every distribution.

    ``gap``: per draw the second-lowest minus the lowest comparison number (None with one bid);
    ``probability_tie``: share of draws with a tie at the top.
    """

    draws: int
    seed: int
    bids: tuple[BidDistribution, ...]
    gap: Percentiles | None
    probability_tie: float
    parameters: tuple[DrawSummary, ...]


@dataclass(frozen=True, slots=True)
class RankingAnalysis:
    """The whole answer: the base ranking and every part the spec asked for."""

    currency: str
    method_digest: str
    request_digest: str
    analysis_digest: str
    engine_version: str
    base: tuple[BidOutcome, ...]
    parameters: tuple[ParameterInfo, ...]
    sensitivity: tuple[SensitivityResult, ...]
    switching: tuple[SwitchingResult, ...]
    scenarios: ScenarioComparison | None
    monte_carlo: MonteCarloResult | None
    warnings: tuple[Warning, ...]
