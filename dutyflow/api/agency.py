"""What an agency's account sees at Dutyflow: the reports delivered to that agency, and nothing else.

    GET /agency/reports                the reports delivered to the caller's agency
    GET /agency/reports/{report_id}    one of them, the rendered document exactly as delivered
    POST /agency/reports/{report_id}/acknowledgement
                                       accepted or screened out, under the agency's reference

Agency users only (403 for every other role). A report delivered to another agency answers 404,
exactly as an unknown one does. The listing carries ids, the form, times and the agency's own
reference number, never a case id; the document is what the agency already received. Both reads
are audited before they are answered (step ``case-content-read``).

An acknowledgement by an agency user is recorded by the case workflow exactly as the agency's
signed callback is (`record_acknowledgement`, shared with ``/agency-callbacks/...``), with an
audit entry of the user who gave it.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from dutyflow.auth.api import Authenticator, require_roles
from dutyflow.auth.case_access import audit_content_read
from dutyflow.auth.roles import Principal
from dutyflow.contracts import Actor
from dutyflow.domain.audit import content_sha256
from dutyflow.domain.transmission import AcknowledgementDecision, AgencyAcknowledgement
from dutyflow.domain.validation import FieldProblem
from dutyflow.store.db import SessionFactory
from dutyflow.store.steps import record_step
from dutyflow.store.tables import DeliveryRecord, ReportDocument

_SUBJECT_LIMIT = 64  # AuditEntry.case_id


class DeliveredReport(BaseModel):
    report_id: str
    form_id: str | None
    reference_number: str
    received_at: datetime
    delivered_at: datetime


class DeliveredDocument(DeliveredReport):
    sha256: str
    text: str
    html: str


class AcknowledgementRequest(BaseModel):
    """An agency user's acknowledgement: the decision, under the reference the agency gave."""

    model_config = ConfigDict(extra="forbid")

    reference_number: str = Field(min_length=1, max_length=100)
    decision: AcknowledgementDecision
    note: str | None = Field(default=None, max_length=1000)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def agency_subject(agency_id: str) -> str:
    """The audit chain's pseudo case id for an agency's listing: ``agency:<agency_id>``."""
    subject = f"agency:{agency_id}"
    if len(subject) <= _SUBJECT_LIMIT:
        return subject
    return f"agency-sha256:{hashlib.sha256(agency_id.encode()).hexdigest()[:50]}"


def _document(session: Session, delivery: DeliveryRecord) -> ReportDocument | None:
    """The document as delivered: the one of the delivery's case and recipient with its hash."""
    return session.exec(
        select(ReportDocument).where(
            ReportDocument.case_id == delivery.case_id,
            ReportDocument.recipient_id == delivery.recipient_id,
            ReportDocument.sha256 == delivery.document_sha256,
        )
    ).first()


async def record_acknowledgement(
    sessions: SessionFactory,
    temporal_client: Client,
    agency_id: str,
    acknowledgement: AgencyAcknowledgement,
) -> dict[str, str]:
    """Record an agency's acknowledgement in its case's workflow: ``recorded``, or ``already
    recorded`` (the case had it, or has closed). 404 for a report not delivered to this agency;
    503 with Retry-After while the case is still taking in the delivery's receipt."""
    from dutyflow.api.app import Refusal, _not_found_or, _refusal_from
    from workflows.mandated_report import MandatedReportWorkflow

    with sessions() as session:
        delivery = session.get(DeliveryRecord, acknowledgement.report_id)
    if delivery is None or delivery.agency_id != agency_id:
        raise HTTPException(status_code=404, detail="report_id: no report delivered to this agency")
    case = temporal_client.get_workflow_handle_for(MandatedReportWorkflow.run, delivery.case_id)
    try:
        await case.execute_update(
            MandatedReportWorkflow.record_agency_acknowledgement,
            acknowledgement,
            id=f"acknowledgement-{acknowledgement.report_id}",
        )
    except WorkflowUpdateFailedError as err:
        cause = err.cause
        if isinstance(cause, ApplicationError) and cause.type == "InvalidState":
            return {"status": "already recorded"}
        refusal = _refusal_from(err)
        if isinstance(refusal, Refusal) and [p.field for p in refusal.problems] == ["report_id"]:
            # The delivery is stored but the case has not taken in its receipt yet (the
            # agency answered fast): ask the agency to send the acknowledgement again.
            raise HTTPException(
                status_code=503,
                detail="report_id: the case is still recording this delivery; retry shortly",
                headers={"Retry-After": "1"},
            ) from None
        raise refusal from None
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            # The report was delivered, so its case existed: closed (or its history already past
            # retention), it can take nothing more.
            return {"status": "already recorded"}
        raise _not_found_or(err) from None
    return {"status": "recorded"}


