"""End to end against the real tco-server (shared ``server_target`` fixture): frames equal the
server's numbers, the CLI evaluates every example, writes reports and charts, and maps errors to
exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from google.protobuf import json_format
from openpyxl import load_workbook

from tco_client.client import TcoClient
from tco_client.errors import TcoInvalidTender
from tco_client.result import EvaluationResult
from tco_client.tender import load_tender
from tcoapi.v1 import result_pb2
from tests.client.conftest import EXAMPLE_FILES, CliResult
from tests.client.test_tender_files import small_tender_workbook
from tests.conftest import ROOT

Cli = Callable[..., CliResult]


@pytest.fixture(scope="module")
def results(server_target: str) -> dict[str, EvaluationResult]:
    with TcoClient(server_target) as client:
        return {name: client.evaluate(path, reference=True) for name, path in EXAMPLE_FILES.items()}


@pytest.mark.parametrize("name", sorted(EXAMPLE_FILES))
def test_frames_match_the_server_numbers(results: dict[str, EvaluationResult], name: str) -> None:
    result = results[name]
    response = result.response
    assert response.currency == "SEK"
    ranking = result.ranking
    assert len(ranking) == len(result.request.bids)
    assert list(ranking.index) == [r.bid_id for r in response.results]
    for row, r in zip(ranking.to_dict("records"), response.results, strict=True):
        assert row["rank"] == r.rank
        assert row["evaluated_cost_SEK"] == r.evaluated_cost
        assert row["life_cycle_cost_SEK"] == r.life_cycle_cost
        assert row["climate_cost_SEK"] == r.climate_cost
        assert row["externality_cost_SEK"] == r.externality_cost
        assert row["deductions_SEK"] == r.deductions
        assert row["emissions_total_kgCO2e"] == r.emissions_total
        for category, value in r.cost_by_category.items():
            assert result.cost_by_category.loc[r.bid_id, f"{category}_SEK"] == value
        for module, value in r.emissions_by_module.items():
            assert result.emissions_by_module.loc[r.bid_id, f"{module}_kgCO2e"] == value
        flows = result.cash_flows[result.cash_flows["bid_id"] == r.bid_id]
        assert len(flows) == len(r.cash_flow)
        assert flows["discounted_SEK"].sum() == pytest.approx(
            sum(cf.discounted for cf in r.cash_flow)
        )
        # The server's totals are consistent with its own breakdowns.
        assert result.cost_by_category.loc[r.bid_id, "total_SEK"] == pytest.approx(
            r.life_cycle_cost, abs=0.01 * len(r.cost_by_category)
        )
    assert list(ranking["rank"]) == sorted(ranking["rank"])
    assert len(result.method_digest) == 64
    assert len(result.request_digest) == 64


def test_measures_frame_from_the_server(results: dict[str, EvaluationResult]) -> None:
    result = results["led"]  # baseline A
    measures = result.measures
    assert measures.loc["A", "sir_status"] == "is_baseline"
    for r in result.response.results:
        m = r.measures
        row = measures.loc[r.bid_id]
        assert row["net_savings_SEK"] == m.net_savings
        if m.sir_status == result_pb2.MEASURE_STATUS_OK:
            assert row["sir"] == m.sir
        else:
            assert row["sir"] is pd.NA


def test_deductions_model_flips_the_it_ranking(results: dict[str, EvaluationResult]) -> None:
    ranking = results["it"].ranking
    assert ranking.loc["A", "rank"] == 1
    assert ranking.loc["A", "deductions_SEK"] == 650_000
    # Before deductions C is cheaper: the fixed deductions decide.
    total = ranking["life_cycle_cost_SEK"] + ranking["climate_cost_SEK"]
    assert total["C"] < total["A"]


def test_vehicles_price_pollutants_and_functional_units(
    results: dict[str, EvaluationResult],
) -> None:
    ranking = results["vehicles"].ranking
    assert ranking.loc["A", "externality_cost_SEK"] > 0  # CVD NOx/NMHC/PM
    assert ranking.loc["C", "externality_cost_SEK"] == 0  # no tailpipe pollutants
    assert ranking["cost_per_functional_unit_SEK"].notna().all()
    assert not any(
        w.code == "RESIDUAL_VALUE_IGNORED" for w in results["vehicles"].response.warnings
    )


@pytest.mark.parametrize("name", sorted(EXAMPLE_FILES))
def test_cli_evaluate_writes_ranking_report_and_charts(
    cli: Cli, server_target: str, name: str, tmp_path: Path, results: dict[str, EvaluationResult]
) -> None:
    out = cli(
        "evaluate",
        EXAMPLE_FILES[name],
        "--server",
        server_target,
        "--excel",
        tmp_path / "report.xlsx",
        "--chart",
        tmp_path / "charts.png",
    )
    assert out.exit_code == 0, out.stderr
    assert "Ranking" in out.stdout
    assert "Evaluated cost (SEK)" in out.stdout
    for r in results[name].response.results:
        assert r.bid_id in out.stdout
    assert results[name].request_digest in out.stdout
    wb = load_workbook(tmp_path / "report.xlsx")
    assert {"Ranking", "Cost by category", "Emissions by module", "Measures", "Assumptions"} <= set(
        wb.sheetnames
    )
    assert all(f"Cash flows {b}" in wb.sheetnames for b in results[name].bid_ids)
    assert wb["Ranking"].freeze_panes == "C2"
    assumptions = [v for row in wb["Assumptions"].iter_rows(values_only=True) for v in row]
    assert results[name].method_digest in assumptions
    assert results[name].request_digest in assumptions
    for chart in ("cumulative-cost", "cost-by-category", "emissions-by-module"):
        png = tmp_path / f"charts-{chart}.png"
        assert png.read_bytes().startswith(b"\x89PNG")
        assert png.stat().st_size > 20_000


def test_cli_report_names_the_carbon_series_source(
    cli: Cli, server_target: str, tmp_path: Path
) -> None:
    out = cli("evaluate", EXAMPLE_FILES["led"], "-s", server_target, "--excel", tmp_path / "r.xlsx")
    assert out.exit_code == 0, out.stderr
    cells = [
        str(v)
        for row in load_workbook(tmp_path / "r.xlsx")["Assumptions"].iter_rows(values_only=True)
        for v in row
        if v is not None
    ]
    assert "asek-7.0" in cells
    assert any("Trafikverket" in c for c in cells)
    assert "2017" in cells  # the series' price-base year
    assert any("nordic-mix-2021-2023" in c for c in cells)


def test_cli_json_output_parses_back(cli: Cli, server_target: str) -> None:
    out = cli("evaluate", EXAMPLE_FILES["sample"], "--server", server_target, "--format", "json")
    assert out.exit_code == 0, out.stderr
    response = json_format.Parse(out.stdout, result_pb2.EvaluateBidsResponse())
    assert [r.bid_id for r in response.results]
    assert '"evaluated_cost"' in out.stdout  # proto field names, not lowerCamelCase
    assert '"evaluatedCost"' not in out.stdout


def test_cli_csv_output(cli: Cli, server_target: str) -> None:
    out = cli("evaluate", EXAMPLE_FILES["sample"], "-s", server_target, "-f", "csv")
    assert out.exit_code == 0, out.stderr
    header = out.stdout.splitlines()[0].split(",")
    assert header[:3] == ["rank", "bid_id", "supplier"]
    assert "evaluated_cost_SEK" in header


def test_cli_swedish_headers(cli: Cli, server_target: str, tmp_path: Path) -> None:
    out = cli(
        "evaluate",
        EXAMPLE_FILES["led"],
        "--server",
        server_target,
        "--lang",
        "sv",
        "--excel",
        tmp_path / "rapport.xlsx",
    )
    assert out.exit_code == 0, out.stderr
    for header in ("Rang", "Anbudsgivare", "Livscykelkostnad", "Klimatkostnad", "Utvärderingspris"):
        assert header in out.stdout
    assert "Rangordning" in load_workbook(tmp_path / "rapport.xlsx").sheetnames


def test_cli_invalid_tender_prints_every_violation_and_exits_2(
    cli: Cli, server_target: str, tmp_path: Path
) -> None:
    document = json.loads(EXAMPLE_FILES["sample"].read_text(encoding="utf-8"))
    document["method"]["study_period_years"] = 0
    document["bids"][0]["items"][0]["unit_price"]["unit"] = "kWh"
    document["bids"][1]["items"][0]["resource_use"][0]["resource"] = "unobtainium"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document), "utf-8")
    out = cli("evaluate", path, "--server", server_target)
    assert out.exit_code == 2
    lines = out.stderr.splitlines()
    for field in (
        "method.study_period_years: ",
        "bids[0].items[0].unit_price.unit: ",
        "bids[1].items[0].resource_use[0].resource: ",
    ):
        assert any(line.startswith(field) for line in lines), out.stderr
    assert "Traceback" not in out.stderr
    validate = cli("validate", path, "--server", server_target)
    assert validate.exit_code == 2
    assert validate.stderr == out.stderr


def test_cli_invalid_workbook_violations_point_at_cells(
    cli: Cli, server_target: str, tmp_path: Path
) -> None:
    path = small_tender_workbook(tmp_path)
    wb = load_workbook(path)
    wb["Bids"]["H2"] = "kWh"  # unit_price unit of bid A: not money
    wb.save(path)
    out = cli("evaluate", path, "--server", server_target)
    assert out.exit_code == 2, out.stdout
    assert any(
        # the cell first, the request path after it (#17.6)
        line.startswith("Bids!H2: ") and line.endswith("— bids[0].items[0].unit_price.unit")
        for line in out.stderr.splitlines()
    ), out.stderr


def test_cli_unreadable_file_exits_2(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("method: [unclosed\n", "utf-8")
    out = cli("evaluate", path, "--server", "127.0.0.1:1")
    assert out.exit_code == 2
    assert out.stderr.splitlines()[1].startswith("broken.yaml:")


def test_cli_unreachable_server_exits_1_with_a_clear_message(cli: Cli) -> None:
    out = cli("evaluate", EXAMPLE_FILES["sample"], "--server", "127.0.0.1:1", "--timeout", "2")
    assert out.exit_code == 1
    assert "unreachable" in out.stderr
    assert "127.0.0.1:1" in out.stderr
    assert "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_cli_validate_and_factors(cli: Cli, server_target: str) -> None:
    out = cli("validate", EXAMPLE_FILES["vehicles"], "--server", server_target)
    assert out.exit_code == 0, out.stderr
    assert "valid" in out.stdout
    assert "Request digest" in out.stdout
    factors = cli("factors", "--server", server_target)
    assert factors.exit_code == 0, factors.stderr
    assert "asek-7.0" in factors.stdout
    assert "nordic-mix-2021-2023" in factors.stdout
    as_json = cli("factors", "--server", server_target, "--format", "json")
    document = json.loads(as_json.stdout)
    ids = {s["id"] for s in document["carbon_price_series"]["series"]}
    assert "asek-7.0" in ids


def test_template_round_trip_through_the_cli(cli: Cli, server_target: str, tmp_path: Path) -> None:
    workbook = tmp_path / "it.xlsx"
    out = cli("template", workbook, "--from", EXAMPLE_FILES["it"])
    assert out.exit_code == 0, out.stderr
    assert load_tender(workbook) == load_tender(EXAMPLE_FILES["it"])
    again = cli("template", workbook)
    assert again.exit_code == 2  # refuses to overwrite
    assert "exists" in again.stderr
    evaluated = cli("evaluate", workbook, "--server", server_target, "--format", "json")
    assert evaluated.exit_code == 0, evaluated.stderr
    direct = cli("evaluate", EXAMPLE_FILES["it"], "--server", server_target, "--format", "json")
    assert evaluated.stdout == direct.stdout


def test_console_script_entry_point(server_target: str) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tco_client.cli",
            "evaluate",
            str(EXAMPLE_FILES["sample"]),
            "--server",
            server_target,
            "--format",
            "csv",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("rank,bid_id,supplier")
    usage = subprocess.run(
        [sys.executable, "-m", "tco_client.cli", "evaluate"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )
    assert usage.returncode == 2


def test_validate_only_raises_for_invalid(server_target: str) -> None:
    with TcoClient(server_target) as client, pytest.raises(TcoInvalidTender) as caught:
        client.validate({"method": {"currency": "SEK"}, "bids": []})
    assert caught.value.violations
    assert all(v.field for v in caught.value.violations)


@pytest.mark.slow
def test_demo_once() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "demo.py"), "--once", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "health: SERVING" in done.stdout
    assert done.stdout.count("Ranking") == 4
    assert "Nordic Lighting Solutions AB" in done.stdout


@pytest.mark.slow
def test_demo_keeps_serving_until_sigterm() -> None:
    import signal

    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "demo.py"), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert proc.stdout is not None
        seen = []
        for line in proc.stdout:
            seen.append(line)
            if line.startswith("Serving on"):
                break
        assert any(line.startswith("Serving on") for line in seen), "".join(seen)
        target = seen[-1].split()[2].rstrip(".")
        with TcoClient(target) as client:  # still serving after the demo evaluations
            assert client.evaluate(EXAMPLE_FILES["sample"]).bid_ids
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "server stopped" in out
