"""``GET /reports/{case_id}/deidentified``: the de-identified export, for whoever may read the case
(its practitioner, a supervisor of its clinic, compliance); audited by the export itself."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException
from starlette.concurrency import run_in_threadpool

from dutyflow.auth.api import Authenticator
from dutyflow.auth.case_access import CaseGrant, case_reader
from dutyflow.contracts import Actor
from dutyflow.exports.deidentified import DeidentifiedExport, export_case
from dutyflow.store.case_file import CaseNotFound
from dutyflow.store.db import SessionFactory


def deidentified_router(
    sessions: SessionFactory, authenticator: Authenticator | None = None
) -> APIRouter:
    router = APIRouter(tags=["exports"])
    readable = case_reader(sessions, authenticator)

    @router.get("/reports/{case_id}/deidentified", response_model=DeidentifiedExport)
    async def deidentified(grant: CaseGrant = Depends(readable)) -> DeidentifiedExport:  # noqa: B008
        actor = Actor(actor_id=grant.principal.user_id, role=grant.principal.role)
        try:
            return await run_in_threadpool(export_case, sessions, grant.case_id, actor=actor)
        except CaseNotFound:
            raise HTTPException(
                status_code=404, detail="case_id: no such case, or no grounds documented yet"
            ) from None

    return router
