"""The tender workbook: an evaluator's Excel form of ``EvaluateBidsRequest``.

``tco template OUT.xlsx`` writes it empty (with an ``Instructions`` sheet); ``tco evaluate
TENDER.xlsx`` reads it. It covers the whole contract except ``EvaluationModel.price_threshold``
(which the service refuses anyway, HFD 2022 ref. 41).

Layout (row 1 of every data sheet is the header; the reader finds columns by the header name
before any ``[...]`` hint, so columns may be reordered and hints edited; empty rows are skipped):

``Method`` — one parameter per row: ``parameter | key | year | value | unit | note``.
  Scalar parameters use ``value`` (and ``unit`` where a quantity): currency, base_year,
  study_period_years, discount_rate, rate_basis, inflation_rate, timing, evaluation_model,
  externality_factor, baseline_bid_id, include_module_d, functional_unit, carbon_price_series,
  carbon_price, carbon_price_undiscounted. Keyed parameters repeat, one row per key:
  ``exchange_rate`` (key = currency, value = method currency per unit), ``resource_price`` (key =
  resource, value + unit), ``resource_escalation`` (key = resource), ``resource_yearly_escalation``
  (key = resource, year = study year 1, 2, …), ``emission_factor`` (key = resource, value + unit),
  ``emission_factor_basis`` (key = resource, value = text), ``emission_factor_reference`` (key =
  resource, value = reference id), ``emission_factor_point`` (key = resource, year = calendar
  year, value + unit), ``carbon_price_point`` (year = calendar year, value + unit),
  ``ladder_discount`` (key = ladder level, value = fraction), ``pollutant_price`` (key =
  pollutant, value + unit), ``pollutant_price_undiscounted`` (key = pollutant). A row whose value
  is empty is ignored (the template lists every parameter with an empty value).

``Bids`` — one row per bid item: bid_id, supplier, functional_units_delivered, ladder_level (bid
  columns: give them on the bid's first row; repeated values must agree), then the item: item
  (its name), quantity, unit_price, installation_cost, service_life, maintenance_cost, warranty,
  end_of_life_cost, residual_value, a1_a3, a4, a5, c1_c4, d — each quantity followed by its
  ``… unit`` column. A row with a bid_id and no item fields declares a bid without items (a
  service contract priced only in ``Costs``).

``Resource use`` — bid_id, item, resource, amount, amount unit, activity, activity unit.
``Pollutants`` — bid_id, item, pollutant, amount, amount unit, activity, activity unit.
``Costs`` — bid_id, item (empty: a cost of the bid as a whole), name, category, amount, amount
  unit, first_year, every_years, last_year, escalation, life, life unit, emissions, emissions
  unit, emissions_module.
``Deductions`` — bid_id, criterion, amount, amount unit.
``Circularity`` — bid_id, mass, mass unit, and the MCI fractions of ``Circularity``.

``item`` in the detail sheets is the item's name in ``Bids`` (or ``#n`` for the bid's n-th item).

Default units when the unit cell is empty: money → the method currency (``maintenance_cost`` →
currency/year), time → ``years``, climate impact → ``kgCO2e``, mass → ``kg``. Resource, pollutant
and carbon prices, emission factors and consumption have no default: their unit is required.
Rates and fractions are plain fractions (0.035 = 3.5 %; a cell formatted as 3.5 % holds 0.035).

Cells may hold formulas; their computed values are read (a formula a spreadsheet application
never computed is reported, not read as empty). Every problem is collected and raised once as
:class:`~tco_client.errors.TcoInvalidTender`, each violation naming its cell
(``Bids!G5 (unit_price)``). :func:`read_tender_workbook` also returns where each request path
came from, so server violations can name cells too.
"""

# ruff: noqa: PLC0415 - optional extras (openpyxl, matplotlib, PyYAML, rich) are imported lazily
from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tco_client.errors import FieldViolation, TcoInvalidTender
from tco_client.tender import LoadedTender
from tcoapi.v1 import tender_pb2

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

# --------------------------------------------------------------------------------------------
# Layout: the single definition the reader, the writer and the template share.
# --------------------------------------------------------------------------------------------

TEXT, INT, FLOAT, BOOL, QTY, UNIT = "text", "int", "float", "bool", "quantity", "unit"
# Default-unit markers for quantity columns.
MONEY, MONEY_PER_YEAR, TIME, CO2E, MASS, NO_DEFAULT = (
    "money",
    "money/year",
    "time",
    "co2e",
    "mass",
    "",
)


@dataclass(frozen=True)
class Column:
    """One column of a data sheet. ``hint`` goes in brackets in the header."""

    key: str
    kind: str
    hint: str
    doc: str
    default_unit: str = NO_DEFAULT
    required: bool = False

    @property
    def header(self) -> str:
        return (
            f"{self.key.replace('_unit', ' unit') if self.kind == UNIT else self.key} [{self.hint}]"
        )


def _qty(
    key: str, hint: str, doc: str, default: str, unit_hint: str, *, unit_doc: str = ""
) -> list[Column]:
    unit_default = {
        MONEY: "default: method currency",
        MONEY_PER_YEAR: "default: currency/year",
        TIME: "default: years",
        CO2E: "default: kgCO2e",
        MASS: "default: kg",
        NO_DEFAULT: "required",
    }[default]
    return [
        Column(key, QTY, hint, doc, default),
        Column(
            f"{key}_unit",
            UNIT,
            f"{unit_hint}; {unit_default}",
            unit_doc or f"Unit of {key}.",
            default,
        ),
    ]


BIDS_COLUMNS: list[Column] = [
    Column(
        "bid_id",
        TEXT,
        "text",
        "Bid identifier, unique (e.g. the platform's bid number).",
        required=True,
    ),
    Column("supplier", TEXT, "text", "Tenderer's name (shown in reports)."),
    Column(
        "functional_units_delivered",
        FLOAT,
        "number",
        "Functional units the bid delivers over the study period (Method functional_unit).",
    ),
    Column(
        "ladder_level",
        INT,
        "0-5",
        "Level on the fictive-discount ladder (FICTIVE_DISCOUNT); 0 = none.",
    ),
    Column(
        "item", TEXT, "name", "Name of the item (goods) this row describes; empty = bid-only row."
    ),
    Column("quantity", FLOAT, "units", "Number of units of the item, > 0."),
    *_qty(
        "unit_price",
        "money",
        "Purchase price of one unit at base-year level.",
        MONEY,
        "e.g. SEK, EUR",
    ),
    *_qty(
        "installation_cost",
        "money",
        "Installation cost of one unit (repeated at replacement).",
        MONEY,
        "e.g. SEK",
    ),
    *_qty(
        "service_life",
        "time",
        "Service life of one unit; empty = lasts the study period.",
        TIME,
        "years or months",
    ),
    *_qty(
        "maintenance_cost",
        "money/year",
        "Maintenance per unit and year (buyer pays none within warranty).",
        MONEY_PER_YEAR,
        "e.g. SEK/year",
    ),
    *_qty("warranty", "time", "Warranty from each purchase.", TIME, "years or months"),
    *_qty(
        "end_of_life_cost",
        "money",
        "Cost (negative: revenue) at each end of life of one unit.",
        MONEY,
        "e.g. SEK",
    ),
    *_qty(
        "residual_value",
        "money",
        "Explicit resale/buy-back value of one unit at the end of the study period.",
        MONEY,
        "e.g. SEK",
    ),
    *_qty(
        "a1_a3",
        "CO2e",
        "EN 15978 A1-A3 product stage of one unit (EPD); repeated at replacement (B4).",
        CO2E,
        "kgCO2e or tCO2e",
    ),
    *_qty("a4", "CO2e", "A4 transport to site of one unit.", CO2E, "kgCO2e or tCO2e"),
    *_qty("a5", "CO2e", "A5 installation of one unit.", CO2E, "kgCO2e or tCO2e"),
    *_qty("c1_c4", "CO2e", "C1-C4 end of life of one unit.", CO2E, "kgCO2e or tCO2e"),
    *_qty(
        "d",
        "CO2e",
        "Module D benefits beyond the system boundary (usually negative).",
        CO2E,
        "kgCO2e or tCO2e",
    ),
]

