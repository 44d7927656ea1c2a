"""The checks of the bids: the list, each bid's id, supplier, items, cost streams, ladder level,
circularity and functional units, and the method's baseline bid (the deduction claims:
:mod:`tco.validate.deductions`).

Rules: at least one bid, at most :data:`~tco.validate.limits.MAX_BIDS`; ids non-empty, at most
256 printable characters, distinct; repeated fields at most
:data:`~tco.validate.limits.MAX_LIST` entries; ladder_level >= 0 and on the
ladder for FICTIVE_DISCOUNT; circularity fractions in [0, 1], input fractions and collection
fractions each summing to at most 1, efficiencies in (0, 1] where they are used, ratios >= 0
(0 means 1), mass > 0; functional_units_delivered 0 (none stated) or from 1e-6 to 1e12;
baseline_bid_id names a bid.
"""

from __future__ import annotations

from typing import Final

from tco.construct import constructor
from tco.inputs import Bid, Circularity, Method, ModelKind
from tco.prepared import PreparedBid, PreparedCircularity, PreparedDeduction, PreparedItem
from tco.units import Dimension
from tco.validate import plausibility
from tco.validate.context import Context
from tco.validate.items import item, streams
from tco.validate.limits import (
    MAX_BIDS,
    MAX_CIRCULARITY_RATIO,
    MAX_ID_LENGTH,
    MAX_LADDER_LEVEL,
    MAX_QUANTITY,
    MAX_TOTAL_ITEMS,
    MIN_CIRCULARITY_RATIO,
    MIN_FUNCTIONAL_UNITS,
)
from tco.validate.violations import Path

#: Circularity fractions: material inputs, then how the product is collected at its end of life,
#: then the efficiencies of recycling (tender.proto, Circularity).
_INPUTS: Final = ("recycled_input", "reused_input", "sustainable_bio_input")
_COLLECTED: Final = (
    "collected_for_recycling",
    "collected_for_reuse",
    "collected_for_composting",
    "collected_for_energy_recovery",
)
_EFFICIENCIES: Final = ("recycling_efficiency_collection", "recycling_efficiency_feedstock")
_RATIOS: Final = ("lifetime_ratio", "use_intensity_ratio")
#: How far a sum of fractions may exceed 1 (decimal fractions such as 0.7 + 0.3 do not add to 1).
_TOLERANCE: Final = 1e-9
_new_bid = constructor(PreparedBid)


def bids(ctx: Context, listed: object) -> list[PreparedBid] | None:
    """The prepared bids, or None after recording every violation in them."""
    v = ctx.v
    if not isinstance(listed, (tuple, list)):
        v.fail("bids", "expected a list of bids")
        return None
    if not listed:
        v.fail("bids", "at least one bid is required")
        return None
    if len(listed) > MAX_BIDS:
        v.fail("bids", f"at most {MAX_BIDS} bids")
        return None
    if sum(len(b.items) for b in listed if isinstance(b, Bid)) > MAX_TOTAL_ITEMS:
        v.fail("bids", f"at most {MAX_TOTAL_ITEMS} items over all bids")
        return None
    first: dict[str, int] = {}
    prepared: list[PreparedBid] = []
    ok = True
    for i, bid in enumerate(listed):
        at = ("bids", i)
        if not isinstance(bid, Bid):
            v.fail(at, "expected a bid")
            ok = False
            continue
        bid_id = v.text((at, "id"), bid.id, required=True, limit=MAX_ID_LENGTH)
        if bid_id in first:
            v.fail((at, "id"), f"duplicate bid id (same as bids[{first[bid_id]}].id)")
        elif bid_id:
            first[bid_id] = i
        result = _bid(ctx, at, bid, bid_id)
        if result is None:
            ok = False
        else:
            prepared.append(result)
    return prepared if ok else None


def _bid(ctx: Context, at: Path, bid: Bid, bid_id: str) -> PreparedBid | None:
    v = ctx.v
    supplier = v.text((at, "supplier"), bid.supplier, required=False)
    items: list[PreparedItem] = []
    ok = v.listed((at, "items"), bid.items)
    if ok:
        for j, listed_item in enumerate(bid.items):
            prepared_item = item(ctx, ((at, "items"), j), listed_item, bid_id)
            if prepared_item is None:
                ok = False
            else:
                items.append(prepared_item)
        plausibility.duplicate_items(v, at, bid.items, bid_id)
    costs = streams(ctx, (at, "costs"), bid.costs)
    deductions: tuple[PreparedDeduction, ...] | None = ()  # tco.validate.deductions resolves
    level = _ladder_level(ctx, (at, "ladder_level"), bid.ladder_level)
    circularity = None
    if bid.circularity is not None:
        circularity = _circularity(ctx, (at, "circularity"), bid.circularity)
        ok = ok and circularity is not None
    delivered = v.number(
        (at, "functional_units_delivered"),
        bid.functional_units_delivered,
        minimum=0.0,
        maximum=MAX_QUANTITY,
        what="a count of functional units",
    )
    if delivered is not None and 0.0 < delivered < MIN_FUNCTIONAL_UNITS:
        # the cost per unit would overflow (bug: 1e-281 units gave an infinite cost per unit)
        v.fail(
            (at, "functional_units_delivered"),
            f"expected 0 (none stated) or at least {MIN_FUNCTIONAL_UNITS:g} functional units; "
            "state the functional unit in a smaller unit",
        )
        delivered = None
    if not ok or costs is None or deductions is None or level is None or delivered is None:
        return None
    return _new_bid(
        bid_id, supplier, tuple(items), costs, deductions, level, circularity, delivered
    )


