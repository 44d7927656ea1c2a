"""Normalised promises end to end through the RPCs, SQLite and PostgreSQL.

Heating (lcc-method.md §10's worked case): heat-a promises 100 000 kWh/year of district heating
at 0.80 SEK/kWh, normalised by degree days against a normal year of 3 500 K·d with a weather
share w = 0.8, band ±5 %, yearly settlement from 2027-01-01.

- 2027, cold: DD = 4 200, observed 112 000 kWh (12 % over the raw promise):
  E = 100 000 × (0.2 + 0.8 × 4 200 / 3 500) = 116 000 kWh; δ = −4 000 / 116 000 = −3.45 %:
  WITHIN_BAND, nothing paid.
- 2028, mild: DD = 2 800, observed 95 000 kWh (5 % under the raw promise):
  E = 100 000 × (0.2 + 0.8 × 0.8) = 84 000 kWh; δ = 11 000 / 84 000 = 13.10 %: SHORTFALL, the
  supplier pays (95 000 − 84 000 × 1.05) × 0.80 = 6 800 × 0.80 = 5 440.00 SEK.
- Cumulatively 207 000 against 200 000 (3.5 %): within band.

The degree days arrive as monthly readings (the year's total spread evenly, the last month
carrying the rest), the heat as half-yearly invoices.

Vehicle: bus-a promises 0.35 l/km × 40 000 km/year = 14 000 l/year of diesel at 20 SEK/l,
normalised by the odometer (the reference activity is the bid's own 40 000 km/year), band ±5 %,
half-yearly settlement.

- 2027-H1: 25 000 km, 8 500 l: E = 14 000 × 25 000 / 40 000 = 8 750 l; δ = −2.86 %: within band.
- 2027-H2: 15 000 km, 6 000 l: E = 5 250 l; δ = 14.29 %: SHORTFALL, the supplier pays
  (6 000 − 5 250 × 1.05) × 20 = 487.5 × 20 = 9 750.00 SEK.

The fuel-card readings come in through StreamReadings (two messages, one batch each).

The bus's maintenance, promised at 50 000 SEK/year (a cost promise, not normalised, valued as
invoiced): H1 invoices 30 000 SEK against 25 000 (+20 %): the supplier pays
30 000 − 25 000 × 1.05 = 3 750.00 SEK; H2 24 000 SEK (−4 %) within band. Total with the
diesel: 9 750 + 3 750 = 13 500.00 SEK. The hindsight scales only the diesel (ratio
14 500 / 14 000 = 1.0357).
"""

from __future__ import annotations

import pytest

from tcoapi.v1 import followup_pb2 as fpb
from tests.records.conftest import Backend
from tests.records.followup_fixtures import (
    TIMEOUT,
    append,
    awarded,
    commit,
    heating,
    monthly,
    q,
    reading,
    report,
    serving,
    ts,
    vehicle,
)


def _spread(total: float) -> list[float]:
    """Twelve monthly values summing exactly to ``total`` (the last carries the rest)."""
    part = round(total / 12, 2)
    return [part] * 11 + [round(total - 11 * part, 6)]


def test_heating_cold_year_within_mild_year_short(backend: Backend) -> None:
    terms = fpb.PromiseTerms(
        tolerance=0.05,
        normalisation=fpb.NORMALISATION_DEGREE_DAYS,
        degree_day_series="smhi-karlskrona",
        normal_degree_days=q(3500, "K·d/year"),
        weather_share=0.8,
        base_temperature_celsius=17,
    )
    promise = fpb.Promise(
        item="Heating system", resource="district_heating", series="heat-meter", terms=terms
    )
    with serving(*backend.flags) as stubs:
        parent = awarded(stubs, "heating-2027", heating())
        commitment = commit(stubs, parent, [promise])
        append(
            stubs,
            parent,
            [
                *monthly("smhi-karlskrona", 2027, _spread(4200) + _spread(2800), "K·d"),
                reading("heat-meter", ts(2027, 1, 1), ts(2027, 7, 1), 70_000, "kWh"),
                reading("heat-meter", ts(2027, 7, 1), ts(2028, 1, 1), 42_000, "kWh"),
                reading("heat-meter", ts(2028, 1, 1), ts(2029, 1, 1), 95, "MWh"),
            ],
        )
        got = report(stubs, commitment.name, 2029, 1, 1)
        cold, mild = (p.outcomes[0] for p in got.periods)
        assert got.periods[0].degree_days["smhi-karlskrona"] == pytest.approx(4200)
        assert cold.expected == pytest.approx(116_000.0)
        assert cold.raw_promise == pytest.approx(100_000.0)
        assert cold.deviation_share == pytest.approx(-4000 / 116_000)
        assert cold.outcome == fpb.OUTCOME_WITHIN_BAND
        assert cold.amount == 0.0
        assert mild.expected == pytest.approx(84_000.0)
        assert mild.observed == pytest.approx(95_000.0)
        assert mild.deviation_share == pytest.approx(11_000 / 84_000)
        assert mild.outcome == fpb.OUTCOME_SHORTFALL
        assert mild.amount == 5440.00
        assert got.total_amount == 5440.00
        [cumulative] = got.cumulative
        assert cumulative.expected == pytest.approx(200_000.0)
        assert cumulative.outcome == fpb.OUTCOME_WITHIN_BAND
        assert got.hindsight.observed_ratios["district_heating"] == pytest.approx(1.035)


