"""PNG charts of a ranking analysis (needs matplotlib, the ``report`` extra; headless Agg).

- :func:`tornado_chart`: what moves the lead of the best bid over the runner-up. One bar per
  parameter (largest swing on top), from the gap at the low setting to the gap at the high
  setting, around the gap as stated; a line at zero marks where the runner-up would win. With
  one bid, the bars show that bid's comparison number instead.
- :func:`win_probability_chart`: Monte Carlo. Left, the probability that each bid is best (with
  a 95 % interval of the estimate); right, P5–P95 of each bid's comparison number with the
  median.

:func:`write_analysis_charts` writes both into a directory (``tornado.png``,
``win-probability.png``; the second only when the analysis ran Monte Carlo). Labels follow
``lang`` ("en" or "sv"), money on the axes in the currency with Swedish number formatting in sv.
The PNGs carry no timestamp: the same analysis gives the same bytes.
"""

# ruff: noqa: PLC0415 - matplotlib (the report extra) is imported lazily
from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tco_client.analysis import AnalysisResult, parameter_label, variation_label
from tco_client.charts import _axis_formatter, _finish, _plt, _scale, _style_axes
from tco_client.i18n import format_number

__all__ = [
    "ANALYSIS_CHART_NAMES",
    "tornado_chart",
    "win_probability_chart",
    "write_analysis_charts",
]

ANALYSIS_CHART_NAMES = {"tornado": "tornado.png", "win_probability": "win-probability.png"}

_LOW = "#0072B2"  # Okabe-Ito blue
_HIGH = "#E69F00"  # Okabe-Ito orange
_FLIP = "#D55E00"
_TEXT: dict[str, tuple[str, str]] = {
    "tornado_title": (
        "What moves the lead of {leader} over {runner}?",
        "Vad påverkar försprånget för {leader} framför {runner}?",
    ),
    "tornado_title_one": (
        "What moves the evaluated cost of {leader}?",
        "Vad påverkar utvärderingspriset för {leader}?",
    ),
    "tornado_axis": (
        "Lead: evaluated cost of {runner} minus {leader} ({unit})",
        "Försprång: utvärderingspris för {runner} minus {leader} ({unit})",
    ),
    "tornado_axis_one": ("Evaluated cost ({unit})", "Utvärderingspris ({unit})"),
    "low": ("low setting", "låg inställning"),
    "high": ("high setting", "hög inställning"),
    "as_stated": ("as stated", "enligt underlaget"),
    "flips": ("{runner} wins left of this line", "{runner} vinner till vänster om linjen"),
    "flip_mark": ("winner changes", "vinnaren byts"),
    "tornado_note": (
        "One parameter at a time, the others as stated. Bars: gap at the low and the high setting.",
        "En parameter i taget, övriga enligt underlaget. Staplar: försprånget vid låg och hög "
        "inställning.",
    ),
    "win_suptitle": (
        "How sure is the ranking? Monte Carlo, {draws} draws",
        "Hur säker är rangordningen? Monte Carlo, {draws} dragningar",
    ),
    "win_title": ("Probability of being the best bid", "Sannolikhet att vara bästa anbud"),
    "win_axis": ("Probability of being best (%)", "Sannolikhet att vara bäst (%)"),
    "range_title": ("Evaluated cost, P5–P95 and median", "Utvärderingspris, P5–P95 och median"),
    "range_axis": ("Evaluated cost ({unit})", "Utvärderingspris ({unit})"),
    "median": ("median", "median"),
    "win_note": (
        "Seed {seed}. Each uncertain input is drawn once per trial for all bids, unless the "
        "analysis draws it per bid or item (see the assumptions table); a tie at the top counts "
        "evenly. Error bars: 95 % confidence interval of the estimated probability.",
        "Slumpfrö {seed}. Varje osäker indata dras en gång per försök för alla anbud, om inte "
        "analysen drar den per anbud eller objekt (se antagandena); delad förstaplats räknas "
        "lika. Felstaplar: 95 %-konfidensintervall för den skattade sannolikheten.",
    ),
}


def _label(key: str, lang: str, **values: Any) -> str:
    pair = _TEXT[key]
    return (pair[1] if lang == "sv" else pair[0]).format(**values)


def _bar_label(row: Mapping[Any, Any], lang: str, unit: str) -> str:
    path = str(row["parameter"])
    name = parameter_label(path, lang)
    variation = variation_label(
        str(row["mode"]), float(row["low"]), float(row["high"]), path, lang=lang, unit=unit
    )
    return "\n".join(textwrap.wrap(f"{name} ({variation})", 38))


