"""DataFrames of a response (offline, hand-made response): columns, units, statuses, sums."""

from __future__ import annotations

import doctest
from collections.abc import Sequence

import pandas as pd
import pytest
from google.protobuf import json_format

from tco_client import frames
from tco_client.analysis import AnalysisResult
from tco_client.result import EvaluationResult
from tcoapi.v1 import analysis_pb2, reference_pb2, result_pb2
from tests.client import fakes


def test_money_columns_carry_the_currency(offline_result: EvaluationResult) -> None:
    ranking = offline_result.ranking
    for base in (
        "life_cycle_cost",
        "climate_cost",
        "externality_cost",
        "deductions",
        "evaluated_cost",
        "difference_to_best",
        "annual_value",
        "life_cycle_cost_undiscounted",
        "cost_per_functional_unit",
    ):
        assert f"{base}_SEK" in ranking.columns
    assert "emissions_total_kgCO2e" in ranking.columns
    assert all(c.endswith("_SEK") for c in offline_result.cost_by_category.columns)
    assert all(c.endswith("_kgCO2e") for c in offline_result.emissions_by_module.columns)
    assert {"undiscounted_SEK", "discounted_SEK"} <= set(offline_result.cash_flows.columns)
    assert "abatement_cost_SEK_per_tCO2e" in offline_result.measures.columns


def test_currency_follows_the_response(offline_result: EvaluationResult) -> None:
    response = result_pb2.EvaluateBidsResponse()
    response.CopyFrom(offline_result.response)
    response.currency = "EUR"
    result = EvaluationResult(offline_result.request, response)
    assert "evaluated_cost_EUR" in result.ranking.columns
    assert "total_EUR" in result.cost_by_category.columns
    assert not any(c.endswith("_SEK") for c in result.ranking.columns)


def test_ranking_is_the_response_numbers_in_rank_order(offline_result: EvaluationResult) -> None:
    ranking = offline_result.ranking
    response = offline_result.response
    assert list(ranking.index) == [r.bid_id for r in response.results]
    assert list(ranking["rank"]) == [1, 2, 3]
    for row, r in zip(ranking.itertuples(), response.results, strict=True):
        assert row.Index == r.bid_id
        assert row.evaluated_cost_SEK == r.evaluated_cost
        assert row.life_cycle_cost_SEK == r.life_cycle_cost
        assert row.climate_cost_SEK == r.climate_cost
        assert row.difference_to_best_share == pytest.approx(r.difference_to_best_percent / 100)
        assert row.emissions_total_kgCO2e == r.emissions_total


def test_absent_optional_values_are_na_not_numbers(offline_result: EvaluationResult) -> None:
    ranking = offline_result.ranking
    assert ranking.loc["B", "material_circularity"] == pytest.approx(0.71)
    assert ranking.loc["A", "material_circularity"] is pd.NA
    assert ranking["cost_per_functional_unit_SEK"].isna().all()
    assert str(ranking["material_circularity"].dtype) == "Float64"


def test_measures_statuses_are_text_and_values_na_when_not_ok(
    offline_result: EvaluationResult,
) -> None:
    m = offline_result.measures
    assert m.loc["A", "sir_status"] == "is_baseline"
    assert m.loc["A", "sir"] is pd.NA
    assert m.loc["B", "sir_status"] == "no_additional_investment"
    assert m.loc["B", "sir"] is pd.NA
    assert m.loc["C", "sir_status"] == "ok"
    assert m.loc["C", "sir"] == pytest.approx(1.8)
    assert m.loc["C", "simple_payback_years"] == 7
    assert m.loc["C", "discounted_payback_status"] == "never_pays_back"
    assert m.loc["C", "discounted_payback_years"] is pd.NA
    assert m.loc["B", "abatement_cost_SEK_per_tCO2e"] == pytest.approx(-1234.5)
    # Never NaN in a numeric float64 column: value columns are nullable extension types.
    for column in ("sir", "airr", "abatement_cost_SEK_per_tCO2e"):
        assert str(m[column].dtype) == "Float64"
    for column in ("simple_payback_years", "discounted_payback_years"):
        assert str(m[column].dtype) == "Int64"
    for column in frames.MEASURE_STATUS_COLUMNS:
        assert not m[column].isna().any()


