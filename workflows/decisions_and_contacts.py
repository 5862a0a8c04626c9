"""The practitioner's decisions and contacts the law asks for beside the written report, as
Updates with validators: whether to disclose where the law only permits it (recorded either
way), each attempt to reach a person, a court or a requesting party (logged even when nobody
is reached), and the decision to inform the client (or the policy's exception, with reasons).

All are accepted as soon as the obligations are known: a warning never waits for the report.
"""

from __future__ import annotations

from temporalio import workflow

from workflows.activity_options import record
from workflows.case_state import BUSY_AFTER_GROUNDS, CaseState
from workflows.step_input import invalid_input, wrong_stage

with workflow.unsafe.imports_passed_through():
    from activities.case_records import CaseRecordActivities
    from dutyflow import ids
    from dutyflow.contracts import (
        CaseStatus,
        ContactSummary,
        DecisionSummary,
        RecordContactAttemptInput,
        RecordDisclosureDecisionInput,
        RecordInformClientInput,
        Stage,
    )
    from dutyflow.domain.case import (
        ContactAttempt,
        ContactOutcome,
        DisclosureChoice,
        DisclosureDecision,
        InformClientStep,
    )
    from dutyflow.domain.validation import (
        contact_attempt_problems,
        disclosure_decision_problems,
        inform_client_problems,
    )


class DecisionsAndContacts:
    """Disclosure decisions, contact attempts, the inform-client decision (inherited by the
    workflow class)."""

    case: CaseState

    @workflow.update(name="decide_disclosure")
    async def decide_disclosure(self, decision: DisclosureDecision) -> CaseStatus:
        case = self.case
        recipients = case.recipients
        recipients.deciding.add(decision.recipient_id)
        recipients.undecided.discard(decision.recipient_id)
        try:
            await record(
                CaseRecordActivities.record_disclosure_decision,
                RecordDisclosureDecisionInput(
                    case_id=case.case_id, actor=case.practitioner, decision=decision
                ),
            )
        finally:
            recipients.deciding.discard(decision.recipient_id)
        case.status.decisions.append(
            DecisionSummary(
                topic="disclosure", subject=decision.recipient_id, decision=decision.decision.value
            )
        )
        if decision.decision == DisclosureChoice.DECLINE:
            recipients.declined.add(decision.recipient_id)
            recipients.contact_open.discard(decision.recipient_id)
        case.status.awaiting_decisions = sorted(recipients.undecided)
        case.status.awaiting_contacts = sorted(recipients.contact_open)
        case.status.steps_completed.append("disclosure-decided")
        # The last decision answers once the case waits on someone again (e.g. the review).
        await workflow.wait_condition(
            lambda: (
                bool(recipients.undecided)
                or case.status.stage
                not in (*BUSY_AFTER_GROUNDS, Stage.AWAITING_DISCLOSURE_DECISIONS)
            )
        )
        return case.status

    @decide_disclosure.validator
    def _validate_disclosure_decision(self, decision: DisclosureDecision) -> None:
        case = self.case
        if not case.obligations_known:
            raise wrong_stage("decide on a disclosure", case.status.stage)
        problems = disclosure_decision_problems(
            decision, case.practitioner.actor_id, case.recipients.undecided
        )
        if problems:
            raise invalid_input(problems)

    @workflow.update(name="record_contact_attempt")
    async def record_contact_attempt(self, attempt: ContactAttempt) -> CaseStatus:
        case = self.case
        recipients = case.recipients
        number = recipients.next_attempt(attempt.recipient_id)
        discharges = attempt.outcome != ContactOutcome.NOT_REACHED or attempt.efforts_exhausted
        if discharges:
            recipients.contact_open.discard(attempt.recipient_id)
        attempt_id = ids.contact_attempt_id(case.case_id, attempt.recipient_id, number)
        await record(
            CaseRecordActivities.record_contact_attempt,
            RecordContactAttemptInput(
                case_id=case.case_id,
                actor=case.practitioner,
                attempt_id=attempt_id,
                attempt=attempt,
                discharges=discharges,
            ),
        )
        case.status.contact_attempts.append(
            ContactSummary(
                attempt_id=attempt_id,
                recipient_id=attempt.recipient_id,
                channel=attempt.channel.value,
                outcome=attempt.outcome.value,
                attempted_at=attempt.attempted_at,
                efforts_exhausted=attempt.efforts_exhausted,
            )
        )
        if discharges:
            recipients.discharged.add(attempt.recipient_id)
        case.status.awaiting_contacts = sorted(recipients.contact_open)
        return case.status

    @record_contact_attempt.validator
    def _validate_contact_attempt(self, attempt: ContactAttempt) -> None:
        case = self.case
        if not case.obligations_known or case.status.stage == Stage.CLOSED:
            raise wrong_stage("log a contact attempt", case.status.stage)
        problems = contact_attempt_problems(
            attempt,
            workflow.now(),
            case.practitioner.actor_id,
            case.recipients.contactable(),
            case.suspicion_formed_at,
        )
        if problems:
            raise invalid_input(problems)

    @workflow.update(name="record_inform_client_decision")
    async def record_inform_client_decision(self, step: InformClientStep) -> CaseStatus:
        case = self.case
        case.inform_client.claim()
        await record(
            CaseRecordActivities.record_inform_client_decision,
            RecordInformClientInput(case_id=case.case_id, actor=case.practitioner, step=step),
        )
        case.status.decisions.append(
            DecisionSummary(
                topic="inform-client",
                decision="informed" if step.informed else "not-informed",
                exception=step.exception,
            )
        )
        case.status.steps_completed.append("inform-client-decided")
        case.inform_client.record(case.practitioner.actor_id)
        return case.status

    @record_inform_client_decision.validator
    def _validate_inform_client(self, step: InformClientStep) -> None:
        case = self.case
        if (
            not case.inform_client.open
            or not case.grounds.done
            or case.status.stage in (Stage.CLOSED, Stage.OPENING, Stage.AWAITING_GROUNDS)
        ):
            raise wrong_stage("record the decision to inform the client", case.status.stage)
        problems = inform_client_problems(
            step, workflow.now(), case.practitioner.actor_id, case.inform_exceptions
        )
        if problems:
            raise invalid_input(problems)
