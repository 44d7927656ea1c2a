"""Procurement records: an append-only, tamper-evident store of published methods, evaluations
and award decisions (issue 18; the service is :mod:`tco_server.procurement_service`).

- :mod:`~tco_server.records.store`: SQLAlchemy 2 Core over SQLite (embedded default, WAL,
  ``synchronous=FULL``) or PostgreSQL; one table of records, one hash chain per organisation;
  the code has no UPDATE or DELETE, and triggers refuse them (PostgreSQL and SQLite).
- :mod:`~tco_server.records.batching`: group commit, concurrent appends of one organisation in
  one transaction (each still its own chained record).
- :mod:`~tco_server.records.chain`: the hash of a record over its canonical fields.
- :mod:`~tco_server.records.crypto`: record payloads sealed with AES-GCM when the operator gives
  a key (``--data-key-file``).
- :mod:`~tco_server.records.migrations`: the Alembic migrations, run at server start.
- :mod:`~tco_server.records.compare` and :mod:`~tco_server.records.reasons`: the first
  difference of two methods, the differing figures of a reproduced evaluation, and the drafted
  reasons of an award decision (Swedish and English).
- :mod:`~tco_server.records.archive`: an exported archive's evaluations re-computed offline with
  the engine (``tco procurement reproduce --archive``, ``python -m tco_server.records.archive``).
"""
