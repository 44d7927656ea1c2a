"""Issue 18's "Must show", as one scenario over a real ``tco-server`` subprocess on its defaults.

From a fresh state (an empty ``$XDG_DATA_HOME``, so the default data folder, SQLite, no key, no
``--data-dir``): create a procurement from ``examples/``, evaluate it, restart the server,
``show``, ``reproduce`` (identical), ``award`` with a Swedish decision document, ``verify`` (ok),
``export`` and re-compute the archive offline (identical), edit a row in the database file,
``verify`` (names it); an archive exported now says the chain is broken. Only the port is not
the default (a free loopback port: other tests run alongside).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from docx import Document

from tco_client.cli import main
from tests.conftest import ROOT, ServerProcess

EXAMPLE = ROOT / "examples" / "sample-tender.json"


def _tco(capsys: pytest.CaptureFixture[str], target: str, *args: str) -> tuple[int, str]:
    code = main(["procurement", *args, "--server", target])
    return code, capsys.readouterr().out


def test_must_show(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    env = {"XDG_DATA_HOME": str(tmp_path / "xdg")}
    database = tmp_path / "xdg" / "tco-server" / "records.sqlite3"

    server = ServerProcess(env=env)
    try:
        code, out = _tco(capsys, server.target, "create", "vent-2027", str(EXAMPLE))
        assert code == 0, out
        code, out = _tco(capsys, server.target, "evaluate", "vent-2027", str(EXAMPLE))
        assert code == 0, out
        assert "procurements/vent-2027/evaluations/e1" in out
    finally:
        assert server.stop() == 0, server.logs()
    assert database.is_file()  # the documented default place
    assert "records_unencrypted" in server.logs()  # said at start: no data key

    server = ServerProcess(env=env)  # restarted on the same (default) store
    try:
        target = server.target
        code, out = _tco(capsys, target, "show", "vent-2027")
        assert (code, "state: evaluated" in out, "e1" in out) == (0, True, True), out
        code, out = _tco(capsys, target, "reproduce", "vent-2027", "e1")
        assert (code, out.split(":")[0]) == (0, "identical"), out
        decision = tmp_path / "beslut.docx"
        code, out = _tco(
            capsys, target, "award", "vent-2027", "--evaluation", "e1", "--bid", "B",
            "--decided-by", "Upphandlingschef", "--lang", "sv", "--out", str(decision),
        )  # fmt: skip
        assert code == 0, out
        text = "\n".join(p.text for p in Document(str(decision)).paragraphs)
        assert "Tilldelningsbeslut" in text
        assert "Anbud B" in text
        assert "Kalkylränta 3,5 %" in text
        code, out = _tco(capsys, target, "verify")
        assert (code, out.split(":")[0]) == (0, "ok"), out
        archive = tmp_path / "vent-2027.zip"
        code, out = _tco(capsys, target, "export", "vent-2027", str(archive))
        assert code == 0, out

        edited = sqlite3.connect(database)  # whoever has the file: drop the trigger, edit
        try:
            edited.execute("DROP TRIGGER tco_records_no_update")
            edited.execute(
                "UPDATE tco_records SET created_at = '2020-01-01T00:00:00.000000Z' WHERE seq = 2"
            )
            edited.commit()
        finally:
            edited.close()
        code, out = _tco(capsys, target, "verify")
        assert code == 1
        assert out.startswith("broken: records/2 (procurements/vent-2027/evaluations/e1)"), out
        code, out = _tco(capsys, target, "verify", "--format", "json")
        assert json.loads(out)["first_broken_record"].startswith("records/2")
        broken = tmp_path / "broken.zip"
        assert _tco(capsys, target, "export", "vent-2027", str(broken))[0] == 0
    finally:
        assert server.stop() == 0, server.logs()

    # offline, no server: the digests, and each evaluation re-computed with the engine here
    assert main(["procurement", "reproduce", "--archive", str(archive)]) == 0
    out = capsys.readouterr().out
    assert "every digest holds" in out
    assert "procurements/vent-2027/evaluations/e1: identical" in out
    assert main(["procurement", "reproduce", "--archive", str(broken)]) == 1
    assert "the store's chain was broken at export: records/2" in capsys.readouterr().out
