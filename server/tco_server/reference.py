"""ListCarbonPriceSeries / ListEmissionFactors: the engine's reference data as proto, ordered by id.

The data is the engine's (:mod:`tco.reference`, loaded once, read-only); this module only maps
it: each point or value becomes a ``Quantity`` in the unit the data states (a series' unit, such
as ``EUR/tCO2e``, on each of its points), and a series' ``kind`` leads its ``notes``. A point of
year 0 is a value without a stated year (a constant series), as the engine keeps it.

The whole lists never change while the server runs, so each is built once, on first use, and
shared (handlers never mutate it; grpc only serializes it). Pages (AIP-158) are slices of it:
a ``page_token`` is the position of the next entry and the data version it was issued under,
base64url-encoded, so a token of another data version is refused instead of skipping or
repeating entries.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Sequence
from typing import TypeVar

from google.protobuf.message import Message

from tco import reference as ref
from tco.errors import FieldViolation, InvalidTender
from tcoapi.v1 import reference_pb2, tender_pb2

#: The server's page size when a request leaves ``page_size`` at 0, and the largest it grants.
MAX_PAGE_SIZE = 1000

_M = TypeVar("_M", bound=Message)


def page_token(offset: int) -> str:
    """The opaque token of the page that starts at ``offset`` under the current data version."""
    return base64.urlsafe_b64encode(f"{ref.DATA_VERSION}:{offset}".encode()).decode("ascii")


def page_bounds(page_size: int, token: str, total: int) -> tuple[int, int]:
    """``(start, stop)`` of the page a request asks for, or InvalidTender naming the bad field.

    >>> page_bounds(0, "", 7)
    (0, 7)
    >>> page_bounds(3, page_token(3), 7)
    (3, 6)
    """
    violations: list[FieldViolation] = []
    if page_size < 0:
        violations.append(FieldViolation("page_size", f"must be >= 0, got {page_size}"))
    start = 0
    if token:
        start = _token_offset(token, total)
        if start < 0:
            violations.append(
                FieldViolation(
                    "page_token",
                    "not a page token of this server's current reference data "
                    f"(data_version {ref.DATA_VERSION}): list again from the first page",
                )
            )
    if violations:
        raise InvalidTender(violations)
    size = MAX_PAGE_SIZE if page_size == 0 else min(page_size, MAX_PAGE_SIZE)
    return start, min(total, start + size)


def _token_offset(token: str, total: int) -> int:
    """The offset a token names, or -1 when it is not one this data version issued."""
    try:
        decoded = base64.urlsafe_b64decode(token.encode("ascii")).decode()
        version, _, offset = decoded.rpartition(":")
        position = int(offset)
    except (ValueError, UnicodeError):
        return -1
    if version != ref.DATA_VERSION or not 0 < position < total or not offset.isdigit():
        return -1
    return position


def _page(entries: Sequence[_M], request_size: int, token: str) -> tuple[list[_M], str]:
    start, stop = page_bounds(request_size, token, len(entries))
    return list(entries[start:stop]), page_token(stop) if stop < len(entries) else ""


def carbon_price_series_page(
    request: reference_pb2.ListCarbonPriceSeriesRequest,
) -> reference_pb2.ListCarbonPriceSeriesResponse:
    """One page of ListCarbonPriceSeries; the shared whole response when it is one page."""
    whole = carbon_price_series_response()
    if not request.page_token and (
        request.page_size == 0 or request.page_size >= len(whole.series)
    ):
        return whole
    series, next_token = _page(whole.series, request.page_size, request.page_token)
    return reference_pb2.ListCarbonPriceSeriesResponse(
        series=series, data_version=whole.data_version, next_page_token=next_token
    )


def emission_factors_page(
    request: reference_pb2.ListEmissionFactorsRequest,
) -> reference_pb2.ListEmissionFactorsResponse:
    """One page of ListEmissionFactors (energy contents on the first page only)."""
    whole = emission_factors_response()
    if not request.page_token and (
        request.page_size == 0 or request.page_size >= len(whole.factors)
    ):
        return whole
    factors, next_token = _page(whole.factors, request.page_size, request.page_token)
    return reference_pb2.ListEmissionFactorsResponse(
        factors=factors,
        energy_contents=[] if request.page_token else list(whole.energy_contents),
        data_version=whole.data_version,
        next_page_token=next_token,
    )


def _notes(series: ref.CarbonPriceSeries) -> str:
    """The contract's notes say what kind of value it is first, then the caveats."""
    return ". ".join(part for part in (series.kind, series.notes) if part)


@functools.cache
def carbon_price_series_response() -> reference_pb2.ListCarbonPriceSeriesResponse:
    return reference_pb2.ListCarbonPriceSeriesResponse(
        series=[
            reference_pb2.CarbonPriceSeries(
                id=s.id,
                name=s.name,
                currency=s.currency,
                price_base_year=s.price_base_year,
                points=[
                    tender_pb2.CarbonPricePoint(
                        year=p.year, price=tender_pb2.Quantity(value=p.value, unit=s.unit)
                    )
                    for p in s.points
                ],
                source=s.source,
                notes=_notes(s),
            )
            for s in sorted(ref.carbon_price_series(), key=lambda s: s.id)
        ],
        data_version=ref.DATA_VERSION,
    )


@functools.cache
def emission_factors_response() -> reference_pb2.ListEmissionFactorsResponse:
    return reference_pb2.ListEmissionFactorsResponse(
        factors=[
            reference_pb2.ReferenceEmissionFactor(
                id=f.id,
                resource=f.resource,
                factor=tender_pb2.Quantity(value=f.value, unit=f.unit),
                basis=f.basis,
                source=f.source,
                period=f.period,
            )
            for f in sorted(ref.emission_factors(), key=lambda f: f.id)
        ],
        energy_contents=[
            reference_pb2.EnergyContent(
                id=e.id,
                fuel=e.fuel,
                content=tender_pb2.Quantity(value=e.value, unit=e.unit),
                source=e.source,
            )
            for e in sorted(ref.energy_contents(), key=lambda e: e.id)
        ],
        data_version=ref.DATA_VERSION,
    )
