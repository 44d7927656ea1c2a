"""``tco procurement …`` against a real server: the README's walk-through, end to end."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from docx import Document

from tco_client.cli import main
from tco_client.procurement import ProcurementClient
from tests.conftest import SAMPLE_TENDER
from tests.records.test_procurements import serving


def test_procurement_commands_end_to_end(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with serving("--data-dir", str(tmp_path / "data")) as (server, _):
        target = ["--server", server.target]

        def tco(*args: str) -> tuple[int, str]:
            code = main(["procurement", *args, *target])
            return code, capsys.readouterr().out

        code, out = tco("create", "vent-2027", str(SAMPLE_TENDER), "--title", "Ventilation")
        assert code == 0, out
        assert "procurements/vent-2027 published" in out
        code, out = tco("evaluate", "vent-2027", str(SAMPLE_TENDER))
        assert code == 0
        assert "procurements/vent-2027/evaluations/e1" in out
        code, out = tco("list", "--format", "json")
        assert json.loads(out)[0]["state"] == "evaluated"
        code, out = tco("reproduce", "vent-2027", "e1")
        assert (code, out.split(":")[0]) == (0, "identical")
        spec = tmp_path / "spec.yaml"
        spec.write_text(
            "switching:\n  - path: carbon_price\n"
            "    range: {mode: PARAMETER_MODE_SCALE, low: 0, high: 20}\n",
            encoding="utf-8",
        )
        code, out = tco("analyze", "vent-2027", "e1", "--spec", str(spec))
        assert code == 0, out
        assert "procurements/vent-2027/evaluations/e1/analyses/a1" in out
        assert "carbon_price" in out

        with ProcurementClient(server.target) as client:
            frame = client.evaluations("vent-2027")
            assert list(frame["evaluation"]) == ["e1"]
            stored = client.evaluation("vent-2027", "e1")
        winner = min(stored.response.results, key=lambda r: r.rank)
        decision = tmp_path / "beslut.docx"
        code, out = tco(
            "award", "vent-2027", "--evaluation", "e1", "--bid", winner.bid_id,
            "--decided-by", "Upphandlingschef", "--lang", "sv", "--out", str(decision),
        )  # fmt: skip
        assert code == 0
        assert f"Anbud {winner.bid_id}" in out
        paragraphs = "\n".join(p.text for p in Document(str(decision)).paragraphs)
        assert "Tilldelningsbeslut" in paragraphs
        assert stored.evaluation_digest in paragraphs
        assert f"Anbud {winner.bid_id}" in paragraphs

        code, out = tco("show", "vent-2027")
        assert f"awarded: bid {winner.bid_id}" in out
        code, out = tco("verify")
        assert (code, out.split(":")[0]) == (0, "ok")

        archive = tmp_path / "vent-2027.zip"
        code, out = tco("export", "vent-2027", str(archive))
        assert code == 0
        with zipfile.ZipFile(archive) as opened:
            names = set(opened.namelist())
        assert {"procurement.json", "manifest.json", "award_sv.txt"} <= names
    # offline: no server needed
    assert main(["procurement", "reproduce", "--archive", str(archive)]) == 0
    assert "every digest holds" in capsys.readouterr().out


def test_an_unknown_procurement_is_a_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with serving("--data-dir", str(tmp_path)) as (server, _):
        code = main(["procurement", "show", "nothing-here", "--server", server.target])
    assert code == 1
    assert "NOT_FOUND" in capsys.readouterr().err
