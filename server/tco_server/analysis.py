"""AnalyzeRanking: proto <-> domain for the ranking analysis; the engine does every calculation.

:func:`analyze`, step by step (the servicer wraps it in the service's one error mapping):

1. limits (:func:`check_request`), sizes first: the tender's and the analysis' lists by the one
   table of :mod:`tco_server.limits`, then the Monte Carlo draws and draw cells
   (``TOO_MANY_DRAWS``): INVALID_ARGUMENT; then the field shapes of the tender (as EvaluateBids)
   and of the analysis (enums, path and name lengths): INVALID_ARGUMENT;
2. proto -> domain: the tender by :func:`tco_server.convert_in.to_tender`, the spec by
   :func:`to_spec` (an unset mode becomes None, refused by the engine with its path);
3. the engine (:func:`tco.validate.prepare`, :func:`tco.analysis.analyze.analyze_prepared`);
   spec violations are under ``analysis.``. The engine first checks the cost of the spec
   (:mod:`tco.analysis.budget`): over the budget is a permanent limit like a size rule, raised
   as :class:`tco_server.limits.RequestTooLargeError` with reason ``ANALYSIS_TOO_COSTLY`` and
   the path of the costliest part. While it computes, the engine asks :func:`should_stop`
   between chunks: a client that has gone (deadline, cancel) stops the work within one chunk,
   and the call ends DEADLINE_EXCEEDED / CANCELLED (log ``stopped_before: "analysis step"``);
4. domain -> proto (:func:`to_response`), ``RESPONSE_TOO_LARGE`` beyond the message limit.

The log line gets counts (bids, draws) and a digest prefix, nothing of the bids.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping

from google.protobuf.message import Message

from tco import digest, validate
from tco.analysis import spec as domain
from tco.analysis.analyze import analyze_prepared
from tco.analysis.budget import AnalysisTooCostly
from tco.analysis.cancel import ShouldStop, Stopped
from tco.analysis.distributions import (
    Discrete,
    Distribution,
    Lognormal,
    Normal,
    Pert,
    Triangular,
    Uniform,
)
from tco.analysis.parameters import MAX_PATH_LENGTH, Mode, Setting
from tco.analysis.results import BidOutcome, Percentiles, RankingAnalysis, SwitchingStatus
from tco.errors import FieldViolation, InvalidTender
from tco.inputs import CarbonPrice
from tco_server import convert_in
from tco_server.deadlines import ClientGone
from tco_server.evaluation_queue import TURN, EvaluationQueue
from tco_server.limits import (
    ANALYSIS_REQUEST_RULES,
    SIZE_RULES,
    Limits,
    RequestTooLargeError,
    SizeViolation,
    check_response_size,
    check_shape,
    size_violations,
)
from tco_server.logs import DIGEST_PREFIX
from tcoapi.v1 import analysis_pb2 as pb
from tcoapi.v1 import result_pb2, tender_pb2

__all__ = ["analyze", "check_request", "should_stop", "to_response", "to_spec"]

_TENDER_REASONS = frozenset(rule.reason for rule in SIZE_RULES)

#: The step a call stopped inside the engine is logged as (``stopped_before``).
STEP = "analysis step"

#: Longest scenario name, characters (the engine refuses longer ones too).
MAX_NAME_LENGTH = 200

_MODE: dict[int, Mode | None] = {
    pb.PARAMETER_MODE_UNSPECIFIED: None,
    pb.PARAMETER_MODE_SCALE: Mode.SCALE,
    pb.PARAMETER_MODE_VALUE: Mode.VALUE,
    pb.PARAMETER_MODE_SHIFT: Mode.SHIFT,
}
_MODE_OUT: dict[Mode, int] = {
    Mode.SCALE: pb.PARAMETER_MODE_SCALE,
    Mode.VALUE: pb.PARAMETER_MODE_VALUE,
    Mode.SHIFT: pb.PARAMETER_MODE_SHIFT,
}
_STATUS_OUT = {
    SwitchingStatus.SWITCHES: pb.SWITCHING_STATUS_SWITCHES,
    SwitchingStatus.NO_SWITCH: pb.SWITCHING_STATUS_NO_SWITCH,
}


def check_request(request: pb.AnalyzeRankingRequest, limits: Limits) -> None:
    """Refuse a request beyond a limit (see the module docstring); return quietly otherwise."""
    sizes = size_violations(request, ANALYSIS_REQUEST_RULES, limits)
    if not sizes or sizes[0].reason not in _TENDER_REASONS:
        sizes += _draw_violations(request)
    if sizes:
        raise RequestTooLargeError(sizes)
    check_shape(request, limits, skip=frozenset({"analysis"}))
    violations: list[FieldViolation] = []
    _walk(request.analysis, "analysis.", violations)
    if violations:
        raise InvalidTender(violations)


def _draw_violations(request: pb.AnalyzeRankingRequest) -> list[SizeViolation]:
    """Monte Carlo draws, alone and as cells: draws x bids x (study years + 1)."""
    a = request.analysis
    draws = a.monte_carlo.draws
    if draws > domain.MAX_DRAWS:
        return [
            SizeViolation(
                "analysis.monte_carlo.draws",
                f"at most {domain.MAX_DRAWS} draws, got {draws}",
                "TOO_MANY_DRAWS",
            )
        ]
    if a.HasField("monte_carlo"):
        years = request.method.study_period_years + 1
        cells = (draws or domain.DEFAULT_DRAWS) * len(request.bids) * years
        if cells > domain.MAX_DRAW_CELLS:
            return [
                SizeViolation(
                    "analysis.monte_carlo.draws",
                    f"draws x bids x (study years + 1) = {cells}, at most "
                    f"{domain.MAX_DRAW_CELLS}: fewer draws or bids",
                    "TOO_MANY_DRAWS",
                )
            ]
    return []


def _walk(message: Message, prefix: str, out: list[FieldViolation]) -> None:
    """Enum numbers the contract defines; path and name lengths (never echoing the text)."""
    for field, value in message.ListFields():
        path = f"{prefix}{field.name}"
        if field.message_type is not None:
            if field.message_type.full_name == "tcoapi.v1.CarbonPrice":
                continue  # checked by the tender's own limits when converted
            if field.is_repeated:
                for i, element in enumerate(value):
                    _walk(element, f"{path}[{i}].", out)
            else:
                _walk(value, f"{path}.", out)
        elif field.enum_type is not None and not field.is_repeated:
            if value not in field.enum_type.values_by_number:
                out.append(FieldViolation(path, f"unknown {field.enum_type.name} value {value}"))
        elif field.name == "path" and len(value) > MAX_PATH_LENGTH:
            out.append(FieldViolation(path, f"at most {MAX_PATH_LENGTH} characters"))
        elif field.name == "name" and len(value) > MAX_NAME_LENGTH:
            out.append(FieldViolation(path, f"at most {MAX_NAME_LENGTH} characters"))


def _mode(value: int) -> Mode | None:
    return _MODE.get(value)


def _range(r: pb.ValueRange) -> domain.ValueRange:
    return domain.ValueRange(_mode(r.mode), r.low, r.high)


def _distribution(d: pb.ParameterDistribution) -> Distribution | None:
    which = d.WhichOneof("distribution")
    if which == "uniform":
        return Uniform(d.uniform.low, d.uniform.high)
    if which == "triangular":
        t = d.triangular
        return Triangular(t.low, t.most_likely, t.high)
    if which == "normal":
        return Normal(d.normal.mean, d.normal.sd)
    if which == "lognormal":
        return Lognormal(d.lognormal.median, d.lognormal.sigma)
    if which == "pert":
        p = d.pert
        return Pert(p.low, p.most_likely, p.high, p.shape)
    if which == "discrete":
        return Discrete(tuple(d.discrete.values), tuple(d.discrete.probabilities))
    return None


def _carbon(scenario: pb.Scenario) -> CarbonPrice | None:
    if not scenario.HasField("carbon_price"):
        return None
    # The tender's own conversion, through a request that carries just this carbon price.
    probe = tender_pb2.EvaluateBidsRequest()
    probe.method.carbon_price.CopyFrom(scenario.carbon_price)
    return convert_in.to_tender(probe).method.carbon_price


def to_spec(a: pb.AnalysisSpec) -> domain.AnalysisSpec:
    """The domain spec of the request's ``analysis`` (mechanical, field by field)."""
    sensitivity = []
    for s in a.sensitivity:
        which = s.WhichOneof("variation")
        sensitivity.append(
            domain.SensitivityParameter(
                path=s.path,
                percent=s.percent if which == "percent" else None,
                delta=s.delta if which == "delta" else None,
                range=_range(s.range) if which == "range" else None,
            )
        )
    switching = [
        domain.SwitchingParameter(s.path, _range(s.range) if s.HasField("range") else None)
        for s in a.switching
    ]
    scenarios = [
        domain.Scenario(
            name=s.name,
            settings=tuple(Setting(x.path, _mode(x.mode), x.value) for x in s.settings),
            carbon_price=_carbon(s),
        )
        for s in a.scenarios
    ]
    monte_carlo = None
    if a.HasField("monte_carlo"):
        m = a.monte_carlo
        monte_carlo = domain.MonteCarloSpec(
            draws=m.draws,
            seed=m.seed,
            distributions=tuple(
                domain.ParameterDistribution(d.path, _mode(d.mode), _distribution(d), d.independent)
                for d in m.distributions
            ),
        )
    return domain.AnalysisSpec(
        sensitivity=tuple(sensitivity),
        switching=tuple(switching),
        scenarios=tuple(scenarios),
        monte_carlo=monte_carlo,
    )


