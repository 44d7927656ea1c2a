"""bench/records.py runs end to end in its ``--smoke`` mode (no timing asserted: the machine is
shared), so the figures in BENCHMARKS.md can always be reproduced."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT


@pytest.mark.slow
def test_records_bench_smoke() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.records", "--smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for case in (
        "EvaluateBids (unrecorded) p50",
        "recorded - unrecorded, median of pairs",
        "ListEvaluations",
    ):
        assert case in done.stdout
