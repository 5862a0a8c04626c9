"""A report as a whole: opening it, and reading its status, its review and its timeline.

    POST /reports                        a practitioner opens a report, in their own name and clinic
    GET  /reports/{case_id}              the status: stage, obligations, deadlines; no case content
    GET  /reports/{case_id}/review       per recipient, the rendered report and the fields
                                         disclosed and withheld (case content: audited)
    GET  /reports/{case_id}/timeline     the case's audit entries: who did what, hashes, no content

The opening is checked here with the workflow's own rules first, so a refused opening starts
nothing. The clinician steps that follow are `dutyflow.api.routes.clinician_steps`.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from starlette.concurrency import run_in_threadpool
from temporalio.client import Client

from dutyflow.api.case_workflow import case_status, start_case
from dutyflow.api.deps import (
    CaseStartsDep,
    DirectoryDep,
    MetricsDep,
    PoliciesDep,
    Practitioner,
    ReadableCase,
    SessionsDep,
    TemporalDep,
)
from dutyflow.api.errors import Refusal
from dutyflow.api.inputs import InputModel
from dutyflow.auth.case_access import (
    NO_SUCH_CASE,
    assign_case,
    audit_content_read,
    unassign_case,
)
from dutyflow.auth.roles import Principal
from dutyflow.contracts import CaseStatus, Stage
from dutyflow.domain.agencies import AgencyDirectory
from dutyflow.domain.case import CaseOpening, Reporter, ReportKind
from dutyflow.domain.jurisdictions import is_known_jurisdiction
from dutyflow.domain.policy import NoPolicyError, PolicyLibrary
from dutyflow.domain.validation import FieldProblem, opening_problems
from dutyflow.store import audit_log
from dutyflow.store.db import SessionFactory
from dutyflow.store.tables import CaseAssignment, DisclosureRecord, ReportDocument

router = APIRouter()
# The namespace of case ids made from a practitioner's idempotency key (`case_id_for`).
OPENING_KEYS = uuid.UUID("5d1f0c3e-8f4b-4a52-9a57-0b6f2c9e7d11")


class OpenReportRequest(InputModel):
    """Opening a report. The case id is generated here, opaque, and becomes the workflow id.

    ``idempotency_key`` (a form's one-time token): the same practitioner opening with the same
    key again (a reload, a double click, a retried request) gets the case it opened the first
    time, never a second one."""

    jurisdiction: str
    kind: ReportKind
    county: str
    clinic_id: str
    practitioner_id: str
    client_id: str
    reporter: Reporter
    idempotency_key: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{16,64}$")


class OpenedReport(BaseModel):
    case_id: str
    stage: Stage


class ReviewedDocument(BaseModel):
    recipient_id: str
    agency_name: str
    form_id: str
    sha256: str
    disclosed_fields: list[str]
    withheld_fields: list[str]
    text: str
    html: str
    # The values the recipient will receive, nested by case-file path (the limited fields the
    # document was rendered from): the review lists them by label, with their values.
    fields: dict[str, Any] = {}


class Review(BaseModel):
    case_id: str
    review_sha256: str | None
    documents: list[ReviewedDocument]


class TimelineEntry(BaseModel):
    seq: int
    recorded_at: datetime
    step: str
    actor_id: str
    actor_role: str
    content_sha256: str
    details: dict[str, Any]


def impersonation_problems(body: OpenReportRequest, principal: Principal) -> list[FieldProblem]:
    """An opening names the caller and their clinic, nobody else's."""
    return [
        FieldProblem(field=field, problem=problem)
        for field, problem, mismatch in (
            (
                "practitioner_id",
                "must be your own user id",
                body.practitioner_id != principal.user_id,
            ),
            ("clinic_id", "must be your own clinic", body.clinic_id != principal.clinic_id),
        )
        if mismatch
    ]


NO_POLICY = {
    "jurisdiction": "is not a jurisdiction code like US-CA",
    "kind": "is not a report kind like child-abuse",
    "": "no policy of this kind is in effect today in this jurisdiction",
}


def opening_refusals(
    opening: CaseOpening, policies: PolicyLibrary, directory: AgencyDirectory
) -> list[FieldProblem]:
    """The opening's own problems, a jurisdiction and kind with no policy in effect today, and a
    county where no agency of the policy's default recipient is known."""
    problems = opening_problems(opening)
    try:
        policy = policies.in_effect(opening.jurisdiction, opening.kind, date.today())
    except NoPolicyError as err:
        # The library's message names the values asked for; the answer names the field only.
        field = str(err).partition(": ")[0]
        problem = NO_POLICY.get(field, NO_POLICY[""])
        if field == "jurisdiction/kind" and (
            is_known_jurisdiction(opening.jurisdiction) or directory.roles(opening.jurisdiction)
        ):
            # A jurisdiction Dutyflow knows (a state or nation by its ISO code, or one whose
            # agencies are listed) is named; anything else typed is never echoed.
            problem = (
                f"no policy: call counsel. Dutyflow has no {opening.kind} policy for "
                f"{opening.jurisdiction} in effect today and never applies another "
                "jurisdiction's law"
            )
        problems.append(FieldProblem(field=field, problem=problem))
        return problems
    # A person, a court or a requesting party is not found in the agency directory.
    role = policy.recipient(policy.recipient_selection.default).agency_role
    if (
        role is not None
        and opening.county.strip()
        and directory.find(opening.jurisdiction, opening.county, role) is None
    ):
        problems.append(
            FieldProblem(field="county", problem=f"no {role} agency is known for this county")
        )
    return problems


@router.post("/reports", status_code=201, response_model=OpenedReport)
async def open_report(
    body: OpenReportRequest,
    temporal: TemporalDep,
    principal: Practitioner,
    sessions: SessionsDep,
    policies: PoliciesDep,
    directory: DirectoryDep,
    starts: CaseStartsDep,
    metrics: MetricsDep,
) -> OpenedReport:
    """A practitioner opens a report of their own, in their own clinic."""
    impersonation = impersonation_problems(body, principal)
    if impersonation:
        raise Refusal(impersonation, status_code=403)
    case_id = case_id_for(principal.user_id, body.idempotency_key)
    opening = CaseOpening(case_id=case_id, **body.model_dump(exclude={"idempotency_key"}))
    problems = opening_refusals(opening, policies, directory)
    if problems:
        raise Refusal(problems)
    # Whose case it is, before the workflow starts: its next step may arrive before the
    # workflow has written its own case record. The assignment is also the idempotency record:
    # only the request that writes it starts the workflow.
    if not await run_in_threadpool(
        assign_new_case, sessions, case_id, opening.clinic_id, opening.practitioner_id
    ):
        return OpenedReport(case_id=case_id, stage=await stage_of(temporal, case_id))
    try:
        await start_case(temporal, opening, starts)
    except BaseException:
        # Nothing started (Temporal down, a payload it refused): no orphan assignment is left.
        await run_in_threadpool(unassign_case, sessions, case_id)
        raise
    metrics.reports_opened.inc()
    return OpenedReport(case_id=case_id, stage=Stage.OPENING)


def case_id_for(user_id: str, idempotency_key: str | None) -> str:
    """A new opaque case id; with an idempotency key, the same id for the same user and key."""
    if idempotency_key is None:
        return f"case-{uuid.uuid4().hex}"
    return f"case-{uuid.uuid5(OPENING_KEYS, f'{user_id}:{idempotency_key}').hex}"


def assign_new_case(
    sessions: SessionFactory, case_id: str, clinic_id: str, practitioner_id: str
) -> bool:
    """Records whose case it is; False if it was recorded already (the same opening again)."""
    with sessions() as session:
        if session.get(CaseAssignment, case_id) is not None:
            return False
    try:
        assign_case(sessions, case_id, clinic_id, practitioner_id)
    except IntegrityError:
        return False  # a concurrent request with the same key recorded it first
    return True


async def stage_of(temporal: Client, case_id: str) -> Stage:
    """The stage of a case opened before; still opening if its workflow has not answered yet."""
    try:
        return (await case_status(temporal, case_id)).stage
    except HTTPException:
        return Stage.OPENING


@router.get("/reports/{case_id}", response_model=CaseStatus)
async def status(case_id: str, temporal: TemporalDep, _grant: ReadableCase) -> CaseStatus:
    """The case's stage, obligations, deadlines and deliveries: no case content."""
    return await case_status(temporal, case_id)


@router.get("/reports/{case_id}/review", response_model=Review)
async def review(
    case_id: str, temporal: TemporalDep, grant: ReadableCase, sessions: SessionsDep
) -> Review:
    """Per recipient, the rendered report and the fields disclosed and withheld. Case
    content: every read is audited."""
    current = await case_status(temporal, case_id)
    disclosures = {d.recipient_id: d for d in current.disclosures}
    agencies = {o.recipient_id: o.agency_name for o in current.obligations}
    with sessions() as session:
        rows = session.exec(select(ReportDocument).where(ReportDocument.case_id == case_id)).all()
        limited = {
            row.disclosure_id: record.fields
            for row in rows
            if (record := session.get(DisclosureRecord, row.disclosure_id)) is not None
        }
    documents = [
        ReviewedDocument(
            recipient_id=row.recipient_id,
            agency_name=agencies.get(row.recipient_id, row.recipient_id),
            form_id=row.form_id,
            sha256=row.sha256,
            disclosed_fields=disclosures[row.recipient_id].disclosed_fields,
            withheld_fields=disclosures[row.recipient_id].withheld_fields,
            text=row.text,
            html=row.html,
            fields=limited.get(row.disclosure_id, {}),
        )
        for row in rows
        if row.recipient_id in disclosures
    ]
    answer = Review(case_id=case_id, review_sha256=current.review_sha256, documents=documents)
    await run_in_threadpool(
        audit_content_read,
        sessions,
        grant.principal,
        case_id,
        "review",
        answer.model_dump(mode="json"),
    )
    return answer


@router.get("/reports/{case_id}/timeline", response_model=list[TimelineEntry])
async def timeline(
    case_id: str, _grant: ReadableCase, sessions: SessionsDep
) -> list[TimelineEntry]:
    """The case's audit entries: who did what and when, hashes, never content."""
    with sessions() as session:
        entries = audit_log.entries_for_case(session, case_id)
    if not entries:
        raise HTTPException(status_code=404, detail=NO_SUCH_CASE)
    return [
        TimelineEntry(
            seq=e.seq,
            recorded_at=e.recorded_at
            if e.recorded_at.tzinfo
            else e.recorded_at.replace(tzinfo=UTC),
            step=e.step,
            actor_id=e.actor_id,
            actor_role=e.actor_role,
            content_sha256=e.content_sha256,
            details=e.details,
        )
        for e in entries
        if e.seq is not None  # always so once stored: the database gives each entry its seq
    ]
