"""What an analysis asks for (plain frozen dataclasses mirroring ``tcoapi.v1.AnalysisSpec``).

Field names follow the contract (``proto/tcoapi/v1/analysis.proto``), so a violation's path is
the same in Python and on the wire, e.g. ``analysis.sensitivity[2].path``,
``analysis.monte_carlo.distributions[0].triangular.most_likely``. A ``mode`` of None is the
contract's unset mode (refused: every number needs its mode).

Limits (checked by :func:`tco.analysis.analyze.analyze_ranking`; the server checks the size
limits on the request before conversion and answers RESOURCE_EXHAUSTED):

- :data:`MAX_DRAWS` draws; :data:`MAX_DRAW_CELLS` draws x bids x (N + 1) evaluation cells;
- :data:`MAX_ENTRIES` sensitivity parameters, switching parameters, scenarios, settings per
  scenario and distributions, each;
- :data:`MAX_VARIANTS` distinct settings of structural parameters (service life, quantity,
  unit price) in a Monte Carlo run (each re-expands the bids it touches).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tco.inputs import CarbonPrice

from .distributions import Distribution
from .parameters import Mode, Setting

__all__ = [
    "DEFAULT_DRAWS",
    "MAX_DRAWS",
    "MAX_DRAW_CELLS",
    "MAX_ENTRIES",
    "MAX_VARIANTS",
    "AnalysisSpec",
    "MonteCarloSpec",
    "ParameterDistribution",
    "Scenario",
    "SensitivityParameter",
    "SwitchingParameter",
    "ValueRange",
]

#: Most Monte Carlo draws.
MAX_DRAWS = 100_000
#: Draws when the request says 0.
DEFAULT_DRAWS = 10_000
#: Most draws x bids x (study years + 1) in one Monte Carlo run (about 1 s of arithmetic).
MAX_DRAW_CELLS = 200_000_000
#: Most entries of each list of the spec.
MAX_ENTRIES = 100
#: Most distinct structural settings in one Monte Carlo run.
MAX_VARIANTS = 2_000


@dataclass(frozen=True, slots=True)
class ValueRange:
    """A low and a high setting in a mode."""

    mode: Mode | None
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class SensitivityParameter:
    """One-at-a-time variation of one parameter: exactly one of ``percent``, ``delta``, ``range``.

    ``percent=10`` is scale 0.9 / 1.1 (± 10 % of the stated value); ``delta=0.01`` is shift
    -0.01 / +0.01 (± 0.01 in the parameter's unit); ``range`` gives low and high in a mode.
    """

    path: str
    percent: float | None = None
    delta: float | None = None
    range: ValueRange | None = None

    def setting(self) -> tuple[Mode | None, float, float]:
        """(mode, low, high) of the variation (the range's when several are given)."""
        if self.range is not None:
            return self.range.mode, self.range.low, self.range.high
        if self.percent is not None:
            return Mode.SCALE, 1.0 - self.percent / 100.0, 1.0 + self.percent / 100.0
        if self.delta is not None:
            return Mode.SHIFT, -self.delta, self.delta
        return None, math.nan, math.nan


@dataclass(frozen=True, slots=True)
class SwitchingParameter:
    """Search ``range`` (low < high, in its mode) for the values where the best bid changes."""

    path: str
    range: ValueRange | None


@dataclass(frozen=True, slots=True)
class Scenario:
    """A named set of settings, e.g. one authority of a joint procurement.

    ``carbon_price`` replaces the method's carbon price in this scenario (a series id, a
    constant or points, validated like the method's; its ``undiscounted`` must match the
    method's); settings act after it, in order.
    """

    name: str
    settings: tuple[Setting, ...] = ()
    carbon_price: CarbonPrice | None = None


@dataclass(frozen=True, slots=True)
class ParameterDistribution:
    """An uncertain parameter: its path, mode and distribution.

    ``independent``: with a wildcard path, each matched target (bid item, resource use,
    resource) gets its own draws instead of one common draw for all.
    """

    path: str
    mode: Mode | None
    distribution: Distribution | None
    independent: bool = False


@dataclass(frozen=True, slots=True)
class MonteCarloSpec:
    """``draws`` (0 = :data:`DEFAULT_DRAWS`) joint draws of every distribution, seeded."""

    draws: int = 0
    seed: int = 0
    distributions: tuple[ParameterDistribution, ...] = ()


@dataclass(frozen=True, slots=True)
class AnalysisSpec:
    """Everything an analysis may ask for; an empty spec gives the base ranking only."""

    sensitivity: tuple[SensitivityParameter, ...] = ()
    switching: tuple[SwitchingParameter, ...] = ()
    scenarios: tuple[Scenario, ...] = ()
    monte_carlo: MonteCarloSpec | None = None
