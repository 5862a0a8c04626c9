"""Clients' acknowledgements of the privacy notice (the limits of confidentiality): which notice
version, when, how (signed or oral), who recorded it; the optional note sealed.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("privacy_notice_acknowledgement"):
        return  # adopted from a create_all over every model
    op.create_table(
        "privacy_notice_acknowledgement",
        sa.Column("acknowledgement_id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("clinic_id", sa.String(length=64), nullable=False),
        sa.Column("jurisdiction", sa.String(length=16), nullable=False),
        sa.Column("notice_version", sa.String(length=16), nullable=False),
        sa.Column("notice_sha256", sa.String(length=64), nullable=False),
        sa.Column("given_on", sa.Date(), nullable=False),
        sa.Column("how", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_role", sa.String(length=32), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("acknowledgement_id"),
    )
    op.create_index(
        "ix_privacy_notice_acknowledgement_client_id",
        "privacy_notice_acknowledgement",
        ["client_id"],
    )
    op.create_index(
        "ix_privacy_notice_acknowledgement_clinic_id",
        "privacy_notice_acknowledgement",
        ["clinic_id"],
    )


def downgrade() -> None:
    op.drop_index(
        "ix_privacy_notice_acknowledgement_clinic_id", table_name="privacy_notice_acknowledgement"
    )
    op.drop_index(
        "ix_privacy_notice_acknowledgement_client_id", table_name="privacy_notice_acknowledgement"
    )
    op.drop_table("privacy_notice_acknowledgement")
