"""The practitioner's steps for an agency that takes reports through its portal, by fax or by
post, and for an acknowledgement that came by phone or letter, each sent to the API
(`dutyflow.api.routes.channels`):

- the PDF to fax or post (``/app/cases/{case_id}/channel/{recipient_id}/paper.pdf``), a GET link
  of opaque ids; the API checks who may read it and audits the download;
- recording the report as sent, and recording an acknowledgement (forms of the case page);
- the small script that adds copy buttons to the portal's sections (the page works without it).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from dutyflow.settings import REPO_ROOT
from dutyflow.web.api_client import ApiDep, segment
from dutyflow.web.config import PagesDep
from dutyflow.web.pages import PAGE_HEADERS
from dutyflow.web.practitioner.case import CasePageDep
from dutyflow.web.practitioner.steps import send_step
from dutyflow.web.routing import PageRoute
from dutyflow.web.session import WebSession
from dutyflow.web.signed_in import Posted, SignedIn

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
