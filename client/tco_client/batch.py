"""Many tenders through the EvaluateTenders stream, and client-side scale-out helpers.

:meth:`tco_client.TcoClient.evaluate_many` is the entry point; this module holds the parts:

- :func:`evaluate_many`: send tenders over one or more EvaluateTenders streams and yield one
  :class:`TenderOutcome` per tender, **in the order given**, as results arrive. Tenders are read
  from the iterable lazily, as gRPC flow control lets them go (a generator of a million tenders
  is never held in memory): each stream has at most :data:`DEPTH` tenders unanswered and takes
  the next one when an answer comes, so work goes to whichever stream (server process) has
  capacity. Over a client with ``connections >= K`` (or a balanced target) the K streams use
  different connections, hence (SO_REUSEPORT) different server processes.
- :func:`balanced_target`: one gRPC target naming several servers (``ipv4:10.0.0.5:50051,
  10.0.0.6:50051``) for the ``round_robin`` load-balancing policy
  (:data:`ROUND_ROBIN_SERVICE_CONFIG`): every call (or stream) goes to the next server.
- :func:`error_from_status`: a tender's ``google.rpc.Status`` as the client's exceptions.

Why several connections: a server started with ``--processes N`` shares its port with
SO_REUSEPORT, and the kernel balances CONNECTIONS, not calls. One channel is one connection,
so all its calls reach one process; ``TcoClient(target, connections=N)`` opens N.
"""

from __future__ import annotations

import ipaddress
import json
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import grpc
from google.rpc import status_pb2

from tco_client.errors import (
    STATUS_DETAILS_KEY,
    FieldViolation,
    TcoError,
    TcoInvalidTender,
    TcoServiceError,
    decode_status_details,
    error_from_rpc,
)
from tcoapi.v1 import batch_pb2, result_pb2, tender_pb2

#: The service config that makes a channel balance calls over every address of its target.
ROUND_ROBIN_SERVICE_CONFIG = json.dumps({"loadBalancingConfig": [{"round_robin": {}}]})
#: Channel options of a balanced channel.
ROUND_ROBIN_OPTIONS: tuple[tuple[str, Any], ...] = (
    ("grpc.lb_policy_name", "round_robin"),
    ("grpc.service_config", ROUND_ROBIN_SERVICE_CONFIG),
)
#: Tenders sent and not yet answered, per stream (one evaluated, the next on its way).
DEPTH = 2

DETAILS: dict[str, batch_pb2.ResultDetail.ValueType] = {
    "full": batch_pb2.RESULT_DETAIL_FULL,
    "summary": batch_pb2.RESULT_DETAIL_SUMMARY,
    "columns": batch_pb2.RESULT_DETAIL_COLUMNS,
}
_STATUS_NAMES = {code.value[0]: code.name for code in grpc.StatusCode}


# -- targets -------------------------------------------------------------------------------------


def _split_host_port(target: str) -> tuple[str, str]:
    host, sep, port = target.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise ValueError(f"expected 'host:port', got {target!r}")
    return host.strip("[]"), port


#: gRPC resolver schemes a target may start with.
SCHEMES = frozenset({"dns", "ipv4", "ipv6", "unix", "unix-abstract", "vsock"})


def has_scheme(target: str) -> bool:
    """Whether ``target`` names a resolver scheme (``dns:///h:p``, ``ipv4:a:p,b:p``, ...)."""
    return target.split(":", 1)[0] in SCHEMES


def balanced_target(targets: Sequence[str]) -> str:
    """One gRPC target for the ``round_robin`` policy over ``targets``.

    - IP literals, all of one family: ``["127.0.0.1:50051", "127.0.0.1:50052"]`` ->
      ``"ipv4:127.0.0.1:50051,127.0.0.1:50052"`` (``ipv6:[::1]:50051,...`` likewise);
    - one host name: ``["tco.internal:50051"]`` -> ``"dns:///tco.internal:50051"``
      (round robin over every address the name resolves to: a Kubernetes headless service);
    - one target that already names a resolver scheme (``dns:``, ``ipv4:``, ``ipv6:``,
      ``unix:``) is returned unchanged.

    Several host names, or IPv4 mixed with IPv6, raise ValueError: put them behind one DNS name.
    """
    if not targets:
        raise ValueError("no targets")
    if len(targets) == 1 and has_scheme(targets[0]):
        return targets[0]
    families: set[int] = set()
    addresses: list[str] = []
    for target in targets:
        host, port = _split_host_port(target)
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            if len(targets) == 1:
                return f"dns:///{target}"
            raise ValueError(
                f"cannot balance over the host name {host!r} among other targets: list IP "
                "addresses, or one DNS name that resolves to every server"
            ) from None
        families.add(ip.version)
        addresses.append(f"{ip}:{port}" if ip.version == 4 else f"[{ip}]:{port}")
    if len(families) > 1:
        raise ValueError("cannot balance over IPv4 and IPv6 addresses in one target")
    scheme = "ipv4" if families == {4} else "ipv6"
    return f"{scheme}:{','.join(addresses)}"


