"""The follow-up report through the records store (issue #19: one contract < 200 ms, 1 000
contracts < 10 s).

The store is a real :class:`~tco_server.records.store.RecordStore` (SQLite in a temporary
folder, ``synchronous=NORMAL`` for the set-up; or ``--database URL``, an empty PostgreSQL
database). The set-up (not measured) publishes, evaluates and awards procurements of a small
lighting tender (two bids, one item each) with the ProcurementService's own functions, records a
commitment for each and appends its readings; then
:func:`tco_server.records.followup_report.get_follow_up_report` is timed, the function the RPC
calls (no transport):

- **one contract**: 14 months of hourly readings (10 220) of one meter, settled by month:
  readings loaded from the store, 14 periods, the cumulative result, the realised LCC and the
  award in hindsight (three evaluations of the stored tender); median of ``--repeat``;
- **1 000 contracts**: ``--contracts`` commitments, each on its own procurement with 14 monthly
  invoices, every report produced once in a row; the total and per contract.

The readings module in this branch is fureport's temporary stand-in (each batch one record, the
rows in its payload); the loading share is printed apart so the figure can be re-taken on
fustore's readings table.

    .venv/bin/python -m bench.followup_report                       # 1 contract + 1 000
    .venv/bin/python -m bench.followup_report --contracts 100 --repeat 3
    .venv/bin/python -m bench.followup_report --smoke
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.common import Row, machine_line, median, print_table

ORDER = 81
HOURS = 14 * 730
ORG = "bench-region"


def _tender() -> tuple[Any, list[Any]]:
    from tcoapi.v1 import tender_pb2

    def q(value: float, unit: str) -> tender_pb2.Quantity:
        return tender_pb2.Quantity(value=value, unit=unit)

    m = tender_pb2.Method(currency="SEK", base_year=2027, study_period_years=10, discount_rate=0.04)
    m.resource_prices.add(resource="electricity", price=q(1.5, "SEK/kWh"))
    m.emission_factors.add(resource="electricity", factor=q(0.05, "kgCO2e/kWh"), basis="location")
    bids = []
    for bid_id, price, watts in (("led-a", 2000, 45), ("led-b", 1800, 60)):
        b = tender_pb2.Bid(id=bid_id)
        b.items.add(
            name="LED luminaire",
            quantity=120,
            unit_price=q(price, "SEK"),
            service_life=q(10, "years"),
            resource_use=[
                tender_pb2.ResourceUse(
                    resource="electricity", amount=q(watts, "W"), activity=q(4000, "h/year")
                )
            ],
        )
        bids.append(b)
    return m, bids


def _evaluate(request: Any) -> Any:
    from tco.evaluate import evaluate
    from tco_server import convert_in, convert_out

    return convert_out.to_response(evaluate(convert_in.to_tender(request)))


def contract(store: Any, pid: str, readings: list[Any], period: Any) -> str:
    """Publish, evaluate and award ``pid``; record a commitment on meter "m"; append readings."""
    from tco_server.config import ServerConfig
    from tco_server.records import commitments, procurements
    from tco_server.records import readings as rd
    from tcoapi.v1 import followup_pb2 as fpb
    from tcoapi.v1 import procurement_pb2 as pb

    method, bids = _tender()
    limits = ServerConfig().limits
    procurements.create_procurement(
        store,
        ORG,
        pb.CreateProcurementRequest(procurement_id=pid, procurement=pb.Procurement(method=method)),
        limits,
    )
    name = f"procurements/{pid}"
    evaluation = procurements.evaluate_procurement(
        store,
        ORG,
        pb.EvaluateProcurementRequest(name=name, bids=bids),
        _evaluate,
    ).evaluation
    procurements.award_procurement(
        store,
        ORG,
        pb.AwardProcurementRequest(
            name=name, evaluation=evaluation.name, bid_id="led-a", decided_by="bench"
        ),
    )
    c = fpb.Commitment(settlement_period=period, guarantee_periods=24, recorded_by="bench")
    c.contract_start_time.FromDatetime(datetime(2027, 1, 1, tzinfo=UTC))
    c.promises.add(
        item="LED luminaire",
        resource="electricity",
        series="m",
        terms=fpb.PromiseTerms(tolerance=0.05),
    )
    made = commitments.create_commitment(
        store,
        ORG,
        fpb.CreateCommitmentRequest(parent=name, commitment=c),
    ).commitment
    specs = commitments.series_specs([made])
    request = fpb.AppendReadingsRequest(parent=name, entered_by="bench")
    for item in readings:
        if isinstance(item, fpb.IntervalSeries):
            request.series.append(item)
        else:
            request.readings.append(item)
    rd.append_readings(store, ORG, pid, request, specs)
    return str(made.name)


def hourly() -> list[Any]:
    from tcoapi.v1 import followup_pb2 as fpb

    s = fpb.IntervalSeries(series="m", unit="kWh", interval_seconds=3600)
    s.start_time.FromDatetime(datetime(2027, 1, 1, tzinfo=UTC))
    s.values.extend(2.4 + (h % 24) * 0.01 for h in range(HOURS))
    return [s]


def monthly() -> list[Any]:
    from tcoapi.v1 import followup_pb2 as fpb

    out = []
    start = datetime(2027, 1, 1, tzinfo=UTC)
    for k in range(14):
        r = fpb.Reading(series="m")
        r.quantity.value, r.quantity.unit = 1900.0 + k, "kWh"
        r.start_time.FromDatetime(start + timedelta(days=k * 30))
        r.end_time.FromDatetime(start + timedelta(days=(k + 1) * 30))
        out.append(r)
    return out


def _report(store: Any, name: str) -> Any:
    from tco_server.records.followup_report import get_follow_up_report
    from tcoapi.v1 import followup_pb2 as fpb

    request = fpb.GetFollowUpReportRequest(name=name)
    request.as_of_time.FromDatetime(datetime(2028, 3, 1, tzinfo=UTC))
    return get_follow_up_report(store, ORG, request)


def _open(database: str | None, folder: str) -> Any:
    from tco_server.records.store import RecordStore

    url = database or f"sqlite:///{folder}/records.sqlite3"
    return RecordStore.open(url, None, "normal")


def measure(contracts: int, repeat: int, database: str | None = None) -> list[Row]:
    from tco_server.records.readings import load_series
    from tcoapi.v1 import followup_pb2 as fpb

    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as folder:
        store = _open(database, folder)
        name = contract(store, "one-hourly", hourly(), fpb.SETTLEMENT_PERIOD_MONTH)
        _report(store, name)  # warm: imports, caches
        times, loads, cpus = [], [], []
        for _ in range(repeat):
            began = time.perf_counter()
            load_series(store, ORG, "one-hourly", "m", datetime(2027, 1, 1, tzinfo=UTC),
                        datetime(2028, 3, 1, tzinfo=UTC))  # fmt: skip
            loads.append(time.perf_counter() - began)
            began, cpu = time.perf_counter(), time.process_time()
            _report(store, name)
            times.append(time.perf_counter() - began)
            cpus.append(time.process_time() - cpu)
        rows.append(Row("followup_report", "1 contract, 14 months hourly (10 220), by month",
                        f"{median(times) * 1000:.0f} ms",
                        f"CPU {median(cpus) * 1000:.0f} ms, loading {median(loads) * 1000:.0f} ms "
                        "wall; target < 200 ms"))  # fmt: skip
        names = [
            contract(store, f"c{i}", monthly(), fpb.SETTLEMENT_PERIOD_MONTH)
            for i in range(contracts)
        ]
        cpu, began = time.process_time(), time.perf_counter()
        for each in names:
            _report(store, each)
        total, cpu = time.perf_counter() - began, time.process_time() - cpu
        rows.append(Row("followup_report", f"{contracts} contracts, 14 monthly readings each",
                        f"{total:.2f} s", f"{total / contracts * 1000:.1f} ms each, CPU "
                        f"{cpu:.2f} s; target < 10 s for 1 000"))  # fmt: skip
        store.close()
    return rows


def collect(smoke: bool) -> list[Row]:
    """The rows for ``bench.run``: 1 000 contracts (3 and one repeat with ``smoke``)."""
    return measure(3, 1) if smoke else measure(1000, 5)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.followup_report", description=__doc__)
    parser.add_argument("--contracts", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database", help="an empty PostgreSQL database's URL")
    parser.add_argument("--smoke", action="store_true", help="3 contracts, 1 repeat")
    args = parser.parse_args(argv)
    contracts, repeat = (3, 1) if args.smoke else (args.contracts, args.repeat)
    print(machine_line())
    print(f"load average {os.getloadavg()[0]:.1f} at start")
    print_table(measure(contracts, repeat, args.database))
    print(f"load average {os.getloadavg()[0]:.1f} at end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
