"""Test-only fault hooks. OFF unless the server starts with ``TCO_SERVER_TEST_FAULTS=1``.

The end-to-end tests need a few things a correct server never does on its own: an unexpected
exception (to see INTERNAL with an incident id) and a call that takes a known time (to fill
``--max-concurrent-rpcs``, to be in flight during shutdown, to outlive a deadline). With the
environment variable set at start-up, the server reads one request metadata key:

``x-tco-test-fault: raise``
    EvaluateBids raises ``RuntimeError`` (its message quotes the first bid's supplier, as a careless
    library might) after the limits check: the client gets INTERNAL with an incident id, and the
    logs must show the id and the type but not the message.
``x-tco-test-fault: sleep=<seconds>``
    EvaluateBids waits that long (at most 30 s) before evaluating, in steps of 10 ms, checking
    ``context.is_active()`` like the real steps do, so a deadline or cancellation stops it.

Each hook taken logs ``{"event": "test_fault", "fault": "sleep"}`` (or ``"raise"``) when it
starts, so a test knows its call is in flight before it acts (fills the last slot, sends SIGTERM).

Without the variable the metadata key is ignored: production behaviour does not depend on what a
client sends here. The server logs ``test_faults: true`` at start-up when the hooks are on.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import grpc

METADATA_KEY = "x-tco-test-fault"
MAX_SLEEP_SECONDS = 30.0


class InjectedFaultError(RuntimeError):
    """The exception ``x-tco-test-fault: raise`` raises."""


@dataclass(frozen=True, slots=True)
class Fault:
    raise_error: bool = False
    sleep_seconds: float = 0.0


def requested(context: grpc.ServicerContext, enabled: bool) -> Fault | None:
    """The fault the call asks for, or None (always None when the hooks are off)."""
    if not enabled:
        return None
    for key, value in context.invocation_metadata() or ():
        if key != METADATA_KEY or not isinstance(value, str):
            continue
        if value == "raise":
            return Fault(raise_error=True)
        if value.startswith("sleep="):
            try:
                seconds = float(value.removeprefix("sleep="))
            except ValueError:
                return None
            return Fault(sleep_seconds=min(max(seconds, 0.0), MAX_SLEEP_SECONDS))
    return None


def sleep(context: grpc.ServicerContext, seconds: float) -> bool:
    """Wait ``seconds`` while the call is active; False when the client went away first."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if not context.is_active():
            return False
        time.sleep(0.01)
    return True
