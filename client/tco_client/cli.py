"""``tco``: the evaluator's command line (needs the ``cli`` extra; reports need ``report``).

Commands::

    tco evaluate TENDER [--server HOST:PORT] [--format table|json|csv] [--excel OUT.xlsx]
                        [--chart OUT.png | --chart DIR/] [--lang en|sv] [--timeout S]
    tco validate TENDER          # the server's checks only (validate_only): digests, warnings
    tco factors                  # reference carbon price series, emission factors, sources
    tco template OUT.xlsx        # the empty, documented tender workbook
    tco analyze TENDER [--spec analysis.yaml] [--carbon-price-range LOW:HIGH] [--draws N]
                       [--seed S] [--chart-dir DIR] [--excel OUT.xlsx] [--format table|json]
                       # how sure is the ranking: tornado, switching values, scenarios,
                       # Monte Carlo (tco_client.analysis)

TENDER is a ``.json``/``.yaml`` file in the proto JSON mapping of ``EvaluateBidsRequest`` or an
``.xlsx`` tender workbook (``tco template``). ``--format json`` prints the response in the proto
JSON mapping with proto field names; ``csv`` prints the ranking frame (stable English column
names, currency in money column names; text a spreadsheet would run as a formula gets a leading
``'``). Reports, charts, templates and specs are written whole or not at all
(:mod:`tco_client.safe_output`); tender and spec files are read within
:mod:`tco_client.input_limits`. ``--chart OUT.png`` writes ``OUT-cumulative-cost.png``,
``OUT-cost-by-category.png`` and ``OUT-emissions-by-module.png``; ``--chart DIR/`` (or an
existing directory) writes ``cumulative-cost.png``, ``cost-by-category.png`` and
``emissions-by-module.png`` in it.

Exit codes: 0 ok; 2 invalid input (the tender's violations, one per line on stderr: ``cell:
description — path`` for a workbook (``Anbud!F3: … — bids[1].items[0].quantity``), ``path:
description`` for JSON/YAML; in the ``--lang`` language; a file out of bounds; also usage errors);
1 any other failure (server unreachable, deadline, server fault, cannot write a file: its path
named, the previous file kept) — a one-line message, no traceback (``TCO_DEBUG=1`` shows it).

The server address comes from ``--server``, else ``$TCO_SERVER``, else ``127.0.0.1:50051``;
several addresses may be given comma-separated (fail-over). ``--token``/``$TCO_TOKEN`` sends a
bearer token; ``--tls`` and ``--ca-cert`` switch to TLS.
"""

# ruff: noqa: PLC0415 - optional extras (openpyxl, matplotlib, PyYAML, rich) are imported lazily
from __future__ import annotations

import enum
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from tco_client import followup_cli, procurement_cli
from tco_client.defaults import DEFAULT_TARGET, DEFAULT_TIMEOUT
from tco_client.i18n import text
from tco_client.version import __version__

if TYPE_CHECKING:  # imported when a command runs: ``tco --help`` loads no gRPC, no pandas
    from rich.console import Console

    from tco_client.charts import ChartProcess
    from tco_client.client import TcoClient
    from tco_client.errors import TcoInvalidTender
    from tco_client.tender import LoadedTender

#: Whether ``evaluate --chart`` draws the charts in a forked second process while the report is
#: written (:class:`tco_client.charts.ChartProcess`): set by :func:`main`, the console script;
#: in-process callers (typer's test runner, a notebook) draw them in their own process.
_CHART_PROCESS = False

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_INVALID = 2


