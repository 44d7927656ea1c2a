"""GetFollowUpReport (issue 19): each settlement period, the cumulative result, the realised LCC
and the award in hindsight of one commitment, computed by :mod:`tco.followup` from the records.

**Periods.** From ``contract_start_time`` in steps of the settlement period (1, 3, 6 or 12
calendar months, UTC; a start on the 31st ends on the last day of shorter months), the first
``guarantee_periods`` of them, those that have ended by ``as_of_time``. A period of m months
lasts f = m / 12 years (the ``years`` of :class:`tco.followup.adjust.Conditions`).

**Each promise, each period.** The consumption series' current readings (``load_series``), the
activity or degree-day series summed over the period the same way
(:meth:`tco.followup.readings.Meter.observe`: pro rata by time, corrections superseding), the
promise adjusted to those conditions, the clause, and the valuation at the contract's price:

    price          the terms' price, else the method's resource price as the evaluation used it
                   (re-based to the method's price base by the engine's own preparation)
    emission factor the terms' factor, else the method's of study year 1
    carbon price   the method's of study year 1 (0 without one)

then :func:`tco.followup.report.follow_up`. A period whose readings cover less than the
commitment's ``min_coverage`` is reported but not settled (LOW_COVERAGE); one whose activity or
degree-day readings do not cover it, or leave nothing to adjust the promise to, likewise
(CONDITIONS_INCOMPLETE). Money is rounded half-up to the currency's minor unit on output
(:func:`tco.rounding.round_money`); quantities are not rounded.

**Realised LCC and the award in hindsight.** The awarded evaluation's stored request is
evaluated again: the realised LCC is :func:`tco.followup.hindsight.realised_lcc` of the winner
over the whole study years lived since the contract start; the hindsight evaluation
(:func:`tco.followup.hindsight.hindsight`) scales the winner's use of each followed-up resource
by the cumulative observed / adjusted promise (over its settled periods, all promises of the
resource together) and prices resources at ``actual_prices``; the forecast LCC is the winner's
LCC in it. No settled period: no hindsight (NOT_SETTLED).

Worked example (the lighting test): 21 600 kWh/year promised, yearly settlement, band 5 %,
1.50 SEK/kWh: 24 000 kWh observed in year 1 is 11.1 % over; the supplier pays
(24 000 − 22 680) × 1.50 = 1 980.00 SEK.

Deterministic: the same records and request give the bit-identical response (no clock is read
when ``as_of_time`` is given; maps are serialised deterministically).
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo

from google.protobuf.timestamp_pb2 import Timestamp

from tco import inputs, units
from tco.errors import UnitError
from tco.evaluate import evaluate_prepared
from tco.followup import hindsight as hs
from tco.followup.adjust import Conditions, Normalisation, Promise, expected_use
from tco.followup.readings import Meter, Observation, Reading
from tco.followup.report import Commitment, FollowUp, Period, follow_up
from tco.followup.settlement import Outcome, Settlement, Valuation
from tco.rounding import round_money
from tco_server.records import commitments as cm
from tco_server.records.readings import load_series
from tco_server.records.store import RecordStore
from tcoapi.v1 import followup_pb2 as fpb
from tcoapi.v1 import result_pb2, tender_pb2

_OUTCOMES = {
    Outcome.WITHIN_BAND: fpb.OUTCOME_WITHIN_BAND,
    Outcome.SHORTFALL: fpb.OUTCOME_SHORTFALL,
    Outcome.SAVINGS: fpb.OUTCOME_SAVINGS,
}


# -- periods -------------------------------------------------------------------------------------


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` plus calendar months, the day clamped to the month's last.

    >>> add_months(datetime(2027, 1, 31, tzinfo=UTC), 1).date().isoformat()
    '2027-02-28'
    """
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _label(start: datetime, months: int) -> str:
    """``2027`` for a calendar year, ``2027-H1``, ``2027-Q3``, ``2027-03``; else the months."""
    first_day = start.day == 1 and start.hour == start.minute == start.second == 0
    aligned = first_day and (start.month - 1) % months == 0
    if months == 1 and first_day:
        return f"{start:%Y-%m}"
    if aligned and months == 12:
        return f"{start:%Y}"
    if aligned and months in (3, 6):
        part = "Q" if months == 3 else "H"
        return f"{start:%Y}-{part}{(start.month - 1) // months + 1}"
    return f"{start:%Y-%m-%d}+{months}m"


