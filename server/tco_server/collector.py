"""Keep the objects of start-up out of the cyclic garbage collector's full passes.

Why: a server process holds some 87 000 objects from start-up (grpc, protobuf, numpy, the
engine's modules and tables) that live as long as the process. Every full collection (the
oldest generation) traverses all of them: measured 46-48 ms per full pass in a server under a
closed loop of typical tenders, one pass every ~250 calls, a pause in whichever call set it off
(2026-11-23, a ``gc.callbacks`` timer in a ``python -m tco_server`` process, 10 s of sequential
EvaluateBids calls, two runs). ``gc.freeze()`` after start-up moves them to a permanent
generation that collections skip: the full passes then took 7-9 ms (0.072-0.089 s for 8-10
passes against 0.227-0.240 s for 5), and the young generations' passes did not change.

Nothing is lost: what is frozen was alive at start-up and referenced by modules; it is never
collected by reference counting either way. Objects created later are collected as before.
:func:`freeze_startup_objects` is called once per server process (:func:`tco_server.app.start`,
after the server started), never by the engine. A threshold change was tried too and not kept:
``gc.set_threshold(10000, 10, 10)`` made the young passes cost more in total (0.39-0.42 s
against 0.28-0.31 s), since each one then finds more of a call's live objects to traverse.
"""

from __future__ import annotations

import gc

_frozen: int | None = None


def freeze_startup_objects() -> int:
    """Collect once, then freeze every object alive now; returns how many are frozen.

    Idempotent: a second call freezes nothing more and returns the first call's count.
    """
    global _frozen  # noqa: PLW0603 - one process-wide setting, set once
    if _frozen is None:
        gc.collect()
        gc.freeze()
        _frozen = gc.get_freeze_count()
    return _frozen
