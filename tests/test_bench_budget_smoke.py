"""The request-budget benchmark (bench/budget.py) runs end to end in ``--smoke`` mode: every shape
at a tiny knob through the server's analysis path, a row each. No figure is asserted (the
machine is shared); docs/security.md holds the measured table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_budget_bench_smoke() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.budget", "--smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith("| ") and " OK " in line]
    assert len(rows) >= 6, done.stdout
    assert "MC service life (common)" in done.stdout
