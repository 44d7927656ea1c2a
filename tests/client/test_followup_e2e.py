"""The example contract (examples/followup/) from award to a two-year follow-up through a real
server: ``scripts/followup_demo.py``'s steps, then the report read back through the client and
``tco followup``.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from openpyxl import load_workbook

from tco_client.cli import main
from tco_client.errors import TcoInvalidTender, TcoServiceError
from tco_client.followup import FollowUpClient
from tcoapi.v1 import followup_pb2 as fpb
from tests.conftest import EXAMPLES, ServerProcess

ROOT = Path(__file__).resolve().parents[2]


def _demo() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "followup_demo", ROOT / "scripts" / "followup_demo.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def records_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    server = ServerProcess("--data-dir", str(tmp_path_factory.mktemp("records")))
    try:
        yield server
    finally:
        assert server.stop() == 0, server.logs()


@pytest.fixture(scope="module")
def followed_up(
    records_server: ServerProcess, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, list[Path]]:
    """The demo's whole path (publish, evaluate, award, commit, import, correct, report)."""
    out = tmp_path_factory.mktemp("out")
    written = _demo().follow_up(records_server.target, out, "sv")
    return records_server.target, written


def test_the_example_contract_is_followed_up_for_two_years(
    followed_up: tuple[str, list[Path]],
) -> None:
    """2027 (the April typo corrected) is within the ±5 % band; 2028 (July missing, coverage
    335/366) is over it: a shortfall the supplier pays; B stays the best bid in hindsight."""
    target, written = followed_up
    with FollowUpClient(target) as client:
        commitment = client.get_commitment("led-2027/c1")
        assert commitment.bid_id == "B"
        assert commitment.promises[0].promised_per_year.value == pytest.approx(36400, rel=1e-6)
        readings = client.readings("led-2027", "belysning-hus-7")
        assert len(readings) == 24  # 23 from the file, one correction
        assert readings["superseded"].sum() == 1
        report = client.follow_up_report("led-2027/c1", as_of="2029-01-01T00:00:00+01:00")
    periods = report.periods.reset_index()
    assert len(periods) == 2  # two yearly settlement periods of the one promise
    first, second = periods.iloc[0], periods.iloc[1]
    # settled on the Stockholm calendar (Commitment.time_zone): the years, not "2026-12-31+12m"
    assert [p.label for p in report.response.periods] == ["2027", "2028"]
    assert first["observed"] == pytest.approx(36946.0, abs=0.5)
    assert first["outcome"] == "within_band"
    assert first["amount_SEK"] == 0
    assert second["observed"] == pytest.approx(39821.6, abs=0.5)
    assert second["outcome"] == "shortfall"
    assert second["amount_SEK"] > 0
    assert second["coverage"] == pytest.approx(335 / 366, abs=1e-3)
    assert second["gap_count"] == 1
    assert second["estimated_share"] > 0
    assert periods["settled"].all()
    assert report.response.total_amount == pytest.approx(periods["amount_SEK"].sum())
    assert report.response.HasField("hindsight")
    assert report.response.hindsight.winner == "B"
    assert not report.response.hindsight.ranking_changed
    workbook = load_workbook(written[0])
    assert workbook.sheetnames[:2] == ["Sammanfattning", "Avräkningsperioder"]
    assert written[1].read_bytes()[:4] == b"\x89PNG"


def test_the_report_command_is_deterministic_json(
    followed_up: tuple[str, list[Path]], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target, _ = followed_up
    args = ["followup", "report", "led-2027/c1", "--as-of", "2029-01-01T00:00:00+01:00"]
    args += ["--server", target, "--format", "json"]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert main(args) == 0
    assert capsys.readouterr().out == first
    assert len(json.loads(first)["periods"]) == 2
    excel = tmp_path / "uppfoljning.xlsx"
    assert main([*args[:-2], "--excel", str(excel), "--lang", "sv"]) == 0
    assert excel.exists()


def test_bad_readings_and_early_commitments_are_refused(
    records_server: ServerProcess, followed_up: tuple[str, list[Path]]
) -> None:
    """A reading of a series the contract lacks is refused naming it; a commitment for a
    procurement not yet awarded is FAILED_PRECONDITION."""
    target = records_server.target
    stray = fpb.Reading(series="no-such-meter", kind=fpb.SERIES_KIND_CONSUMPTION)
    stray.quantity.value, stray.quantity.unit = 100.0, "kWh"
    stray.start_time.FromJsonString("2029-01-01T00:00:00Z")
    stray.end_time.FromJsonString("2029-02-01T00:00:00Z")
    with FollowUpClient(target) as client:
        with pytest.raises(TcoInvalidTender) as caught:
            client.append("led-2027", [stray], entered_by="test")
        assert any(v.field.startswith("readings[0]") for v in caught.value.violations)
        client.create("led-unawarded", EXAMPLES / "hospital-led-lighting.json")
        with pytest.raises(TcoServiceError) as early:
            client.create_commitment(
                "led-unawarded",
                EXAMPLES / "followup" / "lighting-commitment.json",
                recorded_by="test",
            )
        assert early.value.code == "FAILED_PRECONDITION"
