"""The collector of one validation run: violations at their field paths, warnings, and the checks.

Every check records a :class:`~tco.errors.FieldViolation` and returns ``None`` (or ``""``,
``False``) instead of raising, so that :func:`tco.validate.prepare` reports every bad field at
once. Messages say what was expected; they echo a client's unit string but no other bid contents:
a bad amount is described by its shape (``NaN``, ``infinite``, ``out of range``). A path is
spelled only when a check fails: checks take a :data:`Path`, (parent, key) pairs such as
``(("bids", 2), "supplier")`` for ``bids[2].supplier``, which :func:`render` writes out.

Numbers must be finite binary64; a converted amount stays within ±``MAX_MAGNITUDE`` so later sums
cannot overflow; rates are fractions per year in (-1, ``MAX_RATE``] with (1 + r)^±N finite.
Each (unit, dimension) is resolved by :mod:`tco.units` once per run (a plain dict); money is
converted to the method currency with the method's exchange rates (:attr:`Violations.rates`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from typing import Any, Final, TypeAlias

from tco import units
from tco.errors import FieldViolation, UnitError
from tco.inputs import Quantity
from tco.units import MAX_UNIT_LENGTH, Dimension
from tco.validate.limits import (
    MAX_ID_LENGTH,
    MAX_LIST,
    MAX_LOG_GROWTH,
    MAX_MAGNITUDE,
    MAX_RATE,
    MAX_TEXT_LENGTH,
    MAX_VIOLATIONS,
    NAME_PATTERN,
)

#: A field's path, spelled only on failure: a str, or (parent path, field name or list index).
Path: TypeAlias = "str | tuple[Path, str | int]"
#: What a unit resolves to for a dimension: (factor to the canonical unit, currency or None).
Unit: TypeAlias = tuple[float, "str | None"]

#: Characters no text may hold: C0/C1 control characters other than tab and line breaks, the
#: bidirectional embeddings, overrides and isolates that make a text display as another
#: (CVE-2021-42574, "Trojan Source"), and lone surrogates. Ids are stricter: see
#: :meth:`Violations.text`.
_HIDDEN: Final = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def render(at: Path) -> str:
    """The path as on the wire: ``(("bids", 2), "supplier")`` -> ``"bids[2].supplier"``."""
    if isinstance(at, str):
        return at
    parent, key = at
    head = render(parent)
    if type(key) is int:
        return f"{head}[{key}]"
    return f"{head}.{key}" if head else str(key)


def _shape(value: float) -> str:
    """How a refused number looks, without echoing it."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "infinite"
    return "out of range"


def _bounds(
    minimum: float | None, minimum_open: bool, maximum: float | None, maximum_open: bool
) -> str:
    """`` >= 0 and < 1``: the bounds of a range as a message says them."""
    parts = []
    if minimum is not None:
        parts.append(f"{'>' if minimum_open else '>='} {minimum:g}")
    if maximum is not None:
        parts.append(f"{'<' if maximum_open else '<='} {maximum:g}")
    return (" " + " and ".join(parts)) if parts else ""


def _resolve(unit: str, expected: Dimension | None) -> Unit | UnitError:
    """(factor, currency) of ``unit`` for ``expected``, or the refusal (a value, not raised).

    ``expected`` None: the grammar only (any dimension), factor 1.0.
    """
    try:
        if expected is None:
            return 1.0, units.currency_of(unit)
        return units.factor(unit, expected), units.currency_of(unit)
    except UnitError as error:
        return error


