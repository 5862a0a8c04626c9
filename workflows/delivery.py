"""Delivering the written report to each agency's intake, and recording the agency's
acknowledgement: the run's delivery step (an agency's refusal, or an intake that never took the
report within the policy's attempts, becomes a task for the practitioner, and the report goes
again once they ask; a receipt with no readable reference becomes a task to record it, and the
report is not sent again), and the Updates that answer them: `retry_delivery` and
`record_agency_reference` (the practitioner) and `record_agency_acknowledgement` (the agency,
by signed callback or as a user of Dutyflow).
"""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

from workflows.activity_options import deliver, record
from workflows.case_state import CaseState
from workflows.step_input import invalid_input, wrong_stage

with workflow.unsafe.imports_passed_through():
    from activities.agency_references import AgencyReferenceActivities
    from activities.case_records import CaseRecordActivities
    from activities.delivery import DeliveryActivities
    from dutyflow.contracts import (
        AcknowledgementInput,
        AgencyReferenceInput,
        CaseStatus,
        DeliveryProblem,
        DeliveryProblemInput,
        DeliveryReceipt,
        Obligation,
        RecipientStep,
        RecordAgencyReferenceInput,
        ReferenceTask,
        RetryDelivery,
        Stage,
    )
    from dutyflow.domain.transmission import AcknowledgementDecision, AgencyAcknowledgement
    from dutyflow.domain.validation import FieldProblem


async def deliver_written_reports(case: CaseState, active: list[Obligation]) -> None:
    """Each agency with an intake endpoint receives its report, one after the other; an agency
    that decides in its receipt has its acknowledgement recorded at once."""
    for obligation in active:
        if obligation.delivery != "intake":
            continue
        receipt = await deliver_until_accepted(case, obligation)
        case.status.deliveries.append(receipt)
        case.recipients.discharged.add(obligation.recipient_id)
        if receipt.reference_number is None:  # the agency has it, under a reference unread
            case.status.reference_tasks.append(
                ReferenceTask(
                    report_id=receipt.report_id,
                    recipient_id=receipt.recipient_id,
                    agency_id=receipt.agency_id,
                )
            )
        else:
            await acknowledge_in_receipt(case, receipt)
    if case.status.deliveries:
        case.status.steps_completed.append("report-delivered")


async def acknowledge_in_receipt(case: CaseState, receipt: DeliveryReceipt) -> None:
    """An agency that decided in its receipt has its acknowledgement recorded at once (once the
    report's reference is known)."""
    if receipt.decision is None or receipt.reference_number is None:
        return
    await record_acknowledgement(
        case,
        AgencyAcknowledgement(
            report_id=receipt.report_id,
            reference_number=receipt.reference_number,
            decision=AcknowledgementDecision(receipt.decision),
            decided_at=receipt.received_at,
        ),
    )


# The delivery did not happen, and trying again by itself will not change that: the practitioner
# deals with the agency, then asks for the report to go again.
PRACTITIONER_DELIVERY_TASKS = ("AgencyRefusedReport", "AgencyUnreachable")


async def deliver_until_accepted(
    case: CaseState, obligation: Obligation, supplement: int = 0
) -> DeliveryReceipt:
    """Deliver (the report, or its ``supplement``-th supplemental report); an agency's refusal
    (a 4xx other than 408/429), or an intake that did not take the report within the policy's
    attempts, becomes a task for the practitioner, and the delivery is tried again once they ask
    for it. The deadlines' escalation runs meanwhile."""
    recipient_id = obligation.recipient_id
    step = RecipientStep(case_id=case.case_id, recipient_id=recipient_id, supplement=supplement)
    while True:
        case.set_stage(Stage.DELIVERING)
        try:
            return await deliver(DeliveryActivities.deliver_report, step)
        except ActivityError as err:
            cause = err.cause
            if not (
                isinstance(cause, ApplicationError) and cause.type in PRACTITIONER_DELIVERY_TASKS
            ):
                raise
            await record(
                CaseRecordActivities.record_delivery_problem,
                DeliveryProblemInput(
                    case_id=case.case_id, recipient_id=recipient_id, message=cause.message
                ),
            )
            case.status.delivery_problems.append(
                DeliveryProblem(
                    recipient_id=recipient_id,
                    agency_name=obligation.agency_name,
                    message=cause.message,
                )
            )
            case.recipients.retry_requested.discard(recipient_id)
            case.set_stage(Stage.DELIVERY_REFUSED)
            await workflow.wait_condition(lambda: recipient_id in case.recipients.retry_requested)
            case.status.delivery_problems = [
                p for p in case.status.delivery_problems if p.recipient_id != recipient_id
            ]


