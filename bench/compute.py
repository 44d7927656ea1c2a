"""Compute floor: the engine's present values against numpy by hand and per-bid NPV loops.

The tender (:func:`bench.common.streams_prepared`): N bids of five cost streams over 30 years
(an acquisition at t = 0, energy every year escalating 2 %, maintenance every year, a
replacement every 10 years, an end-of-life cost at N), 3.5 % real, end of year. Its life-cycle
costs are computed

- by the engine: the kernel's present-value step alone (:func:`tco.kernel.present_value_totals`
  and :func:`tco.kernel.compute_cubes` on a stream table built beforehand), the expansion
  (:func:`tco.expand.expand_tender`), and the whole :func:`tco.evaluate.evaluate_prepared`
  (expansion, cubes by category and year, rounding, ranking, result objects with explanations);
- by numpy written for this tender: the cash-flow cube (bids x streams x years) and
  ``einsum("bst,t->b", cube, (1 + d) ** -t)``, and the closed form
  ``A + E UPV*(d, e, N) + M UPV(d, N) + R (v^10 + v^20 + v^30) + X v^N``;
- as a user would by hand: a loop over bids calling ``numpy_financial.npv`` or ``pyxirr.npv`` on
  each bid's yearly cash flows.

The typical tender (:func:`bench.common.typical_request`: 5 bids x 10 items x 20 years, climate
cost and circularity on) is timed end to end in this process: :func:`tco.evaluate.evaluate` and
its parts (validation, digests, :func:`tco.evaluate.evaluate_prepared`).

Every way must give the same present values (checked: relative 1e-12 between the engine and
einsum, 1e-10 for the closed form and the loops; the rounded results within one cent), or the
benchmark fails. Run: ``.venv/bin/python -m bench.compute [--bids 10000] [--repeat 20]``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from bench.common import (
    STREAMS,
    STREAMS_DISCOUNT_RATE,
    Row,
    machine_line,
    measure,
    median,
    p99,
    print_table,
    stream_amounts,
    streams_prepared,
)

FloatArray = npt.NDArray[np.float64]

ORDER = 10


# --- by hand ------------------------------------------------------------------------------------


def hand_cube(amounts: FloatArray, n: int) -> FloatArray:
    """The cash flows of every bid by stream and year, shape (bids, 5, N + 1)."""
    t = np.arange(n + 1, dtype=np.float64)
    cube = np.zeros((amounts.shape[0], len(STREAMS), n + 1))
    for k, (_, first, every, escalation) in enumerate(STREAMS):
        start = n if first < 0 else first
        years = np.arange(start, n + 1, every) if every else np.array([start])
        cube[:, k, years] = amounts[:, k, None] * (1.0 + escalation) ** t[years]
    return cube


def hand_einsum(cube: FloatArray, d: float) -> FloatArray:
    """``sum_s sum_t cube[b, s, t] (1 + d) ** -t`` for every bid."""
    t = np.arange(cube.shape[2], dtype=np.float64)
    return np.asarray(np.einsum("bst,t->b", cube, (1.0 + d) ** -t), dtype=np.float64)


def hand_closed_form(amounts: FloatArray, n: int, d: float) -> FloatArray:
    """The same present values from the annuity factors, no cube at all."""
    v = 1.0 / (1.0 + d)
    e = STREAMS[1][3]
    q = (1.0 + e) * v
    upv_star = q * (1.0 - q**n) / (1.0 - q)  # sum_{t=1..N} ((1 + e) / (1 + d)) ** t
    upv = (1.0 - v**n) / d
    every = STREAMS[3][2]
    replacements = sum(v**t for t in range(every, n + 1, every))
    return np.asarray(
        amounts[:, 0]
        + amounts[:, 1] * upv_star
        + amounts[:, 2] * upv
        + amounts[:, 3] * replacements
        + amounts[:, 4] * v**n,
        dtype=np.float64,
    )


def npf_loop(flows: FloatArray, d: float) -> FloatArray:
    """``numpy_financial.npv`` bid by bid (the first flow at t = 0, as the engine)."""
    import numpy_financial as npf

    return np.array([npf.npv(d, row) for row in flows])


def pyxirr_loop(flows: FloatArray, d: float) -> FloatArray:
    """``pyxirr.npv`` bid by bid (``start_from_zero=True``: the first flow at t = 0)."""
    import pyxirr

    return np.array([pyxirr.npv(d, row) for row in flows])


# --- the benchmark ------------------------------------------------------------------------------


def _agree(name: str, got: FloatArray, expected: FloatArray, rtol: float) -> None:
    if not np.allclose(got, expected, rtol=rtol, atol=0.0):
        worst = float(np.max(np.abs(got - expected) / np.maximum(np.abs(expected), 1e-300)))
        raise AssertionError(f"{name} disagrees with numpy by hand: relative {worst:.3g}")


def run(n_bids: int, years: int, repeat: int) -> tuple[dict[str, float], dict[str, float]]:
    """Medians (seconds) of every way to compute the present values, and the agreement."""
    from tco.evaluate import evaluate_prepared
    from tco.expand import expand_tender
    from tco.kernel import compute_cubes, present_value_totals, time_grid

    d = STREAMS_DISCOUNT_RATE
    prepared = streams_prepared(n_bids, years)
    amounts = stream_amounts(n_bids)
    table = expand_tender(prepared)
    grid = time_grid(table.group_times, prepared.method)
    cube = hand_cube(amounts, years)
    flows = cube.sum(axis=1)

    expected = hand_einsum(cube, d)
    kernel = present_value_totals(table, grid)
    cubes = compute_cubes(table, grid, include_module_d=False)
    _agree("engine present_value_totals", kernel, expected, 1e-12)
    _agree("engine compute_cubes", cubes.life_cycle_cost, expected, 1e-12)
    _agree("closed form", hand_closed_form(amounts, years, d), expected, 1e-10)
    _agree("numpy_financial.npv loop", npf_loop(flows, d), expected, 1e-10)
    _agree("pyxirr.npv loop", pyxirr_loop(flows, d), expected, 1e-10)
    evaluation = evaluate_prepared(prepared)
    by_id = {r.bid_id: r.life_cycle_cost for r in evaluation.results}
    published = np.array([by_id[f"bid-{b}"] for b in range(n_bids)])
    cents = float(np.max(np.abs(published - expected)))
    if cents > 0.005 + 1e-9 * float(np.max(np.abs(expected))):  # half a cent, and float noise
        raise AssertionError(f"evaluate_prepared's rounded LCC off by {cents:.4f}")

    slow = max(2, repeat // 10)
    timings: dict[str, Callable[[], object]] = {
        "engine: present_value_totals (kernel PV step)": lambda: present_value_totals(table, grid),
        "engine: compute_cubes + LCC (kernel, all cubes)": lambda: (
            compute_cubes(table, grid, include_module_d=False).life_cycle_cost
        ),
        "engine: expand_tender (stream table)": lambda: expand_tender(prepared),
        "engine: evaluate_prepared (whole)": lambda: evaluate_prepared(prepared),
        "numpy: einsum over the cube": lambda: hand_einsum(cube, d),
        "numpy: cube built + einsum": lambda: hand_einsum(hand_cube(amounts, years), d),
        "numpy: closed-form annuities": lambda: hand_closed_form(amounts, years, d),
        "loop: numpy_financial.npv per bid": lambda: npf_loop(flows, d),
        "loop: pyxirr.npv per bid": lambda: pyxirr_loop(flows, d),
    }
    slow_ones = {
        "engine: evaluate_prepared (whole)",
        "loop: numpy_financial.npv per bid",
        "loop: pyxirr.npv per bid",
        "engine: expand_tender (stream table)",
    }
    medians = {
        name: median(measure(fn, repeat=slow if name in slow_ones else repeat))
        for name, fn in timings.items()
    }
    agreement = {
        "max |engine - einsum| / |einsum|": float(
            np.max(np.abs(kernel - expected) / np.abs(expected))
        ),
        "max |published LCC - einsum| (money)": cents,
    }
    return medians, agreement


def typical(repeat: int) -> list[Row]:
    """The typical tender through ``evaluate`` and its parts: median and p99 of each."""
    from bench.common import to_tender, typical_request
    from tco import digest, validate
    from tco.evaluate import evaluate, evaluate_prepared
    from tco.expand import expand_tender

    tender = to_tender(typical_request(5, 10, 20))
    prepared = validate.prepare(tender)
    steps: dict[str, Callable[[], object]] = {
        "evaluate (end to end)": lambda: evaluate(tender),
        "prepare (validation)": lambda: validate.prepare(tender),
        "digests (method + request)": lambda: digest.digests(tender),
        "evaluate_prepared": lambda: evaluate_prepared(prepared),
        "expand_tender": lambda: expand_tender(prepared),
    }
    times = {name: measure(fn, repeat=repeat, warmup=3) for name, fn in steps.items()}
    case = "typical tender 5 bids x 10 items x 20 y"
    rows = [
        Row(
            "compute",
            f"{name} [{case}]",
            f"{median(t) * 1e3:.3f} ms",
            f"p99 {p99(t) * 1e3:.3f} ms, {len(t)} runs",
        )
        for name, t in times.items()
    ]
    return rows


def collect(smoke: bool = False, *, n_bids: int = 10_000, years: int = 30) -> list[Row]:
    """The figures as table rows (``bench.run``)."""
    n_bids, repeat = (20, 3) if smoke else (n_bids, 20)
    medians, agreement = run(n_bids, years, repeat)
    return typical(3 if smoke else 200) + _rows(medians, agreement, n_bids, years)


def _rows(
    medians: dict[str, float], agreement: dict[str, float], n_bids: int, years: int
) -> list[Row]:
    case = f"{n_bids} bids x 5 streams x {years} y"
    rows = [Row("compute", f"{name} [{case}]", f"{t * 1e3:.3f} ms") for name, t in medians.items()]
    kernel = medians["engine: present_value_totals (kernel PV step)"]
    cubes = medians["engine: compute_cubes + LCC (kernel, all cubes)"]
    whole = medians["engine: evaluate_prepared (whole)"]
    einsum = medians["numpy: einsum over the cube"]
    built = medians["numpy: cube built + einsum"]
    for name, value in (
        ("kernel PV step / numpy einsum", kernel / einsum),
        ("kernel PV step / numpy cube built + einsum", kernel / built),
        ("compute_cubes / numpy cube built + einsum", cubes / built),
        ("evaluate_prepared / numpy cube built + einsum", whole / built),
        (
            "numpy_financial loop / kernel PV step",
            medians["loop: numpy_financial.npv per bid"] / kernel,
        ),
        ("pyxirr loop / kernel PV step", medians["loop: pyxirr.npv per bid"] / kernel),
        (
            "numpy_financial loop / evaluate_prepared",
            medians["loop: numpy_financial.npv per bid"] / whole,
        ),
        ("pyxirr loop / evaluate_prepared", medians["loop: pyxirr.npv per bid"] / whole),
    ):
        rows.append(Row("compute", f"ratio: {name}", f"{value:.2f}x"))
    for name, value in agreement.items():
        rows.append(Row("compute", f"agreement: {name}", f"{value:.3g}"))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.compute", description=__doc__)
    parser.add_argument("--bids", type=int, default=10_000)
    parser.add_argument("--years", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=20, help="repetitions of the fast ones")
    parser.add_argument("--typical-repeat", type=int, default=200, help="runs of the typical one")
    parser.add_argument("--smoke", action="store_true", help="20 bids, 3 repetitions")
    args = parser.parse_args(list(argv) if argv is not None else None)
    n_bids, repeat = (20, 3) if args.smoke else (args.bids, args.repeat)
    print(f"# bench.compute on {machine_line()}")
    rows = typical(3 if args.smoke else args.typical_repeat)
    medians, agreement = run(n_bids, args.years, repeat)
    print_table(rows + _rows(medians, agreement, n_bids, args.years))
    return 0


if __name__ == "__main__":
    sys.exit(main())