def test_cost_by_category_sums_to_life_cycle_cost(offline_result: EvaluationResult) -> None:
    table = offline_result.cost_by_category
    assert list(table.index) == offline_result.bid_ids
    categories = [c.removesuffix("_SEK") for c in table.columns if c != "total_SEK"]
    assert categories[:2] == ["acquisition", "installation"]  # canonical order
    for r in offline_result.response.results:
        assert table.loc[r.bid_id, "total_SEK"] == pytest.approx(r.life_cycle_cost, abs=0.05)
        for category, value in r.cost_by_category.items():
            assert table.loc[r.bid_id, f"{category}_SEK"] == value


def test_emissions_total_is_the_response_total(offline_result: EvaluationResult) -> None:
    table = offline_result.emissions_by_module
    for r in offline_result.response.results:
        assert table.loc[r.bid_id, "total_kgCO2e"] == r.emissions_total
        assert table.loc[r.bid_id, "d_kgCO2e"] == -150.0  # reported, not in the total


def test_cash_flow_table_per_bid(offline_result: EvaluationResult) -> None:
    table = offline_result.cash_flow_table("A")
    assert table.index.names == ["year", "calendar_year"]
    assert table.index[0] == (0, 2027)
    assert table.index[-1] == (12, 2039)
    response_a = offline_result.bid("A")
    discounted = sum(cf.discounted for cf in response_a.cash_flow)
    assert table["total_SEK"].sum() == pytest.approx(discounted)
    undiscounted = offline_result.cash_flow_table("A", discounted=False)
    assert undiscounted.loc[(8, 2035), "replacement_SEK"] == pytest.approx(740000 * 1.05)


def test_cumulative_discounted_ends_at_the_total(offline_result: EvaluationResult) -> None:
    cumulative = offline_result.cumulative_discounted()
    assert cumulative.attrs["unit"] == "SEK"
    assert list(cumulative.columns) == offline_result.bid_ids
    for r in offline_result.response.results:
        assert cumulative[r.bid_id].iloc[-1] == pytest.approx(
            r.life_cycle_cost + r.climate_cost, abs=0.05
        )
    lcc_only = offline_result.cumulative_discounted(include_externalities=False)
    for r in offline_result.response.results:
        assert lcc_only[r.bid_id].iloc[-1] == pytest.approx(r.life_cycle_cost, abs=0.05)


def test_warnings_and_explanations(offline_result: EvaluationResult) -> None:
    warnings = offline_result.warnings
    assert list(warnings.columns) == ["code", "bid_id", "message"]
    assert list(warnings["code"]) == ["INCONCLUSIVE_RANKING", "NO_EMISSION_FACTOR"]
    explanations = offline_result.explanations
    assert set(explanations["quantity"]) == {"life_cycle_cost"}
    assert "discount_rate = 0.035 (real)" in explanations["inputs"].iloc[0]


def test_validate_only_response_gives_empty_frames(offline_result: EvaluationResult) -> None:
    response = result_pb2.EvaluateBidsResponse(
        method_digest="m" * 64, request_digest="r" * 64, currency="SEK", validated_only=True
    )
    result = EvaluationResult(offline_result.request, response)
    assert result.validated_only
    assert result.ranking.empty
    assert "evaluated_cost_SEK" in result.ranking.columns
    assert result.cost_by_category.empty
    assert result.measures.empty
    assert result.cash_flows.empty
    assert result.cumulative_discounted().empty


def test_reference_frames() -> None:
    from tests.client.fakes import fake_reference

    series, factors = fake_reference()
    s = frames.carbon_series_frame(series)
    assert s.loc[0, "points"] == "2020: 7 SEK/kgCO2e"
    assert s.loc[0, "price_base_year"] == 2017
    f = frames.emission_factors_frame(factors)
    assert f.loc[0, "factor"] == pytest.approx(0.059)
    assert frames.energy_contents_frame(factors).loc[0, "unit"] == "MJ/l"


