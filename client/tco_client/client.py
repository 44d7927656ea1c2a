"""``TcoClient``: a small, blocking gRPC client of the life-cycle cost service.

>>> with TcoClient("127.0.0.1:50051") as client:          # doctest: +SKIP
...     result = client.evaluate("examples/sample-tender.json")
...     print(result.ranking[["rank", "evaluated_cost_SEK"]])   # indexed by bid_id

Behaviour:

- **Deadline on every call.** ``timeout`` (seconds, default 30) bounds the whole call including
  retries; each attempt gets what is left of it.
- **Retries on UNAVAILABLE and CANCELLED** (:data:`RETRY_CODES`; ``retry_codes`` changes them):
  the server is not reachable, starting or draining, or its gRPC core refused the call in the
  moment a SIGTERM drain stopped it taking calls (CANCELLED; no handler ran). A bounded loop of
  ``max_attempts`` attempts with exponential backoff (``initial_backoff`` doubling up to
  ``max_backoff``) and jitter (each pause times a random factor in 1 +- ``jitter``), within the
  call's deadline; a pause is at least the ``google.rpc.RetryInfo`` delay the server sent
  (UNAVAILABLE, reason ``OVERLOADED``). Only unary calls are retried, and each of them is safe
  to repeat:
  EvaluateBids (and validate) and AnalyzeRanking are pure functions of their request, the
  reference lists are reads. Any other status is final; a stream (:meth:`evaluate_many`) is never
  retried.
- **Several targets** (``["10.0.0.5:50051", "10.0.0.6:50051"]``): attempts rotate through them, so
  an unreachable server fails over to the next.
- **Scale-out** (:mod:`tco_client.batch`): ``balance=True`` makes one channel over every target
  (a list or ``"h1:p1,h2:p2"``) with gRPC's ``round_robin`` policy, so calls spread over all the
  servers; ``connections=N`` opens N connections per target and rotates calls over them, so a
  server started with ``--processes N`` (SO_REUSEPORT balances connections, not calls) uses all
  its processes. :meth:`TcoClient.evaluate_many` sends many tenders over the EvaluateTenders
  stream.
- **Errors** are :class:`~tco_client.errors.TcoInvalidTender` (every field violation from the
  ``google.rpc.BadRequest`` detail) or :class:`~tco_client.errors.TcoServiceError` (code, message,
  incident id).
- **Security**: plaintext by default (loopback, sidecar); ``tls=True`` or ``root_certificates``
  (PEM bytes, optionally with a client ``private_key``/``certificate_chain`` for mTLS) or ready
  ``credentials`` for TLS; ``token`` adds ``authorization: Bearer <token>`` to every call.
"""

from __future__ import annotations

import itertools
import os
import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

import grpc

from tco_client import analysis, analysis_spec, batch
from tco_client.defaults import DEFAULT_TARGET, DEFAULT_TIMEOUT
from tco_client.errors import TcoServiceError, error_from_rpc
from tco_client.result import EvaluationResult, ReferenceData
from tco_client.tender import load_tender, tender_from_mapping
from tco_client.version import __version__
from tcoapi.v1 import analysis_pb2, reference_pb2, result_pb2, service_pb2_grpc, tender_pb2

#: Status codes a unary call is retried on (see the module doc).
RETRY_CODES: tuple[str, ...] = ("UNAVAILABLE", "CANCELLED")
#: 64 MiB: cash flows of many bids over long study periods exceed gRPC's 4 MiB default.
MAX_MESSAGE_BYTES = 64 * 1024 * 1024

TenderLike = tender_pb2.EvaluateBidsRequest | str | os.PathLike[str] | Mapping[str, Any]
_Resp = TypeVar("_Resp")


def as_request(tender: TenderLike) -> tender_pb2.EvaluateBidsRequest:
    """A request from a request (copied), a tender file path, or a proto-JSON mapping."""
    if isinstance(tender, tender_pb2.EvaluateBidsRequest):
        request = tender_pb2.EvaluateBidsRequest()
        request.CopyFrom(tender)
        return request
    if isinstance(tender, str | os.PathLike):
        return load_tender(Path(tender))
    if isinstance(tender, Mapping):
        return tender_from_mapping(tender)
    raise TypeError(f"cannot make a tender of {type(tender).__name__}")


