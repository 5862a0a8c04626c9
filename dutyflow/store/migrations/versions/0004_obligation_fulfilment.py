"""Mark an obligation fulfilled when its written report reaches the agency, and index the open
ones by deadline: the overdue list then reads only what is still owed.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("fulfilled_at IS NULL")


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    columns = {c["name"] for c in inspector.get_columns("obligation_record")}
    if "fulfilled_at" not in columns:  # absent unless adopted from a database made by the models
        with op.batch_alter_table("obligation_record") as batch:
            batch.add_column(sa.Column("fulfilled_at", sa.DateTime(timezone=True), nullable=True))
        op.execute(
            "UPDATE obligation_record SET fulfilled_at = ("
            " SELECT MIN(d.received_at) FROM delivery_record d"
            " WHERE d.case_id = obligation_record.case_id"
            " AND d.recipient_id = obligation_record.recipient_id)"
        )
    if "ix_obligation_record_open_by_due" not in {
        i["name"] for i in inspector.get_indexes("obligation_record")
    }:
        op.create_index(
            "ix_obligation_record_open_by_due",
            "obligation_record",
            ["written_report_due_at"],
            postgresql_where=OPEN,
            sqlite_where=OPEN,
        )


def downgrade() -> None:
    op.drop_index("ix_obligation_record_open_by_due", table_name="obligation_record")
    with op.batch_alter_table("obligation_record") as batch:
        batch.drop_column("fulfilled_at")
