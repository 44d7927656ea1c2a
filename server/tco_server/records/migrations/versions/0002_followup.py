"""Readings of contract follow-up (#19): series, batches and the readings, all append-only.

- ``tco_reading_series``: one row per series of a procurement (its kind and the canonical unit
  its readings are stored in);
- ``tco_reading_batches``: one row per stored batch (``procurements/{p}/readings/batches/b{n}``),
  the link to its chain record (``record_seq``);
- ``tco_readings``: one row per reading or interval, numeric only, keyed by (batch, index);
  indexed by (series, start) for the overlap checks and the reports, and (partially) by the
  reading each correction supersedes.

Like the records table, UPDATE, DELETE (and TRUNCATE on PostgreSQL) are refused by triggers.

Revision ID: 0002_followup
Revises: 0001_records
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_followup"
down_revision: str | None = "0001_records"
branch_labels: str | None = None
depends_on: str | None = None

TABLES = ("tco_reading_series", "tco_reading_batches", "tco_readings")

_PG_REFUSE = """
CREATE FUNCTION tco_readings_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""

#: An integer primary key that autoincrements on both backends (SQLite needs INTEGER exactly).
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "tco_reading_series",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("organization", sa.String(64), nullable=False),
        sa.Column("procurement", sa.String(64), nullable=False),
        sa.Column("series", sa.String(100), nullable=False),
        sa.Column("kind", sa.SmallInteger(), nullable=False),
        sa.Column("unit", sa.String(64), nullable=False),
        sa.UniqueConstraint("organization", "procurement", "series", name="tco_reading_series_key"),
    )
    op.create_table(
        "tco_reading_batches",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("organization", sa.String(64), nullable=False),
        sa.Column("procurement", sa.String(64), nullable=False),
        sa.Column("number", sa.BigInteger(), nullable=False),
        sa.Column("record_seq", sa.BigInteger(), nullable=False),
        sa.Column("row_count", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint(
            "organization", "procurement", "number", name="tco_reading_batches_key"
        ),
    )
    op.create_table(
        "tco_readings",
        sa.Column("batch_id", sa.BigInteger(), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.BigInteger(), nullable=False),
        sa.Column("start_us", sa.BigInteger(), nullable=False),
        sa.Column("end_us", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.Float(precision=53), nullable=False),
        sa.Column("estimated", sa.Boolean(), nullable=False),
        sa.Column("sup_batch", sa.BigInteger(), nullable=True),
        sa.Column("sup_idx", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("batch_id", "idx", name="tco_readings_pk"),
        sqlite_with_rowid=False,
    )
    op.create_index("tco_readings_by_series", "tco_readings", ["series_id", "start_us"])
    op.create_index(
        "tco_readings_by_superseded",
        "tco_readings",
        ["sup_batch", "sup_idx"],
        sqlite_where=sa.text("sup_batch IS NOT NULL"),
        postgresql_where=sa.text("sup_batch IS NOT NULL"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_REFUSE)
        for table in TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION tco_readings_refuse_change()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION tco_readings_refuse_change()"
            )
    else:
        for table in TABLES:
            for action in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in reversed(TABLES):
        if postgresql:
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
        else:
            op.execute(f"DROP TRIGGER {table}_no_delete")
            op.execute(f"DROP TRIGGER {table}_no_update")
    if postgresql:
        op.execute("DROP FUNCTION tco_readings_refuse_change()")
    op.drop_index("tco_readings_by_superseded", table_name="tco_readings")
    op.drop_index("tco_readings_by_series", table_name="tco_readings")
    for table in reversed(TABLES):
        op.drop_table(table)
