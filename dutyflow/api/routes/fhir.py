"""``GET /reports/{case_id}/fhir``: a case's FHIR Bundle (``application/fhir+json``), built by
`dutyflow.interop.export`.

Case content: only those who may read the case (`dutyflow.auth.case_access`), and every export
is audited before it is answered."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import JSONResponse

from dutyflow.api.deps import ReadableCase, SessionsDep
from dutyflow.auth.case_access import NO_SUCH_CASE, audit_content_read
from dutyflow.interop.export import CaseNotFound, export_case

router = APIRouter()

FHIR_JSON = "application/fhir+json"


@router.get(
    "/reports/{case_id}/fhir",
    response_class=JSONResponse,
    responses={200: {"content": {FHIR_JSON: {}}}},
    summary="The case's disclosures as a FHIR Bundle",
)
def case_fhir(  # sync: FastAPI runs it in its thread pool
    case_id: str, grant: ReadableCase, sessions: SessionsDep
) -> JSONResponse:
    try:
        with sessions() as session:
            bundle = export_case(session, case_id)
    except CaseNotFound:
        raise HTTPException(status_code=404, detail=NO_SUCH_CASE) from None
    audit_content_read(sessions, grant.principal, case_id, "fhir", bundle)
    return JSONResponse(bundle, media_type=FHIR_JSON)
