"""Commitments of FollowUpService (issue 19): the winner's promises, recorded at award.

A commitment is created for an AWARDED procurement only (else FAILED_PRECONDITION). The caller
names, for each promise to follow up, the winning bid's item and resource, the series of
readings that measure it and the contract's terms; the service fills the rest from the awarded
evaluation's stored request (the winning bid as received, opened by the store even when sealed
at rest) and response, and links the commitment to it by its evaluation digest:

    promised_per_year = quantity × amount [× activity]     (canonical unit of the resource)

computed by the engine's own preparation (:func:`tco.validate.prepare`: the unit grammar,
``l/(100 km)`` × ``km/year`` and the rest), never re-implemented here. Worked example: 120 LED
luminaires of 45 W used 4 000 h/year promise 120 × 45 W × 4 000 h/year = 21 600 kWh/year.

Besides resource use, a promise may name the item's ``maintenance`` (money a year) or a recurring
cost stream of the item (or, with item "", of the bid): money a year, quantity included, valued
as invoiced (no price or emission factor in its terms; not scaled in the award in hindsight).

The terms are checked field by field and every bad field is named
(``commitment.promises[1].terms.tolerance``): clause parameters, tolerance 0 ≤ t < 1, the
normalisation's series, reference activity and normal degree days, a regression baseline of at
least 3 periods that a line can be fitted to, price and emission-factor units of the resource's
dimension (money in the method's currency), and a promise naming an item or resource the
winning bid lacks (reason PROMISE_NOT_IN_BID). A commitment is one chain record (kind
``commitment``), never updated: new terms are a new commitment.
"""

from __future__ import annotations

import math
import re
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, tzinfo

import grpc

from tco import units
from tco.errors import InvalidTender, UnitError
from tco.followup.adjust import Normalisation
from tco.followup.baseline import Baseline, fit_baseline
from tco.followup.settlement import Clause, ClauseKind
from tco.inputs import Tender
from tco.prepared import PreparedTender
from tco.validate import prepare
from tco_server import convert_in, errors
from tco_server.records import procurements as proc
from tco_server.records.readings import DEGREE_DAY_UNITS, SeriesSpec
from tco_server.records.store import EVALUATION, AlreadyExists, Record, RecordStore, b64, unb64
from tcoapi.v1 import followup_pb2 as fpb
from tcoapi.v1 import result_pb2, tender_pb2

COMMITMENT = "commitment"
MAX_SERIES, MAX_RECORDED_BY, MAX_PROMISES, MAX_PERIODS = 100, 200, 1000, 1200
MAX_TIME_ZONE = 64
#: An IANA zone name's shape ("Europe/Stockholm", "UTC", "America/Argentina/Buenos_Aires"): checked
#: before zoneinfo sees it, so no client string becomes a file path ("../../etc/passwd").
_ZONE = re.compile(r"[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*")
DEFAULT_MIN_COVERAGE, DEFAULT_SANCTION_FACTOR = 0.9, 1.5
#: The unit readings of a degree-day series are stored in.
DEGREE_DAY_UNIT = "K·d"
_D = units.Dimension
#: What an activity may be (per year in the terms): km, kWh, l, kg, m², operating hours.
_ACTIVITIES = (_D.LENGTH, _D.ENERGY, _D.VOLUME, _D.MASS, _D.AREA, _D.of("operating time", "h"))
_CLAUSES = {
    fpb.CLAUSE_KIND_UNSPECIFIED: ClauseKind.SHORTFALL_PAYMENT,
    fpb.CLAUSE_KIND_REPORT_ONLY: ClauseKind.REPORT_ONLY,
    fpb.CLAUSE_KIND_SHORTFALL_PAYMENT: ClauseKind.SHORTFALL_PAYMENT,
    fpb.CLAUSE_KIND_BONUS_SHARE: ClauseKind.BONUS_SHARE,
    fpb.CLAUSE_KIND_SANCTION: ClauseKind.SANCTION,
}
_NORMALISATIONS = {
    fpb.NORMALISATION_UNSPECIFIED: Normalisation.NONE,
    fpb.NORMALISATION_NONE: Normalisation.NONE,
    fpb.NORMALISATION_ACTIVITY: Normalisation.ACTIVITY,
    fpb.NORMALISATION_DEGREE_DAYS: Normalisation.DEGREE_DAYS,
    fpb.NORMALISATION_REGRESSION: Normalisation.REGRESSION,
}
#: Months of each settlement period.
PERIOD_MONTHS = {
    fpb.SETTLEMENT_PERIOD_UNSPECIFIED: 12,
    fpb.SETTLEMENT_PERIOD_MONTH: 1,
    fpb.SETTLEMENT_PERIOD_QUARTER: 3,
    fpb.SETTLEMENT_PERIOD_HALF_YEAR: 6,
    fpb.SETTLEMENT_PERIOD_YEAR: 12,
}
Violation = tuple[str, str, str]
INVALID, NOT_IN_BID = "INVALID_REQUEST", "PROMISE_NOT_IN_BID"


