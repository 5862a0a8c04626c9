"""A delivery may be recorded before its agency reference is known: an agency that took the
report (any 2xx answer) without a reference Dutyflow could read still has the report, so the
delivery and its accounting entry are written at once and the practitioner records the
reference later. ``delivery_record.reference_number`` becomes optional.

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
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("delivery_record") as batch:
        batch.alter_column("reference_number", existing_type=sa.String(length=100), nullable=True)


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
    with op.batch_alter_table("delivery_record") as batch:
        batch.alter_column("reference_number", existing_type=sa.String(length=100), nullable=False)
