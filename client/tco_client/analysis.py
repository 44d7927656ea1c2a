"""Ranking analysis on the client: requests, a default spec, and the answer as DataFrames.

``AnalyzeRanking`` asks the service how sure a ranking is: one-at-a-time sensitivity (tornado),
switching values, scenarios and Monte Carlo over parameters named by path (the grammar is in
``proto/tcoapi/v1/analysis.proto``); the spec and the request are built by
:mod:`tco_client.analysis_spec`. This module

- labels parameters and their variations in English and Swedish (:func:`parameter_label`,
  :func:`variation_label`, :func:`format_setting`);
- turns the response into DataFrames (:class:`AnalysisResult`), with the same column conventions
  as :mod:`tco_client.frames`: money columns carry the currency (``gap_low_SEK``), numbers are the
  response's (already rounded by the server).

Example::

    with TcoClient() as client:
        result = client.analyze("tender.json", {"monte_carlo": {"draws": 20000, "seed": 1, ...}})
        print(result.win_probability)
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pandas as pd
from google.protobuf import json_format

from tco_client.i18n import format_number, resource_label
from tcoapi.v1 import analysis_pb2

__all__ = ["AnalysisResult", "format_setting", "mode_name", "parameter_label", "variation_label"]

_MODE_NAMES: dict[int, str] = {
    analysis_pb2.PARAMETER_MODE_SCALE: "scale",
    analysis_pb2.PARAMETER_MODE_VALUE: "value",
    analysis_pb2.PARAMETER_MODE_SHIFT: "shift",
}

# -- labels (English, Swedish) -------------------------------------------------------------------

_FIELDS: dict[str, tuple[str, str]] = {
    "discount_rate": ("Discount rate", "Kalkylränta"),
    "carbon_price": ("Carbon price", "Koldioxidpris"),
    "price": ("Price of {r}", "Pris på {r}"),
    "escalation": ("Price escalation of {r}", "Prisutveckling för {r}"),
    "factor": ("Emission factor of {r}", "Emissionsfaktor för {r}"),
    "service_life": ("Service life", "Livslängd"),
    "quantity": ("Quantity", "Antal"),
    "unit_price": ("Unit price", "Styckpris"),
    "amount": ("Resource use", "Förbrukning"),
    "all_resources": ("all resources", "alla resurser"),
    "all_bids": ("all bids", "alla anbud"),
    "bid": ("bid", "anbud"),
    "item": ("item", "artikel"),
}


def _label(key: str, lang: str) -> str:
    pair = _FIELDS[key]
    return pair[1] if lang == "sv" else pair[0]


def _resource(name: str, lang: str) -> str:
    if name == "*":
        return _label("all_resources", lang)
    return resource_label(name, lang)


def _selector(path: str, name: str) -> str:
    start = path.find(f"{name}[")
    if start < 0:
        return ""
    start += len(name) + 1
    if path[start : start + 1] == '"':
        end = path.find('"]', start + 1)
        return path[start + 1 : end]
    return path[start : path.find("]", start)]


def parameter_label(path: str, lang: str = "en") -> str:
    """A reader's name for a parameter path.

    >>> parameter_label("resource_prices[electricity].price", "sv")
    'Pris på el'
    >>> parameter_label("bids[*].items[*].service_life")
    'Service life (all bids)'
    >>> parameter_label("bids[B].items[0].resource_use[diesel].amount", "sv")
    'Förbrukning diesel (anbud B, artikel 1)'
    """
    if path in ("discount_rate", "carbon_price"):
        return _label(path, lang)
    if path.startswith(("resource_prices[", "emission_factors[")):
        head = "resource_prices" if path.startswith("resource_prices[") else "emission_factors"
        field = path.rsplit(".", 1)[-1]
        if field not in _FIELDS:
            return path
        return _label(field, lang).format(r=_resource(_selector(path, head), lang))
    if path.startswith("bids["):
        bid = _selector(path, "bids")
        item = _selector(path, "items")
        field = path.rsplit(".", 1)[-1]
        name = _label(field, lang) if field in _FIELDS else field
        if field == "amount":
            use = _selector(path, "resource_use")
            if use and use != "*" and not use.isdigit():
                name = f"{name} {_resource(use, lang)}"
        where = _label("all_bids", lang) if bid == "*" else f"{_label('bid', lang)} {bid}"
        if item not in ("*", ""):
            where += f", {_label('item', lang)} {int(item) + 1}"
        return f"{name} ({where})"
    return path


def _number(value: float, lang: str) -> str:
    text = f"{value:.6g}"
    return text.replace(".", ",").replace("-", "−") if lang == "sv" else text


def _is_rate(path: str) -> bool:
    return path == "discount_rate" or path.endswith(".escalation")


def format_setting(
    value: float, mode: str, path: str = "", unit: str = "", lang: str = "en"
) -> str:
    """One setting for a reader: ``×0.61``, ``5.75 %`` (a rate), ``5 750 SEK/t CO2e`` (a carbon
    price, shown per tonne), ``+1 pp``, or the number with its unit.

    >>> format_setting(0.0575, "value", "discount_rate", "1/year")
    '5.75\xa0%'
    >>> format_setting(5.75, "value", "carbon_price", "SEK/kgCO2e", "sv")
    '5\xa0750 SEK/t CO2e'
    """
    if mode == "scale":
        return f"×{_number(value, lang)}"
    sign = "+" if mode == "shift" and value >= 0 else ""
    if _is_rate(path):
        if mode == "shift":
            unit_text = "p.e." if lang == "sv" else "pp"
            return f"{sign}{_number(round(value * 100, 4), lang)}\u00a0{unit_text}"
        return f"{_number(round(value * 100, 4), lang)}\u00a0%"
    if unit.endswith("/kgCO2e") and path == "carbon_price":
        per_tonne = value * 1000.0
        text = f"{per_tonne:,.0f}" if abs(per_tonne) >= 100 else f"{per_tonne:.4g}"
        if lang == "sv":
            text = text.replace(",", "\u00a0").replace(".", ",").replace("-", "−")
        return f"{sign}{text} {unit.removesuffix('/kgCO2e')}/t CO2e"
    suffix = f" {unit}" if unit and unit != "1" else ""
    return f"{sign}{_number(value, lang)}{suffix}"


def display_unit(unit: str, lang: str = "en") -> str:
    """A parameter's unit for a reader: ``1/year`` (a rate) -> ``%``; ``year`` -> ``år`` in
    Swedish."""
    if unit in ("1/year", "1/a"):
        return "%"
    if lang == "sv":
        return unit.replace("years", "år").replace("year", "år")
    return unit


def in_unit(value: float, mode: str, base_value: float | None) -> float | None:
    """A setting as a value in the parameter's own unit: ``scale`` multiplies the stated value,
    ``shift`` adds to it, ``value`` is it; None when a factor has no single stated value (a
    trajectory or series)."""
    if mode == "value":
        return value
    if base_value is None:
        return None
    return base_value * value if mode == "scale" else base_value + value


def format_quantity(value: float, path: str, unit: str, lang: str = "en") -> str:
    """A value in its parameter's unit, as an evaluator quotes it: ``0,79 SEK/kWh``,
    ``62,1 SEK/kgCO2e``, ``9,83 %`` (a rate), ``12 år``.

    >>> format_quantity(0.78571, "resource_prices[el].price", "SEK/kWh", "sv")
    '0,79 SEK/kWh'
    >>> format_quantity(0.098336, "discount_rate", "1/year")
    '9.83\xa0%'
    """
    if _is_rate(path) or unit in ("1/year", "1/a"):
        return f"{format_number(value * 100, 2, lang)}\u00a0%"
    magnitude = abs(value)
    if magnitude >= 100 or value == 0:
        decimals = 0
    elif magnitude >= 0.1:
        decimals = 2
    else:
        decimals = min(6, 1 - math.floor(math.log10(magnitude)))
    shown = display_unit(unit, lang)
    suffix = f" {shown}" if shown and shown != "1" else ""
    return f"{format_number(value, decimals, lang)}{suffix}"


def format_switch(
    value: float,
    mode: str,
    path: str,
    unit: str,
    base_value: float | None,
    *,
    lang: str = "en",
) -> str:
    """A switching value in the parameter's unit with the factor beside it:
    ``12,23 SEK/l (×0,784)``; only the factor when there is no single stated value.

    >>> format_switch(0.784087, "scale", "resource_prices[diesel].price", "SEK/l", 15.6, lang="sv")
    '12,23 SEK/l (×0,784)'
    """
    quantity = in_unit(value, mode, base_value)
    if quantity is None:
        return format_setting(value, mode, path, unit, lang)
    text = format_quantity(quantity, path, unit, lang)
    if mode == "scale":
        text += f" (×{_number(float(f'{value:.3g}'), lang)})"
    elif mode == "shift":
        text += f" ({format_setting(value, mode, path, unit, lang)})"
    return text


def variation_label(
    mode: str, low: float, high: float, path: str = "", *, lang: str = "en", unit: str = ""
) -> str:
    """``±20 %``, ``±1 pp`` (``±1 procentenhet``) or ``low … high`` for a tornado bar (a no-break
    space between number and unit: a label never wraps inside ``±1 pp``).

    >>> variation_label("scale", 0.8, 1.2)
    '±20\xa0%'
    >>> variation_label("shift", -0.01, 0.01, "discount_rate", lang="sv")
    '±1\xa0procentenhet'
    """
    rate = _is_rate(path)
    if mode == "scale" and math.isclose(1.0 - low, high - 1.0, rel_tol=1e-9, abs_tol=1e-12):
        return f"±{_number(round((high - 1.0) * 100, 6), lang)}\u00a0%"
    if mode == "shift" and math.isclose(-low, high, rel_tol=1e-9, abs_tol=1e-15):
        if rate:
            points = round(high * 100, 6)
            unit = "pp"
            if lang == "sv":
                unit = "procentenhet" if points == 1 else "procentenheter"
            return f"±{_number(points, lang)}\u00a0{unit}"
        return f"±{_number(high, lang)}"
    low_text = format_setting(low, mode, path, unit, lang)
    high_text = format_setting(high, mode, path, unit, lang)
    shared = high_text.split(" ", 1)[1] if " " in high_text else ""
    if shared and low_text.endswith(" " + shared):
        low_text = low_text.removesuffix(" " + shared)
    return f"{low_text} … {high_text}"


# -- the answer ----------------------------------------------------------------------------------


def mode_name(value: int) -> str:
    return _MODE_NAMES.get(int(value), "unspecified")


def _optional(message: Any, field: str) -> float | None:
    return float(getattr(message, field)) if message.HasField(field) else None


@dataclass(frozen=True, eq=False)
class AnalysisResult:
    """One analysis: the request sent, the response, and DataFrames of it (cached).

    The frames follow :mod:`tco_client.frames` (index, units in names, fractions, one name per
    quantity, typed when empty). Money columns end in the currency, e.g. ``evaluated_cost_SEK``
    (the response's ``comparison_number``: the same number as ``EvaluationResult.ranking``'s
    ``evaluated_cost_SEK``).

    - :attr:`base`: indexed by ``bid_id`` (request order): evaluated_cost, rank, tied;
    - :attr:`tornado`: one row per parameter in tornado order: parameter, mode, low, high,
      gap_base/gap_low/gap_high/swing (runner-up minus leader of the base ranking),
      best_at_low, best_at_high;
    - :attr:`tornado_bids`: parameter × bid (columns): base, low, high evaluated costs;
    - :attr:`switching`: one row per switch point (a parameter without one: one row, value
      ``<NA>``, status ``no_switch``);
    - :attr:`scenarios`: scenario × bid (columns): evaluated cost, rank, tied, best;
    - :attr:`win_probability`: indexed by ``bid_id``: probability_best, standard_error
      (fractions: 0.993, not 99.3);
    - :attr:`percentiles`: indexed by ``bid_id``: mean, p5, p50, p95 of the evaluated cost;
      :attr:`gap_percentiles` the same of the gap between the lowest two;
    - :attr:`parameters`: path, unit, base_value, targets, linear;
    - :attr:`assumptions`: the Monte Carlo distributions of the request (path, mode,
      distribution, its parameters, independent); :attr:`default_analysis` says whether the spec
      was the program's default (:func:`tco_client.analysis_spec.default_spec`, what
      ``TcoClient.analyze`` and ``tco analyze`` run without a spec) rather than the buyer's;
    - :attr:`warnings`: code, bid_id, message (as ``EvaluationResult.warnings``).
    """

    request: analysis_pb2.AnalyzeRankingRequest
    response: analysis_pb2.AnalyzeRankingResponse
    #: True when the spec was built by :func:`~tco_client.analysis_spec.default_spec` (no spec
    #: given): its distributions are the program's assumptions, not the buyer's.
    default_analysis: bool = False

    @property
    def currency(self) -> str:
        return self.response.currency or self.request.method.currency

    @property
    def bid_ids(self) -> list[str]:
        """Bid ids in request order."""
        return [b.bid_id for b in self.response.base]

    @property
    def leader(self) -> str:
        """The best bid as stated (first in request order on a tie)."""
        best = min(self.response.base, key=lambda b: b.rank)
        return best.bid_id

    @property
    def runner_up(self) -> str | None:
        ordered = sorted(self.response.base, key=lambda b: b.rank)
        return ordered[1].bid_id if len(ordered) > 1 else None

    @property
    def has_monte_carlo(self) -> bool:
        return self.response.HasField("monte_carlo")

    @property
    def has_scenarios(self) -> bool:
        return self.response.HasField("scenarios")

    def unit(self, path: str) -> str:
        """The unit of a value-mode number of ``path`` (from the response), or ``""``."""
        for p in self.response.parameters:
            if p.path == path:
                return p.unit
        return ""

    def stated_value(self, path: str) -> float | None:
        """The stated value of ``path`` in its unit (value mode), or None when it has no single
        value (a trajectory or series, targets with different values)."""
        for p in self.response.parameters:
            if p.path == path:
                return p.base_value if p.HasField("base_value") else None
        return None

    def supplier(self, bid_id: str) -> str:
        for bid in self.request.bids:
            if bid.id == bid_id:
                return bid.supplier
        return ""

    @cached_property
    def base(self) -> pd.DataFrame:
        """The ranking as stated, indexed by ``bid_id`` (request order)."""
        cur = self.currency
        rows = [(b.comparison_number, b.rank, b.tied) for b in self.response.base]
        frame = pd.DataFrame(
            rows,
            columns=[f"evaluated_cost_{cur}", "rank", "tied"],
            index=_bid_index(b.bid_id for b in self.response.base),
        )
        return frame.astype({f"evaluated_cost_{cur}": "float64", "rank": "int64", "tied": "bool"})

    @cached_property
    def tornado(self) -> pd.DataFrame:
        cur = self.currency
        columns = list(_tornado_row(analysis_pb2.SensitivityResult(), cur))
        rows = [_tornado_row(s, cur) for s in self.response.sensitivity]
        frame = pd.DataFrame(rows, columns=columns)
        text = ["parameter", "mode", "best_at_low", "best_at_high"]
        return frame.astype(
            dict.fromkeys(text, "string")
            | {
                f"gap_base_{cur}": "Float64",
                f"gap_low_{cur}": "Float64",
                f"gap_high_{cur}": "Float64",
                "low": "float64",
                "high": "float64",
                f"swing_{cur}": "float64",
            }
        )

    @cached_property
    def tornado_bids(self) -> pd.DataFrame:
        cur = self.currency
        rows = [
            (s.path, b.bid_id, b.base, b.low, b.high)
            for s in self.response.sensitivity
            for b in s.bids
        ]
        numbers = [f"base_{cur}", f"low_{cur}", f"high_{cur}"]
        frame = pd.DataFrame(rows, columns=["parameter", "bid_id", *numbers])
        return frame.astype(
            dict.fromkeys(["parameter", "bid_id"], "string") | dict.fromkeys(numbers, "float64")
        )

    @cached_property
    def switching(self) -> pd.DataFrame:
        shared = list(_switching_row(analysis_pb2.SwitchingResult()))
        columns = [*shared[:7], "value", "from_bid_id", "to_bid_id", *shared[7:]]
        rows: list[dict[str, Any]] = []
        for s in self.response.switching:
            common = _switching_row(s)
            if not s.points:
                rows.append({**common, "value": None, "from_bid_id": "", "to_bid_id": ""})
            rows.extend(
                {**common, "value": p.value, "from_bid_id": p.from_bid_id, "to_bid_id": p.to_bid_id}
                for p in s.points
            )
        frame = pd.DataFrame(rows, columns=columns)
        text = ["parameter", "mode", "status", "from_bid_id", "to_bid_id"]
        return frame.astype(
            dict.fromkeys([*text, "best_at_low", "best_at_high"], "string")
            | {"base_value": "Float64", "value": "Float64", "analytic": "bool"}
            | {"low": "float64", "high": "float64"}
        )

    @cached_property
    def scenarios(self) -> pd.DataFrame:
        cur = self.currency
        rows = [
            (sc.name, b.bid_id, b.comparison_number, b.rank, b.tied, b.bid_id in sc.best_bid_ids)
            for sc in self.response.scenarios.results
            for b in sc.bids
        ]
        columns = ["scenario", "bid_id", f"evaluated_cost_{cur}", "rank", "tied", "best"]
        frame = pd.DataFrame(rows, columns=columns)
        return frame.astype(
            dict.fromkeys(["scenario", "bid_id"], "string")
            | {f"evaluated_cost_{cur}": "float64", "rank": "int64", "tied": "bool", "best": "bool"}
        )

    @cached_property
    def win_probability(self) -> pd.DataFrame:
        """Indexed by ``bid_id``: probability_best and standard_error as fractions (0.993, not
        99.3)."""
        bids = self.response.monte_carlo.bids
        frame = pd.DataFrame(
            [(b.probability_best, b.standard_error) for b in bids],
            columns=["probability_best", "standard_error"],
            index=_bid_index(b.bid_id for b in bids),
        )
        return frame.astype("float64")

    @cached_property
    def percentiles(self) -> pd.DataFrame:
        """Indexed by ``bid_id``: mean, P5, P50 and P95 of each bid's evaluated cost."""
        cur = self.currency
        bids = self.response.monte_carlo.bids
        frame = pd.DataFrame(
            [_percentile_row(b.comparison_number, cur) for b in bids],
            columns=list(_percentile_row(analysis_pb2.Percentiles(), cur)),
            index=_bid_index(b.bid_id for b in bids),
        )
        return frame.astype("float64")

    @cached_property
    def gap_percentiles(self) -> pd.Series:
        """Mean, P5, P50 and P95 of the gap between the lowest two evaluated costs of each draw
        (the index as the columns of :attr:`percentiles`); ``<NA>`` without one (one bid, no
        Monte Carlo)."""
        mc = self.response.monte_carlo
        row = _percentile_row(mc.gap, self.currency)
        values = list(row.values()) if mc.HasField("gap") else [None] * len(row)
        return pd.Series(values, index=list(row), dtype="Float64", name="gap")

    @cached_property
    def parameters(self) -> pd.DataFrame:
        rows = [
            (p.path, p.unit, _optional(p, "base_value"), p.targets, p.linear)
            for p in self.response.parameters
        ]
        frame = pd.DataFrame(rows, columns=["path", "unit", "base_value", "targets", "linear"])
        return frame.astype(
            dict.fromkeys(["path", "unit"], "string")
            | {"base_value": "Float64", "targets": "int64", "linear": "bool"}
        )

    @cached_property
    def assumptions(self) -> pd.DataFrame:
        """The Monte Carlo distributions the analysis drew from, one row each (request order):
        path, mode, distribution (``triangular``, ``lognormal`` …), its parameters as text in
        the parameter's mode (``low=0.5, most_likely=1, high=2``) and whether each target is
        drawn independently (else one draw is shared by every bid). Empty without Monte Carlo.
        With :attr:`default_analysis` these are the program's assumptions, not the buyer's.
        """
        rows = [
            (d.path, mode_name(d.mode), *_distribution_parts(d), d.independent)
            for d in self.request.analysis.monte_carlo.distributions
        ]
        columns = ["path", "mode", "distribution", "parameters", "independent"]
        frame = pd.DataFrame(rows, columns=columns)
        return frame.astype(dict.fromkeys(columns[:4], "string") | {"independent": "bool"})

    @cached_property
    def warnings(self) -> pd.DataFrame:
        """code, bid_id (empty for the analysis as a whole), message."""
        rows = [(w.code, w.bid_id, w.message) for w in self.response.warnings]
        frame = pd.DataFrame(rows, columns=["code", "bid_id", "message"])
        return frame.astype("string")

    def to_json(self) -> str:
        """The response in the proto JSON mapping with proto field names."""
        return json_format.MessageToJson(self.response, preserving_proto_field_name=True)


