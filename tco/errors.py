"""The one error hierarchy of the core (pint's habit): everything raised on purpose is a TcoError.

Errors are values with field paths. Validation collects every :class:`FieldViolation` and raises
one :class:`InvalidTender`; the server maps each violation one-to-one onto a
``google.rpc.BadRequest.FieldViolation``.
"""

from __future__ import annotations

from dataclasses import dataclass


class TcoError(Exception):
    """Base class of every error the core raises on purpose."""


@dataclass(frozen=True, slots=True)
class FieldViolation:
    """One bad field: its path as in the request, and what is wrong with it.

    ``field`` uses the contract's field names with list indexes, e.g.
    ``bids[2].items[0].resource_use[0].amount.unit``; ``description`` says what was expected and
    what was given, e.g. ``expected energy per time such as 'kWh/year', got 'kg'``.
    """

    field: str
    description: str

    def __str__(self) -> str:
        return f"{self.field}: {self.description}"


class InvalidTender(TcoError):
    """The tender has one or more bad fields; nothing was computed."""

    def __init__(self, violations: list[FieldViolation] | tuple[FieldViolation, ...]) -> None:
        self.violations: tuple[FieldViolation, ...] = tuple(violations)
        count = len(self.violations)
        head = "; ".join(str(v) for v in self.violations[:3])
        more = f" (and {count - 3} more)" if count > 3 else ""
        super().__init__(f"{count} invalid field(s): {head}{more}")


class UnitError(TcoError):
    """A unit string was refused (grammar, length, unknown name or wrong dimension).

    Raised by :mod:`tco.units`; validation turns it into a :class:`FieldViolation` at the unit's
    path. ``str(error)`` is the description, e.g. ``expected energy such as 'kWh', got 'kg'``.
    """
