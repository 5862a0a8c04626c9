"""Compliance endpoints: case lists and a case's merged timeline (read-only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import ValidationError

from dutyflow.compliance.case_lists import CaseFilter, CaseListing, list_cases
from dutyflow.compliance.timeline import CaseTimeline, case_timeline
from dutyflow.domain.validation import FieldProblem
from dutyflow.store.case_file import CaseNotFound
from dutyflow.store.db import SessionFactory


def compliance_router(sessions: SessionFactory) -> APIRouter:
    router = APIRouter(prefix="/compliance", tags=["compliance"])

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
    ) -> list[CaseListing]:
        try:
            filters = CaseFilter(
                stage=stage, clinic=clinic, jurisdiction=jurisdiction, kind=kind,
                open_only=not include_closed, overdue=overdue,
                at_risk_within_hours=at_risk_within_hours,
            )
        except ValidationError as err:
            from dutyflow.api.app import Refusal

            raise Refusal(
                [FieldProblem(field=str(e["loc"][0]), problem=e["msg"]) for e in err.errors()]
            ) from None
        return await list_cases(request.app.state.temporal, filters)

    @router.get("/cases/{case_id}/timeline", response_model=CaseTimeline)
    async def timeline(request: Request, case_id: str) -> CaseTimeline:
        try:
            return await case_timeline(request.app.state.temporal, sessions, case_id)
        except CaseNotFound:
            raise HTTPException(status_code=404, detail="case_id: no such case") from None

    return router