# -- one convention for every frame (issue 17, item 7) ------------------------------------------

PER_BID_EVALUATION = ("ranking", "cost_by_category", "emissions_by_module", "measures")
LONG_EVALUATION = ("cash_flows", "emissions_by_year", "warnings", "explanations")
PER_BID_ANALYSIS = ("base", "win_probability", "percentiles")
LONG_ANALYSIS = (
    "tornado",
    "tornado_bids",
    "switching",
    "scenarios",
    "parameters",
    "assumptions",
    "warnings",
)


def _analysis(*, empty: bool = False, default: bool = False) -> AnalysisResult:
    """A hand-made analysis of bids A and B (B best), every part present unless ``empty``."""
    request = json_format.ParseDict(
        {
            "method": {"currency": "SEK"},
            "bids": [{"id": "A", "supplier": "Alfa AB"}, {"id": "B", "supplier": "Beta AB"}],
            "analysis": {
                "monte_carlo": {
                    "draws": 1000,
                    "seed": 3,
                    "distributions": [
                        {
                            "path": "carbon_price",
                            "mode": "PARAMETER_MODE_SCALE",
                            "triangular": {"low": 0.5, "most_likely": 1, "high": 2},
                        },
                        {
                            "path": "bids[*].items[*].resource_use[*].amount",
                            "mode": "PARAMETER_MODE_SCALE",
                            "independent": True,
                            "discrete": {"values": [0.95, 1.15], "probabilities": [0.5, 0.5]},
                        },
                    ],
                }
            },
        },
        analysis_pb2.AnalyzeRankingRequest(),
    )
    if empty:
        request.ClearField("analysis")
        return AnalysisResult(request, analysis_pb2.AnalyzeRankingResponse(currency="SEK"))
    pct = {"mean": 1000.0, "p5": 900.0, "p50": 1000.0, "p95": 1100.0}
    response = json_format.ParseDict(
        {
            "currency": "SEK",
            "base": [
                {"bid_id": "A", "comparison_number": 1200.5, "rank": 2},
                {"bid_id": "B", "comparison_number": 1000.25, "rank": 1},
            ],
            "parameters": [{"path": "carbon_price", "unit": "SEK/kgCO2e", "targets": 1}],
            "sensitivity": [
                {
                    "path": "carbon_price",
                    "mode": "PARAMETER_MODE_SCALE",
                    "low": 0.5,
                    "high": 2,
                    "gap_base": 200.25,
                    "gap_low": 250.0,
                    "gap_high": 100.0,
                    "swing": 150.0,
                    "best_at_low": ["B"],
                    "best_at_high": ["B"],
                    "bids": [
                        {"bid_id": "A", "base": 1200.5, "low": 1150.0, "high": 1300.0},
                        {"bid_id": "B", "base": 1000.25, "low": 900.0, "high": 1200.0},
                    ],
                }
            ],
            "switching": [
                {
                    "path": "carbon_price",
                    "mode": "PARAMETER_MODE_SCALE",
                    "low": 0,
                    "high": 10,
                    "status": "SWITCHING_STATUS_SWITCHES",
                    "best_at_low": "B",
                    "best_at_high": "A",
                    "points": [{"value": 4.5, "from_bid_id": "B", "to_bid_id": "A"}],
                }
            ],
            "scenarios": {
                "results": [
                    {
                        "name": "high energy",
                        "bids": [
                            {"bid_id": "A", "comparison_number": 1300.0, "rank": 2},
                            {"bid_id": "B", "comparison_number": 1100.0, "rank": 1},
                        ],
                        "best_bid_ids": ["B"],
                    }
                ],
                "winners_agree": True,
                "winners": ["B"],
            },
            "monte_carlo": {
                "draws": 1000,
                "seed": 3,
                "bids": [
                    {
                        "bid_id": "A",
                        "probability_best": 0.007,
                        "standard_error": 0.0026,
                        "comparison_number": pct,
                    },
                    {
                        "bid_id": "B",
                        "probability_best": 0.993,
                        "standard_error": 0.0026,
                        "comparison_number": pct,
                    },
                ],
                "gap": {"mean": 200.0, "p5": 50.0, "p50": 199.0, "p95": 350.0},
            },
            "warnings": [{"code": "INCONCLUSIVE_RANKING", "message": "close", "bid_id": "A"}],
        },
        analysis_pb2.AnalyzeRankingResponse(),
    )
    return AnalysisResult(request, response, default_analysis=default)


