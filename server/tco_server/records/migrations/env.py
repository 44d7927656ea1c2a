"""Alembic environment: runs on the connection :func:`tco_server.records.store.migrate` passes
(``config.attributes["connection"]``, already in a transaction that holds the migration lock)."""

from __future__ import annotations

from alembic import context

from tco_server.records.store import VERSION_TABLE

connection = context.config.attributes["connection"]
context.configure(connection=connection, version_table=VERSION_TABLE, transactional_ddl=True)
with context.begin_transaction():
    context.run_migrations()
