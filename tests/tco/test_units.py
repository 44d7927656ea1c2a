"""tco.units: conversions to canonical units, dimensions, currencies, the bounded caches."""

from __future__ import annotations

import pytest

from tco import units
from tco.errors import UnitError
from tco.units import Dimension

ENERGY_PER_YEAR = Dimension.ENERGY.per(Dimension.TIME)
VOLUME_PER_YEAR = Dimension.VOLUME.per(Dimension.TIME)


@pytest.mark.parametrize(
    ("unit", "expected", "factor"),
    [
        ("kWh/year", ENERGY_PER_YEAR, 1.0),
        ("MWh/year", ENERGY_PER_YEAR, 1000.0),
        ("GWh/year", ENERGY_PER_YEAR, 1e6),
        ("MJ", Dimension.ENERGY, 1 / 3.6),
        ("kW.h", Dimension.ENERGY, 1.0),
        ("kW h", Dimension.ENERGY, 1.0),
        ("kW*h", Dimension.ENERGY, 1.0),
        ("l/year", VOLUME_PER_YEAR, 1.0),
        ("m^3/year", VOLUME_PER_YEAR, 1000.0),
        ("m**3/year", VOLUME_PER_YEAR, 1000.0),
        ("m³/year", VOLUME_PER_YEAR, 1000.0),
        ("m3/year", VOLUME_PER_YEAR, 1000.0),
        ("year", Dimension.TIME, 1.0),
        ("years", Dimension.TIME, 1.0),
        ("yr", Dimension.TIME, 1.0),
        ("a", Dimension.TIME, 1.0),
        ("months", Dimension.TIME, 1 / 12),
        ("month", Dimension.TIME, 1 / 12),
        ("day", Dimension.TIME, 1 / 365.25),
        ("h", Dimension.TIME, 1 / 8766),
        ("kg", Dimension.MASS, 1.0),
        ("t", Dimension.MASS, 1000.0),
        ("g", Dimension.MASS, 0.001),
        ("kgCO2e", Dimension.CO2E, 1.0),
        ("tCO2e", Dimension.CO2E, 1000.0),
        ("gCO2e", Dimension.CO2E, 0.001),
        ("kg_CO2e", Dimension.CO2E, 1.0),
        ("tCO2eq", Dimension.CO2E, 1000.0),
        ("SEK/tCO2e", Dimension.MONEY_PER_CO2E, 0.001),
        ("SEK/kgCO2e", Dimension.MONEY_PER_CO2E, 1.0),
        ("EUR/g", Dimension.MONEY_PER_MASS, 1000.0),
        ("SEK", Dimension.MONEY, 1.0),
        ("kSEK", Dimension.MONEY, 1000.0),
        ("MSEK", Dimension.MONEY, 1e6),
        ("SEK/year", Dimension.MONEY_PER_TIME, 1.0),
        ("SEK/month", Dimension.MONEY_PER_TIME, 12.0),
        ("EUR/year", Dimension.MONEY_PER_TIME, 1.0),
        ("SEK/kWh", Dimension.MONEY.per(Dimension.ENERGY), 1.0),
        ("SEK/MWh", Dimension.MONEY.per(Dimension.ENERGY), 0.001),
        ("SEK/MJ", Dimension.MONEY.per(Dimension.ENERGY), 3.6),
        ("SEK/m^3", Dimension.MONEY.per(Dimension.VOLUME), 0.001),
        ("kgCO2e/kWh", Dimension.CO2E.per(Dimension.ENERGY), 1.0),
        ("kgCO2e/MWh", Dimension.CO2E.per(Dimension.ENERGY), 0.001),
        ("kgCO2e/l", Dimension.CO2E.per(Dimension.VOLUME), 1.0),
        ("l/(100 km)", Dimension.VOLUME.per(Dimension.LENGTH), 0.01),
        ("kWh/km", Dimension.ENERGY.per(Dimension.LENGTH), 1.0),
        ("g/km", Dimension.MASS.per(Dimension.LENGTH), 0.001),
        ("W", Dimension.POWER, 0.001),
        ("MJ/Nm3", Dimension.ENERGY.per(Dimension.VOLUME), 1 / 3.6 / 1000),
        ("  kWh ", Dimension.ENERGY, 1.0),
    ],
)
def test_factor_to_canonical(unit: str, expected: Dimension, factor: float) -> None:
    assert units.factor(unit, expected) == pytest.approx(factor, rel=1e-15)


