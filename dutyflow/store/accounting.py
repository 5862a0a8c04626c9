"""The accounting of disclosures in the database: reading a client's entries, and recording
suspensions of the client's right to an accounting (45 CFR 164.528(a)(2)), each with its audit
entry in the same transaction.

The suspension table lives here, not in `dutyflow.store.tables`: `accounting_tables()` lists it for
schema creation.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime
from sqlmodel import Field, Session, SQLModel, col, select

from dutyflow.contracts import Actor
from dutyflow.domain.accounting import (
    Suspension,
    SuspensionRefused,
    as_utc,
    suspension_problems,
)
from dutyflow.domain.audit import content_sha256
from dutyflow.store.db import SessionFactory
from dutyflow.store.steps import record_step
from dutyflow.store.tables import AccountingEntry, utcnow

SUSPENSION_STEP = "accounting-suspended"
_AUDIT_SUBJECT_LIMIT = 64  # AuditEntry.case_id


def _time(**kwargs: Any) -> Any:
    return Field(sa_type=DateTime(timezone=True), **kwargs)  # type: ignore[call-overload]


class AccountingSuspension(SQLModel, table=True):
    """A law-enforcement or oversight agency's suspension of one client's accounting of the
    disclosures made to it, as documented (164.528(a)(2)): written for its stated period, oral
    for at most 30 days. Rows are only ever added; a later written statement is a new row."""

    __tablename__ = "accounting_suspension"

    suspension_id: str = Field(primary_key=True, max_length=36)
    client_id: str = Field(index=True, max_length=64)
    agency_id: str = Field(max_length=64)
    agency_or_official: str = Field(max_length=500)
    form: str = Field(max_length=16)
    statement_summary: str = Field(max_length=500)
    starts_at: datetime = _time()
    ends_at: datetime = _time()
    recorded_by: str = Field(max_length=64)
    recorded_role: str = Field(max_length=32)
    recorded_at: datetime = _time(default_factory=utcnow)

    def as_suspension(self) -> Suspension:
        return Suspension(
            client_id=self.client_id,
            agency_id=self.agency_id,
            agency_or_official=self.agency_or_official,
            form=self.form,  # type: ignore[arg-type]
            statement_summary=self.statement_summary,
            starts_at=as_utc(self.starts_at),
            ends_at=as_utc(self.ends_at),
        )


def accounting_tables() -> list[Any]:
    return [AccountingSuspension.__table__]  # type: ignore[attr-defined]


def audit_subject(client_id: str) -> str:
    """The audit chain's pseudo case id for a client's accounting: ``client:<client_id>``, or a
    hash of the id when that would not fit the audit entry's 64 characters."""
    subject = f"client:{client_id}"
    if len(subject) <= _AUDIT_SUBJECT_LIMIT:
        return subject
    return f"client-sha256:{hashlib.sha256(client_id.encode()).hexdigest()[:50]}"


def entries_for_client(session: Session, client_id: str) -> list[AccountingEntry]:
    """Every accounting entry of one client, oldest first (look-back is the view's job)."""
    return list(
        session.exec(
            select(AccountingEntry)
            .where(AccountingEntry.client_id == client_id)
            .order_by(col(AccountingEntry.disclosed_at), col(AccountingEntry.entry_id))
        ).all()
    )


def suspensions_for_client(session: Session, client_id: str) -> list[Suspension]:
    rows = session.exec(
        select(AccountingSuspension)
        .where(AccountingSuspension.client_id == client_id)
        .order_by(col(AccountingSuspension.starts_at), col(AccountingSuspension.suspension_id))
    ).all()
    return [row.as_suspension() for row in rows]


def record_suspension(
    sessions: SessionFactory, suspension: Suspension, actor: Actor
) -> AccountingSuspension:
    """Validate and record a suspension with its audit entry (step ``accounting-suspended``).

    Raises `SuspensionRefused` (naming the fields) and records nothing if it is invalid. The audit
    entry holds ids, the form and the period, and a hash of the suspension: no names, no summary.
    """
    problems = suspension_problems(suspension)
    if problems:
        raise SuspensionRefused(problems)
    assert suspension.ends_at is not None
    suspension_id = str(uuid.uuid4())
    row = AccountingSuspension(
        suspension_id=suspension_id,
        client_id=suspension.client_id,
        agency_id=suspension.agency_id,
        agency_or_official=suspension.agency_or_official,
        form=suspension.form,
        statement_summary=suspension.statement_summary,
        starts_at=as_utc(suspension.starts_at),
        ends_at=as_utc(suspension.ends_at),
        recorded_by=actor.actor_id,
        recorded_role=actor.role,
    )

    def write(session: Session) -> None:
        session.add(row)

    record_step(
        sessions,
        case_id=audit_subject(suspension.client_id),
        step=SUSPENSION_STEP,
        key_suffix=suspension_id,
        actor=actor,
        content_sha256=content_sha256(suspension.model_dump(mode="json")),
        details={
            "suspension_id": suspension_id,
            "agency_id": suspension.agency_id,
            "form": suspension.form,
            "starts_at": row.starts_at.isoformat(),
            "ends_at": row.ends_at.isoformat(),
            "fields": sorted(Suspension.model_fields),
        },
        write=write,
    )
    return row
