"""Disclosure exceptions: a field beyond a recipient's allow-list, asked for with a written
justification and approved or refused by a second person.

    GET  /supervision/exceptions                        awaiting a second person (ids, paths)
    POST /reports/{case_id}/exceptions                  ask, with a justification
    POST /reports/{case_id}/exceptions/{id}/approve     a second person: the clinic's supervisor
    POST /reports/{case_id}/exceptions/{id}/refuse      or compliance, never the one who asked

Whoever acts on the case asks; the case's workflow records the request and the decision, and
limits only approved fields into the report. Refusals answer as everywhere else
(`dutyflow.auth.case_access`).
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel
from sqlalchemy import select as sql_select
from sqlmodel import col
from starlette.concurrency import run_in_threadpool
from temporalio.client import Client

from dutyflow.api.case_workflow import case_status, update_case
from dutyflow.api.deps import CurrentUser, ReadableCase, SessionsDep, TemporalDep, WritableCase
from dutyflow.api.errors import field_refusal
from dutyflow.api.inputs import InputModel
from dutyflow.auth.case_access import acting, forbidden
from dutyflow.auth.roles import Principal
from dutyflow.contracts import CaseStatus
from dutyflow.domain.case import DisclosureExceptionDecision, DisclosureExceptionRequest
from dutyflow.store.db import SessionFactory
from dutyflow.store.tables import CaseRecord, DisclosureException
from workflows.mandated_report import MandatedReportWorkflow

router = APIRouter(tags=["supervision"])

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


class ExceptionAsk(InputModel):
    recipient_id: str
    fields: list[str]
    justification: str


class ExceptionAnswer(InputModel):
    note: str | None = None


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def pending_for(sessions: SessionFactory, principal: Principal) -> list[PendingException]:
    """The exceptions awaiting a second person: a supervisor's clinic's, or every clinic's.
    Only the columns shown are read: never the (sealed) justification."""
    query = (
        sql_select(
            col(DisclosureException.case_id),
            col(CaseRecord.clinic_id),
            col(DisclosureException.exception_id),
            col(DisclosureException.recipient_id),
            col(DisclosureException.fields),
            col(DisclosureException.requested_by),
            col(DisclosureException.requested_at),
        )
        .join(CaseRecord, col(CaseRecord.case_id) == col(DisclosureException.case_id))
        .where(col(DisclosureException.state) == "pending")
        .order_by(col(DisclosureException.requested_at))
    )
    if principal.role == "supervisor":
        query = query.where(col(CaseRecord.clinic_id) == principal.clinic_id)
    with sessions() as session:
        rows = session.connection().execute(query).all()
    return [
        PendingException(
            case_id=row.case_id,
            clinic_id=row.clinic_id,
            exception_id=row.exception_id.rsplit("/", 1)[-1],
            recipient_id=row.recipient_id,
            fields=row.fields,
            requested_by=row.requested_by,
            requested_at=_utc(row.requested_at),
        )
        for row in rows
    ]


@router.get("/supervision/exceptions", response_model=list[PendingException])
async def pending_exceptions(
    principal: CurrentUser, sessions: SessionsDep
) -> list[PendingException]:
    """Disclosure exceptions awaiting a second person: a supervisor's clinic's, or every
    clinic's for compliance. Ids and field paths only, no content."""
    if principal.role not in APPROVER_ROLES:
        raise forbidden("this needs the role supervisor or compliance")
    return await run_in_threadpool(pending_for, sessions, principal)


@router.post("/reports/{case_id}/exceptions", response_model=CaseStatus)
async def request_exception(
    case_id: str, body: ExceptionAsk, temporal: TemporalDep, grant: WritableCase
) -> CaseStatus:
    """Ask for fields beyond a recipient's allow-list, with a written justification: pending
    until a second person (the clinic's supervisor or compliance) approves."""
    asked = DisclosureExceptionRequest(
        requested_by=grant.principal.user_id,
        requested_role=grant.principal.role,
        recipient_id=body.recipient_id,
        fields=body.fields,
        justification=body.justification,
    )
    return await update_case(
        temporal,
        case_id,
        MandatedReportWorkflow.request_disclosure_exception,
        asked,
        actor=acting(grant.principal),
    )


async def decide_exception(
    temporal: Client,
    case_id: str,
    exception_id: str,
    body: ExceptionAnswer,
    principal: Principal,
    approve: bool,
) -> CaseStatus:
    """A second person's decision: a supervisor of the clinic or compliance (403 otherwise),
    never whoever asked (403); 404 for an exception the case does not have."""
    if principal.role not in APPROVER_ROLES:
        raise forbidden("a second person approves: a supervisor of the clinic or compliance")
    current = await case_status(temporal, case_id)
    asked = next((e for e in current.exceptions if e.exception_id == exception_id), None)
    if asked is None:
        raise HTTPException(status_code=404, detail="exception_id: no such disclosure exception")
    if asked.requested_by == principal.user_id:
        raise field_refusal(
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
    return await update_case(
        temporal,
        case_id,
        MandatedReportWorkflow.decide_disclosure_exception,
        decision,
        actor=acting(principal),
    )


@router.post("/reports/{case_id}/exceptions/{exception_id}/approve", response_model=CaseStatus)
async def approve_exception(
    case_id: str,
    exception_id: str,
    temporal: TemporalDep,
    grant: ReadableCase,
    body: ExceptionAnswer | None = None,
) -> CaseStatus:
    """A second person approves: the fields go to the recipient with the report."""
    return await decide_exception(
        temporal, case_id, exception_id, body or ExceptionAnswer(), grant.principal, True
    )


@router.post("/reports/{case_id}/exceptions/{exception_id}/refuse", response_model=CaseStatus)
async def refuse_exception(
    case_id: str,
    exception_id: str,
    temporal: TemporalDep,
    grant: ReadableCase,
    body: ExceptionAnswer | None = None,
) -> CaseStatus:
    """A second person refuses: the fields are never sent."""
    return await decide_exception(
        temporal, case_id, exception_id, body or ExceptionAnswer(), grant.principal, False
    )
