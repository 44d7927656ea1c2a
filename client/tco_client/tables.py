"""Rich tables for the terminal (needs rich, the ``cli`` extra): the ranking of an evaluation,
its warnings and digests, and the server's reference data."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from tco_client.frames import format_percentages
from tco_client.i18n import column_label, format_number, format_percent, label, text
from tco_client.i18n_messages import warning_text
from tco_client.result import EvaluationResult
from tcoapi.v1 import reference_pb2

#: Below this console width the ranking shows money in thousands and a narrower supplier column.
COMPACT_WIDTH = 140


def ranking_table(result: EvaluationResult, lang: str = "en", *, width: int | None = None) -> Table:
    """Rank, bid, supplier, life-cycle cost, climate cost, (other externalities, deductions when
    any bid has them), evaluated cost, difference to best, emissions — currency in headers.

    Numbers are never cut: on a console narrower than :data:`COMPACT_WIDTH` money is shown in
    thousands (``kSEK`` / ``tkr``) instead."""
    cur = result.currency
    frame = result.ranking
    compact = width is not None and width < COMPACT_WIDTH
    show_ext = bool((frame[f"externality_cost_{cur}"] != 0).any())
    show_ded = bool((frame[f"deductions_{cur}"] != 0).any())
    method = result.request.method
    title = (
        f"{text('ranking', lang)} — {method.study_period_years} "
        f"{'år' if lang == 'sv' else 'years'}, "
        f"{'kalkylränta' if lang == 'sv' else 'discount rate'} "
        f"{format_percent(method.discount_rate, 1, lang)}"
    )
    divisor = 1000.0 if compact else 1.0
    unit = ("tkr" if lang == "sv" and cur == "SEK" else f"k{cur}") if compact else cur
    table = Table(title=title, title_justify="left", header_style="bold", show_lines=False)
    table.add_column(label("rank", lang), justify="right", no_wrap=True)
    table.add_column(label("bid_id", lang), overflow="fold")
    table.add_column(label("supplier", lang), overflow="fold", max_width=20 if compact else 36)
    money = [f"life_cycle_cost_{cur}", f"climate_cost_{cur}"]
    if show_ext:
        money.append(f"externality_cost_{cur}")
    if show_ded:
        money.append(f"deductions_{cur}")
    money.append(f"evaluated_cost_{cur}")
    for column in money:
        style = "bold" if column.startswith("evaluated_cost") else None
        header = column_label(column, lang).replace(f"({cur})", f"({unit})")
        table.add_column(Text(header, overflow="fold"), justify="right", style=style)
    table.add_column(Text(label("difference_to_best", lang), overflow="fold"), justify="right")
    table.add_column(
        Text(f"{label('emissions_total', lang)} (t CO2e)", overflow="fold"), justify="right"
    )

    def number(value: float, decimals: int) -> Text:
        # A number is never wrapped at its group separators, nor cut with an ellipsis.
        return Text(format_number(value, decimals, lang), no_wrap=True, overflow="fold")

    shown = format_percentages(frame[["difference_to_best_share"]], lang, decimals=1)
    for (bid_id, values), share in zip(
        frame.to_dict("index").items(), shown["difference_to_best_share"], strict=True
    ):
        rank = str(values["rank"]) + (" =" if values["tied"] else "")
        cells: list[str | Text] = [rank, str(bid_id), str(values["supplier"])]
        cells += [number(float(values[c]) / divisor, 0) for c in money]
        cells.append(Text(str(share), no_wrap=True, overflow="fold"))
        cells.append(number(float(values["emissions_total_kgCO2e"]) / 1000, 1))
        table.add_row(*cells)
    if bool(frame["tied"].any()):
        table.caption = (
            "= lika utvärderingspris (oavgjort, inte brutet)"
            if lang == "sv"
            else "= equal evaluated cost (a tie, not broken)"
        )
    return table


def warnings_text(result: EvaluationResult, lang: str = "en") -> RenderableType:
    if not len(result.response.warnings):
        return Text(text("no_warnings", lang), style="dim")
    lines = [Text(text("warnings", lang) + ":", style="bold yellow")]
    for w in result.response.warnings:
        where = f" [{w.bid_id}]" if w.bid_id else ""
        message = warning_text(w.code, w.message, lang)
        lines.append(Text(f"  {w.code}{where}: {message}", style="yellow"))
    return Group(*lines)


def digests_text(result: EvaluationResult, lang: str = "en") -> RenderableType:
    return Group(
        Text(f"{text('method_digest', lang)}: {result.method_digest}", style="dim"),
        Text(f"{text('request_digest', lang)}: {result.request_digest}", style="dim"),
        Text(f"{text('engine_version', lang)}: {result.engine_version}", style="dim"),
    )


def _reference_table(title: str, data_version: str = "", *, lines: bool = True) -> Table:
    """An empty table of reference data, the data version (when given) in the title."""
    title += f" (data {data_version})" if data_version else ""
    return Table(title=title, title_justify="left", header_style="bold", show_lines=lines)


def carbon_series_table(
    response: reference_pb2.ListCarbonPriceSeriesResponse, lang: str = "en"
) -> Table:
    title = "Koldioxidprisserier" if lang == "sv" else "Carbon price series"
    table = _reference_table(title, response.data_version)
    table.add_column(label("id", lang), no_wrap=True)
    table.add_column(label("name", lang), overflow="fold")
    table.add_column(label("price_base_year", lang), justify="right")
    table.add_column(label("points", lang), overflow="fold")
    table.add_column(label("source", lang), overflow="fold")
    all_years = "alla år" if lang == "sv" else "all years"

    def point_text(year: int, value: float, unit: str) -> str:
        return f"{year or all_years}: {format_number(value, 2 if value < 100 else 0, lang)} {unit}"

    for s in response.series:
        points = "\n".join(point_text(p.year, p.price.value, p.price.unit) for p in s.points)
        source = s.source + (f"\n{s.notes}" if s.notes else "")
        base = str(s.price_base_year) if s.price_base_year else "–"
        table.add_row(s.id, s.name, base, points, source)
    return table


def emission_factors_table(
    response: reference_pb2.ListEmissionFactorsResponse, lang: str = "en"
) -> Table:
    title = "Emissionsfaktorer" if lang == "sv" else "Emission factors"
    table = _reference_table(title, response.data_version)
    table.add_column(label("id", lang), no_wrap=True)
    table.add_column(label("resource", lang))
    table.add_column(label("factor", lang), justify="right")
    table.add_column(label("basis", lang), overflow="fold")
    table.add_column(label("period", lang))
    table.add_column(label("source", lang), overflow="fold")
    for f in response.factors:
        table.add_row(
            f.id,
            f.resource,
            f"{format_number(f.factor.value, 3, lang)} {f.factor.unit}",
            f.basis,
            f.period or "–",
            f.source,
        )
    return table


def energy_contents_table(
    response: reference_pb2.ListEmissionFactorsResponse, lang: str = "en"
) -> Table:
    title = "Energiinnehåll" if lang == "sv" else "Energy contents"
    table = _reference_table(title, lines=False)
    table.add_column(label("id", lang), no_wrap=True)
    table.add_column(label("fuel", lang))
    table.add_column(label("content", lang), justify="right")
    table.add_column(label("source", lang), overflow="fold")
    for e in response.energy_contents:
        table.add_row(
            e.id, e.fuel, f"{format_number(e.content.value, 0, lang)} {e.content.unit}", e.source
        )
    return table
