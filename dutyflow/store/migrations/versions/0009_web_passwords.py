"""Passwords for the web app's sign-in: ``user_account.password_hash``, an scrypt hash with a
salt of the user's own (`dutyflow.auth.store.set_password`), never the password. Null until the
user is given one with ``dutyflow users password``; such a user signs in with a token only.

A database adopted from before migrations (made by ``create_all`` over every model) may have the
column already: then it is left as it is.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("user_account")}
    if "password_hash" in columns:
        return
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("password_hash", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("password_hash")
