"""``tco followup …``: argument parsing, deterministic JSON, and the client's side of each call
against an in-process FollowUpService answering with the hand-made example
(tests/client/followup_sample.py) — the server's own work is tested in tests/records and, end to
end, in test_followup_e2e.py."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import typer
from google.protobuf import json_format
from openpyxl import load_workbook

from tco_client.followup import commitment_name, load_terms, timestamp
from tco_client.followup_cli import parse_column_map, parse_price, to_json
from tco_client.readings_file import ColumnMap
from tcoapi.v1 import followup_pb2 as fpb
from tests.client import followup_sample
from tests.client.conftest import CliResult
from tests.conftest import EXAMPLES

FOLLOWUP = EXAMPLES / "followup"
MAP = [
    "--map", "meter=Mätpunkt", "--map", "start=Från", "--map", "end=Till",
    "--map", "quantity=Förbrukning", "--map", "unit=Enhet", "--map", "estimated=Status",
    "--map", "decimal=,", "--map", "delimiter=;",
]  # fmt: skip


@pytest.fixture
def service() -> Iterator[tuple[followup_sample.RecordingFollowUpService, str]]:
    recording, server, target = followup_sample.start_followup_service()
    yield recording, target
    server.stop(grace=None)


def test_column_map_from_pairs() -> None:
    pairs = ["meter=Mätpunkt", "quantity=Förbrukning", "time=Tid", "cumulative=ja"]
    pairs += ["estimated_values=E, uppskattad", "decimal=,", "default_unit=kWh"]
    columns = parse_column_map(pairs)
    assert columns == ColumnMap(
        meter="Mätpunkt",
        quantity="Förbrukning",
        time="Tid",
        cumulative=True,
        estimated_values=("E", "uppskattad"),
        decimal=",",
        default_unit="kWh",
    )


@pytest.mark.parametrize(
    ("pairs", "why"),
    [
        (["meter=M", "quantity=Q", "colour=red"], "KEY one of"),
        (["meter=M", "quantity"], "KEY=COLUMN"),
        (["meter=M", "quantity=Q", "cumulative=maybe"], "yes or no"),
        (["meter=M"], "name the quantity column"),
    ],
)
def test_bad_column_maps_are_refused_by_name(pairs: list[str], why: str) -> None:
    with pytest.raises(typer.BadParameter, match=why):
        parse_column_map(pairs)


def test_prices_and_names() -> None:
    assert parse_price("electricity=1.45 SEK/kWh") == ("electricity", (1.45, "SEK/kWh"))
    assert parse_price("diesel=17,5 SEK/l") == ("diesel", (17.5, "SEK/l"))
    for bad in ("electricity=1.45", "=1 SEK/kWh", "electricity=x SEK/kWh"):
        with pytest.raises(typer.BadParameter):
            parse_price(bad)
    assert commitment_name("procurements/p/commitments/c") == "procurements/p/commitments/c"
    assert commitment_name("p/commitments/c") == "procurements/p/commitments/c"
    with pytest.raises(ValueError, match="name the procurement"):
        commitment_name("c")
    stamp = timestamp("2029-01-01T00:00:00+01:00")
    assert stamp.ToDatetime(tzinfo=UTC) == datetime(2028, 12, 31, 23, tzinfo=UTC)


def test_terms_files_json_and_yaml_read_alike(tmp_path: Path) -> None:
    """The example's terms as JSON, and the same as YAML (a YAML timestamp becomes the proto's
    RFC 3339 text); an unknown field is refused naming the file."""
    from_json = load_terms(FOLLOWUP / "lighting-commitment.json")
    assert from_json.guarantee_periods == 2
    assert from_json.promises[0].terms.clause == fpb.CLAUSE_KIND_SHORTFALL_PAYMENT
    assert from_json.contract_start_time.ToDatetime(tzinfo=UTC) == datetime(
        2026, 12, 31, 23, tzinfo=UTC
    )
    document = json.loads((FOLLOWUP / "lighting-commitment.json").read_text(encoding="utf-8"))
    import yaml

    text = yaml.safe_dump(document, allow_unicode=True).replace(
        "'2027-01-01T00:00:00+01:00'", "2027-01-01 00:00:00+01:00"
    )
    (tmp_path / "terms.yaml").write_text(text, encoding="utf-8")
    assert load_terms(tmp_path / "terms.yaml") == from_json
    (tmp_path / "bad.json").write_text('{"guaranteePeriods": 2, "colour": "red"}')
    from tco_client.errors import TcoInvalidTender

    with pytest.raises(TcoInvalidTender) as caught:
        load_terms(tmp_path / "bad.json")
    assert caught.value.violations[0].field == "bad.json"


def test_json_output_is_deterministic_and_round_trips() -> None:
    response = followup_sample.response()
    first = to_json(response)
    assert first == to_json(followup_sample.response())
    document = json.loads(first)
    assert list(document) == sorted(document)
    assert document["periods"][1]["outcomes"][0]["outcome"] == "OUTCOME_SHORTFALL"
    assert "recorded_by" in document["commitment"]  # proto field names
    back = fpb.GetFollowUpReportResponse()
    json_format.Parse(first, back)
    assert back == response


def test_the_command_line_offers_the_followup_commands(cli: Callable[..., CliResult]) -> None:
    listed = cli("followup", "--help")
    assert listed.exit_code == 0
    for command in ("commitments", "readings", "correct", "report"):
        assert command in listed.stdout
    assert "followup" in cli("--help").stdout


def test_usage_errors_exit_2_before_any_call(cli: Callable[..., CliResult]) -> None:
    unreachable = ["--server", "127.0.0.1:9", "--timeout", "0.5"]
    csv = FOLLOWUP / "readings-2027-2028.csv"
    assert cli("followup", "readings", "led", str(csv), *MAP, *unreachable).exit_code == 2
    bad_map = cli("followup", "readings", "led", str(csv), "--map", "x=y", "--entered-by", "me")
    assert bad_map.exit_code == 2
    assert "--map" in bad_map.stderr
    no_who = cli("followup", "commitments", "led", "--create", str(csv), *unreachable)
    assert no_who.exit_code == 2
    bad_zone = cli("followup", "report", "led/c1", "--timezone", "Mars/Olympus", *unreachable)
    assert bad_zone.exit_code == 2


def test_commitments_create_and_list(
    cli: Callable[..., CliResult], service: tuple[Any, str]
) -> None:
    recording, target = service
    made = cli(
        "followup", "commitments", "led-2027", "--create", FOLLOWUP / "lighting-commitment.json",
        "--recorded-by", "Avtalsförvaltare", "--id", "c1", "--server", target,
    )  # fmt: skip
    assert made.exit_code == 0, made.stderr
    assert "procurements/led-2027/commitments/c1 recorded: bid B" in made.stdout
    sent = recording.requests[-1]
    assert (sent.parent, sent.commitment_id) == ("procurements/led-2027", "c1")
    assert sent.commitment.recorded_by == "Avtalsförvaltare"
    assert sent.commitment.promises[0].series == "belysning-hus-7"
    listed = cli("followup", "commitments", "led-2027", "--server", target, "--format", "json")
    assert listed.exit_code == 0
    assert json.loads(listed.stdout)["commitments"][0]["bid_id"] == "B"


def test_readings_import_streams_the_file_then_a_correction_supersedes(
    cli: Callable[..., CliResult], service: tuple[Any, str]
) -> None:
    """23 monthly rows (July 2028 missing) in batches of 10: three stream messages, the first
    naming who entered them; each reading keeps its file row and the file's SHA-256. The April
    2027 reading (29 249 kWh, row 5) is corrected to 2 924.9 by a new reading superseding it."""
    recording, target = service
    csv = FOLLOWUP / "readings-2027-2028.csv"
    stored = cli(
        "followup", "readings", "led-2027", csv, *MAP, "--entered-by", "Driftavdelningen",
        "--batch-rows", "10", "--server", target, "--format", "json",
    )  # fmt: skip
    assert stored.exit_code == 0, stored.stderr
    answer = json.loads(stored.stdout)
    assert int(answer["readings_appended"]) == 23
    messages = [r for r in recording.requests if isinstance(r, fpb.StreamReadingsRequest)]
    assert messages
    assert messages[0].entered_by == "Driftavdelningen"
    assert {m.parent for m in messages} == {"procurements/led-2027"}
    readings = recording.readings
    april = next(r for r in readings if r.quantity.value == 29249)
    assert april.start_time.ToDatetime(tzinfo=UTC) == datetime(2027, 3, 31, 22, tzinfo=UTC)
    assert april.end_time.ToDatetime(tzinfo=UTC) == datetime(2027, 4, 30, 22, tzinfo=UTC)
    assert april.file_sha256
    assert april.origin.endswith("row 5")
    assert sum(r.estimated for r in readings) == 1

    fixed = cli(
        "followup", "correct", "led-2027", april.name, "--quantity", "2924.9",
        "--entered-by", "Energicontroller", "--server", target,
    )  # fmt: skip
    assert fixed.exit_code == 0, fixed.stderr
    correction = recording.requests[-1].readings[0]
    assert correction.supersedes == april.name
    assert (correction.quantity.value, correction.quantity.unit) == (2924.9, "kWh")
    assert correction.start_time == april.start_time
    assert correction.end_time == april.end_time
    listed = cli("followup", "readings", "led-2027", "--server", target)
    assert listed.exit_code == 0
    assert "belysning-hus-7" in listed.stdout


def test_report_text_json_excel_and_chart(
    cli: Callable[..., CliResult], service: tuple[Any, str], tmp_path: Path
) -> None:
    recording, target = service
    shown = cli(
        "followup", "report", "led-2027", "--as-of", "2029-01-01T00:00:00+01:00",
        "--actual-price", "electricity=1.45 SEK/kWh", "--excel", tmp_path / "u.xlsx",
        "--chart", tmp_path / "u.png", "--lang", "sv", "--server", target,
    )  # fmt: skip
    assert shown.exit_code == 0, shown.stderr
    asked = recording.requests[-1]
    assert asked.name == "procurements/led-2027/commitments/c1"  # the only commitment
    assert asked.as_of_time.ToDatetime(tzinfo=UTC) == datetime(2028, 12, 31, 23, tzinfo=UTC)
    assert asked.actual_prices[0].resource == "electricity"
    assert asked.actual_prices[0].price.value == 1.45
    assert "underskott mot åtagandet" in shown.stdout
    assert "2\u00a0196,57 SEK" in shown.stdout
    assert "Rapport:" in shown.stderr
    assert "Diagram:" in shown.stderr
    assert load_workbook(tmp_path / "u.xlsx").sheetnames[0] == "Sammanfattning"
    assert (tmp_path / "u.png").read_bytes()[:4] == b"\x89PNG"

    one = cli("followup", "report", "led-2027/c1", "--period", "2028", "--format", "json",
              "--server", target)  # fmt: skip
    assert one.exit_code == 0
    again = cli("followup", "report", "led-2027/c1", "--period", "2028", "--format", "json",
                "--server", target)  # fmt: skip
    assert one.stdout == again.stdout
    assert [p["label"] for p in json.loads(one.stdout)["periods"]] == ["2028"]
    unknown = cli("followup", "report", "led-2027/c1", "--period", "2031", "--server", target)
    assert unknown.exit_code == 2
    assert "no period 2031" in unknown.stderr


def test_a_bad_readings_file_is_refused_naming_row_and_column_before_anything_is_sent(
    cli: Callable[..., CliResult], service: tuple[Any, str], tmp_path: Path
) -> None:
    recording, target = service
    lines = (FOLLOWUP / "readings-2027-2028.csv").read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace("3540,7", "-3540,7")  # row 3: a negative consumption
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    refused = cli(
        "followup", "readings", "led-2027", bad, *MAP, "--entered-by", "me", "--server", target
    )  # fmt: skip
    assert refused.exit_code == 2
    assert "row 3" in refused.stderr
    assert "Förbrukning" in refused.stderr
    assert recording.requests == []


def test_the_example_readings_are_what_their_generator_writes(tmp_path: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("gen", FOLLOWUP / "generate_readings.py")
    assert spec is not None
    assert spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    assert generator.main([str(tmp_path / "again.csv")]) == 0
    committed = (FOLLOWUP / "readings-2027-2028.csv").read_bytes()
    assert (tmp_path / "again.csv").read_bytes() == committed
    assert len(committed.decode("utf-8").splitlines()) == 1 + 23  # header, July 2028 missing
