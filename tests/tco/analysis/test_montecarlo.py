"""Monte Carlo: seeded, common random numbers, win probabilities with ties split, percentiles."""

from __future__ import annotations

import numpy as np
import pytest

from tco.analysis.distributions import Discrete, Lognormal, Normal, Pert, Triangular, Uniform
from tco.analysis.model import DomainError, ParametricModel
from tco.analysis.montecarlo import Uncertain, draw, run, win_probabilities
from tco.analysis.parameters import Mode, resolve
from tco.prepared import PreparedTender
from tests.tco import factory as f

IDS = ["A", "B"]


def _mirror_tender() -> PreparedTender:
    """Mirror images: A heats with 10 000 kWh of electricity a year, B with 10 000 kWh of
    district heating; both energies cost 1.5 SEK/kWh, everything else is the same."""
    n = 10
    m = f.method(
        n,
        0.03,
        resources=[f.resource("electricity", 1.5, n), f.resource("district_heating", 1.5, n)],
    )
    a = f.bid("A", items=[f.item(unit_price=50_000, resource_use={"electricity": 10_000.0})])
    b = f.bid("B", items=[f.item(unit_price=50_000, resource_use={"district_heating": 10_000.0})])
    return f.tender(m, a, b)


def _mirror(tender: PreparedTender) -> list[Uncertain]:
    """The same skewed distribution (triangular 0.8, 1.0, 1.5) for each energy price, drawn
    independently: the situation of A is the mirror image of B's."""
    electricity = resolve("resource_prices[electricity].price", Mode.SCALE, tender)
    heating = resolve("resource_prices[district_heating].price", Mode.SCALE, tender)
    return [
        Uncertain(electricity, Triangular(0.8, 1.0, 1.5)),
        Uncertain(heating, Triangular(0.8, 1.0, 1.5)),
    ]


def test_mirror_image_distributions_win_half_the_draws() -> None:
    tender = _mirror_tender()
    result = run(ParametricModel(tender), _mirror(tender), IDS, 2, draws=20_000, seed=11)
    p_a, p_b = (b.probability_best for b in result.bids)
    assert p_a == pytest.approx(0.5, abs=0.02)
    assert p_a + p_b == pytest.approx(1.0, abs=1e-12)
    assert result.bids[0].standard_error == pytest.approx(np.sqrt(p_a * p_b / 20_000))
    a, b = (x.comparison_number for x in result.bids)
    assert a.p50 == pytest.approx(b.p50, rel=0.005)


def test_mirror_image_bids_with_independent_consumption_draws() -> None:
    """The same with each bid's own (skewed) consumption drawn independently per bid."""
    tender = _mirror_tender()
    use = resolve("bids[*].items[0].resource_use[0].amount", Mode.SCALE, tender)
    result = run(
        ParametricModel(tender),
        [Uncertain(use, Pert(0.95, 1.0, 1.4), independent=True)],
        IDS,
        2,
        draws=20_000,
        seed=2,
    )
    assert result.bids[0].probability_best == pytest.approx(0.5, abs=0.02)


def test_same_seed_gives_identical_numbers_and_other_seeds_other_draws() -> None:
    tender = _mirror_tender()
    model = ParametricModel(tender)
    first = run(model, _mirror(tender), IDS, 2, draws=5_000, seed=42)
    again = run(ParametricModel(tender), _mirror(tender), IDS, 2, draws=5_000, seed=42)
    assert first == again
    _, x42, _ = draw(_mirror(tender), 5_000, 42)
    _, x42b, _ = draw(_mirror(tender), 5_000, 42)
    _, x43, _ = draw(_mirror(tender), 5_000, 43)
    assert x42.tobytes() == x42b.tobytes()
    assert not np.array_equal(x42, x43)
    other = run(model, _mirror(tender), IDS, 2, draws=5_000, seed=43)
    assert other != first


def test_a_distribution_draws_do_not_depend_on_the_others() -> None:
    tender = _mirror_tender()
    carbon_free = _mirror(tender)
    discount = Uncertain(resolve("discount_rate", Mode.SHIFT, tender), Normal(0.0, 0.005))
    _, alone, _ = draw(carbon_free[:1], 1_000, 7)
    _, together, _ = draw([carbon_free[0], discount], 1_000, 7)
    assert alone[:, 0].tobytes() == together[:, 0].tobytes()


def test_common_random_numbers_shared_draw_moves_both_bids_alike() -> None:
    """A common draw on bids[*] keeps identical bids tied in every draw."""
    tender = _mirror_tender()
    both = resolve("bids[*].items[0].resource_use[0].amount", Mode.SCALE, tender)
    result = run(
        ParametricModel(tender), [Uncertain(both, Uniform(0.8, 1.2))], IDS, 2, draws=2_000, seed=1
    )
    assert result.probability_tie == 1.0
    assert [b.probability_best for b in result.bids] == [0.5, 0.5]
    independent = run(
        ParametricModel(tender),
        [Uncertain(both, Uniform(0.8, 1.2), independent=True)],
        IDS,
        2,
        draws=2_000,
        seed=1,
    )
    assert independent.probability_tie == 0.0
    assert independent.parameters[0].draws.p50 == pytest.approx(1.0, abs=0.02)


