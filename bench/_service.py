"""Helpers of the service benchmarks (rpc, throughput, stream): servers as subprocesses on
127.0.0.1, their memory, and the typical tender as a request message.

Not a benchmark itself (the leading underscore keeps :mod:`bench.run` from running it).
Every server here listens on loopback only and is stopped with SIGTERM at the end.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from bench.common import ROOT, typical_request

_LISTENING = re.compile(r"listening on (\S+):(\d+)")
#: The data folder of servers started without ``--data-dir`` (not ``~/.local/share``).
_DATA_HOME = tempfile.mkdtemp(prefix="tco-bench-data-")
atexit.register(shutil.rmtree, _DATA_HOME, ignore_errors=True)


def source_path() -> str:
    """PYTHONPATH for a subprocess that runs this tree's code: the root, ``server/`` and
    ``client/`` first, so a benchmark run from another checkout (a git worktree, for a
    before/after comparison) measures that checkout's server and client, not the packages
    installed in editable mode from the main tree."""
    ours = [str(ROOT), str(ROOT / "server"), str(ROOT / "client")]
    inherited = os.environ.get("PYTHONPATH", "")
    return os.pathsep.join([*ours, inherited] if inherited else ours)


class Service:
    """A server subprocess on 127.0.0.1 (``python -m <module> --host 127.0.0.1 --port 0 ...``).

    ``target`` is ``host:port`` once it has printed its listening line. Use as a context manager;
    leaving it sends SIGTERM and waits for the exit code (``exit_code``).
    """

    def __init__(
        self,
        module: str,
        *args: str,
        start_timeout: float = 120.0,
        env: dict[str, str] | None = None,
    ) -> None:
        cmd = [sys.executable, "-m", module, "--host", "127.0.0.1", "--port", "0", *args]
        self.proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            # without --data-dir the records go to the benchmark's own folder, not the user's
            env={
                **os.environ,
                "XDG_DATA_HOME": _DATA_HOME,
                **(env or {}),
                "PYTHONPATH": source_path(),
            },
        )
        assert self.proc.stdout is not None
        found: list[str] = []

        def read() -> None:
            assert self.proc.stdout is not None
            for line in self.proc.stdout:
                if _LISTENING.search(line):
                    found.append(line)
                    return

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(timeout=start_timeout)
        if not found:
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError(f"{module} did not start")
        match = _LISTENING.search(found[0])
        assert match is not None
        self.target = f"{match.group(1)}:{match.group(2)}"
        self.exit_code: int | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def stop(self, timeout: float = 60.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self.exit_code = self.proc.returncode
        return self.proc.returncode

    def pids(self) -> list[int]:
        """The server process and its child processes (the workers of ``--processes N``)."""
        pid = self.proc.pid
        children = Path(f"/proc/{pid}/task/{pid}/children")
        try:
            kids = [int(p) for p in children.read_text().split()]
        except OSError:
            kids = []
        return [pid, *kids]

    def peak_rss_mib(self) -> float:
        """Sum over :meth:`pids` of each process's peak resident memory (VmHWM), MiB."""
        return sum(peak_rss_mib(pid) for pid in self.pids())

    def cpu_seconds(self) -> float:
        """User + system CPU seconds used so far by :meth:`pids` (all their threads)."""
        return sum(cpu_seconds(pid) for pid in self.pids())


def tco_server(*args: str) -> Service:
    """The life-cycle cost service (``python -m tco_server``)."""
    return Service("tco_server", *args)


def cpu_seconds(pid: int | str = "self") -> float:
    """User + system CPU seconds of a process (``/proc/<pid>/stat``); 0 when it cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mib(pid: int | str = "self") -> float:
    """Peak resident memory (VmHWM) of a process, MiB; 0 when it cannot be read."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return 0.0


def typical_message(n_bids: int = 5, items_per_bid: int = 10, study_period_years: int = 20) -> Any:
    """The typical tender of :func:`bench.common.typical_request` as an EvaluateBidsRequest."""
    from google.protobuf import json_format

    from tcoapi.v1 import tender_pb2

    request = typical_request(n_bids, items_per_bid, study_period_years)
    return json_format.ParseDict(request, tender_pb2.EvaluateBidsRequest())


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1e3:.2f} ms"


def argv_list(argv: Sequence[str] | None) -> list[str]:
    return list(sys.argv[1:] if argv is None else argv)