def test_exact_decimal_factors() -> None:
    """Factors are computed with exact rationals: no 999.9999999999998 from pint's 0.1**3."""
    assert units.factor("MWh/year", ENERGY_PER_YEAR) == 1000.0
    assert units.factor("m^3/year", VOLUME_PER_YEAR) == 1000.0
    assert units.factor("l/(100 km)", Dimension.VOLUME.per(Dimension.LENGTH)) == 0.01
    assert units.factor("tCO2e", Dimension.CO2E) == 1000.0
    assert units.factor("months", Dimension.TIME) * 12 == 1.0
    assert 24 * units.factor("months", Dimension.TIME) == 2.0
    assert 96 * units.factor("months", Dimension.TIME) == 8.0
    assert 2.2 * units.factor("MWh/year", ENERGY_PER_YEAR) == 2200.0
    assert 2.1 * units.factor("tCO2e", Dimension.CO2E) == 2100.0


@pytest.mark.parametrize(
    ("pair", "dimension", "times", "expected", "rel"),
    [
        (("W", "h/year"), ENERGY_PER_YEAR, 45 * 4000, 180.0, 0.0),
        (("l/(100 km)", "km/year"), VOLUME_PER_YEAR, 5 * 15000, 750.0, 0.0),
        (("kWh/km", "km/year"), ENERGY_PER_YEAR, 0.18 * 20000, 3600.0, 1e-15),
        (("MJ/km", "km/year"), ENERGY_PER_YEAR, 3.6 * 1000, 1000.0, 1e-15),
    ],
)
def test_amount_times_activity(
    pair: tuple[str, str], dimension: Dimension, times: float, expected: float, rel: float
) -> None:
    value = times * units.product_factor(*pair, dimension)
    assert value == pytest.approx(expected, rel=rel, abs=0.0)


def test_product_of_wrong_dimensions_is_refused() -> None:
    with pytest.raises(UnitError, match="amount times activity to be energy per time"):
        units.product_factor("kW", "h", ENERGY_PER_YEAR)


def test_tco2e_is_not_mass() -> None:
    with pytest.raises(UnitError, match=r"^expected mass such as 'kg', got 'tCO2e'$"):
        units.factor("tCO2e", Dimension.MASS)


def test_mass_is_not_co2e() -> None:
    with pytest.raises(UnitError, match="expected climate impact"):
        units.factor("t", Dimension.CO2E)


def test_money_per_t_is_not_money_per_co2e() -> None:
    with pytest.raises(UnitError, match="money per climate impact"):
        units.factor("SEK/t", Dimension.MONEY_PER_CO2E)


def test_separated_t_co2e_is_refused_with_a_hint() -> None:
    with pytest.raises(UnitError, match="'tCO2e'"):
        units.factor("EUR/t CO2e", Dimension.MONEY_PER_CO2E)
    with pytest.raises(UnitError, match="one name"):
        units.factor("kg CO2e", Dimension.CO2E)


def test_error_message_names_expected_and_got() -> None:
    with pytest.raises(UnitError) as info:
        units.factor("kg", ENERGY_PER_YEAR)
    assert str(info.value) == "expected energy per time such as 'kWh/year', got 'kg'"


def test_eur_is_never_silently_sek() -> None:
    # Each currency is its own dimension: the factor is to the unit's own currency ...
    assert units.factor("EUR", Dimension.MONEY) == 1.0
    assert units.currency_of("EUR") == "EUR"
    assert units.currency_of("SEK") == "SEK"
    # ... and pint itself refuses to convert one into the other.
    import pint

    registry = units._UREG
    with pytest.raises(pint.DimensionalityError):
        registry.Quantity(1.0, "EUR").to("SEK")


def test_mixed_currencies_are_refused() -> None:
    with pytest.raises(UnitError, match="mixes currencies"):
        units.factor("SEK/EUR", Dimension.DIMENSIONLESS)
    with pytest.raises(UnitError, match="mixes currencies"):
        units.check("EUR*SEK")


