"""Building many frozen slotted dataclasses cheaply: the one constructor helper of the project.

A frozen dataclass's generated ``__init__`` stores each field through
``object.__setattr__``; building thousands of inputs, prepared items or results that way is a
visible share of a large evaluation. These two helpers store each value through its slot
descriptor (or on a mutable twin of the class) instead and make the very same object as the
class itself would (``==`` holds, and every field is set). They refuse any class whose
``__init__`` does more than store its arguments (a ``__post_init__``, a field with
``init=False``, a field that is not a slot), so nothing a class checks on construction is ever
skipped.

Example::

    >>> @dataclasses.dataclass(frozen=True, slots=True)
    ... class Point:
    ...     x: float
    ...     y: float
    >>> new_point = constructor(Point)
    >>> new_point(1.0, 2.0) == Point(1.0, 2.0)
    True
    >>> many(Point, 2, [1.0, 3.0], itertools.repeat(0.0)) == [Point(1.0, 0.0), Point(3.0, 0.0)]
    True
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import itertools
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")

__all__ = ["constructor", "many"]


@functools.lru_cache(maxsize=256)
def _setters(cls: type, order: tuple[str, ...]) -> tuple[Callable[[Any, Any], None], ...]:
    """The slot setters of ``cls`` in ``order`` (every field once; default: declaration order)."""
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls.__name__} is not a dataclass")
    fields = dataclasses.fields(cls)
    names = [f.name for f in fields]
    order = order or tuple(names)
    if sorted(order) != sorted(names) or len(set(order)) != len(order):
        raise TypeError(f"{cls.__name__} has fields {names}, got {list(order)}")
    params = getattr(cls, "__dataclass_params__", None)
    plain = (
        params is not None
        and params.frozen
        and not hasattr(cls, "__post_init__")
        and all(f.init for f in fields)
        and all(type(vars(cls).get(name)).__name__ == "member_descriptor" for name in names)
    )
    if not plain:
        raise TypeError(f"{cls.__name__} is not a plain frozen slots dataclass")
    return tuple(vars(cls)[name].__set__ for name in order)


def constructor(cls: type[T], *order: str) -> Callable[..., T]:
    """``make(*values)``: the object ``cls(**dict(zip(order, values)))``, one slot store a field.

    ``order`` names every field of ``cls`` exactly once (checked now, so a field added later
    fails at import instead of shifting the arguments); left empty it is the declaration order.

    ``make`` is compiled once per class from source that holds only field names and positional
    names ``v0, v1, …`` (never a value): it makes an object of a mutable twin of ``cls`` (the
    same slots, so the same layout), stores each field with a plain attribute store, which
    CPython 3.11 specialises to a slot write, and then makes the object a ``cls``
    (``__class__`` assignment, refused by CPython unless the layouts agree, checked here once).
    A call of each field's slot setter costs about twice as much per object, and a loop over the
    setters half again more (BENCHMARKS.md, *What each remaining speed mechanism buys*): the one
    ``exec`` of the project outside the digest serialisers, kept for that figure.
    """
    names = tuple(order) or tuple(f.name for f in dataclasses.fields(cls))  # type: ignore[arg-type]
    _setters(cls, names)  # type: ignore[arg-type]  # every field once, a plain frozen class
    twin = type(f"_Mutable{cls.__name__}", (), {"__slots__": cls.__slots__})  # type: ignore[attr-defined]
    probe: Any = object.__new__(twin)
    probe.__class__ = cls  # raises TypeError unless the layouts agree
    arguments = ", ".join(f"v{k}" for k in range(len(names)))
    lines = [f"def make({arguments}):", "    obj = new(twin)"]
    lines += [f"    obj.{name} = v{k}" for k, name in enumerate(names)]
    lines += ["    obj.__class__ = cls", "    return obj"]
    namespace: dict[str, Any] = {"new": object.__new__, "cls": cls, "twin": twin}
    exec(compile("\n".join(lines), f"<constructor of {cls.__name__}>", "exec"), namespace)
    make: Callable[..., T] = namespace["make"]
    return make


def many(cls: type[T], n: int, *columns: Iterable[Any], order: Sequence[str] = ()) -> list[T]:
    """``n`` objects of ``cls``, field k of object i from ``columns[k][i]``.

    The same objects as ``[cls(*row) for row in zip(*columns)]``, built field by field over all
    rows, so no Python frame runs per object. A column is a sequence of exactly ``n`` values or
    an iterator that yields at least ``n`` (``itertools.repeat(value)`` for a constant).
    """
    setters = _setters(cls, tuple(order))  # type: ignore[arg-type]
    if len(columns) != len(setters):
        raise TypeError(f"{cls.__name__}: {len(setters)} columns expected, got {len(columns)}")
    for column in columns:
        if isinstance(column, Sequence) and len(column) != n:
            raise ValueError(f"{cls.__name__}: a column of {len(column)} values for {n} rows")
    made: list[T] = list(map(object.__new__, itertools.repeat(cls, n)))
    for store, column in zip(setters, columns, strict=True):
        collections.deque(map(store, made, column), maxlen=0)
    return made
