"""Scenarios: several named parameter sets, the ranking in each, and whether they agree.

A scenario is one complete alternative reading of the inputs, for example one authority of a
joint procurement with its own energy price, its own quantities and its own carbon price series.
Each scenario is one row of one vectorised evaluation (:class:`tco.analysis.model.ParametricModel`):
its settings are active in its row only, every other parameter stays as stated, and its carbon
price path (when it brings one) replaces the method's before its settings act.

The scenarios *agree* when every scenario has the same set of best bids (rounded comparison
numbers, as the engine ranks). When they do not, the award depends on whose assumptions are
used, which is exactly what broke up the joint procurement this feature is for.

Worked example: authority North pays 0.9 SEK/kWh, South 1.8 SEK/kWh. Bid A (cheaper to buy,
30 000 kWh/year more) wins at 0.9 and loses at 1.8: ``agree`` is false and ``winners`` is
``("A", "B")``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .model import ParametricModel
from .outcomes import best_ids, outcomes
from .parameters import Parameter
from .results import ScenarioComparison, ScenarioResult

FloatArray = npt.NDArray[np.float64]

__all__ = ["ResolvedScenario", "compare_scenarios"]


@dataclass(frozen=True, slots=True)
class ResolvedScenario:
    """A scenario with its settings resolved: ``(parameter, number)`` pairs in order."""

    name: str
    settings: tuple[tuple[Parameter, float], ...]
    #: Carbon price per kgCO2e in each study year replacing the method's, or None.
    carbon_path: FloatArray | None = None


def compare_scenarios(
    model: ParametricModel, scenarios: Sequence[ResolvedScenario], ids: Sequence[str], digits: int
) -> ScenarioComparison:
    """Rank the bids in every scenario; see the module docstring.

    Raises :class:`tco.analysis.model.DomainError` whose ``index`` is the position of the
    offending setting in the scenarios' settings concatenated in order (map it back with the
    settings counts).
    """
    parameters: list[Parameter] = [p for s in scenarios for p, _ in s.settings]
    n_rows = len(scenarios)
    values = np.zeros((n_rows, len(parameters)), dtype=np.float64)
    active = np.zeros((n_rows, len(parameters)), dtype=bool)
    carbon = np.broadcast_to(model.carbon, (n_rows, model.carbon.size)).copy()
    column = 0
    for row, scenario in enumerate(scenarios):
        for _, number in scenario.settings:
            values[row, column] = number
            active[row, column] = True
            column += 1
        if scenario.carbon_path is not None:
            carbon[row] = scenario.carbon_path
    if n_rows == 0:
        return ScenarioComparison((), True, ())
    numbers = model.comparison_numbers(parameters, values, active=active, carbon_paths=carbon)
    results = tuple(
        ScenarioResult(
            name=scenario.name,
            bids=outcomes(numbers[row], ids, digits),
            best=best_ids(numbers[row], ids, digits),
        )
        for row, scenario in enumerate(scenarios)
    )
    winners: list[str] = []
    for result in results:
        for bid_id in result.best:
            if bid_id not in winners:
                winners.append(bid_id)
    agree = all(result.best == results[0].best for result in results)
    return ScenarioComparison(results=results, agree=agree, winners=tuple(winners))
