"""Items and cost streams -> one flat stream table of numpy arrays (primer §3).

Everything a bid costs or emits becomes a *row*: a bid, a category (or an EN 15978 module, or a
pollutant), a payment-time group and an amount in every study year 0..N. The kernel turns the
rows into cubes; nothing after this module knows about items, warranties or replacements.

Columns and payment times. Column t of a row holds what belongs to study year t: a one-off event
that happens in year t, or the recurring amount of service year t. *When* it is paid is the
row's time group (:attr:`StreamTable.group_times`): group 0 holds events at whole years
(paid at t), group 1 recurring amounts (paid at :func:`tco.finance.payment_times`: t, t - 0.5 or
t - 1 for t >= 1), further groups events at a fraction of a year (a 30-month service life
replaces at t = 2.5: column 3, paid at 2.5). Amounts are in real terms at the price level of
their payment time: escalation compounds from the base date to the payment time
(:func:`tco.finance.escalation_index`).

Pinned conventions (primer §3), one place each:

- Purchases of an item with service life L at t = 0, L, 2L, ... < N. The first is booked as
  ``acquisition`` (unit price) and ``installation``; each replacement as ``replacement``
  (unit price + installation, escalated by the item's own price escalation, which the v1
  contract does not carry: 0, i.e. base-year price level in real terms). Embodied emissions
  A1-A3, A4, A5 at t = 0 under their own modules and again at each replacement under B4.
- End of life (the item's end-of-life cost, C1-C4 and D) at each end of life t = jL + L <= N,
  t = N included. Units in service at N carry a residual value and no end-of-life cost or
  emission.
- Residual value at t = N (booked negative, category ``residual_value``) of the unit still in
  service: linear on the capital cost of its purchase (unit price + installation, escalated to the
  purchase time), ``RV = cost x remaining / L``; never negative, never for a unit whose life ended
  at N or before. An explicit ``residual_value`` (resale, buy-back) replaces the linear amount
  under the same condition.
- ``service_life`` None: the item lasts exactly the study period (L = N): no replacement, no
  residual value, end of life at N.
- Maintenance and resource use of each unit run years 1..N as recurring amounts. Maintenance
  within the warranty years after each purchase is zero to the buyer; a warranty that covers part
  of a year removes that fraction of the year's maintenance (pro rata). A warranty ends with the
  unit it came with.
- Resource use x price x escalation index goes to ``energy`` for energy resources and to
  ``water_and_resources`` otherwise (:func:`resource_category`); its emissions (use x factor of
  the year) to module B6 or B7 likewise.
- Generic streams: the amount at first_year and every k years up to last_year; ``every_years == 1``
  is a recurring stream (timing convention applies), anything else one-off events. A stream
  with a ``life`` leaves a linear residual value of its last occurrence at N. Item streams are per
  unit (x quantity).

Implementation: the items, resource uses, pollutant emissions and streams of all bids are read
into arrays once (:func:`_flatten`); each rule above is then applied to all of them at once with
numpy (purchase and end-of-life schedules computed once per distinct service life, every one-off
amount of every item from one template of entries per schedule and scattered into one sparse
block, recurring amounts as whole rows), and the rows are put in their order with one sort. What
repeats from call to call (schedules, their templates, the payment times of the time groups,
stream year patterns, resource price rows) is cached by value, read-only, for small inputs. Large
tenders can be expanded in parts of consecutive bids (:class:`PartedExpansion`) with the same rows
for every bid.
"""

from __future__ import annotations

import functools
import itertools
import math
import operator
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
import numpy.typing as npt

