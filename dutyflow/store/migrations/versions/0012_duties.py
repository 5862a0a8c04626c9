"""Every duty with a deadline, tracked in Dutyflow's own table (issue 16).

* ``duty``: one row per deadline a case owes (the phone report, the written report, the contacts
  to attempt, the acknowledgement follow-up, the decision to inform the client), with when it is
  due, when it was met and how far its escalation has gone. The overdue and at-risk lists read
  the open ones through a partial index on ``due_at``.

A database adopted from before migrations (made by ``create_all`` over every model) may have it
already: then it is left as it is.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("met_at IS NULL")


def upgrade() -> None:
    if "duty" in set(sa.inspect(op.get_bind()).get_table_names()):
        return
    op.create_table(
        "duty",
        sa.Column("duty_id", sa.String(length=200), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("deadline_id", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("owed_by", sa.String(length=32), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("citation", sa.String(length=300), nullable=False),
        sa.Column("met_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.Column("escalated_to", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case_record.case_id"]),
        sa.PrimaryKeyConstraint("duty_id"),
    )
    op.create_index("ix_duty_case_id", "duty", ["case_id"])
    op.create_index(
        "ix_duty_open_by_due", "duty", ["due_at"], postgresql_where=OPEN, sqlite_where=OPEN
    )


def downgrade() -> None:
    op.drop_index("ix_duty_open_by_due", table_name="duty")
    op.drop_index("ix_duty_case_id", table_name="duty")
    op.drop_table("duty")
