"""The receipts agencies' portals give for reports the practitioner entered into them.

    PUT /reports/{case_id}/deliveries/{report_id}/portal-receipt   the case's practitioner
        attaches the receipt (the file as the body: a PDF, PNG or JPEG, known by its content,
        at most `MAX_RECEIPT_BYTES` of `dutyflow.domain.portal_receipts`) to a report delivered
        through a portal; once per report
    GET /reports/{case_id}/portal-receipts                          the case's receipts, listed
        (media type, size, hash, who attached them and when; no content)
    GET /reports/{case_id}/portal-receipts/{report_id}              one receipt: case content,
        served to whoever may read the case, a ``case-content-read`` audit entry first

The receipt is sealed with the case's key (`dutyflow.store.portal_receipts`); its attaching is
audited with its size and hash, never its content.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from dutyflow.api.deps import DirectoryDep, ReadableCase, SessionsDep, WritableCase
from dutyflow.api.errors import Refusal, field_refusal
from dutyflow.auth.case_access import acting, audit_content_read, forbidden
from dutyflow.domain.portal_receipts import (
    EXTENSIONS,
    CheckedReceipt,
    receipt_media_type,
    receipt_problems,
)
from dutyflow.store.db import reading
from dutyflow.store.portal_receipts import (
    ReceiptAlreadyAttached,
    ReceiptListing,
    attach_receipt,
    delivery_of_case,
    receipt_content,
    receipts_of_case,
)

router = APIRouter()
NO_PORTAL_DELIVERY = "is no report of this case delivered through an agency's portal"


class PortalReceiptPublic(BaseModel):
    report_id: str
    media_type: str
    size_bytes: int
    sha256: str
    attached_by: str
    attached_at: datetime


def _public(listing: ReceiptListing) -> PortalReceiptPublic:
    return PortalReceiptPublic(**listing.__dict__)


@router.put(
    "/reports/{case_id}/deliveries/{report_id}/portal-receipt",
    status_code=201,
    response_model=PortalReceiptPublic,
    openapi_extra={
        "requestBody": {
            "required": True,
            # Whatever type is declared: the receipt is known by its content (PDF, PNG, JPEG).
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            },
        }
    },
)
async def attach_portal_receipt(
    case_id: str,
    report_id: str,
    request: Request,
    grant: WritableCase,
    sessions: SessionsDep,
    directory: DirectoryDep,
) -> PortalReceiptPublic:
    """The portal's receipt for a report the practitioner entered into it: checked by its
    content (not its name or declared type), sealed, audited (size and hash), once (409)."""
    if grant.principal.role != "practitioner":
        raise forbidden("only the case's practitioner attaches a portal's receipt")
    content = await request.body()
    problems = receipt_problems(content)
    if problems:
        raise Refusal(problems)
    delivery = await run_in_threadpool(delivery_of_case, sessions, case_id, report_id)
    agency = directory.by_id(delivery.agency_id) if delivery is not None else None
    if delivery is None or agency is None or agency.channel != "portal":
        raise field_refusal("report_id", NO_PORTAL_DELIVERY, 404)
    media_type = receipt_media_type(content)
    assert media_type is not None  # receipt_problems refused anything else
    try:
        listing = await run_in_threadpool(
            attach_receipt,
            sessions,
            delivery,
            CheckedReceipt(content, media_type),
            acting(grant.principal),
        )
    except ReceiptAlreadyAttached:
        raise field_refusal("report_id", "has its portal's receipt already", 409) from None
    return _public(listing)


@router.get("/reports/{case_id}/portal-receipts", response_model=list[PortalReceiptPublic])
async def list_portal_receipts(
    case_id: str, grant: ReadableCase, sessions: SessionsDep
) -> list[PortalReceiptPublic]:
    """The case's portal receipts, without their content."""

    def listed() -> list[ReceiptListing]:
        with reading(sessions) as session:
            return receipts_of_case(session, case_id)

    return [_public(listing) for listing in await run_in_threadpool(listed)]


@router.get(
    "/reports/{case_id}/portal-receipts/{report_id}",
    response_class=Response,
    responses={200: {"content": {media: {} for media in EXTENSIONS}}},
)
async def download_portal_receipt(
    case_id: str, report_id: str, grant: ReadableCase, sessions: SessionsDep
) -> Response:
    """One receipt, to whoever may read the case; the read is audited before it is served."""
    found = await run_in_threadpool(receipt_content, sessions, case_id, report_id)
    if found is None:
        raise field_refusal("report_id", "has no portal receipt in this case", 404)
    media_type, content = found
    await run_in_threadpool(
        audit_content_read,
        sessions,
        grant.principal,
        case_id,
        "portal-receipt",
        content,
        report_id=report_id,
    )
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": (
                f'attachment; filename="receipt-{report_id}.{EXTENSIONS[media_type]}"'
            ),
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
