"""Hypothesis properties of ranking, evaluation models and the MCI."""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given
from hypothesis import strategies as st

from tco.circularity import mci
from tco.inputs import ModelKind
from tco.models import comparison_numbers, competition_rank, rank_bids
from tco.prepared import PreparedModel

# Money rounded to the minor unit (cents), as the caller passes it; small integers give many ties.
cents = st.integers(min_value=-(10**9), max_value=10**11).map(lambda c: c / 100.0)
tie_prone = st.integers(min_value=0, max_value=4).map(float)
money_lists = st.lists(st.one_of(cents, tie_prone), min_size=1, max_size=12)


def _ids(n: int) -> list[str]:
    return [f"bid-{i}" for i in range(n)]


@given(money_lists, st.randoms(use_true_random=False))
def test_permuting_bids_permutes_ranks(values: list[float], rnd: object) -> None:
    x = np.array(values)
    perm = np.arange(len(values))
    rnd.shuffle(perm)  # type: ignore[attr-defined]
    original = rank_bids(x, _ids(len(values)))
    permuted = rank_bids(x[perm], [_ids(len(values))[i] for i in perm])
    np.testing.assert_array_equal(permuted.rank, original.rank[perm])
    np.testing.assert_array_equal(permuted.tied, original.tied[perm])
    np.testing.assert_array_equal(permuted.difference_to_best, original.difference_to_best[perm])
    assert sorted(w.code for w in permuted.warnings) == sorted(w.code for w in original.warnings)


@given(money_lists)
def test_ranks_are_a_valid_competition_ranking(values: list[float]) -> None:
    x = np.array(values)
    r = rank_bids(x, _ids(len(values)))
    n = len(values)
    assert r.rank.min() == 1
    assert r.rank.max() <= n
    for i in range(n):
        # rank = 1 + number of strictly better bids; tied = someone else has the same number
        assert r.rank[i] == 1 + int(np.sum(x < x[i]))
        assert r.tied[i] == (int(np.sum(x == x[i])) > 1)
    # "1224": each rank value k is held by exactly as many bids as skip to the next rank
    values_sorted = np.sort(r.rank)
    for k in np.unique(values_sorted):
        count = int(np.sum(values_sorted == k))
        nxt = values_sorted[values_sorted > k]
        if nxt.size:
            assert int(nxt.min()) == k + count
    assert np.all(r.difference_to_best >= 0)
    assert np.all(np.isfinite(r.difference_to_best_percent))
    assert np.all(r.difference_to_best_percent >= 0)
    tie_warnings = [w for w in r.warnings if w.code == "TIE"]
    assert len(tie_warnings) == len(np.unique(x[r.tied]))


@given(
    st.lists(st.integers(min_value=0, max_value=10**10), min_size=1, max_size=10),
    st.integers(min_value=-(10**9), max_value=10**10),
)
def test_adding_a_constant_keeps_ranks_under_cost(lcc_cents: list[int], shift: int) -> None:
    lcc = np.array(lcc_cents, dtype=np.float64) / 100.0
    zeros = np.zeros_like(lcc)
    model = PreparedModel(ModelKind.COST, {}, 0.0)

    def ranks(costs: np.ndarray) -> np.ndarray:
        out = comparison_numbers(
            model,
            life_cycle_cost=costs,
            climate_cost=zeros,
            externality_cost=zeros,
            fixed_deductions=zeros,
            ladder_levels=np.zeros(lcc.shape, dtype=np.int64),
        )
        return rank_bids(np.round(out.evaluated, 2), _ids(len(costs))).rank

    # integer cents plus integer cents: exact in binary64 after rounding to the cent
    np.testing.assert_array_equal(ranks(lcc), ranks(lcc + shift / 100.0))


@given(
    st.lists(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False), min_size=1, max_size=8),
    st.integers(min_value=1, max_value=20),
)
def test_competition_rank_over_draws_equals_each_row(values: list[float], draws: int) -> None:
    rng = np.random.default_rng(len(values) * 31 + draws)
    base = np.array(values)
    x = np.stack([rng.permutation(base) for _ in range(draws)])
    rank, tied = competition_rank(x)
    for k in range(draws):
        row = rank_bids(x[k], _ids(len(values)))
        np.testing.assert_array_equal(rank[k], row.rank)
        np.testing.assert_array_equal(tied[k], row.tied)


fraction = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
efficiency = st.floats(min_value=1e-3, max_value=1.0, allow_nan=False)
ratio = st.one_of(st.just(0.0), st.floats(min_value=1e-3, max_value=1e3, allow_nan=False))


@st.composite
def split(draw: st.DrawFn, parts: int) -> list[float]:
    """`parts` fractions with sum ≤ 1."""
    raw = [draw(fraction) for _ in range(parts + 1)]
    total = sum(raw)
    assume(total > 0)
    return [v / total for v in raw[:parts]]


@given(
    inputs=split(3),
    collected=split(4),
    e_c=efficiency,
    e_f=efficiency,
    lifetime=ratio,
    intensity=ratio,
    mass=st.floats(min_value=1e-6, max_value=1e9),
)
def test_mci_is_between_0_and_1(
    *,
    inputs: list[float],
    collected: list[float],
    e_c: float,
    e_f: float,
    lifetime: float,
    intensity: float,
    mass: float,
) -> None:
    kwargs = {
        "recycled_input": inputs[0],
        "reused_input": inputs[1],
        "sustainable_bio_input": inputs[2],
        "collected_for_recycling": collected[0],
        "collected_for_reuse": collected[1],
        "collected_for_composting": collected[2],
        "collected_for_energy_recovery": collected[3],
        "recycling_efficiency_collection": e_c,
        "recycling_efficiency_feedstock": e_f,
        "lifetime_ratio": lifetime,
        "use_intensity_ratio": intensity,
    }
    value = mci(mass=mass, **kwargs)
    assert 0.0 <= value <= 1.0
    # and M cancels
    assert abs(mci(mass=1.0, **kwargs) - value) <= 1e-9
