"""The agency's pages: the reports its intake received from Dutyflow, one report as delivered
(the rendered document and the structured fields), and the agency's acknowledgement of it
(reference number, screening decision), recorded with the case.

The API answers only with the signed-in agency's own reports.
"""

from __future__ import annotations

import httpx
from fastapi import APIRouter
from fastapi.responses import Response

from dutyflow.web.api_client import ApiDep, segment
from dutyflow.web.config import PagesDep
from dutyflow.web.pages import Pages
from dutyflow.web.refusals import FormState, problems_of, state_from
from dutyflow.web.routing import PageRoute
from dutyflow.web.session import WebSession
from dutyflow.web.signed_in import AgencySession, Posted

ACKNOWLEDGEMENT_INPUTS = ("reference_number", "decision", "note")
RECORDED = "Your acknowledgement is recorded with the case."
ALREADY_RECORDED = "This report's acknowledgement was already recorded; nothing changed."

router = APIRouter(route_class=PageRoute)


@router.get("/agency")
async def agency_inbox(session: AgencySession, api: ApiDep, pages: PagesDep) -> Response:
    answer = await api.get("/agency/reports")
    return pages.render(
        "agency/inbox.html.j2",
        session,
        title="Reports received",
        reports=answer.json() if answer.status_code == 200 else [],
    )


async def show_report(
    api: httpx.AsyncClient,
    pages: Pages,
    session: WebSession,
    report_id: str,
    state: FormState | None = None,
    status_code: int = 200,
    outcome: str | None = None,
) -> Response:
    """The report with the acknowledgement's form (``state`` re-shows a refused one) and
    ``outcome``, what became of an acknowledgement just sent."""
    answer = await api.get(f"/agency/reports/{segment(report_id)}")
    if answer.status_code != 200:
        return pages.refused(session, "There is no such report for your agency.", 404)
    return pages.render(
        "agency/report.html.j2",
        session,
        status_code=status_code,
        title=f"Report {report_id}",
        report=answer.json(),
        state=state or FormState(),
        outcome=outcome,
    )


@router.get("/agency/reports/{report_id}")
async def agency_report(
    report_id: str, session: AgencySession, api: ApiDep, pages: PagesDep
) -> Response:
    return await show_report(api, pages, session, report_id)


@router.post("/agency/reports/{report_id}/acknowledgement")
async def agency_acknowledge(
    report_id: str, posted: Posted, api: ApiDep, pages: PagesDep
) -> Response:
    body = {
        "reference_number": posted.value("reference_number"),
        "decision": posted.value("decision"),
        "note": posted.optional("note"),
    }
    answer = await api.post(f"/agency/reports/{segment(report_id)}/acknowledgement", json=body)
    if answer.status_code != 200:
        state = state_from(posted.fields, problems_of(answer), ACKNOWLEDGEMENT_INPUTS)
        return await show_report(api, pages, posted.session, report_id, state, answer.status_code)
    recorded = answer.json().get("status") == "recorded"
    return await show_report(
        api, pages, posted.session, report_id, outcome=RECORDED if recorded else ALREADY_RECORDED
    )
