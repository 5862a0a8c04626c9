"""A delivery may be recorded before its agency reference is known: an agency that took the
report (any 2xx answer) without a reference Dutyflow could read still has the report, so the
delivery and its accounting entry are written at once and the practitioner records the
reference later. ``delivery_record.reference_number`` becomes optional.

``seen_webhook_message`` keeps the signed agency messages already accepted (Standard Webhooks id
and timestamp), so that replay protection survives a restart.

Downgrading refuses while a delivery still waits for its reference (there is no honest value to
put in it).

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("delivery_record") as batch:
        batch.alter_column("reference_number", existing_type=sa.String(length=100), nullable=True)
    # A database made by the old ``create_all`` already has the table.
    if "seen_webhook_message" in sa.inspect(op.get_bind()).get_table_names():
        return
    op.create_table(
        "seen_webhook_message",
        sa.Column("message_id", sa.String(length=128), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("message_id", "timestamp"),
    )
    op.create_index(
        "ix_seen_webhook_message_timestamp", "seen_webhook_message", ["timestamp"], unique=False
    )


def downgrade() -> None:
    waiting = (
        op.get_bind()
        .execute(sa.text("SELECT count(*) FROM delivery_record WHERE reference_number IS NULL"))
        .scalar_one()
    )
    if waiting:
        raise RuntimeError(
            f"{waiting} deliveries still wait for their agency reference; record them first"
        )
    op.drop_index("ix_seen_webhook_message_timestamp", table_name="seen_webhook_message")
    op.drop_table("seen_webhook_message")
    with op.batch_alter_table("delivery_record") as batch:
        batch.alter_column("reference_number", existing_type=sa.String(length=100), nullable=False)
