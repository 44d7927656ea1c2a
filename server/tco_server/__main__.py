"""``tco-server`` / ``python -m tco_server``: serve the life-cycle cost service.

Prints ``tco-server listening on HOST:PORT`` (the port actually bound; ``--port 0`` picks a free
one) on stdout once it serves; everything else goes to stderr as JSON log lines (gRPC core's own
lines are off: ``GRPC_VERBOSITY=NONE`` unless set). SIGTERM or SIGINT shuts down gracefully (health
NOT_SERVING, new calls refused, every accepted call answered, OK or DEADLINE_EXCEEDED, within
``--grace`` seconds, see :mod:`tco_server.serving`) and exits 0; a second signal cancels the calls
still running. Exit code 2: bad flags, a TLS or tokens
file that cannot be used, or the address could not be bound. Serving plaintext on an address other
than loopback logs a ``plaintext_off_loopback`` warning.

``--http-port N`` serves the same service as JSON over HTTP/1.1 (the Connect protocol, see
:mod:`tco_server.http_gateway`) on port N of ``--host`` as well (``0``: a free port; off by
default) and prints a second line ``tco-server http listening on HOST:PORT``.

``--processes N`` (N > 1) runs N server processes on the one port (SO_REUSEPORT) under a
supervisor that prints the listening line once and forwards SIGTERM/SIGINT to them; see
:mod:`tco_server.multiproc`.
"""

from __future__ import annotations

import os

# gRPC core writes its own lines to stderr ("I1207 ... Handshake failed ..."); the log is JSON
# lines only, so core logging is off unless an operator turns it on (GRPC_VERBOSITY=INFO). Set
# before grpc is imported; the worker processes of --processes inherit it.
os.environ.setdefault("GRPC_VERBOSITY", "NONE")

import argparse
import dataclasses
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType
from typing import Any

from tco_server import app, multiproc
from tco_server.config import TEST_FAULTS_ENV, ServerConfig
from tco_server.limits import Limits
from tco_server.logs import log_event, setup_logging
from tco_server.security import SecurityConfigError


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be 0..65535, got {value}")
    return value


def _http_port(text: str) -> int | None:
    return None if text == "off" else _port(text)


def _max_waiting(text: str) -> int | None:
    if text == "off":
        return None
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0 or 'off', got {value}")
    return value


def _non_negative_float(text: str) -> float:
    value = float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text}")
    return value


def _records_flags(parser: argparse.ArgumentParser) -> None:
    """The procurement records' flags (tco_server.records), in their own group."""
    records = parser.add_argument_group(
        "procurement records (see tco_server.records; SQLite in --data-dir by default)"
    )
    records.add_argument(
        "--data-dir",
        metavar="DIR",
        help="folder of the embedded records database (default: $XDG_DATA_HOME/tco-server, "
        "i.e. ~/.local/share/tco-server)",
    )
    records.add_argument(
        "--database",
        metavar="URL",
        help="records database instead of SQLite, e.g. postgresql+psycopg://user@host/db",
    )
    records.add_argument(
        "--data-key-file",
        metavar="FILE",
        help="256-bit key (hex or base64) encrypting the records at rest with AES-GCM "
        "(python -m tco_server.records.crypto new-key FILE); without it they are unencrypted",
    )
    records.add_argument(
        "--data-sync",
        choices=("full", "normal"),
        default="full",
        help="SQLite records: 'full' fsyncs every commit (survives a power cut; default), "
        "'normal' does not wait for it (survives kill -9, not a power cut)",
    )


def _security_flags(parser: argparse.ArgumentParser) -> None:
    secure = parser.add_argument_group("security (see tco_server.security; all off by default)")
    secure.add_argument("--tls-cert", metavar="FILE", help="PEM certificate chain: serve TLS")
    secure.add_argument("--tls-key", metavar="FILE", help="PEM private key of --tls-cert")
    secure.add_argument(
        "--tls-client-ca",
        metavar="FILE",
        help="PEM CA bundle: mutual TLS, clients must present a certificate signed by it",
    )
    secure.add_argument(
        "--tokens-file",
        metavar="FILE",
        help="'platform:sha256hex' lines: every call but health/reflection needs "
        "'authorization: Bearer <token>'",
    )


