"""bench/ingest.py runs end to end in its ``--smoke`` mode (5 series × 2 months on SQLite, the
chain verified; no timing asserted: the machine is shared), so the #19 ingest figures in
BENCHMARKS.md can always be reproduced."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT


@pytest.mark.slow
def test_ingest_bench_smoke() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.ingest", "--smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "rows appended (sqlite, 5 series × 2 months)" in done.stdout
    assert "7,080" in done.stdout
    assert "load_series, one series × 2 months" in done.stdout
    assert "ok=True" in done.stdout
