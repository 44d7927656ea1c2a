"""The spreadsheet verbs of life-cycle costing: one definition per convention.

Every present-value factor, the Fisher relation, the timing convention and escalation live here
and nowhere else; the expansion, the kernel and the climate module call these functions.
References: ASTM E917-17 (Standard Practice for Measuring Life-Cycle Costs of Buildings and
Building Systems) and its adjunct discount-factor tables; NIST Handbook 135 (Fuller & Petersen,
1995), ch. 4-5. All functions accept scalars or numpy arrays and broadcast (numpy-financial's
habit). Rates are fractions per year (0.03 = 3 %); ``d = 0`` is allowed everywhere.

Time: t = 0 is the base date (contract start); the study covers t = 0..N whole years. An amount
that belongs to year t (a "column" of the yearly arrays) is *paid* at the time given by
:func:`payment_times`; discounting (:func:`discount_factors`) and escalation
(:func:`escalation_index`) both use that payment time.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from tco.inputs import RateBasis, Timing

FloatArray = npt.NDArray[np.float64]
ArrayLike = float | int | npt.ArrayLike

__all__ = [
    "analysis_discount_rate",
    "constant_escalation_index",
    "discount_factors",
    "escalation_index",
    "fisher_inflation",
    "fisher_nominal",
    "fisher_real",
    "payment_times",
    "spv",
    "upv",
    "upv_star",
]


def _float(x: ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


def _scalar_or_array(result: FloatArray) -> FloatArray:
    """Return numpy scalars as 0-d arrays consistently (callers index or float() them)."""
    return np.asarray(result, dtype=np.float64)


def spv(d: ArrayLike, t: ArrayLike) -> FloatArray:
    """Single present value factor: the value today of 1 paid at time t.

    Formula: ``SPV(d, t) = (1 + d) ** -t`` (ASTM E917 Table "SPV"; NIST Handbook 135 eq. 4.1).
    ``t`` may be fractional (mid-year payments).

    Example:
        >>> round(float(spv(0.03, 15)), 4)
        0.6419
        >>> round(30_000 * float(spv(0.08, 30)), 2)
        2981.32
    """
    return _scalar_or_array(np.power(1.0 + _float(d), -_float(t)))


def discount_factors(d: ArrayLike, times: ArrayLike) -> FloatArray:
    """Discount factors for an array of payment times: ``(1 + d) ** -times``.

    The vector form of :func:`spv`, used by the kernel with the times of
    :func:`payment_times`. Year 0 (``times == 0``) always gets exactly 1.0, so initial
    investments are never discounted.

    Example (MID_YEAR, d = 3 %; the recurring amount of year 1 is paid at t = 0.5):
        >>> [round(float(x), 6) for x in discount_factors(0.03, np.array([0.0, 0.5, 1.5]))]
        [1.0, 0.985329, 0.95663]
    """
    return spv(d, times)


def upv(d: ArrayLike, n: ArrayLike) -> FloatArray:
    """Uniform present value factor: the value today of 1 a year at the end of years 1..n.

    Formula: ``UPV(d, n) = (1 - (1 + d) ** -n) / d``; ``UPV(0, n) = n``
    (ASTM E917 Table "UPV"; NIST Handbook 135 eq. 4.3). Computed as
    ``-expm1(-n * log1p(d)) / d`` so that it stays accurate as d approaches 0.

    Example:
        >>> round(float(upv(0.03, 15)), 4), round(float(upv(0.08, 30)), 4)
        (11.9379, 11.2578)
        >>> float(upv(0.0, 12))
        12.0
        >>> round(30_000 * float(upv(0.08, 30)), 1)
        337733.5
    """
    d_arr, n_arr = np.broadcast_arrays(_float(d), _float(n))
    zero = d_arr == 0.0
    safe_d = np.where(zero, 1.0, d_arr)
    value = -np.expm1(-n_arr * np.log1p(safe_d)) / safe_d
    return _scalar_or_array(np.where(zero, n_arr, value))


def upv_star(d: ArrayLike, e: ArrayLike, n: ArrayLike) -> FloatArray:
    """Modified uniform present value factor: 1 a year escalating at e, years 1..n.

    Formula: ``UPV*(d, e, n) = sum_{t=1..n} ((1 + e) / (1 + d)) ** t
    = q (1 - q**n) / (1 - q)`` with ``q = (1 + e) / (1 + d)``; ``= n`` when ``e == d``
    (ASTM E917 Table "UPV*"; NIST Handbook 135 eq. 4.5). The base-year amount is escalated
    from the base date: the amount of year t is ``A (1 + e) ** t`` (not ``** (t - 1)``).

    Example:
        >>> round(float(upv_star(0.03, 0.02, 20)), 4)
        18.0812
        >>> float(upv_star(0.03, 0.03, 7))
        7.0
    """
    d_arr, e_arr, n_arr = np.broadcast_arrays(_float(d), _float(e), _float(n))
    q = (1.0 + e_arr) / (1.0 + d_arr)
    equal = q == 1.0
    safe_q = np.where(equal, 2.0, q)
    value = safe_q * (1.0 - np.power(safe_q, n_arr)) / (1.0 - safe_q)
    return _scalar_or_array(np.where(equal, n_arr, value))


def fisher_real(nominal: ArrayLike, inflation: ArrayLike) -> FloatArray:
    """Real rate from a nominal rate and inflation (Fisher), never by subtraction.

    Formula: ``(1 + d_real) = (1 + d_nominal) / (1 + i)`` (NIST Handbook 135 eq. 3.2),
    computed as ``(d_nominal - i) / (1 + i)``: the same identity without the cancellation of
    ``1 + d - 1`` (exact when i = 0).

    Example (nominal 4.5 %, inflation 2.25049 % -> real 2.2 %; ``0.045 - 0.0225`` would give
    2.25 %, bug class 7):
        >>> round(float(fisher_real(0.045, 0.0225049)), 6)
        0.022
    """
    nominal_rate, inflation_rate = _float(nominal), _float(inflation)
    return _scalar_or_array((nominal_rate - inflation_rate) / (1.0 + inflation_rate))


def fisher_nominal(real: ArrayLike, inflation: ArrayLike) -> FloatArray:
    """Nominal rate from a real rate and inflation: ``(1 + d_nom) = (1 + d_real)(1 + i)``.

    Reference: NIST Handbook 135 eq. 3.1; computed as ``d_real (1 + i) + i`` (exact when
    i = 0), the inverse of :func:`fisher_real`.

    Example (real 20 %, inflation 3 % -> nominal 23.6 %, not 23 %):
        >>> round(float(fisher_nominal(0.20, 0.03)), 6)
        0.236
    """
    real_rate, inflation_rate = _float(real), _float(inflation)
    return _scalar_or_array(real_rate * (1.0 + inflation_rate) + inflation_rate)


def fisher_inflation(nominal: ArrayLike, real: ArrayLike) -> FloatArray:
    """Inflation implied by a nominal and a real rate: ``(1 + i) = (1 + d_nom) / (1 + d_real)``.

    Example (nominal 4.5 %, real 2.2 % -> inflation 2.25049 %):
        >>> round(float(fisher_inflation(0.045, 0.022)) * 100, 5)
        2.25049
    """
    return _scalar_or_array((1.0 + _float(nominal)) / (1.0 + _float(real)) - 1.0)


def analysis_discount_rate(rate_basis: RateBasis, real_rate: float, stated_rate: float) -> float:
    """The discount rate of the rate-derived results: annual value and AIRR (primer §7).

    A real analysis uses the real rate; a nominal analysis the stated nominal rate, as NIST
    BLCC 5.3 does (its capital recovery factor and AIRR). Present values are the same on either
    basis (Fisher), annual values and AIRR are not: they are *on the analysis basis*, so a
    nominal AIRR is ``(1 + i)(1 + AIRR_real) - 1``.

    - annual value ``AV = LCC / UPV(d, N)``;
    - ``AIRR = (1 + d) SIR^(1/N) - 1``.

    Example (BLCC 5.3 FederalFinanced, nominal 3.1 %, N = 15): LCC 1 005 494 gives
    AV = 1 005 494 / UPV(3.1 %, 15) = 1 005 494 / 11.852 = 84 837 (the report: 84 865, with
    BLCC's day-count times); at a real rate of 2.2 % it would be 79 429, 6 % lower:

        >>> analysis_discount_rate(RateBasis.NOMINAL, 0.022, 0.031)
        0.031
        >>> analysis_discount_rate(RateBasis.REAL, 0.03, 0.03)
        0.03
        >>> d = analysis_discount_rate(RateBasis.NOMINAL, 0.022, 0.031)
        >>> round(1_005_494 / float(upv(d, 15)))
        84837
    """
    return stated_rate if rate_basis is RateBasis.NOMINAL else real_rate


def payment_times(timing: Timing, years: ArrayLike, recurring: ArrayLike) -> FloatArray:
    """When the amount belonging to study year t is paid, under the method's timing convention.

    - END_OF_YEAR (NIST/ASTM default): at t.
    - MID_YEAR: recurring amounts of year t >= 1 at t - 0.5; year 0 stays at 0 (E3's bug was
      to discount year 0 by half a year: bug class 2).
    - BEGINNING_OF_YEAR (annuity-due, Swedish handbook tables): the recurring amount of service
      year k >= 1 is paid at k - 1; year 0 stays at 0.
    - One-off events (``recurring`` False: purchases, replacements, end of life, residual value)
      stay at their year under every convention.

    ``years`` are study years (whole numbers); ``recurring`` is a bool or a bool array that
    broadcasts against them.

    Example:
        >>> years = np.array([0, 1, 2, 3])
        >>> payment_times(Timing.MID_YEAR, years, True).tolist()
        [0.0, 0.5, 1.5, 2.5]
        >>> payment_times(Timing.BEGINNING_OF_YEAR, years, True).tolist()
        [0.0, 0.0, 1.0, 2.0]
        >>> payment_times(Timing.BEGINNING_OF_YEAR, years, False).tolist()
        [0.0, 1.0, 2.0, 3.0]
    """
    t = _float(years)
    rec = np.asarray(recurring, dtype=bool)
    if timing is Timing.END_OF_YEAR:
        shift = 0.0
    elif timing is Timing.MID_YEAR:
        shift = 0.5
    elif timing is Timing.BEGINNING_OF_YEAR:
        shift = 1.0
    else:  # pragma: no cover - exhaustive over the enum
        raise ValueError(f"unknown timing {timing!r}")
    moved = np.where(rec & (t >= 1.0), t - shift, t)
    return _scalar_or_array(moved + 0.0)


def constant_escalation_index(rates: ArrayLike, times: ArrayLike) -> FloatArray:
    """Price index of constant real escalation rates at payment times: ``(1 + e) ** t``.

    ``rates`` and ``times`` broadcast against each other (a column of rates against a row of
    times gives one index row per rate). This is :func:`escalation_index` of a constant rate.

    Example:
        >>> constant_escalation_index(np.array([[0.0], [0.1]]), np.array([0.0, 1.0, 2.0]))
        array([[1.  , 1.  , 1.  ],
               [1.  , 1.1 , 1.21]])
    """
    return _scalar_or_array(np.power(1.0 + _float(rates), _float(times)))


def escalation_index(rates: ArrayLike, times: ArrayLike) -> FloatArray:
    """Price index at the payment time, compounded from the base date (t = 0, index 1).

    - A constant real rate e (a scalar): ``(1 + e) ** t``; so ``(1 + e) ** (t - 0.5)`` for a
      MID_YEAR payment and ``(1 + e) ** (k - 1)`` for BEGINNING_OF_YEAR, because ``times``
      are payment times (:func:`payment_times`). Many constant rates at once:
      :func:`constant_escalation_index`.
    - A yearly series (the last axis; entry i is the rate of year i + 1):
      ``prod_{i<=t} (1 + e_i)`` at whole years; within a year the growth is geometric,
      ``index(t) = index(floor t) * (1 + e_{floor t + 1}) ** (t - floor t)``. Years past the end
      of the series keep its last rate; an empty series means no escalation. Leading axes of
      ``rates`` (one series per draw of a Monte Carlo run) lead the result: shape
      ``rates.shape[:-1] + times.shape``.

    Escalation counts from the base date, never from first use (bug class 6): an energy price
    escalating at 2 % is ``1.02 ** 5`` times the base price in year 5 even if use starts then.

    Example:
        >>> round(float(escalation_index(0.02, 5.0)), 6)
        1.104081
        >>> escalation_index(np.array([0.10, 0.0, 0.05]), np.array([0.0, 1.0, 2.0, 3.0, 4.0]))
        array([1.     , 1.1    , 1.1    , 1.155  , 1.21275])
        >>> round(float(escalation_index(np.array([0.10, 0.21]), 1.5)), 6)
        1.21
    """
    t = _float(times)
    r = _float(rates)
    if r.ndim == 0:
        return constant_escalation_index(r, t)
    if r.shape[-1] == 0:
        return _scalar_or_array(np.ones(r.shape[:-1] + t.shape))
    if t.size and float(np.min(t)) < 0.0:
        raise ValueError("payment times are never before the base date")
    horizon = math.ceil(float(np.max(t))) if t.size else 0
    growth = 1.0 + r
    if growth.shape[-1] < horizon + 1:
        pad = np.repeat(growth[..., -1:], horizon + 1 - growth.shape[-1], axis=-1)
        growth = np.concatenate([growth, pad], axis=-1)
    ones = np.ones((*growth.shape[:-1], 1), dtype=np.float64)
    cumulative = np.concatenate([ones, np.cumprod(growth, axis=-1)], axis=-1)
    whole = np.floor(t).astype(np.int64)
    fraction = t - whole
    index = cumulative[..., whole]
    partial = fraction > 0.0
    if np.any(partial):
        index = np.where(partial, index * np.power(growth[..., whole], fraction), index)
    return _scalar_or_array(index)