def _frames_of(result: object, names: Sequence[str]) -> dict[str, pd.DataFrame]:
    return {name: getattr(result, name) for name in names}


def test_every_per_bid_frame_is_indexed_by_bid_id(offline_result: EvaluationResult) -> None:
    for name, frame in _frames_of(offline_result, PER_BID_EVALUATION).items():
        assert frame.index.name == "bid_id", name
        assert str(frame.index.dtype) == "string", name
        assert "bid_id" not in frame.columns, name
    # ranking and measures in rank order, like the breakdowns
    assert list(offline_result.ranking.index) == offline_result.bid_ids == ["B", "C", "A"]
    assert list(offline_result.measures.index) == offline_result.bid_ids
    assert list(offline_result.cost_by_category.index) == offline_result.bid_ids
    analysis = _analysis()
    for name, frame in _frames_of(analysis, PER_BID_ANALYSIS).items():
        assert list(frame.index) == ["A", "B"], name  # request order
        assert frame.index.name == "bid_id", name
        assert "bid_id" not in frame.columns, name
    # so they join on the index
    joined = analysis.base.join(analysis.win_probability).join(analysis.percentiles)
    assert joined.loc["B", "probability_best"] == pytest.approx(0.993)
    # long frames keep bid_id as a column
    for name, frame in _frames_of(offline_result, LONG_EVALUATION).items():
        assert "bid_id" in frame.columns, name
    assert {"bid_id"} <= set(analysis.scenarios.columns) & set(analysis.tornado_bids.columns)


def test_the_gap_is_not_a_bid() -> None:
    analysis = _analysis()
    assert "gap" not in analysis.percentiles.index
    assert analysis.gap_percentiles.to_dict() == {
        "mean_SEK": 200.0,
        "p5_SEK": 50.0,
        "p50_SEK": 199.0,
        "p95_SEK": 350.0,
    }
    assert not analysis.gap_percentiles.isna().any()
    assert _analysis(empty=True).gap_percentiles.isna().all()


def test_empty_frames_have_the_dtypes_of_full_ones(offline_result: EvaluationResult) -> None:
    empty = EvaluationResult(
        offline_result.request, result_pb2.EvaluateBidsResponse(currency="SEK")
    )
    pairs = [
        (name, getattr(offline_result, name), getattr(empty, name))
        for name in (*PER_BID_EVALUATION, *LONG_EVALUATION)
    ]
    pairs += [
        (name, getattr(_analysis(), name), getattr(_analysis(empty=True), name))
        for name in (*PER_BID_ANALYSIS, *LONG_ANALYSIS)
    ]
    series, factors = fakes.fake_reference()
    for fn, full, none in (
        (frames.carbon_series_frame, series, reference_pb2.ListCarbonPriceSeriesResponse()),
        (frames.emission_factors_frame, factors, reference_pb2.ListEmissionFactorsResponse()),
        (frames.energy_contents_frame, factors, reference_pb2.ListEmissionFactorsResponse()),
    ):
        pairs.append((fn.__name__, fn(full), fn(none)))  # type: ignore[operator]
    for name, full_frame, empty_frame in pairs:
        assert len(full_frame), name
        assert empty_frame.empty, name
        # a breakdown has a column per category present; the ones it always has must agree
        shared = [c for c in full_frame.columns if c in empty_frame.columns]
        assert shared, name
        for column in shared:
            assert full_frame[column].dtype == empty_frame[column].dtype, (name, column)
        assert full_frame.index.dtype == empty_frame.index.dtype, name
        assert not any(full_frame[c].dtype == object for c in full_frame.columns), name
        if name not in ("cost_by_category", "emissions_by_module"):
            assert list(full_frame.columns) == list(empty_frame.columns), name


