"""Reading the ``Bids`` sheet and the detail sheets (``Resource use``, ``Pollutants``, ``Costs``,
``Deductions``, ``Circularity``) of the tender workbook into the request's bids.

``Bids`` is read first: it declares the bids and their items; a detail row names its bid by
``bid_id`` and its item by name (or ``#n``), and is refused when either is unknown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tco_client.i18n import canonical_category
from tco_client.i18n_workbook import deduction_level
from tco_client.workbook_cells import CellReader, SheetRow, sheet_rows
from tco_client.workbook_layout import (
    BID_FIELDS,
    BIDS_COLUMNS,
    BIDS_DEFAULT_UNITS,
    CIRCULARITY_FRACTIONS,
    CO2E,
    DATA_SHEETS,
    EMISSION_MODULES,
    ITEM_QUANTITY_FIELDS,
    MASS,
    MONEY,
    NO_DEFAULT,
    TIME,
)
from tcoapi.v1 import tender_pb2

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook

_ITEM_KEYS = [c.key for c in BIDS_COLUMNS if c.key not in ("bid_id", *BID_FIELDS, "item")]


@dataclass
class _BidEntry:
    """A bid read from ``Bids``: its index in the request, its items by name."""

    index: int
    bid: tender_pb2.Bid
    items: dict[str, int] = field(default_factory=dict)  # item name -> index
    duplicate_names: set[str] = field(default_factory=set)
    bid_fields_from: dict[str, str] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return f"bids[{self.index}]"


@dataclass
class _BidsRead:
    """The bids read so far, to resolve the detail sheets' bid and item references."""

    request: tender_pb2.EvaluateBidsRequest
    reader: CellReader
    entries: dict[str, _BidEntry] = field(default_factory=dict)

    def declare(self, row: SheetRow, bid_id: str) -> _BidEntry:
        entry = self.entries.get(bid_id)
        if entry is None:
            entry = _BidEntry(len(self.request.bids), self.request.bids.add(id=bid_id))
            self.entries[bid_id] = entry
            self.reader.locations[entry.path] = row.cell_ref("bid_id")
            self.reader.locations[f"{entry.path}.id"] = row.cell_ref("bid_id")
        return entry

    def find(self, row: SheetRow) -> _BidEntry | None:
        bid_id = self.reader.text(row, "bid_id")
        if bid_id is None:
            self.reader.bad(row.where("bid_id"), "bid_id is required")
            return None
        if bid_id not in self.entries:
            self.reader.bad(row.where("bid_id"), f"bid {bid_id!r} is not in the Bids sheet")
            return None
        return self.entries[bid_id]

    def find_item(self, row: SheetRow, entry: _BidEntry, *, required: bool) -> int | None:
        """The item's index; None when the cell is empty, -1 when it names no item."""
        ref = self.reader.text(row, "item")
        where = row.where("item")
        bid_id = entry.bid.id
        if ref is None:
            if required:
                self.reader.bad(where, "item is required")
            return None
        if ref.startswith("#") and ref[1:].isdigit():
            if 1 <= int(ref[1:]) <= len(entry.bid.items):
                return int(ref[1:]) - 1
            self.reader.bad(where, f"bid {bid_id} has no item {ref}")
        elif ref in entry.duplicate_names:
            self.reader.bad(where, f"bid {bid_id} has several items named {ref!r}: use #n")
        elif ref not in entry.items:
            self.reader.bad(where, f"bid {bid_id} has no item named {ref!r} in Bids")
        else:
            return entry.items[ref]
        return -1