def invalid(violations: list[Violation]) -> proc.RecordsError:
    """INVALID_ARGUMENT naming every bad field."""
    first = f"{violations[0][0]}: {violations[0][1]}"
    more = f" (and {len(violations) - 1} more)" if len(violations) > 1 else ""
    status = errors.request_status(
        grpc.StatusCode.INVALID_ARGUMENT, first + more, violations[0][2], violations
    )
    return proc.RecordsError(status, "INVALID_ARGUMENT")


# -- the awarded evaluation ----------------------------------------------------------------------


@dataclass(frozen=True)
class Awarded:
    """The awarded evaluation of a procurement, opened: the winning bid as received."""

    evaluation: Record
    request: tender_pb2.EvaluateBidsRequest
    response: result_pb2.EvaluateBidsResponse
    tender: Tender
    prepared: PreparedTender
    index: int

    @property
    def bid(self) -> tender_pb2.Bid:
        return self.request.bids[self.index]

    @property
    def result(self) -> result_pb2.BidResult:
        return next(r for r in self.response.results if r.bid_id == self.bid.id)

    def resource_dimension(self, resource: str) -> units.Dimension:
        price = next(p for p in self.request.method.resource_prices if p.resource == resource)
        return units.resource_dimension(price.price.unit)


def open_evaluation(store: RecordStore, organization: str, name: str, bid_id: str) -> Awarded:
    """The stored evaluation ``name`` (request and response as stored) with ``bid_id`` found."""
    record = store.get(organization, EVALUATION, name)
    if record is None:
        raise proc._not_found(name)
    request = tender_pb2.EvaluateBidsRequest.FromString(unb64(record.payload["request"]))
    response = result_pb2.EvaluateBidsResponse.FromString(unb64(record.payload["response"]))
    tender = convert_in.to_tender(request)
    try:
        prepared = prepare(tender)
    except InvalidTender as error:  # a stored request was evaluated: it cannot be invalid
        raise RuntimeError(f"the stored request of an evaluation is invalid: {error}") from None
    index = next(i for i, bid in enumerate(request.bids) if bid.id == bid_id)
    return Awarded(record, request, response, tender, prepared, index)


def awarded(store: RecordStore, organization: str, parent: str) -> tuple[str, Awarded]:
    """(procurement id, its awarded evaluation); NOT_FOUND, or FAILED_PRECONDITION unawarded."""
    procurement_id = proc._procurement_id(parent, "parent")
    row = proc._row(store, organization, parent)
    if row.award is None:
        raise proc._refused(
            grpc.StatusCode.FAILED_PRECONDITION,
            f"{parent} is not awarded: a commitment is taken from the awarded bid",
            "PROCUREMENT_NOT_AWARDED",
        )
    award = row.award.payload
    return procurement_id, open_evaluation(
        store, organization, award["evaluation"], award["bid_id"]
    )


# -- terms ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Terms:
    """A promise's terms, checked, in canonical units (money in the method's currency)."""

    clause: Clause
    normalisation: Normalisation
    activity_series: str = ""
    activity_unit: str = ""
    reference_activity: float = 0.0
    degree_day_series: str = ""
    normal_degree_days: float = 0.0
    weather_share: float = 1.0
    baseline: Baseline | None = None
    price: float | None = None
    emission_factor: float | None = None


