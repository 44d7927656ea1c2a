"""Measures of a bid against the baseline bid: ASTM E917 / E964 / E1057 / E1074 (primer §7).

All measures are computed on the **life-cycle cost borne by the buyer** (externalities excluded),
from the yearly cash flows, with the cost categories split into

- investment-related: acquisition, installation, replacement, residual value
  (:data:`tco.prepared.INVESTMENT_CATEGORIES`; residual value is a negative cost), and
- operational: everything else (energy, water and resources, maintenance, operation, end of
  life, other).

For an alternative bid *a* against the baseline *b* (PV = present value at t = 0, N the study
period in years, d the discount rate on the analysis basis: the real rate in a real analysis,
the stated nominal rate in a nominal one, as NIST BLCC 5.3; each result records d and its basis):

=========================  ==========================================================  =========
measure                    formula                                                     standard
=========================  ==========================================================  =========
net savings                NS = LCC_b − LCC_a                                          E1074
additional investment      ΔI = PV(inv_a) − PV(inv_b)
operational savings        ΔS = PV(op_b) − PV(op_a)          (so NS = ΔS − ΔI)
savings-to-investment      SIR = ΔS / ΔI, only when ΔI > 0                             E964
adjusted internal return   AIRR = (1 + d)·SIR^(1/N) − 1, only when SIR > 0             E1057
simple payback             first year the cumulative undiscounted net savings are ≥ 0  E917
discounted payback         same with discounted yearly flows                           E917
abatement cost             (LCC_a − LCC_b) / (tCO2e_b − tCO2e_a), money per tCO2e
=========================  ==========================================================  =========

A value that does not exist is ``None`` with a :class:`~tco.results.MeasureStatus` saying why —
never NaN, never inf, never 0 as a stand-in:

- the baseline itself: ``IS_BASELINE`` everywhere (net savings, ΔI, ΔS reported as 0);
- ΔI ≤ 0: SIR, AIRR and both paybacks ``NO_ADDITIONAL_INVESTMENT`` (the alternative costs no
  more to buy: a ratio over a non-positive investment is meaningless — bug class 3, the sign
  error that turns a cheaper-and-better bid into a negative SIR);
- SIR ≤ 0: AIRR ``NO_SAVINGS`` (SIR itself is still reported: it is a valid, poor ratio);
- no payback within the study period: ``NEVER_PAYS_BACK``;
- tCO2e_b − tCO2e_a ≤ 0: abatement cost ``NO_EMISSION_REDUCTION``. A negative abatement cost is a
  real value (the alternative is cheaper *and* cleaner) and has status ``OK``.

**Payback, precisely** (pins bug class 4, "payback 0 because year 0 shows no difference"). With
the yearly net savings n_t = (op_b,t − op_a,t) − (inv_a,t − inv_b,t) and their cumulative sum
C_t = Σ_{τ=0..t} n_τ from t = 0, the payback year is the first year t ≥ t₀ with C_t ≥ 0, where
t₀ is the first year in which the alternative has additional investment-related cost
(inv_a,t − inv_b,t > 0). Before t₀ nothing has been invested, so nothing can "pay back" (a year 0,
or any year, with no difference never counts). Payback is 0 only in the genuine case that an
additional investment at t = 0 is covered by savings in that same year. Later dips of C_t (a
replacement after payback) do not undo the payback (ASTM E917 first crossing).

**Numerical noise.** Sums of the same money in another order differ in the last bits; a ΔI of
1e-10 would give an absurd SIR. Differences within ``1e-9`` of the gross amounts involved
(``_REL_NOISE``) count as zero — far below any currency's minor unit.

Values are unrounded; the caller rounds money on output.

Worked example (d = 3 %, N = 20): the alternative costs 10 000 more at t = 0 and saves 1 000 a
year in years 1..20. UPV(3 %, 20) = 14.8775, so ΔS = 14 877.47, ΔI = 10 000, NS = 4 877.47,
SIR = 1.48775, AIRR = 1.03 × 1.48775^(1/20) − 1 = 5.066 %, simple payback 10 years (C_10 = 0),
discounted payback 13 years (UPV(3 %, 12) = 9.954 < 10 ≤ UPV(3 %, 13) = 10.635).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Generic, NamedTuple, TypeVar

import numpy as np

from tco.prepared import INVESTMENT_CATEGORIES, FloatArray
from tco.results import Measures, MeasureStatus

__all__ = ["Measure", "airr", "compute_measures"]

#: Relative size under which a difference of sums counts as zero (floating-point noise).
_REL_NOISE = 1e-9

T = TypeVar("T", float, int)


class Measure(NamedTuple, Generic[T]):
    """A measure's value (``None`` when it has none) and its status."""

    value: T | None
    status: MeasureStatus


