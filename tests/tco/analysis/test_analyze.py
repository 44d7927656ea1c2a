"""The entry point: the spec's violations by path, determinism, digests and warnings."""

from __future__ import annotations

import pytest

from tco.analysis.analyze import analysis_digest, analyze_ranking
from tco.analysis.distributions import Discrete, Normal, Triangular
from tco.analysis.parameters import Mode, Setting
from tco.analysis.spec import (
    AnalysisSpec,
    MonteCarloSpec,
    ParameterDistribution,
    Scenario,
    SensitivityParameter,
    SwitchingParameter,
    ValueRange,
)
from tco.errors import InvalidTender
from tco.inputs import CarbonPrice, Quantity
from tests.tco.analysis.helpers import domain, evaluated, sample

SPEC = AnalysisSpec(
    sensitivity=(
        SensitivityParameter("resource_prices[*].price", percent=20),
        SensitivityParameter("discount_rate", delta=0.01),
        SensitivityParameter("carbon_price", range=ValueRange(Mode.VALUE, 0.0, 5.0)),
    ),
    switching=(SwitchingParameter("resource_prices[diesel].price", ValueRange(Mode.SCALE, 0, 5)),),
    scenarios=(
        Scenario("North", (Setting("resource_prices[electricity].price", Mode.VALUE, 0.9),)),
        Scenario("South", carbon_price=CarbonPrice(series_id="asek-7.0")),
    ),
    monte_carlo=MonteCarloSpec(
        draws=2_000,
        seed=9,
        distributions=(
            ParameterDistribution("carbon_price", Mode.SCALE, Triangular(0.5, 1.0, 2.0)),
            ParameterDistribution(
                "bids[*].items[*].service_life",
                Mode.SCALE,
                Discrete((0.8, 1.0, 1.2)),
                independent=True,
            ),
        ),
    ),
)


def test_everything_at_once_is_deterministic_and_matches_evaluate() -> None:
    tender = domain(sample())
    first = analyze_ranking(tender, SPEC)
    assert first == analyze_ranking(tender, SPEC)
    published = evaluated(sample())
    assert {b.bid_id: b.comparison_number for b in first.base} == published
    assert first.analysis_digest == analysis_digest(SPEC)
    assert len(first.analysis_digest) == 64
    assert first.monte_carlo is not None
    assert first.scenarios is not None
    assert [s.name for s in first.scenarios.results] == ["North", "South"]
    assert [p.path for p in first.parameters][:3] == [
        "resource_prices[*].price",
        "discount_rate",
        "carbon_price",
    ]
    codes = [w.code for w in first.warnings]
    # the South scenario's ASEK series (2017 prices) is re-based, held at the last KPI year
    assert "PRICE_INDEX_HELD" in codes


def test_an_empty_spec_gives_the_base_ranking() -> None:
    result = analyze_ranking(domain(sample()), AnalysisSpec())
    assert result.sensitivity == ()
    assert result.monte_carlo is None
    assert result.scenarios is None
    assert [b.rank for b in result.base] == [2, 1]


def test_the_digest_changes_with_the_spec() -> None:
    other = AnalysisSpec(monte_carlo=MonteCarloSpec(draws=2_000, seed=10))
    assert analysis_digest(other) != analysis_digest(
        AnalysisSpec(monte_carlo=MonteCarloSpec(draws=2_000, seed=9))
    )


def _violations(spec: AnalysisSpec) -> dict[str, str]:
    with pytest.raises(InvalidTender) as caught:
        analyze_ranking(domain(sample()), spec)
    return {v.field: v.description for v in caught.value.violations}


