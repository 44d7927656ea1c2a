"""bench/cli_start.py in ``--smoke`` mode: one run of each command against a real server. No
timing is asserted (the machine is shared); the point is that the benchmark keeps working, so
BENCHMARKS.md can be reproduced."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_cli_start_smoke() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.cli_start", "--smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for case in ("tco --help", "import tco_client.cli", "tco evaluate --excel --chart"):
        assert case in done.stdout
    assert "CPU" in done.stdout
