"""The DEDUCTIONS model's table (Swedish *mervärdesmodell*): the method fixes the deductions,
a bid only claims a level (lcc-method.md §6, issue #14).

The method publishes ``evaluation_model.deduction_criteria``: each criterion, its levels and the
money deduction of each level (any money unit; converted to the method currency with the
method's exchange rates, like every amount). A bid lists ``deductions``: per criterion the
``level`` it claims. The engine applies **the method's** amount for that level; the bid never
sets its own.

Rules (each refusal a violation at its field path; a refusal names the bid's entry by its path
and lists what the method offers, never echoing the bid's text, which is confidential):

- method: a criterion text is required and distinct; each criterion lists at least one level;
  a level text is required, distinct within its criterion, and not ``"none"`` (reserved: no
  deduction); each level's amount is money >= 0, required. A table under a model other than
  DEDUCTIONS is checked but never applied (warning ``DEDUCTIONS_NOT_APPLIED``); DEDUCTIONS
  without a table warns ``DEDUCTIONS_WITHOUT_CRITERIA`` (every comparison number is then the
  total cost).
- bid (DEDUCTIONS model; under another model claims count for nothing, are not checked, and
  one ``DEDUCTIONS_NOT_APPLIED`` warning names the bids that made them): a claim names a
  criterion of the method (else a violation naming it and the method's criteria) and a level of
  that criterion (else a violation naming it and the criterion's levels); ``"none"`` is always a
  valid level and deducts 0. A criterion claimed twice is refused. A method criterion the bid
  does not claim counts as level ``"none"``: 0 deduction.
- the old bid-stated ``amount`` (kept readable for compatibility with v1 clients): **refused
  when it differs from the method's amount** for the claimed level (compared in the method
  currency, to the currency's minor unit); when equal it is redundant and ignored. A claim
  without a level but with an amount is refused too (the level is what a bid states).

Example: the method fixes "ISO 27001 certified" -> {"yes": 200 000 SEK}; a bid claiming
``{criterion: "ISO 27001 certified", level: "yes"}`` earns 200 000 SEK; one claiming 900 000 SEK
for it is refused at ``bids[k].deductions[j].amount``; a claim of "made-up criterion" is refused
at ``bids[k].deductions[j].criterion``.

The method digest (:mod:`tco.digest`) covers the table, as every field of the method.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Final

from tco import currency
from tco.inputs import Bid, Deduction, DeductionCriterion, EvaluationModel, Method, ModelKind
from tco.prepared import PreparedBid, PreparedDeduction
from tco.units import Dimension
from tco.validate.context import Context
from tco.validate.limits import MAX_ID_LENGTH

__all__ = ["NO_LEVEL", "resolve"]

#: The level a bid has for a criterion it does not claim (or claims as "none"): no deduction.
NO_LEVEL: Final = "none"

_AT: Final = "method.evaluation_model.deduction_criteria"

#: criterion -> level -> amount in the method currency (None: the amount was refused).
Table = dict[str, dict[str, float | None]]


def resolve(
    ctx: Context, m: Method, listed: object, prepared: list[PreparedBid] | None
) -> list[PreparedBid] | None:
    """Check the method's table and every bid's claims; the bids with the method's amounts.

    ``prepared`` are the bids prepared so far, in request order (None after a violation in
    them: the claims are still checked, so every violation is reported at once).
    """
    em = m.evaluation_model
    table = _table(ctx, em) if isinstance(em, EvaluationModel) else {}
    bids = listed if isinstance(listed, (tuple, list)) else ()
    if ctx.model_kind is not ModelKind.DEDUCTIONS:
        _not_applied(ctx, bids)
        return prepared
    # only bids that claim something: the others keep the () tco.validate.bids gave them
    resolved: dict[int, tuple[PreparedDeduction, ...] | None] = {
        i: _claims(ctx, f"bids[{i}].deductions", bid.deductions, table)
        for i, bid in enumerate(bids)
        if isinstance(bid, Bid) and bid.deductions
    }
    if prepared is None or len(prepared) != len(bids):
        return prepared
    out = list(prepared)
    for i, deductions in resolved.items():
        if deductions is None:
            return None
        out[i] = replace(out[i], deductions=deductions)
    return out


def _not_applied(ctx: Context, bids: Sequence[object]) -> None:
    """Claims under another model count for nothing: one warning says so (never silent)."""
    if ctx.model_kind is None:  # the model was refused: nothing to say about it
        return
    claiming = [b.id for b in bids if isinstance(b, Bid) and b.deductions]
    if claiming:
        shown = ", ".join(str(x) for x in claiming[:10]) + (", ..." if len(claiming) > 10 else "")
        ctx.v.warn(
            "DEDUCTIONS_NOT_APPLIED",
            f"{len(claiming)} bid(s) claim deductions ({shown}), but the method's model is "
            f"{ctx.model_kind.value}: claims count only in the DEDUCTIONS model",
        )


def _table(ctx: Context, em: EvaluationModel) -> Table:
    """The method's criteria -> levels -> amounts, checked (refused entries left out)."""
    v = ctx.v
    criteria = em.deduction_criteria
    if not v.listed(_AT, criteria):
        return {}
    if criteria and ctx.model_kind is not None and ctx.model_kind is not ModelKind.DEDUCTIONS:
        v.warn(
            "DEDUCTIONS_NOT_APPLIED",
            f"the method lists {len(criteria)} deduction criteria, but its model is "
            f"{ctx.model_kind.value}: the table applies only in the DEDUCTIONS model",
        )
    if not criteria and ctx.model_kind is ModelKind.DEDUCTIONS:
        v.warn(
            "DEDUCTIONS_WITHOUT_CRITERIA",
            "the DEDUCTIONS model lists no criteria: no bid earns a deduction, every comparison "
            "number is the total cost",
        )
    table: Table = {}
    for i, criterion in enumerate(criteria):
        at = f"{_AT}[{i}]"
        if not isinstance(criterion, DeductionCriterion):
            v.fail(at, "expected a deduction criterion")
            continue
        name = v.text(f"{at}.criterion", criterion.criterion, required=True)
        if name in table:
            v.fail(f"{at}.criterion", f"criterion {name!r} is listed twice")
            continue
        levels = _levels(ctx, at, criterion)
        if name:
            table[name] = levels
    return table


