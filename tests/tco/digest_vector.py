"""The test vector of the evaluation digest, kept in ``docs/digest.md``: read it, or rewrite it.

The vector is four fenced blocks of docs/digest.md, each after a marker comment
``<!-- vector:NAME -->``: ``tender`` (the tender, JSON as ``tests/fixtures/sample-tender.json``),
``versions`` (the engine and data versions the document states), ``document`` (the canonical
evaluation document, one line of UTF-8), ``bytes`` (its length in bytes and its first bytes in
hex) and ``digest`` (its SHA-256, hex).

When a field of :mod:`tco.prepared` changes on purpose, the document changes with it: rewrite the
vector with ``.venv/bin/python -m tests.tco.digest_vector`` and review the diff.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tco import digest, validate

from .tender_json import tender as tender_from_dict

DOC = Path(__file__).resolve().parents[2] / "docs" / "digest.md"
_BLOCK = re.compile(r"<!-- vector:(\w+) -->\n```(\w*)\n(.*?)\n```", re.DOTALL)


@dataclass(frozen=True)
class Vector:
    tender: dict[str, Any]
    engine_version: str
    data_version: str
    document: str
    digest: str


def _blocks(text: str) -> dict[str, str]:
    return {m.group(1): m.group(3) for m in _BLOCK.finditer(text)}


def read_vector(path: Path = DOC) -> Vector:
    blocks = _blocks(path.read_text(encoding="utf-8"))
    versions = json.loads(blocks["versions"])
    return Vector(
        tender=json.loads(blocks["tender"]),
        engine_version=versions["engine_version"],
        data_version=versions["data_version"],
        document=blocks["document"],
        digest=blocks["digest"].strip(),
    )


def read_bytes_line(path: Path = DOC) -> str:
    """The ``bytes`` block: the document's length and first bytes in hex."""
    return _blocks(path.read_text(encoding="utf-8"))["bytes"].strip()


def document_of(vector: Vector) -> bytes:
    """The engine's canonical document of the vector's tender, at the vector's versions."""
    prepared = validate.prepare(tender_from_dict(vector.tender))
    return digest.evaluation_document(
        prepared, engine_version=vector.engine_version, data_version=vector.data_version
    )


def rewrite(path: Path = DOC) -> bool:
    """Write the engine's document and digest of the tender into ``path``; True if it changed."""
    text = path.read_text(encoding="utf-8")
    document = document_of(read_vector(path))
    new = {
        "document": document.decode("utf-8"),
        "bytes": f"{len(document)} bytes; the first 32 in hex: {document[:32].hex()}",
        "digest": hashlib.sha256(document).hexdigest(),
    }

    def block(match: re.Match[str]) -> str:
        name, lang, body = match.group(1), match.group(2), match.group(3)
        return f"<!-- vector:{name} -->\n```{lang}\n{new.get(name, body)}\n```"

    updated = _BLOCK.sub(block, text)
    if updated != text:
        path.write_text(updated, encoding="utf-8")
    return updated != text


if __name__ == "__main__":
    print("docs/digest.md " + ("rewritten" if rewrite() else "already up to date"))
