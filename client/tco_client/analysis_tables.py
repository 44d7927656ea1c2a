"""Rich tables of a ranking analysis for the terminal (needs rich, the ``cli`` extra)."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from tco_client.analysis import (
    AnalysisResult,
    format_setting,
    mode_name,
    parameter_label,
    variation_label,
)
from tco_client.i18n import format_number

__all__ = ["analysis_summary"]

_LABELS: dict[str, tuple[str, str]] = {
    "base": ("Ranking as stated", "Rangordning enligt underlaget"),
    "bid": ("Bid", "Anbud"),
    "rank": ("Rank", "Rang"),
    "comparison": ("Comparison number ({cur})", "Utvärderingspris ({cur})"),
    "win": ("P(best)", "P(bäst)"),
    "p5": ("P5 ({cur})", "P5 ({cur})"),
    "p95": ("P95 ({cur})", "P95 ({cur})"),
    "mc": (
        "Monte Carlo: {draws} draws, seed {seed}",
        "Monte Carlo: {draws} dragningar, slumpfrö {seed}",
    ),
    "gap": (
        "Gap between the best two: median {p50}, P5 {p5}, P95 {p95} {cur}",
        "Skillnad mellan de två bästa: median {p50}, P5 {p5}, P95 {p95} {cur}",
    ),
    "tornado": (
        "Sensitivity: lead of {leader} over {runner} ({cur})",
        "Känslighet: försprånget för {leader} framför {runner} ({cur})",
    ),
    "tornado_one": ("Sensitivity ({cur})", "Känslighet ({cur})"),
    "parameter": ("Parameter", "Parameter"),
    "variation": ("Variation", "Variation"),
    "at_low": ("At low", "Vid låg"),
    "at_high": ("At high", "Vid hög"),
    "winner": ("Best (low / high)", "Bäst (låg / hög)"),
    "switching": ("Switching values", "Brytpunkter"),
    "interval": ("Searched", "Sökt intervall"),
    "result": ("Best bid changes at", "Bästa anbud byts vid"),
    "none": ("no switch in the interval", "ingen brytpunkt i intervallet"),
    "scenarios": ("Scenarios", "Scenarier"),
    "agree": ("The scenarios agree on the winner: {w}", "Scenarierna är eniga om vinnaren: {w}"),
    "disagree": (
        "The scenarios do NOT agree on the winner: {w}",
        "Scenarierna är INTE eniga om vinnaren: {w}",
    ),
}


def _label(key: str, lang: str, **values: object) -> str:
    pair = _LABELS[key]
    return (pair[1] if lang == "sv" else pair[0]).format(**values)


def _money(value: float, lang: str) -> Text:
    return Text(format_number(value, 0, lang), no_wrap=True)


def analysis_summary(result: AnalysisResult, lang: str = "en") -> RenderableType:
    """The base ranking with Monte Carlo columns, the tornado, switching values and scenarios."""
    cur = result.currency
    response = result.response
    parts: list[RenderableType] = []

    base = Table(title=_label("base", lang), title_justify="left", header_style="bold")
    base.add_column(_label("rank", lang), justify="right")
    base.add_column(_label("bid", lang))
    base.add_column(_label("comparison", lang, cur=cur), justify="right")
    mc = response.monte_carlo if result.has_monte_carlo else None
    if mc is not None:
        base.add_column(_label("win", lang), justify="right", style="bold")
        base.add_column(_label("p5", lang, cur=cur), justify="right")
        base.add_column(_label("p95", lang, cur=cur), justify="right")
    by_bid = {b.bid_id: b for b in mc.bids} if mc is not None else {}
    for b in sorted(response.base, key=lambda x: (x.rank, result.bid_ids.index(x.bid_id))):
        cells: list[str | Text] = [
            str(b.rank) + (" =" if b.tied else ""),
            b.bid_id,
            _money(b.comparison_number, lang),
        ]
        if mc is not None:
            d = by_bid[b.bid_id]
            cells += [
                f"{format_number(100 * d.probability_best, 1, lang)} %",
                _money(d.comparison_number.p5, lang),
                _money(d.comparison_number.p95, lang),
            ]
        base.add_row(*cells)
    if mc is not None:
        base.caption = _label(
            "mc", lang, draws=format_number(float(mc.draws), 0, lang), seed=mc.seed
        )
    parts.append(base)
    if mc is not None and mc.HasField("gap"):
        parts.append(
            Text(
                _label(
                    "gap",
                    lang,
                    p50=format_number(mc.gap.p50, 0, lang),
                    p5=format_number(mc.gap.p5, 0, lang),
                    p95=format_number(mc.gap.p95, 0, lang),
                    cur=cur,
                )
            )
        )

    if len(response.sensitivity):
        runner = result.runner_up
        title = (
            _label("tornado", lang, leader=result.leader, runner=runner, cur=cur)
            if runner is not None
            else _label("tornado_one", lang, cur=cur)
        )
        tornado = Table(title=title, title_justify="left", header_style="bold")
        tornado.add_column(_label("parameter", lang), overflow="fold", max_width=44)
        tornado.add_column(_label("variation", lang))
        tornado.add_column(_label("at_low", lang), justify="right")
        tornado.add_column(_label("at_high", lang), justify="right")
        tornado.add_column(_label("winner", lang))
        for s in response.sensitivity:
            mode = mode_name(s.mode)
            if runner is not None:
                low, high = s.gap_low, s.gap_high
            else:
                low, high = s.bids[0].low, s.bids[0].high
            flips = result.leader not in s.best_at_low or result.leader not in s.best_at_high
            style = "bold red" if flips else ""
            tornado.add_row(
                parameter_label(s.path, lang),
                variation_label(mode, s.low, s.high, s.path, lang=lang, unit=result.unit(s.path)),
                _money(low, lang),
                _money(high, lang),
                Text(f"{', '.join(s.best_at_low)} / {', '.join(s.best_at_high)}", style=style),
            )
        parts.append(tornado)

    if len(response.switching):
        table = Table(title=_label("switching", lang), title_justify="left", header_style="bold")
        table.add_column(_label("parameter", lang), overflow="fold", max_width=44)
        table.add_column(_label("interval", lang))
        table.add_column(_label("result", lang), overflow="fold")
        for w in response.switching:
            mode = mode_name(w.mode)
            unit = result.unit(w.path)

            def show(value: float, mode: str = mode, path: str = w.path, unit: str = unit) -> str:
                return format_setting(value, mode, path, unit, lang)

            interval = variation_label(mode, w.low, w.high, w.path, lang=lang, unit=unit)
            if w.points:
                found = "; ".join(
                    f"{show(p.value)} ({p.from_bid_id} → {p.to_bid_id})" for p in w.points
                )
            else:
                found = f"{_label('none', lang)} ({w.best_at_low})"
            table.add_row(parameter_label(w.path, lang), interval, found)
        parts.append(table)

    if result.has_scenarios:
        comparison = response.scenarios
        table = Table(title=_label("scenarios", lang), title_justify="left", header_style="bold")
        table.add_column(_label("bid", lang))
        for sc in comparison.results:
            table.add_column(f"{sc.name} ({cur})", justify="right", overflow="fold")
        for position, bid_id in enumerate(result.bid_ids):
            row: list[str | Text] = [bid_id]
            for sc in comparison.results:
                outcome = sc.bids[position]
                text = _money(outcome.comparison_number, lang)
                if bid_id in sc.best_bid_ids:
                    text.stylize("bold green")
                row.append(text)
            table.add_row(*row)
        winners = ", ".join(comparison.winners)
        key = "agree" if comparison.winners_agree else "disagree"
        table.caption = _label(key, lang, w=winners)
        parts.append(table)
    return Group(*parts)
