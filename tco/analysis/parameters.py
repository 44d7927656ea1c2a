"""Named, uncertain parameters of a tender, addressed by path (the analysis' one grammar).

A *parameter path* names one input of the method or of the bids whose value an analysis may
change. A *setting* gives it a number in one of three *modes*. The grammar, complete::

    path      := method | bid
    method    := "discount_rate"
               | "carbon_price"
               | "resource_prices[" NAME "].price"
               | "resource_prices[" NAME "].escalation"
               | "emission_factors[" NAME "].factor"
    bid       := "bids[" BID "].items[" INDEX "]." field
    field     := "service_life" | "quantity" | "unit_price"
               | "resource_use[" USE "].amount"
    NAME      := a resource name of method.resource_prices (lower_snake_case) | "*"
    BID       := a bid id (no "]"), or the id in double quotes (no '"') | "*"
    INDEX     := a whole number >= 0 (the item's position in the bid) | "*"
    USE       := a whole number >= 0 (position in the item's resource_use) | NAME | "*"

``*`` matches every resource / bid / item / use; ``resource_use[electricity]`` every use of
electricity. One setting moves every matched target by the same number: with ``bids[*]`` the
same draw applies to every bid (common random numbers), e.g. "every bid's consumption is 10 %
higher than stated".

Modes (``x`` is the setting's number, ``v`` the value stated in the method or the bid):

============ =================== =========================================================
mode         new value           example
============ =================== =========================================================
``scale``    ``x * v``           ``carbon_price`` scale 2: the whole carbon price path doubled
``value``    ``x``               ``discount_rate`` value 0.05: 5 % a year
``shift``    ``v + x``           ``resource_prices[electricity].escalation`` shift 0.01: +1 pp
============ =================== =========================================================

Units of ``value``-mode numbers are the engine's canonical units (:mod:`tco.prepared`); each
resolved :class:`Parameter` carries its ``unit`` for display:

- ``discount_rate``: fraction per year **as the method states it** (nominal in a nominal
  analysis; the real rate follows by Fisher, ``(1 + d_real) = (1 + d_nominal) / (1 + i)``).
- ``carbon_price``: method currency per kgCO2e (1 500 SEK/tCO2e is 1.5). ``value`` sets a
  constant price for every study year; ``scale`` and ``shift`` act on every year of the path.
  Without a carbon price in the method only ``value`` and ``shift`` are meaningful.
- ``resource_prices[r].price``: method currency per canonical unit of r (SEK/kWh, SEK/l ...).
- ``resource_prices[r].escalation``: fraction per year as the method states it; ``value`` sets
  the same rate for every year (replacing a yearly list); ``scale``/``shift`` act on every year.
- ``emission_factors[r].factor``: kgCO2e per canonical unit of r; ``value`` sets a constant
  factor for every year (replacing a trajectory).
- ``service_life``: years. ``scale``/``shift`` match only items that state a service life
  (an item without one lasts the study period); ``value`` gives any matched item that life.
- ``quantity``: number of units of the item (its resource use scales with it).
- ``unit_price``: method currency per unit of the item (replacements and the residual value
  follow, as in :mod:`tco.expand`).
- ``resource_use[u].amount``: canonical resource units per year for one unit of the item.

Linearity: the comparison number of every evaluation model is affine in ``carbon_price``,
resource prices, emission factors, quantities, unit prices and resource use (each appears once,
multiplied by fixed amounts), so :mod:`tco.analysis.switching` solves those crossings exactly;
discount rate, escalation and service life are not (powers, schedules).

Example:
    >>> parse_path("bids[*].items[0].resource_use[electricity].amount").field
    'resource_use'
    >>> parse_path("resource_prices[diesel].price").kind is Kind.RESOURCE_PRICE
    True
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tco.finance import fisher_nominal, fisher_real
from tco.inputs import RateBasis
from tco.prepared import PreparedMethod, PreparedTender

FloatArray = npt.NDArray[np.float64]

__all__ = [
    "LINEAR_KINDS",
    "STRUCTURAL_KINDS",
    "Kind",
    "Mode",
    "Parameter",
    "ParameterPath",
    "PathError",
    "Setting",
    "identity",
    "parse_path",
    "real_rate",
    "resolve",
    "stated_rate",
]

#: Longest parameter path, characters.
MAX_PATH_LENGTH = 600


class Mode(enum.Enum):
    """How a setting's number acts on the stated value ``v``: ``x v``, ``x`` or ``v + x``."""

    SCALE = "scale"
    VALUE = "value"
    SHIFT = "shift"


