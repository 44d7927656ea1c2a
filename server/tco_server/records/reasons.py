"""The drafted reasons of an award decision, in Swedish and English, from the stored records only.

LOU 12 kap. 12 § asks the contracting authority to state the reasons for its award decision to
every tenderer; this drafts them from what the records hold, nothing else:

1. the decision: the chosen bid, its supplier, rank and comparison number (``evaluated_cost``,
   the figure the ranking rests on), who decided, when, and the standstill period;
2. for every other bid the margin ``evaluated_cost(other) - evaluated_cost(chosen)`` (also in %
   of the chosen bid's number) and the cost categories that make it: the differences
   ``cost_by_category[c](other) - cost_by_category[c](chosen)`` and of climate cost, other
   externalities and deductions, the three largest by size;
3. the engine's TIE and INCONCLUSIVE_RANKING warnings, as they were given, and the switching
   values of every analysis stored with the evaluation (AnalyzeEvaluation): for each parameter
   the value nearest its stated value where the best bid changes, or that it does not change
   within the searched interval;
4. the buyer's stated reason when the chosen bid is not ranked first;
5. the method's parameters with their sources (carbon price series and emission factor
   reference ids; the buyer's own figures otherwise);
6. the digests: method, request, evaluation (the response bytes), the record hashes, engine and
   reference data versions, so anyone can check the decision against the records.

Example (en): "Bid B (Nordic Air AB) is awarded: rank 1, comparison number 1,234,567.00 SEK.
Bid A: 45,000.00 SEK (3.6 %) more; energy 52,000.00 SEK, maintenance -7,000.00 SEK."

Money is printed as the engine rounded it (half-up to the currency's minor unit, on output);
numbers are grouped as each language writes them (sv ``1 234 567,00``, en ``1,234,567.00``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from tco.currency import minor_unit_digits
from tcoapi.v1 import analysis_pb2, result_pb2, tender_pb2

_LABELS: dict[str, tuple[str, str]] = {  # key: (English, Swedish)
    "acquisition": ("acquisition", "anskaffning"),
    "installation": ("installation", "installation"),
    "energy": ("energy", "energi"),
    "water_and_resources": ("water and resources", "vatten och resurser"),
    "maintenance": ("maintenance", "underhåll"),
    "operation": ("operation", "drift"),
    "replacement": ("replacement", "utbyte"),
    "end_of_life": ("end of life", "slutomhändertagande"),
    "residual_value": ("residual value", "restvärde"),
    "other": ("other", "övrigt"),
    "climate_cost": ("climate cost", "klimatkostnad"),
    "externality_cost": ("other externalities", "övriga externa kostnader"),
    "deductions": ("deductions", "avdrag"),
}
#: Categories named per margin.
TOP_CATEGORIES = 3


@dataclass(frozen=True, slots=True)
class Decision:
    """What the drafted reasons say, as recorded."""

    procurement: str
    title: str
    evaluation: str
    bid_id: str
    decided_by: str
    organization: str
    decide_time: str
    standstill_days: int
    standstill_end: str
    reason: str
    method: tender_pb2.Method
    response: result_pb2.EvaluateBidsResponse
    method_digest: str
    request_digest: str
    evaluation_digest: str
    procurement_record: str
    evaluation_record: str
    data_version: str
    #: the analyses stored with the evaluation: (name, response), oldest first
    analyses: tuple[tuple[str, analysis_pb2.AnalyzeRankingResponse], ...] = ()


def money(value: float, currency: str, lang: str) -> str:
    """``value`` with the currency's minor-unit digits, grouped as ``lang`` writes numbers."""
    try:
        digits = minor_unit_digits(currency)
    except KeyError:
        digits = 2
    exact = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-digits), ROUND_HALF_UP)
    text = f"{exact:,.{digits}f}"
    if lang == "sv":
        text = text.replace(",", "\u00a0").replace(".", ",")
    return f"{text} {currency}"


