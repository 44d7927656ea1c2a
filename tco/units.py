"""Unit strings -> guarded, cached float factors. The only module that imports pint.

Why this module looks the way it does
-------------------------------------
Unit strings come from clients. pint's expression parser evaluates arithmetic and silently
changes meaning on odd input (``"1,5 kWh"`` is 15 kWh, ``"100 kg # 5 t"`` is 100 kg,
``"\\x00 kg"`` is 1 kg, ``""`` is dimensionless), and its parse cache never evicts. So **no client
string ever reaches pint**. pint is the definitions database: at import, for each name of a
fixed vocabulary, it gives the name's dimensionality and its factor to pint's root units. At run
time a client string goes through

1. a **guard**: length <= :data:`MAX_UNIT_LENGTH` characters, only the characters of the grammar
   (ASCII letters and digits, the Swedish letters ``å ä ö Å Ä Ö`` (precomposed, as Excel
   writes them), ``_ * / . ^ ( ) -``, space, ``µ``, ``²``, ``³``);
2. a **grammar** (below), parsed by a small hand-written parser into (name, exponent) pairs;
3. the **vocabulary**: every name must be one of :func:`known_unit_names` (exact, case-sensitive);
4. exact rational arithmetic (:class:`fractions.Fraction`) on the per-name factors and a
   dimension vector, compared with the dimension the field needs;
5. a **bounded** LRU cache (:data:`CACHE_SIZE` entries) from (unit, expected dimension) to the
   float factor to the canonical unit of that dimension.

Grammar (EBNF; ``mul`` is ``*``, ``.`` or a space between two operands)::

    unit     = product [ "/" divisor ] ;
    product  = factor { mul factor } ;
    divisor  = factor | "(" scale mul product [ "/" factor ] ")" ;
    factor   = name [ power ] | "(" product [ "/" factor ] ")" [ power ] ;
    power    = ( "^" | "**" ) [ "-" ] digit | "²" | "³" ;   (* digit 1..4: no 0, no nesting *)
    scale    = integer 1 .. 1000000 without leading zeros ;  (* only as in "l/(100 km)" *)
    name     = one of known_unit_names() ;

At most :data:`MAX_NAMES` unit names, exponents at most :data:`MAX_EXPONENT` in size.
Consequences: at most one ``/`` per level (``SEK/kWh/year`` is refused: write
``SEK/(kWh year)`` or what you mean), at most one level of parentheses, no numbers except an
exponent digit and the leading scale of a parenthesised divisor, no powers of powers. Spaces next
to operators are ignored; a space between two operands multiplies (``t CO2e`` is ``t`` times
``CO2e``, which is refused: write ``tCO2e``). Leading and trailing spaces are ignored.

Swedish unit words are aliases in the same vocabulary (:data:`_SWEDISH_TABLE`): ``år``,
``månad(er)``, ``dag(ar)``, ``timme``/``timmar``, ``vecka``/``veckor``, ``kr`` (SEK), ``tkr``,
``Mkr``, ``ton`` (tonne, never the short ton), ``mil`` (10 km, never pint's milli-inch); ``ton
CO2e`` is the one name ``tCO2e`` (other separated spellings such as ``t CO2e`` stay refused).

Accepted, for example: ``SEK/kWh``, ``kgCO2e/kWh``, ``SEK/tCO2e``, ``EUR/g``, ``MWh/year``,
``m^3/year``, ``m**3/year``, ``m³/year``, ``SEK/m3``, ``W``, ``h/year``, ``l/(100 km)``,
``kWh/km``, ``MJ/km``, ``g/km``, ``tCO2e``, ``kSEK``, ``MSEK/year``, ``kW.h``.
Refused, for example: ``1,5 kWh``, ``kg # t``, ``kWh**0``, ``9**9**9 m``, ``l/100 km``,
``кWh`` (Cyrillic), ``ｋＷｈ`` (full width), ``__import__('os')``, the empty string.

Dimensions and canonical units
------------------------------
CO2e is a base dimension of its own (``gCO2e``, ``kgCO2e``, ``tCO2e``, also ``kg_CO2e`` and
``kgCO2eq`` spellings), so ``tCO2e`` never converts to ``t``. Every currency (ISO 4217 code from
:mod:`tco.currency`, also ``k``/``M`` multiples such as ``kSEK``, ``MEUR``) is a dimension of its
own: ``EUR`` never converts to ``SEK`` here; validation multiplies by ``Method.exchange_rates``
(no pint contexts: they are global registry state and wrong under threads).

Canonical units: energy kWh, power kW, volume l, mass kg, length km, area m², time year,
climate impact kgCO2e, money the **major unit of the unit's own currency** (``kSEK`` -> 1000 SEK;
the caller applies the exchange rate of :func:`currency_of`).
Time: ``year`` = ``a`` = ``yr`` = 365.25 days (Julian year, pint's definition), ``month`` =
year / 12, so 12 months are exactly one year and ``h/year`` is 1/8766.

>>> factor("MWh/year", Dimension.ENERGY.per(Dimension.TIME))
1000.0
>>> factor("months", Dimension.TIME) * 24
2.0
>>> product_factor("W", "h/year", Dimension.ENERGY.per(Dimension.TIME)) * 45 * 4000
180.0
>>> product_factor("l/(100 km)", "km/year", Dimension.VOLUME.per(Dimension.TIME)) * 5 * 15000
750.0
>>> factor("SEK/tCO2e", Dimension.MONEY_PER_CO2E), currency_of("SEK/tCO2e")
(0.001, 'SEK')
>>> factor("tCO2e", Dimension.MASS)
Traceback (most recent call last):
...
tco.errors.UnitError: expected mass such as 'kg', got 'tCO2e'
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from fractions import Fraction
from typing import ClassVar, Final, cast

import pint

from tco.currency import KNOWN_CURRENCIES
from tco.errors import UnitError

__all__ = [
    "CACHE_SIZE",
    "MAX_UNIT_LENGTH",
    "Dimension",
    "cache_info",
    "check",
    "currency_of",
    "factor",
    "known_unit_names",
    "product_factor",
    "resource_dimension",
]

#: Longest unit string accepted, in characters (checked before anything else).
MAX_UNIT_LENGTH: Final = 64
#: Most unit names in one unit string.
MAX_NAMES: Final = 12
#: Largest absolute integer exponent.
MAX_EXPONENT: Final = 4
#: Largest leading scale of a parenthesised divisor, as in ``l/(100 km)``.
MAX_SCALE: Final = 1_000_000
#: Entries of each bounded cache.
CACHE_SIZE: Final = 4096

# A dimension vector: sorted (base dimension, exponent) pairs, zero exponents dropped. Every
# currency maps to the one base "[currency]"; which currency it was travels separately.
Dims = tuple[tuple[str, int], ...]
_CURRENCY_DIM: Final = "[currency]"
_CO2E_DIM: Final = "[CO2e]"


# --------------------------------------------------------------------------------------------
# The registry: built once here, never touched after import.
# --------------------------------------------------------------------------------------------

#: Vocabulary: client name = pint name (``^p``: to the power p), by dimension; the labels in the
#: first column are for the reader. Physical names come from pint's defaults. Nm3: normal cubic
#: metre of gas, counted as a cubic metre.
_PHYSICAL_TABLE: Final = """
energy  J=joule kJ=kilojoule MJ=megajoule GJ=gigajoule TJ=terajoule
        Wh=watt_hour kWh=kilowatt_hour MWh=megawatt_hour GWh=gigawatt_hour TWh=terawatt_hour
