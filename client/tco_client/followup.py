"""``FollowUpClient``: contract follow-up over ``tcoapi.v1.FollowUpService`` (issue #19).

>>> with FollowUpClient("127.0.0.1:50051") as fu:                           # doctest: +SKIP
...     fu.create_commitment("led-2027", "lighting-commitment.json", commitment_id="c1",
...                          recorded_by="Avtalsförvaltare")
...     fu.append_readings("led-2027", "readings.csv", ColumnMap(meter="Mätpunkt", ...),
...                        entered_by="Driftavdelningen")
...     report = fu.follow_up_report("led-2027/c1", as_of="2029-01-01")
...     report.periods[["observed", "expected", "deviation_share", "outcome"]]

The client is a :class:`~tco_client.procurement.ProcurementClient` (one channel, the same
deadline, token and errors) with the follow-up calls added, so one client takes a procurement
from publication through award to its follow-up:

- commitments: :meth:`create_commitment` (the terms as a ``Commitment`` message, a mapping in its
  proto JSON form, or a ``.json``/``.yaml`` file of it: :func:`load_terms`), :meth:`get_commitment`,
  :meth:`list_commitments` and :meth:`commitments` (a DataFrame);
- readings: :meth:`append_readings` streams a meter portal's or invoice system's file through
  ``StreamReadings`` (:mod:`tco_client.readings_file` reads and checks it), :meth:`append` sends
  readings made in code in one batch, :meth:`correct_reading` supersedes one reading (a
  correction is a new reading, never an edit), :meth:`list_readings` / :meth:`readings`;
- :meth:`follow_up_report`: a :class:`~tco_client.followup_result.FollowUpReport` of DataFrames.

Errors are those of :class:`tco_client.TcoClient`: a refused commitment or reading raises
:class:`~tco_client.errors.TcoInvalidTender` naming every bad field (for readings the index of
the reading and its field, or the file's row and column);
:class:`~tco_client.errors.TcoServiceError` with the status code otherwise (``NOT_FOUND`` for
another organisation's records, ``FAILED_PRECONDITION`` for a procurement not yet awarded).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from google.protobuf import json_format
from google.protobuf.timestamp_pb2 import Timestamp

from tco_client import readings_file
from tco_client.errors import FieldViolation, TcoInvalidTender
from tco_client.followup_result import FollowUpReport, reading_rows
from tco_client.input_limits import parse_json, parse_yaml, read_bounded_text
from tco_client.procurement import PAGE_SIZE, ProcurementClient, procurement_name
from tco_client.readings_file import ColumnMap
from tcoapi.v1 import followup_pb2 as fpb
from tcoapi.v1 import followup_pb2_grpc, tender_pb2

TermsLike = fpb.Commitment | Mapping[str, Any] | str | Path
PriceLike = tender_pb2.ResourcePrice | tender_pb2.Quantity | tuple[float, str]
TimeLike = dt.datetime | dt.date | str
#: Rows per streamed message of :meth:`FollowUpClient.append_readings`.
BATCH_ROWS = 50_000

__all__ = [
    "BATCH_ROWS",
    "ColumnMap",
    "FollowUpClient",
    "FollowUpReport",
    "commitment_name",
    "load_terms",
    "timestamp",
]


def commitment_name(commitment: str, procurement: str = "") -> str:
    """``"procurements/P/commitments/C"`` from a name, ``"P/C"``, or ``C`` with ``procurement``.

    >>> commitment_name("led-2027/c1"), commitment_name("c1", "led-2027")
    ('procurements/led-2027/commitments/c1', 'procurements/led-2027/commitments/c1')
    """
    if commitment.startswith("procurements/"):
        return commitment
    if "/" in commitment:
        parent, _, short = commitment.rpartition("/")
        parent = parent.removesuffix("/commitments")
        return f"{procurement_name(parent)}/commitments/{short}"
    if not procurement:
        raise ValueError(f"commitment {commitment!r}: name the procurement too (P/C)")
    return f"{procurement_name(procurement)}/commitments/{commitment}"


def timestamp(value: TimeLike, field: str = "time") -> Timestamp:
    """A ``google.protobuf.Timestamp`` from a datetime (naive = UTC), a date (its midnight UTC)
    or an RFC 3339 / ISO 8601 text (``2029-01-01``, ``2029-01-01T00:00:00+01:00``)."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise TcoInvalidTender(
                [FieldViolation(field, f"{value!r} is not an ISO 8601 date or time")],
                f"invalid {field}",
            ) from None
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    stamp = Timestamp()
    stamp.FromDatetime(value.astimezone(dt.UTC))
    return stamp


