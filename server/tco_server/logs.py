"""Structured one-line logs (JSON on stderr) that never carry bid content.

Bids are confidential until award. A log line may hold only what :data:`ALLOWED_FIELDS` lists:
the method name, the status code, the duration, the COUNT of bids, a prefix of the engine's
request digest (a SHA-256, so it identifies a request without revealing it), an incident id and an
exception type with its frames, and the name of the calling platform from the tokens file (when
tokens are on; :data:`CALLER`, never the token). Ids, suppliers, names, units, prices and error
descriptions are never logged; :func:`log_event` drops any other field, so a careless caller
cannot leak one.

Example::

    {"bids":2,"code":"OK","digest":"3f9a0c1b2d4e","duration_ms":41.7,"event":"rpc",
     "level":"INFO","method":"EvaluateBids","ts":"2027-01-01T10:00:00.123Z"}
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import time
from typing import Any

LOGGER = logging.getLogger("tco_server")

#: Every field a log line may carry.
ALLOWED_FIELDS = frozenset(
    {
        "event",
        "method",
        "code",
        "duration_ms",
        "queued_ms",
        "evaluations",
        "bids",
        "digest",
        "violations",
        "reason",
        "incident_id",
        "exc_type",
        "frames",
        "host",
        "port",
        "workers",
        "max_concurrent_rpcs",
        "max_message_mb",
        "grace_seconds",
        "signal",
        "test_faults",
        "engine_version",
        "data_version",
        "stopped_before",
        "fault",
        "tenders",
        "tender_errors",
        "processes",
        "worker",
        "pid",
        "exit_code",
        "platform",
        "tls",
        "mutual_tls",
        "tokens",
        "bytes",
        "draws",
        # procurement records (tco_server.procurement_service): the store's backend, whether
        # bids are encrypted at rest, the caller's organisation (from the tokens file)
        "backend",
        "encrypted",
        "organization",
        "backoff_ms",
    }
)
#: The platform (name from the tokens file) the current call authenticated as; set per call by
#: :mod:`tco_server.security` and added to every line logged during the call.
CALLER: contextvars.ContextVar[str] = contextvars.ContextVar("tco_caller", default="")
#: Characters of the request digest that go into a log line.
DIGEST_PREFIX = 12


class JsonFormatter(logging.Formatter):
    """One JSON object per line, keys sorted; only allow-listed fields from ``record.fields``."""

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = getattr(record, "fields", {})
        line: dict[str, Any] = {k: v for k, v in fields.items() if k in ALLOWED_FIELDS}
        line["level"] = record.levelname
        line["ts"] = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + (
            f".{int(record.msecs):03d}Z"
        )
        line.setdefault("event", record.getMessage() if not fields else "log")
        return json.dumps(line, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


class LibraryFormatter(logging.Formatter):
    """A library's log record (asyncio, grpc...) as a JSON line: ``library_log``, the logger's
    name as ``reason`` and the exception's type; never its message, which may quote a request."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {"event": "library_log", "reason": record.name}
        if record.exc_info and record.exc_info[0] is not None:
            line["exc_type"] = record.exc_info[0].__name__
        line["level"] = record.levelname
        line["ts"] = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + (
            f".{int(record.msecs):03d}Z"
        )
        return json.dumps(line, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def setup_logging(level: int = logging.INFO) -> None:
    """Send the server's logs to stderr as JSON lines (stdout carries only the listening line).

    The libraries' warnings go there too, as :class:`LibraryFormatter` lines; gRPC core's own
    lines are off (``GRPC_VERBOSITY=NONE``, set by :mod:`tco_server.__main__`)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    LOGGER.handlers[:] = [handler]
    LOGGER.setLevel(level)
    LOGGER.propagate = False
    library = logging.StreamHandler(sys.stderr)
    library.setFormatter(LibraryFormatter())
    root = logging.getLogger()
    root.handlers[:] = [library]
    root.setLevel(logging.WARNING)
    # grpc's own logger reports "Exception calling application: <message>" with the message of an
    # escaped exception; every handler here catches everything, but keep grpc terse regardless.
    logging.getLogger("grpc").setLevel(logging.CRITICAL)


def log_event(event: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log one line: ``event`` plus allow-listed fields (others are dropped)."""
    caller = CALLER.get()
    if caller and "platform" not in fields:
        fields["platform"] = caller
    LOGGER.log(level, event, extra={"fields": {"event": event, **fields}})
