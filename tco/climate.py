"""Climate cost and other monetised externalities (primer §4).

- :func:`climate_cost`: emissions of year t (kgCO2e, module D only when the method includes it)
  x the carbon price of year t (money per kgCO2e), discounted like every other cost unless the
  method says undiscounted (Clean Vehicles Directive style).
- :func:`pollutant_cost`: kg of each other pollutant x its price per kg, same discounting rule.
- :func:`climate_warnings`: NO_CARBON_PRICE, SERIES_EXTRAPOLATED and the price-base warnings
  (PRICE_INDEX_HELD, PRICE_BASE_UNKNOWN, PRICE_BASE_FACE_VALUE).

Units are settled before this module: emissions in kgCO2e, prices per kgCO2e. A price per tonne
was divided by 1 000 once, by the unit registry, so the kg-vs-t slip (bug class 12) cannot happen
here.

Timing: the emissions of study year t are valued at the carbon price of year t (calendar year
base_year + t). The climate cost of an emission is discounted at the payment time of the flow
that caused it (:func:`tco.finance.payment_times`): operational emissions like recurring amounts,
embodied and end-of-life emissions like one-off events, so that an energy cost and the climate
cost of that energy are discounted alike under every timing convention.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tco.kernel import TimeGrid
from tco.prepared import PreparedCarbonPrice, PreparedPollutantPrice
from tco.price_base import RebaseStatus
from tco.results import Warning

FloatArray = npt.NDArray[np.float64]

__all__ = ["ExternalityCost", "climate_cost", "climate_warnings", "pollutant_cost"]


@dataclass(frozen=True, slots=True)
class ExternalityCost:
    """A monetised externality by bid and study year, in the method currency.

    ``undiscounted`` is at the price level of the payment year (nominal in a nominal analysis);
    ``discounted`` is the present value at t = 0 (or the plain sum when the method says
    undiscounted). Shapes (bids, N + 1).
    """

    undiscounted: FloatArray
    discounted: FloatArray

    @property
    def total(self) -> FloatArray:
        """Present value by bid, shape (bids,)."""
        return np.asarray(self.discounted.sum(axis=-1), dtype=np.float64)


def _value(
    quantity_by_group: FloatArray, unit_price: FloatArray, grid: TimeGrid, undiscounted: bool
) -> ExternalityCost:
    """Sum over time groups of quantity x price, as reported and as present value.

    ``quantity_by_group`` has shape (..., groups, N + 1); ``unit_price`` broadcasts against it
    (per year, or per leading index and year).
    """
    money = quantity_by_group * unit_price
    reported = np.einsum("...gt,gt->...t", money, grid.report)
    if undiscounted:
        present = money.sum(axis=-2)
    else:
        present = np.einsum("...gt,gt->...t", money, grid.discount)
    return ExternalityCost(
        undiscounted=np.asarray(reported, dtype=np.float64),
        discounted=np.asarray(present, dtype=np.float64),
    )


def climate_cost(
    counted_emissions_by_group: FloatArray, carbon_price: PreparedCarbonPrice | None, grid: TimeGrid
) -> ExternalityCost:
    """Climate cost by bid and year: ``E_t x p_t``, discounted unless the method says not.

    ``counted_emissions_by_group`` is kgCO2e of the modules that count in the total (module D
    only if the method includes it), shape (bids, groups, N + 1) by payment-time group of
    :class:`tco.kernel.TimeGrid`. ``carbon_price.price_per_kg`` is money per kgCO2e for each study
    year. No carbon price: zero cost.

    Formula: ``CC = sum_t E_t p_t (1 + d) ** -tau(t)``, ``tau`` the payment time; with
    ``undiscounted``: ``CC = sum_t E_t p_t``.

    Example: 1 000 kgCO2e a year for 2 years (END_OF_YEAR), 1.5 SEK/kg, d = 0:
    ``CC = 2 x 1 000 x 1.5 = 3 000 SEK``. At 1 500 SEK/tCO2e the same 1.5 SEK/kg arrives here, so
    the result is the same and never 3 000 000 (bug class 12).
    """
    bids, _, years = counted_emissions_by_group.shape
    if carbon_price is None:
        zeros = np.zeros((bids, years), dtype=np.float64)
        return ExternalityCost(undiscounted=zeros, discounted=zeros.copy())
    return _value(
        counted_emissions_by_group,
        np.asarray(carbon_price.price_per_kg, dtype=np.float64),
        grid,
        carbon_price.undiscounted,
    )


def pollutant_cost(
    pollutant_kg_by_group: FloatArray,
    pollutants: Sequence[str],
    prices: Mapping[str, PreparedPollutantPrice],
    grid: TimeGrid,
) -> ExternalityCost:
    """Cost of other pollutants (NOx, NMHC, PM ...) by bid and year, summed over pollutants.

    ``pollutant_kg_by_group`` has shape (bids, pollutants, groups, N + 1), pollutants in the
    order of ``pollutants``. A pollutant the method does not price costs nothing. Each price has
    its own ``undiscounted`` flag.

    Formula: ``PC = sum_p sum_t kg_{p,t} price_p (1 + d) ** -tau(t)`` (no discount factor for an
    undiscounted price).

    Example: 0.2 g/km NOx x 20 000 km/year = 4 kg/year; at 0.0044 EUR/g = 4.4 EUR/kg that is
    17.6 EUR a year.
    """
    bids = pollutant_kg_by_group.shape[0]
    years = pollutant_kg_by_group.shape[-1]
    undiscounted = np.zeros((bids, years), dtype=np.float64)
    discounted = np.zeros((bids, years), dtype=np.float64)
    for index, name in enumerate(pollutants):
        price = prices.get(name)
        if price is None or price.price_per_kg == 0.0:
            continue
        part = _value(
            pollutant_kg_by_group[:, index],
            np.asarray(price.price_per_kg, dtype=np.float64),
            grid,
            price.undiscounted,
        )
        undiscounted += part.undiscounted
        discounted += part.discounted
    return ExternalityCost(undiscounted=undiscounted, discounted=discounted)


def climate_warnings(
    carbon_price: PreparedCarbonPrice | None, base_year: int
) -> tuple[Warning, ...]:
    """Warnings about the carbon price a reader of the result must see.

    - NO_CARBON_PRICE: the method states no carbon price, so emissions are reported but not
      valued: no climate cost is in any comparison number (never silent, issue #14).
    - SERIES_EXTRAPOLATED: study years outside the series' points, where the price was held flat.
    - PRICE_INDEX_HELD: the series was re-based to the method's price year, but that year (or the
      series' own) lies past the last published index year: the index is held at its last level.
    - PRICE_BASE_UNKNOWN: the publisher states no price-base year (EIB, EBRD, DK-MST): the
      values are used at face value, not re-based.
    - PRICE_BASE_FACE_VALUE: the method opts out of re-basing ("use face values") and the series
      is in another year's prices: used as given.

    ``base_year`` names the method's year in the messages when the series carries no re-basing
    record (prepared by hand).

    Example: ASEK 7.0 (2017 prices) in a 2027 method is re-based with SCB KPI up to 2023 and held
    there: PRICE_INDEX_HELD says so.
    """
    if carbon_price is None:
        return (
            Warning(
                code="NO_CARBON_PRICE",
                message=(
                    "the method states no carbon price: emissions are reported in kgCO2e but not "
                    "valued, and no comparison number contains a climate cost"
                ),
            ),
        )
    warnings: list[Warning] = []
    if carbon_price.extrapolated_years:
        years = carbon_price.extrapolated_years
        warnings.append(
            Warning(
                code="SERIES_EXTRAPOLATED",
                message=(
                    f"carbon price ({carbon_price.source}) held flat outside its points in "
                    f"{len(years)} study year(s): {_year_ranges(years)}"
                ),
            )
        )
    warnings.extend(_price_base_warnings(carbon_price, base_year))
    return tuple(warnings)


def _price_base_warnings(carbon_price: PreparedCarbonPrice, base_year: int) -> list[Warning]:
    """PRICE_INDEX_HELD, PRICE_BASE_UNKNOWN, PRICE_BASE_FACE_VALUE (:func:`climate_warnings`)."""
    r = carbon_price.rebased
    source = carbon_price.source
    if r is None:  # prepared without validation (tests, benchmarks): nothing was re-based
        year = carbon_price.price_base_year
        if not year or year == base_year:
            return []
        return [
            Warning(
                "PRICE_BASE_FACE_VALUE",
                f"carbon price ({source}) is in {year} prices and was not re-based: used at face "
                f"value in {base_year} money",
            )
        ]
    if r.status is RebaseStatus.UNKNOWN_BASE_YEAR:
        return [
            Warning(
                "PRICE_BASE_UNKNOWN",
                f"carbon price ({source}): the publisher states no price-base year, so the "
                f"values are used at face value, not re-based to the method's {r.to_year} prices",
            )
        ]
    if r.status is RebaseStatus.FACE_VALUE and r.from_year != r.to_year:
        given = f"in {r.from_year} prices" if r.from_year else "of unknown price-base year"
        return [
            Warning(
                "PRICE_BASE_FACE_VALUE",
                f"carbon price ({source}) is {given}; the method opts out of re-basing "
                f"(use_face_values), so it is used at face value in {r.to_year} money",
            )
        ]
    if r.warns and r.beyond_years:
        return [
            Warning(
                "PRICE_INDEX_HELD",
                f"carbon price ({source}) re-based from {r.from_year} to {r.to_year} prices "
                f"with {r.index_name}; {_year_ranges(r.beyond_years)} past the last published "
                f"year {r.last_index_year}: the index is held at its {r.last_index_year} level "
                f"(x {r.factor:.6g})",
            )
        ]
    return []


def _year_ranges(years: Sequence[int]) -> str:
    """``(2020, 2021, 2022, 2031)`` -> ``"2020-2022, 2031"``."""
    ordered = sorted(set(years))
    parts: list[str] = []
    start = previous = ordered[0]
    for year in ordered[1:]:
        if year == previous + 1:
            previous = year
            continue
        parts.append(f"{start}" if start == previous else f"{start}-{previous}")
        start = previous = year
    parts.append(f"{start}" if start == previous else f"{start}-{previous}")
    return ", ".join(parts)
