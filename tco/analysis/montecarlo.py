"""Monte Carlo: how often does each bid win when the uncertain inputs vary together?

Draws. ``seed`` starts a :class:`numpy.random.SeedSequence`; distribution i of the spec gets the
i-th of ``SeedSequence(seed).spawn(n)`` and, when drawn independently per target, target t the
t-th of that child's ``spawn(n_targets)``; each stream is a ``Generator(PCG64(...))``. So the same
seed and spec give bit-identical draws, and a distribution's draws do not depend on how many
values other distributions drew.

Common random numbers. A draw is one joint setting of every parameter, applied to every bid at
once: the same energy price, discount rate and carbon price for all bids in draw k (a method
parameter has one value per draw), and a ``bids[*]`` path moves all matched bids by the same
number unless ``independent`` asks for a draw per target. Differences between bids are then free
of sampling noise in the shared inputs.

Outputs, over K draws of the comparison numbers ``CN[k, b]`` (shape draws x bids, vectorised
over draws x bids x years by :class:`tco.analysis.model.ParametricModel`):

- ``P(best_b) = (1/K) sum_k w_kb`` with ``w_kb = 1/m_k`` when bid b is one of the m_k bids with
  the lowest comparison number of draw k (rounded to the minor unit, as the engine ranks), else
  0: a tie at the top splits the draw evenly, so the probabilities sum to 1. Standard error
  ``sqrt(P (1 - P) / K)``; ``probability_tie`` is the share of draws with m_k > 1.
- mean, P5, P50, P95 of each bid's comparison number (``numpy.percentile``, linear).
- the same of the gap ``CN_(2) - CN_(1)`` between the lowest two of each draw (>= 0).

Worked example: two bids identical except that A's energy use is 10 % above the stated value
in some draws and B's in others, with mirror-image distributions: each wins half the draws,
``P(best) = 0.5 ± 0.0035`` (one standard error at 20 000 draws).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tco.rounding import round_array_money

from .cancel import ShouldStop, checkpoint, never
from .distributions import Distribution
from .model import DomainError, ParametricModel
from .outcomes import percentiles
from .parameters import Parameter
from .results import BidDistribution, DrawSummary, MonteCarloResult
from .spec import MAX_VARIANTS

FloatArray = npt.NDArray[np.float64]

__all__ = ["Uncertain", "draw", "run", "structural_variants", "summarise", "win_probabilities"]


@dataclass(frozen=True, slots=True)
class Uncertain:
    """A resolved parameter with its distribution; ``independent``: one draw per target."""

    parameter: Parameter
    distribution: Distribution
    independent: bool = False

    def columns(self) -> list[Parameter]:
        """The parameters this entry draws (one per target when independent)."""
        return self.parameter.one_per_target() if self.independent else [self.parameter]


def draw(
    uncertain: Sequence[Uncertain], draws: int, seed: int, should_stop: ShouldStop = never
) -> tuple[list[Parameter], FloatArray, list[int]]:
    """The draws: (parameters, values of shape (draws, columns), entry of each column).

    Raises :class:`tco.analysis.model.DomainError` (index: the entry) when a distribution draws
    a number beyond float64 (a uniform from -1e308 to 1e308), and
    :class:`tco.analysis.cancel.Stopped` when ``should_stop()`` says so between columns.
    """
    children = np.random.SeedSequence(seed).spawn(len(uncertain))
    parameters: list[Parameter] = []
    columns: list[FloatArray] = []
    owner: list[int] = []
    for i, (entry, child) in enumerate(zip(uncertain, children, strict=True)):
        targets = entry.columns()
        streams = child.spawn(len(targets)) if entry.independent else [child]
        for parameter, stream in zip(targets, streams, strict=True):
            checkpoint(should_stop)
            rng = np.random.Generator(np.random.PCG64(stream))
            sample = entry.distribution.sample(rng, draws)
            if not bool(np.all(np.isfinite(sample))):
                raise DomainError(
                    i,
                    "the distribution draws numbers beyond the range of float64 (about "
                    f"{np.finfo(np.float64).max:.1e}): use a narrower one",
                )
            parameters.append(parameter)
            columns.append(sample)
            owner.append(i)
    values = np.column_stack(columns) if columns else np.zeros((draws, 0), dtype=np.float64)
    return parameters, np.asarray(values, dtype=np.float64), owner


def win_probabilities(numbers: FloatArray, digits: int) -> tuple[FloatArray, float]:
    """Probability that each bid is best (ties split evenly) and the share of tied draws.

    Example: draws ``[[1, 2], [2, 1], [1, 1]]`` give ``([0.5, 0.5], 1/3)``.
    """
    rounded = round_array_money(numbers, digits)
    lowest = rounded.min(axis=1, keepdims=True)
    at_top = rounded == lowest
    count = at_top.sum(axis=1, keepdims=True)
    shares = at_top / count
    k = numbers.shape[0]
    return np.asarray(shares.sum(axis=0) / k, dtype=np.float64), float(np.mean(count > 1))


def summarise(
    numbers: FloatArray,
    ids: Sequence[str],
    digits: int,
    *,
    draws: int,
    seed: int,
    parameters: Sequence[DrawSummary] = (),
) -> MonteCarloResult:
    """The outputs of the module docstring from the (draws x bids) comparison numbers."""
    probability, tie = win_probabilities(numbers, digits)
    k = numbers.shape[0]
    error = np.sqrt(probability * (1.0 - probability) / k)
    bids = tuple(
        BidDistribution(
            bid_id=bid_id,
            probability_best=float(probability[b]),
            standard_error=float(error[b]),
            comparison_number=percentiles(numbers[:, b], digits),
        )
        for b, bid_id in enumerate(ids)
    )
    gap = None
    if numbers.shape[1] >= 2:
        lowest_two = np.partition(numbers, 1, axis=1)[:, :2]
        gap = percentiles(lowest_two[:, 1] - lowest_two[:, 0], digits)
    return MonteCarloResult(
        draws=draws,
        seed=seed,
        bids=bids,
        gap=gap,
        probability_tie=tie,
        parameters=tuple(parameters),
    )


def run(
    model: ParametricModel,
    uncertain: Sequence[Uncertain],
    ids: Sequence[str],
    digits: int,
    *,
    draws: int,
    seed: int,
    max_variants: int = MAX_VARIANTS,
) -> MonteCarloResult:
    """Draw, evaluate and summarise (see the module docstring).

    Raises :class:`tco.analysis.model.DomainError` whose ``index`` is the position of the
    entry (distribution) whose draws left the parameter's domain, or of the first structural
    entry when the draws hold more than ``max_variants`` distinct structural settings.
    """
    parameters, values, owner = draw(uncertain, draws, seed, model.should_stop)
    variants = structural_variants(parameters, values)
    if variants > max_variants:
        first = next(o for p, o in zip(parameters, owner, strict=True) if p.structural)
        raise DomainError(
            first,
            f"the draws hold {variants} distinct settings of service life, quantity or unit "
            f"price, each needing its own expansion; at most {max_variants}: use a discrete "
            "distribution for these",
        )
    try:
        numbers = model.comparison_numbers(parameters, values)
    except DomainError as error:
        raise DomainError(owner[error.index], error.description) from None
    summaries = []
    for i, entry in enumerate(uncertain):
        pooled = values[:, [c for c, o in enumerate(owner) if o == i]].reshape(-1)
        summaries.append(
            DrawSummary(entry.parameter.path, entry.parameter.mode, percentiles(pooled, None))
        )
    return summarise(numbers, ids, digits, draws=draws, seed=seed, parameters=summaries)


def structural_variants(parameters: Sequence[Parameter], values: FloatArray) -> int:
    """How many distinct settings of structural parameters the draws hold (re-expansions)."""
    columns = [j for j, p in enumerate(parameters) if p.structural]
    if not columns:
        return 0
    return int(np.unique(values[:, columns], axis=0).shape[0])
