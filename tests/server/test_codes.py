"""The catalogue of codes (proto/tcoapi/v1/codes.proto) lists every code the service can send.

The source of the engine (``tco/``) and of the server (``server/tco_server/``) is read as Python
syntax trees and every code it can emit is collected:

- **warning codes**: the first argument (or ``code=``) of a ``Warning(...)`` or ``.warn(...)``
  call, and in the engine the first element of a ``(code, message, bid_id)`` tuple literal (how
  the engine's parts hand warnings on);
- **error reasons**: ``reason=`` of any call; the UPPER_SNAKE string arguments of the calls that
  build a status or a size rule (:data:`_REASON_CALLS`), directly or through a module-level
  name; and, in the server, every UPPER_SNAKE_CASE string literal at all (a reason can travel in
  a variable) unless it names a constant, a gRPC status code or is listed in :data:`NOT_CODES`.

A code missing from the catalogue fails the test with its name and where it is: add it to
``ErrorReason`` or ``WarningCode`` in codes.proto (a new value at the end, commented) and run
``make proto``; a string that is not a code goes into :data:`NOT_CODES` here.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from tco_server import errors
from tcoapi.v1 import codes_pb2

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ROOT / "tco"
SERVER = ROOT / "server" / "tco_server"

_UPPER_SNAKE = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$")
_MULTI_WORD = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$")

#: Calls whose UPPER_SNAKE string arguments are error reasons.
_REASON_CALLS = frozenset(
    {
        "SizeRule",
        "SizeViolation",
        "RequestTooLargeError",
        "request_status",
        "plain_status",
        "_status",
        "_refusal",
    }
)

#: Reasons sent from a variable the scan cannot follow: the status code's own name for a call
#: whose client has gone (``service.py``: ``errors.plain_status(gone.code, ..., gone.code.name)``).
DYNAMIC_REASONS = frozenset({"DEADLINE_EXCEEDED", "CANCELLED"})

#: UPPER_SNAKE strings in the server that are not codes a client receives.
NOT_CODES = frozenset(
    {
        "START_FAILED",  # supervisor log line (multiproc), never sent
        "START_TIMEOUT",  # supervisor log line (multiproc), never sent
        "NO_DATA_KEY_FILE",  # log line at start (records stored unencrypted), never sent
        "GRPC_VERBOSITY",  # an environment variable's name
        "XDG_DATA_HOME",  # an environment variable's name
        # why a reproduced figure differs (ReproduceEvaluationResponse, procurement.proto)
        "ENGINE_VERSION_CHANGED",
        "DATA_VERSION_CHANGED",
        "UNEXPLAINED",
    }
)


def _catalogue(enum: str, prefix: str) -> set[str]:
    values = codes_pb2.DESCRIPTOR.enum_types_by_name[enum].values
    return {v.name.removeprefix(prefix) for v in values if v.number != 0}


REASONS = _catalogue("ErrorReason", "ERROR_REASON_")
WARNINGS = _catalogue("WarningCode", "WARNING_CODE_")


def _sources(*folders: Path) -> Iterator[Path]:
    for folder in folders:
        yield from sorted(folder.rglob("*.py"))


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _text(node: ast.AST | None, names: dict[str, str]) -> str | None:
    """A string constant, or a module-level name bound to one."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return names.get(node.id)
    return None


def _module_strings(tree: ast.Module) -> dict[str, str]:
    """Module-level ``NAME = "TEXT"`` and ``A, B = "X", "Y"`` bindings."""
    names: dict[str, str] = {}
    for node in tree.body:
        if not isinstance(node, ast.Assign):
            continue
        for target in node.targets:
            pairs: list[tuple[ast.expr, ast.expr]] = []
            if isinstance(target, ast.Name):
                pairs = [(target, node.value)]
            elif isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                pairs = list(zip(target.elts, node.value.elts, strict=False))
            for name, value in pairs:
                if (
                    isinstance(name, ast.Name)
                    and isinstance(value, ast.Constant)
                    and isinstance(value.value, str)
                ):
                    names[name.id] = value.value
    return names


