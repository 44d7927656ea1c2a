"""``--processes N``: N server processes behind one port (SO_REUSEPORT), one supervisor.

One CPython process uses about one core; gRPC's recommended way to use more from Python
(``examples/python/multiprocessing`` in grpc/grpc) is several processes, each with its own
``grpc.server``, on the same port with ``SO_REUSEPORT``; the kernel spreads CONNECTIONS (not
calls) over them. This module:

1. reserves the port in the supervisor (a ``SO_REUSEPORT`` socket, never listening, kept open
   so no other program takes it between worker restarts; a port held without ``SO_REUSEPORT``
   fails here: exit 2);
2. starts N workers (``multiprocessing`` "spawn": no gRPC state inherited through ``fork``),
   each :func:`tco_server.app.start` with ``grpc.so_reuseport=1``, each with its own limits and
   pools; it prints ``tco-server listening on HOST:PORT`` once all reported ready over their
   pipes (one that cannot start stops them all: exit 2);
3. restarts a worker that dies (``worker_exited``): at once the first time, then, while it keeps
   dying within :data:`STABLE_SECONDS` of its start, after a delay that doubles from
   :data:`BACKOFF_BASE_SECONDS` up to :data:`BACKOFF_CAP_SECONDS` (``worker_restart_delayed``
   with ``backoff_ms``); it never gives up, so the port stays reserved and the service comes
   back by itself once what killed the workers is gone. A worker whose supervisor disappears
   shuts itself down;
4. forwards SIGTERM/SIGINT as SIGTERM to every worker (each drains within ``--grace``,
   :meth:`tco_server.app.RunningServer.shutdown`) and exits 0 when all did (a worker dead and
   waiting for its restart makes it 1); a second signal
   cancels the calls still running. Workers ignore SIGINT themselves; their log lines carry
   ``"worker": <index>``.

Deployment notes (one process per core, connections per client): docs/deploy.md.
"""

from __future__ import annotations

import contextlib
import dataclasses
import ipaddress
import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator
from multiprocessing.connection import Connection
from multiprocessing.context import SpawnProcess
from types import FrameType

from tco.reference import DATA_VERSION
from tco.version import __version__
from tco_server.config import ServerConfig
from tco_server.logs import LOGGER, log_event, setup_logging

#: Seconds the supervisor waits for every worker to report ready.
READY_TIMEOUT_SECONDS = 120.0
#: A worker that ran this long before it died restarts at once (its failures are forgotten).
STABLE_SECONDS = 60.0
#: The delay before restarting a worker that died again soon: doubles from BASE up to CAP.
BACKOFF_BASE_SECONDS = 0.5
BACKOFF_CAP_SECONDS = 30.0
#: Extra seconds, beyond the grace period, the supervisor waits for workers to exit.
EXIT_MARGIN_SECONDS = 15.0
#: How often the supervisor and the workers look around (crashed worker, vanished supervisor).
POLL_SECONDS = 0.5


@contextlib.contextmanager
def reserve_port(host: str, port: int) -> Iterator[int]:
    """Bind ``host:port`` with SO_REUSEPORT (not listening) and yield the port; OSError if taken.

    The socket stays bound while the context is open, reserving the port for the workers.
    """
    family, kind, proto, _, address = socket.getaddrinfo(
        host.strip("[]"), port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        if sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) == 0:
            raise OSError("SO_REUSEPORT is not available")
        sock.bind(address)
        yield int(sock.getsockname()[1])
    finally:
        sock.close()


# -- the worker --------------------------------------------------------------------------------


class _WorkerTag(logging.Filter):
    """Adds ``"worker": <index>`` to every log line of a worker process."""

    def __init__(self, index: int) -> None:
        super().__init__()
        self.index = index

    def filter(self, record: logging.LogRecord) -> bool:
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            record.fields = {**fields, "worker": self.index}
        return True