class _Checker:
    """Collects the violations of one commitment's terms."""

    def __init__(self) -> None:
        self.violations: list[Violation] = []

    def fail(self, path: str, message: str, reason: str = INVALID) -> None:
        self.violations.append((path, message, reason))

    def number(
        self, path: str, value: float, low: float, high: float, *, open_high: bool = False
    ) -> float | None:
        ok = (
            math.isfinite(value) and low <= value and (value < high if open_high else value <= high)
        )
        if not ok:
            bound = f"{low:g} ≤ x {'<' if open_high else '≤'} {high:g}"
            self.fail(path, f"expected a number with {bound}, got {value!r}")
        return value if ok else None

    def text(self, path: str, value: str, limit: int) -> str:
        if not value.strip() or len(value) > limit:
            self.fail(path, f"required: 1-{limit} characters")
        return value

    def quantity(self, path: str, q: tender_pb2.Quantity, dim: units.Dimension) -> float | None:
        """``q`` in ``dim``'s canonical unit, a finite number ≥ 0."""
        try:
            f = units.factor(q.unit, dim)
        except UnitError as error:
            self.fail(f"{path}.unit", str(error))
            return None
        value = float(q.value) * f
        if not math.isfinite(value) or value < 0.0:
            self.fail(f"{path}.value", "expected a finite number ≥ 0")
            return None
        return value

    def money(
        self, path: str, q: tender_pb2.Quantity, dim: units.Dimension, currency: str
    ) -> float | None:
        value = self.quantity(path, q, dim)
        if value is not None and units.currency_of(q.unit) != currency:
            self.fail(f"{path}.unit", f"expected money in the method's currency {currency}")
            return None
        return value


def _activity(check: _Checker, path: str, q: tender_pb2.Quantity) -> tuple[float, str] | None:
    """A yearly activity in its canonical unit per year, and that unit (km, h, kWh ...)."""
    for dim in _ACTIVITIES:
        try:
            f = units.factor(q.unit, dim.per(_D.TIME))
        except UnitError:
            continue
        if not math.isfinite(q.value) or q.value <= 0.0:
            check.fail(f"{path}.value", "expected a number > 0")
            return None
        return q.value * f, dim.canonical
    check.fail(f"{path}.unit", "expected an activity per year such as 'km/year' or 'h/year'")
    return None


def _clause(check: _Checker, t: fpb.PromiseTerms, at: str, currency: str) -> Clause | None:
    kind = _CLAUSES.get(t.clause)
    if kind is None:
        check.fail(f"{at}.clause", f"unknown clause {t.clause}")
        return None
    tolerance = check.number(f"{at}.tolerance", t.tolerance, 0.0, 1.0, open_high=True)
    share = check.number(f"{at}.bonus_share", t.bonus_share, 0.0, 1.0)
    factor: float | None = DEFAULT_SANCTION_FACTOR
    if t.HasField("sanction_factor"):
        factor = check.number(f"{at}.sanction_factor", t.sanction_factor, 0.0, 1e6)
    advantage: float | None = 0.0
    if kind is ClauseKind.SANCTION and not t.HasField("award_advantage"):
        check.fail(f"{at}.award_advantage", "required for a SANCTION clause")
    elif t.HasField("award_advantage"):
        advantage = check.money(f"{at}.award_advantage", t.award_advantage, _D.MONEY, currency)
    if tolerance is None or share is None or factor is None or advantage is None:
        return None
    return Clause(
        kind=kind,
        tolerance=tolerance,
        excess_only=not t.whole_deviation,
        include_climate=t.include_climate,
        bonus_share=share,
        sanction_factor=factor,
        award_advantage=advantage,
    )


def _weather(
    check: _Checker, t: fpb.PromiseTerms, at: str, resource: units.Dimension
) -> dict[str, object] | None:
    """The degree-day terms (series, normal year, share, baseline) of a weather normalisation."""
    out: dict[str, object] = {
        "degree_day_series": check.text(f"{at}.degree_day_series", t.degree_day_series, MAX_SERIES)
    }
    normal = t.normal_degree_days
    if not t.HasField("normal_degree_days"):
        check.fail(f"{at}.normal_degree_days", "required for a degree-day normalisation")
    elif normal.unit.removesuffix("/year").removesuffix("/år").strip() not in DEGREE_DAY_UNITS:
        check.fail(
            f"{at}.normal_degree_days.unit", "expected degree days a year such as 'K·d/year'"
        )
    elif not math.isfinite(normal.value) or normal.value <= 0.0:
        check.fail(f"{at}.normal_degree_days.value", "expected a number > 0")
    else:
        out["normal_degree_days"] = normal.value
    if t.HasField("weather_share"):
        out["weather_share"] = check.number(f"{at}.weather_share", t.weather_share, 0.0, 1.0)
    if t.HasField("base_temperature_celsius"):
        check.number(f"{at}.base_temperature_celsius", t.base_temperature_celsius, -50.0, 50.0)
    if t.normalisation == fpb.NORMALISATION_REGRESSION:
        out["baseline"] = _baseline(check, t, at, resource)
    return out


