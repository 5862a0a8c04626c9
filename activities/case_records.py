"""Activities that record what the practitioner did: open the case, document the grounds, record
the phone report, confirm the report, and the case's acknowledgements and outcome."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session, col, select
from temporalio import activity

from dutyflow import ids
from dutyflow.contracts import (
    SYSTEM,
    AcknowledgementInput,
    Actor,
    CaseOpened,
    CaseOutcome,
    CaseRef,
    ConfirmationInput,
    DeliveryOutcome,
    DeliveryProblemInput,
    Escalation,
    EscalationInput,
    OpenCaseInput,
    RecordContactAttemptInput,
    RecordDisclosureDecisionInput,
    RecordGroundsInput,
    RecordInformClientInput,
    RecordPhoneReportInput,
    StepRecorded,
    WithdrawalInput,
)
from dutyflow.domain.accounting import describe_disclosure
from dutyflow.domain.audit import content_sha256
from dutyflow.domain.case import ContactOutcome, PhoneReport
from dutyflow.domain.policy import PolicyLibrary
from dutyflow.domain.rendering import load_form_layout
from dutyflow.domain.validation import grounds_rules_for
from dutyflow.store import audit_log, duties
from dutyflow.store.case_file import load_case, obligations_for
from dutyflow.store.db import SessionFactory, reading
from dutyflow.store.steps import record_step, step_recorded
from dutyflow.store.tables import (
    AccountingEntry,
    AcknowledgementRecord,
    CaseDecision,
    CaseRecord,
    ContactAttemptRecord,
    DeliveryRecord,
    DisclosureRecord,
    EscalationRecord,
    GroundsRecord,
    ObligationRecord,
    OutcomeRecord,
    PhoneReportRecord,
)


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True)
class _Accounting:
    entry: AccountingEntry
    entry_id_recipient: str


def reports_themselves(deliveries: Sequence[DeliveryRecord]) -> list[DeliveryRecord]:
    """The deliveries of the report itself, not of a supplement's copy: the duty to each
    recipient was met by the report."""
    return [
        d for d in deliveries if ids.supplemented_recipient_id(d.recipient_id) == d.recipient_id
    ]


def delivery_outcome(
    obligation: ObligationRecord,
    reference: str | None,
    at: datetime,
    how: str,
    decision: str | None = None,
) -> DeliveryOutcome:
    """How one recipient was reached: when, how, under which reference, and whether in time for
    the written report's deadline."""
    due = _as_utc(obligation.written_report_due_at) if obligation.written_report_due_at else None
    done = _as_utc(at)
    return DeliveryOutcome(
        recipient_id=obligation.recipient_id,
        agency_name=obligation.agency_name,
        reference_number=reference,
        decision=decision,
        delivered_at=done,
        written_report_due_at=due,
        on_time=due is None or done <= due,
        how=how,
    )


def _fulfil(session: Session, case_id: str, recipient_id: str, at: datetime) -> None:
    owed = session.get(ObligationRecord, ids.obligation_id(case_id, recipient_id))
    if owed is not None and owed.fulfilled_at is None:
        owed.fulfilled_at = at


