"""The tender workbook's part of the catalogue: Swedish names of its sheets, columns, Method
parameters and enumeration words, and Swedish texts of its hints and notes.

The workbook's keys stay English snake_case (:mod:`tco_client.workbook_layout`); ``tco template
--lang sv`` writes the Swedish names below, and the reader accepts either language in any cell
(a Swedish workbook may be filled by an English colleague and the other way round). Terms follow
Upphandlingsmyndigheten's and Energimyndigheten's LCC calculators: kalkylperiod, kalkylränta,
nuvärde, restvärde, reinvestering, klimatkostnad.

>>> sheet_label("Bids", "sv"), column_name("Bids", "unit_price", "sv")
('Anbud', 'styckpris')
>>> canonical_sheet("Anbud"), canonical_enum("timing", "vid årets slut")
('Bids', 'end_of_year')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

#: English sheet name -> Swedish sheet name.
SHEET_NAMES_SV: Final[Mapping[str, str]] = {
    "Instructions": "Instruktioner",
    "Method": "Metod",
    "Bids": "Anbud",
    "Resource use": "Resursanvändning",
    "Costs": "Kostnader",
    "Pollutants": "Föroreningar",
    "Deductions": "Avdrag",
    "Circularity": "Cirkularitet",
}

#: Column key -> Swedish column name (all data sheets; :data:`SHEET_COLUMN_NAMES_SV` overrides).
COLUMN_NAMES_SV: Final[Mapping[str, str]] = {
    "bid_id": "anbud",
    "supplier": "anbudsgivare",
    "functional_units_delivered": "funktionella enheter",
    "ladder_level": "trappsteg",
    "item": "objekt",
    "quantity": "antal",
    "unit_price": "styckpris",
    "installation_cost": "installationskostnad",
    "service_life": "livslängd",
    "maintenance_cost": "underhållskostnad",
    "warranty": "garanti",
    "end_of_life_cost": "kostnad vid livslängdens slut",
    "residual_value": "restvärde",
    "a1_a3": "a1_a3",
    "a4": "a4",
    "a5": "a5",
    "c1_c4": "c1_c4",
    "d": "d",
    "resource": "resurs",
    "amount": "mängd",
    "activity": "aktivitet",
    "pollutant": "förorening",
    "name": "benämning",
    "category": "kategori",
    "first_year": "första kalkylår",
    "every_years": "intervall år",
    "last_year": "sista kalkylår",
    "escalation": "prisutveckling",
    "life": "livslängd",
    "emissions": "utsläpp",
    "emissions_module": "utsläppsmodul",
    "criterion": "kriterium",
    "level": "nivå",
    "mass": "massa",
    "recycled_input": "återvunnen råvara",
    "reused_input": "återanvänd råvara",
    "sustainable_bio_input": "hållbar biobaserad råvara",
    "collected_for_recycling": "insamlat för materialåtervinning",
    "collected_for_reuse": "insamlat för återanvändning",
    "collected_for_composting": "insamlat för kompostering",
    "collected_for_energy_recovery": "insamlat för energiåtervinning",
    "recycling_efficiency_collection": "återvinningsgrad insamlat",
    "recycling_efficiency_feedstock": "återvinningsgrad råvara",
    "lifetime_ratio": "livslängdskvot",
    "use_intensity_ratio": "användningskvot",
    # the Method sheet's columns
    "parameter": "parameter",
    "key": "nyckel",
    "year": "år",
    "value": "värde",
    "unit": "enhet",
    "note": "anmärkning",
}
#: (sheet, column key) -> Swedish name where the sheet needs another word.
SHEET_COLUMN_NAMES_SV: Final[Mapping[tuple[str, str], str]] = {
    ("Costs", "amount"): "belopp",
    ("Deductions", "amount"): "belopp",
}
UNIT_SUFFIX_SV: Final = " enhet"

#: Method parameter -> Swedish name.
PARAM_NAMES_SV: Final[Mapping[str, str]] = {
    "currency": "valuta",
    "base_year": "basår",
    "study_period_years": "kalkylperiod",
    "discount_rate": "kalkylränta",
    "rate_basis": "räntebas",
    "inflation_rate": "inflation",
    "timing": "betalningstidpunkt",
    "evaluation_model": "utvärderingsmodell",
    "externality_factor": "faktor externa kostnader",
    "ladder_discount": "trappavdrag",
    "baseline_bid_id": "jämförelseanbud",
    "include_module_d": "med modul d",
    "functional_unit": "funktionell enhet",
    "exchange_rate": "växelkurs",
    "resource_price": "resurspris",
    "resource_escalation": "resursprisutveckling",
    "resource_yearly_escalation": "resursprisutveckling per år",
    "emission_factor": "emissionsfaktor",
    "emission_factor_basis": "emissionsfaktor grund",
    "emission_factor_reference": "emissionsfaktor referens",
    "emission_factor_point": "emissionsfaktor punkt",
    "carbon_price_series": "klimatkostnadsserie",
    "carbon_price": "koldioxidpris",
    "carbon_price_point": "koldioxidpris punkt",
    "carbon_price_undiscounted": "koldioxidpris odiskonterat",
    "deduction": "avdrag",
    "price_base_year": "prisnivåår",
    "use_face_values": "utan omräkning",
    "pollutant_price": "föroreningspris",
    "pollutant_price_undiscounted": "föroreningspris odiskonterat",
}

#: Enumeration word -> Swedish word (the words the report prints, too).
ENUM_WORDS_SV: Final[Mapping[str, str]] = {
    "real": "real",
    "nominal": "nominell",
    "end_of_year": "vid årets slut",
    "mid_year": "mitt i året",
    "beginning_of_year": "vid årets början",
    "cost": "kostnad",
    "deductions": "avdrag",
    "fictive_discount": "fiktiv rabatt",
    "externality_factor": "faktor på externa kostnader",
}
#: Longer Swedish spellings also accepted (as the report's assumptions sheet prints them).
_ENUM_EXTRA_SV: Final[Mapping[str, str]] = {
    "avdrag (mervärdesmodell)": "deductions",
    "mervärdesmodell": "deductions",
    "fiktiv rabatt (trappa)": "fictive_discount",
    "livscykelkostnad": "cost",
    "mitt på året": "mid_year",
}
BOOL_WORDS: Final[Mapping[str, tuple[str, str]]] = {"en": ("TRUE", "FALSE"), "sv": ("ja", "nej")}


def _key(text: str) -> str:
    """The matching form of a name: lower case, ``-`` and spaces as ``_`` (as header keys)."""
    return "_".join(text.strip().lower().replace("-", " ").split())


def sheet_label(sheet: str, lang: str) -> str:
    """The sheet's name in the language."""
    return SHEET_NAMES_SV.get(sheet, sheet) if lang == "sv" else sheet


