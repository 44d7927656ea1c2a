"""DataFrames of a response (offline, hand-made response): columns, units, statuses, sums."""

from __future__ import annotations

import pandas as pd
import pytest

from tco_client import frames
from tco_client.result import EvaluationResult
from tcoapi.v1 import result_pb2


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
