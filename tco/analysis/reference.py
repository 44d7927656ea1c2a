"""The plain path of a re-evaluation: the engine's own pipeline on a changed prepared tender.

:func:`apply_settings` changes a prepared tender field by field (a parameter of
:mod:`tco.analysis.parameters` set to a value); :func:`reference_comparison_numbers` evaluates it
with the engine's public steps, unrounded. :class:`tco.analysis.model.ParametricModel` computes
the same numbers for many settings at once; these functions are what it must agree with.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from tco import models
from tco.climate import climate_cost, pollutant_cost
from tco.expand import expand_tender
from tco.kernel import compute_cubes, time_grid
from tco.prepared import PreparedCarbonPrice, PreparedResourceUse, PreparedTender

from .parameters import Kind, Mode, Parameter, real_rate, stated_rate

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

__all__ = ["apply_settings", "bid_deductions", "ladder_levels", "reference_comparison_numbers"]


# --- the reference: the engine's own pipeline, unrounded ----------------------------------------


def reference_comparison_numbers(prepared: PreparedTender) -> FloatArray:
    """Unrounded comparison numbers of a prepared tender, by the engine's public steps.

    The same composition as :func:`tco.evaluate.evaluate_prepared` (expand, time grid, cubes,
    climate and pollutant cost, evaluation model) without rounding; rounding it half-up to the
    minor unit gives ``evaluated_cost`` of every bid. Shape (bids,).

    Example: a tender whose only cost is 100 at t = 0 has comparison number ``[100.0]``.
    """
    method = prepared.method
    table = expand_tender(prepared)
    grid = time_grid(table.group_times, method)
    cubes = compute_cubes(table, grid, include_module_d=method.include_module_d)
    climate = climate_cost(cubes.counted_emissions_by_group, method.carbon_price, grid)
    pollutants = pollutant_cost(
        cubes.pollutant_kg_by_group, table.pollutants, method.pollutant_prices, grid
    )
    outcome = models.comparison_numbers(
        method.model,
        life_cycle_cost=cubes.life_cycle_cost,
        climate_cost=climate.total,
        externality_cost=pollutants.total,
        fixed_deductions=bid_deductions(prepared),
        ladder_levels=ladder_levels(prepared),
    )
    return np.asarray(outcome.evaluated, dtype=np.float64)


def bid_deductions(prepared: PreparedTender) -> FloatArray:
    """The sum of each bid's fixed deductions, shape (bids,)."""
    return np.array(
        [sum(d.amount for d in bid.deductions) for bid in prepared.bids], dtype=np.float64
    )


def ladder_levels(prepared: PreparedTender) -> IntArray:
    """Each bid's ladder level, shape (bids,)."""
    return np.array([bid.ladder_level for bid in prepared.bids], dtype=np.int64)


# --- settings on a prepared tender (the slow, obviously right path) -----------------------------


def _new(mode: Mode, stated: FloatArray | float, x: float) -> FloatArray:
    """The new value of a stated value under a setting ``x`` (elementwise)."""
    base = np.asarray(stated, dtype=np.float64)
    if mode is Mode.SCALE:
        return np.asarray(base * x, dtype=np.float64)
    if mode is Mode.SHIFT:
        return np.asarray(base + x, dtype=np.float64)
    return np.full_like(base, x)


def apply_settings(
    prepared: PreparedTender, parameters: Sequence[Parameter], values: Sequence[float]
) -> PreparedTender:
    """The prepared tender with each parameter set to its value (in order), for re-evaluation.

    This is the plain path: a new :class:`PreparedTender` that :func:`reference_comparison_numbers`
    (or :func:`tco.evaluate.evaluate_prepared`) evaluates like any other. It performs no domain
    checks (:meth:`ParametricModel.comparison_numbers` does).

    Example: ``apply_settings(p, [resolve("discount_rate", Mode.VALUE, p)], [0.05])`` is ``p``
    with a 5 % discount rate (stated basis; Fisher in a nominal analysis).
    """
    method = prepared.method
    bids = [list(bid.items) for bid in prepared.bids]
    resources = dict(method.resources)
    carbon = method.carbon_price
    stated_discount = method.stated_discount_rate
    discount = method.discount_rate
    n = method.study_period_years
    for parameter, x in zip(parameters, values, strict=True):
        kind, mode = parameter.kind, parameter.mode
        if kind is Kind.DISCOUNT_RATE:
            stated_discount = float(_new(mode, stated_discount, x))
            discount = float(real_rate(stated_discount, method))
        elif kind is Kind.CARBON_PRICE:
            path = (
                np.zeros(n + 1, dtype=np.float64)
                if carbon is None
                else np.asarray(carbon.price_per_kg, dtype=np.float64)
            )
            new_path = _new(mode, path, x)
            if carbon is None:
                carbon = PreparedCarbonPrice(new_path, False, "analysis", (), 0)
            else:
                carbon = dataclasses.replace(carbon, price_per_kg=new_path)
        elif kind in (Kind.RESOURCE_PRICE, Kind.ESCALATION, Kind.EMISSION_FACTOR):
            for target in parameter.targets:
                name = str(target)
                r = resources[name]
                if kind is Kind.RESOURCE_PRICE:
                    resources[name] = dataclasses.replace(r, price=float(_new(mode, r.price, x)))
                elif kind is Kind.ESCALATION:
                    rates = real_rate(
                        _new(mode, stated_rate(r.escalation_rates, method), x), method
                    )
                    if mode is Mode.VALUE:
                        rates = np.full(n, float(real_rate(x, method)))
                    resources[name] = dataclasses.replace(r, escalation_rates=rates)
                else:
                    factor = np.asarray(r.emission_factor, dtype=np.float64).copy()
                    factor[1:] = _new(mode, factor[1:], x)
                    resources[name] = dataclasses.replace(r, emission_factor=factor)
        else:
            for target in parameter.targets:
                assert isinstance(target, tuple)
                b, i = target[0], target[1]
                item = bids[b][i]
                if kind is Kind.RESOURCE_USE:
                    u = target[2]
                    uses = list(item.resource_use)
                    uses[u] = PreparedResourceUse(
                        uses[u].resource, float(_new(mode, uses[u].amount_per_year, x))
                    )
                    bids[b][i] = dataclasses.replace(item, resource_use=tuple(uses))
                elif kind is Kind.SERVICE_LIFE:
                    life = item.service_life
                    stated = float(n) if life is None else life
                    new_life = x if mode is Mode.VALUE else float(_new(mode, stated, x))
                    bids[b][i] = dataclasses.replace(item, service_life=new_life)
                elif kind is Kind.QUANTITY:
                    bids[b][i] = dataclasses.replace(
                        item, quantity=float(_new(mode, item.quantity, x))
                    )
                else:
                    bids[b][i] = dataclasses.replace(
                        item, unit_price=float(_new(mode, item.unit_price, x))
                    )
    new_method = dataclasses.replace(
        method,
        discount_rate=discount,
        stated_discount_rate=stated_discount,
        resources=resources,
        carbon_price=carbon,
    )
    new_bids = tuple(
        dataclasses.replace(bid, items=tuple(items))
        for bid, items in zip(prepared.bids, bids, strict=True)
    )
    return dataclasses.replace(prepared, method=new_method, bids=new_bids)
