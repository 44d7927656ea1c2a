"""The client installs and imports without the engine's or the server's dependencies.

A fresh virtual environment gets only ``client/`` (core dependencies: grpcio, protobuf,
googleapis-common-protos, pandas) pinned by constraints.txt; importing every client module that
does not need the optional extras must work there, with no pint, no tco, no tco_server installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

CHECK = r"""
import importlib, importlib.util, pkgutil, sys
for absent in ("pint", "tco", "tco_server"):
    assert importlib.util.find_spec(absent) is None, f"{absent} must not be installed here"
import tco_client, tcoapi.v1.service_pb2_grpc
optional = {"typer", "rich", "yaml", "openpyxl", "matplotlib"}
imported = []
for info in pkgutil.walk_packages(tco_client.__path__, "tco_client."):
    try:
        importlib.import_module(info.name)
        imported.append(info.name)
    except ModuleNotFoundError as exc:  # only the optional extras may be missing
        assert exc.name.split(".")[0] in optional, (info.name, exc.name)
assert "pint" not in sys.modules and "tco" not in sys.modules
print("imported", len(imported), "client modules:", " ".join(imported))
"""


@pytest.mark.slow
def test_client_installs_and_imports_without_pint_or_server(tmp_path: Path) -> None:
    env_dir = tmp_path / "client-only"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    # Build from a copy, so no build/ or egg-info litters the work tree.
    source = tmp_path / "client-src"
    shutil.copytree(
        ROOT / "client", source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__")
    )
    install = subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "-c",
            str(ROOT / "constraints.txt"),
            str(source),
        ],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=600,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    done = subprocess.run(
        [str(python), "-c", CHECK],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "imported" in done.stdout
    assert sys.executable != str(python)