def airr(sir_value: float, discount_rate: float, study_period_years: int) -> Measure[float]:
    """Adjusted internal rate of return (ASTM E1057), reinvestment at the discount rate.

    AIRR = (1 + d) · SIR^(1/N) − 1, defined for SIR > 0 (``NO_SAVINGS`` otherwise). AIRR > d
    exactly when SIR > 1.

    Examples
    --------
    >>> round(airr(1.4877474860, 0.03, 20).value, 6)
    0.050664
    >>> airr(-0.5, 0.03, 20).status
    <MeasureStatus.NO_SAVINGS: 'no_savings'>
    """
    if study_period_years < 1:
        raise ValueError(f"study period must be at least 1 year, got {study_period_years}")
    if not sir_value > 0.0:
        return Measure(None, MeasureStatus.NO_SAVINGS)
    value = (1.0 + discount_rate) * float(sir_value) ** (1.0 / study_period_years) - 1.0
    return Measure(value, MeasureStatus.OK)


def _baseline_measures(baseline_id: str, discount_rate: float, rate_basis: str) -> Measures:
    b = MeasureStatus.IS_BASELINE
    return Measures(
        baseline_bid_id=baseline_id,
        net_savings=0.0,
        additional_investment=0.0,
        operational_savings=0.0,
        sir=None,
        sir_status=b,
        airr=None,
        airr_status=b,
        simple_payback_years=None,
        simple_payback_status=b,
        discounted_payback_years=None,
        discounted_payback_status=b,
        abatement_cost=None,
        abatement_cost_status=b,
        discount_rate=discount_rate,
        rate_basis=rate_basis,
    )


def compute_measures(
    *,
    bid_ids: Sequence[str],
    baseline_index: int,
    discount_rate: float,
    study_period_years: int,
    categories: Sequence[str],
    undiscounted: FloatArray,
    discounted: FloatArray,
    emissions_total_kg: FloatArray,
    rate_basis: str = "real",
) -> list[Measures]:
    """Measures of every bid against the baseline bid, in bid order (see the module docstring).

    Parameters
    ----------
    bid_ids : the bids, in the order of the arrays' first axis.
    baseline_index : index of the baseline bid.
    discount_rate : d of AIRR on the analysis basis (:func:`tco.finance.analysis_discount_rate`).
    study_period_years : N (for AIRR); the year axis has N + 1 entries.
    categories : labels of the category axis (:data:`tco.prepared.CATEGORIES` order);
        :data:`tco.prepared.INVESTMENT_CATEGORIES` are investment-related, the rest operational.
    undiscounted, discounted : the buyer's cash flows (bids, categories, years 0..N) without
        externalities; ``discounted`` already carries the method's timing convention.
    emissions_total_kg : kgCO2e per bid, shape (bids,), for the abatement cost.
    rate_basis : "real" or "nominal", the basis of ``discount_rate``, recorded in each result.

    Returns
    -------
    One :class:`~tco.results.Measures` per bid, unrounded. The baseline gets ``IS_BASELINE``.

    Examples
    --------
    The module's worked example: d = 3 %, N = 20; bid B costs 10 000 more at t = 0 (acquisition)
    and saves 1 000 of energy a year.

    >>> from tco.prepared import CATEGORIES
    >>> t = np.arange(21)
    >>> und = np.zeros((2, len(CATEGORIES), 21))
    >>> und[0, 0, 0], und[1, 0, 0] = 50_000.0, 60_000.0
    >>> und[0, 2, 1:], und[1, 2, 1:] = 3_000.0, 2_000.0
    >>> disc = und * 1.03 ** -t
    >>> _, b = compute_measures(bid_ids=["A", "B"], baseline_index=0, discount_rate=0.03,
    ...     study_period_years=20, categories=CATEGORIES, undiscounted=und, discounted=disc,
    ...     emissions_total_kg=np.array([90_000.0, 60_000.0]))
    >>> round(b.net_savings, 2), round(b.sir, 5), round(b.airr, 6)
    (4877.47, 1.48775, 0.050664)
    >>> b.simple_payback_years, b.discounted_payback_years, round(b.abatement_cost, 2)
    (10, 13, -162.58)
    """
    und = np.asarray(undiscounted, dtype=np.float64)
    disc = np.asarray(discounted, dtype=np.float64)
    n_bids = len(bid_ids)
    n_years = study_period_years + 1
    expected = (n_bids, len(categories), n_years)
    if und.shape != expected or disc.shape != expected:
        raise ValueError(f"cash flows must be {expected}, got {und.shape} and {disc.shape}")
    emissions = np.asarray(emissions_total_kg, dtype=np.float64).reshape(n_bids)
    if not 0 <= baseline_index < n_bids:
        raise ValueError(f"baseline index {baseline_index} outside 0..{n_bids - 1}")

    is_inv = np.array([c in INVESTMENT_CATEGORIES for c in categories], dtype=bool)
    # Yearly investment-related / operational flows per bid: (bids, years).
    inv_und = und[:, is_inv, :].sum(axis=1)
    op_und = und[:, ~is_inv, :].sum(axis=1)
    inv_disc = disc[:, is_inv, :].sum(axis=1)
    op_disc = disc[:, ~is_inv, :].sum(axis=1)
    lcc = disc.sum(axis=(1, 2))
    pv_inv = inv_disc.sum(axis=1)
    pv_op = op_disc.sum(axis=1)
    tonnes = emissions / 1000.0

    # Every bid against the baseline at once (formulas and statuses: the module docstring).
    b = baseline_index
    base_id = bid_ids[b]
    ns = lcc[b] - lcc
    d_inv = pv_inv - pv_inv[b]
    d_sav = pv_op[b] - pv_op
    invests = ~(d_inv <= _REL_NOISE * (_abs_sums(inv_disc) + _abs_sums(inv_disc[b])))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = d_sav / d_inv
    simple_year, simple_ok, simple_any = _paybacks(op_und[b] - op_und, inv_und - inv_und[b])
    disc_year, disc_ok, disc_any = _paybacks(op_disc[b] - op_disc, inv_disc - inv_disc[b])
    reduction = tonnes[b] - tonnes
    reduces = reduction > _REL_NOISE * (np.abs(tonnes[b]) + np.abs(tonnes))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        abatement = (lcc - lcc[b]) / reduction

    simple = [_payback(*flags) for flags in zip(simple_year, simple_ok, simple_any, strict=True)]
    discounted_pb = [_payback(*flags) for flags in zip(disc_year, disc_ok, disc_any, strict=True)]
    out: list[Measures] = []
    basis = (discount_rate, rate_basis)
    for a in range(n_bids):
        if a == b:
            out.append(_baseline_measures(base_id, discount_rate, rate_basis))
            continue
        investment = float(d_inv[a])
        if not invests[a]:
            ratio_m = rate = Measure[float](None, MeasureStatus.NO_ADDITIONAL_INVESTMENT)
            simple[a] = discounted_pb[a] = Measure[int](None, ratio_m.status)
        else:
            ratio_m, rate = _sir_airr(
                investment, float(ratio[a]), discount_rate, study_period_years
            )
        abate = (
            Measure(float(abatement[a]), MeasureStatus.OK)
            # a reduction so small (1e-310 t) that the cost per tonne overflows: none to speak of
            if reduces[a] and math.isfinite(abatement[a])
            else Measure[float](None, MeasureStatus.NO_EMISSION_REDUCTION)
        )
        money = (float(ns[a]), investment, float(d_sav[a]))
        out.append(
            Measures(
                base_id, *money, *ratio_m, *rate, *simple[a], *discounted_pb[a], *abate, *basis
            )
        )
    return out


