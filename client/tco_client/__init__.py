"""tco_client: thin client, CLI and reports for the life-cycle cost service.

Needs only grpcio, protobuf, googleapis-common-protos and pandas (CLI and report extras add typer,
rich, PyYAML, openpyxl, matplotlib). Never imports the engine (tco) or pint.
"""

from tco_client.version import __version__

__all__ = ["__version__"]
