"""The download of a sent report's confidential copy (``/app/cases/{case_id}/sent/{report_id}``):
the API's PDF of exactly what the delivery sent (`dutyflow.api.routes.sent_copies`), which checks
who may read it and audits the download. A GET link: the URL holds only opaque ids.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from dutyflow.web.api_client import ApiDep, segment
from dutyflow.web.config import PagesDep
from dutyflow.web.pages import PAGE_HEADERS
from dutyflow.web.routing import PageRoute
from dutyflow.web.session import WebSession
from dutyflow.web.signed_in import SignedIn

CopyReader = Annotated[WebSession, Depends(SignedIn("practitioner", "supervisor", "compliance"))]

router = APIRouter(route_class=PageRoute)


@router.get("/cases/{case_id}/sent/{report_id}")
async def sent_copy(
    case_id: str, report_id: str, session: CopyReader, api: ApiDep, pages: PagesDep
) -> Response:
    answer = await api.get(f"/reports/{segment(case_id)}/deliveries/{segment(report_id)}/pdf")
    if answer.status_code != 200:
        return pages.refused(session, "There is no such report of this case for you.", 404)
    return Response(
        answer.content,
        media_type="application/pdf",
        headers={
            **PAGE_HEADERS,
            "Content-Disposition": f'attachment; filename="sent-{report_id}.pdf"',
        },
    )
