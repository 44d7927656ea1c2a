"""Ellen MacArthur Foundation Material Circularity Indicator (MCI), as primer §5 pins it.

Reference: Ellen MacArthur Foundation & Granta Design, *Circularity Indicators — An Approach to
Measuring Circularity: Methodology* (2015; 2019 update), product-level MCI.

With the product mass M and the fractions (0..1)

- F_R recycled, F_U reused, F_S sustainable biological feedstock;
- C_R collected for recycling, C_U for reuse, C_C for composting, C_E for energy recovery;
- E_C efficiency of recycling the collected product, E_F efficiency of producing the recycled
  feedstock;
- X = (L / L_av)·(U / U_av), lifetime and use intensity relative to the industry average,

the indicator is::

    V   = M (1 − F_R − F_U − F_S)                     virgin feedstock
    W0  = M (1 − C_R − C_U − C_C − C_E)               unrecoverable waste to landfill / incineration
    W_C = M (1 − E_C) C_R                             waste from recycling the collected product
    W_F = M (1 − E_F) F_R / E_F                       waste from producing recycled feedstock
    W   = W0 + (W_F + W_C) / 2
    LFI = (V + W) / (2M + (W_F − W_C) / 2)            linear flow index
    F(X) = 0.9 / X
    MCI = max(0, 1 − LFI · F(X))

**The denominator is pinned**: 2M + (W_F − W_C)/2, as in the methodology. Some public
implementations drop (W_F − W_C)/2 and get other numbers whenever W_F ≠ W_C.

Properties (each tested):

- anchors: a fully linear product (all virgin, all landfilled) at X = 1 scores 1 − 0.9 = 0.1;
  a product fully reused in and fully collected for reuse scores 1.0;
- **M cancels**: every term is proportional to M, so the MCI does not depend on the mass (the
  mass is still asked for, as the methodology aggregates products by mass);
- with valid fractions (F_R + F_U + F_S ≤ 1, C_R + C_U + C_C + C_E ≤ 1, 0 < E ≤ 1, X > 0) the
  MCI lies in [0, 1]: LFI ≥ 0 and the denominator ≥ 1.5 M > 0.

Conventions where the methodology is silent: a lifetime or use-intensity ratio of 0 means "not
stated" and is taken as 1 (the contract's rule); E_F = 0 with F_R = 0 gives W_F = 0 (no recycled
feedstock, no waste from producing it). Validation guarantees the rest; a call outside it
(E_F = 0 with F_R > 0, M ≤ 0, X < 0) raises :class:`ValueError`.
"""

from __future__ import annotations

from tco.prepared import PreparedCircularity

__all__ = ["material_circularity_indicator", "mci", "utility_factor"]

#: F(X) = 0.9 / X: the utility factor's constant (EMF methodology).
UTILITY_CONSTANT = 0.9


def utility_factor(lifetime_ratio: float, use_intensity_ratio: float) -> float:
    """F(X) = 0.9 / X with X = (L / L_av)(U / U_av); a ratio of 0 (not stated) counts as 1.

    Examples
    --------
    >>> utility_factor(1.0, 1.0)
    0.9
    >>> utility_factor(2.0, 0.0)
    0.45
    """
    lr = 1.0 if lifetime_ratio == 0.0 else float(lifetime_ratio)
    ur = 1.0 if use_intensity_ratio == 0.0 else float(use_intensity_ratio)
    x = lr * ur
    if not x > 0.0:
        raise ValueError(f"utility X = L/L_av × U/U_av must be > 0, got {x}")
    return UTILITY_CONSTANT / x


