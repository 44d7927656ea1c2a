"""Cooperative cancellation of an analysis: a ``should_stop`` callable checked between chunks.

Every loop of :mod:`tco.analysis` that can run long (chunks of draws and every structural
re-expansion in :class:`tco.analysis.model.ParametricModel`, hence each sensitivity entry,
switching evaluation and bisection step, scenario and Monte Carlo chunk; and each distribution
drawn) calls :func:`checkpoint` with the caller's ``should_stop``. When it returns True the
analysis raises :class:`Stopped` and drops its work; nothing else of the engine catches it.

The caller decides what "stop" means: the server asks whether the client still waits (deadline,
cancellation), a script may pass a time limit. The check is a plain call, so it must be cheap
(microseconds); it runs at most every :data:`tco.analysis.model.CHUNK_ELEMENTS` floats of work
or one re-expansion, well under 100 ms apart on the budgets of :mod:`tco.analysis.budget`.

Example:
    >>> checkpoint(never)
    >>> try:
    ...     checkpoint(lambda: True)
    ... except Stopped:
    ...     print("stopped")
    stopped
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["ShouldStop", "Stopped", "checkpoint", "never"]

#: True when the work should stop (the client has gone, the deadline passed).
ShouldStop = Callable[[], bool]


class Stopped(Exception):
    """The analysis stopped because ``should_stop()`` said so; no result."""


def never() -> bool:
    """The default ``should_stop``: run to the end."""
    return False


def checkpoint(should_stop: ShouldStop) -> None:
    """Raise :class:`Stopped` when ``should_stop()`` is true."""
    if should_stop():
        raise Stopped("the analysis was stopped by its caller")
