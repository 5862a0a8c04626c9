"""What the agency answers Dutyflow, in the shapes of `dutyflow.domain.transmission`: the receipt
for a delivered report (the body of the ``201``/``200``), and the acknowledgement its callback
carries once the report is decided.

Both are built here from the stored report, and only here, so that an agency answering in
another shape changes this module alone. What is not here: the staff's own views of a report
(`dutyflow.intake.schemas` for JSON, `dutyflow.intake.pages` for HTML), and how the callback is
signed and sent (`dutyflow.intake.signatures`, `dutyflow.intake.callbacks`).
"""

from __future__ import annotations

from dutyflow.domain.transmission import (
    AcknowledgementDecision,
    AgencyAcknowledgement,
    IntakeReceipt,
)
from dutyflow.intake.tables import IntakeReport, decided_at_utc, received_at_utc


def intake_receipt(report: IntakeReport, created: bool) -> IntakeReceipt:
    """The receipt for a delivery: the stored report's reference number and receipt time, the
    decision if already taken, and whether this delivery repeated an earlier one."""
    return IntakeReceipt(
        reference_number=report.reference_number,
        received_at=received_at_utc(report),
        duplicate=not created,
        decision=AcknowledgementDecision(report.decision) if report.decision else None,
    )


def acknowledgement_body(report: IntakeReport) -> bytes:
    """The JSON body of a decided report's acknowledgement callback.

    Raises `ValueError` (pydantic's ``ValidationError`` among them) when the stored report cannot
    make one, for example when it has no decision yet.
    """
    decided_at = decided_at_utc(report)
    if report.decision is None or decided_at is None:
        raise ValueError("decision: the report is not decided yet")
    acknowledgement = AgencyAcknowledgement(
        report_id=report.idempotency_key,
        reference_number=report.reference_number,
        decision=AcknowledgementDecision(report.decision),
        decided_at=decided_at,
        note=report.note,
    )
    return acknowledgement.model_dump_json().encode()