def worker_main(config: ServerConfig, index: int, supervisor_pid: int, ready: Connection) -> None:
    """One worker process: serve ``config`` (SO_REUSEPORT on) until SIGTERM, then drain, exit 0.

    Reports ``("ready", port)`` or ``("failed", exception type)`` on ``ready``.
    """
    from tco_server import app  # noqa: PLC0415 - imported in the worker, after spawn
    from tco_server.errors import exception_type  # noqa: PLC0415

    setup_logging()
    LOGGER.addFilter(_WorkerTag(index))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the supervisor forwards Ctrl-C as SIGTERM
    stop = threading.Event()
    holder: list[app.RunningServer] = []

    def on_term(signum: int, frame: FrameType | None) -> None:
        if stop.is_set() and holder:
            holder[0].stop_now()  # second SIGTERM: cancel what still runs
        stop.set()

    signal.signal(signal.SIGTERM, on_term)
    try:
        running = app.start(config)
    except Exception as error:
        ready.send(("failed", exception_type(error)))
        ready.close()
        sys.exit(2)
    holder.append(running)
    ready.send(("ready", running.port))
    ready.close()
    log_event("worker_started", pid=os.getpid(), port=running.port)
    while not stop.wait(POLL_SECONDS):
        if os.getppid() != supervisor_pid:  # the supervisor is gone: do not serve unsupervised
            log_event("supervisor_gone", 30, pid=os.getpid())
            break
    running.shutdown()
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    log_event("worker_stopped", pid=os.getpid())


# -- the supervisor ----------------------------------------------------------------------------


def backoff_seconds(failures: int) -> float:
    """The delay before restarting a worker after its ``failures``-th death in a row.

    0 for the first, then ``BACKOFF_BASE_SECONDS * 2 ** (failures - 2)`` capped at
    ``BACKOFF_CAP_SECONDS``: 0, 0.5, 1, 2, 4 ... 30, 30 s."""
    if failures <= 1:
        return 0.0
    return float(min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2.0 ** min(failures - 2, 30)))


@dataclasses.dataclass(slots=True)
class _Worker:
    index: int
    process: SpawnProcess
    ready: Connection
    started: bool = False
    spawned: float = dataclasses.field(default_factory=time.monotonic)
    #: Deaths in a row, each within STABLE_SECONDS of the worker's start.
    failures: int = 0
    #: When a dead worker is to be restarted (None: it runs).
    restart_at: float | None = None


class Supervisor:
    """Starts, watches, restarts and stops the worker processes."""

    def __init__(self, config: ServerConfig, processes: int) -> None:
        self.config = config
        self.processes = processes
        self._context = multiprocessing.get_context("spawn")
        self.workers: list[_Worker] = []
        #: Set by the signal handler: stop serving (or stop waiting for workers to start).
        self.stop_requested = threading.Event()

    def _spawn(self, index: int) -> _Worker:
        receive, send = self._context.Pipe(duplex=False)
        process = self._context.Process(
            target=worker_main,
            args=(self.config, index, os.getpid(), send),
            name=f"tco-server-worker-{index}",
            daemon=False,
        )
        process.start()
        send.close()  # the worker holds the sending end
        return _Worker(index=index, process=process, ready=receive)

    @staticmethod
    def _report(worker: _Worker, timeout: float) -> tuple[str, object] | None:
        """The worker's ready report, or None if there is none yet (or it died silently)."""
        try:
            if worker.ready.poll(timeout):
                message: tuple[str, object] = worker.ready.recv()
                return message
        except (EOFError, OSError):
            return ("failed", "exited")
        return None

    def start_all(self) -> bool:
        """Start every worker and wait until all are ready; False (all stopped) if one fails."""
        self.workers = [self._spawn(i) for i in range(self.processes)]
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        for worker in self.workers:
            report = None
            while report is None and time.monotonic() < deadline:
                if self.stop_requested.is_set():
                    log_event("start_interrupted", 30, worker=worker.index)
                    self.stop_all()
                    return False
                report = self._report(worker, POLL_SECONDS)
                if report is None and worker.process.exitcode is not None:
                    report = ("failed", "exited")
            if report is None or report[0] != "ready":
                failure = (
                    {"reason": "START_TIMEOUT"}
                    if report is None
                    else {"reason": "START_FAILED", "exc_type": str(report[1])}
                )
                log_event("worker_failed", 40, worker=worker.index, **failure)
                self.stop_all()
                return False
            worker.started = True
        return True

    def check(self) -> bool:
        """Restart workers that died, backing off while they keep dying (never gives up)."""
        now = time.monotonic()
        for position, worker in enumerate(self.workers):
            if worker.restart_at is not None:  # dead, waiting for its delay
                if now >= worker.restart_at:
                    self._restart(position)
                continue
            if not worker.started:  # a restarted worker: note when it is ready
                report = self._report(worker, 0)
                worker.started = report is not None and report[0] == "ready"
            if worker.process.exitcode is None:
                continue
            log_event(
                "worker_exited",
                40,
                worker=worker.index,
                pid=worker.process.pid,
                exit_code=worker.process.exitcode,
            )
            worker.ready.close()
            worker.failures = 1 if now - worker.spawned >= STABLE_SECONDS else worker.failures + 1
            delay = backoff_seconds(worker.failures)
            if delay > 0:
                log_event(
                    "worker_restart_delayed",
                    30,
                    worker=worker.index,
                    backoff_ms=round(delay * 1000.0),
                )
            worker.restart_at = now + delay
            if delay == 0:
                self._restart(position)
        return True

    def _restart(self, position: int) -> None:
        dead = self.workers[position]
        replacement = self._spawn(dead.index)
        replacement.failures = dead.failures
        self.workers[position] = replacement

    def signal_all(self, signum: int = signal.SIGTERM) -> None:
        for worker in self.workers:
            if worker.process.exitcode is None and worker.process.pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(worker.process.pid, signum)

    def stop_all(self, timeout: float | None = None) -> list[int | None]:
        """SIGTERM every worker, wait for them (kill after ``timeout``); their exit codes."""
        self.signal_all()
        wait = self.config.grace_seconds + EXIT_MARGIN_SECONDS if timeout is None else timeout
        deadline = time.monotonic() + wait
        for worker in self.workers:
            while worker.process.exitcode is None and time.monotonic() < deadline:
                worker.process.join(timeout=POLL_SECONDS)
            if worker.process.exitcode is None:
                worker.process.kill()
                worker.process.join()
            worker.ready.close()
        return [worker.process.exitcode for worker in self.workers]


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host == "localhost"


