"""Re-basing a money value from one year's prices to another's with an annual price index.

A reference value "in 2017 prices" is in the money of 2017. A method whose base year is 2023
needs it in 2023 money, so it is re-based with the annual-average price index I of its currency
(``tco/reference/price_indices.json``):

    value(to_year) = value(from_year) x I(to_year) / I(from_year)

Indices (lcc-method.md §4 "Price base year"): SEK SCB KPI (fastställda tal, 1980=100), EUR
Eurostat HICP (euro area), GBP HM Treasury GDP deflator (the Green Book's rule), USD BLS CPI-U.

Worked example (ASEK 7.0, SCB KPI): 7.00 SEK/kgCO2e in 2017 prices, I(2017) = 322.11,
I(2023) = 403.70, so in 2023 prices 7.00 x 403.70 / 322.11 = 8.7731 SEK/kgCO2e (8.773090),
+25.3 %: at face value a 2023 method would understate the climate cost by that much.

Rules:

- A year past the last published index year is held at the last year's level and flagged
  (``Rebased.beyond_years``), or, when the method states an annual inflation for those years,
  extended from the last level: I(y) = I(last) x (1 + inflation)^(y - last).
- A year before the first index year, or a currency without a vendored index, is an error: the
  result has no value (``Rebased.value is None``), never a guess.
- An unknown price-base year (``None``) is flagged and the value is used at face value.
- A method may opt out (``face_value=True``): the value is used as given, and the record says so.

This is a change of money unit, not of real value: keep it apart from a carbon value's real
escalation over the study period (a series' points), which is applied after re-basing.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, replace

from tco import reference
from tco.reference import PriceIndex

__all__ = ["RebaseStatus", "Rebased", "rebase"]


class RebaseStatus(enum.Enum):
    """What :func:`rebase` did."""

    #: Converted with the index: value x I(to) / I(from).
    CONVERTED = "converted"
    #: Already in the target year's prices: the value as given.
    SAME_YEAR = "same_year"
    #: The method opted out ("use face values"): the value as given.
    FACE_VALUE = "face_value"
    #: The value's price-base year is unknown: the value as given, flagged.
    UNKNOWN_BASE_YEAR = "unknown_base_year"
    #: Error: no price index is vendored for the currency.
    NO_INDEX = "no_index"
    #: Error: a year lies before the first year of the index.
    BEFORE_INDEX = "before_index"


_ERRORS = frozenset({RebaseStatus.NO_INDEX, RebaseStatus.BEFORE_INDEX})


@dataclass(frozen=True, slots=True)
class Rebased:
    """A re-based value and the record of how it was obtained (for the trail and warnings)."""

    #: The value in ``to_year`` prices; None on an error status (nothing to use).
    value: float | None
    status: RebaseStatus
    currency: str
    #: Price year of the given value; None when unknown.
    from_year: int | None
    to_year: int
    #: Annual inflation the method states for years past the last index year; None: held flat.
    inflation_beyond: float | None
    #: One sentence for the explanation trail / warning / error.
    message: str
    #: Name and base of the index used, e.g. "SCB ... (1980=100)"; "" when none was used.
    index_name: str = ""
    #: I(from_year) and I(to_year) as used (held or extended levels included); None when unused.
    index_from: float | None = None
    index_to: float | None = None
    #: The index's last published year; None when no index was looked up.
    last_index_year: int | None = None
    #: ``from_year`` / ``to_year`` past ``last_index_year`` (held or extended), ascending.
    beyond_years: tuple[int, ...] = ()

    @property
    def factor(self) -> float | None:
        """I(to) / I(from), when the index was used."""
        if self.index_from is None or self.index_to is None:
            return None
        return self.index_to / self.index_from

    @property
    def is_error(self) -> bool:
        """True when the value cannot be re-based (no index, or a year before the index)."""
        return self.status in _ERRORS

    @property
    def warns(self) -> bool:
        """True when the result rests on something unpublished: an unknown price-base year, or
        an index level held flat past the last published year."""
        held = bool(self.beyond_years) and self.inflation_beyond is None
        return self.status is RebaseStatus.UNKNOWN_BASE_YEAR or held


def rebase(
    value: float,
    currency: str,
    from_year: int | None,
    to_year: int,
    *,
    inflation_beyond: float | None = None,
    face_value: bool = False,
    index: PriceIndex | None = None,
) -> Rebased:
    """Re-base ``value`` (in ``currency``, in ``from_year`` prices) to ``to_year`` prices.

    value(to_year) = value x I(to_year) / I(from_year), with I the currency's vendored annual
    index (``index`` overrides it; it must be of ``currency``). ``from_year=None`` means unknown:
    flagged, the value as given. ``inflation_beyond``: annual rate the method states for years
    past the last index year (None: hold the last level, flagged).

    >>> r = rebase(7.00, "SEK", 2017, 2023)
    >>> round(r.value, 4), r.index_from, r.index_to
    (8.7731, 322.11, 403.7)
    >>> r = rebase(7.00, "SEK", 2017, 2027)  # past the last SCB year: held at 2023's level
    >>> round(r.value, 4), r.beyond_years, r.warns
    (8.7731, (2027,), True)
    """
    _check_year(to_year)
    if from_year is not None:
        _check_year(from_year)
    if not math.isfinite(value):
        raise ValueError(f"value {value!r} is not finite")
    if inflation_beyond is not None and not (
        math.isfinite(inflation_beyond) and inflation_beyond > -1
    ):
        raise ValueError(f"inflation_beyond {inflation_beyond!r} must be a finite rate above -1")
    if index is not None and index.currency != currency:
        raise ValueError(f"index is of {index.currency}, the value is in {currency}")
    same = f"{_amount(value, currency)} in {to_year} prices"
    given = Rebased(
        value, RebaseStatus.SAME_YEAR, currency, from_year, to_year, inflation_beyond, same
    )
    if face_value:
        return replace(
            given,
            status=RebaseStatus.FACE_VALUE,
            message=f"{_amount(value, currency)} used at face value: the method opts out of "
            f"re-basing to {to_year} prices"
            + (f" (given in {from_year} prices)" if from_year else ""),
        )
    if from_year is None:
        return replace(
            given,
            status=RebaseStatus.UNKNOWN_BASE_YEAR,
            message=f"{_amount(value, currency)}: price-base year unknown, used at face value "
            f"(not re-based to {to_year} prices)",
        )
    if from_year == to_year:
        return given
    found = index if index is not None else reference.price_index(currency)
    if found is None:
        why = reference.price_index_not_vendored(currency)
        return replace(
            given,
            value=None,
            status=RebaseStatus.NO_INDEX,
            message=f"no price index for {currency}: {_amount(value, currency)} in {from_year} "
            f"prices cannot be re-based to {to_year} prices" + (f" ({why})" if why else ""),
        )
    return _convert(given, found, from_year)


def _convert(given: Rebased, index: PriceIndex, from_year: int) -> Rebased:
    """value x I(to) / I(from), past-the-end years held (or extended), early years an error."""
    value, currency, to_year = given.value or 0.0, given.currency, given.to_year
    name = f"{index.name}, {index.aggregate} ({index.base})"
    early = sorted({y for y in (from_year, to_year) if y < index.first_year})
    if early:
        return replace(
            given,
            value=None,
            status=RebaseStatus.BEFORE_INDEX,
            index_name=name,
            last_index_year=index.last_year,
            message=f"{', '.join(map(str, early))} is before the first year ({index.first_year}) "
            f"of the {currency} price index: {_amount(value, currency)} cannot be re-based from "
            f"{from_year} to {to_year} prices",
        )
    index_from = _level(index, from_year, given.inflation_beyond)
    index_to = _level(index, to_year, given.inflation_beyond)
    rebased = value * (index_to / index_from)
    beyond = tuple(sorted({y for y in (from_year, to_year) if y > index.last_year}))
    message = (
        f"{_amount(value, currency)} in {from_year} prices = {_amount(rebased, currency)} in "
        f"{to_year} prices (x {index_to:g} / {index_from:g}, {index.name}, {index.base})"
    )
    if beyond:
        message += f"; {', '.join(map(str, beyond))} past the last published year "
        if given.inflation_beyond is None:
            message += f"{index.last_year}: held at the {index.last_year} level"
        else:
            message += f"{index.last_year}: extended at {given.inflation_beyond:.2%} a year as "
            message += "the method states"
    return replace(
        given,
        value=rebased,
        status=RebaseStatus.CONVERTED,
        index_name=name,
        index_from=index_from,
        index_to=index_to,
        last_index_year=index.last_year,
        beyond_years=beyond,
        message=message,
    )


def _level(index: PriceIndex, year: int, inflation_beyond: float | None) -> float:
    """I(year): published, or past the last year held (or extended at the stated inflation)."""
    published = index.level(year)
    if published is not None:
        return published
    last = index.values[-1].value
    if inflation_beyond is None:
        return last
    return last * (1.0 + inflation_beyond) ** (year - index.last_year)


def _check_year(year: int) -> None:
    if isinstance(year, bool) or not isinstance(year, int) or year < 1:
        raise ValueError(f"{year!r} is not a calendar year (an unknown price-base year is None)")


def _amount(value: float, currency: str) -> str:
    return f"{value:.6g} {currency}"
