"""Lines of Python in the product and the tests, split by the scope of issue #13.

Issue #13 ("Simplify the house") set its line targets (product <= 22 500, tests <= 16 000) on
the modules of its time; issues #14-#19 added features after it. This script counts the working
tree's ``*.py`` files that git tracks (as ``wc -l`` does: newline characters) and splits them:

- **scope of #13**: files that existed at the base commit (default ``a60cb19``, the code the
  target was measured against), with their lines of today;
- **added since**: files that did not exist then (new features: follow-up, records, the
  procurement service ...).

    .venv/bin/python scripts/line_counts.py                 # the table
    .venv/bin/python scripts/line_counts.py --files         # and the added files, largest first
    .venv/bin/python scripts/line_counts.py --base <rev>
"""

from __future__ import annotations

import argparse
import subprocess
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The commit whose files are "the scope of #13".
BASE = "a60cb19"
#: Where product and test code live (prefixes of paths relative to the root).
PARTS: dict[str, tuple[str, ...]] = {
    "product": ("tco/", "server/", "client/tco_client/"),
    "tests": ("tests/",),
}


def _git(*args: str) -> list[str]:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True)
    return done.stdout.splitlines()


def python_files(prefixes: Sequence[str]) -> list[str]:
    """Tracked ``*.py`` files under ``prefixes`` in the working tree."""
    return [
        p for p in _git("ls-files", "--", *prefixes) if p.endswith(".py") and (ROOT / p).is_file()
    ]


def lines(path: str) -> int:
    return (ROOT / path).read_bytes().count(b"\n")


def lines_at(base: str, paths: Sequence[str]) -> int:
    """Lines of ``paths`` as they were at ``base`` (one ``git cat-file --batch`` call)."""
    if not paths:
        return 0
    done = subprocess.run(
        ["git", "cat-file", "--batch"],
        cwd=ROOT,
        input="".join(f"{base}:{p}\n" for p in paths).encode(),
        capture_output=True,
        check=True,
    )
    total, data = 0, done.stdout
    while data:
        header, _, data = data.partition(b"\n")
        size = int(header.split()[2])
        total += data[:size].count(b"\n")
        data = data[size + 1 :]
    return total


def counts(base: str) -> dict[str, dict[str, dict[str, int]]]:
    """``{part: {"scope of #13": {path: lines}, "added since": {path: lines}}}``."""
    existed = set(_git("ls-tree", "-r", "--name-only", base))
    out: dict[str, dict[str, dict[str, int]]] = {}
    for part, prefixes in PARTS.items():
        split: dict[str, dict[str, int]] = {"scope of #13": {}, "added since": {}}
        for path in python_files(prefixes):
            split["scope of #13" if path in existed else "added since"][path] = lines(path)
        out[part] = split
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--base", default=BASE, help="the commit of the scope (default %(default)s)"
    )
    parser.add_argument("--files", action="store_true", help="list the added files too")
    args = parser.parse_args(argv)
    table = counts(args.base)
    print(
        f"| part | scope of #13: its files at {args.base} | the same files now "
        "| added since | total now |"
    )
    print("|---|---:|---:|---:|---:|")
    for part, split in table.items():
        scope, added = (sum(split[k].values()) for k in ("scope of #13", "added since"))
        then = lines_at(args.base, list(split["scope of #13"]))
        row = (
            f"| {part} | {then:,} | {scope:,} ({len(split['scope of #13'])} files) | "
            f"{added:,} ({len(split['added since'])} files) | {scope + added:,} |"
        )
        print(row.replace(",", " "))
    if args.files:
        for part, split in table.items():
            print(f"\n{part}, added since {args.base}:")
            for path, n in sorted(split["added since"].items(), key=lambda kv: -kv[1]):
                print(f"  {n:6d}  {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
