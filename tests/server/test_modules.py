"""In-process tests of the server's pure modules: conversion, limits, error statuses.

The end-to-end tests cover the same paths through a real port; these pin the details that are
awkward to reach from outside (the detail-size budget, an exception's frames, unset fields). The
errors of :func:`tco_server.limits.check_request` are pinned word for word by the goldens
(``tests/server/test_conversion_golden.py``, ``limits.json``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import grpc
import numpy as np
import pytest
from google.rpc import status_pb2

from tco import inputs, results
from tco.errors import FieldViolation, InvalidTender
from tco_server import convert_in, convert_out, errors
from tcoapi.v1 import result_pb2, tender_pb2
from tests.server.conftest import load_sample_request, status_details


def _details(status: grpc.Status) -> tuple[list[tuple[str, str]], str, str, dict[str, str]]:
    """Decode the details trailer exactly as a client would."""
    (raw,) = [v for k, v in status.trailing_metadata if k == "grpc-status-details-bin"]
    decoded = status_pb2.Status.FromString(raw)
    assert decoded.code == status.code.value[0]
    return status_details(decoded)


# -- convert_in ----------------------------------------------------------------------------------


def test_unset_messages_and_unspecified_enums_get_documented_defaults() -> None:
    request = tender_pb2.EvaluateBidsRequest(
        bids=[tender_pb2.Bid(id="x", items=[tender_pb2.Item()])]
    )
    tender = convert_in.to_tender(request)
    assert tender.method.currency == ""  # an unset method reads as the empty one
    assert tender.method.rate_basis is inputs.RateBasis.REAL
    assert tender.method.timing is inputs.Timing.END_OF_YEAR
    assert tender.method.evaluation_model == inputs.EvaluationModel(externality_factor=None)
    assert tender.method.carbon_price is None
    assert tender.bids[0].items[0].emissions == inputs.Emissions()
    # explicit presence: a number left out is None, never 0 (the engine refuses a required one)
    assert tender.bids[0].items[0].quantity is None
    assert tender.method.discount_rate is None
    assert tender.method.inflation_rate is None
    explicit = tender_pb2.Item(quantity=0.0)
    assert (
        convert_in.to_tender(
            tender_pb2.EvaluateBidsRequest(bids=[tender_pb2.Bid(id="x", items=[explicit])])
        )
        .bids[0]
        .items[0]
        .quantity
        == 0.0
    )  # sent as 0: copied as is; the engine refuses it


def test_exchange_rates_are_in_key_order() -> None:
    request = tender_pb2.EvaluateBidsRequest()
    for code in ("USD", "EUR", "NOK", "DKK"):
        request.method.exchange_rates[code] = 1.0
    tender = convert_in.to_tender(request)
    assert list(tender.method.exchange_rates) == ["DKK", "EUR", "NOK", "USD"]


# -- errors --------------------------------------------------------------------------------------


def test_invalid_tender_status_lists_every_violation_with_its_path() -> None:
    error = InvalidTender(
        [FieldViolation("bids[0].id", "must not be empty"), FieldViolation("method.currency", "x")]
    )
    status = errors.invalid_tender_status(error)
    assert status.code.name == "INVALID_ARGUMENT"
    violations, reason, domain, metadata = _details(status)
    assert violations == [("bids[0].id", "must not be empty"), ("method.currency", "x")]
    assert (reason, domain, metadata) == ("INVALID_TENDER", errors.DOMAIN, {"violations": "2"})
    assert status.details.startswith("2 invalid field(s): bids[0].id: must not be empty")


def test_many_violations_stay_within_the_trailer_budget() -> None:
    error = InvalidTender(
        [FieldViolation(f"bids[{i}].items[0].unit_price.unit", "d" * 500) for i in range(1000)]
    )
    status = errors.invalid_tender_status(error)
    violations, _, _, metadata = _details(status)
    size = sum(len(v) for k, v in status.trailing_metadata if k == "grpc-status-details-bin")
    assert size < 6000
    assert metadata["violations"] == "1000"
    assert int(metadata["reported"]) == len(violations) < 1000
    assert all(len(description) <= errors.MAX_DETAIL_TEXT for _, description in violations)
    assert len(status.details) <= errors.MAX_MESSAGE


def test_internal_status_carries_only_the_incident_id() -> None:
    incident = errors.new_incident_id()
    status = errors.internal_status(incident)
    violations, reason, _, metadata = _details(status)
    assert status.code.name == "INTERNAL"
    assert not violations
    assert reason == "INTERNAL"
    assert metadata == {"incident_id": incident}


def test_exception_frames_leave_the_message_out() -> None:
    def inner() -> None:
        raise ValueError("secret bid content 12345 SEK")

    try:
        try:
            inner()
        except ValueError as error:
            raise KeyError("Acme Supplier AB") from error
    except KeyError as outer:
        frames = errors.exception_frames(outer)
        kind = errors.exception_type(outer)
    assert kind == "builtins.KeyError"
    text = "\n".join(frames)
    assert "test_modules.py" in text
    assert "inner" in text
    assert "caused by builtins.ValueError" in text
    assert "secret" not in text
    assert "Acme" not in text


# -- convert_out ---------------------------------------------------------------------------------


def _bid_result(**overrides: object) -> results.BidResult:
    base: dict[str, object] = {
        "bid_id": "A",
        "supplier": "S",
        "rank": 1,
        "tied": False,
        "life_cycle_cost": 100.0,
        "life_cycle_cost_undiscounted": 120.0,
        "climate_cost": 5.0,
        "externality_cost": 0.0,
        "deductions": 0.0,
        "evaluated_cost": 105.0,
        "difference_to_best": 0.0,
        "difference_to_best_percent": 0.0,
        "annual_value": 10.0,
        "cost_by_category": {"energy": 1.0, "acquisition": 2.0},
        "emissions_by_module": {"b6": 2.0, "a1_a3": 1.0},
        "emissions_total": 3.0,
        "emissions_by_year": (1.0, 2.0),
        "measures": None,
        "material_circularity": None,
        "cost_per_functional_unit": None,
        "explanations": (),
        "cash_flow_categories": ("acquisition", "energy"),
        "calendar_years": (2027, 2028),
        "cash_flow_undiscounted": np.array([[2.0, 0.0], [0.0, 1.0]]),
        "cash_flow_discounted": np.array([[2.0, 0.0], [0.0, 0.97]]),
    }
    base.update(overrides)
    return results.BidResult(**base)  # type: ignore[arg-type]


def test_absent_values_stay_absent_and_statuses_map() -> None:
    measures = results.Measures(
        baseline_bid_id="A",
        net_savings=0.0,
        additional_investment=0.0,
        operational_savings=0.0,
        sir=None,
        sir_status=results.MeasureStatus.IS_BASELINE,
        airr=None,
        airr_status=results.MeasureStatus.IS_BASELINE,
        simple_payback_years=None,
        simple_payback_status=results.MeasureStatus.NEVER_PAYS_BACK,
        discounted_payback_years=3,
        discounted_payback_status=results.MeasureStatus.OK,
        abatement_cost=None,
        abatement_cost_status=results.MeasureStatus.NO_EMISSION_REDUCTION,
    )
    evaluation = results.Evaluation(
        results=(_bid_result(measures=measures), _bid_result(bid_id="B", material_circularity=0.4)),
        warnings=(results.Warning("TIE", "tied", "B"),),
        currency="SEK",
        method_digest="a" * 64,
        request_digest="b" * 64,
        engine_version="0.1.0",
    )
    response = convert_out.to_response(evaluation)
    first, second = response.results
    assert not first.HasField("material_circularity")
    assert not first.HasField("cost_per_functional_unit")
    assert second.material_circularity == 0.4
    assert first.measures.sir_status == result_pb2.MEASURE_STATUS_IS_BASELINE
    assert first.measures.simple_payback_status == result_pb2.MEASURE_STATUS_NEVER_PAYS_BACK
    assert first.measures.discounted_payback_years == 3
    assert first.measures.abatement_cost_status == result_pb2.MEASURE_STATUS_NO_EMISSION_REDUCTION
    assert not second.HasField("measures")
    assert [
        (c.year, c.calendar_year, c.category, c.undiscounted, c.discounted) for c in first.cash_flow
    ] == [
        (0, 2027, "acquisition", 2.0, 2.0),
        (1, 2028, "energy", 1.0, 0.97),
    ]
    table = evaluation.results[0].cash_flow_table()
    assert len(table) == len(first.cash_flow)
    assert list(response.warnings) == [result_pb2.Warning(code="TIE", message="tied", bid_id="B")]
    assert response.currency == "SEK"
    assert not response.validated_only


# -- the engine call -----------------------------------------------------------------------------


@pytest.mark.parametrize("validate_only", [False, True])
def test_run_engine_gives_what_evaluate_gives(validate_only: bool) -> None:
    """The server's split of evaluate (for the deadline check) must not change a single byte."""
    from tco.evaluate import evaluate
    from tco_server.deadlines import run_engine

    tender = convert_in.to_tender(load_sample_request())
    stages: list[str] = []
    split = run_engine(tender, validate_only=validate_only, checkpoint=stages.append)
    whole = evaluate(tender, validate_only=validate_only)
    assert convert_out.to_response(split).SerializeToString(
        deterministic=True
    ) == convert_out.to_response(whole).SerializeToString(deterministic=True)
    # the engine checks after validation and before it assembles the results
    assert stages == ["evaluation", "results"]  # validate_only evaluates too (issue #14)


