"""The house rules of the layout, enforced.

- The core (tco/) never imports transport or presentation code: grpc, protobuf, the generated
  tcoapi package, the server or the client.
- The client (client/tco_client) never imports the engine, the server, or pint.
- The generated code lives only in client/tcoapi and is never edited by hand (make proto-check).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

CORE_FORBIDDEN = ("grpc", "google.protobuf", "google.rpc", "tcoapi", "tco_server", "tco_client")
CLIENT_FORBIDDEN = ("tco", "tco_server", "pint")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def _offending(folder: Path, forbidden: tuple[str, ...]) -> list[str]:
    bad = []
    for path in sorted(folder.rglob("*.py")):
        for name in _imports(path):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                bad.append(f"{path.relative_to(ROOT)} imports {name}")
    return bad


def test_core_never_imports_transport_or_client_code() -> None:
    assert _offending(ROOT / "tco", CORE_FORBIDDEN) == []


def test_client_never_imports_engine_server_or_pint() -> None:
    assert _offending(ROOT / "client" / "tco_client", CLIENT_FORBIDDEN) == []


def test_scanner_catches_a_forbidden_import(tmp_path: Path) -> None:
    """The scan above is only worth something if it can fail."""
    (tmp_path / "bad.py").write_text("import grpc\nfrom google.protobuf import json_format\n")
    global ROOT  # noqa: PLW0603 - relative_to() needs the temp root for this one check
    saved, ROOT = ROOT, tmp_path
    try:
        assert len(_offending(tmp_path, CORE_FORBIDDEN)) == 2
    finally:
        ROOT = saved


@pytest.mark.slow
def test_importing_every_core_module_loads_no_grpc_or_protobuf() -> None:
    """At run time too: importing all of tco/ leaves grpc and protobuf out of sys.modules."""
    modules = sorted(
        ".".join(p.relative_to(ROOT).with_suffix("").parts)
        for p in (ROOT / "tco").rglob("*.py")
        if p.name != "__main__.py"
    )
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}:\n"
        "    importlib.import_module(m.removesuffix('.__init__'))\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('grpc', 'tcoapi', 'tco_server', 'tco_client') or m.startswith('google.protobuf'))\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_generated_code_only_in_its_own_package() -> None:
    generated = [p for p in ROOT.rglob("*_pb2*.py") if ".venv" not in p.parts]
    assert generated, "generated code missing: run make proto"
    assert all(p.parent == ROOT / "client" / "tcoapi" / "v1" for p in generated), generated


# -- no import cycles, small modules, short functions (issue 13) ----------------------------------

#: Our packages and where their sources live.
PACKAGES = {
    "tco": ROOT / "tco",
    "tco_server": ROOT / "server" / "tco_server",
    "tco_client": ROOT / "client" / "tco_client",
}
MAX_MODULE_LINES = 800
MAX_FUNCTION_LINES = 120


def _module_name(package: str, folder: Path, path: Path) -> str:
    parts = (package, *path.relative_to(folder).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _our_modules() -> dict[str, Path]:
    return {
        _module_name(package, folder, path): path
        for package, folder in PACKAGES.items()
        for path in sorted(folder.rglob("*.py"))
    }


def _resolve(module: str, path: Path, node: ast.ImportFrom) -> str:
    """The absolute module an ``from … import`` names (relative imports resolved)."""
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    if path.name != "__init__.py":
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Module → the modules of ours it imports, anywhere in it: an import inside a function that
    dodges a cycle at import time is still a cycle of the design. Only ``if TYPE_CHECKING:``
    blocks (never run) are left out."""
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        skipped = {
            id(inner)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
            for inner in ast.walk(node)
        }
        targets: set[str] = set()
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(module, path, node)
                # ``from pkg import submodule`` needs the submodule, not pkg/__init__.
                subs = [f"{base}.{alias.name}" for alias in node.names]
                names = [sub if sub in modules else base for sub in subs]
            targets.update(name for name in names if name in modules and name != module)
        graph[module] = targets
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle as a path ``[a, b, …, a]``, or ``[]`` when the graph has none."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return []


def test_no_import_cycle_between_our_modules() -> None:
    assert find_cycle(import_graph(_our_modules())) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) == []


def test_no_product_module_over_800_lines() -> None:
    long = {
        module: n
        for module, path in _our_modules().items()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_no_product_function_over_120_lines() -> None:
    long = []
    for module, path in _our_modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                size = (node.end_lineno or node.lineno) - node.lineno + 1
                if size > MAX_FUNCTION_LINES:
                    long.append(f"{module}.{node.name}: {size} lines")
    assert long == []
