"""The messages' part of the catalogue: warnings (by code) and violations in Swedish.

The server writes warnings with a stable ``code`` and an English ``message`` whose numbers and
names are its parameters; violations are an English description at a field path. Here each known
code (and each known violation form) has a pattern that reads the parameters out of the English
text and a Swedish sentence that puts them back, numbers in Swedish format (``490 217,18``,
``7,71 %``). A message whose code or form is not in the catalogue is shown in the server's
English: never a wrong translation, never a lost message.

>>> warning_text("INCONCLUSIVE_RANKING", "the best two bids (C, A) differ by 490,217.18 (7.71 % "
...     "of the best), less than 10 %: life-cycle cost inputs are uncertain, the ranking may not "
...     "be robust", "sv")[:76]
'de två bästa anbuden (C, A) skiljer sig med 490\\xa0217,18 (7,71\\xa0% av det bästa)'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Final

from tco_client.errors import TcoServiceError
from tco_client.i18n import format_number, text
from tco_client.i18n_workbook import COLUMN_NAMES_SV, ENUM_WORDS_SV, PARAM_NAMES_SV

_NUM: Final = r"-?[\d,]+(?:\.\d+)?(?:e[+-]?\d+)?"


def sv_number(english: str) -> str:
    """An English number as the server wrote it (``490,217.18``, ``1e+12``) in Swedish
    (``490 217,18``, ``1 000 000 000 000``), keeping its decimals."""
    plain = english.replace(",", "")
    try:
        value = float(plain)
    except ValueError:
        return english
    decimals = len(plain.split(".", 1)[1]) if "." in plain and "e" not in plain else 0
    return format_number(value, decimals, "sv")


def _numbers(groups: Mapping[str, str | None]) -> dict[str, str]:
    """Every group named ``n…`` as a Swedish number; the rest as they are."""
    return {
        k: (sv_number(v) if k.startswith("n") else v) if v is not None else ""
        for k, v in groups.items()
    }


def _compile(table: Mapping[str, str]) -> list[tuple[re.Pattern[str], str]]:
    return [(re.compile(pattern), sv) for pattern, sv in table.items()]


#: Warning code -> {English pattern: Swedish template}. Number groups start with ``n``.
_WARNINGS: Final[Mapping[str, Mapping[str, str]]] = {
    "TIE": {
        r"bids (?P<bids>.+) are tied at rank (?P<rank>\d+) with the same comparison number "
        rf"(?P<n>{_NUM}); the tie is not broken by the engine": (
            "anbuden {bids} delar plats {rank} med samma jämförelsetal {n}; likaläget avgörs "
            "inte av beräkningen"
        ),
    },
    "INCONCLUSIVE_RANKING": {
        rf"the best two bids \((?P<a>.+), (?P<b>.+)\) differ by (?P<ngap>{_NUM}) "
        rf"\((?P<npct>{_NUM}) % of the best\), less than (?P<nm>{_NUM}) %: life-cycle cost "
        "inputs are uncertain, the ranking may not be robust": (
            "de två bästa anbuden ({a}, {b}) skiljer sig med {ngap} ({npct}\u00a0% av det "
            "bästa), mindre än {nm}\u00a0%: indata till livscykelkostnaden är osäkra och "
            "rangordningen är kanske inte robust"
        ),
    },
    "BEST_COST_ZERO": {
        r"the best comparison number is 0 .*": (
            "det bästa jämförelsetalet är 0 (eller försumbart nära), så skillnaden mot det "
            "bästa kan inte anges i procent (redovisas som 0) och marginalen på 10 % mellan de "
            "två bästa kan inte prövas; jämför skillnaden mot bästa i pengar i stället"
        ),
    },
    "SERIES_EXTRAPOLATED": {
        r"carbon price \((?P<src>.+)\) held flat outside its points in (?P<k>\d+) study "
        r"year\(s\): (?P<years>.+)": (
            "koldioxidpriset ({src}) hålls konstant utanför sina punkter under {k} kalkylår: "
            "{years}"
        ),
    },
    "EMISSION_FACTOR_EXTRAPOLATED": {
        r"emission factor of (?P<r>.+) held flat outside its trajectory in (?P<k>\d+) study "
        r"year\(s\): (?P<years>.+)": (
            "emissionsfaktorn för {r} hålls konstant utanför sin bana under {k} kalkylår: {years}"
        ),
    },
    "PRICE_BASE_YEAR": {
        r"carbon price \((?P<src>.+)\) is in (?P<y>\d+) prices, the method's base year is "
        r"(?P<b>\d+); values used as given": (
            "koldioxidpriset ({src}) är i {y} års priser, metodens basår är {b}; värdena används "
            "som de är"
        ),
    },
    "PARAMETER_WITHOUT_EFFECT": {
        r"(?P<p>\S+): no bid uses the resource, so the parameter changes no comparison number": (
            "{p}: inget anbud använder resursen, så parametern ändrar inget jämförelsetal"
        ),
    },
    "NO_EMISSION_FACTOR": {
        r"resource (?P<r>.+) has no emission factor in the method: its emissions count as zero": (
            "resursen {r} har ingen emissionsfaktor i metoden: dess utsläpp räknas som noll"
        ),
    },
    "RESIDUAL_VALUE_IGNORED": {
        r"item (?P<i>.+): the residual value applies to a unit still in service at the end of "
        r"the study period; the last unit's life ends at t = (?P<t>\S+) <= N = (?P<n>\d+)": (
            "objektet {i}: restvärdet gäller en enhet som fortfarande används vid "
            "kalkylperiodens slut; den sista enhetens livslängd tar slut vid t = {t} <= N = {n}"
        ),
    },
    "CARBON_PRICE_IS_MARKET_PRICE": {
        r"carbon price series (?P<s>.+) is a market price, not a social value of emissions": (
            "koldioxidprisserien {s} är ett marknadspris, inte en samhällsekonomisk värdering av "
            "utsläpp"
        ),
    },
    "NOMINAL_WITHOUT_INFLATION": {
        r"nominal analysis with inflation_rate 0: nominal and real rates coincide": (
            "nominell kalkyl med inflation 0: nominell och real ränta sammanfaller"
        ),
    },
    "RATE_LOOKS_LIKE_PERCENT": {
        r"method\.(?P<name>\w+) is (?P<nv>\S+), i\.e\. (?P<np>\S+) % a year: rates are "
        r"fractions \(0\.035 = 3\.5 %\)": (
            "{name} är {nv}, alltså {np}\u00a0% per år: räntor anges som andelar "
            "(0,035 = 3,5\u00a0%)"
        ),
        rf"(?P<at>\S+): the [a-z ]+ is (?P<nv>{_NUM}), i\.e\. (?P<np>{_NUM}) % a year; rates "
        r"are fractions \(0\.035 = 3\.5 %\)": (
            "{at}: värdet är {nv}, alltså {np}\u00a0% per år; räntor anges som andelar "
            "(0,035 = 3,5\u00a0%)"
        ),
    },
    "NO_CARBON_PRICE": {
        r"the method states no carbon price: emissions are reported in kgCO2e but not valued, "
        "and no comparison number contains a climate cost": (
            "metoden anger inget koldioxidpris: utsläppen redovisas i kg CO2e men värderas inte, "
            "och inget jämförelsetal innehåller någon klimatkostnad"
        ),
    },
    "PRICE_INDEX_HELD": {
        r"carbon price \((?P<src>.+)\) re-based from (?P<y>\d+) to (?P<b>\d+) prices with "
        r"(?P<idx>.+?); (?P<years>.+) past the last published year (?P<last>\d+): the index is "
        rf"held at its (?P<last2>\d+) level \(x (?P<nf>{_NUM})\)": (
            "koldioxidpriset ({src}) är omräknat från {y} års till {b} års priser med {idx}; "
            "{years} ligger efter det senast publicerade året {last}: indexet hålls på sin nivå "
            "för {last2} (x {nf})"
        ),
    },
    "PRICE_BASE_UNKNOWN": {
        r"carbon price \((?P<src>.+)\): the publisher states no price-base year, so the values "
        r"are used at face value, not re-based to the method's (?P<b>\d+) prices": (
            "koldioxidpriset ({src}): utgivaren anger inget prisbasår, så värdena används som de "
            "är angivna och räknas inte om till metodens prisnivå ({b} års priser)"
        ),
    },
    "PRICE_BASE_FACE_VALUE": {
        r"carbon price \((?P<src>.+)\) is in (?P<y>\d+) prices and was not re-based: used at "
        r"face value in (?P<b>\d+) money": (
            "koldioxidpriset ({src}) är i {y} års priser och har inte räknats om: det används som "
            "det är angivet, i {b} års penningvärde"
        ),
        r"carbon price \((?P<src>.+)\) is in (?P<y>\d+) prices; the method opts out of "
        r"re-basing \(use_face_values\), so it is used at face value in (?P<b>\d+) money": (
            "koldioxidpriset ({src}) är i {y} års priser; metoden avstår från omräkning "
            "(inställningen utan omräkning), så det används som det är angivet, i {b} års "
            "penningvärde"
        ),
        r"carbon price \((?P<src>.+)\) is of unknown price-base year; the method opts out of "
        r"re-basing \(use_face_values\), so it is used at face value in (?P<b>\d+) money": (
            "koldioxidpriset ({src}) har okänt prisbasår; metoden avstår från omräkning "
            "(inställningen utan omräkning), så det används som det är angivet, i {b} års "
            "penningvärde"
        ),
    },
    "COMPARISON_NUMBER_NOT_POSITIVE": {
        rf"bid (?P<bid>.+): comparison number (?P<nx>{_NUM}) is not above 0: its deductions or "
        r"credits \(residual, buy-back\) outweigh all its costs; check them": (
            "anbud {bid}: jämförelsetalet {nx} är inte större än 0: anbudets avdrag eller "
            "krediteringar (restvärde, återköp) överstiger alla dess kostnader; kontrollera dem"
        ),
    },
    "DEDUCTIONS_NOT_APPLIED": {
        r"(?P<k>\d+) bid\(s\) claim deductions \((?P<bids>.+)\), but the method's model is "
        r"(?P<model>\w+): claims count only in the DEDUCTIONS model": (
            "{k} anbud gör anspråk på avdrag ({bids}), men metodens utvärderingsmodell är "
            "{model}: anspråk räknas bara med utvärderingsmodellen avdrag (mervärdesmodell)"
        ),
        r"the method lists (?P<k>\d+) deduction criteria, but its model is (?P<model>\w+): the "
        r"table applies only in the DEDUCTIONS model": (
            "metoden anger avdragskriterier ({k} st.), men dess utvärderingsmodell är {model}: "
            "avdragstabellen gäller bara med utvärderingsmodellen avdrag (mervärdesmodell)"
        ),
    },
    "DEDUCTIONS_WITHOUT_CRITERIA": {
        r"the DEDUCTIONS model lists no criteria: no bid earns a deduction, every comparison "
        r"number is the total cost": (
            "utvärderingsmodellen avdrag (mervärdesmodell) anger inga kriterier: inget anbud "
            "får något avdrag, och varje jämförelsetal är den totala kostnaden"
        ),
    },
    "RESPONSE_SUMMARIZED": {
        rf"the full response would be (?P<ns>{_NUM}) MiB, over the 4 MiB most gRPC clients "
        r"accept by default: cash_flow, explanations and emissions_by_year are left out\. Ask "
        rf"for view RESPONSE_VIEW_FULL with a client max receive message size above "
        rf"(?P<ns2>{_NUM}) MiB, or send fewer bids per request": (
            "det fullständiga svaret skulle bli {ns} MiB, mer än de 4 MiB som de flesta "
            "gRPC-klienter tar emot som standard: kassaflöde, förklaringar och utsläpp per år är "
            "utelämnade. Begär vyn RESPONSE_VIEW_FULL med klientens största mottagna "
            "meddelandestorlek över {ns2} MiB, eller skicka färre anbud per begäran"
        ),
    },
    "CARBON_PRICE_IMPLAUSIBLE": {
        rf"method\.carbon_price: (?P<nlo>{_NUM}) to (?P<nhi>{_NUM}) (?P<cur>\w+)/kgCO2e over "
        rf"the study period, outside the plausible (?P<nbl>{_NUM})-(?P<nbh>{_NUM}) "
        rf"(?P<cur2>\w+)/kgCO2e \((?P<nsl>{_NUM})-(?P<nsh>{_NUM}) SEK/kgCO2e\); check kg "
        "against tonne": (
            "method.carbon_price: {nlo} till {nhi} {cur}/kg CO2e under kalkylperioden, utanför "
            "det rimliga intervallet {nbl}\u2013{nbh} {cur2}/kg CO2e ({nsl}\u2013{nsh} "
            "SEK/kg CO2e); kontrollera kg mot ton"
        ),
    },
    "SERVICE_LIFE_IMPLAUSIBLE": {
        rf"(?P<at>\S+): a service life of (?P<ny>{_NUM}) years \(over (?P<nm>{_NUM})\); check "
        r"the unit \(months, hours\)": (
            "{at}: en livslängd på {ny} år (mer än {nm}); kontrollera enheten (månader, timmar)"
        ),
    },
    "RESIDUAL_ABOVE_PURCHASE_COST": {
        r"(?P<at>\S+): the residual / buy-back value of a unit is above its purchase cost "
        rf"\(unit price \+ installation: (?P<nr>{_NUM}) > (?P<np>{_NUM})(?P<cur> \w+)?\)": (
            "{at}: restvärdet eller återköpsvärdet för en enhet är högre än dess "
            "anskaffningskostnad (styckpris + installation: {nr} > {np}{cur})"
        ),
    },
    "DUPLICATE_ITEM": {
        r"(?P<at>\S+): equal to (?P<other>\S+) field for field \(a copied row counts the item "
        r"twice\)": (
            "{at}: lika med {other} i varje fält (en kopierad rad räknar objektet två gånger)"
        ),
    },
    "CLIMATE_COST_ABOVE_LCC": {
        rf"method\.carbon_price: the climate cost of bid (?P<bid>.+) is (?P<nx>{_NUM}) times "
        rf"its life-cycle cost \(over (?P<nl>{_NUM})\); check the carbon price's unit \(per kg "
        r"or per tonne\)": (
            "method.carbon_price: klimatkostnaden för anbud {bid} är {nx} gånger dess "
            "livscykelkostnad (mer än {nl}); kontrollera koldioxidprisets enhet (per kg eller "
            "per ton)"
        ),
    },
    "BID_WITHOUT_COST": {
        r"(?P<at>\S+): the bid has no cost at all \(life-cycle cost 0\); check that its "
        r"prices were given": (
            "{at}: anbudet har inga kostnader alls (livscykelkostnad 0); kontrollera att dess "
            "priser har angetts"
        ),
    },
}
_WARNING_PATTERNS: Final = {code: _compile(table) for code, table in _WARNINGS.items()}
_SCENARIO: Final = re.compile(r"scenario (?P<name>'[^']*'|\"[^\"]*\"): (?P<rest>.*)", re.S)


def known_warning_codes() -> frozenset[str]:
    """The codes the catalogue translates."""
    return frozenset(_WARNINGS)


def warning_text(code: str, message: str, lang: str = "en") -> str:
    """The warning in the language: the Swedish sentence of its code with the message's
    parameters, or the server's English message when the code or its form is unknown."""
    if lang != "sv":
        return message
    scenario = _SCENARIO.fullmatch(message)
    if scenario is not None:
        return f"scenario {scenario['name']}: {warning_text(code, scenario['rest'], lang)}"
    for pattern, template in _WARNING_PATTERNS.get(code, ()):
        match = pattern.fullmatch(message)
        if match is not None:
            groups = _numbers(match.groupdict())
            if "name" in groups:
                groups["name"] = PARAM_NAMES_SV.get(groups["name"], groups["name"])
            if "model" in groups:
                groups["model"] = ENUM_WORDS_SV.get(groups["model"], groups["model"])
            return template.format(**groups)
    return message


