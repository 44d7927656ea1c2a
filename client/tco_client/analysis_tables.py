"""Rich tables of a ranking analysis for the terminal (needs rich, the ``cli`` extra)."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from tco_client.analysis import (
    AnalysisResult,
    format_quantity,
    format_switch,
    in_unit,
    mode_name,
    parameter_label,
    variation_label,
)
from tco_client.analysis_assumptions import distribution_rows, word
from tco_client.frames import format_percentages
from tco_client.i18n import format_number

__all__ = ["analysis_summary"]

_LABELS: dict[str, tuple[str, str]] = {
    "base": ("Ranking as stated", "Rangordning enligt underlaget"),
    "bid": ("Bid", "Anbud"),
    "rank": ("Rank", "Rang"),
    "comparison": ("Evaluated cost ({cur})", "Utvärderingspris ({cur})"),
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
    "stated": ("Stated value", "Angivet värde"),
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
    parts: list[RenderableType] = [*_base_table(result, lang)]
    if result.has_monte_carlo:
        parts.append(_assumptions_table(result, lang))
    if len(result.response.sensitivity):
        parts.append(_tornado_table(result, lang))
    if len(result.response.switching):
        parts.append(_switching_table(result, lang))
    if result.has_scenarios:
        parts.append(_scenario_table(result, lang))
    return Group(*parts)


def _table(title: str) -> Table:
    return Table(title=title, title_justify="left", header_style="bold")


def _base_table(result: AnalysisResult, lang: str) -> list[RenderableType]:
    """The ranking as stated, with P(best), P5 and P95 after Monte Carlo; the gap below."""
    cur = result.currency
    base = _table(_label("base", lang))
    base.add_column(_label("rank", lang), justify="right")
    base.add_column(_label("bid", lang))
    base.add_column(_label("comparison", lang, cur=cur), justify="right")
    mc = result.response.monte_carlo if result.has_monte_carlo else None
    if mc is not None:
        base.add_column(_label("win", lang), justify="right", style="bold")
        base.add_column(_label("p5", lang, cur=cur), justify="right")
        base.add_column(_label("p95", lang, cur=cur), justify="right")
        draws = format_number(float(mc.draws), 0, lang)
        base.caption = _label("mc", lang, draws=draws, seed=mc.seed)
    by_bid = {b.bid_id: b for b in mc.bids} if mc is not None else {}
    chance = format_percentages(result.win_probability, lang, decimals=1)["probability_best"]
    order = sorted(result.response.base, key=lambda x: (x.rank, result.bid_ids.index(x.bid_id)))
    for b in order:
        cells: list[str | Text] = [
            str(b.rank) + (" =" if b.tied else ""),
            b.bid_id,
            _money(b.comparison_number, lang),
        ]
        if mc is not None:
            d = by_bid[b.bid_id]
            cells += [
                str(chance[b.bid_id]),
                _money(d.comparison_number.p5, lang),
                _money(d.comparison_number.p95, lang),
            ]
        base.add_row(*cells)
    if mc is None or not mc.HasField("gap"):
        return [base]
    gap = {k: format_number(getattr(mc.gap, k), 0, lang) for k in ("p50", "p5", "p95")}
    return [base, Text(_label("gap", lang, cur=cur, **gap))]


def _assumptions_table(result: AnalysisResult, lang: str) -> Table:
    """Each Monte Carlo distribution: parameter, distribution and who shares a draw."""
    table = _table(word("title", lang))
    table.add_column(word("parameter", lang), overflow="fold", max_width=40)
    table.add_column(word("distribution", lang), overflow="fold")
    table.add_column(word("draws", lang), overflow="fold", max_width=50)
    for name, _path, distribution, sharing in distribution_rows(
        result.request.analysis.monte_carlo, lang
    ):
        table.add_row(name, distribution, sharing)
    return table


def _tornado_table(result: AnalysisResult, lang: str) -> Table:
    """Each parameter's low and high setting: the leader's lead (or the one bid's number)."""
    cur, runner = result.currency, result.runner_up
    title = (
        _label("tornado", lang, leader=result.leader, runner=runner, cur=cur)
        if runner is not None
        else _label("tornado_one", lang, cur=cur)
    )
    tornado = _table(title)
    tornado.add_column(_label("parameter", lang), overflow="fold", max_width=44)
    tornado.add_column(_label("variation", lang))
    tornado.add_column(_label("at_low", lang), justify="right")
    tornado.add_column(_label("at_high", lang), justify="right")
    tornado.add_column(_label("winner", lang))
    for s in result.response.sensitivity:
        if runner is not None:
            low, high = s.gap_low, s.gap_high
        else:
            low, high = s.bids[0].low, s.bids[0].high
        flips = result.leader not in s.best_at_low or result.leader not in s.best_at_high
        style = "bold red" if flips else ""
        tornado.add_row(
            parameter_label(s.path, lang),
            _variation_in_unit(result, s, lang),
            _money(low, lang),
            _money(high, lang),
            Text(f"{', '.join(s.best_at_low)} / {', '.join(s.best_at_high)}", style=style),
        )
    return tornado


def _variation_in_unit(result: AnalysisResult, s: Any, lang: str) -> str:
    """``±20 %`` and, where the parameter has one stated value, the range in its unit:
    ``±20 % (12,48 … 18,72 SEK/l)``."""
    mode, unit = mode_name(s.mode), result.unit(s.path)
    text = variation_label(mode, s.low, s.high, s.path, lang=lang, unit=unit)
    base = result.stated_value(s.path)
    low, high = in_unit(s.low, mode, base), in_unit(s.high, mode, base)
    if mode == "value" or low is None or high is None:
        return text
    low_text = format_quantity(low, s.path, unit, lang)
    high_text = format_quantity(high, s.path, unit, lang)
    shared = high_text.split(" ", 1)[1] if " " in high_text else ""
    if shared and low_text.endswith(" " + shared):
        low_text = low_text.removesuffix(" " + shared)
    return f"{text} ({low_text} … {high_text})"


def _switching_table(result: AnalysisResult, lang: str) -> Table:
    """Where in each searched interval the best bid changes."""
    table = _table(_label("switching", lang))
    table.add_column(_label("parameter", lang), overflow="fold", max_width=44)
    table.add_column(_label("stated", lang), justify="right")
    table.add_column(_label("interval", lang))
    table.add_column(_label("result", lang), overflow="fold")
    for w in result.response.switching:
        mode, unit = mode_name(w.mode), result.unit(w.path)
        base = result.stated_value(w.path)
        interval = variation_label(mode, w.low, w.high, w.path, lang=lang, unit=unit)
        found = "; ".join(
            f"{format_switch(p.value, mode, w.path, unit, base, lang=lang)} "
            f"({p.from_bid_id} → {p.to_bid_id})"
            for p in w.points
        )
        table.add_row(
            parameter_label(w.path, lang),
            format_quantity(base, w.path, unit, lang) if base is not None else "–",
            interval,
            found or f"{_label('none', lang)} ({w.best_at_low})",
        )
    return table


def _scenario_table(result: AnalysisResult, lang: str) -> Table:
    """Bids x scenarios, each scenario's best in green; whether the winners agree below."""
    comparison = result.response.scenarios
    table = _table(_label("scenarios", lang))
    table.add_column(_label("bid", lang))
    for sc in comparison.results:
        table.add_column(f"{sc.name} ({result.currency})", justify="right", overflow="fold")
    for position, bid_id in enumerate(result.bid_ids):
        row: list[str | Text] = [bid_id]
        for sc in comparison.results:
            text = _money(sc.bids[position].comparison_number, lang)
            if bid_id in sc.best_bid_ids:
                text.stylize("bold green")
            row.append(text)
        table.add_row(*row)
    key = "agree" if comparison.winners_agree else "disagree"
    table.caption = _label(key, lang, w=", ".join(comparison.winners))
    return table