_SHEET_BY_NAME: Final = {_key(sv): en for en, sv in SHEET_NAMES_SV.items()} | {
    _key(en): en for en in SHEET_NAMES_SV
}


def canonical_sheet(name: str) -> str | None:
    """The English sheet name of a sheet named in either language (any case), or None."""
    return _SHEET_BY_NAME.get(_key(name))


def column_name(sheet: str, key: str, lang: str) -> str:
    """The column's name (before its ``[hint]``) in the language: ``unit_price_unit`` ->
    ``styckpris enhet``."""
    base, is_unit = (key.removesuffix("_unit"), True) if key.endswith("_unit") else (key, False)
    if lang != "sv":
        return base + " unit" if is_unit else base
    name = SHEET_COLUMN_NAMES_SV.get((sheet, base)) or COLUMN_NAMES_SV.get(base, base)
    return name + UNIT_SUFFIX_SV if is_unit else name


def column_aliases(sheet: str, keys: Iterable[str]) -> dict[str, str]:
    """Header key (as :func:`tco_client.workbook_layout.header_key` makes it) -> column key, for
    the sheet's columns named in either language."""
    aliases: dict[str, str] = {}
    for key in keys:
        aliases[_key(column_name(sheet, key, "sv"))] = key
    for key in keys:
        aliases[key] = key  # the English key wins over a Swedish word spelt the same
    return aliases


