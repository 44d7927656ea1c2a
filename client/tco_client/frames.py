"""The service's response as pandas DataFrames.

Conventions (stable; the same in :mod:`tco_client.analysis`; reports, charts and tables translate
the names with :mod:`tco_client.i18n`):

- **Index.** A frame with one row per bid is indexed by ``bid_id`` (a ``string`` index named
  ``bid_id``): ``ranking`` (rank order), ``cost_by_category``, ``emissions_by_module``,
  ``measures`` and, of an analysis, ``base``, ``win_probability`` and ``percentiles`` (request
  order). Frames with several rows per bid (``cash_flows``, ``emissions_by_year``,
  ``explanations``, ``warnings``; ``scenarios`` and ``tornado_bids`` of an analysis) keep
  ``bid_id`` as a column over a RangeIndex, ready to filter and pivot.
- **Units in names.** Money columns carry the currency: ``life_cycle_cost_SEK``, ``energy_SEK``,
  ``abatement_cost_SEK_per_tCO2e``; climate impact ends in ``_kgCO2e``.
- **Fractions, never percent.** Every proportion is a fraction, 0.031 for 3.1 %: rates (``airr``,
  ``airr_discount_rate``), probabilities (``probability_best``, ``standard_error``) and shares,
  whose names end in ``_share`` (``difference_to_best_share``, the response's
  ``difference_to_best_percent`` / 100, :func:`percent_to_fraction`). :data:`FRACTION_COLUMNS`
  lists them; :func:`format_percentages` turns them into percentage text for display
  (``"3.1 %"``, Swedish ``"3,1 %"``), the reports give their cells a percent number format.
- **One name per quantity**, the response's field name where it has one; across the evaluation
  and the analysis:

  ========================================  ===============================================
  response field                            column
  ========================================  ===============================================
  ``BidResult.evaluated_cost``              ``evaluated_cost_<CUR>`` (``ranking``)
  ``BidOutcome.comparison_number``          ``evaluated_cost_<CUR>`` (analysis ``base``,
                                            ``scenarios``): the same number
  ``BidResult.difference_to_best``          ``difference_to_best_<CUR>``
  ``BidResult.difference_to_best_percent``  ``difference_to_best_share`` (a fraction)
  ``BidResult.emissions_total``             ``emissions_total_kgCO2e``
  ``BidResult.cost_by_category[c]``         ``<c>_<CUR>`` (``cost_by_category``)
  ``BidResult.emissions_by_module[m]``      ``<m>_kgCO2e`` (``emissions_by_module``)
  ``Measures.discount_rate``                ``airr_discount_rate``
  ``Measures.abatement_cost``               ``abatement_cost_<CUR>_per_tCO2e``
  ``BidDistribution.comparison_number``     ``mean_<CUR>``, ``p5_<CUR>``, ``p50_<CUR>``,
                                            ``p95_<CUR>`` (analysis ``percentiles``; the
                                            gap's: ``gap_percentiles``)
  ``SensitivityBid.base / low / high``      ``base_<CUR>``, ``low_<CUR>``, ``high_<CUR>``
                                            (evaluated costs, analysis ``tornado_bids``)
  other fields                              their name (``rank``, ``tied``, ``sir``, ``airr``,
                                            ``probability_best`` …), a unit suffix added
  ========================================  ===============================================

- **Absent is <NA>.** A measure the status says has no value is ``<NA>`` in a nullable column
  (``Float64`` / ``Int64``) next to its status as text (``"never_pays_back"``) — never NaN passed
  off as a number, never 0 as a stand-in.
- **Typed when empty.** A frame without rows has the columns and dtypes it has with rows: numbers
  ``float64`` / ``int64`` / nullable, text ``string``, flags ``bool``.
- The numbers are the response's numbers (already rounded half-up by the server); nothing is
  recomputed here except sums that are labelled as such (``total_…`` columns of the breakdowns
  and cumulative cash flows) and the share (percent / 100).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, Final

import pandas as pd

from tco_client.i18n import CATEGORY_ORDER, MODULE_ORDER, format_percent
from tcoapi.v1 import reference_pb2, result_pb2, tender_pb2

#: Cash-flow categories that are monetised externalities rather than the buyer's costs.
EXTERNALITY_CATEGORIES = frozenset({"climate", "pollutants", "externality"})

#: Columns of the client's frames whose values are fractions (0.031 = 3.1 %); any other column
#: whose name ends in ``_share`` is one too (:func:`is_fraction`).
FRACTION_COLUMNS: Final = frozenset(
    {
        "difference_to_best_share",
        "airr",
        "airr_discount_rate",
        "probability_best",
        "standard_error",
    }
)


def is_fraction(column: object) -> bool:
    """True for a column whose values are fractions shown as percentages.

    >>> is_fraction("difference_to_best_share"), is_fraction("airr"), is_fraction("sir")
    (True, True, False)
    """
    name = str(column)
    return name in FRACTION_COLUMNS or name.endswith("_share")


def format_percentages(frame: pd.DataFrame, lang: str = "en", decimals: int = 1) -> pd.DataFrame:
    """A copy of ``frame`` for display: every fraction column (:func:`is_fraction`) as
    percentage text in the language's number format, ``<NA>`` / NaN as ``"–"``; the other
    columns unchanged. The frame itself keeps its fractions.

    >>> shown = format_percentages(pd.DataFrame({"difference_to_best_share": [0.0, 0.03125]}))
    >>> shown["difference_to_best_share"].tolist()
    ['0.0\xa0%', '3.1\xa0%']
    >>> format_percentages(pd.DataFrame({"airr": [0.0575]}), "sv", 2)["airr"].tolist()
    ['5,75\xa0%']
    """
    shown = frame.copy()
    for column in shown.columns:
        if is_fraction(column):
            shown[column] = pd.array(
                [_percent_text(v, lang, decimals) for v in shown[column]], dtype="string"
            )
    return shown


def _percent_text(value: Any, lang: str, decimals: int) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return format_percent(float(value), decimals, lang)


def percent_to_fraction(percent: float) -> float:
    """A percentage as a fraction, shifted in decimal so that the number stays as written:
    ``1.1`` -> ``0.011`` (``1.1 / 100`` is ``0.011000000000000001``).

    >>> percent_to_fraction(1.1), percent_to_fraction(0.0)
    (0.011, 0.0)
    """
    if not math.isfinite(percent):
        return percent
    return float(Decimal(repr(float(percent))).scaleb(-2))


def _bid_index(ids: Iterable[str]) -> pd.Index:
    """The ``bid_id`` index of a per-bid frame (a ``string`` index, also when empty)."""
    return pd.Index(list(ids), name="bid_id", dtype="string")


def _status_name(value: int) -> str:
    name: str = result_pb2.MeasureStatus.Name(value)  # type: ignore[arg-type]
    return name.removeprefix("MEASURE_STATUS_").lower()


def _in_order(names: Iterable[str], order: Sequence[str]) -> list[str]:
    """The distinct ``names``: known ones in the canonical ``order``, then others alphabetically."""
    present = set(names)
    return [n for n in order if n in present] + sorted(present - set(order))


def ranking_frame(response: result_pb2.EvaluateBidsResponse) -> pd.DataFrame:
    """One row per bid in rank order, indexed by ``bid_id``: the totals and the evaluated cost
    (the comparison number the ranking is based on).

    ``difference_to_best_share`` is a fraction of the best bid's evaluated cost (0.031 = 3.1 %).
    ``material_circularity`` and ``cost_per_functional_unit_<CUR>`` are ``<NA>`` when the
    response has no value (the bid gave no circularity data / no functional units).
    """
    cur = response.currency
    columns = list(_ranking_row(result_pb2.BidResult(), cur))
    frame = pd.DataFrame(
        [_ranking_row(r, cur) for r in response.results],
        columns=columns,
        index=_bid_index(r.bid_id for r in response.results),
    )
    frame = frame.astype(
        {
            "rank": "int64",
            "supplier": "string",
            "tied": "bool",
            "material_circularity": "Float64",
            f"cost_per_functional_unit_{cur}": "Float64",
        }
    )
    for column in columns[3:13]:
        frame[column] = frame[column].astype("float64")
    return frame


def _ranking_row(r: result_pb2.BidResult, cur: str) -> dict[str, Any]:
    """A bid's row of :func:`ranking_frame` (its keys are the columns, in order)."""
    return {
        "rank": r.rank,
        "supplier": r.supplier,
        "tied": r.tied,
        f"life_cycle_cost_{cur}": r.life_cycle_cost,
        f"climate_cost_{cur}": r.climate_cost,
        f"externality_cost_{cur}": r.externality_cost,
        f"deductions_{cur}": r.deductions,
        f"evaluated_cost_{cur}": r.evaluated_cost,
        f"difference_to_best_{cur}": r.difference_to_best,
        "difference_to_best_share": percent_to_fraction(r.difference_to_best_percent),
        f"annual_value_{cur}": r.annual_value,
        f"life_cycle_cost_undiscounted_{cur}": r.life_cycle_cost_undiscounted,
        "emissions_total_kgCO2e": r.emissions_total,
        "material_circularity": (
            r.material_circularity if r.HasField("material_circularity") else None
        ),
        f"cost_per_functional_unit_{cur}": (
            r.cost_per_functional_unit if r.HasField("cost_per_functional_unit") else None
        ),
    }


