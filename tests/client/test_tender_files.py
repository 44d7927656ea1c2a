"""Tender files: JSON, YAML and the Excel workbook all give the same request (offline)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from google.protobuf import json_format
from openpyxl import load_workbook

from tco_client.errors import TcoInvalidTender
from tco_client.template import write_template
from tco_client.tender import load_tender, load_tender_file, tender_to_dict
from tco_client.workbook_layout import DATA_SHEETS
from tcoapi.v1 import tender_pb2
from tests.client.conftest import EXAMPLE_FILES
from tests.conftest import FIXTURES


@pytest.mark.parametrize("name", sorted(EXAMPLE_FILES))
def test_examples_parse_with_only_contract_fields(name: str) -> None:
    request = load_tender(EXAMPLE_FILES[name])
    assert request.method.currency == "SEK"
    assert len(request.bids) >= 2
    assert len({b.id for b in request.bids}) == len(request.bids)


def test_example_sample_is_a_copy_of_the_fixture(sample_tender_path: Path) -> None:
    assert EXAMPLE_FILES["sample"].read_bytes() == sample_tender_path.read_bytes()


@pytest.mark.parametrize("name", sorted(EXAMPLE_FILES))
def test_yaml_tender_equals_json_tender(name: str, tmp_path: Path) -> None:
    document = json.loads(EXAMPLE_FILES[name].read_text(encoding="utf-8"))
    path = tmp_path / "tender.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), "utf-8")
    assert load_tender(path) == load_tender(EXAMPLE_FILES[name])


@pytest.mark.parametrize("name", sorted(EXAMPLE_FILES))
def test_workbook_round_trip_of_every_example(name: str, tmp_path: Path) -> None:
    request = load_tender(EXAMPLE_FILES[name])
    path = write_template(tmp_path / "tender.xlsx", request)
    assert load_tender(path) == request


def test_unknown_json_field_is_an_error_not_ignored(tmp_path: Path) -> None:
    document = json.loads(EXAMPLE_FILES["sample"].read_text(encoding="utf-8"))
    document["method"]["discount_rat"] = 0.04
    path = tmp_path / "typo.json"
    path.write_text(json.dumps(document), "utf-8")
    with pytest.raises(TcoInvalidTender) as caught:
        load_tender(path)
    assert caught.value.violations[0].field == "method.discount_rat"
    assert "typo.json" in caught.value.violations[0].description


def test_every_unknown_key_is_named_by_its_path_and_camel_case_is_known(tmp_path: Path) -> None:
    # issue #14: a dropped or misspelt key must not evaluate with zeros
    document = json.loads(EXAMPLE_FILES["sample"].read_text(encoding="utf-8"))
    document["method"]["discountRate"] = document["method"].pop("discount_rate")  # lowerCamel
    item = document["bids"][1]["items"][0]
    item["unit_prise"] = item.pop("unit_price")
    item["emissions"]["A1_A3"] = item["emissions"].pop("a1_a3")
    document["method"]["exchange_rates"]["XYZ"] = 1.0  # a map key: not a field name
    path = tmp_path / "typos.json"
    path.write_text(json.dumps(document), "utf-8")
    with pytest.raises(TcoInvalidTender) as caught:
        load_tender(path)
    assert sorted(v.field for v in caught.value.violations) == [
        "bids[1].items[0].emissions.A1_A3",
        "bids[1].items[0].unit_prise",
    ]


def test_broken_json_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"method": {\n  "currency": "SEK",,\n}}', "utf-8")
    with pytest.raises(TcoInvalidTender) as caught:
        load_tender(path)
    assert caught.value.violations[0].field.startswith("broken.json:2:")


def test_unknown_suffix_and_missing_file(tmp_path: Path) -> None:
    (tmp_path / "tender.txt").write_text("{}", "utf-8")
    with pytest.raises(TcoInvalidTender):
        load_tender(tmp_path / "tender.txt")
    with pytest.raises(TcoInvalidTender) as caught:
        load_tender(tmp_path / "missing.json")
    assert "no such file" in caught.value.violations[0].description


def test_template_is_empty_and_documented(tmp_path: Path) -> None:
    path = write_template(tmp_path / "template.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["Instructions", "Method", *[s.name for s in DATA_SHEETS]]
    method = wb["Method"]
    assert [c.value for c in method[1]] == ["parameter", "key", "year", "value", "unit", "note"]
    names = [row[0] for row in method.iter_rows(min_row=2, values_only=True)]
    assert {"currency", "discount_rate", "resource_price", "carbon_price_series"} <= set(names)
    assert all(row[3] is None for row in method.iter_rows(min_row=2, values_only=True))
    bids_header = [c.value for c in wb["Bids"][1]]
    assert "unit_price [money]" in bids_header
    assert "a1_a3 [CO2e]" in bids_header
    assert wb["Bids"].freeze_panes == "B2"
    assert wb["Bids"].max_row == 1
    instructions = " ".join(
        str(v) for row in wb["Instructions"].iter_rows(values_only=True) for v in row if v
    )
    assert "Resource use" in instructions
    assert "default" in instructions.lower()
    # An empty template reads as an empty request (the server then lists what is missing).
    assert load_tender(path) == tender_pb2.EvaluateBidsRequest()


def _fill_small_workbook(path: Path) -> None:
    """What an evaluator does: open the template and type a small tender in."""
    wb = load_workbook(path)
    method = wb["Method"]
    values = {
        "currency": "SEK",
        "base_year": 2027,
        "study_period_years": 10,
        "discount_rate": 0.035,
        "timing": "end_of_year",
        "carbon_price_series": "asek-7.0",
        "baseline_bid_id": "A",
    }
    keyed = [
        ("resource_price", "electricity", None, 1.3, "SEK/kWh"),
        ("resource_escalation", "electricity", None, 0.01, None),
        ("emission_factor", "electricity", None, 0.059, "kgCO2e/kWh"),
        ("emission_factor_basis", "electricity", None, "location-based Nordic mix", None),
        ("exchange_rate", "EUR", None, 11.2, None),
    ]
    for row in method.iter_rows(min_row=2):
        name = row[0].value
        if name in values:
            row[3].value = values.pop(name)
    for name, key, year, value, unit in keyed:
        method.append([name, key, year, value, unit])
    headers = {c.value.split(" [")[0]: i for i, c in enumerate(wb["Bids"][1])}
    bids = wb["Bids"]
    for bid_id, supplier, item, price, unit, watts in (
        ("A", "Lampor AB", "LED panel 34 W", 1450, None, 34),
        ("B", "Ljus GmbH", "LED panel 26 W", 180, "EUR", 26),
    ):
        cells: list[object] = [None] * len(headers)
        cells[headers["bid_id"]] = bid_id
        cells[headers["supplier"]] = supplier
        cells[headers["item"]] = item
        cells[headers["quantity"]] = 100
        cells[headers["unit_price"]] = price
        cells[headers["unit_price unit"]] = unit  # empty: the method currency
        cells[headers["service_life"]] = 12
        cells[headers["a1_a3"]] = 22
        bids.append(cells)
        wb["Resource use"].append([bid_id, item, "electricity", watts, "W", 5000, "h/year"])
    wb["Costs"].append(["B", None, "control system", "acquisition", 20000, "SEK", 0, 0, None, None])
    wb.save(path)


#: What :func:`_fill_small_workbook` types in, as the JSON tender it must read as.
SMALL_TENDER = FIXTURES / "small-tender.json"


def small_tender_workbook(tmp_path: Path) -> Path:
    path = write_template(tmp_path / "small.xlsx")
    _fill_small_workbook(path)
    return path


def test_filled_template_equals_the_json_tender(tmp_path: Path) -> None:
    expected = json_format.Parse(
        SMALL_TENDER.read_text(encoding="utf-8"), tender_pb2.EvaluateBidsRequest()
    )
    loaded = load_tender_file(small_tender_workbook(tmp_path))
    assert loaded.request == expected, json.dumps(tender_to_dict(loaded.request), indent=1)
    # Server violations can be traced back to cells.
    assert loaded.locate("bids[1].items[0].unit_price.unit") == "Bids!H3"
    assert loaded.locate("bids[0].items[0].resource_use[0].amount.unit") == "'Resource use'!E2"
    assert loaded.locate("bids[0].items[0].resource_use[0].amount") == "'Resource use'!D2"
    assert loaded.locate("method.resource_prices[0].price").startswith("Method!D")


def test_workbook_problems_are_all_reported_with_cells(tmp_path: Path) -> None:
    path = small_tender_workbook(tmp_path)
    wb = load_workbook(path)
    bids = wb["Bids"]
    bids["F2"] = "many"  # quantity
    bids["I3"] = None
    bids["J3"] = "years"  # unit without a value
    wb["Resource use"].append(["C", "x", "electricity", 1, "W", None, None])  # unknown bid
    wb["Resource use"].append(["A", "no such item", "electricity", 1, "W", None, None])
    wb["Method"].append(["discount_rat", None, None, 0.04, None])
    wb.save(path)
    with pytest.raises(TcoInvalidTender) as caught:
        load_tender(path)
    fields = [v.field for v in caught.value.violations]
    assert "Bids!F2 (quantity)" in fields
    assert "'Resource use'!A4 (bid_id)" in fields
    assert "'Resource use'!B5 (item)" in fields
    assert any(f.startswith("Method!A") and "(parameter)" in f for f in fields)
    assert len(caught.value.violations) >= 4


def test_swedish_decimal_comma_and_ambiguous_numbers(tmp_path: Path) -> None:
    path = small_tender_workbook(tmp_path)
    wb = load_workbook(path)
    wb["Bids"]["F2"] = "100,5"
    wb.save(path)
    assert load_tender(path).bids[0].items[0].quantity == 100.5
    wb["Bids"]["F2"] = "1,000"
    wb.save(path)
    with pytest.raises(TcoInvalidTender) as caught:
        load_tender(path)
    assert "ambiguous" in caught.value.violations[0].description


def test_formulas_are_refused_with_their_cell(tmp_path: Path) -> None:
    path = small_tender_workbook(tmp_path)
    wb = load_workbook(path)
    wb["Bids"]["G2"] = "=1400+50"  # without a stored result; with one: tests/client/test_issues
    wb.save(path)
    with pytest.raises(TcoInvalidTender) as caught:
        load_tender(path)
    assert caught.value.violations[0].field == "Bids!G2 (unit_price)"
    assert "=1400+50" in caught.value.violations[0].description
