"""The open delivery tasks of a case, or of a practitioner's cases: what a person must do for a
report to be delivered and accounted for. A source of tasks for the inbox.

- ``record-agency-reference``: an agency took the report (a 2xx answer) but named no reference
  Dutyflow could read; the practitioner records the one the agency gives them
  (``POST /reports/{case_id}/agency-reference``).
- ``deliver-report``: an agency refused the report, or its intake did not take it within the
  policy's attempts; the practitioner deals with the agency and asks for it to go again
  (``POST /reports/{case_id}/retry-delivery``). Open until the report is delivered.
- ``take-report-to-agency``: the agency takes reports through its portal, by fax or by post;
  the practitioner takes the report there and records it
  (``POST /reports/{case_id}/report-sent``). Due when the written report is; open until the
  report is delivered.

Read from the database (the delivery records and the audit log), not from the workflow, so a
list over many cases needs no Temporal query per case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel
from sqlmodel import Session, col, select

from dutyflow import ids
from dutyflow.store import audit_log
from dutyflow.store.tables import (
    AuditEntry,
    CaseRecord,
    DeliveryRecord,
    DisclosureRecord,
    ObligationRecord,
    ReportDocument,
)

DELIVERY_PROBLEM_STEP = "delivery-refused-by-agency"
# Written by `activities.channels` once the report is ready for the practitioner to take.
CHANNEL_TASK_STEP = "report-to-take-to-agency"

DeliveryTaskKind = Literal["record-agency-reference", "deliver-report", "take-report-to-agency"]


class DeliveryTask(BaseModel):
    case_id: str
    practitioner_id: str
    recipient_id: str
    kind: DeliveryTaskKind
    # The delivered report whose reference is to be recorded, or the report to take to the
    # agency (None for ``deliver-report``).
    report_id: str | None = None
    # When the report is due (``take-report-to-agency``: the written report's deadline).
    due_at: datetime | None = None


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
    prepared = session.exec(
        select(AuditEntry)
        .where(col(AuditEntry.case_id).in_(owners), AuditEntry.step == CHANNEL_TASK_STEP)
        .order_by(col(AuditEntry.seq))
    ).all()
    for entry in prepared:
        recipient = str(entry.details.get("recipient_id"))
        if (entry.case_id, recipient) in delivered:
            continue
        obligation = session.get(ObligationRecord, ids.obligation_id(entry.case_id, recipient))
        tasks.append(
            DeliveryTask(
                case_id=entry.case_id,
                practitioner_id=owners[entry.case_id],
                recipient_id=recipient,
                kind="take-report-to-agency",
                report_id=entry.details.get("report_id"),
                due_at=obligation.written_report_due_at if obligation else None,
            )
        )
    return tasks


@dataclass(frozen=True)
class ReportToTake:
    """A report ready for the practitioner to take to its agency: the obligation, the limited
    fields and the rendered document (case content, sealed at rest), and the channel."""

    obligation: ObligationRecord
    disclosure: DisclosureRecord
    document: ReportDocument
    channel: str
    report_id: str


def report_to_take(session: Session, case_id: str, recipient_id: str) -> ReportToTake | None:
    """The report Dutyflow prepared for the practitioner to take to this recipient's agency
    (its ``take-report-to-agency`` step audited); None if there is none."""
    entry = audit_log.recorded_step(session, ids.step_key(case_id, CHANNEL_TASK_STEP, recipient_id))
    if entry is None:
        return None
    obligation = session.get(ObligationRecord, ids.obligation_id(case_id, recipient_id))
    disclosure = session.get(DisclosureRecord, ids.disclosure_id(case_id, recipient_id))
    document = session.get(ReportDocument, ids.document_id(case_id, recipient_id))
    if obligation is None or disclosure is None or document is None:
        return None
    return ReportToTake(
        obligation=obligation,
        disclosure=disclosure,
        document=document,
        channel=str(entry.details.get("channel")),
        report_id=str(entry.details.get("report_id")),
    )
