"""tco.construct: the objects its constructors make are the objects the classes make."""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from tco.construct import constructor, many
from tco.inputs import Quantity
from tco.prepared import PreparedItem


@dataclasses.dataclass(frozen=True, slots=True)
class Point:
    x: float
    y: float


def test_a_constructor_makes_the_object_the_class_makes() -> None:
    made = constructor(Point)(1.0, 2.0)
    assert made == Point(1.0, 2.0)
    assert type(made) is Point
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.x = 3.0  # type: ignore[misc]
    assert constructor(Point, "y", "x")(2.0, 1.0) == Point(1.0, 2.0)
    assert constructor(Quantity)(5.0, "kg") == Quantity(5.0, "kg")
    values = ("n", 1.0, 2.0, 3.0, 4.0, (), 5.0, 6.0, 7.0, None, {}, (), (), 0.0)
    item = constructor(PreparedItem)(*values)
    assert item == PreparedItem(*values)  # type: ignore[arg-type]
    assert type(item) is PreparedItem


def test_many_makes_the_objects_column_by_column() -> None:
    assert many(Point, 2, [1.0, 3.0], itertools.repeat(0.0)) == [Point(1.0, 0.0), Point(3.0, 0.0)]


@dataclasses.dataclass(frozen=True, slots=True)
class Checked:
    x: float

    def __post_init__(self) -> None:  # pragma: no cover - never called by a constructor
        raise ValueError


@dataclasses.dataclass(frozen=True)
class NoSlots:
    x: float


@pytest.mark.parametrize("cls", [Checked, NoSlots])
def test_a_class_that_does_more_than_store_its_fields_is_refused(cls: type) -> None:
    with pytest.raises(TypeError):
        constructor(cls)
    with pytest.raises(TypeError):
        constructor(Point, "x")  # every field once
