"""TLS, mutual TLS and per-platform bearer tokens, end to end through the client and raw stubs.

Certificates come from a throwaway CA made at test time (:mod:`tests.server.certs`); tokens are
random and only their SHA-256 goes into the tokens file. Health and reflection stay open without a
token (probes); everything else is UNAUTHENTICATED without one. No bid content and no token ever
reaches the server's logs, on any of these paths.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)

from tco_client import TcoClient
from tco_client.errors import TcoInvalidTender, TcoServiceError
from tco_server import errors, security
from tcoapi.v1 import service_pb2_grpc, tender_pb2
from tests.conftest import ServerProcess, wait_until
from tests.server.certs import Pki, make_pki
from tests.server.conftest import FAULTS_ENV, TIMEOUT, decode

SERVICE = "tcoapi.v1.LifeCycleCostService"
CANARY = "CANARY-5ec0"


@dataclass(frozen=True)
class Tokens:
    file: Path
    platform_a: str
    platform_b: str


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def tokens(tmp_path_factory: pytest.TempPathFactory) -> Tokens:
    token_a, line_a = security.new_token_line("platform-a")
    token_b, line_b = security.new_token_line("platform.b")
    path = tmp_path_factory.mktemp("tokens") / "tokens.txt"
    path.write_text(f"# test platforms\n{line_a}\n\n{line_b}\n", encoding="utf-8")
    return Tokens(path, token_a, token_b)


@pytest.fixture(scope="module")
def secure_server(pki: Pki, tokens: Tokens) -> Iterator[ServerProcess]:
    """TLS + mutual TLS + tokens + the fault hooks (for the INTERNAL path of the canary test)."""
    proc = ServerProcess(
        "--tls-cert",
        str(pki.server_cert),
        "--tls-key",
        str(pki.server_key),
        "--tls-client-ca",
        str(pki.ca_cert),
        "--tokens-file",
        str(tokens.file),
        env=FAULTS_ENV,
    )
    try:
        yield proc
    finally:
        assert proc.stop() == 0, proc.logs()


def _mtls(pki: Pki, *, client: str = "client") -> grpc.ChannelCredentials:
    return grpc.ssl_channel_credentials(
        root_certificates=pki.read("ca_cert"),
        private_key=pki.read(f"{client}_key"),
        certificate_chain=pki.read(f"{client}_cert"),
    )


# -- the tokens file, the token check ------------------------------------------------------------


def test_tokens_file_holds_hashes_and_maps_tokens_to_platforms() -> None:
    table = security.parse_tokens(
        "# comment\n\nplatform-a:" + hashlib.sha256(b"secret-a").hexdigest() + "\n"
        " platform_b : " + hashlib.sha256(b"secret-b").hexdigest().upper() + " \n"
    )
    assert table.platform_of("secret-a") == "platform-a"
    assert table.platform_of("secret-b") == "platform_b"
    assert table.platform_of("secret-c") is None
    assert table.platform_of("") is None
    assert table.platform_of("\udcff") is None  # a lone surrogate does not break the hash


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no 'platform:sha256hex' line"),
        ("# only a comment\n", "no 'platform:sha256hex' line"),
        ("platform-a:not-a-hash\n", "line 1"),
        ("platform-a:" + "ab" * 31 + "\n", "line 1"),  # 62 hex digits
        ("platform-a " + "ab" * 32 + "\n", "line 1"),  # no colon
        ("-dash:" + "ab" * 32 + "\n", "line 1"),  # bad name
        ("a b:" + "ab" * 32 + "\n", "line 1"),
        ("x" * 65 + ":" + "ab" * 32 + "\n", "line 1"),
        ("a:" + "ab" * 32 + "\na:" + "cd" * 32 + "\n", "line 2: platform 'a' listed twice"),
        ("a:" + "ab" * 32 + "\nb:" + "ab" * 32 + "\n", "line 2: the same token hash"),
    ],
)
def test_malformed_tokens_files_are_refused_by_line(text: str, message: str) -> None:
    with pytest.raises(security.SecurityConfigError, match=message) as caught:
        security.parse_tokens(text)
    assert "ab" * 32 not in str(caught.value)  # the line is named, never quoted


def test_every_entry_is_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """The presented token's hash is compared with every stored hash, match or not."""
    lines = [f"p{i}:{hashlib.sha256(f'token-{i}'.encode()).hexdigest()}" for i in range(5)]
    table = security.parse_tokens("\n".join(lines))
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def counting(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(security.hmac, "compare_digest", counting)
    for token in ("token-0", "token-4", "nobody"):
        calls.clear()
        table.platform_of(token)
        assert len(calls) == 5
        assert all(len(a) == len(b) == 32 for a, b in calls)


def test_new_token_command_prints_a_token_and_its_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tco_server.security", "new-token", "platform-a"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=True,
    )
    token = done.stdout.splitlines()[0].rsplit(" ", 1)[1]
    line = done.stdout.splitlines()[1].rsplit(" ", 1)[1]
    assert len(token) >= 40
    assert line == f"platform-a:{security.token_digest(token)}"
    assert security.parse_tokens(line).platform_of(token) == "platform-a"
    bad = subprocess.run(
        [sys.executable, "-m", "tco_server.security", "new-token", "-x"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert bad.returncode == 2


# -- flags and files that cannot be used stop the start with exit code 2 ---------------------------


def _start_fails(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tco_server", "--host", "127.0.0.1", "--port", "0", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


@pytest.mark.slow
def test_unusable_security_settings_stop_the_start(pki: Pki, tmp_path: Path) -> None:
    raw = tmp_path / "raw-tokens.txt"
    raw.write_text("platform-a:my-secret-token\n", encoding="utf-8")
    cases = [
        (("--tls-cert", str(pki.server_cert)), "go together"),
        (("--tls-key", str(pki.server_key)), "go together"),
        (("--tls-client-ca", str(pki.ca_cert)), "needs --tls-cert"),
        (("--tokens-file", str(raw)), "config_failed"),
        (("--tokens-file", str(tmp_path / "missing.txt")), "config_failed"),
        (
            ("--tls-cert", str(pki.server_key), "--tls-key", str(pki.server_key)),
            "config_failed",
        ),
        (
            ("--tls-cert", str(pki.server_cert), "--tls-key", str(tmp_path / "missing.key")),
            "config_failed",
        ),
    ]
    for args, expected in cases:
        done = _start_fails(*args)
        assert done.returncode == 2, (args, done.stderr)
        assert "listening on" not in done.stdout
        assert expected in done.stderr, (args, done.stderr)
        assert "my-secret-token" not in done.stderr


# -- TLS and mutual TLS --------------------------------------------------------------------------


@pytest.mark.slow
def test_mutual_tls_needs_a_client_certificate_from_the_ca(
    secure_server: ServerProcess,
    pki: Pki,
    tokens: Tokens,
    sample_request: tender_pb2.EvaluateBidsRequest,
) -> None:
    with TcoClient(
        secure_server.target,
        root_certificates=pki.read("ca_cert"),
        private_key=pki.read("client_key"),
        certificate_chain=pki.read("client_cert"),
        token=tokens.platform_a,
        timeout=10,
    ) as client:
        assert len(client.evaluate(sample_request).ranking) == 2
    refused = [
        grpc.ssl_channel_credentials(root_certificates=pki.read("ca_cert")),  # no client cert
        _mtls(pki, client="rogue_client"),
    ]
    for credentials in refused:  # health needs no token: the handshake is what refuses
        with grpc.secure_channel(secure_server.target, credentials) as channel:
            with pytest.raises(grpc.RpcError) as caught:
                health_pb2_grpc.HealthStub(channel).Check(
                    health_pb2.HealthCheckRequest(), timeout=TIMEOUT
                )
            assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
    started = secure_server.events("started")[0]
    assert (started["tls"], started["mutual_tls"], started["tokens"]) == (True, True, True)


# -- tokens --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_tokens_gate_the_service_but_not_health_and_reflection(
    tokens: Tokens, sample_request: tender_pb2.EvaluateBidsRequest
) -> None:
    proc = ServerProcess("--tokens-file", str(tokens.file))
    try:
        with grpc.insecure_channel(proc.target) as channel:
            stub = service_pb2_grpc.LifeCycleCostServiceStub(channel)
            for metadata, reason in [
                ((), "MISSING_TOKEN"),
                ((("authorization", "Bearer not-a-token"),), "INVALID_TOKEN"),
                ((("authorization", f"Basic {tokens.platform_a}"),), "INVALID_TOKEN"),
                ((("authorization", tokens.platform_a),), "INVALID_TOKEN"),
                ((("authorization", f"Bearer {tokens.platform_a}x"),), "INVALID_TOKEN"),
                ((("authorization", "Bearer " + "x" * 5000),), "INVALID_TOKEN"),
                (
                    (
                        ("authorization", f"Bearer {tokens.platform_a}"),
                        ("authorization", f"Bearer {tokens.platform_b}"),
                    ),
                    "INVALID_TOKEN",
                ),
            ]:
                with pytest.raises(grpc.RpcError) as caught:
                    stub.EvaluateBids(sample_request, timeout=TIMEOUT, metadata=metadata)
                failure = decode(caught.value)
                assert failure.code == grpc.StatusCode.UNAUTHENTICATED
                assert failure.reason == reason
                assert failure.domain == errors.DOMAIN
            # reference data needs a token too
            from tcoapi.v1 import reference_pb2

            with pytest.raises(grpc.RpcError) as caught:
                stub.ListEmissionFactors(reference_pb2.ListEmissionFactorsRequest(), timeout=5)
            assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED

            # Probes and the contract stay open.
            health = health_pb2_grpc.HealthStub(channel)
            for service in ("", SERVICE):
                status = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
                assert status.status == health_pb2.HealthCheckResponse.SERVING
            assert SERVICE in set(ProtoReflectionDescriptorDatabase(channel).get_services())

        # The right token, through the client, case-insensitive scheme; each platform its own.
        with TcoClient(proc.target, token=tokens.platform_a, timeout=10) as client:
            assert len(client.evaluate(sample_request).ranking) == 2
        with grpc.insecure_channel(proc.target) as channel:
            stub = service_pb2_grpc.LifeCycleCostServiceStub(channel)
            response = stub.EvaluateBids(
                sample_request,
                timeout=TIMEOUT,
                metadata=(("authorization", f"bearer {tokens.platform_b}"),),
            )
            assert len(response.results) == 2
    finally:
        assert proc.stop() == 0, proc.logs()

    lines = proc.events("rpc")
    assert [ln["code"] for ln in lines] == ["UNAUTHENTICATED"] * 8 + ["OK", "OK"]
    assert [ln.get("platform") for ln in lines[-2:]] == ["platform-a", "platform.b"]
    assert all("platform" not in ln for ln in lines[:-2])
    logs = proc.logs()
    assert tokens.platform_a not in logs
    assert tokens.platform_b not in logs


@pytest.mark.slow
def test_tls_and_tokens_reach_every_process_of_a_multi_process_server(
    pki: Pki, tokens: Tokens, sample_request: tender_pb2.EvaluateBidsRequest
) -> None:
    """TLS without client certificates, tokens, and two processes: the client with the CA's
    certificate and a token is served; plaintext, and a client that does not trust the server's
    CA, are refused."""
    proc = ServerProcess(
        "--processes",
        "2",
        "--tls-cert",
        str(pki.server_cert),
        "--tls-key",
        str(pki.server_key),
        "--tokens-file",
        str(tokens.file),
    )
    try:
        credentials = grpc.ssl_channel_credentials(root_certificates=pki.read("ca_cert"))
        for _ in range(4):  # new connections: SO_REUSEPORT spreads them over the processes
            with grpc.secure_channel(proc.target, credentials) as channel:
                stub = service_pb2_grpc.LifeCycleCostServiceStub(channel)
                with pytest.raises(grpc.RpcError) as caught:
                    stub.EvaluateBids(sample_request, timeout=TIMEOUT)
                assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
                response = stub.EvaluateBids(
                    sample_request,
                    timeout=TIMEOUT,
                    metadata=(("authorization", f"Bearer {tokens.platform_a}"),),
                )
                assert len(response.results) == 2
        with TcoClient(
            proc.target, root_certificates=pki.read("ca_cert"), token=tokens.platform_a, timeout=10
        ) as client:
            assert len(client.evaluate(sample_request).ranking) == 2
        with grpc.insecure_channel(proc.target) as plain:
            with pytest.raises(grpc.RpcError) as caught:
                service_pb2_grpc.LifeCycleCostServiceStub(plain).EvaluateBids(
                    sample_request, timeout=TIMEOUT
                )
            assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
        with TcoClient(
            proc.target, root_certificates=pki.read("rogue_ca_cert"), timeout=3, max_attempts=1
        ) as client:
            with pytest.raises(TcoServiceError) as refused:
                client.evaluate(sample_request)
            assert refused.value.code == "UNAVAILABLE"
    finally:
        assert proc.stop() == 0, proc.logs()
    assert tokens.platform_a not in proc.logs()
    started = proc.events("started")[0]
    assert (started["tls"], started["mutual_tls"], started["tokens"]) == (True, False, True)


# -- nothing confidential in the logs, on the TLS / token / error paths ----------------------------


def _with_canary(request: tender_pb2.EvaluateBidsRequest) -> tender_pb2.EvaluateBidsRequest:
    bid = request.bids[1]
    bid.id = f"{CANARY}-bid"
    bid.supplier = f"{CANARY} Supplier AB"
    bid.items[0].name = f"{CANARY} scrubber"
    bid.deductions[0].criterion = f"{CANARY} take-back"
    # the claim names a criterion of the method (tco.validate.deductions)
    request.method.evaluation_model.deduction_criteria[0].criterion = f"{CANARY} take-back"
    return request


@pytest.mark.slow
def test_secure_paths_never_log_bid_content_or_tokens(
    secure_server: ServerProcess,
    pki: Pki,
    tokens: Tokens,
    sample_request: tender_pb2.EvaluateBidsRequest,
) -> None:
    request = _with_canary(sample_request)
    canary_token = f"{CANARY}-token"
    before = len(secure_server.events("rpc"))  # the server is shared by the module's tests
    codes: list[str] = []
    with TcoClient(
        secure_server.target,
        credentials=_mtls(pki),
        token=tokens.platform_a,
        timeout=10,
        max_attempts=1,
    ) as client:
        assert len(client.evaluate(request).ranking) == 2
        codes.append("OK")
        bad = tender_pb2.EvaluateBidsRequest()
        bad.CopyFrom(request)
        bad.bids[1].items[0].resource_use[0].amount.unit = f"{CANARY}/year"
        bad.bids[1].items[0].unit_price.value = math.nan
        with pytest.raises(TcoInvalidTender) as invalid:
            client.evaluate(bad)
        assert any(CANARY in v.description for v in invalid.value.violations)  # told the client
        codes.append("INVALID_ARGUMENT")
        too_long = tender_pb2.EvaluateBidsRequest()
        too_long.CopyFrom(request)
        too_long.bids[1].items[0].warranty.unit = CANARY * 20
        with pytest.raises(TcoInvalidTender):
            client.evaluate(too_long)
        codes.append("INVALID_ARGUMENT")

    with grpc.secure_channel(secure_server.target, _mtls(pki)) as channel:
        stub = service_pb2_grpc.LifeCycleCostServiceStub(channel)
        for metadata, code in [
            ((("authorization", f"Bearer {canary_token}"),), grpc.StatusCode.UNAUTHENTICATED),
            ((), grpc.StatusCode.UNAUTHENTICATED),
            (
                (
                    ("authorization", f"Bearer {tokens.platform_b}"),
                    ("x-tco-test-fault", "raise"),  # its message quotes the supplier
                ),
                grpc.StatusCode.INTERNAL,
            ),
        ]:
            with pytest.raises(grpc.RpcError) as caught:
                stub.EvaluateBids(request, timeout=TIMEOUT, metadata=metadata)
            assert caught.value.code() == code
            codes.append(code.name)

    # A client without a certificate is stopped in the handshake: nothing logged, nothing leaked.
    with (
        grpc.secure_channel(
            secure_server.target, grpc.ssl_channel_credentials(pki.read("ca_cert"))
        ) as channel,
        pytest.raises(grpc.RpcError),
    ):
        service_pb2_grpc.LifeCycleCostServiceStub(channel).EvaluateBids(
            request, timeout=5, metadata=(("authorization", f"Bearer {tokens.platform_a}"),)
        )

    wait_until(lambda: len(secure_server.events("rpc")) >= before + len(codes), secure_server.logs)
    lines = secure_server.events("rpc")[before:]
    assert [ln["code"] for ln in lines] == codes
    logs = secure_server.logs()
    for secret in (CANARY, "Supplier AB", canary_token, tokens.platform_a, tokens.platform_b):
        assert secret not in logs
    assert "CANARY" not in logs
