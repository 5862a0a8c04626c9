"""Portal receipts: ``portal_receipt`` holds the receipt an agency's portal gave for a report the
practitioner entered into it (sealed with the case's key), one per delivered report, with who
attached it, when, its media type, size and hash.

A database adopted from before migrations (made by ``create_all`` over every model) may have the
table already: then it is left as it is.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("portal_receipt"):
        return  # adopted from before migrations (made by create_all over every model)
    op.create_table(
        "portal_receipt",
        sa.Column("report_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("media_type", sa.String(length=40), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("attached_by", sa.String(length=64), nullable=False),
        sa.Column("attached_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case_record.case_id"]),
        sa.ForeignKeyConstraint(["report_id"], ["delivery_record.report_id"]),
        sa.PrimaryKeyConstraint("report_id"),
    )
    op.create_index("ix_portal_receipt_case_id", "portal_receipt", ["case_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_portal_receipt_case_id", table_name="portal_receipt")
    op.drop_table("portal_receipt")
