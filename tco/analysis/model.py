"""Vectorised re-evaluation: comparison numbers for many parameter settings at once.

The comparison number of every evaluation model is an affine function of three present values
per bid (:func:`tco.models.comparison_numbers`): life-cycle cost L, climate cost C and other
externalities E. :class:`ParametricModel` splits them into parts whose dependence on the
parameters of :mod:`tco.analysis.parameters` is explicit, so that K settings ("draws") cost one
pass of numpy over (draws x bids x groups x years) instead of K evaluations:

**Fixed rows.** The tender without resource use is expanded once (:func:`tco.expand.expand_tender`,
the engine's own rows) and summed by bid and payment-time group g:
``F[b, g, t]`` (money), ``M[b, g, t]`` (counted kgCO2e), ``P[b, g, t]`` (pollutant money at
discounted prices) and ``Q[b]`` (pollutant money at undiscounted prices). With
``D_k[g, t] = (1 + d_k) ** -tau[g, t]`` (per-draw discount factors) and the carbon price path
``p_k[t]`` of draw k::

    L_fixed[k, b] = sum_gt F[b, g, t] D_k[g, t]
    C_fixed[k, b] = sum_gt M[b, g, t] p_k[t] D_k[g, t]      (D = 1 when the price is undiscounted)
    E[k, b]       = sum_gt P[b, g, t] D_k[g, t] + Q[b]

**Resource rows.** Each resource use u (bid b_u, resource r_u) uses ``a_u = quantity x amount``
canonical units a year in years 1..N, paid at the recurring payment times ``tau_rec[t]``; its
price escalates from the base date with the index ``I_kr(tau)`` of the resource's yearly real
rates (:func:`tco.finance.escalation_index`, one series per draw)::

    c[k, r] = sum_{t>=1} price_kr I_kr(tau_rec[t]) D_k[rec, t]            (money per unit a year)
    e[k, r] = sum_{t>=1} factor_kr[t] p_k[t] D_k[rec, t]                 (climate cost per unit)
    L[k, b] = L_fixed[k, b] + sum_{u in b} a_ku c[k, r_u]
    C[k, b] = C_fixed[k, b] + sum_{u in b} a_ku e[k, r_u]

**Structural parameters** (service life, quantity, unit price of an item) change the expanded
rows themselves (replacement years, fractional time groups, warranty coverage, residual value).
Draws are grouped by their distinct values; each distinct setting re-expands only the bids whose
items it touches (cached), and those bids' fixed parts are replaced for the draws of the group.

Everything that does not vary keeps a leading axis of length 1 and broadcasts; draws are processed
in chunks so memory stays bounded (about :data:`CHUNK_ELEMENTS` floats per array). The result is
the unrounded comparison number, shape (draws, bids), equal to
:func:`tco.analysis.reference.reference_comparison_numbers` of the tender with the setting applied
(:func:`tco.analysis.reference.apply_settings`) up to the order of summation (tests pin agreement
to 1e-9 relative for every parameter kind).

Worked example (one bid, 1 000 kWh a year at 1 SEK/kWh for N = 2 years, d = 0, no carbon price):
``L = 2 000`` at the stated values; a draw with ``resource_prices[electricity].price`` scale 1.5
gives ``c = 1.5 x (1 + 1) = 3`` and ``L = 1 000 x 3 = 3 000``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from tco import models
from tco.bid_columns import bid_columns
from tco.expand import expand_tender, stream_table
from tco.finance import discount_factors, escalation_index, payment_times
from tco.item_events import time_groups
from tco.kernel import counted_modules
from tco.prepared import PreparedBid, PreparedItem, PreparedMethod, PreparedTender
from tco.stream_table import StreamTable

from .cancel import ShouldStop, checkpoint, never
from .parameters import Kind, Mode, Parameter, real_rate, stated_rate
from .reference import apply_settings, bid_deductions, ladder_levels, reference_comparison_numbers

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

__all__ = [
    "CHUNK_ELEMENTS",
    "DomainError",
    "ParametricModel",
    "apply_settings",
    "raising",
    "reference_comparison_numbers",
]

#: Target size of the largest per-chunk array, in float64 elements (32 MB).
CHUNK_ELEMENTS = 4_000_000
#: Most items re-expanded between two checks of ``should_stop`` (about 50 ms on this machine).
PART_ITEMS = 250
#: Most bytes of re-expanded structural variants kept for reuse (the cache is emptied beyond).
VARIANT_CACHE_BYTES = 64 * 2**20
#: The engine's limits of validation (``tco.validate.limits.MAX_QUANTITY``,
#: ``tco.validate.limits.MAX_REPLACEMENTS``, ``tco.validate.limits.MAX_MAGNITUDE``,
#: ``tco.validate.limits.MAX_RATE``), repeated here so that the model does not import validation
#: and build its unit registry (tests/tco/analysis pins them equal).
MAX_QUANTITY = 1e12
MAX_REPLACEMENTS = 1000
MAX_MAGNITUDE = 1e18
MAX_RATE = 1.0
#: Largest natural-log growth of (1 + r)^N (the engine's guard, tco.validate.limits).
_MAX_LOG_GROWTH = 700.0
#: Encodes "no service life" in structural variant keys (lives are > 0).
_NO_LIFE = -1.0


class DomainError(ValueError):
    """A setting takes a parameter outside its domain; ``index`` is the parameter's position."""

    def __init__(self, index: int, description: str) -> None:
        super().__init__(description)
        self.index = index
        self.description = description


