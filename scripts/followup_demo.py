"""The example contract from award to a two-year follow-up, against a server this script starts.

Usage (from the repository root)::

    .venv/bin/python scripts/followup_demo.py OUT_DIR [--lang sv|en] [--data-dir DIR]

Steps (the same as the commands in examples/followup/README.md):

1. start ``python -m tco_server`` on a free port with its records in ``--data-dir`` (default: a
   new temporary folder, removed afterwards), wait until it is listening and healthy;
2. publish ``examples/hospital-led-lighting.json`` as procurement ``led-2027``, evaluate its bids
   (``e1``) and award the best one (bid B);
3. record commitment ``c1``: the winner's promises with the terms of
   ``examples/followup/lighting-commitment.json`` (a kWh guarantee, ±5 % band, shortfall payment);
4. import ``examples/followup/readings-2027-2028.csv`` (two years of monthly readings, streamed),
   then correct the April 2027 reading exported as 29 249 kWh (the decimal point lost) to
   2 924.9 kWh: a new reading superseding it;
5. ask for the follow-up report as of 1 January 2029 with the price actually paid for electricity
   (1.45 SEK/kWh, for the award in hindsight), print it, and write ``uppfoljning.xlsx`` (``en``:
   ``follow-up.xlsx``) and ``uppfoljning.png`` (``follow-up.png``) to OUT_DIR;
6. stop the server.

Exit codes: 0 ok; 1 the server did not start or a step failed (the message says which; a server
without the FollowUpService answers UNIMPLEMENTED).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from demo import Server  # type: ignore[import-not-found]  # scripts/ is not a package

from tco_client.errors import TcoError
from tco_client.followup import FollowUpClient
from tco_client.followup_charts import write_followup_chart
from tco_client.followup_cli import parse_column_map, report_text
from tco_client.followup_report import write_followup_report

ROOT = Path(__file__).resolve().parent.parent
TENDER = ROOT / "examples" / "hospital-led-lighting.json"
EXAMPLE = ROOT / "examples" / "followup"
TERMS = EXAMPLE / "lighting-commitment.json"
READINGS = EXAMPLE / "readings-2027-2028.csv"
COLUMN_MAP = [
    "meter=Mätpunkt",
    "start=Från",
    "end=Till",
    "quantity=Förbrukning",
    "unit=Enhet",
    "estimated=Status",
    "decimal=,",
    "delimiter=;",
]
PROCUREMENT, COMMITMENT = "led-2027", "c1"
AS_OF = "2029-01-01T00:00:00+01:00"
ACTUAL_PRICES = {"electricity": (1.45, "SEK/kWh")}
WRONG_KWH, RIGHT_KWH = 29249.0, 2924.9


def follow_up(target: str, out: Path, lang: str) -> list[Path]:
    """Steps 2-5 against the server at ``target``; the written files."""
    with FollowUpClient(target, timeout=120.0) as client:
        client.create(PROCUREMENT, TENDER, title="LED-belysning, hus 7")
        evaluation = client.evaluate(PROCUREMENT, TENDER, evaluation_id="e1")
        best = min(evaluation.response.results, key=lambda r: (r.rank, r.bid_id))
        print(f"awarded: bid {best.bid_id} ({best.supplier}), rank {best.rank}")
        client.award(
            PROCUREMENT, evaluation="e1", bid_id=best.bid_id, decided_by="Upphandlingschef"
        )
        made = client.create_commitment(
            PROCUREMENT, TERMS, commitment_id=COMMITMENT, recorded_by="Avtalsförvaltare"
        )
        print(f"{made.name}: {len(made.promises)} promise(s), record {made.record_hash[:16]}")
        stored = client.append_readings(
            PROCUREMENT,
            READINGS,
            parse_column_map(COLUMN_MAP),
            entered_by="Driftavdelningen (mätportalen)",
        )
        print(f"{stored.readings_appended} readings in {len(stored.batches)} batch(es)")
        wrong = [
            r
            for r in client.list_readings(PROCUREMENT, "belysning-hus-7")
            if r.quantity.value == WRONG_KWH and not r.superseded
        ]
        if len(wrong) != 1:
            raise RuntimeError(f"expected one reading of {WRONG_KWH} kWh, found {len(wrong)}")
        client.correct_reading(
            PROCUREMENT,
            wrong[0].name,
            quantity=RIGHT_KWH,
            unit="kWh",
            entered_by="Energicontroller",
        )
        print(f"corrected {wrong[0].name}: {WRONG_KWH} -> {RIGHT_KWH} kWh")
        report = client.follow_up_report(
            f"{PROCUREMENT}/{COMMITMENT}", as_of=AS_OF, actual_prices=ACTUAL_PRICES
        )
    print(report_text(report, lang))
    stem = "uppfoljning" if lang == "sv" else "follow-up"
    out.mkdir(parents=True, exist_ok=True)
    return [
        write_followup_report(report, out / f"{stem}.xlsx", lang=lang),
        write_followup_chart(report, out / f"{stem}.png", lang=lang),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("out", type=Path, help="folder for the Excel report and the chart")
    parser.add_argument("--lang", choices=("sv", "en"), default="sv")
    parser.add_argument("--data-dir", type=Path, help="records folder (default: a temporary one)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="tco-followup-") as temporary:
        data_dir = args.data_dir or Path(temporary)
        server = _records_server(data_dir)
        try:
            target = server.wait_listening(timeout=60.0)
            server.wait_serving(timeout=30.0)
            written = follow_up(target, args.out, args.lang)
        except (RuntimeError, TcoError, OSError) as exc:
            sys.stderr.write(f"followup_demo: {exc}\n")
            return 1
        finally:
            code = server.stop()
        for path in written:
            print(f"written: {path}")
    if code != 0:
        sys.stderr.write(f"followup_demo: the server exited {code}:\n{''.join(server.log)}")
        return 1
    return 0


def _records_server(data_dir: Path) -> Server:
    """``demo.Server`` (its waits and stop) on a free port, the records kept in ``data_dir``."""
    import subprocess
    from collections import deque

    server = Server.__new__(Server)
    cmd = [sys.executable, "-m", "tco_server", "--host", "127.0.0.1", "--port", "0"]
    server.proc = subprocess.Popen(
        [*cmd, "--data-dir", str(data_dir)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    server.log = deque(maxlen=200)
    server.target = ""
    return server


if __name__ == "__main__":
    raise SystemExit(main())
