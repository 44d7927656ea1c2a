"""``tco analyze`` and ``TcoClient.analyze`` against the real service: tables, JSON, charts,
Excel, specs; and the analysis DataFrames and labels."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from openpyxl import load_workbook
from PIL import Image

from tco_client import analysis as an
from tco_client import analysis_spec
from tco_client.analysis_charts import tornado_chart, win_probability_chart
from tco_client.client import TcoClient
from tco_client.tender import load_tender
from tests.client.conftest import EXAMPLE_FILES, CliResult

LED = EXAMPLE_FILES["led"]


@pytest.fixture(scope="module")
def led_result(server_target: str) -> an.AnalysisResult:
    spec = analysis_spec.default_spec(load_tender(LED), draws=4_000, seed=5)
    with TcoClient(server_target) as client:
        return client.analyze(LED, spec)


def test_client_analyze_gives_frames(led_result: an.AnalysisResult) -> None:
    cur = led_result.currency
    assert list(led_result.base.columns) == [f"evaluated_cost_{cur}", "rank", "tied"]
    assert led_result.base.index.name == "bid_id"
    assert led_result.leader == "B"
    tornado = led_result.tornado
    swings = tornado[f"swing_{cur}"].tolist()
    assert swings == sorted(swings, reverse=True)
    assert set(led_result.tornado_bids["bid_id"]) == set(led_result.bid_ids)
    win = led_result.win_probability
    assert win["probability_best"].sum() == pytest.approx(1.0, abs=1e-12)
    pct = led_result.percentiles
    assert list(pct.index) == led_result.bid_ids
    assert led_result.gap_percentiles[f"p5_{cur}"] <= led_result.gap_percentiles[f"p95_{cur}"]
    assert (pct[f"p5_{cur}"] <= pct[f"p50_{cur}"]).all()
    assert (pct[f"p50_{cur}"] <= pct[f"p95_{cur}"]).all()
    switching = led_result.switching
    assert {"no_switch", "switches"} >= set(switching["status"])
    assert led_result.parameters["path"].tolist()[0] == "discount_rate"
    json.loads(led_result.to_json())


def test_analysis_charts_are_written_and_readable(
    led_result: an.AnalysisResult, tmp_path: Path
) -> None:
    for lang in ("en", "sv"):
        tornado = tornado_chart(led_result, tmp_path / f"tornado-{lang}.png", lang=lang)
        win = win_probability_chart(led_result, tmp_path / f"win-{lang}.png", lang=lang)
        for path in (tornado, win):
            with Image.open(path) as image:
                width, height = image.size
            assert width > 800
            assert height > 300
    # Same analysis, same bytes (no timestamps).
    again = tornado_chart(led_result, tmp_path / "again.png", lang="sv")
    assert again.read_bytes() == (tmp_path / "tornado-sv.png").read_bytes()


def test_cli_analyze_writes_charts_excel_and_spec(
    cli: Callable[..., CliResult], server_target: str, tmp_path: Path
) -> None:
    charts = tmp_path / "charts"
    excel = tmp_path / "analysis.xlsx"
    saved = tmp_path / "spec.yaml"
    result = cli(
        "analyze",
        LED,
        "--server",
        server_target,
        "--lang",
        "sv",
        "--draws",
        "3000",
        "--seed",
        "4",
        "--carbon-price-range",
        "0:20000",
        "--chart-dir",
        charts,
        "--excel",
        excel,
        "--save-spec",
        saved,
    )
    assert result.exit_code == 0, result.stderr
    assert "Rangordning enligt underlaget" in result.stdout
    assert "Brytpunkter" in result.stdout
    assert "Koldioxidpris" in result.stdout
    assert sorted(p.name for p in charts.iterdir()) == ["tornado.png", "win-probability.png"]
    book = load_workbook(excel)
    assert book.sheetnames[:3] == [
        "Rangordning enligt underlaget",
        "Tornado",
        "Tornado per anbud",
    ]
    assert "Monte Carlo" in book.sheetnames
    assert "Brytpunkter" in book.sheetnames
    sheet = book["Monte Carlo"]
    assert sheet.cell(1, 2).value == "Sannolikhet att vara bäst"
    spec = yaml.safe_load(saved.read_text(encoding="utf-8"))
    assert spec["monte_carlo"]["draws"] == 3000
    assert spec["monte_carlo"]["seed"] == "4"  # uint64 in proto JSON is a string
    carbon = [s for s in spec["switching"] if s["path"] == "carbon_price"]
    assert carbon[0]["range"] == {"mode": "PARAMETER_MODE_VALUE", "high": 20.0}


def test_cli_analyze_json_with_a_spec_file(
    cli: Callable[..., CliResult], server_target: str, tmp_path: Path
) -> None:
    spec = {
        "switching": [
            {
                "path": "carbon_price",
                "range": {"mode": "PARAMETER_MODE_VALUE", "low": 0, "high": 50},
            }
        ],
        "scenarios": [
            {
                "name": "Region Nord",
                "settings": [
                    {
                        "path": "resource_prices[electricity].price",
                        "mode": "PARAMETER_MODE_VALUE",
                        "value": 0.6,
                    }
                ],
            },
            {
                "name": "Region Syd",
                "settings": [
                    {
                        "path": "resource_prices[electricity].price",
                        "mode": "PARAMETER_MODE_VALUE",
                        "value": 2.5,
                    },
                    {
                        "path": "bids[*].items[*].quantity",
                        "mode": "PARAMETER_MODE_SCALE",
                        "value": 2,
                    },
                ],
            },
        ],
    }
    path = tmp_path / "analysis.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    result = cli("analyze", LED, "--server", server_target, "--spec", path, "--format", "json")
    assert result.exit_code == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    assert [r["name"] for r in document["scenarios"]["results"]] == ["Region Nord", "Region Syd"]
    assert "monte_carlo" not in document
    assert document["switching"][0]["path"] == "carbon_price"
    assert "winners" in document["scenarios"]


def test_cli_analyze_reports_spec_violations_with_exit_2(
    cli: Callable[..., CliResult], server_target: str, tmp_path: Path
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        yaml.safe_dump({"sensitivity": [{"path": "resource_prices[coal].price", "percent": 10}]}),
        encoding="utf-8",
    )
    result = cli("analyze", LED, "--server", server_target, "--spec", path, "--draws", "0")
    assert result.exit_code == 2
    assert "analysis.sensitivity[0].path" in result.stderr
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text("sensitivty: []\n", encoding="utf-8")
    result = cli("analyze", LED, "--server", server_target, "--spec", unknown)
    assert result.exit_code == 2
    assert "sensitivty" in result.stderr


def test_cli_rejects_a_bad_carbon_price_range(cli: Callable[..., CliResult]) -> None:
    result = cli("analyze", LED, "--carbon-price-range", "5000:100")
    assert result.exit_code == 2


def test_labels() -> None:
    assert an.parameter_label("carbon_price", "sv") == "Koldioxidpris"
    assert an.parameter_label("bids[A].items[1].unit_price") == "Unit price (bid A, item 2)"
    assert an.variation_label("scale", 0.5, 1.5, "carbon_price") == "±50\u00a0%"
    assert (
        an.variation_label("value", 0.0, 5.0, "carbon_price", lang="sv", unit="SEK/kgCO2e")
        == "0 … 5\u00a0000 SEK/t CO2e"
    )
    assert an.format_setting(0.0575, "value", "discount_rate", lang="sv") == "5,75\u00a0%"
    assert an.format_setting(0.01, "shift", "resource_prices[x].escalation") == "+1\u00a0pp"


def test_default_spec_follows_the_tender() -> None:
    tender = load_tender(LED)
    spec = analysis_spec.default_spec(tender, draws=0)
    assert not spec.HasField("monte_carlo")
    paths = [s.path for s in spec.sensitivity]
    assert "carbon_price" in paths
    assert "resource_prices[electricity].price" in paths
    ranged = analysis_spec.default_spec(tender, carbon_price_range=(500, 3000))
    carbon = next(s for s in ranged.switching if s.path == "carbon_price")
    assert (carbon.range.low, carbon.range.high) == (0.5, 3.0)
    analysis_spec.override_monte_carlo(ranged, draws=123, seed=9)
    assert (ranged.monte_carlo.draws, ranged.monte_carlo.seed) == (123, 9)


def test_the_example_spec_runs(
    cli: Callable[..., CliResult], server_target: str, tmp_path: Path
) -> None:
    spec = LED.parent / "analysis-joint-procurement.yaml"
    result = cli(
        "analyze",
        LED,
        "--server",
        server_target,
        "--spec",
        spec,
        "--draws",
        "2000",
        "--chart-dir",
        tmp_path,
    )
    assert result.exit_code == 0, result.stderr
    assert "Region Nord" in result.stdout
    assert "Region Syd" in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tornado.png", "win-probability.png"]


def test_analyze_without_a_spec_is_the_clis_default(
    cli: Callable[..., CliResult], server_target: str, tmp_path: Path
) -> None:
    """``TcoClient.analyze(tender)`` sends what ``tco analyze`` sends without ``--spec`` (the same
    options, the same request, the same response) and says that its assumptions are the
    program's; the evaluated cost has one name and one value in the evaluation and the analysis."""
    saved = tmp_path / "spec.json"
    options = ("--draws", "2000", "--seed", "4", "--carbon-price-range", "0:8000")
    out = cli("analyze", LED, "-s", server_target, "-f", "json", *options, "--save-spec", saved)
    assert out.exit_code == 0, out.stderr
    with TcoClient(server_target, timeout=120) as client:
        result = client.analyze(LED, draws=2000, seed=4, carbon_price_range=(0, 8000))
        evaluation = client.evaluate(LED)
        with_spec = client.analyze(LED, analysis_spec.load_spec(saved))
    assert result.request.analysis == analysis_spec.load_spec(saved)
    assert result.to_json() + "\n" == out.stdout
    assert result.default_analysis
    assert not with_spec.default_analysis
    assert with_spec.to_json() == result.to_json()
    distributions = result.request.analysis.monte_carlo.distributions
    assert result.assumptions["path"].tolist() == [d.path for d in distributions]
    assert len(distributions) > 0
    evaluated = evaluation.ranking["evaluated_cost_SEK"]
    in_analysis = result.base["evaluated_cost_SEK"].loc[evaluated.index]  # aligned on bid_id
    assert evaluated.tolist() == in_analysis.tolist()
    # the workbook of the default analysis says so without being told
    from tco_client.analysis_assumptions import word
    from tco_client.analysis_report import write_analysis_report

    cells = [
        str(c.value)
        for ws in load_workbook(write_analysis_report(result, tmp_path / "a.xlsx")).worksheets
        for row in ws.iter_rows()
        for c in row
        if c.value is not None
    ]
    assert word("default", "en") in cells
    cells = [
        str(c.value)
        for ws in load_workbook(write_analysis_report(with_spec, tmp_path / "b.xlsx")).worksheets
        for row in ws.iter_rows()
        for c in row
        if c.value is not None
    ]
    assert word("default", "en") not in cells


def test_cli_table_shows_fractions_as_percent(
    cli: Callable[..., CliResult], server_target: str
) -> None:
    from tco_client.frames import format_percentages

    with TcoClient(server_target) as client:
        ranking = client.evaluate(LED).ranking
    for lang in ("en", "sv"):
        out = cli("evaluate", LED, "-s", server_target, "--lang", lang)
        assert out.exit_code == 0, out.stderr
        shown = format_percentages(ranking, lang, decimals=1)["difference_to_best_share"]
        assert shown.iloc[-1].endswith("\u00a0%")
        assert shown.iloc[-1] in out.stdout, lang
    assert "," in format_percentages(ranking, "sv")["difference_to_best_share"].iloc[-1]
