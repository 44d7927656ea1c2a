"""The worst AnalyzeRanking (and EvaluateBids) request each budget admits: peak memory, CPU.

For each shape of analysis (Monte Carlo on service lives, common and independent; Monte Carlo
on prices; non-linear and structural switching; structural sensitivity; scenarios) the knob
(draws or entries) is raised to the largest value :mod:`tco.analysis.budget` admits (binary
search on the estimate, which allocates nothing), and that request is run once in a fresh child
process through the server's own path (:func:`tco_server.analysis.analyze`: limits, conversion,
validation, the engine, the response). The child reports its peak RSS (``ru_maxrss``) and CPU
(user + system); the table goes to ``docs/security.md`` ("Request budgets"). The EvaluateBids
rows raise the items of a tender whose every item has its own fractional service life (the
shape that opens most time groups) to the largest the evaluation budget admits
(:func:`tco_server.limits.evaluation_cost_violations`) and evaluate it (limits, conversion,
:func:`tco.evaluate.evaluate`, the response).

    .venv/bin/python -m bench.budget            # every shape, the admitted worst of each
    .venv/bin/python -m bench.budget --smoke    # tiny knobs, to check the bench runs
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import io
import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "fixtures" / "sample-tender.json"
SCALE, VALUE = "PARAMETER_MODE_SCALE", "PARAMETER_MODE_VALUE"


def tender(bids: int, items: int, years: int) -> dict[str, Any]:
    """The sample tender's first bid, ``items`` copies of its item, ``bids`` times."""
    document: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    document["method"]["study_period_years"] = years
    first = document["bids"][0]
    item = first["items"][0]
    document["bids"] = [
        {**copy.deepcopy(first), "id": f"b{b}", "items": [copy.deepcopy(item)] * items}
        for b in range(bids)
    ]
    document["method"]["baseline_bid_id"] = "b0"
    return document


def _life(draws: int, independent: bool) -> dict[str, Any]:
    entry = {
        "path": "bids[*].items[*].service_life",
        "mode": SCALE,
        "independent": independent,
        "uniform": {"low": 0.5, "high": 1.5},
    }
    return {"monte_carlo": {"draws": draws, "seed": 1, "distributions": [entry]}}


def _prices(draws: int) -> dict[str, Any]:
    return {
        "monte_carlo": {
            "draws": draws,
            "seed": 1,
            "distributions": [
                {"path": "carbon_price", "mode": SCALE, "uniform": {"low": 0.5, "high": 2}},
                {"path": "discount_rate", "mode": VALUE, "uniform": {"low": 0.0, "high": 0.08}},
                {
                    "path": "resource_prices[*].price",
                    "mode": SCALE,
                    "lognormal": {"median": 1, "sigma": 0.2},
                },
            ],
        }
    }


def _switching(path: str, low: float, high: float, mode: str) -> Callable[[int], dict[str, Any]]:
    def spec(n: int) -> dict[str, Any]:
        entries = [
            {"path": path, "range": {"mode": mode, "low": low, "high": high + i * 1e-3}}
            for i in range(n)
        ]
        return {"switching": entries}

    return spec


def _sensitivity(n: int) -> dict[str, Any]:
    return {
        "sensitivity": [
            {"path": "bids[*].items[*].service_life", "percent": 10 + i * 0.1} for i in range(n)
        ]
    }


def _scenarios(n: int) -> dict[str, Any]:
    return {
        "scenarios": [
            {
                "name": f"s{i}",
                "settings": [
                    {"path": "bids[*].items[*].quantity", "mode": SCALE, "value": 1 + i / 100}
                ],
            }
            for i in range(n)
        ]
    }


def _evaluate(n: int) -> dict[str, Any]:
    """Not an analysis: EvaluateBids of the tender with ``n`` items a bid, each its own life."""
    return {"distinct_lives": n, "evaluate": True}


#: name, (bids, items, years), spec of the knob, knob range (low, high), knob name.
SHAPES: list[tuple[str, tuple[int, int, int], Callable[[int], dict[str, Any]], int, str]] = [
    ("MC service life (common)", (50, 10, 100), lambda n: _life(n, False), 100_000, "draws"),
    ("MC service life (independent)", (20, 10, 50), lambda n: _life(n, True), 100_000, "draws"),
    ("MC prices", (100, 2, 100), _prices, 100_000, "draws"),
    (
        "empty spec, fractional lives",
        (20, 0, 100),
        lambda n: {"distinct_lives": n},
        100,
        "items/bid",
    ),
    (
        "switching discount rate",
        (100, 5, 100),
        _switching("discount_rate", 0, 0.2, VALUE),
        100,
        "entries",
    ),
    (
        "switching service life",
        (20, 2, 50),
        _switching("bids[*].items[*].service_life", 0.5, 1.5, SCALE),
        100,
        "entries",
    ),
    ("sensitivity service life", (100, 10, 100), _sensitivity, 100, "entries"),
    ("scenarios quantity", (100, 10, 100), _scenarios, 100, "entries"),
    ("MC prices, item limit", (100, 100, 100), _prices, 100_000, "draws"),
    ("EvaluateBids, fractional lives", (2, 0, 100), _evaluate, 1000, "items/bid"),
    ("EvaluateBids, fractional lives", (20, 0, 100), _evaluate, 1000, "items/bid"),
    ("EvaluateBids, fractional lives", (100, 0, 100), _evaluate, 1000, "items/bid"),
]


