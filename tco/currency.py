"""ISO 4217 currency codes the engine knows, and the digits of each one's minor unit.

Every code here is a unit of its own dimension in :mod:`tco.units` (``SEK``, ``EUR/kWh``,
``SEK/tCO2e``), so an amount in one currency never silently becomes another: validation applies
``Method.exchange_rates`` explicitly. The minor-unit digits drive rounding on output
(:func:`minor_unit_digits`): SEK has öre (2 digits), JPY and ISK have none (0), KWD has fils (3).

The table is a deliberate subset of ISO 4217 (the currencies a European buyer is likely to meet,
plus the major world currencies). Adding a code is one line; the unit registry picks it up.

>>> minor_unit_digits("SEK"), minor_unit_digits("JPY"), minor_unit_digits("KWD")
(2, 0, 3)
>>> is_known("EUR"), is_known("eur"), is_known("XYZ")
(True, False, False)
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

#: ISO 4217 code -> digits of the minor unit (ISO 4217 "E" column).
_MINOR_UNIT_DIGITS: Final = MappingProxyType(
    {
        # Nordic and European
        "SEK": 2,
        "NOK": 2,
        "DKK": 2,
        "ISK": 0,
        "EUR": 2,
        "GBP": 2,
        "CHF": 2,
        "PLN": 2,
        "CZK": 2,
        "HUF": 2,
        "RON": 2,
        "BGN": 2,
        "RSD": 2,
        "BAM": 2,
        "MKD": 2,
        "ALL": 2,
        "MDL": 2,
        "UAH": 2,
        "GEL": 2,
        "TRY": 2,
        # Americas
        "USD": 2,
        "CAD": 2,
        "MXN": 2,
        "BRL": 2,
        "ARS": 2,
        "CLP": 0,
        "COP": 2,
        # Asia-Pacific
        "JPY": 0,
        "CNY": 2,
        "HKD": 2,
        "SGD": 2,
        "KRW": 0,
        "TWD": 2,
        "INR": 2,
        "IDR": 2,
        "MYR": 2,
        "THB": 2,
        "PHP": 2,
        "VND": 0,
        "AUD": 2,
        "NZD": 2,
        # Middle East and Africa
        "AED": 2,
        "SAR": 2,
        "QAR": 2,
        "ILS": 2,
        "BHD": 3,
        "KWD": 3,
        "OMR": 3,
        "JOD": 3,
        "TND": 3,
        "EGP": 2,
        "MAD": 2,
        "ZAR": 2,
        "KES": 2,
        "NGN": 2,
        "XOF": 0,
        "XAF": 0,
    }
)

#: Every ISO 4217 code the engine knows, sorted.
KNOWN_CURRENCIES: Final[tuple[str, ...]] = tuple(sorted(_MINOR_UNIT_DIGITS))


def is_known(code: str) -> bool:
    """Whether ``code`` is a known ISO 4217 code (exact, upper case)."""
    return code in _MINOR_UNIT_DIGITS


def minor_unit_digits(code: str) -> int:
    """Digits of the minor unit of ``code``: SEK 2, EUR 2, JPY 0, ISK 0, KWD 3.

    Raises :class:`KeyError` for an unknown code (validation refuses those before anyone asks).
    """
    try:
        return _MINOR_UNIT_DIGITS[code]
    except KeyError:
        raise KeyError(f"unknown currency {code!r}") from None
