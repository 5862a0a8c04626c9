"""``GET /reports/{case_id}/fhir``: a case's FHIR Bundle (``application/fhir+json``).

Case content: only those who may read the case (`dutyflow.auth.case_access`), and every export
is audited before it is answered."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import JSONResponse

from dutyflow.auth.case_access import CaseGrant, audit_content_read, case_reader
from dutyflow.interop.export import CaseNotFound, export_case
from dutyflow.interop.fhir import DUTYFLOW, ExportingSystem
from dutyflow.store.db import SessionFactory

FHIR_JSON = "application/fhir+json"


def fhir_router(sessions: SessionFactory, system: ExportingSystem = DUTYFLOW) -> APIRouter:
    router = APIRouter()
    readable = case_reader(sessions)

    @router.get(
        "/reports/{case_id}/fhir",
        response_class=JSONResponse,
        responses={200: {"content": {FHIR_JSON: {}}}, 404: {"description": "no such case"}},
        summary="The case's disclosures as a FHIR Bundle",
    )
    def case_fhir(  # sync: FastAPI runs it in its thread pool
        case_id: str,
        grant: CaseGrant = Depends(readable),  # noqa: B008
    ) -> JSONResponse:
        try:
            with sessions() as session:
                bundle = export_case(session, case_id, system=system)
        except CaseNotFound:
            raise HTTPException(status_code=404, detail="case_id: no such case") from None
        audit_content_read(sessions, grant.principal, case_id, "fhir", bundle)
        return JSONResponse(bundle, media_type=FHIR_JSON)

    return router
