"""Run every benchmark module and print one summary table (``make bench``).

Modules are discovered, not listed: every ``bench/<name>.py`` except ``common``, ``run`` and
names starting with ``_`` that defines ``main(argv)`` takes part (the contract is in
:mod:`bench`). They run in ``ORDER`` (default 100), then by name. A module with
``collect(smoke)`` contributes its rows to the summary; one without is run through
``main(argv)`` and listed with its exit code and wall time.

Usage::

    .venv/bin/python -m bench.run                 # everything, full sizes (takes a while)
    .venv/bin/python -m bench.run --smoke         # tiny sizes: checks the harness
    .venv/bin/python -m bench.run --only compute scale
    .venv/bin/python -m bench.run --list
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import time
import traceback
from collections.abc import Sequence
from types import ModuleType

import bench
from bench.common import Row, machine_line, print_table

#: Modules of the package that are not benchmarks.
NOT_BENCHMARKS = frozenset({"common", "run"})


def discover() -> list[str]:
    """Names of the benchmark modules, in run order."""
    found: list[tuple[int, str]] = []
    for info in pkgutil.iter_modules(bench.__path__):
        name = info.name
        if name in NOT_BENCHMARKS or name.startswith("_") or info.ispkg:
            continue
        module = importlib.import_module(f"bench.{name}")
        if callable(getattr(module, "main", None)):
            found.append((int(getattr(module, "ORDER", 100)), name))
    return [name for _, name in sorted(found)]


def run_module(module: ModuleType, *, smoke: bool) -> list[Row]:
    """The rows of one module: its ``collect``, or its ``main`` with exit code and time."""
    name = module.__name__.rsplit(".", 1)[-1]
    collect = getattr(module, "collect", None)
    start = time.perf_counter()
    if callable(collect):
        rows: list[Row] = list(collect(smoke))
        return rows
    code = module.main(["--smoke"] if smoke else [])
    elapsed = time.perf_counter() - start
    return [Row(name, "main()", f"exit {code}", f"{elapsed:.1f} s; its own output is above")]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes in every module")
    parser.add_argument("--only", nargs="+", metavar="MODULE", help="run only these modules")
    parser.add_argument("--skip", nargs="+", metavar="MODULE", default=[], help="skip these")
    parser.add_argument("--list", action="store_true", help="list the modules and stop")
    args = parser.parse_args(list(argv) if argv is not None else None)
    names = discover()
    if args.list:
        print("\n".join(names))
        return 0
    if args.only:
        unknown = sorted(set(args.only) - set(names))
        if unknown:
            parser.error(f"no benchmark module {', '.join(unknown)}; known: {', '.join(names)}")
        names = [n for n in names if n in args.only]
    names = [n for n in names if n not in args.skip]
    print(f"# bench.run on {machine_line()}")
    rows: list[Row] = []
    failed = 0
    for name in names:
        print(f"## {name}", flush=True)
        try:
            rows.extend(run_module(importlib.import_module(f"bench.{name}"), smoke=args.smoke))
        except Exception:
            failed += 1
            traceback.print_exc()
            rows.append(Row(name, "FAILED", "-", "see the traceback above"))
    print("## summary")
    print_table(rows)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