def cost_by_category_frame(response: result_pb2.EvaluateBidsResponse) -> pd.DataFrame:
    """Bid × category present values (``<category>_<CUR>``), in rank order, with
    ``total_<CUR>`` = the sum of the categories (equals the life-cycle cost up to rounding).

    A category a bid does not have is 0.0 (no cost in it); residual value is negative."""
    cur = response.currency
    frame = _breakdown(response, "cost_by_category", CATEGORY_ORDER, cur)
    frame[f"total_{cur}"] = frame.sum(axis=1)
    return frame


def emissions_by_module_frame(response: result_pb2.EvaluateBidsResponse) -> pd.DataFrame:
    """Bid × EN 15978 module climate impact (``<module>_kgCO2e``) with ``total_kgCO2e`` = the
    response's emissions_total (module D counts only when the method includes it)."""
    frame = _breakdown(response, "emissions_by_module", MODULE_ORDER, "kgCO2e")
    frame["total_kgCO2e"] = pd.Series(
        [float(r.emissions_total) for r in response.results], index=frame.index, dtype="float64"
    )
    return frame


def _breakdown(
    response: result_pb2.EvaluateBidsResponse, field: str, order: Sequence[str], unit: str
) -> pd.DataFrame:
    """Bid × part (``<part>_<unit>``) of the map ``field`` of each result, 0.0 where a bid has
    no such part; parts in ``order``, rows in rank order, indexed by bid_id."""
    parts = _in_order((p for r in response.results for p in getattr(r, field)), order)
    data = {
        r.bid_id: {f"{p}_{unit}": float(getattr(r, field).get(p, 0.0)) for p in parts}
        for r in response.results
    }
    frame = pd.DataFrame.from_dict(
        data, orient="index", columns=[f"{p}_{unit}" for p in parts], dtype="float64"
    )
    frame.index = _bid_index(r.bid_id for r in response.results)
    return frame


