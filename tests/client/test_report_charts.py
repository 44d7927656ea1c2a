"""Excel report and PNG charts (offline, hand-made response)."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tco_client.charts import CHART_NAMES, chart_paths, write_charts
from tco_client.report import write_report
from tco_client.result import EvaluationResult
from tests.conftest import ROOT

SHEETS_EN = [
    "Ranking",
    "Cost by category",
    "Emissions by module",
    "Measures",
    "Cash flows B",
    "Cash flows C",
    "Cash flows A",
    "Warnings",
    "Explanations",
    "Assumptions",
    "Bids as offered",
]


def _cells(ws: object) -> list[object]:
    return [v for row in ws.iter_rows(values_only=True) for v in row if v is not None]  # type: ignore[attr-defined]


def test_report_sheets_headers_and_formats(
    offline_result: EvaluationResult, tmp_path: Path
) -> None:
    path = write_report(offline_result, tmp_path / "report.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == SHEETS_EN
    ranking = wb["Ranking"]
    headers = [c.value for c in ranking[1]]
    assert "Evaluated cost (SEK)" in headers
    assert "Emissions (kg CO2e)" in headers
    assert ranking.freeze_panes == "C2"
    column = headers.index("Evaluated cost (SEK)") + 1
    assert ranking.cell(2, column).value == offline_result.response.results[0].evaluated_cost
    assert ranking.cell(2, column).number_format == "#,##0"
    pct = headers.index("Difference to best (%)") + 1
    assert ranking.cell(3, pct).number_format == "0.00%"
    assert ranking.cell(3, pct).value == offline_result.ranking["difference_to_best_share"].iloc[1]
    assert ranking.cell(3, pct).value == pytest.approx(
        offline_result.response.results[1].difference_to_best_percent / 100
    )
    kg = headers.index("Emissions (kg CO2e)") + 1
    assert ranking.cell(2, kg).number_format == "#,##0.0"
    for ws in wb.worksheets:
        assert ws.freeze_panes is not None, ws.title
        assert ws.column_dimensions["A"].width >= 8
    measures = wb["Measures"]
    m_headers = [c.value for c in measures[1]]
    assert "SIR status" in m_headers
    assert "never pays back" in _cells(measures)
    assert "Abatement cost (SEK/t CO2e)" in m_headers


def test_assumptions_sheet_has_sources_and_digests(
    offline_result: EvaluationResult, tmp_path: Path
) -> None:
    wb = load_workbook(write_report(offline_result, tmp_path / "report.xlsx"))
    cells = _cells(wb["Assumptions"])
    assert offline_result.method_digest in cells
    assert offline_result.request_digest in cells
    assert "Discount rate" in cells
    assert 0.035 in cells
    assert any("well-to-wheel" in str(c) for c in cells)  # emission factor basis recorded
    assert "Exchange rate EUR" in cells
    text = " ".join(str(c) for c in cells)
    assert "2027 (base-year price level)" in text


def test_report_is_reproducible(offline_result: EvaluationResult, tmp_path: Path) -> None:
    first = write_report(offline_result, tmp_path / "a.xlsx").read_bytes()
    second = write_report(offline_result, tmp_path / "b.xlsx").read_bytes()
    assert first == second
    assert b"dcterms:modified" not in first  # no date of evaluation


def test_swedish_report(offline_result: EvaluationResult, tmp_path: Path) -> None:
    wb = load_workbook(write_report(offline_result, tmp_path / "rapport.xlsx", lang="sv"))
    assert wb.sheetnames[0] == "Rangordning"
    assert "Förutsättningar" in wb.sheetnames
    headers = [c.value for c in wb["Rangordning"][1]]
    assert {"Rang", "Anbudsgivare", "Livscykelkostnad (SEK)", "Utvärderingspris (SEK)"} <= set(
        headers
    )
    category_headers = [c.value for c in wb["Kostnad per kategori"][1]]
    assert "Anskaffning (SEK)" in category_headers
    assert "Restvärde (SEK)" in category_headers


@pytest.mark.parametrize("lang", ["en", "sv"])
def test_charts_are_written(offline_result: EvaluationResult, tmp_path: Path, lang: str) -> None:
    paths = write_charts(offline_result, tmp_path / f"led-{lang}.png", lang=lang)
    assert [p.name for p in paths] == [f"led-{lang}-{n}" for n in CHART_NAMES.values()]
    for path in paths:
        data = path.read_bytes()
        assert data.startswith(b"\x89PNG")
        assert len(data) > 20_000, path


def test_chart_paths_for_a_directory_and_a_prefix(tmp_path: Path) -> None:
    in_dir = chart_paths(tmp_path)
    assert in_dir["cumulative"] == tmp_path / "cumulative-cost.png"
    trailing = chart_paths(f"{tmp_path}/new-dir/")
    assert trailing["emissions"] == tmp_path / "new-dir" / "emissions-by-module.png"
    prefix = chart_paths(tmp_path / "out" / "tender.png")
    assert prefix["categories"] == tmp_path / "out" / "tender-cost-by-category.png"
    bare = chart_paths(tmp_path / "tender")
    assert bare["cumulative"] == tmp_path / "tender-cumulative-cost.png"


def test_charts_are_reproducible(offline_result: EvaluationResult, tmp_path: Path) -> None:
    first = write_charts(offline_result, tmp_path / "a.png")
    second = write_charts(offline_result, tmp_path / "b.png")
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes()


_CHART_PROCESS_SCRIPT = """
import pickle, sys
from pathlib import Path
from tco_client.charts import ChartProcess
from tco_client.errors import TcoOutputError

