"""Fixtures of the client tests: the examples, a CLI runner, offline results and fake servers.

Tests that need the real service use the shared ``server_target`` fixture (tests/conftest.py);
the rest run against :mod:`tests.client.fakes` (a hand-made response, an in-process fake gRPC
servicer) so the client's own logic is tested even when the engine is not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tco_client.cli import app
from tco_client.result import EvaluationResult, ReferenceData
from tco_client.tender import load_tender
from tests.client import fakes
from tests.conftest import EXAMPLES, SAMPLE_TENDER

EXAMPLE_FILES = {
    "sample": EXAMPLES / "sample-tender.json",
    "led": EXAMPLES / "hospital-led-lighting.json",
    "vehicles": EXAMPLES / "municipal-vehicles.json",
    "it": EXAMPLES / "healthcare-it-service.json",
}


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


def run_cli(*args: str | Path) -> CliResult:
    """Run ``tco`` in-process (typer's CliRunner), stdout and stderr apart."""
    result = CliRunner().invoke(app, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return CliResult(result.exit_code, result.stdout, result.stderr)


@pytest.fixture
def cli() -> Callable[..., CliResult]:
    return run_cli


@pytest.fixture
def offline_result() -> EvaluationResult:
    """The sample request with the hand-made response and reference data."""
    series, factors = fakes.fake_reference()
    return EvaluationResult(
        load_tender(SAMPLE_TENDER), fakes.fake_response(), ReferenceData(series, factors)
    )


@pytest.fixture
def fake_server() -> Iterator[Callable[[Callable[..., Any]], tuple[fakes.FakeService, str]]]:
    """Start in-process fake services: ``service, target = fake_server(handler)``."""
    servers: list[Any] = []

    def start(handler: Callable[..., Any]) -> tuple[fakes.FakeService, str]:
        service = fakes.FakeService(handler)
        server, target = fakes.start_fake_server(service)
        servers.append(server)
        return service, target

    yield start
    for server in servers:
        server.stop(grace=None)
