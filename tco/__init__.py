"""tco: the life-cycle cost and climate-cost engine for public procurement.

Pure Python + numpy/pandas + pint; no transport code (a test enforces that nothing here imports
grpc, protobuf, the server or the client). Conventions: the docstring of each module and the
method primer (lcc-method.md). Entry points: :func:`tco.validate.prepare` and
:func:`tco.evaluate.evaluate`.
"""

from tco.version import __version__

__all__ = ["__version__"]