def _outcome(b: BidOutcome) -> pb.BidOutcome:
    return pb.BidOutcome(
        bid_id=b.bid_id, comparison_number=b.comparison_number, rank=b.rank, tied=b.tied
    )


def _percentiles(p: Percentiles) -> pb.Percentiles:
    return pb.Percentiles(mean=p.mean, p5=p.p5, p50=p.p50, p95=p.p95)


def to_response(r: RankingAnalysis) -> pb.AnalyzeRankingResponse:
    """The response of a domain analysis (every list in the engine's order)."""
    response = pb.AnalyzeRankingResponse(
        currency=r.currency,
        method_digest=r.method_digest,
        request_digest=r.request_digest,
        analysis_digest=r.analysis_digest,
        engine_version=r.engine_version,
        base=[_outcome(b) for b in r.base],
        warnings=[
            result_pb2.Warning(code=w.code, message=w.message, bid_id=w.bid_id) for w in r.warnings
        ],
    )
    # An optional field given None stays unset (the protobuf constructors skip None).
    for p in r.parameters:
        response.parameters.add(
            path=p.path, unit=p.unit, targets=p.targets, linear=p.linear, base_value=p.base
        )
    for s in r.sensitivity:
        row = response.sensitivity.add(
            path=s.path,
            mode=_MODE_OUT[s.mode],
            low=s.low,
            high=s.high,
            swing=s.swing,
            best_at_low=list(s.best_at_low),
            best_at_high=list(s.best_at_high),
            gap_base=s.gap_base,
            gap_low=s.gap_low,
            gap_high=s.gap_high,
        )
        for b in s.bids:
            row.bids.add(bid_id=b.bid_id, base=b.base, low=b.low, high=b.high)
    for w in r.switching:
        result = response.switching.add(
            path=w.path,
            mode=_MODE_OUT[w.mode],
            low=w.low,
            high=w.high,
            status=_STATUS_OUT[w.status],
            analytic=w.analytic,
            best_at_low=w.best_at_low,
            best_at_high=w.best_at_high,
            base_value=w.base,
            nearest_below=w.nearest_below,
            nearest_above=w.nearest_above,
        )
        for point in w.points:
            result.points.add(value=point.value, from_bid_id=point.from_bid, to_bid_id=point.to_bid)
    if r.scenarios is not None:
        comparison = response.scenarios
        comparison.SetInParent()
        comparison.winners_agree = r.scenarios.agree
        comparison.winners.extend(r.scenarios.winners)
        for sc in r.scenarios.results:
            comparison.results.add(
                name=sc.name, bids=[_outcome(b) for b in sc.bids], best_bid_ids=list(sc.best)
            )
    if r.monte_carlo is not None:
        mc = r.monte_carlo
        out = response.monte_carlo
        out.SetInParent()
        out.draws = mc.draws
        out.seed = mc.seed
        out.probability_tie = mc.probability_tie
        for d_bid in mc.bids:
            out.bids.add(
                bid_id=d_bid.bid_id,
                probability_best=d_bid.probability_best,
                standard_error=d_bid.standard_error,
                comparison_number=_percentiles(d_bid.comparison_number),
            )
        if mc.gap is not None:
            out.gap.CopyFrom(_percentiles(mc.gap))
        for d in mc.parameters:
            out.parameters.add(path=d.path, mode=_MODE_OUT[d.mode], draws=_percentiles(d.draws))
    return response


