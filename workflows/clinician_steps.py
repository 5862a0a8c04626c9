"""The report's own clinician steps, as Updates with validators: the grounds (and their revision
after a supervisor's return), the statutory phone report, and the confirmation of the reviewed
report. A validator refuses bad input, or a step at the wrong stage, before anything is
recorded; the handler claims the step's `StepGate`, records it by an activity, and answers once
the case waits on someone again.

The decisions and contacts the law asks for beside the report are in `decisions_and_contacts`;
the supervisor's and second person's steps in `supervision_steps`.
"""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ApplicationError

from workflows.activity_options import record
from workflows.case_state import BUSY_AFTER_GROUNDS, CaseState
from workflows.step_input import (
    invalid_input,
    received,
    refuse_another_practitioner,
    wrong_stage,
)

with workflow.unsafe.imports_passed_through():
    from activities.case_records import CaseRecordActivities
    from dutyflow.contracts import (
        Actor,
        CaseStatus,
        ConfirmationInput,
        RecordGroundsInput,
        RecordPhoneReportInput,
        Stage,
    )
    from dutyflow.domain.case import Confirmation, GroundsSubmission, PhoneReport, imminent_danger
    from dutyflow.domain.validation import (
        GroundsRules,
        confirmation_problems,
        grounds_problems,
        phone_report_problems,
    )


class ClinicianSteps:
    """The grounds, the phone report and the confirmation (inherited by the workflow class).

    ``actor`` (grounds, phone report): who takes the step, the case's practitioner or a
    supervisor of its clinic, as the API authenticated them; a caller that does not say (one
    from before the actor was passed) is taken to be the case's practitioner."""

    case: CaseState

    @workflow.update(name="document_grounds")
    async def document_grounds(
        self, submission: GroundsSubmission, actor: Actor | None = None
    ) -> CaseStatus:
        """The grounds, or (while a supervisor's return awaits them) their revision."""
        case = self.case
        submission = received(GroundsSubmission, submission)
        revising = case.status.stage == Stage.AWAITING_GROUNDS_REVISION
        gate = case.grounds_revision if revising else case.grounds
        gate.claim()
        await workflow.wait_condition(lambda: case.statutory_bases is not None)
        problems = grounds_problems(
            submission, workflow.now(), case.statutory_bases, case.grounds_rules
        )
        if problems:  # only reachable when the grounds arrived before the case finished opening
            gate.release()
            raise invalid_input(problems)
        revision = case.revision + 1 if revising else 0
        by = actor or case.practitioner
        await record(
            CaseRecordActivities.record_grounds,
            RecordGroundsInput(
                case_id=case.case_id, actor=by, submission=submission, revision=revision
            ),
        )
        case.suspicion_formed_at = submission.grounds.suspicion_formed_at
        case.danger = imminent_danger(submission)
        if revising:
            case.revision = revision
            case.status.steps_completed.append("grounds-revised")
        else:
            case.status.steps_completed.append("grounds-documented")
        gate.record(by.actor_id)
        await workflow.wait_condition(
            lambda: case.status.stage not in (*BUSY_AFTER_GROUNDS, Stage.AWAITING_GROUNDS_REVISION)
        )
        return case.status

    @document_grounds.validator
    def _validate_grounds(self, submission: GroundsSubmission, actor: Actor | None = None) -> None:
        case = self.case
        submission = received(GroundsSubmission, submission)
        refuse_another_practitioner(actor, case.practitioner)
        revising = (
            case.status.stage == Stage.AWAITING_GROUNDS_REVISION and case.grounds_revision.open
        )
        if not revising and (
            not case.grounds.open
            or case.status.stage not in (Stage.OPENING, Stage.AWAITING_GROUNDS)
        ):
            raise wrong_stage("document grounds", case.status.stage)
        problems = grounds_problems(
            submission,
            workflow.now(),
            case.statutory_bases,
            case.grounds_rules or GroundsRules(kind=case.status.kind),
        )
        if problems:
            raise invalid_input(problems)

    @workflow.update(name="record_phone_report")
    async def record_phone_report(
        self, phone_report: PhoneReport, actor: Actor | None = None
    ) -> CaseStatus:
        """The statutory call, made."""
        case = self.case
        phone_report = received(PhoneReport, phone_report)
        case.phone_report.claim()
        by = actor or case.practitioner
        await record(
            CaseRecordActivities.record_phone_report,
            RecordPhoneReportInput(
                case_id=case.case_id,
                actor=by,
                phone_report=phone_report,
                recipient_id=case.phone_recipient,
                discharges=case.phone_discharges(),
            ),
        )
        case.status.steps_completed.append("phone-report-recorded")
        if case.phone_discharges() and case.phone_recipient is not None:
            case.recipients.discharged.add(case.phone_recipient)
        case.phone_report.record(by.actor_id)
        await workflow.wait_condition(
            lambda: case.status.stage not in (Stage.AWAITING_PHONE_REPORT, Stage.PREPARING_REPORT)
        )
        return case.status

    @record_phone_report.validator
    def _validate_phone_report(self, phone_report: PhoneReport, actor: Actor | None = None) -> None:
        case = self.case
        phone_report = received(PhoneReport, phone_report)
        refuse_another_practitioner(actor, case.practitioner)
        if not case.phone_report.open or case.status.stage != Stage.AWAITING_PHONE_REPORT:
            raise wrong_stage("record the phone report", case.status.stage)
        problems = phone_report_problems(phone_report, workflow.now(), case.suspicion_formed_at)
        if problems:
            raise invalid_input(problems)

    @workflow.update(name="confirm_report")
    async def confirm_report(self, confirmation: Confirmation) -> CaseStatus:
        case = self.case
        case.confirmation.claim()
        await record(
            CaseRecordActivities.record_confirmation,
            ConfirmationInput(
                case_id=case.case_id,
                actor=case.practitioner,
                review_sha256=confirmation.review_sha256,
            ),
        )
        case.status.steps_completed.append("report-confirmed")
        case.confirmation.record(case.practitioner.actor_id)
        await workflow.wait_condition(lambda: case.status.stage != Stage.AWAITING_CONFIRMATION)
        return case.status

    @confirm_report.validator
    def _validate_confirmation(self, confirmation: Confirmation) -> None:
        case = self.case
        if not case.confirmation.open or case.status.stage != Stage.AWAITING_CONFIRMATION:
            raise wrong_stage("confirm the report", case.status.stage)
        if case.exceptions.being_recorded:
            raise ApplicationError(
                "confirm the report: a disclosure exception is being recorded; review the report "
                "again",
                type="InvalidState",
                non_retryable=True,
            )
        problems = confirmation_problems(
            confirmation, case.status.review_sha256, case.practitioner.actor_id
        )
        if problems:
            raise invalid_input(problems)