class TcoClient:
    """Blocking client of ``tcoapi.v1.LifeCycleCostService``; use as a context manager."""

    def __init__(
        self,
        target: str | Sequence[str] = DEFAULT_TARGET,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        credentials: Any | None = None,
        tls: bool = False,
        root_certificates: bytes | None = None,
        private_key: bytes | None = None,
        certificate_chain: bytes | None = None,
        token: str | None = None,
        max_attempts: int = 4,
        initial_backoff: float = 0.1,
        max_backoff: float = 2.0,
        retry_codes: Iterable[str] = RETRY_CODES,
        jitter: float = 0.2,
        options: Sequence[tuple[str, Any]] = (),
        balance: bool = False,
        connections: int = 1,
    ) -> None:
        targets = [target] if isinstance(target, str) else list(target)
        if len(targets) == 1 and "," in targets[0] and not batch.has_scheme(targets[0]):
            targets = [t.strip() for t in targets[0].split(",")]  # "h1:p1,h2:p2"
        if not targets or not all(isinstance(t, str) and t for t in targets):
            raise ValueError("target must be a non-empty 'host:port' or a list of them")
        if timeout <= 0:
            raise ValueError("timeout must be > 0 seconds")
        if max_attempts < 1:
            raise ValueError("max_attempts must be >= 1")
        if not 0 <= initial_backoff <= max_backoff:
            raise ValueError("backoff must be 0 <= initial_backoff <= max_backoff seconds")
        if not 0 <= jitter < 1:
            raise ValueError("jitter must be in [0, 1)")
        codes = [retry_codes] if isinstance(retry_codes, str) else list(retry_codes)
        unknown = [c for c in codes if c not in grpc.StatusCode.__members__ or c == "OK"]
        if unknown:
            raise ValueError(f"retry_codes: not gRPC status codes: {unknown}")
        self.targets: list[str] = targets
        self.timeout = float(timeout)
        self.max_attempts = max_attempts
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.jitter = jitter
        self.retry_codes: frozenset[grpc.StatusCode] = frozenset(grpc.StatusCode[c] for c in codes)
        if credentials is None and (tls or root_certificates or private_key or certificate_chain):
            credentials = grpc.ssl_channel_credentials(
                root_certificates=root_certificates,
                private_key=private_key,
                certificate_chain=certificate_chain,
            )
        self._credentials = credentials
        self._options: list[tuple[str, Any]] = [
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            ("grpc.primary_user_agent", f"lcc-tco-client/{__version__}"),
            *options,
        ]
        self._metadata: tuple[tuple[str, str], ...] = (
            (("authorization", f"Bearer {token}"),) if token else ()
        )
        self._channels: dict[str, Any] = {}
        self._stubs: dict[str, service_pb2_grpc.LifeCycleCostServiceStub] = {}
        self._closed = False
        if connections < 1:
            raise ValueError("connections must be >= 1")
        self.connections = connections
        self._rotation = itertools.count()
        if balance:  # one channel, round_robin over every address (tco_client.batch)
            self.targets = [batch.balanced_target(targets)]
            self._options.extend(batch.ROUND_ROBIN_OPTIONS)
        if connections > 1:  # own subchannels per channel: a TCP connection each
            self._options.append(("grpc.use_local_subchannel_pool", 1))

    # -- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close every channel (idempotent)."""
        for channel in self._channels.values():
            channel.close()
        self._channels.clear()
        self._stubs.clear()
        self._closed = True

    @property
    def target(self) -> str:
        return ", ".join(self.targets)

    def _stub(
        self, target: str, connection: int | None = None
    ) -> service_pb2_grpc.LifeCycleCostServiceStub:
        if self._closed:
            raise RuntimeError("the client is closed")
        if connection is None:  # rotate over the connections of the target
            connection = next(self._rotation) % self.connections if self.connections > 1 else 0
        key = target if connection == 0 else f"{target}#{connection}"
        stub = self._stubs.get(key)
        if stub is None:
            if self._credentials is not None:
                channel = grpc.secure_channel(target, self._credentials, options=self._options)
            else:
                channel = grpc.insecure_channel(target, options=self._options)
            self._channels[key] = channel
            stub = service_pb2_grpc.LifeCycleCostServiceStub(channel)
            self._stubs[key] = stub
        return stub

    def wait_until_ready(self, timeout: float | None = None) -> None:
        """Block until a channel to the first target is connected (TcoServiceError if not)."""
        target = self.targets[0]
        self._stub(target, 0)
        try:
            grpc.channel_ready_future(self._channels[target]).result(
                timeout=self.timeout if timeout is None else timeout
            )
        except grpc.FutureTimeoutError:
            raise TcoServiceError(
                "UNAVAILABLE", "no connection within the timeout", target=target
            ) from None

    # -- calls -----------------------------------------------------------------------------

    def backoff_pause(self, backoff: float) -> float:
        """The pause before a retry: ``backoff`` capped at ``max_backoff``, jittered."""
        return min(backoff, self.max_backoff) * random.uniform(1 - self.jitter, 1 + self.jitter)

    def _call(
        self,
        method: Callable[[service_pb2_grpc.LifeCycleCostServiceStub], Callable[..., _Resp]],
        request: Any,
        timeout: float | None,
    ) -> _Resp:
        budget = self.timeout if timeout is None else float(timeout)
        deadline = time.monotonic() + budget
        backoff = self.initial_backoff
        attempt = 0
        while True:
            target = self.targets[attempt % len(self.targets)]
            attempt += 1
            remaining = deadline - time.monotonic()
            try:
                if remaining <= 0:
                    raise TcoServiceError(
                        "DEADLINE_EXCEEDED", f"no answer within {budget:g} s", target=target
                    )
                return method(self._stub(target))(
                    request, timeout=remaining, metadata=self._metadata
                )
            except grpc.RpcError as exc:
                code = exc.code() if hasattr(exc, "code") else None
                retryable = code in self.retry_codes
                pause = self.backoff_pause(backoff)
                if retryable:  # an overloaded server says how long to wait (RetryInfo)
                    asked = error_from_rpc(exc, target=target)
                    if isinstance(asked, TcoServiceError) and asked.retry_delay is not None:
                        pause = max(pause, asked.retry_delay)
                if (
                    not retryable
                    or attempt >= self.max_attempts
                    or time.monotonic() + pause >= deadline
                ):
                    raise error_from_rpc(exc, target=target) from None
                time.sleep(pause)
                backoff *= 2

    def evaluate(
        self, tender: TenderLike, *, timeout: float | None = None, reference: bool = False
    ) -> EvaluationResult:
        """Evaluate the bids of a tender (a request, a file path or a proto-JSON mapping).

        With ``reference=True`` the server's carbon price series and emission factors are
        fetched too (for the assumptions sheet of a report)."""
        request = as_request(tender)
        request.validate_only = False
        if request.view == tender_pb2.RESPONSE_VIEW_UNSPECIFIED:
            # this client receives up to MAX_MESSAGE_BYTES: the full response, cash flows and all
            request.view = tender_pb2.RESPONSE_VIEW_FULL
        response: result_pb2.EvaluateBidsResponse = self._call(
            lambda s: s.EvaluateBids, request, timeout
        )
        ref = self.reference_data(timeout=timeout) if reference else ReferenceData()
        return EvaluationResult(request=request, response=response, reference=ref)

    def validate(self, tender: TenderLike, *, timeout: float | None = None) -> EvaluationResult:
        """Run every check of the server (``validate_only``): digests and warnings, no results.
        Raises :class:`~tco_client.errors.TcoInvalidTender` listing every violation."""
        request = as_request(tender)
        request.validate_only = True
        response: result_pb2.EvaluateBidsResponse = self._call(
            lambda s: s.EvaluateBids, request, timeout
        )
        return EvaluationResult(request=request, response=response)

    def carbon_price_series(
        self, *, timeout: float | None = None
    ) -> reference_pb2.ListCarbonPriceSeriesResponse:
        """The server's reference carbon price series, with sources and price-base years (every
        page, gathered into one response)."""
        response: reference_pb2.ListCarbonPriceSeriesResponse = self._call(
            lambda s: s.ListCarbonPriceSeries,
            reference_pb2.ListCarbonPriceSeriesRequest(),
            timeout,
        )
        while response.next_page_token:
            page: reference_pb2.ListCarbonPriceSeriesResponse = self._call(
                lambda s: s.ListCarbonPriceSeries,
                reference_pb2.ListCarbonPriceSeriesRequest(page_token=response.next_page_token),
                timeout,
            )
            response.series.extend(page.series)
            response.next_page_token = page.next_page_token
        return response

    def emission_factors(
        self, *, timeout: float | None = None
    ) -> reference_pb2.ListEmissionFactorsResponse:
        """The server's reference emission factors and energy contents, with sources (every
        page, gathered into one response)."""
        response: reference_pb2.ListEmissionFactorsResponse = self._call(
            lambda s: s.ListEmissionFactors, reference_pb2.ListEmissionFactorsRequest(), timeout
        )
        while response.next_page_token:
            page: reference_pb2.ListEmissionFactorsResponse = self._call(
                lambda s: s.ListEmissionFactors,
                reference_pb2.ListEmissionFactorsRequest(page_token=response.next_page_token),
                timeout,
            )
            response.factors.extend(page.factors)
            response.next_page_token = page.next_page_token
        return response

    def reference_data(self, *, timeout: float | None = None) -> ReferenceData:
        """Both reference lists; a list the server cannot give is left out (``None``)."""
        series: reference_pb2.ListCarbonPriceSeriesResponse | None
        factors: reference_pb2.ListEmissionFactorsResponse | None
        try:
            series = self.carbon_price_series(timeout=timeout)
        except TcoServiceError:
            series = None
        try:
            factors = self.emission_factors(timeout=timeout)
        except TcoServiceError:
            factors = None
        return ReferenceData(carbon_series=series, emission_factors=factors)

    def evaluate_many(
        self,
        tenders: Iterable[Any],
        *,
        detail: str = "full",
        streams: int = 1,
        timeout: float | None = None,
    ) -> Iterator[batch.TenderOutcome]:
        """Evaluate many tenders over the EvaluateTenders stream; one outcome each, in order.

        ``tenders`` yields tenders (a request, a file path or a proto-JSON mapping), ready
        ``BidColumns`` (many one-item bids as columns), ``EvaluateTendersRequest`` messages, or
        ``(tender_id, tender)`` pairs; it is read lazily, as flow control lets tenders go.
        ``detail`` is ``"full"`` (EvaluateBidsResponse as from :meth:`evaluate`), ``"summary"``
        (without cash flows, explanations, yearly emissions) or ``"columns"`` (flat result
        columns). ``streams=K`` spreads the tenders over K concurrent streams (tender j on stream
        j % K), which reach different server processes when the client has ``connections >= K``
        or ``balance=True``. A tender the server refuses gives an outcome with ``error``; a
        failed stream raises :class:`~tco_client.errors.TcoServiceError`. ``timeout`` bounds the
        whole run (default: none, a bulk run takes as long as it takes); streams are not
        retried. See :func:`tco_client.batch.evaluate_many`.
        """
        opened = itertools.count()

        def open_stream(requests: Iterator[Any]) -> Any:
            target = self.targets[next(opened) % len(self.targets)]
            return self._stub(target).EvaluateTenders(
                requests, timeout=timeout, metadata=self._metadata
            )

        return batch.evaluate_many(
            open_stream,
            tenders,
            detail=detail,
            streams=streams,
            to_request=as_request,
            target=self.target,
        )

    def analyze(
        self,
        tender: TenderLike,
        spec: analysis_spec.SpecLike = None,
        *,
        carbon_price_range: tuple[float, float] | None = None,
        draws: int | None = None,
        seed: int | None = None,
        timeout: float | None = None,
    ) -> analysis.AnalysisResult:
        """Analyse the ranking of a tender (AnalyzeRanking): sensitivity, switching values,
        scenarios and Monte Carlo as ``spec`` asks (a proto-JSON mapping of AnalysisSpec, a
        ``.yaml``/``.json`` file, the message).

        Without a spec it runs exactly what ``tco analyze`` runs without ``--spec``: the same
        function, :func:`tco_client.analysis_spec.resolve_spec`, builds the spec from the tender
        with the same options (``carbon_price_range`` LOW, HIGH per tonne CO2e, ``draws``,
        ``seed`` as ``--carbon-price-range``, ``--draws``, ``--seed``). The result then says so:
        ``result.default_analysis`` is True, ``result.assumptions`` lists the distributions
        (the program's assumptions, not the buyer's) and ``result.request.analysis`` is the
        whole spec sent. Seeded and deterministic, so retrying it is safe. See
        :mod:`tco_client.analysis`."""
        loaded = as_request(tender)
        chosen = analysis_spec.resolve_spec(
            loaded, spec, carbon_price_range=carbon_price_range, draws=draws, seed=seed
        )
        request = analysis_spec.analysis_request(loaded, chosen)
        response: analysis_pb2.AnalyzeRankingResponse = self._call(
            lambda s: s.AnalyzeRanking, request, timeout
        )
        return analysis.AnalysisResult(
            request=request, response=response, default_analysis=spec is None
        )