def analyze(
    request: pb.AnalyzeRankingRequest,
    limits: Limits,
    max_message_bytes: int,
    checkpoint: Callable[[str], None],
    log: MutableMapping[str, object],
    *,
    queue: EvaluationQueue | None = None,
) -> pb.AnalyzeRankingResponse:
    """The whole call (see the module docstring); ``checkpoint(before)`` checks the deadline.

    After the limits, the call takes its turn among the process's evaluations (``turns``,
    :mod:`tco_server.evaluation_queue`; None: no waiting)."""
    a = request.analysis
    if a.HasField("monte_carlo"):
        log["draws"] = a.monte_carlo.draws or domain.DEFAULT_DRAWS
    check_request(request, limits)
    if queue is None:
        return _analyze_checked(request, max_message_bytes, checkpoint, log)
    with queue.turn(lambda: checkpoint(TURN)) as queued:
        log["queued_ms"] = round(queued * 1000.0, 1)
        return _analyze_checked(request, max_message_bytes, checkpoint, log)


def should_stop(checkpoint: Callable[[str], None]) -> ShouldStop:
    """The engine's ``should_stop`` (:mod:`tco.analysis.cancel`) from the handler's
    ``checkpoint``: true once the client's deadline passed or it cancelled (``checkpoint``
    raises :class:`tco_server.deadlines.ClientGone`; it asks ``context.time_remaining()`` and
    ``context.is_active()``). The one adapter between the transport and the engine's loops."""

    def stop() -> bool:
        try:
            checkpoint(STEP)
        except ClientGone:
            return True
        return False

    return stop