def _request(shape: tuple[int, int, int], spec: dict[str, Any]) -> Any:
    from google.protobuf import json_format

    from tcoapi.v1 import analysis_pb2

    if "distinct_lives" in spec:  # items per bid = the knob, each its own fractional life
        bids, _, years = shape
        document = tender(bids, int(spec["distinct_lives"]), years)
        for b, bid in enumerate(document["bids"]):
            bid["items"] = [copy.deepcopy(item) for item in bid["items"]]
            for i, item in enumerate(bid["items"]):
                item["service_life"]["value"] = 7.3 + (b * len(bid["items"]) + i) * 1e-4
        return json_format.ParseDict(document, analysis_pb2.AnalyzeRankingRequest())
    return json_format.ParseDict(
        {**tender(*shape), "analysis": spec}, analysis_pb2.AnalyzeRankingRequest()
    )


def _estimate(shape: tuple[int, int, int], spec: dict[str, Any]) -> tuple[bool, int, int]:
    """(admitted, cells, memory bytes) of the request, by the engine's own estimate."""
    from tco import validate
    from tco.analysis import analyze, budget
    from tco_server import analysis, convert_in
    from tco_server.limits import Limits, RequestTooLargeError

    request = _request(shape, spec)
    if spec.get("evaluate"):
        from tco_server import limits

        evaluation = _evaluation_request(request)
        try:
            limits.check_request(evaluation, Limits())
        except RequestTooLargeError:
            return False, 0, 0
        lives = {(i.service_life.value) for b in evaluation.bids for i in b.items}
        cells, grid = budget.evaluation_cost(len(evaluation.bids), shape[2], lives)
        return True, cells, 20 * grid
    try:
        analysis.check_request(request, Limits())
    except RequestTooLargeError:
        return False, 0, 0
    domain = convert_in.to_tender(request)
    prepared = validate.prepare(domain)
    checked = analyze._Spec(prepared, analysis.to_spec(request.analysis), domain)
    shape_ = budget.shape_of(prepared)
    cost = budget.estimate(shape_, analyze.parts(checked, shape_))
    return not budget.over_budget(cost), cost.cells, cost.memory_bytes


def worst(shape: tuple[int, int, int], spec: Callable[[int], dict[str, Any]], top: int) -> int:
    """The largest knob in 1..top the budget admits (0: none)."""
    low, high = 0, top
    while low < high:
        mid = (low + high + 1) // 2
        if _estimate(shape, spec(mid))[0]:
            low = mid
        else:
            high = mid - 1
    return low


def _small(shape: tuple[int, int, int]) -> tuple[int, int, int]:
    """The ``--smoke`` size of a shape: a tenth of the bids, a fifth of the items, 20 years."""
    bids, items, years = shape
    return max(2, bids // 10), (max(1, items // 5) if items else 0), min(years, 20)


def _evaluation_request(request: Any) -> Any:
    from tcoapi.v1 import tender_pb2

    return tender_pb2.EvaluateBidsRequest(method=request.method, bids=request.bids)


def _run(request: Any, evaluate: bool) -> None:
    """The server's path of the request (limits, conversion, the engine, the response)."""
    from tco_server import analysis, convert_in, convert_out, limits

    if not evaluate:
        analysis.analyze(request, limits.Limits(), 64 * 2**20, lambda _: None, {})
        return
    from tco.evaluate import evaluate as run_engine

    evaluation = _evaluation_request(request)
    limits.check_request(evaluation, limits.Limits())
    convert_out.to_response(run_engine(convert_in.to_tender(evaluation)))


def child(index: int, knob: int, smoke: bool = False) -> None:
    """Run shape ``index`` at ``knob`` through the server's path; print a JSON line."""
    _, shape, spec, _, _ = SHAPES[index]
    shape = _small(shape) if smoke else shape
    request = _request(shape, spec(knob))
    start = time.perf_counter()
    outcome = "OK"
    try:
        _run(request, bool(spec(knob).get("evaluate")))
    except Exception as error:
        outcome = type(error).__name__
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        json.dumps(
            {
                "outcome": outcome,
                "wall_s": round(time.perf_counter() - start, 2),
                "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
                "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
                "request_kib": round(request.ByteSize() / 1024, 1),
            }
        )
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--smoke", action="store_true", help="tiny knobs: check the bench runs")
    parser.add_argument("--child", nargs=3, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], args.child[1], bool(args.child[2]))
        return 0
    from tco.analysis.budget import BUDGET

    print(f"budget: {BUDGET.cells:.1e} cells, {BUDGET.memory_bytes / 2**20:.0f} MiB estimated")
    print(
        "| shape | bids x items x years | worst admitted | estimate cells / MiB | outcome | "
        "peak RSS MiB | CPU s | request KiB |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for index, (name, full, spec, top, knob_name) in enumerate(SHAPES):
        shape = _small(full) if args.smoke else full
        knob = 2 if args.smoke else worst(shape, spec, top)
        if knob == 0:
            print(f"| {name} | {shape} | none admitted | | | | | |")
            continue
        _, cells, memory = _estimate(shape, spec(knob))
        if args.smoke:  # in this process: only that it runs (its RSS is not the request's)
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                child(index, knob, smoke=True)
            done = subprocess.CompletedProcess([], 0, out.getvalue(), "")
        else:
            command = [sys.executable, "-m", "bench.budget", "--child", str(index), str(knob), "0"]
            done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        if not lines:
            print(f"| {name} | failed: {done.stderr[-300:]} |")
            return 1
        figures = json.loads(lines[-1])
        b, i, y = shape
        print(
            f"| {name} | {b} x {i} x {y} | {knob} {knob_name} | {cells:.1e} / "
            f"{memory / 2**20:.0f} | {figures['outcome']} | {figures['peak_rss_mib']} | "
            f"{figures['cpu_s']} | {figures['request_kib']} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
