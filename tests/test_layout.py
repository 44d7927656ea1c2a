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
