"""Build, start and stop the gRPC server: the service, health, reflection and the transport limits.

- The transport is :mod:`tco_server.serving`: an asyncio gRPC server whose event loop receives
  and sends (a slow client holds no thread), running the handlers below in ``--workers`` threads;
  beyond ``maximum_concurrent_rpcs`` service calls in progress it answers RESOURCE_EXHAUSTED.
  Messages over ``--max-message-mb`` are refused by grpc before a handler sees them.
  ``grpc.so_reuseport`` is on only for the workers of ``--processes N``, so a second server on a
  taken port fails to start.
- The services are registered here, in :func:`start` (``grpc_tables``: one table per service,
  method name -> handler), not by the generated helper, to serialize responses with
  ``SerializeToString(deterministic=True)`` (the same request gives the byte-identical response
  everywhere) and to parse requests through :mod:`tco_server.decoding` (undecodable bytes:
  INVALID_ARGUMENT, not grpc's INTERNAL; the size guard first). A method of the contract without
  a handler stops the start-up. The same handlers serve gRPC and HTTP; for gRPC a streaming
  method opens a :class:`tco_server.serving.MessageStream` (:func:`_stream_openers`).
- Security (:mod:`tco_server.security`), health (``""`` and the service SERVING once started;
  :class:`Health` keeps the gRPC and the HTTP servicer alike) and reflection (v1 and v1alpha,
  with the contract's comments: :mod:`tco_server.reflection`), both on the event loop.
- :meth:`RunningServer.shutdown`: NOT_SERVING for every name first, then the drain of
  :mod:`tco_server.serving`: new calls refused, every accepted call answered within the grace.
- ``config.http_port``: the same handler table, behind the same interceptors and with the same
  health status, also served as JSON over HTTP/1.1 (the Connect protocol) on that port by
  :mod:`tco_server.http_gateway`; it stops with the gRPC server.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf.message import Message
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from tco_server import (
    decoding,
    followup_service,
    http_gateway,
    procurement_service,
    reflection,
    security,
    serving,
)
from tco_server.batch import tender_refusal
from tco_server.config import SERVICE_NAME, ServerConfig
from tco_server.limits import ANALYSIS_REQUEST_RULES, SIZE_RULES
from tco_server.process_tuning import freeze_startup_objects, keep_freed_memory
from tco_server.service import LifeCycleCostService
from tcoapi.v1 import analysis_pb2, batch_pb2, reference_pb2, service_pb2, tender_pb2


def _deterministic(message: Message) -> bytes:
    return message.SerializeToString(deterministic=True)


_Deserializer = Callable[[bytes], Any]


def _service_handlers(servicer: LifeCycleCostService, config: ServerConfig) -> dict[str, Any]:
    limits = config.limits
    tender_caps = decoding.caps(tender_pb2.EvaluateBidsRequest.DESCRIPTOR, SIZE_RULES, limits)
    requests: dict[str, tuple[Callable[..., Any], _Deserializer]] = {
        # the size guard first, then the full parse (tco_server.decoding)
        "EvaluateBids": (
            servicer.EvaluateBids,
            decoding.request_guard(tender_pb2.EvaluateBidsRequest, SIZE_RULES, limits),
        ),
        "AnalyzeRanking": (
            servicer.AnalyzeRanking,
            decoding.request_guard(
                analysis_pb2.AnalyzeRankingRequest, ANALYSIS_REQUEST_RULES, limits
            ),
        ),
        "ListCarbonPriceSeries": (
            servicer.ListCarbonPriceSeries,
            decoding.lenient(reference_pb2.ListCarbonPriceSeriesRequest.FromString),
        ),
        "ListEmissionFactors": (
            servicer.ListEmissionFactors,
            decoding.lenient(reference_pb2.ListEmissionFactorsRequest.FromString),
        ),
    }
    # Bidirectional streams (request iterator in, response iterator out).
    streams: dict[str, tuple[Callable[..., Any], _Deserializer]] = {
        "EvaluateTenders": (
            servicer.EvaluateTenders,
            decoding.guarded(batch_pb2.EvaluateTendersRequest, tender_refusal(limits), tender_caps),
        ),
    }
    contract = service_pb2.DESCRIPTOR.services_by_name["LifeCycleCostService"]
    if contract.full_name != SERVICE_NAME or set(contract.methods_by_name) != set(requests) | set(
        streams
    ):
        raise RuntimeError(
            f"handlers {sorted(requests | streams)} do not match the contract's "
            f"{contract.full_name} {sorted(contract.methods_by_name)}"
        )
    handlers = {
        name: grpc.unary_unary_rpc_method_handler(
            # bytes that do not parse: INVALID_ARGUMENT (grpc's own answer is INTERNAL)
            decoding.refusing_undecodable(
                name, contract.methods_by_name[name].input_type.full_name, behaviour
            ),
            request_deserializer=deserializer,
            response_serializer=_deterministic,
        )
        for name, (behaviour, deserializer) in requests.items()
    }
    for name, (behaviour, deserializer) in streams.items():
        # Undecodable and Refused messages get their own status; the stream goes on
        handlers[name] = grpc.stream_stream_rpc_method_handler(
            behaviour,
            request_deserializer=deserializer,
            response_serializer=_deterministic,
        )
    return handlers


def _stream_openers(servicer: LifeCycleCostService, handlers: dict[str, Any]) -> dict[str, Any]:
    """The streaming methods for the gRPC server: the same handler, opening the stream
    (:class:`tco_server.serving.MessageStream`) instead of driving it in a thread."""
    return {
        "EvaluateTenders": handlers["EvaluateTenders"]._replace(stream_stream=servicer.open_tenders)
    }


class Health:
    """The health status, served over gRPC (on the event loop, :mod:`grpc_health`'s asyncio
    servicer) and over HTTP (the gateway's thread, the sync servicer): set both alike."""

    def __init__(self) -> None:
        self.sync = health.HealthServicer()
        self.aio = health.aio.HealthServicer()

    async def set(self, name: str, status: Any) -> None:
        self.sync.set(name, status)
        await self.aio.set(name, status)

    async def enter_graceful_shutdown(self) -> None:
        self.sync.enter_graceful_shutdown()
        await self.aio.enter_graceful_shutdown()


@dataclass(slots=True)
class RunningServer:
    """A started server and what is needed to stop it well."""

    server: serving.GrpcServer
    health: Health
    port: int
    config: ServerConfig
    http: http_gateway.HttpGateway | None = None

    def shutdown(self, grace: float | None = None) -> None:
        """NOT_SERVING first, then drain within the grace period (:mod:`tco_server.serving`);
        returns when stopped."""
        grace = self.config.grace_seconds if grace is None else grace
        gateway = None
        if self.http is not None:
            http = self.http
            gateway = threading.Thread(target=http.shutdown, args=(grace,), name="tco-http-stop")
            gateway.start()
        self.server.stop(grace, self.health.enter_graceful_shutdown)
        if gateway is not None:
            gateway.join()

    def stop_now(self) -> None:
        """Cancel the calls in flight (a second signal during shutdown)."""
        if self.http is not None:
            self.http.stop_now()
        self.server.stop_now()


def start(config: ServerConfig) -> RunningServer:
    """Build the server, bind ``config.host:config.port`` (0 = any free port) and start it.

    Raises RuntimeError when the address cannot be bound, and
    :class:`tco_server.security.SecurityConfigError` when a TLS or tokens file cannot be used.
    """
    keep_freed_memory()  # long-lived process: keep freed memory for the next call
    interceptors = []
    if config.tokens_file:
        interceptors.append(security.TokenAuthInterceptor(security.load_tokens(config.tokens_file)))
    credentials = None
    if config.tls_cert_file or config.tls_key_file:
        credentials = security.server_credentials(
            config.tls_cert_file or "", config.tls_key_file or "", config.tls_client_ca_file
        )
    servicer = LifeCycleCostService(config)
    handlers = _service_handlers(servicer, config)
    store = procurement_service.open_store(config)  # one store: procurements and follow-up
    procurements = procurement_service.handlers(config, servicer, store)
    followups, followups_http = followup_service.handlers(store)
    # The services, one table each: the gRPC server runs streams message by message (openers)
    grpc_tables = {
        SERVICE_NAME: {**handlers, **_stream_openers(servicer, handlers)},
        # the records (issue 18): evaluations go through this process's EvaluateBids
        procurement_service.SERVICE_NAME: procurements,
        followup_service.SERVICE_NAME: followups,  # issue 19, over the same store
    }
    health_status = Health()

    def register(server: grpc.aio.Server) -> None:  # the servicers that run on the event loop
        health_pb2_grpc.add_HealthServicer_to_server(health_status.aio, server)
        names = (procurement_service.SERVICE_NAME, followup_service.SERVICE_NAME)
        reflection.enable(server, (SERVICE_NAME, *names, health.SERVICE_NAME))

    server = serving.GrpcServer(config, grpc_tables, interceptors, register)
    host = config.host
    if ":" in host and not host.startswith("["):  # a bare IPv6 address
        host = f"[{host}]"
    try:
        port = server.add_port(f"{host}:{config.port}", credentials)
    except RuntimeError:
        port = 0
    if port == 0:  # older grpc returned 0 instead of raising
        server.stop(0, _nothing)
        raise RuntimeError(f"could not bind {host}:{config.port}")
    gateway = None
    if config.http_port is not None:  # the same handlers as JSON over HTTP (http_gateway)
        try:
            gateway = http_gateway.start(
                config,
                [
                    (service_pb2.DESCRIPTOR.services_by_name["LifeCycleCostService"], handlers),
                    (procurement_service.DESCRIPTOR, procurements),
                    (followup_service.DESCRIPTOR, followups_http),
                ],
                interceptors,
                health_status.sync,
                drain=server.drain,
            )
        except OSError:
            server.stop(0, _nothing)
            raise RuntimeError(f"could not bind {host}:{config.http_port}") from None
    server.start()
    freeze_startup_objects()  # long-lived process: full collections skip start-up's objects

    async def serving_now() -> None:
        services = (procurement_service.SERVICE_NAME, followup_service.SERVICE_NAME)
        for name in (health.OVERALL_HEALTH, SERVICE_NAME, *services):
            await health_status.set(name, health_pb2.HealthCheckResponse.SERVING)

    server.run(serving_now())
    return RunningServer(
        server=server, health=health_status, port=port, config=config, http=gateway
    )


async def _nothing() -> None:
    return None