def _sir_airr(
    investment: float, sir_value: float, discount_rate: float, study_period_years: int
) -> tuple[Measure[float], Measure[float]]:
    """SIR = ΔS / ΔI (E964) and :func:`airr` of a bid with additional investment ΔI > 0.

    ΔI > 0 but so small (1e-310) that the ratio overflows counts as no investment to speak of.
    """
    if not (investment > 0.0 and math.isfinite(sir_value)):
        none = Measure[float](None, MeasureStatus.NO_ADDITIONAL_INVESTMENT)
        return none, none
    return Measure(sir_value, MeasureStatus.OK), airr(sir_value, discount_rate, study_period_years)


def _abs_sums(rows: FloatArray) -> FloatArray:
    """``np.sum(np.abs(row))`` of each row (the same pairwise sum as for one row alone)."""
    return np.asarray(np.abs(rows).sum(axis=-1), dtype=np.float64)


def _paybacks(
    savings: FloatArray, investment: FloatArray
) -> tuple[list[int], list[bool], list[bool]]:
    """Payback (E917) of every row pair of yearly savings s_t and additional investment i_t.

    n_t = s_t − i_t, C_t = Σ_{τ≤t} n_τ; the payback year is the first t ≥ t₀ with C_t ≥ 0, t₀ the
    first year with i_t > 0 (a year without difference never yields 0: bug class 4). Returns
    (year, paid back, invested at all) per row; the discounted payback is the same rule on
    present values.
    """
    tol = _REL_NOISE * (_abs_sums(savings) + _abs_sums(investment))
    invested = investment > tol[:, None]
    any_invested = np.asarray(invested.any(axis=1), dtype=bool)
    start = invested.argmax(axis=1)
    cumulative = np.cumsum(savings - investment, axis=1)
    years = np.arange(savings.shape[1])
    covered = (cumulative >= -tol[:, None]) & (years[None, :] >= start[:, None])
    first: list[int] = covered.argmax(axis=1).tolist()
    paid_back: list[bool] = np.asarray(covered.any(axis=1), dtype=bool).tolist()
    invested_at_all: list[bool] = any_invested.tolist()
    return first, paid_back, invested_at_all


def _payback(year: int, paid_back: bool, invested: bool) -> Measure[int]:
    if not invested:
        return Measure(None, MeasureStatus.NO_ADDITIONAL_INVESTMENT)
    if not paid_back:
        return Measure(None, MeasureStatus.NEVER_PAYS_BACK)
    return Measure(year, MeasureStatus.OK)