def agency_router(sessions: SessionFactory) -> APIRouter:
    router = APIRouter(prefix="/agency", tags=["agency"])
    agency_user = require_roles("agency", authenticator=Authenticator(sessions))

    @router.get("/reports", response_model=list[DeliveredReport])
    def delivered_reports(  # sync: FastAPI runs it in its thread pool
        principal: Principal = Depends(agency_user),  # noqa: B008
    ) -> list[DeliveredReport]:
        """The reports delivered to the caller's agency, newest first."""
        with sessions() as session:
            deliveries = session.exec(
                select(DeliveryRecord)
                .where(DeliveryRecord.agency_id == principal.agency_id)
                .order_by(col(DeliveryRecord.delivered_at).desc())
            ).all()
            forms = (
                {
                    (row[0], row[1], row[2]): row[3]
                    for row in session.exec(
                        select(
                            ReportDocument.case_id,
                            ReportDocument.recipient_id,
                            ReportDocument.sha256,
                            ReportDocument.form_id,
                        ).where(col(ReportDocument.case_id).in_({d.case_id for d in deliveries}))
                    ).all()
                }
                if deliveries
                else {}
            )
        listing = [
            DeliveredReport(
                report_id=d.report_id,
                form_id=forms.get((d.case_id, d.recipient_id, d.document_sha256)),
                reference_number=d.reference_number,
                received_at=_utc(d.received_at),
                delivered_at=_utc(d.delivered_at),
            )
            for d in deliveries
        ]
        audit_content_read(
            sessions,
            principal,
            agency_subject(principal.agency_id or ""),
            "agency-reports",
            [r.model_dump(mode="json") for r in listing],
            count=len(listing),
        )
        return listing

    @router.get("/reports/{report_id}", response_model=DeliveredDocument)
    def delivered_document(  # sync: FastAPI runs it in its thread pool
        report_id: str,
        principal: Principal = Depends(agency_user),  # noqa: B008
    ) -> DeliveredDocument:
        """The rendered report (text and HTML) exactly as it was delivered to the caller's
        agency."""
        with sessions() as session:
            delivery = session.get(DeliveryRecord, report_id)
            if delivery is None or delivery.agency_id != principal.agency_id:
                raise HTTPException(status_code=404, detail="report_id: no such report")
            document = _document(session, delivery)
            if document is None:
                raise HTTPException(status_code=404, detail="report_id: no such report")
            answer = DeliveredDocument(
                report_id=delivery.report_id,
                form_id=document.form_id,
                reference_number=delivery.reference_number,
                received_at=_utc(delivery.received_at),
                delivered_at=_utc(delivery.delivered_at),
                sha256=document.sha256,
                text=document.text,
                html=document.html,
            )
        audit_content_read(
            sessions,
            principal,
            delivery.case_id,
            "agency-report",
            answer.model_dump(mode="json"),
            report_id=report_id,
        )
        return answer

    @router.post("/reports/{report_id}/acknowledgement")
    async def acknowledge_report(
        report_id: str,
        body: AcknowledgementRequest,
        request: Request,
        principal: Principal = Depends(agency_user),  # noqa: B008
    ) -> dict[str, str]:
        """The agency accepts or screens out a report delivered to it, under the reference
        number it gave: recorded by the case as the agency's signed callback would be."""
        from dutyflow.api.app import Refusal

        def delivered() -> DeliveryRecord | None:
            with sessions() as session:
                return session.get(DeliveryRecord, report_id)

        delivery = await run_in_threadpool(delivered)
        if delivery is None or delivery.agency_id != principal.agency_id:
            raise HTTPException(status_code=404, detail="report_id: no such report")
        if body.reference_number.strip() != delivery.reference_number:
            raise Refusal(
                [
                    FieldProblem(
                        field="reference_number",
                        problem="is not the reference number your agency gave",
                    )
                ]
            )
        acknowledgement = AgencyAcknowledgement(
            report_id=report_id,
            reference_number=delivery.reference_number,
            decision=body.decision,
            decided_at=datetime.now(UTC),
            note=body.note,
        )
        # Who at the agency decided: the workflow records the agency's decision, this the person.
        await run_in_threadpool(
            record_step,
            sessions,
            case_id=delivery.case_id,
            step="agency-acknowledgement-given",
            key_suffix=uuid.uuid4().hex,
            actor=Actor(actor_id=principal.user_id, role=principal.role),
            content_sha256=content_sha256(acknowledgement.model_dump(mode="json")),
            details={
                "report_id": report_id,
                "agency_id": delivery.agency_id,
                "decision": body.decision.value,
            },
        )
        return await record_acknowledgement(
            sessions, request.app.state.temporal, delivery.agency_id, acknowledgement
        )

    return router
