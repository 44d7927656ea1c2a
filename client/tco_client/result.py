"""``EvaluationResult``: the response of an evaluation, its DataFrames and its digests."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd
from google.protobuf import json_format

from tco_client import frames
from tcoapi.v1 import reference_pb2, result_pb2, tender_pb2


@dataclass(frozen=True)
class ReferenceData:
    """The server's reference data (carbon price series, emission factors), for the assumptions
    sheet of a report. Either part may be absent when the server could not give it."""

    carbon_series: reference_pb2.ListCarbonPriceSeriesResponse | None = None
    emission_factors: reference_pb2.ListEmissionFactorsResponse | None = None


@dataclass(frozen=True, eq=False)
class EvaluationResult:
    """One evaluation: the request sent, the response received and DataFrames of it.

    Frames are built on first use and cached; see :mod:`tco_client.frames` for their columns and
    conventions: per-bid frames (``ranking``, ``cost_by_category``, ``emissions_by_module``,
    ``measures``) are indexed by ``bid_id`` in rank order, money columns carry the currency in
    their name (``evaluated_cost_SEK``), proportions are fractions (``difference_to_best_share``;
    :func:`tco_client.frames.format_percentages` shows them as percent), empty frames are typed.
    """

    request: tender_pb2.EvaluateBidsRequest
    response: result_pb2.EvaluateBidsResponse
    reference: ReferenceData = field(default_factory=ReferenceData)

    # -- identification --------------------------------------------------------------------

    @property
    def currency(self) -> str:
        return self.response.currency or self.request.method.currency

    @property
    def method_digest(self) -> str:
        return self.response.method_digest

    @property
    def request_digest(self) -> str:
        return self.response.request_digest

    @property
    def engine_version(self) -> str:
        return self.response.engine_version

    @property
    def validated_only(self) -> bool:
        return self.response.validated_only

    @property
    def rate_basis(self) -> str:
        """Basis of the annual values and AIRR: "nominal" (the stated nominal rate, as NIST
        BLCC 5.3) or "real"."""
        return frames.rate_basis_name(self.response.rate_basis)

    @property
    def analysis_discount_rate(self) -> float:
        """The discount rate per year the annual values and AIRR use (on :attr:`rate_basis`)."""
        return self.response.analysis_discount_rate

    @property
    def bid_ids(self) -> list[str]:
        """Bid ids in rank order."""
        return [r.bid_id for r in self.response.results]

    def bid(self, bid_id: str) -> result_pb2.BidResult:
        for r in self.response.results:
            if r.bid_id == bid_id:
                return r
        raise KeyError(bid_id)

    # -- frames ----------------------------------------------------------------------------

    @cached_property
    def ranking(self) -> pd.DataFrame:
        return frames.ranking_frame(self.response)

    @cached_property
    def cost_by_category(self) -> pd.DataFrame:
        return frames.cost_by_category_frame(self.response)

    @cached_property
    def emissions_by_module(self) -> pd.DataFrame:
        return frames.emissions_by_module_frame(self.response)

    @cached_property
    def measures(self) -> pd.DataFrame:
        return frames.measures_frame(self.response)

    @cached_property
    def cash_flows(self) -> pd.DataFrame:
        return frames.cash_flows_frame(self.response)

    @cached_property
    def emissions_by_year(self) -> pd.DataFrame:
        return frames.emissions_by_year_frame(self.response)

    @cached_property
    def warnings(self) -> pd.DataFrame:
        return frames.warnings_frame(self.response)

    @cached_property
    def explanations(self) -> pd.DataFrame:
        return frames.explanations_frame(self.response)

    def cash_flow_table(self, bid_id: str, *, discounted: bool = True) -> pd.DataFrame:
        """Year × category cash flows of one bid (discounted = present values)."""
        return frames.cash_flow_table(self.cash_flows, bid_id, self.currency, discounted=discounted)

    def cumulative_discounted(self, *, include_externalities: bool = True) -> pd.DataFrame:
        """Calendar year × bid cumulative present value."""
        return frames.cumulative_discounted_frame(
            self.cash_flows, self.currency, include_externalities=include_externalities
        )

    # -- serialisation ---------------------------------------------------------------------

    def to_json(self) -> str:
        """The response in the proto JSON mapping with proto field names."""
        return json_format.MessageToJson(self.response, preserving_proto_field_name=True)
