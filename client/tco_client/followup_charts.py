"""The follow-up chart (needs matplotlib, the ``report`` extra; a Figure on an Agg canvas, drawn
once, no pyplot): one PNG of four panels, Swedish or English.

- **use**: the cumulative actual use of each promise against the cumulative promise adjusted to
  actual conditions (solid) and unadjusted (dotted), at each settlement period's end;
- **cost** and **emissions**: the same valued at the contract's price and emission factor (as
  the report valued the deviations: :meth:`~tco_client.followup_result.FollowUpReport.unit_rates`),
  summed over the promises;
- **deviation per settlement period**: the deviation from the adjusted promise in % per period
  and promise, the tolerance band shaded, bars coloured by the outcome (shortfall, savings,
  within the band) and hatched where the period is not settled (low coverage).

The PNG carries no timestamp or software tag: the same report gives the same bytes. Numbers on the
axes follow the language (``1 234`` with a decimal comma in Swedish).
"""

# ruff: noqa: PLC0415 - matplotlib (the report extra) is imported lazily
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from tco_client.followup_result import FollowUpReport
from tco_client.i18n import format_number, resource_label
from tco_client.i18n_followup import fu_text, outcome_label
from tco_client.safe_output import write_file

if TYPE_CHECKING:
    from matplotlib.axes import Axes

#: Okabe–Ito, colour-blind safe.
_LINES = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"]
_OUTCOME_COLOURS = {
    "within_band": "#009E73",
    "shortfall": "#D55E00",
    "savings": "#0072B2",
    "not_settled": "#999999",
}


def _formatter(lang: str, decimals: int = 0, *, percent: bool = False) -> Any:
    from matplotlib.ticker import FuncFormatter

    def fmt(value: float, _pos: int) -> str:
        if percent:
            return f"{format_number(value * 100, decimals, lang)}\u00a0%"
        return format_number(value, decimals, lang)

    return FuncFormatter(fmt)