# --------------------------------------------------------------------------------------------
# Violations.
# --------------------------------------------------------------------------------------------

#: Words of a server description's "what" (``expected a study period in whole years …``).
_WHAT_SV: Final[Mapping[str, str]] = {
    "a study period in whole years": "en kalkylperiod i hela år",
    "a number of units": "ett antal enheter",
    "a calendar year": "ett kalenderår",
    "a year": "ett år",
    "a base year": "ett basår",
    "a rate": "en ränta",
    "a fraction": "en andel",
    "a number": "ett tal",
    "a whole number": "ett heltal",
    "a finite number": "ett ändligt tal",
    "money": "pengar",
    "time": "tid",
    "energy": "energi",
    "energy per time": "energi per tid",
    "mass": "massa",
    "volume": "volym",
    "length": "längd",
    "area": "area",
    "climate impact (CO2e mass)": "klimatpåverkan (massa CO2e)",
    "money per climate impact (CO2e mass)": "pengar per klimatpåverkan (massa CO2e)",
    "money per time": "pengar per tid",
    "money per energy": "pengar per energi",
}


def _what(text: str) -> str:
    return _WHAT_SV.get(text, text)


def _sv_bounds(text: str) -> str:
    """`` > 0 and <= 1e+12`` -> `` > 0 och <= 1 000 000 000 000``."""
    return re.sub(_NUM, lambda m: sv_number(m.group()), text.replace(" and ", " och "))


