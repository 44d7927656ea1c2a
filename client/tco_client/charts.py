"""PNG charts of an evaluation (needs matplotlib, the ``report`` extra; headless Agg backend).

Three charts, each a function returning the written path:

- :func:`cumulative_cost_chart` — cumulative present value per bid over the study period (line;
  x = calendar year, y = money in the method currency). Includes the monetised externalities
  (climate cost) when the method prices them, and says so in the title.
- :func:`cost_by_category_chart` — present value by cost category per bid (stacked bars; residual
  value stacks below zero), with the life-cycle cost total printed above each bar.
- :func:`emissions_by_module_chart` — climate impact by EN 15978 module per bid (stacked bars, kg
  or t CO2e by size); module D is hatched and marked as not in the total unless the method counts
  it.

:func:`write_charts` writes all three; :class:`ChartProcess` writes them from a second process
while this one goes on (the command line's ``tco evaluate --chart``). The ``out`` of both is
either a directory (an existing one, or a path ending in ``/``): ``cumulative-cost.png``,
``cost-by-category.png`` and ``emissions-by-module.png`` inside it; or a file prefix:
``out/led.png`` gives ``out/led-cumulative-cost.png``, ``out/led-cost-by-category.png`` and
``out/led-emissions-by-module.png``.

The PNGs carry no timestamp or software tag: the same result gives the same bytes.

Labels follow ``lang`` ("en" or "sv"): Swedish titles, category and module names, and Swedish
number formatting (``1 234 567``, decimal comma) on the axes.
"""

# ruff: noqa: PLC0415 - optional extras (openpyxl, matplotlib, PyYAML, rich) are imported lazily
from __future__ import annotations

import contextlib
import math
import os
import pickle
import signal
import sys
import textwrap
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tco_client import frames
from tco_client.errors import TcoOutputError
from tco_client.i18n import category_label, format_number, label, module_label, text
from tco_client.result import EvaluationResult
from tco_client.safe_output import write_file

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

CHART_NAMES = {
    "cumulative": "cumulative-cost.png",
    "categories": "cost-by-category.png",
    "emissions": "emissions-by-module.png",
}

#: Colour-blind-safe qualitative palette (Okabe–Ito), then tab20 for more series.
_PALETTE = [
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
    "#999999",
]
_CATEGORY_COLOURS = {
    "acquisition": "#0072B2",
    "installation": "#56B4E9",
    "energy": "#E69F00",
    "water_and_resources": "#F0E442",
    "maintenance": "#009E73",
    "operation": "#8FD694",
    "replacement": "#CC79A7",
    "end_of_life": "#7F5539",
    "residual_value": "#999999",
    "other": "#C7C7C7",
    "externality": "#D55E00",
    "climate": "#D55E00",
    "pollutants": "#B8430E",
}
_MODULE_COLOURS = {
    "a1_a3": "#0072B2",
    "a4": "#56B4E9",
    "a5": "#9ECAE1",
    "b1_b3": "#8FD694",
    "b4": "#CC79A7",
    "b5": "#E7A6D0",
    "b6": "#E69F00",
    "b7": "#F0E442",
    "c1_c4": "#7F5539",
    "d": "#999999",
}


#: Pixels per inch of every chart: the figure is laid out at the resolution it is written in, so
#: the text measured for the layout is the text drawn (matplotlib caches it per renderer).
DPI = 150


class _Figures:
    """The two pyplot calls the charts make (``subplots``, ``close``), without pyplot: a
    :class:`matplotlib.figure.Figure` on an Agg canvas. Importing pyplot costs about as much as
    drawing the three charts, and keeps a global registry of figures a library does not need."""

    @staticmethod
    def subplots(*args: Any, figsize: tuple[float, float] | None = None, **kwargs: Any) -> Any:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        fig = Figure(figsize=figsize, dpi=DPI)
        FigureCanvasAgg(fig)
        return fig, fig.subplots(*args, **kwargs)

    @staticmethod
    def close(fig: Any) -> None:
        fig.clear()


def _plt() -> _Figures:
    return _Figures()