power   W=watt kW=kilowatt MW=megawatt GW=gigawatt
volume  l=liter L=liter litre=liter litres=liter liter=liter liters=liter
        ml=milliliter mL=milliliter m3=meter^3 Nm3=meter^3 Nm³=meter^3
area    m2=meter^2 ha=hectare
length  mm=millimeter cm=centimeter m=meter km=kilometer
mass    µg=microgram ug=microgram mg=milligram g=gram kg=kilogram
        t=metric_ton tonne=metric_ton tonnes=metric_ton
time    s=second min=minute h=hour hour=hour hours=hour d=day day=day days=day
        week=week weeks=week month=month months=month year=year years=year yr=year a=year
"""


def _physical(table: str) -> dict[str, tuple[str, int]]:
    """``"m3=meter^3"`` -> ``{"m3": ("meter", 3)}`` for every entry of the table."""
    entries = (entry.partition("=") for entry in table.split() if "=" in entry)
    pairs = ((name, unit.partition("^")) for name, _, unit in entries)
    return {name: (pint_name, int(power or 1)) for name, (pint_name, _, power) in pairs}


#: The table as client name -> (pint name, power).
_PHYSICAL: Final = _physical(_PHYSICAL_TABLE)

#: Climate impact: CO2e mass, a base dimension of its own.
_CO2E_DEFINITIONS: Final = (
    "kilogram_CO2e = [CO2e] = kgCO2e = kg_CO2e = kgCO2eq",
    "gram_CO2e = 0.001 * kilogram_CO2e = gCO2e = g_CO2e = gCO2eq",
    "tonne_CO2e = 1000 * kilogram_CO2e = tCO2e = t_CO2e = tCO2eq",
    "kilotonne_CO2e = 1000000 * kilogram_CO2e = ktCO2e",
    "megatonne_CO2e = 1000000000 * kilogram_CO2e = MtCO2e",
)
#: The client names of CO2e: the aliases of each definition (after its second "=").
_CO2E_NAMES: Final = tuple(
    alias.strip() for line in _CO2E_DEFINITIONS for alias in line.split("=")[2:]
)
_CURRENCY_MULTIPLES: Final = (("", 1), ("k", 1000), ("M", 1_000_000))


def _build_registry() -> pint.UnitRegistry[float]:
    """pint's default definitions plus CO2e and one base dimension per currency."""
    ureg: pint.UnitRegistry[float] = pint.UnitRegistry(cache_folder=None)
    new_names = [*_CO2E_NAMES] + [
        prefix + code for code in KNOWN_CURRENCIES for prefix, _ in _CURRENCY_MULTIPLES
    ]
    for name in new_names:  # refuse to shadow anything pint already knows (e.g. 'kt' = knot)
        if ureg.parse_unit_name(name):
            raise RuntimeError(f"unit name {name!r} collides with a pint unit")
    for line in _CO2E_DEFINITIONS:
        ureg.define(line)
    for code in KNOWN_CURRENCIES:
        ureg.define(f"{code} = [currency_{code}]")
        for prefix, multiple in _CURRENCY_MULTIPLES[1:]:
            ureg.define(f"{prefix}{code} = {multiple} * {code}")
    return ureg