def _tornado_row(s: analysis_pb2.SensitivityResult, cur: str) -> dict[str, Any]:
    """A parameter's row of :attr:`AnalysisResult.tornado` (its keys are the columns)."""
    return {
        "parameter": s.path,
        "mode": mode_name(s.mode),
        "low": s.low,
        "high": s.high,
        f"gap_base_{cur}": _optional(s, "gap_base"),
        f"gap_low_{cur}": _optional(s, "gap_low"),
        f"gap_high_{cur}": _optional(s, "gap_high"),
        f"swing_{cur}": s.swing,
        "best_at_low": ", ".join(s.best_at_low),
        "best_at_high": ", ".join(s.best_at_high),
    }


def _switching_row(s: analysis_pb2.SwitchingResult) -> dict[str, Any]:
    """What every row of a parameter in :attr:`AnalysisResult.switching` shares."""
    status = analysis_pb2.SwitchingStatus.Name(s.status).removeprefix("SWITCHING_STATUS_")
    return {
        "parameter": s.path,
        "mode": mode_name(s.mode),
        "low": s.low,
        "high": s.high,
        "status": status.lower(),
        "analytic": s.analytic,
        "base_value": _optional(s, "base_value"),
        "best_at_low": s.best_at_low,
        "best_at_high": s.best_at_high,
    }


def _percentile_row(draws: analysis_pb2.Percentiles, cur: str) -> dict[str, float]:
    """A row of :attr:`AnalysisResult.percentiles` (or :attr:`~AnalysisResult.gap_percentiles`)."""
    return {
        f"mean_{cur}": draws.mean,
        f"p5_{cur}": draws.p5,
        f"p50_{cur}": draws.p50,
        f"p95_{cur}": draws.p95,
    }


def _distribution_parts(d: analysis_pb2.ParameterDistribution) -> tuple[str, str]:
    """(kind, its parameters as ``name=value`` text) of a Monte Carlo distribution."""
    kind = d.WhichOneof("distribution")
    if kind is None:
        return "", ""
    body = getattr(d, kind)

    def shown(value: Any) -> str:
        if isinstance(value, float):
            return f"{value:g}"
        return "[" + ", ".join(f"{v:g}" for v in value) + "]"

    return kind, ", ".join(
        f"{f.name}={shown(getattr(body, f.name))}" for f in body.DESCRIPTOR.fields
    )


def _bid_index(ids: Iterable[str]) -> pd.Index:
    """The ``bid_id`` index of a per-bid frame (``string``, also when empty)."""
    return pd.Index(list(ids), name="bid_id", dtype="string")