def _style(ax: Axes, title: str, ylabel: str, lang: str, *, percent: bool = False) -> None:
    ax.set_title(title, fontsize=10, loc="left")
    ax.set_ylabel(ylabel, fontsize=9)
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)
    ax.grid(axis="y", color="#DDDDDD", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.yaxis.set_major_formatter(_formatter(lang, 1 if percent else 0, percent=percent))
    ax.tick_params(labelsize=8)


def _ends(report: FollowUpReport) -> list[pd.Timestamp]:
    """The contract start and each period's end, as naive UTC times for the x axis."""
    frame = report.periods.reset_index()
    start = report.commitment.contract_start_time
    first = pd.Timestamp(start.seconds * 10**9 + start.nanos) if start.seconds else None
    ends = [pd.Timestamp(e).tz_localize(None) for e in frame["end"].drop_duplicates()]
    if first is None and len(frame):
        first = pd.Timestamp(frame["start"].iloc[0]).tz_localize(None)
    return ([first] if first is not None else []) + ends


def _running(report: FollowUpReport) -> pd.DataFrame:
    totals = report.running_totals()
    if not totals.empty:
        totals["end"] = [pd.Timestamp(e).tz_localize(None) for e in totals["end"]]
    return totals


def _use_panel(ax: Axes, report: FollowUpReport, totals: pd.DataFrame, lang: str) -> None:
    ends = _ends(report)
    units = []
    for n, ((item, resource), group) in enumerate(totals.groupby(["item", "resource"], sort=False)):
        colour = _LINES[n % len(_LINES)]
        x = [ends[0], *group["end"]]
        name = resource_label(str(resource), lang) + (
            f" · {str(item)[:30]}" if len(totals) > len(ends) else ""
        )
        ax.plot(x, [0, *group["observed"]], color=colour, marker="o", linewidth=2,
                label=f"{name}: {fu_text('chart_actual', lang)}")  # fmt: skip
        ax.plot(x, [0, *group["expected"]], color=colour, linestyle="--", linewidth=1.5,
                label=f"{name}: {fu_text('chart_promised', lang)}")  # fmt: skip
        if not group["raw_promise"].equals(group["expected"]):
            ax.plot(x, [0, *group["raw_promise"]], color=colour, linestyle=":", linewidth=1,
                    label=f"{name}: {fu_text('chart_raw', lang)}")  # fmt: skip
        units.append(str(group["unit"].iloc[0]))
    _style(ax, fu_text("chart_energy", lang), " / ".join(dict.fromkeys(units)), lang)
    ax.legend(fontsize=7, frameon=False, loc="upper left")


def _valued_panel(
    ax: Axes, report: FollowUpReport, totals: pd.DataFrame, kind: str, lang: str
) -> None:
    """Cost (``money``) or emissions (``kgCO2e``) summed over the promises."""
    ends = _ends(report)
    columns = [f"observed_{kind}", f"expected_{kind}", f"raw_promise_{kind}"]
    # each promise's running total holds from its last period on (a promise without an outcome
    # in a later period still counts what it had), then the promises are summed
    summed = pd.DataFrame(
        {
            column: totals.pivot_table(
                index="end", columns=["item", "resource"], values=column, aggfunc="sum"
            )
            .sort_index()
            .ffill()
            .sum(axis=1)
            for column in columns
        }
    )
    x = [ends[0], *summed.index]
    colour = "#0072B2" if kind == "money" else "#009E73"
    ax.plot(x, [0, *summed[f"observed_{kind}"]], color=colour, marker="o", linewidth=2,
            label=fu_text("chart_actual", lang))  # fmt: skip
    ax.plot(x, [0, *summed[f"expected_{kind}"]], color=colour, linestyle="--", linewidth=1.5,
            label=fu_text("chart_promised", lang))  # fmt: skip
    if not summed[f"raw_promise_{kind}"].equals(summed[f"expected_{kind}"]):
        ax.plot(x, [0, *summed[f"raw_promise_{kind}"]], color=colour, linestyle=":",
                linewidth=1, label=fu_text("chart_raw", lang))  # fmt: skip
    title = "chart_cost" if kind == "money" else "chart_emissions"
    unit = report.currency if kind == "money" else "kg CO2e"
    _style(ax, fu_text(title, lang), unit, lang)
    ax.legend(fontsize=7, frameon=False, loc="upper left")


def _deviation_panel(ax: Axes, report: FollowUpReport, lang: str) -> None:
    frame = report.periods.reset_index()
    labels = list(dict.fromkeys(frame["period"]))
    promises = list(dict.fromkeys(zip(frame["item"], frame["resource"], strict=True)))
    width = 0.8 / max(len(promises), 1)
    tolerances = report.terms["tolerance"] if len(report.terms) else pd.Series(dtype=float)
    band = float(tolerances.max()) if len(tolerances) else 0.0
    if band > 0:
        ax.axhspan(-band, band, color="#DDDDDD", alpha=0.6, label=fu_text("chart_band", lang))
    seen: set[str] = set()
    for n, (item, resource) in enumerate(promises):
        rows = frame[(frame["item"] == item) & (frame["resource"] == resource)]
        for _, row in rows.iterrows():
            x = labels.index(row["period"]) - 0.4 + width * (n + 0.5)
            outcome = str(row["outcome"])
            settled = bool(row["settled"])
            key = outcome if settled else "not_settled"
            ax.bar(
                x,
                row["deviation_share"],
                width=width * 0.9,
                color=_OUTCOME_COLOURS.get(key, "#999999"),
                hatch="" if settled else "//",
                edgecolor="#555555" if not settled else None,
                label=None if key in seen else _outcome_legend(key, lang),
            )
            seen.add(key)
            share = f"{format_number(row['deviation_share'] * 100, 1, lang)}\u00a0%"
            named = (
                f"{resource_label(str(resource), lang)}\n{share}" if len(promises) > 1 else share
            )
            ax.annotate(
                named,
                xy=(x, row["deviation_share"]),
                xytext=(0, 3 if row["deviation_share"] >= 0 else -3),
                textcoords="offset points",
                ha="center",
                va="bottom" if row["deviation_share"] >= 0 else "top",
                fontsize=7.5,
            )
    ax.axhline(0, color="#555555", linewidth=0.8)
    ax.margins(y=0.15)
    ax.set_xticks(range(len(labels)), labels)
    _style(ax, fu_text("chart_deviation", lang), "%", lang, percent=True)
    ax.legend(fontsize=7, frameon=False, loc="best")


def _outcome_legend(key: str, lang: str) -> str:
    return fu_text("chart_not_settled", lang) if key == "not_settled" else outcome_label(key, lang)


def draw_followup_figure(report: FollowUpReport, lang: str = "en") -> Any:
    """The four panels as a matplotlib Figure (Agg canvas)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12, 8.5))
    FigureCanvasAgg(fig)
    axes = fig.subplots(2, 2)
    totals = _running(report)
    if not totals.empty:
        _use_panel(axes[0][0], report, totals, lang)
        _valued_panel(axes[0][1], report, totals, "money", lang)
        _valued_panel(axes[1][0], report, totals, "kgCO2e", lang)
        ticks = _ends(report)
        names = [fu_text("contract_start_short", lang), *dict.fromkeys(report.period_labels)]
        for ax in (axes[0][0], axes[0][1], axes[1][0]):
            ax.set_xticks(ticks, names[: len(ticks)])
        _deviation_panel(axes[1][1], report, lang)
    title = f"{fu_text('title', lang)}: {report.commitment.name}"
    fig.suptitle(title, fontsize=11, x=0.01, ha="left")
    fig.text(0.01, 0.005, fu_text("chart_valued_note", lang), fontsize=8, color="#555555")
    fig.tight_layout(rect=(0, 0.02, 1, 0.97))
    return fig


def write_followup_chart(report: FollowUpReport, path: str | Path, *, lang: str = "en") -> Path:
    """Draw the chart once and write it to ``path`` (PNG), whole or not at all."""
    fig = draw_followup_figure(report, lang)
    try:
        return write_file(
            path,
            lambda f: fig.savefig(f, format="png", dpi=130, metadata={"Software": None}),
        )
    finally:
        fig.clear()