class Kind(enum.Enum):
    """What a parameter path addresses."""

    DISCOUNT_RATE = "discount_rate"
    CARBON_PRICE = "carbon_price"
    RESOURCE_PRICE = "resource_price"
    ESCALATION = "escalation"
    EMISSION_FACTOR = "emission_factor"
    SERVICE_LIFE = "service_life"
    QUANTITY = "quantity"
    UNIT_PRICE = "unit_price"
    RESOURCE_USE = "resource_use"


#: Comparison numbers are affine in these (every evaluation model).
LINEAR_KINDS = frozenset(
    {
        Kind.CARBON_PRICE,
        Kind.RESOURCE_PRICE,
        Kind.EMISSION_FACTOR,
        Kind.QUANTITY,
        Kind.UNIT_PRICE,
        Kind.RESOURCE_USE,
    }
)
#: Item fields that change the expanded rows (re-expanded per distinct value).
STRUCTURAL_KINDS = frozenset({Kind.SERVICE_LIFE, Kind.QUANTITY, Kind.UNIT_PRICE})

WILDCARD = "*"
_NAME = r"(?:[a-z][a-z0-9_]*|\*)"
_BID = r'(?:"[^"]*"|[^\]"]+)'
_INDEX = r"(?:\d+|\*)"
_USE = r"(?:\d+|[a-z][a-z0-9_]*|\*)"
_PATTERNS: tuple[tuple[re.Pattern[str], Kind | None], ...] = (
    (re.compile(r"discount_rate"), Kind.DISCOUNT_RATE),
    (re.compile(r"carbon_price"), Kind.CARBON_PRICE),
    (re.compile(rf"resource_prices\[(?P<resource>{_NAME})\]\.price"), Kind.RESOURCE_PRICE),
    (re.compile(rf"resource_prices\[(?P<resource>{_NAME})\]\.escalation"), Kind.ESCALATION),
    (re.compile(rf"emission_factors\[(?P<resource>{_NAME})\]\.factor"), Kind.EMISSION_FACTOR),
    (
        re.compile(
            rf"bids\[(?P<bid>{_BID})\]\.items\[(?P<item>{_INDEX})\]\."
            r"(?P<field>service_life|quantity|unit_price)"
        ),
        None,
    ),
    (
        re.compile(
            rf"bids\[(?P<bid>{_BID})\]\.items\[(?P<item>{_INDEX})\]\."
            rf"(?P<field>resource_use)\[(?P<use>{_USE})\]\.amount"
        ),
        Kind.RESOURCE_USE,
    ),
)
_FIELD_KINDS = {
    "service_life": Kind.SERVICE_LIFE,
    "quantity": Kind.QUANTITY,
    "unit_price": Kind.UNIT_PRICE,
}
_GRAMMAR_HINT = (
    "expected discount_rate, carbon_price, resource_prices[NAME].price, "
    "resource_prices[NAME].escalation, emission_factors[NAME].factor, "
    "bids[ID].items[I].service_life|quantity|unit_price or "
    "bids[ID].items[I].resource_use[J|NAME].amount (NAME, ID, I, J may be *)"
)


class PathError(ValueError):
    """A parameter path that does not parse or does not resolve; ``str()`` says why."""


@dataclass(frozen=True, slots=True)
class ParameterPath:
    """A parsed path. Selectors are ``"*"`` for every match; item/use indexes are ints."""

    text: str
    kind: Kind
    resource: str = ""
    bid: str = ""
    item: int | str = WILDCARD
    #: Use selector: an index, a resource name or ``"*"``.
    use: int | str = WILDCARD
    field: str = ""


@dataclass(frozen=True, slots=True)
class Setting:
    """One number for one parameter path in one mode, e.g. ``Setting("carbon_price", SCALE, 2)``."""

    path: str
    #: None: unset in the request (refused with its path).
    mode: Mode | None
    value: float


def identity(mode: Mode) -> float | None:
    """The number that leaves a parameter as stated: scale 1, shift 0, value none.

    Example: ``identity(Mode.SCALE) == 1.0``; ``identity(Mode.VALUE) is None``.
    """
    if mode is Mode.SCALE:
        return 1.0
    if mode is Mode.SHIFT:
        return 0.0
    return None


def _index(text: str) -> int | str:
    return WILDCARD if text == WILDCARD else int(text)


