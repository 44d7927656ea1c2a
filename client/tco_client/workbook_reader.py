"""Reading the tender workbook (layout in :mod:`tco_client.workbook_layout`) into the request.

Every problem is collected and raised once as :class:`~tco_client.errors.TcoInvalidTender`, each
violation naming its cell (``Bids!G5 (unit_price)``); the request paths' cells are returned too,
so the server's violations can name cells. The file is checked against
:mod:`tco_client.input_limits` before openpyxl opens it, and streamed.
"""

# ruff: noqa: PLC0415 - openpyxl (the report extra) is imported lazily
from __future__ import annotations

from pathlib import Path

from tco_client.errors import FieldViolation, TcoInvalidTender
from tco_client.i18n_workbook import canonical_sheet
from tco_client.input_limits import check_workbook_archive, refuse
from tco_client.workbook_bids import read_bids
from tco_client.workbook_cells import CellReader
from tco_client.workbook_method import read_method
from tcoapi.v1 import tender_pb2


def read_tender_workbook(path: str | Path) -> tuple[tender_pb2.EvaluateBidsRequest, dict[str, str]]:
    """The request in a tender workbook, and the cell each request path came from."""
    path = Path(path)
    try:
        from openpyxl import load_workbook
    except ImportError:  # pragma: no cover - depends on the installation
        raise refuse(
            path.name, "reading Excel needs openpyxl: pip install 'lcc-tco-client[report]'"
        ) from None
    check_workbook_archive(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise refuse(path.name, f"not a readable workbook: {exc}") from None
    reader = CellReader()
    request = tender_pb2.EvaluateBidsRequest()
    # English sheet name -> the workbook's own (English or Swedish) name of that sheet.
    sheets: dict[str, str] = {}
    for name in wb.sheetnames:
        sheets.setdefault(canonical_sheet(name) or name, name)
    try:
        if "Method" not in sheets:
            reader.bad(
                path.name,
                "the workbook has no 'Method' ('Metod') sheet (make one with: tco template)",
            )
        else:
            read_method(wb[sheets["Method"]], request.method, reader, sheet=sheets["Method"])
        reader.currency = request.method.currency
        read_bids(wb, request, reader, sheets)
        if "Method" in sheets and not reader.currency and len(request.bids):
            # Default money units come from the currency: without it the bids cannot be read
            # right, so it is the one message (naming its cell), not one per amount. (An empty
            # workbook reads as an empty request: the server lists what is missing.)
            where = reader.locations.get("method.currency", sheets["Method"])
            reader.violations.insert(0, FieldViolation(where, "currency is required"))
    except Exception as exc:  # a malformed sheet surfaces while streaming it
        raise refuse(path.name, f"not a readable workbook: {exc}") from None
    finally:
        wb.close()
    if reader.violations:
        raise TcoInvalidTender(reader.violations, f"invalid tender workbook {path.name}")
    return request, reader.locations
