"""What every delivery channel shares: the recipient checked against the case's obligations at
the last moment (deny by default, a refusal audited), and the delivery written with its 164.528
accounting entry and audit entry in one transaction, once (a repeated write finds its own audit
entry and writes nothing).

Used by `activities.delivery` (the intake endpoint) and `activities.channels` (e-mail, and the
portal, fax and post the practitioner records)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session
from temporalio.exceptions import ApplicationError

from dutyflow import ids
from dutyflow.contracts import SYSTEM, Actor, DeliveryReceipt, RecipientStep
from dutyflow.domain.accounting import describe_disclosure
from dutyflow.domain.audit import content_sha256
from dutyflow.domain.policy import PolicyLibrary
from dutyflow.domain.rendering import load_form_layout
from dutyflow.store.case_file import load_case
from dutyflow.store.db import SessionFactory, reading
from dutyflow.store.steps import record_step
from dutyflow.store.tables import (
    AccountingEntry,
    AuditEntry,
    CaseDecision,
    CaseRecord,
    DeliveryRecord,
    DisclosureRecord,
    ObligationRecord,
    ReportDocument,
)

DELIVERED_STEP = "report-delivered"
SUPPLEMENT_DELIVERED_STEP = "supplement-delivered"


@dataclass(frozen=True)
class ReportToDeliver:
    """A recipient's report, authorised and rendered: everything a channel needs to send it."""

    case: CaseRecord
    obligation: ObligationRecord
    disclosure: DisclosureRecord
    document: ReportDocument
    # Which copy: the recipient's own id for the report, or its supplement's copy id
    # (`RecipientStep.copy_id`), with the supplement's number (0: the report itself).
    copy_id: str
    supplement: int = 0

    @property
    def report_id(self) -> str:
        return ids.report_id(self.case.case_id, self.copy_id, self.document.sha256)


@dataclass(frozen=True)
class Delivered:
    """How and when the report reached the agency. ``sent_to``: where it went (the fax number,
    postal or e-mail address), for the accounting's recipient address; ``details``: the
    channel's own audit details (field names, references, never case content)."""

    channel: str
    received_at: datetime
    reference_number: str | None
    actor: Actor = field(default_factory=lambda: SYSTEM)
    sent_to: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


def refuse(
    sessions: SessionFactory,
    request: RecipientStep,
    reason: str = "not among the case's obligations",
) -> None:
    record_step(
        sessions,
        case_id=request.case_id,
        step="delivery-refused",
        key_suffix=request.copy_id,
        actor=SYSTEM,
        content_sha256=content_sha256({"recipient_id": request.recipient_id}),
        details={"recipient_id": request.recipient_id, "reason": reason},
    )


def _not_to_be_sent(sessions: SessionFactory, obligation: ObligationRecord) -> str | None:
    """Why this obligation may not be delivered to the agency now, if it may not."""
    if (obligation.delivery or "intake") != "intake":
        return "not an agency intake recipient: reached by the practitioner, not delivered"
    if obligation.obligation_mode == "permitted":
        with reading(sessions) as session:
            decision = session.get(
                CaseDecision,
                ids.disclosure_decision_id(obligation.case_id, obligation.recipient_id),
            )
        if decision is None or decision.decision != "disclose":
            return "a permitted disclosure the practitioner has not decided to make"
    return None


def authorised_report(sessions: SessionFactory, request: RecipientStep) -> ReportToDeliver:
    """The recipient's report, if it may go to the agency now; otherwise the refusal is audited
    and raised (non-retryable: trying again cannot make it allowed)."""
    with reading(sessions) as session:
        case = load_case(session, request.case_id)
        case_id, recipient_id = request.case_id, request.recipient_id
        obligation = session.get(ObligationRecord, ids.obligation_id(case_id, recipient_id))
        disclosure = session.get(DisclosureRecord, ids.disclosure_id(case_id, request.copy_id))
        document = session.get(ReportDocument, ids.document_id(case_id, request.copy_id))
    if obligation is None:
        refuse(sessions, request)
        raise ApplicationError(
            "recipient_id: not among the case's obligations; delivery refused",
            type="RecipientNotAuthorised",
            non_retryable=True,
        )
    refusal = _not_to_be_sent(sessions, obligation)
    if refusal is not None:
        refuse(sessions, request, refusal)
        raise ApplicationError(
            f"recipient_id: {refusal}; delivery refused",
            type="RecipientNotAuthorised",
            non_retryable=True,
        )
    if disclosure is None or document is None:
        raise ApplicationError(
            "report not rendered for this recipient", type="ReportNotReady", non_retryable=True
        )
    return ReportToDeliver(
        case, obligation, disclosure, document, request.copy_id, request.supplement
    )