def settlement_periods(
    start: datetime, months: int, count: int, as_of: datetime, zone: tzinfo = UTC
) -> list[tuple[str, datetime, datetime]]:
    """The settlement periods (label, start, end) of the first ``count`` that end by ``as_of``.

    Months are counted on the wall clock of the contract's ``zone`` and the bounds returned in
    UTC: a contract starting at midnight on 1 January in Stockholm (23:00 UTC the day before)
    settles the calendar years "2027", "2028" whatever the summer time.

    >>> [p[0] for p in settlement_periods(datetime(2027, 1, 1, tzinfo=UTC), 6, 4,
    ...                                   datetime(2028, 3, 1, tzinfo=UTC))]
    ['2027-H1', '2027-H2']
    >>> import zoneinfo
    >>> sthlm = zoneinfo.ZoneInfo("Europe/Stockholm")
    >>> [(p[0], f"{p[1]:%m-%d %H}", f"{p[2]:%m-%d %H}") for p in settlement_periods(
    ...     datetime(2026, 12, 31, 23, tzinfo=UTC), 6, 2, datetime(2028, 1, 1, tzinfo=UTC), sthlm)]
    [('2027-H1', '12-31 23', '06-30 22'), ('2027-H2', '06-30 22', '12-31 23')]
    """
    local = start.astimezone(zone).replace(tzinfo=None)
    periods = []
    for k in range(count):
        first, last = add_months(local, k * months), add_months(local, (k + 1) * months)
        begin = first.replace(tzinfo=zone).astimezone(UTC)
        end = last.replace(tzinfo=zone).astimezone(UTC)
        if end > as_of:
            break
        periods.append((_label(first, months), begin, end))
    return periods


# -- one promise ---------------------------------------------------------------------------------


@dataclass
class _Context:
    """What every promise of a report shares."""

    store: RecordStore
    organization: str
    procurement: str
    awarded: cm.Awarded
    bounds: list[tuple[str, datetime, datetime]]
    min_coverage: float
    digits: int
    loaded: dict[str, list[Reading]] = field(default_factory=dict)
    meters: dict[str, Meter] = field(default_factory=dict)
    warnings: list[result_pb2.Warning] = field(default_factory=list)

    def readings(self, series: str) -> list[Reading]:
        """The series' current readings over the reported periods, loaded once."""
        if series not in self.loaded:
            start, end = self.bounds[0][1], self.bounds[-1][2]
            self.loaded[series] = load_series(
                self.store, self.organization, self.procurement, series, start, end
            )
        return self.loaded[series]

    def meter(self, series: str) -> Meter:
        """The series' readings checked and ordered once (follow_up orders its own)."""
        if series not in self.meters:
            self.meters[series] = Meter(self.readings(series))
        return self.meters[series]

    def money(self, value: float) -> float:
        return 0.0 if value == 0.0 else round_money(value, self.digits)

    def warn(self, code: str, message: str) -> None:
        self.warnings.append(result_pb2.Warning(code=code, message=message))


def _valuation(ctx: _Context, promise: fpb.Promise, terms: cm.Terms) -> Valuation:
    if cm.is_cost(promise):  # money a year: valued as invoiced, no emissions
        return Valuation(price=1.0)
    method = ctx.awarded.prepared.method
    resource = method.resources[promise.resource]
    year = min(1, method.study_period_years)
    carbon = 0.0 if method.carbon_price is None else float(method.carbon_price.price_per_kg[year])
    return Valuation(
        price=resource.price if terms.price is None else terms.price,
        emission_factor=(
            float(resource.emission_factor[year])
            if terms.emission_factor is None
            else terms.emission_factor
        ),
        carbon_price=carbon,
    )


