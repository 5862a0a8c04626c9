"""The open delivery tasks of a case, or of a practitioner's cases: what a person must do for a
report to be delivered and accounted for. A source of tasks for the inbox.

- ``record-agency-reference``: an agency took the report (a 2xx answer) but named no reference
  Dutyflow could read; the practitioner records the one the agency gives them
  (``POST /reports/{case_id}/agency-reference``).
- ``deliver-report``: an agency refused the report, or its intake did not take it within the
  policy's attempts; the practitioner deals with the agency and asks for it to go again
  (``POST /reports/{case_id}/retry-delivery``). Open until the report is delivered.

Read from the database (the delivery records and the audit log), not from the workflow, so a
list over many cases needs no Temporal query per case.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel
from sqlmodel import Session, col, select

from dutyflow.store.tables import AuditEntry, CaseRecord, DeliveryRecord

DELIVERY_PROBLEM_STEP = "delivery-refused-by-agency"

DeliveryTaskKind = Literal["record-agency-reference", "deliver-report"]


class DeliveryTask(BaseModel):
    case_id: str
    practitioner_id: str
    recipient_id: str
    kind: DeliveryTaskKind
    # The delivered report whose reference is to be recorded (None for ``deliver-report``).
    report_id: str | None = None


def open_delivery_tasks(
    session: Session, *, case_id: str | None = None, practitioner_id: str | None = None
) -> list[DeliveryTask]:
    """The open delivery tasks of one case, or of every case of one practitioner (at least one
    of the two must be given), oldest case first."""
    if case_id is None and practitioner_id is None:
        raise ValueError("case_id or practitioner_id: give at least one")
    cases = select(CaseRecord.case_id, CaseRecord.practitioner_id)
    if case_id is not None:
        cases = cases.where(CaseRecord.case_id == case_id)
    if practitioner_id is not None:
        cases = cases.where(CaseRecord.practitioner_id == practitioner_id)
    owners = dict(session.exec(cases).all())
    if not owners:
        return []
    deliveries = session.exec(
        select(DeliveryRecord)
        .where(col(DeliveryRecord.case_id).in_(owners))
        .order_by(col(DeliveryRecord.delivered_at))
    ).all()
    delivered = {(d.case_id, d.recipient_id) for d in deliveries}
    tasks = [
        DeliveryTask(
            case_id=d.case_id,
            practitioner_id=owners[d.case_id],
            recipient_id=d.recipient_id,
            kind="record-agency-reference",
            report_id=d.report_id,
        )
        for d in deliveries
        if d.reference_number is None
    ]
    problems = session.exec(
        select(AuditEntry)
        .where(col(AuditEntry.case_id).in_(owners), AuditEntry.step == DELIVERY_PROBLEM_STEP)
        .order_by(col(AuditEntry.seq))
    ).all()
    undelivered: dict[tuple[str, str], None] = {}
    for entry in problems:
        key = (entry.case_id, str(entry.details.get("recipient_id")))
        if key not in delivered:
            undelivered[key] = None
    tasks += [
        DeliveryTask(
            case_id=case,
            practitioner_id=owners[case],
            recipient_id=recipient,
            kind="deliver-report",
        )
        for case, recipient in undelivered
    ]
    return tasks
