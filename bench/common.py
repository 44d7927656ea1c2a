"""Shared helpers of the benchmarks: timing statistics, the machine, tenders of any size.

Timing: :func:`measure` runs a callable ``repeat`` times after ``warmup`` untimed runs and
returns the wall times (``time.perf_counter``); report the :func:`median` and :func:`p99`. The
machine is shared (other processes run at the same time), so only medians over many
repetitions, and ratios measured in the same run, are worth quoting.

Tenders: :func:`typical_request` builds a proto-JSON tender (the ``EvaluateBidsRequest`` JSON
mapping, as in ``examples/``) by replicating the items of ``examples/sample-tender.json``;
:func:`to_tender` turns it into :class:`tco.inputs.Tender` through the server's own conversion
(:mod:`tco_server.convert_in`); :func:`small_bids_prepared` builds a
:class:`tco.prepared.PreparedTender` of any number of small bids directly (no validation:
``tco.validate.prepare`` refuses more than ``MAX_BIDS`` bids per request);
:func:`streams_prepared` a tender of five plain cost streams per bid whose present values a few
lines of numpy can recompute (the compute floor, :mod:`bench.compute`).
"""

from __future__ import annotations

import copy
import json
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "sample-tender.json"

__all__ = [
    "ROOT",
    "Row",
    "machine_info",
    "measure",
    "median",
    "p99",
    "print_table",
    "sample_request",
    "small_bids_prepared",
    "streams_prepared",
    "to_tender",
    "typical_request",
]


# --- statistics ---------------------------------------------------------------------------------


def measure(fn: Callable[[], object], *, repeat: int, warmup: int = 1) -> list[float]:
    """Wall time in seconds of each of ``repeat`` calls of ``fn`` (after ``warmup`` calls)."""
    for _ in range(warmup):
        fn()
    times: list[float] = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def median(times: Sequence[float]) -> float:
    """The median of ``times``."""
    return float(statistics.median(times))


def p99(times: Sequence[float]) -> float:
    """The 99th percentile of ``times`` (nearest rank; the maximum below 100 samples)."""
    ordered = sorted(times)
    rank = max(math.ceil(0.99 * len(ordered)), 1)
    return float(ordered[rank - 1])


# --- the machine --------------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def machine_info() -> dict[str, str]:
    """CPU model, usable cores, OS, Python and numpy versions (for the report header)."""
    return {
        "cpu": _cpu_model(),
        "cores": str(_usable_cores()),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "numpy": np.__version__,
    }


def machine_line() -> str:
    """:func:`machine_info` on one line."""
    info = machine_info()
    return (
        f"{info['cpu']}, {info['cores']} cores, {info['os']}, Python {info['python']}, "
        f"numpy {info['numpy']}"
    )


# --- output -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Row:
    """One figure of a benchmark, for :func:`print_table` and ``bench.run``'s summary."""

    bench: str
    case: str
    value: str
    note: str = ""


def print_table(rows: Sequence[Row], *, file: Any = None) -> None:
    """Rows as an aligned plain-text table."""
    out = file or sys.stdout
    header = Row("bench", "case", "value", "note")
    every = [header, *rows]
    widths = [max(len(getattr(r, f)) for r in every) for f in ("bench", "case", "value")]
    for r in every:
        print(
            f"{r.bench:<{widths[0]}}  {r.case:<{widths[1]}}  {r.value:>{widths[2]}}  {r.note}",
            file=out,
        )


# --- tenders ------------------------------------------------------------------------------------


def sample_request() -> dict[str, Any]:
    """A fresh copy of ``examples/sample-tender.json`` (proto JSON)."""
    data: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    return data


