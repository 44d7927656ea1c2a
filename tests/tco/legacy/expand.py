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
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

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
from tests.tco.legacy.finance import escalation_index, payment_times

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

__all__ = [
    "EVENT_GROUP",
    "RECURRING_GROUP",
    "StreamTable",
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

    Rows of each kind are sorted by (bid, category/module/pollutant, time group). Amounts are
    per study year 0..N (shape ``(rows, N + 1)``): money in real terms at the price level of the
    payment time; emissions in kgCO2e; pollutants in kg.
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


@dataclass(slots=True)
class _Rows:
    bid: list[int] = field(default_factory=list)
    key: list[int] = field(default_factory=list)
    group: list[int] = field(default_factory=list)
    amounts: list[FloatArray] = field(default_factory=list)

    def add(self, bid: int, key: int, group: int, amounts: FloatArray) -> None:
        if not np.any(amounts):
            return
        self.bid.append(bid)
        self.key.append(key)
        self.group.append(group)
        self.amounts.append(amounts)

    def arrays(self, n_years: int) -> tuple[IntArray, IntArray, IntArray, FloatArray]:
        bid = np.asarray(self.bid, dtype=np.int64)
        key = np.asarray(self.key, dtype=np.int64)
        group = np.asarray(self.group, dtype=np.int64)
        if self.amounts:
            amounts = np.stack(self.amounts).astype(np.float64, copy=False)
        else:
            amounts = np.zeros((0, n_years), dtype=np.float64)
        order = np.lexsort((group, key, bid))
        return bid[order], key[order], group[order], np.ascontiguousarray(amounts[order])


class _Builder:
    """Collects rows; knows the study period, the timing convention and the time groups."""

    def __init__(self, method: PreparedMethod) -> None:
        self.method = method
        self.n = method.study_period_years
        self.columns = np.arange(self.n + 1, dtype=np.float64)
        self.group_rows: list[FloatArray] = [
            self.columns.copy(),
            payment_times(method.timing, self.columns, True),
        ]
        self._event_groups: dict[float, int] = {0.0: EVENT_GROUP}
        self.costs = _Rows()
        self.emissions = _Rows()
        self.pollutants = _Rows()
        self.pollutant_names: list[str] = []
        self.warnings: list[tuple[str, str, str]] = []
        recurring = np.zeros(self.n + 1, dtype=bool)
        recurring[1:] = True
        #: Years 1..N as a mask over columns.
        self.service_years = recurring
        self._resource_cache: dict[str, tuple[str, FloatArray, FloatArray]] = {}

    @property
    def recurring_times(self) -> FloatArray:
        return self.group_rows[RECURRING_GROUP]

    # --- time placement -------------------------------------------------------------------
    def event_slot(self, time: float) -> tuple[int, int]:
        """(column, group) of a one-off event at ``time`` (column = the year it falls in)."""
        time = _snap(time)
        column = math.ceil(time)
        shift = round(column - time, 12)
        if shift == 0.0:
            return column, EVENT_GROUP
        group = self._event_groups.get(shift)
        if group is None:
            group = len(self.group_rows)
            self._event_groups[shift] = group
            self.group_rows.append(np.maximum(self.columns - shift, 0.0))
        return column, group

    def add_events(
        self, rows: _Rows, bid: int, key: int, times: Sequence[float], amounts: Sequence[float]
    ) -> None:
        """One-off amounts at (possibly fractional) times, one row per time group."""
        by_group: dict[int, FloatArray] = {}
        for time, amount in zip(times, amounts, strict=True):
            if amount == 0.0:
                continue
            column, group = self.event_slot(time)
            if column > self.n:
                continue
            row = by_group.get(group)
            if row is None:
                row = np.zeros(self.n + 1, dtype=np.float64)
                by_group[group] = row
            row[column] += amount
        for group in sorted(by_group):
            rows.add(bid, key, group, by_group[group])

    def pollutant_key(self, name: str) -> int:
        if name not in self.pollutant_names:
            self.pollutant_names.append(name)
        return self.pollutant_names.index(name)

    def resource(self, name: str) -> tuple[str, FloatArray, FloatArray]:
        """(category, money per unit of use in each year, kgCO2e per unit of use each year)."""
        cached = self._resource_cache.get(name)
        if cached is not None:
            return cached
        resource = self.method.resources.get(name)
        if resource is None:
            raise KeyError(f"resource {name!r} is not priced by the method")
        index = escalation_index(resource.escalation_rates, self.recurring_times)
        price = np.where(self.service_years, resource.price * index, 0.0)
        factor = np.where(self.service_years, np.asarray(resource.emission_factor), 0.0)
        entry = (resource_category(resource), price, factor.astype(np.float64))
        self._resource_cache[name] = entry
        return entry

    # --- rows -----------------------------------------------------------------------------
    def stream(self, bid: int, stream: PreparedStream, multiplier: float) -> None:
        """A generic stream: amount at first_year, every k years up to last_year."""
        n = self.n
        first = max(stream.first_year, 0)
        if stream.every_years <= 0:
            years = np.array([first], dtype=np.int64) if first <= n else np.zeros(0, np.int64)
        else:
            last = min(stream.last_year if stream.last_year > 0 else n, n)
            years = np.arange(first, last + 1, stream.every_years, dtype=np.int64)
        if years.size == 0:
            return
        recurring = stream.every_years == 1
        group = RECURRING_GROUP if recurring else EVENT_GROUP
        times = self.group_rows[group][years]
        amounts = np.zeros(n + 1, dtype=np.float64)
        amounts[years] = multiplier * stream.amount * escalation_index(stream.escalation, times)
        category = _CATEGORY_INDEX[stream.category or "other"]
        self.costs.add(bid, category, group, amounts)
        if stream.emissions:
            kg = np.zeros(n + 1, dtype=np.float64)
            kg[years] = multiplier * stream.emissions
            module = _MODULE_INDEX[stream.emissions_module or _default_module(stream.category)]
            self.emissions.add(bid, module, group, kg)
        if stream.life is not None and stream.life > 0.0:
            last_year = int(years[-1])
            remaining = _snap(last_year + stream.life - n)
            if remaining > 0.0:
                value = max(float(amounts[last_year]) * remaining / stream.life, 0.0)
                self.add_events(
                    self.costs, bid, _CATEGORY_INDEX["residual_value"], [float(n)], [-value]
                )

    def item(self, bid: int, bid_id: str, item: PreparedItem) -> None:
        n = self.n
        q = item.quantity
        life = float(n) if item.service_life is None else item.service_life
        purchases = purchase_times(item.service_life, n)
        replacements = purchases[1:]
        capital = item.unit_price + item.installation_cost

        def capital_at(time: float) -> float:
            return capital * float(escalation_index(ITEM_PRICE_ESCALATION, time))

        cost = self.costs
        self.add_events(cost, bid, _CATEGORY_INDEX["acquisition"], [0.0], [q * item.unit_price])
        self.add_events(
            cost, bid, _CATEGORY_INDEX["installation"], [0.0], [q * item.installation_cost]
        )
        self.add_events(
            cost,
            bid,
            _CATEGORY_INDEX["replacement"],
            replacements,
            [q * capital_at(t) for t in replacements],
        )

        embodied = 0.0
        for module in ("a1_a3", "a4", "a5"):
            kg = item.emissions.get(module, 0.0)
            embodied += kg
            self.add_events(self.emissions, bid, _MODULE_INDEX[module], [0.0], [q * kg])
        self.add_events(
            self.emissions,
            bid,
            _MODULE_INDEX["b4"],
            replacements,
            [q * embodied] * len(replacements),
        )

        ends = [_snap(t + life) for t in purchases if _snap(t + life) <= n]
        self.add_events(
            cost, bid, _CATEGORY_INDEX["end_of_life"], ends, [q * item.end_of_life_cost] * len(ends)
        )
        for module in ("c1_c4", "d"):
            kg = item.emissions.get(module, 0.0)
            self.add_events(self.emissions, bid, _MODULE_INDEX[module], ends, [q * kg] * len(ends))

        last = purchases[-1]
        remaining = _snap(last + life - n)
        if remaining > 0.0:
            if item.residual_value is not None:
                value = max(item.residual_value, 0.0)
            else:
                value = max(capital_at(last) * remaining / life, 0.0)
            self.add_events(cost, bid, _CATEGORY_INDEX["residual_value"], [float(n)], [-q * value])
        elif item.residual_value:
            self.warnings.append(
                (
                    "RESIDUAL_VALUE_IGNORED",
                    f"item {item.name!r}: the residual value applies to a unit still in service "
                    f"at the end of the study period; the last unit's life ends at "
                    f"t = {last + life:g} <= N = {n}",
                    bid_id,
                )
            )

        if item.maintenance_per_year:
            coverage = warranty_coverage(purchases, item.warranty_years, life, n)
            maintenance = np.where(self.service_years, q * item.maintenance_per_year, 0.0)
            self.costs.add(
                bid,
                _CATEGORY_INDEX["maintenance"],
                RECURRING_GROUP,
                np.asarray(maintenance * (1.0 - coverage), dtype=np.float64),
            )

        for use in item.resource_use:
            category, price, factor = self.resource(use.resource)
            yearly = q * use.amount_per_year
            self.costs.add(bid, _CATEGORY_INDEX[category], RECURRING_GROUP, yearly * price)
            module = "b6" if category == "energy" else "b7"
            self.emissions.add(bid, _MODULE_INDEX[module], RECURRING_GROUP, yearly * factor)

        for pollutant in item.pollutant_emissions:
            key = self.pollutant_key(pollutant.pollutant)
            yearly_kg = np.where(self.service_years, q * pollutant.kg_per_year, 0.0)
            self.pollutants.add(bid, key, RECURRING_GROUP, np.asarray(yearly_kg, np.float64))

        for stream in item.costs:
            self.stream(bid, stream, q)

    def bid(self, index: int, bid: PreparedBid) -> None:
        for item in bid.items:
            self.item(index, bid.id, item)
        for stream in bid.costs:
            self.stream(index, stream, 1.0)

    def table(self, n_bids: int) -> StreamTable:
        n_years = self.n + 1
        # FIX (regression bug 8, not in the original): event groups 2, 3 ... renumbered in
        # ascending order of their shifts; numbered by first appearance, a bid's rows were
        # ordered (and its cells summed) by what the bids before it booked.
        events = sorted((shift, group) for shift, group in self._event_groups.items() if group >= 2)
        renumber = {group: 2 + rank for rank, (_, group) in enumerate(events)}
        for rows in (self.costs, self.emissions, self.pollutants):
            rows.group = [renumber.get(g, g) for g in rows.group]
        self.group_rows = self.group_rows[:2] + [self.group_rows[g] for _, g in events]
        cost = self.costs.arrays(n_years)
        emission = self.emissions.arrays(n_years)
        # Pollutant keys follow first appearance; renumber to sorted names for determinism
        # independent of which bid mentions a pollutant first.
        names = tuple(sorted(self.pollutant_names))
        remap = np.array(
            [names.index(name) for name in self.pollutant_names] or [0], dtype=np.int64
        )
        self.pollutants.key = [int(remap[k]) for k in self.pollutants.key]
        pollutant = self.pollutants.arrays(n_years)
        return StreamTable(
            n_bids=n_bids,
            study_period_years=self.n,
            group_times=np.asarray(np.stack(self.group_rows), dtype=np.float64),
            cost_bid=cost[0],
            cost_category=cost[1],
            cost_group=cost[2],
            cost_amounts=cost[3],
            emission_bid=emission[0],
            emission_module=emission[1],
            emission_group=emission[2],
            emission_kg=emission[3],
            pollutants=names,
            pollutant_bid=pollutant[0],
            pollutant_index=pollutant[1],
            pollutant_group=pollutant[2],
            pollutant_kg=pollutant[3],
            warnings=tuple(self.warnings),
        )


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
    builder = _Builder(tender.method)
    for index, bid in enumerate(tender.bids):
        builder.bid(index, bid)
    return builder.table(len(tender.bids))
