"""The tender workbook's layout: the one definition its reader, its writer and the template share.

The workbook is an evaluator's Excel form of ``EvaluateBidsRequest``: ``tco template OUT.xlsx``
writes it empty (with an ``Instructions`` sheet), ``tco evaluate TENDER.xlsx`` reads it. It covers
the whole contract except ``EvaluationModel.price_threshold`` (which the service refuses anyway,
HFD 2022 ref. 41).

Row 1 of every data sheet is the header; the reader finds columns by the header name before any
``[...]`` hint, so columns may be reordered and hints edited; empty rows are skipped.

``Method`` — one parameter per row: ``parameter | key | year | value | unit | note``
  (:data:`METHOD_PARAMS`). Scalar parameters use ``value`` (and ``unit`` where a quantity); keyed
  parameters (``exchange_rate``, ``resource_price``, ``emission_factor``, ``pollutant_price`` …)
  repeat, one row per key; ``year`` holds a study year (``resource_yearly_escalation``) or a
  calendar year (``emission_factor_point``, ``carbon_price_point``). A row whose value is empty
  is ignored (the template lists every parameter with an empty value).

``Bids`` — one row per bid item (:data:`BIDS_COLUMNS`): the bid columns (bid_id, supplier,
  functional_units_delivered, ladder_level) on the bid's first row (repeated values must agree),
  then the item, each quantity followed by its ``… unit`` column. A row with a bid_id and no item
  fields declares a bid without items (a service contract priced only in ``Costs``).

``Resource use``, ``Pollutants``, ``Costs``, ``Deductions``, ``Circularity`` — rows that name a
  bid by bid_id and an item by its name in ``Bids`` (or ``#n`` for the bid's n-th item; empty in
  ``Costs``: a cost of the bid as a whole).

Default units when the unit cell is empty: money → the method currency (``maintenance_cost`` →
currency/year), time → ``years``, climate impact → ``kgCO2e``, mass → ``kg``. Resource, pollutant
and carbon prices, emission factors and consumption have no default: their unit is required.
Rates and fractions are plain fractions (0.035 = 3.5 %; a cell formatted as 3.5 % holds 0.035).
"""

from __future__ import annotations

from dataclasses import dataclass

from tcoapi.v1 import tender_pb2

TEXT, INT, FLOAT, BOOL, QTY, UNIT = "text", "int", "float", "bool", "quantity", "unit"
# Default-unit markers of quantity columns (resolved by the reader: MONEY is the method currency).
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

    @property
    def header(self) -> str:
        name = self.key.replace("_unit", " unit") if self.kind == UNIT else self.key
        return f"{name} [{self.hint}]"


#: Per default unit: the value column's hint, examples of units, what an empty unit means.
_UNIT_HINTS = {
    MONEY: ("money", "e.g. SEK, EUR", "default: method currency"),
    MONEY_PER_YEAR: ("money/year", "e.g. SEK/year", "default: currency/year"),
    TIME: ("time", "years or months", "default: years"),
    CO2E: ("CO2e", "kgCO2e or tCO2e", "default: kgCO2e"),
    MASS: ("mass", "kg or t", "default: kg"),
    NO_DEFAULT: ("", "", "required"),
}


def _quantity(key: str, doc: str, default: str, hint: str = "", units: str = "") -> list[Column]:
    """A quantity's value column and its ``… unit`` column (hints from :data:`_UNIT_HINTS`)."""
    default_hint, default_units, empty_unit = _UNIT_HINTS[default]
    return [
        Column(key, QTY, hint or default_hint, doc, default),
        Column(
            f"{key}_unit",
            UNIT,
            f"{units or default_units}; {empty_unit}",
            f"Unit of {key}.",
            default,
        ),
    ]


_BID_ID = Column("bid_id", TEXT, "text", "The bid (as in Bids).")
_ITEM = Column(
    "item", TEXT, "name or #n", "The item (its name in Bids, or #n for the bid's n-th item)."
)
_ACTIVITY = "Activity per year that amount is multiplied by (optional)."

BIDS_COLUMNS: list[Column] = [
    Column("bid_id", TEXT, "text", "Bid identifier, unique (e.g. the platform's bid number)."),
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
    *_quantity("unit_price", "Purchase price of one unit at base-year level.", MONEY),
    *_quantity(
        "installation_cost", "Installation cost of one unit (repeated at replacement).", MONEY
    ),
    *_quantity("service_life", "Service life of one unit; empty = lasts the study period.", TIME),
    *_quantity(
        "maintenance_cost",
        "Maintenance per unit and year (buyer pays none within warranty).",
        MONEY_PER_YEAR,
    ),
    *_quantity("warranty", "Warranty from each purchase.", TIME),
    *_quantity(
        "end_of_life_cost", "Cost (negative: revenue) at each end of life of one unit.", MONEY
    ),
    *_quantity(
        "residual_value",
        "Explicit resale/buy-back value of one unit at the end of the study period.",
        MONEY,
    ),
    *_quantity(
        "a1_a3",
        "EN 15978 A1-A3 product stage of one unit (EPD); repeated at replacement (B4).",
        CO2E,
    ),
    *_quantity("a4", "A4 transport to site of one unit.", CO2E),
    *_quantity("a5", "A5 installation of one unit.", CO2E),
    *_quantity("c1_c4", "C1-C4 end of life of one unit.", CO2E),
    *_quantity("d", "Module D benefits beyond the system boundary (usually negative).", CO2E),
]