_BIDS_DEFAULTS = {c.key: c.default_unit for c in BIDS_COLUMNS if c.kind == QTY}
ITEM_QUANTITY_FIELDS = (
    "unit_price",
    "installation_cost",
    "service_life",
    "maintenance_cost",
    "warranty",
    "end_of_life_cost",
    "residual_value",
)
EMISSION_MODULES = ("a1_a3", "a4", "a5", "c1_c4", "d")
BID_FIELDS = ("supplier", "functional_units_delivered", "ladder_level")

RESOURCE_USE_COLUMNS: list[Column] = [
    Column("bid_id", TEXT, "text", "The bid (as in Bids).", required=True),
    Column(
        "item",
        TEXT,
        "name or #n",
        "The item (its name in Bids, or #n for the bid's n-th item).",
        required=True,
    ),
    Column(
        "resource",
        TEXT,
        "e.g. electricity",
        "Resource name; the Method must price it.",
        required=True,
    ),
    *_qty(
        "amount",
        "per year or per activity",
        "Consumption of one unit.",
        NO_DEFAULT,
        "e.g. kWh/year, W, l/(100 km), kWh/km",
    ),
    *_qty(
        "activity",
        "per year",
        "Activity per year that amount is multiplied by (optional).",
        NO_DEFAULT,
        "e.g. h/year, km/year",
    ),
]

POLLUTANT_COLUMNS: list[Column] = [
    Column("bid_id", TEXT, "text", "The bid (as in Bids).", required=True),
    Column("item", TEXT, "name or #n", "The item (its name in Bids, or #n).", required=True),
    Column(
        "pollutant",
        TEXT,
        "e.g. nox",
        "Pollutant name, as priced in the Method (nox, nmhc, pm).",
        required=True,
    ),
    *_qty(
        "amount",
        "mass per year or per activity",
        "Emission of one unit.",
        NO_DEFAULT,
        "e.g. g/km, kg/year",
    ),
    *_qty(
        "activity",
        "per year",
        "Activity per year that amount is multiplied by (optional).",
        NO_DEFAULT,
        "e.g. km/year",
    ),
]

COST_COLUMNS: list[Column] = [
    Column("bid_id", TEXT, "text", "The bid (as in Bids).", required=True),
    Column(
        "item",
        TEXT,
        "name or #n; empty = whole bid",
        "An item: the cost is per unit and multiplied by its quantity. Empty: a cost of the bid.",
    ),
    Column("name", TEXT, "text", "Description, for reports."),
    Column(
        "category",
        TEXT,
        "e.g. maintenance",
        "acquisition, installation, energy, water_and_resources, maintenance, operation, "
        "replacement, end_of_life, residual_value or other (empty = other).",
    ),
    *_qty(
        "amount",
        "money or money/year",
        "Amount per occurrence at base-year level.",
        MONEY,
        "e.g. SEK, EUR, SEK/year",
    ),
    Column("first_year", INT, "study year 0..N", "Study year of the first occurrence."),
    Column(
        "every_years", INT, "0 = once", "Recurrence: 0 = once, k = every k years from first_year."
    ),
    Column(
        "last_year",
        INT,
        "study year; 0 = end",
        "Last possible occurrence; 0 = end of the study period.",
    ),
    Column("escalation", FLOAT, "fraction/year", "Constant escalation per year (0.02 = 2 %)."),
    *_qty(
        "life",
        "time",
        "Service life of what the stream buys (gives a residual value).",
        TIME,
        "years or months",
    ),
    *_qty(
        "emissions",
        "CO2e per occurrence",
        "Climate impact of each occurrence.",
        CO2E,
        "kgCO2e or tCO2e",
    ),
    Column(
        "emissions_module",
        TEXT,
        "e.g. b4",
        "EN 15978 module of those emissions (empty: from the category).",
    ),
]

DEDUCTION_COLUMNS: list[Column] = [
    Column("bid_id", TEXT, "text", "The bid (as in Bids).", required=True),
    Column("criterion", TEXT, "text", "The criterion and level the deduction is for."),
    *_qty(
        "amount",
        "money",
        "The fixed deduction the method sets for that level, >= 0.",
        MONEY,
        "e.g. SEK",
    ),
]

CIRCULARITY_FRACTIONS = (
    ("recycled_input", "F_R: fraction of feedstock from recycled sources."),
    ("reused_input", "F_U: fraction of feedstock from reused sources."),
    ("sustainable_bio_input", "F_S: fraction from sustained biological sources."),
    ("collected_for_recycling", "C_R: fraction collected for recycling at end of use."),
    ("collected_for_reuse", "C_U: fraction going into component reuse."),
    ("collected_for_composting", "C_C: fraction collected for composting."),
    ("collected_for_energy_recovery", "C_E: fraction collected for energy recovery."),
    ("recycling_efficiency_collection", "E_C: efficiency of recycling the collected product, > 0."),
    ("recycling_efficiency_feedstock", "E_F: efficiency of producing the recycled feedstock, > 0."),
    ("lifetime_ratio", "L / L_av: lifetime relative to the industry average (empty = 1)."),
    (
        "use_intensity_ratio",
        "U / U_av: use intensity relative to the industry average (empty = 1).",
    ),
)

CIRCULARITY_COLUMNS: list[Column] = [
    Column("bid_id", TEXT, "text", "The bid (as in Bids).", required=True),
    *_qty("mass", "mass", "Mass of the product.", MASS, "kg or t"),
    *(
        Column(name, FLOAT, "fraction" if "ratio" not in name else "ratio", doc)
        for name, doc in CIRCULARITY_FRACTIONS
    ),
]


@dataclass(frozen=True)
class SheetSpec:
    name: str
    title: str
    columns: list[Column]


DATA_SHEETS: list[SheetSpec] = [
    SheetSpec("Bids", "One row per bid item (bid columns on the bid's first row).", BIDS_COLUMNS),
    SheetSpec(
        "Resource use",
        "Resources one unit of an item consumes (one row per resource).",
        RESOURCE_USE_COLUMNS,
    ),
    SheetSpec(
        "Costs", "Other cost streams: licences, service agreements, exit costs …", COST_COLUMNS
    ),
    SheetSpec(
        "Pollutants",
        "Other pollutants one unit emits (Clean Vehicles Directive NOx, NMHC, PM).",
        POLLUTANT_COLUMNS,
    ),
    SheetSpec("Deductions", "Fixed deductions a bid earned (DEDUCTIONS model).", DEDUCTION_COLUMNS),
    SheetSpec(
        "Circularity",
        "Material Circularity Indicator inputs (one row per bid, optional).",
        CIRCULARITY_COLUMNS,
    ),
]

METHOD_HEADERS = ("parameter", "key", "year", "value", "unit", "note")


