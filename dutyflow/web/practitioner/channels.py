"""The practitioner's steps for an agency that takes reports through its portal, by fax or by
post, and for an acknowledgement that came by phone or letter, each sent to the API
(`dutyflow.api.routes.channels`):

- the PDF to fax or post (``/app/cases/{case_id}/channel/{recipient_id}/paper.pdf``), a GET link
  of opaque ids; the API checks who may read it and audits the download;
- recording the report as sent, and recording an acknowledgement (forms of the case page);
- attaching the portal's receipt to a report sent through a portal (a form with a file), and
  downloading it (whoever may read the case; the API audits each read);
- the small script that adds copy buttons to the portal's sections (the page works without it).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from dutyflow.settings import REPO_ROOT
from dutyflow.web.api_client import ApiDep, segment
from dutyflow.web.config import PagesDep
from dutyflow.web.pages import PAGE_HEADERS, redirect
from dutyflow.web.practitioner.case import CasePageDep
from dutyflow.web.practitioner.steps import send_step
from dutyflow.web.refusals import problems_of, state_from
from dutyflow.web.routing import PageRoute
from dutyflow.web.session import WebSession
from dutyflow.web.signed_in import Posted, SignedIn
from dutyflow.web.uploads import read_multipart

COPY_BUTTONS = REPO_ROOT / "static" / "web" / "copy-buttons.js"
PaperReader = Annotated[WebSession, Depends(SignedIn("practitioner", "supervisor", "compliance"))]

router = APIRouter(route_class=PageRoute)


@router.get("/cases/{case_id}/channel/{recipient_id}/paper.pdf")
async def paper_report(
    case_id: str, recipient_id: str, session: PaperReader, api: ApiDep, pages: PagesDep
) -> Response:
    answer = await api.get(
        f"/reports/{segment(case_id)}/channel-tasks/{segment(recipient_id)}/paper.pdf"
    )
    if answer.status_code != 200:
        return pages.refused(session, "There is no report of this case to fax or post.", 404)
    return Response(
        answer.content,
        media_type="application/pdf",
        headers={
            **PAGE_HEADERS,
            "Content-Disposition": answer.headers.get("Content-Disposition", "attachment"),
        },
    )


@router.post("/cases/{case_id}/report-sent")
async def report_sent(case_id: str, posted: Posted, case_page: CasePageDep) -> Response:
    body = {
        "practitioner_id": posted.session.user_id,
        "recipient_id": posted.value("recipient_id"),
        "sent_at": posted.instant("sent_at"),
        "sent_to": posted.optional("sent_to"),
        "confirmation_number": posted.optional("confirmation_number"),
    }
    inputs = ["sent_at", "sent_to", "confirmation_number"]
    return await send_step(case_page, case_id, "report-sent", posted, body, inputs)


@router.post("/cases/{case_id}/portal-receipt")
async def attach_portal_receipt(
    case_id: str, request: Request, posted: Posted, case_page: CasePageDep
) -> Response:
    report_id = posted.value("report_id")
    upload = await read_multipart(request)
    answer = await case_page.api.put(
        f"/reports/{segment(case_id)}/deliveries/{segment(report_id)}/portal-receipt",
        content=upload.files.get("receipt", b""),
    )
    if answer.status_code >= 300:
        state = state_from(posted.fields, problems_of(answer), ["receipt"])
        return await case_page.show(
            posted.session,
            case_id,
            step_states={f"portal-receipt:{report_id}": state},
            status_code=answer.status_code,
        )
    return redirect(f"/cases/{segment(case_id)}")


@router.get("/cases/{case_id}/portal-receipts/{report_id}")
async def portal_receipt(
    case_id: str, report_id: str, session: PaperReader, api: ApiDep, pages: PagesDep
) -> Response:
    answer = await api.get(f"/reports/{segment(case_id)}/portal-receipts/{segment(report_id)}")
    if answer.status_code != 200:
        return pages.refused(session, "There is no such portal receipt in this case.", 404)
    return Response(
        answer.content,
        media_type=answer.headers["content-type"],
        headers={
            **PAGE_HEADERS,
            "Content-Disposition": answer.headers.get("Content-Disposition", "attachment"),
        },
    )


@router.post("/cases/{case_id}/acknowledgement-received")
async def acknowledgement_received(
    case_id: str, posted: Posted, case_page: CasePageDep
) -> Response:
    body = {
        "practitioner_id": posted.session.user_id,
        "report_id": posted.value("report_id"),
        "reference_number": posted.value("reference_number"),
        "decision": posted.value("decision"),
        "decided_at": posted.instant("decided_at"),
        "received_via": posted.value("received_via"),
        "acknowledged_by": posted.value("acknowledged_by"),
    }
    inputs = ["reference_number", "decision", "decided_at", "received_via", "acknowledged_by"]
    return await send_step(case_page, case_id, "acknowledgement-received", posted, body, inputs)


@router.get("/assets/copy-buttons.js")
async def copy_buttons() -> Response:
    return Response(
        COPY_BUTTONS.read_bytes(),
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )
