"""The edge of the core: a raw :class:`tco.inputs.Tender` -> a trusted :class:`PreparedTender`.

:func:`prepare` checks every field against the rules of the v1 contract
(``proto/tcoapi/v1/tender.proto``) and converts everything to the canonical floats documented in
:mod:`tco.prepared`. It never stops at the first problem: it raises one
:class:`tco.errors.InvalidTender` listing every :class:`~tco.errors.FieldViolation`, each with
its path exactly as on the wire, e.g.

- ``method.discount_rate: expected discount rate as a fraction per year ... > -1 and <= 1``
- ``bids[2].items[0].resource_use[0].amount.unit: expected energy per time such as 'kWh/year',
  got 'kg'``
- ``method.carbon_price.series_id: unknown series 'foo'; known: asek-7.0, ...``

The rules, by concern (each module's docstring lists its own; the bounds are in
:mod:`tco.validate.limits`, the unit grammar and dimensions in :mod:`tco.units`):

- :mod:`~tco.validate.method`: currency, years, rates, exchange rates, resource and pollutant
  prices, the evaluation model; :mod:`~tco.validate.climate`: emission factors, carbon price;
- :mod:`~tco.validate.bids`: bids, circularity, the baseline bid;
- :mod:`~tco.validate.deductions`: the method's deduction table and the levels bids claim;
- :mod:`~tco.validate.items`: items, resource uses, pollutant and embodied emissions, cost streams;
- :mod:`~tco.validate.violations`: the collector and the checks of single fields (numbers,
  rates, texts, units, quantities); :mod:`~tco.validate.context`: what a run knows of the
  method, money in the method currency, real rates.

Money: every amount is converted to the method currency, ``value x unit factor x rate``, where
the rate is 1 for the method currency and ``exchange_rates[code]`` otherwise; a currency without
a rate is a violation at that amount's ``.unit`` path. Rates become real by Fisher,
``(1 + r_real) = (1 + r_nominal) / (1 + inflation)``, in a nominal analysis (discount rate and
every escalation rate).

Required inputs: a number with explicit presence left out (``None`` in :mod:`tco.inputs`) is a
violation where it is required (discount rate, quantity; inflation and escalation rates in a
nominal analysis; the externality factor of its model), as are a missing unit price and the
missing service life of an item with a purchase cost; never a zero.

Warnings (code, message, bid_id): NO_EMISSION_FACTOR (a bid uses a resource without factor),
EMISSION_FACTOR_EXTRAPOLATED (a trajectory held flat), NOMINAL_WITHOUT_INFLATION,
CARBON_PRICE_IS_MARKET_PRICE, DEDUCTIONS_NOT_APPLIED (claims or a table under a model other
than DEDUCTIONS), DEDUCTIONS_WITHOUT_CRITERIA, and the plausibility warnings of
:mod:`~tco.validate.plausibility` (RATE_LOOKS_LIKE_PERCENT for a rate >= 0.2 ...). Warnings
about the carbon price itself (none stated, extrapolation, price base) come from
:func:`tco.climate.climate_warnings`.
"""

from __future__ import annotations

from tco.errors import FieldViolation, InvalidTender
from tco.inputs import Method, Tender
from tco.prepared import PreparedTender
from tco.validate import bids, deductions, method
from tco.validate.context import Context

__all__ = ["prepare"]


def prepare(tender: Tender) -> PreparedTender:
    """Check every field of ``tender`` and convert it to canonical floats.

    Raises :class:`tco.errors.InvalidTender` listing every violation (never only the first).
    """
    ctx = Context()
    m = tender.method if isinstance(tender, Tender) else None
    if not isinstance(m, Method):
        ctx.v.fail("method", "required")
        raise InvalidTender(ctx.v.all_violations())
    prepared_method = method.method(ctx, m)
    prepared_bids = bids.bids(ctx, tender.bids)
    bids.baseline(ctx, m, tender.bids)
    prepared_bids = deductions.resolve(ctx, m, tender.bids, prepared_bids)
    violations = ctx.v.all_violations()
    if violations or prepared_method is None or prepared_bids is None:
        raise InvalidTender(violations or [_internal()])
    return PreparedTender(
        method=prepared_method, bids=tuple(prepared_bids), warnings=tuple(ctx.v.warnings)
    )


def _internal() -> FieldViolation:  # pragma: no cover - every None records a violation first
    return FieldViolation("", "internal: validation failed without a recorded violation")