_VIOLATIONS: Final[list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]]] = [
    (re.compile(r"required"), lambda m: "värde krävs (en tom cell är inte noll)"),
    (
        re.compile(r"required: (?P<what>.+?) such as (?P<ex>'[^']*')"),
        lambda m: f"värde krävs: {_what(m['what'])}, t.ex. {m['ex']}",
    ),
    (re.compile(r"required: (?P<rest>.+)"), lambda m: f"krävs: {m['rest']}"),
    (
        re.compile(rf"expected (?P<what>.+?) from (?P<a>{_NUM}) to (?P<b>{_NUM})"),
        lambda m: f"väntade {_what(m['what'])} från {sv_number(m['a'])} till {sv_number(m['b'])}",
    ),
    (
        re.compile(rf"expected (?P<what>.+?), a whole number from (?P<a>{_NUM}) to (?P<b>{_NUM})"),
        lambda m: (
            f"väntade {_what(m['what'])}, ett heltal från {sv_number(m['a'])} till "
            f"{sv_number(m['b'])}"
        ),
    ),
    (
        re.compile(r"expected (?P<what>[a-z][^<>=]*?)(?P<bounds> [<>]=? .+)"),
        lambda m: f"väntade {_what(m['what'])}{_sv_bounds(m['bounds'])}",
    ),
    (re.compile(r"expected (?P<bounds>[<>]=? .+)"), lambda m: f"väntade {_sv_bounds(m['bounds'])}"),
    (
        re.compile(r"expected (?P<what>.+?) such as (?P<ex>'[^']*'), got (?P<got>.+)"),
        lambda m: f"väntade {_what(m['what'])}, t.ex. {m['ex']}, fick {m['got']}",
    ),
    (
        re.compile(r"expected a number, got (?P<got>.+)"),
        lambda m: f"väntade ett tal, fick {m['got']}",
    ),
    (
        re.compile(r"expected a whole number, got (?P<got>.+)"),
        lambda m: f"väntade ett heltal, fick {m['got']}",
    ),
    (
        re.compile(r"expected TRUE or FALSE, got (?P<got>.+)"),
        lambda m: f"väntade ja eller nej (TRUE/FALSE), fick {m['got']}",
    ),
    (
        re.compile(r"(?P<v>.+) is ambiguous \(decimal or thousands comma\?\): type a number"),
        lambda m: f"{m['v']} är tvetydigt (decimalkomma eller tusentalsavgränsare?): skriv ett tal",
    ),
    (
        re.compile(r"unknown unit name (?P<n>'[^']*') in (?P<u>.+?)(?P<rest>;.*)?"),
        lambda m: f"okänt enhetsnamn {m['n']} i {m['u']}{m['rest'] or ''}",
    ),
    (
        re.compile(r"a unit without a value: give (?P<k>\w+) or clear the unit"),
        lambda m: f"en enhet utan värde: ange {_column(m['k'])} eller töm enheten",
    ),
    (re.compile(r"the value is missing"), lambda m: "värdet saknas"),
    (
        re.compile(r"(?P<k>\w+) is required"),
        lambda m: f"{_column(m['k'])} krävs (en tom cell är inte noll)",
    ),
    (
        re.compile(r"the unit of (?P<k>\w+) is required"),
        lambda m: f"enheten för {_column(m['k'])} krävs",
    ),
    (
        re.compile(r"bid (?P<b>.+) has no item named (?P<i>.+) in Bids"),
        lambda m: f"anbud {m['b']} har inget objekt med namnet {m['i']} i Anbud",
    ),
    (
        re.compile(r"bid (?P<b>'.+') is not in the Bids sheet"),
        lambda m: f"anbud {m['b']} finns inte på bladet Anbud",
    ),
    (re.compile(r"unknown column (?P<c>.+)"), lambda m: f"okänd kolumn {m['c']}"),
    (re.compile(r"unknown parameter (?P<p>.+)"), lambda m: f"okänd parameter {m['p']}"),
    (
        re.compile(r"a formula \((?P<f>.*)\): type its value, .*"),
        lambda m: (
            f"en formel ({m['f']}): skriv värdet, en formels sparade resultat kan inte kontrolleras"
        ),
    ),
    (
        re.compile(r"at most (?P<n>\d+) characters"),
        lambda m: f"högst {sv_number(m['n'])} tecken",
    ),
    (
        re.compile(r"unknown category; allowed: (?P<a>.+)"),
        lambda m: f"okänd kostnadskategori; tillåtna: {m['a']}",
    ),
    (
        re.compile(r"pollutant is not priced in method\.pollutant_prices \(priced: (?P<p>.*)\)"),
        lambda m: f"föroreningen saknar pris i metoden (prissatta: {m['p'] or 'inga'})",
    ),
    (
        re.compile(r"resource is not priced in method\.resource_prices \(priced: (?P<p>.*)\)"),
        lambda m: f"resursen saknar pris i metoden (prissatta: {m['p'] or 'inga'})",
    ),
]