def _scale(max_abs: float, unit: str, lang: str) -> tuple[float, str]:
    """Divisor and axis unit text: plain below 10 000, thousands below 10 million, else
    millions."""
    if max_abs >= 1e7:
        return 1e6, f"{text('million', lang)} {unit}"
    if max_abs >= 1e4:
        return 1e3, f"{text('thousand', lang)} {unit}"
    return 1.0, unit


def _axis_formatter(divisor: float, lang: str, decimals: int = 0) -> Any:
    from matplotlib.ticker import FuncFormatter

    def fmt(value: float, _pos: int) -> str:
        scaled = value / divisor
        places = decimals if abs(scaled) < 100 else 0
        if divisor == 1.0 and abs(scaled) >= 100:
            places = 0
        if places and float(scaled).is_integer():
            places = 0
        return format_number(scaled, places, lang)

    return FuncFormatter(fmt)


def _decimals_for(max_scaled: float, divisor: float = 1.0) -> int:
    """Decimals for value labels: one below 10 (and always in millions, where 10.3 vs 10.6
    matters), else none."""
    return 1 if max_scaled < 10 or (divisor >= 1e6 and max_scaled < 1000) else 0


def _finish(fig: Figure, path: Path, note: str) -> Path:
    """Put ``note`` in grey at the foot of the figure, lay the axes out around their labels,
    legends and the note (:func:`_layout`), write ``fig`` as a PNG through
    :func:`tco_client.safe_output.write_file`, and close it.

    Drawn once: the layout measures the text with the renderer the PNG is then drawn with (no
    ``bbox_inches="tight"``, which draws the figure a second time to find its extent)."""
    note_text = fig.text(0.01, 0.012, note, fontsize=8, color="#555555", ha="left", va="bottom")
    _layout(fig, note_text)
    try:
        return write_file(
            path,
            lambda f: fig.savefig(
                f,
                format="png",
                dpi=DPI,
                metadata={"Software": None},
                pil_kwargs={"compress_level": 3},
            ),
        )
    finally:
        _plt().close(fig)


def _layout(fig: Figure, note: Any) -> None:
    """``tight_layout`` above the note, measured with the canvas's own renderer: the one the PNG
    is drawn with, so the text laid out here is not laid out again."""
    from matplotlib.layout_engine import TightLayoutEngine

    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    height = fig.bbox.height
    foot = (note.get_window_extent(renderer).height + 0.02 * height) / height
    # The engine adjusts the subplot parameters once and is not kept on the figure: a figure
    # with a layout engine is drawn twice by savefig (a measuring pass, then the PNG).
    TightLayoutEngine(rect=(0.0, foot, 1.0, 1.0)).execute(fig)


def _style_axes(ax: Axes, *, bars: str = "vertical") -> None:
    """No top or right spine; grid lines across the value axis (x for horizontal bars)."""
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)
    ax.grid(axis="y", color="#DDDDDD", linewidth=0.8)
    ax.set_axisbelow(True)
    if bars == "horizontal":
        ax.grid(axis="x", color="#DDDDDD", linewidth=0.8)
        ax.grid(axis="y", visible=False)


def _bid_labels(result: EvaluationResult, *, wrap: int | None = None) -> list[str]:
    """``"1. Supplier (bid id)"``; with ``wrap`` the supplier name is wrapped onto lines."""
    labels = []
    for r in result.response.results:
        name = r.supplier or r.bid_id
        if len(name) > 40:
            name = name[:39] + "…"
        if wrap is None:
            labels.append(f"{r.rank}. {name}" + (f" ({r.bid_id})" if r.supplier else ""))
        else:
            lines = textwrap.wrap(name, wrap) or [name]
            head = f"{r.rank}. {lines[0]}"
            tail = lines[1:] + ([f"({r.bid_id})"] if r.supplier else [])
            labels.append("\n".join([head, *tail]))
    return labels


def _year_formatter() -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda value, _pos: f"{value:.0f}")