# -- outcomes ------------------------------------------------------------------------------------


def error_from_status(status: status_pb2.Status, *, target: str = "") -> TcoError:
    """A tender's ``google.rpc.Status`` as :class:`TcoInvalidTender` / :class:`TcoServiceError`."""
    details = decode_status_details([(STATUS_DETAILS_KEY, status.SerializeToString())])
    code = _STATUS_NAMES.get(status.code, "UNKNOWN")
    if code == "INVALID_ARGUMENT":
        return TcoInvalidTender(
            details.violations or [FieldViolation("", status.message)],
            "invalid tender",
            reason=details.reason,
            domain=details.domain,
            details=status.message,
        )
    return TcoServiceError(
        code,
        status.message,
        incident_id=details.metadata.get("incident_id", ""),
        reason=details.reason,
        metadata=details.metadata,
        target=target,
    )


@dataclass(frozen=True, eq=False)
class TenderOutcome:
    """The outcome of one tender of :func:`evaluate_many`: a result, columns, or an error."""

    tender_id: str
    #: Position of the tender in the input, 0 for the first.
    index: int
    #: The evaluation (detail "full" or "summary").
    response: result_pb2.EvaluateBidsResponse | None = None
    #: The evaluation as columns (detail "columns").
    columns: batch_pb2.BidColumnsResult | None = None
    #: Why this tender has no result (the other tenders are not affected).
    error: TcoError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _outcome(message: batch_pb2.EvaluateTendersResponse, index: int, target: str) -> TenderOutcome:
    kind = message.WhichOneof("outcome")
    if kind == "result":
        return TenderOutcome(message.tender_id, index, response=message.result)
    if kind == "columns":
        return TenderOutcome(message.tender_id, index, columns=message.columns)
    if kind == "error":
        return TenderOutcome(
            message.tender_id, index, error=error_from_status(message.error, target=target)
        )
    return TenderOutcome(
        message.tender_id,
        index,
        error=TcoServiceError("UNKNOWN", "the server sent an empty outcome", target=target),
    )


# -- requests ------------------------------------------------------------------------------------

TenderItem = (
    Any  # a TenderLike, a BidColumns, an EvaluateTendersRequest, or (tender_id, one of them)
)


def as_tender_request(
    item: TenderItem,
    index: int,
    detail: batch_pb2.ResultDetail.ValueType,
    to_request: Callable[[Any], tender_pb2.EvaluateBidsRequest],
) -> batch_pb2.EvaluateTendersRequest:
    """One stream message from one input item (see :func:`evaluate_many`)."""
    if isinstance(item, batch_pb2.EvaluateTendersRequest):
        if item.detail == batch_pb2.RESULT_DETAIL_UNSPECIFIED:
            out = batch_pb2.EvaluateTendersRequest()
            out.CopyFrom(item)
            out.detail = detail
            return out
        return item
    tender_id = str(index)
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
        tender_id, item = item
    if isinstance(item, batch_pb2.BidColumns):
        return batch_pb2.EvaluateTendersRequest(tender_id=tender_id, columns=item, detail=detail)
    return batch_pb2.EvaluateTendersRequest(
        tender_id=tender_id, request=to_request(item), detail=detail
    )


