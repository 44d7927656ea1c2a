"""Evaluation models and ranking: from total cost to comparison number to rank (primer §6).

Every model starts from the **total cost** of a bid,

    T = LCC + climate cost + other monetised externalities,

(all present values, method currency) and forms the bid's **comparison number** (evaluated cost):

================== ============================================= ========================
model              comparison number                             ``deductions`` reported
================== ============================================= ========================
COST               T                                             0
DEDUCTIONS         T − D   (D = Σ the bid's fixed deductions)    D
FICTIVE_DISCOUNT   T × (1 − r(level))                            T × r(level)
EXTERNALITY_FACTOR LCC + f × (climate + other externalities)     0
================== ============================================= ========================

- DEDUCTIONS is the Swedish *mervärdesmodell*: each deduction is an absolute amount the method
  fixes per criterion level (``EvaluationModel.deduction_criteria``), independent of the bid's
  prices; a bid only claims a level (:mod:`tco.validate.deductions` resolves each claim to the
  method's amount, refuses unknown criteria and levels and any bid-stated amount that differs;
  a criterion not claimed is level "none", 0). The caller sums a bid's resolved deductions.
- FICTIVE_DISCOUNT is the Dutch CO2-performance ladder: r(level) from the method's ladder,
  level 0 (or a level the ladder does not list) = no discount. See :func:`ladder_discount`.
- EXTERNALITY_FACTOR is the Dutch MKI-W: the externalities weighted by the method's factor f are
  added to the buyer's life-cycle cost.
- Threshold models, in which price reductions below a threshold stop counting, are **refused at
  validation** (Swedish Supreme Administrative Court, HFD 2022 ref. 41); there is no such model
  here and :mod:`tco.validate` rejects ``price_threshold``.

Comparison numbers are returned **unrounded**; the caller rounds them half-up to the currency's
minor unit and passes the rounded numbers to :func:`rank_bids`, so that "equal" means "equal in
the money the buyer publishes".

Ranking (:func:`rank_bids`) is ascending **competition ranking** ("1224"): equal comparison
numbers share the best rank of their group and the next rank skips (1, 1, 3). A tie is never
broken silently: every tied bid is flagged and a ``TIE`` warning names the bids. When the best two
differ by less than 10 % a ``INCONCLUSIVE_RANKING`` warning says so (LCC inputs are uncertain).

All functions are vectorised over leading axes: arrays are shaped ``(..., bids)`` so a Monte Carlo
run can pass ``(draws, bids)`` arrays (see :func:`competition_rank`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tco.inputs import ModelKind
from tco.prepared import FloatArray, PreparedModel
from tco.results import Warning

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Relative gap between the best two comparison numbers under which the ranking is flagged
#: ``INCONCLUSIVE_RANKING`` (primer §6: "differences under 10 % between the best two").
INCONCLUSIVE_MARGIN = 0.10

__all__ = [
    "INCONCLUSIVE_MARGIN",
    "ModelOutcome",
    "Ranking",
    "comparison_numbers",
    "competition_rank",
    "ladder_discount",
    "rank_bids",
]


@dataclass(frozen=True)
class ModelOutcome:
    """Comparison numbers of the bids and the deductions the model applied, shape ``(..., bids)``.

    ``evaluated`` is unrounded. ``deductions`` is what the model took off the total cost T
    (DEDUCTIONS: the fixed amounts; FICTIVE_DISCOUNT: T × discount; otherwise 0), so that
    ``evaluated == T - deductions`` for every model except EXTERNALITY_FACTOR, which re-weights
    the externalities instead of deducting.
    """

    evaluated: FloatArray
    deductions: FloatArray


@dataclass(frozen=True)
class Ranking:
    """Ranks of one set of bids (1-D, bid order as given).

    ``rank``: competition ranking, 1 = best (lowest comparison number); tied bids share a rank.
    ``tied``: True where another bid has the same (rounded) comparison number.
    ``difference_to_best``: evaluated − best evaluated (0 for the best; ≥ 0).
    ``difference_to_best_percent``: 100 × difference / |best|; 0.0 everywhere when best == 0
    (with a ``BEST_COST_ZERO`` warning) — never NaN or inf.
    ``warnings``: ``TIE`` (one per tied group, naming the bids), ``INCONCLUSIVE_RANKING``,
    ``BEST_COST_ZERO``.
    """

    rank: IntArray
    tied: BoolArray
    difference_to_best: FloatArray
    difference_to_best_percent: FloatArray
    warnings: tuple[Warning, ...]


def ladder_discount(ladder: Mapping[int, float], levels: npt.ArrayLike) -> FloatArray:
    """Fictive discount r(level) of each bid from a fictive-discount ladder (vectorised).

    r(level) = ladder[level] for a level the ladder lists (levels ≥ 1), otherwise 0:
    level 0 means "no level" and earns no discount. (Validation refuses a bid level that the
    method's ladder does not list; here such a level simply earns nothing.)

    Reference: CO2-prestatieladder (SKAO), "fictieve korting" — e.g. 1/2/4/7/10 % for levels 1–5.

    Parameters
    ----------
    ladder : mapping level → discount fraction (0.04 = 4 %).
    levels : integer array of any shape (e.g. ``(bids,)``).

    Returns
    -------
    Float array of the same shape as ``levels``.

    Examples
    --------
    >>> ladder = {1: 0.01, 2: 0.02, 3: 0.04, 4: 0.07, 5: 0.10}
    >>> ladder_discount(ladder, [3, 0, 5]).tolist()
    [0.04, 0.0, 0.1]

    The Dutch ladder example: EUR 30 M at level 3 is evaluated at 30 M × (1 − 0.04) = 28.8 M
    and beats EUR 29 M at level 0:

    >>> total = np.array([30e6, 29e6])
    >>> (total * (1 - ladder_discount(ladder, [3, 0]))).tolist()
    [28800000.0, 29000000.0]
    """
    lv = np.asarray(levels, dtype=np.int64)
    steps = {int(k): float(v) for k, v in ladder.items() if int(k) >= 1}
    top = max(steps, default=0)
    table = np.zeros(top + 1, dtype=np.float64)
    for level, discount in steps.items():
        table[level] = discount
    listed = (lv >= 1) & (lv <= top)
    out: FloatArray = np.where(listed, table[np.clip(lv, 0, top)], 0.0)
    return out


def comparison_numbers(
    model: PreparedModel,
    *,
    life_cycle_cost: FloatArray,
    climate_cost: FloatArray,
    externality_cost: FloatArray,
    fixed_deductions: FloatArray,
    ladder_levels: npt.NDArray[np.int64],
) -> ModelOutcome:
    """Comparison number (evaluated cost) of every bid under the method's evaluation model.

    With T = LCC + C + E (C: climate cost, E: other monetised externalities):

    - COST:               evaluated = T;                      deductions = 0
    - DEDUCTIONS:         evaluated = T − D;                  deductions = D
    - FICTIVE_DISCOUNT:   evaluated = T × (1 − r(level));     deductions = T × r(level)
    - EXTERNALITY_FACTOR: evaluated = LCC + f × (C + E);      deductions = 0

    D is the sum of the fixed deductions the bid earned (absolute amounts the method fixes per
    criterion level, independent of price); r is :func:`ladder_discount`; f is
    ``model.externality_factor``. Inputs a model does not use are ignored (e.g. the ladder levels
    under COST). Reference: primer §6; Directive 2014/24/EU Art. 68; LOU 16 kap.

    All arrays are shaped ``(..., bids)`` and broadcast against each other (a ``(bids,)`` array of
    deductions or ladder levels works with ``(draws, bids)`` costs). Results are unrounded.

    Examples
    --------
    >>> from tco.inputs import ModelKind
    >>> from tco.prepared import PreparedModel
    >>> steps = {1: 0.01, 2: 0.02, 3: 0.04, 4: 0.07, 5: 0.10}
    >>> ladder = PreparedModel(ModelKind.FICTIVE_DISCOUNT, steps, 0.0)
    >>> out = comparison_numbers(
    ...     ladder,
    ...     life_cycle_cost=np.array([30e6, 29e6]),
    ...     climate_cost=np.zeros(2),
    ...     externality_cost=np.zeros(2),
    ...     fixed_deductions=np.zeros(2),
    ...     ladder_levels=np.array([3, 0]),
    ... )
    >>> out.evaluated.tolist(), out.deductions.tolist()
    ([28800000.0, 29000000.0], [1200000.0, 0.0])
    """
    lcc, climate, other, fixed = np.broadcast_arrays(
        np.asarray(life_cycle_cost, dtype=np.float64),
        np.asarray(climate_cost, dtype=np.float64),
        np.asarray(externality_cost, dtype=np.float64),
        np.asarray(fixed_deductions, dtype=np.float64),
    )
    total = lcc + climate + other
    zero = np.zeros_like(total)
    kind = model.kind
    if kind is ModelKind.COST:
        return ModelOutcome(evaluated=total, deductions=zero)
    if kind is ModelKind.DEDUCTIONS:
        deductions = np.array(fixed, dtype=np.float64)
        return ModelOutcome(evaluated=total - deductions, deductions=deductions)
    if kind is ModelKind.FICTIVE_DISCOUNT:
        rate = ladder_discount(model.ladder, ladder_levels)
        deductions = total * rate
        evaluated = total * (1.0 - rate)
        return ModelOutcome(
            evaluated=np.asarray(evaluated, dtype=np.float64),
            deductions=np.asarray(deductions, dtype=np.float64),
        )
    if kind is ModelKind.EXTERNALITY_FACTOR:
        evaluated = lcc + model.externality_factor * (climate + other)
        return ModelOutcome(evaluated=np.asarray(evaluated, dtype=np.float64), deductions=zero)
    raise ValueError(f"unknown evaluation model {kind!r}")  # pragma: no cover - enum is closed


def competition_rank(evaluated: FloatArray) -> tuple[IntArray, BoolArray]:
    """Competition ranks ("1224") and tie flags along the last axis, vectorised over the rest.

    rank_i = 1 + #{j : x_j < x_i};  tied_i = #{j ≠ i : x_j == x_i} > 0.

    Exact float equality: pass comparison numbers already rounded to the minor unit.

    Examples
    --------
    >>> r, t = competition_rank(np.array([5.0, 3.0, 5.0, 9.0]))
    >>> r.tolist(), t.tolist()
    ([2, 1, 2, 4], [True, False, True, False])
    >>> competition_rank(np.array([[1.0, 2.0], [2.0, 2.0]]))[0].tolist()
    [[1, 2], [1, 1]]
    """
    x = np.asarray(evaluated, dtype=np.float64)
    n = x.shape[-1] if x.ndim else 0
    if x.ndim == 0:
        raise ValueError("evaluated must have a bids axis")
    if n == 0:
        return np.zeros(x.shape, dtype=np.int64), np.zeros(x.shape, dtype=bool)
    order = np.argsort(x, axis=-1, kind="stable")
    ordered = np.take_along_axis(x, order, axis=-1)
    differs = ordered[..., 1:] != ordered[..., :-1]
    edge = np.ones((*x.shape[:-1], 1), dtype=bool)
    starts = np.concatenate([edge, differs], axis=-1)  # first of its group
    ends = np.concatenate([differs, edge], axis=-1)  # last of its group
    position = np.broadcast_to(np.arange(n, dtype=np.int64), x.shape)
    first_of_group = np.maximum.accumulate(np.where(starts, position, 0), axis=-1)
    rank = np.empty(x.shape, dtype=np.int64)
    tied = np.empty(x.shape, dtype=bool)
    np.put_along_axis(rank, order, first_of_group + 1, axis=-1)
    np.put_along_axis(tied, order, ~(starts & ends), axis=-1)
    return rank, tied


def _fmt(value: float) -> str:
    return f"{value:,.2f}"


def _tie_warnings(x: FloatArray, rank: IntArray, bid_ids: Sequence[str]) -> list[Warning]:
    """One TIE warning per group of equal numbers, groups in rank order, bids in request order.

    One sort, then each tied group's slice of it: linear in the bids, however many ties.
    """
    n = x.shape[0]
    by_value = np.argsort(x, kind="stable")  # equal numbers keep request order
    ordered = x[by_value]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    ends = np.append(starts[1:], n)
    warnings = []
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        if end - start < 2:
            continue
        members = [bid_ids[i] for i in by_value[start:end].tolist()]
        message = (
            f"bids {', '.join(members)} are tied at rank {int(rank[by_value[start]])} with the "
            f"same comparison number {_fmt(float(ordered[start]))}; the tie is not broken by "
            "the engine"
        )
        warnings.append(Warning(code="TIE", message=message))
    return warnings


def _not_positive_warnings(x: FloatArray, bid_ids: Sequence[str]) -> list[Warning]:
    """``COMPARISON_NUMBER_NOT_POSITIVE`` for each bid whose comparison number is <= 0.

    A comparison number at or below zero means the deductions, a buy-back or a resale value
    outweigh everything the buyer pays: possible, but worth a second look (issue #14: a made-up
    50 M deduction gave -40 M and won silently). One warning per bid, naming it, request order.
    """
    return [
        Warning(
            code="COMPARISON_NUMBER_NOT_POSITIVE",
            message=(
                f"bid {bid_ids[i]}: comparison number {_fmt(float(x[i]))} is not above 0: its "
                "deductions or credits (residual, buy-back) outweigh all its costs; check them"
            ),
            bid_id=bid_ids[i],
        )
        for i in np.flatnonzero(x <= 0.0).tolist()
    ]


def rank_bids(evaluated_rounded: FloatArray, bid_ids: Sequence[str]) -> Ranking:
    """Rank bids ascending by their (rounded) comparison numbers, flagging ties and close calls.

    - rank: competition ranking (1, 1, 3): rank_i = 1 + #{j : x_j < x_i}.
    - tied: another bid has the same comparison number. Each tied group gets one ``TIE`` warning
      naming its bids (``bid_id`` empty: it concerns several bids). Ties are never broken.
    - difference_to_best = x_i − b with b = min_j x_j (≥ 0).
    - difference_to_best_percent = 100 × (x_i − b) / |b|. When b == 0 the percentage is undefined:
      it is reported as 0.0 for every bid and a ``BEST_COST_ZERO`` warning says so (no NaN/inf).
      A negative best (e.g. a large buy-back value) is measured against its magnitude |b|.
    - ``COMPARISON_NUMBER_NOT_POSITIVE`` for each bid whose number is ≤ 0 (``bid_id`` set).
    - ``INCONCLUSIVE_RANKING`` when there are ≥ 2 bids and the best two (the two lowest numbers,
      tied or not) differ by less than 10 % of |b|: x_(2) − x_(1) < 0.10 × |b|. A tie at the top is
      therefore also inconclusive (each code keeps one meaning). When b == 0 the relative margin
      cannot be formed; ``BEST_COST_ZERO`` then stands in for this check (and a tie at 0 is
      still reported as ``TIE``).

    Reference: primer §6 (rank ascending; ties flagged, never broken; 10 % warning).

    Parameters
    ----------
    evaluated_rounded : comparison numbers, shape ``(bids,)``, already rounded half-up to the
        currency's minor unit, finite.
    bid_ids : ids in the same order, for the warnings.

    Examples
    --------
    >>> r = rank_bids(np.array([110.0, 100.0, 110.0]), ["A", "B", "C"])
    >>> r.rank.tolist(), r.tied.tolist(), r.difference_to_best_percent.tolist()
    ([2, 1, 2], [True, False, True], [10.0, 0.0, 10.0])
    >>> [w.code for w in r.warnings]
    ['TIE']
    """
    x = np.asarray(evaluated_rounded, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"rank_bids takes one bid axis, got shape {x.shape}")
    if len(bid_ids) != x.shape[0]:
        raise ValueError(f"{len(bid_ids)} bid ids for {x.shape[0]} comparison numbers")
    if not np.all(np.isfinite(x)):
        raise ValueError("comparison numbers must be finite")
    rank, tied = competition_rank(x)
    n = x.shape[0]
    if n == 0:
        empty = np.zeros(0, dtype=np.float64)
        return Ranking(rank, tied, empty, empty.copy(), ())

    best = float(x.min())
    diff = x - best
    scale = abs(best)
    warnings: list[Warning] = []
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        percent = 100.0 * diff / scale if scale > 0.0 else np.full(n, np.inf)
    degenerate = not bool(np.all(np.isfinite(percent)))
    if degenerate:
        # best == 0 (or so close to 0 that the ratio overflows): percent is undefined.
        percent = np.zeros(n, dtype=np.float64)
        if n > 1:
            warnings.append(
                Warning(
                    code="BEST_COST_ZERO",
                    message=(
                        "the best comparison number is 0 (or negligibly close), so differences "
                        "to the best cannot be expressed in percent (reported as 0) and the 10 % "
                        "margin between the best two cannot be checked; compare "
                        "difference_to_best in money instead"
                    ),
                )
            )

    warnings.extend(_not_positive_warnings(x, bid_ids))
    if tied.any():
        warnings.extend(_tie_warnings(x, rank, bid_ids))
    if n >= 2 and not degenerate:
        order = np.argsort(x, kind="stable")
        first, second = int(order[0]), int(order[1])
        gap = float(x[second] - x[first])
        if gap < INCONCLUSIVE_MARGIN * scale:
            warnings.append(
                Warning(
                    code="INCONCLUSIVE_RANKING",
                    message=(
                        f"the best two bids ({bid_ids[first]}, {bid_ids[second]}) differ by "
                        f"{_fmt(gap)} ({100.0 * gap / scale:.2f} % of the best), less than "
                        f"{100 * INCONCLUSIVE_MARGIN:.0f} %: life-cycle cost inputs are uncertain, "
                        "the ranking may not be robust"
                    ),
                )
            )

    return Ranking(
        rank=rank,
        tied=tied,
        difference_to_best=np.asarray(diff, dtype=np.float64),
        difference_to_best_percent=np.asarray(percent, dtype=np.float64),
        warnings=tuple(warnings),
    )