def _annotate_ends(
    ax: Axes,
    ends: list[tuple[float, float, str]],
    divisor: float,
    decimals: int,
    lang: str,
    *,
    top: float,
) -> None:
    """Value labels right of the line ends, pushed apart vertically so they never overlap."""
    gap = 0.045 * max(top, 1e-9)
    placed: list[float] = []
    for x, y, colour in sorted(ends, key=lambda e: e[1]):
        label_y = max([y, *(p + gap for p in placed[-1:])])
        placed.append(label_y)
        ax.annotate(
            format_number(y / divisor, decimals, lang),
            xy=(x, y),
            xytext=(x + 0.18, label_y),
            textcoords="data",
            va="center",
            fontsize=8.5,
            color=colour,
        )


def cumulative_cost_chart(result: EvaluationResult, path: str | Path, *, lang: str = "en") -> Path:
    """Line chart: cumulative present value per bid by calendar year."""
    plt = _plt()
    cur = result.currency
    has_externalities = bool(
        result.cash_flows["category"].isin(sorted(frames.EXTERNALITY_CATEGORIES)).any()
    )
    cumulative = result.cumulative_discounted(include_externalities=True)
    fig, ax = plt.subplots(figsize=(10, 5.6))
    max_abs = float(cumulative.abs().to_numpy().max()) if not cumulative.empty else 1.0
    divisor, unit = _scale(max_abs, cur, lang)
    labels = dict(zip(result.bid_ids, _bid_labels(result), strict=True))
    years = [int(y) for y in cumulative.index]
    decimals = _decimals_for(max_abs / divisor, divisor)
    evaluated = {r.bid_id: r.evaluated_cost for r in result.response.results}
    # When the evaluation model adjusts the total (deductions, fictive discount, externality
    # factor), the line's end is not the comparison number: mark the evaluated cost beside it.
    end_labels: list[tuple[float, float, str]] = []
    adjusted = bool(years) and any(
        bid_id in cumulative.columns
        and abs(float(cumulative[bid_id].iloc[-1]) - evaluated[bid_id]) > 0.5
        for bid_id in result.bid_ids
    )
    for i, bid_id in enumerate(result.bid_ids):
        if bid_id not in cumulative.columns:
            continue
        values = cumulative[bid_id].to_numpy(dtype=float)
        colour = _PALETTE[i % len(_PALETTE)]
        ax.plot(
            years,
            values,
            marker="o",
            markersize=3.5,
            linewidth=2.2 if i == 0 else 1.6,
            color=colour,
            label=labels[bid_id],
        )
        end_x, end_y = float(years[-1]), float(values[-1])
        if adjusted:
            end_x, end_y = years[-1] + 0.6, evaluated[bid_id]
            ax.plot(
                [years[-1], end_x],
                [values[-1], end_y],
                linestyle=":",
                linewidth=1.2,
                color=colour,
            )
            ax.scatter(
                [end_x], [end_y], marker="D", s=36, facecolors="white", edgecolors=colour, zorder=3
            )
        end_labels.append((float(end_x), float(end_y), colour))
    _annotate_ends(ax, end_labels, divisor, decimals, lang, top=max_abs)
    title_key = "cumulative_title_climate" if has_externalities else "cumulative_title"
    ax.set_title(text(title_key, lang), fontsize=12, loc="left", y=1.0)
    ax.set_xlabel(label("calendar_year", lang))
    ax.set_ylabel(f"{label('cumulative_discounted', lang)} ({unit})")
    ax.yaxis.set_major_formatter(_axis_formatter(divisor, lang, _decimals_for(max_abs / divisor)))
    if years:
        step = max(1, math.ceil(len(years) / 12))
        ax.set_xticks(years[::step])
        ax.set_xlim(years[0] - 0.5, years[-1] + max(2.0 if adjusted else 1.5, len(years) * 0.1))
        ax.xaxis.set_major_formatter(_year_formatter())
    low, high = ax.get_ylim()
    ax.set_ylim(min(0.0, low), high)
    _style_axes(ax)
    ax.legend(frameon=False, fontsize=9, loc="upper left")
    base = result.request.method.base_year
    rate = format_number(result.request.method.discount_rate * 100, 1, lang)
    note = (
        f"Nuvärde vid {base} (t = 0), kalkylränta {rate} %"
        if lang == "sv"
        else f"Present value at {base} (t = 0), discount rate {rate} %"
    )
    if adjusted:
        note += (
            ". ◇ = utvärderingspris efter utvärderingsmodellen (t.ex. avdrag); rangordningen "
            "följer det"
            if lang == "sv"
            else ". ◇ = evaluated cost after the evaluation model (e.g. deductions); the ranking "
            "follows it"
        )
    return _finish(fig, Path(path), note)


