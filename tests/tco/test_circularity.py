"""Ellen MacArthur Foundation Material Circularity Indicator (tco.circularity): primer §5."""

from __future__ import annotations

import doctest
from typing import Any

import pytest

import tco.circularity
from tco.circularity import material_circularity_indicator, mci, utility_factor
from tco.prepared import PreparedCircularity

LINEAR: dict[str, Any] = {
    "mass": 450.0,
    "recycled_input": 0.0,
    "reused_input": 0.0,
    "sustainable_bio_input": 0.0,
    "collected_for_recycling": 0.0,
    "collected_for_reuse": 0.0,
    "collected_for_composting": 0.0,
    "collected_for_energy_recovery": 0.0,
    "recycling_efficiency_collection": 1.0,
    "recycling_efficiency_feedstock": 1.0,
    "lifetime_ratio": 1.0,
    "use_intensity_ratio": 1.0,
}

#: W_F ≠ W_C: half recycled input at E_F = 0.5, half collected for recycling at E_C = 0.8.
UNEQUAL_WASTE = {
    **LINEAR,
    "mass": 1.0,
    "recycled_input": 0.5,
    "collected_for_recycling": 0.5,
    "recycling_efficiency_collection": 0.8,
    "recycling_efficiency_feedstock": 0.5,
}


def test_docstring_examples_hold() -> None:
    result = doctest.testmod(tco.circularity)
    assert result.attempted > 0
    assert result.failed == 0


def test_anchor_fully_linear_at_average_utility_is_0_1() -> None:
    assert mci(**LINEAR) == pytest.approx(0.1, abs=1e-15)


def test_anchor_fully_reused_in_and_out_is_1() -> None:
    assert mci(**{**LINEAR, "reused_input": 1.0, "collected_for_reuse": 1.0}) == 1.0


def test_pinned_denominator_keeps_wf_minus_wc_half() -> None:
    """M = 1: V = 0.5, W0 = 0.5, W_F = 1·0.5·0.5/0.5 = 0.5, W_C = 1·0.2·0.5 = 0.1,
    W = 0.5 + 0.3 = 0.8, LFI = 1.3 / (2 + 0.2) = 0.590909…, MCI = 1 − 0.9·1.3/2.2 = 0.468182.
    Dropping (W_F − W_C)/2 would give LFI = 0.65 and MCI = 0.415."""
    pinned = 1.0 - 0.9 * 1.3 / 2.2
    dropped = 1.0 - 0.9 * 1.3 / 2.0
    got = mci(**UNEQUAL_WASTE)
    assert got == pytest.approx(pinned, abs=1e-12)
    assert got == pytest.approx(0.468182, abs=5e-7)
    assert dropped == pytest.approx(0.415)
    assert abs(got - dropped) > 0.05


def test_recycled_in_and_out_at_perfect_efficiency() -> None:
    """E = 1: no recycling waste, LFI = (0 + 0)/2M → MCI = 1."""
    both = {**LINEAR, "recycled_input": 1.0, "collected_for_recycling": 1.0}
    assert mci(**both) == 1.0


def test_half_virgin_half_reused_hand_computed() -> None:
    """V = 0.5M, W0 = 0.5M (half collected for reuse): LFI = M / 2M = 0.5 → MCI = 0.55."""
    half = {**LINEAR, "reused_input": 0.5, "collected_for_reuse": 0.5}
    assert mci(**half) == pytest.approx(0.55)


def test_utility_longer_life_raises_mci() -> None:
    """X = 2: F(X) = 0.45 → linear product 1 − 0.45 = 0.55; X = 2 via intensity alike."""
    assert mci(**{**LINEAR, "lifetime_ratio": 2.0}) == pytest.approx(0.55)
    assert mci(**{**LINEAR, "use_intensity_ratio": 2.0}) == pytest.approx(0.55)
    assert mci(**{**LINEAR, "lifetime_ratio": 4.0, "use_intensity_ratio": 0.5}) == pytest.approx(
        0.55
    )


def test_clamped_at_zero_for_short_life() -> None:
    """X = 0.5: F(X) = 1.8 → 1 − 1.8 < 0 → 0, never negative."""
    assert mci(**{**LINEAR, "lifetime_ratio": 0.5}) == 0.0
    assert mci(**{**LINEAR, "lifetime_ratio": 0.9}) == 0.0  # 1 − 1.0 = 0 exactly at X = 0.9


def test_ratio_zero_means_one() -> None:
    assert utility_factor(0.0, 0.0) == utility_factor(1.0, 1.0) == 0.9
    assert mci(**{**LINEAR, "lifetime_ratio": 0.0, "use_intensity_ratio": 0.0}) == mci(**LINEAR)


@pytest.mark.parametrize("mass", [1e-6, 1.0, 450.0, 7.5e6])
def test_independent_of_mass(mass: float) -> None:
    """M cancels: every term of LFI is proportional to M."""
    assert mci(**{**UNEQUAL_WASTE, "mass": mass}) == pytest.approx(mci(**UNEQUAL_WASTE), rel=1e-12)
    assert mci(**{**LINEAR, "mass": mass}) == pytest.approx(0.1, rel=1e-12)


def test_no_recycled_input_and_zero_feedstock_efficiency_is_fine() -> None:
    assert mci(**{**LINEAR, "recycling_efficiency_feedstock": 0.0}) == pytest.approx(0.1)


def test_refuses_what_validation_guarantees() -> None:
    with pytest.raises(ValueError, match="recycling_efficiency_feedstock"):
        mci(**{**LINEAR, "recycled_input": 0.5, "recycling_efficiency_feedstock": 0.0})
    with pytest.raises(ValueError, match="mass"):
        mci(**{**LINEAR, "mass": 0.0})
    with pytest.raises(ValueError, match="utility"):
        mci(**{**LINEAR, "lifetime_ratio": -1.0})


def test_material_circularity_indicator_reads_prepared_fields() -> None:
    c = PreparedCircularity(
        mass_kg=1.0,
        recycled_input=0.5,
        reused_input=0.0,
        sustainable_bio_input=0.0,
        collected_for_recycling=0.5,
        collected_for_reuse=0.0,
        collected_for_composting=0.0,
        collected_for_energy_recovery=0.0,
        recycling_efficiency_collection=0.8,
        recycling_efficiency_feedstock=0.5,
        lifetime_ratio=0.0,
        use_intensity_ratio=0.0,
    )
    assert material_circularity_indicator(c) == pytest.approx(1.0 - 0.9 * 1.3 / 2.2)


def test_each_input_fraction_is_used() -> None:
    """Bio input and composting / energy-recovery collection all lower the linear flow."""
    base = mci(**LINEAR)
    for key in (
        "sustainable_bio_input",
        "collected_for_composting",
        "collected_for_energy_recovery",
    ):
        assert mci(**{**LINEAR, key: 0.5}) == pytest.approx(1 - 0.9 * 1.5 / 2), key
        assert mci(**{**LINEAR, key: 0.5}) > base
