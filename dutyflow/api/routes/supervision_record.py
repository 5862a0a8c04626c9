"""``GET /reports/{case_id}/supervision``: what happened in supervision on a case, for whoever may
read it: the consultation's rounds with the supervisor's comments, the practitioner's reveals and
their reasons, the disclosure exceptions and their justifications.

Case content (comments, reasons, justifications): every read is audited before it is answered.
The consultation itself is `dutyflow.api.routes.consultations`, the reveals
`dutyflow.api.routes.reveals`, the exceptions `dutyflow.api.routes.disclosure_exceptions`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter
from pydantic import BaseModel
from sqlmodel import col, select
from starlette.concurrency import run_in_threadpool

from dutyflow.api.deps import ReadableCase, SessionsDep
from dutyflow.auth.case_access import audit_content_read, no_such_case
from dutyflow.auth.roles import Principal
from dutyflow.store.db import SessionFactory
from dutyflow.store.tables import (
    CaseRecord,
    DisclosureException,
    SupervisionConsultation,
    SupervisionReveal,
)

router = APIRouter(tags=["supervision"])


class ConsultationRound(BaseModel):
    round: int
    state: str
    bypass_grounds: list[str]
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    comments: str | None


class RevealEntry(BaseModel):
    reveal_id: str
    fields: list[str]
    reason: str
    revealed_by: str
    revealed_at: datetime


class ExceptionEntry(BaseModel):
    exception_id: str
    recipient_id: str
    fields: list[str]
    justification: str
    state: str
    requested_by: str
    decided_by: str | None
    decided_role: str | None
    note: str | None


class SupervisionRecord(BaseModel):
    case_id: str
    consultations: list[ConsultationRound]
    reveals: list[RevealEntry]
    exceptions: list[ExceptionEntry]


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def supervision_record_of(sessions: SessionFactory, case_id: str) -> SupervisionRecord:
    """The case's rounds, reveals and exceptions, each in the order they happened; 404 for a
    case with no record yet."""
    with sessions() as session:
        if session.get(CaseRecord, case_id) is None:
            raise no_such_case()
        rounds = session.exec(
            select(SupervisionConsultation)
            .where(SupervisionConsultation.case_id == case_id)
            .order_by(col(SupervisionConsultation.round))
        ).all()
        reveals = session.exec(
            select(SupervisionReveal)
            .where(SupervisionReveal.case_id == case_id)
            .order_by(col(SupervisionReveal.revealed_at))
        ).all()
        exceptions = session.exec(
            select(DisclosureException)
            .where(DisclosureException.case_id == case_id)
            .order_by(col(DisclosureException.requested_at))
        ).all()
    return SupervisionRecord(
        case_id=case_id,
        consultations=[
            ConsultationRound(
                round=r.round,
                state=r.state,
                bypass_grounds=r.bypass_grounds,
                requested_at=_utc(r.requested_at),
                decided_by=r.decided_by,
                decided_at=_utc(r.decided_at) if r.decided_at is not None else None,
                comments=r.comments,
            )
            for r in rounds
        ],
        reveals=[
            RevealEntry(
                reveal_id=r.reveal_id,
                fields=r.fields,
                reason=r.reason,
                revealed_by=r.revealed_by,
                revealed_at=_utc(r.revealed_at),
            )
            for r in reveals
        ],
        exceptions=[
            ExceptionEntry(
                exception_id=e.exception_id.rsplit("/", 1)[-1],
                recipient_id=e.recipient_id,
                fields=e.fields,
                justification=e.justification,
                state=e.state,
                requested_by=e.requested_by,
                decided_by=e.decided_by,
                decided_role=e.decided_role,
                note=e.decision_note,
            )
            for e in exceptions
        ],
    )


def audited_record(
    sessions: SessionFactory, case_id: str, principal: Principal
) -> SupervisionRecord:
    answer = supervision_record_of(sessions, case_id)
    audit_content_read(
        sessions, principal, case_id, "supervision-record", answer.model_dump(mode="json")
    )
    return answer


@router.get("/reports/{case_id}/supervision", response_model=SupervisionRecord)
async def supervision_record(
    case_id: str, grant: ReadableCase, sessions: SessionsDep
) -> SupervisionRecord:
    """The consultation's rounds with the supervisor's comments, the reveals and their
    reasons, the disclosure exceptions and their justifications. Case content: audited."""
    return await run_in_threadpool(audited_record, sessions, case_id, grant.principal)
