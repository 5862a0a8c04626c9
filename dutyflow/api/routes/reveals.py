"""Supervisor consultations, the practitioner's side: showing the supervisor a field that the
de-identified view hides, with a reason.

    GET  /reports/{case_id}/supervision/revealable   what may be revealed (paths only)
    POST /reports/{case_id}/supervision/reveals      reveal fields, with a reason (sealed)

Only the case's own practitioner reveals (403 for anyone else who may act on the case). Which
fields may be shown is `dutyflow.supervision.views`'s rule; private content never is. The audit
names the fields, never their values.
"""

from __future__ import annotations

import uuid
from datetime import date

from fastapi import APIRouter
from pydantic import BaseModel
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from dutyflow.api.deps import SessionsDep, WritableCase
from dutyflow.api.errors import Refusal, field_refusal
from dutyflow.api.inputs import InputModel
from dutyflow.auth.case_access import acting, forbidden
from dutyflow.auth.roles import Principal
from dutyflow.domain.audit import content_sha256
from dutyflow.domain.case import CaseFile
from dutyflow.store.case_file import CaseNotFound, load_case_file
from dutyflow.store.db import SessionFactory
from dutyflow.store.steps import record_step
from dutyflow.store.tables import SupervisionReveal
from dutyflow.supervision.views import reveal_problems, revealable

router = APIRouter(tags=["supervision"])


class RevealRequest(InputModel):
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


def documented_case(sessions: SessionFactory, case_id: str) -> CaseFile:
    """The case's file; 409 while its grounds are not documented."""
    with sessions() as session:
        try:
            return load_case_file(session, case_id)
        except CaseNotFound:
            raise field_refusal("case", "has no documented grounds yet", 409) from None


def revealable_fields(sessions: SessionFactory, case_id: str) -> RevealableFields:
    case_file = documented_case(sessions, case_id)
    return RevealableFields(
        case_id=case_id,
        fields=[
            RevealableField(path=c.path, what=c.what, reason=c.reason)
            for c in revealable(case_file, date.today())
        ],
    )


def record_reveal(
    sessions: SessionFactory, case_id: str, body: RevealRequest, principal: Principal
) -> RevealRecorded:
    """Record the reveal and its audit entry (the field paths) in one transaction; 422 for a
    field that may not be revealed, or no reason."""
    case_file = documented_case(sessions, case_id)
    problems = reveal_problems(body.fields, body.reason, case_file, date.today())
    if problems:
        raise Refusal(problems)
    reveal_id = uuid.uuid4().hex
    fields = sorted(set(body.fields))

    def write(session: Session) -> None:
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
        actor=acting(principal),
        content_sha256=content_sha256({"fields": fields, "reason": body.reason}),
        details={"reveal_id": reveal_id, "fields": fields},
        write=write,
    )
    return RevealRecorded(reveal_id=reveal_id, fields=fields)


@router.get("/reports/{case_id}/supervision/revealable", response_model=RevealableFields)
async def revealable_to_supervisor(
    case_id: str, grant: WritableCase, sessions: SessionsDep
) -> RevealableFields:
    """The fields the practitioner may reveal to the supervisor (as `reveal_problems` judges
    them), so a page offers a choice rather than a path to type. Paths and categories only,
    to the case's own practitioner: no content is served, so no content read is audited."""
    if grant.principal.role != "practitioner":
        raise forbidden("only the case's practitioner reveals a field to the supervisor")
    return await run_in_threadpool(revealable_fields, sessions, case_id)


@router.post(
    "/reports/{case_id}/supervision/reveals", status_code=201, response_model=RevealRecorded
)
async def reveal_to_supervisor(
    case_id: str, body: RevealRequest, grant: WritableCase, sessions: SessionsDep
) -> RevealRecorded:
    """Show the supervisor a field the de-identified view hides, with a reason (sealed);
    the audit names the fields. Private content is never revealed."""
    if grant.principal.role != "practitioner":
        raise forbidden("only the case's practitioner reveals a field to the supervisor")
    return await run_in_threadpool(record_reveal, sessions, case_id, body, grant.principal)
