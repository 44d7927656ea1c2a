"""ListCarbonPriceSeries / ListEmissionFactors: the engine's reference data as proto, ordered by id.

The data is the engine's (:mod:`tco.reference`, loaded once, read-only); this module only maps
it: each point or value becomes a ``Quantity`` in the unit the data states (a series' unit, such
as ``EUR/tCO2e``, on each of its points), and a series' ``kind`` leads its ``notes``. A point of
year 0 is a value without a stated year (a constant series), as the engine keeps it.

The responses never change while the server runs, so each is built once, on first use, and
shared (handlers never mutate it; grpc only serializes it).
"""

from __future__ import annotations

import functools

from tco import reference as ref
from tcoapi.v1 import reference_pb2, tender_pb2


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
