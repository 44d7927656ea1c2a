"""Instructions per step of an EvaluateBids call: a count that the machine's load does not move.

Wall-clock medians on a shared 2-core VM move by 20-30 % from one run to the next (the RPC
ratio of the typical tender read 10.5x to 14.9x over one evening, code unchanged), which hides
any change smaller than that. ``valgrind --tool=callgrind`` counts the instructions a process
executes instead: the same binary on the same input gives the same count whatever else the
machine does, so a change of 1 % is visible.

For each step of :func:`bench.rpc.step_functions` (the typical tender: 5 bids x 10 items x 20
years, climate cost and circularity on), a fresh process under callgrind builds the inputs,
calls the step 3 times to warm it (caches, lazily built code), then ``--calls`` more times
inside ``functools.reduce`` with the cyclic collector off; callgrind counts only inside that
call (``--collect-atstart=no --toggle-collect=functools_reduce``), so start-up, imports and
warm-up are not counted. The process runs with ``PYTHONHASHSEED=0`` and without address
randomisation (``setarch -R``), so the same code counts the same instructions every time.

Instructions are not time: a numpy call on a few hundred values costs few instructions and
many cycles of memory stalls, and code run under valgrind sees no SHA extensions, so
``hashlib`` counts more than it costs. Compare counts of the same step before and after a
change; compare steps with each other by time (``python -m bench.rpc --steps``).

    .venv/bin/python -m bench.instructions                     # every step, 20 calls each
    .venv/bin/python -m bench.instructions --steps "whole handler" --calls 10
    .venv/bin/python -m bench.instructions --smoke             # the steps run, no valgrind
"""

from __future__ import annotations

import argparse
import functools
import gc
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from bench.common import ROOT, Row, machine_line, print_table

ORDER = 65
WARMUP = 3
_COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")


def child(step: str, calls: int) -> int:
    """``--child``: build the inputs, call ``step`` WARMUP + ``calls`` times (under callgrind)."""
    from bench.rpc import step_functions

    fn = step_functions()[step]
    for _ in range(WARMUP):
        fn()
    # The counted calls run inside functools.reduce: callgrind counts only inside it
    # (--toggle-collect=functools_reduce), so start-up and warm-up are not counted at all. The
    # cyclic collector is off while they run: a pass over the whole heap, set off by whichever
    # step allocates the 700th object, would be counted to that step.
    gc.collect()
    gc.disable()
    functools.reduce(lambda _, __: fn(), range(calls), None)
    gc.enable()
    return 0


def _instructions(step: str, calls: int, valgrind: str) -> int:
    """Instructions of one fresh process that calls ``step`` WARMUP + ``calls`` times."""
    # Same hash seed and no address randomisation: the start-up (imports, dict orders, the
    # collector's passes) then executes the same instructions in both runs of a step.
    setarch = shutil.which("setarch")
    fixed = [setarch, os.uname().machine, "-R"] if setarch else []
    command = [
        *fixed,
        valgrind,
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        "--collect-atstart=no",
        "--toggle-collect=functools_reduce",
        sys.executable,
        "-m",
        "bench.instructions",
        "--child",
        step,
        "--calls",
        str(calls),
    ]
    done = subprocess.run(
        command,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "PYTHONHASHSEED": "0"},
    )
    match = _COLLECTED.search(done.stderr)
    if done.returncode != 0 or match is None:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
    return int(match.group(1))


def count(steps: Sequence[str], calls: int, jobs: int) -> dict[str, float]:
    """Instructions per call of each step (the two runs of a step in parallel up to ``jobs``)."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise RuntimeError("valgrind is not installed (Debian: apt-get install valgrind)")
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        totals = list(pool.map(lambda step: _instructions(step, calls, valgrind), steps))
    return {step: total / calls for step, total in zip(steps, totals, strict=True)}


def rows(counts: dict[str, float]) -> list[Row]:
    whole = counts.get("whole handler")
    out: list[Row] = []
    for step, n in counts.items():
        share = f"{n / whole:.1%} of the whole handler" if whole and step != "whole handler" else ""
        out.append(Row("instructions", step, f"{n / 1e6:.3f} M", share))
    parts = [n for step, n in counts.items() if step != "whole handler"]
    if whole and len(parts) == len(counts) - 1 and parts:
        out.append(
            Row("instructions", "sum of the steps", f"{sum(parts) / 1e6:.3f} M", "each alone")
        )
    return out


def main(argv: Sequence[str] | None = None) -> int:
    from bench.rpc import step_functions

    names = list(step_functions())
    parser = argparse.ArgumentParser(
        prog="python -m bench.instructions", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--steps", nargs="+", choices=names, default=names)
    parser.add_argument("--calls", type=int, default=20, help="calls counted per step")
    parser.add_argument("--jobs", type=int, default=2, help="valgrind processes at once")
    parser.add_argument("--smoke", action="store_true", help="run each step once, no valgrind")
    parser.add_argument("--child", choices=names, help=argparse.SUPPRESS)
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.child:
        return child(args.child, args.calls)
    if args.smoke:
        for step in args.steps:
            child(step, 1)
        print_table(
            [Row("instructions", step, "ran", "--smoke: not counted") for step in args.steps]
        )
        return 0
    started = time.strftime("%Y-%m-%d %H:%M")
    counts = count(args.steps, args.calls, args.jobs)
    print(f"# bench.instructions, {started}, {machine_line()}, {args.calls} calls per step")
    print_table(rows(counts))
    return 0


def collect(smoke: bool) -> list[Row]:
    from bench.rpc import step_functions

    steps = list(step_functions())
    if smoke:
        for step in steps:
            child(step, 1)
        return [Row("instructions", "every step", "ran", "--smoke: not counted")]
    return rows(count(steps, 20, 2))


if __name__ == "__main__":
    sys.exit(main())
