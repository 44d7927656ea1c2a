"""``tco procurement …``: the procurement records from the command line.

    tco procurement create ID METHOD_FILE [--title T]     publish the method of a tender file
    tco procurement evaluate ID TENDER_FILE [--id E]      evaluate its bids against it, stored
    tco procurement show ID                               the procurement, its evaluations, award
    tco procurement list [--state evaluated]              the organisation's procurements
    tco procurement reproduce ID EVALUATION               re-run: identical, or what differs
    tco procurement reproduce --archive FILE.zip          check an exported archive offline
                          (its digests; each evaluation re-computed where the engine and the
                          server package are installed, the dev install is)
    tco procurement analyze ID EVALUATION --spec SPEC.yaml  AnalyzeRanking, stored with it
    tco procurement award ID --evaluation E --bid B --decided-by NAME [--reason R]
                          [--lang sv] [--out beslut.docx] [--not-electronic]
    tco procurement verify                                check the hash chain
    tco procurement export ID FILE.zip                    the whole record as an archive

``--format json`` prints the answer as proto JSON. Exit codes as ``tco``: 0 ok, 1 failure (a
service error, a broken chain, a reproduction that differs), 2 invalid input.
"""

# ruff: noqa: PLC0415 - commands import what they need when they run (a fast `tco --help`)

from __future__ import annotations

import enum
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

if TYPE_CHECKING:  # imported when a command runs: ``tco --help`` loads no gRPC, no pandas
    from tco_client.procurement import ProcurementClient

EXIT_OK, EXIT_FAILURE, EXIT_INVALID = 0, 1, 2
#: The server package's offline re-computation of an archive (with the engine), used by
#: ``reproduce --archive`` when it is installed alongside the client (the dev install is).
OFFLINE_REPRODUCTION = "tco_server.records.archive"

