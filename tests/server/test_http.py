"""JSON over HTTP (the Connect protocol, :mod:`tco_server.http_gateway`), end to end.

A real ``python -m tco_server --http-port 0`` serves both ports; each test makes the same call
over gRPC and over HTTP (``http.client``, as any platform would) and checks that the results are
the same bytes (after decoding the JSON into the message and serializing both deterministically)
and the errors the same ``google.rpc`` details (decoded from the Connect error's base64
``value``). The bounds (slow clients, too many connections, oversized bodies, shutdown) are
checked on a server started in this process with short timeouts.
"""

from __future__ import annotations

import base64
import http.client
import json
import socket
import ssl
import struct
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from google.protobuf import json_format
from google.protobuf.message import Message
from google.rpc import error_details_pb2

from tco_server import app, http_gateway, security
from tco_server.__main__ import parse_args
from tco_server.config import ServerConfig
from tcoapi.v1 import batch_pb2, reference_pb2, result_pb2, service_pb2_grpc, tender_pb2
from tests.conftest import SAMPLE_TENDER, ServerProcess, wait_until
from tests.server.certs import Pki, make_pki
from tests.server.conftest import FAULTS_ENV, TIMEOUT, call_failing

SERVICE = "/tcoapi.v1.LifeCycleCostService"
JSON = {"Content-Type": "application/json"}


def _http_port(proc: ServerProcess) -> int:
    """The port of the ``tco-server http listening on HOST:PORT`` line."""
    end = time.monotonic() + TIMEOUT
    while time.monotonic() < end:
        for line in list(proc.stdout_lines):
            if line.startswith("tco-server http listening on "):
                return int(line.rsplit(":", 1)[1])
        time.sleep(0.02)
    raise AssertionError(f"no http listening line:\n{proc.logs()}")


