"""``tco followup …``: contract follow-up from the command line (issue #19).

    tco followup commitments ID                          the procurement's commitments
    tco followup commitments ID --create TERMS.json --recorded-by NAME [--id C]
                                                         record the winner's promises and terms
    tco followup readings ID FILE --map meter=COL --map start=COL --map end=COL
                          --map quantity=COL [--map unit=COL | --map default_unit=kWh] …
                          --entered-by NAME              import a CSV/.xlsx of readings
    tco followup readings ID [--series S]                list the readings
    tco followup correct ID READING --quantity Q [--unit U] [--start T --end T] --entered-by NAME
                                                         a correction superseding READING
    tco followup report ID[/C] [--commitment C] [--as-of 2029-01-01] [--period 2028 …]
                          [--actual-price 'electricity=1.45 SEK/kWh' …]
                          [--excel F.xlsx] [--chart F.png] [--lang sv|en] [--timezone Z]

ID is the procurement; the report's commitment is ``ID/C``, ``--commitment C``, or the
procurement's only one. ``--map`` keys are those of :class:`tco_client.readings_file.ColumnMap`
(``meter``, ``quantity``, ``start``, ``end``, ``time``, ``unit``, ``default_unit``,
``estimated``, ``estimated_values`` comma-separated, ``cumulative`` yes/no, ``decimal``,
``timezone``, ``sheet``, ``delimiter``). A terms file is the proto JSON form of ``Commitment``
(``.json``, or ``.yaml``). ``--period`` keeps only the periods named (the cumulative result stays
the service's). ``--format json`` prints the answer in the proto JSON mapping with proto field
names, keys sorted: the same answer gives the same text.

Exit codes as ``tco``: 0 ok, 1 failure (a service error, a file that cannot be written), 2 invalid
input (every bad field or file row named on stderr).
"""

# ruff: noqa: PLC0415 - commands import what they need when they run (a fast `tco --help`)

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tco_client.procurement_cli import (
    DEFAULT_SERVER,
    DEFAULT_TIMEOUT,
    EXIT_FAILURE,
    EXIT_INVALID,
    Format,
    FormatOpt,
    Lang,
    ServerOpt,
    TimeoutOpt,
    TokenOpt,
)

if TYPE_CHECKING:  # imported when a command runs: ``tco --help`` loads no gRPC, no pandas
    from tco_client.followup import FollowUpClient
    from tco_client.followup_result import FollowUpReport
    from tco_client.readings_file import ColumnMap

app = typer.Typer(
    name="followup",
    help="Contract follow-up: commitments at award, readings, the follow-up report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

_TRUE = frozenset({"1", "true", "yes", "ja", "y", "j"})
_FALSE = frozenset({"0", "false", "no", "nej", "n", ""})


def _out(text: str) -> None:
    sys.stdout.write(text.rstrip("\n") + "\n")


def _err(text: str) -> None:
    sys.stderr.write(text.rstrip("\n") + "\n")


@contextmanager
def _client(server: str, token: str | None, timeout: float) -> Iterator[FollowUpClient]:
    """A client; its errors become one-line messages (each violation a line) and exit codes."""
    from tco_client.errors import TcoError, TcoInvalidTender
    from tco_client.followup import FollowUpClient

    try:
        with FollowUpClient(server, token=token, timeout=timeout) as client:
            yield client
    except typer.Exit:
        raise
    except TcoInvalidTender as exc:
        _err(f"error: {exc.details or exc.message}")
        for violation in exc.violations:
            _err(str(violation))
        raise typer.Exit(EXIT_INVALID) from None
    except ValueError as exc:
        _err(f"error: {exc}")
        raise typer.Exit(EXIT_INVALID) from None
    except (TcoError, OSError) as exc:
        _err(f"error: {exc}")
        raise typer.Exit(EXIT_FAILURE) from None


def to_json(message: Any) -> str:
    """A proto message as JSON: proto field names, keys sorted, non-ASCII kept (deterministic)."""
    import json

    from google.protobuf import json_format

    document = json_format.MessageToDict(message, preserving_proto_field_name=True)
    return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False)