@dataclass(frozen=True)
class MethodParam:
    """A Method-sheet parameter. ``key``/``year`` say what those columns hold, if anything."""

    name: str
    kind: str  # TEXT / INT / FLOAT / BOOL / QTY / "enum"
    doc: str
    key: str = ""
    year: str = ""
    unit_hint: str = ""
    choices: tuple[str, ...] = ()


ENUM = "enum"
RATE_BASIS_CHOICES = ("real", "nominal")
TIMING_CHOICES = ("end_of_year", "mid_year", "beginning_of_year")
MODEL_CHOICES = ("cost", "deductions", "fictive_discount", "externality_factor")

METHOD_PARAMS: list[MethodParam] = [
    MethodParam("currency", TEXT, "Currency of every result, ISO 4217 (SEK, EUR). Required."),
    MethodParam("base_year", INT, "Calendar year of t = 0 (contract start). Required."),
    MethodParam("study_period_years", INT, "Study period N in whole years, 1..100. Required."),
    MethodParam(
        "discount_rate", FLOAT, "Discount rate per year as a fraction (0.035 = 3.5 %); 0 allowed."
    ),
    MethodParam("rate_basis", ENUM, "real (default) or nominal.", choices=RATE_BASIS_CHOICES),
    MethodParam(
        "inflation_rate", FLOAT, "General inflation per year (needed when rate_basis is nominal)."
    ),
    MethodParam(
        "timing",
        ENUM,
        "end_of_year (default), mid_year or beginning_of_year.",
        choices=TIMING_CHOICES,
    ),
    MethodParam(
        "evaluation_model",
        ENUM,
        "cost (default), deductions, fictive_discount or externality_factor.",
        choices=MODEL_CHOICES,
    ),
    MethodParam(
        "externality_factor", FLOAT, "Factor on monetised externalities (externality_factor model)."
    ),
    MethodParam(
        "ladder_discount",
        FLOAT,
        "Fictive discount of a ladder level (fictive_discount model).",
        key="ladder level 1, 2, …",
    ),
    MethodParam(
        "baseline_bid_id",
        TEXT,
        "Bid the measures (net savings, SIR, payback …) are computed against.",
    ),
    MethodParam(
        "include_module_d", BOOL, "TRUE: module D counts in emission totals and climate cost."
    ),
    MethodParam("functional_unit", TEXT, "Name of the functional unit, e.g. patient-day."),
    MethodParam(
        "exchange_rate",
        FLOAT,
        "Method currency per one unit of the key currency (e.g. 11.2 SEK per EUR).",
        key="currency, e.g. EUR",
    ),
    MethodParam(
        "resource_price",
        QTY,
        "Price per unit of resource at base-year level.",
        key="resource",
        unit_hint="e.g. SEK/kWh, SEK/l, SEK/m^3",
    ),
    MethodParam(
        "resource_escalation",
        FLOAT,
        "Constant real escalation of the resource price per year.",
        key="resource",
    ),
    MethodParam(
        "resource_yearly_escalation",
        FLOAT,
        "Escalation of one study year (year = 1, 2, …; later years keep the last).",
        key="resource",
        year="study year",
    ),
    MethodParam(
        "emission_factor",
        QTY,
        "Climate impact per unit of resource.",
        key="resource",
        unit_hint="e.g. kgCO2e/kWh, kgCO2e/l",
    ),
    MethodParam(
        "emission_factor_basis",
        TEXT,
        "Basis of the factor: location / residual mix / market; tank-to-wheel / well-to-wheel. "
        "Required with a factor.",
        key="resource",
    ),
    MethodParam(
        "emission_factor_reference",
        TEXT,
        "Id of a reference factor (tco factors) instead of factor and basis.",
        key="resource",
    ),
    MethodParam(
        "emission_factor_point",
        QTY,
        "Factor of a calendar year (trajectory: linear between points, flat beyond).",
        key="resource",
        year="calendar year",
        unit_hint="e.g. kgCO2e/kWh",
    ),
    MethodParam(
        "carbon_price_series",
        TEXT,
        "Id of a reference carbon price series (tco factors), e.g. asek-7.0.",
    ),
    MethodParam(
        "carbon_price",
        QTY,
        "A constant carbon price instead of a series.",
        unit_hint="e.g. SEK/kgCO2e, SEK/tCO2e",
    ),
    MethodParam(
        "carbon_price_point",
        QTY,
        "Carbon price of a calendar year (linear between points, flat beyond).",
        year="calendar year",
        unit_hint="e.g. SEK/tCO2e",
    ),
    MethodParam(
        "carbon_price_undiscounted",
        BOOL,
        "TRUE: climate costs are not discounted (Clean Vehicles Directive style).",
    ),
    MethodParam(
        "pollutant_price",
        QTY,
        "Money per mass of a pollutant (e.g. CVD: nox 0.0044 EUR/g).",
        key="pollutant",
        unit_hint="e.g. EUR/g",
    ),
    MethodParam(
        "pollutant_price_undiscounted",
        BOOL,
        "TRUE: the pollutant cost is not discounted.",
        key="pollutant",
    ),
]
METHOD_PARAM_BY_NAME = {p.name: p for p in METHOD_PARAMS}

_RATE_BASIS: dict[str, int] = {
    "real": tender_pb2.RATE_BASIS_REAL,
    "nominal": tender_pb2.RATE_BASIS_NOMINAL,
}
_TIMING: dict[str, int] = {
    "end_of_year": tender_pb2.TIMING_END_OF_YEAR,
    "mid_year": tender_pb2.TIMING_MID_YEAR,
    "beginning_of_year": tender_pb2.TIMING_BEGINNING_OF_YEAR,
}
_MODEL: dict[str, int] = {
    "cost": tender_pb2.EVALUATION_MODEL_KIND_COST,
    "deductions": tender_pb2.EVALUATION_MODEL_KIND_DEDUCTIONS,
    "fictive_discount": tender_pb2.EVALUATION_MODEL_KIND_FICTIVE_DISCOUNT,
    "externality_factor": tender_pb2.EVALUATION_MODEL_KIND_EXTERNALITY_FACTOR,
}
_ENUM_PREFIX: dict[str, tuple[str, dict[str, int]]] = {
    "rate_basis": ("RATE_BASIS_", _RATE_BASIS),
    "timing": ("TIMING_", _TIMING),
    "evaluation_model": ("EVALUATION_MODEL_KIND_", _MODEL),
}
_TRUE = {"true", "yes", "ja", "sant", "1", "x"}
_FALSE = {"false", "no", "nej", "falskt", "0", ""}


def header_key(text: object) -> str:
    """Column key of a header cell: the text before any ``[`` or ``(`` hint, snake_cased."""
    s = str(text or "").strip()
    for stop in ("[", "("):
        if stop in s:
            s = s.split(stop, 1)[0]
    return "_".join(s.strip().lower().replace("-", " ").split())


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


@dataclass
class _Row:
    sheet: str
    number: int
    cells: dict[str, Any]
    columns: dict[str, str]  # key -> column letter

    def where(self, key: str | None = None) -> str:
        if key is not None and key in self.columns:
            return f"{self._quoted()}!{self.columns[key]}{self.number} ({key})"
        return f"{self._quoted()} row {self.number}"

    def cell_ref(self, key: str | None = None) -> str:
        if key is not None and key in self.columns:
            return f"{self._quoted()}!{self.columns[key]}{self.number}"
        return f"{self._quoted()} row {self.number}"

    def _quoted(self) -> str:
        return f"'{self.sheet}'" if " " in self.sheet else self.sheet

    def get(self, key: str) -> Any:
        value = self.cells.get(key)
        if isinstance(value, str):
            value = value.strip()
            if value == "":
                return None
        return value

    def filled(self, keys: Sequence[str]) -> bool:
        return any(self.get(k) is not None for k in keys)


