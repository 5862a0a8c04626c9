"""Supervisor consultation, reveals to the supervisor, and disclosure exceptions (issues 3 and 9).

* ``supervision_consultation``: one row per round of a consultation the policy asks for
  (awaiting the clinic's supervisor, approved, returned with comments, or bypassed because the
  grounds say the danger is imminent). Comments sealed.
* ``supervision_reveal``: fields the practitioner showed the supervisor beyond the de-identified
  view, and why (the reason sealed).
* ``disclosure_exception``: fields beyond a recipient's allow-list, the written justification
  (sealed) and a second person's approval or refusal (its note sealed).

A database adopted from before migrations (made by ``create_all`` over every model) may have
these already: then each is left as it is.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    tables = set(sa.inspect(op.get_bind()).get_table_names())
    if "supervision_consultation" not in tables:
        op.create_table(
            "supervision_consultation",
            sa.Column("consultation_id", sa.String(length=100), nullable=False),
            sa.Column("case_id", sa.String(length=64), nullable=False),
            sa.Column("clinic_id", sa.String(length=64), nullable=False),
            sa.Column("round", sa.Integer(), nullable=False),
            sa.Column("state", sa.String(length=32), nullable=False),
            sa.Column("bypass_grounds", sa.JSON(), nullable=False),
            sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("decided_by", sa.String(length=64), nullable=True),
            sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("comments", sa.Text(), nullable=True),
            sa.ForeignKeyConstraint(["case_id"], ["case_record.case_id"]),
            sa.PrimaryKeyConstraint("consultation_id"),
        )
        for column in ("case_id", "clinic_id", "state"):
            op.create_index(
                f"ix_supervision_consultation_{column}",
                "supervision_consultation",
                [column],
                unique=False,
            )
    if "supervision_reveal" not in tables:
        op.create_table(
            "supervision_reveal",
            sa.Column("reveal_id", sa.String(length=64), nullable=False),
            sa.Column("case_id", sa.String(length=64), nullable=False),
            sa.Column("fields", sa.JSON(), nullable=False),
            sa.Column("reason", sa.Text(), nullable=False),
            sa.Column("revealed_by", sa.String(length=64), nullable=False),
            sa.Column("revealed_at", sa.DateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(["case_id"], ["case_record.case_id"]),
            sa.PrimaryKeyConstraint("reveal_id"),
        )
        op.create_index(
            "ix_supervision_reveal_case_id", "supervision_reveal", ["case_id"], unique=False
        )
    if "disclosure_exception" not in tables:
        op.create_table(
            "disclosure_exception",
            sa.Column("exception_id", sa.String(length=100), nullable=False),
            sa.Column("case_id", sa.String(length=64), nullable=False),
            sa.Column("recipient_id", sa.String(length=64), nullable=False),
            sa.Column("fields", sa.JSON(), nullable=False),
            sa.Column("justification", sa.Text(), nullable=False),
            sa.Column("state", sa.String(length=16), nullable=False),
            sa.Column("requested_by", sa.String(length=64), nullable=False),
            sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("decided_by", sa.String(length=64), nullable=True),
            sa.Column("decided_role", sa.String(length=32), nullable=True),
            sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("decision_note", sa.Text(), nullable=True),
            sa.ForeignKeyConstraint(["case_id"], ["case_record.case_id"]),
            sa.PrimaryKeyConstraint("exception_id"),
        )
        op.create_index(
            "ix_disclosure_exception_case_id", "disclosure_exception", ["case_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("disclosure_exception")
    op.drop_table("supervision_reveal")
    op.drop_table("supervision_consultation")
