"""Build, start and stop the gRPC server: the service, health, reflection and the transport limits.

- A ``ThreadPoolExecutor(workers)`` runs the handlers; ``maximum_concurrent_rpcs`` makes grpc
  answer RESOURCE_EXHAUSTED beyond that many calls in progress rather than queue without bound.
- ``grpc.max_receive_message_length`` / ``grpc.max_send_message_length``: larger messages are
  refused by grpc (RESOURCE_EXHAUSTED) before a handler sees them. ``grpc.so_reuseport`` is off,
  so a second server on a taken port fails to start instead of sharing it.
- The service's handlers are registered here rather than by the generated
  ``add_LifeCycleCostServiceServicer_to_server``, for one reason: the responses are serialized
  with ``SerializeToString(deterministic=True)`` (map entries in key order), so the same request
  gives the byte-identical response on every run and machine. Method names come from the
  contract's descriptor; a method of the contract without a handler stops the start-up.
- Health (``grpc.health.v1.Health``): the overall status ``""`` and
  ``tcoapi.v1.LifeCycleCostService`` are SERVING once the server has started.
- Reflection (v1alpha) lists the service, health and reflection itself.
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

from tco_server.config import SERVICE_NAME, ServerConfig
from tco_server.service import LifeCycleCostService
from tcoapi.v1 import reference_pb2, service_pb2, tender_pb2


def _deterministic(message: Message) -> bytes:
    return message.SerializeToString(deterministic=True)


def _service_handlers(servicer: LifeCycleCostService) -> dict[str, Any]:
    requests: dict[str, tuple[Callable[..., Any], Callable[[bytes], Message]]] = {
        "EvaluateBids": (servicer.EvaluateBids, tender_pb2.EvaluateBidsRequest.FromString),
        "ListCarbonPriceSeries": (
            servicer.ListCarbonPriceSeries,
            reference_pb2.ListCarbonPriceSeriesRequest.FromString,
        ),
        "ListEmissionFactors": (
            servicer.ListEmissionFactors,
            reference_pb2.ListEmissionFactorsRequest.FromString,
        ),
    }
    contract = service_pb2.DESCRIPTOR.services_by_name["LifeCycleCostService"]
    if contract.full_name != SERVICE_NAME or set(contract.methods_by_name) != set(requests):
        raise RuntimeError(
            f"handlers {sorted(requests)} do not match the contract's "
            f"{contract.full_name} {sorted(contract.methods_by_name)}"
        )
    return {
        name: grpc.unary_unary_rpc_method_handler(
            behaviour, request_deserializer=deserializer, response_serializer=_deterministic
        )
        for name, (behaviour, deserializer) in requests.items()
    }


@dataclass(slots=True)
class RunningServer:
    """A started server and what is needed to stop it well."""

    server: Any
    health: health.HealthServicer
    port: int
    config: ServerConfig

    def shutdown(self, grace: float | None = None) -> None:
        """NOT_SERVING first, then stop with a grace period; returns when stopped."""
        self.health.enter_graceful_shutdown()
        stopped: threading.Event = self.server.stop(
            self.config.grace_seconds if grace is None else grace
        )
        stopped.wait()

    def stop_now(self) -> None:
        """Cancel the calls in flight (a second signal during shutdown)."""
        self.server.stop(0)


def start(config: ServerConfig) -> RunningServer:
    """Build the server, bind ``config.host:config.port`` (0 = any free port) and start it.

    Raises RuntimeError when the address cannot be bound.
    """
    server = grpc.server(
        ThreadPoolExecutor(max_workers=config.workers, thread_name_prefix="tco-rpc"),
        maximum_concurrent_rpcs=config.max_concurrent_rpcs,
        options=[
            ("grpc.max_receive_message_length", config.max_message_bytes),
            ("grpc.max_send_message_length", config.max_message_bytes),
            ("grpc.so_reuseport", 0),
        ],
    )
    handlers = _service_handlers(LifeCycleCostService(config))
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
    port = server.add_insecure_port(f"{host}:{config.port}")
    if port == 0:  # older grpc returned 0 instead of raising
        raise RuntimeError(f"could not bind {host}:{config.port}")
    server.start()
    for name in (health.OVERALL_HEALTH, SERVICE_NAME):
        health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    return RunningServer(server=server, health=health_servicer, port=port, config=config)