@dataclass
class _Reader:
    violations: list[FieldViolation] = field(default_factory=list)
    locations: dict[str, str] = field(default_factory=dict)
    currency: str = ""
    formulas: dict[str, dict[tuple[int, int], str]] = field(default_factory=dict)

    def bad(self, where: str, description: str) -> None:
        self.violations.append(FieldViolation(where, description))

    # -- cell conversions (None when empty or invalid; invalid is recorded) --

    def text(self, row: _Row, key: str) -> str | None:
        value = row.get(key)
        if value is None:
            return None
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    def number(self, row: _Row, key: str) -> float | None:
        return self._number(row.get(key), row.where(key))

    def _number(self, value: Any, where: str) -> float | None:
        if value is None:
            return None
        if isinstance(value, bool):
            self.bad(where, f"expected a number, got {value!r}")
            return None
        if isinstance(value, int | float):
            number = float(value)
        else:
            text = str(value).strip().replace("\u00a0", "").replace(" ", "")
            if re.fullmatch(r"-?\d{1,3},\d{3}", text):
                self.bad(
                    where, f"{value!r} is ambiguous (decimal or thousands comma?): type a number"
                )
                return None
            if text.count(",") == 1 and "." not in text:
                text = text.replace(",", ".")  # Swedish decimal comma
            try:
                number = float(text)
            except ValueError:
                self.bad(where, f"expected a number, got {value!r}")
                return None
        if not math.isfinite(number):
            self.bad(where, f"expected a finite number, got {value!r}")
            return None
        return number

    def integer(self, row: _Row, key: str) -> int | None:
        return self._integer(row.get(key), row.where(key))

    def _integer(self, value: Any, where: str) -> int | None:
        number = self._number(value, where)
        if number is None:
            return None
        if not number.is_integer():
            self.bad(where, f"expected a whole number, got {value!r}")
            return None
        return int(number)

    def boolean(self, value: Any, where: str) -> bool | None:
        if value is None:
            return None
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if isinstance(value, int | float) and not isinstance(value, bool):
            text = "1" if value == 1 else "0" if value == 0 else text
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        self.bad(where, f"expected TRUE or FALSE, got {value!r}")
        return None

    def quantity(
        self,
        row: _Row,
        key: str,
        target: tender_pb2.Quantity,
        default_unit: str,
        path: str,
    ) -> bool:
        """Fill ``target`` from ``key`` and ``key_unit``; False when the value cell is empty."""
        value = self.number(row, key)
        unit = self.text(row, f"{key}_unit")
        if value is None:
            if unit is not None and row.get(key) is None:
                self.bad(
                    row.where(f"{key}_unit"),
                    f"a unit without a value: give {key} or clear the unit",
                )
            return False
        resolved = unit or self._default_unit(default_unit)
        if not resolved:
            self.bad(row.where(f"{key}_unit"), f"the unit of {key} is required")
        target.value = value
        target.unit = resolved
        self.locations[path] = row.cell_ref(key)
        self.locations[f"{path}.value"] = row.cell_ref(key)
        if f"{key}_unit" in row.columns:
            self.locations[f"{path}.unit"] = row.cell_ref(f"{key}_unit")
        return True

    def _default_unit(self, default: str) -> str:
        return {
            MONEY: self.currency,
            MONEY_PER_YEAR: f"{self.currency}/year" if self.currency else "",
            TIME: "years",
            CO2E: "kgCO2e",
            MASS: "kg",
            NO_DEFAULT: "",
        }[default]


def _sheet_rows(ws: Worksheet, sheet: str, known: Sequence[str], reader: _Reader) -> Iterator[_Row]:
    from openpyxl.utils import get_column_letter

    rows = ws.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        return
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = header_key(cell)
        if not key:
            continue
        if key not in known:
            reader.bad(f"{sheet}!{get_column_letter(index + 1)}1", f"unknown column {cell!r}")
            continue
        if key in columns:
            reader.bad(f"{sheet}!{get_column_letter(index + 1)}1", f"column {key!r} appears twice")
            continue
        columns[key] = index
    letters = {k: get_column_letter(i + 1) for k, i in columns.items()}
    formulas = reader.formulas.get(sheet, {})
    for number, values in enumerate(rows, start=2):
        cells = {k: values[i] if i < len(values) else None for k, i in columns.items()}
        for key, index in columns.items():
            if cells[key] is None and (number, index + 1) in formulas:
                # A formula whose result was never computed (the file was written by a program
                # and not saved by a spreadsheet application): its value is unknown, not empty.
                reader.bad(
                    f"{sheet}!{letters[key]}{number} ({key})",
                    f"formula {formulas[(number, index + 1)]} has no computed value: open and "
                    "save the workbook in a spreadsheet application, or type the value",
                )
        row = _Row(sheet, number, cells, letters)
        if any(row.get(k) is not None for k in cells):
            yield row


def _formula_cells(path: Path) -> dict[str, dict[tuple[int, int], str]]:
    """(row, column) → formula text of every formula cell, by sheet."""
    from openpyxl import load_workbook

    wb = load_workbook(path, data_only=False)
    found: dict[str, dict[tuple[int, int], str]] = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    found.setdefault(ws.title, {})[(cell.row, cell.column)] = cell.value
    return found


def read_tender_workbook(path: str | Path) -> LoadedTender:
    """Read a tender workbook into the request, with the cell each request path came from."""
    try:
        from openpyxl import load_workbook
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise TcoInvalidTender(
            [
                FieldViolation(
                    str(path), "reading Excel needs openpyxl: pip install 'lcc-tco-client[report]'"
                )
            ]
        ) from exc
    path = Path(path)
    try:
        wb = load_workbook(path, data_only=True, read_only=False)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise TcoInvalidTender(
            [FieldViolation(path.name, f"not a readable workbook: {exc}")]
        ) from None
    reader = _Reader()
    reader.formulas = _formula_cells(path)
    request = tender_pb2.EvaluateBidsRequest()
    if "Method" not in wb.sheetnames:
        reader.bad(path.name, "the workbook has no 'Method' sheet (make one with: tco template)")
    else:
        _read_method(wb["Method"], request.method, reader)
    reader.currency = request.method.currency
    _read_bids(wb, request, reader)
    if reader.violations:
        raise TcoInvalidTender(reader.violations, f"invalid tender workbook {path.name}")
    return LoadedTender(request, path.name, reader.locations)


def _enum_value(name: str, value: str, reader: _Reader, where: str) -> int | None:
    prefix, table = _ENUM_PREFIX[name]
    text = value.strip()
    if text.upper().startswith(prefix):
        text = text[len(prefix) :]
    text = text.lower().replace("-", "_").replace(" ", "_")
    if text not in table:
        reader.bad(where, f"{value!r} is not one of: {', '.join(table)}")
        return None
    return table[text]


