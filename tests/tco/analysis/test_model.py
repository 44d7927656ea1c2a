"""The vectorised re-evaluation agrees with evaluate() on the modified tender, for every kind.

Two independent routes for each parameter kind:

1. the tender is changed *as the buyer or tenderer would write it* (the JSON document, units and
   all), validated and evaluated by the engine's own pipeline; the vectorised numbers of the
   unchanged tender with the setting must agree to 1e-9 relative, and rounding them half-up
   must give exactly evaluate()'s published comparison numbers;
2. :func:`apply_settings` (the prepared tender changed field by field) for many settings, every
   timing convention, nominal rates and every evaluation model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from tco import validate
from tco.analysis import model as model_module
from tco.analysis.model import (
    DomainError,
    ParametricModel,
    apply_settings,
    reference_comparison_numbers,
)
from tco.analysis.parameters import Mode, resolve
from tco.evaluate import evaluate
from tco.inputs import ModelKind, Timing
from tco.rounding import round_array_money
from tco.validate import limits as validation_limits
from tests.tco import factory as f
from tests.tco.analysis.helpers import domain, modified, prepared, sample, vectorised

RTOL = 1e-9


def _set(path: list[Any], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(raw: dict[str, Any]) -> None:
        node: Any = raw
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return change


def _scale_carbon(factor: float) -> Callable[[dict[str, Any]], None]:
    def change(raw: dict[str, Any]) -> None:
        for point in raw["method"]["carbon_price"]["points"]:
            point["price"]["value"] *= factor

    return change


def _scale_factor(resource: str, factor: float) -> Callable[[dict[str, Any]], None]:
    def change(raw: dict[str, Any]) -> None:
        for ef in raw["method"]["emission_factors"]:
            if ef["resource"] == resource:
                ef["factor"]["value"] *= factor
                for point in ef.get("trajectory", []):
                    point["factor"]["value"] *= factor

    return change


def _every_item(field: str, fn: Callable[[Any], Any]) -> Callable[[dict[str, Any]], None]:
    def change(raw: dict[str, Any]) -> None:
        for bid in raw["bids"]:
            for item in bid["items"]:
                if field in item:
                    item[field] = fn(item[field])

    return change


def _years(value: float) -> dict[str, Any]:
    return {"value": value, "unit": "years"}


#: (path, mode, value, change of the JSON tender that means the same)
CASES: list[tuple[str, Mode, float, Callable[[dict[str, Any]], None]]] = [
    ("discount_rate", Mode.VALUE, 0.06, _set(["method", "discount_rate"], 0.06)),
    ("discount_rate", Mode.SHIFT, -0.02, _set(["method", "discount_rate"], 0.035 - 0.02)),
    ("carbon_price", Mode.SCALE, 1.7, _scale_carbon(1.7)),
    (
        "carbon_price",
        Mode.VALUE,
        4.2,
        _set(["method", "carbon_price"], {"price": {"value": 4.2, "unit": "SEK/kgCO2e"}}),
    ),
    (
        "resource_prices[electricity].price",
        Mode.VALUE,
        2.0,
        _set(["method", "resource_prices", 0, "price"], {"value": 2.0, "unit": "SEK/kWh"}),
    ),
    (
        "resource_prices[diesel].price",
        Mode.SCALE,
        0.5,
        _set(["method", "resource_prices", 1, "price"], {"value": 8.75, "unit": "SEK/l"}),
    ),
    (
        "resource_prices[diesel].escalation",
        Mode.VALUE,
        0.03,
        _set(["method", "resource_prices", 1, "escalation"], 0.03),
    ),
    (
        "resource_prices[electricity].escalation",
        Mode.SHIFT,
        0.01,
        _set(["method", "resource_prices", 0, "escalation"], 0.02),
    ),
    ("emission_factors[electricity].factor", Mode.SCALE, 2.0, _scale_factor("electricity", 2.0)),
    (
        "emission_factors[diesel].factor",
        Mode.VALUE,
        3.5,
        _set(["method", "emission_factors", 1, "factor"], {"value": 3.5, "unit": "kgCO2e/l"}),
    ),
    (
        "bids[A].items[0].service_life",
        Mode.VALUE,
        6.0,
        _set(["bids", 0, "items", 0, "service_life"], _years(6.0)),
    ),
    (
        "bids[*].items[*].service_life",
        Mode.SCALE,
        0.75,
        _every_item("service_life", lambda q: _years(q["value"] * 0.75)),
    ),
    (
        "bids[A].items[0].service_life",
        Mode.SHIFT,
        2.5,
        _set(["bids", 0, "items", 0, "service_life"], _years(10.5)),
    ),
    ("bids[*].items[*].quantity", Mode.SCALE, 1.5, _every_item("quantity", lambda q: q * 1.5)),
    (
        "bids[B].items[0].unit_price",
        Mode.VALUE,
        150_000.0,
        _set(["bids", 1, "items", 0, "unit_price"], {"value": 150_000, "unit": "SEK"}),
    ),
    (
        "bids[B].items[0].resource_use[0].amount",
        Mode.VALUE,
        3000.0,
        _set(
            ["bids", 1, "items", 0, "resource_use", 0, "amount"],
            {"value": 3000, "unit": "kWh/year"},
        ),
    ),
    (
        "bids[*].items[*].resource_use[diesel].amount",
        Mode.SCALE,
        1.25,
        _set(
            ["bids", 0, "items", 0, "resource_use", 0, "amount"],
            {"value": 1125, "unit": "l/year"},
        ),
    ),
]


@pytest.mark.parametrize(("path", "mode", "value", "change"), CASES, ids=[c[0] for c in CASES])
def test_agrees_with_evaluate_of_the_changed_tender(
    path: str, mode: Mode, value: float, change: Callable[[dict[str, Any]], None]
) -> None:
    raw = sample()
    _, numbers = vectorised(raw, path, mode, [value])
    changed = modified(raw, change)
    reference = reference_comparison_numbers(validate.prepare(domain(changed)))
    np.testing.assert_allclose(numbers[0], reference, rtol=RTOL, atol=0)
    published = {r.bid_id: r.evaluated_cost for r in evaluate(domain(changed)).results}
    rounded = round_array_money(reference, 2)
    assert [published[b["id"]] for b in changed["bids"]] == rounded.tolist()
    # And the setting really changed something (a test that cannot fail proves nothing).
    assert not np.allclose(reference, reference_comparison_numbers(prepared(raw)))


def test_nominal_analysis_discount_and_escalation_are_in_the_stated_basis() -> None:
    raw = sample()
    raw["method"].update(rate_basis="RATE_BASIS_NOMINAL", inflation_rate=0.02, discount_rate=0.05)
    for path, mode, value, key, index in (
        ("discount_rate", Mode.VALUE, 0.07, "discount_rate", None),
        ("resource_prices[diesel].escalation", Mode.VALUE, 0.04, "escalation", 1),
        ("resource_prices[electricity].escalation", Mode.SHIFT, 0.01, "escalation", 0),
    ):
        _, numbers = vectorised(raw, path, mode, [value])
        changed = modified(raw, lambda r: None)
        if index is None:
            changed["method"][key] = value
        else:
            entry = changed["method"]["resource_prices"][index]
            entry[key] = value if mode is Mode.VALUE else entry.get(key, 0.0) + value
        reference = reference_comparison_numbers(validate.prepare(domain(changed)))
        np.testing.assert_allclose(numbers[0], reference, rtol=RTOL, atol=0)


# --- many settings, every convention ----------------------------------------------------------


def _rich_tender(timing: Timing, model: ModelKind, *, undiscounted: bool = False) -> Any:
    n = 15
    m = f.method(
        n,
        0.04,
        timing=timing,
        resources=[
            f.resource("electricity", 1.2, n, escalation=[0.01] * 5 + [0.02] * 10, factor=0.05),
            f.resource("diesel", 17.0, n, unit="l", escalation=0.015, factor=2.98),
        ],
        carbon=f.carbon_price(np.linspace(1.0, 3.0, n + 1).tolist(), n, undiscounted=undiscounted),
        pollutant_prices={"nox": (44.0, False), "pm": (870.0, True)},
        model=model,
        ladder={1: 0.02, 2: 0.05},
        externality_factor=1.5,
    )
    a = f.bid(
        "A",
        items=[
            f.item(
                quantity=3,
                unit_price=90_000,
                installation_cost=4_000,
                service_life=6.5,
                resource_use={"diesel": 800.0},
                maintenance=5_000,
                warranty=1.5,
                end_of_life_cost=2_000,
                emissions={"a1_a3": 1_500.0, "c1_c4": 50.0, "d": -100.0},
                pollutants={"nox": 4.0, "pm": 0.2},
            ),
            f.item(unit_price=20_000, service_life=None, resource_use={"electricity": 300.0}),
        ],
        costs=[f.stream(3_000, category="operation", first_year=1, every_years=1, escalation=0.01)],
        deductions=[10_000],
        ladder_level=1,
    )
    b = f.bid(
        "B",
        items=[
            f.item(
                quantity=3,
                unit_price=140_000,
                service_life=10.0,
                resource_use={"electricity": 9_000.0},
                maintenance=3_000,
                warranty=3.0,
                residual_value=15_000,
                emissions={"a1_a3": 900.0, "c1_c4": 40.0},
            )
        ],
        deductions=[25_000],
        ladder_level=2,
    )
    c = f.bid("C", items=[f.item(unit_price=300_000, service_life=20.0)])
    return f.tender(m, a, b, c)


SETTINGS = [
    ("discount_rate", Mode.VALUE, [0.0, 0.02, 0.08]),
    ("carbon_price", Mode.SCALE, [0.0, 2.5]),
    ("carbon_price", Mode.SHIFT, [0.5]),
    ("resource_prices[*].price", Mode.SCALE, [0.6, 1.4]),
    ("resource_prices[electricity].escalation", Mode.SCALE, [2.0]),
    ("resource_prices[diesel].escalation", Mode.VALUE, [-0.01]),
    ("emission_factors[*].factor", Mode.SHIFT, [0.1]),
    ("bids[*].items[*].service_life", Mode.VALUE, [2.5, 7.25, 16.0]),
    ("bids[A].items[0].service_life", Mode.SCALE, [0.5, 1.9]),
    ("bids[A].items[*].quantity", Mode.VALUE, [1.0, 7.0]),
    ("bids[B].items[0].unit_price", Mode.SHIFT, [-60_000.0]),
    ("bids[*].items[*].resource_use[*].amount", Mode.SCALE, [0.0, 1.3]),
]


@pytest.mark.parametrize("timing", list(Timing))
@pytest.mark.parametrize("kind", list(ModelKind))
def test_agrees_with_apply_settings_for_every_timing_and_model(
    timing: Timing, kind: ModelKind
) -> None:
    tender = _rich_tender(timing, kind)
    np.testing.assert_allclose(
        ParametricModel(tender).comparison_numbers([], np.zeros((1, 0)))[0],
        reference_comparison_numbers(tender),
        rtol=RTOL,
    )
    _agrees_for_every_setting(tender)


def test_undiscounted_carbon_price() -> None:
    _agrees_for_every_setting(_rich_tender(Timing.MID_YEAR, ModelKind.COST, undiscounted=True))


def _agrees_for_every_setting(tender: Any) -> None:
    """Each of SETTINGS through the parametric model equals the tender re-built with it."""
    model = ParametricModel(tender)
    for path, mode, values in SETTINGS:
        parameter = resolve(path, mode, tender)
        numbers = model.comparison_numbers([parameter], np.array(values)[:, None])
        for row, value in enumerate(values):
            expected = reference_comparison_numbers(apply_settings(tender, [parameter], [value]))
            np.testing.assert_allclose(numbers[row], expected, rtol=RTOL, err_msg=path)


def test_several_parameters_at_once_and_mixed_structural_draws() -> None:
    tender = _rich_tender(Timing.END_OF_YEAR, ModelKind.DEDUCTIONS)
    parameters = [
        resolve("discount_rate", Mode.SHIFT, tender),
        resolve("bids[*].items[*].service_life", Mode.SCALE, tender),
        resolve("resource_prices[electricity].price", Mode.SCALE, tender),
        resolve("bids[A].items[0].quantity", Mode.VALUE, tender),
        resolve("carbon_price", Mode.SCALE, tender),
    ]
    rng = np.random.default_rng(5)
    k = 40
    values = np.column_stack(
        [
            rng.uniform(-0.02, 0.02, k),
            rng.choice([0.8, 1.0, 1.2], k),
            rng.uniform(0.5, 1.5, k),
            rng.choice([2.0, 3.0], k),
            rng.uniform(0.0, 3.0, k),
        ]
    )
    numbers = ParametricModel(tender).comparison_numbers(parameters, values)
    for row in range(k):
        expected = reference_comparison_numbers(apply_settings(tender, parameters, values[row]))
        np.testing.assert_allclose(numbers[row], expected, rtol=RTOL)


def test_results_do_not_depend_on_the_chunk_size(monkeypatch: pytest.MonkeyPatch) -> None:
    tender = _rich_tender(Timing.END_OF_YEAR, ModelKind.COST)
    parameters = [
        resolve("discount_rate", Mode.VALUE, tender),
        resolve("bids[*].items[*].service_life", Mode.SCALE, tender),
    ]
    rng = np.random.default_rng(1)
    values = np.column_stack([rng.uniform(0.0, 0.06, 300), rng.choice([0.9, 1.1], 300)])
    whole = ParametricModel(tender).comparison_numbers(parameters, values)
    monkeypatch.setattr(model_module, "CHUNK_ELEMENTS", 200)
    chunked = ParametricModel(tender).comparison_numbers(parameters, values)
    assert whole.tobytes() == chunked.tobytes()


def test_scenario_mask_leaves_inactive_parameters_as_stated() -> None:
    tender = _rich_tender(Timing.END_OF_YEAR, ModelKind.COST)
    parameters = [
        resolve("discount_rate", Mode.VALUE, tender),
        resolve("bids[A].items[0].service_life", Mode.VALUE, tender),
    ]
    values = np.array([[0.07, 3.0], [0.07, 3.0]])
    active = np.array([[True, False], [False, True]])
    numbers = ParametricModel(tender).comparison_numbers(parameters, values, active=active)
    np.testing.assert_allclose(
        numbers[0],
        reference_comparison_numbers(apply_settings(tender, parameters[:1], [0.07])),
        rtol=RTOL,
    )
    np.testing.assert_allclose(
        numbers[1],
        reference_comparison_numbers(apply_settings(tender, parameters[1:], [3.0])),
        rtol=RTOL,
    )


@pytest.mark.parametrize(
    ("path", "mode", "value"),
    [
        ("discount_rate", Mode.VALUE, -1.0),
        ("discount_rate", Mode.SHIFT, 2.0),
        ("carbon_price", Mode.SHIFT, -10.0),
        ("emission_factors[diesel].factor", Mode.SCALE, -1.0),
        ("bids[A].items[0].service_life", Mode.VALUE, 0.0),
        ("bids[A].items[0].service_life", Mode.VALUE, 0.001),
        ("bids[A].items[0].quantity", Mode.SCALE, 0.0),
        ("bids[B].items[0].unit_price", Mode.VALUE, -1.0),
        ("bids[B].items[0].resource_use[0].amount", Mode.SHIFT, -1e9),
        ("resource_prices[diesel].price", Mode.VALUE, float("nan")),
    ],
)
def test_settings_outside_the_domain_are_refused(path: str, mode: Mode, value: float) -> None:
    tender = _rich_tender(Timing.END_OF_YEAR, ModelKind.COST)
    parameter = resolve(path, mode, tender)
    with pytest.raises(DomainError) as caught:
        ParametricModel(tender).comparison_numbers(
            [resolve("carbon_price", Mode.SCALE, tender), parameter], np.array([[1.0, value]])
        )
    assert caught.value.index == 1


def test_limits_repeated_in_the_model_equal_the_engines() -> None:
    assert model_module.MAX_QUANTITY == validation_limits.MAX_QUANTITY
    assert model_module.MAX_REPLACEMENTS == validation_limits.MAX_REPLACEMENTS
    assert model_module.MAX_MAGNITUDE == validation_limits.MAX_MAGNITUDE
    assert model_module.MAX_RATE == validation_limits.MAX_RATE


def test_a_priced_resource_no_bid_uses_changes_nothing() -> None:
    n = 5
    m = f.method(n, 0.03, resources=[f.resource("water", 30.0, n, unit="m**3")])
    tender = f.tender(m, f.bid("A", items=[f.item(unit_price=100.0)]))
    parameter = resolve("resource_prices[water].price", Mode.SCALE, tender)
    numbers = ParametricModel(tender).comparison_numbers([parameter], np.array([[3.0]]))
    assert numbers.tolist() == [[100.0]]