def _baseline(
    check: _Checker, t: fpb.PromiseTerms, at: str, resource: units.Dimension
) -> Baseline | None:
    if len(t.baseline) < 3:
        check.fail(
            f"{at}.baseline", f"a regression baseline needs ≥ 3 periods, got {len(t.baseline)}"
        )
        return None
    energy: list[float] = []
    degree_days: list[float] = []
    for k, period in enumerate(t.baseline):
        value = check.quantity(f"{at}.baseline[{k}].energy", period.energy, resource)
        dd = check.number(f"{at}.baseline[{k}].degree_days", period.degree_days, 0.0, 1e6)
        if value is None or dd is None:
            return None
        energy.append(value)
        degree_days.append(dd)
    try:
        return fit_baseline(degree_days, energy)
    except ValueError as error:
        check.fail(f"{at}.baseline", str(error))
        return None


def check_terms(
    t: fpb.PromiseTerms,
    at: str,
    resource: units.Dimension,
    currency: str,
    *,
    activity: tender_pb2.Quantity | None,
    check: _Checker,
) -> Terms | None:
    """The terms of one promise, checked (violations into ``check``); None when any is bad.

    ``activity``: the bid's own activity of the resource use, the reference activity when the
    terms state none (the promise per year was stated for it).
    """
    before = len(check.violations)
    clause = _clause(check, t, at, currency)
    normalisation = _NORMALISATIONS.get(t.normalisation)
    fields: dict[str, object] = {}
    if normalisation is None:
        check.fail(f"{at}.normalisation", f"unknown normalisation {t.normalisation}")
    elif normalisation is Normalisation.ACTIVITY:
        fields["activity_series"] = check.text(
            f"{at}.activity_series", t.activity_series, MAX_SERIES
        )
        reference = t.reference_activity if t.HasField("reference_activity") else activity
        if reference is None:
            check.fail(f"{at}.reference_activity", "required for an activity normalisation")
        else:
            found = _activity(check, f"{at}.reference_activity", reference)
            if found is not None:
                fields["reference_activity"], fields["activity_unit"] = found
    elif normalisation is not Normalisation.NONE:
        fields.update(_weather(check, t, at, resource) or {})
    price = emission = None
    if t.HasField("price"):
        price = check.money(f"{at}.price", t.price, _D.MONEY.per(resource), currency)
    if t.HasField("emission_factor"):
        emission = check.quantity(f"{at}.emission_factor", t.emission_factor, _D.CO2E.per(resource))
    if len(check.violations) > before or clause is None or normalisation is None:
        return None
    return Terms(clause, normalisation, price=price, emission_factor=emission, **fields)  # type: ignore[arg-type]


# -- promises from the winning bid ---------------------------------------------------------------


#: The resource name of an item's promised maintenance (Item.maintenance_cost, money a year).
MAINTENANCE = "maintenance"


@dataclass(frozen=True)
class _Source:
    """Where a promise is in the winning bid, and its figure a year."""

    path: str
    per_year: float
    unit: str
    dimension: units.Dimension
    activity: tender_pb2.Quantity | None = None


def is_cost(promise: fpb.Promise) -> bool:
    """A promise of money a year (maintenance, a cost stream), not of a resource's use."""
    return ".resource_use[" not in promise.source_path