def _analyze_checked(
    request: pb.AnalyzeRankingRequest,
    max_message_bytes: int,
    checkpoint: Callable[[str], None],
    log: MutableMapping[str, object],
) -> pb.AnalyzeRankingResponse:
    """:func:`analyze` after the limits: conversion, analysis, response."""
    a = request.analysis
    checkpoint("conversion")
    tender = convert_in.to_tender(request)
    spec = to_spec(a)
    checkpoint("validation")
    prepared = validate.prepare(tender)
    request_digest = digest.request_digest(tender)
    log["digest"] = request_digest[:DIGEST_PREFIX]
    checkpoint("analysis")
    try:
        result = analyze_prepared(
            prepared,
            spec,
            tender=tender,
            method_digest=digest.method_digest(tender.method),
            request_digest=request_digest,
            should_stop=should_stop(checkpoint),
        )
    except Stopped:
        checkpoint(STEP)  # raises ClientGone: DEADLINE_EXCEEDED or CANCELLED
        raise
    except AnalysisTooCostly as error:
        raise RequestTooLargeError(
            [SizeViolation(v.field, v.description, error.reason) for v in error.violations]
        ) from None
    checkpoint("response")
    response = to_response(result)
    response.evaluation_digest = digest.evaluation_digest(prepared)
    response.data_version = digest.DATA_VERSION
    check_response_size(response, max_message_bytes)
    return response