def _ladder_level(ctx: Context, at: Path, value: object) -> int | None:
    """A bid's level on the fictive discount ladder (0: none)."""
    level = ctx.v.integer(at, value, 0, MAX_LADDER_LEVEL, "a ladder level")
    if (
        level
        and ctx.model_kind is ModelKind.FICTIVE_DISCOUNT
        and ctx.ladder
        and level not in ctx.ladder
    ):
        levels = ", ".join(str(k) for k in sorted(ctx.ladder))
        ctx.v.fail(at, f"not on the method's ladder (levels: {levels})")
        return None
    return level


def _circularity(ctx: Context, at: Path, ci: object) -> PreparedCircularity | None:
    """The bid's material circularity data (Ellen MacArthur MCI), checked and in kg."""
    v = ctx.v
    if not isinstance(ci, Circularity):
        v.fail(at, "expected circularity data")
        return None
    mass = v.quantity(
        (at, "mass"), ci.mass, Dimension.MASS, required=True, minimum=0.0, minimum_open=True
    )
    if mass == 0.0:  # a stated mass > 0 that underflows to 0.0 kg (5e-324 mg)
        v.fail(((at, "mass"), "value"), "expected a mass greater than 0 kg once converted")
        mass = None
    fractions = {
        name: v.number(
            (at, name), getattr(ci, name), minimum=0.0, maximum=1.0, what="a fraction from 0 to 1"
        )
        for name in (*_INPUTS, *_COLLECTED, *_EFFICIENCIES)
    }
    ratios = {
        name: v.number((at, name), getattr(ci, name), minimum=0.0, what="a ratio >= 0")
        for name in _RATIOS
    }
    # X = (L/L_av)(U/U_av) divides in F(X) = 0.9/X: tiny ratios (even subnormal ones, whose
    # product underflows to 0) must not reach it. 0 means "not stated" and is taken as 1.
    for name, ratio in ratios.items():
        if ratio and not MIN_CIRCULARITY_RATIO <= ratio <= MAX_CIRCULARITY_RATIO:
            v.fail(
                (at, name),
                f"expected 0 (not stated: taken as 1) or a ratio from "
                f"{MIN_CIRCULARITY_RATIO:g} to {MAX_CIRCULARITY_RATIO:g}, got {ratio!r}",
            )
            ratios[name] = None
    if any(f is None for f in fractions.values()) or any(r is None for r in ratios.values()):
        return None
    f = {name: value or 0.0 for name, value in fractions.items()}
    ok = mass is not None
    if sum(f[name] for name in _INPUTS) > 1 + _TOLERANCE:
        v.fail((at, "recycled_input"), "input fractions (recycled + reused + bio) exceed 1")
        ok = False
    if sum(f[name] for name in _COLLECTED) > 1 + _TOLERANCE:
        v.fail((at, "collected_for_recycling"), "collection fractions together exceed 1")
        ok = False
    for efficiency, used_by in zip(
        _EFFICIENCIES, ("collected_for_recycling", "recycled_input"), strict=True
    ):
        if f[used_by] > 0 and f[efficiency] <= 0:
            v.fail((at, efficiency), f"expected > 0 when {used_by} is > 0")
            ok = False
    if not ok or mass is None:
        return None
    return PreparedCircularity(
        mass_kg=mass,
        **f,
        lifetime_ratio=ratios["lifetime_ratio"] or 1.0,
        use_intensity_ratio=ratios["use_intensity_ratio"] or 1.0,
    )


def baseline(ctx: Context, m: Method, listed: object) -> None:
    """The method's baseline_bid_id, when given, names a bid of the request."""
    baseline_id = m.baseline_bid_id
    if not isinstance(baseline_id, str) or not baseline_id or not isinstance(listed, (tuple, list)):
        return
    if not any(isinstance(b, Bid) and b.id == baseline_id for b in listed):
        ctx.v.fail("method.baseline_bid_id", "names no bid of the request")