def parse_path(text: str) -> ParameterPath:
    """Parse a parameter path (the grammar of the module docstring); :class:`PathError` if bad.

    Example:
        >>> p = parse_path('bids["A]1"].items[2].service_life')
        >>> (p.kind.value, p.bid, p.item)
        ('service_life', 'A]1', 2)
    """
    if not isinstance(text, str) or not text.strip():
        raise PathError("required: a parameter path such as 'carbon_price'")
    if len(text) > MAX_PATH_LENGTH:
        raise PathError(f"at most {MAX_PATH_LENGTH} characters, got {len(text)}")
    for pattern, kind in _PATTERNS:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        groups = match.groupdict()
        bid = groups.get("bid") or ""
        if len(bid) >= 2 and bid.startswith('"') and bid.endswith('"'):
            bid = bid[1:-1]
        field = groups.get("field") or ""
        resolved = kind if kind is not None else _FIELD_KINDS[field]
        use_text = groups.get("use")
        use: int | str = WILDCARD
        if use_text is not None:
            use = int(use_text) if use_text.isdigit() else use_text
        return ParameterPath(
            text=text,
            kind=resolved,
            resource=groups.get("resource") or "",
            bid=bid,
            item=_index(groups["item"]) if groups.get("item") else WILDCARD,
            use=use,
            field=field,
        )
    raise PathError(f"unknown parameter path: {_GRAMMAR_HINT}")


@dataclass(frozen=True, slots=True)
class Parameter:
    """A path resolved against a prepared tender, in one mode.

    ``targets``: what it moves: ``()`` for the discount rate and the carbon price, resource
    names for method resource parameters, ``(bid, item)`` index pairs for item fields and
    ``(bid, item, use)`` triples for resource use. ``base``: the stated value as one
    ``value``-mode number when there is one (a constant rate, one price, one life ...), else
    None (a trajectory, targets with different values). ``reference``: the number that leaves
    the tender as stated (scale 1, shift 0, value ``base``), None when there is none.
    """

    path: str
    mode: Mode
    kind: Kind
    targets: tuple[tuple[int, ...] | str, ...]
    unit: str
    base: float | None

    @property
    def linear(self) -> bool:
        """Comparison numbers are affine in the parameter (:data:`LINEAR_KINDS`)."""
        return self.kind in LINEAR_KINDS

    @property
    def structural(self) -> bool:
        """The parameter changes the expanded rows (:data:`STRUCTURAL_KINDS`)."""
        return self.kind in STRUCTURAL_KINDS

    @property
    def reference(self) -> float | None:
        return self.base if self.mode is Mode.VALUE else identity(self.mode)

    def one_per_target(self) -> list[Parameter]:
        """One parameter per target (for independent draws of a wildcard path)."""
        one = (
            Parameter(self.path, self.mode, self.kind, (t,), self.unit, None) for t in self.targets
        )
        return list(one) or [self]


def real_rate(rate: FloatArray | float, method: PreparedMethod) -> FloatArray:
    """Real rate of a stated one: Fisher (:func:`tco.finance.fisher_real`) in a nominal analysis.

    Example: 23.6 % stated with 3 % inflation (nominal basis) -> 20 % real.
    """
    r = np.asarray(rate, dtype=np.float64)
    if method.rate_basis is RateBasis.NOMINAL:
        return np.asarray(fisher_real(r, method.inflation_rate), dtype=np.float64)
    return r


def stated_rate(real: FloatArray | float, method: PreparedMethod) -> FloatArray:
    """Stated rate of a real one: the inverse of :func:`real_rate` (Fisher, nominal basis).

    Example: 20 % real with 3 % inflation (nominal basis) -> 23.6 % stated.
    """
    r = np.asarray(real, dtype=np.float64)
    if method.rate_basis is RateBasis.NOMINAL:
        return np.asarray(fisher_nominal(r, method.inflation_rate), dtype=np.float64)
    return r


def _common(values: Sequence[float | None]) -> float | None:
    """The one value all targets share, or None."""
    if not values or any(v is None for v in values):
        return None
    first = values[0]
    return first if all(v == first for v in values) else None


