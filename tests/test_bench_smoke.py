"""The engine benchmarks (bench/compute.py, bench/scale.py, bench/instructions.py, bench/run.py)
run in ``--smoke`` mode.

Tiny sizes; no timing is asserted (the machine is shared). What is asserted is what the
benchmarks themselves check: the engine, numpy by hand, numpy_financial and pyxirr give the same
present values, and every bid comes back from the scale runs, in this process and through the
per-size child process.
"""

from __future__ import annotations

import pytest

from bench import compute, run, scale


def test_compute_floor_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    assert compute.main(["--smoke"]) == 0
    out = capsys.readouterr().out
    assert "engine: present_value_totals (kernel PV step)" in out
    assert "loop: numpy_financial.npv per bid" in out
    assert "ratio: kernel PV step / numpy einsum" in out


def test_compute_floor_agreement_holds_for_other_sizes() -> None:
    medians, agreement = compute.run(n_bids=7, years=12, repeat=1)
    assert agreement["max |engine - einsum| / |einsum|"] <= 1e-12
    assert agreement["max |published LCC - einsum| (money)"] <= 0.005 + 1e-9
    assert all(seconds > 0.0 for seconds in medians.values())


def test_scale_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    assert scale.main(["--smoke"]) == 0
    out = capsys.readouterr().out
    assert "evaluate       200 bids" in out
    assert "prepare       200 bids" in out
    assert "evaluate-requests       200 bids" in out


def test_scale_child_process() -> None:
    result = scale.measure_size("evaluate", 5, 20, in_process=False)
    assert result["bids"] == 5
    assert result["peak_rss_mib"] > 0.0
    prepared = scale.measure_size("prepare", 3, 20, in_process=False)
    assert prepared["mode"] == "prepare"


def test_small_bids_inputs_prepare_to_the_prepared_small_bids() -> None:
    from bench.common import small_bids_prepared
    from tco.evaluate import evaluate_prepared
    from tco.validate import prepare

    from .tco.test_golden_outputs import dump

    direct = evaluate_prepared(small_bids_prepared(6, 20))
    validated = evaluate_prepared(prepare(scale.small_bids_inputs(6, 20)))
    assert [r.life_cycle_cost for r in direct.results] == [
        r.life_cycle_cost for r in validated.results
    ]
    assert dump(direct).count("bid-") == dump(validated).count("bid-")


def test_run_discovers_the_modules_and_runs_one(capsys: pytest.CaptureFixture[str]) -> None:
    names = run.discover()
    assert {"compute", "scale"} <= set(names)
    assert names.index("compute") < names.index("scale")
    assert run.main(["--smoke", "--only", "compute"]) == 0
    assert "## summary" in capsys.readouterr().out


def test_scale_evaluates_in_requests_of_at_most_max_bids() -> None:
    from tco.validate.limits import MAX_BIDS

    result = scale.child("evaluate-requests", MAX_BIDS + 7, 20)  # two requests: 1 000 and 7
    assert result["bids"] == MAX_BIDS + 7
    assert result["wall_s"] > 0.0


def test_the_instruction_steps_are_the_servers_pipeline() -> None:
    """``whole handler`` of bench.rpc (what bench.instructions counts) answers the typical tender
    byte for byte as the engine's public ``evaluate`` + the server's conversions do."""
    from bench import instructions
    from bench._service import typical_message
    from bench.rpc import step_functions
    from tco.evaluate import evaluate
    from tco_server import convert_in, convert_out

    steps = step_functions()
    expected = convert_out.to_response(evaluate(convert_in.to_tender(typical_message())))
    assert steps["whole handler"]() == expected.SerializeToString(deterministic=True)
    assert instructions.main(["--smoke", "--steps", "size guard + parse", "whole handler"]) == 0


def test_instruction_rows_give_each_steps_share() -> None:
    from bench import instructions

    rows = instructions.rows({"a": 1e6, "b": 3e6, "whole handler": 5e6})
    assert [(r.case, r.value) for r in rows] == [
        ("a", "1.000 M"),
        ("b", "3.000 M"),
        ("whole handler", "5.000 M"),
        ("sum of the steps", "4.000 M"),
    ]
    assert rows[0].note == "20.0% of the whole handler"
