"""The mandated-report workflow: one per case, its id the opaque case id.

Orchestration only: every step that touches the world is an activity that writes its record and
an audit entry. Clinician steps arrive as Updates whose validators refuse bad input before
anything is recorded; the Query `status` tells where the case stands without any case content.

    opening -> grounds (Update) -> obligations -> phone report (Update, where policy asks)
      -> limit fields and render, per recipient -> confirmation (Update)
      -> deliver and record acknowledgement, per recipient -> outcome
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeUpdate
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.case_records import CaseRecordActivities
    from activities.delivery import DeliveryActivities
    from activities.obligations import ObligationActivities
    from activities.reports import ReportActivities
    from dutyflow.contracts import (
        ESCALATED_TO,
        STAGE,
        WORKFLOW_TYPE,
        WRITTEN_REPORT_DUE,
        AcknowledgementInput,
        Actor,
        CaseOutcome,
        CaseRef,
        CaseStatus,
        ConfirmationInput,
        DeadlinePlan,
        DeliveryProblem,
        DeliveryProblemInput,
        DeliveryReceipt,
        EscalationInput,
        EscalationPoint,
        Obligation,
        OpenCaseInput,
        RecipientStep,
        RecordGroundsInput,
        RecordPhoneReportInput,
        RetryDelivery,
        Stage,
    )
    from dutyflow.domain.case import CaseOpening, Confirmation, GroundsSubmission, PhoneReport
    from dutyflow.domain.transmission import AcknowledgementDecision, AgencyAcknowledgement
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
    "AgencySecretMissing",
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
    "heartbeat_timeout": timedelta(seconds=10),
    "retry_policy": RetryPolicy(
        initial_interval=timedelta(seconds=2),
        backoff_coefficient=2.0,
        maximum_interval=timedelta(minutes=10),
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
        # Cases started with Dutyflow's search attributes keep them current; a cluster without
        # them registered (e.g. the time-skipping test server) runs cases unindexed.
        self._indexed = STAGE in workflow.info().typed_search_attributes
        self._statutory_bases: list[str] | None = None
        self._suspicion_formed_at = None
        self._grounds_claimed = False
        self._grounds_recorded = False
        self._phone_claimed = False
        self._phone_recorded = False
        self._confirm_claimed = False
        self._confirmed = False
        self._acknowledged: set[str] = set()
        self._acknowledging: set[str] = set()
        self._retry_requested: set[str] = set()
        self._watchers: list[asyncio.Task[None]] = []

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
        self._status.deadlines = obligation_set.deadlines
        self._index(
            WRITTEN_REPORT_DUE.value_set(min(o.written_report_due_at for o in obligation_set.obligations))
        )
        for plan in obligation_set.deadlines:
            self._watch(plan, self._deadline_met(plan.deadline_id))

        if opened.phone_report_first:
            self._status.phone_task = await workflow.execute_activity_method(
                ReportActivities.prepare_phone_task,
                RecipientStep(case_id=self._case_id, recipient_id=obligation_set.obligations[0].recipient_id),
                **RECORDING,
            )
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
        for obligation in self._status.obligations:
            receipt = await self._deliver(obligation)
            self._status.deliveries.append(receipt)
            if receipt.decision is not None:  # the agency decided in its receipt
                await self._record_acknowledgement(
                    AgencyAcknowledgement(
                        report_id=receipt.report_id,
                        reference_number=receipt.reference_number,
                        decision=AcknowledgementDecision(receipt.decision),
                        decided_at=receipt.received_at,
                    )
                )
        self._status.steps_completed.append("report-delivered")

        self._set_stage(Stage.AWAITING_ACKNOWLEDGEMENT)
        for receipt in self._status.deliveries:
            follow_up = obligation_set.acknowledgement_follow_up
            self._watch(
                DeadlinePlan(
                    deadline_id=f"acknowledgement:{receipt.recipient_id}",
                    due_at=receipt.received_at + 3 * follow_up,
                    citation="Dutyflow: a report with no acknowledgement is followed up",
                    escalations=[
                        EscalationPoint(notify=who, at=receipt.received_at + n * follow_up)
                        for n, who in enumerate(("practitioner", "supervisor", "compliance"), 1)
                    ],
                ),
                lambda report_id=receipt.report_id: report_id in self._acknowledged,
            )
        await workflow.wait_condition(
            lambda: all(r.report_id in self._acknowledged for r in self._status.deliveries)
        )
        self._status.steps_completed.append("acknowledgement-recorded")
        await asyncio.gather(*self._watchers)

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

    @workflow.update(name="record_agency_acknowledgement")
    async def record_agency_acknowledgement(self, acknowledgement: AgencyAcknowledgement) -> CaseStatus:
        self._acknowledging.add(acknowledgement.report_id)
        await self._record_acknowledgement(acknowledgement)
        return self._status

    @record_agency_acknowledgement.validator
    def _validate_acknowledgement(self, acknowledgement: AgencyAcknowledgement) -> None:
        delivered = {r.report_id: r for r in self._status.deliveries}
        receipt = delivered.get(acknowledgement.report_id)
        if receipt is None:
            raise invalid_input([FieldProblem(field="report_id", problem="no report delivered under this id")])
        if acknowledgement.report_id in self._acknowledging | self._acknowledged:
            raise wrong_stage("acknowledge this report again", self._status.stage)
        if acknowledgement.reference_number != receipt.reference_number:
            raise invalid_input(
                [FieldProblem(field="reference_number", problem="is not the reference the agency gave")]
            )

    @workflow.update(name="retry_delivery")
    async def retry_delivery(self, request: RetryDelivery) -> CaseStatus:
        self._retry_requested.add(request.recipient_id)
        await workflow.wait_condition(lambda: self._status.stage != Stage.DELIVERY_REFUSED)
        return self._status

    @retry_delivery.validator
    def _validate_retry(self, request: RetryDelivery) -> None:
        if self._status.stage != Stage.DELIVERY_REFUSED:
            raise wrong_stage("retry the delivery", self._status.stage)
        problems = []
        if request.practitioner_id != self._practitioner.actor_id:
            problems.append(FieldProblem(field="practitioner_id", problem="only the case's practitioner may retry"))
        if request.recipient_id not in {p.recipient_id for p in self._status.delivery_problems}:
            problems.append(FieldProblem(field="recipient_id", problem="has no refused delivery"))
        if problems:
            raise invalid_input(problems)

    @workflow.query(name="status")
    def status(self) -> CaseStatus:
        return self._status

    # --- delivery, acknowledgement, deadlines --------------------------------------------------

    async def _deliver(self, obligation: Obligation) -> DeliveryReceipt:
        """Deliver; an agency's refusal (a 4xx other than 408/429) becomes a task for the
        practitioner, and the delivery is tried again once they ask for it."""
        step = RecipientStep(case_id=self._case_id, recipient_id=obligation.recipient_id)
        while True:
            self._set_stage(Stage.DELIVERING)
            try:
                return await workflow.execute_activity_method(
                    DeliveryActivities.deliver_report, step, **DELIVERING
                )
            except ActivityError as err:
                cause = err.cause
                if not (isinstance(cause, ApplicationError) and cause.type == "AgencyRefusedReport"):
                    raise
                await workflow.execute_activity_method(
                    CaseRecordActivities.record_delivery_problem,
                    DeliveryProblemInput(
                        case_id=self._case_id, recipient_id=obligation.recipient_id, message=cause.message
                    ),
                    **RECORDING,
                )
                self._status.delivery_problems.append(
                    DeliveryProblem(
                        recipient_id=obligation.recipient_id,
                        agency_name=obligation.agency_name,
                        message=cause.message,
                    )
                )
                self._retry_requested.discard(obligation.recipient_id)
                self._set_stage(Stage.DELIVERY_REFUSED)
                await workflow.wait_condition(lambda: obligation.recipient_id in self._retry_requested)
                self._status.delivery_problems = [
                    p for p in self._status.delivery_problems if p.recipient_id != obligation.recipient_id
                ]

    async def _record_acknowledgement(self, acknowledgement: AgencyAcknowledgement) -> None:
        receipt = next(r for r in self._status.deliveries if r.report_id == acknowledgement.report_id)
        self._acknowledging.add(acknowledgement.report_id)
        await workflow.execute_activity_method(
            CaseRecordActivities.record_acknowledgement,
            AcknowledgementInput(case_id=self._case_id, receipt=receipt, acknowledgement=acknowledgement),
            **RECORDING,
        )
        self._status.acknowledgements.append(acknowledgement)
        self._acknowledged.add(acknowledgement.report_id)

    def _deadline_met(self, deadline_id: str) -> Callable[[], bool]:
        if deadline_id == "phone-report":
            return lambda: self._phone_recorded
        return lambda: len(self._status.deliveries) == len(self._status.obligations) > 0

    def _watch(self, plan: DeadlinePlan, met: Callable[[], bool]) -> None:
        self._watchers.append(asyncio.create_task(self._escalate_until_met(plan, met)))

    async def _escalate_until_met(self, plan: DeadlinePlan, met: Callable[[], bool]) -> None:
        """A durable timer per escalation step: whoever is next is told before the deadline
        passes, unless the duty was met first."""
        for point in plan.escalations:
            remaining = point.at - workflow.now()
            if remaining > timedelta(0):
                try:
                    await workflow.wait_condition(met, timeout=remaining)
                except asyncio.TimeoutError:
                    pass
            if met():
                return
            escalation = await workflow.execute_activity_method(
                CaseRecordActivities.escalate_deadline,
                EscalationInput(
                    case_id=self._case_id, deadline_id=plan.deadline_id, notify=point.notify,
                    due_at=plan.due_at, escalated_at=workflow.now(),
                ),
                **RECORDING,
            )
            self._status.escalations.append(escalation)
            self._index(ESCALATED_TO.value_set(point.notify))
        await workflow.wait_condition(met)

    # --- bookkeeping -----------------------------------------------------------------------

    def _set_stage(self, stage: Stage) -> None:
        self._status.stage = stage
        self._index(STAGE.value_set(stage.value))

    def _index(self, update: SearchAttributeUpdate) -> None:
        if self._indexed:
            workflow.upsert_search_attributes([update])

    def _completed(self, step: str, next_stage: Stage) -> None:
        self._status.steps_completed.append(step)
        self._set_stage(next_stage)


def review_sha256(status: CaseStatus) -> str:
    """One hash over every document under review: confirming it confirms exactly these reports."""
    lines = sorted(f"{d.recipient_id}:{d.sha256}" for d in status.documents)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()

