"""Activities of the supervisor consultation and of disclosure exceptions: each records its rows
(comments and justifications sealed) and its audit entry in one transaction, at most once.

The audit entries name rounds, decisions, recipients and field paths; never comments,
justifications or any value of the case."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from dutyflow import ids
from dutyflow.contracts import (
    SYSTEM,
    Actor,
    ConsultationInput,
    ExceptionDecisionInput,
    ExceptionRequestInput,
    StepRecorded,
)
from dutyflow.domain.audit import content_sha256
from dutyflow.domain.case import ConsultationChoice
from dutyflow.domain.policy import PolicyLibrary
from dutyflow.domain.validation import exception_field_problems
from dutyflow.store.case_file import load_case, load_case_file
from dutyflow.store.db import SessionFactory, reading
from dutyflow.store.steps import record_step, step_recorded
from dutyflow.store.tables import DisclosureException, ObligationRecord, SupervisionConsultation

BYPASSED = "bypassed-imminent-danger"


def approved_additions(session: Session, case_id: str, recipient_id: str) -> list[str]:
    """The fields beyond the allow-list a second person approved for this recipient."""
    rows = session.exec(
        select(DisclosureException).where(
            DisclosureException.case_id == case_id,
            DisclosureException.recipient_id == recipient_id,
            DisclosureException.state == "approved",
        )
    ).all()
    return sorted({path for row in rows for path in row.fields})


class SupervisionActivities:
    def __init__(self, sessions: SessionFactory, policies: PolicyLibrary) -> None:
        self._sessions = sessions
        self._policies = policies

    @activity.defn(name="request_consultation")
    def request_consultation(self, request: ConsultationInput) -> StepRecorded:
        """Ask the clinic's supervisor (round n), or record why the case does not wait: the
        grounds say the danger is imminent."""
        with reading(self._sessions) as session:
            case = load_case(session, request.case_id)
        bypassed = bool(request.bypass_grounds)

        def write(session: Session) -> None:
            session.add(
                SupervisionConsultation(
                    consultation_id=ids.consultation_id(request.case_id, request.round),
                    case_id=request.case_id,
                    clinic_id=case.clinic_id,
                    round=request.round,
                    state=BYPASSED if bypassed else "awaiting-supervisor",
                    bypass_grounds=list(request.bypass_grounds),
                )
            )

        details: dict[str, object] = {"round": request.round, "clinic_id": case.clinic_id}
        if bypassed:
            details |= {
                "reason": "imminent danger never waits on a supervisor",
                "grounds": list(request.bypass_grounds),
                "citation": request.citation,
            }
        entry = record_step(
            self._sessions,
            case_id=request.case_id,
            step="supervisor-consultation-bypassed"
            if bypassed
            else "supervisor-consultation-requested",
            key_suffix=str(request.round),
            actor=SYSTEM,
            content_sha256=content_sha256(details),
            details=details,
            write=write,
            ends_attempt=True,
        )
        return step_recorded(entry)

    @activity.defn(name="record_consultation_decision")
    def record_consultation_decision(self, request: ConsultationInput) -> StepRecorded:
        decision = request.decision
        assert decision is not None
        approved = decision.decision == ConsultationChoice.APPROVE
        digest = content_sha256(decision)

        def write(session: Session) -> None:
            row = session.get(
                SupervisionConsultation, ids.consultation_id(request.case_id, request.round)
            )
            if row is None:
                raise LookupError(f"case {request.case_id}: no consultation round {request.round}")
            row.state = "approved" if approved else "returned"
            row.decided_by = decision.supervisor_id
            row.decided_at = datetime.now(UTC)
            row.comments = decision.comments
            session.add(row)

        entry = record_step(
            self._sessions,
            case_id=request.case_id,
            step="supervisor-consultation-approved"
            if approved
            else "supervisor-consultation-returned",
            key_suffix=str(request.round),
            actor=Actor(actor_id=decision.supervisor_id, role="supervisor"),
            content_sha256=digest,
            details={
                "round": request.round,
                "decision": decision.decision.value,
                "with_comments": bool(decision.comments and decision.comments.strip()),
            },
            write=write,
            ends_attempt=True,
        )
        return step_recorded(entry)

    @activity.defn(name="record_exception_request")
    def record_exception_request(self, request: ExceptionRequestInput) -> StepRecorded:
        """Refuses (``InvalidInput``, naming the field) a field the policy never lets go to this
        recipient: already allow-listed, a protected class without an exception, or a court
        order's scope."""
        asked = request.request
        with reading(self._sessions) as session:
            case = load_case(session, request.case_id)
            obligation = session.get(
                ObligationRecord, ids.obligation_id(request.case_id, asked.recipient_id)
            )
            facts = load_case_file(session, request.case_id).model_dump(mode="json")
        if obligation is None:
            raise _invalid("recipient_id", "is not a recipient of this case")
        policy = self._policies.version(case.jurisdiction, case.kind, case.policy_version)
        rule = policy.recipient(obligation.rule_id)
        problems = exception_field_problems(
            asked.fields,
            allowed_fields=list(rule.allowed_fields),
            field_standard=rule.field_standard,
            justified_classes=policy.permitted_classes(rule.id, facts, "justified-addition"),
        )
        if problems:
            raise ApplicationError(
                "; ".join(str(p) for p in problems),
                [p.model_dump() for p in problems],
                type="InvalidInput",
                non_retryable=True,
            )
        digest = content_sha256(asked)

        def write(session: Session) -> None:
            session.add(
                DisclosureException(
                    exception_id=ids.exception_row_id(request.case_id, request.exception_id),
                    case_id=request.case_id,
                    recipient_id=asked.recipient_id,
                    fields=list(asked.fields),
                    justification=asked.justification,
                    state="pending",
                    requested_by=asked.requested_by,
                )
            )

        entry = record_step(
            self._sessions,
            case_id=request.case_id,
            step="disclosure-exception-requested",
            key_suffix=request.exception_id,
            actor=request.actor,
            content_sha256=digest,
            details={
                "exception_id": request.exception_id,
                "recipient_id": asked.recipient_id,
                "fields": list(asked.fields),
                "allow_list_citation": rule.allowed_fields_citation,
            },
            write=write,
            ends_attempt=True,
        )
        return step_recorded(entry)

    @activity.defn(name="record_exception_decision")
    def record_exception_decision(self, request: ExceptionDecisionInput) -> StepRecorded:
        decision = request.decision
        state = "approved" if decision.approve else "refused"
        digest = content_sha256(decision)

        def write(session: Session) -> None:
            row = session.get(
                DisclosureException, ids.exception_row_id(request.case_id, decision.exception_id)
            )
            if row is None:
                raise LookupError(f"case {request.case_id}: no exception {decision.exception_id}")
            row.state = state
            row.decided_by = decision.decided_by
            row.decided_role = decision.decided_role
            row.decided_at = datetime.now(UTC)
            row.decision_note = decision.note
            session.add(row)

        entry = record_step(
            self._sessions,
            case_id=request.case_id,
            step=f"disclosure-exception-{state}",
            key_suffix=decision.exception_id,
            actor=request.actor,
            content_sha256=digest,
            details={
                "exception_id": decision.exception_id,
                "recipient_id": request.recipient_id,
                "fields": request.fields,
                "decision": state,
            },
            write=write,
            ends_attempt=True,
        )
        return step_recorded(entry)


def _invalid(field: str, problem: str) -> ApplicationError:
    return ApplicationError(
        f"{field}: {problem}",
        [{"field": field, "problem": problem}],
        type="InvalidInput",
        non_retryable=True,
    )