def parse_args(argv: Sequence[str] | None = None) -> ServerConfig:
    """The config from the command line (and ``TCO_SERVER_TEST_FAULTS`` for the test hooks)."""
    defaults = ServerConfig()
    parser = argparse.ArgumentParser(
        prog="tco-server", description="Serve the life-cycle cost service (gRPC)."
    )
    general: list[tuple[str, Any, object, str]] = [
        ("--host", str, defaults.host, "address to bind (default %(default)s)"),
        ("--port", _port, defaults.port, "port to bind, 0 = any free port (default %(default)s)"),
        (
            "--http-port",
            _http_port,
            defaults.http_port,
            "also serve the service as JSON over HTTP/1.1 (Connect protocol) on this port, "
            "0 = any free port, 'off' = not at all (default: off)",
        ),
        (
            "--workers",
            _positive_int,
            defaults.workers,
            "threads that decode, handle and encode calls; waiting for a client holds none "
            "(default %(default)s)",
        ),
        (
            "--max-concurrent-rpcs",
            _positive_int,
            defaults.max_concurrent_rpcs,
            "service calls in progress beyond which RESOURCE_EXHAUSTED; health and reflection "
            "do not count (default %(default)s)",
        ),
        (
            "--max-message-mb",
            _positive_int,
            defaults.max_message_mb,
            "largest request/response message in MiB (default %(default)s)",
        ),
        (
            "--processes",
            _positive_int,
            defaults.processes,
            "server processes sharing the port with SO_REUSEPORT under one supervisor; "
            "--workers, --max-concurrent-rpcs and --evaluations are per process (default "
            "%(default)s)",
        ),
        (
            "--evaluations",
            _positive_int,
            defaults.evaluations,
            "evaluations computing at once in one process; more wait their turn "
            "(default %(default)s; see tco_server.evaluation_queue)",
        ),
        (
            "--max-waiting",
            _max_waiting,
            defaults.max_waiting,
            "calls that may wait for an evaluation turn in one process; one more is refused "
            "UNAVAILABLE with a RetryInfo delay (reason OVERLOADED); 'off' = no bound "
            "(default: off)",
        ),
        (
            "--grace",
            _non_negative_float,
            defaults.grace_seconds,
            "seconds every accepted call has to answer on shutdown; the ones not done answer "
            "DEADLINE_EXCEEDED (default %(default)s)",
        ),
    ]
    for flag, kind, default, text in general:
        parser.add_argument(flag, type=kind, default=default, help=text)
    _security_flags(parser)
    _records_flags(parser)
    limits = parser.add_argument_group("request limits (see tco_server.limits)")
    for f in dataclasses.fields(Limits):
        limits.add_argument(
            "--" + f.name.replace("_", "-"),
            type=_positive_int,
            default=getattr(defaults.limits, f.name),
            dest=f"limit_{f.name}",
            metavar="N",
            help="default %(default)s",
        )
    args = parser.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    if args.tls_client_ca and not args.tls_cert:
        parser.error("--tls-client-ca needs --tls-cert and --tls-key")
    if args.http_port == 0 and args.processes > 1:
        parser.error("--processes N > 1 needs a fixed --http-port (every process binds it)")
    return ServerConfig(
        host=args.host,
        port=args.port,
        workers=args.workers,
        max_concurrent_rpcs=args.max_concurrent_rpcs,
        max_message_mb=args.max_message_mb,
        grace_seconds=args.grace,
        processes=args.processes,
        evaluations=args.evaluations,
        limits=Limits(
            **{f.name: getattr(args, f"limit_{f.name}") for f in dataclasses.fields(Limits)}
        ),
        test_faults=os.environ.get(TEST_FAULTS_ENV) == "1",
        tls_cert_file=args.tls_cert,
        tls_key_file=args.tls_key,
        tls_client_ca_file=args.tls_client_ca,
        tokens_file=args.tokens_file,
        http_port=args.http_port,
        data_dir=args.data_dir,
        database=args.database,
        data_key_file=args.data_key_file,
        data_sync=args.data_sync,
        max_waiting=args.max_waiting,
    )


def main(argv: Sequence[str] | None = None) -> int:
    config = parse_args(argv)
    setup_logging()
    if config.processes > 1:
        return multiproc.serve(config)  # the supervisor of N processes on one port
    try:
        running = app.start(config)
    except SecurityConfigError as error:
        log_event("config_failed", 40, reason=str(error))
        return 2
    except RuntimeError:
        log_event("bind_failed", 40, host=config.host, port=config.port)
        return 2

    stop_requested = threading.Event()
    signals_seen: list[int] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        signals_seen.append(signum)
        if stop_requested.is_set():
            running.stop_now()  # second signal: do not wait for the grace period
        stop_requested.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    multiproc.announce(config, running.port)
    if running.http is not None:
        print(f"tco-server http listening on {config.host}:{running.http.port}", flush=True)

    while not stop_requested.wait(timeout=1.0):
        pass
    log_event(
        "shutting_down",
        signal=signal.Signals(signals_seen[0]).name,
        grace_seconds=config.grace_seconds,
    )
    running.shutdown()
    # Stopped: a late second signal must not kill the interpreter while it tears down (Python
    # restores the default disposition of handled signals at finalization, not of ignored ones).
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    log_event("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