app = typer.Typer(
    name="procurement",
    help="Procurement records: publish the method, keep every evaluation, reproduce, award.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class Format(enum.StrEnum):
    table = "table"
    json = "json"


class Lang(enum.StrEnum):
    sv = "sv"
    en = "en"


ServerOpt = Annotated[
    str, typer.Option("--server", "-s", envvar="TCO_SERVER", help="Service address HOST:PORT.")
]
TokenOpt = Annotated[
    str | None,
    typer.Option("--token", envvar="TCO_TOKEN", help="Bearer token sent as authorization."),
]
TimeoutOpt = Annotated[float, typer.Option("--timeout", min=0.001, help="Deadline in seconds.")]
FormatOpt = Annotated[Format, typer.Option("--format", help="table (text) or json.")]
DEFAULT_SERVER, DEFAULT_TIMEOUT = "127.0.0.1:50051", 60.0


def _out(text: str) -> None:
    sys.stdout.write(text.rstrip("\n") + "\n")


def _err(text: str) -> None:
    sys.stderr.write(text.rstrip("\n") + "\n")


def _exit(code: int) -> NoReturn:
    raise typer.Exit(code)


def _reproduce_archive(archive: Path, output_format: Format) -> int:
    """Check an archive offline: the digests always; the evaluations re-computed when the
    server package (and with it the engine) is importable here, else say what that needs."""
    import json

    from tco_client.procurement import check_archive

    problems = check_archive(archive)
    import contextlib
    import importlib

    offline: Any = None
    # optional, found at run time: the client never depends on the server or the engine; the
    # client alone checks the digests only
    with contextlib.suppress(ImportError):
        offline = importlib.import_module(OFFLINE_REPRODUCTION)
    found = [] if offline is None else offline.reproduce_archive(archive)
    differs = any(r.answer is None or not r.answer.identical for r in found)
    if output_format is Format.json:
        document = {
            "archive": str(archive),
            "problems": problems,
            "recomputed": offline is not None,
            "evaluations": [offline.as_dict(r) for r in found] if offline else [],
        }
        _out(json.dumps(document, indent=1))
    else:
        _out("\n".join(problems) if problems else f"{archive}: every digest holds")
        if offline is None:
            _out(
                "not re-computed: that needs the engine and the server package here "
                "(pip install tco-server); the digests above are checked without them"
            )
        for result in found:
            _out("\n".join(offline.describe(result)) if offline else "")
    return EXIT_FAILURE if problems or differs else EXIT_OK


@contextmanager
def _client(server: str, token: str | None, timeout: float) -> Iterator[ProcurementClient]:
    """A client; the client's errors become one-line messages and exit codes."""
    from tco_client.errors import TcoError, TcoInvalidTender
    from tco_client.procurement import ProcurementClient

    try:
        with ProcurementClient(server, token=token, timeout=timeout) as client:
            yield client
    except typer.Exit:
        raise
    except TcoInvalidTender as exc:
        _err(f"error: {exc.details or exc.message}")
        for violation in exc.violations:
            _err(str(violation))
        _exit(EXIT_INVALID)
    except (TcoError, OSError) as exc:
        _err(f"error: {exc}")
        _exit(EXIT_FAILURE)


def _json(message: Any) -> str:
    from google.protobuf import json_format

    return json_format.MessageToJson(message, indent=1, preserving_proto_field_name=True)


@app.command()
def create(
    procurement_id: Annotated[str, typer.Argument(help="Id: lower-case letters, digits, '-'.")],
    method_file: Annotated[Path, typer.Argument(help="Tender file whose method is published.")],
    *,
    title: Annotated[str, typer.Option("--title", help="Title for people.")] = "",
    server: ServerOpt = DEFAULT_SERVER,
    token: TokenOpt = None,
    timeout: TimeoutOpt = DEFAULT_TIMEOUT,
    output_format: FormatOpt = Format.table,
) -> None:
    """Publish a procurement: the method of METHOD_FILE, validated and frozen."""
    with _client(server, token, timeout) as client:
        made = client.create(procurement_id, method_file, title=title)
    _out(
        _json(made)
        if output_format is Format.json
        else f"{made.name} published, method_digest {made.method_digest}"
    )


@app.command()
def evaluate(
    procurement_id: Annotated[str, typer.Argument(help="The procurement.")],
    tender_file: Annotated[Path, typer.Argument(help="Tender file with the bids.")],
    *,
    evaluation_id: Annotated[str, typer.Option("--id", help="Evaluation id (default e1…).")] = "",
    server: ServerOpt = DEFAULT_SERVER,
    token: TokenOpt = None,
    timeout: TimeoutOpt = DEFAULT_TIMEOUT,
    output_format: FormatOpt = Format.table,
) -> None:
    """Evaluate the bids of TENDER_FILE against the published method; the evaluation is stored."""
    with _client(server, token, timeout) as client:
        stored = client.evaluate(procurement_id, tender_file, evaluation_id=evaluation_id)
    if output_format is Format.json:
        _out(_json(stored))
        return
    _out(f"{stored.name}: {stored.bid_count} bids, evaluation_digest {stored.evaluation_digest}")
    for result in sorted(stored.response.results, key=lambda r: (r.rank, r.bid_id)):
        _out(
            f"  {result.rank:>3}  {result.bid_id:<20} {result.evaluated_cost:>18,.2f} "
            f"{stored.response.currency}"
        )


@app.command()
def show(
    procurement_id: Annotated[str, typer.Argument(help="The procurement.")],
    *,
    server: ServerOpt = DEFAULT_SERVER,
    token: TokenOpt = None,
    timeout: TimeoutOpt = DEFAULT_TIMEOUT,
    output_format: FormatOpt = Format.table,
) -> None:
    """Show a procurement, its evaluations and its award."""
    with _client(server, token, timeout) as client:
        record = client.get(procurement_id)
        frame = client.evaluations(procurement_id)
    if output_format is Format.json:
        _out(_json(record))
        return
    from tco_client.procurement import STATE_NAMES

    _out(
        f"{record.name}  {record.title}\nstate: {STATE_NAMES.get(record.state, '?')}  "
        f"method_digest: {record.method_digest}  organization: {record.organization}"
    )
    if not frame.empty:
        _out(frame[["evaluation", "bids", "evaluation_digest"]].to_string(index=False))
    if record.HasField("award"):
        _out(
            f"awarded: bid {record.award.bid_id} (rank {record.award.rank}) by "
            f"{record.award.decided_by}"
        )


@app.command("list")
def list_(
    *,
    state: Annotated[
        str | None, typer.Option("--state", help="published, evaluated, awarded")
    ] = None,
    server: ServerOpt = DEFAULT_SERVER,
    token: TokenOpt = None,
    timeout: TimeoutOpt = DEFAULT_TIMEOUT,
    output_format: FormatOpt = Format.table,
) -> None:
    """List the organisation's procurements."""
    from tco_client.procurement import STATES

    if state is not None and state not in STATES:
        raise typer.BadParameter(f"one of {', '.join(STATES)}", param_hint="--state")
    with _client(server, token, timeout) as client:
        frame = client.procurements(state)
    if output_format is Format.json:
        _out(frame.to_json(orient="records", date_format="iso", indent=1) or "[]")
    else:
        columns = ["procurement", "title", "state", "evaluations", "awarded_bid"]
        _out(frame[columns].to_string(index=False) if not frame.empty else "no procurements")


@app.command()
def reproduce(
    procurement_id: Annotated[str, typer.Argument(help="The procurement.")] = "",
    evaluation: Annotated[str, typer.Argument(help="The evaluation (id or name).")] = "",
    *,
    archive: Annotated[
        Path | None, typer.Option("--archive", exists=True, help="Check an exported archive.")
    ] = None,
    server: ServerOpt = DEFAULT_SERVER,
    token: TokenOpt = None,
    timeout: TimeoutOpt = DEFAULT_TIMEOUT,
    output_format: FormatOpt = Format.table,
) -> None:
    """Re-run a stored evaluation now (or check an exported archive offline: its digests, and
    each evaluation re-computed when the engine and server package are installed here)."""
    if archive is not None:
        _exit(_reproduce_archive(archive, output_format))
    if not evaluation:
        raise typer.BadParameter("give ID EVALUATION, or --archive FILE")
    with _client(server, token, timeout) as client:
        answer = client.reproduce(evaluation, procurement_id)
    if output_format is Format.json:
        _out(_json(answer))
    elif answer.identical:
        _out(f"identical: evaluation_digest {answer.evaluation_digest}")
    else:
        _out(f"differs ({answer.reason}): {len(answer.differences)} figures")
        for d in answer.differences:
            _out(f"  {d.path}: stored {d.stored or '-'}, now {d.reproduced or '-'}")
    if not answer.identical:
        _exit(EXIT_FAILURE)


@app.command()
def analyze(
    procurement_id: Annotated[str, typer.Argument(help="The procurement.")],
    evaluation: Annotated[str, typer.Argument(help="The evaluation (id or name).")],
    *,
    spec: Annotated[
        Path,
        typer.Option("--spec", exists=True, help="Analysis spec (.yaml/.json), as tco analyze."),
    ],
    server: ServerOpt = DEFAULT_SERVER,
    token: TokenOpt = None,
    timeout: TimeoutOpt = DEFAULT_TIMEOUT,
    output_format: FormatOpt = Format.table,
) -> None:
    """Analyse a stored evaluation's ranking (switching values ...); the analysis is stored."""
    from tco_client.analysis_spec import load_spec

    with _client(server, token, timeout) as client:
        answer = client.analyze(evaluation, load_spec(spec), procurement_id)
    if output_format is Format.json:
        _out(_json(answer))
        return
    _out(f"{answer.name}: analysis_digest {answer.response.analysis_digest}")
    for result in answer.response.switching:
        points = ", ".join(f"{p.value!r} ({p.from_bid_id} -> {p.to_bid_id})" for p in result.points)
        _out(f"  {result.path}: {points or 'no switch within the range'}")


@app.command()
def award(
    procurement_id: Annotated[str, typer.Argument(help="The procurement.")],
    *,
    evaluation: Annotated[str, typer.Option("--evaluation", help="The evaluation it rests on.")],
    bid: Annotated[str, typer.Option("--bid", help="Id of the chosen bid.")],
    decided_by: Annotated[str, typer.Option("--decided-by", help="Name or role.")],
    reason: Annotated[str, typer.Option("--reason", help="Needed for a bid not ranked 1.")] = "",
    not_electronic: Annotated[
        bool, typer.Option("--not-electronic", help="Sent by other means: 15 days standstill.")
    ] = False,
    lang: Annotated[Lang, typer.Option("--lang", help="Language of the decision.")] = Lang.sv,
    out: Annotated[Path | None, typer.Option("--out", help=".docx (Word) or text file.")] = None,
    server: ServerOpt = DEFAULT_SERVER,
    token: TokenOpt = None,
    timeout: TimeoutOpt = DEFAULT_TIMEOUT,
    output_format: FormatOpt = Format.table,
) -> None:
    """Record the award decision; print (and write) its drafted reasons."""
    from tco_client.award_document import decision_text, write_decision

    with _client(server, token, timeout) as client:
        record = client.award(
            procurement_id,
            evaluation=evaluation,
            bid_id=bid,
            decided_by=decided_by,
            reason=reason,
            sent_electronically=not not_electronic,
        )
        written = write_decision(record.award, out, lang.value) if out is not None else None
    _out(_json(record) if output_format is Format.json else decision_text(record.award, lang.value))
    if written is not None:
        _err(f"{'Beslut' if lang is Lang.sv else 'Decision'}: {written}")


@app.command()
def verify(
    *,
    server: ServerOpt = DEFAULT_SERVER,
    token: TokenOpt = None,
    timeout: TimeoutOpt = DEFAULT_TIMEOUT,
    output_format: FormatOpt = Format.table,
) -> None:
    """Check the organisation's hash chain; exit 1 naming the first broken record."""
    with _client(server, token, timeout) as client:
        answer = client.verify()
    if output_format is Format.json:
        _out(_json(answer))
    elif answer.ok:
        _out(f"ok: {answer.records_checked} records, head {answer.head_hash or '-'}")
    else:
        _out(f"broken: {answer.first_broken_record}: {answer.problem}")
    if not answer.ok:
        _exit(EXIT_FAILURE)


@app.command()
def export(
    procurement_id: Annotated[str, typer.Argument(help="The procurement.")],
    file: Annotated[Path, typer.Argument(help="The archive to write (.zip).")],
    *,
    server: ServerOpt = DEFAULT_SERVER,
    token: TokenOpt = None,
    timeout: TimeoutOpt = DEFAULT_TIMEOUT,
) -> None:
    """Write the procurement's whole record to a zip archive."""
    with _client(server, token, timeout) as client:
        written = client.export(procurement_id, file)
    _out(f"written: {written}")
