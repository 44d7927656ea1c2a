"""Alembic migrations of the records store, shipped inside the package and run at server start
(:func:`tco_server.records.store.migrate`); their version table is ``tco_records_version``."""
