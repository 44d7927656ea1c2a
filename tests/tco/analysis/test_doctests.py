"""The worked examples in the analysis docstrings run and hold (engine and client)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "tco.analysis.parameters",
    "tco.analysis.model",
    "tco.analysis.switching",
    "tco.analysis.outcomes",
    "tco_client.analysis",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    failed, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert failed == 0