def parse_column_map(pairs: Sequence[str]) -> ColumnMap:
    """``["meter=Mätpunkt", "quantity=Förbrukning", …]`` → a ColumnMap (BadParameter naming a
    bad pair)."""
    from tco_client.readings_file import ColumnMap

    fields = {f.name: f for f in dataclasses.fields(ColumnMap)}
    values: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or key not in fields:
            known = ", ".join(fields)
            raise typer.BadParameter(
                f"{pair!r}: give KEY=COLUMN, KEY one of {known}", param_hint="--map"
            )
        if key == "cumulative":
            word = value.strip().lower()
            if word not in _TRUE | _FALSE:
                raise typer.BadParameter(f"{pair!r}: yes or no", param_hint="--map")
            values[key] = word in _TRUE
        elif key == "estimated_values":
            values[key] = tuple(v.strip() for v in value.split(",") if v.strip())
        else:
            values[key] = value
    missing = [k for k in ("meter", "quantity") if k not in values]
    if missing:
        raise typer.BadParameter(f"name the {' and '.join(missing)} column", param_hint="--map")
    return ColumnMap(**values)


def parse_price(text: str) -> tuple[str, tuple[float, str]]:
    """``"electricity=1.45 SEK/kWh"`` → ``("electricity", (1.45, "SEK/kWh"))``; a decimal comma
    is accepted (``1,45``)."""
    resource, sep, rest = text.partition("=")
    number, _, unit = rest.strip().partition(" ")
    try:
        value = float(number.replace(",", ".") if "." not in number else number)
    except ValueError:
        value = float("nan")
    if not sep or not resource.strip() or not unit.strip() or value != value:  # noqa: PLR0124
        raise typer.BadParameter(
            f"{text!r}: give RESOURCE=VALUE UNIT, e.g. 'electricity=1.45 SEK/kWh'",
            param_hint="--actual-price",
        )
    return resource.strip(), (value, unit.strip())


@app.command()
def commitments(
    procurement_id: Annotated[str, typer.Argument(help="The procurement (awarded).")],
    *,
    create: Annotated[
        Path | None,
        typer.Option("--create", help="Record a commitment with the terms of this file."),
    ] = None,
    recorded_by: Annotated[
        str, typer.Option("--recorded-by", help="Who records it: a name or role.")
    ] = "",
    commitment_id: Annotated[str, typer.Option("--id", help="Commitment id (default c1…).")] = "",
    server: ServerOpt = DEFAULT_SERVER,
    token: TokenOpt = None,
    timeout: TimeoutOpt = DEFAULT_TIMEOUT,
    output_format: FormatOpt = Format.table,
) -> None:
    """List the procurement's commitments, or record one (--create TERMS_FILE)."""
    if create is None:
        with _client(server, token, timeout) as client:
            found = client.list_commitments(procurement_id)
        if output_format is Format.json:
            from tcoapi.v1 import followup_pb2

            _out(to_json(followup_pb2.ListCommitmentsResponse(commitments=found)))
            return
        _out(_commitments_text(found))
        return
    if not recorded_by:
        raise typer.BadParameter("say who records the commitment", param_hint="--recorded-by")
    with _client(server, token, timeout) as client:
        made = client.create_commitment(
            procurement_id, create, commitment_id=commitment_id, recorded_by=recorded_by
        )
    if output_format is Format.json:
        _out(to_json(made))
        return
    _out(f"{made.name} recorded: bid {made.bid_id}, evaluation_digest {made.evaluation_digest}")
    _out(_promises_text(made))


def _commitments_text(found: Sequence[Any]) -> str:
    if not found:
        return "no commitments"
    lines = []
    for c in found:
        lines.append(
            f"{c.name}: bid {c.bid_id}, {len(c.promises)} promises, "
            f"recorded by {c.recorded_by}, record {c.record_hash[:12]}"
        )
        lines.append(_promises_text(c))
    return "\n".join(lines)


def _promises_text(commitment: Any) -> str:
    return "\n".join(
        f"  {p.item or '-'} / {p.resource}: {p.promised_per_year.value:,.1f} "
        f"{p.promised_per_year.unit} on series {p.series}"
        for p in commitment.promises
    )