def _column(key: str) -> str:
    return COLUMN_NAMES_SV.get(key, PARAM_NAMES_SV.get(key, key))


def violation_text(description: str, lang: str = "en") -> str:
    """A violation's description in the language (the English one when its form is unknown)."""
    if lang != "sv":
        return description
    for pattern, render in _VIOLATIONS:
        match = pattern.fullmatch(description)
        if match is not None:
            return render(match)
    return description


# --------------------------------------------------------------------------------------------
# The lines the command line prints.
# --------------------------------------------------------------------------------------------

_TITLES_SV: Final = (
    (re.compile(r"invalid tender workbook (?P<f>.+)"), "ogiltig underlagsarbetsbok {f}"),
    (re.compile(r"invalid tender"), "ogiltigt upphandlingsunderlag"),
    (re.compile(r"cannot read (?P<f>.+)"), "kan inte läsa {f}"),
)
#: ``Anbud!F3 (quantity)``: a cell and its column key, as the workbook reader names a cell.
_CELL_WITH_KEY: Final = re.compile(r"(?P<cell>.+) \((?P<key>[a-z0-9_]+)\)")


def message_title(message: str, lang: str = "en") -> str:
    """The title of an invalid-tender error in the language."""
    if lang == "sv":
        for pattern, template in _TITLES_SV:
            match = pattern.fullmatch(message)
            if match is not None:
                return template.format(**match.groupdict())
    return message