def _cost_source(awarded_: Awarded, at: str, given: fpb.Promise, check: _Checker) -> _Source | None:
    """Maintenance (resource "maintenance") or a recurring cost stream named ``resource``, of an
    item or (item "") of the bid: money a year, quantity included."""
    bid, prepared = awarded_.bid, awarded_.prepared.bids[awarded_.index]
    base, currency = f"bids[{awarded_.index}]", awarded_.prepared.method.currency
    if given.item:
        j = next(j for j, item in enumerate(bid.items) if item.name == given.item)
        item = prepared.items[j]
        if given.resource == MAINTENANCE and bid.items[j].HasField("maintenance_cost"):
            per_year = item.quantity * item.maintenance_per_year
            return _Source(f"{base}.items[{j}].maintenance_cost", per_year, currency, _D.MONEY)
        streams, quantity = bid.items[j].costs, item.quantity
        prepared_streams, where = item.costs, f"{base}.items[{j}].costs"
    else:
        streams, quantity, prepared_streams, where = bid.costs, 1.0, prepared.costs, f"{base}.costs"
    found = [k for k, stream in enumerate(streams) if stream.name == given.resource]
    if not found:
        owner = f"item {given.item!r}" if given.item else f"bid {bid.id!r}"
        check.fail(
            f"{at}.resource",
            f"{owner} of the winning bid has no resource use, maintenance or cost stream "
            f"{given.resource!r}",
            NOT_IN_BID,
        )
        return None
    stream = prepared_streams[found[0]]
    if stream.every_years < 1:
        check.fail(f"{at}.resource", "a one-off cost stream is not a yearly promise")
        return None
    per_year = quantity * stream.amount / stream.every_years
    return _Source(f"{where}[{found[0]}]", per_year, currency, _D.MONEY)


def _source(awarded_: Awarded, at: str, given: fpb.Promise, check: _Checker) -> _Source | None:
    bid = awarded_.bid
    if given.item and not any(item.name == given.item for item in bid.items):
        check.fail(
            f"{at}.item", f"the winning bid {bid.id!r} has no item {given.item!r}", NOT_IN_BID
        )
        return None
    j = next((j for j, item in enumerate(bid.items) if item.name == given.item), -1)
    uses = [] if j < 0 else list(bid.items[j].resource_use)
    k = next((k for k, use in enumerate(uses) if use.resource == given.resource), -1)
    if k < 0:
        return _cost_source(awarded_, at, given, check)
    item = awarded_.prepared.bids[awarded_.index].items[j]
    return _Source(
        f"bids[{awarded_.index}].items[{j}].resource_use[{k}]",
        item.quantity * item.resource_use[k].amount_per_year,
        awarded_.prepared.method.resources[given.resource].unit,
        awarded_.resource_dimension(given.resource),
        uses[k].activity if uses[k].HasField("activity") else None,
    )


def _promise(
    awarded_: Awarded, i: int, given: fpb.Promise, check: _Checker
) -> tuple[fpb.Promise, Terms] | None:
    """The promise ``given`` names, filled from the winning bid, with its checked terms."""
    at = f"commitment.promises[{i}]"
    check.text(f"{at}.series", given.series, MAX_SERIES)
    source = _source(awarded_, at, given, check)
    if source is None:
        return None
    if source.dimension is _D.MONEY:
        for name in ("price", "emission_factor"):
            if given.terms.HasField(name):
                check.fail(f"{at}.terms.{name}", "a cost promise is valued as invoiced")
    terms = check_terms(
        given.terms,
        f"{at}.terms",
        source.dimension,
        awarded_.prepared.method.currency,
        activity=source.activity,
        check=check,
    )
    out = fpb.Promise(
        item=given.item, resource=given.resource, series=given.series, source_path=source.path
    )
    out.promised_per_year.value = source.per_year
    out.promised_per_year.unit = f"{source.unit}/year"
    out.terms.CopyFrom(given.terms)
    activity = terms is not None and terms.normalisation is Normalisation.ACTIVITY
    if activity and source.activity is not None and not given.terms.HasField("reference_activity"):
        out.terms.reference_activity.CopyFrom(source.activity)  # the bid's own, recorded
    return (out, terms) if terms is not None else None


def promise_terms(awarded_: Awarded, promise: fpb.Promise, i: int) -> Terms:
    """The checked terms of a stored promise (checked at create: a failure here is a fault)."""
    check = _Checker()
    terms = check_terms(
        promise.terms,
        f"commitment.promises[{i}].terms",
        _D.MONEY if is_cost(promise) else awarded_.resource_dimension(promise.resource),
        awarded_.prepared.method.currency,
        activity=None,
        check=check,
    )
    if terms is None:
        raise RuntimeError(f"stored terms fail their checks: {check.violations}")
    return terms


