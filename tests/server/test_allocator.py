"""The server keeps the C allocator's freed memory between calls (tco_server.allocator)."""

from __future__ import annotations

import ctypes.util
import subprocess
import sys
from pathlib import Path

import pytest

from tco_server.allocator import tune_allocator

ROOT = Path(__file__).resolve().parents[2]

# Minor page faults of 5 evaluations of 1 000 small bids, after 2 warm-up evaluations.
_FAULTS_OF_REPEATED_EVALUATIONS = """
import resource, sys
if sys.argv[1] == "tuned":
    from tco_server.allocator import tune_allocator
    assert tune_allocator()
from bench.common import small_bids_prepared
from tco.evaluate import evaluate_prepared
tender = small_bids_prepared(1000, 20)
for _ in range(2):
    evaluate_prepared(tender)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(5):
    evaluate_prepared(tender)
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""

glibc_only = pytest.mark.skipif(
    not sys.platform.startswith("linux") or ctypes.util.find_library("c") is None,
    reason="mallopt is glibc's",
)


@glibc_only
def test_tune_allocator_is_in_effect_and_idempotent() -> None:
    assert tune_allocator() is True
    assert tune_allocator() is True


@glibc_only
def test_repeated_evaluations_fault_no_pages_in_once_the_allocator_is_tuned() -> None:
    """Untuned, every 1 000-bid evaluation faults thousands of freshly mapped pages in again."""

    def faults(mode: str) -> int:
        out = subprocess.run(
            [sys.executable, "-c", _FAULTS_OF_REPEATED_EVALUATIONS, mode],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
            cwd=ROOT,
        )
        return int(out.stdout.strip())

    plain, tuned = faults("plain"), faults("tuned")
    assert plain > 5_000  # measured: about 23 600
    assert tuned < plain / 20  # measured: 4
