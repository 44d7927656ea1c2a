"""The Excel report printed as a person prints it: LibreOffice (headless Calc) converts it to PDF.

Needs ``soffice`` (Debian package ``libreoffice-calc-nogui``) and, for the page texts, poppler's
``pdftotext`` (``poppler-utils``); ``make pdf-tools`` installs both where it can, and the tests
skip with that reason otherwise. Pages are counted in the PDF (its page objects) and attributed to
sheets by the page header, which names the sheet (``&A``). What is asserted, for the Swedish
reports of the vehicles and the LED examples evaluated by the real server:

- how many pages each sheet takes (every sheet fits the page width: a cut column would add pages);
- no column is cut: every page of a sheet shows its whole header row, first and last column
  (the header row is repeated on every page);
- no ``###`` (a number too wide for its column), and the first page names the tender and carries
  the method and request digests and the versions.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tco_client.client import TcoClient
from tco_client.report import write_report
from tco_client.result import EvaluationResult
from tests.client.conftest import EXAMPLE_FILES

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOTEXT = shutil.which("pdftotext")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        SOFFICE is None,
        reason="LibreOffice is not installed (run `make pdf-tools`: Debian libreoffice-calc-nogui)",
    ),
]

_PAGE = re.compile(rb"/Type\s*/Page(?![s\w])")

#: Pages of each sheet of the Swedish reports (the cash-flow sheets by prefix): one page a sheet,
#: the explanation trail (long wrapped formulas and inputs) on two.
EXPECTED_PAGES = {
    "vehicles": {
        "Rangordning": 1,
        "Kostnad per kategori": 1,
        "Utsläpp per modul": 1,
        "Lönsamhetsmått": 1,
        "Kassaflöden": 3,
        "Varningar": 1,
        "Förklaringar": 2,
        "Förutsättningar": 1,
        "Anbudens indata": 1,
    },
    "led": {
        "Rangordning": 1,
        "Kostnad per kategori": 1,
        "Utsläpp per modul": 1,
        "Lönsamhetsmått": 1,
        "Kassaflöden": 3,
        "Varningar": 1,
        "Förklaringar": 2,
        "Förutsättningar": 1,
        "Anbudens indata": 1,
    },
}


def _to_pdf(workbook: Path, tmp_path: Path) -> Path:
    """The workbook as LibreOffice prints it for a Swedish user (its locale: ``6 281 617``,
    ``9,29 %``, as a Swedish Excel shows the report's formats)."""
    assert SOFFICE is not None
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(workbook),
        ],
        check=True,
        capture_output=True,
        timeout=300,
        cwd=tmp_path,
        env={**os.environ, "LC_ALL": "sv_SE.UTF-8", "LANG": "sv_SE.UTF-8"},
    )
    pdf = tmp_path / f"{workbook.stem}.pdf"
    assert pdf.is_file()
    return pdf


def _pages(pdf: Path) -> int:
    return len(_PAGE.findall(pdf.read_bytes()))


def _page_texts(pdf: Path) -> list[str]:
    """The text of each page (pdftotext; pages end with a form feed)."""
    if PDFTOTEXT is None:
        pytest.skip("poppler-utils is not installed (run `make pdf-tools`): no pdftotext")
    done = subprocess.run(
        [PDFTOTEXT, "-layout", str(pdf), "-"], check=True, capture_output=True, timeout=120
    )
    return done.stdout.decode("utf-8").split("\f")[: _pages(pdf)]


def _only(report: Path, sheet: str, out: Path) -> Path:
    wb = load_workbook(report)
    for ws in list(wb.worksheets):
        if ws.title != sheet:
            wb.remove(ws)
    wb.save(out)
    return out


def test_ranking_prints_on_one_page(offline_result: EvaluationResult, tmp_path: Path) -> None:
    report = write_report(offline_result, tmp_path / "rapport.xlsx", lang="sv", title="Fordon")
    ranking = _only(report, "Rangordning", tmp_path / "rangordning.xlsx")
    assert load_workbook(ranking)["Rangordning"].max_column >= 14  # wide: landscape, fitted
    assert _pages(_to_pdf(ranking, tmp_path)) == 1


def _sheet_of(page: str, sheets: list[str]) -> str:
    """The sheet a page belongs to: the one its header names (the longest match)."""
    head = page.strip().splitlines()[0] if page.strip() else ""
    named = [s for s in sheets if s in head]
    assert named, f"no sheet named in the page header {head!r}"
    return max(named, key=len)


@pytest.mark.parametrize("name", ["vehicles", "led"])
def test_swedish_report_pages(server_target: str, tmp_path: Path, name: str) -> None:
    with TcoClient(server_target) as client:
        result = client.evaluate(EXAMPLE_FILES[name], reference=True)
    title = EXAMPLE_FILES[name].name
    report = write_report(result, tmp_path / f"{name}.xlsx", lang="sv", title=title)
    wb = load_workbook(report)
    pdf = _to_pdf(report, tmp_path)
    texts = _page_texts(pdf)
    assert len(texts) == _pages(pdf)
    by_sheet: dict[str, list[str]] = {}
    for page in texts:
        by_sheet.setdefault(_sheet_of(page, wb.sheetnames), []).append(page)
    assert set(by_sheet) == set(wb.sheetnames)  # every sheet printed, none empty
    counts: dict[str, int] = {}
    for sheet, pages in by_sheet.items():
        key = "Kassaflöden" if sheet.startswith("Kassaflöden") else sheet
        counts[key] = counts.get(key, 0) + len(pages)
    assert counts == EXPECTED_PAGES[name]
    for sheet, pages in by_sheet.items():
        headers = [str(c.value) for c in wb[sheet][1] if c.value is not None]
        first, last = headers[0].split()[0], headers[-1].split()[0]
        for number, page in enumerate(pages, start=1):
            assert first in page, f"{sheet} page {number}: the first column is cut"
            assert last in page, f"{sheet} page {number}: the last column is cut"
    assert not any("###" in page for page in texts)
    first_page = texts[0]
    assert title in first_page
    assert result.method_digest in first_page
    assert result.request_digest in first_page
    assert result.engine_version in first_page
    assert "Sida 1 av" in first_page
