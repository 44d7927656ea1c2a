"""Shared fixtures: the sample tender and a real server on a free loopback port.

The server runs as a subprocess (``python -m tco_server --host 127.0.0.1 --port 0``) and prints
``tco-server listening on HOST:PORT`` once it is serving; the fixture reads that line, yields the
target, and stops the server with SIGTERM (checking it exits 0).
"""

from __future__ import annotations

import atexit
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAMPLE_TENDER = FIXTURES / "sample-tender.json"
EXAMPLES = ROOT / "examples"

settings.register_profile(
    "ci", deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "dev")

_LISTENING = re.compile(r"listening on (\S+):(\d+)")
#: How long :func:`wait_until` waits, seconds: a hang guard, never a speed bound.
HANG_GUARD = 120.0


def wait_until(
    condition: Callable[[], object], what: object = "", timeout: float = HANG_GUARD
) -> None:
    """Poll ``condition`` until it is true; fail only if it never becomes so.

    ``what`` (or what it returns, if callable: ``proc.logs``) goes into the failure message.
    """
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what() if callable(what) else what
        time.sleep(0.02)


#: The data folder of servers started without ``--data-dir`` (in this process, as subprocesses,
#: by the demo): one of the test run's own, never the user's ``~/.local/share/tco-server``
#: (shared by every checkout on the machine, perhaps migrated by a newer branch).
_DATA_HOME = tempfile.mkdtemp(prefix="tco-tests-data-")
atexit.register(shutil.rmtree, _DATA_HOME, ignore_errors=True)
os.environ["XDG_DATA_HOME"] = _DATA_HOME


class ServerProcess:
    """A tco-server subprocess on loopback; ``target`` is ``host:port``."""

    def __init__(self, *extra_args: str, env: dict[str, str] | None = None) -> None:
        cmd = [
            sys.executable,
            "-m",
            "tco_server",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            *extra_args,
        ]
        self.proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **(env or {})},
        )
        self.stderr_lines: list[str] = []
        self.stdout_lines: list[str] = []
        assert self.proc.stdout is not None
        line = ""
        for line in self.proc.stdout:  # blocks until the server announces itself or exits
            self.stdout_lines.append(line)
            match = _LISTENING.search(line)
            if match:
                self.host, self.port = match.group(1), int(match.group(2))
                break
        else:
            err = self.proc.stderr.read() if self.proc.stderr else ""
            raise RuntimeError(f"server did not start: {''.join(self.stdout_lines)}{err}")
        self.target = f"{self.host}:{self.port}"
        self._readers = [
            threading.Thread(
                target=self._drain, args=(self.proc.stdout, self.stdout_lines), daemon=True
            ),
            threading.Thread(
                target=self._drain, args=(self.proc.stderr, self.stderr_lines), daemon=True
            ),
        ]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _drain(stream: object, sink: list[str]) -> None:
        for line in stream:  # type: ignore[attr-defined]
            sink.append(line)

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM, wait, return the exit code (killing it if it does not exit in time)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for reader in self._readers:
            reader.join(timeout=5)
        return self.proc.returncode

    def logs(self) -> str:
        return "".join(self.stdout_lines) + "".join(self.stderr_lines)

    def events(self, event: str) -> list[dict[str, object]]:
        """The server's JSON log records of ``event`` (``rpc``, ``started``...), in order."""
        return [
            record
            for line in list(self.stderr_lines)
            if line.startswith("{") and (record := json.loads(line)).get("event") == event
        ]


@pytest.fixture(scope="session")
def server() -> Iterator[ServerProcess]:
    """One shared server for the session (tests that need their own start ServerProcess)."""
    proc = ServerProcess()
    try:
        yield proc
    finally:
        code = proc.stop()
        assert code == 0, f"server exited {code}:\n{proc.logs()}"


@pytest.fixture(scope="session")
def server_target(server: ServerProcess) -> str:
    return server.target


@pytest.fixture
def sample_tender_path() -> Path:
    return SAMPLE_TENDER