def test_run_engine_stops_at_the_checkpoint() -> None:
    from tco_server.deadlines import run_engine

    class Stop(Exception):
        pass

    def stop(before: str) -> None:
        raise Stop(before)

    tender = convert_in.to_tender(load_sample_request())
    with pytest.raises(Stop, match="evaluation"):
        run_engine(tender, validate_only=False, checkpoint=stop)


def _import_graph(package: Path) -> dict[str, set[str]]:
    """Module -> the package's modules it imports (anywhere in it, lazily or not)."""
    name = package.name
    graph: dict[str, set[str]] = {}
    for path in package.glob("*.py"):
        module = f"{name}.{path.stem}"
        found = graph.setdefault(module, set())
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name.startswith(name + "."))
            elif isinstance(node, ast.ImportFrom) and node.module:
                if node.module == name:
                    found.update(f"{name}.{a.name}" for a in node.names)
                elif node.module.startswith(name + "."):
                    found.add(node.module)
    return graph


def test_the_server_package_has_no_import_cycles() -> None:
    graph = _import_graph(Path(convert_in.__file__).parent)
    cycles = []
    for start in graph:
        stack = [(start, (start,))]
        while stack:
            module, path = stack.pop()
            for target in graph.get(module, ()):
                if target == start:
                    cycles.append(" -> ".join((*path, target)))
                elif target not in path:
                    stack.append((target, (*path, target)))
    assert cycles == []
