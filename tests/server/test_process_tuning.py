"""Start-up settings of a server process (tco_server.process_tuning): memory kept, objects frozen.

Freezing is process-wide, so that test runs in a fresh interpreter.
"""

from __future__ import annotations

import ctypes.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tco_server.process_tuning import keep_freed_memory

ROOT = Path(__file__).resolve().parents[2]

_START_AND_REPORT = """
import gc, json
from tco_server import app
from tco_server.process_tuning import freeze_startup_objects
from tco_server.config import ServerConfig
before = gc.get_freeze_count()
running = app.start(ServerConfig(host="127.0.0.1", port=0))
try:
    frozen = gc.get_freeze_count()
    alive = [[i] for i in range(1000)]  # objects of later: a second call must not freeze them
    again = freeze_startup_objects()
    garbage = []  # created after start-up: collected as before
    cycle = [garbage]
    garbage.append(cycle)
    del garbage, cycle
    found = gc.collect()
finally:
    running.stop_now()
print(json.dumps({"before": before, "frozen": frozen, "again": again,
                  "after": gc.get_freeze_count(), "found": found}))
"""


def test_a_started_server_has_frozen_its_start_up_objects() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _START_AND_REPORT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["before"] == 0
    assert report["frozen"] > 10_000  # grpc, protobuf, numpy and the engine's modules
    # idempotent: the second call returns the first count and freezes nothing more (the count
    # can only fall, as frozen objects may still be freed by reference counting)
    assert report["again"] >= report["frozen"] >= report["after"]
    assert report["found"] >= 2  # a cycle made after start-up is still collected


# Free bytes the C heap keeps (glibc's mallinfo2) after a 16 MiB block is allocated and freed.
_KEPT_AFTER_A_FREED_BLOCK = """
import ctypes, sys
if sys.argv[1] == "tuned":
    from tco_server.process_tuning import keep_freed_memory
    assert keep_freed_memory()
class Mallinfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split())]
libc = ctypes.CDLL(None)
libc.mallinfo2.restype = Mallinfo2
block = bytearray(16 * 1024 * 1024)
del block
print(libc.mallinfo2().fordblks)
"""

glibc_only = pytest.mark.skipif(
    not sys.platform.startswith("linux") or ctypes.util.find_library("c") is None,
    reason="mallopt is glibc's",
)


@glibc_only
def test_keep_freed_memory_is_in_effect_and_idempotent() -> None:
    assert keep_freed_memory() is True
    assert keep_freed_memory() is True


@glibc_only
def test_a_freed_block_stays_with_the_process_once_freed_memory_is_kept() -> None:
    """Untuned, glibc maps a 16 MiB block on its own and unmaps it when freed (the next one is
    faulted in again, page by page); tuned, it comes from the heap and stays there, free for the
    next evaluation. What that saves: BENCHMARKS.md ("The server keeps freed memory")."""

    def kept_bytes(mode: str) -> int:
        out = subprocess.run(
            [sys.executable, "-c", _KEPT_AFTER_A_FREED_BLOCK, mode],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
            cwd=ROOT,
        )
        return int(out.stdout.strip())

    block = 16 * 1024 * 1024
    assert kept_bytes("plain") < block  # measured: about 0.1 MB
    assert kept_bytes("tuned") >= block  # measured: 16.2 MiB