@app.command()
def readings(
    procurement_id: Annotated[str, typer.Argument(help="The procurement (awarded).")],
    file: Annotated[
        Path | None, typer.Argument(help="CSV or .xlsx of readings to import; none: list.")
    ] = None,
    *,
    column_map: Annotated[
        list[str] | None,
        typer.Option("--map", help="KEY=COLUMN of the file, e.g. meter=Mätpunkt (repeat)."),
    ] = None,
    entered_by: Annotated[
        str, typer.Option("--entered-by", help="Who enters them: a name, role or system.")
    ] = "",
    series: Annotated[str, typer.Option("--series", help="List only this series.")] = "",
    batch_rows: Annotated[
        int, typer.Option("--batch-rows", min=1, help="Readings per streamed batch.")
    ] = 50_000,
    server: ServerOpt = DEFAULT_SERVER,
    token: TokenOpt = None,
    timeout: TimeoutOpt = DEFAULT_TIMEOUT,
    output_format: FormatOpt = Format.table,
) -> None:
    """Import a readings file (streamed in batches), or list the readings (no FILE)."""
    if file is None:
        with _client(server, token, timeout) as client:
            found = client.list_readings(procurement_id, series)
            if output_format is Format.json:
                from tcoapi.v1 import followup_pb2

                _out(to_json(followup_pb2.ListReadingsResponse(readings=found)))
                return
        if not found:
            _out("no readings")
            return
        from tco_client.followup_result import reading_rows

        frame = reading_rows(found)
        shown = ["reading", "series", "start", "end", "quantity", "unit", "estimated"]
        _out(frame[[*shown, "superseded", "supersedes"]].to_string(index=False))
        return
    if not entered_by:
        raise typer.BadParameter("say who enters the readings", param_hint="--entered-by")
    columns = parse_column_map(column_map or [])
    with _client(server, token, timeout) as client:
        answer = client.append_readings(
            procurement_id, file, columns, entered_by=entered_by, batch_rows=batch_rows
        )
    if output_format is Format.json:
        _out(to_json(answer))
        return
    _out(
        f"{answer.readings_appended} readings appended in {len(answer.batches)} batches, "
        f"record {answer.record_hash}"
    )


@app.command()
def correct(
    procurement_id: Annotated[str, typer.Argument(help="The procurement.")],
    reading: Annotated[str, typer.Argument(help="The reading to correct (name or id).")],
    *,
    quantity: Annotated[float, typer.Option("--quantity", help="The right quantity.")],
    entered_by: Annotated[str, typer.Option("--entered-by", help="Who corrects it.")],
    unit: Annotated[str, typer.Option("--unit", help="Unit (default: the reading's).")] = "",
    start: Annotated[str, typer.Option("--start", help="Start, ISO 8601 (default: same).")] = "",
    end: Annotated[str, typer.Option("--end", help="End, ISO 8601 (default: same).")] = "",
    estimated: Annotated[bool, typer.Option("--estimated", help="An estimate.")] = False,
    server: ServerOpt = DEFAULT_SERVER,
    token: TokenOpt = None,
    timeout: TimeoutOpt = DEFAULT_TIMEOUT,
    output_format: FormatOpt = Format.table,
) -> None:
    """Correct a reading: a new reading that supersedes it (the old one is never edited)."""
    with _client(server, token, timeout) as client:
        answer = client.correct_reading(
            procurement_id,
            reading,
            quantity=quantity,
            unit=unit,
            start=start or None,
            end=end or None,
            estimated=estimated,
            entered_by=entered_by,
        )
    if output_format is Format.json:
        _out(to_json(answer))
        return
    _out(f"{', '.join(answer.readings)} supersedes {reading}, record {answer.record_hash}")


@app.command()
def report(
    name: Annotated[str, typer.Argument(help="The procurement, or PROCUREMENT/COMMITMENT.")],
    *,
    commitment: Annotated[str, typer.Option("--commitment", help="The commitment id.")] = "",
    as_of: Annotated[
        str, typer.Option("--as-of", help="Periods ended by then, ISO 8601 (default: now).")
    ] = "",
    period: Annotated[
        list[str] | None, typer.Option("--period", help="Only this period label (repeat).")
    ] = None,
    actual_price: Annotated[
        list[str] | None,
        typer.Option("--actual-price", help="RESOURCE=VALUE UNIT paid, for the hindsight."),
    ] = None,
    excel: Annotated[Path | None, typer.Option("--excel", help="Write the Excel report.")] = None,
    chart: Annotated[Path | None, typer.Option("--chart", help="Write the chart (PNG).")] = None,
    lang: Annotated[Lang, typer.Option("--lang", help="Language of report and chart.")] = Lang.en,
    timezone: Annotated[
        str, typer.Option("--timezone", help="Times in the report shown in this zone.")
    ] = "Europe/Stockholm",
    server: ServerOpt = DEFAULT_SERVER,
    token: TokenOpt = None,
    timeout: TimeoutOpt = DEFAULT_TIMEOUT,
    output_format: FormatOpt = Format.table,
) -> None:
    """The follow-up report: each settlement period, cumulative, LCC, the award in hindsight."""
    prices = dict(parse_price(p) for p in actual_price or [])
    _check_timezone(timezone)
    with _client(server, token, timeout) as client:
        target = _report_target(client, name, commitment)
        result = client.follow_up_report(target, as_of=as_of or None, actual_prices=prices)
        if period:
            unknown = sorted(set(period) - set(result.period_labels))
            if unknown:
                raise typer.BadParameter(
                    f"no period {', '.join(unknown)} (the report has "
                    f"{', '.join(result.period_labels) or 'none'})",
                    param_hint="--period",
                )
            result = result.select_periods(period)
        written = _write_outputs(result, excel, chart, lang.value, timezone)
    _out(
        to_json(result.response)
        if output_format is Format.json
        else report_text(result, lang.value)
    )
    from tco_client.i18n_followup import fu_text

    for key, path in written:
        _err(f"{fu_text(key, lang.value)}: {path}")