class Http:
    """A server's two ports: a gRPC stub and HTTP calls."""

    def __init__(self, proc: ServerProcess) -> None:
        self.proc = proc
        self.port = _http_port(proc)
        self.channel = grpc.insecure_channel(proc.target)
        self.stub = service_pb2_grpc.LifeCycleCostServiceStub(self.channel)

    def post(
        self, path: str, body: bytes, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        try:
            connection.request(
                "POST", path, body=body, headers=JSON if headers is None else headers
            )
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()


@pytest.fixture(scope="module")
def served() -> Iterator[Http]:
    proc = ServerProcess("--http-port", "0", env=FAULTS_ENV)
    ports = Http(proc)
    try:
        yield ports
    finally:
        ports.channel.close()
        assert proc.stop() == 0, proc.logs()


def _sample_json() -> bytes:
    return Path(SAMPLE_TENDER).read_bytes()


def _sample() -> tender_pb2.EvaluateBidsRequest:
    return json_format.Parse(_sample_json(), tender_pb2.EvaluateBidsRequest())


def _bad_tender() -> tender_pb2.EvaluateBidsRequest:
    request = _sample()
    request.bids[0].items[0].quantity = -2
    request.bids[1].items[0].service_life.value = 0
    return request


def _details(body: dict[str, object]) -> dict[str, object]:
    """The decoded ``google.rpc`` details of a Connect error: {type: message}; each ``debug``
    must be the JSON form of the decoded ``value``."""
    decoded: dict[str, object] = {}
    kinds = {
        "google.rpc.BadRequest": error_details_pb2.BadRequest,
        "google.rpc.ErrorInfo": error_details_pb2.ErrorInfo,
    }
    for detail in body.get("details", []):  # type: ignore[attr-defined]
        value = detail["value"]
        message = kinds[detail["type"]].FromString(
            base64.b64decode(value + "=" * (-len(value) % 4))
        )
        assert detail["debug"] == json_format.MessageToDict(message)
        decoded[detail["type"]] = message
    return decoded


# -- the same results ----------------------------------------------------------------------------


def test_evaluate_bids_over_http_json_gives_the_grpc_response(served: Http) -> None:
    status, headers, body = served.post(f"{SERVICE}/EvaluateBids", _sample_json())
    assert status == 200, body
    assert headers["Content-Type"] == "application/json"
    over_http = json_format.Parse(body, result_pb2.EvaluateBidsResponse())
    over_grpc = served.stub.EvaluateBids(_sample(), timeout=TIMEOUT)
    assert over_http.SerializeToString(deterministic=True) == over_grpc.SerializeToString(
        deterministic=True
    )
    ranking = json.loads(body)["results"]
    assert [r["rank"] for r in ranking] == [r.rank for r in over_grpc.results]
    assert "lifeCycleCost" in ranking[0]  # proto3 JSON names: lowerCamelCase


def test_evaluate_bids_over_http_proto_gives_the_grpc_bytes(served: Http) -> None:
    request = _sample().SerializeToString()
    status, headers, body = served.post(
        f"{SERVICE}/EvaluateBids", request, {"Content-Type": "application/proto"}
    )
    assert status == 200
    assert headers["Content-Type"] == "application/proto"
    raw = served.channel.unary_unary(f"{SERVICE}/EvaluateBids")(request, timeout=TIMEOUT)
    assert body == raw


@pytest.mark.parametrize(
    ("method", "response_type"),
    [
        ("ListCarbonPriceSeries", reference_pb2.ListCarbonPriceSeriesResponse),
        ("ListEmissionFactors", reference_pb2.ListEmissionFactorsResponse),
    ],
)
def test_reference_data_over_http(served: Http, method: str, response_type: type[Message]) -> None:
    status, _, body = served.post(f"{SERVICE}/{method}", b"{}")
    assert status == 200
    raw = served.channel.unary_unary(f"{SERVICE}/{method}")(b"", timeout=TIMEOUT)
    assert json_format.Parse(body, response_type()).SerializeToString(deterministic=True) == raw


# -- the same errors -----------------------------------------------------------------------------


def test_a_bad_tender_gives_400_with_the_grpc_field_violations(served: Http) -> None:
    status, headers, body = served.post(
        f"{SERVICE}/EvaluateBids", json_format.MessageToJson(_bad_tender()).encode()
    )
    assert status == 400
    assert headers["Content-Type"] == "application/json"
    error = json.loads(body)
    assert error["code"] == "invalid_argument"
    details = _details(error)
    bad = details["google.rpc.BadRequest"]
    over_grpc = call_failing(served.stub, _bad_tender())
    assert [(v.field, v.description) for v in bad.field_violations] == over_grpc.violations  # type: ignore[attr-defined]
    assert [v.field for v in bad.field_violations] == [  # type: ignore[attr-defined]
        "bids[0].items[0].quantity",
        "bids[1].items[0].service_life.value",
    ]
    info = details["google.rpc.ErrorInfo"]
    assert (info.reason, info.domain, dict(info.metadata)) == (  # type: ignore[attr-defined]
        over_grpc.reason,
        over_grpc.domain,
        over_grpc.metadata,
    )
    assert error["message"] == over_grpc.message


def test_json_that_is_not_the_request_is_invalid_argument(served: Http) -> None:
    status, _, body = served.post(f"{SERVICE}/EvaluateBids", b'{"bidz": []}')
    assert status == 400
    error = json.loads(body)
    assert error["code"] == "invalid_argument"
    details = _details(error)
    assert details["google.rpc.ErrorInfo"].reason == "UNDECODABLE_REQUEST"  # type: ignore[attr-defined]
    (violation,) = details["google.rpc.BadRequest"].field_violations  # type: ignore[attr-defined]
    # an unknown key is named by its path (issue #14: tests/server/test_required_wire.py)
    assert violation.field == "bidz"
    assert "unknown field" in violation.description


def test_an_injected_fault_is_internal_with_an_incident_id(served: Http) -> None:
    status, _, body = served.post(
        f"{SERVICE}/EvaluateBids", _sample_json(), {**JSON, "x-tco-test-fault": "raise"}
    )
    assert status == 500
    error = json.loads(body)
    assert error["code"] == "internal"
    incident = _details(error)["google.rpc.ErrorInfo"].metadata["incident_id"]  # type: ignore[attr-defined]
    # The log line is written after the answer is sent: wait for it (hang guard only).
    wait_until(lambda: incident in served.proc.logs(), served.proc.logs)


def test_connect_timeout_is_the_call_deadline(served: Http) -> None:
    status, _, body = served.post(
        f"{SERVICE}/EvaluateBids",
        _sample_json(),
        {**JSON, "x-tco-test-fault": "sleep=2", "Connect-Timeout-Ms": "200"},
    )
    assert status == 504
    assert json.loads(body)["code"] == "deadline_exceeded"


def test_a_client_that_hangs_up_cancels_its_call(served: Http) -> None:
    sock = socket.create_connection(("127.0.0.1", served.port), timeout=TIMEOUT)
    body = _sample_json()
    head = (
        f"POST {SERVICE}/EvaluateBids HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"x-tco-test-fault: sleep=20\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    sock.sendall(head.encode() + body)
    time.sleep(0.5)
    sock.close()
    wait_until(
        lambda: any(
            x.get("code") == "CANCELLED" and x.get("method") == "EvaluateBids"
            for x in served.proc.events("rpc")
        ),
        served.proc.logs,
    )


@pytest.mark.parametrize(
    "case",
    [
        (f"{SERVICE}/EvaluateBids", {"Content-Type": "text/plain"}, b"{}", 415, "unknown"),
        (f"{SERVICE}/NoSuchMethod", JSON, b"{}", 404, "unimplemented"),
        (f"{SERVICE}/EvaluateTenders", JSON, b"{}", 415, "unknown"),
        (
            f"{SERVICE}/EvaluateBids",
            {**JSON, "Content-Encoding": "gzip"},
            b"{}",
            501,
            "unimplemented",
        ),
        (
            f"{SERVICE}/EvaluateBids",
            {**JSON, "Connect-Protocol-Version": "2"},
            b"{}",
            400,
            "invalid_argument",
        ),
        (
            f"{SERVICE}/EvaluateBids",
            {**JSON, "Connect-Timeout-Ms": "soon"},
            b"{}",
            400,
            "invalid_argument",
        ),
    ],
)
def test_what_is_not_a_connect_call_is_refused(
    served: Http, case: tuple[str, dict[str, str], bytes, int, str]
) -> None:
    path, headers, body, status, code = case
    got, _, answer = served.post(path, body, headers)
    assert (got, json.loads(answer)["code"]) == (status, code)


def test_a_body_over_the_message_limit_is_refused_before_it_is_read(served: Http) -> None:
    sock = socket.create_connection(("127.0.0.1", served.port), timeout=TIMEOUT)
    with sock:
        sock.sendall(
            f"POST {SERVICE}/EvaluateBids HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
            f"\r\nContent-Length: {17 * 1024 * 1024}\r\n\r\n".encode()
        )
        answer = sock.makefile("rb").read()  # the server answers and closes
    assert answer.startswith(b"HTTP/1.1 429 ")
    assert b'"code":"resource_exhausted"' in answer


def test_health_over_http(served: Http) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=TIMEOUT)
    connection.request("GET", "/healthz")
    response = connection.getresponse()
    assert (response.status, json.loads(response.read())) == (200, {"status": "SERVING"})
    connection.request("GET", f"{SERVICE}/EvaluateBids")  # same connection (keep-alive)
    response = connection.getresponse()
    assert response.status == 405
    assert response.getheader("Allow") == "POST"
    connection.close()
    status, _, body = served.post("/grpc.health.v1.Health/Check", b'{"service": "nope"}')
    assert (status, json.loads(body)["code"]) == (404, "not_found")


# -- the stream ----------------------------------------------------------------------------------


def _envelopes(data: bytes) -> list[tuple[int, bytes]]:
    out = []
    while data:
        flags, length = struct.unpack(">BI", data[:5])
        out.append((flags, data[5 : 5 + length]))
        data = data[5 + length :]
    return out


def test_evaluate_tenders_over_connect_streaming_json(served: Http) -> None:
    tenders = [
        batch_pb2.EvaluateTendersRequest(tender_id="good", request=_sample()),
        batch_pb2.EvaluateTendersRequest(tender_id="bad", request=_bad_tender()),
    ]
    body = b"".join(
        struct.pack(">BI", 0, len(p)) + p
        for p in (json.dumps(json_format.MessageToDict(t)).encode() for t in tenders)
    )
    status, headers, answer = served.post(
        f"{SERVICE}/EvaluateTenders", body, {"Content-Type": "application/connect+json"}
    )
    assert status == 200
    assert headers["Content-Type"] == "application/connect+json"
    *messages, (end_flags, end) = _envelopes(answer)
    assert (end_flags, json.loads(end)) == (2, {})
    over_http = [
        json_format.Parse(m, batch_pb2.EvaluateTendersResponse()).SerializeToString(
            deterministic=True
        )
        for flags, m in messages
        if flags == 0
    ]
    over_grpc = [
        r.SerializeToString(deterministic=True)
        for r in served.stub.EvaluateTenders(iter(tenders), timeout=TIMEOUT)
    ]
    assert over_http == over_grpc
    assert len(over_http) == 2


def test_a_stream_message_over_the_limit_ends_the_stream(served: Http) -> None:
    body = struct.pack(">BI", 0, 17 * 1024 * 1024)  # only the header: refused by its length
    status, _, answer = served.post(
        f"{SERVICE}/EvaluateTenders", body, {"Content-Type": "application/connect+proto"}
    )
    assert status == 200
    ((flags, end),) = _envelopes(answer)
    assert flags == 2
    assert json.loads(end)["error"]["code"] == "resource_exhausted"


# -- security ------------------------------------------------------------------------------------


def test_tokens_and_mutual_tls_guard_the_http_port(tmp_path: Path) -> None:
    pki: Pki = make_pki(tmp_path / "pki")
    token, line = security.new_token_line("platform-a")
    tokens = tmp_path / "tokens.txt"
    tokens.write_text(line + "\n", encoding="utf-8")
    proc = ServerProcess(
        "--http-port",
        "0",
        "--tls-cert",
        str(pki.server_cert),
        "--tls-key",
        str(pki.server_key),
        "--tls-client-ca",
        str(pki.ca_cert),
        "--tokens-file",
        str(tokens),
    )
    try:
        port = _http_port(proc)
        context = ssl.create_default_context(cafile=str(pki.ca_cert))
        context.load_cert_chain(str(pki.client_cert), str(pki.client_key))

        def post(headers: dict[str, str], body: bytes = _sample_json()) -> tuple[int, bytes]:
            connection = http.client.HTTPSConnection(
                "127.0.0.1", port, context=context, timeout=TIMEOUT
            )
            connection.request("POST", f"{SERVICE}/EvaluateBids", body, headers)
            response = connection.getresponse()
            return response.status, response.read()

        status, body = post(JSON)
        assert status == 401
        error = json.loads(body)
        assert error["code"] == "unauthenticated"
        assert _details(error)["google.rpc.ErrorInfo"].reason == "MISSING_TOKEN"  # type: ignore[attr-defined]
        status, body = post(JSON, b'{"bidz": 1}')  # refused before the body is decoded
        assert (status, json.loads(body)["code"]) == (401, "unauthenticated")
        status, body = post({**JSON, "Authorization": f"Bearer {token}"})
        assert status == 200, body
        lines = [json.loads(x) for x in proc.stderr_lines if x.startswith('{"')]
        assert any(x.get("platform") == "platform-a" and x.get("code") == "OK" for x in lines)

        def without_client_certificate() -> None:
            no_client_cert = ssl.create_default_context(cafile=str(pki.ca_cert))
            connection = http.client.HTTPSConnection(
                "127.0.0.1", port, context=no_client_cert, timeout=TIMEOUT
            )
            connection.request("GET", "/healthz")
            connection.getresponse().read()

        with pytest.raises((ssl.SSLError, ConnectionError)):
            without_client_certificate()
    finally:
        assert proc.stop() == 0, proc.logs()


# -- bounds, on a server in this process ---------------------------------------------------------


@pytest.fixture
def local(monkeypatch: pytest.MonkeyPatch) -> Iterator[app.RunningServer]:
    monkeypatch.setattr(http_gateway, "HEAD_SECONDS", 0.5)
    monkeypatch.setattr(http_gateway, "BODY_SECONDS", 0.5)
    running = app.start(ServerConfig(port=0, http_port=0, max_concurrent_rpcs=2, grace_seconds=2.0))
    try:
        yield running
    finally:
        running.shutdown(0)


def _closed_within(sock: socket.socket, seconds: float) -> bool:
    sock.settimeout(seconds)
    try:
        while sock.recv(4096):
            pass
    except TimeoutError:
        return False
    except OSError:
        return True
    return True


def test_a_slow_client_loses_its_connection(local: app.RunningServer) -> None:
    assert local.http is not None
    head = socket.create_connection(("127.0.0.1", local.http.port))
    head.sendall(b"POST /x HTTP/1.1\r\n")  # and never the rest of the head
    body = socket.create_connection(("127.0.0.1", local.http.port))
    body.sendall(
        f"POST {SERVICE}/EvaluateBids HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Length: 1000\r\n\r\n{".encode()
    )  # and never the rest of the body
    assert _closed_within(head, 5.0)
    assert _closed_within(body, 5.0)


def test_connections_over_the_limit_are_turned_away(local: app.RunningServer) -> None:
    assert local.http is not None
    held = [socket.create_connection(("127.0.0.1", local.http.port)) for _ in range(2)]
    time.sleep(0.2)
    extra = socket.create_connection(("127.0.0.1", local.http.port))
    answer = extra.makefile("rb").read()
    assert answer.startswith(b"HTTP/1.1 429 ")
    for sock in [*held, extra]:
        sock.close()


def test_shutdown_closes_idle_connections_and_stops_accepting(
    local: app.RunningServer,
) -> None:
    assert local.http is not None
    port = local.http.port
    idle = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    idle.request("GET", "/healthz")
    assert idle.getresponse().read() == b'{"status":"SERVING"}'
    started = time.monotonic()
    stopper = threading.Thread(target=local.shutdown, args=(2.0,))
    stopper.start()
    stopper.join(TIMEOUT)
    assert time.monotonic() - started < 1.5  # the idle keep-alive connection did not hold it
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1.0)
    idle.close()


def test_http_port_flag() -> None:
    assert parse_args([]).http_port is None
    assert parse_args(["--http-port", "8080"]).http_port == 8080
    assert parse_args(["--http-port", "off"]).http_port is None
    with pytest.raises(SystemExit):
        parse_args(["--http-port", "0", "--processes", "2"])