def test_every_problem_of_the_spec_is_named_by_its_path() -> None:
    spec = AnalysisSpec(
        sensitivity=(
            SensitivityParameter("resource_prices[coal].price", percent=10),
            SensitivityParameter("discount_rate"),
            SensitivityParameter("discount_rate", percent=-5),
            SensitivityParameter("carbon_price", range=ValueRange(None, 0, 1)),
        ),
        switching=(
            SwitchingParameter("carbon_price", ValueRange(Mode.VALUE, 5, 1)),
            SwitchingParameter("carbon_price", None),
        ),
        scenarios=(
            Scenario("", (Setting("nonsense", Mode.SCALE, 1.0),)),
            Scenario("Twice"),
            Scenario("Twice", (Setting("discount_rate", Mode.VALUE, float("inf")),)),
            Scenario(
                "Bad carbon",
                carbon_price=CarbonPrice(price=Quantity(2.0, "SEK/t")),
            ),
        ),
        monte_carlo=MonteCarloSpec(
            draws=-1,
            distributions=(
                ParameterDistribution("carbon_price", Mode.SCALE, Triangular(0, 3, 2)),
                ParameterDistribution("carbon_price", Mode.SCALE, None),
                ParameterDistribution("carbon_price", None, Normal(1, 0.1)),
            ),
        ),
    )
    found = _violations(spec)
    assert "not priced" in found["analysis.sensitivity[0].path"]
    assert "exactly one of" in found["analysis.sensitivity[1]"]
    assert "percent > 0" in found["analysis.sensitivity[2].percent"]
    assert "required" in found["analysis.sensitivity[3].range.mode"]
    assert found["analysis.switching[0].range.high"] == "expected high > low"
    assert "required" in found["analysis.switching[1].range"]
    assert "required" in found["analysis.scenarios[0].name"]
    assert "unknown parameter path" in found["analysis.scenarios[0].settings[0].path"]
    assert "used twice" in found["analysis.scenarios[2].name"]
    assert "finite" in found["analysis.scenarios[2].settings[0].value"]
    assert "analysis.scenarios[3].carbon_price.price.unit" in found
    assert "draws" in found["analysis.monte_carlo.draws"]
    assert "most_likely" in found["analysis.monte_carlo.distributions[0].triangular.most_likely"]
    assert "required" in found["analysis.monte_carlo.distributions[1]"]
    assert "required" in found["analysis.monte_carlo.distributions[2].mode"]


def test_a_tender_problem_keeps_its_tender_path() -> None:
    raw = sample()
    raw["method"]["discount_rate"] = 7.0
    with pytest.raises(InvalidTender) as caught:
        analyze_ranking(domain(raw), SPEC)
    assert [v.field for v in caught.value.violations] == ["method.discount_rate"]


def test_settings_outside_the_domain_are_violations_of_their_entry() -> None:
    spec = AnalysisSpec(
        sensitivity=(SensitivityParameter("discount_rate", range=ValueRange(Mode.VALUE, -2, 0)),),
        switching=(SwitchingParameter("bids[A].items[0].quantity", ValueRange(Mode.VALUE, -1, 2)),),
        scenarios=(
            Scenario("ok"),
            Scenario(
                "bad",
                (
                    Setting("carbon_price", Mode.SCALE, 2.0),
                    Setting("resource_prices[diesel].price", Mode.VALUE, float("1e30")),
                ),
            ),
        ),
        monte_carlo=MonteCarloSpec(
            draws=1_000,
            distributions=(
                ParameterDistribution("carbon_price", Mode.SCALE, Triangular(0.5, 1, 2)),
                ParameterDistribution("carbon_price", Mode.SHIFT, Normal(0, 100)),
            ),
        ),
    )
    found = _violations(spec)
    assert set(found) == {
        "analysis.sensitivity[0]",
        "analysis.switching[0]",
        "analysis.scenarios[1].settings[1]",
        "analysis.monte_carlo.distributions[1]",
    }


def test_too_many_draws_for_the_tender() -> None:
    found = _violations(
        AnalysisSpec(
            monte_carlo=MonteCarloSpec(
                draws=100_001,
                distributions=(ParameterDistribution("carbon_price", Mode.SCALE, Normal(1, 0.1)),),
            )
        )
    )
    assert "analysis.monte_carlo.draws" in found


def test_a_parameter_without_effect_is_warned_about() -> None:
    raw = sample()
    raw["method"]["resource_prices"].append(
        {"resource": "water", "price": {"value": 30, "unit": "SEK/m**3"}}
    )
    result = analyze_ranking(
        domain(raw),
        AnalysisSpec(
            sensitivity=(SensitivityParameter("resource_prices[water].price", percent=50),)
        ),
    )
    assert [w.code for w in result.warnings if w.code == "PARAMETER_WITHOUT_EFFECT"] == [
        "PARAMETER_WITHOUT_EFFECT"
    ]
    assert result.sensitivity[0].swing == 0.0
