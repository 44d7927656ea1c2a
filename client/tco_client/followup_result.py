"""The follow-up report (``GetFollowUpReportResponse``) as pandas DataFrames.

Column conventions as :mod:`tco_client.frames`: stable English snake_case names; money columns
carry the currency (``amount_SEK``), climate columns end in ``_kgCO2e``; **shares are fractions**
(``deviation_share`` 0.087 is 8.7 %, ``coverage`` 0.917); times are UTC-aware
``pandas.Timestamp``. The numbers are the response's, unchanged (money already rounded half-up by
the server); nothing is recomputed except what is labelled as derived (``margin_change``,
``forecast_minus_awarded``, :meth:`FollowUpReport.unit_rates`, the cumulative sums of
:meth:`FollowUpReport.running_totals`).

>>> report = FollowUpReport(response)                                      # doctest: +SKIP
>>> report.periods[["observed", "expected", "deviation_share", "outcome"]]  # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from typing import Any

import pandas as pd

from tcoapi.v1 import followup_pb2 as fpb

#: Outcome enum value -> the frames' word.
OUTCOMES = {
    fpb.OUTCOME_UNSPECIFIED: "not_settled",
    fpb.OUTCOME_WITHIN_BAND: "within_band",
    fpb.OUTCOME_SHORTFALL: "shortfall",
    fpb.OUTCOME_SAVINGS: "savings",
}
PROMISE_KEY = ["item", "resource"]


def _time(stamp: Any) -> pd.Timestamp | None:
    if not stamp.seconds and not stamp.nanos:
        return None
    return pd.Timestamp(stamp.seconds * 10**9 + stamp.nanos, tz="UTC")


def enum_word(enum: Any, value: int, prefix: str) -> str:
    """``SERIES_KIND_CONSUMPTION`` → ``consumption`` (an unknown number as itself)."""
    try:
        return str(enum.Name(value)).removeprefix(prefix).lower()
    except ValueError:
        return str(value)


def outcome_row(outcome: fpb.PromiseOutcome, currency: str) -> dict[str, Any]:
    """One promise's outcome as a row (the frames' columns)."""
    return {
        "item": outcome.item,
        "resource": outcome.resource,
        "unit": outcome.unit,
        "observed": outcome.observed,
        "expected": outcome.expected,
        "raw_promise": outcome.raw_promise,
        "deviation": outcome.deviation,
        "deviation_share": outcome.deviation_share,
        f"deviation_value_{currency}": outcome.deviation_value,
        "deviation_kgCO2e": outcome.deviation_kg_co2e,
        f"deviation_climate_value_{currency}": outcome.deviation_climate_value,
        "outcome": OUTCOMES.get(outcome.outcome, "not_settled"),
        f"amount_{currency}": outcome.amount,
        "coverage": outcome.coverage,
        "estimated_share": outcome.estimated_share,
        "gap_count": len(outcome.gaps),
        "settled": outcome.settled,
    }


def outcome_columns(currency: str) -> list[str]:
    return list(outcome_row(fpb.PromiseOutcome(), currency))


def reading_rows(readings: Iterable[fpb.Reading]) -> pd.DataFrame:
    """Readings as a DataFrame: one row each, in the order given."""
    rows = [
        {
            "reading": r.name.rsplit("/", 1)[-1],
            "series": r.series,
            "kind": enum_word(fpb.SeriesKind, r.kind, "SERIES_KIND_"),
            "start": _time(r.start_time),
            "end": _time(r.end_time),
            "quantity": r.quantity.value,
            "unit": r.quantity.unit,
            "source": enum_word(fpb.ReadingSource, r.source, "READING_SOURCE_"),
            "estimated": r.estimated,
            "superseded": r.superseded,
            "supersedes": r.supersedes.rsplit("/", 1)[-1] if r.supersedes else "",
            "origin": r.origin,
            "file_sha256": r.file_sha256,
        }
        for r in readings
    ]
    columns = [
        "reading",
        "series",
        "kind",
        "start",
        "end",
        "quantity",
        "unit",
        "source",
        "estimated",
        "superseded",
        "supersedes",
        "origin",
        "file_sha256",
    ]
    return pd.DataFrame(rows, columns=columns)


def cents(value: float) -> float:
    """Money derived on the client (a difference of two figures) rounded half-up to the cent.

    >>> cents(1737507.91 - 1634102.24), cents(-0.005)
    (103405.67, -0.01)
    """
    rounded = Decimal(repr(float(value))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return float(rounded)


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


class FollowUpReport:
    """A follow-up report: the response and its tables (each built once, on first use)."""

    def __init__(self, response: fpb.GetFollowUpReportResponse) -> None:
        self.response = response

    @property
    def currency(self) -> str:
        return self.response.currency or self.response.commitment.currency

    @property
    def commitment(self) -> fpb.Commitment:
        return self.response.commitment

    @property
    def period_labels(self) -> list[str]:
        return [p.label for p in self.response.periods]

    @cached_property
    def periods(self) -> pd.DataFrame:
        """One row per settlement period and promise, indexed (period, item, resource) in the
        report's order: observed, adjusted and raw promise, deviation (units, share, money,
        kgCO2e), outcome, amount, coverage, estimated share, gaps, settled."""
        cur = self.currency
        rows = [
            {"period": p.label, "start": _time(p.start_time), "end": _time(p.end_time)}
            | outcome_row(o, cur)
            for p in self.response.periods
            for o in p.outcomes
        ]
        columns = ["period", "start", "end", *outcome_columns(cur)]
        frame = pd.DataFrame(rows, columns=columns)
        return frame.set_index(["period", *PROMISE_KEY])

    @cached_property
    def cumulative(self) -> pd.DataFrame:
        """The cumulative result of each promise over the settled periods, indexed (item,
        resource)."""
        cur = self.currency
        rows = [outcome_row(o, cur) for o in self.response.cumulative]
        frame = pd.DataFrame(rows, columns=outcome_columns(cur))
        return frame.set_index(PROMISE_KEY)

    @cached_property
    def gaps(self) -> pd.DataFrame:
        """Every stretch without readings: period, item, resource, start, end, days."""
        rows = []
        for p in self.response.periods:
            for o in p.outcomes:
                for g in o.gaps:
                    start, end = _time(g.start_time), _time(g.end_time)
                    days = (end - start).total_seconds() / 86400 if start and end else None
                    rows.append(
                        {
                            "period": p.label,
                            "item": o.item,
                            "resource": o.resource,
                            "start": start,
                            "end": end,
                            "days": days,
                        }
                    )
        return pd.DataFrame(rows, columns=["period", *PROMISE_KEY, "start", "end", "days"])

    @cached_property
    def conditions(self) -> pd.DataFrame:
        """The actual conditions per period: one row per (period, kind, series) with the
        observed activity or degree days."""
        rows = [
            {"period": p.label, "condition": kind, "series": series, "value": value}
            for p in self.response.periods
            for kind, values in (("activity", p.activity), ("degree_days", p.degree_days))
            for series, value in sorted(values.items())
        ]
        return pd.DataFrame(rows, columns=["period", "condition", "series", "value"])

    @cached_property
    def hindsight(self) -> pd.DataFrame:
        """The standings at award and in hindsight, indexed by bid in the awarded order:
        ranks, comparison numbers, their change, LCCs, who won and who is best now."""
        cur = self.currency
        h = self.response.hindsight
        awarded = {s.bid_id: s for s in h.awarded}
        now = {s.bid_id: s for s in h.hindsight}
        order = sorted(awarded, key=lambda b: (awarded[b].rank, b))
        order += sorted(set(now) - set(awarded), key=lambda b: (now[b].rank, b))
        best = set(h.best_in_hindsight)
        rows = []
        for bid in order:
            a, n = awarded.get(bid), now.get(bid)
            rows.append(
                {
                    "bid_id": bid,
                    "awarded_rank": a.rank if a else None,
                    "hindsight_rank": n.rank if n else None,
                    f"awarded_evaluated_cost_{cur}": a.evaluated_cost if a else None,
                    f"hindsight_evaluated_cost_{cur}": n.evaluated_cost if n else None,
                    f"evaluated_cost_change_{cur}": (
                        cents(n.evaluated_cost - a.evaluated_cost) if a and n else None
                    ),
                    f"awarded_life_cycle_cost_{cur}": a.life_cycle_cost if a else None,
                    f"hindsight_life_cycle_cost_{cur}": n.life_cycle_cost if n else None,
                    "winner": bid == h.winner,
                    "best_in_hindsight": bid in best,
                }
            )
        columns = [
            "bid_id",
            "awarded_rank",
            "hindsight_rank",
            f"awarded_evaluated_cost_{cur}",
            f"hindsight_evaluated_cost_{cur}",
            f"evaluated_cost_change_{cur}",
            f"awarded_life_cycle_cost_{cur}",
            f"hindsight_life_cycle_cost_{cur}",
            "winner",
            "best_in_hindsight",
        ]
        frame = pd.DataFrame(rows, columns=columns)
        frame = frame.astype({"awarded_rank": "Int64", "hindsight_rank": "Int64"})
        return frame.set_index("bid_id")

    @cached_property
    def baselines(self) -> pd.DataFrame:
        rows = [
            {
                "item": b.item,
                "resource": b.resource,
                "intercept": b.intercept,
                "slope": b.slope,
                "cv_rmse": b.cv_rmse,
                "nmbe": b.nmbe,
                "within_guideline_14": b.within_guideline_14,
            }
            for b in self.response.baselines
        ]
        columns = [*PROMISE_KEY, "intercept", "slope", "cv_rmse", "nmbe", "within_guideline_14"]
        return pd.DataFrame(rows, columns=columns)

    @cached_property
    def warnings(self) -> pd.DataFrame:
        rows = [{"code": w.code, "message": w.message} for w in self.response.warnings]
        return pd.DataFrame(rows, columns=["code", "message"])

    @cached_property
    def terms(self) -> pd.DataFrame:
        """The contract's terms per promise, indexed (item, resource)."""
        rows = []
        for p in self.commitment.promises:
            t = p.terms
            rows.append(
                {
                    "item": p.item,
                    "resource": p.resource,
                    "series": p.series,
                    "promised_per_year": p.promised_per_year.value,
                    "unit": p.promised_per_year.unit,
                    "clause": fpb.ClauseKind.Name(t.clause),
                    "tolerance": t.tolerance,
                    "normalisation": fpb.Normalisation.Name(t.normalisation),
                    "whole_deviation": t.whole_deviation,
                    "include_climate": t.include_climate,
                    "bonus_share": t.bonus_share
                    if t.clause == fpb.CLAUSE_KIND_BONUS_SHARE
                    else None,
                    "sanction_factor": (
                        (t.sanction_factor if t.HasField("sanction_factor") else 1.5)
                        if t.clause == fpb.CLAUSE_KIND_SANCTION
                        else None
                    ),
                    "award_advantage": _quantity(t.award_advantage),
                    "price": _quantity(t.price),
                    "emission_factor": _quantity(t.emission_factor),
                    "activity_series": t.activity_series,
                    "reference_activity": _quantity(t.reference_activity),
                    "degree_day_series": t.degree_day_series,
                    "normal_degree_days": _quantity(t.normal_degree_days),
                    "source_path": p.source_path,
                }
            )
        columns = [*PROMISE_KEY, *(k for k in _TERM_COLUMNS)]
        return pd.DataFrame(rows, columns=columns).set_index(PROMISE_KEY)

    def key_figures(self) -> dict[str, Any]:
        """The summary's figures: LCCs (awarded, realised, forecast, forecast − awarded), total
        amount, coverage, and the award in hindsight (margins, their change, ranking changed)."""
        r = self.response
        has_hindsight = r.HasField("hindsight")
        h = r.hindsight
        return {
            "awarded_life_cycle_cost": r.awarded_life_cycle_cost,
            "realised_life_cycle_cost": r.realised_life_cycle_cost,
            "forecast_life_cycle_cost": r.forecast_life_cycle_cost,
            "forecast_minus_awarded": cents(r.forecast_life_cycle_cost - r.awarded_life_cycle_cost),
            "total_amount": r.total_amount,
            "coverage": r.coverage,
            "has_hindsight": has_hindsight,
            "winner": h.winner if has_hindsight else r.commitment.bid_id,
            "ranking_changed": h.ranking_changed if has_hindsight else None,
            "best_in_hindsight": list(h.best_in_hindsight) if has_hindsight else [],
            "awarded_margin": h.awarded_margin if has_hindsight else None,
            "hindsight_margin": h.hindsight_margin if has_hindsight else None,
            "margin_change": (
                cents(h.hindsight_margin - h.awarded_margin) if has_hindsight else None
            ),
            "observed_ratios": dict(sorted(h.observed_ratios.items())),
        }

    def unit_rates(self) -> pd.DataFrame:
        """Money and kgCO2e per unit of each promise, indexed (item, resource): the contract's
        valuation as the report applied it, derived as Σ|deviation value| / Σ|deviation| over the
        periods (the response values deviations, not totals); the terms' price where no period
        deviates; ``NaN`` when neither says. Derived, for the charts' cost and emission lines.

        Example: deviations of 2 000 and −500 kWh valued 2 400 and −600 SEK → 3 000 / 2 500 =
        1.20 SEK/kWh."""
        money: dict[tuple[str, str], list[float]] = {}
        outcomes = [o for p in self.response.periods for o in p.outcomes]
        for o in [*outcomes, *self.response.cumulative]:
            sums = money.setdefault((o.item, o.resource), [0.0, 0.0, 0.0])
            sums[0] += abs(o.deviation)
            sums[1] += abs(o.deviation_value)
            sums[2] += abs(o.deviation_kg_co2e)
        prices = {(p.item, p.resource): p.terms for p in self.commitment.promises}
        rows = []
        for (item, resource), (units, value, kg) in money.items():
            terms = prices.get((item, resource))
            price = value / units if units > 0 else math.nan
            factor = kg / units if units > 0 else math.nan
            if math.isnan(price) and terms is not None and terms.HasField("price"):
                price = terms.price.value
            if math.isnan(factor) and terms is not None and terms.HasField("emission_factor"):
                factor = terms.emission_factor.value
            rows.append({"item": item, "resource": resource, "price": price, "kgCO2e": factor})
        frame = pd.DataFrame(rows, columns=[*PROMISE_KEY, "price", "kgCO2e"])
        return frame.set_index(PROMISE_KEY)

    def running_totals(self) -> pd.DataFrame:
        """Cumulative observed, adjusted and raw promise per promise at each period's end, and
        the same valued in money and kgCO2e (:meth:`unit_rates`); unsettled periods count as
        reported. Derived, for the charts."""
        frame = self.periods.reset_index()
        if frame.empty:
            columns = [*PROMISE_KEY, "period", "end", "unit"]
            return pd.DataFrame(columns=columns)
        rates = self.unit_rates()
        by_promise: dict[Any, tuple[float, float]] = dict(
            zip(rates.index, zip(rates["price"], rates["kgCO2e"], strict=True), strict=True)
        )
        parts = []
        for key, group in frame.groupby(PROMISE_KEY, sort=False):
            part = group[[*PROMISE_KEY, "period", "end", "unit"]].copy()
            for column in ("observed", "expected", "raw_promise"):
                part[column] = group[column].cumsum()
            price, factor = by_promise[key]
            for column in ("observed", "expected", "raw_promise"):
                part[f"{column}_money"] = part[column] * price
                part[f"{column}_kgCO2e"] = part[column] * factor
            parts.append(part)
        return pd.concat(parts, ignore_index=True)

    def select_periods(self, labels: Sequence[str]) -> FollowUpReport:
        """The report with only the periods labelled ``labels`` (cumulative results unchanged)."""
        response = fpb.GetFollowUpReportResponse()
        response.CopyFrom(self.response)
        wanted = set(labels)
        kept = [p for p in response.periods if p.label in wanted]
        del response.periods[:]
        response.periods.extend(kept)
        return FollowUpReport(response)


_TERM_COLUMNS = (
    "series",
    "promised_per_year",
    "unit",
    "clause",
    "tolerance",
    "normalisation",
    "whole_deviation",
    "include_climate",
    "bonus_share",
    "sanction_factor",
    "award_advantage",
    "price",
    "emission_factor",
    "activity_series",
    "reference_activity",
    "degree_day_series",
    "normal_degree_days",
    "source_path",
)


def _quantity(q: Any) -> str:
    """``"1.3 SEK/kWh"``; empty when not given."""
    if not q.unit and not q.value:
        return ""
    value = _finite(q.value)
    return f"{value:g} {q.unit}".strip() if value is not None else q.unit