def cost_by_category_chart(result: EvaluationResult, path: str | Path, *, lang: str = "en") -> Path:
    """Stacked bars: present value by cost category per bid (rank order)."""
    import numpy as np

    cur = result.currency
    table = result.cost_by_category.drop(columns=[f"total_{cur}"])
    values = table.to_numpy(dtype=float)
    nbids = len(result.bid_ids)
    fig, ax = _plt().subplots(figsize=(max(10.0, 5.0 + 1.7 * nbids), 6))
    totals = values.sum(axis=1) if values.size else np.zeros(nbids)
    max_abs = float(np.abs(values).clip(min=0).sum(axis=1).max()) if values.size else 1.0
    divisor, unit = _scale(max_abs, cur, lang)
    parts = []
    for j, column in enumerate(table.columns):
        category = column.removesuffix(f"_{cur}")
        colour = _CATEGORY_COLOURS.get(category, _PALETTE[j % len(_PALETTE)])
        parts.append((values[:, j], {"label": category_label(category, lang), "color": colour}))
    tops = _stacked_bars(ax, parts, nbids)
    decimals = _decimals_for(max_abs / divisor, divisor)
    _label_totals(ax, tops, [format_number(t / divisor, decimals, lang) for t in totals])
    note = (
        "Summan ovanför stapeln = livscykelkostnad (nuvärde)"
        if lang == "sv"
        else "Figure above each bar = life-cycle cost (present value)"
    )
    ylabel = f"{label('present_value', lang)} ({unit})"
    formatter = _axis_formatter(divisor, lang, decimals)
    _finish_bars(ax, result, ylabel, formatter, text("categories_title", lang))
    return _finish(fig, Path(path), note)


def emissions_by_module_chart(
    result: EvaluationResult, path: str | Path, *, lang: str = "en"
) -> Path:
    """Stacked bars: climate impact by EN 15978 module per bid (kg or t CO2e)."""
    import numpy as np

    table = result.emissions_by_module.drop(columns=["total_kgCO2e"])
    values = table.to_numpy(dtype=float)
    totals = result.emissions_by_module["total_kgCO2e"].to_numpy(dtype=float)
    nbids = len(result.bid_ids)
    max_abs = float(np.abs(values).sum(axis=1).max()) if values.size else 0.0
    divisor, unit = (1000.0, "t CO2e") if max_abs >= 10_000 else (1.0, "kg CO2e")
    fig, ax = _plt().subplots(figsize=(max(10.0, 5.0 + 1.7 * nbids), 6))
    parts = []
    for j, column in enumerate(table.columns):
        module = column.removesuffix("_kgCO2e")
        excluded = module == "d" and not result.request.method.include_module_d
        name = module_label(module, lang)
        if excluded:
            name += f" ({text('excluded_from_total', lang)})"
        style = {
            "label": name,
            "color": _MODULE_COLOURS.get(module, _PALETTE[j % len(_PALETTE)]),
            "hatch": "//" if excluded else None,
            "alpha": 0.6 if excluded else 1.0,
        }
        parts.append((values[:, j] / divisor, style))
    tops = _stacked_bars(ax, parts, nbids)
    decimals = 1 if (max_abs / divisor) < 100 else 0
    _label_totals(
        ax, tops, [f"{format_number(t / divisor, decimals, lang)} {unit}" for t in totals]
    )
    note = (
        "Summan ovanför stapeln = totala utsläpp under kalkylperioden"
        if lang == "sv"
        else "Figure above each bar = total emissions over the study period"
    )
    ylabel = f"{label('emissions', lang)} ({unit})"
    formatter = _axis_formatter(1.0, lang, 1 if max_abs / divisor < 10 else 0)
    _finish_bars(ax, result, ylabel, formatter, text("emissions_title", lang))
    return _finish(fig, Path(path), note)