def _spec(promise: fpb.Promise) -> list[tuple[str, SeriesSpec]]:
    """The series a promise names and what each measures."""
    unit = promise.promised_per_year.unit.removesuffix("/year")
    found = [(promise.series, SeriesSpec(fpb.SERIES_KIND_CONSUMPTION, unit))]
    t = promise.terms
    if t.normalisation == fpb.NORMALISATION_ACTIVITY:
        check = _Checker()
        activity = _activity(check, "", t.reference_activity)
        if activity is not None:
            found.append((t.activity_series, SeriesSpec(fpb.SERIES_KIND_ACTIVITY, activity[1])))
    elif t.normalisation in (fpb.NORMALISATION_DEGREE_DAYS, fpb.NORMALISATION_REGRESSION):
        found.append(
            (t.degree_day_series, SeriesSpec(fpb.SERIES_KIND_DEGREE_DAYS, DEGREE_DAY_UNIT))
        )
    return found


def series_specs(commitments: Iterable[fpb.Commitment]) -> dict[str, SeriesSpec]:
    """The series the commitments name, each with its kind and canonical unit (the first
    commitment naming a series decides; create refuses a second meaning)."""
    specs: dict[str, SeriesSpec] = {}
    for commitment in commitments:
        for promise in commitment.promises:
            for name, spec in _spec(promise):
                specs.setdefault(name, spec)
    return specs


def _conflicts(check: _Checker, promises: list[fpb.Promise], known: dict[str, SeriesSpec]) -> None:
    specs = dict(known)
    for i, promise in enumerate(promises):
        for name, spec in _spec(promise):
            if specs.setdefault(name, spec) != spec:
                check.fail(
                    f"commitment.promises[{i}].series",
                    f"series {name!r} is already named for {specs[name].unit} readings "
                    f"(kind {specs[name].kind})",
                )
        for other in promises[:i]:
            if (other.item, other.resource) == (promise.item, promise.resource):
                check.fail(f"commitment.promises[{i}]", "the same item and resource twice")


def contract_zone(name: str) -> tzinfo | None:
    """The contract calendar's time zone: UTC for ``""``, the IANA zone, or None when unknown.

    >>> contract_zone("Europe/Stockholm").key, contract_zone(""), contract_zone("Mars/Olympus")
    ('Europe/Stockholm', datetime.timezone.utc, None)
    """
    if not name:
        return UTC
    if len(name) > MAX_TIME_ZONE or not _ZONE.fullmatch(name):
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


# -- the RPCs ------------------------------------------------------------------------------------


def _checked_settlement(check: _Checker, c: fpb.Commitment) -> None:
    if not c.HasField("contract_start_time"):
        check.fail("commitment.contract_start_time", "required")
    if c.settlement_period not in PERIOD_MONTHS:
        check.fail(
            "commitment.settlement_period", f"unknown settlement period {c.settlement_period}"
        )
    if not 1 <= c.guarantee_periods <= MAX_PERIODS:
        check.fail("commitment.guarantee_periods", f"expected 1..{MAX_PERIODS} settlement periods")
    if c.time_zone and contract_zone(c.time_zone) is None:
        check.fail("commitment.time_zone", f"unknown IANA time zone {c.time_zone[:64]!r}")
    if c.HasField("min_coverage"):
        check.number("commitment.min_coverage", c.min_coverage, 0.0, 1.0)
    check.text("commitment.recorded_by", c.recorded_by, MAX_RECORDED_BY)
    if not c.promises:
        check.fail("commitment.promises", "at least one promise to follow up")
    elif len(c.promises) > MAX_PROMISES:
        check.fail("commitment.promises", f"at most {MAX_PROMISES} promises")


def _facts(awarded_: Awarded) -> fpb.PromisedFacts:
    result, currency = awarded_.result, awarded_.prepared.method.currency
    facts = fpb.PromisedFacts(emissions_kg_co2e=result.emissions_total)
    for item in awarded_.bid.items:
        if item.HasField("service_life"):
            facts.service_life[item.name].CopyFrom(item.service_life)
    facts.life_cycle_cost.value, facts.life_cycle_cost.unit = result.life_cycle_cost, currency
    facts.evaluated_cost.value, facts.evaluated_cost.unit = result.evaluated_cost, currency
    return facts


