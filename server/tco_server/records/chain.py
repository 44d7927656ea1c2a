"""The hash chain of records: one chain per organisation, each record hashing the previous one.

A record's hash is the lower-case hex SHA-256 of the canonical JSON (keys sorted, no whitespace,
UTF-8, as :mod:`tco.digest` writes it) of::

    {"created_at": "2027-03-01T09:30:00.000000Z", "encrypted": false, "id": "<32 hex>",
     "kind": "evaluation", "organization": "region-x", "payload_sha256": "<hex>",
     "prev_hash": "<hex>", "procurement": "ventilation-2027", "seq": 2,
     "subject": "procurements/ventilation-2027/evaluations/e1"}

``payload_sha256`` is the SHA-256 of the payload bytes as stored (sealed when a data key is in
use), so the chain is checked without the key. The first record of an organisation has
``prev_hash`` :data:`GENESIS` (64 zeros) and ``seq`` 1; each next one ``seq + 1`` and the
previous record's hash. Editing any field of a stored record changes its hash; deleting or
reordering records breaks ``seq`` or ``prev_hash`` of the record after: :func:`first_break`
names the first such record. (Removing the newest records leaves a shorter, valid chain: keep
the head hash VerifyRecords reports, e.g. in the award decision, to detect that.)

Example: ``record_hash(seq=1, prev_hash=GENESIS, ...)`` of a procurement record is the value
stored in its ``hash`` column and returned as ``Procurement.record_hash``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class Link:
    """The fields of one stored record that its hash covers (as read back from the table)."""

    organization: str
    seq: int
    id: str
    kind: str
    subject: str
    procurement: str
    created_at: str
    encrypted: bool
    payload: bytes
    prev_hash: str
    hash: str


def record_hash(
    *,
    organization: str,
    seq: int,
    id: str,
    kind: str,
    subject: str,
    procurement: str,
    created_at: str,
    encrypted: bool,
    payload: bytes,
    prev_hash: str,
) -> str:
    """SHA-256 (hex) of the canonical fields of a record (see the module docstring)."""
    document = {
        "created_at": created_at,
        "encrypted": encrypted,
        "id": id,
        "kind": kind,
        "organization": organization,
        "payload_sha256": hashlib.sha256(payload).hexdigest(),
        "prev_hash": prev_hash,
        "procurement": procurement,
        "seq": seq,
        "subject": subject,
    }
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def link_hash(link: Link) -> str:
    """The hash ``link`` should carry, recomputed from its fields."""
    return record_hash(
        organization=link.organization,
        seq=link.seq,
        id=link.id,
        kind=link.kind,
        subject=link.subject,
        procurement=link.procurement,
        created_at=link.created_at,
        encrypted=link.encrypted,
        payload=link.payload,
        prev_hash=link.prev_hash,
    )


@dataclass(frozen=True, slots=True)
class Verification:
    """The outcome of checking one chain."""

    checked: int
    head_hash: str
    broken: Link | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken is None


def first_break(links: Iterable[Link], check: Callable[[Link], str] | None = None) -> Verification:
    """Walk a chain in ``seq`` order; stop at the first record that breaks it. ``check(link)``,
    when given, says what else is wrong with a record whose hash holds ("" when nothing): the
    rows a readings batch's digest covers."""
    expected_seq, prev = 1, GENESIS
    checked = 0
    for link in links:
        checked += 1
        problem = ""
        if link.seq != expected_seq:
            problem = f"sequence {link.seq} where {expected_seq} was expected (a record is missing)"
        elif link.prev_hash != prev:
            problem = "prev_hash is not the hash of the record before"
        elif link_hash(link) != link.hash:
            problem = "hash does not match the record's content (the record was changed)"
        elif check is not None:
            problem = check(link)
        if problem:
            return Verification(checked=checked, head_hash=prev, broken=link, problem=problem)
        expected_seq, prev = link.seq + 1, link.hash
    return Verification(checked=checked, head_hash="" if checked == 0 else prev)
