"""Frozen copy of ``tco.fieldcheck`` before the validation fast path (oracle of
``tests/tco/test_validate_fastpath.py``): same code, imports pointed here. Never edit it except to
keep it importable.

Field checks for validation: a collector of violations and the primitive checks it runs.

Every check records a :class:`~tco.errors.FieldViolation` at the field's path and returns
``None`` instead of raising, so that :func:`tco.validate.prepare` can go on and report every bad
field at once. Messages say what was expected; they echo a client's unit string (the offending
unit) but never other bid contents (names, ids, amounts): a bad amount is described by its shape
(``NaN``, ``infinite``, ``negative``, ``too large``).

Numeric guards, all cheap and all documented in the messages:

- every number must be a finite binary64 (``NaN``, ``±inf`` and JSON ``1e400`` are refused);
- a converted amount must stay within ±:data:`MAX_MAGNITUDE` so later sums cannot overflow;
- rates are fractions per year in (-1, :data:`MAX_RATE`]; a rate close to -1 is refused when
  (1 + r)^±N would overflow for the study period.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Final

from tco import units
from tco.errors import FieldViolation, UnitError
from tco.inputs import Quantity
from tco.units import Dimension

#: Largest absolute amount after conversion to canonical units (money, kWh, kgCO2e ...).
MAX_MAGNITUDE: Final = 1e18
#: Largest rate (discount, inflation, escalation) per year: 1.0 = 100 %.
MAX_RATE: Final = 1.0
#: Rates above this are likely percentages typed as fractions (3.5 for 3.5 %): a warning.
PERCENT_WARNING_RATE: Final = 0.25
#: Most violations listed; the rest are counted in a last entry.
MAX_VIOLATIONS: Final = 1000
#: Longest id (bid id, resource name ...), in characters.
MAX_ID_LENGTH: Final = 256
#: Longest free text (names, supplier, basis ...), in characters.
MAX_TEXT_LENGTH: Final = 2000
#: Names of resources and pollutants: lower_snake_case.
NAME_PATTERN: Final = re.compile(r"[a-z][a-z0-9_]*")
#: Characters no text may hold: C0/C1 control characters other than tab and line breaks, the
#: bidirectional embeddings, overrides and isolates that make a text display as another
#: (CVE-2021-42574, "Trojan Source"), and lone surrogates. Ids are stricter: see :meth:`text`.
_HIDDEN: Final = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
#: Largest exponent of (1 + r)^N allowed, in natural-log units (e^700 ~ 1e304).
_MAX_LOG_GROWTH: Final = 700.0


def _shape(value: float) -> str:
    """How a refused number looks, without echoing it."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "infinite"
    return "out of range"


