"""The price of an analysis, known before any array is allocated: a cost model and its budget.

An analysis re-evaluates the tender many times (:mod:`tco.analysis.model`). What it costs follows
from the shape of the tender and of the spec alone, so :func:`estimate` computes it from counts
(no array, no expansion) and :func:`over_budget` refuses what exceeds :data:`BUDGET`, naming the
part of the spec that costs most. The units:

- a *cell* is one float64 element of work, about 1 ns of CPU (weights below turn
  Python-level work into cells). One evaluated setting (a *row*) of the stated
  tender costs ``B x G x T + 2 R T + U + I`` cells (the fixed parts of :class:`_Block` are
  ``bids x time groups x years``; resources, uses and items on top), where ``T = N + 1`` and
  ``G`` is at most ``2 +`` the events (replacements and ends of life) of each distinct stated
  life that is not a whole number of years, :func:`groups_bound`.
- the model itself (part ``bids``): one expansion of the tender, its block and one evaluation
  of the stated tender (:func:`evaluation_cost`, also the price of an EvaluateBids call).
- a *structural variant* (a distinct setting of service life, quantity or unit price) re-expands
  the bids it touches: ``(sum_i (4 + 4 events_i) + S_v + U_v) x T`` cells of expansion (rows
  per item and per replacement or end of life, streams, uses) plus its own block
  ``B_v x G_v x T``, where ``G_v`` counts the events at the *shortest* life
  the setting can give (the low end of a range or of a distribution's support; the domain's
  limit, N / 1000 years, for normal and lognormal), summed over the items' distinct stated
  lives when one number moves them all, over every item when drawn independently.
- *memory* is the largest set of arrays alive at once, bytes: the stated block (6 block-sized
  arrays with the engine's evaluation and the temporaries), one variant's block with its
  discount factors and temporaries (8 arrays) and expansion, the Monte Carlo draws
  (``draws x columns``, three copies: samples, values, pooled) and comparison numbers
  (``draws x bids``, four copies: numbers, rounded, shares, partition), and the chunk arrays
  of :data:`tco.analysis.model.CHUNK_ELEMENTS` (eight).
- *response bytes*: about 40 bytes per bid and figure list (sensitivity rows, scenarios, Monte
  Carlo) plus the bid ids, and 30 bytes per possible switch point.

Rows per part: sensitivity 2 per entry; a scenario 1; switching 2 for a linear parameter and
``2 + GRID_POINTS + MAX_BISECTIONS x (steps + 1)`` for the others, ``steps`` the halvings of
a grid step down to the tolerance (at most ``MAX_STEPS``, :mod:`tco.analysis.switching`), each
bisection step a model call of its own; Monte Carlo ``draws``, with ``draws x columns``
drawn numbers.
Variants per part: every structural row of sensitivity, scenarios and switching; for Monte
Carlo ``min(draws, product of the discrete distributions' sizes)`` (a continuous distribution
gives every draw its own variant).

The budget (:data:`BUDGET`) is a fixed rule, the same for every caller and every server state,
so a request over it is a permanent error (the server answers it like a size limit, reason
``ANALYSIS_TOO_COSTLY``), never "try later". Its figures are chosen so that the worst request
it admits stays under 1 GiB of memory and 10 s of CPU on a 2-core machine; ``python -m
bench.budget`` measures those worst requests and ``docs/security.md`` ("Request budgets") lists
them.

Worked example (finding 1 of issue 15): 50 bids x 10 items (one stated life, 8 years, a stream
and a resource use each), N = 100, Monte Carlo with 2 000 draws of
``bids[*].items[*].service_life`` uniform 0.5-1.5 (scale): every draw is a variant re-expanding
all 50 bids with lives down to 4 years (26 events an item): expansion ``(500 x (4 + 4 x 26) +
50 + 500) x 101 = 5 509 550`` cells, block ``50 x (2 + 26) x 101 = 141 400``, so
``30 x 5 509 550 + 40 x 141 400 + 2e6 = 1.73e8`` a variant and ``3.5e11`` for 2 000, far over
the 6e9 of :data:`BUDGET` (refused, naming ``analysis.monte_carlo.distributions[0]``); 20 draws
cost 3.5e9 and run (about 2 s).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tco.errors import FieldViolation, InvalidTender
from tco.prepared import PreparedTender

from .distributions import Discrete, Distribution, Pert, Triangular, Uniform
from .parameters import Kind, Mode, Parameter

__all__ = [
    "BUDGET",
    "MAX_BISECTIONS",
    "REASON",
    "AnalysisTooCostly",
    "Budget",
    "Cost",
    "Part",
    "TenderShape",
    "estimate",
    "evaluation_cost",
    "groups_bound",
    "life_floor",
    "over_budget",
    "shape_of",
    "shortest_life",
    "support_low",
    "touched_bids",
]

#: The reason code of a request over the budget (the server's ErrorInfo.reason).
REASON = "ANALYSIS_TOO_COSTLY"
#: Most switch points of one non-linear switching entry located by bisection; further changes of
#: the best bid are reported at the grid's precision (:mod:`tco.analysis.switching`).
MAX_BISECTIONS = 8
#: Switching scan: grid points and bisection steps (:mod:`tco.analysis.switching`, repeated so
#: that this module imports no numpy-heavy code; tests pin them equal).
GRID_POINTS = 129
MAX_STEPS = 80
#: The domain's most replacements of an item in the study period (tco.validate.limits).
MAX_REPLACEMENTS = 1000
#: Expansion rows per item (acquisition, maintenance, residual value, emissions at t = 0),
#: an upper estimate.
ROWS_PER_ITEM = 4
#: Expansion rows per event of an item (replacement cost, installation, B4 emissions, end of
#: life), an upper estimate.
ROWS_PER_EVENT = 4
#: Weights, in cells of about 1 ns of CPU on the 2-core machine: per row cell and per drawn
#: number; per expansion cell (row-year of a re-expansion) and per cell of a variant's block
#: (allocated, filled with ``np.add.at``, summed); per model call and per variant (fixed Python
#: overhead). Measured: a row cell 2-7 ns, an expansion cell 20-30 ns, a block cell about 30 ns
#: (three arrays), a call 0.2-0.5 ms (bench/budget.py checks the sum).
ROW_WEIGHT = 4
DRAW_WEIGHT = 20
EXPANSION_WEIGHT = 30
BLOCK_WEIGHT = 40
CALL_CELLS = 600_000
VARIANT_CELLS = 2_000_000
#: Float64 elements of the largest per-chunk array (tco.analysis.model.CHUNK_ELEMENTS).
CHUNK_ELEMENTS = 4_000_000
#: Bytes of re-expanded variants the model keeps (tco.analysis.model.VARIANT_CACHE_BYTES).
VARIANT_CACHE_BYTES = 64 * 2**20
_FLOAT = 8


@dataclass(frozen=True, slots=True)
class Budget:
    """The limits: cells of work, bytes of memory, bytes of response."""

    cells: int
    memory_bytes: int
    response_bytes: int


#: The budget of one analysis (see the module docstring and docs/security.md).
BUDGET = Budget(cells=6_000_000_000, memory_bytes=512 * 2**20, response_bytes=16 * 2**20)


class AnalysisTooCostly(InvalidTender):
    """The analysis exceeds :data:`BUDGET`; its violations name the costliest part, and
    :attr:`cost` is the estimate (nothing was computed)."""

    reason = REASON

    def __init__(self, violations: Sequence[FieldViolation], cost: Cost) -> None:
        super().__init__(tuple(violations))
        self.cost = cost


@dataclass(frozen=True, slots=True)
class TenderShape:
    """The counts of a prepared tender that the cost depends on.

    ``lives[b]``: the service lives of bid b's items (None: none stated); ``streams[b]``: its
    cost streams (bid and item level); ``uses[b]``: its resource uses.
    """

    years: int
    lives: tuple[tuple[float | None, ...], ...]
    streams: tuple[int, ...]
    uses: tuple[int, ...]
    resources: int
    id_bytes: int

    @property
    def bids(self) -> int:
        return len(self.lives)

    @property
    def items(self) -> int:
        return sum(len(lives) for lives in self.lives)


def shape_of(prepared: PreparedTender) -> TenderShape:
    """The :class:`TenderShape` of a prepared tender (counts only)."""
    return TenderShape(
        years=prepared.method.study_period_years,
        lives=tuple(tuple(item.service_life for item in bid.items) for bid in prepared.bids),
        streams=tuple(
            len(bid.costs) + sum(len(item.costs) for item in bid.items) for bid in prepared.bids
        ),
        uses=tuple(sum(len(item.resource_use) for item in bid.items) for bid in prepared.bids),
        resources=len(prepared.method.resources),
        id_bytes=sum(len(bid.id.encode()) for bid in prepared.bids),
    )


def _events(life: float | None, years: int) -> int:
    """Replacements and the end of life of an item with ``life`` in ``years`` (1 without one)."""
    if life is None or not life > 0.0:
        return 1
    if not math.isfinite(life):
        return 1
    ratio = years / life  # a subnormal life gives inf: as many events as the engine allows
    return (MAX_REPLACEMENTS if not ratio < MAX_REPLACEMENTS else math.floor(ratio)) + 1


def groups_bound(lives: Iterable[float | None], years: int) -> int:
    """Upper bound of the time groups of items with ``lives``: 2 + the events of those whose
    life is not a whole number of years.

    An event at a fractional time may open a group (:func:`tco.item_events.time_groups`); the
    events of a whole-year life fall on whole years. Example: lives (8, 2.5, None) over 100
    years: ``2 + 41 = 43`` (2.5 years: at most 40 replacements and the end).
    """
    return 2 + sum(
        _events(life, years) for life in lives if life is not None and not float(life).is_integer()
    )


#: Cell-equivalents of one time group in an evaluation (per-group Python work of validation,
#: expansion and the kernel: about 0.36 ms measured, bench/budget.py).
GROUP_CELLS = 400_000
#: Cell-equivalents of one bids x groups x years cell of an evaluation (about 28 ns measured).
GRID_WEIGHT = 30
#: The budget of one evaluation (EvaluateBids, each EvaluateTenders message): cells of work, and
#: bids x groups x years (about 20 bytes each at the peak, measured).
EVALUATION_BUDGET = Budget(cells=7_000_000_000, memory_bytes=30_000_000, response_bytes=0)
#: The reason code of an evaluation over :data:`EVALUATION_BUDGET`.
EVALUATION_REASON = "EVALUATION_TOO_COSTLY"


def evaluation_cost(bids: int, years: int, lives: Iterable[float | None]) -> tuple[int, int]:
    """(cells of work, bids x groups x years) of evaluating a tender once.

    ``lives`` are the distinct service lives in years (None: unknown unit, counted as the
    domain's shortest life). Time groups: :func:`groups_bound` (a tender whose every item has
    its own fractional life has thousands). Example: 100 bids, 1 000 distinct lives of about
    7.3 years over 100 years: ``G = 2 + 1 000 x 14 = 14 002``, ``100 x 14 002 x 101 = 1.4e8``
    grid cells (measured 8.9 s and 1.85 GB: refused); lives 8, 10 and 12.5 years: ``G = 11``.
    """
    floor = years / MAX_REPLACEMENTS
    known = [floor if life is None else life for life in lives]
    groups = groups_bound(known, years)
    grid = bids * groups * (years + 1)
    return GROUP_CELLS * groups + GRID_WEIGHT * grid, grid


@dataclass(frozen=True, slots=True)
class Part:
    """One part of the spec: the field it comes from and the work it asks for.

    ``rows``: settings evaluated; ``calls``: separate evaluations of the model (each a
    Python-level pass); ``variants``: structural re-expansions, each of the bids
    ``variant_bids`` (indexes) with items' lives at least ``shortest_life`` (None: as stated);
    ``independent``: targets get numbers of their own (else items of equal stated life keep
    equal lives, so their events share time groups); ``drawn``: numbers drawn (Monte Carlo);
    ``kept``: float64 elements held to the end (draws x bids comparison numbers, four copies);
    ``figures``: bid-sized lists in the response; ``points``: possible switch points in it.
    """

    path: str
    rows: int = 0
    variants: int = 0
    variant_bids: tuple[int, ...] = ()
    shortest_life: float | None = None
    drawn: int = 0
    independent: bool = False
    calls: int = 0
    kept: int = 0
    figures: int = 0
    points: int = 0


@dataclass(frozen=True, slots=True)
class Cost:
    """The estimate of a whole analysis, and the cells of each part (in the spec's order)."""

    cells: int
    memory_bytes: int
    response_bytes: int
    parts: tuple[tuple[str, int], ...]


def _variant_cells(shape: TenderShape, part: Part) -> tuple[int, int]:
    """Cells of one variant of ``part``: its expansion and its block's elements."""
    t = shape.years + 1
    streams = uses = 0
    stated: list[float | None] = []
    for b in part.variant_bids:
        streams += shape.streams[b]
        uses += shape.uses[b]
        stated.extend(shape.lives[b])
    floor = part.shortest_life
    lives = [
        life if floor is None else (floor if life is None else min(life, floor)) for life in stated
    ]
    rows = sum(ROWS_PER_ITEM + ROWS_PER_EVENT * _events(life, shape.years) for life in lives)
    if not part.independent:
        # One number moves every target alike: items of equal stated life keep equal lives,
        # so their events fall at the same fractional times.
        distinct = sorted(set(stated), key=lambda life: -1.0 if life is None else life)
        lives = [
            life if floor is None else (floor if life is None else min(life, floor))
            for life in distinct
        ]
    # A variant's lives are rarely whole years: every event may open a group.
    groups = 2 + sum(_events(life, shape.years) for life in lives if life is not None)
    block = len(part.variant_bids) * groups * t
    return (rows + streams + uses) * t, block


def estimate(shape: TenderShape, parts: Sequence[Part]) -> Cost:
    """The cost of an analysis of ``parts`` on a tender of ``shape`` (the module docstring).

    Pure arithmetic on counts: nothing is allocated.
    """
    t = shape.years + 1
    b_all = shape.bids
    # Events depend on the life alone: items of equal life share their time groups.
    stated = {life for lives in shape.lives for life in lives}
    g0 = groups_bound(sorted(stated, key=lambda life: -1.0 if life is None else life), shape.years)
    row = b_all * g0 * t + 2 * shape.resources * t + sum(shape.uses) + shape.items
    # The stated block's three arrays, the engine's own evaluation of the stated tender and
    # the temporaries of np.add.at and einsum: about six blocks (bench/budget.py).
    base_block = 6 * b_all * g0 * t
    resident = base_block
    transient = cache = 0
    # The model itself: one expansion of the tender, its block, the stated ranking ("bids").
    base = Part("bids", variants=1, variant_bids=tuple(range(b_all)), independent=True)
    expansion, _ = _variant_cells(shape, base)
    evaluation, _ = evaluation_cost(b_all, shape.years, [x for x in stated if x is not None])
    base_cells = (
        EXPANSION_WEIGHT * expansion
        + BLOCK_WEIGHT * base_block // 2
        + ROW_WEIGHT * row
        + evaluation
    )
    cells_of: list[tuple[str, int]] = [("bids", base_cells + CALL_CELLS)]
    response = 200 + 2 * (shape.id_bytes + 40 * b_all)  # the base ranking
    for part in parts:
        cells = ROW_WEIGHT * part.rows * row + DRAW_WEIGHT * part.drawn + CALL_CELLS * part.calls
        transient = max(transient, min(part.rows, max(1, CHUNK_ELEMENTS // max(row, 1))) * row * 8)
        if part.variants:
            expansion, block = _variant_cells(shape, part)
            cells += part.variants * (
                EXPANSION_WEIGHT * expansion + BLOCK_WEIGHT * block + VARIANT_CELLS
            )
            transient = max(transient, 8 * block + 3 * expansion)
            cache = VARIANT_CACHE_BYTES // _FLOAT  # re-expanded blocks kept for reuse
        resident += 3 * part.drawn + part.kept
        response += part.figures * (shape.id_bytes + 40 * b_all) + 30 * part.points
        cells_of.append((part.path, cells))
    return Cost(
        cells=sum(c for _, c in cells_of),
        memory_bytes=_FLOAT * (resident + transient + cache),
        response_bytes=response,
        parts=tuple(cells_of),
    )


def over_budget(cost: Cost, budget: Budget = BUDGET) -> list[FieldViolation]:
    """What exceeds the budget, each naming the costliest part of the spec ([] when within).

    Example: a cost of 4e9 cells against 3e9 names the part with most cells, "the analysis
    needs about 4.0e+09 cells of work, the budget is 3.0e+09 (ANALYSIS_TOO_COSTLY) ...".
    """
    blame = max(cost.parts, key=lambda part: part[1])[0]
    hint = "fewer draws, entries, bids or study years, or a discrete distribution"
    checks = (
        ("cells of work", cost.cells, budget.cells),
        ("bytes of memory", cost.memory_bytes, budget.memory_bytes),
        ("bytes of response", cost.response_bytes, budget.response_bytes),
    )
    return [
        FieldViolation(
            blame,
            f"{REASON}: the analysis needs about {need:.1e} {what}, the budget is "
            f"{limit:.1e}: {hint}",
        )
        for what, need, limit in checks
        if need > limit
    ]


# --- parts of the spec --------------------------------------------------------------------------


def touched_bids(parameters: Iterable[Parameter]) -> tuple[int, ...]:
    """Bids whose rows a structural parameter re-expands (sorted indexes)."""
    bids: set[int] = set()
    for parameter in parameters:
        if parameter.structural:
            bids.update(int(t[0]) for t in parameter.targets if isinstance(t, tuple))
    return tuple(sorted(bids))


def shortest_life(parameter: Parameter, low: float, base_lives: Sequence[float | None]) -> float:
    """The shortest service life a setting >= ``low`` of a service-life parameter can give."""
    stated = [life for life in base_lives if life is not None]
    if parameter.mode is Mode.VALUE:
        return low
    if not stated:
        return math.inf
    if parameter.mode is Mode.SCALE:
        return low * min(stated)
    return min(stated) + low


def support_low(distribution: Distribution) -> float | None:
    """The lowest value a distribution draws (None: unbounded below, normal and lognormal)."""
    if isinstance(distribution, (Uniform, Triangular, Pert)):
        return distribution.low
    if isinstance(distribution, Discrete):
        return min(distribution.values) if distribution.values else None
    return None


def life_floor(
    parameters: Iterable[tuple[Parameter, float | None]], shape: TenderShape
) -> float | None:
    """Shortest life any service-life parameter may set (``(parameter, lowest number)`` pairs;
    None as the number: unbounded, the domain's limit N / 1000 years)."""
    floor: float | None = None
    for parameter, low in parameters:
        if parameter.kind is not Kind.SERVICE_LIFE:
            continue
        pairs = [t for t in parameter.targets if isinstance(t, tuple)]
        lives = [shape.lives[int(t[0])][int(t[1])] for t in pairs]
        if low is None:
            life = shape.years / MAX_REPLACEMENTS
        else:
            life = shortest_life(parameter, low, lives)
        life = max(life, shape.years / MAX_REPLACEMENTS)
        floor = life if floor is None else min(floor, life)
    return floor