_UREG: Final = _build_registry()


@dataclass(frozen=True, slots=True)
class _Name:
    """One vocabulary name: factor to pint's root units, dimension vector, currency or None."""

    factor: Fraction
    dims: Dims
    currency: str | None


def _exact(value: float) -> Fraction:
    """pint's float factor as the decimal it stands for (``0.1**3`` -> ``1/1000`` exactly)."""
    snapped = Fraction(format(value, ".12g"))
    if abs(float(snapped) - value) > 1e-12 * abs(value):  # pragma: no cover - import-time check
        raise RuntimeError(f"factor {value!r} is not a short decimal")
    return snapped


def _vocabulary_entry(pint_name: str, power: int) -> _Name:
    root_factor, _root = _UREG.get_root_units(pint_name)
    dims: dict[str, int] = {}
    currency: str | None = None
    for pint_base, exponent in _UREG.get_dimensionality(pint_name).items():
        base = pint_base
        if pint_base.startswith("[currency_"):
            currency = pint_base[len("[currency_") : -1]
            base = _CURRENCY_DIM
        dims[base] = dims.get(base, 0) + int(cast(int, exponent)) * power
    return _Name(
        factor=_exact(float(cast(float, root_factor))) ** power,
        dims=tuple(sorted((b, e) for b, e in dims.items() if e)),
        currency=currency,
    )


def _build_vocabulary() -> dict[str, _Name]:
    vocabulary = {name: _vocabulary_entry(*spec) for name, spec in _PHYSICAL.items()}
    for name in _CO2E_NAMES:
        vocabulary[name] = _vocabulary_entry(name, 1)
    for code in KNOWN_CURRENCIES:
        for prefix, _ in _CURRENCY_MULTIPLES:
            vocabulary[prefix + code] = _vocabulary_entry(prefix + code, 1)
    return vocabulary


#: Swedish unit words: alias=name of the vocabulary, or alias=multiple*name.
_SWEDISH_TABLE: Final = """
år=year månad=month månader=month dag=day dagar=day timme=hour timmar=hour vecka=week
veckor=week kr=SEK kronor=SEK tkr=kSEK Mkr=MSEK ton=t mil=10*km
"""
_SWEDISH_ALIASES: Final = {
    alias: (name, Fraction(multiple or 1))
    for alias, _, target in (entry.partition("=") for entry in _SWEDISH_TABLE.split())
    for multiple, _, name in [target.rpartition("*")]
}