BIDS_DEFAULT_UNITS = {c.key: c.default_unit for c in BIDS_COLUMNS if c.kind == QTY}
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
    _BID_ID,
    _ITEM,
    Column("resource", TEXT, "e.g. electricity", "Resource name; the Method must price it."),
    *_quantity(
        "amount",
        "Consumption of one unit.",
        NO_DEFAULT,
        "per year or per activity",
        "e.g. kWh/year, W, l/(100 km), kWh/km",
    ),
    *_quantity("activity", _ACTIVITY, NO_DEFAULT, "per year", "e.g. h/year, km/year"),
]

POLLUTANT_COLUMNS: list[Column] = [
    _BID_ID,
    _ITEM,
    Column(
        "pollutant", TEXT, "e.g. nox", "Pollutant name, as priced in the Method (nox, nmhc, pm)."
    ),
    *_quantity(
        "amount",
        "Emission of one unit.",
        NO_DEFAULT,
        "mass per year or per activity",
        "e.g. g/km, kg/year",
    ),
    *_quantity("activity", _ACTIVITY, NO_DEFAULT, "per year", "e.g. km/year"),
]

COST_COLUMNS: list[Column] = [
    _BID_ID,
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
    *_quantity(
        "amount",
        "Amount per occurrence at base-year level.",
        MONEY,
        "money or money/year",
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
    *_quantity("life", "Service life of what the stream buys (gives a residual value).", TIME),
    *_quantity("emissions", "Climate impact of each occurrence.", CO2E, "CO2e per occurrence"),
    Column(
        "emissions_module",
        TEXT,
        "e.g. b4",
        "EN 15978 module of those emissions (empty: from the category).",
    ),
]

DEDUCTION_COLUMNS: list[Column] = [
    _BID_ID,
    Column("criterion", TEXT, "text", "A deduction criterion of the method (Method sheet)."),
    Column("level", TEXT, "met", "The level the bid claims: met (empty = met) or none."),
    *_quantity(
        "amount",
        "Leave empty: the method fixes the deduction (a different amount is refused).",
        MONEY,
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
    _BID_ID,
    *_quantity("mass", "Mass of the product.", MASS),
    *(
        Column(name, FLOAT, "fraction" if "ratio" not in name else "ratio", doc)
        for name, doc in CIRCULARITY_FRACTIONS
    ),
]


@dataclass(frozen=True)
class SheetSpec:
    """A data sheet: its name, the title shown in the instructions, its columns."""

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
    SheetSpec("Deductions", "Criteria a bid claims to meet (DEDUCTIONS model).", DEDUCTION_COLUMNS),
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
        "deduction",
        QTY,
        "Deduction the method fixes for a criterion met (deductions model, level 'met').",
        key="criterion",
        unit_hint="e.g. SEK",
    ),
    MethodParam(
        "price_base_year",
        INT,
        "Year whose prices the method's money is in (empty: base_year); reference carbon "
        "prices are re-based to it.",
    ),
    MethodParam(
        "use_face_values", BOOL, "TRUE: use reference values at face value (no re-basing)."
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

RATE_BASIS_VALUES: dict[str, int] = {
    "real": tender_pb2.RATE_BASIS_REAL,
    "nominal": tender_pb2.RATE_BASIS_NOMINAL,
}
TIMING_VALUES: dict[str, int] = {
    "end_of_year": tender_pb2.TIMING_END_OF_YEAR,
    "mid_year": tender_pb2.TIMING_MID_YEAR,
    "beginning_of_year": tender_pb2.TIMING_BEGINNING_OF_YEAR,
}
MODEL_VALUES: dict[str, int] = {
    "cost": tender_pb2.EVALUATION_MODEL_KIND_COST,
    "deductions": tender_pb2.EVALUATION_MODEL_KIND_DEDUCTIONS,
    "fictive_discount": tender_pb2.EVALUATION_MODEL_KIND_FICTIVE_DISCOUNT,
    "externality_factor": tender_pb2.EVALUATION_MODEL_KIND_EXTERNALITY_FACTOR,
}
ENUM_VALUES: dict[str, tuple[str, dict[str, int]]] = {
    "rate_basis": ("RATE_BASIS_", RATE_BASIS_VALUES),
    "timing": ("TIMING_", TIMING_VALUES),
    "evaluation_model": ("EVALUATION_MODEL_KIND_", MODEL_VALUES),
}


def header_key(text: object) -> str:
    """Column key of a header cell: the text before any ``[`` or ``(`` hint, snake_cased."""
    s = str(text or "").strip()
    for stop in ("[", "("):
        if stop in s:
            s = s.split(stop, 1)[0]
    return "_".join(s.strip().lower().replace("-", " ").split())