def _promise(promise: fpb.Promise, terms: cm.Terms) -> Promise:
    return Promise(
        per_year=promise.promised_per_year.value,
        normalisation=terms.normalisation,
        reference_activity_per_year=terms.reference_activity,
        normal_degree_days_per_year=terms.normal_degree_days,
        weather_share=terms.weather_share,
        baseline=terms.baseline,
    )


@dataclass(frozen=True)
class _Followed:
    """One promise followed up: the settled periods (by label) and the unsettled ones."""

    promise: fpb.Promise
    follow: FollowUp
    #: Periods whose conditions were incomplete: label -> (observation, raw promise).
    unconditioned: dict[str, tuple[Observation, float]]


def _conditions(
    ctx: _Context, terms: cm.Terms, begin: datetime, end: datetime, years: float
) -> tuple[Conditions, str | None]:
    """The period's conditions, and the series whose readings leave it incomplete (or None)."""
    if terms.normalisation is Normalisation.NONE:
        return Conditions(years=years), None
    series = (
        terms.activity_series
        if terms.normalisation is Normalisation.ACTIVITY
        else terms.degree_day_series
    )
    seen = ctx.meter(series).observe(begin, end)
    if terms.normalisation is Normalisation.ACTIVITY:
        conditions = Conditions(years=years, activity=seen.total)
    else:
        conditions = Conditions(years=years, degree_days=seen.total)
    return conditions, series if seen.coverage < ctx.min_coverage else None


def _follow(ctx: _Context, i: int, promise: fpb.Promise, months: int) -> _Followed:
    terms = cm.promise_terms(ctx.awarded, promise, i)
    adjusted = _promise(promise, terms)
    periods: list[Period] = []
    unconditioned: dict[str, tuple[Observation, float]] = {}
    for label, begin, end in ctx.bounds:
        conditions, incomplete = _conditions(ctx, terms, begin, end, months / 12.0)
        if incomplete is None and expected_use(adjusted, conditions) > 0.0:
            periods.append(Period(label, begin, end, conditions))
            continue
        raw = promise.promised_per_year.value * months / 12.0
        unconditioned[label] = (ctx.meter(promise.series).observe(begin, end), raw)
        ctx.warn(
            "CONDITIONS_INCOMPLETE",
            f"{label}: the readings of series {incomplete or promise.series!r} leave nothing to "
            f"adjust the promise of {promise.item} / {promise.resource} to: not settled",
        )
    commitment = Commitment(
        name=promise.item,
        resource=promise.resource,
        promise=adjusted,
        clause=terms.clause,
        valuation=_valuation(ctx, promise, terms),
    )
    follow = follow_up(commitment, ctx.readings(promise.series), periods, ctx.min_coverage)
    return _Followed(promise, follow, unconditioned)


# -- output --------------------------------------------------------------------------------------


