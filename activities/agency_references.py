"""Activity that records the reference an agency gave for a report it took without naming one
Dutyflow could read: the practitioner learnt it (by phone, letter or the agency's portal) and
records it; the delivery record takes it and the audit log names who recorded it.

Idempotent: recording the same reference again finds its own audit entry; a delivery that
already has a reference keeps it (the workflow refuses a second one before it gets here).
"""

from __future__ import annotations

from sqlmodel import Session
from temporalio import activity
from temporalio.exceptions import ApplicationError

from dutyflow.contracts import RecordAgencyReferenceInput, StepRecorded
from dutyflow.domain.audit import content_sha256
from dutyflow.store.db import SessionFactory, reading
from dutyflow.store.steps import record_step, step_recorded
from dutyflow.store.tables import DeliveryRecord


class AgencyReferenceActivities:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    @activity.defn(name="record_agency_reference")
    def record_agency_reference(self, request: RecordAgencyReferenceInput) -> StepRecorded:
        with reading(self._sessions) as session:
            delivery = session.get(DeliveryRecord, request.report_id)
            if delivery is None or delivery.case_id != request.case_id:
                raise ApplicationError(
                    "report_id: no report of this case was delivered under this id",
                    type="InvalidInput",
                    non_retryable=True,
                )
            recipient_id = delivery.recipient_id

        def write(session: Session) -> None:
            record = session.get(DeliveryRecord, request.report_id)
            if record is not None and record.reference_number is None:
                record.reference_number = request.reference_number
                session.add(record)

        entry = record_step(
            self._sessions,
            case_id=request.case_id,
            step="agency-reference-recorded",
            key_suffix=request.report_id,
            actor=request.actor,
            content_sha256=content_sha256({"reference_number": request.reference_number}),
            details={
                "report_id": request.report_id,
                "recipient_id": recipient_id,
                "reference_number": request.reference_number,
            },
            write=write,
            ends_attempt=True,
        )
        return step_recorded(entry)
