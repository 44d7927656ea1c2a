"""Server configuration: one small frozen dataclass with embedded defaults (nothing to set up).

``python -m tco_server`` with no flags serves on ``127.0.0.1:50051`` with these defaults; every
field has a command-line flag (see :mod:`tco_server.__main__`). The request limits live in
:class:`tco_server.limits.Limits` and are part of the config so a deployment can tighten them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tco_server.limits import Limits

#: Health service name of the life-cycle cost service (the contract's full service name).
SERVICE_NAME = "tcoapi.v1.LifeCycleCostService"

#: Environment variable that enables the test-only fault hooks (see :mod:`tco_server.faults`).
TEST_FAULTS_ENV = "TCO_SERVER_TEST_FAULTS"


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """How the server listens and how much it accepts.

    - ``workers``: threads that decode, handle and encode calls (:mod:`tco_server.serving`;
      waiting for a client's bytes holds none). The engine is synchronous and CPU-bound, so a
      handful is enough.
    - ``max_concurrent_rpcs``: service calls in progress (a unary call from its message in hand
      to its answer, a stream for its whole life) beyond which the server answers
      RESOURCE_EXHAUSTED at once instead of queueing without bound. Health checks and reflection
      do not count and are never refused.
    - ``max_message_mb``: the largest request and response message, in MiB; grpc refuses larger
      ones with RESOURCE_EXHAUSTED before any handler runs.
    - ``grace_seconds``: on SIGTERM/SIGINT, after health turned NOT_SERVING and new calls are
      refused, the time every accepted call has to answer: one not done 1 s before its end
      answers DEADLINE_EXCEEDED (:mod:`tco_server.serving`, drain).
    - ``test_faults``: the test-only fault hooks; off unless ``TCO_SERVER_TEST_FAULTS=1``.
    - ``evaluations``: evaluations that compute at once in one process; more wait their turn in
      arrival order (:mod:`tco_server.evaluation_queue`: interleaved on the GIL they only cost
      more CPU).
    - ``processes``: server processes sharing the port with SO_REUSEPORT under one supervisor
      (:mod:`tco_server.multiproc`); 1 = one process, SO_REUSEPORT off. ``workers``,
      ``max_concurrent_rpcs`` and ``evaluations`` apply to each process.
    - ``tls_cert_file`` / ``tls_key_file``: PEM certificate chain and key: TLS on (both or
      neither); ``tls_client_ca_file``: PEM CA bundle: mutual TLS, client certificates required;
      ``tokens_file``: ``platform:sha256hex`` lines: a bearer token needed on every call but
      health and reflection (see :mod:`tco_server.security`). All None: plaintext, no tokens.
    - ``http_port``: the same service as JSON over HTTP/1.1 (the Connect protocol,
      :mod:`tco_server.http_gateway`) on this port of ``host``; 0 = any free port, None = off
      (the default; ``--http-port 8080`` turns it on, with the same TLS and tokens).
    - ``data_dir`` / ``database`` / ``data_key_file``: where the procurement records live (the
      SQLite file ``records.sqlite3`` in ``data_dir``, default ``~/.local/share/tco-server``;
      or the database at the SQLAlchemy URL ``database``) and the key that encrypts them at rest
      (see :mod:`tco_server.records`).
    """

    host: str = "127.0.0.1"
    port: int = 50051
    workers: int = 8
    max_concurrent_rpcs: int = 32
    max_message_mb: int = 16
    grace_seconds: float = 20.0
    limits: Limits = field(default_factory=Limits)
    test_faults: bool = False
    processes: int = 1
    evaluations: int = 1
    tls_cert_file: str | None = None
    tls_key_file: str | None = None
    tls_client_ca_file: str | None = None
    tokens_file: str | None = None
    http_port: int | None = None
    # -- procurement records (tco_server.procurement_service, tco_server.records) --
    #: folder of the embedded SQLite records store; None = tco_server.records.store.default_data_dir
    data_dir: str | None = None
    #: SQLAlchemy URL of the records database (e.g. postgresql+psycopg://...); None = SQLite
    database: str | None = None
    #: file holding the AES-256 key of bids at rest; None = records stored unencrypted
    data_key_file: str | None = None
    #: SQLite durability of the records: "full" (fsync every commit) or "normal" (see
    #: tco_server.records.store)
    data_sync: str = "full"
    #: Calls that may wait for an evaluation turn in one process; one more is refused at once,
    #: UNAVAILABLE with a RetryInfo delay (reason OVERLOADED). None: no bound (the default).
    max_waiting: int | None = None

    @property
    def max_message_bytes(self) -> int:
        return self.max_message_mb * 1024 * 1024