MEASURE_STATUS_COLUMNS = (
    "sir_status",
    "airr_status",
    "simple_payback_status",
    "discounted_payback_status",
    "abatement_cost_status",
)


def measures_frame(response: result_pb2.EvaluateBidsResponse) -> pd.DataFrame:
    """Measures against the baseline bid, one row per bid that has them, indexed by ``bid_id``
    (rank order).

    Each measure sits next to its status (text: ``ok``, ``is_baseline``,
    ``no_additional_investment``, ``never_pays_back``, ``no_emission_reduction``,
    ``no_savings``); the value is ``<NA>`` whenever the status is not ``ok``. Net savings,
    additional investment and operational savings always have a value. ``airr_discount_rate``
    and ``airr_rate_basis`` say the rate AIRR uses: the stated nominal rate in a nominal
    analysis (a nominal AIRR, as NIST BLCC 5.3), the real rate otherwise. ``airr`` and
    ``airr_discount_rate`` are fractions (0.0575 = 5.75 %).
    """
    cur = response.currency
    columns = list(_measures_row(result_pb2.BidResult(), cur))
    with_measures = [r for r in response.results if r.HasField("measures")]
    frame = pd.DataFrame(
        [_measures_row(r, cur) for r in with_measures],
        columns=columns,
        index=_bid_index(r.bid_id for r in with_measures),
    )
    return frame.astype(
        {
            "baseline_bid_id": "string",
            f"net_savings_{cur}": "float64",
            f"additional_investment_{cur}": "float64",
            f"operational_savings_{cur}": "float64",
            "sir": "Float64",
            "airr": "Float64",
            "airr_discount_rate": "float64",
            "airr_rate_basis": "string",
            "simple_payback_years": "Int64",
            "discounted_payback_years": "Int64",
            f"abatement_cost_{cur}_per_tCO2e": "Float64",
            **dict.fromkeys(MEASURE_STATUS_COLUMNS, "string"),
        }
    )