def _read_method(ws: Worksheet, method: tender_pb2.Method, reader: _Reader) -> None:
    resource_prices: dict[str, tender_pb2.ResourcePrice] = {}
    yearly: dict[str, dict[int, tuple[float, str]]] = {}
    factors: dict[str, tender_pb2.EmissionFactor] = {}
    pollutants: dict[str, tender_pb2.PollutantPrice] = {}
    seen_scalars: dict[str, str] = {}

    def resource_price(key: str, row: _Row) -> tender_pb2.ResourcePrice:
        if key not in resource_prices:
            rp = method.resource_prices.add(resource=key)
            resource_prices[key] = rp
            reader.locations[f"method.resource_prices[{len(method.resource_prices) - 1}]"] = (
                row.cell_ref()
            )
        return resource_prices[key]

    def factor(key: str, row: _Row) -> tender_pb2.EmissionFactor:
        if key not in factors:
            ef = method.emission_factors.add(resource=key)
            factors[key] = ef
            reader.locations[f"method.emission_factors[{len(method.emission_factors) - 1}]"] = (
                row.cell_ref()
            )
        return factors[key]

    def pollutant(key: str, row: _Row) -> tender_pb2.PollutantPrice:
        if key not in pollutants:
            pp = method.pollutant_prices.add(pollutant=key)
            pollutants[key] = pp
            reader.locations[f"method.pollutant_prices[{len(method.pollutant_prices) - 1}]"] = (
                row.cell_ref()
            )
        return pollutants[key]

    for row in _sheet_rows(ws, "Method", METHOD_HEADERS, reader):
        name_raw = reader.text(row, "parameter")
        if row.get("value") is None:
            if row.filled(("key", "year", "unit")):
                reader.bad(row.where("value"), "the value is missing")
            continue
        if name_raw is None:
            reader.bad(row.where("parameter"), "a value without a parameter name")
            continue
        name = header_key(name_raw)
        param = METHOD_PARAM_BY_NAME.get(name)
        if param is None:
            reader.bad(row.where("parameter"), f"unknown parameter {name_raw!r}")
            continue
        key = reader.text(row, "key") or ""
        if param.key and not key:
            reader.bad(row.where("key"), f"{name} needs a key ({param.key})")
            continue
        if not param.key and key:
            reader.bad(row.where("key"), f"{name} takes no key")
            continue
        year: int | None = None
        if param.year:
            year = reader.integer(row, "year")
            if year is None:
                if row.get("year") is None:
                    reader.bad(row.where("year"), f"{name} needs a year ({param.year})")
                continue
        elif row.get("year") is not None:
            reader.bad(row.where("year"), f"{name} takes no year")
            continue
        if not param.key and not param.year:
            if name in seen_scalars:
                reader.bad(
                    row.where("parameter"), f"{name} is given twice (also at {seen_scalars[name]})"
                )
                continue
            seen_scalars[name] = row.cell_ref("parameter")
        where_value = row.where("value")
        value_ref = row.cell_ref("value")
        value = row.get("value")

        if name in ("currency", "functional_unit", "baseline_bid_id"):
            text = reader.text(row, "value") or ""
            setattr(method, name, text.upper() if name == "currency" else text)
            reader.locations[f"method.{name}"] = value_ref
        elif name in ("base_year", "study_period_years"):
            number = reader.integer(row, "value")
            if number is not None:
                setattr(method, name, number)
                reader.locations[f"method.{name}"] = value_ref
        elif name in ("discount_rate", "inflation_rate"):
            x = reader.number(row, "value")
            if x is not None:
                setattr(method, name, x)
                reader.locations[f"method.{name}"] = value_ref
        elif name in ("rate_basis", "timing"):
            enum_value = _enum_value(name, str(value), reader, where_value)
            if enum_value is not None:
                setattr(method, name, enum_value)
                reader.locations[f"method.{name}"] = value_ref
        elif name == "evaluation_model":
            enum_value = _enum_value(name, str(value), reader, where_value)
            if enum_value is not None:
                method.evaluation_model.kind = enum_value  # type: ignore[assignment]
                reader.locations["method.evaluation_model.kind"] = value_ref
        elif name == "externality_factor":
            x = reader.number(row, "value")
            if x is not None:
                method.evaluation_model.externality_factor = x
                reader.locations["method.evaluation_model.externality_factor"] = value_ref
        elif name == "ladder_discount":
            level = reader._integer(key, row.where("key"))
            x = reader.number(row, "value")
            if level is not None and x is not None:
                method.evaluation_model.ladder.add(level=level, discount=x)
                reader.locations[
                    f"method.evaluation_model.ladder[{len(method.evaluation_model.ladder) - 1}]"
                ] = row.cell_ref()
        elif name == "include_module_d":
            flag = reader.boolean(value, where_value)
            if flag is not None:
                method.include_module_d = flag
                reader.locations["method.include_module_d"] = value_ref
        elif name == "exchange_rate":
            x = reader.number(row, "value")
            if x is not None:
                code = key.upper()
                if code in method.exchange_rates:
                    reader.bad(row.where("key"), f"exchange rate for {code} is given twice")
                method.exchange_rates[code] = x
                reader.locations[f"method.exchange_rates[{code}]"] = value_ref
                reader.locations[f'method.exchange_rates["{code}"]'] = value_ref
                reader.locations[f"method.exchange_rates.{code}"] = value_ref
        elif name == "resource_price":
            rp = resource_price(key, row)
            if rp.HasField("price"):
                reader.bad(row.where("key"), f"price of {key} is given twice")
            idx = list(resource_prices).index(key)
            reader.quantity(
                _as_value_row(row),
                "value",
                rp.price,
                NO_DEFAULT,
                f"method.resource_prices[{idx}].price",
            )
        elif name == "resource_escalation":
            x = reader.number(row, "value")
            if x is not None:
                resource_price(key, row).escalation = x
        elif name == "resource_yearly_escalation":
            x = reader.number(row, "value")
            if x is not None and year is not None:
                resource_price(key, row)
                yearly.setdefault(key, {})[year] = (x, row.where("year"))
        elif name == "emission_factor":
            ef = factor(key, row)
            idx = list(factors).index(key)
            reader.quantity(
                _as_value_row(row),
                "value",
                ef.factor,
                NO_DEFAULT,
                f"method.emission_factors[{idx}].factor",
            )
        elif name == "emission_factor_basis":
            factor(key, row).basis = reader.text(row, "value") or ""
        elif name == "emission_factor_reference":
            factor(key, row).reference_id = reader.text(row, "value") or ""
        elif name == "emission_factor_point":
            ef = factor(key, row)
            point = ef.trajectory.add(year=year or 0)
            idx = list(factors).index(key)
            reader.quantity(
                _as_value_row(row),
                "value",
                point.factor,
                NO_DEFAULT,
                f"method.emission_factors[{idx}].trajectory[{len(ef.trajectory) - 1}]",
            )
        elif name == "carbon_price_series":
            method.carbon_price.series_id = reader.text(row, "value") or ""
            reader.locations["method.carbon_price.series_id"] = value_ref
        elif name == "carbon_price":
            reader.quantity(
                _as_value_row(row),
                "value",
                method.carbon_price.price,
                NO_DEFAULT,
                "method.carbon_price.price",
            )
        elif name == "carbon_price_point":
            point_cp = method.carbon_price.points.add(year=year or 0)
            reader.quantity(
                _as_value_row(row),
                "value",
                point_cp.price,
                NO_DEFAULT,
                f"method.carbon_price.points[{len(method.carbon_price.points) - 1}]",
            )
        elif name == "carbon_price_undiscounted":
            flag = reader.boolean(value, where_value)
            if flag is not None:
                method.carbon_price.undiscounted = flag
        elif name == "pollutant_price":
            pp = pollutant(key, row)
            idx = list(pollutants).index(key)
            reader.quantity(
                _as_value_row(row),
                "value",
                pp.price,
                NO_DEFAULT,
                f"method.pollutant_prices[{idx}].price",
            )
        elif name == "pollutant_price_undiscounted":
            flag = reader.boolean(value, where_value)
            if flag is not None:
                pollutant(key, row).undiscounted = flag
        else:  # pragma: no cover - METHOD_PARAMS and this dispatch are kept in step
            reader.bad(row.where("parameter"), f"parameter {name} is not handled")

    for key, by_year in yearly.items():
        years = sorted(by_year)
        if years != list(range(1, len(years) + 1)):
            where = by_year[years[0]][1]
            reader.bad(
                where,
                f"resource_yearly_escalation of {key} needs years 1, 2, … without gaps; "
                f"got {years}",
            )
            continue
        resource_prices[key].yearly_escalation.extend(by_year[y][0] for y in years)


