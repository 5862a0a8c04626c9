"""Clients' acknowledgements of the privacy notice (the limits of confidentiality), in the
database. The table lives here, not in `dutyflow.store.tables`: `notice_tables()` lists it for
schema creation. Rows are only ever added: a new notice version, or a renewed acknowledgement,
is a new row. The optional note is sealed with the client's own key (subject ``client:<id>``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import Column, Date, DateTime
from sqlmodel import Field, SQLModel, col, select

from dutyflow.contracts import Actor
from dutyflow.crypto.sealing import Sealed, register
from dutyflow.domain.audit import content_sha256
from dutyflow.store.db import SessionFactory
from dutyflow.store.steps import record_step
from dutyflow.store.tables import CaseRecord, OutcomeRecord, utcnow

ACKNOWLEDGED_STEP = "privacy-notice-acknowledged"


def client_subject(client_id: str) -> str:
    """The audit subject (and sealing key) of a client's own records."""
    return f"client:{client_id}"[:64]


@register
class PrivacyNoticeAcknowledgement(SQLModel, table=True):
    """That a client was given the clinic's privacy notice, which version, when, and how they
    acknowledged it (signed or oral)."""

    __tablename__ = "privacy_notice_acknowledgement"
    __sealed__: ClassVar[tuple[str, ...]] = ("note",)

    acknowledgement_id: str = Field(primary_key=True, max_length=36)
    case_id: str = Field(max_length=64)  # the sealing subject: client:<id>, not a case
    client_id: str = Field(index=True, max_length=64)
    clinic_id: str = Field(index=True, max_length=64)
    jurisdiction: str = Field(max_length=16)
    notice_version: str = Field(max_length=16)
    notice_sha256: str = Field(max_length=64)
    given_on: date = Field(sa_column=Column(Date, nullable=False))
    how: str = Field(max_length=16)  # signed | oral
    note: str | None = Field(default=None, sa_column=Column(Sealed, nullable=True))
    recorded_by: str = Field(max_length=64)
    recorded_role: str = Field(max_length=32)
    recorded_at: datetime = Field(sa_type=DateTime(timezone=True), default_factory=utcnow)  # type: ignore[call-overload]


def notice_tables() -> list[Any]:
    return [PrivacyNoticeAcknowledgement.__table__]  # type: ignore[attr-defined]


def record_acknowledgement(
    sessions: SessionFactory, row: PrivacyNoticeAcknowledgement, actor: Actor
) -> PrivacyNoticeAcknowledgement:
    details = {
        "jurisdiction": row.jurisdiction,
        "notice_version": row.notice_version,
        "given_on": row.given_on.isoformat(),
        "how": row.how,
        "clinic_id": row.clinic_id,
    }

    def write(session: Any) -> None:
        session.add(row)

    record_step(
        sessions,
        case_id=client_subject(row.client_id),
        step=ACKNOWLEDGED_STEP,
        key_suffix=row.acknowledgement_id,
        actor=actor,
        content_sha256=content_sha256(details),
        details=details,
        write=write,
    )
    return row


def acknowledgements(
    sessions: SessionFactory, client_id: str, clinic_id: str | None = None
) -> list[PrivacyNoticeAcknowledgement]:
    """A client's acknowledgements, newest first (only those recorded in ``clinic_id`` if given)."""
    with sessions() as session:
        query = select(PrivacyNoticeAcknowledgement).where(
            PrivacyNoticeAcknowledgement.client_id == client_id
        )
        if clinic_id is not None:
            query = query.where(PrivacyNoticeAcknowledgement.clinic_id == clinic_id)
        return list(
            session.exec(query.order_by(col(PrivacyNoticeAcknowledgement.given_on).desc())).all()
        )


def client_clinics(sessions: SessionFactory, client_id: str) -> set[str]:
    """The clinics with a case of ``client_id`` (none for a client not yet seen in a case)."""
    with sessions() as session:
        return set(
            session.exec(
                select(CaseRecord.clinic_id).where(CaseRecord.client_id == client_id)
            ).all()
        )


def has_acknowledged(sessions: SessionFactory, client_id: str) -> bool:
    with sessions() as session:
        return (
            session.exec(
                select(PrivacyNoticeAcknowledgement.acknowledgement_id).where(
                    PrivacyNoticeAcknowledgement.client_id == client_id
                )
            ).first()
            is not None
        )


def open_cases_without_acknowledgement(
    sessions: SessionFactory, clinic_id: str | None = None
) -> list[tuple[str, str, str]]:
    """(case_id, clinic_id, client_id) of open cases whose client has no acknowledgement on record
    in the case's own clinic (ids only, never content)."""
    acknowledged = select(PrivacyNoticeAcknowledgement.client_id).where(
        PrivacyNoticeAcknowledgement.clinic_id == CaseRecord.clinic_id
    )
    closed = select(OutcomeRecord.case_id)
    query = (
        select(CaseRecord.case_id, CaseRecord.clinic_id, CaseRecord.client_id)
        .where(col(CaseRecord.client_id).not_in(acknowledged))
        .where(col(CaseRecord.case_id).not_in(closed))
    )
    if clinic_id is not None:
        query = query.where(CaseRecord.clinic_id == clinic_id)
    with sessions() as session:
        ordered = query.order_by(col(CaseRecord.opened_at))
        return [tuple(row) for row in session.exec(ordered).all()]  # type: ignore[misc]
