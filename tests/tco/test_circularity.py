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


#: Changes of the fully linear product (LINEAR) and the MCI they give, hand-computed:
#: MCI = max(0, 1 - LFI x F(X)), F(X) = 0.9 / X, X = lifetime ratio x use-intensity ratio.
MCI_CASES: list[tuple[dict[str, float], float]] = [
    ({}, 0.1),  # anchor: fully linear at average utility
    ({"reused_input": 1.0, "collected_for_reuse": 1.0}, 1.0),  # anchor: fully reused in and out
    ({"recycled_input": 1.0, "collected_for_recycling": 1.0}, 1.0),  # E = 1: no recycling waste
    ({"reused_input": 0.5, "collected_for_reuse": 0.5}, 0.55),  # LFI = M / 2M = 0.5
    # X = 2 by life, by intensity or both: F(X) = 0.45
    ({"lifetime_ratio": 2.0}, 0.55),
    ({"use_intensity_ratio": 2.0}, 0.55),
    ({"lifetime_ratio": 4.0, "use_intensity_ratio": 0.5}, 0.55),
    # a short life: 1 - 1.8 < 0 is clamped at 0, never negative; 1 - 1.0 = 0 exactly at X = 0.9
    ({"lifetime_ratio": 0.5}, 0.0),
    ({"lifetime_ratio": 0.9}, 0.0),
    ({"lifetime_ratio": 0.0, "use_intensity_ratio": 0.0}, 0.1),  # a ratio of 0 means 1
    ({"recycling_efficiency_feedstock": 0.0}, 0.1),  # no recycled input: E_F unused
    # bio input and composting / energy-recovery collection each lower the linear flow
    ({"sustainable_bio_input": 0.5}, 1 - 0.9 * 1.5 / 2),
    ({"collected_for_composting": 0.5}, 1 - 0.9 * 1.5 / 2),
    ({"collected_for_energy_recovery": 0.5}, 1 - 0.9 * 1.5 / 2),
]


@pytest.mark.parametrize(("change", "expected"), MCI_CASES)
def test_mci_hand_computed(change: dict[str, float], expected: float) -> None:
    assert mci(**{**LINEAR, **change}) == pytest.approx(expected, abs=1e-15)


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
    assert utility_factor(0.0, 0.0) == utility_factor(1.0, 1.0) == 0.9
