"""Receiving reports from Dutyflow (the wire contract of `dutyflow.domain.transmission`), and
listing and fetching the reports received.

``POST /agencies/{agency_id}/reports`` takes a `ReportTransmission` with an ``Idempotency-Key``
header equal to its ``report_id``. The signature is checked first (`deps.SignedReportBody`), then
the transmission is read and checked (`read_transmission`). The first delivery is stored and
answered ``201`` with an `IntakeReceipt`; a repeat of the same key is answered ``200`` from the
stored report, with the same reference number and receipt time and ``duplicate`` set; the same
key with a different document is a ``409``. With ``auto_acknowledge`` the report is accepted at
receipt and its acknowledgement callback starts at once.

What is not here: staff's decisions (`dutyflow.intake.decisions`), the receipt's shape
(`dutyflow.intake.receipts`), the HTML inbox (`dutyflow.intake.inbox`).
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from dutyflow.domain.documents import document_sha256
from dutyflow.domain.transmission import (
    IDEMPOTENCY_HEADER,
    AcknowledgementDecision,
    IntakeReceipt,
    ReportTransmission,
)
from dutyflow.intake.deps import (
    AutoAcknowledgeDep,
    EngineDep,
    FoundReport,
    KnownAgency,
    SenderDep,
    SignedReportBody,
)
from dutyflow.intake.limits import MAX_BODY_BYTES
from dutyflow.intake.receipts import intake_receipt
from dutyflow.intake.schemas import ReceivedReport, received_report
from dutyflow.intake.store import list_reports, receive_report
from dutyflow.intake.tables import MAX_IDEMPOTENCY_KEY_LENGTH

logger = logging.getLogger("dutyflow.intake")

router = APIRouter(prefix="/agencies/{agency_id}/reports")

IdempotencyKey = Annotated[str | None, Header(alias=IDEMPOTENCY_HEADER)]


def read_transmission(
    raw: bytes, idempotency_key: str | None, agency_id: str
) -> ReportTransmission:
    """The transmission in a (signature-checked) body, refused with ``400`` for a missing or
    over-long key, and ``422`` for a body that is not a valid transmission, names another report
    or agency, or whose document does not match its SHA-256."""
    if not idempotency_key:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST, f"the {IDEMPOTENCY_HEADER} header is required"
        )
    if len(idempotency_key) > MAX_IDEMPOTENCY_KEY_LENGTH:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST,
            f"the {IDEMPOTENCY_HEADER} header must be at most "
            f"{MAX_IDEMPOTENCY_KEY_LENGTH} characters",
        )
    try:
        transmission = ReportTransmission.model_validate_json(raw)
    except ValidationError as err:
        raise RequestValidationError(
            [{**error, "loc": ("body", *error["loc"])} for error in err.errors(include_url=False)]
        ) from None
    if idempotency_key != transmission.report_id:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"report_id must equal the {IDEMPOTENCY_HEADER} header",
        )
    if transmission.recipient_id != agency_id:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"recipient_id must equal the agency id in the path ({agency_id!r})",
        )
    document = transmission.document
    if document.sha256.lower() != document_sha256(document.html, document.text):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "document.sha256 does not match the SHA-256 of document.html and document.text",
        )
    return transmission


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"model": IntakeReceipt, "description": "Already received under this key"},
        400: {"description": f"Missing or over-long {IDEMPOTENCY_HEADER} header"},
        401: {"description": "Missing, wrong or stale signature, or a replayed request"},
        404: {"description": "Unknown agency"},
        409: {"description": "Key already used for a different document"},
        413: {"description": f"Body over {MAX_BODY_BYTES} bytes"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/ReportTransmission"}}
            },
        }
    },
)
async def receive(
    response: Response,
    agency_id: KnownAgency,
    raw: SignedReportBody,
    engine: EngineDep,
    sender: SenderDep,
    auto_acknowledge: AutoAcknowledgeDep,
    idempotency_key: IdempotencyKey = None,
) -> IntakeReceipt:
    transmission = read_transmission(raw, idempotency_key, agency_id)
    key = transmission.report_id  # the header's value, now checked
    report, created = await run_in_threadpool(
        receive_report,
        engine,
        agency_id,
        key,
        transmission,
        None,
        AcknowledgementDecision.ACCEPTED if auto_acknowledge else None,
    )
    if not created and report.document_sha256.lower() != transmission.document.sha256.lower():
        logger.warning(
            "idempotency conflict agency=%s reference=%s idempotency_key=%s",
            agency_id,
            report.reference_number,
            key,
        )
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"{IDEMPOTENCY_HEADER} {key!r} was already used for a different "
            f"document (reference {report.reference_number})",
        )
    logger.info(
        "%s agency=%s reference=%s idempotency_key=%s",
        "report received" if created else "duplicate delivery",
        agency_id,
        report.reference_number,
        key,
    )
    if created:
        sender.schedule(report)
    else:
        response.status_code = status.HTTP_200_OK
    return intake_receipt(report, created)


@router.get("")
def list_received(agency_id: KnownAgency, engine: EngineDep) -> list[ReceivedReport]:
    return [received_report(report) for report in list_reports(engine, agency_id)]


@router.get(
    "/{reference_number}",
    responses={404: {"description": "Unknown agency or reference number"}},
)
async def get_received(report: FoundReport) -> ReceivedReport:
    return received_report(report)
