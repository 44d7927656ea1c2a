"""Size attack: a healthy client's EvaluateBids latency while attackers send 16 MiB requests.

The service runs as ``python -m tco_server`` on 127.0.0.1 in each *mode* (a set of server
flags and environment variables, :data:`MODES`). In each mode a healthy client calls
EvaluateBids with the typical tender in a closed loop, first alone (``--calls`` calls), then
while ``--attackers`` processes each send ``--attacks`` requests of empty items as large as the
server's ``--max-message-mb`` lets through (at most 16 MiB: 8 * 10^6 items of 2 bytes, the
shape that costs the parser most per byte), one after another. Every attack must be refused
with RESOURCE_EXHAUSTED (by the size limits or by the transport's message limit). Reported per
mode: the healthy client's p50 / p99 alone and under attack, and the attackers' refusals.

Loopback only, bounded in count (``--attacks`` per attacker) and time (``--seconds`` per mode).
Modes run in the order given, ``--rounds`` times alternating, so every mode sees the same load.

    .venv/bin/python -m bench.attack                      # every mode, 2 rounds
    .venv/bin/python -m bench.attack --modes guard no-guard --rounds 1
    .venv/bin/python -m bench.attack --smoke
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from collections.abc import Sequence
from multiprocessing.connection import Connection
from typing import Any

from bench._service import Service, argv_list, fmt_ms, typical_message
from bench.common import Row, machine_line, median, p99, print_table

ORDER = 62
METHOD = "/tcoapi.v1.LifeCycleCostService/EvaluateBids"
ATTACK_MIB = 16

#: name -> (server module, server flags, attack size in MiB). ``guard`` is the server as shipped;
#: ``no-guard`` the same without the size guard (:mod:`bench._unguarded_server`); the ``4mib``
#: modes have gRPC refuse anything over 4 MiB and are attacked at the 4 MiB it lets through.
MODES: dict[str, tuple[str, tuple[str, ...], int]] = {
    "guard": ("tco_server", (), ATTACK_MIB),
    "no-guard": ("bench._unguarded_server", (), ATTACK_MIB),
    "guard-4mib": ("tco_server", ("--max-message-mb", "4"), 4),
    "no-guard-4mib": ("bench._unguarded_server", ("--max-message-mb", "4"), 4),
}


def attack_payload(max_bytes: int) -> bytes:
    """An EvaluateBidsRequest of one bid of empty items, ``max_bytes`` long at most."""
    items = (max_bytes - 16) // 2
    bid = b"\x1a\x00" * items  # Bid.items (field 3), each an empty message
    size = len(bid)
    length = bytearray()
    while True:
        byte = size & 0x7F
        size >>= 7
        length.append(byte | (0x80 if size else 0))
        if not size:
            break
    return b"\x12" + bytes(length) + bid  # EvaluateBidsRequest.bids (field 2)


def _attacker(target: str, payload: bytes, attacks: int, deadline: float, out: Connection) -> None:
    """One attacker: ``attacks`` requests one after another; the status codes it got back."""
    import grpc

    codes: list[str] = []
    options = [("grpc.max_send_message_length", 64 << 20)]
    with grpc.insecure_channel(target, options=options) as channel:
        call = channel.unary_unary(METHOD)
        for _ in range(attacks):
            if time.time() > deadline:
                break
            try:
                call(payload, timeout=60)
                codes.append("OK")
            except grpc.RpcError as error:
                codes.append(error.code().name)
    out.send(codes)
    out.close()


def _attack(target: str, payload: bytes, attackers: int, attacks: int, seconds: float) -> Any:
    """Start the attacker processes; returns them with their pipes."""
    context = multiprocessing.get_context("spawn")
    deadline = time.time() + seconds
    started = []
    for _ in range(attackers):
        receive, send = context.Pipe(duplex=False)
        process = context.Process(target=_attacker, args=(target, payload, attacks, deadline, send))
        process.start()
        started.append((process, receive))
    return started, deadline


def run_mode(
    mode: str, calls: int, attackers: int, attacks: int, seconds: float
) -> dict[str, object]:
    """One mode: the healthy client alone, then under attack; latencies in seconds."""
    import grpc

    module, flags, attack_mib = MODES[mode]
    max_mb = int(flags[flags.index("--max-message-mb") + 1]) if flags else 16
    payload = typical_message().SerializeToString()

    def timed(call: Any) -> float:
        start = time.perf_counter()
        call(payload, timeout=60)
        return time.perf_counter() - start

    with Service(module, *flags) as server, grpc.insecure_channel(server.target) as channel:
        call = channel.unary_unary(METHOD)
        for _ in range(5):
            call(payload, timeout=60)
        alone = [timed(call) for _ in range(calls)]
        started, deadline = _attack(
            server.target, attack_payload(attack_mib << 20), attackers, attacks, seconds
        )
        attacked = []
        while any(p.is_alive() for p, _ in started) and time.time() < deadline + 5:
            attacked.append(timed(call))
        codes = [code for _, pipe in started for code in pipe.recv()]
        for process, _ in started:
            process.join()
    return {
        "mode": mode,
        "max_message_mb": max_mb,
        "attack_mib": attack_mib,
        "alone": alone,
        "attacked": attacked,
        "codes": codes,
    }


def rows(results: Sequence[dict[str, object]]) -> list[Row]:
    out = []
    for r in results:
        alone = r["alone"]
        attacked = r["attacked"]
        codes = r["codes"]
        assert isinstance(alone, list)
        assert isinstance(attacked, list)
        assert isinstance(codes, list)
        refused = sum(code == "RESOURCE_EXHAUSTED" for code in codes)
        out.append(
            Row(
                "attack",
                f"{r['mode']}: healthy p50 / p99 alone",
                f"{fmt_ms(median(alone))} / {fmt_ms(p99(alone))}",
                f"{len(alone)} calls",
            )
        )
        out.append(
            Row(
                "attack",
                f"{r['mode']}: healthy p50 / p99 under attack",
                f"{fmt_ms(median(attacked))} / {fmt_ms(p99(attacked))}",
                f"{len(attacked)} calls; {refused}/{len(codes)} attacks of {r['attack_mib']} MiB "
                f"refused (message limit {r['max_message_mb']} MiB)",
            )
        )
    return out


def run(
    modes: Sequence[str], rounds: int, calls: int, *, attackers: int, attacks: int, seconds: float
) -> list[dict[str, object]]:
    return [
        run_mode(mode, calls, attackers, attacks, seconds) for _ in range(rounds) for mode in modes
    ]


def collect(smoke: bool) -> list[Row]:
    if smoke:
        return rows(run(["guard"], 1, 5, attackers=1, attacks=2, seconds=20.0))
    return rows(run(list(MODES), 2, 200, attackers=2, attacks=20, seconds=60.0))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.attack", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--smoke", action="store_true", help="one mode, a few calls")
    parser.add_argument("--modes", nargs="+", choices=list(MODES), default=list(MODES))
    parser.add_argument("--rounds", type=int, default=2, help="runs of every mode (default 2)")
    parser.add_argument("--calls", type=int, default=200, help="healthy calls alone (200)")
    parser.add_argument("--attackers", type=int, default=2, help="attacker processes (2)")
    parser.add_argument("--attacks", type=int, default=20, help="requests per attacker (20)")
    parser.add_argument("--seconds", type=float, default=60.0, help="attack time bound (60)")
    args = parser.parse_args(argv_list(argv))
    started = time.strftime("%Y-%m-%d %H:%M")
    if args.smoke:
        results = run(["guard"], 1, 5, attackers=1, attacks=2, seconds=20.0)
    else:
        results = run(
            args.modes,
            args.rounds,
            args.calls,
            attackers=args.attackers,
            attacks=args.attacks,
            seconds=args.seconds,
        )
    print(f"# bench.attack, {started}, {machine_line()}")
    print_table(rows(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
