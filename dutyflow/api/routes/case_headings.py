"""A case's heading: what a person recognises a case by, instead of its opaque id.

    GET /reports/{case_id}/heading   the client's reference (for the practitioner and
                                     compliance; never for a supervisor, whose view of a case is
                                     de-identified), the jurisdiction, the kind and when it opened

Read from the case's record (no Temporal call); no narrative, no name of a person. The pages use
it for the case's title and in the case lists.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from dutyflow.api.deps import ReadableCase, SessionsDep
from dutyflow.auth.case_access import NO_SUCH_CASE
from dutyflow.store.db import SessionFactory
from dutyflow.store.tables import CaseRecord

# Who sees the client's reference in a heading: a supervisor's view of a case is de-identified.
CLIENT_REFERENCE_ROLES = frozenset({"practitioner", "compliance"})

router = APIRouter()


class CaseHeading(BaseModel):
    case_id: str
    client_reference: str | None
    jurisdiction: str
    kind: str
    opened_at: datetime


def read_heading(sessions: SessionFactory, case_id: str, with_client: bool) -> CaseHeading | None:
    with sessions() as session:
        record = session.get(CaseRecord, case_id)
        if record is None:
            return None
        return CaseHeading(
            case_id=case_id,
            client_reference=record.client_id if with_client else None,
            jurisdiction=record.jurisdiction,
            kind=record.kind,
            opened_at=record.opened_at,
        )


@router.get("/reports/{case_id}/heading", response_model=CaseHeading)
async def heading(case_id: str, grant: ReadableCase, sessions: SessionsDep) -> CaseHeading:
    """What a person recognises the case by: client reference, jurisdiction, kind, opened."""
    with_client = grant.principal.role in CLIENT_REFERENCE_ROLES
    found = await run_in_threadpool(read_heading, sessions, case_id, with_client)
    if found is None:
        raise HTTPException(status_code=404, detail=NO_SUCH_CASE)
    return found
