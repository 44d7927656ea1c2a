"""The premises of a Monte Carlo analysis in words: each uncertain parameter, its distribution
with its parameters, and which bids share a draw.

A probability such as "P(bäst) 99,3 %" means nothing without them, so the table output, the
analysis workbook and the chart note list them (:func:`distribution_rows`, :func:`draw_note`).

>>> from tcoapi.v1 import analysis_pb2
>>> scale = analysis_pb2.PARAMETER_MODE_SCALE
>>> d = analysis_pb2.ParameterDistribution(path="carbon_price", mode=scale)
>>> d.triangular.low, d.triangular.most_likely, d.triangular.high = 0.5, 1.0, 2.0
>>> distribution_text(d, "sv")
'triangulär, min ×0,5, typvärde ×1, max ×2'
>>> sharing_text(d, "sv")
'en dragning per försök, densamma för alla anbud'
"""

from __future__ import annotations

from typing import Final

from tco_client.analysis import format_setting, mode_name, parameter_label
from tcoapi.v1 import analysis_pb2

_WORDS: Final = {
    "uniform": ("uniform", "likformig"),
    "triangular": ("triangular", "triangulär"),
    "normal": ("normal", "normal"),
    "lognormal": ("lognormal", "lognormal"),
    "pert": ("PERT", "PERT"),
    "discrete": ("discrete", "diskret"),
    "low": ("min", "min"),
    "high": ("max", "max"),
    "most_likely": ("mode", "typvärde"),
    "mean": ("mean", "medelvärde"),
    "sd": ("sd", "standardavvikelse"),
    "median": ("median", "median"),
    "sigma": ("σ (of the logarithm)", "σ (för logaritmen)"),
    "shape": ("shape", "form"),
    "values": ("values", "värden"),
    "probabilities": ("probabilities", "sannolikheter"),
    "shared": (
        "one draw per trial, the same for every bid",
        "en dragning per försök, densamma för alla anbud",
    ),
    "shared_targets": (
        "one draw per trial, the same for every bid and item it matches",
        "en dragning per försök, densamma för alla anbud och objekt den gäller",
    ),
    "independent": (
        "an independent draw for each bid, item or resource it matches",
        "en oberoende dragning för varje anbud, objekt eller resurs den gäller",
    ),
    "title": ("Monte Carlo assumptions", "Antaganden i Monte Carlo-simuleringen"),
    "parameter": ("Parameter", "Parameter"),
    "distribution": ("Distribution", "Fördelning"),
    "draws": ("Shared by", "Gemensam eller egen dragning"),
    "default": (
        "Default analysis built from the tender (no --spec): these distributions are the "
        "program's assumptions, not the buyer's; write them out with --save-spec and edit them.",
        "Standardanalys byggd från underlaget (ingen --spec): fördelningarna är programmets "
        "antaganden, inte beställarens; spara dem med --save-spec och ändra vid behov.",
    ),
}


def word(key: str, lang: str) -> str:
    pair = _WORDS[key]
    return pair[1] if lang == "sv" else pair[0]


def distribution_text(d: analysis_pb2.ParameterDistribution, lang: str = "en") -> str:
    """The distribution and its parameters, numbers in the parameter's mode (``×0,5``, ``%``)."""
    kind = d.WhichOneof("distribution")
    if kind is None:
        return "–"
    mode, path = mode_name(d.mode), d.path
    body = getattr(d, kind)

    def setting(value: float) -> str:
        return format_setting(value, mode, path, "", lang)

    if kind == "discrete":
        values = ", ".join(setting(v) for v in body.values)
        point = "," if lang == "sv" else "."
        chances = ", ".join(f"{p:.3g}".replace(".", point) for p in body.probabilities)
        return (
            f"{word(kind, lang)}, {word('values', lang)} {values} "
            f"({word('probabilities', lang)} {chances})"
        )
    parts = [word(kind, lang)]
    for field in body.DESCRIPTOR.fields:
        value = getattr(body, field.name)
        if field.name in ("sd", "sigma", "shape"):
            shown = f"{value:.3g}"
            shown = shown.replace(".", ",") if lang == "sv" else shown
            if field.name == "sd" and mode != "scale":
                shown = format_setting(value, "shift", path, "", lang).lstrip("+")
        else:
            shown = setting(value)
        parts.append(f"{word(field.name, lang)} {shown}")
    return ", ".join(parts)


def sharing_text(d: analysis_pb2.ParameterDistribution, lang: str = "en") -> str:
    """Which bids share a draw of the parameter."""
    if d.independent:
        return word("independent", lang)
    return word("shared_targets" if "*" in d.path else "shared", lang)


def distribution_rows(
    spec: analysis_pb2.MonteCarloSpec, lang: str = "en"
) -> list[tuple[str, str, str, str]]:
    """(parameter label, path, distribution, who shares a draw) of every distribution."""
    return [
        (parameter_label(d.path, lang), d.path, distribution_text(d, lang), sharing_text(d, lang))
        for d in spec.distributions
    ]
