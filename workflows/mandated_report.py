"""The mandated-report workflow: one per case, its id the opaque case id.

Orchestration only: every step that touches the world is an activity that writes its record and
an audit entry. Clinician steps arrive as Updates whose validators refuse bad input before
anything is recorded; the Query `status` tells where the case stands without any case content.

    opening -> grounds (Update) -> obligations -> phone report (Update, where policy asks)
      -> limit fields and render, per recipient -> confirmation (Update)
      -> deliver and record acknowledgement, per recipient -> outcome
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.case_records import CaseRecordActivities
    from activities.delivery import DeliveryActivities
    from activities.obligations import ObligationActivities
    from activities.reports import ReportActivities
    from dutyflow.contracts import (
        STAGE,
        WORKFLOW_TYPE,
        WRITTEN_REPORT_DUE,
        AcknowledgementInput,
        Actor,
        CaseOutcome,
        CaseRef,
        CaseStatus,
        ConfirmationInput,
        OpenCaseInput,
        RecipientStep,
        RecordGroundsInput,
        RecordPhoneReportInput,
        Stage,
    )
    from dutyflow.domain.case import CaseOpening, Confirmation, GroundsSubmission, PhoneReport
    from dutyflow.domain.validation import (
        FieldProblem,
        confirmation_problems,
        describe,
        grounds_problems,
        phone_report_problems,
    )

NOT_RETRYABLE = [
    "InvalidInput",
    "RecipientNotAuthorised",
    "AgencyRefusedReport",
    "NoAgencyForRecipient",
    "ReportNotReady",
    "NoPolicyError",
    "CaseNotFound",
]
RECORDING = {
    "start_to_close_timeout": timedelta(seconds=30),
    "retry_policy": RetryPolicy(
        initial_interval=timedelta(seconds=1),
        maximum_interval=timedelta(seconds=30),
        non_retryable_error_types=NOT_RETRYABLE,
    ),
}
DELIVERING = {
    "start_to_close_timeout": timedelta(seconds=60),
    "retry_policy": RetryPolicy(
        initial_interval=timedelta(seconds=2),
        backoff_coefficient=2.0,
        maximum_interval=timedelta(minutes=5),
        non_retryable_error_types=NOT_RETRYABLE,
    ),
}


def invalid_input(problems: list[FieldProblem]) -> ApplicationError:
    return ApplicationError(
        describe(problems),
        [p.model_dump() for p in problems],
        type="InvalidInput",
        non_retryable=True,
    )


def wrong_stage(step: str, stage: Stage) -> ApplicationError:
    return ApplicationError(
        f"{step}: not possible while the case is {stage.value}", type="InvalidState", non_retryable=True
    )


@workflow.defn(name=WORKFLOW_TYPE)
class MandatedReportWorkflow:
    @workflow.init
    def __init__(self, opening: CaseOpening) -> None:
        self._case_id = opening.case_id
        self._practitioner = Actor(actor_id=opening.practitioner_id, role="practitioner")
        self._status = CaseStatus(
            case_id=opening.case_id,
            stage=Stage.OPENING,
            jurisdiction=opening.jurisdiction,
            kind=opening.kind,
        )
        self._statutory_bases: list[str] | None = None
        self._suspicion_formed_at = None
        self._grounds_claimed = False
        self._grounds_recorded = False
        self._phone_claimed = False
        self._phone_recorded = False
        self._confirm_claimed = False
        self._confirmed = False

    # --- the run: orchestration ------------------------------------------------------------

    @workflow.run
    async def run(self, opening: CaseOpening) -> CaseOutcome:
        opened = await workflow.execute_activity_method(
            CaseRecordActivities.open_case, OpenCaseInput(opening=opening), **RECORDING
        )
        self._statutory_bases = opened.statutory_bases
        self._status.policy_version = opened.policy_version
        self._status.phone_report_first = opened.phone_report_first
        self._completed("case-opened", Stage.AWAITING_GROUNDS)

        await workflow.wait_condition(lambda: self._grounds_recorded)
        self._set_stage(Stage.DETERMINING_OBLIGATIONS)
        obligation_set = await workflow.execute_activity_method(
            ObligationActivities.determine_obligations, CaseRef(case_id=self._case_id), **RECORDING
        )
        self._status.obligations = obligation_set.obligations
        workflow.upsert_search_attributes(
            [WRITTEN_REPORT_DUE.value_set(min(o.written_report_due_at for o in obligation_set.obligations))]
        )

        if opened.phone_report_first:
            self._completed("obligations-determined", Stage.AWAITING_PHONE_REPORT)
            await workflow.wait_condition(lambda: self._phone_recorded)
        else:
            self._status.steps_completed.append("obligations-determined")

        self._set_stage(Stage.PREPARING_REPORT)
        for obligation in self._status.obligations:
            step = RecipientStep(case_id=self._case_id, recipient_id=obligation.recipient_id)
            disclosure = await workflow.execute_activity_method(
                ObligationActivities.limit_disclosure, step, **RECORDING
            )
            self._status.disclosures.append(disclosure)
            document = await workflow.execute_activity_method(
                ReportActivities.render_report, step, **RECORDING
            )
            self._status.documents.append(document)
        self._status.review_sha256 = review_sha256(self._status)
        self._completed("report-rendered", Stage.AWAITING_CONFIRMATION)

        await workflow.wait_condition(lambda: self._confirmed)
        self._set_stage(Stage.DELIVERING)
        for obligation in self._status.obligations:
            receipt = await workflow.execute_activity_method(
                DeliveryActivities.deliver_report,
                RecipientStep(case_id=self._case_id, recipient_id=obligation.recipient_id),
                **DELIVERING,
            )
            self._status.deliveries.append(receipt)
            await workflow.execute_activity_method(
                CaseRecordActivities.record_acknowledgement,
                AcknowledgementInput(case_id=self._case_id, receipt=receipt),
                **RECORDING,
            )
        self._status.steps_completed += ["report-delivered", "acknowledgement-recorded"]

        outcome = await workflow.execute_activity_method(
            CaseRecordActivities.record_outcome, CaseRef(case_id=self._case_id), **RECORDING
        )
        self._status.outcome = outcome
        self._completed("outcome-recorded", Stage.CLOSED)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return outcome

    # --- clinician steps: Updates with validators ------------------------------------------

    @workflow.update(name="document_grounds")
    async def document_grounds(self, submission: GroundsSubmission) -> CaseStatus:
        self._grounds_claimed = True
        await workflow.wait_condition(lambda: self._statutory_bases is not None)
        problems = grounds_problems(submission, workflow.now(), self._statutory_bases)
        if problems:  # only reachable when the grounds arrived before the case finished opening
            self._grounds_claimed = False
            raise invalid_input(problems)
        await workflow.execute_activity_method(
            CaseRecordActivities.record_grounds,
            RecordGroundsInput(case_id=self._case_id, actor=self._practitioner, submission=submission),
            **RECORDING,
        )
        self._status.steps_completed.append("grounds-documented")
        self._suspicion_formed_at = submission.grounds.suspicion_formed_at
        self._grounds_recorded = True
        await workflow.wait_condition(
            lambda: self._status.stage in (Stage.AWAITING_PHONE_REPORT, Stage.AWAITING_CONFIRMATION)
        )
        return self._status

    @document_grounds.validator
    def _validate_grounds(self, submission: GroundsSubmission) -> None:
        if self._grounds_claimed or self._status.stage not in (Stage.OPENING, Stage.AWAITING_GROUNDS):
            raise wrong_stage("document grounds", self._status.stage)
        problems = grounds_problems(submission, workflow.now(), self._statutory_bases)
        if problems:
            raise invalid_input(problems)

    @workflow.update(name="record_phone_report")
    async def record_phone_report(self, phone_report: PhoneReport) -> CaseStatus:
        self._phone_claimed = True
        await workflow.execute_activity_method(
            CaseRecordActivities.record_phone_report,
            RecordPhoneReportInput(
                case_id=self._case_id, actor=self._practitioner, phone_report=phone_report
            ),
            **RECORDING,
        )
        self._status.steps_completed.append("phone-report-recorded")
        self._phone_recorded = True
        await workflow.wait_condition(lambda: self._status.stage == Stage.AWAITING_CONFIRMATION)
        return self._status

    @record_phone_report.validator
    def _validate_phone_report(self, phone_report: PhoneReport) -> None:
        if self._phone_claimed or self._status.stage != Stage.AWAITING_PHONE_REPORT:
            raise wrong_stage("record the phone report", self._status.stage)
        problems = phone_report_problems(phone_report, workflow.now(), self._suspicion_formed_at)
        if problems:
            raise invalid_input(problems)

    @workflow.update(name="confirm_report")
    async def confirm_report(self, confirmation: Confirmation) -> CaseStatus:
        self._confirm_claimed = True
        await workflow.execute_activity_method(
            CaseRecordActivities.record_confirmation,
            ConfirmationInput(
                case_id=self._case_id,
                actor=self._practitioner,
                review_sha256=confirmation.review_sha256,
            ),
            **RECORDING,
        )
        self._status.steps_completed.append("report-confirmed")
        self._confirmed = True
        await workflow.wait_condition(lambda: self._status.stage != Stage.AWAITING_CONFIRMATION)
        return self._status

    @confirm_report.validator
    def _validate_confirmation(self, confirmation: Confirmation) -> None:
        if self._confirm_claimed or self._status.stage != Stage.AWAITING_CONFIRMATION:
            raise wrong_stage("confirm the report", self._status.stage)
        problems = confirmation_problems(
            confirmation, self._status.review_sha256, self._practitioner.actor_id
        )
        if problems:
            raise invalid_input(problems)

    @workflow.query(name="status")
    def status(self) -> CaseStatus:
        return self._status

    # --- bookkeeping -----------------------------------------------------------------------

    def _set_stage(self, stage: Stage) -> None:
        self._status.stage = stage
        workflow.upsert_search_attributes([STAGE.value_set(stage.value)])

    def _completed(self, step: str, next_stage: Stage) -> None:
        self._status.steps_completed.append(step)
        self._set_stage(next_stage)


def review_sha256(status: CaseStatus) -> str:
    """One hash over every document under review: confirming it confirms exactly these reports."""
    lines = sorted(f"{d.recipient_id}:{d.sha256}" for d in status.documents)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()