def _check_timezone(zone: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise typer.BadParameter(f"unknown time zone {zone!r}", param_hint="--timezone") from None


def _report_target(client: FollowUpClient, name: str, commitment: str) -> str:
    """The commitment's name: ``P/C``, ``P`` with ``--commitment``, or P's only commitment."""
    from tco_client.followup import commitment_name

    if commitment:
        return commitment_name(commitment, name)
    if "/" in name.removeprefix("procurements/"):
        return commitment_name(name)
    found = client.list_commitments(name)
    if len(found) != 1:
        have = ", ".join(c.name.rsplit("/", 1)[-1] for c in found) or "none"
        raise typer.BadParameter(
            f"{name} has {len(found)} commitments ({have}): name one", param_hint="--commitment"
        )
    return str(found[0].name)


def _write_outputs(
    result: FollowUpReport, excel: Path | None, chart: Path | None, lang: str, timezone: str
) -> list[tuple[str, Path]]:
    written: list[tuple[str, Path]] = []
    if excel is not None:
        from tco_client.followup_report import write_followup_report

        written.append(
            ("report", write_followup_report(result, excel, lang=lang, timezone=timezone))
        )
    if chart is not None:
        from tco_client.followup_charts import write_followup_chart

        written.append(("chart", write_followup_chart(result, chart, lang=lang)))
    return written


def report_text(result: FollowUpReport, lang: str = "en") -> str:
    """The report as text: each period and promise, cumulative, LCC and the hindsight."""
    from tco_client.i18n import format_number, format_percent, resource_label
    from tco_client.i18n_followup import fu_text, fu_warning_text, outcome_label, yes_no

    cur = result.currency

    def money(value: float) -> str:
        return f"{format_number(value, 2, lang)} {cur}"

    labels = [*result.period_labels, fu_text("cumulative", lang)]
    width = max(len(label) for label in labels)

    def line(period: str, row: dict[Any, Any]) -> str:
        return (
            f"  {period:<{width}} {resource_label(str(row['resource']), lang):<14} "
            f"{format_number(row['observed'], 0, lang):>12} / "
            f"{format_number(row['expected'], 0, lang)} {row['unit']}  "
            f"{format_percent(row['deviation_share'], 1, lang):>8}  "
            f"{outcome_label(str(row['outcome']), lang)}  {money(row[f'amount_{cur}'])}"
        )

    lines = [f"{fu_text('title', lang)}: {result.commitment.name} (bid {result.commitment.bid_id})"]
    for row in result.periods.reset_index().to_dict("records"):
        coverage = format_percent(row["coverage"], 1, lang)
        lines.append(
            f"{line(str(row['period']), row)}  ({fu_text('coverage', lang).lower()} {coverage})"
        )
    for row in result.cumulative.reset_index().to_dict("records"):
        lines.append(line(fu_text("cumulative", lang), row))
    figures = result.key_figures()
    lines.append(f"{fu_text('total_amount', lang)}: {money(figures['total_amount'])}")
    for key in ("awarded_lcc", "realised_lcc", "forecast_lcc"):
        figure = {"awarded_lcc": "awarded", "realised_lcc": "realised", "forecast_lcc": "forecast"}
        value = figures[f"{figure[key]}_life_cycle_cost"]
        lines.append(f"{fu_text(key, lang)}: {format_number(value, 0, lang)} {cur}")
    if figures["has_hindsight"]:
        lines.append(
            f"{fu_text('ranking_changed', lang)} {yes_no(bool(figures['ranking_changed']), lang)}; "
            f"{fu_text('awarded_margin', lang).lower()} "
            f"{format_number(figures['awarded_margin'], 0, lang)} {cur}, "
            f"{fu_text('hindsight_margin', lang).lower()} "
            f"{format_number(figures['hindsight_margin'], 0, lang)} {cur}"
        )
    else:
        lines.append(fu_text("no_hindsight", lang))
    for code, message in zip(result.warnings["code"], result.warnings["message"], strict=True):
        lines.append(f"{code}: {fu_warning_text(str(code), str(message), lang)}")
    return "\n".join(lines)
