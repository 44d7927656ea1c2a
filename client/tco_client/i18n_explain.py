"""The explanation trail's part of the catalogue: the engine's formulas and input lines
(:mod:`tco.explain`) in Swedish, for the report's "Förklaringar" sheet.

A formula is translated whole (the engine writes a fixed set); an input line by the pattern of
its form, numbers in Swedish format. Texts that come from the tender or the reference data (a
factor's basis, a series' source) stay as written; a line of an unknown form stays English.

>>> explanation_input("study_period_years N = 10", "sv")
'kalkylperiod N = 10'
>>> explanation_input("acquisition = 5400000.00 SEK (present value)", "sv")
'anskaffning = 5\\xa0400\\xa0000,00 SEK (nuvärde)'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Final

from tco_client.i18n import CATEGORY_LABELS, label, resource_label
from tco_client.i18n_messages import sv_number
from tco_client.i18n_workbook import ENUM_WORDS_SV

FORMULAS_SV: Final[Mapping[str, str]] = {
    "LCC = sum over categories c and years t = 0..N of C(c, t) x (1 + d)^-tau(t); tau(t) = t "
    "for one-off events (purchases, replacements, end of life, residual value at N); recurring "
    "amounts per the timing convention": (
        "LCC = summan över kostnadskategorier c och kalkylår t = 0..N av C(c, t) x "
        "(1 + d)^-tau(t); tau(t) = t för engångshändelser (inköp, reinvesteringar, "
        "slutomhändertagande, restvärde vid N); återkommande belopp enligt betalningstidpunkten"
    ),
    "EC = sum over pollutants p and years t of kg(p, t) x price(p) x (1 + d)^-tau(t) (no "
    "discount factor for an undiscounted price)": (
        "EC = summan över föroreningar p och kalkylår t av kg(p, t) x pris(p) x (1 + d)^-tau(t) "
        "(ingen diskonteringsfaktor för ett odiskonterat pris)"
    ),
    "AV = LCC / UPV(d, N); UPV(d, N) = (1 - (1 + d)^-N) / d (= N when d = 0)": (
        "AV = LCC / UPV(d, N); UPV(d, N) = (1 - (1 + d)^-N) / d (= N när d = 0)"
    ),
    "evaluated = LCC + CC + EC": "utvärderingspris = LCC + CC + EC",
    "evaluated = LCC + CC + EC - sum of the bid's fixed deductions": (
        "utvärderingspris = LCC + CC + EC - summan av anbudets fasta avdrag"
    ),
    "evaluated = (LCC + CC + EC) x (1 - discount(ladder level))": (
        "utvärderingspris = (LCC + CC + EC) x (1 - fiktiv rabatt(trappsteg))"
    ),
    "evaluated = LCC + f x (CC + EC)": "utvärderingspris = LCC + f x (CC + EC)",
    "evaluated cost / functional units delivered": (
        "utvärderingspris / levererade funktionella enheter"
    ),
    "CC = sum over t of E(t) [kgCO2e] x p(t) [per kgCO2e] (undiscounted)": (
        "CC = summan över kalkylår t av E(t) [kgCO2e] x p(t) [per kgCO2e] (odiskonterat)"
    ),
    "CC = sum over t of E(t) [kgCO2e] x p(t) [per kgCO2e] x (1 + d)^-tau(t)": (
        "CC = summan över kalkylår t av E(t) [kgCO2e] x p(t) [per kgCO2e] x (1 + d)^-tau(t)"
    ),
    "no carbon price in the method: CC = 0 (emissions still reported)": (
        "inget koldioxidpris i metoden: CC = 0 (utsläppen redovisas ändå)"
    ),
}

_N: Final = r"-?\d+(?:\.\d+)?(?:e[+-]?\d+)?"
_TIMING_SV: Final = {
    "recurring amounts of year t paid at t (end of year)": (
        "återkommande belopp för kalkylår t betalas vid t (vid årets slut)"
    ),
    "recurring amounts of year t >= 1 paid at t - 0.5 (mid-year)": (
        "återkommande belopp för kalkylår t >= 1 betalas vid t - 0,5 (mitt i året)"
    ),
    "recurring amounts of service year k paid at k - 1 (beginning of year)": (
        "återkommande belopp för brukningsår k betalas vid k - 1 (vid årets början)"
    ),
}
_FIXED_SV: Final = {
    "amounts escalated from the base date to the payment time: A x (1 + e)^tau": (
        "belopp räknas upp från basdatum till betalningstidpunkten: A x (1 + e)^tau"
    ),
    "undiscounted cash flows in real terms (base-year price level)": (
        "odiskonterade kassaflöden i fasta priser (basårets prisnivå)"
    ),
    "undiscounted cash flows in nominal money: real amount x (1 + i)^tau": (
        "odiskonterade kassaflöden i löpande priser: fast belopp x (1 + i)^tau"
    ),
}
_CATEGORY_SV: Final = {key: sv.lower() for key, (_en, sv) in CATEGORY_LABELS.items()}
_FIGURES: Final = ("life_cycle_cost", "climate_cost", "externality_cost", "deductions")


def _n(text: str) -> str:
    return sv_number(text)


def _rounding(m: re.Match[str]) -> str:
    return (
        f"avrundat till valutans minsta enhet ({m['d']} decimaler, 0,5 avrundas uppåt) före "
        "rangordningen"
    )


def _module_d(text: str) -> str:
    return "ingår" if text == "included" else "redovisas separat, ingår ej"


_AMOUNT: Final = rf"(?P<a>{_N}) (?P<c>[A-Z]{{3}})"


def _price_base(m: re.Match[str]) -> str:
    """``price base: 7 SEK in 2017 prices = 8.77306 SEK in 2027 prices (x 403.7 / 322.11, …)``
    in Swedish: the re-basing of the carbon price to the method's price year."""
    head = f"prisbas: {_n(m['a'])} {m['c']} i {m['y']} års priser"
    if m["b"] is None:
        return head
    out = f"{head} = {_n(m['b'])} {m['c']} i {m['t']} års priser (x {_n(m['i2'])} / {_n(m['i1'])}"
    out += f", {m['idx']})"
    if m["beyond"]:
        out += f"; {m['beyond']} ligger efter det senast publicerade året {m['last']}: "
        out += (
            f"hålls på nivån för {m['last']}"
            if m["pct"] is None
            else f"förlängs med {_n(m['pct'])}\u00a0% per år enligt metoden"
        )
    return out


