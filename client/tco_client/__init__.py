"""tco_client: thin client, CLI and reports for the life-cycle cost service.

Needs only grpcio, protobuf, googleapis-common-protos and pandas (CLI and report extras add typer,
rich, PyYAML, openpyxl, matplotlib). Never imports the engine (tco) or pint.

>>> from tco_client import TcoClient                                   # doctest: +SKIP
>>> with TcoClient("127.0.0.1:50051") as client:                       # doctest: +SKIP
...     result = client.evaluate("examples/hospital-led-lighting.json")
...     result.ranking[["rank", "bid_id", "evaluated_cost_SEK"]]
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from tco_client.version import __version__

if TYPE_CHECKING:
    from tco_client.client import TcoClient
    from tco_client.errors import (
        FieldViolation,
        TcoError,
        TcoInvalidTender,
        TcoOutputError,
        TcoServiceError,
    )
    from tco_client.result import EvaluationResult, ReferenceData
    from tco_client.tender import load_tender

#: Where each public name lives: imported on first use (PEP 562), so that ``tco --help`` and
#: the submodules do not pay for gRPC and pandas.
_LAZY = {
    "TcoClient": "tco_client.client",
    "FieldViolation": "tco_client.errors",
    "TcoError": "tco_client.errors",
    "TcoInvalidTender": "tco_client.errors",
    "TcoOutputError": "tco_client.errors",
    "TcoServiceError": "tco_client.errors",
    "EvaluationResult": "tco_client.result",
    "ReferenceData": "tco_client.result",
    "load_tender": "tco_client.tender",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'tco_client' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "EvaluationResult",
    "FieldViolation",
    "ReferenceData",
    "TcoClient",
    "TcoError",
    "TcoInvalidTender",
    "TcoOutputError",
    "TcoServiceError",
    "__version__",
    "load_tender",
]