def _jsonable(document: Any) -> Any:
    """YAML's dates and times as RFC 3339 text (the proto JSON form of a Timestamp)."""
    if isinstance(document, Mapping):
        return {str(k): _jsonable(v) for k, v in document.items()}
    if isinstance(document, list):
        return [_jsonable(v) for v in document]
    if isinstance(document, dt.datetime):
        stamp = document if document.tzinfo else document.replace(tzinfo=dt.UTC)
        return stamp.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(document, dt.date):
        return f"{document.isoformat()}T00:00:00Z"
    return document


def terms_from_mapping(document: Any, source: str = "terms") -> fpb.Commitment:
    """A ``Commitment`` from its proto JSON form (a top-level ``commitment`` key is accepted)."""
    if not isinstance(document, Mapping):
        raise TcoInvalidTender([FieldViolation(source, "the terms must be a mapping")])
    if set(document) == {"commitment"}:
        document = document["commitment"]
    terms = fpb.Commitment()
    try:
        json_format.ParseDict(_jsonable(document), terms, ignore_unknown_fields=False)
    except json_format.ParseError as exc:
        raise TcoInvalidTender(
            [FieldViolation(source, str(exc).replace("\n", " "))], f"cannot read {source}"
        ) from None
    return terms


def load_terms(terms: TermsLike) -> fpb.Commitment:
    """The contract's terms: a ``Commitment``, its proto JSON form as a mapping, or a ``.json`` /
    ``.yaml`` file of it (read within :mod:`tco_client.input_limits`; YAML without anchors)."""
    if isinstance(terms, fpb.Commitment):
        copy = fpb.Commitment()
        copy.CopyFrom(terms)
        return copy
    if isinstance(terms, Mapping):
        return terms_from_mapping(terms)
    path = Path(terms)
    if not path.is_file():
        raise TcoInvalidTender([FieldViolation(str(path), "no such file")], "cannot read terms")
    text = read_bounded_text(path)
    yaml_file = path.suffix.lower() in (".yaml", ".yml")
    document = parse_yaml(text, path.name) if yaml_file else parse_json(text, path.name)
    return terms_from_mapping(document or {}, source=path.name)


def resource_price(resource: str, price: PriceLike) -> tender_pb2.ResourcePrice:
    """A ``ResourcePrice`` of ``resource`` from a Quantity, ``(value, unit)`` or a ResourcePrice."""
    if isinstance(price, tender_pb2.ResourcePrice):
        return price
    quantity = (
        price
        if isinstance(price, tender_pb2.Quantity)
        else tender_pb2.Quantity(value=float(price[0]), unit=str(price[1]))
    )
    return tender_pb2.ResourcePrice(resource=resource, price=quantity)