def test_vehicle_normalised_by_km_fuel_cards_streamed(backend: Backend) -> None:
    terms = fpb.PromiseTerms(
        tolerance=0.05,
        normalisation=fpb.NORMALISATION_ACTIVITY,
        activity_series="odometer-bus-12",
    )
    promise = fpb.Promise(item="Bus", resource="diesel", series="fuel-card-12", terms=terms)
    upkeep = fpb.Promise(
        item="Bus",
        resource="maintenance",
        series="invoices",
        terms=fpb.PromiseTerms(tolerance=0.05),
    )
    with serving(*backend.flags) as stubs:
        parent = awarded(stubs, "bus-2027", vehicle())
        commitment = commit(
            stubs, parent, [promise, upkeep], period=fpb.SETTLEMENT_PERIOD_HALF_YEAR
        )
        stored, maintenance = commitment.promises
        assert maintenance.promised_per_year.value == 50_000
        assert maintenance.promised_per_year.unit == "SEK/year"
        assert maintenance.source_path == "bids[0].items[0].maintenance_cost"
        assert stored.promised_per_year.value == pytest.approx(14_000.0)
        assert stored.promised_per_year.unit == "l/year"
        assert stored.terms.reference_activity.value == 40_000  # the bid's own activity
        append(
            stubs,
            parent,
            [
                reading("odometer-bus-12", ts(2027, 1, 1), ts(2027, 7, 1), 25_000, "km"),
                reading("odometer-bus-12", ts(2027, 7, 1), ts(2028, 1, 1), 15_000, "km"),
                reading("invoices", ts(2027, 1, 1), ts(2027, 7, 1), 30_000, "SEK"),
                reading("invoices", ts(2027, 7, 1), ts(2028, 1, 1), 24, "kSEK"),
            ],
        )
        messages = [
            fpb.StreamReadingsRequest(
                parent=parent,
                entered_by="Drivmedelskort",
                readings=[reading("fuel-card-12", ts(2027, 1, 1), ts(2027, 7, 1), 8500, "l")],
            ),
            fpb.StreamReadingsRequest(
                parent=parent,
                readings=[reading("fuel-card-12", ts(2027, 7, 1), ts(2028, 1, 1), 6, "m^3")],
            ),
        ]
        streamed = stubs.followup.StreamReadings(iter(messages), timeout=TIMEOUT)
        assert streamed.readings_appended == 2
        assert len(streamed.batches) == 2
        got = report(stubs, commitment.name, 2028, 1, 1)
        assert [p.label for p in got.periods] == ["2027-H1", "2027-H2"]
        (h1, m1), (h2, m2) = (p.outcomes for p in got.periods)
        assert m1.unit == "SEK"
        assert m1.expected == pytest.approx(25_000.0)
        assert m1.outcome == fpb.OUTCOME_SHORTFALL
        assert m1.amount == 3750.00
        assert m2.outcome == fpb.OUTCOME_WITHIN_BAND
        assert dict(got.hindsight.observed_ratios) == pytest.approx({"diesel": 14_500 / 14_000})
        assert got.periods[0].activity["odometer-bus-12"] == pytest.approx(25_000)
        assert h1.expected == pytest.approx(8750.0)
        assert h1.outcome == fpb.OUTCOME_WITHIN_BAND
        assert h2.expected == pytest.approx(5250.0)
        assert h2.observed == pytest.approx(6000.0)
        assert h2.outcome == fpb.OUTCOME_SHORTFALL
        assert h2.amount == 9750.00
        assert got.total_amount == 13_500.00
