"""Index obligations by written-report deadline: the compliance officer's overdue list.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    existing = {i["name"] for i in sa.inspect(op.get_bind()).get_indexes("obligation_record")}
    if "ix_obligation_record_written_report_due_at" in existing:
        return  # a database adopted from before migrations, created with the index already
    op.create_index(
        "ix_obligation_record_written_report_due_at",
        "obligation_record",
        ["written_report_due_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_obligation_record_written_report_due_at", table_name="obligation_record")
