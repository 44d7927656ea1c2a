"""The requests and columns the conversion goldens and oracle tests run on (test helper).

Three kinds of input:

- valid tenders (the fixture sample, every ``examples/*.json``, the benchmark's typical tender,
  columnar tenders): evaluated, so the whole server path is pinned byte for byte;
- :func:`filled_request`: every field of the contract set, deterministically, with ``-0.0``, NaN,
  infinities and every enum value: not a valid tender, but it reaches every branch of the
  proto -> domain conversion (its domain ``repr`` is pinned);
- :func:`limit_cases`: requests that break the limits, often several at once, each with the
  :class:`tco_server.limits.Limits` to check it against (exact violations pinned).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterator
from pathlib import Path

from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from bench.common import typical_request
from tco_server.limits import Limits
from tcoapi.v1 import batch_pb2, tender_pb2
from tests.conftest import EXAMPLES
from tests.hostile.corpus import SIZE_CASES, UNIT_CASES, VALUE_CASES
from tests.server.conftest import load_sample_request

Request = tender_pb2.EvaluateBidsRequest
F = FieldDescriptor


def valid_requests() -> dict[str, Request]:
    """The valid tenders by name: the sample, every example, the typical 5 x 10 x 20 tender."""
    out = {"fixture-sample-tender": load_sample_request()}
    for path in sorted(Path(EXAMPLES).glob("*.json")):
        out[f"example-{path.stem}"] = json_format.Parse(path.read_text(encoding="utf-8"), Request())
    out["typical-5x10x20"] = json_format.ParseDict(typical_request(), Request())
    return out


# -- every field set ---------------------------------------------------------------------------

_FLOATS = [1.5, -0.0, 0.0, math.nan, math.inf, -math.inf, 1e-310, 2.25, -7.0, 1e300]


def _fill(message: Message, descriptor: Descriptor, counter: Iterator[int], depth: int) -> None:
    for field in descriptor.fields:
        n = next(counter)
        if field.type == F.TYPE_MESSAGE:
            entry = field.message_type
            assert entry is not None
            if entry.GetOptions().map_entry:
                target = getattr(message, field.name)
                for k in range(2):
                    target[f"K{n}x{k}"] = _FLOATS[(n + k) % len(_FLOATS)]
                continue
            if depth <= 0:
                continue
            if field.is_repeated:
                for _ in range(2):
                    _fill(getattr(message, field.name).add(), entry, counter, depth - 1)
            else:
                sub = getattr(message, field.name)
                sub.SetInParent()
                _fill(sub, entry, counter, depth - 1)
            continue
        value: object
        if field.type == F.TYPE_STRING:
            value = f"s{n}"
        elif field.type == F.TYPE_BOOL:
            value = n % 2 == 1
        elif field.type == F.TYPE_ENUM:
            assert field.enum_type is not None
            numbers = [v.number for v in field.enum_type.values]
            value = numbers[n % len(numbers)]
        elif field.type in (F.TYPE_DOUBLE, F.TYPE_FLOAT):
            value = _FLOATS[n % len(_FLOATS)]
        else:
            value = (n * 7919) % 4000 - 2000
        if field.is_repeated:
            getattr(message, field.name).extend([value, value])
        else:
            setattr(message, field.name, value)


def filled_request(bids: int = 3) -> Request:
    """Every field of the request set (two of each list), deterministic values, ``bids`` bids."""
    counter = iter(range(1, 1_000_000))
    request = Request()
    _fill(request, Request.DESCRIPTOR, counter, depth=6)
    for _ in range(bids - 2):
        request.bids.add().CopyFrom(request.bids[0])
    return request


def partly_filled_request() -> Request:
    """The filled request with some messages and lists cleared again (unset vs empty)."""
    request = filled_request()
    request.method.ClearField("carbon_price")
    request.method.ClearField("evaluation_model")
    request.bids[0].ClearField("circularity")
    request.bids[0].items[0].ClearField("emissions")
    request.bids[0].items[0].ClearField("unit_price")
    request.bids[1].items[1].emissions.ClearField("a4")
    request.bids[1].items[1].resource_use[0].ClearField("amount")
    request.bids[1].costs[0].ClearField("life")
    del request.bids[1].deductions[:]
    return request


# -- requests that break the limits ---------------------------------------------------------------


def limit_cases() -> list[tuple[str, Request, Limits]]:
    """(name, request, limits): the hostile corpus and requests with many problems at once."""
    sample = load_sample_request()
    cases: list[tuple[str, Request, Limits]] = []
    for case in UNIT_CASES + VALUE_CASES + SIZE_CASES:
        if case.transport:
            continue
        request = copy.deepcopy(sample)
        case.mutate(request)
        cases.append((f"hostile: {case.name}", request, Limits()))

    def mutated(*steps: Callable[[Request], None]) -> Request:
        request = copy.deepcopy(sample)
        for step in steps:
            step(request)
        return request

    def many_bad(r: Request) -> None:
        r.method.rate_basis = 7  # type: ignore[assignment]
        r.method.timing = -3  # type: ignore[assignment]
        r.method.evaluation_model.kind = 99  # type: ignore[assignment]
        r.method.study_period_years = 5000
        r.method.currency = "C" * 300
        r.method.functional_unit = "f" * 2001
        r.method.exchange_rates["Z" * 257] = 1.0
        r.method.exchange_rates["A" * 300] = 2.0
        r.method.exchange_rates["EUR"] = 11.0
        r.method.resource_prices[0].price.unit = "u" * 65
        r.bids[0].id = "i" * 257
        r.bids[0].supplier = "s" * 2001
        r.bids[1].items[0].name = "n" * 2001
        r.bids[1].items[0].resource_use[0].amount.unit = "k" * 100
        r.bids[1].items[0].emissions.a1_a3.unit = "k" * 64  # exactly at the limit: fine
        r.bids[1].items[0].emissions.d.unit = "k" * 65
        r.bids[0].costs[0].emissions_module = "m" * 257
        r.bids[0].costs[0].category = "c" * 256  # at the limit: fine

    cases.append(("many bad fields at once", mutated(many_bad), Limits()))
    cases.append(("study period just over", mutated(lambda r: _study(r, 101)), Limits()))
    cases.append(("study period at the limit", mutated(lambda r: _study(r, 100)), Limits()))
    tiny = Limits(max_unit_length=3, max_id_length=4, max_text_length=6, max_study_years=5)
    typical = valid_requests()["typical-5x10x20"]
    cases.append(("typical, tiny string limits", typical, tiny))
    cases.append(("sample, tiny string limits", sample, tiny))
    cases.append(("filled, tiny string limits", filled_request(), tiny))
    cases.append(("filled, default limits", filled_request(), Limits()))
    cases.append(("partly filled, tiny string limits", partly_filled_request(), tiny))
    for name, small in (
        ("bids", Limits(max_bids=3)),
        ("items per bid", Limits(max_items_per_bid=4)),
        ("total items", Limits(max_total_items=20)),
        ("items per bid and total", Limits(max_items_per_bid=4, max_total_items=20)),
        ("streams", Limits(max_total_streams=10)),
        ("points", Limits(max_points=1)),
        ("method entries", Limits(max_method_entries=0)),
        ("points and entries", Limits(max_points=0, max_method_entries=0)),
    ):
        cases.append((f"typical, small size limit: {name}", typical, small))
        cases.append((f"filled, small size limit: {name}", filled_request(), small))
    bad_enums = mutated(
        lambda r: setattr(r.method, "timing", 17),
        lambda r: setattr(r.method.evaluation_model, "kind", -1),
    )
    cases.append(("two bad enums", bad_enums, Limits()))
    return cases


def _study(r: Request, years: int) -> None:
    r.method.study_period_years = years


# -- columns ----------------------------------------------------------------------------------


def columns(rows: int, *, seed: int = 0) -> batch_pb2.BidColumns:
    """A columnar tender of ``rows`` one-item bids under the sample method, every column used."""
    sample = load_sample_request()
    c = batch_pb2.BidColumns(method=sample.method, rows=rows)
    c.method.baseline_bid_id = "b0"
    c.method.evaluation_model.kind = tender_pb2.EVALUATION_MODEL_KIND_COST
    c.ids.extend(f"b{i}" for i in range(rows))
    c.quantity.extend(float(1 + (i + seed) % 4) for i in range(rows))
    c.functional_units_delivered.extend(12.0 for _ in range(rows))
    values: dict[str, tuple[str, Callable[[int], float]]] = {
        "unit_price": ("SEK", lambda i: 10_000.0 + 137.0 * ((i * 7 + seed) % 50)),
        "installation_cost": ("SEK", lambda i: 500.0 + (i % 3) * 100.0),
        "service_life": ("years", lambda i: float(4 + (i + seed) % 9)),
        "maintenance_cost": ("SEK/year", lambda i: 300.0 + (i % 5) * 50.0),
        "warranty": ("months", lambda i: float(12 * (1 + i % 3))),
        "end_of_life_cost": ("SEK", lambda i: 200.0),
        "residual_value": ("SEK", lambda i: float(i % 2) * 100.0),
        "emissions_a1_a3": ("kgCO2e", lambda i: 100.0 + i),
        "emissions_c1_c4": ("kgCO2e", lambda i: 10.0),
    }
    for name, (unit, value) in values.items():
        column = getattr(c, name)
        column.unit = unit
        column.values.extend(value(i) for i in range(rows))
    electricity = c.resource_use.add(resource="electricity")
    electricity.amount.unit = "kWh/year"
    electricity.amount.values.extend(1000.0 + 10.0 * ((i + seed) % 30) for i in range(rows))
    return c


def column_cases() -> dict[str, batch_pb2.BidColumns]:
    """Columnar tenders: full, sparse (columns left out, default ids), odd values, the bench's."""
    from bench.stream import chunks

    out = {"full-40": columns(40), "full-7-seed3": columns(7, seed=3)}
    sparse = columns(12, seed=1)
    for name in ("ids", "quantity", "functional_units_delivered"):
        sparse.ClearField(name)
    for name in ("warranty", "residual_value", "emissions_c1_c4"):
        sparse.ClearField(name)  # type: ignore[arg-type]
    sparse.method.baseline_bid_id = "0"  # the default id of row 0
    out["sparse-12"] = sparse
    only_a1 = columns(5)
    only_a1.ClearField("emissions_c1_c4")
    out["only-a1-a3-5"] = only_a1
    no_emissions = columns(5)
    no_emissions.ClearField("emissions_a1_a3")
    no_emissions.ClearField("emissions_c1_c4")
    out["no-emissions-5"] = no_emissions
    two_resources = columns(6, seed=2)
    extra = two_resources.resource_use.add(resource="diesel")
    extra.amount.unit = "l/year"
    extra.amount.values.extend([float(i) for i in range(6)])
    out["two-resources-6"] = two_resources
    unpriced = columns(4)
    unpriced.resource_use.add(resource="water")  # no amounts: None for every row; not priced
    out["unpriced-resource-4"] = unpriced
    odd = columns(6)
    odd.unit_price.values[1] = -0.0
    odd.unit_price.values[2] = math.nan
    odd.quantity[3] = math.inf
    odd.service_life.values[4] = 0.0
    odd.ids[5] = "b0"  # a duplicate id: the engine refuses it
    out["odd-values-6"] = odd
    out["bench-chunk-120"] = next(chunks(120))[1]
    return out
