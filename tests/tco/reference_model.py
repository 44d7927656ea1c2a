"""The life-cycle cost method as plain Python: the executable spec the engine is checked against.

Written from the method primer (``lcc-method.md`` §2-§7) and the README's "conventions this
engine pins", not from the engine's code: one function per convention with its formula in the
docstring, plain loops over bids, items and years, Python floats only. The input is a
:class:`tco.prepared.PreparedTender` (canonical units, real rates: validation has applied Fisher),
the engine's input too; the output is one :class:`BidFigures` per bid, **unrounded** (the engine
rounds money half-up on output only). Nothing of the engine is imported but the dataclasses and
enums of its input and output.

How a bid is valued: its items and cost streams become *entries*, each one amount of money
(a cost category), of kgCO2e (an EN 15978 module) or of kg of a pollutant, belonging to a study
year t (its column) and paid at a time tau (:func:`payment_time`, or the event's own time). Then
every entry is discounted by SPV(d, tau), reported at the price level of tau (nominal analyses),
and emissions are priced at the carbon price of year t (:func:`value_entries`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from tco.inputs import ModelKind, RateBasis, Timing
from tco.prepared import (
    CATEGORIES,
    INVESTMENT_CATEGORIES,
    MODULES,
    PreparedBid,
    PreparedCircularity,
    PreparedItem,
    PreparedMethod,
    PreparedResource,
    PreparedStream,
    PreparedTender,
)
from tco.results import MeasureStatus

# --- §2 time, discounting, escalation ---------------------------------------------------------


def fisher_real(nominal: float, inflation: float) -> float:
    """(1 + d_real) = (1 + d_nom) / (1 + i). Nominal 4.5 %, inflation 2.25049 % -> 2.2 %."""
    return (1.0 + nominal) / (1.0 + inflation) - 1.0


def fisher_nominal(real: float, inflation: float) -> float:
    """(1 + d_nom) = (1 + d_real)(1 + i). Real 20 %, inflation 3 % -> 23.6 % (not 23 %)."""
    return (1.0 + real) * (1.0 + inflation) - 1.0


def spv(d: float, t: float) -> float:
    """Single present value SPV(d, t) = (1 + d)^-t; SPV(3 %, 15) = 0.6419."""
    return float((1.0 + d) ** -t)


def upv(d: float, n: int) -> float:
    """UPV(d, N) = (1 - (1 + d)^-N) / d (= N at d = 0); UPV(3 %, 15) = 11.9379.

    Written -expm1(-N log1p(d)) / d, which stays exact as d nears 0 (d = 1e-300 gives N)."""
    return float(n) if d == 0.0 else -math.expm1(-n * math.log1p(d)) / d


def upv_star(d: float, e: float, n: int) -> float:
    """UPV*(d, e, N) = sum_{t=1..N} ((1 + e)/(1 + d))^t; UPV*(3 %, 2 %, 20) = 18.0812."""
    return sum(((1.0 + e) / (1.0 + d)) ** t for t in range(1, n + 1))


def payment_time(timing: Timing, t: int) -> float:
    """When the *recurring* amount of study year t is paid (one-off events stay at their time).

    END_OF_YEAR: t; MID_YEAR: t - 0.5; BEGINNING_OF_YEAR: t - 1 (annuity-due); year 0 never moves
    (bug class 2). Example: MID_YEAR, t = 3 -> 2.5.
    """
    if t == 0 or timing is Timing.END_OF_YEAR:
        return float(t)
    return t - 0.5 if timing is Timing.MID_YEAR else t - 1.0


def constant_escalation(e: float, tau: float) -> float:
    """Price index at payment time tau of a constant rate, from the base date: (1 + e)^tau.

    Example: 2 % at tau = 5 -> 1.104081 (from the base date, not from first use: bug class 6).
    """
    return float((1.0 + e) ** tau)


def series_escalation(rates: Sequence[float], tau: float) -> float:
    """Price index at tau of yearly rates (rates[i] is the rate of year i + 1; the last repeats).

    index(tau) = prod_{k=1..floor tau} (1 + e_k) x (1 + e_{floor tau + 1})^(tau - floor tau).
    Example: rates (10 %, 0 %, 5 %) -> index 1.1 at 1 and 2, 1.155 at 3, 1.21275 at 4.
    """
    if not rates:
        return 1.0

    def rate(year: int) -> float:
        return rates[min(year, len(rates)) - 1]

    whole = math.floor(tau)
    index = 1.0
    for year in range(1, whole + 1):
        index *= 1.0 + rate(year)
    if tau > whole:
        index *= (1.0 + rate(whole + 1)) ** (tau - whole)
    return index


def snap_to_year(time: float) -> float:
    """A time within 1e-9 of a whole year is that year (lives in months leave 11.999999999)."""
    nearest = round(time)
    return float(nearest) if abs(time - nearest) < 1e-9 else time


def event_year(time: float) -> int:
    """The study year an event at ``time`` belongs to: ceil(time) (a replacement at 2.5 -> 3)."""
    return math.ceil(time)


# --- §3 items: purchases, ends of life, residual value, warranty --------------------------------


def purchase_times(life: float | None, n: int) -> list[float]:
    """Purchases of one unit position at 0, L, 2L, ... < N; no life stated = lasts N years.

    Example: L = 8, N = 20 -> [0, 8, 16]; L = 10, N = 20 -> [0, 10] (no purchase at N).
    """
    if life is None or life >= n:
        return [0.0]
    times, j = [], 0
    while (time := snap_to_year(j * life)) < n:
        times.append(time)
        j += 1
    return times


def end_of_life_times(purchases: list[float], life: float, n: int) -> list[float]:
    """Ends of life tau + L of every purchase that fall inside the study, t = N included."""
    ends = [snap_to_year(t + life) for t in purchases]
    return [t for t in ends if t <= n]


def remaining_life(purchases: list[float], life: float, n: int) -> float:
    """Years of life left at N of the unit bought last: last + L - N (<= 0: its life has ended)."""
    return snap_to_year(purchases[-1] + life - n)


def linear_residual_value(capital_cost: float, remaining: float, life: float) -> float:
    """RV = cost x remaining / L on the last purchase's capital cost, never negative.

    Example: 1 200 bought at 8 with L = 8, N = 10: 6 of 8 years left -> 900.
    """
    return max(capital_cost * remaining / life, 0.0)


def explicit_residual_value_booked(remaining: float) -> bool:
    """Whether a stated resale / buy-back value is booked at N: for a unit still in service at N
    (remaining > 0) and for one whose life ends exactly at N (remaining = 0: sold back instead of
    scrapped; primer §3, BLCC 5.3 FEMPEnergy). The last unit's life never ends before N.
    """
    return remaining >= 0.0


def price_index(escalation: float, tau: float) -> float:
    """Price of unit price + installation bought at tau, base-year price = 1: (1 + e)^tau, e the
    item's own real price escalation (primer §3 pinned conventions; 0 when not stated).
    Example: 2 % at tau = 8 -> 1.171659."""
    return float((1.0 + escalation) ** tau)


def warranty_share(purchases: list[float], warranty: float, life: float, t: int) -> float:
    """Share of year t's maintenance the supplier bears (warranty from each purchase, pro rata).

    Year t spans (t - 1, t]; the warranty of a unit bought at tau covers (tau, tau + min(W, L)].
    share = min(1, sum over purchases of the overlap length); year 0 is never covered.
    Example: W = 1.5, purchases 0 and 8 (L = 8): years 1 and 9 fully, 2 and 10 by half.
    """
    covered = min(warranty, life)
    if t == 0 or covered <= 0.0:
        return 0.0
    share = sum(
        min(max(min(float(t), tau + covered) - max(t - 1.0, tau), 0.0), 1.0) for tau in purchases
    )
    return min(share, 1.0)


#: Units and resources that make a resource "energy" (module B6); the rest is "water and other
#: resources" (B7). Fuels priced by volume or mass are energy (ASTM E917; CVD Art. 6).
_ENERGY = (
    "Wh kWh MWh GWh TWh J kJ MJ GJ TJ watt_hour kilowatt_hour megawatt_hour joule kilojoule "
    "megajoule gigajoule | electricity district_heating district_cooling heat steam diesel petrol "
    "gasoline hvo hvo100 biodiesel rme fame b100 ethanol e85 ed95 methanol lpg propane natural_gas "
    "cng lng biogas biomethane hydrogen fuel_oil heating_oil kerosene jet_fuel pellets "
    "wood_pellets wood_chips firewood coal"
)
ENERGY_UNITS, ENERGY_CARRIERS = (frozenset(part.split()) for part in _ENERGY.split("|"))

#: EN 15978 module of a stream's emissions when the stream names none (else B1-B3, use stage).
DEFAULT_MODULE = {
    "acquisition": "a1_a3",
    "installation": "a5",
    "replacement": "b4",
    "end_of_life": "c1_c4",
    "energy": "b6",
    "water_and_resources": "b7",
}


# --- entries: what a bid costs and emits, year by year -----------------------------------------


@dataclass(frozen=True)
class Entry:
    """One amount: ``kind`` cost (key: category), emission (module) or pollutant (name)."""

    kind: str
    key: str
    year: int
    time: float
    amount: float


def is_energy(resource: PreparedResource) -> bool:
    """Energy (cost "energy", module B6) when its unit is an energy unit or it is a known fuel."""
    return resource.unit.strip() in ENERGY_UNITS or resource.name.strip().lower() in ENERGY_CARRIERS


def item_events(item: PreparedItem, n: int) -> list[Entry]:
    """Purchase at 0 (acquisition, installation, A1-A3, A4, A5); each replacement at L, 2L, ...
    < N repeats unit price + installation x :func:`price_index` ("replacement") and the embodied
    emissions (B4); each end of life at t <= N brings the end-of-life cost, C1-C4 and D. Per
    unit x quantity."""
    q, life = item.quantity, float(n) if item.service_life is None else item.service_life
    purchases = purchase_times(item.service_life, n)
    e = {module: item.emissions.get(module, 0.0) for module in MODULES}
    out = [
        Entry("cost", "acquisition", 0, 0.0, q * item.unit_price),
        Entry("cost", "installation", 0, 0.0, q * item.installation_cost),
        *(Entry("emission", m, 0, 0.0, q * e[m]) for m in ("a1_a3", "a4", "a5")),
    ]
    for tau in purchases[1:]:
        capital = (item.unit_price + item.installation_cost) * price_index(
            item.price_escalation, tau
        )
        out.append(Entry("cost", "replacement", event_year(tau), tau, q * capital))
        embodied = e["a1_a3"] + e["a4"] + e["a5"]
        out.append(Entry("emission", "b4", event_year(tau), tau, q * embodied))
    for tau in end_of_life_times(purchases, life, n):
        out.append(Entry("cost", "end_of_life", event_year(tau), tau, q * item.end_of_life_cost))
        out += [Entry("emission", m, event_year(tau), tau, q * e[m]) for m in ("c1_c4", "d")]
    return out


def item_residual_value(item: PreparedItem, n: int) -> list[Entry]:
    """The residual value at N (a negative cost) of the last unit: linear on the last purchase's
    unit price + installation at its price level (:func:`price_index`) while it is in service
    at N, or the stated resale / buy-back value when :func:`explicit_residual_value_booked`;
    never negative."""
    life = float(n) if item.service_life is None else item.service_life
    purchases = purchase_times(item.service_life, n)
    remaining = remaining_life(purchases, life, n)
    if item.residual_value is not None and explicit_residual_value_booked(remaining):
        value = max(item.residual_value, 0.0)
    elif remaining > 0.0:
        capital = (item.unit_price + item.installation_cost) * price_index(
            item.price_escalation, purchases[-1]
        )
        value = linear_residual_value(capital, remaining, life)
    else:
        return []
    return [Entry("cost", "residual_value", n, float(n), -item.quantity * value)]


def item_yearly(item: PreparedItem, method: PreparedMethod) -> list[Entry]:
    """Recurring amounts of years 1..N, per unit x quantity: maintenance less the warranty
    share; each resource use x price x escalation index at the payment time (cost) and x the
    emission factor of the year (B6 / B7); other pollutants in kg."""
    n, q = method.study_period_years, item.quantity
    life = float(n) if item.service_life is None else item.service_life
    purchases = purchase_times(item.service_life, n)
    out = []
    for t in range(1, n + 1):
        tau = payment_time(method.timing, t)
        share = warranty_share(purchases, item.warranty_years, life, t)
        out.append(
            Entry("cost", "maintenance", t, tau, q * item.maintenance_per_year * (1 - share))
        )
        for use in item.resource_use:
            resource = method.resources[use.resource]
            price = resource.price * series_escalation(list(resource.escalation_rates), tau)
            factor = float(resource.emission_factor[t])
            category, module = (
                ("energy", "b6") if is_energy(resource) else ("water_and_resources", "b7")
            )
            out.append(Entry("cost", category, t, tau, q * use.amount_per_year * price))
            out.append(Entry("emission", module, t, tau, q * use.amount_per_year * factor))
        for pollutant in item.pollutant_emissions:
            out.append(Entry("pollutant", pollutant.pollutant, t, tau, q * pollutant.kg_per_year))
    return out


def stream_years(stream: PreparedStream, n: int) -> list[int]:
    """Years of a generic stream: once at first_year (every_years <= 0), or first_year,
    first_year + k, ... up to last_year (0 = N), inside 0..N. Example: (1, 2, 6), N = 10 -> 1, 3, 5.
    """
    first = max(stream.first_year, 0)
    if stream.every_years <= 0:
        return [first] if first <= n else []
    last = min(stream.last_year if stream.last_year > 0 else n, n)
    return list(range(first, last + 1, stream.every_years))


def stream_entries(
    stream: PreparedStream, method: PreparedMethod, multiplier: float
) -> list[Entry]:
    """A generic stream: amount x (1 + e)^tau in each of its years (x quantity for an item's).

    Every year (k = 1) it is recurring (the timing convention applies); otherwise one-off events
    at whole years. With a life, the last occurrence leaves a linear residual value at N:
    amount_last x (last + life - N) / life, never negative.
    """
    n = method.study_period_years
    years = stream_years(stream, n)
    category = stream.category or "other"
    module = stream.emissions_module or DEFAULT_MODULE.get(category, "b1_b3")
    out, amount = [], 0.0
    for t in years:
        tau = payment_time(method.timing, t) if stream.every_years == 1 else float(t)
        amount = multiplier * stream.amount * constant_escalation(stream.escalation, tau)
        out.append(Entry("cost", category, t, tau, amount))
        out.append(Entry("emission", module, t, tau, multiplier * stream.emissions))
    if years and stream.life is not None and stream.life > 0.0:
        remaining = snap_to_year(years[-1] + stream.life - n)
        if remaining > 0.0:  # on the amount of the last occurrence
            value = linear_residual_value(amount, remaining, stream.life)
            out.append(Entry("cost", "residual_value", n, float(n), -value))
    return out


# --- valuation: present values, nominal reporting, climate and other externalities -------------


@dataclass
class BidFigures:
    """Every figure of one bid, unrounded. Yearly lists have N + 1 entries (years 0..N)."""

    bid_id: str
    #: Cost categories, then "climate" and "pollutants": money at the price level of the payment
    #: time (nominal in nominal analyses), and present values.
    undiscounted: dict[str, list[float]]
    discounted: dict[str, list[float]]
    #: kgCO2e by module and year (module D always; counted in totals only when included).
    emissions: dict[str, list[float]]
    counted_by_year: list[float]
    #: Sums of |amount| of every money and every kgCO2e entry (the scale of rounding noise).
    gross: float
    gross_kg: float
    life_cycle_cost: float = 0.0
    life_cycle_cost_undiscounted: float = 0.0
    climate_cost: float = 0.0
    externality_cost: float = 0.0
    deductions: float = 0.0
    evaluated: float = 0.0
    annual_value: float = 0.0
    cost_per_functional_unit: float | None = None
    circularity: float | None = None
    cost_by_category: dict[str, float] = field(default_factory=dict)


def report_factor(method: PreparedMethod, tau: float) -> float:
    """Real amount -> money of its payment time: (1 + i)^tau in a nominal analysis, else 1.

    Present values are the same either way (Fisher); this is why a nominal residual value at N
    carries N years of inflation (bug class 5)."""
    if method.rate_basis is RateBasis.NOMINAL:
        return float((1.0 + method.inflation_rate) ** tau)
    return 1.0


def value_entries(bid_id: str, entries: list[Entry], method: PreparedMethod) -> BidFigures:
    """Discount, report and price every entry of a bid.

    Cost: C x SPV(d, tau). Climate (counted modules; D only when included): E_t [kg] x p_t
    [money/kg] x SPV(d, tau), without SPV when the method says undiscounted. Other pollutants:
    kg x price x SPV (or not) likewise.
    """
    n, d = method.study_period_years, method.discount_rate
    rows = (*CATEGORIES, "climate", "pollutants")
    und = {row: [0.0] * (n + 1) for row in rows}
    disc = {row: [0.0] * (n + 1) for row in rows}
    emissions = {module: [0.0] * (n + 1) for module in MODULES}
    counted = [0.0] * (n + 1)
    carbon = method.carbon_price
    gross = gross_kg = 0.0
    for e in entries:
        t, tau = e.year, e.time
        if e.kind == "cost":
            und[e.key][t] += e.amount * report_factor(method, tau)
            disc[e.key][t] += e.amount * spv(d, tau)
            gross += abs(e.amount) * (1.0 + report_factor(method, tau))
            continue
        if e.kind == "emission":
            emissions[e.key][t] += e.amount
            gross_kg += abs(e.amount)
            if e.key == "d" and not method.include_module_d:
                continue
            counted[t] += e.amount
            if carbon is None:
                continue
            row, price, undiscounted = "climate", float(carbon.price_per_kg[t]), carbon.undiscounted
        else:
            priced = method.pollutant_prices.get(e.key)
            if priced is None:
                continue
            row, price, undiscounted = "pollutants", priced.price_per_kg, priced.undiscounted
        money = e.amount * price
        und[row][t] += money * report_factor(method, tau)
        disc[row][t] += money if undiscounted else money * spv(d, tau)
        gross += abs(money) * (1.0 + report_factor(method, tau))
    return BidFigures(bid_id, und, disc, emissions, counted, gross, gross_kg)


# --- §6 evaluation models and ranking -----------------------------------------------------------


def comparison_number(
    method: PreparedMethod, bid: PreparedBid, f: BidFigures
) -> tuple[float, float]:
    """(comparison number, what the model deducted) from T = LCC + climate + externalities.

    COST: T. DEDUCTIONS: T - sum of the deductions the method fixes for the levels the bid
    claims (validation resolved each claim to the method's amount; a criterion not claimed is
    level "none", 0; lcc-method.md §6). FICTIVE_DISCOUNT:
    T x (1 - discount(level)) (level 0 or unlisted: 0; EUR 30 M at 4 % -> 28.8 M).
    EXTERNALITY_FACTOR: LCC + factor x (climate + externalities), nothing deducted.
    """
    total = f.life_cycle_cost + f.climate_cost + f.externality_cost
    model = method.model
    if model.kind is ModelKind.DEDUCTIONS:
        fixed = sum(d.amount for d in bid.deductions)
        return total - fixed, fixed
    if model.kind is ModelKind.FICTIVE_DISCOUNT:
        rate = model.ladder.get(bid.ladder_level, 0.0) if bid.ladder_level >= 1 else 0.0
        return total * (1.0 - rate), total * rate
    if model.kind is ModelKind.EXTERNALITY_FACTOR:
        return f.life_cycle_cost + model.externality_factor * (
            f.climate_cost + f.externality_cost
        ), 0.0
    return total, 0.0


def competition_rank(published: list[float]) -> list[tuple[int, bool]]:
    """(rank, tied) of each bid: rank = 1 + #{strictly lower}; tied = another has the same.

    Ranking is on the comparison numbers as published (rounded to the minor unit): 5, 3, 5, 9 ->
    ranks 2, 1, 2, 4 with the two 5s tied ("1224"), never broken silently.
    """
    return [
        (1 + sum(y < x for y in published), sum(y == x for y in published) > 1) for x in published
    ]


def analysis_discount_rate(method: PreparedMethod) -> float:
    """The rate of annual value and AIRR (§7): real in real analyses, the stated nominal rate in
    nominal analyses (BLCC 5.3's capital recovery factor)."""
    if method.rate_basis is RateBasis.NOMINAL:
        return method.stated_discount_rate
    return method.discount_rate


def annual_value(method: PreparedMethod, lcc: float) -> float:
    """AV = LCC / UPV(d, N), d on the analysis basis (:func:`analysis_discount_rate`)."""
    return lcc / upv(analysis_discount_rate(method), method.study_period_years)


# --- §7 measures against the baseline ----------------------------------------------------------


@dataclass(frozen=True)
class MeasureFigures:
    net_savings: float
    additional_investment: float
    operational_savings: float
    sir: tuple[float | None, MeasureStatus]
    airr: tuple[float | None, MeasureStatus]
    simple_payback: tuple[int | None, MeasureStatus]
    discounted_payback: tuple[int | None, MeasureStatus]
    abatement_cost: tuple[float | None, MeasureStatus]
    #: Gross magnitude of the investment and savings flows (noise scale of the differences).
    gross: float


#: A difference within this share of the gross amounts involved is floating-point noise: zero.
NOISE = 1e-9


def yearly(f: BidFigures, discounted: bool, investment: bool) -> list[float]:
    """Investment-related (acquisition, installation, replacement, residual value) or
    operational (everything else of the buyer's cost) flows of each year."""
    rows = f.discounted if discounted else f.undiscounted
    cats = [c for c in CATEGORIES if (c in INVESTMENT_CATEGORIES) == investment]
    return [sum(rows[c][t] for c in cats) for t in range(len(rows["other"]))]


def payback(savings: list[float], extra: list[float]) -> tuple[int | None, MeasureStatus]:
    """First year t >= t0 with cumulative net savings sum_{s<=t} (savings_s - extra_s) >= 0,
    t0 the first year with additional investment (year 0 without difference never counts: bug
    class 4). Example: 10 000 extra at 0, 1 000 saved a year -> 10."""
    tol = NOISE * (sum(map(abs, savings)) + sum(map(abs, extra)))
    start = next((t for t, x in enumerate(extra) if x > tol), None)
    if start is None:
        return None, MeasureStatus.NO_ADDITIONAL_INVESTMENT
    cumulative = 0.0
    for t, (s, x) in enumerate(zip(savings, extra, strict=True)):
        cumulative += s - x
        if t >= start and cumulative >= -tol:
            return t, MeasureStatus.OK
    return None, MeasureStatus.NEVER_PAYS_BACK


def net_flows(alt: BidFigures, base: BidFigures, pv: bool) -> tuple[list[float], list[float]]:
    """Yearly (operational savings op_b - op_a, additional investment inv_a - inv_b)."""
    savings = [b - a for a, b in zip(yearly(alt, pv, False), yearly(base, pv, False), strict=True)]
    extra = [a - b for a, b in zip(yearly(alt, pv, True), yearly(base, pv, True), strict=True)]
    return savings, extra


def measures(method: PreparedMethod, alt: BidFigures, base: BidFigures) -> MeasureFigures:
    """NS = LCC_b - LCC_a; dI = PV(inv_a) - PV(inv_b); dS = PV(op_b) - PV(op_a);
    SIR = dS / dI when dI > 0; AIRR = (1 + d) SIR^(1/N) - 1 when SIR > 0;
    abatement = (LCC_a - LCC_b) / (t_b - t_a) when t_b > t_a (ASTM E917/E964/E1057/E1074)."""
    inv_a, inv_b = yearly(alt, True, True), yearly(base, True, True)
    op_a, op_b = yearly(alt, True, False), yearly(base, True, False)
    extra_pv = sum(inv_a) - sum(inv_b)
    savings_pv = sum(op_b) - sum(op_a)
    gross = sum(map(abs, inv_a + inv_b + op_a + op_b))
    invests = extra_pv > NOISE * (sum(map(abs, inv_a)) + sum(map(abs, inv_b)))
    none = MeasureStatus.NO_ADDITIONAL_INVESTMENT
    sir: tuple[float | None, MeasureStatus] = (None, none)
    airr: tuple[float | None, MeasureStatus] = (None, none)
    simple: tuple[int | None, MeasureStatus] = (None, none)
    discounted: tuple[int | None, MeasureStatus] = (None, none)
    if invests:
        ratio = savings_pv / extra_pv if extra_pv > 0.0 else math.inf
        if math.isfinite(ratio):
            sir = (ratio, MeasureStatus.OK)
            d, n = analysis_discount_rate(method), method.study_period_years
            airr = (
                ((1.0 + d) * ratio ** (1.0 / n) - 1.0, MeasureStatus.OK)
                if ratio > 0.0
                else (None, MeasureStatus.NO_SAVINGS)
            )
        simple, discounted = (payback(*net_flows(alt, base, pv)) for pv in (False, True))
    t_a, t_b = sum(alt.counted_by_year) / 1000.0, sum(base.counted_by_year) / 1000.0
    abatement: tuple[float | None, MeasureStatus] = (None, MeasureStatus.NO_EMISSION_REDUCTION)
    if t_b - t_a > NOISE * (abs(t_b) + abs(t_a)):
        cost = (alt.life_cycle_cost - base.life_cycle_cost) / (t_b - t_a)
        if math.isfinite(cost):
            abatement = (cost, MeasureStatus.OK)
    return MeasureFigures(
        base.life_cycle_cost - alt.life_cycle_cost,
        extra_pv,
        savings_pv,
        sir,
        airr,
        simple,
        discounted,
        abatement,
        gross,
    )


# --- §5 material circularity indicator ---------------------------------------------------------


def material_circularity(c: PreparedCircularity) -> float:
    """EMF MCI = max(0, 1 - LFI x 0.9 / X), LFI = (V + W) / (2M + (W_F - W_C)/2), with
    V = M(1 - F_R - F_U - F_S), W0 = M(1 - C_R - C_U - C_C - C_E), W_C = M(1 - E_C) C_R,
    W_F = M(1 - E_F) F_R / E_F (0 without recycled input), W = W0 + (W_F + W_C)/2,
    X = (L/L_av)(U/U_av) (a ratio of 0: not stated, 1). Linear at X = 1 -> 0.1."""
    m = c.mass_kg
    v = m * (1 - c.recycled_input - c.reused_input - c.sustainable_bio_input)
    w0 = m * (
        1
        - c.collected_for_recycling
        - c.collected_for_reuse
        - c.collected_for_composting
        - c.collected_for_energy_recovery
    )
    w_c = m * (1 - c.recycling_efficiency_collection) * c.collected_for_recycling
    e_f = c.recycling_efficiency_feedstock
    w_f = 0.0 if c.recycled_input == 0.0 else m * (1 - e_f) * c.recycled_input / e_f
    lfi = (v + w0 + (w_f + w_c) / 2) / (2 * m + (w_f - w_c) / 2)
    x = (c.lifetime_ratio or 1.0) * (c.use_intensity_ratio or 1.0)
    return max(0.0, 1.0 - lfi * 0.9 / x)


# --- the whole tender ---------------------------------------------------------------------------


def bid_figures(method: PreparedMethod, bid: PreparedBid) -> BidFigures:
    """Every figure of one bid but those that need the other bids (rank, measures)."""
    n, entries = method.study_period_years, []
    for item in bid.items:
        entries += item_events(item, n) + item_residual_value(item, n) + item_yearly(item, method)
        entries += [e for s in item.costs for e in stream_entries(s, method, item.quantity)]
    for stream in bid.costs:
        entries += stream_entries(stream, method, multiplier=1.0)
    f = value_entries(bid.id, entries, method)
    f.cost_by_category = {c: sum(f.discounted[c]) for c in CATEGORIES}
    f.life_cycle_cost = sum(f.cost_by_category.values())
    f.life_cycle_cost_undiscounted = sum(sum(f.undiscounted[c]) for c in CATEGORIES)
    f.climate_cost = sum(f.discounted["climate"])
    f.externality_cost = sum(f.discounted["pollutants"])
    f.evaluated, f.deductions = comparison_number(method, bid, f)
    f.annual_value = annual_value(method, f.life_cycle_cost)
    units = bid.functional_units_delivered
    f.cost_per_functional_unit = None if units == 0.0 else f.evaluated / units
    f.circularity = None if bid.circularity is None else material_circularity(bid.circularity)
    return f


def reference_evaluation(tender: PreparedTender) -> dict[str, BidFigures]:
    """The figures of every bid, by bid id (request order)."""
    return {bid.id: bid_figures(tender.method, bid) for bid in tender.bids}


def reference_measures(
    tender: PreparedTender, figures: dict[str, BidFigures]
) -> dict[str, MeasureFigures]:
    """Measures of every bid but the baseline against the baseline (none without one)."""
    base_id = tender.method.baseline_bid_id
    if base_id not in figures:
        return {}
    base = figures[base_id]
    return {
        bid_id: measures(tender.method, f, base)
        for bid_id, f in figures.items()
        if bid_id != base_id
    }
