"""The benchmarks that run in a child process (bench/rpc.py, throughput.py, stream.py,
cli_start.py, analysis.py, budget.py) run end to end in their ``--smoke`` mode: tiny sizes,
servers on 127.0.0.1, every figure printed. No timing is asserted (the machine is shared); the
point is that the benchmarks keep working as the code changes, so BENCHMARKS.md can always be
reproduced."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _smoke(module: str, *extra: str, timeout: float = 300) -> str:
    done = subprocess.run(
        [sys.executable, "-m", module, "--smoke", *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.mark.slow
def test_rpc_floor_smoke() -> None:
    out = _smoke("bench.rpc")
    assert "echo p50 / p99" in out
    assert "EvaluateBids p50 / p99" in out
    assert "p50 ratio EvaluateBids / echo" in out


@pytest.mark.slow
def test_throughput_smoke() -> None:
    out = _smoke("bench.throughput")
    assert "--processes 1, 2 clients" in out
    assert "--processes 2, 2 clients" in out
    assert "CPU per call server" in out


@pytest.mark.slow
def test_throughput_compares_turns_with_interleaving_smoke() -> None:
    out = _smoke("bench.throughput", "--processes", "1", "--evaluations", "1", "2")
    assert "--processes 1 --evaluations 1, 2 clients" in out
    assert "--processes 1 --evaluations 2, 2 clients" in out


@pytest.mark.slow
def test_stream_smoke() -> None:
    out = _smoke("bench.stream")
    assert "2,000 bids, --processes 2" in out
    assert "bids/s" in out


@pytest.mark.slow
def test_step_breakdowns_smoke() -> None:
    assert "step: engine: digests" in _smoke("bench.rpc", "--steps")
    assert "step: columns_to_tender" in _smoke("bench.stream", "--steps")


def test_bench_modules_follow_the_plug_in_contract() -> None:
    """main(argv) and collect(smoke) for bench.run; --smoke accepted (see bench/__init__.py)."""
    import importlib
    import inspect

    for name in ("bench.rpc", "bench.throughput", "bench.stream", "bench.analysis"):
        module = importlib.import_module(name)
        assert list(inspect.signature(module.main).parameters) == ["argv"], name
        assert callable(module.collect), name
        assert isinstance(module.ORDER, int), name


@pytest.mark.slow
def test_cli_start_smoke() -> None:
    out = _smoke("bench.cli_start")
    for case in ("tco --help", "import tco_client.cli", "tco evaluate --excel --chart", "CPU"):
        assert case in out


def test_analysis_bench_smoke() -> None:
    out = _smoke("bench.analysis")
    assert "monte carlo, 500 draws x 3 bids x 10 years" in out
    assert "agreement with the engine (20 draws, 1e-9)" in out
    assert "FAILED" not in out
    from bench import analysis

    assert [r.bench for r in analysis.collect(smoke=True)] == ["analysis"] * 5


def test_budget_bench_smoke() -> None:
    """Every shape at a tiny knob through the server's analysis path, a row each (docs/security.md
    holds the measured table)."""
    out = _smoke("bench.budget", timeout=600)
    rows = [line for line in out.splitlines() if line.startswith("| ") and " OK " in line]
    assert len(rows) >= 6, out
    assert "MC service life (common)" in out