def typical_request(
    n_bids: int = 5, items_per_bid: int = 10, study_period_years: int = 20
) -> dict[str, Any]:
    """A proto-JSON tender of ``n_bids`` bids x ``items_per_bid`` items over N years.

    Bid j is sample bid ``j % 2`` (diesel / battery scrubbers: replacements, warranty, residual
    value, an item cost stream, circularity on the battery bids) with its items repeated and
    their quantities varied (1..4), so no two items are identical. The method keeps the sample's
    carbon price (climate cost on), deductions model and baseline (the first bid).
    """
    sample = sample_request()
    method = copy.deepcopy(sample["method"])
    method["study_period_years"] = study_period_years
    method["baseline_bid_id"] = "bid-0"
    bids: list[dict[str, Any]] = []
    for j in range(n_bids):
        template = sample["bids"][j % len(sample["bids"])]
        bid = copy.deepcopy(template)
        bid["id"] = f"bid-{j}"
        bid["supplier"] = f"supplier {j}"
        items: list[dict[str, Any]] = []
        for k in range(items_per_bid):
            item = copy.deepcopy(template["items"][k % len(template["items"])])
            item["name"] = f"{item.get('name', 'item')} #{k}"
            item["quantity"] = 1 + (j + k) % 4
            items.append(item)
        bid["items"] = items
        bids.append(bid)
    return {"method": method, "bids": bids}


def to_tender(request: dict[str, Any]) -> Any:
    """A proto-JSON tender as :class:`tco.inputs.Tender`, through the server's conversion."""
    from google.protobuf import json_format

    from tco_server import convert_in
    from tcoapi.v1 import tender_pb2

    message = json_format.ParseDict(request, tender_pb2.EvaluateBidsRequest())
    return convert_in.to_tender(message)


def small_bids_prepared(n_bids: int, study_period_years: int = 25, *, seed: int = 7) -> Any:
    """A prepared tender of ``n_bids`` small bids: one or two items each, N years.

    Items: a luminaire-like item (price, installation, 10-year life, energy use, maintenance
    with a 2-year warranty, embodied emissions, end-of-life cost) and, in every other bid, a
    controls item (price, 15-year life, a small electricity use). Prices and uses vary from bid
    to bid (a seeded generator), so every bid is distinct. The method prices electricity with a
    1 % real escalation and a constant emission factor, and a constant carbon price.
    """
    from tco.inputs import ModelKind, RateBasis, Timing
    from tco.prepared import (
        PreparedBid,
        PreparedCarbonPrice,
        PreparedItem,
        PreparedMethod,
        PreparedModel,
        PreparedResource,
        PreparedResourceUse,
        PreparedTender,
    )

    n = study_period_years
    electricity = PreparedResource(
        name="electricity",
        unit="kWh",
        price=1.3,
        escalation_rates=np.full(n, 0.01),
        emission_factor=np.full(n + 1, 0.059),
        emission_basis="location-based",
        emission_source="method",
    )
    method = PreparedMethod(
        currency="SEK",
        minor_unit_digits=2,
        base_year=2027,
        study_period_years=n,
        discount_rate=0.035,
        stated_discount_rate=0.035,
        rate_basis=RateBasis.REAL,
        inflation_rate=0.0,
        timing=Timing.END_OF_YEAR,
        resources=MappingProxyType({"electricity": electricity}),
        carbon_price=PreparedCarbonPrice(
            price_per_kg=np.full(n + 1, 7.0),
            undiscounted=False,
            source="constant",
            extrapolated_years=(),
            price_base_year=0,
        ),
        pollutant_prices=MappingProxyType({}),
        model=PreparedModel(kind=ModelKind.COST, ladder=MappingProxyType({}), externality_factor=0),
        baseline_bid_id="",
        include_module_d=False,
        functional_unit="",
    )
    rng = np.random.default_rng(seed)
    prices = np.round(rng.uniform(2_000.0, 4_000.0, n_bids), 2).tolist()
    uses = np.round(rng.uniform(100.0, 300.0, n_bids), 1).tolist()
    embodied = MappingProxyType({"a1_a3": 25.0, "a4": 0.0, "a5": 0.0, "c1_c4": 1.5, "d": 0.0})
    controls_emissions = MappingProxyType(
        {"a1_a3": 5.0, "a4": 0.0, "a5": 0.0, "c1_c4": 0.5, "d": 0.0}
    )
    controls = PreparedItem(
        name="controls",
        quantity=1.0,
        unit_price=800.0,
        installation_cost=0.0,
        service_life=15.0,
        resource_use=(PreparedResourceUse("electricity", 8.0),),
        maintenance_per_year=0.0,
        warranty_years=0.0,
        end_of_life_cost=0.0,
        residual_value=None,
        emissions=controls_emissions,
        costs=(),
        pollutant_emissions=(),
    )
    bids: list[PreparedBid] = []
    for b in range(n_bids):
        luminaire = PreparedItem(
            name="luminaire",
            quantity=10.0,
            unit_price=prices[b],
            installation_cost=400.0,
            service_life=10.0,
            resource_use=(PreparedResourceUse("electricity", uses[b]),),
            maintenance_per_year=60.0,
            warranty_years=2.0,
            end_of_life_cost=50.0,
            residual_value=None,
            emissions=embodied,
            costs=(),
            pollutant_emissions=(),
        )
        items = (luminaire, controls) if b % 2 else (luminaire,)
        bids.append(
            PreparedBid(
                id=f"bid-{b}",
                supplier="",
                items=items,
                costs=(),
                deductions=(),
                ladder_level=0,
                circularity=None,
                functional_units_delivered=0.0,
            )
        )
    return PreparedTender(method=method, bids=tuple(bids))