def _stamp(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def _outcome(
    ctx: _Context,
    promise: fpb.Promise,
    observation: Observation | None,
    *,
    expected: float,
    raw: float,
    settled: Settlement | None,
) -> fpb.PromiseOutcome:
    out = fpb.PromiseOutcome(
        item=promise.item,
        resource=promise.resource,
        unit=promise.promised_per_year.unit.removesuffix("/year"),
        expected=expected,
        raw_promise=raw,
        settled=settled is not None,
    )
    if observation is not None:
        out.observed = observation.total
        out.coverage = observation.coverage
        out.estimated_share = observation.estimated_share
        for lo, hi in observation.gaps:
            out.gaps.add(start_time=_stamp(lo), end_time=_stamp(hi))
    if settled is not None:
        out.observed = settled.observed
        out.deviation = settled.deviation
        out.deviation_share = settled.deviation_share
        out.deviation_value = ctx.money(settled.deviation_value)
        out.deviation_kg_co2e = settled.deviation_co2e
        out.deviation_climate_value = ctx.money(settled.deviation_climate_value)
        out.outcome = _OUTCOMES[settled.outcome]
        out.amount = ctx.money(settled.amount)
    return out


def _period_outcomes(
    ctx: _Context, followed: Sequence[_Followed], response: fpb.GetFollowUpReportResponse
) -> None:
    rows = {
        (f.promise.item, f.promise.resource, r.period.label): r
        for f in followed
        for r in f.follow.periods
    }
    for label, begin, end in ctx.bounds:
        report = response.periods.add(label=label, start_time=_stamp(begin), end_time=_stamp(end))
        for f in followed:
            row = rows.get((f.promise.item, f.promise.resource, label))
            if row is None:
                seen, raw = f.unconditioned[label]
                report.outcomes.append(
                    _outcome(ctx, f.promise, seen, expected=0.0, raw=raw, settled=None)
                )
                continue
            report.outcomes.append(
                _outcome(
                    ctx,
                    f.promise,
                    row.observation,
                    expected=row.expected,
                    raw=row.raw_promise,
                    settled=row.settlement,
                )
            )
            conditions = row.period.conditions
            terms = f.promise.terms
            if conditions.activity is not None:
                report.activity[terms.activity_series] = conditions.activity
            if conditions.degree_days is not None:
                report.degree_days[terms.degree_day_series] = conditions.degree_days
            _period_warnings(ctx, f.promise, label, row.observation, row.settlement)


def _period_warnings(
    ctx: _Context,
    promise: fpb.Promise,
    label: str,
    seen: Observation,
    settled: Settlement | None,
) -> None:
    what = f"{label}: {promise.item} / {promise.resource} (series {promise.series!r})"
    if settled is None:
        ctx.warn(
            "LOW_COVERAGE",
            f"{what}: readings cover {seen.coverage:.1%} of the period, under the "
            f"{ctx.min_coverage:.0%} needed: reported, not settled",
        )
    elif seen.gaps:
        ctx.warn("READING_GAPS", f"{what}: {len(seen.gaps)} stretch(es) without readings")
    if seen.estimated_share > 0.0:
        ctx.warn(
            "ESTIMATED_READINGS",
            f"{what}: {seen.estimated_share:.1%} of the observed total is estimated",
        )


def _cumulative(ctx: _Context, f: _Followed) -> fpb.PromiseOutcome:
    counted = [r for r in f.follow.periods if r.settlement is not None]
    raw = math.fsum(r.raw_promise for r in counted)
    total = math.fsum(r.observation.total for r in counted)
    estimated = math.fsum(r.observation.total * r.observation.estimated_share for r in counted)
    cumulative = f.follow.cumulative
    expected = 0.0 if cumulative is None else cumulative.expected
    out = _outcome(ctx, f.promise, None, expected=expected, raw=raw, settled=cumulative)
    out.coverage = f.follow.coverage
    out.estimated_share = estimated / total if total > 0.0 else 0.0
    for r in counted:
        for lo, hi in r.observation.gaps:
            out.gaps.add(start_time=_stamp(lo), end_time=_stamp(hi))
    return out


def _baselines(ctx: _Context, followed: Sequence[_Followed]) -> list[fpb.BaselineFit]:
    fits = []
    for f in followed:
        baseline = f.follow.commitment.promise.baseline
        if baseline is None:
            continue
        fit = fpb.BaselineFit(
            item=f.promise.item,
            resource=f.promise.resource,
            intercept=baseline.intercept,
            slope=baseline.slope,
            cv_rmse=baseline.fit.cv_rmse,
            nmbe=baseline.fit.nmbe,
            within_guideline_14=baseline.fit.meets_guideline_14,
        )
        fits.append(fit)
        if not fit.within_guideline_14:
            ctx.warn(
                "BASELINE_OUTSIDE_GUIDELINE_14",
                f"{f.promise.item} / {f.promise.resource}: the regression baseline's CV(RMSE) "
                f"{fit.cv_rmse:.1%} or NMBE {fit.nmbe:.1%} is outside ASHRAE Guideline 14's "
                "limits for monthly data (15 %, 5 %)",
            )
    return fits


# -- realised LCC and the award in hindsight -----------------------------------------------------


def actual_prices(
    awarded: cm.Awarded, prices: Sequence[tender_pb2.ResourcePrice]
) -> dict[str, inputs.Quantity]:
    """``actual_prices`` of the request, checked: priced resources, money per their unit in
    the method's currency; INVALID_ARGUMENT naming every bad one."""
    method = awarded.prepared.method
    found: dict[str, inputs.Quantity] = {}
    bad: list[cm.Violation] = []
    for j, given in enumerate(prices):
        at = f"actual_prices[{j}]"
        resource, price = given.resource, given.price
        if resource not in method.resources:
            bad.append((f"{at}.resource", "not a resource the method prices", cm.INVALID))
            continue
        if resource in found:
            bad.append((f"{at}.resource", "given twice", cm.INVALID))
            continue
        try:
            units.factor(
                price.unit, units.Dimension.MONEY.per(awarded.resource_dimension(resource))
            )
            ok = units.currency_of(price.unit) == method.currency
        except UnitError as error:
            bad.append((f"{at}.price.unit", str(error), cm.INVALID))
            continue
        if not ok or not math.isfinite(price.value) or price.value < 0.0:
            bad.append((f"{at}.price", f"expected a price ≥ 0 in {method.currency}", cm.INVALID))
            continue
        found[resource] = inputs.Quantity(price.value, price.unit)
    if bad:
        raise cm.invalid(bad)
    return found


def _standing(s: hs.Standing, ctx: _Context) -> fpb.Standing:
    return fpb.Standing(
        bid_id=s.bid_id,
        evaluated_cost=ctx.money(s.evaluated_cost),
        life_cycle_cost=ctx.money(s.life_cycle_cost),
        rank=s.rank,
    )


def _ratios(followed: Sequence[_Followed]) -> dict[str, float]:
    """Cumulative observed / adjusted promise per resource (settled promises only)."""
    sums: dict[str, tuple[float, float]] = {}
    for f in followed:
        cumulative = f.follow.cumulative
        if cumulative is not None and not cm.is_cost(f.promise):  # resources the method prices
            observed, expected = sums.get(f.promise.resource, (0.0, 0.0))
            sums[f.promise.resource] = (
                observed + cumulative.observed,
                expected + cumulative.expected,
            )
    return {resource: o / e for resource, (o, e) in sorted(sums.items()) if e > 0.0}


def _hindsight(
    ctx: _Context,
    followed: Sequence[_Followed],
    prices: dict[str, inputs.Quantity],
    elapsed_years: int,
    response: fpb.GetFollowUpReportResponse,
) -> None:
    awarded = ctx.awarded
    winner = awarded.bid.id
    evaluated = evaluate_prepared(awarded.prepared)  # the stored request, prepared once
    result = next(r for r in evaluated.results if r.bid_id == winner)
    response.realised_life_cycle_cost = ctx.money(hs.realised_lcc(result, elapsed_years))
    response.awarded_life_cycle_cost = ctx.money(awarded.result.life_cycle_cost)
    response.forecast_life_cycle_cost = response.awarded_life_cycle_cost
    ratios = _ratios(followed)
    if not ratios:
        return
    found = hs.hindsight(awarded.tender, winner, ratios, prices, evaluated=evaluated)
    out = response.hindsight
    out.winner = winner
    out.awarded.extend(_standing(s, ctx) for s in found.awarded)
    out.hindsight.extend(_standing(s, ctx) for s in found.hindsight)
    out.best_in_hindsight.extend(found.best_in_hindsight)
    out.awarded_margin = ctx.money(found.awarded_margin)
    out.hindsight_margin = ctx.money(found.hindsight_margin)
    out.ranking_changed = found.ranking_changed
    for resource, ratio in ratios.items():
        out.observed_ratios[resource] = ratio
    own = next(s for s in found.hindsight if s.bid_id == winner)
    response.forecast_life_cycle_cost = ctx.money(own.life_cycle_cost)
    if found.ranking_changed:
        ctx.warn(
            "RANKING_CHANGED_IN_HINDSIGHT",
            f"with actual prices and the observed performance the best bid would be "
            f"{', '.join(found.best_in_hindsight)}, not the winner {winner}",
        )


# -- the RPC -------------------------------------------------------------------------------------


def _coverage(followed: Sequence[_Followed], ctx: _Context) -> float:
    """Mean consumption coverage over every promise and reported period, weighted by length."""
    weighted: list[float] = []
    seconds: list[float] = []
    for f in followed:
        rows = {r.period.label: r.observation for r in f.follow.periods}
        for label, begin, end in ctx.bounds:
            seen = rows[label] if label in rows else f.unconditioned[label][0]
            length = (end - begin).total_seconds()
            weighted.append(seen.coverage * length)
            seconds.append(length)
    return math.fsum(weighted) / math.fsum(seconds) if seconds else 0.0


def get_follow_up_report(
    store: RecordStore,
    organization: str,
    request: fpb.GetFollowUpReportRequest,
    *,
    now: datetime | None = None,
) -> fpb.GetFollowUpReportResponse:
    """The follow-up report of one commitment (the module's rules)."""
    record = cm.commitment_record(store, organization, request.name)
    commitment = cm.commitment_message(record)
    awarded = cm.open_evaluation(store, organization, commitment.evaluation, commitment.bid_id)
    prices = actual_prices(awarded, request.actual_prices)
    as_of = (
        request.as_of_time.ToDatetime(tzinfo=UTC)
        if request.HasField("as_of_time")
        else (now or datetime.now(UTC))
    )
    start = commitment.contract_start_time.ToDatetime(tzinfo=UTC)
    months = cm.PERIOD_MONTHS[commitment.settlement_period]
    ctx = _Context(
        store=store,
        organization=organization,
        procurement=record.procurement,
        awarded=awarded,
        bounds=settlement_periods(
            start,
            months,
            commitment.guarantee_periods,
            as_of,
            cm.contract_zone(commitment.time_zone) or UTC,
        ),
        min_coverage=commitment.min_coverage,
        digits=awarded.prepared.method.minor_unit_digits,
    )
    response = fpb.GetFollowUpReportResponse(
        commitment=commitment, currency=commitment.currency, as_of_time=_stamp(as_of)
    )
    followed: list[_Followed] = []
    if ctx.bounds:
        followed = [_follow(ctx, i, p, months) for i, p in enumerate(commitment.promises)]
        _period_outcomes(ctx, followed, response)
        response.cumulative.extend(_cumulative(ctx, f) for f in followed)
        response.coverage = _coverage(followed, ctx)
        response.baselines.extend(_baselines(ctx, followed))
    response.total_amount = ctx.money(
        math.fsum(o.amount for p in response.periods for o in p.outcomes if o.settled)
    )
    months_lived = (as_of.year - start.year) * 12 + as_of.month - start.month
    if add_months(start, months_lived) > as_of:
        months_lived -= 1
    _hindsight(ctx, followed, prices, max(0, months_lived) // 12, response)
    if not any(o.settled for o in response.cumulative):
        ctx.warn(
            "NOT_SETTLED",
            "no settlement period is settled yet: no deviation, amount or hindsight to report"
            if ctx.bounds
            else "no settlement period has ended by as_of_time",
        )
    response.warnings.extend(ctx.warnings)
    return response
