"""Transport security: TLS, mutual TLS and per-platform bearer tokens. All off by default.

``--tls-cert FILE --tls-key FILE`` serve TLS (both or neither); ``--tls-client-ca FILE`` asks for
client certificates signed by that CA (mutual TLS); ``--tokens-file FILE`` asks every call of
the service for ``authorization: Bearer <token>``, answered ``UNAUTHENTICATED`` (ErrorInfo reason
``MISSING_TOKEN`` / ``INVALID_TOKEN``) before the request is even deserialized. Health and
reflection stay open without a token (probes; the public contract).

The tokens file holds no token, only its SHA-256, one ``platform:sha256hex`` line each, or
``platform:sha256hex:organization`` to name the organisation whose procurement records the
token reaches (:mod:`tco_server.procurement_service`; without it the organisation is the platform
name; without a tokens file every call is :data:`DEFAULT_ORGANIZATION`);
``python -m tco_server.security new-token NAME`` prints a fresh random 256-bit token and its
line. A random secret needs no slow hash; the presented token's hash is compared with **every**
stored hash by :func:`hmac.compare_digest`, so the time does not depend on which entry matched.
The platform is put in the call's log line (``"platform"``), the token never. The operator's
side: docs/security.md.
"""

from __future__ import annotations

import contextvars
import hashlib
import hmac
import re
import secrets
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc

from tco_server import errors
from tco_server.logs import CALLER, log_event

#: Services callable without a token (probes and the public contract).
OPEN_SERVICES = frozenset(
    {
        "grpc.health.v1.Health",
        "grpc.reflection.v1alpha.ServerReflection",
        "grpc.reflection.v1.ServerReflection",
    }
)
#: Metadata key of the bearer token (gRPC lower-cases keys).
AUTHORIZATION = "authorization"
#: Longest token looked at; longer ones are refused without hashing.
MAX_TOKEN_LENGTH = 512
#: A platform name in the tokens file: it goes into log lines, so a plain identifier.
PLATFORM_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_HEX_DIGEST = re.compile(r"[0-9a-fA-F]{64}")
#: The organisation of every call when the server has no tokens file (records tenancy).
DEFAULT_ORGANIZATION = "default"
#: The organisation of the call being served (set with the platform from the caller's token).
ORGANIZATION: contextvars.ContextVar[str] = contextvars.ContextVar(
    "tco_organization", default=DEFAULT_ORGANIZATION
)
_BEARER = re.compile(r"(?i:bearer) +(\S+) *")


class SecurityConfigError(ValueError):
    """A TLS file or the tokens file cannot be used (the message names the file and line only)."""


def token_digest(token: str) -> str:
    """The SHA-256 hex digest of ``token`` as it goes into the tokens file."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# -- tokens file ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TokenTable:
    """Platform names and the SHA-256 digests of their tokens."""

    entries: tuple[tuple[str, bytes], ...]
    #: platform -> organisation, for lines that name one (else the platform's own name)
    organizations: tuple[tuple[str, str], ...] = ()

    def organization_of(self, platform: str) -> str:
        """The organisation whose records ``platform``'s token reaches."""
        return dict(self.organizations).get(platform, platform)

    def platform_of(self, token: str) -> str | None:
        """The platform whose token this is, or None. Compares with every entry, always."""
        presented = hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()
        found: str | None = None
        for name, digest in self.entries:
            if hmac.compare_digest(presented, digest):
                found = name
        return found


def parse_tokens(text: str, source: str = "tokens file") -> TokenTable:
    """Parse ``platform:sha256hex[:organization]`` lines (blank lines, ``#`` comments ignored).

    Raises :class:`SecurityConfigError` naming the line (never quoting it) for a malformed line,
    a repeated platform or a repeated digest, and when no platform is listed.
    """
    entries: list[tuple[str, bytes]] = []
    organizations: list[tuple[str, str]] = []
    names: set[str] = set()
    digests: set[bytes] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, hex_digest = (part.strip() for part in line.partition(":"))
        hex_digest, has_org, organization = (part.strip() for part in hex_digest.partition(":"))
        if has_org and not PLATFORM_NAME.fullmatch(organization):
            raise SecurityConfigError(
                f"{source} line {number}: an organization name is letters, digits, '.', '_', '-' "
                "(at most 64)"
            )
        if not sep or not PLATFORM_NAME.fullmatch(name) or not _HEX_DIGEST.fullmatch(hex_digest):
            raise SecurityConfigError(
                f"{source} line {number}: expected 'platform:sha256hex' with a platform name of "
                "letters, digits, '.', '_', '-' (at most 64) and 64 hex digits"
            )
        digest = bytes.fromhex(hex_digest)
        if name in names:
            raise SecurityConfigError(f"{source} line {number}: platform {name!r} listed twice")
        if digest in digests:
            raise SecurityConfigError(f"{source} line {number}: the same token hash listed twice")
        names.add(name)
        digests.add(digest)
        entries.append((name, digest))
        if has_org:
            organizations.append((name, organization))
    if not entries:
        raise SecurityConfigError(f"{source}: no 'platform:sha256hex' line")
    return TokenTable(tuple(entries), tuple(organizations))


def load_tokens(path: str) -> TokenTable:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SecurityConfigError(
            f"cannot read the tokens file {path}: {type(error).__name__}"
        ) from None
    return parse_tokens(text, f"tokens file {path}")


# -- the interceptor -----------------------------------------------------------------------------


def _service_and_method(full_method: str) -> tuple[str, str]:
    service, _, method = full_method.lstrip("/").partition("/")
    return service, method