def announce(config: ServerConfig, port: int, **extra: int) -> None:
    """Log ``started`` with the settings (``extra`` after the port), warn when serving plaintext
    off loopback, and print ``tco-server listening on HOST:PORT`` on stdout.

    One server process (:mod:`tco_server.__main__`) and the supervisor of several use it alike.
    """
    log_event(
        "started",
        host=config.host,
        port=port,
        **extra,
        workers=config.workers,
        max_concurrent_rpcs=config.max_concurrent_rpcs,
        evaluations=config.evaluations,
        max_message_mb=config.max_message_mb,
        grace_seconds=config.grace_seconds,
        test_faults=config.test_faults,
        engine_version=__version__,
        data_version=DATA_VERSION,
        tls=config.tls_cert_file is not None,
        mutual_tls=config.tls_client_ca_file is not None,
        tokens=config.tokens_file is not None,
    )
    if config.tls_cert_file is None and not _is_loopback(config.host):
        log_event("plaintext_off_loopback", 30, host=config.host)
    print(f"tco-server listening on {config.host}:{port}", flush=True)


def serve(config: ServerConfig) -> int:
    """Run ``config.processes`` workers on one port until SIGTERM/SIGINT; the exit code.

    0 after a clean shutdown, 2 when the port cannot be bound or a worker cannot start, 1 when the
    workers crash repeatedly or one did not exit cleanly.
    """
    with contextlib.ExitStack() as stack:
        try:
            port = stack.enter_context(reserve_port(config.host, config.port))
        except OSError as error:
            log_event(
                "bind_failed", 40, host=config.host, port=config.port, reason=type(error).__name__
            )
            return 2
        return _supervise(dataclasses.replace(config, port=port))
    raise AssertionError("unreachable")  # pragma: no cover - ExitStack does not swallow


def _supervise(config: ServerConfig) -> int:
    supervisor = Supervisor(config, config.processes)
    signals_seen: list[int] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        signals_seen.append(signum)
        if supervisor.stop_requested.is_set():
            supervisor.signal_all()  # second signal: workers cancel the calls still running
        supervisor.stop_requested.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    if not supervisor.start_all():
        return 0 if signals_seen else 2
    announce(config, config.port, processes=config.processes)

    healthy = True
    while not supervisor.stop_requested.wait(timeout=POLL_SECONDS):
        if not supervisor.check():
            healthy = False
            break
    log_event(
        "shutting_down",
        signal=signal.Signals(signals_seen[0]).name if signals_seen else "",
        processes=config.processes,
        grace_seconds=config.grace_seconds,
    )
    codes = supervisor.stop_all()
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    clean = healthy and all(code == 0 for code in codes)
    log_event("stopped", processes=config.processes, exit_code=0 if clean else 1)
    return 0 if clean else 1
