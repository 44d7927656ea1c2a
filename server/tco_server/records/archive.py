"""Re-compute the evaluations of an exported archive offline (no server, no database).

``tco procurement export ID FILE.zip`` writes a procurement's whole record (see
:meth:`tco_client.procurement.ProcurementClient.export`): per evaluation the request as evaluated
(``evaluations/E.request.binpb``, the published method and the bids as received), the response as
stored (``evaluations/E.response.binpb``, whose SHA-256 is the evaluation digest) and the engine
and data versions it was computed with (``evaluations/E.json``). :func:`reproduce_archive` runs
each request through the very steps of EvaluateBids (``convert_in.to_tender``, the engine,
``convert_out.to_fitting_response`` in the request's view; the limits and the evaluation queue
are the serving's, not the evaluation's) with the engine installed here, and answers as
ReproduceEvaluation does (:func:`tco_server.records.procurements.reproduction`): identical, or
every differing figure and why (engine or data version changed).

The client's ``tco procurement reproduce --archive FILE.zip`` calls it when this package (and so
the engine) is importable, and otherwise checks the digests only. From the server's side::

    python -m tco_server.records.archive FILE.zip [--format json]
"""

from __future__ import annotations

import argparse
import json
import sys
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from google.protobuf import json_format

from tco.errors import InvalidTender
from tco.evaluate import evaluate
from tco_server import convert_in, convert_out
from tco_server.records.procurements import reproduction
from tcoapi.v1 import procurement_pb2 as pb
from tcoapi.v1 import result_pb2, tender_pb2

#: ``view`` -> ``full`` of :func:`convert_out.to_fitting_response`, as EvaluateBids answers.
_FULL: dict[int, bool | None] = {
    tender_pb2.RESPONSE_VIEW_UNSPECIFIED: None,
    tender_pb2.RESPONSE_VIEW_FULL: True,
    tender_pb2.RESPONSE_VIEW_SUMMARY: False,
}


@dataclass(frozen=True, slots=True)
class Reproduced:
    """One archived evaluation re-computed: its name and the answer, or why it could not be."""

    evaluation: str
    answer: pb.ReproduceEvaluationResponse | None
    problem: str = ""


def reevaluate(request: tender_pb2.EvaluateBidsRequest) -> result_pb2.EvaluateBidsResponse:
    """EvaluateBids' answer to ``request`` computed here (raises the engine's InvalidTender)."""
    tender = convert_in.to_tender(request)
    found = evaluate(tender, validate_only=request.validate_only)
    return convert_out.to_fitting_response(found, full=_FULL[request.view])


def _request(archive: zipfile.ZipFile, short: str, stored: pb.Evaluation) -> bytes:
    """The request bytes as evaluated; from the JSON of archives written before the binary."""
    try:
        return archive.read(f"evaluations/{short}.request.binpb")
    except KeyError:
        return bytes(stored.request.SerializeToString(deterministic=True))


def reproduce_archive(path: str | Path) -> list[Reproduced]:
    """Each evaluation of the archive at ``path`` re-computed and compared, in name order."""
    out = []
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        for short, digests in sorted(manifest["evaluations"].items()):
            stored = json_format.Parse(
                archive.read(f"evaluations/{short}.json"),
                pb.Evaluation(),
                ignore_unknown_fields=True,
            )
            name = stored.name or short
            request = tender_pb2.EvaluateBidsRequest.FromString(_request(archive, short, stored))
            try:
                response = reevaluate(request)
            except InvalidTender as error:
                first = error.violations[0] if error.violations else None
                problem = f"{first.field}: {first.description}" if first else "invalid"
                out.append(Reproduced(name, None, f"the engine refuses the request now: {problem}"))
                continue
            answer = reproduction(
                archive.read(f"evaluations/{short}.response.binpb"),
                response,
                evaluation_digest=digests["evaluation_digest"],
                stored_engine_version=stored.engine_version,
                stored_data_version=stored.data_version,
            )
            out.append(Reproduced(name, answer))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tco_server.records.archive", description=__doc__.split("\n")[0]
    )
    parser.add_argument("archive", type=Path)
    parser.add_argument("--format", choices=["table", "json"], default="table")
    args = parser.parse_args(argv)
    found = reproduce_archive(args.archive)
    if args.format == "json":
        print(json.dumps([as_dict(r) for r in found], indent=1))
    else:
        print("\n".join(line for r in found for line in describe(r)))
    return 0 if all(r.answer is not None and r.answer.identical for r in found) else 1


def as_dict(found: Reproduced) -> dict[str, object]:
    """One result as JSON: the evaluation, the ReproduceEvaluationResponse (without the
    re-computed response itself) or the problem."""
    out: dict[str, object] = {"evaluation": found.evaluation}
    if found.answer is not None:
        answer = pb.ReproduceEvaluationResponse()
        answer.CopyFrom(found.answer)
        answer.ClearField("response")
        out["reproduction"] = json_format.MessageToDict(answer)
    else:
        out["problem"] = found.problem
    return out


def describe(found: Reproduced) -> list[str]:
    """Text lines of one result, as ``tco procurement reproduce`` prints them."""
    answer = found.answer
    if answer is None:
        return [f"{found.evaluation}: not re-computed: {found.problem}"]
    if answer.identical:
        return [f"{found.evaluation}: identical: evaluation_digest {answer.evaluation_digest}"]
    lines = [
        f"{found.evaluation}: differs ({answer.reason}): {len(answer.differences)} figures; "
        f"engine {answer.stored_engine_version} -> {answer.engine_version}, data "
        f"{answer.stored_data_version} -> {answer.data_version}"
    ]
    lines += [
        f"  {d.path}: stored {d.stored or '-'}, now {d.reproduced or '-'}"
        for d in answer.differences
    ]
    return lines


if __name__ == "__main__":
    sys.exit(main())