def _rejecting_handler(handler: Any, reject: Callable[[Any, grpc.ServicerContext], Any]) -> Any:
    """A handler of the same kind as ``handler`` whose behaviour is ``reject``; the request is
    never deserialized (no deserializer: raw bytes, and nobody reads them)."""
    if handler.request_streaming and handler.response_streaming:
        return grpc.stream_stream_rpc_method_handler(reject)
    if handler.request_streaming:
        return grpc.stream_unary_rpc_method_handler(reject)
    if handler.response_streaming:
        return grpc.unary_stream_rpc_method_handler(reject)
    return grpc.unary_unary_rpc_method_handler(reject)


def _as_platform(handler: Any, platform: str, organization: str | None = None) -> Any:
    """``handler`` with :data:`tco_server.logs.CALLER` set to ``platform`` (and
    :data:`ORGANIZATION` to ``organization``, default the platform) while it runs."""
    if not hasattr(handler, "_replace"):  # not grpc's namedtuple: serve it, unlabelled
        return handler

    def wrap(behaviour: Callable[..., Any]) -> Callable[..., Any]:
        def run(request: Any, context: grpc.ServicerContext) -> Any:
            CALLER.set(platform)  # the worker thread's context; every call sets its own
            ORGANIZATION.set(organization or platform)
            return behaviour(request, context)

        return run

    return handler._replace(
        unary_unary=handler.unary_unary and wrap(handler.unary_unary),
        unary_stream=handler.unary_stream and wrap(handler.unary_stream),
        stream_unary=handler.stream_unary and wrap(handler.stream_unary),
        stream_stream=handler.stream_stream and wrap(handler.stream_stream),
    )


class TokenAuthInterceptor(grpc.ServerInterceptor):  # type: ignore[misc]
    """UNAUTHENTICATED for calls without a known bearer token, except :data:`OPEN_SERVICES`."""

    def __init__(self, tokens: TokenTable) -> None:
        self._tokens = tokens

    def platform(self, metadata: Sequence[tuple[str, str | bytes]] | None) -> tuple[str, str]:
        """(platform, "") for a known token, else ("", reason)."""
        values = [v for k, v in metadata or () if k == AUTHORIZATION]
        if not values:
            return "", "MISSING_TOKEN"
        value = values[0]
        match = None  # one text value, not over-long, "Bearer <token>": else not even hashed
        if len(values) == 1 and isinstance(value, str) and len(value) <= MAX_TOKEN_LENGTH + 16:
            match = _BEARER.fullmatch(value)
        platform = self._tokens.platform_of(match.group(1)) if match else None
        return (platform, "") if platform is not None else ("", "INVALID_TOKEN")

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Any],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> Any:
        service, method = _service_and_method(handler_call_details.method)
        handler = continuation(handler_call_details)
        if handler is None or service in OPEN_SERVICES:
            return handler  # unknown methods stay UNIMPLEMENTED
        started = time.monotonic()
        platform, reason = self.platform(handler_call_details.invocation_metadata)
        if platform:
            return _as_platform(handler, platform, self._tokens.organization_of(platform))

        status = errors.plain_status(
            grpc.StatusCode.UNAUTHENTICATED,
            "a valid 'authorization: Bearer <token>' is needed"
            if reason == "MISSING_TOKEN"
            else "the bearer token is not valid",
            reason,
        )

        def reject(request: Any, context: grpc.ServicerContext) -> Any:
            log_event(
                "rpc",
                method=method,
                code="UNAUTHENTICATED",
                reason=reason,
                duration_ms=round((time.monotonic() - started) * 1000.0, 1),
            )
            context.abort_with_status(status)

        return _rejecting_handler(handler, reject)


# -- TLS -----------------------------------------------------------------------------------------


def _read_pem(path: str, what: str, marker: str) -> bytes:
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        reason = type(error).__name__
        raise SecurityConfigError(f"cannot read the {what} {path}: {reason}") from None
    if marker.encode() not in data:
        raise SecurityConfigError(f"the {what} {path} holds no PEM '{marker}'")
    return data


def server_credentials(cert_file: str, key_file: str, client_ca_file: str | None) -> Any:
    """``grpc.ssl_server_credentials`` from PEM files; with a client CA, client certificates
    signed by it are required (mutual TLS)."""
    chain = _read_pem(cert_file, "TLS certificate", "-----BEGIN CERTIFICATE-----")
    key = _read_pem(key_file, "TLS private key", "PRIVATE KEY-----")
    client_ca = (
        _read_pem(client_ca_file, "client CA", "-----BEGIN CERTIFICATE-----")
        if client_ca_file
        else None
    )
    return grpc.ssl_server_credentials(
        [(key, chain)], root_certificates=client_ca, require_client_auth=client_ca is not None
    )


# -- a token for a new platform ------------------------------------------------------------------


def new_token_line(platform: str) -> tuple[str, str]:
    """A fresh random token for ``platform`` and its tokens-file line."""
    if not PLATFORM_NAME.fullmatch(platform):
        raise SecurityConfigError(
            "a platform name is letters, digits, '.', '_', '-' (at most 64, not starting with "
            "'.', '_' or '-')"
        )
    token = secrets.token_urlsafe(32)
    return token, f"{platform}:{token_digest(token)}"


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m tco_server.security new-token PLATFORM``: print a token and its file line."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2 or args[0] != "new-token":
        print("usage: python -m tco_server.security new-token PLATFORM", file=sys.stderr)
        return 2
    try:
        token, line = new_token_line(args[1])
    except SecurityConfigError as error:
        print(f"tco_server.security: {error}", file=sys.stderr)
        return 2
    print(f"token (give it to the platform, once; it is not stored): {token}")
    print(f"tokens-file line: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
