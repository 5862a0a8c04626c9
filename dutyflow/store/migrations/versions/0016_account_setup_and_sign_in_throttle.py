"""One-time set-up codes and sign-in throttling shared by every API process.

``account_setup``: whoever creates an account receives a one-time code (stored as its SHA-256,
single use, expiring), never a token of the account; the user sets their own password with it.
``sign_in_throttle``: failed sign-ins per account and per address (keys stored hashed), counted
in the database so that the limits hold across API processes.

A database adopted from before migrations (made by ``create_all`` over every model) may have the
tables already: then they are left as they are.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    tables = set(sa.inspect(op.get_bind()).get_table_names())
    if "account_setup" not in tables:
        op.create_table(
            "account_setup",
            sa.Column("setup_id", sa.String(length=32), nullable=False),
            sa.Column("user_id", sa.String(length=64), nullable=False),
            sa.Column("code_sha256", sa.String(length=64), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("revoked", sa.Boolean(), nullable=False),
            sa.ForeignKeyConstraint(["user_id"], ["user_account.user_id"]),
            sa.PrimaryKeyConstraint("setup_id"),
            sa.UniqueConstraint("code_sha256"),
        )
        op.create_index("ix_account_setup_user_id", "account_setup", ["user_id"], unique=False)
    if "sign_in_throttle" not in tables:
        op.create_table(
            "sign_in_throttle",
            sa.Column("key_sha256", sa.String(length=64), nullable=False),
            sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("failures", sa.Integer(), nullable=False),
            sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
            sa.PrimaryKeyConstraint("key_sha256"),
        )


def downgrade() -> None:
    op.drop_table("sign_in_throttle")
    op.drop_index("ix_account_setup_user_id", table_name="account_setup")
    op.drop_table("account_setup")
