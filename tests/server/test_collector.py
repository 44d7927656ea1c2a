"""A server process freezes its start-up objects for the cyclic collector (tco_server.collector).

Run in a fresh interpreter: freezing is process-wide, and the test process must not be frozen.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_START_AND_REPORT = """
import gc, json
from tco_server import app
from tco_server.collector import freeze_startup_objects
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