def resolve(path: str, mode: Mode, prepared: PreparedTender) -> Parameter:
    """Resolve a path in a mode against a prepared tender; :class:`PathError` says what fails.

    Example: with the sample tender (electricity and diesel priced),
    ``resolve("resource_prices[*].price", Mode.SCALE, prepared).targets`` is
    ``("electricity", "diesel")`` (method order).
    """
    parsed = parse_path(path)
    method = prepared.method
    currency = method.currency
    kind = parsed.kind
    if kind is Kind.DISCOUNT_RATE:
        return Parameter(path, mode, kind, (), "1/year", method.stated_discount_rate)
    if kind is Kind.CARBON_PRICE:
        carbon = method.carbon_price
        if carbon is None and mode is Mode.SCALE:
            raise PathError(
                "the method sets no carbon price, so scaling it changes nothing: "
                "use mode value (a constant price per kgCO2e) or shift"
            )
        base = None
        if carbon is not None:
            prices = carbon.price_per_kg
            base = float(prices[0]) if bool((prices == prices[0]).all()) else None
        else:
            base = 0.0
        return Parameter(path, mode, kind, (), f"{currency}/kgCO2e", base)
    if kind in (Kind.RESOURCE_PRICE, Kind.ESCALATION, Kind.EMISSION_FACTOR):
        names = list(method.resources)
        if parsed.resource == WILDCARD:
            targets = names
        elif parsed.resource in method.resources:
            targets = [parsed.resource]
        else:
            raise PathError(
                f"resource {parsed.resource!r} is not priced in method.resource_prices "
                f"(priced: {', '.join(names) or 'none'})"
            )
        if not targets:
            raise PathError("the method prices no resources")
        resources = [method.resources[name] for name in targets]
        unit = resources[0].unit if len({r.unit for r in resources}) == 1 else "unit"
        if kind is Kind.RESOURCE_PRICE:
            base = _common([r.price for r in resources])
            return Parameter(path, mode, kind, tuple(targets), f"{currency}/{unit}", base)
        if kind is Kind.ESCALATION:
            rates = [
                float(stated_rate(r.escalation_rates[0], method))
                if bool((r.escalation_rates == r.escalation_rates[0]).all())
                else None
                for r in resources
            ]
            return Parameter(path, mode, kind, tuple(targets), "1/year", _common(rates))
        factors = [
            float(r.emission_factor[-1])
            if bool((r.emission_factor[1:] == r.emission_factor[-1]).all())
            else None
            for r in resources
        ]
        return Parameter(path, mode, kind, tuple(targets), f"kgCO2e/{unit}", _common(factors))
    return _resolve_bid_path(parsed, mode, prepared)


def _resolve_bid_path(parsed: ParameterPath, mode: Mode, prepared: PreparedTender) -> Parameter:
    ids = [bid.id for bid in prepared.bids]
    if parsed.bid == WILDCARD:
        bid_indexes = list(range(len(ids)))
    elif parsed.bid in ids:
        bid_indexes = [ids.index(parsed.bid)]
    else:
        raise PathError(f"no bid with id {parsed.bid!r} (use the id as in bids[].id, or *)")
    kind = parsed.kind
    items: list[tuple[int, int]] = []
    for b in bid_indexes:
        n_items = len(prepared.bids[b].items)
        if parsed.item == WILDCARD:
            items.extend((b, i) for i in range(n_items))
        elif isinstance(parsed.item, int) and parsed.item < n_items:
            items.append((b, parsed.item))
        elif parsed.bid != WILDCARD:
            raise PathError(f"bid {ids[b]!r} has {n_items} item(s): item index out of range")
    currency = prepared.method.currency
    if kind is Kind.RESOURCE_USE:
        uses: list[tuple[int, int, int]] = []
        units: set[str] = set()
        values: list[float | None] = []
        for b, i in items:
            item_uses = prepared.bids[b].items[i].resource_use
            for u, use in enumerate(item_uses):
                if parsed.use in (WILDCARD, u, use.resource):
                    uses.append((b, i, u))
                    units.add(prepared.method.resources[use.resource].unit)
                    values.append(use.amount_per_year)
            single = WILDCARD not in (parsed.item, parsed.bid)
            if isinstance(parsed.use, int) and parsed.use >= len(item_uses) and single:
                raise PathError(
                    f"item {i} of bid {ids[b]!r} has {len(item_uses)} resource use(s): "
                    "use index out of range"
                )
        if not uses:
            raise PathError("the path matches no resource use")
        unit = f"{units.pop()}/year" if len(units) == 1 else "unit/year"
        return Parameter(parsed.text, mode, kind, tuple(uses), unit, _common(values))
    chosen: list[tuple[int, int]] = []
    values = []
    for b, i in items:
        item = prepared.bids[b].items[i]
        if kind is Kind.SERVICE_LIFE:
            if item.service_life is None and mode is not Mode.VALUE:
                if WILDCARD not in (parsed.item, parsed.bid):
                    raise PathError(
                        "the item states no service life (it lasts the study period): "
                        "use mode value to give it one"
                    )
                continue
            values.append(item.service_life)
        elif kind is Kind.QUANTITY:
            values.append(item.quantity)
        else:
            values.append(item.unit_price)
        chosen.append((b, i))
    if not chosen:
        raise PathError(
            "the path matches no item"
            + (" with a stated service life" if kind is Kind.SERVICE_LIFE else "")
        )
    unit = {Kind.SERVICE_LIFE: "year", Kind.QUANTITY: "1", Kind.UNIT_PRICE: currency}[kind]
    return Parameter(parsed.text, mode, kind, tuple(chosen), unit, _common(values))
