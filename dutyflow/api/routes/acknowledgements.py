"""An agency's acknowledgement of a delivered report (accepted or screened out, under the
agency's reference number), recorded by the case's workflow. It comes one of two ways:

    POST /agency-callbacks/{agency_id}/acknowledgements   the agency's system, signed with the
                                                          agency's secret (no bearer token)
    POST /agency/reports/{report_id}/acknowledgement      an agency user, with their token

Both are recorded by `record_acknowledgement`; an agency user's is also audited under their name.
A report not delivered to that agency answers 404, exactly as an unknown one does.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi import APIRouter, HTTPException, Request
from pydantic import ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool
from temporalio.client import Client

from dutyflow.api.case_workflow import update_case
from dutyflow.api.deps import (
    AgencySecretsDep,
    AgencyUser,
    DirectoryDep,
    SessionsDep,
    TemporalDep,
)
from dutyflow.api.errors import Refusal, field_refusal
from dutyflow.api.inputs import InputModel
from dutyflow.auth.case_access import acting
from dutyflow.contracts import Actor
from dutyflow.crypto.standard_webhooks import SignatureError, verify
from dutyflow.domain.audit import content_sha256
from dutyflow.domain.transmission import AcknowledgementDecision, AgencyAcknowledgement
from dutyflow.domain.validation import FieldProblem
from dutyflow.store.db import SessionFactory
from dutyflow.store.seen_messages import DatabaseSeenMessages
from dutyflow.store.steps import record_step
from dutyflow.store.tables import DeliveryRecord
from workflows.mandated_report import MandatedReportWorkflow

router = APIRouter()


class ReportAcknowledgementRequest(InputModel):
    """An agency user's acknowledgement: the decision, under the reference the agency gave."""

    model_config = ConfigDict(extra="forbid")

    reference_number: str = Field(min_length=1, max_length=100)
    decision: AcknowledgementDecision
    note: str | None = Field(default=None, max_length=1000)


def delivery_of(sessions: SessionFactory, report_id: str) -> DeliveryRecord | None:
    with sessions() as session:
        return session.get(DeliveryRecord, report_id)


async def record_acknowledgement(
    sessions: SessionFactory,
    temporal: Client,
    agency_id: str,
    acknowledgement: AgencyAcknowledgement,
) -> dict[str, str]:
    """Record an agency's acknowledgement in its case's workflow: ``recorded``, or ``already
    recorded`` (the case had it, or has closed). 404 for a report not delivered to this agency;
    503 with Retry-After while the case is still taking in the delivery's receipt."""
    delivery = delivery_of(sessions, acknowledgement.report_id)
    if delivery is None or delivery.agency_id != agency_id:
        raise HTTPException(status_code=404, detail="report_id: no report delivered to this agency")
    try:
        await update_case(
            temporal,
            delivery.case_id,
            MandatedReportWorkflow.record_agency_acknowledgement,
            acknowledgement,
            actor=Actor(actor_id=agency_id, role="agency"),
            key=f"acknowledgement-{acknowledgement.report_id}",
        )
    except Refusal as refusal:
        if refusal.status_code == 409:
            # The case had this acknowledgement already, or it has closed.
            return {"status": "already recorded"}
        if [p.field for p in refusal.problems] == ["report_id"]:
            # The delivery is stored but the case has not taken in its receipt yet (the
            # agency answered fast): ask the agency to send the acknowledgement again.
            raise HTTPException(
                status_code=503,
                detail="report_id: the case is still recording this delivery; retry shortly",
                headers={"Retry-After": "1"},
            ) from None
        raise
    except HTTPException as err:
        if err.status_code == 404:
            # The report was delivered, so its case existed: Temporal no longer finds it (its
            # history past retention), and it can take nothing more.
            return {"status": "already recorded"}
        raise
    return {"status": "recorded"}


@router.post("/agency-callbacks/{agency_id}/acknowledgements")
async def agency_acknowledgement(
    agency_id: str,
    request: Request,
    temporal: TemporalDep,
    sessions: SessionsDep,
    secrets: AgencySecretsDep,
    directory: DirectoryDep,
) -> dict[str, str]:
    """An agency's signed acknowledgement (accepted or screened out) of a delivered report."""
    if directory.by_id(agency_id) is None:
        # Refused before any secret is looked up (development would generate one for it).
        raise HTTPException(status_code=404, detail="agency_id: unknown agency")
    raw = await request.body()
    try:
        secret = secrets(agency_id)
    except KeyError:
        raise HTTPException(status_code=404, detail="agency_id: unknown agency") from None
    try:
        # Standard Webhooks; the messages already seen are in the database (a restart keeps them).
        seen = DatabaseSeenMessages(sessions)
        await run_in_threadpool(verify, secret, dict(request.headers), raw, seen)
    except SignatureError as err:
        raise HTTPException(status_code=401, detail=str(err)) from None
    try:
        acknowledgement = AgencyAcknowledgement.model_validate_json(raw)
    except ValidationError as err:
        raise Refusal(
            [
                FieldProblem(field=".".join(map(str, e["loc"])) or "body", problem=e["msg"])
                for e in err.errors()
            ]
        ) from None
    return await record_acknowledgement(sessions, temporal, agency_id, acknowledgement)


@router.post("/agency/reports/{report_id}/acknowledgement", tags=["agency"])
async def acknowledge_report(
    report_id: str,
    body: ReportAcknowledgementRequest,
    principal: AgencyUser,
    sessions: SessionsDep,
    temporal: TemporalDep,
) -> dict[str, str]:
    """The agency accepts or screens out a report delivered to it, under the reference
    number it gave: recorded by the case as the agency's signed callback would be."""
    delivery = await run_in_threadpool(delivery_of, sessions, report_id)
    if delivery is None or delivery.agency_id != principal.agency_id:
        raise HTTPException(status_code=404, detail="report_id: no such report")
    given = delivery.reference_number
    if given is not None and body.reference_number.strip() != given:
        raise field_refusal("reference_number", "is not the reference number your agency gave")
    acknowledgement = AgencyAcknowledgement(
        report_id=report_id,
        # A delivery whose receipt named no reference takes the one the agency now gives.
        reference_number=given or body.reference_number.strip(),
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
        actor=acting(principal),
        content_sha256=content_sha256(acknowledgement.model_dump(mode="json")),
        details={
            "report_id": report_id,
            "agency_id": delivery.agency_id,
            "decision": body.decision.value,
        },
    )
    return await record_acknowledgement(sessions, temporal, delivery.agency_id, acknowledgement)