def _percent(value: float, lang: str) -> str:
    text = f"{value:.1f}"
    return (text.replace(".", ",") if lang == "sv" else text) + " %"


def number(value: float, lang: str, *, scale: int = 0) -> str:
    """``value`` (times ``10**scale``) as given, no float noise, with a decimal comma in
    Swedish: ``number(0.035, "sv", scale=2)`` -> ``"3,5"``, ``number(1.25, "en")`` -> ``"1.25"``."""
    exact = Decimal(repr(float(value))).scaleb(scale).normalize()
    text = f"{exact:f}"
    return text.replace(".", ",") if lang == "sv" else text


def _label(key: str, lang: str) -> str:
    english, swedish = _LABELS.get(key, (key.replace("_", " "), key.replace("_", " ")))
    return swedish if lang == "sv" else english


def margin_parts(
    chosen: result_pb2.BidResult, other: result_pb2.BidResult
) -> list[tuple[str, float]]:
    """The parts of ``other``'s margin over ``chosen`` by cost category, largest first."""
    parts = {
        key: other.cost_by_category.get(key, 0.0) - chosen.cost_by_category.get(key, 0.0)
        for key in sorted(set(chosen.cost_by_category) | set(other.cost_by_category))
    }
    parts["climate_cost"] = other.climate_cost - chosen.climate_cost
    parts["externality_cost"] = other.externality_cost - chosen.externality_cost
    parts["deductions"] = -(other.deductions - chosen.deductions)
    ordered = sorted(parts.items(), key=lambda kv: (-abs(kv[1]), kv[0]))
    return [(key, value) for key, value in ordered if value != 0.0][:TOP_CATEGORIES]


def _sources(method: tender_pb2.Method, lang: str) -> Iterable[str]:
    sv = lang == "sv"
    basis = {tender_pb2.RATE_BASIS_NOMINAL: ("nominal", "nominell")}.get(
        method.rate_basis, ("real", "real")
    )
    rate = number(method.discount_rate, lang, scale=2)
    yield (
        f"{'Kalkylränta' if sv else 'Discount rate'} {rate} % "
        f"({basis[1] if sv else basis[0]}), "
        f"{'kalkylperiod' if sv else 'study period'} {method.study_period_years} "
        f"{'år' if sv else 'years'}, {'basår' if sv else 'base year'} {method.base_year}, "
        f"{'valuta' if sv else 'currency'} {method.currency}."
    )
    own = "beställarens egna värden" if sv else "the buyer's own figures"
    if method.HasField("carbon_price"):
        series = method.carbon_price.series_id or own
        yield f"{'Koldioxidpris' if sv else 'Carbon price'}: {series}."
    for factor in method.emission_factors:
        source = factor.reference_id or own
        yield f"{'Emissionsfaktor' if sv else 'Emission factor'} {factor.resource}: {source}."
    for price in method.resource_prices:
        yield (
            f"{'Pris' if sv else 'Price'} {price.resource}: {number(price.price.value, lang)} "
            f"{price.price.unit} ({own})."
        )


def _switching(decision: Decision, lang: str) -> list[str]:
    """One line per switching result of every stored analysis."""
    sv = lang == "sv"
    lines: list[str] = []
    for name, response in decision.analyses:
        for result in response.switching:
            if result.status != analysis_pb2.SWITCHING_STATUS_SWITCHES:
                interval = f"[{result.low!r}, {result.high!r}]"
                stays = (
                    f"bästa anbud byts inte inom {interval}"
                    if sv
                    else f"the best bid does not change within {interval}"
                )
                lines.append(f"- {name}: {result.path}: {stays}")
                continue
            points = ", ".join(
                f"{p.value!r} ({p.from_bid_id} → {p.to_bid_id})" for p in result.points
            )
            base = f"{result.base_value!r}" if result.HasField("base_value") else "-"
            lines.append(
                f"- {name}: {result.path}: "
                + (f"bästa anbud byts vid {points}; angivet värde {base}" if sv else
                   f"the best bid changes at {points}; stated value {base}")
            )  # fmt: skip
    return lines


