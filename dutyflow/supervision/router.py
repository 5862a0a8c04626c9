"""Supervision endpoints: the consultation queue and view, the supervisor's answer, the
practitioner's reveals, and disclosure exceptions with a second person's approval.

    GET  /supervision/consultations                     a supervisor's queue (their clinic; no content)
    GET  /supervision/consultations/{case_id}           the de-identified view (audited: field paths)
    POST /supervision/consultations/{case_id}/decision  approve, or return with comments
    GET  /reports/{case_id}/supervision                 rounds, comments, reveals, exceptions (audited)
    GET  /reports/{case_id}/supervision/revealable      what the practitioner may reveal (paths only)
    GET  /supervision/exceptions                        exceptions awaiting a second person (ids, paths)
    POST /reports/{case_id}/supervision/reveals         the practitioner shows a field, with a reason
    POST /reports/{case_id}/exceptions                  a field beyond an allow-list, justified
    POST /reports/{case_id}/exceptions/{id}/approve     a second person: the clinic's supervisor or
    POST /reports/{case_id}/exceptions/{id}/refuse      compliance, never the one who asked

Refusals answer as everywhere else (`dutyflow.auth.case_access`): 401, 403 for a role that may
never do it, 404 for a case that is unknown or not the caller's.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel
from sqlmodel import select
from starlette.concurrency import run_in_threadpool
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError

from dutyflow.auth.api import Authenticator, require_roles
from dutyflow.auth.case_access import (
    CONTENT_READ_STEP,
    CaseGrant,
    audit_content_read,
    forbidden,
    no_such_case,
    served_sha256,
)
from dutyflow.auth.roles import Principal
from dutyflow.contracts import Actor, CaseStatus
from dutyflow.domain.audit import content_sha256
from dutyflow.domain.case import (
    ConsultationChoice,
    ConsultationDecision,
    DisclosureExceptionDecision,
    DisclosureExceptionRequest,
)
from dutyflow.domain.validation import FieldProblem
from dutyflow.store.case_file import CaseNotFound, load_case, load_case_file
from dutyflow.store.db import SessionFactory
from dutyflow.store.steps import record_step
from dutyflow.store.tables import (
    CaseRecord,
    DisclosureException,
    SupervisionConsultation,
    SupervisionReveal,
)
from dutyflow.supervision.views import reveal_problems, revealable, supervision_view, view_paths

APPROVER_ROLES = ("supervisor", "compliance")


class PendingException(BaseModel):
    """A disclosure exception awaiting a second person: ids, the recipient and the field paths,
    who asked and when; never the justification."""

    case_id: str
    clinic_id: str
    exception_id: str
    recipient_id: str
    fields: list[str]
    requested_by: str
    requested_at: datetime


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


class ConsultationAnswer(BaseModel):
    decision: ConsultationChoice
    comments: str | None = None


class RevealRequest(BaseModel):
    fields: list[str]
    reason: str


class RevealableField(BaseModel):
    """A field the supervisor's view hides or changes: its path, what the view does to it
    (removed, coarsened or masked) and the category that made it do so; never its value."""

    path: str
    what: str
    reason: str


class RevealableFields(BaseModel):
    case_id: str
    fields: list[RevealableField]


class RevealRecorded(BaseModel):
    reveal_id: str
    fields: list[str]


class ExceptionAsk(BaseModel):
    recipient_id: str
    fields: list[str]
    justification: str


class ExceptionAnswer(BaseModel):
    note: str | None = None


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


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def supervision_router(
    sessions: SessionFactory,
    *,
    authenticator: Authenticator,
    readable: Callable[..., CaseGrant],
    writable: Callable[..., CaseGrant],
) -> APIRouter:
    router = APIRouter(tags=["supervision"])
    supervisor = require_roles("supervisor", authenticator=authenticator)

    def refusal(field: str, problem: str, status_code: int = 422) -> Exception:
        from dutyflow.api.app import Refusal

        return Refusal([FieldProblem(field=field, problem=problem)], status_code=status_code)

    async def execute(request: Request, case_id: str, update: Any, arg: Any) -> CaseStatus:
        from dutyflow.api.app import _not_found_or, _refusal_from
        from workflows.mandated_report import MandatedReportWorkflow

        client: Client = request.app.state.temporal
        handle = client.get_workflow_handle_for(MandatedReportWorkflow.run, case_id)
        try:
            return await handle.execute_update(update, arg, id=str(uuid.uuid4()))
        except WorkflowUpdateFailedError as err:
            raise _refusal_from(err) from None
        except RPCError as err:
            raise _not_found_or(err) from None

    async def status_of(request: Request, case_id: str) -> CaseStatus:
        from dutyflow.api.app import _not_found_or
        from workflows.mandated_report import MandatedReportWorkflow

        client: Client = request.app.state.temporal
        try:
            return await client.get_workflow_handle_for(MandatedReportWorkflow.run, case_id).query(
                MandatedReportWorkflow.status
            )
        except RPCError as err:
            raise _not_found_or(err) from None

    # --- the supervisor's side --------------------------------------------------------------

    @router.get("/supervision/exceptions", response_model=list[PendingException])
    async def pending_exceptions(
        principal: Principal = Depends(authenticator),  # noqa: B008
    ) -> list[PendingException]:
        """Disclosure exceptions awaiting a second person: a supervisor's clinic's, or every
        clinic's for compliance. Ids and field paths only, no content."""
        if principal.role not in APPROVER_ROLES:
            raise forbidden("this needs the role supervisor or compliance")

        def read() -> list[PendingException]:
            query = (
                select(
                    DisclosureException.case_id,
                    CaseRecord.clinic_id,
                    DisclosureException.exception_id,
                    DisclosureException.recipient_id,
                    DisclosureException.fields,
                    DisclosureException.requested_by,
                    DisclosureException.requested_at,
                )
                .join(CaseRecord, CaseRecord.case_id == DisclosureException.case_id)
                .where(DisclosureException.state == "pending")
                .order_by(DisclosureException.requested_at)
            )
            if principal.role == "supervisor":
                query = query.where(CaseRecord.clinic_id == principal.clinic_id)
            with sessions() as session:
                rows = session.exec(query).all()
            return [
                PendingException(
                    case_id=case_id,
                    clinic_id=clinic_id,
                    exception_id=exception_id.rsplit("/", 1)[-1],
                    recipient_id=recipient_id,
                    fields=fields,
                    requested_by=requested_by,
                    requested_at=_utc(requested_at),  # type: ignore[arg-type]
                )
                for case_id, clinic_id, exception_id, recipient_id, fields, requested_by, requested_at in rows
            ]

        return await run_in_threadpool(read)

    @router.get("/supervision/consultations", response_model=list[QueuedConsultation])
    async def consultation_queue(
        principal: Principal = Depends(supervisor),  # noqa: B008
    ) -> list[QueuedConsultation]:
        """Cases of the supervisor's clinic awaiting them: ids, kinds and dates, no content."""

        def read() -> list[QueuedConsultation]:
            with sessions() as session:
                rows = session.exec(
                    select(SupervisionConsultation, CaseRecord.jurisdiction, CaseRecord.kind)
                    .join(CaseRecord, CaseRecord.case_id == SupervisionConsultation.case_id)
                    .where(
                        SupervisionConsultation.clinic_id == principal.clinic_id,
                        SupervisionConsultation.state == "awaiting-supervisor",
                    )
                    .order_by(SupervisionConsultation.requested_at)
                ).all()
            return [
                QueuedConsultation(
                    case_id=row.case_id,
                    jurisdiction=jurisdiction,
                    kind=kind,
                    round=row.round,
                    requested_at=_utc(row.requested_at),  # type: ignore[arg-type]
                )
                for row, jurisdiction, kind in rows
            ]

        return await run_in_threadpool(read)

    @router.get("/supervision/consultations/{case_id}", response_model=ConsultationView)
    async def consultation_view(
        case_id: str,
        grant: CaseGrant = Depends(readable),  # noqa: B008
    ) -> ConsultationView:
        """The case de-identified for its clinic's supervisor, with the fields the practitioner
        revealed. The audit records the paths shown, removed, coarsened, masked and revealed."""
        principal = grant.principal
        if principal.role != "supervisor":
            raise forbidden("the consultation view is for the clinic's supervisor")

        def build() -> ConsultationView:
            with sessions() as session:
                try:
                    case = load_case(session, case_id)
                    case_file = load_case_file(session, case_id)
                except CaseNotFound:
                    raise refusal("case", "has no documented grounds yet", 409) from None
                reveals = session.exec(
                    select(SupervisionReveal).where(SupervisionReveal.case_id == case_id)
                ).all()
                latest = session.exec(
                    select(SupervisionConsultation)
                    .where(SupervisionConsultation.case_id == case_id)
                    .order_by(SupervisionConsultation.round.desc())  # type: ignore[attr-defined]
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
            # Exactly what the supervisor saw, by path; never a value.
            record_step(
                sessions,
                case_id=case_id,
                step=CONTENT_READ_STEP,
                key_suffix=uuid.uuid4().hex,
                actor=Actor(actor_id=principal.user_id, role=principal.role),
                content_sha256=served_sha256(answer.model_dump(mode="json")),
                details={"view": "supervision-consultation", **paths.model_dump()},
            )
            return answer

        return await run_in_threadpool(build)

    @router.post("/supervision/consultations/{case_id}/decision", response_model=CaseStatus)
    async def decide_consultation(
        case_id: str,
        body: ConsultationAnswer,
        request: Request,
        grant: CaseGrant = Depends(writable),  # noqa: B008
    ) -> CaseStatus:
        """The clinic's supervisor approves, or returns the case with comments for the
        practitioner (who revises the grounds; the case then comes back)."""
        from workflows.mandated_report import MandatedReportWorkflow

        if grant.principal.role != "supervisor":
            raise forbidden("only a supervisor of the case's clinic answers a consultation")
        decision = ConsultationDecision(
            supervisor_id=grant.principal.user_id, decision=body.decision, comments=body.comments
        )
        return await execute(request, case_id, MandatedReportWorkflow.decide_consultation, decision)

    # --- the practitioner's side ------------------------------------------------------------

    @router.get("/reports/{case_id}/supervision/revealable", response_model=RevealableFields)
    async def revealable_to_supervisor(
        case_id: str,
        grant: CaseGrant = Depends(writable),  # noqa: B008
    ) -> RevealableFields:
        """The fields the practitioner may reveal to the supervisor (as `reveal_problems` judges
        them), so a page offers a choice rather than a path to type. Paths and categories only,
        to the case's own practitioner: no content is served, so no content read is audited."""
        if grant.principal.role != "practitioner":
            raise forbidden("only the case's practitioner reveals a field to the supervisor")

        def read() -> RevealableFields:
            with sessions() as session:
                try:
                    case_file = load_case_file(session, case_id)
                except CaseNotFound:
                    raise refusal("case", "has no documented grounds yet", 409) from None
            return RevealableFields(
                case_id=case_id,
                fields=[
                    RevealableField(path=c.path, what=c.what, reason=c.reason)
                    for c in revealable(case_file, date.today())
                ],
            )

        return await run_in_threadpool(read)

    @router.post(
        "/reports/{case_id}/supervision/reveals", status_code=201, response_model=RevealRecorded
    )
    async def reveal_to_supervisor(
        case_id: str,
        body: RevealRequest,
        grant: CaseGrant = Depends(writable),  # noqa: B008
    ) -> RevealRecorded:
        """Show the supervisor a field the de-identified view hides, with a reason (sealed);
        the audit names the fields. Private content is never revealed."""
        principal = grant.principal
        if principal.role != "practitioner":
            raise forbidden("only the case's practitioner reveals a field to the supervisor")

        def record() -> RevealRecorded:
            with sessions() as session:
                try:
                    case_file = load_case_file(session, case_id)
                except CaseNotFound:
                    raise refusal("case", "has no documented grounds yet", 409) from None
            problems = reveal_problems(body.fields, body.reason, case_file, date.today())
            if problems:
                from dutyflow.api.app import Refusal

                raise Refusal(problems)
            reveal_id = uuid.uuid4().hex
            fields = sorted(set(body.fields))

            def write(session: Any) -> None:
                session.add(
                    SupervisionReveal(
                        reveal_id=reveal_id,
                        case_id=case_id,
                        fields=fields,
                        reason=body.reason,
                        revealed_by=principal.user_id,
                    )
                )

            record_step(
                sessions,
                case_id=case_id,
                step="supervision-field-revealed",
                key_suffix=reveal_id,
                actor=Actor(actor_id=principal.user_id, role=principal.role),
                content_sha256=content_sha256({"fields": fields, "reason": body.reason}),
                details={"reveal_id": reveal_id, "fields": fields},
                write=write,
            )
            return RevealRecorded(reveal_id=reveal_id, fields=fields)

        return await run_in_threadpool(record)

    @router.get("/reports/{case_id}/supervision", response_model=SupervisionRecord)
    async def supervision_record(
        case_id: str,
        grant: CaseGrant = Depends(readable),  # noqa: B008
    ) -> SupervisionRecord:
        """The consultation's rounds with the supervisor's comments, the reveals and their
        reasons, the disclosure exceptions and their justifications. Case content: audited."""

        def read() -> SupervisionRecord:
            with sessions() as session:
                if session.get(CaseRecord, case_id) is None:
                    raise no_such_case()
                rounds = session.exec(
                    select(SupervisionConsultation)
                    .where(SupervisionConsultation.case_id == case_id)
                    .order_by(SupervisionConsultation.round)
                ).all()
                reveals = session.exec(
                    select(SupervisionReveal)
                    .where(SupervisionReveal.case_id == case_id)
                    .order_by(SupervisionReveal.revealed_at)
                ).all()
                exceptions = session.exec(
                    select(DisclosureException)
                    .where(DisclosureException.case_id == case_id)
                    .order_by(DisclosureException.requested_at)
                ).all()
            answer = SupervisionRecord(
                case_id=case_id,
                consultations=[
                    ConsultationRound(
                        round=r.round,
                        state=r.state,
                        bypass_grounds=r.bypass_grounds,
                        requested_at=_utc(r.requested_at),  # type: ignore[arg-type]
                        decided_by=r.decided_by,
                        decided_at=_utc(r.decided_at),
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
                        revealed_at=_utc(r.revealed_at),  # type: ignore[arg-type]
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
            audit_content_read(
                sessions,
                grant.principal,
                case_id,
                "supervision-record",
                answer.model_dump(mode="json"),
            )
            return answer

        return await run_in_threadpool(read)

    @router.post("/reports/{case_id}/exceptions", response_model=CaseStatus)
    async def request_exception(
        case_id: str,
        body: ExceptionAsk,
        request: Request,
        grant: CaseGrant = Depends(writable),  # noqa: B008
    ) -> CaseStatus:
        """Ask for fields beyond a recipient's allow-list, with a written justification: pending
        until a second person (the clinic's supervisor or compliance) approves."""
        from workflows.mandated_report import MandatedReportWorkflow

        asked = DisclosureExceptionRequest(
            requested_by=grant.principal.user_id,
            requested_role=grant.principal.role,
            recipient_id=body.recipient_id,
            fields=body.fields,
            justification=body.justification,
        )
        return await execute(
            request, case_id, MandatedReportWorkflow.request_disclosure_exception, asked
        )

    async def decide_exception(
        request: Request,
        case_id: str,
        exception_id: str,
        body: ExceptionAnswer,
        principal: Principal,
        approve: bool,
    ) -> CaseStatus:
        from workflows.mandated_report import MandatedReportWorkflow

        if principal.role not in APPROVER_ROLES:
            raise forbidden("a second person approves: a supervisor of the clinic or compliance")
        current = await status_of(request, case_id)
        asked = next((e for e in current.exceptions if e.exception_id == exception_id), None)
        if asked is None:
            raise HTTPException(
                status_code=404, detail="exception_id: no such disclosure exception"
            )
        if asked.requested_by == principal.user_id:
            raise refusal(
                "decided_by",
                "must be a second person: whoever asked for the exception cannot approve it",
                403,
            )
        decision = DisclosureExceptionDecision(
            exception_id=exception_id,
            decided_by=principal.user_id,
            decided_role=principal.role,
            approve=approve,
            note=body.note,
        )
        return await execute(
            request, case_id, MandatedReportWorkflow.decide_disclosure_exception, decision
        )

    @router.post("/reports/{case_id}/exceptions/{exception_id}/approve", response_model=CaseStatus)
    async def approve_exception(
        case_id: str,
        exception_id: str,
        request: Request,
        body: ExceptionAnswer | None = None,
        grant: CaseGrant = Depends(readable),  # noqa: B008
    ) -> CaseStatus:
        """A second person approves: the fields go to the recipient with the report."""
        return await decide_exception(
            request, case_id, exception_id, body or ExceptionAnswer(), grant.principal, True
        )

    @router.post("/reports/{case_id}/exceptions/{exception_id}/refuse", response_model=CaseStatus)
    async def refuse_exception(
        case_id: str,
        exception_id: str,
        request: Request,
        body: ExceptionAnswer | None = None,
        grant: CaseGrant = Depends(readable),  # noqa: B008
    ) -> CaseStatus:
        """A second person refuses: the fields are never sent."""
        return await decide_exception(
            request, case_id, exception_id, body or ExceptionAnswer(), grant.principal, False
        )

    return router
