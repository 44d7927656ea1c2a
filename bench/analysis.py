"""Monte Carlo of the ranking analysis: 10 000 draws x 10 bids x 30 years, target < 0.5 s.

The tender is :func:`bench.common.small_bids_prepared` (10 bids of one or two items: price,
10- and 15-year lives, electricity use, maintenance with warranty, embodied emissions; a 1 %
escalating electricity price, a constant carbon price) over N = 30 years. The uncertain inputs
are those a buyer would put in: the discount rate (shift, triangular +-1 pp), the carbon price
(scale, triangular 0.5 / 1 / 2), the electricity price (scale, lognormal sigma 0.2), its
escalation (shift, uniform +-1 pp), its emission factor (scale, PERT 0.7 / 1 / 1.3) and every
bid's stated consumption drawn independently per resource use (scale, triangular 0.95 / 1 /
1.15): 6 distributions, 20 drawn columns.

Timed (median of ``--repeat`` runs after a warm-up; ``time.perf_counter``):

- ``monte carlo``: :func:`tco.analysis.montecarlo.run` on a built model: draws, the vectorised
  re-evaluation (draws x bids x years) and the summary (win probabilities, percentiles);
- ``model + monte carlo``: the same including :class:`tco.analysis.model.ParametricModel`
  (one expansion of the tender);
- ``per draw, engine``: one :func:`tco.analysis.model.reference_comparison_numbers` of a
  re-prepared tender, i.e. what each draw would cost without the vectorised model.

Agreement check (exit code 1 if it fails): 20 of the draws re-evaluated one by one through the
engine's own pipeline agree with the vectorised numbers to 1e-9 relative.

    .venv/bin/python -m bench.analysis                 # 10 000 x 10 x 30, 7 repetitions
    .venv/bin/python -m bench.analysis --draws 100000 --repeat 3
    .venv/bin/python -m bench.analysis --smoke
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence

import numpy as np

from bench.common import Row, machine_line, measure, median, print_table, small_bids_prepared
from tco.analysis.distributions import Lognormal, Pert, Triangular, Uniform
from tco.analysis.model import ParametricModel, apply_settings, reference_comparison_numbers
from tco.analysis.montecarlo import Uncertain, draw, run
from tco.analysis.parameters import Mode, Parameter, resolve
from tco.prepared import PreparedTender

ORDER = 40
TARGET_SECONDS = 0.5


def _uncertain(prepared: PreparedTender) -> list[Uncertain]:
    def p(path: str, mode: Mode) -> Parameter:
        return resolve(path, mode, prepared)

    return [
        Uncertain(p("discount_rate", Mode.SHIFT), Triangular(-0.01, 0.0, 0.01)),
        Uncertain(p("carbon_price", Mode.SCALE), Triangular(0.5, 1.0, 2.0)),
        Uncertain(p("resource_prices[electricity].price", Mode.SCALE), Lognormal(1.0, 0.2)),
        Uncertain(p("resource_prices[electricity].escalation", Mode.SHIFT), Uniform(-0.01, 0.01)),
        Uncertain(p("emission_factors[electricity].factor", Mode.SCALE), Pert(0.7, 1.0, 1.3)),
        Uncertain(
            p("bids[*].items[*].resource_use[*].amount", Mode.SCALE),
            Triangular(0.95, 1.0, 1.15),
            independent=True,
        ),
    ]


def _cpu(fn: Callable[[], object], repeat: int) -> list[float]:
    """CPU time (``time.process_time``) of each of ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return times


def run_case(n_bids: int, years: int, draws: int, repeat: int) -> tuple[list[Row], bool]:
    """Time one size; returns the rows and whether the agreement check held."""
    prepared = small_bids_prepared(n_bids, years)
    ids = [bid.id for bid in prepared.bids]
    uncertain = _uncertain(prepared)
    model = ParametricModel(prepared)

    def mc() -> object:
        return run(model, uncertain, ids, 2, draws=draws, seed=1)

    def built_mc() -> object:
        return run(ParametricModel(prepared), uncertain, ids, 2, draws=draws, seed=1)

    mc_times = measure(mc, repeat=repeat, warmup=1)
    built_times = measure(built_mc, repeat=repeat, warmup=1)
    cpu_times = _cpu(mc, repeat)

    parameters, values, _ = draw(uncertain, draws, 1)
    numbers = model.comparison_numbers(parameters, values)
    rows_checked = np.linspace(0, draws - 1, min(20, draws)).astype(int)
    ok = True
    start = time.perf_counter()
    for k in rows_checked:
        expected = reference_comparison_numbers(apply_settings(prepared, parameters, values[k]))
        if not np.allclose(numbers[k], expected, rtol=1e-9, atol=0.0):
            ok = False
    per_draw = (time.perf_counter() - start) / len(rows_checked)

    label = f"{draws:,} draws x {n_bids} bids x {years} years ({values.shape[1]} columns)"
    best = median(mc_times)
    rows = [
        Row(
            "analysis",
            f"monte carlo, {label}",
            f"{best * 1000:.1f} ms",
            f"median of {repeat}; target < {TARGET_SECONDS * 1000:.0f} ms",
        ),
        Row(
            "analysis",
            "monte carlo, CPU time of the process",
            f"{median(cpu_times) * 1000:.1f} ms",
            "median; less sensitive than wall time to other load on the machine",
        ),
        Row(
            "analysis",
            f"model + monte carlo, {label}",
            f"{median(built_times) * 1000:.1f} ms",
            f"median of {repeat}",
        ),
        Row(
            "analysis",
            "per draw, engine pipeline (for comparison)",
            f"{per_draw * 1000:.2f} ms",
            f"x {draws:,} draws = {per_draw * draws:.1f} s",
        ),
        Row("analysis", "agreement with the engine (20 draws, 1e-9)", "ok" if ok else "FAILED"),
    ]
    return rows, ok


def collect(smoke: bool) -> list[Row]:
    """The figures for ``bench.run``'s summary table."""
    if smoke:
        rows, _ = run_case(3, 10, 500, 2)
    else:
        rows, _ = run_case(10, 30, 10_000, 7)
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.analysis", description=__doc__.splitlines()[0])
    parser.add_argument("--bids", type=int, default=10)
    parser.add_argument("--years", type=int, default=30)
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, two repetitions")
    args = parser.parse_args(argv)
    if args.smoke:
        args.bids, args.years, args.draws, args.repeat = 3, 10, 500, 2
    print(machine_line())
    rows, ok = run_case(args.bids, args.years, args.draws, args.repeat)
    print_table(rows)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