class _BatchRun:
    """The shared state of one :func:`evaluate_many` run (see there for the scheme)."""

    def __init__(
        self,
        tenders: Iterable[TenderItem],
        streams: int,
        depth: int,
        make: Callable[[TenderItem, int], batch_pb2.EvaluateTendersRequest],
    ) -> None:
        self.source = iter(tenders)
        self.make = make
        self.depth = depth
        self.max_ahead = streams * depth * 4  # outcomes held for reordering, at most
        self.cond = threading.Condition()
        self.next_index = 0  # the next tender to take from the source
        self.wanted = 0  # the next outcome to hand to the caller
        self.exhausted = False
        self.stopped = False
        self.in_flight = [0] * streams
        self.sent: list[deque[int]] = [deque() for _ in range(streams)]
        self.done: dict[int, TenderOutcome] = {}
        self.finished = [False] * streams
        self.failure: BaseException | None = None

    def requests(self, s: int) -> Iterator[batch_pb2.EvaluateTendersRequest]:
        """Stream ``s``'s request iterator: the next tender whenever the stream has a free slot."""
        while True:
            with self.cond:
                while (
                    not self.stopped
                    and not self.exhausted
                    and (
                        self.in_flight[s] >= self.depth
                        or self.next_index - self.wanted >= self.max_ahead
                    )
                ):
                    self.cond.wait(0.5)
                if self.stopped or self.exhausted:
                    return
                index = self.next_index
                try:
                    item = next(self.source)
                except StopIteration:
                    self.exhausted = True
                    self.cond.notify_all()
                    return
                except BaseException as error:  # re-raised in the caller's thread
                    self._fail(error)
                    return
                self.next_index += 1
                self.in_flight[s] += 1
                self.sent[s].append(index)
            try:
                message = self.make(item, index)  # outside the lock: may read a file
            except BaseException as error:
                with self.cond:
                    self._fail(error)
                return
            yield message

    def _fail(self, error: BaseException) -> None:
        """Record the first failure and stop taking tenders (call with the lock held)."""
        if self.failure is None:
            self.failure = error
        self.exhausted = True
        self.cond.notify_all()

    def read(self, s: int, call: Any, target: str) -> None:
        """Stream ``s``'s reader thread: file each response under its tender's index."""
        try:
            for message in call:
                with self.cond:
                    index = self.sent[s].popleft()
                    self.in_flight[s] -= 1
                    self.done[index] = _outcome(message, index, target)
                    self.cond.notify_all()
        except Exception as error:
            with self.cond:
                if not self.stopped and self.failure is None:
                    is_rpc = hasattr(error, "code")
                    self.failure = error_from_rpc(error, target=target) if is_rpc else error
        finally:
            with self.cond:
                self.finished[s] = True
                self.cond.notify_all()

    def outcomes(self) -> Iterator[TenderOutcome]:
        """The caller's side: outcomes in input order as they become available."""
        while True:
            with self.cond:
                while self.wanted not in self.done:
                    if self.failure is not None:
                        raise self.failure
                    if self.exhausted and self.wanted >= self.next_index:
                        return
                    if all(self.finished):  # every stream ended: nothing more will come
                        raise TcoServiceError(
                            "UNKNOWN", "the streams ended before every tender was answered"
                        )
                    self.cond.wait(0.5)
                outcome = self.done.pop(self.wanted)
                self.wanted += 1
                self.cond.notify_all()
            yield outcome

    def stop(self) -> None:
        with self.cond:
            self.stopped = True
            self.cond.notify_all()


def evaluate_many(
    open_stream: Callable[[Iterator[batch_pb2.EvaluateTendersRequest]], Any],
    tenders: Iterable[TenderItem],
    *,
    detail: str = "full",
    streams: int = 1,
    depth: int = DEPTH,
    to_request: Callable[[Any], tender_pb2.EvaluateBidsRequest],
    target: str = "",
) -> Iterator[TenderOutcome]:
    """Evaluate ``tenders`` over ``streams`` EvaluateTenders streams; outcomes in input order.

    ``open_stream(requests)`` starts one call (``stub.EvaluateTenders(requests, ...)``; the
    caller picks the channel, deadline and metadata). Each item of ``tenders`` is a tender (what
    :func:`tco_client.client.as_request` takes), a :class:`tcoapi.v1.batch_pb2.BidColumns`, a
    ready :class:`EvaluateTendersRequest`, or a ``(tender_id, tender)`` pair; without an id the
    tender's position is its id. A tender the server refuses yields an outcome with ``error``; a
    failure of a whole stream (server unreachable, deadline) raises :class:`TcoServiceError`.
    Closing the iterator early cancels the streams.

    Scheme: each stream takes the next tender from the shared input whenever it has fewer than
    ``depth`` tenders unanswered (the server works on one while the next is on its way), so a
    stream on a busy or slow server process simply takes fewer tenders (work goes where there
    is capacity, whatever the kernel's placement of the connections). One reader thread per
    stream files the answers under their input index; the caller gets them in input order. At
    most ``streams x depth`` tenders are in flight and ``4 x streams x depth`` outcomes wait for
    reordering: memory stays bounded whatever the input's length.
    """
    if detail not in DETAILS:
        raise ValueError(f"detail must be one of {sorted(DETAILS)}, got {detail!r}")
    if streams < 1 or depth < 1:
        raise ValueError("streams and depth must be >= 1")
    wanted = DETAILS[detail]
    run = _BatchRun(
        tenders, streams, depth, lambda item, i: as_tender_request(item, i, wanted, to_request)
    )
    calls = [open_stream(run.requests(s)) for s in range(streams)]
    readers = [
        threading.Thread(
            target=run.read, args=(s, call, target), name=f"tco-stream-{s}", daemon=True
        )
        for s, call in enumerate(calls)
    ]
    for reader in readers:
        reader.start()
    try:
        yield from run.outcomes()
    finally:
        run.stop()
        for call in calls:
            call.cancel()
        for reader in readers:
            reader.join(timeout=5)
