"""The Node.js client example (examples/clients/node) against the real tco-server.

Skipped where ``node``/``npm`` are missing (or node is older than the package's 18). Otherwise
installs the locked dependencies with ``npm ci`` (node_modules is git-ignored; skipped when the
installed tree is of the current package-lock.json), runs
``client.mjs`` against the shared server, and checks its output against what the Python client
gets from the same server for the same tenders: the ranking, the field paths of the broken
tender's violations (BadRequest) and its ErrorInfo reason, and every streamed result.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tco_client.client import TcoClient
from tco_client.errors import TcoInvalidTender
from tco_client.tender import load_tender
from tcoapi.v1 import result_pb2
from tests.conftest import EXAMPLES, ROOT

pytestmark = pytest.mark.slow

NODE_DIR = ROOT / "examples" / "clients" / "node"
SAMPLE = EXAMPLES / "sample-tender.json"
STREAMED = [SAMPLE, EXAMPLES / "hospital-led-lighting.json"]
#: Bounds of the subprocesses, seconds: npm ci from a cold cache, one run of the client.
NPM_TIMEOUT = 600
RUN_TIMEOUT = 120


def _node_major() -> int:
    node = shutil.which("node")
    if node is None or shutil.which("npm") is None:
        return 0
    version = subprocess.run(
        [node, "--version"], capture_output=True, text=True, timeout=30, check=True
    ).stdout
    return int(version.strip().lstrip("v").split(".")[0])


def npm_ci() -> None:
    """``npm ci`` in the example, once per version of package-lock.json.

    pytest-xdist may run this module's tests in two workers at once: a lock on the lockfile
    keeps them from installing over each other, and a stamp in node_modules (the lockfile's
    SHA-256) lets the second one, and later runs, skip the install.
    """
    npm = shutil.which("npm")
    assert npm is not None
    lockfile = NODE_DIR / "package-lock.json"
    stamp = NODE_DIR / "node_modules" / ".tco-lock-sha256"
    with lockfile.open("rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        digest = hashlib.sha256(lockfile.read_bytes()).hexdigest()
        if stamp.is_file() and stamp.read_text(encoding="ascii") == digest:
            return
        installed = subprocess.run(
            [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline"],
            cwd=NODE_DIR,
            capture_output=True,
            text=True,
            timeout=NPM_TIMEOUT,
            check=False,
        )
        assert installed.returncode == 0, f"npm ci failed:\n{installed.stdout}{installed.stderr}"
        stamp.write_text(digest, encoding="ascii")


@pytest.fixture(scope="module")
def node_client() -> Path:
    """The example with its locked dependencies installed."""
    if _node_major() < 18:
        pytest.skip("node >= 18 and npm are needed for the Node.js client example")
    npm_ci()
    return NODE_DIR / "client.mjs"


def run_node(script: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["node", str(script), *(str(a) for a in args)],
        cwd=NODE_DIR,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )


@pytest.fixture(scope="module")
def output(node_client: Path, server_target: str) -> str:
    """Stdout of one full run of the example (evaluate, broken tender, stream)."""
    run = run_node(node_client, "--server", server_target)
    assert run.returncode == 0, f"client.mjs exited {run.returncode}:\n{run.stdout}{run.stderr}"
    assert run.stdout.rstrip().endswith("all steps as expected")
    return run.stdout


def _section(text: str, start: str, end: str) -> str:
    """The lines of ``text`` from the one starting with ``start`` to the next starting ``end``."""
    head = text.index(start)
    tail = text.find(end, head + len(start))
    return text[head : tail if tail >= 0 else len(text)]


def _ranking_lines(response: result_pb2.EvaluateBidsResponse, indent: str) -> list[str]:
    """The lines client.mjs prints for a ranking, made from the Python client's response."""
    return [
        f"{indent}rank {r.rank}{' (tied)' if r.tied else ''}: {r.bid_id}  evaluated cost "
        f"{r.evaluated_cost:.2f} {response.currency}"
        for r in response.results
    ]


def test_ranking_equals_the_python_clients(output: str, server_target: str) -> None:
    with TcoClient(server_target) as client:
        response = client.evaluate(SAMPLE).response
    section = _section(output, "EvaluateBids sample-tender.json", "EvaluateBids broken")
    ids = " ".join(r.bid_id for r in response.results)
    assert f"  ranking: {ids}\n" in section
    printed = [line for line in section.splitlines() if line.startswith("  rank ")]
    assert printed == _ranking_lines(response, "  ")


def test_bad_request_is_decoded_field_by_field(output: str, server_target: str) -> None:
    """The same breakage sent from Python gives the violations the Node client printed."""
    request = load_tender(SAMPLE)
    last = len(request.bids) - 1
    request.method.discount_rate = -2
    request.bids[last].items[0].unit_price.unit = "parsecs"
    with TcoClient(server_target) as client, pytest.raises(TcoInvalidTender) as caught:
        client.evaluate(request)
    section = _section(output, "EvaluateBids broken tender: INVALID_ARGUMENT", "EvaluateTenders")
    printed = re.findall(r"^  violation (\S+): (.*)$", section, flags=re.MULTILINE)
    assert printed == [(v.field, v.description) for v in caught.value.violations]
    assert {f for f, _ in printed} == {
        "method.discount_rate",
        f"bids[{last}].items[0].unit_price.unit",
    }
    assert f"  error info: reason={caught.value.reason} domain={caught.value.domain} " in section
    assert caught.value.reason == "INVALID_TENDER"


def test_stream_gives_every_tender_in_order(output: str, server_target: str) -> None:
    section = _section(output, "EvaluateTenders:", "all steps")
    assert f"EvaluateTenders: {len(STREAMED)} results streamed" in section
    heads = re.findall(r"^  #(\d+) (\S+): (\d+) bids, best (\S+)$", section, flags=re.MULTILINE)
    with TcoClient(server_target) as client:
        responses = [client.evaluate(path).response for path in STREAMED]
    assert heads == [
        (str(i), path.name, str(len(r.results)), r.results[0].bid_id)
        for i, (path, r) in enumerate(zip(STREAMED, responses, strict=True))
    ]
    printed = [line for line in section.splitlines() if line.startswith("    rank ")]
    assert printed == [line for r in responses for line in _ranking_lines(r, "    ")]


def test_misspelt_field_fails_before_any_call(node_client: Path, tmp_path: Path) -> None:
    """An unknown field in a tender file is an error (exit 1), not a silently dropped value."""
    document = json.loads(SAMPLE.read_text(encoding="utf-8"))
    document["method"]["discount_rat"] = document["method"].pop("discount_rate")
    typo = tmp_path / "typo.json"
    typo.write_text(json.dumps(document), encoding="utf-8")
    # No server listens on port 1: the file is rejected before the client connects.
    run = run_node(node_client, "--server", "127.0.0.1:1", "--tender", typo)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "method.discount_rat: no such field in tcoapi.v1.Method" in run.stderr