def test_win_probabilities_split_ties_evenly() -> None:
    numbers = np.array([[1.0, 2.0, 3.0], [2.0, 1.0, 3.0], [1.0, 1.0, 1.0], [5.0, 4.0, 4.0]])
    probability, tie = win_probabilities(numbers, 2)
    assert probability.tolist() == pytest.approx(
        [(1 + 1 / 3) / 4, (1 + 1 / 3 + 0.5) / 4, (1 / 3 + 0.5) / 4]
    )
    assert tie == 0.5
    assert probability.sum() == pytest.approx(1.0, abs=1e-15)


def test_rounding_to_the_minor_unit_decides_ties() -> None:
    probability, tie = win_probabilities(np.array([[100.001, 100.004]]), 2)
    assert probability.tolist() == [0.5, 0.5]
    assert tie == 1.0


def test_gap_and_percentiles() -> None:
    tender = _mirror_tender()
    result = run(ParametricModel(tender), _mirror(tender), IDS, 2, draws=4_000, seed=3)
    assert result.gap is not None
    assert 0.0 <= result.gap.p5 <= result.gap.p50 <= result.gap.p95
    for b in result.bids:
        c = b.comparison_number
        assert c.p5 <= c.p50 <= c.p95


def test_draws_outside_the_domain_are_refused_with_the_entry() -> None:
    tender = _mirror_tender()
    price = resolve("bids[A].items[0].resource_use[0].amount", Mode.VALUE, tender)
    with pytest.raises(DomainError) as caught:
        run(
            ParametricModel(tender),
            [*_mirror(tender), Uncertain(price, Normal(100.0, 1_000.0))],
            IDS,
            2,
            draws=1_000,
            seed=1,
        )
    assert caught.value.index == 2
    life = resolve("bids[*].items[*].quantity", Mode.VALUE, tender)
    with pytest.raises(DomainError, match="value\\(s\\) outside"):
        run(
            ParametricModel(tender),
            [Uncertain(life, Normal(1.0, 2.0))],
            IDS,
            2,
            draws=100,
            seed=1,
        )


def test_too_many_structural_variants_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    n = 10
    m = f.method(n, 0.03)
    tender = f.tender(m, f.bid("A", items=[f.item(unit_price=1.0, service_life=5.0)]))
    life = resolve("bids[A].items[0].service_life", Mode.VALUE, tender)
    with pytest.raises(DomainError, match="distinct settings"):
        run(
            ParametricModel(tender),
            [Uncertain(life, Uniform(3.0, 8.0))],
            ["A"],
            2,
            draws=500,
            seed=1,
            max_variants=100,
        )
    # A discrete distribution stays within the limit and runs.
    result = run(
        ParametricModel(tender),
        [Uncertain(life, Discrete((4.0, 5.0, 6.0)))],
        ["A"],
        2,
        draws=500,
        seed=1,
        max_variants=100,
    )
    assert result.gap is None
    assert result.bids[0].probability_best == 1.0
    del monkeypatch


@pytest.mark.parametrize(
    ("distribution", "mean", "low", "high"),
    [
        (Uniform(2.0, 4.0), 3.0, 2.0, 4.0),
        (Triangular(0.5, 1.0, 2.0), 3.5 / 3, 0.5, 2.0),
        (Normal(1.0, 0.1), 1.0, -np.inf, np.inf),
        (Lognormal(1.0, 0.25), float(np.exp(0.25**2 / 2)), 0.0, np.inf),
        (Pert(8.0, 10.0, 14.0), (8 + 4 * 10 + 14) / 6, 8.0, 14.0),
        (Pert(0.0, 1.0, 2.0, 0.0), 1.0, 0.0, 2.0),
        (Discrete((1.0, 2.0), (0.25, 0.75)), 1.75, 1.0, 2.0),
    ],
)
def test_distributions_sample_what_they_say(
    distribution: object, mean: float, low: float, high: float
) -> None:
    sample = distribution.sample(np.random.default_rng(0), 200_000)  # type: ignore[attr-defined]
    assert sample.mean() == pytest.approx(mean, rel=0.01)
    assert sample.min() >= low
    assert sample.max() <= high
    assert distribution.check() == []  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("distribution", "field"),
    [
        (Uniform(1.0, 1.0), "high"),
        (Triangular(0.0, 3.0, 2.0), "most_likely"),
        (Normal(0.0, 0.0), "sd"),
        (Lognormal(-1.0, 0.2), "median"),
        (Pert(0.0, 1.0, 2.0, -1.0), "shape"),
        (Discrete(()), "values"),
        (Discrete((1.0, 2.0), (0.5, 0.6)), "probabilities"),
        (Uniform(float("nan"), 1.0), "low"),
    ],
)
def test_distribution_problems_name_the_field(distribution: object, field: str) -> None:
    assert [name for name, _ in distribution.check()] == [field]  # type: ignore[attr-defined]