def raising() -> np.errstate:
    """numpy's floating-point errors as :class:`FloatingPointError` (overflow, 0/0, x/0), so
    no warning reaches stderr and no Infinity or NaN reaches a result; underflow to zero (the exact
    limit of a tiny discount factor) stays silent."""
    return np.errstate(over="raise", invalid="raise", divide="raise", under="ignore")


# --- the fixed rows -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Block:
    """Fixed rows (no resource use) of some bids, summed by bid and time group."""

    #: Payment time of each (group, year), shape (G, T).
    times: FloatArray
    #: Money, shape (b, G, T).
    cost: FloatArray
    #: Counted kgCO2e, shape (b, G, T).
    emissions: FloatArray
    #: Pollutant money at discounted prices, shape (b, G, T).
    pollutant: FloatArray
    #: Pollutant money at undiscounted prices, shape (b,).
    pollutant_flat: FloatArray


def _strip(bid: PreparedBid, items: Sequence[PreparedItem] | None = None) -> PreparedBid:
    chosen = bid.items if items is None else items
    return dataclasses.replace(
        bid, items=tuple(dataclasses.replace(item, resource_use=()) for item in chosen)
    )


def _block(table: StreamTable, method: PreparedMethod) -> _Block:
    n_bids, n_years = table.n_bids, table.n_years
    n_groups = table.group_times.shape[0]
    cost = np.zeros((n_bids, n_groups, n_years), dtype=np.float64)
    np.add.at(cost, (table.cost_bid, table.cost_group), table.cost_amounts)
    emissions = np.zeros_like(cost)
    counted = counted_modules(method.include_module_d)[table.emission_module]
    np.add.at(
        emissions,
        (table.emission_bid[counted], table.emission_group[counted]),
        table.emission_kg[counted],
    )
    pollutant = np.zeros_like(cost)
    flat = np.zeros(n_bids, dtype=np.float64)
    for row in range(table.pollutant_kg.shape[0]):
        name = table.pollutants[int(table.pollutant_index[row])]
        price = method.pollutant_prices.get(name)
        if price is None or price.price_per_kg == 0.0:
            continue
        money = table.pollutant_kg[row] * price.price_per_kg
        bid = int(table.pollutant_bid[row])
        if price.undiscounted:
            flat[bid] += float(money.sum())
        else:
            pollutant[bid, int(table.pollutant_group[row])] += money
    return _Block(
        times=np.asarray(table.group_times, dtype=np.float64),
        cost=cost,
        emissions=emissions,
        pollutant=pollutant,
        pollutant_flat=flat,
    )


def _discount(real: FloatArray, times: FloatArray) -> FloatArray:
    """``(1 + d_k) ** -times`` for every draw k (:func:`tco.finance.discount_factors`):
    shape (k, *times.shape)."""
    rates = real.reshape((-1,) + (1,) * times.ndim)
    return np.asarray(discount_factors(rates, times[np.newaxis]), dtype=np.float64)


