"""The lighting contract end to end through the RPCs, SQLite and PostgreSQL: a kWh guarantee
with a shortfall, a correction superseding a reading, gaps and estimated readings flagged, a
report before any period ends, and the award in hindsight changing once year 2 is known.

The tender (followup_fixtures.lighting): led-a wins promising 120 × 45 W × 4 000 h/year =
21 600 kWh/year; 1.50 SEK/kWh, 0.05 kgCO2e/kWh; yearly settlement from 2027-01-01, band ±5 %.

Year 1: twelve monthly readings of 2 000 kWh = 24 000 kWh (March first read as 2 500, then
corrected to 2 000: the correction supersedes). Δ = 24 000 − 21 600 = 2 400 kWh (11.11 %):
valued 2 400 × 1.50 = 3 600.00 SEK and 2 400 × 0.05 = 120 kgCO2e; a SHORTFALL: the supplier
pays (24 000 − 21 600 × 1.05) × 1.50 = 1 320 × 1.50 = 1 980.00 SEK. Realised LCC after one year:
240 000 + 32 400 / 1.04 = 271 153.85 SEK. Hindsight: ratio 24 000 / 21 600 = 1.1111 < 1.2420,
led-a still best.

Year 2: twelve readings of 2 600 kWh = 31 200 kWh: Δ = 9 600 (44.44 %), pays
(31 200 − 22 680) × 1.50 = 12 780.00 SEK; total 14 760.00 SEK; cumulatively 55 200 against
43 200 (27.78 %): pays (55 200 − 45 360) × 1.50 = 14 760.00 SEK. Ratio 55 200 / 43 200 =
1.2778 > 1.2420: led-b would have won (RANKING_CHANGED_IN_HINDSIGHT).

Monthly commitment on meter "meter-b": January 1 800 kWh = the promise's 21 600 / 12 (within
band); February read only 1–15 Feb: coverage 14/28 = 50 % < 90 %, LOW_COVERAGE, not settled,
gap 15 Feb–1 Mar; March read 1–10 (500 kWh, estimated) and 11–31 (1 300 kWh): coverage
30/31 = 96.8 %, settled within band, one gap (10–11 Mar), estimated share 500/1 800 = 27.8 %.
"""

from __future__ import annotations

import grpc
import pytest

from tcoapi.v1 import followup_pb2 as fpb
from tests.records.conftest import Backend
from tests.records.followup_fixtures import (
    TIMEOUT,
    append,
    awarded,
    codes,
    commit,
    lighting,
    monthly,
    reading,
    report,
    serving,
    ts,
)

PROMISE = fpb.Promise(
    item="LED luminaire",
    resource="electricity",
    series="meter-hall-a",
    terms=fpb.PromiseTerms(clause=fpb.CLAUSE_KIND_SHORTFALL_PAYMENT, tolerance=0.05),
)


def test_lighting_shortfall_correction_and_hindsight(backend: Backend) -> None:
    with serving(*backend.flags) as stubs:
        parent = awarded(stubs, "lighting-2027", lighting())
        commitment = commit(stubs, parent, [PROMISE])
        assert commitment.name == f"{parent}/commitments/c1"
        assert commitment.bid_id == "led-a"
        [promise] = commitment.promises
        assert promise.promised_per_year.value == pytest.approx(21_600.0, rel=1e-12)
        assert promise.promised_per_year.unit == "kWh/year"
        assert promise.source_path == "bids[0].items[0].resource_use[0]"
        assert commitment.facts.life_cycle_cost.value == pytest.approx(502_793.02, abs=0.01)
        assert commitment.facts.service_life["LED luminaire"].value == 10

        year1 = monthly("meter-hall-a", 2027, [2000.0] * 12, "kWh")
        year1[2].quantity.value = 2500.0
        first = append(stubs, parent, year1)
        fix = reading("meter-hall-a", ts(2027, 3, 1), ts(2027, 4, 1), 2.0, "MWh",
                      supersedes=first.readings[2])  # fmt: skip
        append(stubs, parent, [fix])

        one = report(stubs, commitment.name, 2028, 1, 1)
        [period] = one.periods
        assert period.label == "2027"
        [outcome] = period.outcomes
        assert outcome.observed == pytest.approx(24_000.0)
        assert outcome.expected == pytest.approx(21_600.0)
        assert outcome.deviation_share == pytest.approx(2400 / 21600)
        assert outcome.deviation_value == 3600.00
        assert outcome.deviation_kg_co2e == pytest.approx(120.0)
        assert outcome.outcome == fpb.OUTCOME_SHORTFALL
        assert outcome.amount == 1980.00
        assert outcome.coverage == pytest.approx(1.0)
        assert one.total_amount == 1980.00
        assert one.realised_life_cycle_cost == 271_153.85
        assert one.awarded_life_cycle_cost == pytest.approx(502_793.02, abs=0.01)
        assert one.hindsight.observed_ratios["electricity"] == pytest.approx(24_000 / 21_600)
        assert not one.hindsight.ranking_changed
        assert list(one.hindsight.best_in_hindsight) == ["led-a"]
        assert one.hindsight.awarded_margin < 0 < one.forecast_life_cycle_cost
        # deterministic: the same records give the same bytes
        again = report(stubs, commitment.name, 2028, 1, 1)
        assert again.SerializeToString(deterministic=True) == one.SerializeToString(
            deterministic=True
        )

        append(stubs, parent, monthly("meter-hall-a", 2028, [2600.0] * 12, "kWh"))
        two = report(stubs, commitment.name, 2029, 6, 1)
        assert [p.label for p in two.periods] == ["2027", "2028"]
        assert two.periods[1].outcomes[0].amount == 12_780.00
        assert two.total_amount == 14_760.00
        [cumulative] = two.cumulative
        assert cumulative.observed == pytest.approx(55_200.0)
        assert cumulative.expected == pytest.approx(43_200.0)
        assert cumulative.amount == 14_760.00
        assert two.hindsight.observed_ratios["electricity"] == pytest.approx(55_200 / 43_200)
        assert two.hindsight.ranking_changed
        assert list(two.hindsight.best_in_hindsight) == ["led-b"]
        assert two.hindsight.hindsight_margin > 0
        assert "RANKING_CHANGED_IN_HINDSIGHT" in codes(two)

        # the readings as appended, the superseded one marked
        listed = stubs.followup.ListReadings(
            fpb.ListReadingsRequest(parent=parent, series="meter-hall-a"), timeout=TIMEOUT
        ).readings
        assert [r.superseded for r in listed].count(True) == 1

        # a report before any period ends: nothing settled, no hindsight
        early = report(stubs, commitment.name, 2027, 6, 1)
        assert not early.periods
        assert not early.HasField("hindsight")
        assert codes(early) == ["NOT_SETTLED"]
        assert early.realised_life_cycle_cost == 240_000.00  # study year 0 only


