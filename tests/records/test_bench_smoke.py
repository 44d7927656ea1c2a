"""bench/records.py runs end to end in its ``--smoke`` mode (no timing asserted: the machine is
shared), so the figures in BENCHMARKS.md can always be reproduced."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.records.conftest import Postgres, new_database


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


@pytest.mark.slow
def test_records_throughput_bench_smoke(postgres: Postgres) -> None:
    """The PostgreSQL throughput, tiny: one round of 1 s, 2 clients, two group commit settings;
    the bench verifies the chain and counts every record itself."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.records", "--database", new_database(postgres),
         "--seconds", "1", "--rounds", "1", "--clients", "2", "--processes", "1",
         "--group-commit", "pipeline", "off"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "group commit pipeline" in done.stdout
    assert "group commit off" in done.stdout