def rate_basis_name(value: int) -> str:
    """``real`` or ``nominal``: the basis of a rate-derived figure (unset: real, the default)."""
    if value == tender_pb2.RATE_BASIS_NOMINAL:
        return "nominal"
    return "real"


def _measures_row(r: result_pb2.BidResult, cur: str) -> dict[str, Any]:
    """A bid's row of :func:`measures_frame` (its keys are the columns, in order)."""
    m = r.measures

    def ok(value: Any, status: int) -> Any:
        return value if status == result_pb2.MEASURE_STATUS_OK else None

    return {
        "baseline_bid_id": m.baseline_bid_id,
        f"net_savings_{cur}": m.net_savings,
        f"additional_investment_{cur}": m.additional_investment,
        f"operational_savings_{cur}": m.operational_savings,
        "sir": ok(m.sir, m.sir_status),
        "sir_status": _status_name(m.sir_status),
        "airr": ok(m.airr, m.airr_status),
        "airr_status": _status_name(m.airr_status),
        "airr_discount_rate": m.discount_rate,
        "airr_rate_basis": rate_basis_name(m.rate_basis),
        "simple_payback_years": ok(m.simple_payback_years, m.simple_payback_status),
        "simple_payback_status": _status_name(m.simple_payback_status),
        "discounted_payback_years": ok(m.discounted_payback_years, m.discounted_payback_status),
        "discounted_payback_status": _status_name(m.discounted_payback_status),
        f"abatement_cost_{cur}_per_tCO2e": ok(m.abatement_cost, m.abatement_cost_status),
        "abatement_cost_status": _status_name(m.abatement_cost_status),
    }


def cash_flows_frame(response: result_pb2.EvaluateBidsResponse) -> pd.DataFrame:
    """Long table of every cash flow: bid_id, year (study year t), calendar_year, category,
    ``undiscounted_<CUR>`` and ``discounted_<CUR>`` (present value at t = 0)."""
    cur = response.currency
    rows = [
        (r.bid_id, cf.year, cf.calendar_year, cf.category, cf.undiscounted, cf.discounted)
        for r in response.results
        for cf in r.cash_flow
    ]
    dtypes = {
        "bid_id": "string",
        "year": "int64",
        "calendar_year": "int64",
        "category": "string",
        f"undiscounted_{cur}": "float64",
        f"discounted_{cur}": "float64",
    }
    return pd.DataFrame(rows, columns=list(dtypes)).astype(dtypes)


def cash_flow_table(
    cash_flows: pd.DataFrame, bid_id: str, currency: str, *, discounted: bool = True
) -> pd.DataFrame:
    """Year × category table of one bid (``<category>_<CUR>`` columns plus ``total_<CUR>``),
    indexed by (year, calendar_year); every study year that has a cash flow in any category is a
    row, missing cells are 0.0."""
    value = f"{'discounted' if discounted else 'undiscounted'}_{currency}"
    own = cash_flows[cash_flows["bid_id"] == bid_id]
    if own.empty:
        return pd.DataFrame(
            columns=[f"total_{currency}"],
            index=pd.MultiIndex.from_arrays([[], []], names=["year", "calendar_year"]),
            dtype="float64",
        )
    table = own.pivot_table(
        index=["year", "calendar_year"],
        columns="category",
        values=value,
        aggfunc="sum",
        fill_value=0.0,
        observed=True,
    )
    categories = _in_order((str(c) for c in table.columns), CATEGORY_ORDER)
    table = table[categories].astype("float64")
    table.columns = pd.Index([f"{c}_{currency}" for c in categories])
    table[f"total_{currency}"] = table.sum(axis=1)
    return table.sort_index()