def _fixed_parts(
    block: _Block, real: FloatArray, carbon: FloatArray, carbon_discounted: bool
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(L, C, E) of the block's bids for each draw: shapes (k, b)."""
    factors = _discount(real, block.times)  # (k1, G, T)
    lcc = np.einsum("bgt,kgt->kb", block.cost, factors)
    if carbon_discounted:
        weighted = factors * carbon[:, np.newaxis, :]  # (k, G, T)
        cc = np.einsum("bgt,kgt->kb", block.emissions, weighted)
    else:
        cc = np.einsum("bt,kt->kb", block.emissions.sum(axis=1), carbon)
    ec = np.einsum("bgt,kgt->kb", block.pollutant, factors) + block.pollutant_flat
    return lcc, cc, ec


# --- the model ----------------------------------------------------------------------------------


@dataclass(slots=True)
class _State:
    """Effective inputs of a chunk of draws; leading axis k (draws) or 1 (unchanged)."""

    stated_discount: FloatArray  # (k,)
    real_discount: FloatArray  # (k,)
    carbon: FloatArray  # (k, T)
    price: FloatArray  # (k, R)
    rates: FloatArray  # (k, R, N) real
    factor: FloatArray  # (k, R, T)
    amount: FloatArray  # (k, U) per unit of the item per year
    quantity: FloatArray  # (k, I)
    unit_price: FloatArray  # (k, I)
    life: FloatArray  # (k, I), _NO_LIFE for none
    #: Fields already copied to (k, ...) arrays of their own (modified in place from then on).
    owned: set[str] = field(default_factory=set)


def _own(s: _State, name: str, k: int) -> FloatArray:
    """``s.<name>`` as a (k, ...) array of its own, copied from the shared one on first use."""
    array: FloatArray = getattr(s, name)
    if name not in s.owned:
        array = np.array(np.broadcast_to(array, (k, *array.shape[1:])), dtype=np.float64)
        setattr(s, name, array)
        s.owned.add(name)
    return array


class ParametricModel:
    """A prepared tender ready for vectorised re-evaluation (see the module docstring).

    Build once per tender; :meth:`comparison_numbers` takes any list of resolved parameters and a
    (draws x parameters) matrix of their numbers.

    Example:
        >>> model = ParametricModel(prepared)                        # doctest: +SKIP
        >>> p = resolve("carbon_price", Mode.SCALE, prepared)        # doctest: +SKIP
        >>> model.comparison_numbers([p], np.array([[0.0], [1.0], [2.0]])).shape  # doctest: +SKIP
        (3, 2)
    """

    def __init__(self, prepared: PreparedTender, should_stop: ShouldStop = never) -> None:
        self.prepared = prepared
        #: Checked between chunks and before every re-expansion (:mod:`tco.analysis.cancel`).
        self.should_stop = should_stop
        method = prepared.method
        self.method = method
        self.n = method.study_period_years
        self.n_bids = len(prepared.bids)
        columns = np.arange(self.n + 1, dtype=np.float64)
        self.recurring_times = np.asarray(
            payment_times(method.timing, columns, True), dtype=np.float64
        )
        self.service_years = columns >= 1.0
        stripped = dataclasses.replace(prepared, bids=tuple(_strip(b) for b in prepared.bids))
        self.base_block = _block(expand_tender(stripped), method)
        self.deductions = bid_deductions(prepared)
        self.ladder = ladder_levels(prepared)
        carbon = method.carbon_price
        self.carbon_discounted = carbon is None or not carbon.undiscounted
        self.carbon = (
            np.zeros(self.n + 1, dtype=np.float64)
            if carbon is None
            else np.asarray(carbon.price_per_kg, dtype=np.float64)
        )
        # Items (flat) and resource uses.
        self.items: list[tuple[int, int]] = []
        item_index: dict[tuple[int, int], int] = {}
        for b, bid in enumerate(prepared.bids):
            for i in range(len(bid.items)):
                item_index[(b, i)] = len(self.items)
                self.items.append((b, i))
        self.item_index = item_index
        self.item_of: dict[tuple[int, int], PreparedItem] = {
            (b, i): prepared.bids[b].items[i] for b, i in self.items
        }
        used: list[str] = []
        uses: list[tuple[int, int, int, str, float]] = []
        for b, i in self.items:
            for u, use in enumerate(prepared.bids[b].items[i].resource_use):
                uses.append((b, i, u, use.resource, use.amount_per_year))
                if use.resource not in used:
                    used.append(use.resource)
        self.resource_names = [name for name in method.resources if name in used]
        self.resource_index = {name: r for r, name in enumerate(self.resource_names)}
        self.use_index = {(b, i, u): k for k, (b, i, u, _, _) in enumerate(uses)}
        self.use_bid = np.array([u[0] for u in uses], dtype=np.int64)
        self.use_item = np.array([item_index[(u[0], u[1])] for u in uses], dtype=np.int64)
        self.use_resource = np.array([self.resource_index[u[3]] for u in uses], dtype=np.int64)
        self.use_amount = np.array([u[4] for u in uses], dtype=np.float64)
        resources = [method.resources[name] for name in self.resource_names]
        self.price = np.array([r.price for r in resources], dtype=np.float64)
        self.rates = np.array(
            [np.asarray(r.escalation_rates, dtype=np.float64) for r in resources], dtype=np.float64
        ).reshape(len(resources), self.n)
        self.factor = np.array(
            [np.asarray(r.emission_factor, dtype=np.float64) for r in resources], dtype=np.float64
        ).reshape(len(resources), self.n + 1)
        flat_items = [self.item_of[key] for key in self.items]
        self.quantity = np.array([it.quantity for it in flat_items], dtype=np.float64)
        self.unit_price = np.array([it.unit_price for it in flat_items], dtype=np.float64)
        lives = [_NO_LIFE if it.service_life is None else it.service_life for it in flat_items]
        self.life = np.array(lives, dtype=np.float64)
        self._variants: dict[bytes, tuple[IntArray, _Block]] = {}
        self._variant_bytes = 0

    # -- public -----------------------------------------------------------------------------

    def comparison_numbers(
        self,
        parameters: Sequence[Parameter],
        values: npt.ArrayLike,
        *,
        active: npt.ArrayLike | None = None,
        carbon_paths: FloatArray | None = None,
    ) -> FloatArray:
        """Unrounded comparison numbers, shape (draws, bids), for each row of ``values``.

        ``values`` has shape (draws, len(parameters)); parameter j of draw k is set to
        ``values[k, j]`` in the parameter's mode, in the order of ``parameters`` (a later
        setting acts on the result of an earlier one). ``active[k, j]`` False leaves parameter
        j of draw k as stated (scenarios that set only some paths). ``carbon_paths`` (draws,
        N + 1) replaces the method's carbon price path per draw before the settings act.
        Raises :class:`DomainError` when a setting leaves a parameter's domain.
        """
        x = np.asarray(values, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != len(parameters):
            raise ValueError(f"values must be (draws, {len(parameters)}), got {x.shape}")
        mask = None if active is None else np.asarray(active, dtype=bool)
        k_total = x.shape[0]
        out = np.empty((k_total, self.n_bids), dtype=np.float64)
        if k_total == 0:
            return out
        chunk = self._chunk_size(k_total)
        for start in range(0, k_total, chunk):
            checkpoint(self.should_stop)
            stop = min(start + chunk, k_total)
            rows = slice(start, stop)
            part_mask = None if mask is None else mask[rows]
            part_carbon = None if carbon_paths is None else carbon_paths[rows]
            try:
                with raising():
                    out[rows] = self._chunk(parameters, x[rows], part_mask, part_carbon)
                    finite = bool(np.all(np.isfinite(out[rows])))
            except FloatingPointError:
                finite = False
            if not finite:
                raise self._overflow(parameters, x[rows], part_mask, part_carbon)
        return out

    # -- internals --------------------------------------------------------------------------

    def _chunk_size(self, k_total: int) -> int:
        block = self.base_block
        per_draw = max(
            self.n_bids * block.times.size,
            max(len(self.resource_names), 1) * (self.n + 1),
            len(self.use_amount),
            1,
        )
        return max(1, min(k_total, CHUNK_ELEMENTS // per_draw))

    def _overflow(
        self,
        parameters: Sequence[Parameter],
        x: FloatArray,
        mask: BoolArray | None,
        carbon_paths: FloatArray | None,
    ) -> DomainError:
        """The error of a chunk whose arithmetic left float64: the first parameter that
        overflows alone at the lowest and highest of its numbers (else the last one)."""
        rule = (
            "the setting takes the comparison numbers beyond the range of float64 "
            f"(about {np.finfo(np.float64).max:.1e}): use a narrower range"
        )
        for j, parameter in enumerate(parameters):
            column = x[:, j] if mask is None else x[mask[:, j], j]
            if column.size == 0:
                continue
            probe = np.array([[float(column.min())], [float(column.max())]])
            carbon = None if carbon_paths is None else carbon_paths[:1].repeat(2, axis=0)
            try:
                with raising():
                    numbers = self._chunk([parameter], probe, None, carbon)
                    if bool(np.all(np.isfinite(numbers))):
                        continue
            except FloatingPointError:
                pass
            except DomainError as error:
                return DomainError(j, error.description)
            return DomainError(j, rule)
        return DomainError(max(len(parameters) - 1, 0), rule)

    def _initial_state(self, k: int, carbon_paths: FloatArray | None) -> _State:
        carbon = (
            self.carbon[np.newaxis, :]
            if carbon_paths is None
            else np.asarray(carbon_paths, dtype=np.float64)
        )
        return _State(
            stated_discount=np.array([self.method.stated_discount_rate]),
            real_discount=np.array([self.method.discount_rate]),
            carbon=carbon,
            price=self.price[np.newaxis, :],
            rates=self.rates[np.newaxis, :, :],
            factor=self.factor[np.newaxis, :, :],
            amount=self.use_amount[np.newaxis, :],
            quantity=self.quantity[np.newaxis, :],
            unit_price=self.unit_price[np.newaxis, :],
            life=self.life[np.newaxis, :],
        )

    def _chunk(
        self,
        parameters: Sequence[Parameter],
        x: FloatArray,
        mask: BoolArray | None,
        carbon_paths: FloatArray | None,
    ) -> FloatArray:
        k = x.shape[0]
        state = self._initial_state(k, carbon_paths)
        structural = False
        for j, parameter in enumerate(parameters):
            column = x[:, j]
            on = np.ones(k, dtype=bool) if mask is None else mask[:, j]
            if not np.any(on):
                continue
            self._apply(state, j, parameter, column, on)
            structural = structural or parameter.structural
        return self._evaluate(state, k, structural)

    def _apply(self, s: _State, j: int, parameter: Parameter, x: FloatArray, on: BoolArray) -> None:
        kind, mode = parameter.kind, parameter.mode
        method = self.method

        def set_(current: FloatArray, axis_tail: int) -> FloatArray:
            xs = x.reshape((-1,) + (1,) * axis_tail)
            ons = on.reshape((-1,) + (1,) * axis_tail)
            if mode is Mode.SCALE:
                new = current * xs
            elif mode is Mode.SHIFT:
                new = current + xs
            else:
                new = np.broadcast_to(xs, np.broadcast_shapes(current.shape, xs.shape))
            return np.asarray(np.where(ons, new, current), dtype=np.float64)

        if kind is Kind.DISCOUNT_RATE:
            s.stated_discount = set_(s.stated_discount, 0)
            _check_rate(j, s.stated_discount, self.n, "discount_rate")
            real = np.where(on, real_rate(s.stated_discount, method), s.real_discount)
            s.real_discount = np.asarray(real, dtype=np.float64)
            _check_real(j, s.real_discount, self.n)
            return
        if kind is Kind.CARBON_PRICE:
            s.carbon = set_(s.carbon, 1)
            ok = (s.carbon >= 0.0) & (s.carbon <= MAX_MAGNITUDE)
            rule = f"carbon_price must stay within [0, {MAX_MAGNITUDE:g}] per kgCO2e in every year"
            _check(j, s.carbon, ok, rule)
            return
        k = x.shape[0]
        if kind in (Kind.RESOURCE_PRICE, Kind.ESCALATION, Kind.EMISSION_FACTOR):
            columns = [
                self.resource_index[str(t)] for t in parameter.targets if t in self.resource_index
            ]
            if not columns:
                return  # a priced resource no bid uses: nothing depends on it
            cols = np.array(columns, dtype=np.int64)
            if kind is Kind.RESOURCE_PRICE:
                price = _own(s, "price", k)
                new = set_(price[:, cols], 1)
                rule = f"a resource price must stay within ±{MAX_MAGNITUDE:g}"
                _check(j, new, np.abs(new) <= MAX_MAGNITUDE, rule)
                price[:, cols] = new
            elif kind is Kind.ESCALATION:
                rates = _own(s, "rates", k)
                current = rates[:, cols, :]
                stated = set_(stated_rate(current, method), 2)
                _check_rate(j, stated, self.n, "escalation")
                real = real_rate(stated, method)  # (r - i) / (1 + i), as tco.validate converts
                _check_real(j, real, self.n)
                rates[:, cols, :] = np.where(on[:, None, None], real, current)
            else:
                factor = _own(s, "factor", k)
                new = set_(factor[:, cols, 1:], 2)
                ok = (new >= 0.0) & (new <= MAX_MAGNITUDE)
                _check(j, new, ok, f"an emission factor must stay within [0, {MAX_MAGNITUDE:g}]")
                factor[:, cols, 1:] = new
            return
        if kind is Kind.RESOURCE_USE:
            triples = [(t[0], t[1], t[2]) for t in parameter.targets if isinstance(t, tuple)]
            cols = np.array([self.use_index[triple] for triple in triples], dtype=np.int64)
            amount = _own(s, "amount", k)
            new = set_(amount[:, cols], 1)
            ok = (new >= 0.0) & (new <= MAX_MAGNITUDE)
            _check(j, new, ok, f"a resource use must stay within [0, {MAX_MAGNITUDE:g}]")
            amount[:, cols] = new
            return
        pairs = [(t[0], t[1]) for t in parameter.targets if isinstance(t, tuple)]
        cols = np.array([self.item_index[pair] for pair in pairs], dtype=np.int64)
        if kind is Kind.QUANTITY:
            quantity = _own(s, "quantity", k)
            new = set_(quantity[:, cols], 1)
            rule = f"a quantity must stay in (0, {MAX_QUANTITY:g}]"
            _check(j, new, (new > 0.0) & (new <= MAX_QUANTITY), rule)
            quantity[:, cols] = new
        elif kind is Kind.UNIT_PRICE:
            unit_price = _own(s, "unit_price", k)
            new = set_(unit_price[:, cols], 1)
            rule = f"a unit price must stay in [0, {MAX_MAGNITUDE:g}]"
            _check(j, new, (new >= 0.0) & (new <= MAX_MAGNITUDE), rule)
            unit_price[:, cols] = new
        else:
            life = _own(s, "life", k)
            current = life[:, cols]
            stated = np.where(current == _NO_LIFE, float(self.n), current)
            new = set_(stated, 1)
            ok = (new > 0.0) & (self.n <= MAX_REPLACEMENTS * new)
            on_cols = np.broadcast_to(on[:, None], new.shape)
            rule = f"a service life must stay > 0 and allow at most {MAX_REPLACEMENTS} replacements"
            _check(j, new[on_cols], ok[on_cols], rule + " in the study period")
            life[:, cols] = np.where(on[:, None], new, current)

    def _evaluate(self, s: _State, k: int, structural: bool) -> FloatArray:
        lcc, cc, ec = _fixed_parts(
            self.base_block, s.real_discount, s.carbon, self.carbon_discounted
        )
        if structural:
            lcc, cc, ec = self._structural(s, k, lcc, cc, ec)
        lcc_r, cc_r = self._resource_parts(s, k)
        shape = (k, self.n_bids)
        outcome = models.comparison_numbers(
            self.method.model,
            life_cycle_cost=np.broadcast_to(lcc + lcc_r, shape),
            climate_cost=np.broadcast_to(cc + cc_r, shape),
            externality_cost=np.broadcast_to(ec, shape),
            fixed_deductions=self.deductions,
            ladder_levels=self.ladder,
        )
        return np.asarray(np.broadcast_to(outcome.evaluated, shape), dtype=np.float64)

    def _resource_parts(self, s: _State, k: int) -> tuple[FloatArray, FloatArray]:
        if self.use_amount.size == 0:
            zero = np.zeros((1, self.n_bids), dtype=np.float64)
            return zero, zero
        rec = _discount(s.real_discount, self.recurring_times)  # (k1, T)
        index = escalation_index(s.rates, self.recurring_times)  # (k2, R, T)
        price = np.where(self.service_years, s.price[:, :, np.newaxis] * index, 0.0)
        per_unit_cost = _sum_rt(price, rec)
        factor = np.where(self.service_years, s.factor, 0.0)  # (k3, R, T)
        weight = s.carbon * rec if self.carbon_discounted else s.carbon  # (k, T)
        per_unit_climate = _sum_rt(factor, weight)
        used = s.quantity[:, self.use_item] * s.amount  # (k4, U)
        lcc_u = used * per_unit_cost[:, self.use_resource]
        cc_u = used * per_unit_climate[:, self.use_resource]
        rows = max(lcc_u.shape[0], cc_u.shape[0])
        lcc = np.zeros((rows, self.n_bids), dtype=np.float64)
        cc = np.zeros((rows, self.n_bids), dtype=np.float64)
        np.add.at(lcc.T, self.use_bid, np.broadcast_to(lcc_u, (rows, lcc_u.shape[1])).T)
        np.add.at(cc.T, self.use_bid, np.broadcast_to(cc_u, (rows, cc_u.shape[1])).T)
        return lcc, cc

    def _structural(
        self, s: _State, k: int, lcc: FloatArray, cc: FloatArray, ec: FloatArray
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        life = np.broadcast_to(s.life, (k, s.life.shape[1]))
        quantity = np.broadcast_to(s.quantity, (k, s.quantity.shape[1]))
        unit_price = np.broadcast_to(s.unit_price, (k, s.unit_price.shape[1]))
        changed = (
            (life != self.life) | (quantity != self.quantity) | (unit_price != self.unit_price)
        )
        touched = np.flatnonzero(changed.any(axis=0))
        if touched.size == 0:
            return lcc, cc, ec
        bids = sorted({self.items[int(c)][0] for c in touched})
        counts = [(b, len(self.prepared.bids[b].items)) for b in bids]
        columns = np.array(
            [self.item_index[(b, i)] for b, n_items in counts for i in range(n_items)], np.int64
        )
        keys = np.concatenate(
            [life[:, columns], quantity[:, columns], unit_price[:, columns]], axis=1
        )
        unique, inverse = _unique_rows(keys)
        lcc = np.array(np.broadcast_to(lcc, (k, self.n_bids)))
        cc = np.array(np.broadcast_to(cc, (k, self.n_bids)))
        ec = np.array(np.broadcast_to(ec, (k, self.n_bids)))
        bid_array = np.array(bids, dtype=np.int64)
        for v in range(unique.shape[0]):
            checkpoint(self.should_stop)
            rows = np.flatnonzero(inverse == v)
            block = self._variant(bids, columns, unique[v])
            real = s.real_discount if s.real_discount.shape[0] == 1 else s.real_discount[rows]
            carbon = s.carbon if s.carbon.shape[0] == 1 else s.carbon[rows]
            v_lcc, v_cc, v_ec = _fixed_parts(block, real, carbon, self.carbon_discounted)
            lcc[np.ix_(rows, bid_array)] = v_lcc
            cc[np.ix_(rows, bid_array)] = v_cc
            ec[np.ix_(rows, bid_array)] = v_ec
        return lcc, cc, ec

    def _expand(self, sub: PreparedTender) -> _Block:
        """The block of ``sub``'s bids, expanded in parts of :data:`PART_ITEMS` items with
        ``should_stop`` checked between them. The parts share the time groups of the whole (as
        :class:`tco.expand.PartedExpansion` does), so each bid's rows and the block are those
        of one :func:`tco.expand.expand_tender`."""
        ranges = _parts(sub.bids)
        if len(ranges) == 1:
            return _block(expand_tender(sub), self.method)
        runs = []
        for start, end in ranges:
            checkpoint(self.should_stop)
            runs.append(bid_columns(sub.bids[start:end], self.n))
        groups = time_groups(runs)
        blocks = []
        for run in runs:
            checkpoint(self.should_stop)
            blocks.append(_block(stream_table(self.method, run, groups), self.method))
        return _Block(
            times=blocks[0].times,
            cost=np.concatenate([b.cost for b in blocks]),
            emissions=np.concatenate([b.emissions for b in blocks]),
            pollutant=np.concatenate([b.pollutant for b in blocks]),
            pollutant_flat=np.concatenate([b.pollutant_flat for b in blocks]),
        )

    def _variant(self, bids: Sequence[int], columns: IntArray, key: FloatArray) -> _Block:
        cache_key = np.asarray(bids, dtype=np.int64).tobytes() + key.tobytes()
        cached = self._variants.get(cache_key)
        if cached is not None:
            return cached[1]
        n_cols = columns.size
        life, quantity, unit_price = key[:n_cols], key[n_cols : 2 * n_cols], key[2 * n_cols :]
        new_bids: list[PreparedBid] = []
        position = 0
        since_check = 0
        for b in bids:
            if since_check >= PART_ITEMS:
                checkpoint(self.should_stop)
                since_check = 0
            bid = self.prepared.bids[b]
            since_check += len(bid.items)
            items = []
            for item in bid.items:
                stated_life = life[position]
                items.append(
                    dataclasses.replace(
                        item,
                        service_life=None if stated_life == _NO_LIFE else float(stated_life),
                        quantity=float(quantity[position]),
                        unit_price=float(unit_price[position]),
                    )
                )
                position += 1
            new_bids.append(_strip(bid, items))
        sub = dataclasses.replace(self.prepared, bids=tuple(new_bids))
        block = self._expand(sub)
        size = block.cost.nbytes * 3 + len(cache_key)
        if self._variant_bytes + size > VARIANT_CACHE_BYTES:
            self._variants.clear()  # bounded memory; a later setting is re-expanded again
            self._variant_bytes = 0
        if size <= VARIANT_CACHE_BYTES:
            self._variants[cache_key] = (columns, block)
            self._variant_bytes += size
        return block


def _unique_rows(keys: FloatArray) -> tuple[FloatArray, IntArray]:
    """Distinct rows of ``keys`` and the row of each key (``np.unique(axis=0)`` by the rows'
    bytes: a wide row costs one comparison, not one per column; the order of the distinct rows
    is that of their bytes).

    Example: rows ``[[1, 2], [3, 4], [1, 2]]`` -> 2 distinct rows, inverse ``[i, j, i]``.
    """
    rows = np.ascontiguousarray(keys, dtype=np.float64)
    if rows.shape[1] == 0:
        return rows[:1], np.zeros(rows.shape[0], dtype=np.int64)
    view = rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1]))).reshape(-1)
    _, first, inverse = np.unique(view, return_index=True, return_inverse=True)
    return rows[first], np.asarray(inverse, dtype=np.int64).reshape(-1)


def _parts(bids: Sequence[PreparedBid]) -> list[tuple[int, int]]:
    """Ranges of consecutive bids of at most :data:`PART_ITEMS` items (one bid at least)."""
    ranges: list[tuple[int, int]] = []
    start = items = 0
    for b, bid in enumerate(bids):
        if b > start and items + len(bid.items) > PART_ITEMS:
            ranges.append((start, b))
            start, items = b, 0
        items += len(bid.items)
    if bids:
        ranges.append((start, len(bids)))
    return ranges


def _sum_rt(values: FloatArray, weights: FloatArray) -> FloatArray:
    """``sum_t values[k, r, t] weights[k, t]`` with broadcasting of the draw axis: (k, R)."""
    k = max(values.shape[0], weights.shape[0])
    v = np.broadcast_to(values, (k, *values.shape[1:]))
    w = np.broadcast_to(weights, (k, weights.shape[1]))
    return np.asarray(np.einsum("krt,kt->kr", v, w), dtype=np.float64)


def _check(index: int, values: FloatArray, ok: npt.ArrayLike, rule: str) -> None:
    good = np.asarray(ok, dtype=bool) & np.isfinite(values)
    if not bool(np.all(good)):
        bad = int(np.size(good) - np.count_nonzero(good))
        raise DomainError(index, f"{rule}: {bad} value(s) outside")


def _check_rate(index: int, rates: FloatArray, n: int, what: str) -> None:
    ok = (rates > -1.0) & (rates <= MAX_RATE)
    with np.errstate(invalid="ignore", divide="ignore"):
        ok &= n * np.abs(np.log1p(np.where(ok, rates, 0.0))) <= _MAX_LOG_GROWTH
    _check(index, rates, ok, f"{what} must stay in (-1, {MAX_RATE:g}] (a fraction per year)")


def _check_real(index: int, real: FloatArray, n: int) -> None:
    ok = real > -1.0
    with np.errstate(invalid="ignore", divide="ignore"):
        ok &= n * np.abs(np.log1p(np.where(ok, real, 0.0))) <= _MAX_LOG_GROWTH
    _check(index, real, ok, "the real rate (Fisher) is too close to -1 for the study period")