def _with_aliases(vocabulary: dict[str, _Name]) -> dict[str, _Name]:
    """The vocabulary plus :data:`_SWEDISH_ALIASES` (each a multiple of an existing name)."""
    for alias, (name, multiple) in _SWEDISH_ALIASES.items():
        if alias in vocabulary:  # pragma: no cover - import-time check
            raise RuntimeError(f"unit alias {alias!r} collides with a unit name")
        entry = vocabulary[name]
        vocabulary[alias] = _Name(entry.factor * multiple, entry.dims, entry.currency)
    return vocabulary


_VOCABULARY: Final = _with_aliases(_build_vocabulary())
_BY_LOWER: Final = {name.lower(): name for name in sorted(_VOCABULARY, reverse=True)}


def known_unit_names() -> tuple[str, ...]:
    """Every unit name the grammar accepts, sorted (case-sensitive, exact)."""
    return tuple(sorted(_VOCABULARY))


# --------------------------------------------------------------------------------------------
# Guard, tokenizer and parser.
# --------------------------------------------------------------------------------------------

_ALLOWED = re.compile(r"[A-Za-z0-9_*/.^() \-µ²³åäöÅÄÖ]*")
_TOKEN = re.compile(
    r"(?P<name>[A-Za-zµ_åäöÅÄÖ][A-Za-z0-9_åäöÅÄÖ]*)"
    r"|(?P<num>[0-9]+)"
    r"|(?P<pow>\*\*|\^)"
    r"|(?P<sup>[²³])"
    r"|(?P<mul>[*.])"
    r"|(?P<div>/)"
    r"|(?P<lp>\()"
    r"|(?P<rp>\))"
    r"|(?P<sp> +)"
    r"|(?P<neg>-)"
)
_ENDS_OPERAND: Final = frozenset({"name", "num", "sup", "rp"})
_STARTS_OPERAND: Final = frozenset({"name", "num", "lp"})
_SUPERSCRIPT: Final = {"²": 2, "³": 3}


def _show(unit: str) -> str:
    """The unit for a message: quoted, escaped, cut to the length cap."""
    if len(unit) > MAX_UNIT_LENGTH:
        return repr(unit[:MAX_UNIT_LENGTH]) + "..."
    return repr(unit)


def _guard(unit: object) -> str:
    """Refuse anything that is not a short string of grammar characters; return it stripped."""
    if not isinstance(unit, str):
        raise UnitError(f"expected a unit string, got {type(unit).__name__}")
    if len(unit) > MAX_UNIT_LENGTH:
        raise UnitError(f"unit is {len(unit)} characters long; at most {MAX_UNIT_LENGTH} allowed")
    stripped = unit.strip(" ")
    if not stripped:
        raise UnitError("unit is empty; every amount needs a unit such as 'kWh' or 'SEK'")
    match = _ALLOWED.fullmatch(stripped)
    if match is None:
        bad = next(c for c in stripped if _ALLOWED.fullmatch(c) is None)
        raise UnitError(f"invalid unit {_show(unit)}: {_describe_char(bad)} is not allowed")
    return stripped


def _describe_char(char: str) -> str:
    name = unicodedata.name(char, "")
    code = f"U+{ord(char):04X}"
    hint = ""
    if char == "μ":
        hint = " (use the micro sign 'µ' U+00B5 or 'u')"
    elif char == ",":
        hint = " (the magnitude belongs in value, not in the unit)"
    return f"character {code}{' ' + name if name else ''}{hint}"


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str
    text: str
    pos: int


def _tokens(unit: str) -> list[_Token]:
    raw: list[_Token] = []
    pos = 0
    while pos < len(unit):
        match = _TOKEN.match(unit, pos)
        if match is None or match.lastgroup is None:  # pragma: no cover - guard allows no such
            raise UnitError(f"invalid unit {_show(unit)}: cannot read position {pos}")
        raw.append(_Token(match.lastgroup, match.group(), pos))
        pos = match.end()
    # A space between two operands multiplies; every other space is layout.
    tokens: list[_Token] = []
    for i, token in enumerate(raw):
        if token.kind != "sp":
            tokens.append(token)
        elif (
            0 < i < len(raw) - 1
            and raw[i - 1].kind in _ENDS_OPERAND
            and raw[i + 1].kind in _STARTS_OPERAND
        ):
            tokens.append(_Token("mul", " ", token.pos))
    return _join_swedish_co2e(tokens)


#: ``<name> CO2e`` spellings read as one name (the Swedish ``ton CO2e``).
_SEPARATED_CO2E: Final = {"ton": "tCO2e"}