from tco.finance import escalation_index, payment_times
from tco.inputs import Timing
from tco.prepared import (
    CATEGORIES,
    MODULES,
    PreparedBid,
    PreparedItem,
    PreparedMethod,
    PreparedResource,
    PreparedStream,
    PreparedTender,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

__all__ = [
    "EVENT_GROUP",
    "RECURRING_GROUP",
    "PartedExpansion",
    "StreamTable",
    "expand_in_parts",
    "expand_tender",
    "purchase_times",
    "resource_category",
    "warranty_coverage",
]

#: Time group of one-off events at whole years (paid at t).
EVENT_GROUP = 0
#: Time group of recurring amounts (paid per the method's timing convention).
RECURRING_GROUP = 1

#: Price escalation of an item's unit price and installation (the v1 contract has no field for
#: it): purchases repeat at the base-year price level, in real terms.
ITEM_PRICE_ESCALATION = 0.0

#: Times closer than this to a whole year are that year (months / 12 leaves float dust).
_YEAR_SNAP = 1e-9

_CATEGORY_INDEX = {name: index for index, name in enumerate(CATEGORIES)}
_MODULE_INDEX = {name: index for index, name in enumerate(MODULES)}

#: Canonical units (and spellings pint may print) that make a resource an energy resource.
ENERGY_UNITS: frozenset[str] = frozenset(
    {
        "Wh",
        "kWh",
        "MWh",
        "GWh",
        "TWh",
        "J",
        "kJ",
        "MJ",
        "GJ",
        "TJ",
        "watt_hour",
        "kilowatt_hour",
        "megawatt_hour",
        "joule",
        "kilojoule",
        "megajoule",
        "gigajoule",
    }
)

#: Resources that are energy carriers whatever unit they are priced in (fuels by volume or mass):
#: their cost is energy cost (ASTM E917 "energy"; CVD Art. 6 "lifetime energy cost") and their
#: emissions operational energy use, module B6.
ENERGY_CARRIERS: frozenset[str] = frozenset(
    {
        "electricity",
        "district_heating",
        "district_cooling",
        "heat",
        "steam",
        "diesel",
        "petrol",
        "gasoline",
        "hvo",
        "hvo100",
        "biodiesel",
        "rme",
        "fame",
        "b100",
        "ethanol",
        "e85",
        "ed95",
        "methanol",
        "lpg",
        "propane",
        "natural_gas",
        "cng",
        "lng",
        "biogas",
        "biomethane",
        "hydrogen",
        "fuel_oil",
        "heating_oil",
        "kerosene",
        "jet_fuel",
        "pellets",
        "wood_pellets",
        "wood_chips",
        "firewood",
        "coal",
    }
)


def resource_category(resource: PreparedResource) -> str:
    """``"energy"`` for an energy resource, else ``"water_and_resources"``.

    A resource is energy when its canonical unit is an energy unit (kWh, MJ ...) or when it is a
    known energy carrier priced by volume or mass (diesel in l, pellets in kg): classifying diesel
    as "water and other resources" would misstate both the cost breakdown and module B6/B7.

    Example: electricity in kWh -> energy; diesel in l -> energy;
    water in m**3 -> water_and_resources.
    """
    if resource.unit.strip() in ENERGY_UNITS or resource.name.strip().lower() in ENERGY_CARRIERS:
        return "energy"
    return "water_and_resources"


def _snap(time: float) -> float:
    nearest = round(time)
    return float(nearest) if abs(time - nearest) < _YEAR_SNAP else time


def purchase_times(service_life: float | None, study_period_years: int) -> list[float]:
    """Times of purchase of one unit position: ``0, L, 2L, ... < N``.

    ``service_life`` None: one purchase at 0 (the unit lasts the study period).

    Example: ``purchase_times(8, 20) == [0.0, 8.0, 16.0]``;
    ``purchase_times(10, 20) == [0.0, 10.0]`` (the unit bought at 10 ends exactly at 20: no
    purchase at 20).
    """
    if service_life is None or service_life >= study_period_years:
        return [0.0]
    if not service_life > 0.0:
        raise ValueError(f"a service life must be positive, got {service_life!r}")
    times: list[float] = []
    j = 0
    while True:
        time = _snap(j * service_life)
        if time >= study_period_years:
            return times
        times.append(time)
        j += 1


def warranty_coverage(
    purchases: Sequence[float], warranty_years: float, service_life: float, study_period_years: int
) -> FloatArray:
    """Fraction of each study year 0..N covered by a warranty running from each purchase.

    Year t spans ``(t - 1, t]``; the warranty of a unit bought at tau covers
    ``(tau, tau + min(W, L)]`` (it ends with the unit). Coverage of year t is the overlap length,
    at most 1. Year 0 (a point) is never covered.

    Example: warranty 1.5 years, purchases at 0 and 8, L = 8, N = 10 ->
    years 1, 9 covered fully, years 2, 10 by half: ``[0, 1, .5, 0, 0, 0, 0, 0, 0, 1, .5]``.
    """
    years = np.arange(study_period_years + 1, dtype=np.float64)
    coverage = np.zeros(study_period_years + 1, dtype=np.float64)
    covered = min(warranty_years, service_life)
    if covered <= 0.0:
        return coverage
    for start in purchases:
        end = start + covered
        overlap = np.minimum(years, end) - np.maximum(years - 1.0, start)
        coverage += np.clip(overlap, 0.0, 1.0)
    coverage[0] = 0.0
    return np.asarray(np.minimum(coverage, 1.0), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class StreamTable:
    """Every cost, emission and pollutant row of every bid, as numpy arrays.

    Rows of each kind are sorted by (bid, category/module/pollutant, time group) and, among rows
    with the same three, in the order the rules above are listed for each item (items in request
    order, then the bid's own streams); a row is kept only when it has a non-zero amount. Amounts
    are per study year 0..N (shape ``(rows, N + 1)``): money in real terms at the price level of
    the payment time; emissions in kgCO2e; pollutants in kg. The order matters: the kernel sums
    rows in it, so the same tender always gives the same bits.
    """

    n_bids: int
    study_period_years: int
    #: Payment time of each column, by time group, shape (groups, N + 1).
    group_times: FloatArray
    cost_bid: IntArray
    #: Index into :data:`tco.prepared.CATEGORIES`.
    cost_category: IntArray
    cost_group: IntArray
    cost_amounts: FloatArray
    emission_bid: IntArray
    #: Index into :data:`tco.prepared.MODULES`.
    emission_module: IntArray
    emission_group: IntArray
    emission_kg: FloatArray
    #: Pollutant names, sorted; rows index into it.
    pollutants: tuple[str, ...]
    pollutant_bid: IntArray
    pollutant_index: IntArray
    pollutant_group: IntArray
    pollutant_kg: FloatArray
    #: (code, message, bid_id) triples found while expanding.
    warnings: tuple[tuple[str, str, str], ...] = ()

    @property
    def n_years(self) -> int:
        """Columns per row: N + 1."""
        return self.study_period_years + 1


# --- schedules: purchases and ends of life of one unit position, by (service life, N) -----------


def _event_slot(time: float) -> tuple[int, float]:
    """(column, shift) of a one-off event at ``time``.

    The event belongs to study year ``column = ceil(time)`` and is paid ``shift = column - time``
    years before that year's end (0 for an event at a whole year; rounded to 12 decimals so that
    ``months / 12`` dust does not create separate time groups).

    Example: ``_event_slot(2.5) == (3, 0.5)``; ``_event_slot(8.0) == (8, 0.0)``.
    """
    time = _snap(time)
    column = math.ceil(time)
    return column, round(column - time, 12)


@dataclass(frozen=True, slots=True)
class _Schedule:
    """When one unit position of an item with service life L is bought, replaced and ends."""

    #: L, or N when the item states no service life.
    life: float
    purchases: tuple[float, ...]
    #: (column, shift) of each replacement purchases[1:].
    replacement_slots: tuple[tuple[int, float], ...]
    #: Price index of each replacement (:data:`ITEM_PRICE_ESCALATION`).
    replacement_index: tuple[float, ...]
    #: (column, shift) of each end of life at t <= N.
    end_slots: tuple[tuple[int, float], ...]
    #: Price index of the last purchase.
    last_index: float
    #: Remaining life at N of the unit bought last, ``_snap(last + L - N)``.
    remaining: float


@functools.lru_cache(maxsize=1024)
def _schedule(service_life: float | None, study_period_years: int) -> _Schedule:
    """The purchases and ends of life of a unit position (cached: items share few lives).

    Example: L = 8, N = 20: purchases 0, 8, 16; replacements in columns 8 and 16; ends at 8 and
    16 (the unit bought at 16 is in service at 20 with 4 of its 8 years left).
    """
    n = study_period_years
    life = float(n) if service_life is None else service_life
    purchases = purchase_times(service_life, n)
    ends = [_snap(t + life) for t in purchases if _snap(t + life) <= n]
    last = purchases[-1]
    return _Schedule(
        life=life,
        purchases=tuple(purchases),
        replacement_slots=tuple(_event_slot(t) for t in purchases[1:]),
        replacement_index=tuple(
            float(escalation_index(ITEM_PRICE_ESCALATION, t)) for t in purchases[1:]
        ),
        end_slots=tuple(_event_slot(t) for t in ends),
        last_index=float(escalation_index(ITEM_PRICE_ESCALATION, last)),
        remaining=_snap(last + life - n),
    )


def _snap_array(time: FloatArray) -> FloatArray:
    """:func:`_snap` of every element (``np.round`` rounds half to even, as ``round`` does)."""
    nearest = np.round(time)
    return np.asarray(np.where(np.abs(time - nearest) < _YEAR_SNAP, nearest, time))


# --- flattening: the items and streams of a run of bids as arrays ---------------------------------

#: Rule codes: the order in which one item's rows are listed (module docstring), the second key
#: of a row's insertion order after the item's slot. Resource uses, pollutants and the item's
#: streams follow from _FIRST_FREE_CODE on.
_ACQUISITION, _INSTALLATION, _REPLACEMENT, _A1_A3, _A4, _A5 = 0, 1, 2, 3, 4, 5
_B4, _END_OF_LIFE, _C1_C4, _D, _RESIDUAL, _MAINTENANCE = 6, 7, 8, 9, 10, 11
_FIRST_FREE_CODE = 12


def _embodied_of(emissions: Mapping[str, float]) -> tuple[float, ...]:
    get = emissions.get
    return (get("a1_a3", 0.0), get("a4", 0.0), get("a5", 0.0), get("c1_c4", 0.0), get("d", 0.0))


def _ints(values: list[int]) -> IntArray:
    return np.array(values, dtype=np.int64).reshape(len(values))


@dataclass(slots=True)
class _Flat:
    """Every item, resource use, pollutant emission and stream of a run of bids, as arrays.

    Bids are numbered from 0 within the run. A *slot* orders rows within a bid as they are
    listed in the module docstring: each item has one slot, the bid's own streams the slot
    after its items.
    """

    bid_ids: list[str]
    items: list[PreparedItem]
    item_bid: IntArray
    item_slot: IntArray
    #: Per item: quantity, unit_price, installation_cost, maintenance_per_year,
    #: warranty_years, end_of_life_cost (columns in that order).
    scalars: FloatArray
    #: Per item: kgCO2e of A1-A3, A4, A5, C1-C4, D (columns in that order).
    embodied: FloatArray
    #: NaN where the item states no service life.
    life: FloatArray
    residual: FloatArray
    residual_given: npt.NDArray[np.bool_]
    use_item: IntArray
    use_local: IntArray
    use_resource: list[str]
    use_amount: FloatArray
    pollutant_item: IntArray
    pollutant_local: IntArray
    pollutant_name: list[str]
    pollutant_kg: FloatArray
    stream_bid: IntArray
    stream_slot: IntArray
    stream_local: IntArray
    stream_multiplier: FloatArray
    streams: list[PreparedStream]
    #: (n, schedules, each item's schedule), computed once by :func:`_lives`.
    lives: tuple[int, list[_Schedule], IntArray] | None = None

    @property
    def n_bids(self) -> int:
        return len(self.bid_ids)

    @property
    def quantity(self) -> FloatArray:
        return self.scalars[:, 0]


def _owners(counts: list[int]) -> tuple[IntArray, IntArray]:
    """For children listed owner by owner (``counts`` per owner): each child's owner and its
    index among its owner's children."""
    size = len(counts)
    if counts.count(1) == size:  # one child each (or no owners): the common case
        return np.arange(size, dtype=np.int64), np.zeros(size, dtype=np.int64)
    if counts.count(0) == size:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    count = np.asarray(counts, dtype=np.int64)
    owner = np.repeat(np.arange(count.size, dtype=np.int64), count)
    starts = np.cumsum(count) - count
    return owner, np.arange(owner.size, dtype=np.int64) - starts[owner]


def _column_of(values: list[float], size: int) -> FloatArray:
    return np.array(values, dtype=np.float64).reshape(size)


#: An item's scalars, in the column order of :attr:`_Flat.scalars`.
_ITEM_SCALARS = operator.attrgetter(
    "quantity",
    "unit_price",
    "installation_cost",
    "maintenance_per_year",
    "warranty_years",
    "end_of_life_cost",
)


#: An item's embodied emissions when it states every module (else :func:`_embodied_of`).
_EMBODIED = operator.itemgetter("a1_a3", "a4", "a5", "c1_c4", "d")


def _floats(rows: Iterable[tuple[float, ...]], size: int, width: int) -> FloatArray:
    """A (size, width) float64 array of ``size`` rows of ``width`` numbers (one flat pass)."""
    flat = np.fromiter(itertools.chain.from_iterable(rows), dtype=np.float64, count=size * width)
    return flat.reshape(size, width)


def _flatten(bids: Sequence[PreparedBid]) -> _Flat:
    """One pass over the Python objects; everything after it works on arrays."""
    counts = [len(bid.items) for bid in bids]
    items = [item for bid in bids for item in bid.items]
    n_items = len(items)
    n_bids = len(bids)
    item_bid = np.repeat(np.arange(n_bids, dtype=np.int64), counts)
    item_slot = np.arange(n_items, dtype=np.int64) + item_bid
    bid_slot = np.cumsum(np.asarray(counts, dtype=np.int64)) + np.arange(n_bids, dtype=np.int64)
    scalars = _floats(map(_ITEM_SCALARS, items), n_items, 6)
    try:  # every module stated (validation fills them in): one C-level lookup per item
        embodied = _floats([_EMBODIED(item.emissions) for item in items], n_items, 5)
    except KeyError:
        embodied = _floats([_embodied_of(item.emissions) for item in items], n_items, 5)
    lives = [item.service_life for item in items]
    residuals = [item.residual_value for item in items]

    uses = [use for item in items for use in item.resource_use]
    use_item, use_local = _owners([len(item.resource_use) for item in items])
    pollutants = [e for item in items for e in item.pollutant_emissions]
    pollutant_item, pollutant_local = _owners([len(item.pollutant_emissions) for item in items])
    item_streams = [stream for item in items for stream in item.costs]
    owner, item_stream_local = _owners([len(item.costs) for item in items])
    bid_streams = [stream for bid in bids for stream in bid.costs]
    owner_bid, bid_stream_local = _owners([len(bid.costs) for bid in bids])
    return _Flat(
        bid_ids=[bid.id for bid in bids],
        items=items,
        item_bid=item_bid,
        item_slot=item_slot,
        scalars=scalars,
        embodied=embodied,
        life=_column_of([math.nan if life is None else life for life in lives], n_items),
        residual=_column_of([0.0 if value is None else value for value in residuals], n_items),
        residual_given=np.array([value is not None for value in residuals], dtype=bool).reshape(
            n_items
        ),
        use_item=use_item,
        use_local=use_local,
        use_resource=[use.resource for use in uses],
        use_amount=_column_of([use.amount_per_year for use in uses], len(uses)),
        pollutant_item=pollutant_item,
        pollutant_local=pollutant_local,
        pollutant_name=[emission.pollutant for emission in pollutants],
        pollutant_kg=_column_of([e.kg_per_year for e in pollutants], len(pollutants)),
        stream_bid=np.concatenate([item_bid[owner], owner_bid]),
        stream_slot=np.concatenate([item_slot[owner], bid_slot[owner_bid]]),
        stream_local=np.concatenate([item_stream_local, bid_stream_local]),
        stream_multiplier=np.concatenate([scalars[owner, 0], np.ones(len(bid_streams))]),
        streams=item_streams + bid_streams,
    )


# --- time groups ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Plan:
    """What must be the same in every part of a tender expanded in parts.

    ``shifts``: the fractional event shifts at which some row books a non-zero event, in
    ascending order (that order numbers the time groups 2, 3 ...); ``pollutants``: every
    pollutant name, sorted.

    Both orders are orders of *values*, never of first appearance: rows are sorted by time group
    within a bid, and a cell sums its rows in that order, so a numbering by first appearance
    made a bid's figures depend on the bids before it (regression bug 8).
    """

    shifts: tuple[float, ...]
    pollutants: tuple[str, ...]

    def group_of(self, shift: float) -> int:
        return EVENT_GROUP if shift == 0.0 else 2 + self.shifts.index(shift)


#: Up to this many items, distinct lives are found with a dict (numpy's sort costs more).
_FEW_ITEMS = 1024


def _lives(flat: _Flat, n: int) -> tuple[list[_Schedule], IntArray]:
    """The schedule of each distinct service life, and each item's index into them."""
    if flat.lives is not None and flat.lives[0] == n:
        return flat.lives[1], flat.lives[2]
    if flat.life.size == 0:
        schedules: list[_Schedule] = []
        inverse = np.zeros(0, dtype=np.int64)
    elif flat.life.size == 1 or bool(np.all(flat.life == flat.life[0])):
        schedules = [_schedule_of(float(flat.life[0]), n)]
        inverse = np.zeros(flat.life.size, dtype=np.int64)
    elif flat.life.size <= _FEW_ITEMS:
        # Distinct lives in order of first use (NaN, no stated life, as one): the schedules'
        # order does not change the table.
        index: dict[float | None, int] = {}
        found = [
            index.setdefault(None if math.isnan(life) else life, len(index))
            for life in flat.life.tolist()
        ]
        schedules = [_schedule(life, n) for life in index]
        inverse = _ints(found)
    else:
        lives, where = np.unique(flat.life, return_inverse=True)
        schedules = [_schedule_of(life, n) for life in lives.tolist()]
        inverse = where.reshape(-1).astype(np.int64)
    flat.lives = (n, schedules, inverse)
    return schedules, inverse


def _schedule_of(life: float, n: int) -> _Schedule:
    return _schedule(None if math.isnan(life) else life, n)


def _event_amounts(flat: _Flat) -> tuple[FloatArray, FloatArray]:
    """Per item and unit position: (capital = unit price + installation, q x embodied A1-A5).

    The embodied total is added as the contract lists the modules: ``0 + A1-A3 + A4 + A5``.
    """
    s, e = flat.scalars, flat.embodied
    capital = s[:, 1] + s[:, 2]
    return capital, s[:, 0] * (0.0 + e[:, 0] + e[:, 1] + e[:, 2])


def _plan(flats: Sequence[_Flat], n: int) -> _Plan:
    """The time groups and pollutant names of the bids of ``flats`` together.

    A fractional shift gets a group when an event of a *non-zero* amount is booked at it (a
    replacement: unit price + installation, or B4 emissions; an end of life: end-of-life cost,
    C1-C4 or D emissions); the groups are numbered in ascending order of their shifts.
    """
    first_seen: dict[float, tuple[int, int, int]] = {}
    offset = 0
    names: set[str] = set()
    for flat in flats:
        names.update(flat.pollutant_name)
        schedules, inverse = _lives(flat, n)
        fractional = [
            s
            for s, schedule in enumerate(schedules)
            if any(shift for _, shift in schedule.replacement_slots + schedule.end_slots)
        ]
        if not fractional:
            offset += len(flat.items)
            continue
        q = flat.quantity
        capital, embodied = _event_amounts(flat)
        replaced = (q * capital != 0.0) | (embodied != 0.0)
        ended = ((q[:, None] * flat.embodied[:, 3:]) != 0.0).any(axis=1) | (
            q * flat.scalars[:, 5] != 0.0
        )
        # The first item of each schedule that books replacements, and ends of life.
        first_item = []
        for active in (replaced, ended):
            members = np.flatnonzero(active)
            found, at = np.unique(inverse[members], return_index=True)
            first_item.append(dict(zip(found.tolist(), members[at].tolist(), strict=True)))
        for s in fractional:
            schedule = schedules[s]
            for phase, slots in ((0, schedule.replacement_slots), (1, schedule.end_slots)):
                hit = first_item[phase].get(s)
                if hit is None:
                    continue
                for position, (_, shift) in enumerate(slots):
                    key = (offset + hit, phase, position)
                    if shift != 0.0 and (shift not in first_seen or key < first_seen[shift]):
                        first_seen[shift] = key
        offset += len(flat.items)
    # By value, not by first_seen: the groups' order must not depend on the order of the bids
    # (regression bug 8); first_seen only decides which shifts get a group.
    return _Plan(shifts=tuple(sorted(first_seen)), pollutants=tuple(sorted(names)))


# --- rows -----------------------------------------------------------------------------------------

#: Row kinds of a stream table.
_COST, _EMISSION, _POLLUTANT = 0, 1, 2

#: One-off amounts of an item, by family (kind, key, code): purchase and installation at t = 0,
#: embodied A1-A3, A4, A5 at t = 0, the residual value at N; at each replacement the unit price
#: + installation and the embodied emissions (B4); at each end of life the end-of-life cost,
#: C1-C4 and D emissions.
_ITEM_FAMILIES = (
    (_COST, _CATEGORY_INDEX["acquisition"], _ACQUISITION),
    (_COST, _CATEGORY_INDEX["installation"], _INSTALLATION),
    (_EMISSION, _MODULE_INDEX["a1_a3"], _A1_A3),
    (_EMISSION, _MODULE_INDEX["a4"], _A4),
    (_EMISSION, _MODULE_INDEX["a5"], _A5),
    (_COST, _CATEGORY_INDEX["residual_value"], _RESIDUAL),
    (_COST, _CATEGORY_INDEX["replacement"], _REPLACEMENT),
    (_EMISSION, _MODULE_INDEX["b4"], _B4),
    (_COST, _CATEGORY_INDEX["end_of_life"], _END_OF_LIFE),
    (_EMISSION, _MODULE_INDEX["c1_c4"], _C1_C4),
    (_EMISSION, _MODULE_INDEX["d"], _D),
)
_FAMILY_KIND, _FAMILY_KEY, _FAMILY_CODE = (
    np.array([family[i] for family in _ITEM_FAMILIES], dtype=np.int64) for i in range(3)
)
#: Families booked at t = 0, at N, at each replacement and at each end of life.
_AT_START, _AT_END = (0, 1, 2, 3, 4), 5
_AT_REPLACEMENT, _AT_END_OF_LIFE = (6, 7), (8, 9, 10)
#: The family whose amount is priced per event (unit price + installation x price index).
_REPLACEMENT_COST = 6


@dataclass(frozen=True, slots=True)
class _EventTemplate:
    """The one-off entries of one unit position, for each schedule of a list of schedules.

    Schedule s owns the entries ``start[s] .. start[s] + length[s] - 1``: per entry its family
    (:data:`_ITEM_FAMILIES`), column, time group, price index (of a replacement; 1 otherwise)
    and row (the entry's (family, group) pair, numbered from 0 in that order). Entries are
    listed by family, then time group, then time; events past year N are left out. Time group
    -1 stands for a shift the plan does not know (``unplanned``): no amount may be booked there.

    Example: L = 8, N = 20 (one schedule): acquisition, installation, A1-A3, A4, A5 at column 0,
    residual value at 20, replacement cost and B4 at 8 and 16, end-of-life cost, C1-C4 and D at
    8 and 16: 16 entries in 11 rows.
    """

    family: IntArray
    column: IntArray
    group: IntArray
    index: FloatArray
    row: IntArray
    start: IntArray
    length: IntArray
    #: Rows per schedule at most (row numbers are below it).
    n_rows: int
    unplanned: bool
    #: Per schedule: remaining life at N of the last unit, L, price index of the last purchase.
    remaining: FloatArray
    life: FloatArray
    last_index: FloatArray


def _frozen_ints(values: list[int]) -> IntArray:
    array = _ints(values)
    array.setflags(write=False)
    return array


def _frozen_floats(values: list[float]) -> FloatArray:
    array = _column_of(values, len(values))
    array.setflags(write=False)
    return array


#: Inputs up to this many schedules, time shifts or stream patterns are cached by value (a
#: tender has a few; the cache stays small whatever the tenders).
_FEW = 32


def _event_template(
    schedules: tuple[_Schedule, ...], shifts: tuple[float, ...], n: int
) -> _EventTemplate:
    """:class:`_EventTemplate` of ``schedules`` under the plan's ``shifts`` (cached when few)."""
    if len(schedules) <= _FEW and len(shifts) <= _FEW:
        return _event_template_cached(schedules, shifts, n)
    return _event_template_of(schedules, shifts, n)


def _event_template_of(
    schedules: tuple[_Schedule, ...], shifts: tuple[float, ...], n: int
) -> _EventTemplate:
    family: list[int] = []
    column: list[int] = []
    group: list[int] = []
    index: list[float] = []
    row: list[int] = []
    start: list[int] = []
    n_rows = 0
    unplanned = False
    for schedule in schedules:
        entries: list[tuple[int, int, int, float]] = [(f, 0, EVENT_GROUP, 1.0) for f in _AT_START]
        entries.append((_AT_END, n, EVENT_GROUP, 1.0))
        for families, slots, prices in (
            (_AT_REPLACEMENT, schedule.replacement_slots, schedule.replacement_index),
            (_AT_END_OF_LIFE, schedule.end_slots, (1.0,) * len(schedule.end_slots)),
        ):
            for f in families:
                for (col, shift), price in zip(slots, prices, strict=True):
                    if col > n:
                        continue
                    if shift == 0.0:
                        g = EVENT_GROUP
                    else:
                        g = 2 + shifts.index(shift) if shift in shifts else -1
                    unplanned = unplanned or g < 0
                    entries.append((f, col, g, price if f == _REPLACEMENT_COST else 1.0))
        entries.sort(key=lambda entry: (entry[0], entry[2]))  # stable: time order within
        pairs: dict[tuple[int, int], int] = {}
        start.append(len(family))
        for f, col, g, price in entries:
            family.append(f)
            column.append(col)
            group.append(g)
            index.append(price)
            row.append(pairs.setdefault((f, g), len(pairs)))
        n_rows = max(n_rows, len(pairs))
    ends = [*start[1:], len(family)] if start else []
    return _EventTemplate(
        family=_frozen_ints(family),
        column=_frozen_ints(column),
        group=_frozen_ints(group),
        index=_frozen_floats(index),
        row=_frozen_ints(row),
        start=_frozen_ints(start),
        length=_frozen_ints([b - a for a, b in zip(start, ends, strict=True)]),
        n_rows=n_rows,
        unplanned=unplanned,
        remaining=_frozen_floats([x.remaining for x in schedules]),
        life=_frozen_floats([x.life for x in schedules]),
        last_index=_frozen_floats([x.last_index for x in schedules]),
    )


_event_template_cached = functools.lru_cache(maxsize=256)(_event_template_of)


#: kind, bid, key, group and seq of a block of rows (an int stands for the whole block).
_Attrs = tuple[IntArray | int, IntArray, IntArray | int, IntArray | int, IntArray]


class _Rows:
    """Rows of all three kinds, collected in blocks; sorted and split once at the end.

    A *sparse* block holds one-off events: a few (column, amount) entries per row, scattered into
    one matrix at the end. A *dense* block holds whole rows (recurring amounts). Every block gives
    per row its kind, bid, key (category, module or pollutant), time group and ``seq``, the
    insertion order within the bid (item slot x width + rule code).
    """

    __slots__ = ("dense", "dense_attrs", "entries", "n_sparse", "n_years", "sparse_attrs")

    def __init__(self, n_years: int) -> None:
        self.n_years = n_years
        #: kind, bid, key, group, seq of each block (an int stands for the whole block).
        self.sparse_attrs: list[_Attrs] = []
        self.dense_attrs: list[_Attrs] = []
        self.n_sparse = 0
        self.entries: list[tuple[IntArray, IntArray, FloatArray]] = []
        self.dense: list[FloatArray] = []

    def sparse(
        self,
        attrs: _Attrs,
        *,
        rows: IntArray,
        columns: IntArray,
        amounts: FloatArray,
    ) -> None:
        """Rows with entries ``(rows[i], columns[i], amounts[i])``, rows numbered in the block."""
        self.sparse_attrs.append(attrs)
        self.entries.append((rows + self.n_sparse, columns, amounts))
        self.n_sparse += len(attrs[1])

    def add(self, attrs: _Attrs, amounts: FloatArray) -> None:
        """Whole rows; a row without a non-zero amount is dropped."""
        kind, bid, key, group, seq = attrs
        keep = (amounts != 0.0).any(axis=1)
        if not keep.all():
            if not keep.any():
                return
            bid, seq, amounts = bid[keep], seq[keep], amounts[keep]
            key = key if isinstance(key, int) else key[keep]
            group = group if isinstance(group, int) else group[keep]
        self.dense_attrs.append((kind, bid, key, group, seq))
        self.dense.append(amounts)

    def tables(
        self, bounds: tuple[int, int, int, int] | None = None
    ) -> list[tuple[IntArray, IntArray, IntArray, FloatArray]]:
        """(bid, key, group, amounts) of each kind, sorted by bid, key, group, insertion.

        ``bounds``, when given, are upper bounds (exclusive) of bid, key, group and ``seq``: the
        rows are then sorted by one number, ``(((kind B + bid) K + key) G + group) S + seq``,
        whose order is the order of the five columns (one stable sort instead of five),
        whenever that number fits in 62 bits.
        """
        n_years = self.n_years
        attrs = self.sparse_attrs + self.dense_attrs
        if not attrs:
            empty = np.zeros(0, dtype=np.int64)
            return [(empty, empty, empty, np.zeros((0, n_years)))] * 3
        sizes = [len(block[1]) for block in attrs]
        kind, bid, key, group, seq = (
            _column([block[a] for block in attrs], sizes) for a in range(5)
        )
        sparse = np.zeros((self.n_sparse, n_years), dtype=np.float64)
        if self.entries:
            rows = np.concatenate([e[0] for e in self.entries])
            columns = np.concatenate([e[1] for e in self.entries])
            sparse[rows, columns] = np.concatenate([e[2] for e in self.entries])
        amounts = np.concatenate([sparse, *self.dense]) if self.dense else sparse
        if bounds is not None and 3 * math.prod(bounds) < 1 << 62:
            n_bid, n_key, n_group, n_seq = bounds
            combined = ((kind * n_bid + bid) * n_key + key) * n_group + group
            order = np.argsort(combined * n_seq + seq, kind="stable")
        else:
            order = np.lexsort((seq, group, key, bid, kind))
        ends = np.cumsum(np.bincount(kind, minlength=3)).tolist()
        out = []
        start = 0
        for end in ends:
            part = order[start:end]
            out.append((bid[part], key[part], group[part], amounts[part]))
            start = end
        return out


def _column(values: list[IntArray | int], sizes: list[int]) -> IntArray:
    """One int64 column from per-block arrays or per-block constants."""
    if int not in map(type, values):
        return np.concatenate(cast("list[IntArray]", values))
    if all(type(v) is int for v in values):
        return np.repeat(np.array(values, dtype=np.int64), sizes)
    return np.concatenate(
        [_filled(size, v) if type(v) is int else v for v, size in zip(values, sizes, strict=True)]
    )


def _filled(size: int, value: int) -> IntArray:
    out = np.empty(size, dtype=np.int64)
    out.fill(value)
    return out


@dataclass(frozen=True, slots=True)
class _ResourceRows:
    category: int
    module: int
    #: Money per unit of use in each year (0 in year 0).
    price: FloatArray
    #: kgCO2e per unit of use in each year (0 in year 0).
    factor: FloatArray


def _resource_rows(method: PreparedMethod, name: str) -> _ResourceRows:
    """Category, module, price and emission factor per unit of use of a priced resource."""
    resource = method.resources.get(name)
    if resource is None:
        raise KeyError(f"resource {name!r} is not priced by the method")
    rates = np.asarray(resource.escalation_rates, dtype=np.float64)
    factor = np.asarray(resource.emission_factor, dtype=np.float64)
    return _resource_rows_cached(
        (
            resource_category(resource),
            resource.price,
            rates.tobytes(),
            rates.shape,
            factor.tobytes(),
            factor.shape,
            method.timing,
            method.study_period_years,
        )
    )


@functools.lru_cache(maxsize=256)
def _resource_rows_cached(
    key: tuple[str, float, bytes, tuple[int, ...], bytes, tuple[int, ...], Timing, int],
) -> _ResourceRows:
    """:func:`_resource_rows` by value (resources repeat from call to call: the method's)."""
    category, price, rates, rates_shape, factor, factor_shape, timing, n = key
    columns = np.arange(n + 1, dtype=np.float64)
    service = columns >= 1.0  # years 1..N
    index = escalation_index(
        np.frombuffer(rates, dtype=np.float64).reshape(rates_shape),
        payment_times(timing, columns, True),
    )
    prices = np.where(service, price * index, 0.0)
    factors = np.where(
        service, np.frombuffer(factor, dtype=np.float64).reshape(factor_shape), 0.0
    ).astype(np.float64)
    prices.setflags(write=False)
    factors.setflags(write=False)
    module = "b6" if category == "energy" else "b7"
    return _ResourceRows(_CATEGORY_INDEX[category], _MODULE_INDEX[module], prices, factors)


@functools.lru_cache(maxsize=1024)
def _uncovered(schedule: _Schedule, warranty: float, n: int) -> FloatArray:
    """``1 - warranty_coverage(...)``: the share of each year's maintenance the buyer pays."""
    uncovered = 1.0 - warranty_coverage(schedule.purchases, warranty, schedule.life, n)
    uncovered.setflags(write=False)
    return uncovered


def _time_rows(
    n: int, timing: Timing, shifts: tuple[float, ...]
) -> tuple[tuple[FloatArray, ...], FloatArray, npt.NDArray[np.bool_]]:
    """:func:`_time_rows_of`, remembered when there are few shifts."""
    if len(shifts) <= _FEW:
        return _time_rows_cached(n, timing, shifts)
    return _time_rows_of(n, timing, shifts)


def _time_rows_of(
    n: int, timing: Timing, shifts: tuple[float, ...]
) -> tuple[tuple[FloatArray, ...], FloatArray, npt.NDArray[np.bool_]]:
    """Payment time of each column by time group, stacked, and the service years (cached).

    Group 0: t (events at whole years); group 1: :func:`tco.finance.payment_times` of the
    recurring amounts; group 2 + k: ``max(t - shifts[k], 0)``. Service years are 1..N. The arrays
    are read-only (shared by every table of the same N, timing and shifts).

    Example: N = 2, MID_YEAR, shifts (0.5,): rows ``[0, 1, 2]``, ``[0, 0.5, 1.5]``,
    ``[0, 0.5, 1.5]``; service ``[False, True, True]``.
    """
    columns = np.arange(n + 1, dtype=np.float64)
    rows = [columns.copy(), payment_times(timing, columns, True)]
    rows += [np.maximum(columns - shift, 0.0) for shift in shifts]
    stacked = np.asarray(np.stack(rows), dtype=np.float64)
    service = np.zeros(n + 1, dtype=bool)
    service[1:] = True  # years 1..N
    for array in (*rows, stacked, service):
        array.setflags(write=False)
    return tuple(rows), stacked, service


_time_rows_cached = functools.lru_cache(maxsize=256)(_time_rows_of)


def _table(method: PreparedMethod, flat: _Flat, plan: _Plan) -> StreamTable:
    """The stream table of the bids of ``flat`` (see the module docstring for every rule).

    Every rule is applied to all items at once; rows are then sorted by (bid, key, time group)
    and, within those, in the order the module docstring lists them per item (``seq``: the
    item's slot, then the rule's code), so the table does not depend on how it was built.
    """
    n = method.study_period_years
    n_years = n + 1
    group_rows, group_times, service = _time_rows(n, method.timing, plan.shifts)
    recurring_times = group_rows[RECURRING_GROUP]

    rows = _Rows(n_years)
    warnings: list[tuple[int, tuple[str, str, str]]] = []

    n_uses = int(flat.use_local.max()) + 1 if flat.use_local.size else 0
    n_pollutants = int(flat.pollutant_local.max()) + 1 if flat.pollutant_local.size else 0
    n_streams = int(flat.stream_local.max()) + 1 if flat.stream_local.size else 0
    pollutant_code = _FIRST_FREE_CODE + 2 * n_uses
    stream_code = pollutant_code + n_pollutants
    width = stream_code + 3 * n_streams

    if flat.items:
        schedules, inverse = _lives(flat, n)
        seq = flat.item_slot * width
        _item_events(
            flat, n, plan, rows, warnings=warnings, seq=seq, schedules=schedules, inverse=inverse
        )
        _item_recurring(
            method,
            flat,
            rows,
            seq,
            (schedules, inverse),
            recurring_times=recurring_times,
            service=service,
            pollutant_code=pollutant_code,
            pollutants=plan.pollutants,
        )
    if flat.streams:
        seq = flat.stream_slot * width + stream_code + 3 * flat.stream_local
        for kind, bid, key, group, seq_of, amounts in _streams(flat, n, group_rows, seq):
            if amounts.ndim == 2:
                rows.add((kind, bid, key, group, seq_of), amounts)
            else:  # a residual value at N
                rows.sparse(
                    (kind, bid, key, group, seq_of),
                    rows=np.arange(len(bid), dtype=np.int64),
                    columns=np.full(len(bid), n, dtype=np.int64),
                    amounts=amounts,
                )

    n_keys = max(len(CATEGORIES), len(MODULES), len(plan.pollutants))
    n_seq = (len(flat.items) + flat.n_bids) * width
    cost, emission, pollutant = rows.tables((flat.n_bids, n_keys, len(group_rows), n_seq))
    warnings.sort(key=lambda entry: entry[0])
    return StreamTable(
        n_bids=flat.n_bids,
        study_period_years=n,
        group_times=group_times,
        cost_bid=cost[0],
        cost_category=cost[1],
        cost_group=cost[2],
        cost_amounts=cost[3],
        emission_bid=emission[0],
        emission_module=emission[1],
        emission_group=emission[2],
        emission_kg=emission[3],
        pollutants=plan.pollutants,
        pollutant_bid=pollutant[0],
        pollutant_index=pollutant[1],
        pollutant_group=pollutant[2],
        pollutant_kg=pollutant[3],
        warnings=tuple(warning for _, warning in warnings),
    )


def _item_events(
    flat: _Flat,
    n: int,
    plan: _Plan,
    rows: _Rows,
    *,
    warnings: list[tuple[int, tuple[str, str, str]]],
    seq: IntArray,
    schedules: list[_Schedule],
    inverse: IntArray,
) -> None:
    """Purchases, embodied emissions, replacements, ends of life and residual values."""
    s = flat.scalars
    q = s[:, 0]
    bid = flat.item_bid
    capital, embodied = _event_amounts(flat)
    template = _event_template(tuple(schedules), plan.shifts, n)
    remaining = template.remaining[inverse]
    life = template.life[inverse]
    last_index = template.last_index[inverse]

    # Residual value at N of the unit in service (linear, or the stated resale value).
    in_service = remaining > 0.0
    linear = capital * last_index * remaining / life
    value = np.where(flat.residual_given, np.maximum(flat.residual, 0.0), np.maximum(linear, 0.0))
    residual = np.where(in_service, -q * value, 0.0)
    for i in np.flatnonzero(~in_service & flat.residual_given & (flat.residual != 0.0)).tolist():
        schedule = schedules[int(inverse[i])]
        warnings.append(
            (
                i,
                (
                    "RESIDUAL_VALUE_IGNORED",
                    f"item {flat.items[i].name!r}: the residual value applies to a unit still in "
                    "service at the end of the study period; the last unit's life ends at "
                    f"t = {schedule.purchases[-1] + schedule.life:g} <= N = {n}",
                    flat.bid_ids[int(bid[i])],
                ),
            )
        )

    # Every one-off amount of every item (module docstring): one entry per item, family and
    # event of its schedule (:func:`_event_template`); the entries with a non-zero amount become
    # the rows' entries, one row per item, family and time group.
    e = flat.embodied
    qc = q[:, None]
    base = np.empty((len(q), len(_ITEM_FAMILIES)), dtype=np.float64)
    base[:, 0:2] = qc * s[:, 1:3]  # unit price, installation at t = 0
    base[:, 2:5] = qc * e[:, 0:3]  # A1-A3, A4, A5 at t = 0
    base[:, 5] = residual  # at N
    base[:, 6] = 0.0  # replacement cost: per event, below
    base[:, 7] = embodied  # B4 at each replacement
    base[:, 8] = q * s[:, 5]  # end-of-life cost at each end of life
    base[:, 9:11] = qc * e[:, 3:5]  # C1-C4, D at each end of life
    lengths = template.length[inverse]
    item = np.repeat(np.arange(len(q), dtype=np.int64), lengths)
    first = np.cumsum(lengths) - lengths
    at = np.arange(item.size, dtype=np.int64) + (template.start[inverse] - first)[item]
    family = template.family[at]
    amounts = np.where(
        family == _REPLACEMENT_COST,
        q[item] * (capital[item] * template.index[at]),
        base[item, family],
    )
    keep = np.flatnonzero(amounts != 0.0)
    if not keep.size:
        return
    item, at = item[keep], at[keep]
    group = template.group[at]
    if template.unplanned and bool(np.any(group < 0)):
        raise ValueError("an event is booked at a time shift the plan does not know")
    # Entries of one row are consecutive (the template lists them by family, then group).
    row_key = item * template.n_rows + template.row[at]
    new = np.empty(row_key.size, dtype=bool)
    new[0] = True
    np.not_equal(row_key[1:], row_key[:-1], out=new[1:])
    heads = np.flatnonzero(new)
    head_family = family[keep[heads]]
    head_item = item[heads]
    rows.sparse(
        (
            _FAMILY_KIND[head_family],
            bid[head_item],
            _FAMILY_KEY[head_family],
            group[heads],
            seq[head_item] + _FAMILY_CODE[head_family],
        ),
        rows=np.cumsum(new) - 1,
        columns=template.column[at],
        amounts=amounts[keep],
    )


def _item_recurring(
    method: PreparedMethod,
    flat: _Flat,
    rows: _Rows,
    seq: IntArray,
    lives: tuple[list[_Schedule], IntArray],
    *,
    recurring_times: FloatArray,
    service: npt.NDArray[np.bool_],
    pollutant_code: int,
    pollutants: tuple[str, ...],
) -> None:
    """Maintenance less warranty, resource use (cost and emissions), other pollutants."""
    n = method.study_period_years
    s = flat.scalars
    q = s[:, 0]
    bid = flat.item_bid

    # Maintenance, less the warranty (pro rata) running from each purchase, years 1..N.
    maintained = np.flatnonzero(s[:, 3] != 0.0)
    if maintained.size:
        schedules, inverse = lives
        which = inverse[maintained]
        warranty = s[maintained, 4]
        pairs: dict[tuple[int, float], int] = {}
        coverage_id = [
            pairs.setdefault(pair, len(pairs))
            for pair in zip(which.tolist(), warranty.tolist(), strict=True)
        ]
        uncovered = np.stack([_uncovered(schedules[x], w, n) for x, w in pairs])
        yearly = q[maintained] * s[maintained, 3]
        amounts = np.where(service, yearly[:, None], 0.0) * uncovered[coverage_id]
        rows.add(
            (
                _COST,
                bid[maintained],
                _CATEGORY_INDEX["maintenance"],
                RECURRING_GROUP,
                seq[maintained] + _MAINTENANCE,
            ),
            amounts,
        )

    # Resource use: cost and emissions, years 1..N.
    if flat.use_item.size:
        position: dict[str, int] = {}
        for name in flat.use_resource:
            position.setdefault(name, len(position))
        tables = [_resource_rows(method, name) for name in position]
        ids = np.array([position[name] for name in flat.use_resource], dtype=np.int64)
        user = flat.use_item
        yearly = (q[user] * flat.use_amount)[:, None]
        use_seq = seq[user] + _FIRST_FREE_CODE + 2 * flat.use_local
        rows.add(
            (
                _COST,
                bid[user],
                np.array([r.category for r in tables], dtype=np.int64)[ids],
                RECURRING_GROUP,
                use_seq,
            ),
            yearly * np.stack([r.price for r in tables])[ids],
        )
        rows.add(
            (
                _EMISSION,
                bid[user],
                np.array([r.module for r in tables], dtype=np.int64)[ids],
                RECURRING_GROUP,
                use_seq + 1,
            ),
            yearly * np.stack([r.factor for r in tables])[ids],
        )

    # Other pollutants, kg a year, years 1..N.
    if flat.pollutant_item.size:
        position_of = {name: k for k, name in enumerate(pollutants)}
        emitter = flat.pollutant_item
        kg = q[emitter] * flat.pollutant_kg
        rows.add(
            (
                _POLLUTANT,
                bid[emitter],
                np.array([position_of[name] for name in flat.pollutant_name], dtype=np.int64),
                RECURRING_GROUP,
                seq[emitter] + pollutant_code + flat.pollutant_local,
            ),
            np.where(service, kg[:, None], 0.0),
        )


_StreamRows = tuple[int, IntArray, IntArray | int, IntArray | int, IntArray, FloatArray]


@dataclass(frozen=True, slots=True)
class _StreamPatterns:
    """The years of distinct stream patterns (first_year, every_years, last_year) over 0..N.

    Per pattern: ``first = max(first_year, 0)``; ``last = min(last_year or N, N)``; ``once``
    (``every_years <= 0``: one occurrence at ``first``); ``step`` (``every_years``, 1 when once);
    ``years[p, t]``: the pattern occurs in year t; ``occurs``: in any year 0..N. Read-only.

    Example (N = 4): (1, 1, 0) -> years 1..4; (2, 0, 0) -> year 2; (6, 0, 0) -> never.
    """

    first: IntArray
    every: IntArray
    last: IntArray
    once: npt.NDArray[np.bool_]
    step: IntArray
    years: npt.NDArray[np.bool_]
    occurs: npt.NDArray[np.bool_]


def _stream_patterns(patterns: tuple[tuple[int, int, int], ...], n: int) -> _StreamPatterns:
    """:class:`_StreamPatterns` of ``patterns`` (remembered when there are few of them)."""
    if len(patterns) <= _FEW:
        return _stream_patterns_cached(patterns, n)
    return _stream_patterns_of(patterns, n)


def _stream_patterns_of(patterns: tuple[tuple[int, int, int], ...], n: int) -> _StreamPatterns:
    size = len(patterns)
    first_year, every, stated_last = (
        np.array([p[k] for p in patterns], dtype=np.int64).reshape(size) for k in range(3)
    )
    first = np.maximum(first_year, 0)
    last = np.minimum(np.where(stated_last > 0, stated_last, n), n)
    once = every <= 0
    step = np.where(once, 1, every)
    t = np.arange(n + 1, dtype=np.int64)[None, :]
    f0, k0, l0 = first[:, None], step[:, None], last[:, None]
    years = np.where(once[:, None], t == f0, (t >= f0) & (t <= l0) & ((t - f0) % k0 == 0))
    occurs = years.any(axis=1)
    out = _StreamPatterns(first, every, last, once, step, years, occurs)
    for array in (first, every, last, once, step, years, occurs):
        array.setflags(write=False)
    return out


_stream_patterns_cached = functools.lru_cache(maxsize=256)(_stream_patterns_of)

#: Up to this many generic streams :func:`_streams` reads them in one pass with remembered
#: patterns; above it column by column (measured: 10 000 bids x 5 streams, 1.3x faster).
_FEW_STREAMS = 256


def _streams(
    flat: _Flat, n: int, group_rows: Sequence[FloatArray], seq: IntArray
) -> list[_StreamRows]:
    """Generic streams: the amount at first_year and every k years up to last_year.

    ``every_years == 1`` is recurring (the timing convention applies), anything else one-off
    events at whole years; a stream with a ``life`` leaves a linear residual value of its last
    occurrence at N. ``seq`` is the insertion code of each stream's cost row (its emission row
    follows, then its residual value). Returns blocks (kind, bid, key, group, seq, amounts):
    whole rows, or one amount per row at N (the residual values).
    """
    streams = flat.streams
    count = len(streams)
    n_years = n + 1
    if count <= _FEW_STREAMS:
        # Few streams (a tender's own cost lines): one pass over them, patterns remembered.
        numbers = np.array(
            [
                (s.amount, s.escalation, s.emissions, math.nan if s.life is None else s.life)
                for s in streams
            ],
            dtype=np.float64,
        ).reshape(count, 4)
        amount, escalation, kg, life = numbers.T
        # The years of each stream, from a table of its distinct (first, every, last) patterns.
        patterns: dict[tuple[int, int, int], int] = {}
        pattern_of = np.array(
            [
                patterns.setdefault((s.first_year, s.every_years, s.last_year), len(patterns))
                for s in streams
            ],
            dtype=np.int64,
        ).reshape(count)
        pattern = _stream_patterns(tuple(patterns), n)
        years = pattern.years[pattern_of]
        occurs = pattern.occurs[pattern_of]
        every = pattern.every[pattern_of]
        first, step, last, once = (
            pattern.first[pattern_of],
            pattern.step[pattern_of],
            pattern.last[pattern_of],
            pattern.once[pattern_of],
        )
    else:
        # Many streams: one column at a time (a list of tuples into numpy costs more per
        # stream than the dict lookups save), distinct patterns by one np.unique.
        amount = _column_of([s.amount for s in streams], count)
        escalation = _column_of([s.escalation for s in streams], count)
        kg = _column_of([s.emissions for s in streams], count)
        life = np.array(
            [math.nan if s.life is None else s.life for s in streams], dtype=np.float64
        ).reshape(count)
        first = np.maximum(_ints([s.first_year for s in streams]), 0)
        every = _ints([s.every_years for s in streams])
        stated_last = _ints([s.last_year for s in streams])
        last = np.minimum(np.where(stated_last > 0, stated_last, n), n)
        once = every <= 0
        step = np.where(once, 1, every)
        first_c, step_c, last_c = (
            np.clip(first, 0, n + 1),
            np.clip(step, 1, n + 1),
            np.clip(last, -1, n),
        )
        code = ((first_c * (n + 2) + np.where(once, 0, step_c)) * (n + 2)) + (last_c + 1)
        _, rep, unique_of = np.unique(code, return_index=True, return_inverse=True)
        unique_of = unique_of.reshape(-1)  # rep: one stream of each pattern
        t = np.arange(n_years, dtype=np.int64)[None, :]
        f0, k0, l0 = first[rep, None], step[rep, None], last[rep, None]
        table = np.where(once[rep, None], t == f0, (t >= f0) & (t <= l0) & ((t - f0) % k0 == 0))
        years = table[unique_of]
        occurs = table.any(axis=1)[unique_of]
    if not occurs.any():
        return []
    recurring = every == 1
    group = np.where(recurring, RECURRING_GROUP, EVENT_GROUP)
    per_occurrence = flat.stream_multiplier * amount
    if not escalation.any():  # (1 + 0) ** tau == 1 exactly
        amounts = np.where(years, per_occurrence[:, None], 0.0)
    else:
        # escalation_index(e, tau) = (1 + e) ** tau at the payment times of the stream's group,
        # once per distinct rate.
        index = np.empty((count, n_years), dtype=np.float64)
        for g, members in ((EVENT_GROUP, ~recurring), (RECURRING_GROUP, recurring)):
            these = np.flatnonzero(members)
            if these.size:
                rates, which = np.unique(escalation[these], return_inverse=True)
                table = np.power(1.0 + rates[:, None], group_rows[g][None, :])
                index[these] = table[which.reshape(-1)]
        amounts = np.where(years, per_occurrence[:, None] * index, 0.0)

    out: list[_StreamRows] = []
    category = _ints([_CATEGORY_INDEX.get(s.category or "other", -1) for s in streams])
    live = np.flatnonzero(occurs)
    if np.any(category[live] < 0):
        raise KeyError(streams[int(live[np.argmax(category[live] < 0)])].category)
    out.append(
        (_COST, flat.stream_bid[live], category[live], group[live], seq[live], amounts[live])
    )

    emitting = np.flatnonzero(occurs & (kg != 0.0))
    if emitting.size:
        module = _ints(
            [
                _MODULE_INDEX[streams[i].emissions_module or _default_module(streams[i].category)]
                for i in emitting.tolist()
            ]
        )
        per_kg = (flat.stream_multiplier * kg)[emitting, None]
        out.append(
            (
                _EMISSION,
                flat.stream_bid[emitting],
                module,
                group[emitting],
                seq[emitting] + 1,
                np.where(years[emitting], per_kg, 0.0),
            )
        )

    lasting = np.flatnonzero(occurs & (life > 0.0))
    if lasting.size:
        f, st = first[lasting], step[lasting]
        last_year = np.where(once[lasting], f, f + (last[lasting] - f) // st * st)
        remaining = _snap_array((last_year.astype(np.float64) + life[lasting]) - n)
        left = remaining > 0.0
        chosen = lasting[left]
        value = np.maximum(amounts[chosen, last_year[left]] * remaining[left] / life[chosen], 0.0)
        booked = value != 0.0
        if booked.any():
            chosen = chosen[booked]
            out.append(
                (
                    _COST,
                    flat.stream_bid[chosen],
                    _CATEGORY_INDEX["residual_value"],
                    EVENT_GROUP,
                    seq[chosen] + 2,
                    -value[booked],
                )
            )
    return out


def _default_module(category: str) -> str:
    """EN 15978 module of a stream's emissions when the stream names none (as the contract says)."""
    return {
        "replacement": "b4",
        "acquisition": "a1_a3",
        "installation": "a5",
        "end_of_life": "c1_c4",
        "energy": "b6",
        "water_and_resources": "b7",
    }.get(category, "b1_b3")


def expand_tender(tender: PreparedTender) -> StreamTable:
    """Expand every bid's items and streams into one :class:`StreamTable`.

    Example: one item, unit price 100, service life 4, N = 6, no escalation -> cost rows
    ``acquisition`` 100 at t = 0, ``replacement`` 100 at t = 4 and ``residual_value`` -50 at
    t = 6 (the unit bought at 4 has 2 of its 4 years left).
    """
    flat = _flatten(tender.bids)
    return _table(tender.method, flat, _plan([flat], tender.method.study_period_years))


class PartedExpansion:
    """The stream tables of a tender part by part: ranges of consecutive bids.

    Every part has the time groups and the pollutants of the whole tender, so each bid's rows in
    its part are exactly its rows in :func:`expand_tender` (bids numbered from 0 in each part).
    For evaluations too large to hold every bid's rows at once. ``ranges`` are (start, end)
    bid indices covering the bids in order.

    Example: ``PartedExpansion(tender, [(0, 4), (4, 10)]).table(1)`` holds bids 4..9.
    """

    def __init__(self, tender: PreparedTender, ranges: Sequence[tuple[int, int]]) -> None:
        bids = tender.bids
        expected = 0
        for start, end in ranges:
            if start != expected or end <= start:
                raise ValueError(f"ranges must cover the bids in order, got {list(ranges)}")
            expected = end
        if expected != len(bids):
            raise ValueError(f"ranges must cover the bids in order, got {list(ranges)}")
        self._tender = tender
        self._flats: list[_Flat | None] = [_flatten(bids[start:end]) for start, end in ranges]
        self._plan = _plan([flat for flat in self._flats if flat is not None], _n(tender))

    def table(self, part: int) -> StreamTable:
        """The stream table of part ``part`` (each part can be taken once: its data is freed)."""
        flat = self._flats[part]
        if flat is None:
            raise ValueError(f"part {part} was taken already")
        self._flats[part] = None
        return _table(self._tender.method, flat, self._plan)

    def bid_table(self, index: int) -> StreamTable:
        """The stream table of bid ``index`` alone (its rows as in its part)."""
        return _table(
            self._tender.method, _flatten(self._tender.bids[index : index + 1]), self._plan
        )


def _n(tender: PreparedTender) -> int:
    return tender.method.study_period_years


def expand_in_parts(tender: PreparedTender, part_bids: int) -> Iterator[tuple[int, StreamTable]]:
    """The stream table of ``tender`` in parts of at most ``part_bids`` consecutive bids.

    Yields ``(first, table)``: ``table`` holds bids ``first .. first + table.n_bids - 1`` of the
    tender, numbered from 0; each bid's rows are exactly its rows in :func:`expand_tender`
    (see :class:`PartedExpansion`).

    Example: 10 bids in parts of 4 -> parts starting at bids 0, 4 and 8 (of 4, 4 and 2 bids).
    """
    if part_bids < 1:
        raise ValueError(f"part_bids must be >= 1, got {part_bids}")
    count = len(tender.bids)
    ranges = [(start, min(start + part_bids, count)) for start in range(0, count, part_bids)]
    if not ranges:
        return
    expansion = PartedExpansion(tender, ranges)
    for k, (start, _) in enumerate(ranges):
        yield start, expansion.table(k)