def read_bids(
    wb: Workbook,
    request: tender_pb2.EvaluateBidsRequest,
    reader: CellReader,
    sheets: dict[str, str] | None = None,
) -> None:
    """Fill ``request.bids`` from the Bids sheet and the detail sheets (``sheets``: English
    sheet name -> the workbook's name of it, English or Swedish)."""
    names = sheets if sheets is not None else {n: n for n in wb.sheetnames}
    if "Bids" not in names:
        reader.bad(
            "workbook", "the workbook has no 'Bids' ('Anbud') sheet (make one with: tco template)"
        )
        return
    bids = _BidsRead(request, reader)
    keys = [c.key for c in BIDS_COLUMNS]
    for row in sheet_rows(wb[names["Bids"]], names["Bids"], keys, reader, layout="Bids"):
        _read_bid_row(row, bids)
    columns = {s.name: [c.key for c in s.columns] for s in DATA_SHEETS}
    for sheet, read_row in _DETAIL_READERS.items():
        if sheet in names:
            name = names[sheet]
            for row in sheet_rows(wb[name], name, columns[sheet], reader, layout=sheet):
                entry = bids.find(row)
                if entry is not None:
                    read_row(row, entry, bids)


def _read_bid_row(row: SheetRow, bids: _BidsRead) -> None:
    reader = bids.reader
    bid_id = reader.text(row, "bid_id")
    if bid_id is None:
        reader.bad(row.where("bid_id"), "bid_id is required")
        return
    entry = bids.declare(row, bid_id)
    for key in BID_FIELDS:
        _read_bid_field(row, key, entry, reader)
    name = reader.text(row, "item")
    if name is None and not row.filled(_ITEM_KEYS):
        return  # a bid-only row
    item = entry.bid.items.add(name=name or "")
    item_index = len(entry.bid.items) - 1
    p = f"{entry.path}.items[{item_index}]"
    reader.locations[p] = row.cell_ref("item")
    if name is not None:
        if name in entry.items:
            entry.duplicate_names.add(name)
        entry.items.setdefault(name, item_index)
    quantity = reader.number(row, "quantity")
    if "quantity" in row.columns:  # also when empty: the server's "required" names the cell
        reader.locations[f"{p}.quantity"] = row.cell_ref("quantity")
    if quantity is not None:
        item.quantity = quantity
    for key in ITEM_QUANTITY_FIELDS:
        reader.quantity(row, key, getattr(item, key), BIDS_DEFAULT_UNITS[key], f"{p}.{key}")
    for module in EMISSION_MODULES:
        target = getattr(item.emissions, module)
        reader.quantity(row, module, target, CO2E, f"{p}.emissions.{module}")


def _read_bid_field(row: SheetRow, key: str, entry: _BidEntry, reader: CellReader) -> None:
    """A bid column (supplier …): set on its first row; repeated values must agree."""
    if row.get(key) is None:
        return
    value: Any
    if key == "supplier":
        value = reader.text(row, key)
    elif key == "ladder_level":
        value = reader.integer(row, key)
    else:
        value = reader.number(row, key)
    if value is None:
        return
    if key in entry.bid_fields_from:
        if getattr(entry.bid, key) != value:
            reader.bad(
                row.where(key),
                f"{key} of bid {entry.bid.id} differs from {entry.bid_fields_from[key]}",
            )
        return
    setattr(entry.bid, key, value)
    entry.bid_fields_from[key] = row.cell_ref(key)
    reader.locations[f"{entry.path}.{key}"] = row.cell_ref(key)


def _item(row: SheetRow, entry: _BidEntry, bids: _BidsRead) -> tuple[tender_pb2.Item, str] | None:
    """The row's (required) item and its request path, or None when it names none."""
    i = bids.find_item(row, entry, required=True)
    if i is None or i < 0:
        return None
    return entry.bid.items[i], f"{entry.path}.items[{i}]"


def _read_resource_use(row: SheetRow, entry: _BidEntry, bids: _BidsRead) -> None:
    found = _item(row, entry, bids)
    if found is None:
        return
    item, item_path = found
    reader = bids.reader
    resource = reader.text(row, "resource") or ""
    if not resource:
        reader.bad(row.where("resource"), "resource is required")
    use = item.resource_use.add(resource=resource)
    p = f"{item_path}.resource_use[{len(item.resource_use) - 1}]"
    reader.locations[p] = row.cell_ref()
    reader.locations[f"{p}.resource"] = row.cell_ref("resource")
    _amount_and_activity(row, use, p, reader)


