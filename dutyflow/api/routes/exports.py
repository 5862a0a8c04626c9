"""``GET /reports/{case_id}/deidentified``: the de-identified export, for whoever may read the case
(its practitioner, a supervisor of its clinic, compliance); audited by the export itself
(`dutyflow.exports.deidentified`)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from starlette.concurrency import run_in_threadpool

from dutyflow.api.deps import ReadableCase, SessionsDep
from dutyflow.api.errors import Refusal
from dutyflow.auth.case_access import acting
from dutyflow.domain.validation import FieldProblem
from dutyflow.exports.deidentified import (
    DeidentifiedExport,
    ExportRefused,
    Purpose,
    ResearchBasis,
    export_case,
)
from dutyflow.store.case_file import CaseNotFound

router = APIRouter(tags=["exports"])


@router.get("/reports/{case_id}/deidentified", response_model=DeidentifiedExport)
async def deidentified(
    grant: ReadableCase,
    sessions: SessionsDep,
    purpose: Purpose = "teaching",
    research_basis: ResearchBasis | None = None,
) -> DeidentifiedExport:
    """HIPAA Safe Harbor or refused (422, naming where an identifier may remain); research use
    names its basis."""
    try:
        return await run_in_threadpool(
            lambda: export_case(
                sessions,
                grant.case_id,
                actor=acting(grant.principal),
                purpose=purpose,
                research_basis=research_basis,
            )
        )
    except ExportRefused as refused:
        raise Refusal([FieldProblem(field=f, problem=p) for f, p in refused.problems]) from None
    except CaseNotFound:
        raise HTTPException(
            status_code=404, detail="case_id: no such case, or no grounds documented yet"
        ) from None