class FollowUpClient(ProcurementClient):
    """Blocking client of ``tcoapi.v1.FollowUpService`` (and of the procurement records)."""

    def __init__(self, target: str = "127.0.0.1:50051", **options: Any) -> None:
        super().__init__(target, **options)
        self._followup = followup_pb2_grpc.FollowUpServiceStub(self._channel)

    # -- commitments -----------------------------------------------------------------------

    def create_commitment(
        self,
        procurement: str,
        terms: TermsLike,
        *,
        commitment_id: str = "",
        recorded_by: str = "",
    ) -> fpb.Commitment:
        """Record the winner's promises (filled by the service from the awarded evaluation's
        winning bid) with the contract's ``terms``; ``recorded_by`` overrides the terms' own."""
        commitment = load_terms(terms)
        if recorded_by:
            commitment.recorded_by = recorded_by
        request = fpb.CreateCommitmentRequest(
            parent=procurement_name(procurement),
            commitment_id=commitment_id,
            commitment=commitment,
        )
        answer: fpb.CreateCommitmentResponse = self._call(self._followup.CreateCommitment, request)
        return answer.commitment

    def get_commitment(self, commitment: str, procurement: str = "") -> fpb.Commitment:
        request = fpb.GetCommitmentRequest(name=commitment_name(commitment, procurement))
        answer: fpb.GetCommitmentResponse = self._call(self._followup.GetCommitment, request)
        return answer.commitment

    def list_commitments(self, procurement: str) -> list[fpb.Commitment]:
        """The commitments of a procurement, oldest first."""
        found: list[fpb.Commitment] = []
        token = ""
        while True:
            request = fpb.ListCommitmentsRequest(
                parent=procurement_name(procurement), page_size=PAGE_SIZE, page_token=token
            )
            page: fpb.ListCommitmentsResponse = self._call(self._followup.ListCommitments, request)
            found += page.commitments
            token = page.next_page_token
            if not token:
                return found

    def commitments(self, procurement: str) -> pd.DataFrame:
        """:meth:`list_commitments` as a DataFrame: one row per commitment."""
        rows = [
            {
                "commitment": c.name.rsplit("/", 1)[-1],
                "bid_id": c.bid_id,
                "promises": len(c.promises),
                "settlement_period": fpb.SettlementPeriod.Name(c.settlement_period)
                .removeprefix("SETTLEMENT_PERIOD_")
                .lower(),
                "guarantee_periods": c.guarantee_periods,
                "contract_start": _time(c.contract_start_time),
                "recorded_by": c.recorded_by,
                "created": _time(c.create_time),
                "evaluation": c.evaluation,
                "evaluation_digest": c.evaluation_digest,
                "record_hash": c.record_hash,
            }
            for c in self.list_commitments(procurement)
        ]
        columns = [
            "commitment",
            "bid_id",
            "promises",
            "settlement_period",
            "guarantee_periods",
            "contract_start",
            "recorded_by",
            "created",
            "evaluation",
            "evaluation_digest",
            "record_hash",
        ]
        return pd.DataFrame(rows, columns=columns)

    # -- readings --------------------------------------------------------------------------

    def stream_requests(
        self,
        procurement: str,
        file: str | Path,
        column_map: ColumnMap,
        *,
        entered_by: str,
        batch_rows: int = BATCH_ROWS,
    ) -> Iterator[fpb.StreamReadingsRequest]:
        """The stream messages :meth:`append_readings` sends for ``file`` (the file is checked
        whole first: a bad row is refused before anything is sent)."""
        parent = procurement_name(procurement)
        return readings_file.iter_append_requests(
            Path(file), column_map, parent, entered_by, batch_rows=batch_rows
        )

    def append_readings(
        self,
        procurement: str,
        file: str | Path,
        column_map: ColumnMap,
        *,
        entered_by: str,
        batch_rows: int = BATCH_ROWS,
    ) -> fpb.StreamReadingsResponse:
        """Import a readings file (CSV or .xlsx, columns as ``column_map`` says) through
        ``StreamReadings``: one batch (one record) per message, in order."""
        requests = self.stream_requests(
            procurement, file, column_map, entered_by=entered_by, batch_rows=batch_rows
        )
        first = next(requests, None)
        if first is None:
            raise TcoInvalidTender([FieldViolation(str(file), "no readings")], "no readings")

        def messages() -> Iterator[fpb.StreamReadingsRequest]:
            yield first
            yield from requests

        answer: fpb.StreamReadingsResponse = self._call(self._followup.StreamReadings, messages())
        return answer

    def append(
        self,
        procurement: str,
        readings: Iterable[fpb.Reading] = (),
        series: Iterable[fpb.IntervalSeries] = (),
        *,
        entered_by: str,
    ) -> fpb.AppendReadingsResponse:
        """Append single readings and interval data in one batch (all or none)."""
        request = fpb.AppendReadingsRequest(
            parent=procurement_name(procurement),
            readings=list(readings),
            series=list(series),
            entered_by=entered_by,
        )
        answer: fpb.AppendReadingsResponse = self._call(self._followup.AppendReadings, request)
        return answer

    def find_reading(self, procurement: str, reading: str) -> fpb.Reading:
        """One stored reading by name (or its last part)."""
        wanted = reading.rsplit("/", 1)[-1]
        for found in self.list_readings(procurement):
            if found.name.rsplit("/", 1)[-1] == wanted:
                return found
        raise TcoInvalidTender([FieldViolation("reading", f"no reading {reading!r}")])

    def correct_reading(
        self,
        procurement: str,
        reading: str,
        *,
        quantity: float,
        entered_by: str,
        unit: str = "",
        start: TimeLike | None = None,
        end: TimeLike | None = None,
        estimated: bool = False,
        source: fpb.ReadingSource.ValueType = fpb.READING_SOURCE_MANUAL,
    ) -> fpb.AppendReadingsResponse:
        """Correct a stored reading: a new reading of the same series and period (unless
        ``start``/``end`` say otherwise) that supersedes it. The old one is never edited."""
        old = self.find_reading(procurement, reading)
        new = fpb.Reading(
            series=old.series,
            kind=old.kind,
            quantity=tender_pb2.Quantity(value=float(quantity), unit=unit or old.quantity.unit),
            source=source,
            estimated=estimated,
            supersedes=old.name,
        )
        new.start_time.CopyFrom(timestamp(start, "start") if start is not None else old.start_time)
        new.end_time.CopyFrom(timestamp(end, "end") if end is not None else old.end_time)
        return self.append(procurement, [new], entered_by=entered_by)

    def list_readings(self, procurement: str, series: str = "") -> list[fpb.Reading]:
        """The readings of a procurement in the order appended (superseded ones marked)."""
        found: list[fpb.Reading] = []
        token = ""
        while True:
            request = fpb.ListReadingsRequest(
                parent=procurement_name(procurement),
                series=series,
                page_size=10 * PAGE_SIZE,
                page_token=token,
            )
            page: fpb.ListReadingsResponse = self._call(self._followup.ListReadings, request)
            found += page.readings
            token = page.next_page_token
            if not token:
                return found

    def readings(self, procurement: str, series: str = "") -> pd.DataFrame:
        """:meth:`list_readings` as a DataFrame (times UTC-aware)."""
        return reading_rows(self.list_readings(procurement, series))

    # -- the report ------------------------------------------------------------------------

    def follow_up_report(
        self,
        commitment: str,
        procurement: str = "",
        *,
        as_of: TimeLike | None = None,
        actual_prices: Mapping[str, PriceLike] | Iterable[tender_pb2.ResourcePrice] = (),
    ) -> FollowUpReport:
        """The follow-up report of a commitment up to ``as_of`` (default: now, at the server);
        ``actual_prices`` (resource → price) for the award in hindsight."""
        request = fpb.GetFollowUpReportRequest(name=commitment_name(commitment, procurement))
        if as_of is not None:
            request.as_of_time.CopyFrom(timestamp(as_of, "as_of"))
        if isinstance(actual_prices, Mapping):
            prices = [resource_price(r, p) for r, p in sorted(actual_prices.items())]
        else:
            prices = list(actual_prices)
        request.actual_prices.extend(prices)
        answer: fpb.GetFollowUpReportResponse = self._call(
            self._followup.GetFollowUpReport, request
        )
        return FollowUpReport(answer)


def _time(stamp: Any) -> pd.Timestamp | None:
    if not stamp.seconds and not stamp.nanos:
        return None
    return pd.Timestamp(stamp.seconds * 10**9 + stamp.nanos, tz="UTC")
