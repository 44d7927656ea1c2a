"""The bounds validation enforces: sizes of lists and texts, ranges of numbers.

Other layers repeat some of them (the service's request limits sit below these, see
:mod:`tco_server.limits`); they import them from here.
"""

from __future__ import annotations

import re
from typing import Final

#: Most bids in one tender.
MAX_BIDS: Final = 1000
#: Most entries of any repeated field (items, streams, resource uses, ladder steps ...).
MAX_LIST: Final = 10_000
#: Most items over all bids.
MAX_TOTAL_ITEMS: Final = 100_000
#: Most replacements a service life may imply within the study period.
MAX_REPLACEMENTS: Final = 1000
#: Largest item quantity (and largest count of functional units).
MAX_QUANTITY: Final = 1e12
#: Fewest functional units a bid may state, unless 0 (none): the cost per unit stays finite.
MIN_FUNCTIONAL_UNITS: Final = 1e-6
#: Bounds of the MCI's lifetime and use-intensity ratios (L/L_av, U/U_av) when stated.
MIN_CIRCULARITY_RATIO: Final = 1e-3
MAX_CIRCULARITY_RATIO: Final = 1e3
#: Most rates in a yearly escalation list (the longest study period).
MAX_YEARLY_RATES: Final = 100
#: Calendar years (base year, trajectory and carbon price points).
MIN_BASE_YEAR: Final = 1900
MAX_BASE_YEAR: Final = 2200
#: Longest study period, in years.
MAX_STUDY_PERIOD: Final = 100
#: Highest ladder level of the fictive discount model.
MAX_LADDER_LEVEL: Final = 1_000_000
#: Longest recurrence of a cost stream, in years.
MAX_EVERY_YEARS: Final = 1_000_000

#: Largest absolute amount after conversion to canonical units (money, kWh, kgCO2e ...).
MAX_MAGNITUDE: Final = 1e18
#: Largest rate (discount, inflation, escalation) per year: 1.0 = 100 %.
MAX_RATE: Final = 1.0
#: Largest exponent of (1 + r)^N allowed, in natural-log units (e^700 ~ 1e304).
MAX_LOG_GROWTH: Final = 700.0
#: Most violations listed; the rest are counted in a last entry.
MAX_VIOLATIONS: Final = 1000

#: Longest id (bid id, resource name ...), in characters.
MAX_ID_LENGTH: Final = 256
#: Longest free text (names, supplier, basis ...), in characters.
MAX_TEXT_LENGTH: Final = 2000
#: Longest category or emissions module of a cost stream, in characters.
MAX_CODE_LENGTH: Final = 64
#: Names of resources and pollutants: lower_snake_case.
NAME_PATTERN: Final = re.compile(r"[a-z][a-z0-9_]*")
