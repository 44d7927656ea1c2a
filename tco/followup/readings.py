"""Readings of one meter → the observed total of a settlement period, its coverage and gaps.

Readings are append-only: a correction is a new reading that names the one it supersedes
(``supersedes``), never an edit; the superseded reading (and whatever it superseded) drops out.
The readings left must not overlap in time. Each reading states its consumption over
[start, end); a reading that straddles the period's edge counts pro rata by time (use is taken
as even within a reading, the usual rule for invoices and meter advances):

    O = Σ_r q_r · |[s_r, e_r) ∩ [S, E)| / |[s_r, e_r)|
    coverage = Σ_r |[s_r, e_r) ∩ [S, E)| / |[S, E)|

Uncovered stretches of the period are its gaps; the share of O that comes from readings flagged
``estimated`` is reported beside it.

Worked example: period 1 Jan–1 Mar (59 days); readings 1 Jan–1 Feb 3 100 kWh and 1 Feb–16 Feb
1 500 kWh, the latter corrected by a reading of 1 400 kWh: O = 4 500 kWh, coverage 46/59 = 78 %,
gap 16 Feb–1 Mar.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Reading:
    """Consumption over [start, end) as read from a meter, invoice, fuel card or report."""

    id: str
    start: datetime
    end: datetime
    quantity: float
    estimated: bool = False
    supersedes: str = ""


@dataclass(frozen=True)
class Observation:
    """What the readings say about one period."""

    total: float
    coverage: float
    estimated_share: float
    gaps: tuple[tuple[datetime, datetime], ...]
    reading_ids: tuple[str, ...]


class ReadingError(ValueError):
    """Readings that cannot be summed: the message names the reading(s)."""


def current_readings(readings: Iterable[Reading]) -> list[Reading]:
    """The readings no correction supersedes, ordered by start; refuses bad or overlapping ones.

    >>> from datetime import datetime as d
    >>> a = Reading("a", d(2027, 1, 1), d(2027, 2, 1), 10.0)
    >>> b = Reading("b", d(2027, 1, 1), d(2027, 2, 1), 12.0, supersedes="a")
    >>> [r.id for r in current_readings([a, b])]
    ['b']
    """
    given = list(readings)
    ids = [r.id for r in given]
    if len(set(ids)) != len(ids):
        raise ReadingError("two readings share an id")
    known = set(ids)
    superseded = set()
    for r in given:
        if not r.end > r.start:
            raise ReadingError(f"reading {r.id}: its end must be after its start")
        if not math.isfinite(r.quantity) or r.quantity < 0.0:
            raise ReadingError(f"reading {r.id}: quantity must be a finite number >= 0")
        if r.supersedes:
            if r.supersedes not in known:
                raise ReadingError(f"reading {r.id} supersedes {r.supersedes}, which is unknown")
            superseded.add(r.supersedes)
    current = sorted((r for r in given if r.id not in superseded), key=lambda r: (r.start, r.id))
    for before, after in itertools.pairwise(current):
        if after.start < before.end:
            raise ReadingError(f"readings {before.id} and {after.id} overlap")
    return current


class Meter:
    """The current readings of one meter, checked and ordered once, observed period by period.

    Readings do not overlap once checked, so both their starts and their ends ascend: the
    readings that touch a period are found by bisection and each period costs only its own
    readings, whatever the length of the contract.
    """

    def __init__(self, readings: Iterable[Reading]) -> None:
        self.readings = current_readings(readings)
        self._ends = [r.end for r in self.readings]

    def observe(self, start: datetime, end: datetime) -> Observation:
        """The observed total over [start, end) (see :func:`observe`)."""
        if not end > start:
            raise ReadingError("the period's end must be after its start")
        period = (end - start).total_seconds()
        parts: list[float] = []
        estimated: list[float] = []
        covered: list[float] = []
        gaps: list[tuple[datetime, datetime]] = []
        used: list[str] = []
        cursor = start
        for r in self.readings[bisect.bisect_right(self._ends, start) :]:
            if r.start >= end:
                break
            lo, hi = max(r.start, start), min(r.end, end)
            if lo > cursor:
                gaps.append((cursor, lo))
            cursor = max(cursor, hi)
            overlap = (hi - lo).total_seconds()
            part = r.quantity * overlap / (r.end - r.start).total_seconds()
            parts.append(part)
            covered.append(overlap)
            used.append(r.id)
            if r.estimated:
                estimated.append(part)
        if cursor < end:
            gaps.append((cursor, end))
        total = math.fsum(parts)
        return Observation(
            total=total,
            coverage=math.fsum(covered) / period,
            estimated_share=math.fsum(estimated) / total if total > 0.0 else 0.0,
            gaps=tuple(gaps),
            reading_ids=tuple(used),
        )


def observe(readings: Sequence[Reading], start: datetime, end: datetime) -> Observation:
    """The observed total over [start, end) with coverage, estimated share and gaps.

    >>> from datetime import datetime as d
    >>> rs = [Reading("jan", d(2027, 1, 1), d(2027, 2, 1), 3100.0),
    ...       Reading("feb", d(2027, 2, 1), d(2027, 2, 16), 1500.0),
    ...       Reading("fix", d(2027, 2, 1), d(2027, 2, 16), 1400.0, supersedes="feb")]
    >>> o = observe(rs, d(2027, 1, 1), d(2027, 3, 1))
    >>> o.total, round(o.coverage, 4), o.gaps == ((d(2027, 2, 16), d(2027, 3, 1)),)
    (4500.0, 0.7797, True)
    """
    return Meter(readings).observe(start, end)
