"""What one validation run knows: the collector, the method's facts the bids are checked
against, and the conversions that need them (real rates, service lives).

:mod:`tco.validate.method` fills a :class:`Context` from the method; :mod:`tco.validate.bids`
and :mod:`tco.validate.items` read it.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import numpy.typing as npt

from tco.finance import fisher_real
from tco.inputs import ModelKind
from tco.prepared import FloatArray, PreparedPollutantPrice
from tco.units import Dimension
from tco.validate import plausibility
from tco.validate.limits import MAX_LOG_GROWTH, MAX_REPLACEMENTS
from tco.validate.violations import Path, Violations


def readonly(array: FloatArray) -> FloatArray:
    """``array``, made read-only (prepared arrays are shared by every evaluation)."""
    array.setflags(write=False)
    return array


@dataclasses.dataclass(slots=True)
class Resource:
    """A priced resource while the method is being checked (its factor may come later)."""

    name: str
    dimension: Dimension
    price: float | None
    escalation: FloatArray | None
    factor: FloatArray | None = None
    basis: str = ""
    source: str = ""
    #: Its use per year (``kWh/year`` for energy): the dimension of a bid's resource use.
    per_year: Dimension = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        self.per_year = self.dimension.per(Dimension.TIME)


class Context:
    """One validation run: its violations and what the method says, as far as it is valid.

    A fact is None when its field was refused (the refusal is recorded once, at that field):
    checks that depend on it then skip what they cannot decide instead of reporting again.
    """

    __slots__ = (
        "base_year",
        "inflation",
        "ladder",
        "listed",
        "model_kind",
        "n",
        "nominal",
        "pollutants",
        "resources",
        "v",
    )

    def __init__(self) -> None:
        self.v = Violations()
        #: The study period N, in years, and the calendar year of study year 0.
        self.n: int | None = None
        self.base_year: int | None = None
        #: Inflation of a nominal analysis (0.0 in a real one).
        self.inflation: float | None = 0.0
        self.nominal = False
        self.resources: dict[str, Resource] = {}
        #: Every resource name the method lists, also those whose price was refused.
        self.listed: set[str] = set()
        self.pollutants: dict[str, PreparedPollutantPrice] = {}
        self.model_kind: ModelKind | None = ModelKind.COST
        #: The fictive discount ladder: level -> discount.
        self.ladder: dict[int, float] = {}

    def years(self) -> npt.NDArray[np.int64] | None:
        """Calendar years of the study, base_year .. base_year + N."""
        if self.base_year is None or self.n is None:
            return None
        return np.arange(self.base_year, self.base_year + self.n + 1, dtype=np.int64)

    def real(self, rate: float | None, at: Path) -> float | None:
        """The real rate: Fisher in a nominal analysis, the rate itself in a real one.

        Fisher (:func:`tco.finance.fisher_real`): ``(1 + r_real) = (1 + r_nominal) / (1 + i)``;
        3.5 % nominal with 2 % inflation -> 1.470588 % real.
        """
        if rate is None or self.inflation is None:
            return None
        if not self.nominal:
            return rate
        real = float(fisher_real(rate, self.inflation))
        if self.n is not None and self.n * abs(math.log1p(real)) > MAX_LOG_GROWTH:
            self.v.fail(at, "the real rate (Fisher) is too close to -1 for the study period")
            return None
        return real

    def escalation(self, at: Path, value: object, *, given_yearly: bool = False) -> float | None:
        """A constant escalation rate (resource price or cost stream), as stated.

        Explicit presence: left out (None) is 0 in a real analysis (constant real prices) and a
        violation in a nominal one, where 0 would be a real decline by inflation, unless a
        yearly series replaces it (``given_yearly``). ``0.25`` is accepted with the warning
        RATE_LOOKS_LIKE_PERCENT (:func:`tco.validate.plausibility.rate`).
        """
        if value is None:
            if self.nominal and not given_yearly:
                self.v.fail(
                    at,
                    "required in a nominal analysis: the nominal escalation per year as a "
                    "fraction (0 would mean prices falling by inflation in real terms)",
                )
                return None
            return 0.0
        rate = self.v.rate(at, value, self.n, "escalation")
        if rate is not None and rate >= plausibility.PLAUSIBLE_RATE:
            plausibility.rate(self.v, at, rate, "escalation rate")
        return rate

    def life(self, at: Path, quantity: object) -> tuple[bool, float | None]:
        """(ok, years > 0 or None when absent); at most MAX_REPLACEMENTS in the study period.

        ``Quantity(18, "months")`` -> 1.5 years; 0.01 years in a 20-year study (2 000
        replacements) is refused.
        """
        if quantity is None:
            return True, None
        # minimum 0.0, not money, minimum open; by position (see Violations.quantity)
        years = self.v.quantity(at, quantity, Dimension.TIME, 0.0, False, True)
        if years is None:
            return False, None
        # A stated life > 0 can still convert to 0.0 years (5e-324 s underflows): as short as
        # can be, and dividing by it would crash (regression test in tests/server/test_issues.py).
        if years == 0.0 or (self.n is not None and self.n / years > MAX_REPLACEMENTS):
            self.v.fail(
                (at, "value"),
                f"too short: more than {MAX_REPLACEMENTS} replacements in the study period",
            )
            return False, None
        return True, years
