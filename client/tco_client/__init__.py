"""tco_client: thin client, CLI and reports for the life-cycle cost service.

Needs only grpcio, protobuf, googleapis-common-protos and pandas (CLI and report extras add typer,
rich, PyYAML, openpyxl, matplotlib). Never imports the engine (tco) or pint.

>>> from tco_client import TcoClient                                   # doctest: +SKIP
>>> with TcoClient("127.0.0.1:50051") as client:                       # doctest: +SKIP
...     result = client.evaluate("examples/hospital-led-lighting.json")
...     analysis = client.analyze("examples/hospital-led-lighting.json")  # the CLI's default
>>> result.ranking[["rank", "evaluated_cost_SEK", "difference_to_best_share"]]  # doctest: +SKIP
>>> analysis.base.join(analysis.win_probability)                       # doctest: +SKIP

The frames (:mod:`tco_client.frames` documents them; :mod:`tco_client.analysis` the analysis'):

- every frame with one row per bid is indexed by ``bid_id`` — ``ranking`` (rank order),
  ``cost_by_category``, ``emissions_by_module``, ``measures``; of an analysis ``base``,
  ``win_probability``, ``percentiles`` — so they join on the index; long frames (cash flows,
  emissions by year, explanations, warnings, scenarios, tornado per bid) keep a ``bid_id``
  column;
- proportions are fractions (``difference_to_best_share`` 0.031 = 3.1 %, ``airr``,
  ``probability_best``); :func:`tco_client.frames.format_percentages` formats them for display,
  as the CLI table does, and the Excel reports give them a percent number format;
- one name per quantity: the evaluated cost (the comparison number the ranking is based on) is
  ``evaluated_cost_<CUR>`` in ``ranking``, in the analysis' ``base`` and ``scenarios``;
- a frame without rows has the dtypes it has with rows;
- ``TcoClient.analyze(tender)`` without a spec runs what ``tco analyze`` runs without
  ``--spec`` (the same function builds it) and says so: ``default_analysis`` is True and
  ``assumptions`` lists the distributions drawn from.

Changed in this version (old → new): ``ranking``/``measures`` column ``bid_id`` → the index;
``difference_to_best_percent`` (percent) → ``difference_to_best_share`` (fraction); analysis
``comparison_number_<CUR>`` → ``evaluated_cost_<CUR>``; analysis ``base``/``win_probability``/
``percentiles`` column ``bid_id`` → the index; ``percentiles``' row ``gap`` →
``gap_percentiles``; analysis ``warnings`` columns ordered code, bid_id, message as the
evaluation's; text columns of the reference frames ``object`` → ``string``.
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