def _as_value_row(row: _Row) -> _Row:
    """The Method row seen with ``value``/``value_unit`` columns (its ``unit`` column)."""
    cells = dict(row.cells)
    cells["value_unit"] = row.cells.get("unit")
    columns = dict(row.columns)
    if "unit" in columns:
        columns["value_unit"] = columns["unit"]
    return _Row(row.sheet, row.number, cells, columns)


@dataclass
class _BidEntry:
    index: int
    bid: tender_pb2.Bid
    items: dict[str, int] = field(default_factory=dict)  # item name -> index
    duplicate_names: set[str] = field(default_factory=set)
    bid_fields_from: dict[str, str] = field(default_factory=dict)


def _read_bids(wb: Workbook, request: tender_pb2.EvaluateBidsRequest, reader: _Reader) -> None:
    specs = {s.name: s for s in DATA_SHEETS}
    entries: dict[str, _BidEntry] = {}

    if "Bids" not in wb.sheetnames:
        reader.bad("workbook", "the workbook has no 'Bids' sheet (make one with: tco template)")
        return
    item_keys = [c.key for c in BIDS_COLUMNS if c.key not in ("bid_id", *BID_FIELDS, "item")]
    for row in _sheet_rows(wb["Bids"], "Bids", [c.key for c in BIDS_COLUMNS], reader):
        bid_id = reader.text(row, "bid_id")
        if bid_id is None:
            reader.bad(row.where("bid_id"), "bid_id is required")
            continue
        entry = entries.get(bid_id)
        if entry is None:
            bid = request.bids.add(id=bid_id)
            entry = _BidEntry(len(request.bids) - 1, bid)
            entries[bid_id] = entry
            reader.locations[f"bids[{entry.index}]"] = row.cell_ref("bid_id")
            reader.locations[f"bids[{entry.index}].id"] = row.cell_ref("bid_id")
        bid = entry.bid
        b = f"bids[{entry.index}]"
        for key in BID_FIELDS:
            raw = row.get(key)
            if raw is None:
                continue
            value: Any
            if key == "supplier":
                value = reader.text(row, key)
            elif key == "ladder_level":
                value = reader.integer(row, key)
            else:
                value = reader.number(row, key)
            if value is None:
                continue
            if key in entry.bid_fields_from:
                if getattr(bid, key) != value:
                    reader.bad(
                        row.where(key),
                        f"{key} of bid {bid_id} differs from {entry.bid_fields_from[key]}",
                    )
                continue
            setattr(bid, key, value)
            entry.bid_fields_from[key] = row.cell_ref(key)
            reader.locations[f"{b}.{key}"] = row.cell_ref(key)
        name = reader.text(row, "item")
        if name is None and not row.filled(item_keys):
            continue  # a bid-only row
        item = bid.items.add(name=name or "")
        item_index = len(bid.items) - 1
        p = f"{b}.items[{item_index}]"
        reader.locations[p] = row.cell_ref("item")
        if name is not None:
            if name in entry.items:
                entry.duplicate_names.add(name)
            entry.items.setdefault(name, item_index)
        q = reader.number(row, "quantity")
        if q is not None:
            item.quantity = q
            reader.locations[f"{p}.quantity"] = row.cell_ref("quantity")
        for key in ITEM_QUANTITY_FIELDS:
            reader.quantity(row, key, getattr(item, key), _BIDS_DEFAULTS[key], f"{p}.{key}")
        for module in EMISSION_MODULES:
            reader.quantity(
                row, module, getattr(item.emissions, module), CO2E, f"{p}.emissions.{module}"
            )

    def find_bid(row: _Row) -> _BidEntry | None:
        bid_id = reader.text(row, "bid_id")
        if bid_id is None:
            reader.bad(row.where("bid_id"), "bid_id is required")
            return None
        if bid_id not in entries:
            reader.bad(row.where("bid_id"), f"bid {bid_id!r} is not in the Bids sheet")
            return None
        return entries[bid_id]

    def find_item(row: _Row, entry: _BidEntry, required: bool) -> int | None:
        ref = reader.text(row, "item")
        if ref is None:
            if required:
                reader.bad(row.where("item"), "item is required")
            return None
        if ref.startswith("#") and ref[1:].isdigit():
            n = int(ref[1:])
            if 1 <= n <= len(entry.bid.items):
                return n - 1
            reader.bad(row.where("item"), f"bid {entry.bid.id} has no item {ref}")
            return -1
        if ref in entry.duplicate_names:
            reader.bad(
                row.where("item"), f"bid {entry.bid.id} has several items named {ref!r}: use #n"
            )
            return -1
        if ref not in entry.items:
            reader.bad(row.where("item"), f"bid {entry.bid.id} has no item named {ref!r} in Bids")
            return -1
        return entry.items[ref]

    def rows_of(sheet: str) -> Iterator[_Row]:
        if sheet in wb.sheetnames:
            yield from _sheet_rows(wb[sheet], sheet, [c.key for c in specs[sheet].columns], reader)

    for row in rows_of("Resource use"):
        entry = find_bid(row)
        if entry is None:
            continue
        i = find_item(row, entry, required=True)
        if i is None or i < 0:
            continue
        item = entry.bid.items[i]
        resource = reader.text(row, "resource") or ""
        if not resource:
            reader.bad(row.where("resource"), "resource is required")
        use = item.resource_use.add(resource=resource)
        p = f"bids[{entry.index}].items[{i}].resource_use[{len(item.resource_use) - 1}]"
        reader.locations[p] = row.cell_ref()
        reader.locations[f"{p}.resource"] = row.cell_ref("resource")
        if not reader.quantity(row, "amount", use.amount, NO_DEFAULT, f"{p}.amount"):
            reader.bad(row.where("amount"), "amount is required")
        reader.quantity(row, "activity", use.activity, NO_DEFAULT, f"{p}.activity")

    for row in rows_of("Pollutants"):
        entry = find_bid(row)
        if entry is None:
            continue
        i = find_item(row, entry, required=True)
        if i is None or i < 0:
            continue
        item = entry.bid.items[i]
        emission = item.pollutant_emissions.add(pollutant=reader.text(row, "pollutant") or "")
        n_emissions = len(item.pollutant_emissions)
        p = f"bids[{entry.index}].items[{i}].pollutant_emissions[{n_emissions - 1}]"
        reader.locations[p] = row.cell_ref()
        if not reader.quantity(row, "amount", emission.amount, NO_DEFAULT, f"{p}.amount"):
            reader.bad(row.where("amount"), "amount is required")
        reader.quantity(row, "activity", emission.activity, NO_DEFAULT, f"{p}.activity")

    for row in rows_of("Costs"):
        entry = find_bid(row)
        if entry is None:
            continue
        i = find_item(row, entry, required=False)
        if i is not None and i < 0:
            continue
        if i is None:
            stream = entry.bid.costs.add()
            p = f"bids[{entry.index}].costs[{len(entry.bid.costs) - 1}]"
        else:
            item_costs = entry.bid.items[i].costs
            stream = item_costs.add()
            p = f"bids[{entry.index}].items[{i}].costs[{len(item_costs) - 1}]"
        reader.locations[p] = row.cell_ref()
        stream.name = reader.text(row, "name") or ""
        stream.category = reader.text(row, "category") or ""
        stream.emissions_module = reader.text(row, "emissions_module") or ""
        if not reader.quantity(row, "amount", stream.amount, MONEY, f"{p}.amount"):
            reader.bad(row.where("amount"), "amount is required")
        for key in ("first_year", "every_years", "last_year"):
            n = reader.integer(row, key)
            if n is not None:
                setattr(stream, key, n)
                reader.locations[f"{p}.{key}"] = row.cell_ref(key)
        esc = reader.number(row, "escalation")
        if esc is not None:
            stream.escalation = esc
            reader.locations[f"{p}.escalation"] = row.cell_ref("escalation")
        reader.quantity(row, "life", stream.life, TIME, f"{p}.life")
        reader.quantity(row, "emissions", stream.emissions, CO2E, f"{p}.emissions")

    for row in rows_of("Deductions"):
        entry = find_bid(row)
        if entry is None:
            continue
        deduction = entry.bid.deductions.add(criterion=reader.text(row, "criterion") or "")
        p = f"bids[{entry.index}].deductions[{len(entry.bid.deductions) - 1}]"
        reader.locations[p] = row.cell_ref()
        if not reader.quantity(row, "amount", deduction.amount, MONEY, f"{p}.amount"):
            reader.bad(row.where("amount"), "amount is required")

    seen_circularity: set[str] = set()
    for row in rows_of("Circularity"):
        entry = find_bid(row)
        if entry is None:
            continue
        if entry.bid.id in seen_circularity:
            reader.bad(row.where("bid_id"), f"circularity of bid {entry.bid.id} is given twice")
            continue
        seen_circularity.add(entry.bid.id)
        c = entry.bid.circularity
        p = f"bids[{entry.index}].circularity"
        c.SetInParent()
        reader.locations[p] = row.cell_ref()
        reader.quantity(row, "mass", c.mass, MASS, f"{p}.mass")
        for key, _doc in CIRCULARITY_FRACTIONS:
            x = reader.number(row, key)
            if x is not None:
                setattr(c, key, x)
                reader.locations[f"{p}.{key}"] = row.cell_ref(key)


