"""Probability distributions of an uncertain parameter, sampled with a seeded numpy Generator.

Six families, each a frozen dataclass with :meth:`check` (what is wrong with its numbers, as
``(field, description)`` pairs) and :meth:`sample` (``k`` draws from a ``numpy.random.Generator``).
Draws are in the parameter's mode (:mod:`tco.analysis.parameters`): a ``scale`` distribution
around 1, a ``value`` distribution in the parameter's unit, a ``shift`` around 0.

Determinism: the same generator state gives the same draws (numpy's PCG64 bit generator and
its sampling algorithms are fixed for a numpy version; ``constraints.txt`` pins it).

======================= ======================================= ==============================
family                  draw                                    numpy call
======================= ======================================= ==============================
Uniform(a, b)           a + (b - a) U                           ``uniform(a, b)``
Triangular(a, m, b)     inverse CDF of the triangle a..m..b     ``triangular(a, m, b)``
Normal(mu, sd)          mu + sd Z                               ``normal(mu, sd)``
Lognormal(med, sigma)   med exp(sigma Z)                        ``lognormal(ln med, sigma)``
Pert(a, m, b, lam)      a + (b - a) Beta(alpha, beta)           ``beta(alpha, beta)``
Discrete(v, p)          v_i with probability p_i                ``choice(v, p=p)``
======================= ======================================= ==============================
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

__all__ = [
    "MAX_DISCRETE_VALUES",
    "Discrete",
    "Distribution",
    "Lognormal",
    "Normal",
    "Pert",
    "Triangular",
    "Uniform",
]

#: Most values of a discrete distribution.
MAX_DISCRETE_VALUES = 1000
#: Default PERT shape (the classical lambda = 4).
PERT_SHAPE = 4.0

Problems = list[tuple[str, str]]


def _finite(problems: Problems, **numbers: float) -> bool:
    ok = True
    for name, value in numbers.items():
        if not math.isfinite(value):
            problems.append((name, "expected a finite number"))
            ok = False
    return ok


@dataclass(frozen=True, slots=True)
class Uniform:
    """Every value in [low, high] equally likely.

    Mean ``(a + b) / 2``. Example: ``Uniform(0.8, 1.2)`` on ``resource_prices[*].price`` scale:
    energy prices anywhere between 20 % lower and 20 % higher than the method states.
    """

    low: float
    high: float

    def check(self) -> Problems:
        problems: Problems = []
        if _finite(problems, low=self.low, high=self.high):
            if not self.low < self.high:
                problems.append(("high", "expected high > low"))
            elif not math.isfinite(self.high - self.low):
                problems.append(("high", "expected high - low within the range of float64"))
        return problems

    def sample(self, rng: np.random.Generator, k: int) -> FloatArray:
        return np.asarray(rng.uniform(self.low, self.high, k), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class Triangular:
    """Triangle on [low, high] peaking at most_likely.

    Mean ``(a + m + b) / 3``. Example: ``Triangular(0.5, 1.0, 2.0)`` on ``carbon_price`` scale:
    the carbon price path between half and twice the method's, most likely as stated (mean
    1.1667).
    """

    low: float
    most_likely: float
    high: float

    def check(self) -> Problems:
        problems: Problems = []
        if _finite(problems, low=self.low, most_likely=self.most_likely, high=self.high):
            if not self.low < self.high:
                problems.append(("high", "expected high > low"))
            elif not self.low <= self.most_likely <= self.high:
                problems.append(("most_likely", "expected low <= most_likely <= high"))
        return problems

    def sample(self, rng: np.random.Generator, k: int) -> FloatArray:
        return np.asarray(rng.triangular(self.low, self.most_likely, self.high, k), np.float64)


@dataclass(frozen=True, slots=True)
class Normal:
    """Gaussian with mean and standard deviation (sd > 0).

    Example: ``Normal(0.0, 0.005)`` on ``discount_rate`` shift: the discount rate within about
    ±1 percentage point of the method's in 95 % of draws. Unbounded: a draw that leaves the
    parameter's domain (a negative price, a rate <= -1) is refused with the number of such
    draws; choose a family with bounds then.
    """

    mean: float
    sd: float

    def check(self) -> Problems:
        problems: Problems = []
        if _finite(problems, mean=self.mean, sd=self.sd) and not self.sd > 0.0:
            problems.append(("sd", "expected a standard deviation > 0"))
        return problems

    def sample(self, rng: np.random.Generator, k: int) -> FloatArray:
        return np.asarray(rng.normal(self.mean, self.sd, k), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class Lognormal:
    """``median x exp(sigma Z)``, Z standard normal: positive, skewed upwards.

    Mean ``median x exp(sigma**2 / 2)``. Example: ``Lognormal(1.0, 0.25)`` on an energy price
    scale: half the draws below the stated price, a long tail of price spikes (P95 = 1.51).
    """

    median: float
    sigma: float

    def check(self) -> Problems:
        problems: Problems = []
        if _finite(problems, median=self.median, sigma=self.sigma):
            if not self.median > 0.0:
                problems.append(("median", "expected a median > 0"))
            if not self.sigma > 0.0:
                problems.append(("sigma", "expected sigma > 0 (the sd of the log)"))
        return problems

    def sample(self, rng: np.random.Generator, k: int) -> FloatArray:
        return np.asarray(rng.lognormal(math.log(self.median), self.sigma, k), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class Pert:
    """Beta-PERT on [low, high] with most_likely and shape lambda (default 4; 0 means 4).

    ``alpha = 1 + lambda (m - a) / (b - a)``, ``beta = 1 + lambda (b - m) / (b - a)``,
    draw ``a + (b - a) Beta(alpha, beta)``; mean ``(a + lambda m + b) / (lambda + 2)``.
    Example: ``Pert(8, 10, 14)`` on a service life (value, years): mean 10.33 years, less weight
    on the ends than a triangle.
    """

    low: float
    most_likely: float
    high: float
    shape: float = PERT_SHAPE

    def check(self) -> Problems:
        problems: Problems = []
        numbers = {"low": self.low, "most_likely": self.most_likely, "high": self.high}
        if _finite(problems, shape=self.shape, **numbers):
            if not self.low < self.high:
                problems.append(("high", "expected high > low"))
            elif not self.low <= self.most_likely <= self.high:
                problems.append(("most_likely", "expected low <= most_likely <= high"))
            if self.shape < 0.0:
                problems.append(("shape", "expected a shape >= 0 (0 means the classical 4)"))
        return problems

    def sample(self, rng: np.random.Generator, k: int) -> FloatArray:
        lam = self.shape or PERT_SHAPE
        width = self.high - self.low
        alpha = 1.0 + lam * (self.most_likely - self.low) / width
        beta = 1.0 + lam * (self.high - self.most_likely) / width
        return np.asarray(self.low + width * rng.beta(alpha, beta, k), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class Discrete:
    """One of a few values, with probabilities (empty: equally likely; else summing to 1).

    Example: ``Discrete((8.0, 10.0, 12.0), (0.25, 0.5, 0.25))`` on a service life (value,
    years). Probabilities are normalised by their sum (which must be 1 within 1e-9).
    """

    values: tuple[float, ...]
    probabilities: tuple[float, ...] = ()

    def check(self) -> Problems:
        problems: Problems = []
        n = len(self.values)
        if n == 0:
            problems.append(("values", "expected at least one value"))
        elif n > MAX_DISCRETE_VALUES:
            problems.append(("values", f"at most {MAX_DISCRETE_VALUES} values, got {n}"))
        if any(not math.isfinite(v) for v in self.values):
            problems.append(("values", "expected finite numbers"))
        if self.probabilities:
            if len(self.probabilities) != n:
                problems.append(
                    ("probabilities", f"expected {n} probabilities (one per value) or none")
                )
            elif any(not (math.isfinite(p) and p >= 0.0) for p in self.probabilities):
                problems.append(("probabilities", "expected finite probabilities >= 0"))
            elif abs(math.fsum(self.probabilities) - 1.0) > 1e-9:
                problems.append(("probabilities", "expected probabilities summing to 1"))
        return problems

    def sample(self, rng: np.random.Generator, k: int) -> FloatArray:
        values = np.asarray(self.values, dtype=np.float64)
        if self.probabilities:
            p = np.asarray(self.probabilities, dtype=np.float64)
            p = p / p.sum()
            return np.asarray(rng.choice(values, size=k, p=p), dtype=np.float64)
        return np.asarray(rng.choice(values, size=k), dtype=np.float64)


Distribution = Uniform | Triangular | Normal | Lognormal | Pert | Discrete
