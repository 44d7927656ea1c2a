"""The first difference of two methods, the differing figures of a reproduction, and the drafted
reasons of a decision (ties and inconclusive rankings carried over), on hand-made messages."""

from __future__ import annotations

from tco_server.records import compare, reasons
from tcoapi.v1 import result_pb2, tender_pb2


def _method() -> tender_pb2.Method:
    method = tender_pb2.Method(currency="SEK", base_year=2027, study_period_years=12)
    method.discount_rate = 0.035
    method.exchange_rates["EUR"] = 11.2
    method.resource_prices.add(resource="electricity").price.CopyFrom(
        tender_pb2.Quantity(value=1.25, unit="SEK/kWh")
    )
    return method


def test_the_first_difference_is_named_by_its_path() -> None:
    published = _method()
    assert compare.first_difference(published, _method(), "method") is None
    changed = _method()
    changed.exchange_rates["EUR"] = 11.3
    changed.resource_prices[0].price.value = 1.3
    path, description = compare.first_difference(published, changed, "method") or ("", "")
    assert path == "method.resource_prices[0].price.value"  # field 8 comes before field 11
    assert "published 1.25" in description
    assert "given 1.3" in description
    fewer = _method()
    del fewer.resource_prices[:]
    assert compare.first_difference(published, fewer, "method") == (
        "method.resource_prices",
        "differs from the published method: published 1 entries, given 0 entries",
    )
    only_map = _method()
    only_map.exchange_rates["NOK"] = 1.0
    assert compare.first_difference(published, only_map, "method")[0] == (  # type: ignore[index]
        'method.exchange_rates["NOK"]'
    )


def _response(
    a_cost: float, b_cost: float, *, warnings: tuple[str, ...] = ()
) -> result_pb2.EvaluateBidsResponse:
    response = result_pb2.EvaluateBidsResponse(currency="SEK", engine_version="1.0")
    for bid_id, cost, rank in (("A", a_cost, 1), ("B", b_cost, 2)):
        result = response.results.add(bid_id=bid_id, rank=rank, evaluated_cost=cost)
        result.cost_by_category["energy"] = cost * 0.6
        result.cost_by_category["acquisition"] = cost * 0.4
    for code in warnings:
        response.warnings.add(code=code, message=f"{code} message")
    return response


def test_figures_of_a_reproduction_are_keyed_by_bid() -> None:
    stored, now = _response(100.0, 120.0), _response(100.0, 125.0)
    found = compare.figure_differences(stored, now)
    assert ("results[bid=B].evaluated_cost", "120.0", "125.0") in found
    assert ('results[bid=B].cost_by_category["energy"]', "72.0", "75.0") in found
    assert all(path.startswith("results[bid=B]") for path, _, _ in found)


def test_reasons_carry_margins_categories_and_warnings() -> None:
    response = _response(1000.0, 1500.0, warnings=("INCONCLUSIVE_RANKING", "NO_EMISSION_FACTOR"))
    decision = reasons.Decision(
        procurement="procurements/p",
        title="Lamps",
        evaluation="procurements/p/evaluations/e1",
        bid_id="A",
        decided_by="Chef",
        organization="region-x",
        decide_time="2027-03-01T09:00:00.000000Z",
        standstill_days=10,
        standstill_end="2027-03-11T09:00:00.000000Z",
        reason="",
        method=_method(),
        response=response,
        method_digest="m" * 64,
        request_digest="r" * 64,
        evaluation_digest="e" * 64,
        procurement_record="p" * 64,
        evaluation_record="v" * 64,
        data_version="2026.1",
    )
    en, sv = reasons.draft(decision, "en"), reasons.draft(decision, "sv")
    assert "comparison number 1,000.00 SEK" in en
    assert "jämförelsetal 1\u00a0000,00 SEK" in sv
    assert "500.00 SEK (50.0 %); mainly energy 300.00 SEK, acquisition 200.00 SEK" in en
    assert "500,00 SEK (50,0 %); främst energi 300,00 SEK, anskaffning 200,00 SEK" in sv
    assert "INCONCLUSIVE_RANKING" in en
    assert "NO_EMISSION_FACTOR" not in en  # only the ranking's warnings
    assert "Avtalsspärr 10 dagar" in sv
    for digest in ("m" * 64, "r" * 64, "e" * 64, "v" * 64):
        assert digest in en
        assert digest in sv
    assert "Price electricity: 1.25 SEK/kWh (the buyer's own figures)." in en
    assert "Pris electricity: 1,25 SEK/kWh (beställarens egna värden)." in sv
    assert "Discount rate 3.5 % (real)" in en
    assert "Kalkylränta 3,5 % (real)" in sv
