"""The JSON shapes of the staff's API: a received report as the agency sees it, and a decision
on it. The table itself (`dutyflow.intake.store.IntakeReport`) never leaves the service.

What is not here: what goes back to Dutyflow (`dutyflow.intake.receipts`), and the wire contract
of a delivered report (`dutyflow.domain.transmission`).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from dutyflow.domain.transmission import AcknowledgementDecision, ReportTransmission
from dutyflow.intake.tables import (
    MAX_NOTE_LENGTH,
    CallbackStatus,
    IntakeReport,
    decided_at_utc,
    received_at_utc,
)


class ReceivedReport(BaseModel):
    """A stored report as the agency sees it, with its decision and the callback's state."""

    reference_number: str
    received_at: datetime
    case_reference: str
    form: str
    idempotency_key: str
    decision: AcknowledgementDecision | None
    decided_at: datetime | None
    note: str | None
    acknowledgement_url: str | None
    callback_status: CallbackStatus
    callback_attempts: int
    transmission: ReportTransmission


class DecisionRequest(BaseModel):
    """Staff's decision on a report."""

    model_config = ConfigDict(extra="forbid")

    decision: AcknowledgementDecision
    note: str | None = Field(default=None, max_length=MAX_NOTE_LENGTH)


def received_report(report: IntakeReport) -> ReceivedReport:
    """The staff's view of a stored report, the transmission included."""
    return ReceivedReport(
        reference_number=report.reference_number,
        received_at=received_at_utc(report),
        case_reference=report.case_reference,
        form=report.form,
        idempotency_key=report.idempotency_key,
        decision=AcknowledgementDecision(report.decision) if report.decision else None,
        decided_at=decided_at_utc(report),
        note=report.note,
        acknowledgement_url=report.acknowledgement_url,
        callback_status=CallbackStatus(report.callback_status),
        callback_attempts=report.callback_attempts,
        transmission=ReportTransmission.model_validate_json(report.body),
    )