def _stacked_bars(ax: Axes, parts: list[tuple[Any, dict[str, Any]]], nbids: int) -> Any:
    """One bar per bid stacking ``parts`` (values per bid, bar style): positive values upwards,
    negative ones downwards from zero. Returns the top of each bar."""
    import numpy as np

    x = np.arange(nbids)
    pos_bottom = np.zeros(nbids)
    neg_bottom = np.zeros(nbids)
    for column, style in parts:
        if not np.any(column):
            continue
        bottom = np.where(column >= 0, pos_bottom, neg_bottom)
        ax.bar(x, column, 0.6, bottom=bottom, edgecolor="white", linewidth=0.6, **style)
        pos_bottom += np.where(column >= 0, column, 0)
        neg_bottom += np.where(column < 0, column, 0)
    return pos_bottom


def _label_totals(ax: Axes, tops: Any, labels: list[str]) -> None:
    """Each bar's total above it."""
    for i, total in enumerate(labels):
        ax.annotate(
            total,
            xy=(i, tops[i]),
            xytext=(0, 4),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=9,
            fontweight="bold",
        )


def _finish_bars(
    ax: Axes, result: EvaluationResult, ylabel: str, formatter: Any, title: str
) -> None:
    """Axes and legend (top part first) of a stacked bar chart, one bar per bid."""
    ax.axhline(0, color="#444444", linewidth=0.8)
    ax.set_xticks(range(len(result.bid_ids)))
    ax.set_xticklabels(_bid_labels(result, wrap=18), fontsize=9)
    ax.set_ylabel(ylabel)
    ax.yaxis.set_major_formatter(formatter)
    ax.set_title(title, fontsize=12, loc="left", y=1.0)
    ax.margins(y=0.12)
    _style_axes(ax)
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(
        handles[::-1],
        labels[::-1],
        frameon=False,
        fontsize=9,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
    )


def chart_paths(out: str | Path) -> dict[str, Path]:
    """Where :func:`write_charts` puts each chart (see the module docstring)."""
    text_out = str(out)
    path = Path(out)
    if path.is_dir() or text_out.endswith(("/", "\\")):
        return {key: path / name for key, name in CHART_NAMES.items()}
    stem = path.name.removesuffix(path.suffix) if path.suffix.lower() == ".png" else path.name
    return {key: path.with_name(f"{stem}-{name}") for key, name in CHART_NAMES.items()}


def write_charts(result: EvaluationResult, out: str | Path, *, lang: str = "en") -> list[Path]:
    """Write the three charts; returns their paths (cumulative, categories, emissions)."""
    paths = chart_paths(out)
    return [
        cumulative_cost_chart(result, paths["cumulative"], lang=lang),
        cost_by_category_chart(result, paths["categories"], lang=lang),
        emissions_by_module_chart(result, paths["emissions"], lang=lang),
    ]