async def record_acknowledgement(case: CaseState, acknowledgement: AgencyAcknowledgement) -> None:
    receipt = next(r for r in case.status.deliveries if r.report_id == acknowledgement.report_id)
    case.acknowledging.add(acknowledgement.report_id)
    await record(
        CaseRecordActivities.record_acknowledgement,
        AcknowledgementInput(
            case_id=case.case_id, receipt=receipt, acknowledgement=acknowledgement
        ),
    )
    case.status.acknowledgements.append(acknowledgement)
    case.acknowledged.add(acknowledgement.report_id)


class DeliverySteps:
    """The Updates of delivery and acknowledgement (inherited by the workflow class)."""

    case: CaseState

    @workflow.update(name="record_agency_acknowledgement")
    async def record_agency_acknowledgement(
        self, acknowledgement: AgencyAcknowledgement
    ) -> CaseStatus:
        self.case.acknowledging.add(acknowledgement.report_id)
        await record_acknowledgement(self.case, acknowledgement)
        return self.case.status

    @record_agency_acknowledgement.validator
    def _validate_acknowledgement(self, acknowledgement: AgencyAcknowledgement) -> None:
        case = self.case
        delivered = {r.report_id: r for r in case.status.deliveries}
        receipt = delivered.get(acknowledgement.report_id)
        if receipt is None:
            raise invalid_input(
                [FieldProblem(field="report_id", problem="no report delivered under this id")]
            )
        if acknowledgement.report_id in case.acknowledging | case.acknowledged:
            raise wrong_stage("acknowledge this report again", case.status.stage)
        if (
            receipt.reference_number is not None
            and acknowledgement.reference_number != receipt.reference_number
        ):
            raise invalid_input(
                [
                    FieldProblem(
                        field="reference_number", problem="is not the reference the agency gave"
                    )
                ]
            )

    @workflow.update(name="retry_delivery")
    async def retry_delivery(self, request: RetryDelivery) -> CaseStatus:
        self.case.recipients.retry_requested.add(request.recipient_id)
        await workflow.wait_condition(lambda: self.case.status.stage != Stage.DELIVERY_REFUSED)
        return self.case.status

    @retry_delivery.validator
    def _validate_retry(self, request: RetryDelivery) -> None:
        case = self.case
        if case.status.stage != Stage.DELIVERY_REFUSED:
            raise wrong_stage("retry the delivery", case.status.stage)
        problems = []
        if request.practitioner_id != case.practitioner.actor_id:
            problems.append(
                FieldProblem(
                    field="practitioner_id", problem="only the case's practitioner may retry"
                )
            )
        if request.recipient_id not in {p.recipient_id for p in case.status.delivery_problems}:
            problems.append(FieldProblem(field="recipient_id", problem="has no refused delivery"))
        if problems:
            raise invalid_input(problems)

    @workflow.update(name="record_agency_reference")
    async def record_agency_reference(self, request: AgencyReferenceInput) -> CaseStatus:
        case = self.case
        case.status.reference_tasks = [
            t for t in case.status.reference_tasks if t.report_id != request.report_id
        ]
        await record(
            AgencyReferenceActivities.record_agency_reference,
            RecordAgencyReferenceInput(
                case_id=case.case_id,
                actor=case.practitioner,
                report_id=request.report_id,
                reference_number=request.reference_number,
            ),
        )
        receipts = case.status.deliveries
        index = next(i for i, r in enumerate(receipts) if r.report_id == request.report_id)
        receipts[index] = receipts[index].model_copy(
            update={"reference_number": request.reference_number}
        )
        if request.report_id not in case.acknowledging | case.acknowledged:
            await acknowledge_in_receipt(case, receipts[index])
        return case.status

    @record_agency_reference.validator
    def _validate_reference(self, request: AgencyReferenceInput) -> None:
        case = self.case
        problems = []
        if request.practitioner_id != case.practitioner.actor_id:
            problems.append(
                FieldProblem(
                    field="practitioner_id",
                    problem="only the case's practitioner may record the agency's reference",
                )
            )
        if request.report_id not in {t.report_id for t in case.status.reference_tasks}:
            problems.append(
                FieldProblem(field="report_id", problem="has no agency reference to record")
            )
        if problems:
            raise invalid_input(problems)
