"""Labels and number formatting in Swedish and English."""

from __future__ import annotations

import pytest

from tco_client.i18n import (
    category_label,
    column_label,
    format_number,
    format_percent,
    module_label,
    status_label,
)


@pytest.mark.parametrize(
    ("column", "lang", "expected"),
    [
        ("rank", "sv", "Rang"),
        ("supplier", "sv", "Anbudsgivare"),
        ("life_cycle_cost_SEK", "sv", "Livscykelkostnad (SEK)"),
        ("climate_cost_SEK", "sv", "Klimatkostnad (SEK)"),
        ("evaluated_cost_EUR", "sv", "Utvärderingspris (EUR)"),
        ("emissions_total_kgCO2e", "sv", "Utsläpp (kg CO2e)"),
        ("life_cycle_cost_SEK", "en", "Life-cycle cost (SEK)"),
        ("abatement_cost_SEK_per_tCO2e", "en", "Abatement cost (SEK/t CO2e)"),
        ("difference_to_best_share", "en", "Difference to best (%)"),
        ("difference_to_best_share", "sv", "Skillnad mot bästa (%)"),
        ("b6_kgCO2e", "en", "B6 operational energy (kg CO2e)"),
        ("energy_SEK", "sv", "Energi (SEK)"),
    ],
)
def test_column_labels(column: str, lang: str, expected: str) -> None:
    assert column_label(column, lang) == expected


def test_swedish_category_names() -> None:
    expected = {
        "acquisition": "Anskaffning",
        "installation": "Installation",
        "energy": "Energi",
        "water_and_resources": "Vatten och resurser",
        "maintenance": "Underhåll",
        "operation": "Drift",
        "replacement": "Reinvestering",
        "end_of_life": "Slutomhändertagande",
        "residual_value": "Restvärde",
        "other": "Övrigt",
    }
    for key, sv in expected.items():
        assert category_label(key, "sv") == sv
    assert category_label("something_new", "sv") == "something new"


def test_modules_and_statuses() -> None:
    assert module_label("a1_a3", "sv") == "A1–A3 produktskede"
    assert status_label("never_pays_back", "sv") == "återbetalas aldrig"
    assert status_label("is_baseline", "en") == "is the baseline"


def test_number_formats() -> None:
    assert format_number(1234567.891, 0, "en") == "1,234,568"
    assert format_number(1234567.891, 2, "sv") == "1\u00a0234\u00a0567,89"
    assert format_number(-1500.5, 0, "sv") == "−1\u00a0501"  # half away from zero, minus sign
    assert format_number(2.675, 2, "en") == "2.68"  # half-up on the decimal value, not binary
    assert format_number(-0.004, 2, "en") == "0.00"  # no negative zero
    assert format_number(None) == "–"
    assert format_percent(0.035, 1, "sv") == "3,5\u00a0%"
