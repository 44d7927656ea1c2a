"""Scale: time and peak memory of the engine from 10 to 1 000 000 bids.

Small bids (:func:`bench.common.small_bids_prepared`): one or two items each (a luminaire with
price, installation, 10-year life, energy use, maintenance under a 2-year warranty, embodied
emissions and end-of-life cost; every other bid a controls item with a 15-year life), 20 years,
electricity escalating 1 % a year, a constant carbon price. Each size runs in a fresh process
(``--child``), so the peak resident set size (``ru_maxrss``) is that run's alone:

- ``evaluate``: :func:`tco.evaluate.evaluate_prepared` on a prepared tender of N bids (built
  before the clock starts). Above :data:`tco.evaluate.PART_BUDGET` the engine works in parts of
  consecutive bids, so its working set (stream table, cubes) stays bounded; the result itself
  (N ``BidResult`` objects with their cash-flow tables) is what grows with N.
- ``evaluate-requests``: the same engine call as the service makes it, on requests of at most
  ``tco.validate.limits.MAX_BIDS`` bids (the most one request may hold; validation refuses more): N
  bids as consecutive prepared tenders of 1 000 distinct bids (each built outside the clock
  with its own seed), each evaluation's results dropped before the next, as the streaming RPC
  sends them out. One engine call on more than ``MAX_BIDS`` bids (``evaluate``) is possible
  only with a hand-built prepared tender; this mode is the engine's supported path.
- ``prepare``: :func:`tco.validate.prepare` on the same bids as :mod:`tco.inputs` objects, in
  requests of at most ``tco.validate.limits.MAX_BIDS`` bids (the most one request may hold), each
  built outside the clock and dropped after it was validated.

Reported: wall and CPU seconds (median of ``--repeat`` fresh processes, one run from a
million bids), microseconds per bid, the process's peak RSS and how much the call added to it.
Run: ``.venv/bin/python -m bench.scale [--sizes 10 1000 100000 1000000]``.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import Any

from bench.common import ROOT, Row, machine_line, print_table, small_bids_prepared

ORDER = 20
SIZES = (10, 1_000, 100_000, 1_000_000)
YEARS = 20
MODES = ("evaluate", "evaluate-requests", "prepare")


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def small_bids_inputs(n_bids: int, study_period_years: int, *, first: int = 0) -> Any:
    """The bids of :func:`bench.common.small_bids_prepared` as a :class:`tco.inputs.Tender`."""
    import numpy as np

    from tco.inputs import (
        Bid,
        CarbonPrice,
        EmissionFactor,
        Emissions,
        Item,
        Method,
        Quantity,
        ResourcePrice,
        ResourceUse,
        Tender,
    )

    method = Method(
        currency="SEK",
        base_year=2027,
        study_period_years=study_period_years,
        discount_rate=0.035,
        resource_prices=(ResourcePrice("electricity", Quantity(1.3, "SEK/kWh"), 0.01),),
        emission_factors=(
            EmissionFactor("electricity", Quantity(0.059, "kgCO2e/kWh"), "location-based"),
        ),
        carbon_price=CarbonPrice(price=Quantity(7.0, "SEK/kgCO2e")),
    )
    rng = np.random.default_rng(7 + first)
    prices = np.round(rng.uniform(2_000.0, 4_000.0, n_bids), 2).tolist()
    uses = np.round(rng.uniform(100.0, 300.0, n_bids), 1).tolist()
    controls = Item(
        name="controls",
        quantity=1.0,
        unit_price=Quantity(800.0, "SEK"),
        service_life=Quantity(15.0, "years"),
        resource_use=(ResourceUse("electricity", Quantity(8.0, "kWh/year")),),
        emissions=Emissions(a1_a3=Quantity(5.0, "kgCO2e"), c1_c4=Quantity(0.5, "kgCO2e")),
    )
    bids = []
    for b in range(n_bids):
        luminaire = Item(
            name="luminaire",
            quantity=10.0,
            unit_price=Quantity(prices[b], "SEK"),
            installation_cost=Quantity(400.0, "SEK"),
            service_life=Quantity(10.0, "years"),
            resource_use=(ResourceUse("electricity", Quantity(uses[b], "kWh/year")),),
            maintenance_cost=Quantity(60.0, "SEK/year"),
            warranty=Quantity(2.0, "years"),
            end_of_life_cost=Quantity(50.0, "SEK"),
            emissions=Emissions(a1_a3=Quantity(25.0, "kgCO2e"), c1_c4=Quantity(1.5, "kgCO2e")),
        )
        items = (luminaire, controls) if (first + b) % 2 else (luminaire,)
        bids.append(Bid(id=f"bid-{first + b}", items=items))
    return Tender(method=method, bids=tuple(bids))


def child(mode: str, n_bids: int, years: int) -> dict[str, Any]:
    """One measurement in this process (the parent starts a fresh process per measurement)."""
    if mode == "evaluate":
        from tco.evaluate import evaluate_prepared

        prepared = small_bids_prepared(n_bids, years)
        gc.collect()
        before = _rss_mib()
        wall, cpu = time.perf_counter(), time.process_time()
        evaluation = evaluate_prepared(prepared)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        if len(evaluation.results) != n_bids or evaluation.results[0].rank != 1:
            raise AssertionError("evaluate_prepared lost bids")
    elif mode == "evaluate-requests":
        from tco.evaluate import evaluate_prepared
        from tco.validate.limits import MAX_BIDS

        gc.collect()
        before = _rss_mib()
        wall = cpu = 0.0
        for k, first in enumerate(range(0, n_bids, MAX_BIDS)):
            prepared = small_bids_prepared(min(MAX_BIDS, n_bids - first), years, seed=7 + k)
            w, c = time.perf_counter(), time.process_time()
            evaluation = evaluate_prepared(prepared)
            wall += time.perf_counter() - w
            cpu += time.process_time() - c
            if len(evaluation.results) != len(prepared.bids) or evaluation.results[0].rank != 1:
                raise AssertionError("evaluate_prepared lost bids")
            del prepared, evaluation
    elif mode == "prepare":
        from tco.validate import prepare
        from tco.validate.limits import MAX_BIDS

        before = _rss_mib()
        wall = cpu = 0.0
        for first in range(0, n_bids, MAX_BIDS):
            tender = small_bids_inputs(min(MAX_BIDS, n_bids - first), years, first=first)
            w, c = time.perf_counter(), time.process_time()
            prepared = prepare(tender)
            wall += time.perf_counter() - w
            cpu += time.process_time() - c
            if len(prepared.bids) != len(tender.bids):
                raise AssertionError("prepare lost bids")
            del tender, prepared
    else:  # pragma: no cover - argparse restricts it
        raise ValueError(mode)
    peak = _rss_mib()
    return {
        "mode": mode,
        "bids": n_bids,
        "years": years,
        "wall_s": wall,
        "cpu_s": cpu,
        "peak_rss_mib": peak,
        "added_rss_mib": peak - before,
    }


def measure_size(mode: str, n_bids: int, years: int, *, in_process: bool) -> dict[str, Any]:
    if in_process:
        return child(mode, n_bids, years)
    command = [sys.executable, "-m", "bench.scale", "--child", mode, "--bids", str(n_bids)]
    command += ["--years", str(years)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run(
    sizes: Sequence[int],
    years: int,
    modes: Sequence[str],
    *,
    in_process: bool,
    repeat: int = 3,
) -> list[dict[str, Any]]:
    """Each (mode, size) ``repeat`` times in fresh processes (once from a million bids):
    median wall and CPU time, largest peak."""
    out: list[dict[str, Any]] = []
    for mode in modes:
        for n in sizes:
            runs = [
                measure_size(mode, n, years, in_process=in_process)
                for _ in range(repeat if n < 1_000_000 else 1)
            ]
            merged = dict(runs[0])
            for key in ("wall_s", "cpu_s"):
                merged[key] = statistics.median(r[key] for r in runs)
            for key in ("peak_rss_mib", "added_rss_mib"):
                merged[key] = max(r[key] for r in runs)
            merged["runs"] = len(runs)
            out.append(merged)
    return out


def rows_of(results: Sequence[dict[str, Any]]) -> list[Row]:
    rows: list[Row] = []
    for r in results:
        per_bid = r["wall_s"] / r["bids"] * 1e6
        rows.append(
            Row(
                "scale",
                f"{r['mode']} {r['bids']:>9,} bids x {r['years']} y",
                f"{r['wall_s']:.3f} s",
                f"{per_bid:.1f} us/bid wall, cpu {r['cpu_s']:.3f} s, peak RSS "
                f"{r['peak_rss_mib']:.0f} MiB (+{r['added_rss_mib']:.0f} MiB in the call), "
                f"median of {r.get('runs', 1)}",
            )
        )
    for mode in {r["mode"] for r in results}:
        mine = sorted((r for r in results if r["mode"] == mode), key=lambda r: r["bids"])
        big = [r for r in mine if r["bids"] >= 1000] or mine
        if len(big) >= 2:
            first, last = big[0], big[-1]
            growth = (last["wall_s"] / last["bids"]) / (first["wall_s"] / first["bids"])
            rows.append(
                Row(
                    "scale",
                    f"{mode}: time per bid at {last['bids']:,} / at {first['bids']:,}",
                    f"{growth:.2f}x",
                    "1.00x = linear",
                )
            )
    return rows


def collect(smoke: bool = False) -> list[Row]:
    """The figures as table rows (``bench.run``)."""
    if smoke:
        return rows_of(run((10, 200), YEARS, MODES, in_process=True, repeat=1))
    return rows_of(run(SIZES, YEARS, MODES, in_process=False))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--years", type=int, default=YEARS)
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    parser.add_argument(
        "--repeat", type=int, default=3, help="fresh processes per size (1 from a million bids)"
    )
    parser.add_argument("--smoke", action="store_true", help="10 and 200 bids, in this process")
    parser.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--bids", type=int, default=10, help=argparse.SUPPRESS)
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.child:
        print(json.dumps(child(args.child, args.bids, args.years)))
        return 0
    sizes = (10, 200) if args.smoke else args.sizes
    print(f"# bench.scale on {machine_line()}")
    repeat = 1 if args.smoke else args.repeat
    print_table(rows_of(run(sizes, args.years, args.modes, in_process=args.smoke, repeat=repeat)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
