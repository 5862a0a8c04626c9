"""Delivering the written report to each agency's intake, and recording the agency's
acknowledgement: the run's delivery step (an agency's refusal, or an intake that never took the
report within the policy's attempts, becomes a task for the practitioner, and the report goes
again once they ask; a receipt with no readable reference becomes a task to record it, and the
report is not sent again), and the Updates that answer them: `retry_delivery` and
`record_agency_reference` (the practitioner) and `record_agency_acknowledgement` (the agency,
by signed callback or as a user of Dutyflow).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

from workflows.activity_options import deliver, record
from workflows.case_state import CaseState
from workflows.step_input import invalid_input, wrong_stage

with workflow.unsafe.imports_passed_through():
    from activities.agency_references import AgencyReferenceActivities
    from activities.case_records import CaseRecordActivities
    from activities.channels import ChannelActivities
    from activities.delivery import DeliveryActivities
    from activities.fax import FaxActivities
    from dutyflow.contracts import (
        AcknowledgementInput,
        AcknowledgementReceivedInput,
        AgencyReferenceInput,
        CaseStatus,
        DeliveryProblem,
        DeliveryProblemInput,
        DeliveryReceipt,
        Obligation,
        RecipientStep,
        RecordAgencyReferenceInput,
        RecordReportSentInput,
        ReferenceTask,
        ReportSentInput,
        RetryDelivery,
        Stage,
    )
    from dutyflow.domain.delivery_channels import CLOCK_TOLERANCE, report_sent_problems
    from dutyflow.domain.transmission import AcknowledgementDecision, AgencyAcknowledgement
    from dutyflow.domain.validation import FieldProblem


# Cases that reach delivery after agencies named their channel take that channel's path.
CHANNELS_PATCH = "delivery-channels"
# Cases that reach delivery after a fax provider could be configured: faxed through it.
FAX_PROVIDER_PATCH = "fax-provider"
# The channels on which the practitioner takes the report to the agency and records it.
PRACTITIONER_CHANNELS = ("portal", "fax", "mail")


async def deliver_written_reports(case: CaseState, active: list[Obligation]) -> None:
    """Each agency receives its written report on its channel, one after the other; an agency
    that decides in its receipt has its acknowledgement recorded at once."""
    for obligation in active:
        if obligation.delivery != "intake":
            continue
        receipt = await deliver_on_channel(case, obligation)
        case.status.deliveries.append(receipt)
        case.recipients.discharged.add(obligation.recipient_id)
        if receipt.reference_number is None and obligation.channel == "intake-api":
            # The agency's intake has it, under a reference unread. (On the other channels the
            # agency's reference comes with its acknowledgement.)
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


async def deliver_on_channel(case: CaseState, obligation: Obligation) -> DeliveryReceipt:
    """The agency directory's channel decides the path: posted to the intake endpoint,
    e-mailed, faxed through the deployment's fax provider, or taken to the agency by the
    practitioner (portal, fax, post), who records it."""
    if obligation.fax_by_provider and workflow.patched(FAX_PROVIDER_PATCH):
        return await deliver_until_accepted(case, obligation, FaxActivities.fax_report)
    if obligation.channel in PRACTITIONER_CHANNELS and workflow.patched(CHANNELS_PATCH):
        return await taken_by_practitioner(case, obligation)
    if obligation.channel == "email" and workflow.patched(CHANNELS_PATCH):
        return await deliver_until_accepted(case, obligation, ChannelActivities.email_report)
    return await deliver_until_accepted(case, obligation)


async def taken_by_practitioner(case: CaseState, obligation: Obligation) -> DeliveryReceipt:
    """The report prepared for the practitioner (their task, with the written report's
    deadline, whose escalation runs meanwhile) until they record it as sent."""
    recipient_id = obligation.recipient_id
    case.set_stage(Stage.DELIVERING)
    task = await record(
        ChannelActivities.prepare_channel_task,
        RecipientStep(case_id=case.case_id, recipient_id=recipient_id),
    )
    case.status.channel_tasks.append(task)
    await workflow.wait_condition(lambda: recipient_id in case.sent_by_hand)
    return case.sent_by_hand.pop(recipient_id)


async def deliver_until_accepted(
    case: CaseState,
    obligation: Obligation,
    activity: Callable[[Any, RecipientStep], Awaitable[DeliveryReceipt]] = (
        DeliveryActivities.deliver_report
    ),
    supplement: int = 0,
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
            return await deliver(activity, step)
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


async def record_acknowledgement(
    case: CaseState,
    acknowledgement: AgencyAcknowledgement,
    received: AcknowledgementReceivedInput | None = None,
) -> None:
    """``received``: the acknowledgement came by phone or letter, and the practitioner records
    it (who at the agency, how)."""
    receipt = next(r for r in case.status.deliveries if r.report_id == acknowledgement.report_id)
    case.acknowledging.add(acknowledgement.report_id)
    await record(
        CaseRecordActivities.record_acknowledgement,
        AcknowledgementInput(
            case_id=case.case_id,
            receipt=receipt,
            acknowledgement=acknowledgement,
            recorded_by=case.practitioner if received else None,
            received_via=received.received_via if received else None,
            acknowledged_by=received.acknowledged_by if received else None,
        ),
    )
    case.status.acknowledgements.append(acknowledgement)
    case.acknowledged.add(acknowledgement.report_id)


def received_acknowledgement(received: AcknowledgementReceivedInput) -> AgencyAcknowledgement:
    return AgencyAcknowledgement(
        report_id=received.report_id,
        reference_number=received.reference_number,
        decision=received.decision,
        decided_at=received.decided_at,
    )


def acknowledgement_problems(case: CaseState, acknowledgement: AgencyAcknowledgement) -> None:
    """Refuse an acknowledgement of no delivered report, of one acknowledged already, or under
    another reference than the agency gave."""
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
            [FieldProblem(field="reference_number", problem="is not the reference the agency gave")]
        )


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
        acknowledgement_problems(self.case, acknowledgement)

    @workflow.update(name="record_acknowledgement_received")
    async def record_acknowledgement_received(
        self, received: AcknowledgementReceivedInput
    ) -> CaseStatus:
        """An agency's acknowledgement that came by phone or letter, recorded by the
        practitioner: it meets the acknowledgement follow-up like the agency's own."""
        acknowledgement = received_acknowledgement(received)
        self.case.acknowledging.add(acknowledgement.report_id)
        await record_acknowledgement(self.case, acknowledgement, received)
        return self.case.status

    @record_acknowledgement_received.validator
    def _validate_acknowledgement_received(self, received: AcknowledgementReceivedInput) -> None:
        case = self.case
        if received.practitioner_id != case.practitioner.actor_id:
            raise invalid_input(
                [
                    FieldProblem(
                        field="practitioner_id",
                        problem="only the case's practitioner may record an acknowledgement",
                    )
                ]
            )
        if received.decided_at > workflow.now() + CLOCK_TOLERANCE:
            raise invalid_input([FieldProblem(field="decided_at", problem="is in the future")])
        acknowledgement_problems(case, received_acknowledgement(received))

    @workflow.update(name="record_report_sent")
    async def record_report_sent(self, sent: ReportSentInput) -> CaseStatus:
        """The practitioner took the report to the agency (portal, fax, post): the delivery and
        its accounting entry are recorded, and the case goes on."""
        case = self.case
        task = next(t for t in case.status.channel_tasks if t.recipient_id == sent.recipient_id)
        case.recording_sent.add(sent.recipient_id)
        try:
            receipt = await record(
                ChannelActivities.record_report_sent,
                RecordReportSentInput(
                    case_id=case.case_id, actor=case.practitioner, task=task, sent=sent
                ),
            )
        finally:
            case.recording_sent.discard(sent.recipient_id)
        case.status.channel_tasks = [
            t for t in case.status.channel_tasks if t.recipient_id != sent.recipient_id
        ]
        case.sent_by_hand[sent.recipient_id] = receipt
        # Answer once the delivery loop has taken the receipt (the status then shows it).
        await workflow.wait_condition(lambda: sent.recipient_id not in case.sent_by_hand)
        return case.status

    @record_report_sent.validator
    def _validate_report_sent(self, sent: ReportSentInput) -> None:
        case = self.case
        if sent.practitioner_id != case.practitioner.actor_id:
            raise invalid_input(
                [
                    FieldProblem(
                        field="practitioner_id",
                        problem="only the case's practitioner may record the report as sent",
                    )
                ]
            )
        task = next(
            (t for t in case.status.channel_tasks if t.recipient_id == sent.recipient_id), None
        )
        if task is not None and sent.recipient_id in case.recording_sent:
            raise wrong_stage("record this report as sent again", case.status.stage)
        if task is None:
            if any(r.recipient_id == sent.recipient_id for r in case.status.deliveries):
                raise wrong_stage("record this report as sent again", case.status.stage)
            raise invalid_input(
                [FieldProblem(field="recipient_id", problem="has no report to take to the agency")]
            )
        problems = report_sent_problems(
            task.channel,
            sent_at=sent.sent_at,
            sent_to=sent.sent_to,
            confirmation_number=sent.confirmation_number,
            now=workflow.now(),
        )
        if problems:
            raise invalid_input(problems)

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
