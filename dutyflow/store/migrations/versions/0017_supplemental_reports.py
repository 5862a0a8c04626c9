"""Supplemental reports: ``supplemental_report`` holds each supplement to a delivered case (the
grounds with its changed or added answers, sealed; the changed paths; who recorded it). Each
recipient's copy lives beside the report's own rows (``disclosure_record``, ``report_document``,
``delivery_record``, ``accounting_entry``) under the recipient id ``<recipient>/supplement-<n>``.

A database adopted from before migrations (made by ``create_all`` over every model) may have the
table already: then it is left as it is.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("supplemental_report"):
        return  # adopted from before migrations (made by create_all over every model)
    op.create_table(
        "supplemental_report",
        sa.Column("supplement_id", sa.String(length=100), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("submission", sa.Text(), nullable=False),
        sa.Column("changed_fields", sa.JSON(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case_record.case_id"]),
        sa.PrimaryKeyConstraint("supplement_id"),
    )
    op.create_index(
        "ix_supplemental_report_case_id", "supplemental_report", ["case_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_supplemental_report_case_id", table_name="supplemental_report")
    op.drop_table("supplemental_report")