def test_gaps_estimates_and_low_coverage_are_flagged(tmp_path: object) -> None:
    with serving("--data-dir", str(tmp_path)) as stubs:
        parent = awarded(stubs, "lighting-b", lighting())
        promise = fpb.Promise()
        promise.CopyFrom(PROMISE)
        promise.series = "meter-b"
        commitment = commit(stubs, parent, [promise], period=fpb.SETTLEMENT_PERIOD_MONTH,
                            periods=12)  # fmt: skip
        append(
            stubs,
            parent,
            [
                reading("meter-b", ts(2027, 1, 1), ts(2027, 2, 1), 1800.0, "kWh"),
                reading("meter-b", ts(2027, 2, 1), ts(2027, 2, 15), 900.0, "kWh"),
                reading("meter-b", ts(2027, 3, 1), ts(2027, 3, 10), 500.0, "kWh", estimated=True),
                reading("meter-b", ts(2027, 3, 11), ts(2027, 4, 1), 1300.0, "kWh"),
            ],
        )
        got = report(stubs, commitment.name, 2027, 4, 1)
        assert [p.label for p in got.periods] == ["2027-01", "2027-02", "2027-03"]
        jan, feb, mar = (p.outcomes[0] for p in got.periods)
        assert jan.settled
        assert jan.outcome == fpb.OUTCOME_WITHIN_BAND
        assert jan.expected == pytest.approx(1800.0)
        assert not feb.settled
        assert feb.outcome == fpb.OUTCOME_UNSPECIFIED
        assert feb.coverage == pytest.approx(0.5)
        assert [(g.start_time, g.end_time) for g in feb.gaps] == [(ts(2027, 2, 15), ts(2027, 3, 1))]
        assert mar.settled
        assert mar.coverage == pytest.approx(30 / 31)
        assert [(g.start_time, g.end_time) for g in mar.gaps] == [
            (ts(2027, 3, 10), ts(2027, 3, 11))
        ]
        assert mar.estimated_share == pytest.approx(500 / 1800)
        assert {"LOW_COVERAGE", "READING_GAPS", "ESTIMATED_READINGS"} <= set(codes(got))
        assert got.cumulative[0].observed == pytest.approx(3600.0)  # Jan + Mar, settled only


def test_another_organisations_token_gets_not_found(tmp_path: object) -> None:
    from tco_server import security

    token_a, line_a = security.new_token_line("platform-a")
    token_b, line_b = security.new_token_line("platform-b")
    tokens = tmp_path / "tokens.txt"  # type: ignore[operator]
    tokens.write_text(f"{line_a}\n{line_b}\n", encoding="utf-8")

    def auth(token: str) -> dict[str, object]:
        return {"metadata": (("authorization", f"Bearer {token}"),)}

    data = str(tmp_path / "data")  # type: ignore[operator]
    with serving("--data-dir", data, "--tokens-file", str(tokens)) as stubs:
        parent = awarded(stubs, "lighting-a", lighting(), **auth(token_a))
        commitment = commit(stubs, parent, [PROMISE], **auth(token_a))
        for call, request in (
            (stubs.followup.GetCommitment, fpb.GetCommitmentRequest(name=commitment.name)),
            (stubs.followup.ListCommitments, fpb.ListCommitmentsRequest(parent=parent)),
            (stubs.followup.ListReadings, fpb.ListReadingsRequest(parent=parent)),
            (
                stubs.followup.GetFollowUpReport,
                fpb.GetFollowUpReportRequest(name=commitment.name, as_of_time=ts(2028, 1, 1)),
            ),
            (
                stubs.followup.AppendReadings,
                fpb.AppendReadingsRequest(
                    parent=parent,
                    entered_by="x",
                    readings=monthly("meter-hall-a", 2027, [1.0], "kWh"),
                ),
            ),
        ):
            with pytest.raises(grpc.RpcError) as caught:
                call(request, timeout=TIMEOUT, **auth(token_b))  # type: ignore[operator]
            assert caught.value.code() == grpc.StatusCode.NOT_FOUND, call
        listed = stubs.followup.ListCommitments(
            fpb.ListCommitmentsRequest(parent=parent), timeout=TIMEOUT, **auth(token_a)
        )
        assert [c.name for c in listed.commitments] == [commitment.name]