class Violations:
    """Collects violations and warnings; every check returns None after recording a violation."""

    __slots__ = (
        "_products",
        "_refused",
        "_units",
        "_warned",
        "currency",
        "rates",
        "rates_given",
        "unlisted",
        "violations",
        "warnings",
    )

    def __init__(self) -> None:
        #: The method currency (ISO 4217), the currency of every money amount once converted.
        self.currency: str | None = None
        #: Method currency per one unit of another currency (method.exchange_rates).
        self.rates: dict[str, float] = {}
        #: Every currency method.exchange_rates lists, also those whose rate was refused.
        self.rates_given: set[str] = set()
        self.violations: list[FieldViolation] = []
        self.warnings: list[tuple[str, str, str]] = []
        self.unlisted = 0
        self._warned: set[tuple[str, str, str]] = set()
        # The unit factors of this run (the units of one request are few and repeat).
        self._units: dict[tuple[str, Dimension | None], Unit] = {}
        self._refused: dict[tuple[str, Dimension | None], UnitError] = {}
        self._products: dict[tuple[str, str, Dimension], float | UnitError] = {}

    # ---------------------------------------------------------------- recording

    def fail(self, at: Path, description: str) -> None:
        """Record one violation (beyond :data:`MAX_VIOLATIONS`, only count it)."""
        if len(self.violations) >= MAX_VIOLATIONS:
            self.unlisted += 1
            return
        self.violations.append(FieldViolation(render(at), description))

    def warn(self, code: str, message: str, bid_id: str = "") -> None:
        """Record a warning once (the same code, message and bid only once)."""
        entry = (code, message, bid_id)
        if entry not in self._warned:
            self._warned.add(entry)
            self.warnings.append(entry)

    def all_violations(self) -> list[FieldViolation]:
        """The violations, with a last entry counting those not listed."""
        if not self.unlisted:
            return list(self.violations)
        more = FieldViolation(
            "", f"{self.unlisted} more violation(s) not listed (at most {MAX_VIOLATIONS} are)"
        )
        return [*self.violations, more]

    # ---------------------------------------------------------------- scalars

    def number(
        self,
        at: Path,
        value: object,
        *,
        minimum: float | None = None,
        minimum_open: bool = False,
        maximum: float | None = None,
        maximum_open: bool = False,
        what: str = "a number",
    ) -> float | None:
        """A finite float within the bounds (-0.0 becomes 0.0), or None after recording why not."""
        if type(value) is float:
            number = value
        elif isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(at, f"expected {what}, got {type(value).__name__}")
            return None
        else:
            try:
                number = float(value)
            except OverflowError:  # an int beyond binary64
                self.fail(at, f"expected {what}, got out of range")
                return None
        if not math.isfinite(number):
            self.fail(at, f"expected {what}, got {_shape(number)}")
            return None
        if (minimum is not None and (number <= minimum if minimum_open else number < minimum)) or (
            maximum is not None and (number >= maximum if maximum_open else number > maximum)
        ):
            self.fail(at, f"expected {what}{_bounds(minimum, minimum_open, maximum, maximum_open)}")
            return None
        return 0.0 if number == 0.0 else number

    def integer(self, at: Path, value: object, minimum: int, maximum: int, what: str) -> int | None:
        """A whole number in [minimum, maximum], or None."""
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(at, f"expected {what}, a whole number from {minimum} to {maximum}")
            return None
        if not minimum <= value <= maximum:
            self.fail(at, f"expected {what} from {minimum} to {maximum}")
            return None
        return value

    def rate(self, at: Path, value: object, years: int | None, what: str) -> float | None:
        """A rate per year as a fraction: finite, in (-1, MAX_RATE], and (1 + r)^±N finite."""
        if type(value) is float and -1.0 < value <= MAX_RATE:
            rate: float | None = 0.0 if value == 0.0 else value
        else:
            rate = self.number(
                at,
                value,
                minimum=-1.0,
                minimum_open=True,
                maximum=MAX_RATE,
                what=f"{what} as a fraction per year (0.035 = 3.5 %)",
            )
            if rate is None:
                return None
        if years is not None and years * abs(math.log1p(rate or 0.0)) > MAX_LOG_GROWTH:
            self.fail(at, f"{what} is too close to -1 for a study period of {years} years")
            return None
        return rate

    def text(self, at: Path, value: object, required: bool, limit: int = MAX_TEXT_LENGTH) -> str:
        """A string of at most ``limit`` characters ("" after a violation).

        No keyword-only parameters: the per-item calls pass ``required`` by position, a call the
        interpreter specialises (see :meth:`quantity`).

        Control characters (but tab and line breaks), bidirectional overrides and lone
        surrogates are refused in every text. An id or code (``limit`` at most
        :data:`MAX_ID_LENGTH`) must moreover be printable (:meth:`str.isprintable`: no tab or
        line break, no zero-width or other invisible format character, no space but U+0020), so
        that two ids that look the same in a ranking or a report are the same id.
        """
        if not isinstance(value, str):
            self.fail(at, f"expected a string, got {type(value).__name__}")
            return ""
        if len(value) > limit:
            self.fail(at, f"at most {limit} characters")
            return ""
        printable = value.isprintable()
        if limit <= MAX_ID_LENGTH and not printable:
            self.fail(at, "an id must be printable: no control, line-break or invisible characters")
            return ""
        # printable ASCII holds none of the hidden characters: the pattern runs on the rest only
        if not (printable and value.isascii()) and _HIDDEN.search(value) is not None:
            self.fail(at, "no control characters or bidirectional overrides")
            return ""
        if required and not value.strip():
            self.fail(at, "required")
            return ""
        return value

    def name(self, at: Path, value: object, what: str) -> str:
        """A lower_snake_case name such as ``electricity`` ("" after a violation)."""
        text = self.text(at, value, required=True, limit=MAX_ID_LENGTH)
        if text and NAME_PATTERN.fullmatch(text) is None:
            self.fail(at, f"{what} must be lower_snake_case, e.g. 'district_heating'")
            return ""
        return text

    def listed(self, at: Path, values: object) -> bool:
        """A repeated field: a sequence of at most :data:`MAX_LIST` entries."""
        if not isinstance(values, (tuple, list)):
            self.fail(at, "expected a list")
            return False
        if len(values) > MAX_LIST:
            self.fail(at, f"at most {MAX_LIST} entries")
            return False
        return True

    def named_once(
        self, at: str, entries: Sequence[Any], field: str, what: str, twice: str
    ) -> Iterator[tuple[str, str, Any]]:
        """``(entry path, name, entry)`` for each entry of the list at ``at``, named by its
        ``field`` (checked by :meth:`name`; "" after a violation, and that entry is still given,
        so its other fields are checked). An entry that repeats an earlier name is a violation,
        ``twice`` saying what, and is skipped.

        Example: two resource prices for electricity; the second gets ``resource 'electricity'
        is priced twice (also method.resource_prices[0])`` at
        ``method.resource_prices[1].resource``.
        """
        first: dict[str, int] = {}
        for i, entry in enumerate(entries):
            entry_at = f"{at}[{i}]"
            name = self.name(f"{entry_at}.{field}", getattr(entry, field), what)
            if name in first:
                self.fail(
                    f"{entry_at}.{field}", f"{field} {name!r} {twice} (also {at}[{first[name]}])"
                )
                continue
            if name:
                first[name] = i
            yield entry_at, name, entry

    # ---------------------------------------------------------------- units and quantities

    def unit(self, at: Path, unit: object, expected: Dimension | None) -> Unit | None:
        """(factor, currency) of ``unit`` for ``expected``; the refusal is recorded at ``at``.

        ``expected`` None checks the grammar only (any dimension; the factor is then 1.0).
        """
        known = self._known(unit, expected)
        if known is None:
            self.fail(at, f"expected a unit string, got {type(unit).__name__}")
        elif type(known) is tuple:
            return known
        else:
            self.fail(at, str(known))
        return None

    def _known(self, unit: object, expected: Dimension | None) -> Unit | UnitError | None:
        """What ``unit`` resolves to for ``expected`` (None: not a string), once per run."""
        if type(unit) is not str or len(unit) > MAX_UNIT_LENGTH:
            # not a key: a subclass of str, too long (refused), or not a string
            return _resolve(unit, expected) if isinstance(unit, str) else None
        key = (unit, expected)
        known: Unit | UnitError | None = self._units.get(key) or self._refused.get(key)
        if known is None:
            known = _resolve(unit, expected)
            if isinstance(known, UnitError):
                self._refused[key] = known
            else:
                self._units[key] = known
        return known

    def unit_ok(self, at: Path, unit: object) -> bool:
        """Whether ``unit`` passes the guard and grammar (any dimension); records why not."""
        return self.unit(at, unit, None) is not None

    def factor_of(self, unit: object, expected: Dimension) -> float | None:
        """The factor of ``unit`` to ``expected``, None when refused (nothing recorded)."""
        # not try/except: a refused unit is common here (money per occurrence is not money per
        # time), and a raised KeyError costs more than the lookup
        if type(unit) is str:
            key = (unit, expected)
            seen = self._units.get(key)
            if seen is not None:
                return seen[0]
            if key in self._refused:
                return None
        known = self._known(unit, expected)
        return known[0] if type(known) is tuple else None

    def product(self, at: Path, amount: str, activity: str, expected: Dimension) -> float | None:
        """Factor of ``amount x activity`` units to ``expected``; the refusal recorded at ``at``.

        Both units passed :meth:`unit_ok` before.
        """
        key = (amount, activity, expected)
        known = self._products.get(key)
        if known is None:
            try:
                known = units.product_factor(amount, activity, expected)
            except UnitError as error:
                known = error
            if type(amount) is str and type(activity) is str:
                self._products[key] = known
        if type(known) is float:
            return known
        self.fail(at, str(known))
        return None

    def present(self, at: Path, quantity: object, expected: Dimension, *, required: bool) -> bool:
        """Whether a quantity is there (recording 'required' when it must be and is not)."""
        if type(quantity) is Quantity:
            return True
        if quantity is None:
            if required:
                self.fail(at, f"required: {expected.label} such as {expected.example!r}")
            return False
        if not isinstance(quantity, Quantity):
            self.fail(at, f"expected a quantity (value and unit), got {type(quantity).__name__}")
            return False
        return True

    def quantity(  # noqa: PLR0917 - no keyword-only parameters: see the docstring
        self,
        at: Path,
        quantity: object,
        expected: Dimension,
        minimum: float | None = None,
        money: bool = False,
        minimum_open: bool = False,
        required: bool = False,
    ) -> float | None:
        """A quantity in the canonical unit of ``expected``; a money amount (``money``) also in
        the method currency: ``value x unit factor x rate``.

        No keyword-only parameters and, in the per-item calls, no keywords: the interpreter
        specialises only a call without them (3 % of a prepare). ``minimum``, ``money`` and
        ``minimum_open`` come first, the hot calls pass them by position.

        None when absent (after a violation when ``required``) or bad: the value, the unit and
        a missing exchange rate are each recorded at their own path (``.value``, ``.unit``).
        ``Quantity(2, "kEUR")`` with 11.2 SEK per EUR in a SEK method -> 2 x 1000 x 11.2 = 22 400.
        """
        if type(quantity) is not Quantity and not self.present(
            at, quantity, expected, required=required
        ):
            return None
        value: float | None = quantity.value  # type: ignore[attr-defined]
        if type(value) is not float or value - value != 0.0:  # not a float, or NaN or ±inf
            value = self.number((at, "value"), value, what="a finite number")
        try:  # a unit this run has seen (any other, even unhashable, is checked below)
            factor, code = self._units[quantity.unit, expected]  # type: ignore[attr-defined]
        except (KeyError, TypeError):
            known = self.unit((at, "unit"), quantity.unit, expected)  # type: ignore[attr-defined]
            if known is None:
                return None
            factor, code = known
        if value is None:
            return None
        if money and code != self.currency:
            rate = self.rates.get(code) if self.currency is not None else None  # type: ignore[arg-type]
            if rate is None:
                rate = self.exchange_rate(at, code)  # records a missing rate
                if rate is None:
                    return None
            factor = factor * rate
        if minimum is None or (value > minimum if minimum_open else value >= minimum):
            converted = value * factor
            if -MAX_MAGNITUDE <= converted <= MAX_MAGNITUDE:
                return 0.0 if converted == 0.0 else converted
        return self.scaled(at, value, factor, minimum, minimum_open)  # records why not

    def exchange_rate(self, at: Path, code: str | None) -> float | None:
        """Method currency per one ``code`` (1 for the method currency), None without a rate.

        ``at`` is the money quantity's path; a missing rate is reported at its ``.unit``.
        """
        if code is None or self.currency is None:
            return None if self.currency is None else 1.0
        if code == self.currency:
            return 1.0
        rate = self.rates.get(code)
        if rate is None and code not in self.rates_given:  # a refused rate: at its own path
            self.fail(
                (at, "unit"),
                f"currency {code} has no exchange rate: add method.exchange_rates[{code}] "
                f"({self.currency} per one {code})",
            )
        return rate

    def scaled(
        self,
        at: Path,
        value: float,
        factor: float,
        minimum: float | None = None,
        minimum_open: bool = False,
    ) -> float | None:
        """``value x factor`` (canonical units) after checking ``value`` against ``minimum``.

        The result must stay within ±:data:`MAX_MAGNITUDE`; violations go to ``at.value``.
        """
        if minimum is not None and (value <= minimum if minimum_open else value < minimum):
            self.fail((at, "value"), f"expected{_bounds(minimum, minimum_open, None, False)}")
            return None
        converted = value * factor
        if not -MAX_MAGNITUDE <= converted <= MAX_MAGNITUDE:  # NaN fails too
            self.fail((at, "value"), f"too large: at most {MAX_MAGNITUDE:g} in canonical units")
            return None
        return 0.0 if converted == 0.0 else converted