def _join_swedish_co2e(tokens: list[_Token]) -> list[_Token]:
    """``ton``, a space, ``CO2e`` -> the one name ``tCO2e`` (only a space, only these names)."""
    joined: list[_Token] = []
    for token in tokens:
        tail = [t.text for t in joined[-2:]]
        if (
            token.text in ("CO2e", "CO2eq")
            and tail[1:] == [" "]
            and joined[-2].kind == "name"
            and tail[0] in _SEPARATED_CO2E
        ):
            joined[-2:] = [_Token("name", _SEPARATED_CO2E[tail[0]], joined[-2].pos)]
            continue
        joined.append(token)
    return joined


class _Parser:
    """Recursive descent over the grammar in the module docstring; depth is at most 1."""

    def __init__(self, unit: str) -> None:
        self.unit = unit
        self.tokens = _tokens(unit)
        self.i = 0
        self.scale = 1
        self.names = 0

    def fail(self, reason: str) -> UnitError:
        return UnitError(f"invalid unit {_show(self.unit)}: {reason}")

    def peek(self) -> _Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.peek()
        if token is None:
            raise self.fail("unexpected end")
        self.i += 1
        return token

    def parse(self) -> list[tuple[str, int]]:
        terms = self.product(depth=0)
        token = self.peek()
        if token is not None and token.kind == "div":
            self.take()
            terms += _power(self.divisor(), -1)
        token = self.peek()
        if token is not None:
            if token.kind == "div":
                raise self.fail("at most one '/' per level; write e.g. 'SEK/(kWh year)'")
            if token.kind == "mul":
                nxt = self.tokens[self.i + 1] if self.i + 1 < len(self.tokens) else None
                if nxt is not None and nxt.text in _CO2E_WORDS:
                    raise self.fail(_CO2E_HINT)
                raise self.fail("after '/' comes one unit or a group in parentheses: 'a/(b c)'")
            raise self.fail(f"unexpected {token.text!r} at position {token.pos}")
        return terms

    def product(self, depth: int) -> list[tuple[str, int]]:
        terms = self.factor(depth)
        while (token := self.peek()) is not None and token.kind == "mul":
            self.take()
            terms += self.factor(depth)
        return terms

    def divisor(self) -> list[tuple[str, int]]:
        token = self.peek()
        if token is not None and token.kind == "num":
            raise self.fail(
                "a scale in the divisor needs parentheses, e.g. 'l/(100 km)'; "
                "otherwise the magnitude belongs in value"
            )
        return self.factor(depth=0, allow_scale=True)

    def factor(self, depth: int, allow_scale: bool = False) -> list[tuple[str, int]]:
        token = self.take()
        if token.kind == "name":
            terms = [(self.name(token), 1)]
        elif token.kind == "lp":
            if depth >= 1:
                raise self.fail("at most one level of parentheses")
            scale_before = self.scale
            terms = self.group(allow_scale)
            exponent = self.exponent()
            if exponent != 1 and self.scale != scale_before:
                raise self.fail("a scaled divisor such as '(100 km)' takes no power")
            return _power(terms, exponent)
        elif token.kind == "num":
            raise self.fail("numbers are not allowed in a unit; the magnitude belongs in value")
        else:
            raise self.fail(f"unexpected {token.text!r} at position {token.pos}")
        return _power(terms, self.exponent())

    def group(self, allow_scale: bool) -> list[tuple[str, int]]:
        token = self.peek()
        if token is not None and token.kind == "num":
            if not allow_scale:
                raise self.fail(
                    "numbers are not allowed in a unit except a scale as in 'l/(100 km)'"
                )
            self.scale = self.read_scale(self.take())
            after = self.take()
            if after.kind != "mul":
                raise self.fail("write the scale and the unit apart, e.g. 'l/(100 km)'")
        terms = self.product(depth=1)
        token = self.peek()
        if token is not None and token.kind == "div":
            self.take()
            terms += _power(self.factor(depth=1), -1)
        closing = self.take()
        if closing.kind != "rp":
            raise self.fail(f"expected ')' at position {closing.pos}")
        return terms

    def read_scale(self, token: _Token) -> int:
        text = token.text
        if text.startswith("0") or len(text) > len(str(MAX_SCALE)) or int(text) > MAX_SCALE:
            raise self.fail(f"scale must be a whole number from 1 to {MAX_SCALE}")
        return int(text)

    def name(self, token: _Token) -> str:
        self.names += 1
        if self.names > MAX_NAMES:
            raise self.fail(f"at most {MAX_NAMES} unit names")
        text = token.text
        nxt = self.peek()
        if nxt is not None and nxt.kind == "sup" and text + nxt.text in _VOCABULARY:
            self.take()  # a name spelled with a superscript, e.g. 'Nm³'
            return text + nxt.text
        if text not in _VOCABULARY:
            raise UnitError(_unknown_name(text, self.unit))
        return text

    def exponent(self) -> int:
        token = self.peek()
        if token is None or token.kind not in ("pow", "sup"):
            return 1
        self.take()
        if token.kind == "sup":
            value = _SUPERSCRIPT[token.text]
        else:
            sign = 1
            if (nxt := self.peek()) is not None and nxt.kind == "neg":
                self.take()
                sign = -1
            digits = self.take()
            if digits.kind != "num" or digits.text not in {str(n) for n in range(1, 10)}:
                raise self.fail(self.bad_exponent())
            value = sign * int(digits.text)
        if not 1 <= abs(value) <= MAX_EXPONENT:
            raise self.fail(self.bad_exponent())
        token = self.peek()
        if token is not None and token.kind in ("pow", "sup"):
            raise self.fail("powers of powers are not allowed")
        return value

    def bad_exponent(self) -> str:
        return f"exponents are whole numbers from 1 to {MAX_EXPONENT} (or -1 to -{MAX_EXPONENT})"