class ChartProcess:
    """The three charts drawn by a forked second process while this one evaluates and writes the
    report (``tco evaluate --chart``): importing matplotlib and drawing take about as long as
    everything else the command does, and the machine has a second core.

    Start it before the evaluation (the child imports matplotlib meanwhile), :meth:`send` the
    result, then :meth:`paths` waits for the files and returns them, or raises what
    :func:`write_charts` would have raised (:class:`~tco_client.errors.TcoOutputError` naming the
    file). :meth:`close` (also on leaving a ``with`` block) stops a child that was given nothing.

    Forks only where that is safe — Linux, one Python thread, ``fork=True`` — and otherwise, or
    when the child ends without an answer, draws the charts in this process, as
    :func:`write_charts` does. The child writes nothing to stdout or stderr and leaves with
    ``os._exit`` (no handlers of the parent run twice)."""

    def __init__(self, out: str | Path, *, lang: str = "en", fork: bool = True) -> None:
        self._out = out
        self._lang = lang
        self._result: EvaluationResult | None = None
        self._pid = 0
        self._to_child = self._from_child = -1
        if fork and sys.platform == "linux" and threading.active_count() == 1:
            self._fork()

    def __enter__(self) -> ChartProcess:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def forked(self) -> bool:
        """Whether a child process draws the charts."""
        return self._pid != 0

    def _fork(self) -> None:
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: draw, answer, leave without running the parent's handlers
            code = 1
            try:
                os.close(to_child_w)
                os.close(from_child_r)
                _serve_charts(to_child_r, from_child_w, self._out, self._lang)
                code = 0
            finally:
                os._exit(code)
        os.close(to_child_r)
        os.close(from_child_w)
        self._pid, self._to_child, self._from_child = pid, to_child_w, from_child_r

    def send(self, result: EvaluationResult) -> None:
        """Hand ``result`` to the child (which starts drawing); keep it for a fallback."""
        self._result = result
        if not self._pid:
            return
        data = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            with os.fdopen(self._to_child, "wb") as pipe:
                pipe.write(data)
        except OSError:
            pass  # the child is gone: paths() draws here
        self._to_child = -1

    def paths(self) -> list[Path]:
        """Wait for the charts; their paths (cumulative, categories, emissions)."""
        if self._result is None:
            raise RuntimeError("ChartProcess.paths() before send()")
        if not self._pid:
            return write_charts(self._result, self._out, lang=self._lang)
        with os.fdopen(self._from_child, "rb") as pipe:
            answer = pipe.read()
        self._from_child = -1
        self._reap()
        if not answer:  # the child died before answering: draw here
            return write_charts(self._result, self._out, lang=self._lang)
        kind, value = pickle.loads(answer)  # our own child's answer
        if kind == "paths":
            return [Path(p) for p in value]
        raise _error_from(value)

    def close(self) -> None:
        """Stop a child that has not been given a result (it has written nothing) and reap it."""
        for fd in (self._to_child, self._from_child):
            if fd >= 0:
                os.close(fd)
        if self._pid and self._result is None:
            with contextlib.suppress(OSError):
                os.kill(self._pid, signal.SIGKILL)
        self._to_child = self._from_child = -1
        self._reap()

    def _reap(self) -> None:
        if self._pid:
            with contextlib.suppress(OSError):
                os.waitpid(self._pid, 0)
            self._pid = 0


def _serve_charts(inbox: int, outbox: int, out: str | Path, lang: str) -> None:
    """The child of :class:`ChartProcess`: read the result while importing matplotlib, draw."""
    received: list[bytes] = []

    def read() -> None:
        with os.fdopen(inbox, "rb") as pipe:
            received.append(pipe.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()  # the parent never waits on a full pipe
    import matplotlib.artist

    # matplotlib writes the property table into the docstring of every artist class it defines
    # (``kwdoc``): a third of its import, for help() text this process, which only draws and
    # exits, never shows. Only here, never in the caller's process.
    matplotlib.artist.kwdoc = lambda artist: ""
    import matplotlib.backends.backend_agg
    import matplotlib.figure
    import matplotlib.layout_engine
    import matplotlib.ticker  # imported while the parent evaluates
    from matplotlib.font_manager import FontProperties, findfont, get_font

    get_font(findfont(FontProperties()))  # the font file opened meanwhile too
    reader.join()
    if not received or not received[0]:
        return  # the parent gave up
    answer: tuple[str, Any]
    try:
        result = pickle.loads(received[0])  # our own parent's result
        answer = ("paths", [str(p) for p in write_charts(result, out, lang=lang)])
    except Exception as exc:  # sent to the parent, which raises it
        answer = ("error", _error_fields(exc))
    with os.fdopen(outbox, "wb") as pipe:
        pipe.write(pickle.dumps(answer))


def _error_fields(exc: Exception) -> tuple[str, str, str]:
    path = str(exc.path) if isinstance(exc, TcoOutputError) else ""
    return type(exc).__name__, path, str(exc)


def _error_from(fields: tuple[str, str, str]) -> Exception:
    """The child's exception again: a :class:`TcoOutputError` naming its file, else a
    ``RuntimeError`` with the original type's name."""
    name, path, message = fields
    if name == TcoOutputError.__name__:
        error = TcoOutputError(Path(path), "")
        error.args = (message,)
        return error
    return RuntimeError(f"{name}: {message}")