_LINES: Final[list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]]] = [
    (
        re.compile(rf"d = discount_rate = (?P<x>{_N}) \(real\)"),
        lambda m: f"d = kalkylränta = {_n(m['x'])} (real)",
    ),
    (
        re.compile(
            rf"d = (?P<x>{_N}) \(the stated nominal rate: a nominal analysis's annual value is on "
            r"the nominal basis, as NIST BLCC 5\.3\)"
        ),
        lambda m: (
            f"d = {_n(m['x'])} (den angivna nominella kalkylräntan: i en nominell kalkyl är "
            "årskostnaden på nominell grund, som i NIST BLCC 5.3)"
        ),
    ),
    (
        re.compile(
            rf"price base: {_AMOUNT} in (?P<y>\d+) prices(?: = (?P<b>{_N}) \S+ in (?P<t>\d+) "
            rf"prices \(x (?P<i2>{_N}) / (?P<i1>{_N}), (?P<idx>.+?)\)(?:; (?P<beyond>[\d, ]+) "
            r"past the last published year (?P<last>\d+): (?:held at the \d+ level|extended at "
            rf"(?P<pct>{_N})% a year as the method states))?)?"
        ),
        _price_base,
    ),
    (
        re.compile(
            rf"price base: {_AMOUNT} used at face value: the method opts out of re-basing to "
            r"(?P<t>\d+) prices(?: \(given in (?P<y>\d+) prices\))?"
        ),
        lambda m: (
            f"prisbas: {_n(m['a'])} {m['c']} används som angivet: metoden avstår från omräkning "
            f"till {m['t']} års priser" + (f" (angivet i {m['y']} års priser)" if m["y"] else "")
        ),
    ),
    (
        re.compile(
            rf"price base: {_AMOUNT}: price-base year unknown, used at face value \(not re-based "
            r"to (?P<t>\d+) prices\)"
        ),
        lambda m: (
            f"prisbas: {_n(m['a'])} {m['c']}: prisbasåret är okänt, används som angivet (inte "
            f"omräknat till {m['t']} års priser)"
        ),
    ),
    (
        re.compile(rf"discount_rate = (?P<x>{_N}) \(real\)"),
        lambda m: f"kalkylränta = {_n(m['x'])} (real)",
    ),
    (
        re.compile(
            rf"stated discount_rate = (?P<x>{_N}) \(nominal\), inflation_rate = (?P<i>{_N}); "
            r"real rate by Fisher: (?P<f>.+)"
        ),
        lambda m: (
            f"angiven kalkylränta = {_n(m['x'])} (nominell), inflation = {_n(m['i'])}; real "
            f"ränta enligt Fisher: {m['f']}"
        ),
    ),
    (
        re.compile(r"timing = (?P<t>\w+): (?P<rule>.+)"),
        lambda m: (
            f"betalningstidpunkt = {ENUM_WORDS_SV.get(m['t'], m['t'])}: "
            f"{_TIMING_SV.get(m['rule'], m['rule'])}"
        ),
    ),
    (re.compile(r"study_period_years N = (?P<n>\d+)"), lambda m: f"kalkylperiod N = {m['n']}"),
    (re.compile(r"base_year = (?P<y>\d+) \(t = 0\)"), lambda m: f"basår = {m['y']} (t = 0)"),
    (
        re.compile(rf"(?P<c>[a-z_]+) = (?P<x>{_N}) (?P<cur>[A-Z]{{3}}) \(present value\)"),
        lambda m: f"{_CATEGORY_SV.get(m['c'], m['c'])} = {_n(m['x'])} {m['cur']} (nuvärde)",
    ),
    (
        re.compile(
            rf"emissions_total = (?P<x>{_N}) kgCO2e \(EN 15978 modules (?P<mods>[^;]+); module "
            r"D (?P<d>included|reported separately, not included)\)"
        ),
        lambda m: (
            f"utsläpp totalt = {_n(m['x'])} kgCO2e (EN 15978 moduler {m['mods']}; modul D "
            f"{_module_d(m['d'])})"
        ),
    ),
    (
        re.compile(
            rf"emission factor (?P<r>.+?): (?P<x>{_N}) kgCO2e/(?P<u>\S+) in year 1"
            rf"(?: to (?P<y>{_N}) in year (?P<n>\d+))? \(basis: (?P<b>.*); source: (?P<s>.*)\)"
        ),
        lambda m: (
            f"emissionsfaktor {resource_label(m['r'], 'sv')}: {_n(m['x'])} kgCO2e/{m['u']} "
            "kalkylår 1"
            + (f" till {_n(m['y'])} kalkylår {m['n']}" if m["y"] else "")
            + f" (grund: {'ej angiven' if m['b'] == 'not stated' else m['b']}; källa: "
            f"{'ingen' if m['s'] == 'none' else m['s']})"
        ),
    ),
    (
        re.compile(
            rf"carbon price: (?P<src>.+), (?P<x>{_N}) (?P<u>\S+) in (?P<a>\d+) to (?P<y>{_N}) in "
            r"(?P<b>\d+)(?:, price base year (?P<p>\d+))?"
        ),
        lambda m: (
            f"koldioxidpris: {m['src']}, {_n(m['x'])} {m['u']} år {m['a']} till {_n(m['y'])} år "
            f"{m['b']}" + (f", prisbasår {m['p']}" if m["p"] else "")
        ),
    ),
    (
        re.compile(r"carbon price held flat outside its points in (?P<k>\d+) study year\(s\)"),
        lambda m: f"koldioxidpriset hålls konstant utanför sina punkter under {m['k']} kalkylår",
    ),
    (
        re.compile(
            rf"(?P<p>[\w-]+): (?P<x>{_N}) kg over the study period, (?:(?P<none>no price in the "
            rf"method)|(?P<y>{_N}) (?P<u>\S+) \((?P<d>undiscounted|discounted)\))"
        ),
        lambda m: (
            f"{m['p']}: {_n(m['x'])} kg under kalkylperioden, "
            + (
                "inget pris i metoden"
                if m["none"]
                else f"{_n(m['y'])} {m['u']} "
                + ("(odiskonterat)" if m["d"] == "undiscounted" else "(diskonterat)")
            )
        ),
    ),
    (
        re.compile(rf"(?P<f>{'|'.join(_FIGURES)}|evaluated_cost) = (?P<x>{_N}) (?P<cur>\S+)"),
        lambda m: f"{label(m['f'], 'sv')} = {_n(m['x'])} {m['cur']}",
    ),
    (
        re.compile(r"evaluation model = (?P<k>\w+)"),
        lambda m: f"utvärderingsmodell = {ENUM_WORDS_SV.get(m['k'], m['k'])}",
    ),
    (
        re.compile(
            rf"deduction (?P<c>'.*?')(?:, level (?P<l>'.*'))? = (?P<x>{_N}) (?P<cur>\S+) "
            r"\(the method's amount\)"
        ),
        lambda m: (
            f"avdrag {m['c']}"
            + (f", nivå {m['l']}" if m["l"] else "")
            + f" = {_n(m['x'])} {m['cur']} (metodens belopp)"
        ),
    ),
    (
        re.compile(rf"deduction (?P<c>'.*') = (?P<x>{_N}) (?P<cur>\S+)"),
        lambda m: f"avdrag {m['c']} = {_n(m['x'])} {m['cur']}",
    ),
    (
        re.compile(rf"ladder level = (?P<l>\d+), fictive discount = (?P<x>{_N})"),
        lambda m: f"trappsteg = {m['l']}, fiktiv rabatt = {_n(m['x'])}",
    ),
    (
        re.compile(rf"externality factor f = (?P<x>{_N})"),
        lambda m: f"faktor på externa kostnader f = {_n(m['x'])}",
    ),
    (
        re.compile(
            r"rounded half-up to the currency's minor unit \((?P<d>\d+) decimals\) before ranking"
        ),
        _rounding,
    ),
    (re.compile(rf"UPV\(d, N\) = (?P<x>{_N})"), lambda m: f"UPV(d, N) = {_n(m['x'])}"),
    (
        re.compile(rf"functional units delivered = (?P<x>{_N})(?P<u>.*)"),
        lambda m: f"levererade funktionella enheter = {_n(m['x'])}{m['u']}",
    ),
]


def explanation_formula(formula: str, lang: str = "en") -> str:
    """The engine's formula in the language (an unknown formula as written)."""
    return FORMULAS_SV.get(formula, formula) if lang == "sv" else formula


def explanation_input(line: str, lang: str = "en") -> str:
    """One input line of an explanation in the language (an unknown form as written)."""
    if lang != "sv":
        return line
    fixed = _FIXED_SV.get(line)
    if fixed is not None:
        return fixed
    for pattern, render in _LINES:
        match = pattern.fullmatch(line)
        if match is not None:
            return render(match)
    return line
