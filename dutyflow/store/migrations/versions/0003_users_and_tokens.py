"""Users, their roles, and bearer tokens stored hashed (``user_account``, ``api_token``).

A database adopted from before migrations may have been created with these tables already (by
``create_all`` over every model): a table that exists is left as it is.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "user_account" not in existing:
        op.create_table(
            "user_account",
            sa.Column("user_id", sa.String(length=64), nullable=False),
            sa.Column("display_name", sa.String(length=200), nullable=False),
            sa.Column("role", sa.String(length=32), nullable=False),
            sa.Column("clinic_id", sa.String(length=64), nullable=True),
            sa.Column("agency_id", sa.String(length=64), nullable=True),
            sa.Column("created_at", _AT, nullable=False),
            sa.Column("disabled", sa.Boolean(), nullable=False),
            sa.PrimaryKeyConstraint("user_id"),
        )
        op.create_index("ix_user_account_clinic_id", "user_account", ["clinic_id"], unique=False)
    if "api_token" not in existing:
        op.create_table(
            "api_token",
            sa.Column("token_id", sa.String(length=32), nullable=False),
            sa.Column("user_id", sa.String(length=64), nullable=False),
            sa.Column("token_sha256", sa.String(length=64), nullable=False),
            sa.Column("created_at", _AT, nullable=False),
            sa.Column("last_used_at", _AT, nullable=True),
            sa.Column("revoked", sa.Boolean(), nullable=False),
            sa.ForeignKeyConstraint(["user_id"], ["user_account.user_id"]),
            sa.PrimaryKeyConstraint("token_id"),
            sa.UniqueConstraint("token_sha256"),
        )
        op.create_index("ix_api_token_user_id", "api_token", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_table("api_token")  # its indexes go with it
    op.drop_table("user_account")
