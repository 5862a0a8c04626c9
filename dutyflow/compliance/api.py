"""Compliance endpoints: case lists and a case's merged timeline (read-only).

A compliance officer sees every case. A supervisor sees their own clinic's: their list is always
of their clinic (naming another clinic is refused, 403), and another clinic's case answers 404, as
an unknown case does. Nobody else may use these endpoints (403).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import ValidationError

from dutyflow.auth.api import Authenticator, require_roles
from dutyflow.auth.case_access import CaseGrant, case_reader
from dutyflow.auth.roles import Principal
from dutyflow.compliance.case_lists import CaseFilter, CaseListing, list_cases
from dutyflow.compliance.timeline import CaseTimeline, case_timeline
from dutyflow.domain.validation import FieldProblem
from dutyflow.store.case_file import CaseNotFound
from dutyflow.store.db import SessionFactory

REVIEWER_ROLES = ("compliance", "supervisor")


def compliance_router(sessions: SessionFactory) -> APIRouter:
    router = APIRouter(prefix="/compliance", tags=["compliance"])
    authenticator = Authenticator(sessions)
    reviewer = require_roles(*REVIEWER_ROLES, authenticator=authenticator)
    readable = case_reader(sessions, authenticator)

    @router.get("/cases", response_model=list[CaseListing])
    async def cases(
        request: Request,
        stage: str | None = None,
        clinic: str | None = None,
        jurisdiction: str | None = None,
        kind: str | None = None,
        include_closed: bool = False,
        overdue: bool = False,
        at_risk_within_hours: Annotated[float | None, Query()] = None,
        principal: Principal = Depends(reviewer),  # noqa: B008
    ) -> list[CaseListing]:
        """Open, overdue and at-risk cases; a supervisor's are always of their own clinic."""
        from dutyflow.api.app import Refusal

        if principal.role == "supervisor":
            if clinic is not None and clinic != principal.clinic_id:
                raise Refusal(
                    [
                        FieldProblem(
                            field="clinic", problem="a supervisor sees only their own clinic"
                        )
                    ],
                    status_code=403,
                )
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
        return await list_cases(request.app.state.temporal, filters)

    @router.get("/cases/{case_id}/timeline", response_model=CaseTimeline)
    async def timeline(
        request: Request,
        case_id: str,
        _reviewer: Principal = Depends(reviewer),  # noqa: B008
        _grant: CaseGrant = Depends(readable),  # noqa: B008
    ) -> CaseTimeline:
        """Temporal history merged with the audit log: who did what, when, disclosed to whom."""
        try:
            return await case_timeline(request.app.state.temporal, sessions, case_id)
        except CaseNotFound:
            raise HTTPException(status_code=404, detail="case_id: no such case") from None

    return router
