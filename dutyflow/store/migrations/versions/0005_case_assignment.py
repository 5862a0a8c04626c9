"""Whose case it is (``case_assignment``): the clinic and practitioner of each case, written by
the API when it opens the report, so that access control never waits for the workflow's
``case_record``.

Cases opened before this revision get their assignment from their ``case_record``. A database
adopted from before migrations may have the table already (made by ``create_all`` over every
model): then it is left as it is.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if "case_assignment" in sa.inspect(op.get_bind()).get_table_names():
        return
    op.create_table(
        "case_assignment",
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("clinic_id", sa.String(length=64), nullable=False),
        sa.Column("practitioner_id", sa.String(length=64), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("case_id"),
    )
    op.create_index("ix_case_assignment_clinic_id", "case_assignment", ["clinic_id"], unique=False)
    op.create_index(
        "ix_case_assignment_practitioner_id", "case_assignment", ["practitioner_id"], unique=False
    )
    op.execute(
        "INSERT INTO case_assignment (case_id, clinic_id, practitioner_id, assigned_at)"
        " SELECT case_id, clinic_id, practitioner_id, opened_at FROM case_record"
    )


def downgrade() -> None:
    op.drop_table("case_assignment")  # its indexes go with it
