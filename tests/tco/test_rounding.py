"""Half-up money rounding, exact on the decimal representation (bug class 9)."""

from __future__ import annotations

import doctest
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tco import rounding
from tco.rounding import round_array_money, round_money


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (1.005, 2, 1.01),
        (2.675, 2, 2.68),
        (-2.5, 0, -3.0),
        (2.5, 0, 3.0),
        (0.125, 2, 0.13),
        (-0.125, 2, -0.13),
        (1.115, 2, 1.12),
        (8.345, 2, 8.35),
        (1234.5, 0, 1235.0),
        (0.5, 0, 1.0),
        (1.4999999, 0, 1.0),
        (12345.675, 2, 12345.68),
        (1234.5, -1, 1230.0),
        (1235.0, -1, 1240.0),
        (0.0, 2, 0.0),
    ],
)
def test_round_money_half_up_in_decimal(value: float, digits: int, expected: float) -> None:
    assert round_money(value, digits) == expected


def test_not_bankers_rounding_nor_naive_floor() -> None:
    assert round(2.5) == 2  # Python: half to even
    assert round_money(2.5, 0) == 3.0
    assert float(np.round(0.125, 2)) == 0.12
    assert round_money(0.125, 2) == 0.13
    assert np.floor(1.005 * 100 + 0.5) / 100 == 1.0  # binary value 1.00499999...
    assert round_money(1.005, 2) == 1.01


def test_negative_zero_is_reported_as_zero() -> None:
    value = round_money(-0.001, 2)
    assert value == 0.0
    assert str(value) == "0.0"
    assert str(round_array_money([-0.001], 2)[0]) == "0.0"


def test_non_finite_pass_through() -> None:
    assert round_money(float("inf"), 2) == float("inf")
    out = round_array_money([float("nan"), float("-inf"), 1.005], 2)
    assert np.isnan(out[0])
    assert out[1] == float("-inf")
    assert out[2] == 1.01


def test_array_version_keeps_shape_and_fixes_ties() -> None:
    values = np.array([[1.005, 2.675, -2.5], [0.125, 1e17 + 0.0, -8.345]])
    out = round_array_money(values, 2)
    assert out.shape == (2, 3)
    assert out.tolist() == [[1.01, 2.68, -2.5], [0.13, 1e17, -8.35]]
    assert round_array_money([2.5, -0.5, 1.5], 0).tolist() == [3.0, -1.0, 2.0]


def _reference(value: float, digits: int) -> float:
    exact = Decimal(repr(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return float(exact) + 0.0


@given(
    st.lists(
        st.one_of(
            st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12),
            st.integers(min_value=-(10**9), max_value=10**9).map(lambda n: n / 1000),
            st.integers(min_value=-(10**7), max_value=10**7).map(lambda n: n / 200),
        ),
        max_size=50,
    ),
    st.integers(min_value=0, max_value=4),
)
def test_array_matches_scalar_bit_for_bit(values: list[float], digits: int) -> None:
    out = round_array_money(np.array(values, dtype=np.float64), digits)
    expected = [_reference(v, digits) for v in values]
    assert [x.hex() for x in out.tolist()] == [x.hex() for x in expected]
    assert [round_money(v, digits).hex() for v in values] == [x.hex() for x in expected]
    # The part's figures in one call: the same bits.
    half = len(values) // 2
    figures = rounding.round_money_figures(
        {"a": np.array(values[:half]), "b": np.array(values[half:]).reshape(1, -1)}, digits
    )
    together = [*figures["a"].tolist(), *figures["b"].reshape(-1).tolist()]
    assert [x.hex() for x in together] == [x.hex() for x in expected]


def test_docstring_examples() -> None:
    result = doctest.testmod(rounding)
    assert result.attempted >= 3
    assert result.failed == 0
