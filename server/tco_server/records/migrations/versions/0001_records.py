"""The records table: append-only, one hash chain per organisation.

Revision ID: 0001_records
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_records"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

_PG_REFUSE = """
CREATE FUNCTION tco_records_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'tco_records is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "tco_records",
        sa.Column("organization", sa.String(64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("procurement", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("encrypted", sa.Boolean(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("organization", "seq", name="tco_records_pk"),
        sa.UniqueConstraint("id", name="tco_records_id"),
        sa.UniqueConstraint("organization", "kind", "subject", name="tco_records_subject"),
    )
    op.create_index(
        "tco_records_by_procurement", "tco_records", ["organization", "procurement", "kind", "seq"]
    )
    op.create_index("tco_records_by_kind", "tco_records", ["organization", "kind", "seq"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_REFUSE)
        op.execute(
            "CREATE TRIGGER tco_records_append_only BEFORE UPDATE OR DELETE ON tco_records "
            "FOR EACH ROW EXECUTE FUNCTION tco_records_refuse_change()"
        )
        op.execute(
            "CREATE TRIGGER tco_records_no_truncate BEFORE TRUNCATE ON tco_records "
            "FOR EACH STATEMENT EXECUTE FUNCTION tco_records_refuse_change()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER tco_records_no_{action.lower()} BEFORE {action} ON tco_records "
                "BEGIN SELECT RAISE(ABORT, 'tco_records is append-only'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER tco_records_no_truncate ON tco_records")
        op.execute("DROP TRIGGER tco_records_append_only ON tco_records")
        op.execute("DROP FUNCTION tco_records_refuse_change()")
    else:
        op.execute("DROP TRIGGER tco_records_no_delete")
        op.execute("DROP TRIGGER tco_records_no_update")
    op.drop_index("tco_records_by_kind", table_name="tco_records")
    op.drop_index("tco_records_by_procurement", table_name="tco_records")
    op.drop_table("tco_records")