def param_name(name: str, lang: str) -> str:
    return PARAM_NAMES_SV.get(name, name) if lang == "sv" else name


_PARAM_BY_SV: Final = {_key(sv): en for en, sv in PARAM_NAMES_SV.items()}


def canonical_param(name: str) -> str:
    """The English parameter key of a Method parameter named in either language."""
    key = _key(name)
    return _PARAM_BY_SV.get(key, key)


#: A deduction level in Swedish -> the level the method's table names.
DEDUCTION_LEVELS_SV: Final[Mapping[str, str]] = {
    "uppfyllt": "met",
    "uppfylld": "met",
    "ja": "met",
    "inget": "none",
    "ingen": "none",
    "nej": "none",
}


def deduction_level(word: str) -> str:
    """A claimed level as the method's table names it (``uppfyllt`` -> ``met``)."""
    text = " ".join(word.strip().split())
    return DEDUCTION_LEVELS_SV.get(text.casefold(), text)


def enum_word(value: str, lang: str) -> str:
    return ENUM_WORDS_SV.get(value, value) if lang == "sv" else value


_ENUM_BY_SV: Final = {sv: en for en, sv in ENUM_WORDS_SV.items()} | dict(_ENUM_EXTRA_SV)


def canonical_enum(parameter: str, word: str) -> str:
    """An enumeration word in either language -> the English short name (``vid årets slut`` ->
    ``end_of_year``); an unknown word comes back as its snake_case form."""
    del parameter  # the Swedish words are unique across the enumerations
    text = " ".join(word.strip().lower().split())
    found = _ENUM_BY_SV.get(text)
    return found if found is not None else text.replace("-", "_").replace(" ", "_")


# --------------------------------------------------------------------------------------------
# Hints and notes: English text -> Swedish text.
# --------------------------------------------------------------------------------------------