def _power(terms: list[tuple[str, int]], exponent: int) -> list[tuple[str, int]]:
    return [(name, e * exponent) for name, e in terms]


_CO2E_WORDS: Final = frozenset({"CO2e", "CO2", "CO2eq", "CO2_e", "CO2_eq"})
_CO2E_HINT: Final = "write climate impact as one name: 'gCO2e', 'kgCO2e' or 'tCO2e'"


def _unknown_name(name: str, unit: str) -> str:
    message = f"unknown unit name {name!r} in {_show(unit)}"
    if name in _CO2E_WORDS:
        return f"{message}; {_CO2E_HINT}"
    suggestion = _BY_LOWER.get(name.lower())
    if suggestion is not None:
        return message + f"; did you mean {suggestion!r}?"
    return message


# --------------------------------------------------------------------------------------------
# Resolution (bounded cache).
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Resolved:
    """A parsed unit: factor to pint's root units (exact), dimension vector, currency or None."""

    factor: Fraction
    dims: Dims
    currency: str | None


@functools.lru_cache(maxsize=CACHE_SIZE)
def _resolve_cached(unit: str) -> _Resolved:
    """Guard, parse and resolve ``unit`` (keyed by the string as given; errors not cached)."""
    parser = _Parser(_guard(unit))
    terms = parser.parse()
    numerator, denominator = 1, parser.scale
    dims: dict[str, int] = {}
    currencies: set[str] = set()
    for name, exponent in terms:
        entry = _VOCABULARY[name]
        up, down = entry.factor.numerator, entry.factor.denominator
        if exponent < 0:
            up, down = down, up
        numerator *= up ** abs(exponent)
        denominator *= down ** abs(exponent)
        for base, e in entry.dims:
            dims[base] = dims.get(base, 0) + e * exponent
        if entry.currency is not None:
            currencies.add(entry.currency)
    if len(currencies) > 1:
        codes = " and ".join(repr(c) for c in sorted(currencies))
        raise parser.fail(
            f"mixes currencies {codes}; exchange rates belong in method.exchange_rates"
        )
    vector = tuple(sorted((b, e) for b, e in dims.items() if e))
    currency = next(iter(currencies)) if dict(vector).get(_CURRENCY_DIM) else None
    return _Resolved(Fraction(numerator, denominator), vector, currency)


def _precheck(unit: object) -> None:
    """O(1): refuse non-strings and over-long strings before they are hashed as cache keys."""
    if type(unit) is not str or len(unit) > MAX_UNIT_LENGTH:
        _guard(unit)  # raises


def _resolve(unit: str) -> _Resolved:
    _precheck(unit)
    return _resolve_cached(unit)


def check(unit: str) -> None:
    """Raise :class:`UnitError` unless ``unit`` passes the guard, the grammar and the vocabulary.

    No dimension is checked. Use it to report a bad unit at its own field path before combining
    it with another (an activity with its amount).
    """
    _resolve(unit)