# --------------------------------------------------------------------------------------------
# Writing (a request into the layout; the template is the same with no request)
# --------------------------------------------------------------------------------------------


def _q(q: tender_pb2.Quantity) -> tuple[float, str]:
    return q.value, q.unit


def _item_refs(bid: tender_pb2.Bid) -> list[str]:
    names = [item.name for item in bid.items]
    return [
        name if name and names.count(name) == 1 and not name.startswith("#") else f"#{i + 1}"
        for i, name in enumerate(names)
    ]


def method_rows(method: tender_pb2.Method) -> list[tuple[str, str, int | None, Any, str]]:
    """The Method sheet rows ``(parameter, key, year, value, unit)`` of a method."""
    rows: list[tuple[str, str, int | None, Any, str]] = []

    def add(name: str, value: Any, unit: str = "", key: str = "", year: int | None = None) -> None:
        rows.append((name, key, year, value, unit))

    add("currency", method.currency)
    add("base_year", method.base_year)
    add("study_period_years", method.study_period_years)
    add("discount_rate", method.discount_rate)
    if method.rate_basis:
        add(
            "rate_basis",
            tender_pb2.RateBasis.Name(method.rate_basis).removeprefix("RATE_BASIS_").lower(),
        )
    if method.inflation_rate:
        add("inflation_rate", method.inflation_rate)
    if method.timing:
        add("timing", tender_pb2.Timing.Name(method.timing).removeprefix("TIMING_").lower())
    model = method.evaluation_model
    if model.kind:
        add(
            "evaluation_model",
            tender_pb2.EvaluationModelKind.Name(model.kind)
            .removeprefix("EVALUATION_MODEL_KIND_")
            .lower(),
        )
    if model.externality_factor:
        add("externality_factor", model.externality_factor)
    for step in model.ladder:
        add("ladder_discount", step.discount, key=str(step.level))
    if method.baseline_bid_id:
        add("baseline_bid_id", method.baseline_bid_id)
    if method.include_module_d:
        add("include_module_d", True)
    if method.functional_unit:
        add("functional_unit", method.functional_unit)
    for code in sorted(method.exchange_rates):
        add("exchange_rate", method.exchange_rates[code], key=code)
    for rp in method.resource_prices:
        if rp.HasField("price"):
            add("resource_price", rp.price.value, rp.price.unit, key=rp.resource)
        if rp.escalation:
            add("resource_escalation", rp.escalation, key=rp.resource)
        for t, e in enumerate(rp.yearly_escalation, start=1):
            add("resource_yearly_escalation", e, key=rp.resource, year=t)
    for ef in method.emission_factors:
        if ef.HasField("factor"):
            add("emission_factor", ef.factor.value, ef.factor.unit, key=ef.resource)
        if ef.basis:
            add("emission_factor_basis", ef.basis, key=ef.resource)
        if ef.reference_id:
            add("emission_factor_reference", ef.reference_id, key=ef.resource)
        for point in ef.trajectory:
            add(
                "emission_factor_point",
                point.factor.value,
                point.factor.unit,
                key=ef.resource,
                year=point.year,
            )
    if method.HasField("carbon_price"):
        cp = method.carbon_price
        if cp.series_id:
            add("carbon_price_series", cp.series_id)
        if cp.HasField("price"):
            add("carbon_price", cp.price.value, cp.price.unit)
        for point_cp in cp.points:
            add("carbon_price_point", point_cp.price.value, point_cp.price.unit, year=point_cp.year)
        if cp.undiscounted:
            add("carbon_price_undiscounted", True)
    for pp in method.pollutant_prices:
        if pp.HasField("price"):
            add("pollutant_price", pp.price.value, pp.price.unit, key=pp.pollutant)
        if pp.undiscounted:
            add("pollutant_price_undiscounted", True, key=pp.pollutant)
    return rows


