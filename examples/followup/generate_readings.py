"""Write ``readings-2027-2028.csv``: two years of monthly readings of the lighting sub-meter of
house 7, as the hospital's meter portal exports them (Swedish headers, ``;`` between fields, a
decimal comma, the period's last day in ``Till``). Deterministic: no randomness, run it again and
the file is the same byte for byte.

The winner (bid B of ``examples/hospital-led-lighting.json``) promised 400 panels × 26 W ×
3 500 h = 36 400 kWh a year. Use follows daylight (the panels dim and switch off by daylight and
presence): month m uses 36 400 / 12 × w_m, the weights w below summing to 12. Then:

- 2027: 1.5 % above the promise (commissioning, the sensors being tuned) — within the ±5 % band;
- 2028: January and February 2 % above; from March the presence sensors of two wards are bypassed
  after a rebuild and use is 20 % above the promise — a shortfall;
- **one correction**: April 2027 is exported as 29 250 kWh (the decimal point lost: 2 925,0) and
  is corrected afterwards by a reading that supersedes it (``tco followup correct``);
- **one gap**: July 2028 is missing (the meter's communication unit was replaced); August 2028 is
  flagged ``E`` (estimated) by the portal.

Usage: ``python examples/followup/generate_readings.py [OUT.csv]``.
"""

from __future__ import annotations

import calendar
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

PROMISE_KWH_PER_YEAR = Decimal(36400)
WEIGHTS = (1.25, 1.15, 1.05, 0.95, 0.85, 0.75, 0.70, 0.80, 0.95, 1.10, 1.20, 1.25)
METER = "belysning-hus-7"
WRONG_MONTH, WRONG_FACTOR = (2027, 4), 10  # exported with the decimal point lost
MISSING_MONTH = (2028, 7)
ESTIMATED_MONTH = (2028, 8)


def factor(year: int, month: int) -> Decimal:
    """Actual use against the promise in a month."""
    if year == 2027:
        return Decimal("1.015")
    return Decimal("1.02") if month <= 2 else Decimal("1.20")


def monthly_kwh(year: int, month: int) -> Decimal:
    """The month's true use, kWh to one decimal (half-up)."""
    use = PROMISE_KWH_PER_YEAR / 12 * Decimal(str(WEIGHTS[month - 1])) * factor(year, month)
    return use.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def rows() -> list[str]:
    lines = ["Mätpunkt;Från;Till;Förbrukning;Enhet;Status"]
    for year in (2027, 2028):
        for month in range(1, 13):
            if (year, month) == MISSING_MONTH:
                continue
            kwh = monthly_kwh(year, month)
            if (year, month) == WRONG_MONTH:
                kwh *= WRONG_FACTOR
            last = calendar.monthrange(year, month)[1]
            status = "E" if (year, month) == ESTIMATED_MONTH else ""
            number = f"{kwh:.1f}".replace(".", ",")
            lines.append(
                f"{METER};{year}-{month:02d}-01;{year}-{month:02d}-{last:02d};{number};kWh;{status}"
            )
    return lines


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else Path(__file__).with_name("readings-2027-2028.csv")
    out.write_text("\n".join(rows()) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