def currency_of(unit: str) -> str | None:
    """The ISO 4217 code of a money unit (``"SEK"``, ``"EUR/kWh"``, ``"kSEK/tCO2e"`` -> its
    code), or None when the unit has no currency. Raises :class:`UnitError` for a bad unit."""
    return _resolve(unit).currency


# --------------------------------------------------------------------------------------------
# Dimensions.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class Dimension:
    """A dimension a field needs, with its canonical unit and an example for messages.

    Fixed dimensions are class attributes (``Dimension.MONEY``, ``Dimension.TIME`` ...).
    Resource-dependent ones are built with :meth:`per`: a resource's own dimension comes from its
    price unit (:func:`resource_dimension`), then

    - resource use per year: ``resource.per(Dimension.TIME)`` (``kWh/year``),
    - emission factor: ``Dimension.CO2E.per(resource)`` (``kgCO2e/kWh``),
    - resource price: ``Dimension.MONEY.per(resource)`` (``SEK/kWh``).

    For money the canonical unit is the major unit of whatever currency the unit names; the
    examples are written in SEK.

    Dimensions compare and hash by identity (C speed: a dimension is a cache key on the hot
    path); each is built once, as a class attribute or by the memoised :meth:`per`.
    """

    #: What the field needs, in words: "energy per time".
    label: str
    #: Canonical unit, e.g. "kWh/year" (money shown as SEK).
    canonical: str
    #: Example unit for messages.
    example: str
    dims: Dims
    #: Factor of the canonical unit to pint's root units.
    scale: Fraction

    MONEY: ClassVar[Dimension]
    MONEY_PER_TIME: ClassVar[Dimension]
    TIME: ClassVar[Dimension]
    CO2E: ClassVar[Dimension]
    MONEY_PER_CO2E: ClassVar[Dimension]
    MASS: ClassVar[Dimension]
    MASS_PER_TIME: ClassVar[Dimension]
    MONEY_PER_MASS: ClassVar[Dimension]
    ENERGY: ClassVar[Dimension]
    POWER: ClassVar[Dimension]
    VOLUME: ClassVar[Dimension]
    AREA: ClassVar[Dimension]
    LENGTH: ClassVar[Dimension]
    DIMENSIONLESS: ClassVar[Dimension]
    #: Dimensions a resource may have (the X of its price "money per X").
    RESOURCES: ClassVar[tuple[Dimension, ...]]

    @staticmethod
    def of(label: str, canonical: str, example: str = "") -> Dimension:
        """A dimension named ``label`` whose canonical unit is ``canonical`` (in the grammar)."""
        resolved = _resolve(canonical)
        return Dimension(label, canonical, example or canonical, resolved.dims, resolved.factor)

    def per(self, other: Dimension) -> Dimension:
        """This dimension divided by ``other``: ``ENERGY.per(TIME)`` is energy per time.

        Memoised (a bounded cache; dimensions come from code, not from clients).
        """
        return _per(self, other)


@functools.lru_cache(maxsize=256)
def _per(numerator: Dimension, denominator: Dimension) -> Dimension:
    dims: dict[str, int] = dict(numerator.dims)
    for base, exponent in denominator.dims:
        dims[base] = dims.get(base, 0) - exponent
    return Dimension(
        label=f"{numerator.label} per {denominator.label}",
        canonical=_join(numerator.canonical, denominator.canonical),
        example=_join(numerator.example, denominator.canonical),
        dims=tuple(sorted((b, e) for b, e in dims.items() if e)),
        scale=numerator.scale / denominator.scale,
    )


def _join(numerator: str, denominator: str) -> str:
    """``numerator / denominator`` written in the grammar: ``kWh/year`` / ``m^2`` ->
    ``kWh/(year m^2)``."""
    if "/" in denominator:
        raise ValueError(f"cannot divide by compound unit {denominator!r}")
    if "/" in numerator:
        top, bottom = numerator.split("/", 1)
        return f"{top}/({bottom.strip('()')} {denominator})"
    if " " in denominator or "*" in denominator:
        return f"{numerator}/({denominator})"
    return f"{numerator}/{denominator}"