@pytest.mark.parametrize(
    ("unit", "code"),
    [
        ("SEK", "SEK"),
        ("EUR/kWh", "EUR"),
        ("SEK/tCO2e", "SEK"),
        ("kSEK/year", "SEK"),
        ("MEUR", "EUR"),
        ("JPY", "JPY"),
        ("ISK/l", "ISK"),
        ("kWh", None),
        ("SEK/SEK", None),
    ],
)
def test_currency_of(unit: str, code: str | None) -> None:
    assert units.currency_of(unit) == code


def test_every_known_currency_is_a_unit() -> None:
    from tco.currency import KNOWN_CURRENCIES

    for code in ("SEK", "EUR", "USD", "GBP", "DKK", "NOK", "ISK", "CHF", "PLN", "JPY"):
        assert code in KNOWN_CURRENCIES
    for code in KNOWN_CURRENCIES:
        assert units.currency_of(code) == code
        assert units.factor(f"k{code}", Dimension.MONEY) == 1000.0


@pytest.mark.parametrize(
    ("price_unit", "dimension", "canonical"),
    [
        ("SEK/kWh", Dimension.ENERGY, "kWh"),
        ("SEK/MJ", Dimension.ENERGY, "kWh"),
        ("SEK/l", Dimension.VOLUME, "l"),
        ("SEK/m^3", Dimension.VOLUME, "l"),
        ("EUR/kg", Dimension.MASS, "kg"),
        ("SEK/t", Dimension.MASS, "kg"),
        ("SEK/km", Dimension.LENGTH, "km"),
        ("SEK/m2", Dimension.AREA, "m^2"),
    ],
)
def test_resource_dimension_from_price(
    price_unit: str, dimension: Dimension, canonical: str
) -> None:
    found = units.resource_dimension(price_unit)
    assert found == dimension
    assert found.canonical == canonical


@pytest.mark.parametrize("price_unit", ["SEK", "kWh", "SEK/year", "SEK/kgCO2e", "SEK/kW"])
def test_resource_price_must_be_money_per_resource(price_unit: str) -> None:
    with pytest.raises(UnitError, match="money per unit of resource"):
        units.resource_dimension(price_unit)


def test_dimension_composition() -> None:
    assert ENERGY_PER_YEAR.canonical == "kWh/year"
    assert ENERGY_PER_YEAR.label == "energy per time"
    assert Dimension.CO2E.per(Dimension.VOLUME).canonical == "kgCO2e/l"
    assert Dimension.MONEY.per(Dimension.ENERGY).example == "SEK/kWh"
    per_area = ENERGY_PER_YEAR.per(Dimension.AREA)
    assert per_area.canonical == "kWh/(year m^2)"
    assert units.factor(per_area.canonical, per_area) == 1.0
    assert units.factor("MWh/(year m2)", per_area) == 1000.0
    # memoised and equal by value
    assert Dimension.ENERGY.per(Dimension.TIME) is ENERGY_PER_YEAR
    assert hash(Dimension.ENERGY.per(Dimension.TIME)) == hash(ENERGY_PER_YEAR)


def test_time_conventions() -> None:
    """year = 365.25 days = 12 months (pint's Julian year)."""
    assert units.factor("days", Dimension.TIME) * 365.25 == pytest.approx(1.0, rel=1e-15)
    assert units.factor("weeks", Dimension.TIME) == pytest.approx(7 / 365.25, rel=1e-15)
    assert units.product_factor("W", "h/year", ENERGY_PER_YEAR) * 8766 == pytest.approx(
        8.766, rel=1e-15
    )


def test_known_unit_names_are_the_vocabulary() -> None:
    names = units.known_unit_names()
    for name in ("kWh", "MWh", "l", "m3", "kgCO2e", "tCO2e", "SEK", "EUR", "year", "months"):
        assert name in names
    assert "kt" not in names  # pint's knot would shadow a kilotonne
    assert list(names) == sorted(names)


def test_did_you_mean() -> None:
    with pytest.raises(UnitError, match="did you mean 'kWh'"):
        units.check("kwh")


def test_repeated_factor_is_a_cache_hit() -> None:
    unit = "SEK/kWh"
    dimension = Dimension.MONEY.per(Dimension.ENERGY)
    units.factor(unit, dimension)
    misses = {name: info.misses for name, info in units.cache_info().items()}
    for _ in range(100):
        assert units.factor(unit, dimension) == 1.0
    # the work is counted, not timed: no cache missed, so nothing was resolved again
    assert misses == {name: info.misses for name, info in units.cache_info().items()}
    assert units.cache_info()["factor"].hits >= 100


