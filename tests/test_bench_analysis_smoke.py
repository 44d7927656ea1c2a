"""The Monte Carlo benchmark (bench/analysis.py) runs end to end in ``--smoke`` mode: tiny sizes,
every figure printed, the agreement check held. No timing is asserted (the machine is shared)."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_analysis_bench_smoke() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.analysis", "--smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "monte carlo, 500 draws x 3 bids x 10 years" in done.stdout
    assert "agreement with the engine (20 draws, 1e-9)" in done.stdout
    assert "FAILED" not in done.stdout


def test_analysis_bench_follows_the_plug_in_contract() -> None:
    from bench import analysis

    assert list(inspect.signature(analysis.main).parameters) == ["argv"]
    assert isinstance(analysis.ORDER, int)
    rows = analysis.collect(smoke=True)
    assert [r.bench for r in rows] == ["analysis"] * 5
