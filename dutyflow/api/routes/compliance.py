"""Compliance review: case lists and a case's merged timeline (read-only).

    GET /compliance/cases                        open, overdue and at-risk cases (filters)
    GET /compliance/cases/{case_id}/timeline     Temporal history merged with the audit log

A compliance officer sees every case. A supervisor sees their own clinic's: their list is always
of their clinic (naming another clinic is refused, 403), and another clinic's case answers 404, as
an unknown case does. Nobody else may use these endpoints (403). The lists and the timeline are
built by `dutyflow.compliance`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from pydantic import ValidationError

from dutyflow.api.deps import ReadableCase, Reviewer, SessionsDep, TemporalDep
from dutyflow.api.errors import Refusal, field_refusal
from dutyflow.auth.case_access import NO_SUCH_CASE
from dutyflow.compliance.case_lists import CaseFilter, CaseListing, list_cases
from dutyflow.compliance.timeline import CaseTimeline, case_timeline
from dutyflow.domain.validation import FieldProblem
from dutyflow.store.case_file import CaseNotFound

router = APIRouter(prefix="/compliance", tags=["compliance"])


@router.get("/cases", response_model=list[CaseListing])
async def cases(
    temporal: TemporalDep,
    sessions: SessionsDep,
    principal: Reviewer,
    stage: str | None = None,
    clinic: str | None = None,
    jurisdiction: str | None = None,
    kind: str | None = None,
    include_closed: bool = False,
    overdue: bool = False,
    at_risk_within_hours: Annotated[float | None, Query()] = None,
) -> list[CaseListing]:
    """Open, overdue and at-risk cases (every duty with a deadline counts); a supervisor's are
    always of their own clinic."""
    if principal.role == "supervisor":
        if clinic is not None and clinic != principal.clinic_id:
            raise field_refusal("clinic", "a supervisor sees only their own clinic", 403)
        clinic = principal.clinic_id
    try:
        filters = CaseFilter(
            stage=stage,
            clinic=clinic,
            jurisdiction=jurisdiction,
            kind=kind,
            open_only=not include_closed,
            overdue=overdue,
            at_risk_within_hours=at_risk_within_hours,
        )
    except ValidationError as err:
        raise Refusal(
            [FieldProblem(field=str(e["loc"][0]), problem=e["msg"]) for e in err.errors()]
        ) from None
    return await list_cases(temporal, filters, sessions=sessions)


@router.get("/cases/{case_id}/timeline", response_model=CaseTimeline)
async def timeline(
    case_id: str,
    temporal: TemporalDep,
    sessions: SessionsDep,
    _reviewer: Reviewer,
    _grant: ReadableCase,
) -> CaseTimeline:
    """Temporal history merged with the audit log: who did what, when, disclosed to whom."""
    try:
        return await case_timeline(temporal, sessions, case_id)
    except CaseNotFound:
        raise HTTPException(status_code=404, detail=NO_SUCH_CASE) from None