def test_proportions_are_fractions_and_format_as_percent(offline_result: EvaluationResult) -> None:
    ranking = offline_result.ranking
    for bid_id in offline_result.bid_ids:
        percent = offline_result.bid(bid_id).difference_to_best_percent
        assert ranking.loc[bid_id, "difference_to_best_share"] == pytest.approx(percent / 100)
    # no column anywhere is in percent
    analysis = _analysis()
    every = [
        *_frames_of(offline_result, (*PER_BID_EVALUATION, *LONG_EVALUATION)).values(),
        *_frames_of(analysis, (*PER_BID_ANALYSIS, *LONG_ANALYSIS)).values(),
    ]
    for frame in every:
        assert not [c for c in frame.columns if "percent" in str(c)]
    assert analysis.win_probability["probability_best"].sum() == pytest.approx(1.0)
    assert frames.is_fraction("airr")
    assert frames.is_fraction("probability_best")
    assert not frames.is_fraction("material_circularity")  # an indicator 0..1, not a percent
    # the formatter: text in the language, the frame untouched
    second = offline_result.bid_ids[1]
    percent = offline_result.bid(second).difference_to_best_percent
    shown = frames.format_percentages(ranking, "sv", decimals=2)
    assert shown.loc[second, "difference_to_best_share"] == f"{percent:.2f}\u00a0%".replace(
        ".", ","
    )
    assert shown.loc[second, "evaluated_cost_SEK"] == ranking.loc[second, "evaluated_cost_SEK"]
    assert ranking["difference_to_best_share"].dtype == "float64"
    measures = frames.format_percentages(offline_result.measures, "en", 2)
    assert measures.loc["A", "airr"] == "–"  # <NA> (the baseline has no AIRR)
    win = frames.format_percentages(analysis.win_probability, "en")
    assert win.loc["B", "probability_best"] == "99.3\u00a0%"


def test_one_name_per_quantity(offline_result: EvaluationResult) -> None:
    analysis = _analysis()
    names = set(offline_result.ranking.columns) | set(analysis.base.columns)
    names |= set(analysis.scenarios.columns)
    assert "evaluated_cost_SEK" in offline_result.ranking.columns
    assert "evaluated_cost_SEK" in analysis.base.columns
    assert "evaluated_cost_SEK" in analysis.scenarios.columns
    assert not [n for n in names if "comparison_number" in n]
    assert analysis.base.loc["B", "evaluated_cost_SEK"] == 1000.25
    # warnings: the same columns in both results
    assert list(analysis.warnings.columns) == list(offline_result.warnings.columns)
    # the mapping table names every column it maps
    doc = frames.__doc__ or ""
    for column in ("evaluated_cost_<CUR>", "difference_to_best_share", "gap_percentiles"):
        assert column in doc


def test_the_analysis_says_its_assumptions() -> None:
    analysis = _analysis(default=True)
    assert analysis.default_analysis
    assert not _analysis().default_analysis
    table = analysis.assumptions
    assert table["path"].tolist() == ["carbon_price", "bids[*].items[*].resource_use[*].amount"]
    assert table["distribution"].tolist() == ["triangular", "discrete"]
    assert table.loc[0, "parameters"] == "low=0.5, most_likely=1, high=2"
    assert table.loc[1, "parameters"] == "values=[0.95, 1.15], probabilities=[0.5, 0.5]"
    assert table["independent"].tolist() == [False, True]
    assert table["mode"].tolist() == ["scale", "scale"]


def test_frames_docstrings_run() -> None:
    failed, attempted = doctest.testmod(frames, optionflags=doctest.ELLIPSIS)
    assert attempted
    assert failed == 0