class CaseRecordActivities:
    def __init__(self, sessions: SessionFactory, policies: PolicyLibrary) -> None:
        self._sessions = sessions
        self._policies = policies

    @activity.defn(name="open_case")
    def open_case(self, request: OpenCaseInput) -> CaseOpened:
        opening = request.opening
        with reading(self._sessions) as session:
            existing = session.get(CaseRecord, opening.case_id)
        if existing is not None:
            policy = self._policies.version(
                existing.jurisdiction, existing.kind, existing.policy_version
            )
        else:
            policy = self._policies.in_effect(
                opening.jurisdiction, opening.kind, datetime.now(UTC).date()
            )

        def write(session: Session) -> None:
            session.add(
                CaseRecord(
                    case_id=opening.case_id,
                    jurisdiction=opening.jurisdiction,
                    kind=opening.kind,
                    county=opening.county,
                    clinic_id=opening.clinic_id,
                    practitioner_id=opening.practitioner_id,
                    client_id=opening.client_id,
                    policy_version=policy.version,
                    opening=opening.model_dump(mode="json"),
                )
            )

        record_step(
            self._sessions,
            case_id=opening.case_id,
            step="case-opened",
            actor=Actor(actor_id=opening.practitioner_id, role="practitioner"),
            content_sha256=content_sha256(opening),
            details={
                "jurisdiction": opening.jurisdiction,
                "kind": opening.kind,
                "clinic_id": opening.clinic_id,
                "policy_version": policy.version,
            },
            write=write,
            ends_attempt=True,
        )
        return CaseOpened(
            policy_version=policy.version,
            statutory_bases=policy.statutory_basis_codes,
            phone_report_first=policy.phone_report_first.required,
            grounds_rules=grounds_rules_for(policy),
            disclosure_mode=policy.disclosure.mode,
            inform_client_required=policy.inform_client.required,
            inform_client_exceptions=[e.id for e in policy.inform_client.exceptions],
            supervisor_consultation=policy.supervisor_consultation.asked,
            supervisor_consultation_citation=policy.supervisor_consultation.citation,
        )

    @activity.defn(name="record_grounds")
    def record_grounds(self, request: RecordGroundsInput) -> StepRecorded:
        submission = request.submission
        digest = content_sha256(submission)

        def write(session: Session) -> None:
            revised = session.get(GroundsRecord, request.case_id) if request.revision else None
            if revised is not None:  # revised after a supervisor returned the case
                revised.submission = submission.model_dump(mode="json")
                revised.content_sha256 = digest
                revised.suspicion_formed_at = submission.grounds.suspicion_formed_at
                revised.recorded_by = request.actor.actor_id
                revised.recorded_at = datetime.now(UTC)
                session.add(revised)
                return
            session.add(
                GroundsRecord(
                    case_id=request.case_id,
                    submission=submission.model_dump(mode="json"),
                    content_sha256=digest,
                    suspicion_formed_at=submission.grounds.suspicion_formed_at,
                    recorded_by=request.actor.actor_id,
                )
            )

        entry = record_step(
            self._sessions,
            case_id=request.case_id,
            step="grounds-revised" if request.revision else "grounds-documented",
            key_suffix=str(request.revision) if request.revision else "",
            actor=request.actor,
            content_sha256=digest,
            details={
                **({"revision": request.revision} if request.revision else {}),
                "statutory_basis": submission.grounds.statutory_basis,
                "source_of_information": submission.grounds.source_of_information,
                "sections": sorted(
                    name
                    for name in type(submission).model_fields
                    if getattr(submission, name) not in (None, [])
                ),
                "suspicion_formed_at": submission.grounds.suspicion_formed_at.isoformat(),
            },
            write=write,
            ends_attempt=True,
        )
        return step_recorded(entry)

    @activity.defn(name="record_phone_report")
    def record_phone_report(self, request: RecordPhoneReportInput) -> StepRecorded:
        digest = content_sha256(request.phone_report)
        made_at = request.phone_report.made_at
        accounting = (
            self._contact_accounting(request.case_id, request.recipient_id, made_at, "phone")
            if request.discharges and request.recipient_id
            else None
        )

        def write(session: Session) -> None:
            session.add(
                PhoneReportRecord(
                    case_id=request.case_id,
                    phone_report=request.phone_report.model_dump(mode="json"),
                    content_sha256=digest,
                    recorded_by=request.actor.actor_id,
                )
            )
            if accounting is not None:
                # The call is this recipient's whole disclosure: the duty is met by it.
                _fulfil(session, request.case_id, accounting.entry_id_recipient, made_at)
                session.add(accounting.entry)

        entry = record_step(
            self._sessions,
            case_id=request.case_id,
            step="phone-report-recorded",
            actor=request.actor,
            content_sha256=digest,
            details={
                "made_at": request.phone_report.made_at.isoformat(),
                "recipient_id": request.recipient_id,
                "discharges_obligation": request.discharges,
            },
            write=write,
            ends_attempt=True,
        )
        return step_recorded(entry)

    def _contact_accounting(
        self, case_id: str, recipient_id: str, disclosed_at: datetime, channel: str
    ) -> _Accounting:
        """The accounting entry (45 CFR 164.528) of a disclosure made by telephone, in person or
        by hand. A person's name stays out of it: the label names them, the case file holds who."""
        with reading(self._sessions) as session:
            case = load_case(session, case_id)
            obligation = session.get(ObligationRecord, ids.obligation_id(case_id, recipient_id))
            disclosure = session.get(DisclosureRecord, ids.disclosure_id(case_id, recipient_id))
        if obligation is None:
            raise LookupError(f"case {case_id}: no obligation for this recipient")
        policy = self._policies.version(case.jurisdiction, case.kind, case.policy_version)
        rule = policy.recipient(obligation.rule_id)
        layout = load_form_layout(rule.form)
        fields = (
            disclosure.disclosed_fields if disclosure is not None else sorted(rule.allowed_fields)
        )
        entry = AccountingEntry(
            entry_id=ids.accounting_entry_id(case_id, recipient_id, channel),
            client_id=case.client_id,
            case_id=case_id,
            disclosed_at=disclosed_at,
            recipient_agency_id=obligation.agency_id,
            recipient_role=rule.agency_role or rule.recipient_type,
            recipient_name=obligation.agency_name,
            recipient_address=obligation.agency_address,
            information_disclosed=describe_disclosure(f"{layout.title} ({channel})", fields),
            purpose=obligation.purpose,
            legal_basis=f"{obligation.legal_basis}; {rule.citation}",
            policy_version=case.policy_version,
        )
        return _Accounting(entry=entry, entry_id_recipient=recipient_id)

    @activity.defn(name="record_disclosure_decision")
    def record_disclosure_decision(self, request: RecordDisclosureDecisionInput) -> StepRecorded:
        decision = request.decision
        digest = content_sha256(decision)

        def write(session: Session) -> None:
            session.add(
                CaseDecision(
                    decision_id=ids.disclosure_decision_id(request.case_id, decision.recipient_id),
                    case_id=request.case_id,
                    topic="disclosure",
                    subject=decision.recipient_id,
                    decision=decision.decision.value,
                    decided_by=request.actor.actor_id,
                    details={"reasons": decision.reasons},
                    content_sha256=digest,
                )
            )

        entry = record_step(
            self._sessions,
            case_id=request.case_id,
            step="disclosure-decided",
            key_suffix=decision.recipient_id,
            actor=request.actor,
            content_sha256=digest,
            details={"recipient_id": decision.recipient_id, "decision": decision.decision.value},
            write=write,
            ends_attempt=True,
        )
        return step_recorded(entry)

    @activity.defn(name="record_inform_client_decision")
    def record_inform_client_decision(self, request: RecordInformClientInput) -> StepRecorded:
        step = request.step
        digest = content_sha256(step)
        decision = "informed" if step.informed else "not-informed"

        def write(session: Session) -> None:
            session.add(
                CaseDecision(
                    decision_id=ids.inform_client_decision_id(request.case_id),
                    case_id=request.case_id,
                    topic="inform-client",
                    decision=decision,
                    exception=step.exception,
                    decided_by=request.actor.actor_id,
                    details=step.model_dump(mode="json", exclude={"practitioner_id"}),
                    content_sha256=digest,
                )
            )

        entry = record_step(
            self._sessions,
            case_id=request.case_id,
            step="inform-client-decided",
            actor=request.actor,
            content_sha256=digest,
            details={"decision": decision, "exception": step.exception},
            write=write,
            ends_attempt=True,
        )
        return step_recorded(entry)

    @activity.defn(name="record_contact_attempt")
    def record_contact_attempt(self, request: RecordContactAttemptInput) -> StepRecorded:
        attempt = request.attempt
        digest = content_sha256(attempt)
        disclosed = attempt.outcome in (ContactOutcome.REACHED, ContactOutcome.DELIVERED)
        accounting = (
            self._contact_accounting(
                request.case_id, attempt.recipient_id, attempt.attempted_at, attempt.channel.value
            )
            if disclosed
            else None
        )

        def write(session: Session) -> None:
            session.add(
                ContactAttemptRecord(
                    attempt_id=request.attempt_id,
                    case_id=request.case_id,
                    recipient_id=attempt.recipient_id,
                    channel=attempt.channel.value,
                    outcome=attempt.outcome.value,
                    efforts_exhausted=attempt.efforts_exhausted,
                    attempted_at=attempt.attempted_at,
                    recorded_by=request.actor.actor_id,
                    details=attempt.model_dump(
                        mode="json", include={"spoke_with", "reference_number", "notes"}
                    ),
                    content_sha256=digest,
                )
            )
            if request.discharges:
                _fulfil(session, request.case_id, attempt.recipient_id, attempt.attempted_at)
            if accounting is not None:
                session.add(accounting.entry)

        entry = record_step(
            self._sessions,
            case_id=request.case_id,
            step="contact-attempt-recorded",
            key_suffix=ids.contact_attempt_key(attempt.recipient_id, request.attempt_id),
            actor=request.actor,
            content_sha256=digest,
            details={
                "recipient_id": attempt.recipient_id,
                "channel": attempt.channel.value,
                "outcome": attempt.outcome.value,
                "attempted_at": attempt.attempted_at.isoformat(),
                "efforts_exhausted": attempt.efforts_exhausted,
                "discharges_obligation": request.discharges,
            },
            write=write,
            ends_attempt=True,
        )
        return step_recorded(entry)

    @activity.defn(name="record_confirmation")
    def record_confirmation(self, request: ConfirmationInput) -> StepRecorded:
        entry = record_step(
            self._sessions,
            case_id=request.case_id,
            step="report-confirmed",
            actor=request.actor,
            content_sha256=request.review_sha256,
            details={"review_sha256": request.review_sha256},
            ends_attempt=True,
        )
        return step_recorded(entry)

    @activity.defn(name="record_withdrawal")
    def record_withdrawal(self, request: WithdrawalInput) -> StepRecorded:
        """The case withdrawn before its grounds: the reason's category in the entry, the
        practitioner's note only as the content hash."""
        entry = record_step(
            self._sessions,
            case_id=request.case_id,
            step="case-withdrawn",
            actor=request.actor,
            content_sha256=request.note_sha256,
            details={"reason": request.reason},
            ends_attempt=True,
        )
        return step_recorded(entry)

    @activity.defn(name="escalate_deadline")
    def escalate_deadline(self, request: EscalationInput) -> Escalation:
        escalation_id = ids.escalation_id(request.case_id, request.deadline_id, request.notify)
        now = request.escalated_at

        def write(session: Session) -> None:
            session.add(
                EscalationRecord(
                    escalation_id=escalation_id,
                    case_id=request.case_id,
                    deadline_id=request.deadline_id,
                    notify=request.notify,
                    due_at=request.due_at,
                    escalated_at=now,
                )
            )
            duties.mark_escalated(session, request.case_id, request.deadline_id, request.notify)

        record_step(
            self._sessions,
            case_id=request.case_id,
            step="deadline-escalated",
            key_suffix=ids.escalation_key(request.deadline_id, request.notify),
            actor=SYSTEM,
            content_sha256=content_sha256(request),
            details={
                "deadline": request.deadline_id,
                "notify": request.notify,
                "due_at": request.due_at.isoformat(),
                "escalated_at": now.isoformat(),
            },
            write=write,
            ends_attempt=True,
        )
        return Escalation(
            deadline_id=request.deadline_id,
            notify=request.notify,
            due_at=request.due_at,
            escalated_at=now,
        )

    @activity.defn(name="record_delivery_problem")
    def record_delivery_problem(self, request: DeliveryProblemInput) -> StepRecorded:
        entry = record_step(
            self._sessions,
            case_id=request.case_id,
            step="delivery-refused-by-agency",
            key_suffix=ids.delivery_problem_key(
                request.recipient_id, content_sha256(request.message)
            ),
            actor=SYSTEM,
            content_sha256=content_sha256(request.message),
            details={"recipient_id": request.recipient_id, "task_for": "practitioner"},
            ends_attempt=True,
        )
        return step_recorded(entry)

    @activity.defn(name="record_acknowledgement")
    def record_acknowledgement(self, request: AcknowledgementInput) -> StepRecorded:
        receipt = request.receipt
        acknowledgement = request.acknowledgement

        def write(session: Session) -> None:
            session.add(
                AcknowledgementRecord(
                    report_id=receipt.report_id,
                    case_id=request.case_id,
                    agency_id=receipt.agency_id,
                    reference_number=acknowledgement.reference_number,
                    decision=acknowledgement.decision.value,
                    # Who at the agency gave an acknowledgement by phone or letter: sealed
                    # with the note, never in the audit entry.
                    note=acknowledgement.note
                    or (
                        f"By {request.received_via}, from {request.acknowledged_by}"
                        if request.acknowledged_by
                        else None
                    ),
                    acknowledged_at=acknowledgement.decided_at,
                )
            )

        entry = record_step(
            self._sessions,
            case_id=request.case_id,
            step="acknowledgement-recorded",
            key_suffix=receipt.recipient_id,
            # The agency's own (callback, receipt), or recorded by the practitioner it reached.
            actor=request.recorded_by or Actor(actor_id=receipt.agency_id, role="agency"),
            content_sha256=content_sha256(receipt),
            details={
                "recipient_id": receipt.recipient_id,
                "agency_id": receipt.agency_id,
                "reference_number": acknowledgement.reference_number,
                "decision": acknowledgement.decision.value,
                **(
                    {
                        "received_via": request.received_via,
                        "decided_at": acknowledgement.decided_at.isoformat(),
                    }
                    if request.recorded_by
                    else {}
                ),
            },
            write=write,
            ends_attempt=True,
        )
        return step_recorded(entry)

    @activity.defn(name="record_outcome")
    def record_outcome(self, request: CaseRef) -> CaseOutcome:
        with reading(self._sessions) as session:
            existing = session.get(OutcomeRecord, request.case_id)
            if existing is not None:
                return CaseOutcome.model_validate(existing.outcome)
            load_case(session, request.case_id)
            obligations = {o.recipient_id: o for o in obligations_for(session, request.case_id)}
            deliveries = session.exec(
                select(DeliveryRecord).where(DeliveryRecord.case_id == request.case_id)
            ).all()
            decisions = {
                a.report_id: a.decision
                for a in session.exec(
                    select(AcknowledgementRecord).where(
                        AcknowledgementRecord.case_id == request.case_id
                    )
                )
            }
            attempts = session.exec(
                select(ContactAttemptRecord)
                .where(ContactAttemptRecord.case_id == request.case_id)
                .order_by(col(ContactAttemptRecord.attempted_at))
            ).all()
            phone = session.get(PhoneReportRecord, request.case_id)
            stopped = audit_log.recorded_step(
                session, ids.step_key(request.case_id, "disclosure-stopped")
            )
            withdrawn = audit_log.recorded_step(
                session, ids.step_key(request.case_id, "case-withdrawn")
            )
        results: list[DeliveryOutcome] = []

        def outcome_for(
            recipient_id: str,
            reference: str | None,
            at: datetime,
            how: str,
            decision: str | None = None,
        ) -> None:
            results.append(
                delivery_outcome(obligations[recipient_id], reference, at, how, decision)
            )

        for delivery in reports_themselves(deliveries):
            outcome_for(
                delivery.recipient_id,
                delivery.reference_number,
                delivery.received_at,
                "intake",
                decisions.get(delivery.report_id),
            )
        for obligation in obligations.values():
            if obligation.delivery == "phone-report" and phone is not None:
                made = PhoneReport.model_validate(phone.phone_report)
                outcome_for(
                    obligation.recipient_id,
                    made.reference_number or "",
                    made.made_at,
                    "phone-report",
                )
        reached: set[str] = set()
        for attempt in attempts:
            if (
                attempt.recipient_id in reached
                or attempt.outcome == ContactOutcome.NOT_REACHED.value
            ):
                continue
            reached.add(attempt.recipient_id)
            outcome_for(
                attempt.recipient_id,
                attempt.details.get("reference_number") or "",
                attempt.attempted_at,
                f"contact:{attempt.channel}",
            )
        outcome = CaseOutcome(
            case_id=request.case_id,
            result=(
                "reported"
                if results
                else "withdrawn-before-grounds"
                if withdrawn is not None
                else "stopped-no-satisfactory-assurance"
                if stopped is not None
                else "not-reported"
            ),
            deliveries=results,
            all_on_time=bool(results) and all(r.on_time for r in results),
        )

        def write(session: Session) -> None:
            session.add(
                OutcomeRecord(case_id=request.case_id, outcome=outcome.model_dump(mode="json"))
            )

        record_step(
            self._sessions,
            case_id=request.case_id,
            step="outcome-recorded",
            actor=SYSTEM,
            content_sha256=content_sha256(outcome),
            details={"result": outcome.result, "all_on_time": outcome.all_on_time},
            write=write,
            ends_attempt=True,
        )
        return outcome
