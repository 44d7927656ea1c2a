"""Stop work nobody waits for: the client's deadline and cancellation, checked between steps.

Every handler checks, between its steps and inside the engine (:func:`run_engine`), that its
client still waits (``context.time_remaining()`` and ``context.is_active()``): a call whose
deadline passed stops with DEADLINE_EXCEEDED, one the client cancelled with CANCELLED, so no more
work is spent on an answer nobody reads. The engine is synchronous, so a step that has started
runs to its end.
"""

from __future__ import annotations

from collections.abc import Callable

import grpc

from tco.evaluate import evaluate
from tco.inputs import Tender
from tco.results import Evaluation


class ClientGone(Exception):
    """The client no longer waits: ``code`` DEADLINE_EXCEEDED or CANCELLED, before ``before``."""

    def __init__(self, code: grpc.StatusCode, before: str) -> None:
        super().__init__(code.name)
        self.code = code
        self.before = before

    @property
    def description(self) -> str:
        what = (
            "deadline exceeded" if self.code == grpc.StatusCode.DEADLINE_EXCEEDED else "cancelled"
        )
        return f"{what} before {self.before}"


def ensure_waiting(context: grpc.ServicerContext, before: str) -> None:
    """Raise :class:`ClientGone` when the client's deadline passed or it cancelled the call."""
    remaining = context.time_remaining()
    if remaining is not None and remaining <= 0:
        raise ClientGone(grpc.StatusCode.DEADLINE_EXCEEDED, before)
    if not context.is_active():
        raise ClientGone(grpc.StatusCode.CANCELLED, before)


def run_engine(
    tender: Tender, *, validate_only: bool, checkpoint: Callable[[str], None]
) -> Evaluation:
    """:func:`tco.evaluate.evaluate`, checking the deadline inside it.

    The engine calls its ``checkpoint`` after validation and again before it assembles the
    results; this passes them on as ``checkpoint("evaluation")`` and ``checkpoint("results")``.
    ``validate_only`` runs the evaluation too (its answer carries the evaluation's warnings), so
    it is guarded the same way.
    """
    stages = iter(("evaluation", "results"))
    return evaluate(
        tender,
        validate_only=validate_only,
        checkpoint=lambda: checkpoint(next(stages, "results")),
    )
