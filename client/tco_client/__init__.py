"""tco_client: thin client, CLI and reports for the life-cycle cost service.

Needs only grpcio, protobuf, googleapis-common-protos and pandas (CLI and report extras add typer,
rich, PyYAML, openpyxl, matplotlib). Never imports the engine (tco) or pint.

>>> from tco_client import TcoClient                                   # doctest: +SKIP
>>> with TcoClient("127.0.0.1:50051") as client:                       # doctest: +SKIP
...     result = client.evaluate("examples/hospital-led-lighting.json")
...     result.ranking[["rank", "bid_id", "evaluated_cost_SEK"]]
"""

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
from tco_client.version import __version__

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
