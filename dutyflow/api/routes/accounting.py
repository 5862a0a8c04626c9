"""The accounting of disclosures over HTTP (45 CFR 164.528).

    GET  /accounting/{client_id}?view=client|compliance&format=json|csv|html&as_of=YYYY-MM-DD
    POST /accounting/{client_id}/suspensions

The client view leaves out, without a trace, entries to an agency whose suspension is in force
on ``as_of``; the compliance view shows every entry, flagged. Refusals answer 422 naming the
field, never echoing the value. Answers carry ``Cache-Control: no-store``: they are health
information.

Only a compliance officer may read an accounting (it is health information about the client:
every read is audited under the client's ``client:<id>`` subject) or record a suspension, and
they record it in their own name.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel

from dutyflow.api.deps import ComplianceOfficer, SessionsDep
from dutyflow.api.errors import problems_response
from dutyflow.api.inputs import InputModel
from dutyflow.auth.case_access import audit_content_read
from dutyflow.contracts import Actor
from dutyflow.domain.accounting import (
    AccountingStatement,
    Suspension,
    SuspensionForm,
    SuspensionRefused,
    View,
    accounting_view,
    as_utc,
    end_of_day,
    suspension_problems,
    to_csv,
    to_html,
    to_json,
)
from dutyflow.domain.validation import OPAQUE_ID_PATTERN, FieldProblem
from dutyflow.store.accounting import (
    audit_subject,
    entries_for_client,
    record_suspension,
    suspensions_for_client,
)
from dutyflow.store.db import SessionFactory

NO_STORE = {"Cache-Control": "no-store"}
SUSPENSION_RECORDER_ROLE = "compliance"


class SuspensionRequest(InputModel):
    """A suspension as an agency stated it; the client is the one in the path."""

    agency_id: str
    agency_or_official: str
    form: SuspensionForm
    statement_summary: str
    starts_at: datetime | None = None  # default: now, i.e. when the statement is recorded
    ends_at: datetime | None = None
    # The person documenting the statement: the caller. Optional; if given, it must be them.
    recorded_by: str | None = None


class RecordedSuspension(BaseModel):
    suspension_id: str
    client_id: str
    agency_id: str
    form: SuspensionForm
    starts_at: datetime
    ends_at: datetime


def _client_problems(client_id: str) -> list[FieldProblem]:
    if re.fullmatch(OPAQUE_ID_PATTERN, client_id):
        return []
    return [
        FieldProblem(
            field="client_id",
            problem="must be an opaque id: letters, digits, '_', '.', ':' or '-', at most 64",
        )
    ]


def statement_for(
    sessions: SessionFactory, client_id: str, *, as_of: datetime, view: View
) -> AccountingStatement:
    with sessions() as session:
        entries = entries_for_client(session, client_id)
        suspensions = suspensions_for_client(session, client_id)
    return accounting_view(entries, suspensions, as_of=as_of, view=view, client_id=client_id)


router = APIRouter(tags=["accounting"])


@router.get(
    "/accounting/{client_id}",
    response_model=None,
    responses={200: {"content": {"text/csv": {}, "text/html": {}}}},
)
def accounting(  # sync: FastAPI runs it in its thread pool
    client_id: str,
    principal: ComplianceOfficer,
    sessions: SessionsDep,
    view: View = "client",
    format: Literal["json", "csv", "html"] = "json",
    as_of: Annotated[
        date | None,
        Query(description="the accounting as of the end of this day (UTC); default now"),
    ] = None,
) -> Response:
    problems = _client_problems(client_id)
    if problems:
        return problems_response(problems)
    moment = end_of_day(as_of) if as_of is not None else datetime.now(UTC)
    statement = statement_for(sessions, client_id, as_of=moment, view=view)
    if format == "csv":
        served = to_csv(statement)
        answer: Response = Response(
            served,
            media_type="text/csv; charset=utf-8",
            headers={
                **NO_STORE,
                "Content-Disposition": f'attachment; filename="accounting-{client_id}.csv"',
            },
        )
    elif format == "html":
        served = to_html(statement)
        answer = HTMLResponse(served, headers=NO_STORE)
    else:
        served = to_json(statement)
        answer = Response(served, media_type="application/json", headers=NO_STORE)
    audit_content_read(
        sessions,
        principal,
        audit_subject(client_id),
        "accounting",
        served,
        accounting_view=view,
        format=format,
    )
    return answer


@router.post("/accounting/{client_id}/suspensions", status_code=201, response_model=None)
def suspend(  # sync: FastAPI runs it in its thread pool
    client_id: str, body: SuspensionRequest, principal: ComplianceOfficer, sessions: SessionsDep
) -> Response:
    suspension = Suspension(
        client_id=client_id,
        agency_id=body.agency_id,
        agency_or_official=body.agency_or_official,
        form=body.form,
        statement_summary=body.statement_summary,
        starts_at=body.starts_at or datetime.now(UTC),
        ends_at=body.ends_at,
    )
    problems = suspension_problems(suspension)
    if body.recorded_by is not None and not re.fullmatch(OPAQUE_ID_PATTERN, body.recorded_by):
        problems.append(
            FieldProblem(
                field="recorded_by", problem="must be the opaque id of the person recording it"
            )
        )
    if problems:
        return problems_response(problems)
    if body.recorded_by is not None and body.recorded_by != principal.user_id:
        return problems_response(
            [FieldProblem(field="recorded_by", problem="must be your own user id")], 403
        )
    actor = Actor(actor_id=principal.user_id, role=SUSPENSION_RECORDER_ROLE)
    try:
        row = record_suspension(sessions, suspension, actor)
    except SuspensionRefused as refused:
        return problems_response(refused.problems)
    recorded = RecordedSuspension(
        suspension_id=row.suspension_id,
        client_id=row.client_id,
        agency_id=row.agency_id,
        form=suspension.form,
        starts_at=as_utc(row.starts_at),
        ends_at=as_utc(row.ends_at),
    )
    return JSONResponse(recorded.model_dump(mode="json"), status_code=201, headers=NO_STORE)
