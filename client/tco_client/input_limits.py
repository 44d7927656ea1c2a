"""Bounds on every file the client reads, and the bounded JSON and YAML parsers.

A tender or an analysis spec comes from outside (a bidder's numbers, a platform's export): it
may be huge, deeply nested or a compression bomb, and must never freeze the client or exhaust its
memory. Each bound is checked before the work it bounds:

- the file's size, before it is read (:data:`MAX_DOCUMENT_BYTES`, :data:`MAX_WORKBOOK_BYTES`);
- a workbook's zip directory, before openpyxl opens it: number of sheets, the unpacked size of
  each part and of all of them, the shared strings, the compression ratio of a large part
  (Python's zipfile never unpacks more than the directory declares, so the directory is a bound);
- YAML without anchors and aliases (the "billion laughs" bomb), at most
  :data:`MAX_NESTING_DEPTH` levels, both refused while composing, with the line and column;
- JSON at most :data:`MAX_NESTING_DEPTH` levels (checked on the parsed document; deeper than
  Python's recursion limit is caught as such);
- each sheet's rows and columns and the cells of all sheets, counted while streaming the sheets'
  XML in constant memory, also before openpyxl opens the workbook (a single row of millions of
  cells would otherwise be built in memory whole).

Every refusal is a :class:`~tco_client.errors.TcoInvalidTender` naming the file (exit 2 in the
CLI). The limits are far above a real tender (the service takes at most 1 000 bids in a 16 MiB
message; a tender document is 8 levels deep).
"""

# ruff: noqa: PLC0415 - PyYAML (the cli extra) is imported lazily
from __future__ import annotations

import functools
import json
import zipfile
from pathlib import Path
from typing import Any, Final
from xml.etree import ElementTree

from tco_client.errors import FieldViolation, TcoInvalidTender

MiB: Final = 2**20
#: The largest JSON or YAML tender or spec file.
MAX_DOCUMENT_BYTES: Final = 32 * MiB
#: Nesting of a JSON or YAML document (a tender: bids[i].items[j].costs[k].amount.value is 8).
MAX_NESTING_DEPTH: Final = 32
#: The largest .xlsx file.
MAX_WORKBOOK_BYTES: Final = 16 * MiB
#: One part of a workbook (a sheet's XML), unpacked.
MAX_WORKBOOK_PART_BYTES: Final = 64 * MiB
#: All parts of a workbook, unpacked.
MAX_WORKBOOK_UNPACKED_BYTES: Final = 128 * MiB
#: The shared strings part (every text cell's text), unpacked.
MAX_SHARED_STRINGS_BYTES: Final = 16 * MiB
#: Unpacked / packed size of a part larger than 1 MiB (real sheets: under 20).
MAX_COMPRESSION_RATIO: Final = 200
#: Worksheets in a workbook (the tender workbook has 8).
MAX_SHEETS: Final = 32
#: Rows of one sheet, the header included (the service takes at most 1 000 bids).
MAX_SHEET_ROWS: Final = 50_000
#: Columns of one sheet (the widest, Bids, has 30; formatted empty cells count too).
MAX_SHEET_COLUMNS: Final = 256
#: Cells written in all sheets of a workbook.
MAX_WORKBOOK_CELLS: Final = 2_000_000

_TOO_DEEP = f"nested deeper than {MAX_NESTING_DEPTH} levels"


def refuse(source: str, problem: str, where: str = "") -> TcoInvalidTender:
    """The error for a file that is out of bounds or unreadable (``where`` in it: ``f:3:7``)."""
    return TcoInvalidTender([FieldViolation(where or source, problem)], f"cannot read {source}")


def read_bounded_text(path: Path) -> str:
    """The text of a JSON or YAML file of at most :data:`MAX_DOCUMENT_BYTES`."""
    try:
        size = path.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            raise refuse(path.name, f"{_mib(size)} is over the limit of {_mib(MAX_DOCUMENT_BYTES)}")
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise refuse(str(path), str(exc)) from None


def parse_json(text: str, source: str) -> Any:
    """JSON text as Python data, at most :data:`MAX_NESTING_DEPTH` levels deep."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"{source}:{exc.lineno}:{exc.colno}"
        raise refuse(source, f"not valid JSON: {exc.msg}", where) from None
    except RecursionError:  # deeper than Python's recursion limit
        raise refuse(source, _TOO_DEEP) from None
    if nesting_depth(document) > MAX_NESTING_DEPTH:
        raise refuse(source, _TOO_DEEP)
    return document


def parse_yaml(text: str, source: str) -> Any:
    """YAML text as Python data: no anchors or aliases, at most :data:`MAX_NESTING_DEPTH` deep."""
    try:
        import yaml  # the cli extra
    except ImportError:  # pragma: no cover - depends on the installation
        raise refuse(
            source, "reading YAML needs PyYAML: pip install 'lcc-tco-client[cli]'"
        ) from None
    loader = _strict_yaml_loader()(text)
    try:
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark is not None else source
        raise refuse(
            source, f"not valid YAML: {getattr(exc, 'problem', None) or exc}", where
        ) from None
    finally:
        loader.dispose()


def nesting_depth(document: Any) -> int:
    """Levels of lists and mappings in ``document`` (a scalar is 0), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(document, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, depth + 1)
        if deepest > MAX_NESTING_DEPTH:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