class OutputFormat(enum.StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class FactorsFormat(enum.StrEnum):
    table = "table"
    json = "json"


class Language(enum.StrEnum):
    en = "en"
    sv = "sv"


app = typer.Typer(
    name="tco",
    help="Life-cycle cost and climate-cost evaluation of bids (Directive 2014/24/EU Art. 68, "
    "LOU 16 kap.): evaluate tenders, write Excel reports and charts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _console(stderr: bool = False) -> Console:
    from rich.console import Console

    console = Console(stderr=stderr, highlight=False, soft_wrap=False)
    if not console.is_terminal:
        # Pipes and test runners: wide enough that the ranking table does not wrap.
        console = Console(stderr=stderr, highlight=False, width=200, soft_wrap=False)
    return console


def _err(message: str) -> None:
    sys.stderr.write(message.rstrip("\n") + "\n")
    sys.stderr.flush()


def _exit(code: int) -> NoReturn:
    raise typer.Exit(code)


def _print_violations(exc: TcoInvalidTender, tender: LoadedTender | None, lang: str) -> None:
    """One line per violation, the cell first (``Anbud!F3 (antal): …``) and the request path
    after it, in the language (:mod:`tco_client.i18n_messages`)."""
    from tco_client.i18n_messages import message_title, violation_line

    count = len(exc.violations)
    noun = text("problem" if count == 1 else "problems", lang)
    _err(f"{text('error', lang)}: {message_title(exc.message, lang)} ({count} {noun}):")
    for v in exc.violations:
        where = tender.locate(v.field) if tender is not None and v.field else ""
        _err(violation_line(v.field, v.description, where, lang))


@contextmanager
def _handled(tender: list[LoadedTender | None] | None = None, lang: str = "en") -> Iterator[None]:
    """Map the client's errors to exit codes and one-line messages (in the language)."""
    from tco_client.errors import TcoError, TcoInvalidTender

    error = text("error", lang)
    try:
        yield
    except typer.Exit:
        raise
    except TcoInvalidTender as exc:
        _print_violations(exc, tender[0] if tender else None, lang)
        _exit(EXIT_INVALID)
    except TcoError as exc:  # the service's faults, files that cannot be written
        from tco_client.i18n_messages import error_text

        _err(f"{error}: {error_text(exc, lang)}")
        _exit(EXIT_FAILURE)
    except OSError as exc:
        _err(f"{error}: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "))
        _exit(EXIT_FAILURE)
    except KeyboardInterrupt:
        _err(text("interrupted", lang))
        _exit(130)
    except Exception as exc:
        if os.environ.get("TCO_DEBUG"):
            raise
        _err(f"{error}: {text('unexpected_failure', lang)} ({type(exc).__name__}): {exc}")
        _exit(EXIT_FAILURE)


def _targets(server: str) -> list[str]:
    targets = [t.strip() for t in server.split(",") if t.strip()]
    if not targets:
        raise typer.BadParameter("give HOST:PORT", param_hint="--server")
    return targets


def _client(
    server: str, timeout: float, token: str | None, tls: bool, ca_cert: Path | None
) -> TcoClient:
    from tco_client.client import TcoClient

    root = ca_cert.read_bytes() if ca_cert is not None else None
    return TcoClient(
        _targets(server), timeout=timeout, token=token, tls=tls, root_certificates=root
    )


ServerOpt = Annotated[
    str,
    typer.Option(
        "--server",
        "-s",
        envvar="TCO_SERVER",
        help="Service address HOST:PORT (comma-separated for fail-over).",
    ),
]
TimeoutOpt = Annotated[
    float, typer.Option("--timeout", min=0.001, help="Deadline of each call in seconds.")
]
TokenOpt = Annotated[
    str | None,
    typer.Option("--token", envvar="TCO_TOKEN", help="Bearer token sent as authorization."),
]
TlsOpt = Annotated[bool, typer.Option("--tls/--no-tls", help="Use TLS (system roots).")]
CaOpt = Annotated[
    Path | None,
    typer.Option("--ca-cert", exists=True, dir_okay=False, help="PEM root certificates (TLS)."),
]
LangOpt = Annotated[Language, typer.Option("--lang", help="Language of tables and reports.")]
TenderArg = Annotated[
    Path,
    typer.Argument(
        help="Tender file: .json or .yaml (proto JSON mapping) or .xlsx workbook.",
        show_default=False,
    ),
]


def _load(path: Path, holder: list[LoadedTender | None]) -> LoadedTender:
    from tco_client.tender import load_tender_file

    loaded = load_tender_file(path)
    holder[0] = loaded
    return loaded


@contextmanager
def _charts(chart: str | None, lang: str) -> Iterator[ChartProcess | None]:
    """The charts' writer when ``--chart`` is given, started before the evaluation."""
    if chart is None:
        yield None
        return
    from tco_client.charts import ChartProcess

    with ChartProcess(chart, lang=lang, fork=_CHART_PROCESS) as charts:
        yield charts


@app.command()
def evaluate(
    tender: TenderArg,
    *,
    server: ServerOpt = DEFAULT_TARGET,
    output_format: Annotated[
        OutputFormat,
        typer.Option("--format", "-f", help="table (rich), json (proto JSON) or csv (ranking)."),
    ] = OutputFormat.table,
    excel: Annotated[
        Path | None, typer.Option("--excel", help="Write the Excel report to this .xlsx file.")
    ] = None,
    chart: Annotated[
        str | None,
        typer.Option(
            "--chart",
            help="Write the three PNG charts: OUT.png → OUT-<chart>.png; DIR/ → DIR/<chart>.png.",
        ),
    ] = None,
    lang: LangOpt = Language.en,
    timeout: TimeoutOpt = DEFAULT_TIMEOUT,
    token: TokenOpt = None,
    tls: TlsOpt = False,
    ca_cert: CaOpt = None,
) -> None:
    """Evaluate the bids of a tender and print the ranking (and write reports/charts)."""
    holder: list[LoadedTender | None] = [None]
    with _handled(holder, lang.value), _charts(chart, lang.value) as charts:
        loaded = _load(tender, holder)
        with _client(server, timeout, token, tls, ca_cert) as client:
            result = client.evaluate(loaded.request, reference=excel is not None)
        if charts is not None:
            charts.send(result)  # drawn meanwhile (a second process) or at paths()
        out = _console()
        if output_format is OutputFormat.json:
            sys.stdout.write(result.to_json() + "\n")
        elif output_format is OutputFormat.csv:
            from tco_client.safe_output import csv_text

            ranking = result.ranking.reset_index()  # columns rank, bid_id, … as before
            ranking.insert(0, "rank", ranking.pop("rank"))
            sys.stdout.write(csv_text(ranking))
        else:
            from tco_client.tables import digests_text, ranking_table, warnings_text

            out.print(ranking_table(result, lang.value, width=out.width))
            out.print(warnings_text(result, lang.value))
            out.print(digests_text(result, lang.value))
        note = _console(stderr=output_format is not OutputFormat.table)
        if excel is not None:
            from tco_client.report import write_report

            written = write_report(
                result, excel, lang=lang.value, title=loaded.source, locations=loaded.locations
            )
            note.print(f"{text('report', lang.value)}: {written}")
        if charts is not None:
            for path in charts.paths():
                note.print(f"{text('chart', lang.value)}: {path}")


@app.command()
def validate(
    tender: TenderArg,
    *,
    server: ServerOpt = DEFAULT_TARGET,
    output_format: Annotated[
        FactorsFormat, typer.Option("--format", "-f", help="table or json (proto JSON).")
    ] = FactorsFormat.table,
    lang: LangOpt = Language.en,
    timeout: TimeoutOpt = DEFAULT_TIMEOUT,
    token: TokenOpt = None,
    tls: TlsOpt = False,
    ca_cert: CaOpt = None,
) -> None:
    """Check a tender with the server (validate_only): every violation, or the digests."""
    holder: list[LoadedTender | None] = [None]
    with _handled(holder, lang.value):
        loaded = _load(tender, holder)
        with _client(server, timeout, token, tls, ca_cert) as client:
            result = client.validate(loaded.request)
        if output_format is FactorsFormat.json:
            sys.stdout.write(result.to_json() + "\n")
            return
        from tco_client.tables import digests_text, warnings_text

        out = _console()
        out.print(text("valid", lang.value), style="bold green")
        out.print(warnings_text(result, lang.value))
        out.print(digests_text(result, lang.value))


@app.command()
def factors(
    *,
    server: ServerOpt = DEFAULT_TARGET,
    output_format: Annotated[
        FactorsFormat, typer.Option("--format", "-f", help="table or json (proto JSON).")
    ] = FactorsFormat.table,
    lang: LangOpt = Language.en,
    timeout: TimeoutOpt = DEFAULT_TIMEOUT,
    token: TokenOpt = None,
    tls: TlsOpt = False,
    ca_cert: CaOpt = None,
) -> None:
    """List the server's reference carbon price series and emission factors with sources."""
    with _handled(lang=lang.value):
        with _client(server, timeout, token, tls, ca_cert) as client:
            series = client.carbon_price_series()
            emission = client.emission_factors()
        if output_format is FactorsFormat.json:
            import json

            from google.protobuf import json_format

            document = {
                "carbon_price_series": json_format.MessageToDict(
                    series, preserving_proto_field_name=True
                ),
                "emission_factors": json_format.MessageToDict(
                    emission, preserving_proto_field_name=True
                ),
            }
            sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
            return
        from tco_client.tables import (
            carbon_series_table,
            emission_factors_table,
            energy_contents_table,
        )

        out = _console()
        out.print(carbon_series_table(series, lang.value))
        out.print(emission_factors_table(emission, lang.value))
        out.print(energy_contents_table(emission, lang.value))


@app.command()
def template(
    out: Annotated[Path, typer.Argument(help="The workbook to write (.xlsx).", show_default=False)],
    from_tender: Annotated[
        Path | None,
        typer.Option("--from", help="Fill the workbook from this tender (.json/.yaml/.xlsx)."),
    ] = None,
    lang: LangOpt = Language.en,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write the empty, documented tender workbook (Instructions sheet, units in headers)."""
    holder: list[LoadedTender | None] = [None]
    with _handled(holder, lang.value):
        error = text("error", lang.value)
        if out.suffix.lower() != ".xlsx":
            _err(f"{error}: {out}: {text('template_not_xlsx', lang.value)}")
            _exit(EXIT_INVALID)
        if out.exists() and not force:
            _err(f"{error}: {out} {text('exists_use_force', lang.value)}")
            _exit(EXIT_INVALID)
        request = _load(from_tender, holder).request if from_tender is not None else None
        from tco_client.template import write_template

        written = write_template(out, request, lang=lang.value)
        _console().print(f"{text('template', lang.value)}: {written}")


def _price_range(text: str | None) -> tuple[float, float] | None:
    """``"500:5000"`` -> (500.0, 5000.0) (currency per tonne CO2e), low < high."""
    if text is None:
        return None
    try:
        low_text, high_text = text.split(":")
        low, high = float(low_text), float(high_text)
    except ValueError:
        raise typer.BadParameter(
            "give LOW:HIGH, e.g. 0:5000", param_hint="--carbon-price-range"
        ) from None
    if not low < high:
        raise typer.BadParameter("LOW must be below HIGH", param_hint="--carbon-price-range")
    return low, high


@app.command()
def analyze(
    tender: TenderArg,
    *,
    server: ServerOpt = DEFAULT_TARGET,
    spec: Annotated[
        Path | None,
        typer.Option(
            "--spec",
            help="Analysis spec (.yaml/.json, the proto JSON mapping of tcoapi.v1.AnalysisSpec); "
            "default: a starting analysis built from the tender (see --save-spec).",
        ),
    ] = None,
    carbon_price_range: Annotated[
        str | None,
        typer.Option(
            "--carbon-price-range",
            help="LOW:HIGH constant carbon price in the tender's currency per tonne CO2e: "
            "search it for switching values and use it as the carbon price's tornado bar.",
        ),
    ] = None,
    draws: Annotated[
        int | None,
        typer.Option(
            "--draws", min=0, max=100_000, help="Monte Carlo draws (0: none; default 10 000)."
        ),
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", min=0, help="Monte Carlo seed.")] = None,
    output_format: Annotated[
        FactorsFormat, typer.Option("--format", "-f", help="table or json (proto JSON).")
    ] = FactorsFormat.table,
    chart_dir: Annotated[
        Path | None,
        typer.Option("--chart-dir", help="Write tornado.png and win-probability.png here."),
    ] = None,
    excel: Annotated[
        Path | None, typer.Option("--excel", help="Write the analysis workbook (.xlsx).")
    ] = None,
    save_spec: Annotated[
        Path | None,
        typer.Option("--save-spec", help="Write the spec used (.yaml/.json) for editing."),
    ] = None,
    lang: LangOpt = Language.en,
    timeout: TimeoutOpt = DEFAULT_TIMEOUT,
    token: TokenOpt = None,
    tls: TlsOpt = False,
    ca_cert: CaOpt = None,
) -> None:
    """How sure is the ranking? Sensitivity (tornado), switching values, scenarios, Monte Carlo."""
    from tco_client import analysis_spec as an

    price_range = _price_range(carbon_price_range)  # usage errors: exit 2 (typer)
    holder: list[LoadedTender | None] = [None]
    with _handled(holder, lang.value):
        loaded = _load(tender, holder)
        # The spec exactly as TcoClient.analyze builds it (the same function, the same options).
        chosen = an.resolve_spec(
            loaded.request, spec, carbon_price_range=price_range, draws=draws, seed=seed
        )
        if save_spec is not None:
            an.save_spec(chosen, save_spec)
        with _client(server, timeout, token, tls, ca_cert) as client:
            result = client.analyze(
                loaded.request, spec, carbon_price_range=price_range, draws=draws, seed=seed
            )
        if output_format is FactorsFormat.json:
            sys.stdout.write(result.to_json() + "\n")
        else:
            from tco_client.analysis_tables import analysis_summary

            _console().print(analysis_summary(result, lang.value))
            if result.default_analysis and result.has_monte_carlo:
                from tco_client.analysis_assumptions import word

                _console().print(word("default", lang.value), style="dim")
        note = _console(stderr=output_format is not FactorsFormat.table)
        if chart_dir is not None:
            from tco_client.analysis_charts import write_analysis_charts

            for path in write_analysis_charts(result, chart_dir, lang=lang.value):
                note.print(f"{text('chart', lang.value)}: {path}")
        if excel is not None:
            from tco_client.analysis_report import write_analysis_report

            written = write_analysis_report(result, excel, lang=lang.value)
            note.print(f"{text('report', lang.value)}: {written}")


app.add_typer(procurement_cli.app, name="procurement")  # tco procurement … (records)
app.add_typer(followup_cli.app, name="followup")  # tco followup … (contract follow-up)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"tco {__version__}\n")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Life-cycle cost (LCC) and climate-cost evaluation of bids."""


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point; returns the exit code (usage errors: 2)."""
    global _CHART_PROCESS  # noqa: PLW0603 - the console script's process may fork
    _CHART_PROCESS = True
    try:
        app(args=argv, prog_name="tco")
    except SystemExit as exc:
        code = exc.code
        if code is None:
            return EXIT_OK
        return code if isinstance(code, int) else EXIT_FAILURE
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
