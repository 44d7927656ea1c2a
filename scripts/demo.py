"""One-command demo: start the LCC service, evaluate the sample and example tenders, serve on.

Usage (from the repository root; ``make demo`` / ``make demo-once``)::

    .venv/bin/python scripts/demo.py            # evaluate, then serve until Ctrl-C / SIGTERM
    .venv/bin/python scripts/demo.py --once     # evaluate, stop the server, exit

Steps: start ``python -m tco_server`` on 127.0.0.1:50051 (a free port when 50051 is taken), wait
for its ``listening on`` line and for the gRPC health check to report SERVING, evaluate
``examples/sample-tender.json`` and the three worked examples through ``tco_client.TcoClient``,
print their rankings, then either stop (``--once``) or keep serving — Ctrl-C or SIGTERM is
forwarded to the server as SIGTERM and the demo exits 0 once the server has drained.

Exit codes: 0 ok; 1 the server did not start, did not become healthy, an evaluation failed, or
the server did not stop cleanly.
"""

from __future__ import annotations

import argparse
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Iterable
from pathlib import Path
from types import FrameType
from typing import IO

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from rich.console import Console
from rich.rule import Rule

from tco_client.client import TcoClient
from tco_client.errors import TcoError
from tco_client.tables import ranking_table, warnings_text

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
TENDERS = (
    ("Sample tender: ride-on scrubbers (tests/fixtures/sample-tender.json)", "sample-tender.json"),
    ("Hospital LED lighting, 15 years, ASEK carbon price", "hospital-led-lighting.json"),
    ("Municipal vans: diesel, HVO100, battery-electric (CVD prices)", "municipal-vehicles.json"),
    ("Healthcare IT service, deductions model", "healthcare-it-service.json"),
)
LISTENING = re.compile(r"listening on (\S+):(\d+)")
DEFAULT_PORT = 50051


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


class Server:
    """The tco-server subprocess, in its own process group so Ctrl-C reaches only the demo."""

    def __init__(self, host: str, port: int) -> None:
        cmd = [sys.executable, "-m", "tco_server", "--host", host, "--port", str(port)]
        self.proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self.log: deque[str] = deque(maxlen=200)
        self.target = ""

    def wait_listening(self, timeout: float) -> str:
        assert self.proc.stdout is not None
        assert self.proc.stderr is not None
        found: list[str] = []

        def read_stdout(stream: IO[str]) -> None:
            for line in stream:
                self.log.append(line)
                match = LISTENING.search(line)
                if match and not found:
                    found.append(f"{match.group(1)}:{match.group(2)}")

        def drain(stream: IO[str]) -> None:
            for line in stream:
                self.log.append(line)

        threading.Thread(target=read_stdout, args=(self.proc.stdout,), daemon=True).start()
        threading.Thread(target=drain, args=(self.proc.stderr,), daemon=True).start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if found:
                self.target = found[0]
                return self.target
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError("the server did not start:\n" + "".join(self.log))

    def wait_serving(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last = "no answer"
        with grpc.insecure_channel(self.target) as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            while time.monotonic() < deadline:
                try:
                    reply = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=2.0)
                    if reply.status == health_pb2.HealthCheckResponse.SERVING:
                        return
                    last = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
                except grpc.RpcError as exc:
                    last = str(exc.code())
                time.sleep(0.1)
        raise RuntimeError(f"the server did not become healthy ({last})")

    def stop(self, timeout: float = 30.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def evaluate_all(
    console: Console, target: str, tenders: Iterable[tuple[str, str]], lang: str
) -> bool:
    ok = True
    with TcoClient(target, timeout=60.0) as client:
        for title, name in tenders:
            console.print(Rule(title))
            try:
                result = client.evaluate(EXAMPLES / name)
            except TcoError as exc:
                console.print(f"[red]{name}: {exc}[/red]", markup=True)
                ok = False
                continue
            console.print(ranking_table(result, lang, width=console.width))
            console.print(warnings_text(result, lang))
            console.print(f"[dim]request digest {result.request_digest}[/dim]")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--once", action="store_true", help="stop after showing the evaluations")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="0 = any free port")
    parser.add_argument("--lang", choices=("en", "sv"), default="en")
    args = parser.parse_args(argv)

    console = Console(highlight=False)
    if not console.is_terminal:  # CI logs: wide enough that tables do not wrap
        console = Console(highlight=False, width=200)
    port = args.port
    if port and not port_is_free(args.host, port):
        console.print(f"port {port} is taken: using a free port instead")
        port = 0
    server = Server(args.host, port)
    stop_requested = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop_requested.set()
        if server.proc.poll() is None:
            server.proc.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        target = server.wait_listening(timeout=60.0)
        server.wait_serving(timeout=30.0)
    except RuntimeError as exc:
        server.stop()
        sys.stderr.write(f"demo: {exc}\n")
        return 1
    console.print(f"[bold]tco-server listening on {target}[/bold] (health: SERVING)")

    ok = evaluate_all(console, target, TENDERS, args.lang)
    if args.once or stop_requested.is_set() or not ok:
        code = server.stop()
        if code != 0:
            sys.stderr.write(f"demo: the server exited {code}:\n{''.join(server.log)}")
            return 1
        return 0 if ok else 1

    console.print(
        f"\nServing on [bold]{target}[/bold]. Try:\n"
        f"  .venv/bin/tco evaluate examples/hospital-led-lighting.json --server {target} "
        "--excel out/led.xlsx --chart out/led.png --lang sv\n"
        f"  .venv/bin/tco factors --server {target}\n"
        "Ctrl-C stops the server."
    )
    while server.proc.poll() is None:
        stop_requested.wait(timeout=0.5)
    code = server.stop()
    if not stop_requested.is_set():
        sys.stderr.write(f"demo: the server stopped unexpectedly ({code}):\n{''.join(server.log)}")
        return 1
    if code != 0:
        sys.stderr.write(f"demo: the server exited {code} on shutdown\n")
        return 1
    console.print("server stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
