"""Tokens that expire: ``api_token.expires_at`` (an API token lives 90 days, a web session at
most 12 hours) and ``api_token.session`` (a web session's token, which also ends after 30 minutes
unused). Tokens issued before have no ``expires_at``: they expire 90 days after they were made
(`dutyflow.auth.store.authenticate`).

A database adopted from before migrations (made by ``create_all`` over every model) may have the
columns already: then they are left as they are.

Revision ID: 0015
Revises: 0011
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("api_token")}
    with op.batch_alter_table("api_token") as batch:
        if "expires_at" not in columns:
            batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        if "session" not in columns:
            batch.add_column(
                sa.Column("session", sa.Boolean(), nullable=False, server_default=sa.false())
            )


def downgrade() -> None:
    with op.batch_alter_table("api_token") as batch:
        batch.drop_column("session")
        batch.drop_column("expires_at")
