"""The items, resource uses, pollutant emissions and streams of a run of bids, as arrays.

:func:`bid_columns` reads the Python objects once; the expansion (:mod:`tco.expand`) then applies
every rule to all items at once with numpy. Bids are numbered from 0 within the run. A *slot*
orders rows within a bid: each item has one slot, the bid's own streams the slot after its items.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tco.prepared import PreparedBid, PreparedItem, PreparedStream
from tco.schedules import UnitSchedule, unit_schedule

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

__all__ = ["BidColumns", "bid_columns"]


@dataclass(frozen=True, slots=True)
class BidColumns:
    """Every item, resource use, pollutant emission and stream of a run of bids, as arrays."""

    bid_ids: list[str]
    items: list[PreparedItem]
    item_bid: IntArray
    item_slot: IntArray
    #: Per item: quantity, unit_price, installation_cost, maintenance_per_year,
    #: warranty_years, end_of_life_cost (columns in that order).
    scalars: FloatArray
    #: Per item: kgCO2e of A1-A3, A4, A5, C1-C4, D (columns in that order).
    embodied: FloatArray
    #: The schedule of each distinct (service life, price escalation), and each item's index.
    schedules: list[UnitSchedule]
    schedule_of: IntArray
    #: 0 where the item states no residual value (then ``residual_given`` is False).
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
    #: The item's quantity for an item stream, 1 for a bid's own stream.
    stream_multiplier: FloatArray
    streams: list[PreparedStream]

    @property
    def n_bids(self) -> int:
        return len(self.bid_ids)

    @property
    def quantity(self) -> FloatArray:
        return self.scalars[:, 0]


def _owners(counts: list[int]) -> tuple[IntArray, IntArray]:
    """For children listed owner by owner (``counts`` per owner): each child's owner and its
    index among its owner's children.

    Example: ``counts = [2, 0, 1]`` -> owners ``[0, 0, 2]``, indices ``[0, 1, 0]``.
    """
    if counts.count(0) == len(counts):  # no children at all: the common case
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    count = np.asarray(counts, dtype=np.int64).reshape(len(counts))
    owner = np.repeat(np.arange(count.size, dtype=np.int64), count)
    starts = np.cumsum(count) - count
    return owner, np.arange(owner.size, dtype=np.int64) - starts[owner]


def _column(values: list[float]) -> FloatArray:
    return np.array(values, dtype=np.float64).reshape(len(values))


#: An item's scalars, in the column order of :attr:`BidColumns.scalars`.
_ITEM_SCALARS = operator.attrgetter(
    "quantity",
    "unit_price",
    "installation_cost",
    "maintenance_per_year",
    "warranty_years",
    "end_of_life_cost",
)
_EMBODIED_MODULES = ("a1_a3", "a4", "a5", "c1_c4", "d")
#: An item's embodied emissions when it states every module (validation fills them in).
_EMBODIED = operator.itemgetter(*_EMBODIED_MODULES)


def _embodied(emissions: Mapping[str, float]) -> tuple[float, ...]:
    """kgCO2e of A1-A3, A4, A5, C1-C4, D (0 for a module the item does not state)."""
    return tuple(emissions.get(module, 0.0) for module in _EMBODIED_MODULES)


def _floats(rows: Iterable[tuple[float, ...]], size: int, width: int) -> FloatArray:
    """A (size, width) float64 array of ``size`` rows of ``width`` numbers (one flat pass)."""
    flat = np.fromiter(itertools.chain.from_iterable(rows), dtype=np.float64, count=size * width)
    return flat.reshape(size, width)


def _schedules(
    keys: list[tuple[float | None, float]], n: int
) -> tuple[list[UnitSchedule], IntArray]:
    """The schedule of each distinct (service life, price escalation) pair (life None: the study
    period), and each item's index into them."""
    index: dict[tuple[float | None, float], int] = {}
    which = [index.setdefault(key, len(index)) for key in keys]
    schedules = [unit_schedule(life, n, escalation) for life, escalation in index]
    return schedules, np.array(which, dtype=np.int64).reshape(len(which))


def bid_columns(bids: Sequence[PreparedBid], study_period_years: int) -> BidColumns:
    """One pass over the Python objects of ``bids``; everything after it works on arrays."""
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
        embodied = _floats([_embodied(item.emissions) for item in items], n_items, 5)
    schedules, schedule_of = _schedules(
        [(item.service_life, item.price_escalation) for item in items], study_period_years
    )
    residuals = [item.residual_value for item in items]

    uses = [use for item in items for use in item.resource_use]
    use_item, use_local = _owners([len(item.resource_use) for item in items])
    pollutants = [e for item in items for e in item.pollutant_emissions]
    pollutant_item, pollutant_local = _owners([len(item.pollutant_emissions) for item in items])
    item_streams = [stream for item in items for stream in item.costs]
    owner, item_stream_local = _owners([len(item.costs) for item in items])
    bid_streams = [stream for bid in bids for stream in bid.costs]
    owner_bid, bid_stream_local = _owners([len(bid.costs) for bid in bids])
    return BidColumns(
        bid_ids=[bid.id for bid in bids],
        items=items,
        item_bid=item_bid,
        item_slot=item_slot,
        scalars=scalars,
        embodied=embodied,
        schedules=schedules,
        schedule_of=schedule_of,
        residual=_column([0.0 if value is None else value for value in residuals]),
        residual_given=np.array([value is not None for value in residuals], dtype=bool).reshape(
            n_items
        ),
        use_item=use_item,
        use_local=use_local,
        use_resource=[use.resource for use in uses],
        use_amount=_column([use.amount_per_year for use in uses]),
        pollutant_item=pollutant_item,
        pollutant_local=pollutant_local,
        pollutant_name=[emission.pollutant for emission in pollutants],
        pollutant_kg=_column([e.kg_per_year for e in pollutants]),
        stream_bid=np.concatenate([item_bid[owner], owner_bid]),
        stream_slot=np.concatenate([item_slot[owner], bid_slot[owner_bid]]),
        stream_local=np.concatenate([item_stream_local, bid_stream_local]),
        stream_multiplier=np.concatenate([scalars[owner, 0], np.ones(len(bid_streams))]),
        streams=item_streams + bid_streams,
    )