@functools.cache
def _strict_yaml_loader() -> Any:
    """PyYAML's safe loader refusing anchors, aliases and deep nesting while composing."""
    import yaml

    class StrictLoader(yaml.SafeLoader):
        depth = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            event = self.peek_event()  # type: ignore[no-untyped-call]
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                problem = "anchors and aliases (& and *) are not allowed"
            elif self.depth >= MAX_NESTING_DEPTH:
                problem = _TOO_DEEP
            else:
                self.depth += 1
                try:
                    return super().compose_node(parent, index)
                finally:
                    self.depth -= 1
            raise yaml.composer.ComposerError(None, None, problem, event.start_mark)

    return StrictLoader


def check_workbook_archive(path: Path) -> None:
    """Refuse a workbook whose file or zip directory is out of bounds, before it is opened."""
    try:
        size = path.stat().st_size
        if size > MAX_WORKBOOK_BYTES:
            raise refuse(path.name, f"{_mib(size)} is over the limit of {_mib(MAX_WORKBOOK_BYTES)}")
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
            _check_parts(parts, path.name)
            cells = 0
            for part in parts:
                if part.filename.startswith("xl/worksheets/") and part.filename.endswith(".xml"):
                    cells = _check_sheet(archive, part.filename, path.name, cells)
    except (OSError, zipfile.BadZipFile, ElementTree.ParseError, ValueError) as exc:
        raise refuse(path.name, f"not a readable workbook: {exc}") from None


def _check_parts(parts: list[zipfile.ZipInfo], source: str) -> None:
    """The zip directory: number of sheets, unpacked sizes, compression ratios."""
    sheets = [p for p in parts if p.filename.startswith("xl/worksheets/sheet")]
    if len(sheets) > MAX_SHEETS:
        raise refuse(source, f"{len(sheets)} sheets, over the limit of {MAX_SHEETS}")
    for part in parts:
        limit = MAX_WORKBOOK_PART_BYTES
        if "sharedstrings" in part.filename.lower():
            limit = MAX_SHARED_STRINGS_BYTES
        if part.file_size > limit:
            problem = f"{part.filename} unpacks to {_mib(part.file_size)}, over {_mib(limit)}"
            raise refuse(source, problem)
        if part.file_size > MiB and part.file_size > MAX_COMPRESSION_RATIO * part.compress_size:
            ratio = part.file_size // max(part.compress_size, 1)
            problem = f"{part.filename} is compressed {ratio}:1, over {MAX_COMPRESSION_RATIO}:1"
            raise refuse(source, problem)
    unpacked = sum(p.file_size for p in parts)
    if unpacked > MAX_WORKBOOK_UNPACKED_BYTES:
        problem = f"unpacks to {_mib(unpacked)}, over {_mib(MAX_WORKBOOK_UNPACKED_BYTES)}"
        raise refuse(source, problem)


def _check_sheet(archive: zipfile.ZipFile, part: str, source: str, cells: int) -> int:
    """Stream a sheet's XML, refusing a row past :data:`MAX_SHEET_ROWS`, a cell past
    :data:`MAX_SHEET_COLUMNS` or past :data:`MAX_WORKBOOK_CELLS` in all (``cells`` so far);
    returns the cells counted. Each row is dropped once counted: constant memory."""
    row = column = 0
    with archive.open(part) as stream:
        for event, element in ElementTree.iterparse(stream, events=("start", "end")):
            tag = element.tag.rpartition("}")[2]
            if event == "end":
                if tag == "row":
                    element.clear()
            elif tag == "row":
                row, column = int(element.get("r") or row + 1), 0
                if row > MAX_SHEET_ROWS:
                    raise refuse(source, f"{part}: row {row}, over {MAX_SHEET_ROWS} rows")
            elif tag == "c":
                cells += 1
                column = _column_number(element.get("r"), column + 1)
                if column > MAX_SHEET_COLUMNS or cells > MAX_WORKBOOK_CELLS:
                    problem = (
                        f"{part}: a cell in row {row}, column {column}, over {MAX_SHEET_COLUMNS} "
                        f"columns or {MAX_WORKBOOK_CELLS} cells in all"
                    )
                    raise refuse(source, problem)
    return cells


def _column_number(reference: str | None, default: int) -> int:
    """The column of a cell reference (``AB12`` → 28), or ``default`` without one."""
    letters = (reference or "").rstrip("0123456789")
    if not letters:
        return default
    return functools.reduce(lambda n, letter: n * 26 + ord(letter) - 64, letters.upper(), 0)


def _mib(size: int) -> str:
    return f"{size / MiB:.1f} MiB"