def _defined_names(tree: ast.Module) -> set[str]:
    """Every name a module binds or exports (``__all__`` entries are names, not codes)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            found.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            found.add(node.name)
        elif isinstance(node, ast.alias):
            found.add(node.asname or node.name.split(".")[-1])
    return found


def _emitted(path: Path) -> Iterator[tuple[str, str, int]]:
    """(kind, code, line) of every code the module can emit; kind "warning" or "reason"."""
    engine = path.is_relative_to(ENGINE)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = _module_strings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = _name(node.func)
            keywords = {k.arg: k.value for k in node.keywords}
            if func in ("Warning", "warn"):
                code = _text(keywords.get("code") or (node.args[0] if node.args else None), names)
                if code is not None:
                    yield "warning", code, node.lineno
            if "reason" in keywords:
                reason = _text(keywords["reason"], names)
                if reason is not None:
                    yield "reason", reason, node.lineno
            if func in _REASON_CALLS:
                for arg in node.args:
                    text = _text(arg, names)
                    if text is not None and _UPPER_SNAKE.match(text):
                        yield "reason", text, node.lineno
        elif engine and isinstance(node, ast.Tuple) and len(node.elts) == 3:
            # the engine's (code, message, bid_id) warnings
            code = _text(node.elts[0], {})
            if code is not None and _MULTI_WORD.match(code):
                yield "warning", code, node.lineno


def _server_literals(path: Path) -> Iterator[tuple[str, int]]:
    """Every UPPER_SNAKE_CASE string literal of a server module that is not a name."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _defined_names(tree) | {code.name for code in grpc.StatusCode}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
            if _MULTI_WORD.match(text) and text not in skip and not text.startswith("TCO_"):
                yield text, node.lineno


def _where(path: Path, line: int) -> str:
    return f"{path.relative_to(ROOT)}:{line}"


def test_every_warning_code_is_in_the_catalogue() -> None:
    missing = sorted(
        f"{code} ({_where(path, line)})"
        for path in _sources(ENGINE, SERVER)
        for kind, code, line in _emitted(path)
        if kind == "warning" and code not in WARNINGS
    )
    assert not missing, (
        "warning codes missing from WarningCode in proto/tcoapi/v1/codes.proto: "
        + ", ".join(missing)
    )


def test_every_error_reason_is_in_the_catalogue() -> None:
    found = [
        (code, _where(path, line))
        for path in _sources(ENGINE, SERVER)
        for kind, code, line in _emitted(path)
        if kind == "reason"
    ]
    found += [
        (code, _where(path, line))
        for path in _sources(SERVER)
        for code, line in _server_literals(path)
    ]
    missing = sorted(
        {
            f"{code} ({where})"
            for code, where in found
            if code not in REASONS and code not in NOT_CODES and code not in WARNINGS
        }
    )
    assert not missing, (
        "error reasons missing from ErrorReason in proto/tcoapi/v1/codes.proto (or, if not a "
        "code, from NOT_CODES in tests/server/test_codes.py): " + ", ".join(missing)
    )
    assert DYNAMIC_REASONS <= REASONS
    assert {errors.INVALID_TENDER, errors.OVERLOADED} <= REASONS


def test_the_scan_finds_the_known_codes() -> None:
    """The scan is not vacuous: it finds the codes the engine and server are known to send."""
    emitted = {
        (kind, code) for path in _sources(ENGINE, SERVER) for kind, code, _ in _emitted(path)
    }
    for code in ("TIE", "BEST_COST_ZERO", "RATE_LOOKS_LIKE_PERCENT", "NO_CARBON_PRICE"):
        assert ("warning", code) in emitted
    literals = {code for path in _sources(SERVER) for code, _ in _server_literals(path)}
    for code in ("TOO_MANY_BIDS", "TOO_MANY_STREAMS", "TOO_MANY_DRAWS", "MISSING_TOKEN"):
        assert code in literals or ("reason", code) in emitted


@pytest.mark.parametrize("enum", ["ErrorReason", "WarningCode"])
def test_every_catalogue_value_is_commented(enum: str) -> None:
    """Each value of the catalogue says what it means (buf's COMMENTS lint checks the proto
    too; this names the value)."""
    text = (ROOT / "proto" / "tcoapi" / "v1" / "codes.proto").read_text(encoding="utf-8")
    block = text[text.index(f"enum {enum} {{") :]
    block = block[: block.index("\n}")]
    lines = block.splitlines()
    for k, line in enumerate(lines):
        if re.match(r"\s+[A-Z_0-9]+ = \d+;", line):
            assert lines[k - 1].strip().startswith("//"), f"{enum}: {line.strip()} has no comment"
