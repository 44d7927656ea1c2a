"""bench/followup_report.py runs end to end in its ``--smoke`` mode (no timing asserted: the
machine is shared), so the '#19 report' figures in BENCHMARKS.md can always be reproduced."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT


@pytest.mark.slow
def test_followup_report_bench_smoke() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.followup_report", "--smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 contract, 14 months hourly" in done.stdout
    assert "3 contracts, 14 monthly readings each" in done.stdout
