"""The Excel report printed as a person prints it: LibreOffice (headless Calc) converts it to PDF.

Needs ``soffice`` (Debian package ``libreoffice-calc-nogui``; ``make pdf-tools`` installs it where
it can); skipped with that reason otherwise. Pages are counted in the PDF (its page objects). What
is asserted: the ranking sheet, 16 columns wide, prints on one page (fit to the page width: no
column cut onto a second sheet of paper), and the whole report takes at most two pages a sheet.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tco_client.report import write_report
from tco_client.result import EvaluationResult

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        SOFFICE is None,
        reason="LibreOffice is not installed (run `make pdf-tools`: Debian libreoffice-calc-nogui)",
    ),
]

_PAGE = re.compile(rb"/Type\s*/Page(?![s\w])")


def _to_pdf(workbook: Path, tmp_path: Path) -> Path:
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
    )
    pdf = tmp_path / f"{workbook.stem}.pdf"
    assert pdf.is_file()
    return pdf


def _pages(pdf: Path) -> int:
    return len(_PAGE.findall(pdf.read_bytes()))


def _only(report: Path, sheet: str, out: Path) -> Path:
    wb = load_workbook(report)
    for ws in list(wb.worksheets):
        if ws.title != sheet:
            wb.remove(ws)
    wb.save(out)
    return out


def test_report_prints_without_cut_columns(
    offline_result: EvaluationResult, tmp_path: Path
) -> None:
    report = write_report(offline_result, tmp_path / "rapport.xlsx", lang="sv", title="Fordon")
    sheets = load_workbook(report).sheetnames
    ranking = _only(report, "Rangordning", tmp_path / "rangordning.xlsx")
    assert load_workbook(ranking)["Rangordning"].max_column >= 14  # wide: landscape, fitted
    assert _pages(_to_pdf(ranking, tmp_path)) == 1
    pages = _pages(_to_pdf(report, tmp_path))
    assert len(sheets) <= pages <= 2 * len(sheets)
