"""Analysis specs: what ``AnalyzeRanking`` varies, and the request built from a tender and a spec.

A spec is the proto JSON mapping of ``tcoapi.v1.AnalysisSpec`` (a dict, or a ``.yaml``/``.json``
file read within :mod:`tco_client.input_limits`: :func:`load_spec`) or the message itself.
:func:`default_spec` proposes a starting spec for a tender (``tco analyze`` without ``--spec``;
``--save-spec`` writes it out for editing).
"""

# ruff: noqa: PLC0415 - PyYAML (the cli extra) is imported lazily
from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from google.protobuf import json_format

from tco_client.errors import FieldViolation, TcoInvalidTender
from tco_client.input_limits import parse_json, parse_yaml, read_bounded_text
from tco_client.safe_output import write_file
from tcoapi.v1 import analysis_pb2, tender_pb2

SpecLike = analysis_pb2.AnalysisSpec | Mapping[str, Any] | str | Path | None

#: Draws of the default Monte Carlo run.
DEFAULT_DRAWS = 10_000
SCALE, VALUE, SHIFT = (
    analysis_pb2.PARAMETER_MODE_SCALE,
    analysis_pb2.PARAMETER_MODE_VALUE,
    analysis_pb2.PARAMETER_MODE_SHIFT,
)


def spec_from_mapping(
    document: Mapping[str, Any], *, source: str = "analysis spec"
) -> analysis_pb2.AnalysisSpec:
    """Parse an analysis spec (the proto JSON mapping of ``AnalysisSpec``); unknown fields fail.

    A document with a top-level ``analysis`` key (a whole request's spec part) is accepted too.
    """
    if not isinstance(document, Mapping):
        raise TcoInvalidTender([FieldViolation(source, "the spec must be a mapping")])
    if set(document) == {"analysis"}:
        document = document["analysis"]
    spec = analysis_pb2.AnalysisSpec()
    try:
        json_format.ParseDict(dict(document), spec, ignore_unknown_fields=False)
    except json_format.ParseError as exc:
        raise TcoInvalidTender(
            [FieldViolation(source, str(exc).replace("\n", " "))], f"cannot read {source}"
        ) from None
    return spec


def load_spec(path: str | Path) -> analysis_pb2.AnalysisSpec:
    """Read an analysis spec from ``.yaml``/``.yml`` or ``.json`` (bounded as tender files)."""
    path = Path(path)
    if not path.is_file():
        raise TcoInvalidTender([FieldViolation(str(path), "no such file")], "cannot read spec")
    text = read_bounded_text(path)
    if path.suffix.lower() in (".yaml", ".yml"):
        document = parse_yaml(text, path.name)
    else:
        document = parse_json(text, path.name)
    return spec_from_mapping(document or {}, source=path.name)


def _as_spec(spec: SpecLike) -> analysis_pb2.AnalysisSpec:
    if spec is None:
        return analysis_pb2.AnalysisSpec()
    if isinstance(spec, analysis_pb2.AnalysisSpec):
        copy = analysis_pb2.AnalysisSpec()
        copy.CopyFrom(spec)
        return copy
    if isinstance(spec, str | Path):
        return load_spec(spec)
    return spec_from_mapping(spec)


def analysis_request(
    tender: tender_pb2.EvaluateBidsRequest, spec: SpecLike
) -> analysis_pb2.AnalyzeRankingRequest:
    """The AnalyzeRanking request: the tender's method and bids and the spec."""
    request = analysis_pb2.AnalyzeRankingRequest()
    request.method.CopyFrom(tender.method)
    request.bids.extend(tender.bids)
    request.analysis.CopyFrom(_as_spec(spec))
    return request


