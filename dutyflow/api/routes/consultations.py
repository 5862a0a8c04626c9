"""Supervisor consultations, the supervisor's side: the queue, the de-identified view of a case,
and the answer.

    GET  /supervision/consultations                     a supervisor's queue (their clinic, no
                                                        content)
    GET  /supervision/consultations/{case_id}           the de-identified view (audited: paths)
    POST /supervision/consultations/{case_id}/decision  approve, or return with comments

Where a case's policy asks for it, the case waits after its grounds for a supervisor of its
clinic. The view is built by `dutyflow.supervision.views`; the practitioner's side (showing a
hidden field) is `dutyflow.api.routes.reveals`, the case's whole supervision record
`dutyflow.api.routes.supervision_record`. Refusals answer as everywhere else
(`dutyflow.auth.case_access`): 401, 403 for a role that may never do it, 404 for a case that is
unknown or not the caller's.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel
from sqlmodel import col, select
from starlette.concurrency import run_in_threadpool

from dutyflow.api.case_workflow import update_case
from dutyflow.api.deps import ReadableCase, SessionsDep, Supervisor, TemporalDep, WritableCase
from dutyflow.api.errors import field_refusal
from dutyflow.api.inputs import InputModel
from dutyflow.auth.case_access import CONTENT_READ_STEP, acting, forbidden, served_sha256
from dutyflow.auth.roles import Principal
from dutyflow.contracts import CaseStatus
from dutyflow.domain.case import ConsultationChoice, ConsultationDecision
from dutyflow.store.case_file import CaseNotFound, load_case, load_case_file
from dutyflow.store.db import SessionFactory
from dutyflow.store.steps import record_step
from dutyflow.store.tables import CaseRecord, SupervisionConsultation, SupervisionReveal
from dutyflow.supervision.views import supervision_view, view_paths
from workflows.mandated_report import MandatedReportWorkflow

router = APIRouter(tags=["supervision"])


class QueuedConsultation(BaseModel):
    """A case awaiting its clinic's supervisor: ids and categories only."""

    case_id: str
    jurisdiction: str
    kind: str
    round: int
    requested_at: datetime


class ConsultationView(BaseModel):
    """The de-identified case as the supervisor sees it, and what was done to it (paths)."""

    case_id: str
    jurisdiction: str
    kind: str
    round: int | None
    state: str | None
    content: dict[str, Any]
    removed: list[str]
    coarsened: list[str]
    masked: list[str]
    revealed: list[str]
    residual_risks: list[str]


class ConsultationAnswer(InputModel):
    decision: ConsultationChoice
    comments: str | None = None


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def queue_of(sessions: SessionFactory, clinic_id: str | None) -> list[QueuedConsultation]:
    """The clinic's cases awaiting their supervisor, oldest request first."""
    with sessions() as session:
        rows = session.exec(
            select(SupervisionConsultation, CaseRecord.jurisdiction, CaseRecord.kind)
            .join(CaseRecord, col(CaseRecord.case_id) == col(SupervisionConsultation.case_id))
            .where(
                SupervisionConsultation.clinic_id == clinic_id,
                SupervisionConsultation.state == "awaiting-supervisor",
            )
            .order_by(col(SupervisionConsultation.requested_at))
        ).all()
    return [
        QueuedConsultation(
            case_id=row.case_id,
            jurisdiction=jurisdiction,
            kind=kind,
            round=row.round,
            requested_at=_utc(row.requested_at),
        )
        for row, jurisdiction, kind in rows
    ]


def audited_view(sessions: SessionFactory, case_id: str, principal: Principal) -> ConsultationView:
    """The case de-identified, with the fields the practitioner revealed; the audit records
    exactly what the supervisor saw, by path, never a value. 409 before the grounds."""
    with sessions() as session:
        try:
            case = load_case(session, case_id)
            case_file = load_case_file(session, case_id)
        except CaseNotFound:
            raise field_refusal("case", "has no documented grounds yet", 409) from None
        reveals = session.exec(
            select(SupervisionReveal).where(SupervisionReveal.case_id == case_id)
        ).all()
        latest = session.exec(
            select(SupervisionConsultation)
            .where(SupervisionConsultation.case_id == case_id)
            .order_by(col(SupervisionConsultation.round).desc())
        ).first()
    revealed = {path for reveal in reveals for path in reveal.fields}
    view = supervision_view(case_file, date.today(), revealed)
    paths = view_paths(view, revealed)
    answer = ConsultationView(
        case_id=case_id,
        jurisdiction=case.jurisdiction,
        kind=case.kind,
        round=latest.round if latest else None,
        state=latest.state if latest else None,
        content=view.content,
        removed=paths.removed,
        coarsened=paths.coarsened,
        masked=paths.masked,
        revealed=paths.revealed,
        residual_risks=view.residual_risks,
    )
    record_step(
        sessions,
        case_id=case_id,
        step=CONTENT_READ_STEP,
        key_suffix=uuid.uuid4().hex,
        actor=acting(principal),
        content_sha256=served_sha256(answer.model_dump(mode="json")),
        details={"view": "supervision-consultation", **paths.model_dump()},
    )
    return answer


@router.get("/supervision/consultations", response_model=list[QueuedConsultation])
async def consultation_queue(
    principal: Supervisor, sessions: SessionsDep
) -> list[QueuedConsultation]:
    """Cases of the supervisor's clinic awaiting them: ids, kinds and dates, no content."""
    return await run_in_threadpool(queue_of, sessions, principal.clinic_id)


@router.get("/supervision/consultations/{case_id}", response_model=ConsultationView)
async def consultation_view(
    case_id: str, grant: ReadableCase, sessions: SessionsDep
) -> ConsultationView:
    """The case de-identified for its clinic's supervisor, with the fields the practitioner
    revealed. The audit records the paths shown, removed, coarsened, masked and revealed."""
    if grant.principal.role != "supervisor":
        raise forbidden("the consultation view is for the clinic's supervisor")
    return await run_in_threadpool(audited_view, sessions, case_id, grant.principal)


@router.post("/supervision/consultations/{case_id}/decision", response_model=CaseStatus)
async def decide_consultation(
    case_id: str, body: ConsultationAnswer, temporal: TemporalDep, grant: WritableCase
) -> CaseStatus:
    """The clinic's supervisor approves, or returns the case with comments for the
    practitioner (who revises the grounds; the case then comes back)."""
    if grant.principal.role != "supervisor":
        raise forbidden("only a supervisor of the case's clinic answers a consultation")
    decision = ConsultationDecision(
        supervisor_id=grant.principal.user_id, decision=body.decision, comments=body.comments
    )
    return await update_case(
        temporal,
        case_id,
        MandatedReportWorkflow.decide_consultation,
        decision,
        actor=acting(grant.principal),
    )
