"""Initial schema: every Dutyflow table, and the append-only guard on the audit chain.

Generated with autogenerate against an empty database, then reviewed: types are plain
SQLAlchemy (``sa.String(n)`` for SQLModel's ``AutoString(n)``), so that this revision stays as it
is whatever the models become.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dutyflow.store import append_only

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Created in this order (referenced tables first), dropped in the reverse order.
TABLES = (
    "case_record",
    "grounds_record",
    "phone_report_record",
    "obligation_record",
    "disclosure_record",
    "report_document",
    "delivery_record",
    "acknowledgement_record",
    "escalation_record",
    "outcome_record",
    "accounting_entry",
    "accounting_suspension",
    "audit_entry",
)

_AT = sa.DateTime(timezone=True)


def _case_fk() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["case_id"], ["case_record.case_id"])


def upgrade() -> None:
    op.create_table(
        "case_record",
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("jurisdiction", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("county", sa.String(length=100), nullable=False),
        sa.Column("clinic_id", sa.String(length=64), nullable=False),
        sa.Column("practitioner_id", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("policy_version", sa.String(length=32), nullable=False),
        sa.Column("opening", sa.JSON(), nullable=False),
        sa.Column("opened_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("case_id"),
    )
    for column in ("client_id", "clinic_id", "jurisdiction", "kind", "practitioner_id"):
        op.create_index(f"ix_case_record_{column}", "case_record", [column], unique=False)

    op.create_table(
        "grounds_record",
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("submission", sa.JSON(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("suspicion_formed_at", _AT, nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", _AT, nullable=False),
        _case_fk(),
        sa.PrimaryKeyConstraint("case_id"),
    )

    op.create_table(
        "phone_report_record",
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("phone_report", sa.JSON(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", _AT, nullable=False),
        _case_fk(),
        sa.PrimaryKeyConstraint("case_id"),
    )

    op.create_table(
        "obligation_record",
        sa.Column("obligation_id", sa.String(length=160), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("recipient_id", sa.String(length=64), nullable=False),
        sa.Column("agency_id", sa.String(length=64), nullable=False),
        sa.Column("agency_name", sa.String(length=200), nullable=False),
        sa.Column("agency_address", sa.String(length=300), nullable=True),
        sa.Column("agency_phone", sa.String(length=50), nullable=True),
        sa.Column("intake_url", sa.String(length=500), nullable=False),
        sa.Column("form_id", sa.String(length=64), nullable=False),
        sa.Column("legal_basis", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.String(length=300), nullable=False),
        sa.Column("phone_report_due_at", _AT, nullable=True),
        sa.Column("written_report_due_at", _AT, nullable=False),
        sa.Column("policy_version", sa.String(length=32), nullable=False),
        sa.Column("citations", sa.JSON(), nullable=False),
        _case_fk(),
        sa.PrimaryKeyConstraint("obligation_id"),
    )
    op.create_index("ix_obligation_record_case_id", "obligation_record", ["case_id"], unique=False)

    op.create_table(
        "disclosure_record",
        sa.Column("disclosure_id", sa.String(length=160), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("recipient_id", sa.String(length=64), nullable=False),
        sa.Column("agency_id", sa.String(length=64), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("disclosed_fields", sa.JSON(), nullable=False),
        sa.Column("withheld_fields", sa.JSON(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        _case_fk(),
        sa.PrimaryKeyConstraint("disclosure_id"),
    )
    op.create_index("ix_disclosure_record_case_id", "disclosure_record", ["case_id"], unique=False)

    op.create_table(
        "report_document",
        sa.Column("document_id", sa.String(length=160), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("disclosure_id", sa.String(length=160), nullable=False),
        sa.Column("recipient_id", sa.String(length=64), nullable=False),
        sa.Column("form_id", sa.String(length=64), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("rendered_at", _AT, nullable=False),
        _case_fk(),
        sa.ForeignKeyConstraint(["disclosure_id"], ["disclosure_record.disclosure_id"]),
        sa.PrimaryKeyConstraint("document_id"),
    )
    op.create_index("ix_report_document_case_id", "report_document", ["case_id"], unique=False)

    op.create_table(
        "delivery_record",
        sa.Column("report_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("recipient_id", sa.String(length=64), nullable=False),
        sa.Column("agency_id", sa.String(length=64), nullable=False),
        sa.Column("document_sha256", sa.String(length=64), nullable=False),
        sa.Column("reference_number", sa.String(length=100), nullable=False),
        sa.Column("received_at", _AT, nullable=False),
        sa.Column("delivered_at", _AT, nullable=False),
        _case_fk(),
        sa.PrimaryKeyConstraint("report_id"),
    )
    op.create_index("ix_delivery_record_case_id", "delivery_record", ["case_id"], unique=False)

    op.create_table(
        "acknowledgement_record",
        sa.Column("report_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("agency_id", sa.String(length=64), nullable=False),
        sa.Column("reference_number", sa.String(length=100), nullable=False),
        sa.Column("decision", sa.String(length=32), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("acknowledged_at", _AT, nullable=False),
        _case_fk(),
        sa.ForeignKeyConstraint(["report_id"], ["delivery_record.report_id"]),
        sa.PrimaryKeyConstraint("report_id"),
    )
    op.create_index(
        "ix_acknowledgement_record_case_id", "acknowledgement_record", ["case_id"], unique=False
    )

    op.create_table(
        "escalation_record",
        sa.Column("escalation_id", sa.String(length=200), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("deadline_id", sa.String(length=64), nullable=False),
        sa.Column("notify", sa.String(length=32), nullable=False),
        sa.Column("due_at", _AT, nullable=False),
        sa.Column("escalated_at", _AT, nullable=False),
        _case_fk(),
        sa.PrimaryKeyConstraint("escalation_id"),
    )
    op.create_index("ix_escalation_record_case_id", "escalation_record", ["case_id"], unique=False)

    op.create_table(
        "outcome_record",
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.JSON(), nullable=False),
        sa.Column("recorded_at", _AT, nullable=False),
        _case_fk(),
        sa.PrimaryKeyConstraint("case_id"),
    )

    op.create_table(
        "accounting_entry",
        sa.Column("entry_id", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("disclosed_at", _AT, nullable=False),
        sa.Column("recipient_agency_id", sa.String(length=64), nullable=False),
        sa.Column("recipient_role", sa.String(length=64), nullable=False),
        sa.Column("recipient_name", sa.String(length=200), nullable=False),
        sa.Column("recipient_address", sa.String(length=300), nullable=True),
        sa.Column("information_disclosed", sa.Text(), nullable=False),
        sa.Column("purpose", sa.String(length=300), nullable=False),
        sa.Column("legal_basis", sa.String(length=200), nullable=False),
        sa.Column("policy_version", sa.String(length=32), nullable=False),
        _case_fk(),
        sa.PrimaryKeyConstraint("entry_id"),
    )
    for column in ("case_id", "client_id", "disclosed_at", "recipient_agency_id"):
        op.create_index(f"ix_accounting_entry_{column}", "accounting_entry", [column], unique=False)

    op.create_table(
        "accounting_suspension",
        sa.Column("suspension_id", sa.String(length=36), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("agency_id", sa.String(length=64), nullable=False),
        sa.Column("agency_or_official", sa.String(length=500), nullable=False),
        sa.Column("form", sa.String(length=16), nullable=False),
        sa.Column("statement_summary", sa.String(length=500), nullable=False),
        sa.Column("starts_at", _AT, nullable=False),
        sa.Column("ends_at", _AT, nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_role", sa.String(length=32), nullable=False),
        sa.Column("recorded_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("suspension_id"),
    )
    op.create_index(
        "ix_accounting_suspension_client_id", "accounting_suspension", ["client_id"], unique=False
    )

    op.create_table(
        "audit_entry",
        sa.Column("seq", sa.Integer(), nullable=False),  # SERIAL on PostgreSQL
        sa.Column("entry_id", sa.String(length=36), nullable=False),
        sa.Column("recorded_at", _AT, nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("step", sa.String(length=64), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=False),
        sa.Column("actor_role", sa.String(length=32), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("entry_hash"),
        sa.UniqueConstraint("idempotency_key", name="uq_audit_entry_idempotency_key"),
        sa.UniqueConstraint("prev_hash", name="uq_audit_entry_prev_hash"),
    )
    op.create_index("ix_audit_entry_case_id", "audit_entry", ["case_id"], unique=False)
    append_only.install(op.get_bind())


def downgrade() -> None:
    append_only.remove(op.get_bind())
    for table in reversed(TABLES):
        op.drop_table(table)  # its indexes and triggers go with it