def record_delivery(
    sessions: SessionFactory,
    policies: PolicyLibrary,
    report: ReportToDeliver,
    delivered: Delivered,
) -> AuditEntry:
    """The delivery, its accounting entry and its audit entry, in one transaction, once."""
    case, obligation, disclosure, document = (
        report.case,
        report.obligation,
        report.disclosure,
        report.document,
    )
    report_id = report.report_id
    policy = policies.version(case.jurisdiction, case.kind, case.policy_version)
    policy_recipient = policy.recipient(obligation.rule_id)
    layout = load_form_layout(document.form_id)

    def write(session: Session) -> None:
        owed = session.get(ObligationRecord, obligation.obligation_id)
        if owed is not None and owed.fulfilled_at is None and not report.supplement:
            owed.fulfilled_at = delivered.received_at
        session.add(
            DeliveryRecord(
                report_id=report_id,
                case_id=case.case_id,
                recipient_id=report.copy_id,
                agency_id=obligation.agency_id,
                document_sha256=document.sha256,
                reference_number=delivered.reference_number,
                received_at=delivered.received_at,
            )
        )
        session.add(
            AccountingEntry(
                entry_id=report_id,
                client_id=case.client_id,
                case_id=case.case_id,
                disclosed_at=delivered.received_at,
                recipient_agency_id=obligation.agency_id,
                recipient_role=policy_recipient.agency_role or policy_recipient.recipient_type,
                recipient_name=obligation.agency_name,
                recipient_address=delivered.sent_to or obligation.agency_address,
                information_disclosed=describe_disclosure(
                    f"{'Supplemental report: ' if report.supplement else ''}"
                    f"{layout.title} ({layout.code})",
                    disclosure.disclosed_fields,
                ),
                purpose=obligation.purpose,
                legal_basis=f"{obligation.legal_basis}; {policy_recipient.citation}",
                policy_version=case.policy_version,
            )
        )

    details: dict[str, Any] = {
        "recipient_id": obligation.recipient_id,
        "agency_id": obligation.agency_id,
        "report_id": report_id,
        **({"supplement": report.supplement} if report.supplement else {}),
        "reference_number": delivered.reference_number,
        "disclosed_fields": disclosure.disclosed_fields,
    }
    if delivered.channel != "intake-api":
        details["channel"] = delivered.channel
    return record_step(
        sessions,
        case_id=case.case_id,
        step=SUPPLEMENT_DELIVERED_STEP if report.supplement else DELIVERED_STEP,
        key_suffix=report.copy_id,
        actor=delivered.actor,
        content_sha256=document.sha256,
        details={**details, **delivered.details},
        write=write,
    )


def recorded_delivery(sessions: SessionFactory, report_id: str) -> DeliveryReceipt | None:
    """The report's delivery if it is already recorded (a channel then sends nothing again)."""
    with reading(sessions) as session:
        found = session.get(DeliveryRecord, report_id)
    if found is None:
        return None
    return DeliveryReceipt(
        report_id=found.report_id,
        recipient_id=found.recipient_id,
        agency_id=found.agency_id,
        reference_number=found.reference_number,
        received_at=found.received_at,
        duplicate=True,
    )


async def report_and_recorded_delivery(
    sessions: SessionFactory, request: RecipientStep
) -> tuple[ReportToDeliver, DeliveryReceipt | None]:
    """The report ``request`` may send, and its delivery if one is recorded already (a retry of
    a step whose report the agency has: nothing is sent again)."""
    report = await asyncio.to_thread(authorised_report, sessions, request)
    return report, await asyncio.to_thread(recorded_delivery, sessions, report.report_id)
