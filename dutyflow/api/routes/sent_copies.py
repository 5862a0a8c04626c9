"""The clinic's confidential copy of a report exactly as it was sent: the delivered document's own
HTML, laid out as a PDF (`dutyflow.domain.pdf.pdf_from_html`, WeasyPrint, nothing fetched).

    GET /reports/{case_id}/deliveries/{report_id}/pdf   the PDF of the document whose hash the
                                                        delivery records (case content: audited)

Whoever may read the case's review may download it (`dutyflow.auth.case_access`). Each download
is a ``case-content-read`` audit entry naming the delivery, before the PDF is answered.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response
from sqlmodel import select
from starlette.concurrency import run_in_threadpool

from dutyflow.api.deps import ReadableCase, SessionsDep
from dutyflow.auth.case_access import audit_content_read
from dutyflow.domain.pdf import pdf_from_html
from dutyflow.store.db import SessionFactory
from dutyflow.store.tables import DeliveryRecord, ReportDocument

NO_SUCH_DELIVERY = "report_id: no such delivery of this case"
SENT_COPY_VIEW = "sent-copy-pdf"

router = APIRouter()


def delivered_html(sessions: SessionFactory, case_id: str, report_id: str) -> str | None:
    """The HTML of the document the delivery sent (the one whose hash it records); None if the
    case has no such delivery."""
    with sessions() as session:
        delivery = session.get(DeliveryRecord, report_id)
        if delivery is None or delivery.case_id != case_id:
            return None
        document = session.exec(
            select(ReportDocument).where(
                ReportDocument.case_id == case_id,
                ReportDocument.recipient_id == delivery.recipient_id,
                ReportDocument.sha256 == delivery.document_sha256,
            )
        ).first()
        return document.html if document is not None else None


@router.get(
    "/reports/{case_id}/deliveries/{report_id}/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def sent_copy(
    case_id: str, report_id: str, grant: ReadableCase, sessions: SessionsDep
) -> Response:
    """The PDF of exactly what the delivery sent, for the clinic's confidential records."""
    html = await run_in_threadpool(delivered_html, sessions, case_id, report_id)
    if html is None:
        raise HTTPException(status_code=404, detail=NO_SUCH_DELIVERY)
    await run_in_threadpool(
        audit_content_read,
        sessions,
        grant.principal,
        case_id,
        SENT_COPY_VIEW,
        html,
        report_id=report_id,
    )
    pdf = await run_in_threadpool(pdf_from_html, html)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="sent-{report_id}.pdf"',
            "Cache-Control": "no-store",
        },
    )
