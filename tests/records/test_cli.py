"""``tco procurement …`` against a real server: the README's walk-through, end to end."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from docx import Document

from tco_client.cli import main
from tco_client.procurement import ProcurementClient
from tcoapi.v1 import result_pb2
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
    # offline: no server needed; the engine here re-computes each evaluation
    assert main(["procurement", "reproduce", "--archive", str(archive)]) == 0
    out = capsys.readouterr().out
    assert "every digest holds" in out
    assert "procurements/vent-2027/evaluations/e1: identical" in out
    _archive_that_differs(archive, tmp_path, capsys)


def _archive_that_differs(
    archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An archive whose stored response (and its digest, consistently) says another figure:
    the digests hold, the re-computation names the figure; the client alone says it did not
    re-compute."""
    changed = tmp_path / "changed.zip"
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(changed, "w") as target:
        manifest = json.loads(source.read("manifest.json"))
        stored = result_pb2.EvaluateBidsResponse.FromString(
            source.read("evaluations/e1.response.binpb")
        )
        stored.results[0].evaluated_cost += 1.0
        data = stored.SerializeToString(deterministic=True)
        manifest["evaluations"]["e1"]["evaluation_digest"] = hashlib.sha256(data).hexdigest()
        for name in source.namelist():
            if name == "evaluations/e1.response.binpb":
                target.writestr(name, data)
            elif name == "manifest.json":
                target.writestr(name, json.dumps(manifest))
            else:
                target.writestr(name, source.read(name))
    assert main(["procurement", "reproduce", "--archive", str(changed)]) == 1
    out = capsys.readouterr().out
    assert "every digest holds" in out
    assert "evaluations/e1: differs (UNEXPLAINED): 1 figures" in out
    assert f"results[bid={stored.results[0].bid_id}].evaluated_cost" in out
    assert main(["procurement", "reproduce", "--archive", str(changed), "--format", "json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["recomputed"] is True
    assert document["evaluations"][0]["reproduction"]["reason"] == "UNEXPLAINED"


def test_reproduce_archive_without_the_engine_checks_digests_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """As in an environment with the client alone (the server package not importable)."""
    from tco_client import procurement_cli

    with serving("--data-dir", str(tmp_path / "data")) as (server, _):
        target = ["--server", server.target]
        assert main(["procurement", "create", "p", str(SAMPLE_TENDER), *target]) == 0
        assert main(["procurement", "evaluate", "p", str(SAMPLE_TENDER), *target]) == 0
        assert main(["procurement", "export", "p", str(tmp_path / "p.zip"), *target]) == 0
    capsys.readouterr()
    monkeypatch.setattr(procurement_cli, "OFFLINE_REPRODUCTION", "tco_server_absent.archive")
    assert main(["procurement", "reproduce", "--archive", str(tmp_path / "p.zip")]) == 0
    out = capsys.readouterr().out
    assert "every digest holds" in out
    assert "not re-computed: that needs the engine" in out


def test_an_unknown_procurement_is_a_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with serving("--data-dir", str(tmp_path)) as (server, _):
        code = main(["procurement", "show", "nothing-here", "--server", server.target])
    assert code == 1
    assert "NOT_FOUND" in capsys.readouterr().err