def default_spec(
    tender: tender_pb2.EvaluateBidsRequest,
    *,
    carbon_price_range: tuple[float, float] | None = None,
    draws: int = DEFAULT_DRAWS,
    seed: int = 0,
) -> analysis_pb2.AnalysisSpec:
    """A starting analysis for a tender: what usually moves a life-cycle cost ranking.

    Sensitivity: discount rate ±1 pp; carbon price ±50 % (when the method sets one); each
    resource's price ±20 % and escalation ±1 pp; each emission factor ±20 %; every stated
    service life ±20 %; every resource use ±10 %. Switching: the carbon price (×0 … ×10 of the
    method's path, or ``carbon_price_range`` in currency per tonne CO2e as a constant price),
    the discount rate 0 … 12 %, each resource price ×0 … ×3. Monte Carlo (``draws``, 0 for
    none): discount rate shift triangular(−1, 0, +1 pp), carbon price scale triangular(0.5, 1,
    2), each resource price scale lognormal(median 1, sigma 0.15), and every bid's stated
    resource use, each independently, scale triangular(0.95, 1, 1.15) (stated consumption
    tends to be optimistic). A starting point, not a recommendation: edit it (``tco analyze
    --save-spec``) to the uncertainties of the procurement.
    """
    method = tender.method
    spec = analysis_pb2.AnalysisSpec()
    has_carbon = method.HasField("carbon_price")
    resources = [r.resource for r in method.resource_prices]
    factors = [f.resource for f in method.emission_factors]
    has_life = any(item.HasField("service_life") for bid in tender.bids for item in bid.items)
    has_use = any(len(item.resource_use) for bid in tender.bids for item in bid.items)

    def sens(path: str, *, percent: float = 0.0, delta: float = 0.0) -> None:
        entry = spec.sensitivity.add(path=path)
        if percent:
            entry.percent = percent
        else:
            entry.delta = delta

    sens("discount_rate", delta=0.01)
    if has_carbon:
        sens("carbon_price", percent=50)
    for name in resources:
        sens(f"resource_prices[{name}].price", percent=20)
        sens(f"resource_prices[{name}].escalation", delta=0.01)
    for name in factors:
        sens(f"emission_factors[{name}].factor", percent=20)
    if has_life:
        sens("bids[*].items[*].service_life", percent=20)
    if has_use:
        sens("bids[*].items[*].resource_use[*].amount", percent=10)

    if has_carbon:
        spec.switching.add(
            path="carbon_price", range=analysis_pb2.ValueRange(mode=SCALE, low=0, high=10)
        )
    spec.switching.add(
        path="discount_rate", range=analysis_pb2.ValueRange(mode=VALUE, low=0, high=0.12)
    )
    for name in resources:
        spec.switching.add(
            path=f"resource_prices[{name}].price",
            range=analysis_pb2.ValueRange(mode=SCALE, low=0, high=3),
        )

    if carbon_price_range is not None:
        set_carbon_price_range(spec, carbon_price_range)
    if draws > 0:
        mc = spec.monte_carlo
        mc.draws = draws
        mc.seed = seed
        mc.distributions.add(
            path="discount_rate",
            mode=SHIFT,
            triangular=analysis_pb2.TriangularDistribution(low=-0.01, most_likely=0, high=0.01),
        )
        if has_carbon:
            mc.distributions.add(
                path="carbon_price",
                mode=SCALE,
                triangular=analysis_pb2.TriangularDistribution(low=0.5, most_likely=1, high=2),
            )
        for name in resources:
            mc.distributions.add(
                path=f"resource_prices[{name}].price",
                mode=SCALE,
                lognormal=analysis_pb2.LognormalDistribution(median=1, sigma=0.15),
            )
        if has_use:
            mc.distributions.add(
                path="bids[*].items[*].resource_use[*].amount",
                mode=SCALE,
                independent=True,
                triangular=analysis_pb2.TriangularDistribution(low=0.95, most_likely=1, high=1.15),
            )
    return spec


def resolve_spec(
    tender: tender_pb2.EvaluateBidsRequest,
    spec: SpecLike = None,
    *,
    carbon_price_range: tuple[float, float] | None = None,
    draws: int | None = None,
    seed: int | None = None,
) -> analysis_pb2.AnalysisSpec:
    """The spec an analysis sends: ``spec`` (a mapping, a file, the message) or, when None,
    :func:`default_spec` of the tender (``draws`` default :data:`DEFAULT_DRAWS`, ``seed`` 0);
    ``carbon_price_range`` (per tonne CO2e) replaces the carbon price's switching search and
    tornado bar (:func:`set_carbon_price_range`); ``draws`` and ``seed`` replace the Monte Carlo
    run's (:func:`override_monte_carlo`, 0 draws: none). ``tco analyze`` and
    ``TcoClient.analyze`` both build their spec here, so the same options give the same request.
    """
    if spec is None:
        chosen = default_spec(
            tender,
            carbon_price_range=carbon_price_range,
            draws=DEFAULT_DRAWS if draws is None else draws,
            seed=seed or 0,
        )
    else:
        chosen = _as_spec(spec)
        if carbon_price_range is not None:
            set_carbon_price_range(chosen, carbon_price_range)
    override_monte_carlo(chosen, draws=draws, seed=seed)
    return chosen


def save_spec(spec: analysis_pb2.AnalysisSpec, path: str | Path) -> Path:
    """Write the spec as YAML (``.yaml``/``.yml``) or JSON (anything else) for editing."""
    path = Path(path)
    document = json_format.MessageToDict(spec, preserving_proto_field_name=True)
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    else:
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return write_file(path, lambda f: f.write(text.encode("utf-8")))


def set_carbon_price_range(
    spec: analysis_pb2.AnalysisSpec, price_range: tuple[float, float]
) -> None:
    """Make ``carbon_price`` a constant LOW..HIGH (currency per tonne CO2e; the service takes
    per kg) in the spec's switching search and tornado, replacing entries for it there."""
    low, high = price_range[0] / 1000.0, price_range[1] / 1000.0
    keep_s = [e for e in spec.sensitivity if e.path != "carbon_price"]
    keep_w = [e for e in spec.switching if e.path != "carbon_price"]
    del spec.sensitivity[:]
    del spec.switching[:]
    value = analysis_pb2.ValueRange(mode=analysis_pb2.PARAMETER_MODE_VALUE, low=low, high=high)
    spec.sensitivity.add(path="carbon_price", range=value)
    spec.sensitivity.extend(keep_s)
    spec.switching.add(path="carbon_price", range=value)
    spec.switching.extend(keep_w)


def override_monte_carlo(
    spec: analysis_pb2.AnalysisSpec, *, draws: int | None = None, seed: int | None = None
) -> None:
    """``draws`` 0 drops the Monte Carlo run; other values and ``seed`` replace the spec's."""
    if draws == 0:
        spec.ClearField("monte_carlo")
        return
    if draws is not None:
        spec.monte_carlo.draws = draws
    if seed is not None and spec.HasField("monte_carlo"):
        spec.monte_carlo.seed = seed