def tornado_chart(result: AnalysisResult, path: str | Path, *, lang: str = "en") -> Path:
    """Horizontal tornado of the gap between the best two (see the module docstring)."""
    plt = _plt()
    cur = result.currency
    tornado = result.tornado
    tornado_bids = result.tornado_bids
    leader = result.leader
    runner = result.runner_up
    rows = list(tornado.to_dict("records"))
    n = len(rows)
    fig, ax = plt.subplots(figsize=(10.5, max(3.2, 1.2 + 0.62 * n)))
    if runner is not None:
        base = float(rows[0][f"gap_base_{cur}"]) if rows else 0.0
        lows = [float(r[f"gap_low_{cur}"]) for r in rows]
        highs = [float(r[f"gap_high_{cur}"]) for r in rows]
    else:
        one = tornado_bids[tornado_bids["bid_id"] == leader]
        base = float(one[f"base_{cur}"].iloc[0]) if len(one) else 0.0
        lows = [float(v) for v in one[f"low_{cur}"]]
        highs = [float(v) for v in one[f"high_{cur}"]]
    extent = max([abs(base), *map(abs, lows), *map(abs, highs), 1.0])
    divisor, unit = _scale(extent, cur, lang)
    positions = list(range(n))[::-1]  # the largest swing on top
    half = 0.36
    flipping: list[bool] = []
    for y, low, high, row in zip(positions, lows, highs, rows, strict=True):
        flips = runner is not None and (
            leader not in str(row["best_at_low"]).split(", ")
            or leader not in str(row["best_at_high"]).split(", ")
        )
        for value, colour, offset in ((low, _LOW, half / 2), (high, _HIGH, -half / 2)):
            ax.barh(y + offset, value - base, left=base, height=half, color=colour)
            right = value >= base
            ax.annotate(
                format_number(value / divisor, 1 if divisor > 1 else 0, lang),
                xy=(value, y + offset),
                xytext=(4 if right else -4, 0),
                textcoords="offset points",
                ha="left" if right else "right",
                va="center",
                fontsize=8,
                color=colour,
            )
        flipping.append(flips)
    ax.set_yticks(positions)
    ax.set_yticklabels(
        [
            _bar_label(r, lang, result.unit(str(r["parameter"])))
            + (f"\n⇄ {_label('flip_mark', lang)}" if flip else "")
            for r, flip in zip(rows, flipping, strict=True)
        ],
        fontsize=9,
    )
    for tick, flip in zip(ax.get_yticklabels(), flipping, strict=True):
        if flip:
            tick.set_color(_FLIP)
    ax.axvline(
        base, color="#444444", linewidth=1.0, linestyle="--", label=_label("as_stated", lang)
    )
    if runner is not None:
        ax.axvline(0.0, color=_FLIP, linewidth=1.6, label=_label("flips", lang, runner=runner))
        title = _label("tornado_title", lang, leader=leader, runner=runner)
        xlabel = _label("tornado_axis", lang, leader=leader, runner=runner, unit=unit)
    else:
        title = _label("tornado_title_one", lang, leader=leader)
        xlabel = _label("tornado_axis_one", lang, unit=unit)
    ax.set_title(title, fontsize=12, loc="left", y=1.0)
    ax.set_xlabel(xlabel)
    ax.xaxis.set_major_formatter(_axis_formatter(divisor, lang, 1 if divisor > 1 else 0))
    low_x, high_x = ax.get_xlim()
    pad = 0.12 * (high_x - low_x)
    ax.set_xlim(min(low_x, 0.0) - pad, max(high_x, 0.0) + pad)
    ax.set_ylim(-0.8, n - 0.2)
    _style_axes(ax, bars="horizontal")
    from matplotlib.patches import Patch

    handles, names = ax.get_legend_handles_labels()
    handles += [Patch(color=_LOW), Patch(color=_HIGH)]
    names += [_label("low", lang), _label("high", lang)]
    ax.legend(
        handles, names, frameon=False, fontsize=8.5, loc="upper left", bbox_to_anchor=(1.01, 1.0)
    )
    return _finish(fig, Path(path), _label("tornado_note", lang))