def _levels(ctx: Context, at: str, criterion: DeductionCriterion) -> dict[str, float | None]:
    v = ctx.v
    levels: dict[str, float | None] = {}
    if not v.listed(f"{at}.levels", criterion.levels):
        return levels
    if not criterion.levels:
        v.fail(f"{at}.levels", "required: at least one level and its deduction")
    for j, entry in enumerate(criterion.levels):
        p = f"{at}.levels[{j}]"
        level = v.text(f"{p}.level", getattr(entry, "level", None), True, MAX_ID_LENGTH)
        amount = v.quantity(
            f"{p}.amount", getattr(entry, "amount", None), Dimension.MONEY, 0.0, True, False, True
        )
        if level == NO_LEVEL:
            v.fail(f"{p}.level", f"{NO_LEVEL!r} is reserved: the level of no deduction (0)")
        elif level in levels:
            v.fail(f"{p}.level", f"level {level!r} is listed twice in this criterion")
        elif level:
            levels[level] = amount
    return levels


def _claims(
    ctx: Context, at: str, listed: Sequence[object], table: Table
) -> tuple[PreparedDeduction, ...] | None:
    """A bid's claims resolved to the method's amounts (claims of level "none" left out)."""
    v = ctx.v
    if not v.listed(at, listed):
        return None
    out: list[PreparedDeduction] = []
    seen: dict[str, int] = {}
    ok = True
    for k, claim in enumerate(listed):
        p = f"{at}[{k}]"
        if not isinstance(claim, Deduction):
            v.fail(p, "expected a deduction claim")
            ok = False
            continue
        found = _claim(ctx, (p, k), claim, table, seen)
        if found is None:
            ok = False
        elif found.level != NO_LEVEL:
            out.append(found)
    return tuple(out) if ok else None


def _claim(
    ctx: Context, where: tuple[str, int], claim: Deduction, table: Table, seen: dict[str, int]
) -> PreparedDeduction | None:
    """One claim (at path ``where[0]``, index ``where[1]`` in the bid's list): criterion and
    level of the method, the old amount agreeing if given."""
    v = ctx.v
    p, k = where
    name = v.text(f"{p}.criterion", claim.criterion, required=True)
    level = v.text(f"{p}.level", claim.level, required=False, limit=MAX_ID_LENGTH)
    stated = v.quantity(f"{p}.amount", claim.amount, Dimension.MONEY, None, True)
    if not name:
        return None
    if name in seen:
        v.fail(f"{p}.criterion", f"the same criterion is claimed twice (also [{seen[name]}])")
        return None
    seen[name] = k
    levels = table.get(name)
    if levels is None:
        known = "; ".join(repr(c) for c in table) or "none"
        v.fail(
            f"{p}.criterion",
            f"not a deduction criterion of the method (its criteria: {known})",
        )
        return None
    if not level:
        v.fail(
            f"{p}.level",
            "required: the level the bid claims (the method fixes its deduction; a bid never "
            "states its own amount)",
        )
        return None
    if level == NO_LEVEL:
        amount: float | None = 0.0
    elif level not in levels:
        known = ", ".join(repr(x) for x in (*levels, NO_LEVEL))
        v.fail(f"{p}.level", f"not a level of criterion {name!r} (its levels: {known})")
        return None
    else:
        amount = levels[level]
    if amount is None:  # the method's amount was refused (recorded there)
        return None
    if claim.amount is not None and not _same_money(ctx, stated, amount):
        v.fail(
            f"{p}.amount",
            "refused: the method fixes the deduction of each level; a bid claims a level only. "
            f"The method's amount for level {level!r} of {name!r} is "
            f"{amount:.2f} {v.currency or ''}; leave amount unset",
        )
        return None
    return PreparedDeduction(name, amount, level)


def _same_money(ctx: Context, stated: float | None, amount: float) -> bool:
    """Whether a bid-stated amount equals the method's, to the method currency's minor unit."""
    if stated is None:
        return False
    code = ctx.v.currency
    digits = currency.minor_unit_digits(code) if code else 2
    return abs(stated - amount) < 0.5 * 10.0**-digits