Dimension.MONEY = Dimension.of("money", "SEK")
Dimension.TIME = Dimension.of("time", "year", "years")
Dimension.MONEY_PER_TIME = Dimension.MONEY.per(Dimension.of("time", "year"))
Dimension.CO2E = Dimension.of("climate impact (CO2e mass)", "kgCO2e")
Dimension.MONEY_PER_CO2E = Dimension.of(
    "money per climate impact (CO2e mass)", "SEK/kgCO2e", "SEK/tCO2e"
)
Dimension.MASS = Dimension.of("mass", "kg")
Dimension.MASS_PER_TIME = Dimension.MASS.per(Dimension.of("time", "year"))
Dimension.MONEY_PER_MASS = Dimension.MONEY.per(Dimension.MASS)
Dimension.ENERGY = Dimension.of("energy", "kWh")
Dimension.POWER = Dimension.of("power", "kW")
Dimension.VOLUME = Dimension.of("volume", "l")
Dimension.AREA = Dimension.of("area", "m^2")
Dimension.LENGTH = Dimension.of("length", "km")
Dimension.DIMENSIONLESS = Dimension("dimensionless", "", "", (), Fraction(1))
Dimension.RESOURCES = (
    Dimension.ENERGY,
    Dimension.VOLUME,
    Dimension.MASS,
    Dimension.LENGTH,
    Dimension.AREA,
)


def _mismatch(expected: Dimension, got: str) -> UnitError:
    return UnitError(f"expected {expected.label} such as {expected.example!r}, got {_show(got)}")


@functools.lru_cache(maxsize=CACHE_SIZE)
def _factor_cached(unit: str, expected: Dimension) -> float:
    resolved = _resolve_cached(unit)
    if resolved.dims != expected.dims:
        raise _mismatch(expected, unit)
    return float(resolved.factor / expected.scale)


def factor(unit: str, expected: Dimension) -> float:
    """Factor from ``unit`` to the canonical unit of ``expected``: value x factor = canonical.

    Raises :class:`UnitError` when the unit is refused by the guard or the grammar, or has
    another dimension: ``expected energy per time such as 'kWh/year', got 'kg'``. For money the
    factor goes to the major unit of the unit's own currency (:func:`currency_of`).

    >>> factor("MWh", Dimension.ENERGY), factor("kSEK/year", Dimension.MONEY_PER_TIME)
    (1000.0, 1000.0)
    """
    _precheck(unit)
    return _factor_cached(unit, expected)


@functools.lru_cache(maxsize=CACHE_SIZE)
def _product_cached(amount: str, activity: str, expected: Dimension) -> float:
    a = _resolve_cached(amount)
    b = _resolve_cached(activity)
    dims: dict[str, int] = dict(a.dims)
    for base, exponent in b.dims:
        dims[base] = dims.get(base, 0) + exponent
    if tuple(sorted((k, e) for k, e in dims.items() if e)) != expected.dims:
        raise UnitError(
            f"expected amount times activity to be {expected.label} such as "
            f"{expected.example!r}, got {_show(amount)} times {_show(activity)}"
        )
    return float(a.factor * b.factor / expected.scale)


def product_factor(amount_unit: str, activity_unit: str, expected: Dimension) -> float:
    """Factor of ``amount x activity`` to the canonical unit of ``expected``.

    ``45 W`` x ``4000 h/year`` -> 180 kWh/year; ``5 l/(100 km)`` x ``15000 km/year`` -> 750 l/year:

    >>> energy_per_year = Dimension.ENERGY.per(Dimension.TIME)
    >>> 0.18 * 20000 * product_factor("kWh/km", "km/year", energy_per_year)
    3600.0
    """
    _precheck(amount_unit)
    _precheck(activity_unit)
    return _product_cached(amount_unit, activity_unit, expected)


def resource_dimension(price_unit: str) -> Dimension:
    """The dimension of the resource a price is per: ``SEK/kWh`` -> energy, ``SEK/m^3`` -> volume.

    The price must be money per one of :attr:`Dimension.RESOURCES` (energy, volume, mass, length,
    area); a resource's use and emission factor are then checked against that dimension.
    """
    resolved = _resolve(price_unit)
    for dimension in Dimension.RESOURCES:
        if Dimension.MONEY.per(dimension).dims == resolved.dims:
            return dimension
    raise UnitError(
        "expected money per unit of resource such as 'SEK/kWh', 'SEK/l', 'SEK/m^3' or 'SEK/kg', "
        f"got {_show(price_unit)}"
    )


def cache_info() -> dict[str, functools._CacheInfo]:
    """Statistics of the bounded caches (for tests and the server's metrics)."""
    return {
        "resolve": _resolve_cached.cache_info(),
        "factor": _factor_cached.cache_info(),
        "product": _product_cached.cache_info(),
    }