def test_registry_is_not_used_at_run_time() -> None:
    """Client strings never reach pint: its caches do not change when units are resolved."""
    cache = units._UREG._cache
    before = {name: len(getattr(cache, name)) for name in vars(cache)}
    for unit in ("SEK/kWh", "kgCO2e/l", "l/(100 km)", "MWh/year", "EUR/g", "tCO2e"):
        units.check(unit)
    units.factor("kWh/(year m^2)", Dimension.ENERGY.per(Dimension.TIME).per(Dimension.AREA))
    after = {name: len(getattr(cache, name)) for name in vars(cache)}
    assert before == after


def test_units_is_the_only_core_module_importing_pint() -> None:
    import ast
    from pathlib import Path

    root = Path(units.__file__).resolve().parent
    importers = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n == "pint" or n.startswith("pint.") for n in names):
                importers.append(path.name)
    assert importers == ["units.py"]


def test_factor_is_thread_safe() -> None:
    """No global registry state is touched at run time: threads get the same answers."""
    from concurrent.futures import ThreadPoolExecutor

    cases = [
        ("MWh/year", ENERGY_PER_YEAR, 1000.0),
        ("SEK/tCO2e", Dimension.MONEY_PER_CO2E, 0.001),
        ("months", Dimension.TIME, 1 / 12),
        ("l/(100 km)", Dimension.VOLUME.per(Dimension.LENGTH), 0.01),
    ]

    def work(i: int) -> bool:
        unit, dimension, expected = cases[i % len(cases)]
        return all(units.factor(unit, dimension) == expected for _ in range(200))

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert all(pool.map(work, range(64)))


# --- Swedish unit words (aliases of the same vocabulary, through the same guard) ---


@pytest.mark.parametrize(
    ("unit", "dimension", "expected"),
    [
        ("kWh/år", ENERGY_PER_YEAR, 1.0),
        ("MWh/år", ENERGY_PER_YEAR, 1000.0),
        ("år", Dimension.TIME, 1.0),
        ("månad", Dimension.TIME, 1 / 12),
        ("månader", Dimension.TIME, 1 / 12),
        ("dagar", Dimension.TIME, 1 / 365.25),
        ("timmar/år", Dimension.TIME.per(Dimension.TIME), 1 / 8766),
        ("kr", Dimension.MONEY, 1.0),
        ("tkr/år", Dimension.MONEY_PER_TIME, 1000.0),
        ("kr/kWh", Dimension.MONEY.per(Dimension.ENERGY), 1.0),
        ("kr/ton CO2e", Dimension.MONEY_PER_CO2E, 0.001),
        ("ton CO2e", Dimension.CO2E, 1000.0),
        ("ton", Dimension.MASS, 1000.0),  # the metric tonne, never pint's short ton
        ("mil", Dimension.LENGTH, 10.0),  # the Scandinavian mile, never pint's milli-inch
        ("l/mil", Dimension.VOLUME.per(Dimension.LENGTH), 0.1),
        ("mil/år", Dimension.LENGTH.per(Dimension.TIME), 10.0),
    ],
)
def test_swedish_unit_words(unit: str, dimension: Dimension, expected: float) -> None:
    assert units.factor(unit, dimension) == pytest.approx(expected, rel=1e-15)


def test_swedish_words_are_the_same_as_english() -> None:
    assert units.currency_of("kr/kWh") == "SEK"
    assert units.factor("månader", Dimension.TIME) * 120 == units.factor("år", Dimension.TIME) * 10
    assert units.product_factor("l/mil", "mil/år", Dimension.VOLUME.per(Dimension.TIME)) == 1.0
    assert {"år", "månader", "kr", "ton", "mil"} <= set(units.known_unit_names())


@pytest.mark.parametrize(
    "unit",
    ["ar", "Ar", "ton CO2", "t CO2e", "ton*CO2e", "a\u030ar", "kWh/år/år", "ÅÅÅ", "åkWh"],
)
def test_swedish_words_keep_the_guard(unit: str) -> None:
    with pytest.raises(UnitError):
        units.check(unit)
