"""Every report kind (issue 3): obligations to people, courts and requesting parties as well as
agencies, the decisions the law asks to be recorded either way, and every contact attempt.

* ``obligation_record`` gains the policy's recipient rule, the recipient type, how the duty is
  met (``delivery``), whether it is required or only permitted, the deadlines its channels name
  and a sealed ``contact`` (a person's or court's contact is case content). Its due date
  (``written_report_due_at``) may now be empty: some disclosures the law only permits have no
  deadline.
* ``case_decision``: disclose or decline a permitted recipient; inform the client or not (the
  exception named). Reasons sealed.
* ``contact_attempt_record``: each attempt to reach a potential victim, a support contact, a
  telephone-only agency, a court or a requesting party. Notes sealed.

A database adopted from before migrations (made by ``create_all`` over every model) may have
these already: then each is left as it is.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("fulfilled_at IS NULL")


def _new_obligation_columns() -> tuple[sa.Column, ...]:  # type: ignore[type-arg]
    return (
        sa.Column("recipient_rule", sa.String(length=64), nullable=True),
        sa.Column("recipient_type", sa.String(length=32), nullable=True),
        sa.Column("delivery", sa.String(length=32), nullable=True),
        sa.Column("obligation_mode", sa.String(length=16), nullable=True),
        sa.Column("deadline_ids", sa.JSON(), nullable=True),
        sa.Column("contact", sa.Text(), nullable=True),
    )


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    columns = {c["name"]: c for c in inspector.get_columns("obligation_record")}
    missing = [c for c in _new_obligation_columns() if c.name not in columns]
    if missing or not columns["written_report_due_at"]["nullable"]:
        # SQLite rebuilds the table: its partial index is dropped first and made again after.
        indexes = {i["name"] for i in inspector.get_indexes("obligation_record")}
        if "ix_obligation_record_open_by_due" in indexes:
            op.drop_index("ix_obligation_record_open_by_due", table_name="obligation_record")
        with op.batch_alter_table("obligation_record") as batch:
            for column in missing:
                batch.add_column(column)
            batch.alter_column(
                "written_report_due_at", existing_type=sa.DateTime(timezone=True), nullable=True
            )
        op.create_index(
            "ix_obligation_record_open_by_due",
            "obligation_record",
            ["written_report_due_at"],
            postgresql_where=OPEN,
            sqlite_where=OPEN,
        )
    tables = set(inspector.get_table_names())
    if "case_decision" not in tables:
        op.create_table(
            "case_decision",
            sa.Column("decision_id", sa.String(length=200), nullable=False),
            sa.Column("case_id", sa.String(length=64), nullable=False),
            sa.Column("topic", sa.String(length=32), nullable=False),
            sa.Column("subject", sa.String(length=64), nullable=True),
            sa.Column("decision", sa.String(length=32), nullable=False),
            sa.Column("exception", sa.String(length=64), nullable=True),
            sa.Column("decided_by", sa.String(length=64), nullable=False),
            sa.Column("details", sa.Text(), nullable=False),
            sa.Column("content_sha256", sa.String(length=64), nullable=False),
            sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(["case_id"], ["case_record.case_id"]),
            sa.PrimaryKeyConstraint("decision_id"),
        )
        op.create_index("ix_case_decision_case_id", "case_decision", ["case_id"], unique=False)
    if "contact_attempt_record" not in tables:
        op.create_table(
            "contact_attempt_record",
            sa.Column("attempt_id", sa.String(length=200), nullable=False),
            sa.Column("case_id", sa.String(length=64), nullable=False),
            sa.Column("recipient_id", sa.String(length=64), nullable=False),
            sa.Column("channel", sa.String(length=16), nullable=False),
            sa.Column("outcome", sa.String(length=16), nullable=False),
            sa.Column("efforts_exhausted", sa.Boolean(), nullable=False),
            sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("recorded_by", sa.String(length=64), nullable=False),
            sa.Column("details", sa.Text(), nullable=False),
            sa.Column("content_sha256", sa.String(length=64), nullable=False),
            sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(["case_id"], ["case_record.case_id"]),
            sa.PrimaryKeyConstraint("attempt_id"),
        )
        op.create_index(
            "ix_contact_attempt_record_case_id", "contact_attempt_record", ["case_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("contact_attempt_record")
    op.drop_table("case_decision")
    op.drop_index("ix_obligation_record_open_by_due", table_name="obligation_record")
    # Obligations without a due date (permitted disclosures) cannot keep a NOT NULL column.
    op.execute(
        "UPDATE obligation_record SET written_report_due_at = COALESCE("
        "phone_report_due_at, fulfilled_at, CURRENT_TIMESTAMP) WHERE written_report_due_at IS NULL"
    )
    with op.batch_alter_table("obligation_record") as batch:
        for column in _new_obligation_columns():
            batch.drop_column(column.name)
        batch.alter_column(
            "written_report_due_at", existing_type=sa.DateTime(timezone=True), nullable=False
        )
    op.create_index(
        "ix_obligation_record_open_by_due",
        "obligation_record",
        ["written_report_due_at"],
        postgresql_where=OPEN,
        sqlite_where=OPEN,
    )