#: The five streams of :func:`streams_prepared`: (category, first year, every k years, escalation).
STREAMS: tuple[tuple[str, int, int, float], ...] = (
    ("acquisition", 0, 0, 0.0),
    ("energy", 1, 1, 0.02),
    ("maintenance", 1, 1, 0.0),
    ("replacement", 10, 10, 0.0),
    ("end_of_life", -1, 0, 0.0),  # at N
)
#: Real discount rate of :func:`streams_prepared`.
STREAMS_DISCOUNT_RATE = 0.035


def stream_amounts(n_bids: int, *, seed: int = 11) -> Any:
    """Amounts of the five streams of each bid, shape (bids, 5), rounded to whole money."""
    rng = np.random.default_rng(seed)
    low = np.array([20_000.0, 500.0, 200.0, 4_000.0, 300.0])
    return np.round(rng.uniform(low, 3 * low, (n_bids, len(STREAMS))))


def streams_prepared(n_bids: int, study_period_years: int = 30, *, seed: int = 11) -> Any:
    """A prepared tender of ``n_bids`` bids of five cost streams each, over N years.

    Per bid (amounts from :func:`stream_amounts`): an acquisition at t = 0, energy every year
    1..N escalating 2 % a year, maintenance every year 1..N, a replacement every 10 years from
    year 10, an end-of-life cost at N. Method: 3.5 % real, end of year, no carbon price, no
    other externalities. The life-cycle cost of bid b is then
    ``sum_t C_bt (1.035) ** -t`` (see :mod:`bench.compute` for three ways to compute it).
    """
    from tco.inputs import ModelKind, RateBasis, Timing
    from tco.prepared import (
        PreparedBid,
        PreparedMethod,
        PreparedModel,
        PreparedStream,
        PreparedTender,
    )

    n = study_period_years
    method = PreparedMethod(
        currency="SEK",
        minor_unit_digits=2,
        base_year=2027,
        study_period_years=n,
        discount_rate=STREAMS_DISCOUNT_RATE,
        stated_discount_rate=STREAMS_DISCOUNT_RATE,
        rate_basis=RateBasis.REAL,
        inflation_rate=0.0,
        timing=Timing.END_OF_YEAR,
        resources=MappingProxyType({}),
        carbon_price=None,
        pollutant_prices=MappingProxyType({}),
        model=PreparedModel(kind=ModelKind.COST, ladder=MappingProxyType({}), externality_factor=0),
        baseline_bid_id="",
        include_module_d=False,
        functional_unit="",
    )
    amounts = stream_amounts(n_bids, seed=seed).tolist()
    bids = []
    for b in range(n_bids):
        streams = tuple(
            PreparedStream(
                name=category,
                category=category,
                amount=amounts[b][k],
                first_year=n if first < 0 else first,
                every_years=every,
                last_year=n,
                escalation=escalation,
                life=None,
                emissions=0.0,
                emissions_module="b1_b3",
            )
            for k, (category, first, every, escalation) in enumerate(STREAMS)
        )
        bids.append(
            PreparedBid(
                id=f"bid-{b}",
                supplier="",
                items=(),
                costs=streams,
                deductions=(),
                ladder_level=0,
                circularity=None,
                functional_units_delivered=0.0,
            )
        )
    return PreparedTender(method=method, bids=tuple(bids))