def win_probability_chart(result: AnalysisResult, path: str | Path, *, lang: str = "en") -> Path:
    """Probability of being best per bid, and P5–P95 of the comparison numbers."""
    plt = _plt()
    cur = result.currency
    win = result.win_probability
    pct = result.percentiles
    order = win.sort_values("probability_best", ascending=True, kind="stable")
    ids = [str(b) for b in order.index]
    n = len(ids)
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(11.5, max(3.2, 1.4 + 0.55 * n)), gridspec_kw={"width_ratios": [1, 1.25]}
    )
    probability = [100.0 * float(p) for p in order["probability_best"]]
    error = [196.0 * float(e) for e in order["standard_error"]]
    y = list(range(n))
    labels = []
    for bid_id in ids:
        supplier = result.supplier(bid_id)
        name = f"{bid_id} — {supplier}" if supplier else bid_id
        labels.append("\n".join(textwrap.wrap(name, 26)))
    left.barh(y, probability, height=0.6, color="#009E73", xerr=error, ecolor="#333333", capsize=3)
    for yy, value, spread in zip(y, probability, error, strict=True):
        left.annotate(
            f"{format_number(value, 1, lang)} %",
            xy=(min(value + spread, 100.0), yy),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontsize=9,
            fontweight="bold",
        )
    left.set_yticks(y)
    left.set_yticklabels(labels, fontsize=9)
    left.set_xlim(0, 118)
    left.set_xticks([0, 25, 50, 75, 100])
    left.set_xlabel(_label("win_axis", lang))
    draws = format_number(float(result.response.monte_carlo.draws), 0, lang)
    fig.suptitle(_label("win_suptitle", lang, draws=draws), fontsize=12, x=0.01, ha="left")
    left.set_title(_label("win_title", lang), fontsize=10.5, loc="left", y=1.0)
    _style_axes(left, bars="horizontal")

    by_id = {str(b): r for b, r in pct.to_dict("index").items()}
    extent = max(
        [abs(float(by_id[b][f"p95_{cur}"])) for b in ids if b in by_id]
        + [abs(float(by_id[b][f"p5_{cur}"])) for b in ids if b in by_id]
        + [1.0]
    )
    divisor, unit = _scale(extent, cur, lang)
    for yy, bid_id in zip(y, ids, strict=True):
        row = by_id.get(bid_id)
        if row is None:
            continue
        p5, p50, p95 = (float(row[f"{k}_{cur}"]) for k in ("p5", "p50", "p95"))
        right.plot(
            [p5, p95], [yy, yy], color="#0072B2", linewidth=5, solid_capstyle="butt", alpha=0.55
        )
        right.plot([p50], [yy], marker="o", color="#0072B2", markersize=7)
        for value, ha, dx in ((p5, "right", -5), (p95, "left", 5)):
            right.annotate(
                format_number(value / divisor, 1 if divisor > 1 else 0, lang),
                xy=(value, yy),
                xytext=(dx, 0),
                textcoords="offset points",
                ha=ha,
                va="center",
                fontsize=8,
                color="#333333",
            )
    right.set_yticks(y)
    right.set_yticklabels([])
    right.set_ylim(-0.6, n - 0.4)
    left.set_ylim(-0.6, n - 0.4)
    right.set_xlabel(_label("range_axis", lang, unit=unit))
    right.set_title(_label("range_title", lang), fontsize=10.5, loc="left", y=1.0)
    right.xaxis.set_major_formatter(_axis_formatter(divisor, lang, 1 if divisor > 1 else 0))
    low_x, high_x = right.get_xlim()
    pad = 0.14 * (high_x - low_x)
    right.set_xlim(low_x - pad, high_x + pad)
    _style_axes(right, bars="horizontal")
    note = _label("win_note", lang, seed=result.response.monte_carlo.seed)
    return _finish(fig, Path(path), "\n".join(textwrap.wrap(note, 150)))


def write_analysis_charts(
    result: AnalysisResult, directory: str | Path, *, lang: str = "en"
) -> list[Path]:
    """Write the tornado chart (when there is sensitivity data) and the win-probability chart
    (when the analysis ran Monte Carlo) into ``directory``; returns their paths."""
    folder = Path(directory)
    written: list[Path] = []
    if len(result.response.sensitivity):
        written.append(tornado_chart(result, folder / ANALYSIS_CHART_NAMES["tornado"], lang=lang))
    if result.has_monte_carlo:
        written.append(
            win_probability_chart(
                result, folder / ANALYSIS_CHART_NAMES["win_probability"], lang=lang
            )
        )
    return written
