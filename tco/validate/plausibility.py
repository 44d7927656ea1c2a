"""Plausibility warnings: values that pass every rule but are probably a typing or unit slip.

The numbers stand (a buyer may mean them), but the evaluator must see them: each is a coded
warning whose message starts with the field path (``bids[1].items[0].residual_value: ...``), in
the evaluation's warnings and in a ``validate_only`` answer alike (both run this code). The
checks, their codes and their bounds, in one place:

=============================  ============================================================
code                           when
=============================  ============================================================
RATE_LOOKS_LIKE_PERCENT        a discount, inflation or escalation rate >= 0.2 a year
                               (:data:`PLAUSIBLE_RATE`): 1 typed for 1 %, 0.35 for 3.5 %
CARBON_PRICE_IMPLAUSIBLE       a carbon price outside 0.05-50 SEK/kgCO2e in some study year
                               (:data:`CARBON_PRICE_BAND_SEK`), or that band in the method
                               currency (1 500 SEK/kgCO2e is 1 500 SEK/tCO2e typed per kg)
SERVICE_LIFE_IMPLAUSIBLE       a service life (item, or a cost stream's life) over 60 years
                               (:data:`MAX_PLAUSIBLE_LIFE`)
RESIDUAL_ABOVE_PURCHASE_COST   an item's stated residual / buy-back value above its unit price
                               plus installation (a buy-back ten times the price wins a tender)
DUPLICATE_ITEM                 two items of a bid equal field for field (a copied row)
=============================  ============================================================

Two checks need the computed figures and run where the results are assembled
(:func:`tco.evaluate.evaluate_prepared`): ``CLIMATE_COST_ABOVE_LCC`` (climate cost more than 5x
the life-cycle cost) and ``BID_WITHOUT_COST`` (a bid whose life-cycle cost is exactly 0).

Every check is O(1) per field or O(items) per bid (one hash per item): they run on every
evaluation (BENCHMARKS.md, the EvaluateBids bound).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np

from tco.inputs import Item
from tco.prepared import PreparedCarbonPrice
from tco.validate.violations import Path, Violations, render

#: Rates at or above this (per year) are warned about: likely a percentage typed as a fraction.
PLAUSIBLE_RATE: Final = 0.2
#: The plausible carbon price, SEK per kgCO2e (ASEK 7.0 is 7 SEK/kg; the EU ETS about 1 SEK/kg).
CARBON_PRICE_BAND_SEK: Final = (0.05, 50.0)
#: Approximate SEK per one unit of a currency, used only to carry the band into a method
#: currency when the method states no SEK exchange rate (the band is 1 000 wide: a kg/t slip
#: moves a price by 1 000, a rate off by 20 % does not matter). Rounded 2024 annual averages
#: (Riksbanken).
APPROXIMATE_SEK_PER: Final = {
    "SEK": 1.0,
    "EUR": 11.4,
    "USD": 10.6,
    "GBP": 13.5,
    "NOK": 1.0,
    "DKK": 1.5,
    "CHF": 12.0,
    "ISK": 0.077,
    "PLN": 2.65,
}
#: Longest plausible service life, years.
MAX_PLAUSIBLE_LIFE: Final = 60.0


def rate(v: Violations, at: Path, value: float | None, what: str, bid_id: str = "") -> None:
    """RATE_LOOKS_LIKE_PERCENT when ``value`` >= :data:`PLAUSIBLE_RATE`.

    ``rate(v, "method.discount_rate", 0.35, "discount rate")`` warns "method.discount_rate: the
    discount rate is 0.35, i.e. 35 % a year ...".
    """
    if value is not None and value >= PLAUSIBLE_RATE:
        v.warn(
            "RATE_LOOKS_LIKE_PERCENT",
            f"{render(at)}: the {what} is {value:g}, i.e. {value * 100:g} % a year; rates are "
            "fractions (0.035 = 3.5 %)",
            bid_id,
        )


def service_life(v: Violations, at: Path, years: float | None, bid_id: str = "") -> None:
    """SERVICE_LIFE_IMPLAUSIBLE when a life is over :data:`MAX_PLAUSIBLE_LIFE` years."""
    if years is not None and years > MAX_PLAUSIBLE_LIFE:
        v.warn(
            "SERVICE_LIFE_IMPLAUSIBLE",
            f"{render(at)}: a service life of {years:g} years (over {MAX_PLAUSIBLE_LIFE:g}); "
            "check the unit (months, hours)",
            bid_id,
        )


def residual_value(
    v: Violations, at: Path, residual: float | None, purchase: float, bid_id: str
) -> None:
    """RESIDUAL_ABOVE_PURCHASE_COST when a unit's stated residual value exceeds what it cost
    (``purchase`` = unit price + installation, method currency)."""
    if residual is not None and residual > purchase:
        v.warn(
            "RESIDUAL_ABOVE_PURCHASE_COST",
            f"{render((at, 'residual_value'))}: the residual / buy-back value of a unit is "
            f"above its purchase cost (unit price + installation: {residual:.6g} > "
            f"{purchase:.6g}{' ' + v.currency if v.currency else ''})",
            bid_id,
        )


def duplicate_items(v: Violations, at: Path, items: Sequence[object], bid_id: str) -> None:
    """DUPLICATE_ITEM for each item equal, field for field, to an earlier item of the bid.

    A cheap key first (name, quantity, unit price value: plain str and floats, no dataclass
    hash); only when two keys are equal are the items compared in full.
    """
    if len(items) < 2:
        return
    keys = []
    for it in items:
        if type(it) is not Item:
            return
        price = it.unit_price
        keys.append((it.name, it.quantity, None if price is None else price.value))
    try:
        if len(set(keys)) == len(keys):
            return
    except TypeError:  # an unhashable value: refused by validation anyway
        return
    first: dict[object, list[int]] = {}
    for j, key in enumerate(keys):
        same = first.setdefault(key, [])
        for k in same:
            if items[k] == items[j]:
                v.warn(
                    "DUPLICATE_ITEM",
                    f"{render(((at, 'items'), j))}: equal to {render(((at, 'items'), k))} "
                    "field for field (a copied row counts the item twice)",
                    bid_id,
                )
                break
        same.append(j)


def carbon_price(
    v: Violations, carbon: PreparedCarbonPrice | None, rates: dict[str, float]
) -> None:
    """CARBON_PRICE_IMPLAUSIBLE when a year's price per kgCO2e lies outside the band.

    The band is :data:`CARBON_PRICE_BAND_SEK` in SEK; in another method currency it is converted
    with the method's own rate for SEK (``rates["SEK"]``, method currency per SEK) or, without
    one, :data:`APPROXIMATE_SEK_PER`. A currency in neither is not checked (no band to state).
    Example: 1 500 SEK/kgCO2e (meant per tonne) in a SEK method -> warned; 7 -> quiet.
    """
    currency = v.currency
    if carbon is None or currency is None:
        return
    per_sek = 1.0 if currency == "SEK" else rates.get("SEK")
    if per_sek is None:
        sek = APPROXIMATE_SEK_PER.get(currency)
        if sek is None:
            return
        per_sek = 1.0 / sek
    low, high = CARBON_PRICE_BAND_SEK[0] * per_sek, CARBON_PRICE_BAND_SEK[1] * per_sek
    prices = carbon.price_per_kg
    lowest, highest = float(np.min(prices)), float(np.max(prices))
    if lowest >= low and highest <= high:
        return
    v.warn(
        "CARBON_PRICE_IMPLAUSIBLE",
        f"method.carbon_price: {lowest:.4g} to {highest:.4g} {currency}/kgCO2e over the study "
        f"period, outside the plausible {low:.3g}-{high:.3g} {currency}/kgCO2e "
        f"({CARBON_PRICE_BAND_SEK[0]:g}-{CARBON_PRICE_BAND_SEK[1]:g} SEK/kgCO2e); check "
        "kg against tonne",
    )