def mci(
    *,
    mass: float,
    recycled_input: float,
    reused_input: float,
    sustainable_bio_input: float,
    collected_for_recycling: float,
    collected_for_reuse: float,
    collected_for_composting: float,
    collected_for_energy_recovery: float,
    recycling_efficiency_collection: float,
    recycling_efficiency_feedstock: float,
    lifetime_ratio: float,
    use_intensity_ratio: float,
) -> float:
    """Material Circularity Indicator of one product (EMF 2015), see the module docstring.

    MCI = max(0, 1 − LFI · 0.9 / X),
    LFI = (V + W0 + (W_F + W_C)/2) / (2M + (W_F − W_C)/2).

    Examples
    --------
    Fully linear at X = 1 → 0.1; fully reused in and out → 1.0:

    >>> linear = dict(recycled_input=0.0, reused_input=0.0, sustainable_bio_input=0.0,
    ...     collected_for_recycling=0.0, collected_for_reuse=0.0, collected_for_composting=0.0,
    ...     collected_for_energy_recovery=0.0, recycling_efficiency_collection=1.0,
    ...     recycling_efficiency_feedstock=1.0, lifetime_ratio=1.0, use_intensity_ratio=1.0)
    >>> round(mci(mass=450.0, **linear), 12)
    0.1
    >>> mci(mass=450.0, **{**linear, "reused_input": 1.0, "collected_for_reuse": 1.0})
    1.0

    Half recycled input made at E_F = 0.5, half collected for recycling at E_C = 0.8 (M = 1):
    V = 0.5, W0 = 0.5, W_F = 0.5, W_C = 0.1, W = 0.8, LFI = 1.3 / 2.2, MCI = 1 − 0.9 × 1.3 / 2.2
    = 0.468182 (dropping (W_F − W_C)/2 from the denominator would give 0.415):

    >>> round(mci(mass=1.0, **{**linear, "recycled_input": 0.5, "collected_for_recycling": 0.5,
    ...     "recycling_efficiency_collection": 0.8, "recycling_efficiency_feedstock": 0.5}), 6)
    0.468182
    """
    m = float(mass)
    if not m > 0.0:
        raise ValueError(f"mass must be > 0, got {m}")
    f_r, f_u, f_s = float(recycled_input), float(reused_input), float(sustainable_bio_input)
    c_r, c_u = float(collected_for_recycling), float(collected_for_reuse)
    c_c, c_e = float(collected_for_composting), float(collected_for_energy_recovery)
    e_c, e_f = float(recycling_efficiency_collection), float(recycling_efficiency_feedstock)

    v = m * (1.0 - f_r - f_u - f_s)
    w0 = m * (1.0 - c_r - c_u - c_c - c_e)
    w_c = m * (1.0 - e_c) * c_r
    if f_r == 0.0:
        w_f = 0.0  # no recycled feedstock, no waste from producing it (also when E_F = 0)
    elif e_f > 0.0:
        w_f = m * (1.0 - e_f) * f_r / e_f
    else:
        raise ValueError("recycling_efficiency_feedstock must be > 0 when recycled_input > 0")
    w = w0 + (w_f + w_c) / 2.0
    lfi = (v + w) / (2.0 * m + (w_f - w_c) / 2.0)
    return max(0.0, 1.0 - lfi * utility_factor(lifetime_ratio, use_intensity_ratio))


def material_circularity_indicator(c: PreparedCircularity) -> float:
    """MCI of a bid's validated circularity data (:func:`mci` on its fields).

    Examples
    --------
    >>> from tco.prepared import PreparedCircularity
    >>> c = PreparedCircularity(450.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0)
    >>> material_circularity_indicator(c)
    1.0
    """
    return mci(
        mass=c.mass_kg,
        recycled_input=c.recycled_input,
        reused_input=c.reused_input,
        sustainable_bio_input=c.sustainable_bio_input,
        collected_for_recycling=c.collected_for_recycling,
        collected_for_reuse=c.collected_for_reuse,
        collected_for_composting=c.collected_for_composting,
        collected_for_energy_recovery=c.collected_for_energy_recovery,
        recycling_efficiency_collection=c.recycling_efficiency_collection,
        recycling_efficiency_feedstock=c.recycling_efficiency_feedstock,
        lifetime_ratio=c.lifetime_ratio,
        use_intensity_ratio=c.use_intensity_ratio,
    )