@dataclass(slots=True)
class Checker:
    """Collects violations and warnings; every check returns None after recording a violation."""

    violations: list[FieldViolation] = field(default_factory=list)
    warnings: list[tuple[str, str, str]] = field(default_factory=list)
    unlisted: int = 0
    _warned: set[tuple[str, str, str]] = field(default_factory=set)

    # ---------------------------------------------------------------- recording

    def fail(self, path: str, description: str) -> None:
        """Record one violation (beyond :data:`MAX_VIOLATIONS`, only count it)."""
        if len(self.violations) >= MAX_VIOLATIONS:
            self.unlisted += 1
            return
        self.violations.append(FieldViolation(path, description))

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
        path: str,
        value: object,
        *,
        minimum: float | None = None,
        minimum_open: bool = False,
        maximum: float | None = None,
        maximum_open: bool = False,
        what: str = "a number",
    ) -> float | None:
        """A finite float within the bounds, or None after recording why not."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(path, f"expected {what}, got {type(value).__name__}")
            return None
        number = float(value)
        if not math.isfinite(number):
            self.fail(path, f"expected {what}, got {_shape(number)}")
            return None
        low_bad = minimum is not None and (number <= minimum if minimum_open else number < minimum)
        high_bad = maximum is not None and (number >= maximum if maximum_open else number > maximum)
        if low_bad or high_bad:
            self.fail(
                path, f"expected {what}{_bounds(minimum, minimum_open, maximum, maximum_open)}"
            )
            return None
        return 0.0 if number == 0.0 else number

    def integer(
        self, path: str, value: object, minimum: int, maximum: int, what: str
    ) -> int | None:
        """A whole number in [minimum, maximum], or None."""
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(path, f"expected {what}, a whole number from {minimum} to {maximum}")
            return None
        if not minimum <= value <= maximum:
            self.fail(path, f"expected {what} from {minimum} to {maximum}")
            return None
        return value

    def rate(self, path: str, value: object, years: int | None, what: str) -> float | None:
        """A rate per year as a fraction: finite, in (-1, MAX_RATE], and (1 + r)^±N finite."""
        rate = self.number(
            path,
            value,
            minimum=-1.0,
            minimum_open=True,
            maximum=MAX_RATE,
            what=f"{what} as a fraction per year (0.035 = 3.5 %)",
        )
        if rate is None:
            return None
        if years is not None and years * abs(math.log1p(rate)) > _MAX_LOG_GROWTH:
            self.fail(path, f"{what} is too close to -1 for a study period of {years} years")
            return None
        return rate

    def text(
        self, path: str, value: object, *, required: bool, limit: int = MAX_TEXT_LENGTH
    ) -> str:
        """A string of at most ``limit`` characters ("" after a violation).

        Control characters (but tab and line breaks), bidirectional overrides and lone
        surrogates are refused in every text. An id or code (``limit`` at most
        :data:`MAX_ID_LENGTH`) must moreover be printable (:meth:`str.isprintable`: no tab or
        line break, no zero-width or other invisible format character, no space but U+0020), so
        that two ids that look the same in a ranking or a report are the same id.
        """
        if not isinstance(value, str):
            self.fail(path, f"expected a string, got {type(value).__name__}")
            return ""
        if len(value) > limit:
            self.fail(path, f"at most {limit} characters")
            return ""
        if limit <= MAX_ID_LENGTH and not value.isprintable():
            self.fail(
                path, "an id must be printable: no control, line-break or invisible characters"
            )
            return ""
        if _HIDDEN.search(value) is not None:
            self.fail(path, "no control characters or bidirectional overrides")
            return ""
        if required and not value.strip():
            self.fail(path, "required")
            return ""
        return value

    def name(self, path: str, value: object, what: str) -> str:
        """A lower_snake_case name such as ``electricity`` ("" after a violation)."""
        text = self.text(path, value, required=True, limit=MAX_ID_LENGTH)
        if text and NAME_PATTERN.fullmatch(text) is None:
            self.fail(path, f"{what} must be lower_snake_case, e.g. 'district_heating'")
            return ""
        return text

    # ---------------------------------------------------------------- quantities

    def quantity(
        self,
        path: str,
        quantity: Quantity | None,
        expected: Dimension,
        *,
        required: bool,
        minimum: float | None = None,
        minimum_open: bool = False,
    ) -> float | None:
        """A non-money quantity in the canonical unit of ``expected``.

        Returns None when absent (after a violation when ``required``) or bad. Value and unit
        are both checked, each at its own path.
        """
        parts = self.parts(path, quantity, expected, required=required)
        if parts is None:
            return None
        value, unit_factor = parts
        return self._converted(path, value, unit_factor, minimum, minimum_open)

    def unit_factor(self, path: str, unit: object, expected: Dimension) -> float | None:
        """``units.factor`` with the refusal recorded at ``path`` (the unit's own path)."""
        if not isinstance(unit, str):
            self.fail(path, f"expected a unit string, got {type(unit).__name__}")
            return None
        try:
            return units.factor(unit, expected)
        except UnitError as error:
            self.fail(path, str(error))
            return None

    def unit_ok(self, path: str, unit: object) -> bool:
        """Whether ``unit`` passes the guard and grammar (any dimension); records why not."""
        if not isinstance(unit, str):
            self.fail(path, f"expected a unit string, got {type(unit).__name__}")
            return False
        try:
            units.check(unit)
        except UnitError as error:
            self.fail(path, str(error))
            return False
        return True

    def present(self, path: str, quantity: object, expected: Dimension, *, required: bool) -> bool:
        """Whether a quantity is there (recording 'required' when it must be and is not)."""
        if quantity is None:
            if required:
                self.fail(path, f"required: {expected.label} such as {expected.example!r}")
            return False
        if not isinstance(quantity, Quantity):
            self.fail(path, f"expected a quantity (value and unit), got {type(quantity).__name__}")
            return False
        return True

    def parts(
        self, path: str, quantity: Quantity | None, expected: Dimension, *, required: bool
    ) -> tuple[float, float] | None:
        """(value, unit factor) of a quantity, or None after recording why not.

        The common case (a finite number and a unit of the expected dimension) is decided
        first, without building the field's sub-paths; anything else takes the checks below,
        which record each violation at its own path.
        """
        if type(quantity) is Quantity:
            raw, text = quantity.value, quantity.unit
            if (type(raw) is float or type(raw) is int) and math.isfinite(raw):
                try:
                    factor = units.factor(text, expected) if type(text) is str else None
                except UnitError:
                    factor = None
                if factor is not None:
                    number = float(raw)
                    return (0.0 if number == 0.0 else number), factor
        if not self.present(path, quantity, expected, required=required):
            return None
        assert quantity is not None
        value = self.number(f"{path}.value", quantity.value, what="a finite number")
        unit_factor = self.unit_factor(f"{path}.unit", quantity.unit, expected)
        if value is None or unit_factor is None:
            return None
        return value, unit_factor

    def _converted(
        self,
        path: str,
        value: float,
        unit_factor: float,
        minimum: float | None,
        minimum_open: bool,
    ) -> float | None:
        if minimum is not None and (value <= minimum if minimum_open else value < minimum):
            self.fail(f"{path}.value", f"expected{_bounds(minimum, minimum_open, None, False)}")
            return None
        converted = value * unit_factor
        if not math.isfinite(converted) or abs(converted) > MAX_MAGNITUDE:
            self.fail(f"{path}.value", f"too large: at most {MAX_MAGNITUDE:g} in canonical units")
            return None
        return 0.0 if converted == 0.0 else converted

    def scaled(
        self,
        path: str,
        value: float,
        unit_factor: float,
        minimum: float | None = None,
        minimum_open: bool = False,
    ) -> float | None:
        """``value x unit_factor`` with the range and magnitude checks of :meth:`quantity`."""
        return self._converted(path, value, unit_factor, minimum, minimum_open)


def _bounds(
    minimum: float | None, minimum_open: bool, maximum: float | None, maximum_open: bool
) -> str:
    parts = []
    if minimum is not None:
        parts.append(f"{'>' if minimum_open else '>='} {minimum:g}")
    if maximum is not None:
        parts.append(f"{'<' if maximum_open else '<='} {maximum:g}")
    return (" " + " and ".join(parts)) if parts else ""