def draft(decision: Decision, lang: str) -> str:
    """The reasons of ``decision`` in ``lang`` (``"sv"`` or ``"en"``), as plain text."""
    sv = lang == "sv"
    response = decision.response
    currency = response.currency
    by_id = {result.bid_id: result for result in response.results}
    chosen = by_id[decision.bid_id]
    lines = [
        ("Tilldelningsbeslut" if sv else "Award decision")
        + f": {decision.title or decision.procurement}",
        f"{'Upphandling' if sv else 'Procurement'}: {decision.procurement}",
        f"{'Utvärdering' if sv else 'Evaluation'}: {decision.evaluation}",
        "",
        (
            f"Anbud {chosen.bid_id} ({chosen.supplier or '-'}) tilldelas kontraktet: rang "
            f"{chosen.rank}, jämförelsetal {money(chosen.evaluated_cost, currency, lang)}."
            if sv
            else f"Bid {chosen.bid_id} ({chosen.supplier or '-'}) is awarded the contract: rank "
            f"{chosen.rank}, comparison number {money(chosen.evaluated_cost, currency, lang)}."
        ),
        (
            f"Beslutat av {decision.decided_by} ({decision.organization}) {decision.decide_time}. "
            f"Avtalsspärr {decision.standstill_days} dagar, till {decision.standstill_end}."
            if sv
            else f"Decided by {decision.decided_by} ({decision.organization}) at "
            f"{decision.decide_time}. Standstill period {decision.standstill_days} days, until "
            f"{decision.standstill_end}."
        ),
    ]
    if decision.reason:
        lines.append(f"{'Skäl' if sv else 'Stated reason'}: {decision.reason}")
    lines += ["", "Marginal till övriga anbud:" if sv else "Margin to the other bids:"]
    for other in sorted(response.results, key=lambda r: (r.rank, r.bid_id)):
        if other.bid_id == chosen.bid_id:
            continue
        margin = other.evaluated_cost - chosen.evaluated_cost
        share = 100.0 * margin / chosen.evaluated_cost if chosen.evaluated_cost else 0.0
        parts = ", ".join(
            f"{_label(key, lang)} {money(value, currency, lang)}"
            for key, value in margin_parts(chosen, other)
        )
        lines.append(
            f"- {'Anbud' if sv else 'Bid'} {other.bid_id} ({other.supplier or '-'}), "
            f"{'rang' if sv else 'rank'} {other.rank}: {money(margin, currency, lang)} "
            f"({_percent(share, lang)}); "
            f"{'främst' if sv else 'mainly'} {parts or '-'}"
        )
    notes = [w for w in response.warnings if w.code in {"TIE", "INCONCLUSIVE_RANKING"}]
    if notes:
        lines += ["", "Varningar från utvärderingen:" if sv else "Warnings of the evaluation:"]
        lines += [f"- {w.code}: {w.message}" for w in notes]
    switching = _switching(decision, lang)
    if switching:
        lines += ["", "Brytpunkter (känslighetsanalys):" if sv else "Switching values (analysis):"]
        lines += switching
    lines += ["", "Utvärderingsmetodens parametrar:" if sv else "Parameters of the method:"]
    lines += [f"- {line}" for line in _sources(decision.method, lang)]
    lines += [
        "",
        "Kontrollsummor (SHA-256):" if sv else "Digests (SHA-256):",
        f"- method_digest: {decision.method_digest}",
        f"- request_digest: {decision.request_digest}",
        f"- evaluation_digest: {decision.evaluation_digest}",
        f"- {'post' if sv else 'record'} {decision.procurement}: {decision.procurement_record}",
        f"- {'post' if sv else 'record'} {decision.evaluation}: {decision.evaluation_record}",
        f"- engine_version: {response.engine_version}, data_version: {decision.data_version}",
    ]
    return "\n".join(lines) + "\n"