def cell_text(where: str, lang: str = "en") -> str:
    """``Anbud!F3 (quantity)`` -> ``Anbud!F3 (antal)`` in Swedish (column names from the
    workbook catalogue)."""
    match = _CELL_WITH_KEY.fullmatch(where)
    if lang != "sv" or match is None:
        return where
    key = match["key"]
    name = f"{_column(key.removesuffix('_unit'))} enhet" if key.endswith("_unit") else _column(key)
    return f"{match['cell']} ({name})"


def violation_line(field: str, description: str, where: str = "", lang: str = "en") -> str:
    """One violation for a person: the cell first, the request path after it.

    ``where`` is the cell the request path came from (a workbook), or empty:

    >>> violation_line("bids[1].items[0].quantity", "required", "Anbud!F3", "sv")
    'Anbud!F3: värde krävs (en tom cell är inte noll) — bids[1].items[0].quantity'
    >>> violation_line("Metod!D2", "currency is required", "", "sv")
    'Metod!D2: valuta krävs (en tom cell är inte noll)'
    """
    description = violation_text(description, lang)
    if where:
        return f"{cell_text(where, lang)}: {description} — {field}"
    if field:
        return f"{cell_text(field, lang)}: {description}"
    return description


def error_text(error: Exception, lang: str = "en") -> str:
    """A service error (unreachable, deadline, fault) in the language; others as they are."""
    if lang != "sv" or not isinstance(error, TcoServiceError):
        return str(error)
    key = {"UNAVAILABLE": "unavailable", "DEADLINE_EXCEEDED": "deadline"}.get(
        error.code, "service_failed"
    )
    where = f" ({error.target})" if error.code == "UNAVAILABLE" and error.target else ""
    line = f"{text(key, lang)}{where} ({error.code}): {error.details}"
    if error.incident_id:
        line += f" [{text('incident_id', lang)} {error.incident_id}]"
    return line
