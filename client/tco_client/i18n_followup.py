"""The contract follow-up's part of the catalogue: Swedish and English labels of the follow-up
report (:mod:`tco_client.followup_report`), its charts (:mod:`tco_client.followup_charts`) and
``tco followup`` (:mod:`tco_client.followup_cli`).

Terms follow Upphandlingsmyndigheten's guidance on contract follow-up and Energimyndigheten's on
energy performance contracts: uppföljning (follow-up), utfall (actual outcome), åtagande
(commitment), löfte (promise), avvikelse (deviation), normalårskorrigering (normal-year
correction), graddagar (degree days), avräkningsperiod (settlement period), toleransband
(tolerance band), vite (sanction), bonus, realiserad LCC (realised LCC), prognos (forecast).

>>> fu_label("deviation_value", "sv"), fu_column_label("deviation_value_SEK", "sv")
('Avvikelse i pengar', 'Avvikelse i pengar (SEK)')
>>> outcome_label("shortfall", "sv"), clause_label("CLAUSE_KIND_SANCTION", "sv")
('underskott mot åtagandet', 'vite (faktor × utvärderingsfördel)')
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

#: Column and field labels: key -> (English, Swedish).
LABELS: Final[Mapping[str, tuple[str, str]]] = {
    "period": ("Settlement period", "Avräkningsperiod"),
    "start": ("From", "Från"),
    "end": ("To", "Till"),
    "item": ("Item", "Objekt"),
    "resource": ("Resource", "Resurs"),
    "series": ("Series (meter)", "Serie (mätpunkt)"),
    "unit": ("Unit", "Enhet"),
    "observed": ("Actual (observed)", "Utfall (uppmätt)"),
    "expected": ("Adjusted promise", "Korrigerat åtagande"),
    "raw_promise": ("Promise, unadjusted", "Åtagande, okorrigerat"),
    "deviation": ("Deviation", "Avvikelse"),
    "deviation_share": ("Deviation", "Avvikelse"),
    "deviation_value": ("Deviation in money", "Avvikelse i pengar"),
    "deviation_kgCO2e": ("Deviation, climate", "Avvikelse, klimat"),
    "deviation_climate_value": ("Deviation, climate value", "Avvikelse, klimatvärde"),
    "outcome": ("Outcome", "Utfall mot toleransbandet"),
    "amount": ("Amount under the clause", "Belopp enligt klausulen"),
    "coverage": ("Data coverage", "Datatäckning"),
    "estimated_share": ("Estimated readings", "Andel uppskattade värden"),
    "gap_count": ("Gaps", "Luckor"),
    "gaps": ("Gaps (periods without readings)", "Luckor (perioder utan mätvärden)"),
    "settled": ("Settled", "Avräknad"),
    "bid_id": ("Bid", "Anbud"),
    "awarded_rank": ("Rank at award", "Rang vid tilldelning"),
    "hindsight_rank": ("Rank in hindsight", "Rang i efterhand"),
    "awarded_evaluated_cost": ("Evaluated cost at award", "Utvärderingspris vid tilldelning"),
    "hindsight_evaluated_cost": ("Evaluated cost in hindsight", "Utvärderingspris i efterhand"),
    "evaluated_cost_change": ("Change", "Förändring"),
    "awarded_life_cycle_cost": ("LCC at award", "LCC vid tilldelning"),
    "hindsight_life_cycle_cost": ("LCC in hindsight", "LCC i efterhand"),
    "winner": ("Winner", "Vinnare"),
    "best_in_hindsight": ("Best in hindsight", "Bäst i efterhand"),
    "promised_per_year": ("Promised per year", "Åtagande per år"),
    "clause": ("Clause", "Klausul"),
    "tolerance": ("Tolerance band ±", "Toleransband ±"),
    "normalisation": ("Normalisation", "Normalisering"),
    "whole_deviation": ("Whole deviation paid", "Hela avvikelsen ersätts"),
    "include_climate": ("Climate value included", "Klimatvärde ingår"),
    "bonus_share": ("Bonus share", "Bonusandel"),
    "sanction_factor": ("Sanction factor", "Vitesfaktor"),
    "award_advantage": ("Award advantage", "Utvärderingsfördel"),
    "price": ("Contract price", "Avtalat pris"),
    "emission_factor": ("Emission factor", "Emissionsfaktor"),
    "activity_series": ("Activity series", "Aktivitetsserie"),
    "reference_activity": ("Reference activity", "Referensaktivitet"),
    "degree_day_series": ("Degree-day series", "Graddagsserie"),
    "normal_degree_days": ("Degree days, normal year", "Graddagar, normalår"),
    "base_temperature_celsius": ("Base temperature (°C)", "Balanstemperatur (°C)"),
    "weather_share": ("Weather-dependent share", "Väderberoende andel"),
    "source_path": ("From the bid", "Ur anbudet"),
    "condition": ("Condition", "Förhållande"),
    "value": ("Value", "Värde"),
    "activity": ("Activity", "Aktivitet"),
    "degree_days": ("Degree days", "Graddagar"),
    "intercept": ("Intercept (per period)", "Konstant (per period)"),
    "slope": ("Per degree day", "Per graddag"),
    "cv_rmse": ("CV(RMSE)", "CV(RMSE)"),
    "nmbe": ("NMBE", "NMBE"),
    "within_guideline_14": ("Within ASHRAE Guideline 14", "Inom ASHRAE Guideline 14"),
    "code": ("Code", "Kod"),
    "message": ("Message", "Meddelande"),
    "reading": ("Reading", "Mätvärde"),
    "kind": ("Kind", "Typ"),
    "quantity": ("Quantity", "Mängd"),
    "source": ("Source", "Källa"),
    "estimated": ("Estimated", "Uppskattad"),
    "superseded": ("Superseded", "Ersatt"),
    "supersedes": ("Corrects", "Korrigerar"),
    "origin": ("Origin", "Ursprung"),
    "observed_ratio": ("Actual / adjusted promise", "Utfall / korrigerat åtagande"),
    "days": ("Days", "Dagar"),
}

#: Sheet titles, section headings and sentences: key -> (English, Swedish).
TEXT: Final[Mapping[str, tuple[str, str]]] = {
    "title": ("Contract follow-up", "Avtalsuppföljning"),
    "summary": ("Summary", "Sammanfattning"),
    "periods": ("Settlement periods", "Avräkningsperioder"),
    "cumulative": ("Cumulative", "Ackumulerat"),
    "hindsight": ("Award in hindsight", "Tilldelning i efterhand"),
    "coverage": ("Readings coverage", "Datatäckning"),
    "warnings": ("Warnings", "Varningar"),
    "baselines": ("Regression baselines", "Referensmodeller (regression)"),
    "commitment": ("Commitment", "Åtagande"),
    "procurement": ("Procurement", "Upphandling"),
    "evaluation": ("Awarded evaluation", "Utvärdering som tilldelningen vilar på"),
    "evaluation_digest": ("Evaluation digest (SHA-256)", "Utvärderingens kontrollsumma (SHA-256)"),
    "record_hash": ("Record hash (chain)", "Postens hash (kedjan)"),
    "bid": ("Winning bid", "Vinnande anbud"),
    "recorded_by": ("Recorded by", "Registrerat av"),
    "recorded": ("Recorded", "Registrerat"),
    "organization": ("Organisation", "Organisation"),
    "contract_start": ("Contract start", "Avtalsstart"),
    "contract_start_short": ("start", "start"),
    "settlement_period": ("Settlement period", "Avräkningsperiod"),
    "guarantee_periods": (
        "Guarantee period (settlement periods)",
        "Garantitid (avräkningsperioder)",
    ),
    "min_coverage": ("Least data coverage to settle", "Minsta datatäckning för avräkning"),
    "as_of": ("Report as of", "Rapport per"),
    "currency": ("Currency", "Valuta"),
    "times_in": ("Times in", "Tider i"),
    "contract_terms": ("Contract terms per promise", "Avtalsvillkor per åtagande"),
    "clause_outcome": ("Outcome of the clause (cumulative)", "Klausulens utfall (ackumulerat)"),
    "total_amount": ("Total amount under the contract", "Summa enligt avtalet"),
    "owed_by_supplier": ("owed by the supplier", "att betala för leverantören"),
    "owed_to_supplier": ("owed to the supplier", "att betala till leverantören"),
    "nothing_owed": ("nothing owed", "inget att betala"),
    "lcc": ("Life-cycle cost", "Livscykelkostnad"),
    "promised_facts": ("Promised in the winning bid", "Utfäst i det vinnande anbudet"),
    "awarded_evaluated_cost": ("Evaluated cost at award", "Utvärderingspris vid tilldelning"),
    "promised_emissions": (
        "Promised climate impact, study period (kg CO2e)",
        "Utfäst klimatpåverkan, kalkylperioden (kg CO2e)",
    ),
    "service_life": ("Service life", "Livslängd"),
    "awarded_lcc": ("Awarded LCC", "LCC vid tilldelning"),
    "realised_lcc": ("Realised LCC to date", "Realiserad LCC hittills"),
    "forecast_lcc": ("LCC forecast to the end", "LCC-prognos till avtalets slut"),
    "forecast_minus_awarded": ("Forecast − awarded", "Prognos − tilldelning"),
    "data_coverage": ("Data coverage, all periods", "Datatäckning, alla perioder"),
    "ranking_changed": ("Would the ranking change?", "Skulle rangordningen ändras?"),
    "awarded_margin": ("Winner's margin at award", "Vinnarens marginal vid tilldelning"),
    "hindsight_margin": ("Winner's margin in hindsight", "Vinnarens marginal i efterhand"),
    "margin_change": ("Change of the margin", "Marginalens förändring"),
    "margin_note": (
        "Margin: the winner's evaluated cost minus the best other bid's "
        "(< 0: the winner was best).",
        "Marginal: vinnarens utvärderingspris minus bästa övriga anbuds (< 0: vinnaren var bäst).",
    ),
    "others_keep_promises": (
        "The other bids keep their promises: nobody measured them.",
        "Övriga anbud behåller sina utfästelser: ingen har mätt dem.",
    ),
    "no_hindsight": (
        "No settled period yet: no award in hindsight.",
        "Ingen avräknad period ännu: ingen tilldelning i efterhand.",
    ),
    "yes": ("yes", "ja"),
    "no": ("no", "nej"),
    "by": ("by", "med"),
    "no_warnings": ("No warnings.", "Inga varningar."),
    "no_gaps": ("no gaps", "inga luckor"),
    "gaps": ("Gaps (periods without readings)", "Luckor (perioder utan mätvärden)"),
    "conditions": ("Actual conditions per period", "Faktiska förhållanden per period"),
    "chart_energy": (
        "Cumulative use: promised and actual",
        "Ackumulerad användning: åtagande och utfall",
    ),
    "chart_cost": (
        "Cumulative cost: promised and actual",
        "Ackumulerad kostnad: åtagande och utfall",
    ),
    "chart_emissions": (
        "Cumulative emissions: promised and actual",
        "Ackumulerade utsläpp: åtagande och utfall",
    ),
    "chart_deviation": ("Deviation per settlement period", "Avvikelse per avräkningsperiod"),
    "chart_promised": ("promised (adjusted)", "åtagande (korrigerat)"),
    "chart_raw": ("promised (unadjusted)", "åtagande (okorrigerat)"),
    "chart_actual": ("actual", "utfall"),
    "chart_band": ("tolerance band", "toleransband"),
    "chart_not_settled": ("not settled (low coverage)", "ej avräknad (låg datatäckning)"),
    "chart_valued_note": (
        "Cost and emissions valued at the contract's price and emission factor.",
        "Kostnad och utsläpp värderade med avtalets pris och emissionsfaktor.",
    ),
    "report": ("Report", "Rapport"),
    "chart": ("Chart", "Diagram"),
    "readings_appended": ("readings appended", "mätvärden registrerade"),
    "batches": ("batches", "satser"),
    "no_commitments": ("no commitments", "inga åtaganden"),
    "no_readings": ("no readings", "inga mätvärden"),
    "page": ("Page &P of &N", "Sida &P av &N"),
}

OUTCOME_LABELS: Final[Mapping[str, tuple[str, str]]] = {
    "not_settled": ("not settled", "ej avräknad"),
    "within_band": ("within the band", "inom toleransbandet"),
    "shortfall": ("shortfall against the promise", "underskott mot åtagandet"),
    "savings": ("savings beyond the promise", "besparing utöver åtagandet"),
}

CLAUSE_LABELS: Final[Mapping[str, tuple[str, str]]] = {
    "CLAUSE_KIND_UNSPECIFIED": ("shortfall payment", "ersättning för underskott"),
    "CLAUSE_KIND_REPORT_ONLY": ("report only", "endast rapportering"),
    "CLAUSE_KIND_SHORTFALL_PAYMENT": ("shortfall payment", "ersättning för underskott"),
    "CLAUSE_KIND_BONUS_SHARE": (
        "shortfall payment and a bonus share",
        "ersättning för underskott och bonus",
    ),
    "CLAUSE_KIND_SANCTION": (
        "sanction (factor × award advantage)",
        "vite (faktor × utvärderingsfördel)",
    ),
}

NORMALISATION_LABELS: Final[Mapping[str, tuple[str, str]]] = {
    "NORMALISATION_UNSPECIFIED": ("none", "ingen"),
    "NORMALISATION_NONE": ("none", "ingen"),
    "NORMALISATION_ACTIVITY": ("by activity", "efter aktivitet"),
    "NORMALISATION_DEGREE_DAYS": (
        "normal-year correction by degree days",
        "normalårskorrigering med graddagar",
    ),
    "NORMALISATION_REGRESSION": (
        "normal-year correction, regression baseline",
        "normalårskorrigering, regressionsmodell",
    ),
}

SETTLEMENT_LABELS: Final[Mapping[str, tuple[str, str]]] = {
    "SETTLEMENT_PERIOD_UNSPECIFIED": ("year", "år"),
    "SETTLEMENT_PERIOD_MONTH": ("month", "månad"),
    "SETTLEMENT_PERIOD_QUARTER": ("quarter", "kvartal"),
    "SETTLEMENT_PERIOD_HALF_YEAR": ("half-year", "halvår"),
    "SETTLEMENT_PERIOD_YEAR": ("year", "år"),
}

#: Warning codes of the follow-up report -> (English, Swedish) sentence (the server's English
#: message stays the source of the details).
WARNING_LABELS: Final[Mapping[str, tuple[str, str]]] = {
    "LOW_COVERAGE": (
        "readings cover too little of a period to settle it",
        "mätvärdena täcker för lite av perioden: den avräknas inte",
    ),
    "ESTIMATED_READINGS": ("some readings are estimated", "en del av utfallet är uppskattat"),
    "NOT_SETTLED": (
        "no settlement period is settled yet",
        "ingen avräkningsperiod är avräknad ännu",
    ),
    "READING_GAPS": ("a settled period has gaps", "en avräknad period har luckor i mätvärdena"),
    "CONDITIONS_INCOMPLETE": (
        "the activity or degree days do not cover the period: it is not settled",
        "aktivitet eller graddagar täcker inte perioden: den avräknas inte",
    ),
    "BASELINE_OUTSIDE_GUIDELINE_14": (
        "the regression baseline is outside ASHRAE Guideline 14's limits",
        "referensmodellen ligger utanför ASHRAE Guideline 14:s gränser",
    ),
    "RANKING_CHANGED_IN_HINDSIGHT": (
        "another bid would rank first in hindsight",
        "ett annat anbud skulle rangordnas först i efterhand",
    ),
}

_MONEY_SUFFIX = re.compile(r"^(?P<base>.+)_(?P<cur>[A-Z]{3})$")


def _pick(table: Mapping[str, tuple[str, str]], key: str, lang: str) -> str | None:
    pair = table.get(key)
    if pair is None:
        return None
    return pair[1] if lang == "sv" else pair[0]


def fu_text(key: str, lang: str = "en") -> str:
    """A title or sentence of the follow-up in the language."""
    return _pick(TEXT, key, lang) or key


def fu_label(key: str, lang: str = "en") -> str:
    """A column or field label (falls back to the key, underscores as spaces)."""
    return _pick(LABELS, key, lang) or key.replace("_", " ")


def fu_column_label(column: str, lang: str = "en") -> str:
    """Display header of a follow-up frame column: the label and the unit from its suffix
    (``amount_SEK`` → ``"Belopp enligt klausulen (SEK)"``, ``coverage`` as a share in %)."""
    if column.endswith("_kgCO2e"):
        return f"{fu_label(column, lang)} (kg CO2e)"
    match = _MONEY_SUFFIX.match(column)
    if match and match["base"] in LABELS:
        return f"{fu_label(match['base'], lang)} ({match['cur']})"
    if column.endswith("_share") or column in ("coverage", "tolerance", "cv_rmse", "nmbe"):
        return f"{fu_label(column, lang)} (%)"
    return fu_label(column, lang)


def outcome_label(outcome: str, lang: str = "en") -> str:
    """``within_band`` / ``shortfall`` / ``savings`` / ``not_settled`` in the language."""
    return _pick(OUTCOME_LABELS, outcome, lang) or outcome.replace("_", " ")


def clause_label(name: str, lang: str = "en") -> str:
    return _pick(CLAUSE_LABELS, name, lang) or name


def normalisation_label(name: str, lang: str = "en") -> str:
    return _pick(NORMALISATION_LABELS, name, lang) or name


def settlement_label(name: str, lang: str = "en") -> str:
    return _pick(SETTLEMENT_LABELS, name, lang) or name


def yes_no(value: bool, lang: str = "en") -> str:
    return fu_text("yes" if value else "no", lang)


def fu_warning_text(code: str, message: str, lang: str = "en") -> str:
    """A follow-up warning in the language: the Swedish sentence of its code followed by the
    server's details, or the server's message as it is."""
    if lang != "sv":
        return message
    sentence = _pick(WARNING_LABELS, code, lang)
    return f"{sentence} ({message})" if sentence else message
