"""Fixtures of the records tests: a real PostgreSQL server and SQLite, never mocks.

``postgres`` starts one PostgreSQL for the session from Debian's binaries
(``/usr/lib/postgresql/*/bin``; ``make postgresql`` installs them where missing): ``initdb`` in a
temporary folder and ``pg_ctl start`` on a free loopback port. ``initdb`` refuses to run as
root, so as root both run as the ``postgres`` system user (``runuser -u postgres``) in a folder
it owns. Each test gets a database of its own. Without the binaries (and no way to install them)
the PostgreSQL cases skip, saying so; under CI (``CI`` set) they fail instead.

``backend`` parametrises a test over both: ``"sqlite"`` (a fresh ``--data-dir``) and
``"postgresql"`` (a fresh database on the session's server); it gives the server flags and the
SQLAlchemy URL.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found and shutil.which("initdb"):
        found = [str(shutil.which("initdb"))]
    return Path(found[-1]).parent if found else None


@dataclass(frozen=True)
class Postgres:
    port: int
    bindir: Path

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"


def _as_owner(cmd: list[str], owner: str | None) -> list[str]:
    return ["runuser", "-u", owner, "--", *cmd] if owner else cmd


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    bindir = _pg_bin()
    if bindir is None:
        subprocess.run(["bash", str(ROOT / "scripts" / "install_postgresql.sh")], check=False)
        bindir = _pg_bin()
    if bindir is None:
        reason = "PostgreSQL server binaries absent and not installable (make postgresql)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    owner = None
    folder = Path(tempfile.mkdtemp(prefix="tco-pg-"))
    if os.geteuid() == 0:
        owner = "postgres"
        user = pwd.getpwnam(owner)
        os.chown(folder, user.pw_uid, user.pw_gid)
    data, port = folder / "data", free_port()
    subprocess.run(
        _as_owner(
            [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync"],
            owner,
        ),
        check=True,
        capture_output=True,
        cwd=folder,
        timeout=120,
    )
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    pg_ctl = [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w"]
    subprocess.run(
        _as_owner([*pg_ctl, "-o", options, "start"], owner),
        check=True,
        capture_output=True,
        cwd=folder,
        timeout=120,
    )
    try:
        yield Postgres(port=port, bindir=bindir)
    finally:
        subprocess.run(
            _as_owner([*pg_ctl, "-m", "fast", "stop"], owner),
            check=False,
            capture_output=True,
            cwd=folder,
            timeout=120,
        )
        shutil.rmtree(folder, ignore_errors=True)


_databases = iter(range(1, 1_000_000))


def new_database(server: Postgres) -> str:
    """A fresh empty database on ``server``; its SQLAlchemy URL."""
    import psycopg

    name = f"records_{os.getpid()}_{next(_databases)}"
    with psycopg.connect(f"host=127.0.0.1 port={server.port} user=postgres", autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    return server.url(name)


@dataclass(frozen=True)
class Backend:
    name: str
    url: str
    flags: tuple[str, ...]


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "sqlite":
        data_dir = tmp_path / "tco-data"
        data_dir.mkdir()
        return Backend(
            "sqlite",
            f"sqlite:///{data_dir / 'records.sqlite3'}",
            ("--data-dir", str(data_dir)),
        )
    server: Postgres = request.getfixturevalue("postgres")
    url = new_database(server)
    return Backend("postgresql", url, ("--database", url, "--data-dir", str(tmp_path / "unused")))
