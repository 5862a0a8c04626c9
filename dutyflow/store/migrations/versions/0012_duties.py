"""Every duty with a deadline, tracked in Dutyflow's own table, and notifications (issue 16).

* ``duty``: one row per deadline a case owes (the phone report, the written report, the contacts
  to attempt, the acknowledgement follow-up, the decision to inform the client), with when it is
  due, when it was met and how far its escalation has gone. The overdue and at-risk lists read
  the open ones through a partial index on ``due_at``.
* ``notification_sent``: one row per message of an escalation step to a person (sent, or refused
  for good by the mail server), so that a retried step never sends twice.
* ``user_account.email`` and ``notify_by_email``: where a person's notifications go.

A database adopted from before migrations (made by ``create_all`` over every model) may have
them already: then each is left as it is.

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
    inspector = sa.inspect(op.get_bind())
    tables = set(inspector.get_table_names())
    if "duty" not in tables:
        _create_duty()
    if "notification_sent" not in tables:
        _create_notification_sent()
    columns = {c["name"] for c in inspector.get_columns("user_account")}
    if "email" not in columns:
        with op.batch_alter_table("user_account") as batch:
            batch.add_column(sa.Column("email", sa.String(length=254), nullable=True))
            batch.add_column(
                sa.Column("notify_by_email", sa.Boolean(), nullable=False, server_default=sa.true())
            )


def _create_duty() -> None:
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


def _create_notification_sent() -> None:
    op.create_table(
        "notification_sent",
        sa.Column("notification_id", sa.String(length=300), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("escalation_id", sa.String(length=200), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("message_id", sa.String(length=300), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case_record.case_id"]),
        sa.PrimaryKeyConstraint("notification_id"),
    )
    op.create_index("ix_notification_sent_case_id", "notification_sent", ["case_id"])
    op.create_index("ix_notification_sent_user_id", "notification_sent", ["user_id"])


def downgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("notify_by_email")
        batch.drop_column("email")
    op.drop_index("ix_notification_sent_user_id", table_name="notification_sent")
    op.drop_index("ix_notification_sent_case_id", table_name="notification_sent")
    op.drop_table("notification_sent")
    op.drop_index("ix_duty_open_by_due", table_name="duty")
    op.drop_index("ix_duty_case_id", table_name="duty")
    op.drop_table("duty")