def commitment_message(record: Record) -> fpb.Commitment:
    """A stored commitment with its record's fields."""
    out = fpb.Commitment.FromString(unb64(record.payload["commitment"]))
    out.name, out.organization, out.record_hash = record.subject, record.organization, record.hash
    out.create_time.CopyFrom(proc._timestamp(record.created_at))
    return out


def stored_commitments(store: RecordStore, organization: str, procurement: str) -> list[Record]:
    return store.records(organization, COMMITMENT, procurement=procurement)


def create_commitment(
    store: RecordStore, organization: str, request: fpb.CreateCommitmentRequest
) -> fpb.CreateCommitmentResponse:
    """Check the terms, fill the promises from the winning bid, append one record."""
    if request.commitment_id and not proc.RESOURCE_ID.fullmatch(request.commitment_id):
        raise proc._bad(
            "commitment_id", "1-63 lower-case letters, digits and '-', starting with a letter"
        )
    procurement_id, awarded_ = awarded(store, organization, request.parent)
    given, check = request.commitment, _Checker()
    _checked_settlement(check, given)
    out = fpb.Commitment(
        evaluation=awarded_.evaluation.subject,
        evaluation_digest=awarded_.evaluation.payload["evaluation_digest"],
        bid_id=awarded_.bid.id,
        settlement_period=given.settlement_period or fpb.SETTLEMENT_PERIOD_YEAR,
        guarantee_periods=given.guarantee_periods,
        recorded_by=given.recorded_by,
        currency=awarded_.prepared.method.currency,
        time_zone=given.time_zone,
        min_coverage=given.min_coverage if given.HasField("min_coverage") else DEFAULT_MIN_COVERAGE,
    )
    out.contract_start_time.CopyFrom(given.contract_start_time)
    for i, promise in enumerate(given.promises[:MAX_PROMISES]):
        filled = _promise(awarded_, i, promise, check)
        if filled is not None:
            out.promises.append(filled[0])
    existing = [
        commitment_message(r) for r in stored_commitments(store, organization, procurement_id)
    ]
    _conflicts(check, list(out.promises), series_specs(existing))
    if check.violations:
        raise invalid(check.violations)
    out.facts.CopyFrom(_facts(awarded_))
    name = f"{request.parent}/commitments/{request.commitment_id or 'c{n}'}"
    payload = {"commitment": b64(proc._deterministic(out)), "evaluation": out.evaluation}
    try:
        record = store.append(organization, COMMITMENT, name, procurement_id, payload)
    except AlreadyExists:
        raise proc._refused(
            grpc.StatusCode.ALREADY_EXISTS, f"{name} already exists", "ALREADY_EXISTS"
        ) from None
    return fpb.CreateCommitmentResponse(commitment=commitment_message(record))


def commitment_record(store: RecordStore, organization: str, name: str) -> Record:
    """The commitment record ``name`` of the organisation; NOT_FOUND otherwise."""
    parts = name.split("/")
    if (
        len(parts) != 4
        or parts[0] != "procurements"
        or parts[2] != "commitments"
        or not all(proc.RESOURCE_ID.fullmatch(p) for p in (parts[1], parts[3]))
    ):
        raise proc._bad("name", "expected 'procurements/{id}/commitments/{id}'")
    record = store.get(organization, COMMITMENT, name)
    if record is None:
        raise proc._not_found(name)
    return record


def get_commitment(
    store: RecordStore, organization: str, request: fpb.GetCommitmentRequest
) -> fpb.GetCommitmentResponse:
    record = commitment_record(store, organization, request.name)
    return fpb.GetCommitmentResponse(commitment=commitment_message(record))


def list_commitments(
    store: RecordStore, organization: str, request: fpb.ListCommitmentsRequest
) -> fpb.ListCommitmentsResponse:
    procurement_id = proc._procurement_id(request.parent, "parent")
    after, limit = proc._page(request.page_token, request.page_size)
    proc._row(store, organization, request.parent)  # NOT_FOUND for another organisation's
    found = store.records(
        organization, COMMITMENT, procurement=procurement_id, after_seq=after, limit=limit
    )
    return fpb.ListCommitmentsResponse(
        commitments=[commitment_message(record) for record in found],
        next_page_token=proc._next_token([record.seq for record in found], limit),
    )
