"""Build, start and stop the gRPC server: the service, health, reflection and the transport limits.

- A ``ThreadPoolExecutor(workers)`` runs the handlers; ``maximum_concurrent_rpcs`` makes grpc
  answer RESOURCE_EXHAUSTED beyond that many calls in progress rather than queue without bound.
- ``grpc.max_receive_message_length`` / ``grpc.max_send_message_length``: larger messages are
  refused by grpc (RESOURCE_EXHAUSTED) before a handler sees them. ``grpc.so_reuseport`` is off
  (on only for the workers of ``--processes N``, :mod:`tco_server.multiproc`),
  so a second server on a taken port fails to start instead of sharing it.
- The service's handlers are registered here rather than by the generated
  ``add_LifeCycleCostServiceServicer_to_server``, for one reason: the responses are serialized
  with ``SerializeToString(deterministic=True)`` (map entries in key order), so the same request
  gives the byte-identical response on every run and machine. Method names come from the
  contract's descriptor; a method of the contract without a handler stops the start-up. The
  methods parse their requests leniently (:mod:`tco_server.wire`): bytes that do not parse get
  INVALID_ARGUMENT rather than grpc's INTERNAL (in the EvaluateTenders stream: that message's
  response). EvaluateBids and each EvaluateTenders message first go through the size guard of
  :func:`tco_server.wire.guarded`: a shallow parse that refuses a request over the size limits
  (with the very answer of :func:`tco_server.limits.check_request`) before its sub-messages are
  built.
- Security (:mod:`tco_server.security`): TLS / mutual TLS credentials for the port, and a token
  interceptor in front of every service but health and reflection; all off by default.
- Health (``grpc.health.v1.Health``): the overall status ``""`` and
  ``tcoapi.v1.LifeCycleCostService`` are SERVING once the server has started.
- Reflection (v1alpha) lists the service, health and reflection itself.
- ``config.http_port``: the same handler table, behind the same interceptors and with the same
  health servicer, also served as JSON over HTTP/1.1 (the Connect protocol) on that port by
  :mod:`tco_server.http_gateway`; it stops with the gRPC server.
- :meth:`RunningServer.shutdown`: health goes NOT_SERVING for every name first (watchers are told
  at once), then ``server.stop(grace)``: new calls are refused, calls in flight may finish within
  the grace period, and the method returns when the server has stopped. An open health ``Watch``
  stream is a call in flight too: a watcher should hang up once it has seen NOT_SERVING, or it
  holds the shutdown for the whole grace period.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf.message import Message
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from tco_server import http_gateway, security, wire
from tco_server.allocator import tune_allocator
from tco_server.batch import tender_refusal
from tco_server.collector import freeze_startup_objects
from tco_server.config import SERVICE_NAME, ServerConfig
from tco_server.service import LifeCycleCostService
from tcoapi.v1 import analysis_pb2, batch_pb2, reference_pb2, service_pb2, tender_pb2


def _deterministic(message: Message) -> bytes:
    return message.SerializeToString(deterministic=True)


_Deserializer = Callable[[bytes], Any]


def _service_handlers(servicer: LifeCycleCostService, config: ServerConfig) -> dict[str, Any]:
    requests: dict[str, tuple[Callable[..., Any], _Deserializer]] = {
        # the size guard first, then the full parse (tco_server.wire)
        "EvaluateBids": (
            servicer.EvaluateBids,
            wire.guarded(tender_pb2.EvaluateBidsRequest, wire.evaluate_bids_refusal(config.limits)),
        ),
        "AnalyzeRanking": (
            servicer.AnalyzeRanking,
            # the tender part (method, bids: the same fields as EvaluateBids) counted shallowly
            # first, with exact counts; the analysis' own limits are checked after the parse
            wire.guarded(
                analysis_pb2.AnalyzeRankingRequest,
                wire.evaluate_bids_refusal(config.limits, bounded=False),
            ),
        ),
        "ListCarbonPriceSeries": (
            servicer.ListCarbonPriceSeries,
            wire.lenient(reference_pb2.ListCarbonPriceSeriesRequest.FromString),
        ),
        "ListEmissionFactors": (
            servicer.ListEmissionFactors,
            wire.lenient(reference_pb2.ListEmissionFactorsRequest.FromString),
        ),
    }
    # Bidirectional streams (request iterator in, response iterator out).
    streams: dict[str, tuple[Callable[..., Any], _Deserializer]] = {
        "EvaluateTenders": (
            servicer.EvaluateTenders,
            wire.guarded(batch_pb2.EvaluateTendersRequest, tender_refusal(config.limits)),
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
            wire.refusing_undecodable(
                name, contract.methods_by_name[name].input_type.full_name, behaviour
            ),
            request_deserializer=deserializer,
            response_serializer=_deterministic,
        )
        for name, (behaviour, deserializer) in requests.items()
    }
    for name, (behaviour, deserializer) in streams.items():
        # a message that does not parse reaches the handler as wire.Undecodable, one the size
        # guard refused as wire.Refused: that one message is answered with its own status
        # (INVALID_ARGUMENT, RESOURCE_EXHAUSTED), the stream goes on
        handlers[name] = grpc.stream_stream_rpc_method_handler(
            behaviour,
            request_deserializer=deserializer,
            response_serializer=_deterministic,
        )
    return handlers


@dataclass(slots=True)
class RunningServer:
    """A started server and what is needed to stop it well."""

    server: Any
    health: health.HealthServicer
    port: int
    config: ServerConfig
    http: http_gateway.HttpGateway | None = None

    def shutdown(self, grace: float | None = None) -> None:
        """NOT_SERVING first, then stop with a grace period; returns when stopped."""
        self.health.enter_graceful_shutdown()
        grace = self.config.grace_seconds if grace is None else grace
        stopped: threading.Event = self.server.stop(grace)
        if self.http is not None:
            self.http.shutdown(grace)
        stopped.wait()

    def stop_now(self) -> None:
        """Cancel the calls in flight (a second signal during shutdown)."""
        if self.http is not None:
            self.http.stop_now()
        self.server.stop(0)


def start(config: ServerConfig) -> RunningServer:
    """Build the server, bind ``config.host:config.port`` (0 = any free port) and start it.

    Raises RuntimeError when the address cannot be bound, and
    :class:`tco_server.security.SecurityConfigError` when a TLS or tokens file cannot be used.
    """
    tune_allocator()  # long-lived process: keep freed memory for the next call (see allocator)
    interceptors = []
    if config.tokens_file:
        interceptors.append(security.TokenAuthInterceptor(security.load_tokens(config.tokens_file)))
    credentials = None
    if config.tls_cert_file or config.tls_key_file:
        credentials = security.server_credentials(
            config.tls_cert_file or "", config.tls_key_file or "", config.tls_client_ca_file
        )
    server = grpc.server(
        ThreadPoolExecutor(max_workers=config.workers, thread_name_prefix="tco-rpc"),
        interceptors=interceptors,
        maximum_concurrent_rpcs=config.max_concurrent_rpcs,
        options=[
            ("grpc.max_receive_message_length", config.max_message_bytes),
            ("grpc.max_send_message_length", config.max_message_bytes),
            ("grpc.so_reuseport", 1 if config.processes > 1 else 0),
        ],
    )
    handlers = _service_handlers(LifeCycleCostService(config), config)
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE_NAME, handlers),))
    server.add_registered_method_handlers(SERVICE_NAME, handlers)

    health_servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        (SERVICE_NAME, health.SERVICE_NAME, reflection.SERVICE_NAME), server
    )

    host = config.host
    if ":" in host and not host.startswith("["):  # a bare IPv6 address
        host = f"[{host}]"
    address = f"{host}:{config.port}"
    if credentials is not None:
        port = server.add_secure_port(address, credentials)
    else:
        port = server.add_insecure_port(address)
    if port == 0:  # older grpc returned 0 instead of raising
        raise RuntimeError(f"could not bind {host}:{config.port}")
    gateway = None
    if config.http_port is not None:  # the same handlers as JSON over HTTP (http_gateway)
        try:
            gateway = http_gateway.start(
                config,
                handlers,
                service_pb2.DESCRIPTOR.services_by_name["LifeCycleCostService"],
                interceptors,
                health_servicer,
            )
        except OSError:
            server.stop(None)
            raise RuntimeError(f"could not bind {host}:{config.http_port}") from None
    server.start()
    freeze_startup_objects()  # long-lived process: full collections skip start-up's objects
    for name in (health.OVERALL_HEALTH, SERVICE_NAME):
        health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    return RunningServer(
        server=server, health=health_servicer, port=port, config=config, http=gateway
    )