TEXTS_SV: Final[Mapping[str, str]] = {
    # sheet titles
    "One row per bid item (bid columns on the bid's first row).": (
        "En rad per anbudsobjekt (anbudets kolumner på anbudets första rad)."
    ),
    "Resources one unit of an item consumes (one row per resource).": (
        "Resurser som en enhet av ett objekt förbrukar (en rad per resurs)."
    ),
    "Other cost streams: licences, service agreements, exit costs …": (
        "Övriga kostnadsflöden: licenser, serviceavtal, avvecklingskostnader …"
    ),
    "Other pollutants one unit emits (Clean Vehicles Directive NOx, NMHC, PM).": (
        "Övriga föroreningar som en enhet släpper ut (direktivet om rena fordon: NOx, NMHC, PM)."
    ),
    "Criteria a bid claims to meet (DEDUCTIONS model).": (
        "Kriterier som anbudet uppger sig uppfylla (mervärdesmodellen, DEDUCTIONS)."
    ),
    "A deduction criterion of the method (Method sheet).": (
        "Ett avdragskriterium i metoden (bladet Metod)."
    ),
    "met": "uppfyllt",
    "The level the bid claims: met (empty = met) or none.": (
        "Nivån anbudet uppger: uppfyllt (tomt = uppfyllt) eller inget."
    ),
    "Leave empty: the method fixes the deduction (a different amount is refused).": (
        "Lämnas tomt: metoden bestämmer avdraget (ett annat belopp avvisas)."
    ),
    "Deduction the method fixes for a criterion met (deductions model, level 'met').": (
        "Avdrag som metoden fastställer för ett uppfyllt kriterium (mervärdesmodellen, nivå "
        "'uppfyllt')."
    ),
    "criterion": "kriterium",
    "e.g. SEK": "t.ex. kr",
    "Year whose prices the method's money is in (empty: base_year); reference carbon prices "
    "are re-based to it.": (
        "År vars prisnivå metodens belopp anges i (tomt: basåret); referensvärden för "
        "koldioxidpris räknas om till det året med KPI."
    ),
    "TRUE: use reference values at face value (no re-basing).": (
        "SANT: använd referensvärdena som de står (ingen omräkning till metodens prisnivå)."
    ),
    "Fixed deductions a bid earned (DEDUCTIONS model).": (
        "Fasta avdrag som ett anbud uppnått (mervärdesmodellen, DEDUCTIONS)."
    ),
    "Material Circularity Indicator inputs (one row per bid, optional).": (
        "Indata till Material Circularity Indicator (en rad per anbud, frivilligt)."
    ),
    # hints
    "text": "text",
    "number": "tal",
    "0-5": "0-5",
    "name": "namn",
    "units": "styck",
    "money": "pengar",
    "time": "tid",
    "money/year": "pengar/år",
    "CO2e": "CO2e",
    "mass": "massa",
    "fraction": "andel",
    "ratio": "kvot",
    "name or #n": "namn eller #n",
    "name or #n; empty = whole bid": "namn eller #n; tomt = hela anbudet",
    "e.g. SEK, EUR; default: method currency": "t.ex. kr, SEK, EUR; tomt: metodens valuta",
    "years or months; default: years": "år eller månader; tomt: år",
    "e.g. SEK/year; default: currency/year": "t.ex. kr/år; tomt: valuta/år",
    "kgCO2e or tCO2e; default: kgCO2e": "kgCO2e eller ton CO2e; tomt: kgCO2e",
    "kg or t; default: kg": "kg eller ton; tomt: kg",
    "e.g. electricity": "t.ex. electricity (el)",
    "per year or per activity": "per år eller per aktivitet",
    "e.g. kWh/year, W, l/(100 km), kWh/km; required": ("t.ex. kWh/år, W, l/mil, kWh/km; krävs"),
    "per year": "per år",
    "e.g. h/year, km/year; required": "t.ex. h/år, mil/år; krävs",
    "e.g. maintenance": "t.ex. underhåll",
    "money or money/year": "pengar eller pengar/år",
    "e.g. SEK, EUR, SEK/year; default: method currency": (
        "t.ex. kr, EUR, kr/år; tomt: metodens valuta"
    ),
    "study year 0..N": "kalkylår 0..N",
    "0 = once": "0 = en gång",
    "study year; 0 = end": "kalkylår; 0 = periodens slut",
    "fraction/year": "andel/år",
    "CO2e per occurrence": "CO2e per tillfälle",
    "e.g. b4": "t.ex. b4",
    "e.g. nox": "t.ex. nox",
    "mass per year or per activity": "massa per år eller per aktivitet",
    "e.g. g/km, kg/year; required": "t.ex. g/km, kg/år; krävs",
    "e.g. km/year; required": "t.ex. mil/år; krävs",
    "ladder level 1, 2, …": "trappsteg 1, 2, …",
    "currency, e.g. EUR": "valuta, t.ex. EUR",
    "resource": "resurs",
    "e.g. SEK/kWh, SEK/l, SEK/m^3": "t.ex. kr/kWh, kr/l, kr/m^3",
    "study year": "kalkylår",
    "e.g. kgCO2e/kWh, kgCO2e/l": "t.ex. kgCO2e/kWh, kgCO2e/l",
    "calendar year": "kalenderår",
    "e.g. kgCO2e/kWh": "t.ex. kgCO2e/kWh",
    "e.g. SEK/kgCO2e, SEK/tCO2e": "t.ex. kr/kgCO2e, kr/ton CO2e",
    "e.g. SEK/tCO2e": "t.ex. kr/ton CO2e",
    "pollutant": "förorening",
    "e.g. EUR/g": "t.ex. EUR/g",
    # column notes
    "Bid identifier, unique (e.g. the platform's bid number).": (
        "Anbudets beteckning, unik (t.ex. upphandlingsverktygets anbudsnummer)."
    ),
    "Tenderer's name (shown in reports).": "Anbudsgivarens namn (visas i rapporter).",
    "Functional units the bid delivers over the study period (Method functional_unit).": (
        "Funktionella enheter som anbudet levererar under kalkylperioden (Metod: funktionell "
        "enhet)."
    ),
    "Level on the fictive-discount ladder (FICTIVE_DISCOUNT); 0 = none.": (
        "Steg i trappan för fiktiv rabatt (FICTIVE_DISCOUNT); 0 = inget."
    ),
    "Name of the item (goods) this row describes; empty = bid-only row.": (
        "Namn på objektet (varan) som raden beskriver; tomt = rad för anbudet som helhet."
    ),
    "Number of units of the item, > 0.": "Antal enheter av objektet, > 0.",
    "Purchase price of one unit at base-year level.": "Inköpspris för en enhet i basårets priser.",
    "Installation cost of one unit (repeated at replacement).": (
        "Installationskostnad för en enhet (upprepas vid reinvestering)."
    ),
    "Service life of one unit; empty = lasts the study period.": (
        "Livslängd för en enhet; tomt = räcker hela kalkylperioden."
    ),
    "Maintenance per unit and year (buyer pays none within warranty).": (
        "Underhåll per enhet och år (beställaren betalar inget under garantitiden)."
    ),
    "Warranty from each purchase.": "Garantitid från varje inköp.",
    "Cost (negative: revenue) at each end of life of one unit.": (
        "Kostnad (negativ: intäkt) när en enhets livslängd tar slut."
    ),
    "Explicit resale/buy-back value of one unit at the end of the study period.": (
        "Uttryckligt andrahands-/återköpsvärde för en enhet vid kalkylperiodens slut (restvärde)."
    ),
    "EN 15978 A1-A3 product stage of one unit (EPD); repeated at replacement (B4).": (
        "EN 15978 A1-A3 produktskede för en enhet (EPD); upprepas vid reinvestering (B4)."
    ),
    "A4 transport to site of one unit.": "A4 transport till platsen för en enhet.",
    "A5 installation of one unit.": "A5 installation av en enhet.",
    "C1-C4 end of life of one unit.": "C1-C4 slutskede för en enhet.",
    "Module D benefits beyond the system boundary (usually negative).": (
        "Modul D, nytta utanför systemgränsen (oftast negativ)."
    ),
    "The bid (as in Bids).": "Anbudet (som i Anbud).",
    "The item (its name in Bids, or #n for the bid's n-th item).": (
        "Objektet (dess namn i Anbud, eller #n för anbudets n:te objekt)."
    ),
    "Resource name; the Method must price it.": "Resursens namn; Metod måste ange dess pris.",
    "Consumption of one unit.": "Förbrukning för en enhet.",
    "Activity per year that amount is multiplied by (optional).": (
        "Aktivitet per år som mängden multipliceras med (frivilligt)."
    ),
    "An item: the cost is per unit and multiplied by its quantity. Empty: a cost of the bid.": (
        "Ett objekt: kostnaden gäller per enhet och multipliceras med antalet. Tomt: en kostnad "
        "för hela anbudet."
    ),
    "Description, for reports.": "Beskrivning, för rapporter.",
    "acquisition, installation, energy, water_and_resources, maintenance, operation, "
    "replacement, end_of_life, residual_value or other (empty = other).": (
        "anskaffning, installation, energi, vatten och resurser, underhåll, drift, "
        "reinvestering, slutomhändertagande, restvärde eller övrigt (tomt = övrigt)."
    ),
    "Amount per occurrence at base-year level.": "Belopp per tillfälle i basårets priser.",
    "Study year of the first occurrence.": "Kalkylår för första tillfället.",
    "Recurrence: 0 = once, k = every k years from first_year.": (
        "Upprepning: 0 = en gång, k = vart k:e år från första kalkylår."
    ),
    "Last possible occurrence; 0 = end of the study period.": (
        "Sista möjliga tillfälle; 0 = kalkylperiodens slut."
    ),
    "Constant escalation per year (0.02 = 2 %).": (
        "Konstant real prisutveckling per år (0,02 = 2 %)."
    ),
    "Service life of what the stream buys (gives a residual value).": (
        "Livslängd för det som kostnaden köper (ger ett restvärde)."
    ),
    "Climate impact of each occurrence.": "Klimatpåverkan vid varje tillfälle.",
    "EN 15978 module of those emissions (empty: from the category).": (
        "EN 15978-modul för utsläppen (tomt: enligt kategorin)."
    ),
    "Pollutant name, as priced in the Method (nox, nmhc, pm).": (
        "Föroreningens namn, som prissatt i Metod (nox, nmhc, pm)."
    ),
    "Emission of one unit.": "Utsläpp från en enhet.",
    "The criterion and level the deduction is for.": "Kriteriet och nivån som avdraget gäller.",
    "The fixed deduction the method sets for that level, >= 0.": (
        "Det fasta avdrag som metoden anger för nivån, >= 0."
    ),
    "Mass of the product.": "Produktens massa.",
    "F_R: fraction of feedstock from recycled sources.": "F_R: andel råvara från återvinning.",
    "F_U: fraction of feedstock from reused sources.": "F_U: andel råvara från återanvändning.",
    "F_S: fraction from sustained biological sources.": (
        "F_S: andel från hållbart brukade biologiska källor."
    ),
    "C_R: fraction collected for recycling at end of use.": (
        "C_R: andel som samlas in för materialåtervinning efter användning."
    ),
    "C_U: fraction going into component reuse.": "C_U: andel som går till återanvändning.",
    "C_C: fraction collected for composting.": "C_C: andel som samlas in för kompostering.",
    "C_E: fraction collected for energy recovery.": (
        "C_E: andel som samlas in för energiåtervinning."
    ),
    "E_C: efficiency of recycling the collected product, > 0.": (
        "E_C: återvinningsgrad för den insamlade produkten, > 0."
    ),
    "E_F: efficiency of producing the recycled feedstock, > 0.": (
        "E_F: verkningsgrad vid framställning av återvunnen råvara, > 0."
    ),
    "L / L_av: lifetime relative to the industry average (empty = 1).": (
        "L / L_av: livslängd i förhållande till branschgenomsnittet (tomt = 1)."
    ),
    "U / U_av: use intensity relative to the industry average (empty = 1).": (
        "U / U_av: användningsintensitet i förhållande till branschgenomsnittet (tomt = 1)."
    ),
    # Method parameters
    "Currency of every result, ISO 4217 (SEK, EUR). Required.": (
        "Valuta för alla resultat, ISO 4217 (SEK, EUR). Krävs."
    ),
    "Calendar year of t = 0 (contract start). Required.": (
        "Kalenderår för t = 0 (avtalsstart). Krävs."
    ),
    "Study period N in whole years, 1..100. Required.": "Kalkylperiod N i hela år, 1..100. Krävs.",
    "Discount rate per year as a fraction (0.035 = 3.5 %); 0 allowed.": (
        "Kalkylränta per år som andel (0,035 = 3,5 %); 0 tillåtet."
    ),
    "real (default) or nominal.": "real (standard) eller nominell.",
    "General inflation per year (needed when rate_basis is nominal).": (
        "Allmän inflation per år (behövs när räntebasen är nominell)."
    ),
    "end_of_year (default), mid_year or beginning_of_year.": (
        "vid årets slut (standard), mitt i året eller vid årets början."
    ),
    "cost (default), deductions, fictive_discount or externality_factor.": (
        "kostnad (standard), avdrag, fiktiv rabatt eller faktor på externa kostnader."
    ),
    "Factor on monetised externalities (externality_factor model).": (
        "Faktor på värderade externa kostnader (modellen faktor på externa kostnader)."
    ),
    "Fictive discount of a ladder level (fictive_discount model).": (
        "Fiktiv rabatt för ett trappsteg (modellen fiktiv rabatt)."
    ),
    "Bid the measures (net savings, SIR, payback …) are computed against.": (
        "Anbudet som lönsamhetsmåtten (nettobesparing, SIR, återbetalningstid …) räknas mot."
    ),
    "TRUE: module D counts in emission totals and climate cost.": (
        "ja: modul D räknas med i utsläpp och klimatkostnad."
    ),
    "Name of the functional unit, e.g. patient-day.": (
        "Namn på den funktionella enheten, t.ex. vårddygn."
    ),
    "Method currency per one unit of the key currency (e.g. 11.2 SEK per EUR).": (
        "Metodens valuta per en enhet av nyckelns valuta (t.ex. 11,2 SEK per EUR)."
    ),
    "Price per unit of resource at base-year level.": (
        "Pris per enhet av resursen i basårets priser."
    ),
    "Constant real escalation of the resource price per year.": (
        "Konstant real prisutveckling för resursen per år."
    ),
    "Escalation of one study year (year = 1, 2, …; later years keep the last).": (
        "Prisutveckling för ett kalkylår (år = 1, 2, …; senare år behåller det sista)."
    ),
    "Climate impact per unit of resource.": "Klimatpåverkan per enhet av resursen.",
    "Basis of the factor: location / residual mix / market; tank-to-wheel / well-to-wheel. "
    "Required with a factor.": (
        "Grund för faktorn: platsbaserad / residualmix / marknadsbaserad; tank-to-wheel / "
        "well-to-wheel. Krävs med en faktor."
    ),
    "Id of a reference factor (tco factors) instead of factor and basis.": (
        "Id för en referensfaktor (tco factors) i stället för faktor och grund."
    ),
    "Factor of a calendar year (trajectory: linear between points, flat beyond).": (
        "Faktor för ett kalenderår (bana: linjär mellan punkterna, konstant utanför)."
    ),
    "Id of a reference carbon price series (tco factors), e.g. asek-7.0.": (
        "Id för en referensserie för koldioxidpris (tco factors), t.ex. asek-7.0."
    ),
    "A constant carbon price instead of a series.": (
        "Ett konstant koldioxidpris i stället för en serie."
    ),
    "Carbon price of a calendar year (linear between points, flat beyond).": (
        "Koldioxidpris för ett kalenderår (linjärt mellan punkterna, konstant utanför)."
    ),
    "TRUE: climate costs are not discounted (Clean Vehicles Directive style).": (
        "ja: klimatkostnaden diskonteras inte (som i direktivet om rena fordon)."
    ),
    "Money per mass of a pollutant (e.g. CVD: nox 0.0044 EUR/g).": (
        "Pris per massa av en förorening (t.ex. direktivet om rena fordon: nox 0,0044 EUR/g)."
    ),
    "TRUE: the pollutant cost is not discounted.": "ja: föroreningskostnaden diskonteras inte.",
}


def sv_text(english: str, lang: str) -> str:
    """A hint or note in the language (a text not in the catalogue stays English)."""
    if lang != "sv" or not english:
        return english
    if english.startswith("Unit of ") and english.endswith("."):
        key = english.removeprefix("Unit of ").removesuffix(".")
        return f"Enhet för {COLUMN_NAMES_SV.get(key, key)}."
    return TEXTS_SV.get(english, english)
