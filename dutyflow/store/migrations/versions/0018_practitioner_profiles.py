"""Practitioners' profiles: ``practitioner_profile`` holds each practitioner's profile (name,
title, licence, mandated-reporter category, practice, address, phone) and their training
attestations, sealed with the practitioner's own key; who saved it last and when.

A database adopted from before migrations (made by ``create_all`` over every model) may have the
table already: then it is left as it is.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("practitioner_profile"):
        return  # adopted from before migrations (made by create_all over every model)
    op.create_table(
        "practitioner_profile",
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("clinic_id", sa.String(length=64), nullable=True),
        sa.Column("profile", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_index(
        "ix_practitioner_profile_clinic_id", "practitioner_profile", ["clinic_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_practitioner_profile_clinic_id", table_name="practitioner_profile")
    op.drop_table("practitioner_profile")
