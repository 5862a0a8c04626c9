"""Activities that record what the practitioner did: open the case, document the grounds, record
the phone report, confirm the report, and the case's acknowledgements and outcome."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, select
from temporalio import activity

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
    RecordGroundsInput,
    RecordPhoneReportInput,
    StepRecorded,
)
from dutyflow.domain.audit import content_sha256
from dutyflow.domain.policy import PolicyLibrary
from dutyflow.store.case_file import load_case, obligations_for
from dutyflow.store.db import SessionFactory
from dutyflow.store.steps import record_step
from dutyflow.store.tables import (
    AcknowledgementRecord,
    CaseRecord,
    DeliveryRecord,
    EscalationRecord,
    GroundsRecord,
    OutcomeRecord,
    PhoneReportRecord,
)


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class CaseRecordActivities:
    def __init__(self, sessions: SessionFactory, policies: PolicyLibrary) -> None:
        self._sessions = sessions
        self._policies = policies

    @activity.defn(name="open_case")
    def open_case(self, request: OpenCaseInput) -> CaseOpened:
        opening = request.opening
        with self._sessions() as session:
            existing = session.get(CaseRecord, opening.case_id)
        if existing is not None:
            policy = self._policies.version(existing.jurisdiction, existing.kind, existing.policy_version)
        else:
            policy = self._policies.in_effect(opening.jurisdiction, opening.kind, datetime.now(UTC).date())

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
        )
        return CaseOpened(
            policy_version=policy.version,
            statutory_bases=policy.statutory_basis_codes,
            phone_report_first=policy.phone_report_first.required,
        )

    @activity.defn(name="record_grounds")
    def record_grounds(self, request: RecordGroundsInput) -> StepRecorded:
        submission = request.submission
        digest = content_sha256(submission)

        def write(session: Session) -> None:
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
            step="grounds-documented",
            actor=request.actor,
            content_sha256=digest,
            details={
                "statutory_basis": submission.grounds.statutory_basis,
                "source_of_information": submission.grounds.source_of_information,
                "suspicion_formed_at": submission.grounds.suspicion_formed_at.isoformat(),
            },
            write=write,
        )
        return StepRecorded(step=entry.step, audit_seq=entry.seq, content_sha256=entry.content_sha256)

    @activity.defn(name="record_phone_report")
    def record_phone_report(self, request: RecordPhoneReportInput) -> StepRecorded:
        digest = content_sha256(request.phone_report)

        def write(session: Session) -> None:
            session.add(
                PhoneReportRecord(
                    case_id=request.case_id,
                    phone_report=request.phone_report.model_dump(mode="json"),
                    content_sha256=digest,
                    recorded_by=request.actor.actor_id,
                )
            )

        entry = record_step(
            self._sessions,
            case_id=request.case_id,
            step="phone-report-recorded",
            actor=request.actor,
            content_sha256=digest,
            details={"made_at": request.phone_report.made_at.isoformat()},
            write=write,
        )
        return StepRecorded(step=entry.step, audit_seq=entry.seq, content_sha256=entry.content_sha256)

    @activity.defn(name="record_confirmation")
    def record_confirmation(self, request: ConfirmationInput) -> StepRecorded:
        entry = record_step(
            self._sessions,
            case_id=request.case_id,
            step="report-confirmed",
            actor=request.actor,
            content_sha256=request.review_sha256,
            details={"review_sha256": request.review_sha256},
        )
        return StepRecorded(step=entry.step, audit_seq=entry.seq, content_sha256=entry.content_sha256)

    @activity.defn(name="escalate_deadline")
    def escalate_deadline(self, request: EscalationInput) -> Escalation:
        escalation_id = f"{request.case_id}/{request.deadline_id}/{request.notify}"
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

        record_step(
            self._sessions,
            case_id=request.case_id,
            step="deadline-escalated",
            key_suffix=f"{request.deadline_id}/{request.notify}",
            actor=SYSTEM,
            content_sha256=content_sha256(request),
            details={
                "deadline": request.deadline_id,
                "notify": request.notify,
                "due_at": request.due_at.isoformat(),
                "escalated_at": now.isoformat(),
            },
            write=write,
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
            key_suffix=f"{request.recipient_id}/{content_sha256(request.message)[:16]}",
            actor=SYSTEM,
            content_sha256=content_sha256(request.message),
            details={"recipient_id": request.recipient_id, "task_for": "practitioner"},
        )
        return StepRecorded(step=entry.step, audit_seq=entry.seq, content_sha256=entry.content_sha256)

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
                    note=acknowledgement.note,
                    acknowledged_at=acknowledgement.decided_at,
                )
            )

        entry = record_step(
            self._sessions,
            case_id=request.case_id,
            step="acknowledgement-recorded",
            key_suffix=receipt.recipient_id,
            actor=Actor(actor_id=receipt.agency_id, role="agency"),
            content_sha256=content_sha256(receipt),
            details={
                "recipient_id": receipt.recipient_id,
                "agency_id": receipt.agency_id,
                "reference_number": acknowledgement.reference_number,
                "decision": acknowledgement.decision.value,
            },
            write=write,
        )
        return StepRecorded(step=entry.step, audit_seq=entry.seq, content_sha256=entry.content_sha256)

    @activity.defn(name="record_outcome")
    def record_outcome(self, request: CaseRef) -> CaseOutcome:
        with self._sessions() as session:
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
                    select(AcknowledgementRecord).where(AcknowledgementRecord.case_id == request.case_id)
                )
            }
        results = []
        for delivery in deliveries:
            obligation = obligations[delivery.recipient_id]
            due = _as_utc(obligation.written_report_due_at)
            received = _as_utc(delivery.received_at)
            results.append(
                DeliveryOutcome(
                    recipient_id=delivery.recipient_id,
                    agency_name=obligation.agency_name,
                    reference_number=delivery.reference_number,
                    decision=decisions.get(delivery.report_id),
                    delivered_at=received,
                    written_report_due_at=due,
                    on_time=received <= due,
                )
            )
        outcome = CaseOutcome(
            case_id=request.case_id,
            result="reported" if results else "not-reported",
            deliveries=results,
            all_on_time=bool(results) and all(r.on_time for r in results),
        )

        def write(session: Session) -> None:
            session.add(OutcomeRecord(case_id=request.case_id, outcome=outcome.model_dump(mode="json")))

        record_step(
            self._sessions,
            case_id=request.case_id,
            step="outcome-recorded",
            actor=SYSTEM,
            content_sha256=content_sha256(outcome),
            details={"result": outcome.result, "all_on_time": outcome.all_on_time},
            write=write,
        )
        return outcome