def data_rows(request: tender_pb2.EvaluateBidsRequest) -> dict[str, list[dict[str, Any]]]:
    """Rows of each data sheet (column key -> value) for the bids of a request."""
    sheets: dict[str, list[dict[str, Any]]] = {s.name: [] for s in DATA_SHEETS}
    for bid in request.bids:
        refs = _item_refs(bid)
        bid_cells: dict[str, Any] = {"bid_id": bid.id}
        if bid.supplier:
            bid_cells["supplier"] = bid.supplier
        if bid.functional_units_delivered:
            bid_cells["functional_units_delivered"] = bid.functional_units_delivered
        if bid.ladder_level:
            bid_cells["ladder_level"] = bid.ladder_level
        if not bid.items:
            sheets["Bids"].append(bid_cells)
        for n, item in enumerate(bid.items):
            cells: dict[str, Any] = dict(bid_cells) if n == 0 else {"bid_id": bid.id}
            cells["item"] = item.name or None
            if item.quantity:
                cells["quantity"] = item.quantity
            for key in ITEM_QUANTITY_FIELDS:
                if item.HasField(key):  # type: ignore[arg-type]
                    cells[key], cells[f"{key}_unit"] = _q(getattr(item, key))
            for module in EMISSION_MODULES:
                if item.emissions.HasField(module):  # type: ignore[arg-type]
                    cells[module], cells[f"{module}_unit"] = _q(getattr(item.emissions, module))
            sheets["Bids"].append(cells)
            for use in item.resource_use:
                row: dict[str, Any] = {"bid_id": bid.id, "item": refs[n], "resource": use.resource}
                if use.HasField("amount"):
                    row["amount"], row["amount_unit"] = _q(use.amount)
                if use.HasField("activity"):
                    row["activity"], row["activity_unit"] = _q(use.activity)
                sheets["Resource use"].append(row)
            for emission in item.pollutant_emissions:
                row = {"bid_id": bid.id, "item": refs[n], "pollutant": emission.pollutant}
                if emission.HasField("amount"):
                    row["amount"], row["amount_unit"] = _q(emission.amount)
                if emission.HasField("activity"):
                    row["activity"], row["activity_unit"] = _q(emission.activity)
                sheets["Pollutants"].append(row)
            for stream in item.costs:
                sheets["Costs"].append(_cost_row(bid.id, refs[n], stream))
        for stream in bid.costs:
            sheets["Costs"].append(_cost_row(bid.id, None, stream))
        for deduction in bid.deductions:
            row = {"bid_id": bid.id, "criterion": deduction.criterion or None}
            if deduction.HasField("amount"):
                row["amount"], row["amount_unit"] = _q(deduction.amount)
            sheets["Deductions"].append(row)
        if bid.HasField("circularity"):
            c = bid.circularity
            row = {"bid_id": bid.id}
            if c.HasField("mass"):
                row["mass"], row["mass_unit"] = _q(c.mass)
            for key, _doc in CIRCULARITY_FRACTIONS:
                if getattr(c, key):
                    row[key] = getattr(c, key)
            sheets["Circularity"].append(row)
    return sheets


def _cost_row(bid_id: str, item: str | None, stream: tender_pb2.CostStream) -> dict[str, Any]:
    row: dict[str, Any] = {
        "bid_id": bid_id,
        "item": item,
        "name": stream.name or None,
        "category": stream.category or None,
        "emissions_module": stream.emissions_module or None,
    }
    if stream.HasField("amount"):
        row["amount"], row["amount_unit"] = _q(stream.amount)
    for key in ("first_year", "every_years", "last_year", "escalation"):
        if getattr(stream, key):
            row[key] = getattr(stream, key)
    if stream.HasField("life"):
        row["life"], row["life_unit"] = _q(stream.life)
    if stream.HasField("emissions"):
        row["emissions"], row["emissions_unit"] = _q(stream.emissions)
    return row


def fill_workbook(wb: Workbook, request: tender_pb2.EvaluateBidsRequest | None) -> None:
    """Write the layout into ``wb``: Method rows (every parameter; values from ``request``) and
    the data sheets (rows from ``request``)."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    note_font = Font(italic=True, color="666666")

    ws = wb.create_sheet("Method")
    headers = ["parameter", "key", "year", "value", "unit", "note"]
    ws.append(headers)
    filled = method_rows(request.method) if request is not None else []
    filled_names = {r[0] for r in filled}
    rows: list[tuple[str, str, int | None, Any, str]] = list(filled)
    # Every parameter appears at least once, so the sheet documents itself.
    for param in METHOD_PARAMS:
        if param.name not in filled_names:
            rows.append((param.name, "", None, None, ""))
    order = {p.name: i for i, p in enumerate(METHOD_PARAMS)}
    rows.sort(key=lambda r: order[r[0]])  # stable: keeps the order within a parameter
    validations: dict[str, DataValidation] = {}
    for choices_param in (p for p in METHOD_PARAMS if p.choices):
        dv = DataValidation(
            type="list", formula1='"' + ",".join(choices_param.choices) + '"', allow_blank=True
        )
        validations[choices_param.name] = dv
        ws.add_data_validation(dv)
    bool_dv = DataValidation(type="list", formula1='"TRUE,FALSE"', allow_blank=True)
    ws.add_data_validation(bool_dv)
    for name, key, year, value, unit in rows:
        param = METHOD_PARAM_BY_NAME[name]
        hint = param.doc
        if param.key:
            hint += f" Key: {param.key}."
        if param.year:
            hint += f" Year: {param.year}."
        if param.unit_hint:
            hint += f" Unit: {param.unit_hint}."
        ws.append([name, key or None, year, value, unit or None, hint])
        r = ws.max_row
        ws.cell(r, 6).font = note_font
        if name in validations:
            validations[name].add(ws.cell(r, 4))
        elif param.kind == BOOL:
            bool_dv.add(ws.cell(r, 4))
        if name in (
            "discount_rate",
            "inflation_rate",
            "resource_escalation",
            "resource_yearly_escalation",
            "ladder_discount",
        ):
            ws.cell(r, 4).number_format = "0.00%"
    for cell in ws[1]:
        cell.font = bold
        cell.fill = header_fill
    ws.freeze_panes = "B2"
    for col, width in zip("ABCDEF", (30, 18, 10, 16, 16, 90), strict=True):
        ws.column_dimensions[col].width = width
    for row_cells in ws.iter_rows(min_row=2, min_col=6, max_col=6):
        for cell in row_cells:
            cell.alignment = Alignment(wrap_text=False)

    data = data_rows(request) if request is not None else {s.name: [] for s in DATA_SHEETS}
    for spec in DATA_SHEETS:
        ws = wb.create_sheet(spec.name)
        ws.append([c.header for c in spec.columns])
        for cells in data[spec.name]:
            ws.append([cells.get(c.key) for c in spec.columns])
        for index, column in enumerate(spec.columns, start=1):
            cell = ws.cell(1, index)
            cell.font = bold
            cell.fill = header_fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            letter = get_column_letter(index)
            ws.column_dimensions[letter].width = max(12, min(34, len(column.header) * 0.55 + 4))
            if column.key in ("escalation",) or (
                spec.name == "Circularity" and column.kind == FLOAT and "ratio" not in column.key
            ):
                for row_cells in ws.iter_rows(min_row=2, min_col=index, max_col=index):
                    for c in row_cells:
                        c.number_format = "0.00%"
        ws.row_dimensions[1].height = 45
        ws.freeze_panes = "B2"


def write_tender_workbook(
    path: str | Path, request: tender_pb2.EvaluateBidsRequest | None = None, *, lang: str = "en"
) -> Path:
    """Write the tender workbook: an Instructions sheet plus the layout, empty or filled from
    ``request`` (the template is ``request=None``)."""
    from openpyxl import Workbook

    from tco_client.template import write_instructions

    wb = Workbook()
    assert wb.active is not None
    wb.remove(wb.active)
    write_instructions(wb.create_sheet("Instructions"), lang=lang)
    fill_workbook(wb, request)
    path = Path(path)
    from tco_client.report import save_reproducibly

    save_reproducibly(wb, path)
    return path


def sheet_docs() -> list[tuple[str, str, list[Column]]]:
    """(sheet, title, columns) of every data sheet, for the instructions."""
    return [(s.name, s.title, s.columns) for s in DATA_SHEETS]