def _read_pollutant(row: SheetRow, entry: _BidEntry, bids: _BidsRead) -> None:
    found = _item(row, entry, bids)
    if found is None:
        return
    item, item_path = found
    reader = bids.reader
    emission = item.pollutant_emissions.add(pollutant=reader.text(row, "pollutant") or "")
    p = f"{item_path}.pollutant_emissions[{len(item.pollutant_emissions) - 1}]"
    reader.locations[p] = row.cell_ref()
    _amount_and_activity(row, emission, p, reader)


def _amount_and_activity(row: SheetRow, target: Any, p: str, reader: CellReader) -> None:
    if not reader.quantity(row, "amount", target.amount, NO_DEFAULT, f"{p}.amount"):
        reader.bad(row.where("amount"), "amount is required")
    reader.quantity(row, "activity", target.activity, NO_DEFAULT, f"{p}.activity")


def _read_cost(row: SheetRow, entry: _BidEntry, bids: _BidsRead) -> None:
    i = bids.find_item(row, entry, required=False)
    if i is not None and i < 0:
        return
    costs = entry.bid.costs if i is None else entry.bid.items[i].costs
    stream = costs.add()
    p = f"{entry.path}.costs" if i is None else f"{entry.path}.items[{i}].costs"
    p = f"{p}[{len(costs) - 1}]"
    reader = bids.reader
    reader.locations[p] = row.cell_ref()
    for key in ("name", "category", "emissions_module"):
        setattr(stream, key, reader.text(row, key) or "")
    stream.category = canonical_category(stream.category)
    if not reader.quantity(row, "amount", stream.amount, MONEY, f"{p}.amount"):
        reader.bad(row.where("amount"), "amount is required")
    for key in ("first_year", "every_years", "last_year", "escalation"):
        value = reader.number(row, key) if key == "escalation" else reader.integer(row, key)
        if value is not None:
            setattr(stream, key, value)
            reader.locations[f"{p}.{key}"] = row.cell_ref(key)
    reader.quantity(row, "life", stream.life, TIME, f"{p}.life")
    reader.quantity(row, "emissions", stream.emissions, CO2E, f"{p}.emissions")


def _read_deduction(row: SheetRow, entry: _BidEntry, bids: _BidsRead) -> None:
    reader = bids.reader
    deduction = entry.bid.deductions.add(
        criterion=reader.text(row, "criterion") or "",
        level=deduction_level(reader.text(row, "level") or "met"),
    )
    p = f"{entry.path}.deductions[{len(entry.bid.deductions) - 1}]"
    reader.locations[p] = row.cell_ref()
    reader.locations[f"{p}.level"] = row.cell_ref("level")
    # optional and deprecated: the server refuses an amount other than the method's
    reader.quantity(row, "amount", deduction.amount, MONEY, f"{p}.amount")


def _read_circularity(row: SheetRow, entry: _BidEntry, bids: _BidsRead) -> None:
    reader = bids.reader
    if entry.bid.HasField("circularity"):
        reader.bad(row.where("bid_id"), f"circularity of bid {entry.bid.id} is given twice")
        return
    circularity = entry.bid.circularity
    circularity.SetInParent()
    p = f"{entry.path}.circularity"
    reader.locations[p] = row.cell_ref()
    reader.quantity(row, "mass", circularity.mass, MASS, f"{p}.mass")
    for key, _doc in CIRCULARITY_FRACTIONS:
        fraction = reader.number(row, key)
        if fraction is not None:
            setattr(circularity, key, fraction)
            reader.locations[f"{p}.{key}"] = row.cell_ref(key)


_DETAIL_READERS: dict[str, Callable[[SheetRow, _BidEntry, _BidsRead], None]] = {
    "Resource use": _read_resource_use,
    "Pollutants": _read_pollutant,
    "Costs": _read_cost,
    "Deductions": _read_deduction,
    "Circularity": _read_circularity,
}