result = pickle.loads(Path(sys.argv[1]).read_bytes())
out = Path(sys.argv[2])
with ChartProcess(f"{out}/forked/", lang="sv") as charts:
    assert charts.forked, "one thread on Linux: the charts are drawn by a child"
    charts.send(result)
    print("paths", *charts.paths())
blocker = out / "a-file"
blocker.write_text("not a folder")
with ChartProcess(blocker / "charts", lang="sv") as charts:
    charts.send(result)
    try:
        charts.paths()
    except TcoOutputError as exc:
        print("error", exc.path, exc)
with ChartProcess(out / "never", lang="sv") as charts:
    pass  # the evaluation failed: the child is stopped, writes nothing
print("never", (out / "never").exists())
"""


@pytest.mark.skipif(sys.platform != "linux", reason="the chart process forks on Linux only")
def test_chart_process_draws_the_same_charts_in_a_child(
    offline_result: EvaluationResult, tmp_path: Path
) -> None:
    """``tco evaluate --chart`` (the console script) draws the charts in a forked child while it
    writes the report: the same bytes as :func:`write_charts`, a file that cannot be written
    raised in the parent naming the file, and a child that is given no result writes nothing.
    Run in a fresh interpreter: this test process has threads, where the class does not fork."""
    pickled = tmp_path / "result.pickle"
    pickled.write_bytes(pickle.dumps(offline_result))
    done = subprocess.run(
        [sys.executable, "-c", _CHART_PROCESS_SCRIPT, str(pickled), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "client")])},
    )
    assert done.returncode == 0, done.stderr
    lines = {line.split(" ", 1)[0]: line.split(" ")[1:] for line in done.stdout.splitlines()}
    forked = [Path(p) for p in lines["paths"]]
    direct = write_charts(offline_result, f"{tmp_path}/direct/", lang="sv")
    assert [p.name for p in forked] == list(CHART_NAMES.values())
    for a, b in zip(forked, direct, strict=True):
        assert a.read_bytes() == b.read_bytes()
    assert lines["error"][0] == str(tmp_path / "a-file" / "charts-cumulative-cost.png")
    assert "cannot write" in " ".join(lines["error"])
    assert lines["never"] == ["False"]
