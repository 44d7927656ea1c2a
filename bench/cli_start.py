"""How long an evaluator waits for the command line (issue #17.8): ``tco --help`` and
``tco evaluate TENDER.xlsx --excel OUT.xlsx --chart DIR/`` against a server that is already
running, wall time of the whole process (interpreter start, imports, the call, the files).

Each command runs ``--repeat`` times after one untimed warm-up (the operating system's file
cache); the median and the fastest run are printed, the median CPU time (user + system) of the
process and its children (``tco evaluate --chart`` draws the charts in a forked child), which the
load of a shared machine inflates less than the wall time, and the 1-minute load average before
and after the runs. The server is started once beforehand
(``python -m tco_server`` on a free loopback port, its records store in a temporary folder) and
is not part of the figure. The tender is
the Swedish vehicles workbook (``tco template --lang sv --from examples/municipal-vehicles.json``),
so the workbook reader, the Swedish report and the three charts are all in the time. Also
``python -X importtime`` of ``tco_client.cli``: what ``--help`` imports.

Usage::

    .venv/bin/python -m bench.cli_start                 # 7 runs of each
    .venv/bin/python -m bench.cli_start --repeat 15
    .venv/bin/python -m bench.cli_start --smoke         # 1 run of each: checks the harness
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench._service import source_path, tco_server
from bench.common import ROOT, Row, machine_line, print_table

ORDER = 90
VEHICLES = ROOT / "examples" / "municipal-vehicles.json"


def _tco(*args: str | Path) -> list[str]:
    """The ``tco`` console script of this interpreter's environment."""
    script = Path(sys.executable).with_name("tco")
    head = [str(script)] if script.exists() else [sys.executable, "-m", "tco_client.cli"]
    return [*head, *(str(a) for a in args)]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": source_path()}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _wall(command: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run of ``command``."""
    cpu = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=_env(), check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {done.returncode}: {done.stderr[-500:]}")
    return elapsed, _children_cpu() - cpu


def _times(command: list[str], repeat: int) -> list[tuple[float, float]]:
    _wall(command)  # warm-up: the file cache
    return [_wall(command) for _ in range(repeat)]


def _load() -> float:
    """The machine's 1-minute load average (other jobs inflate the wall time, less the CPU)."""
    return os.getloadavg()[0]


def _import_ms() -> float:
    """Cumulative import time of ``tco_client.cli`` as ``-X importtime`` reports it (ms)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import tco_client.cli"],
        capture_output=True,
        text=True,
        env=_env(),
        check=True,
    )
    for line in reversed(done.stderr.splitlines()):
        if line.rstrip().endswith("| tco_client.cli"):
            return int(line.split("|")[1]) / 1000.0
    return float("nan")


def collect(smoke: bool = False, repeat: int = 7) -> list[Row]:
    runs = 1 if smoke else repeat
    rows: list[Row] = []
    load = _load()
    help_times = _times(_tco("--help"), runs)
    rows.append(_row("tco --help", help_times, load))
    rows.append(
        Row("cli_start", "import tco_client.cli", f"{_import_ms():.0f} ms", "-X importtime")
    )
    with tempfile.TemporaryDirectory() as tmp, tco_server("--data-dir", tmp) as server:
        workbook = Path(tmp) / "fordon.xlsx"
        subprocess.run(
            _tco("template", workbook, "--from", VEHICLES, "--lang", "sv"),
            capture_output=True,
            env=_env(),
            check=True,
        )
        base = _tco("evaluate", workbook, "-s", server.target, "--lang", "sv")
        load = _load()
        rows.append(_row("tco evaluate (table)", _times(base, runs), load))
        full = [*base, "--excel", Path(tmp) / "rapport.xlsx", "--chart", f"{tmp}/diagram/"]
        load = _load()
        rows.append(
            _row("tco evaluate --excel --chart", _times([str(a) for a in full], runs), load)
        )
    return rows


def _row(case: str, times: Sequence[tuple[float, float]], load_before: float) -> Row:
    """Median wall time; the fastest run, the median CPU time (user + system of the process
    and its children: what the load of a shared machine inflates least) and the 1-minute load
    average before and after the runs in the note."""
    walls = [w for w, _ in times]
    cpu = statistics.median(c for _, c in times)
    note = (
        f"fastest {min(walls):.2f} s of {len(walls)}; CPU {cpu:.2f} s; "
        f"load {load_before:.1f}-{_load():.1f}"
    )
    return Row("cli_start", case, f"{statistics.median(walls):.2f} s", note)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.cli_start", description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=7, help="timed runs of each command")
    parser.add_argument("--smoke", action="store_true", help="one run of each")
    args = parser.parse_args(argv)
    print(f"# cli_start — {machine_line()}")
    print_table(collect(args.smoke, args.repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