def cumulative_discounted_frame(
    cash_flows: pd.DataFrame, currency: str, *, include_externalities: bool = True
) -> pd.DataFrame:
    """Calendar year × bid: cumulative present value (``<bid>`` columns, currency in
    ``frame.attrs["unit"]``). Without externalities only the buyer's life-cycle cost counts."""
    flows = cash_flows
    if not include_externalities:
        flows = flows[~flows["category"].isin(sorted(EXTERNALITY_CATEGORIES))]
    by_year = flows.pivot_table(
        index="calendar_year",
        columns="bid_id",
        values=f"discounted_{currency}",
        aggfunc="sum",
        fill_value=0.0,
        observed=True,
    )
    bids = list(dict.fromkeys(cash_flows["bid_id"].tolist()))
    by_year = by_year.reindex(columns=bids, fill_value=0.0).sort_index()
    if not by_year.empty:
        full = range(int(by_year.index.min()), int(by_year.index.max()) + 1)
        by_year = by_year.reindex(full, fill_value=0.0)
    by_year.index.name = "calendar_year"
    out = by_year.cumsum()
    out.columns = pd.Index([str(c) for c in out.columns], name="bid_id")
    out.attrs["unit"] = currency
    return out


def emissions_by_year_frame(response: result_pb2.EvaluateBidsResponse) -> pd.DataFrame:
    """Long table: bid_id, year (study year t), emissions_kgCO2e."""
    rows = [
        (r.bid_id, t, value)
        for r in response.results
        for t, value in enumerate(r.emissions_by_year)
    ]
    frame = pd.DataFrame(rows, columns=["bid_id", "year", "emissions_kgCO2e"])
    return frame.astype({"bid_id": "string", "year": "int64", "emissions_kgCO2e": "float64"})


def warnings_frame(response: result_pb2.EvaluateBidsResponse) -> pd.DataFrame:
    """code, bid_id (empty for the evaluation as a whole), message."""
    rows = [(w.code, w.bid_id, w.message) for w in response.warnings]
    frame = pd.DataFrame(rows, columns=["code", "bid_id", "message"])
    return frame.astype("string")


def explanations_frame(response: result_pb2.EvaluateBidsResponse) -> pd.DataFrame:
    """bid_id, quantity, formula, value, inputs (joined with "; ")."""
    rows = [
        (r.bid_id, e.quantity, e.formula, e.value, "; ".join(e.inputs))
        for r in response.results
        for e in r.explanations
    ]
    dtypes = dict.fromkeys(["bid_id", "quantity", "formula", "value", "inputs"], "string")
    dtypes["value"] = "float64"
    return pd.DataFrame(rows, columns=list(dtypes)).astype(dtypes)


def _points_text(points: Sequence[Any]) -> str:
    return "; ".join(f"{p.year}: {p.price.value:g} {p.price.unit}" for p in points)


def carbon_series_frame(response: reference_pb2.ListCarbonPriceSeriesResponse) -> pd.DataFrame:
    """id, name, currency, price_base_year, points (text), source, notes."""
    rows = [
        (s.id, s.name, s.currency, s.price_base_year, _points_text(s.points), s.source, s.notes)
        for s in response.series
    ]
    frame = pd.DataFrame(
        rows,
        columns=["id", "name", "currency", "price_base_year", "points", "source", "notes"],
    )
    return frame.astype(
        dict.fromkeys(["id", "name", "currency", "points", "source", "notes"], "string")
        | {"price_base_year": "int64"}
    )


def emission_factors_frame(response: reference_pb2.ListEmissionFactorsResponse) -> pd.DataFrame:
    """id, resource, factor, unit, basis, period, source."""
    rows = [
        (f.id, f.resource, f.factor.value, f.factor.unit, f.basis, f.period, f.source)
        for f in response.factors
    ]
    frame = pd.DataFrame(
        rows, columns=["id", "resource", "factor", "unit", "basis", "period", "source"]
    )
    return frame.astype(
        dict.fromkeys(["id", "resource", "unit", "basis", "period", "source"], "string")
        | {"factor": "float64"}
    )


def energy_contents_frame(response: reference_pb2.ListEmissionFactorsResponse) -> pd.DataFrame:
    """id, fuel, content, unit, source."""
    rows = [
        (e.id, e.fuel, e.content.value, e.content.unit, e.source) for e in response.energy_contents
    ]
    frame = pd.DataFrame(rows, columns=["id", "fuel", "content", "unit", "source"])
    return frame.astype(
        dict.fromkeys(["id", "fuel", "unit", "source"], "string") | {"content": "float64"}
    )
