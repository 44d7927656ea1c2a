"""The pipeline end to end on small tenders whose every figure was computed by hand.

Tender 1 (COST, d = 10 %, N = 2, END_OF_YEAR; UPV(10 %, 2) = 1/1.1 + 1/1.21 = 2.1/1.21):

- A: 1 000 + 100 installation at t = 0; 50 maintenance and 200 kWh x 1 SEK a year;
  0.5 kgCO2e/kWh x 2 SEK/kg -> 200 SEK climate cost a year.
  LCC = 1 100 + 250 x 2.1/1.21 = 1 533.884297... -> 1 533.88; CC = 200 x 2.1/1.21 = 347.11;
  evaluated 1 880.99; annual value = 1 100 x 1.21/2.1 + 250 = 883.81.
- B: 1 500 at t = 0; 100 kWh a year. LCC = 1 673.553719 -> 1 673.55; CC = 173.55;
  evaluated 1 847.11. B ranks first by 33.88 (1.834 %: inconclusive, < 10 %).

Tender 2 (DEDUCTIONS, d = 0, N = 6, carbon price 1 SEK/kg, baseline A):

- A: 2 units at 1 000 + 100, life 4, maintenance 60/yr, warranty 1 yr, end of life 30,
  A1-A3 200 kg, C1-C4 10 kg. Acquisition 2 000, installation 200, replacement at 4: 2 200,
  end of life at 4: 60, maintenance years 2, 3, 4, 6 (warranty renews at 4): 480, residual value
  at 6: 2 200 x 2/4 = 1 100. LCC = 3 840; emissions 400 + 400 (B4) + 20 = 820 kg.
- B: 2 units at 1 500, no life stated (= N), maintenance 40/yr, warranty 2 -> years 3..6: 320,
  end of life at 6: 60, explicit residual value ignored (life ends at N, warning). LCC = 3 380;
  emissions 600 + 20 = 620 kg; deduction 500 -> evaluated 3 380 + 620 - 500 = 3 500.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tco.errors import InvalidTender
from tco.evaluate import CASH_FLOW_CATEGORIES, evaluate, evaluate_prepared
from tco.inputs import (
    Bid,
    CarbonPrice,
    EmissionFactor,
    Item,
    Method,
    ModelKind,
    Quantity,
    ResourcePrice,
    ResourceUse,
    Tender,
)
from tco.prepared import CATEGORIES, PreparedTender
from tco.results import BidResult, Evaluation, MeasureStatus
from tco.version import __version__

from . import factory as f


def tender_one(**method: object) -> PreparedTender:
    n = 2
    electricity = f.resource(
        "electricity", 1.0, n, factor=0.5, basis="Nordic residual mix", source="method"
    )
    return f.tender(
        f.method(
            n,
            0.10,
            resources=[electricity],
            carbon=f.carbon_price(2.0, n, source="constant"),
            **method,  # type: ignore[arg-type]
        ),
        f.bid(
            "A",
            items=[
                f.item(
                    unit_price=1000,
                    installation_cost=100,
                    maintenance=50,
                    resource_use={"electricity": 200},
                )
            ],
        ),
        f.bid("B", items=[f.item(unit_price=1500, resource_use={"electricity": 100})]),
    )


def tender_two() -> PreparedTender:
    n = 6
    a = f.item(
        quantity=2,
        unit_price=1000,
        installation_cost=100,
        service_life=4,
        maintenance=60,
        warranty=1,
        end_of_life_cost=30,
        emissions={"a1_a3": 200.0, "c1_c4": 10.0},
    )
    b = f.item(
        quantity=2,
        unit_price=1500,
        maintenance=40,
        warranty=2,
        end_of_life_cost=30,
        residual_value=300,
        emissions={"a1_a3": 300.0, "c1_c4": 10.0},
    )
    return f.tender(
        f.method(n, 0.0, carbon=f.carbon_price(1.0, n), model=ModelKind.DEDUCTIONS, baseline="A"),
        f.bid("A", items=[a], functional_units=6),
        f.bid("B", items=[b], deductions=[500.0], functional_units=6),
        warnings=(("NO_EMISSION_FACTOR", "validation said so", ""),),
    )


def by_id(evaluation: Evaluation) -> dict[str, BidResult]:
    return {r.bid_id: r for r in evaluation.results}


def test_tender_one_headline_figures() -> None:
    evaluation = evaluate_prepared(tender_one(), method_digest="m", request_digest="r")
    assert [r.bid_id for r in evaluation.results] == ["B", "A"]
    a, b = by_id(evaluation)["A"], by_id(evaluation)["B"]
    assert (a.life_cycle_cost, a.climate_cost, a.evaluated_cost) == (1533.88, 347.11, 1880.99)
    assert (b.life_cycle_cost, b.climate_cost, b.evaluated_cost) == (1673.55, 173.55, 1847.11)
    assert a.annual_value == 883.81
    assert b.annual_value == round(1500 * 1.21 / 2.1 + 100, 2) == 964.29
    assert a.life_cycle_cost_undiscounted == 1600.0
    assert (a.rank, b.rank, a.tied, b.tied) == (2, 1, False, False)
    assert a.difference_to_best == 33.88
    assert b.difference_to_best == 0.0
    assert a.difference_to_best_percent == pytest.approx(100 * 33.88 / 1847.11)
    assert a.emissions_total == 200.0
    assert b.emissions_by_module["b6"] == 100.0
    assert a.emissions_by_year == (0.0, 100.0, 100.0)
    assert a.cost_by_category["energy"] == 347.11
    assert a.cost_by_category["maintenance"] == 86.78
    assert a.cost_by_category["acquisition"] == 1000.0
    assert a.measures is None
    assert a.material_circularity is None
    assert a.cost_per_functional_unit is None
    assert [w.code for w in evaluation.warnings] == ["INCONCLUSIVE_RANKING"]
    assert evaluation.currency == "SEK"
    assert (evaluation.method_digest, evaluation.request_digest) == ("m", "r")
    assert evaluation.engine_version == __version__
    assert evaluation.validated_only is False


def test_tender_one_cash_flows_are_rounded_and_labelled() -> None:
    a = by_id(evaluate_prepared(tender_one()))["A"]
    assert a.cash_flow_categories == (*CATEGORIES, "climate", "pollutants")
    assert a.cash_flow_categories == CASH_FLOW_CATEGORIES
    assert a.calendar_years == (2027, 2028, 2029)
    assert a.cash_flow_undiscounted.shape == (len(CASH_FLOW_CATEGORIES), 3)
    climate = CASH_FLOW_CATEGORIES.index("climate")
    energy = CASH_FLOW_CATEGORIES.index("energy")
    assert a.cash_flow_undiscounted[climate].tolist() == [0.0, 200.0, 200.0]
    assert a.cash_flow_discounted[climate].tolist() == [0.0, 181.82, 165.29]
    assert a.cash_flow_discounted[energy].tolist() == [0.0, 181.82, 165.29]
    table = a.cash_flow_table()
    assert set(table["category"]) == {
        "acquisition",
        "installation",
        "energy",
        "maintenance",
        "climate",
    }
    assert table["undiscounted"].sum() == 2000.0


def test_tender_one_explanations_name_their_inputs() -> None:
    a = by_id(evaluate_prepared(tender_one()))["A"]
    explained = {e.quantity: e for e in a.explanations}
    assert set(explained) >= {
        "life_cycle_cost",
        "climate_cost",
        "externality_cost",
        "evaluated_cost",
        "annual_value",
    }
    lcc = explained["life_cycle_cost"]
    assert lcc.value == 1533.88
    assert "discount_rate = 0.1 (real)" in lcc.inputs
    assert any(line.startswith("timing = end_of_year") for line in lcc.inputs)
    assert "study_period_years N = 2" in lcc.inputs
    climate = explained["climate_cost"]
    assert climate.value == 347.11
    text = " ".join(climate.inputs)
    assert "carbon price: constant" in text
    assert "basis: Nordic residual mix" in text
    assert "source: method" in text
    assert "module D reported separately" in text
    assert explained["evaluated_cost"].value == 1880.99
    annual = explained["annual_value"]
    assert annual.value == 883.81
    assert "UPV(d, N) = 1.73553719" in annual.inputs[1]


def test_tender_two_replacements_residual_value_warranty_and_deductions() -> None:
    evaluation = evaluate_prepared(tender_two())
    results = by_id(evaluation)
    a, b = results["A"], results["B"]
    assert a.life_cycle_cost == 3840.0
    assert a.cost_by_category == {
        "acquisition": 2000.0,
        "installation": 200.0,
        "energy": 0.0,
        "water_and_resources": 0.0,
        "maintenance": 480.0,
        "operation": 0.0,
        "replacement": 2200.0,
        "end_of_life": 60.0,
        "residual_value": -1100.0,
        "other": 0.0,
    }
    assert a.emissions_total == 820.0
    assert a.emissions_by_module["b4"] == 400.0
    assert a.climate_cost == 820.0
    assert a.evaluated_cost == 4660.0
    # B's item lasts exactly the study period: its buy-back of 2 x 300 is booked at N (§3).
    assert b.life_cycle_cost == 2780.0
    assert b.cost_by_category["residual_value"] == -600.0
    assert b.emissions_total == 620.0
    assert b.deductions == 500.0
    assert b.evaluated_cost == 2900.0
    assert [r.bid_id for r in evaluation.results] == ["B", "A"]
    assert a.difference_to_best == 1760.0
    assert b.cost_per_functional_unit == 483.33
    residual = CASH_FLOW_CATEGORIES.index("residual_value")
    assert a.cash_flow_undiscounted[residual].tolist() == [0.0] * 6 + [-1100.0]
    maintenance = CASH_FLOW_CATEGORIES.index("maintenance")
    assert a.cash_flow_undiscounted[maintenance].tolist() == [0, 0, 120, 120, 120, 0, 120]
    climate = CASH_FLOW_CATEGORIES.index("climate")
    assert a.cash_flow_undiscounted[climate].tolist() == [400, 0, 0, 0, 420, 0, 0]
    codes = [(w.code, w.bid_id) for w in evaluation.warnings]
    assert codes == [("NO_EMISSION_FACTOR", "")]


def test_tender_two_measures_against_the_baseline() -> None:
    results = by_id(evaluate_prepared(tender_two()))
    a, b = results["A"], results["B"]
    assert a.measures is not None
    assert a.measures.sir_status is MeasureStatus.IS_BASELINE
    assert b.measures is not None
    assert b.measures.baseline_bid_id == "A"
    assert b.measures.net_savings == 1060.0
    assert b.measures.additional_investment == -900.0
    assert b.measures.operational_savings == 160.0
    assert b.measures.sir is None
    assert b.measures.sir_status is MeasureStatus.NO_ADDITIONAL_INVESTMENT
    # abatement: (2 780 - 3 840) / (0.820 - 0.620) t = -5 300 per tCO2e
    assert b.measures.abatement_cost == -5300.0
    assert (b.measures.rate_basis, b.measures.discount_rate) == ("real", 0.0)


def test_fictive_discount_ladder_example() -> None:
    tender = f.tender(
        f.method(1, 0.0, model=ModelKind.FICTIVE_DISCOUNT, ladder={1: 0.01, 2: 0.02, 3: 0.04}),
        f.bid("A", items=[f.item(unit_price=30e6)], ladder_level=3),
        f.bid("B", items=[f.item(unit_price=29e6)]),
    )
    results = by_id(evaluate_prepared(tender))
    assert results["A"].evaluated_cost == 28_800_000.0
    assert results["A"].deductions == 1_200_000.0
    assert results["A"].rank == 1
    assert results["B"].evaluated_cost == 29_000_000.0


def test_ties_share_a_rank_keep_request_order_and_warn() -> None:
    tender = f.tender(
        f.method(3, 0.03),
        f.bid("X", items=[f.item(unit_price=500.0)]),
        f.bid("Y", items=[f.item(unit_price=100.0, maintenance=200.0)]),
        f.bid("Z", items=[f.item(unit_price=100.0, maintenance=200.0)]),
        f.bid("W", items=[f.item(unit_price=500.0)]),
    )
    evaluation = evaluate_prepared(tender)
    assert [(r.bid_id, r.rank, r.tied) for r in evaluation.results] == [
        ("X", 1, True),
        ("W", 1, True),
        ("Y", 3, True),
        ("Z", 3, True),
    ]
    assert "TIE" in [w.code for w in evaluation.warnings]


def test_functional_units_zero_gives_none() -> None:
    tender = f.tender(f.method(2), f.bid("A", items=[f.item(unit_price=10.0)]))
    assert evaluate_prepared(tender).results[0].cost_per_functional_unit is None


def test_identical_input_gives_bit_identical_output() -> None:
    first = evaluate_prepared(tender_two())
    second = evaluate_prepared(tender_two())
    assert _fingerprint(first) == _fingerprint(second)


def _fingerprint(evaluation: Evaluation) -> list[object]:
    out: list[object] = [evaluation.warnings, evaluation.currency]
    for r in evaluation.results:
        out.append(
            (
                r.bid_id,
                r.rank,
                r.life_cycle_cost.hex(),
                r.evaluated_cost.hex(),
                r.explanations,
                r.cash_flow_undiscounted.tobytes(),
                r.cash_flow_discounted.tobytes(),
                r.emissions_by_year,
                r.measures,
            )
        )
    return out


def test_no_bids_with_costs_ranks_zero_costs() -> None:
    evaluation = evaluate_prepared(f.tender(f.method(2), f.bid("A"), f.bid("B")))
    assert [r.evaluated_cost for r in evaluation.results] == [0.0, 0.0]
    assert all(r.tied for r in evaluation.results)
    assert np.all(evaluation.results[0].cash_flow_undiscounted == 0.0)


# --- end to end from tco.inputs (validation, digests, evaluation) ----------------------------


def inputs_tender_one(carbon_price: tuple[float, str] = (2000.0, "SEK/tCO2e")) -> Tender:
    """Tender 1 as the buyer and the tenderers write it (units as strings)."""
    method = Method(
        currency="SEK",
        base_year=2027,
        study_period_years=2,
        discount_rate=0.10,
        resource_prices=(ResourcePrice("electricity", Quantity(1.0, "SEK/kWh")),),
        emission_factors=(
            EmissionFactor("electricity", Quantity(0.5, "kgCO2e/kWh"), basis="Nordic residual mix"),
        ),
        carbon_price=CarbonPrice(price=Quantity(*carbon_price)),
    )
    a = Item(
        name="pump A",
        unit_price=Quantity(1000.0, "SEK"),
        installation_cost=Quantity(100.0, "SEK"),
        maintenance_cost=Quantity(50.0, "SEK/year"),
        service_life=Quantity(2.0, "years"),
        resource_use=(ResourceUse("electricity", Quantity(200.0, "kWh/year")),),
    )
    b = Item(
        name="pump B",
        unit_price=Quantity(1500.0, "SEK"),
        service_life=Quantity(2.0, "years"),
        resource_use=(ResourceUse("electricity", Quantity(0.1, "MWh/year")),),
    )
    return Tender(method=method, bids=(Bid("A", items=(a,)), Bid("B", items=(b,))))


def test_end_to_end_from_inputs() -> None:
    evaluation = evaluate(inputs_tender_one())
    results = by_id(evaluation)
    assert [r.bid_id for r in evaluation.results] == ["B", "A"]
    assert (results["A"].life_cycle_cost, results["A"].climate_cost) == (1533.88, 347.11)
    assert (results["B"].life_cycle_cost, results["B"].climate_cost) == (1673.55, 173.55)
    assert results["B"].evaluated_cost == 1847.11
    assert len(evaluation.method_digest) == 64
    assert len(evaluation.request_digest) == 64
    again = evaluate(inputs_tender_one())
    assert _fingerprint(again) == _fingerprint(evaluation)
    assert again.request_digest == evaluation.request_digest


def test_end_to_end_validate_only_computes_nothing() -> None:
    evaluation = evaluate(inputs_tender_one(), validate_only=True)
    assert evaluation.validated_only is True
    assert evaluation.results == ()
    assert len(evaluation.method_digest) == 64


def test_end_to_end_invalid_tender_raises() -> None:
    tender = inputs_tender_one()
    broken = dataclasses.replace(
        tender, method=dataclasses.replace(tender.method, study_period_years=0)
    )
    with pytest.raises(InvalidTender):
        evaluate(broken)
