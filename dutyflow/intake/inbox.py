"""The agency staff's HTML inbox: the received reports, one report with its document, and the
forms to decide it or resend its acknowledgement.

The forms take the same actions as the JSON routes (`dutyflow.intake.decisions`); an action that
cannot be done (already decided, not failed) shows the report again with the reason, a done one
redirects (``303``) back to the report. The inbox has no authentication of its own: run it behind
the agency's access control. Cross-site form posts are refused.

What is not here: how the pages are rendered and forms read (`dutyflow.intake.pages`).
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from dutyflow.intake.decisions import resend_acknowledgement, take_decision
from dutyflow.intake.deps import (
    AgencyName,
    EngineDep,
    FoundReport,
    KnownAgency,
    SenderDep,
    report_or_404,
)
from dutyflow.intake.pages import (
    inbox_page,
    read_form,
    refuse_cross_site,
    report_page,
    report_path,
)
from dutyflow.intake.schemas import DecisionRequest
from dutyflow.intake.store import list_reports

router = APIRouter(prefix="/agencies/{agency_id}/inbox")


@router.get("", response_class=HTMLResponse)
async def inbox(agency_id: KnownAgency, agency_name: AgencyName, engine: EngineDep) -> HTMLResponse:
    reports = await run_in_threadpool(list_reports, engine, agency_id)
    return inbox_page(agency_id, agency_name, reports)


@router.get("/{reference_number}", response_class=HTMLResponse)
async def inbox_report(
    report: FoundReport, agency_id: KnownAgency, agency_name: AgencyName
) -> HTMLResponse:
    return report_page(agency_id, agency_name, report)


@router.post("/{reference_number}/decision", response_class=HTMLResponse)
async def inbox_decision(
    reference_number: str,
    request: Request,
    agency_id: KnownAgency,
    agency_name: AgencyName,
    engine: EngineDep,
    sender: SenderDep,
) -> Response:
    refuse_cross_site(request)
    form = await read_form(request)
    report = await report_or_404(engine, agency_id, reference_number)
    note = (form.get("note") or "").strip() or None
    try:
        decision = DecisionRequest.model_validate(
            {"decision": form.get("decision", ""), "note": note}
        )
    except ValidationError as err:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
            for error in err.errors(include_url=False)
        )
        return report_page(
            agency_id, agency_name, report, problems, status.HTTP_422_UNPROCESSABLE_CONTENT
        )
    try:
        await take_decision(engine, sender, agency_id, reference_number, decision)
    except HTTPException as err:
        if err.status_code != status.HTTP_409_CONFLICT:
            raise
        return report_page(agency_id, agency_name, report, str(err.detail), err.status_code)
    return RedirectResponse(report_path(agency_id, reference_number), status.HTTP_303_SEE_OTHER)


@router.post("/{reference_number}/acknowledgement/resend", response_class=HTMLResponse)
async def inbox_resend(
    reference_number: str,
    request: Request,
    agency_id: KnownAgency,
    agency_name: AgencyName,
    engine: EngineDep,
    sender: SenderDep,
) -> Response:
    refuse_cross_site(request)
    try:
        await resend_acknowledgement(engine, sender, agency_id, reference_number)
    except HTTPException as err:
        if err.status_code != status.HTTP_409_CONFLICT:
            raise
        report = await report_or_404(engine, agency_id, reference_number)
        return report_page(agency_id, agency_name, report, str(err.detail), err.status_code)
    return RedirectResponse(report_path(agency_id, reference_number), status.HTTP_303_SEE_OTHER)
