"""A supplemental report on a delivered case: an Update with a validator. The practitioner's new
or changed answers (merged into the grounds by the API, `dutyflow.domain.supplement`) are
recorded; then, for each recipient that received the report, the supplement's copy is limited by
the same allow-list, rendered marked "Supplemental to <reference>" and delivered, exactly once
(its own report id, the agency's idempotency key). The case then awaits the agencies'
acknowledgements of the supplement too, and does not close while one is being made.

Accepted once the report was delivered and until the case closes; cases whose run passed the
delivery before this existed do not accept it (``workflow.patched``).
"""

from __future__ import annotations

from temporalio import workflow

from workflows.activity_options import record
from workflows.case_state import CaseState
from workflows.delivery import acknowledge_in_receipt, deliver_until_accepted
from workflows.step_input import invalid_input, refuse_another_practitioner, wrong_stage

with workflow.unsafe.imports_passed_through():
    from activities.obligations import ObligationActivities
    from activities.reports import ReportActivities
    from activities.supplements import SupplementActivities
    from dutyflow.contracts import (
        Actor,
        CaseStatus,
        RecipientStep,
        RecordSupplementInput,
        ReferenceTask,
        Stage,
        SupplementRequest,
        SupplementSummary,
    )
    from dutyflow.domain.validation import FieldProblem, GroundsRules, grounds_problems

# The patch that lets a delivered case take supplemental reports.
SUPPLEMENT_PATCH = "supplemental-reports"

# Where a delivered case may stand when a supplement comes: after the delivery, before closing.
ACCEPTS_SUPPLEMENT_AT = (
    Stage.AWAITING_CONTACTS,
    Stage.AWAITING_ACKNOWLEDGEMENT,
    Stage.AWAITING_INFORM_CLIENT_DECISION,
)


class SupplementSteps:
    """The supplemental-report Update (inherited by the workflow class)."""

    case: CaseState
    accepts_supplements: bool = False
    supplementing: bool = False

    @workflow.update(name="add_supplemental_report")
    async def add_supplemental_report(
        self, request: SupplementRequest, actor: Actor | None = None
    ) -> CaseStatus:
        case = self.case
        request = SupplementRequest.model_validate(request)
        self.supplementing = True
        try:
            number = len(case.status.supplements) + 1
            by = actor or case.practitioner
            await record(
                SupplementActivities.record_supplement,
                RecordSupplementInput(
                    case_id=case.case_id,
                    actor=by,
                    number=number,
                    submission=request.submission,
                    changed_fields=request.changed_fields,
                ),
            )
            summary = SupplementSummary(
                number=number, changed_fields=request.changed_fields, recorded_by=by.actor_id
            )
            case.status.supplements.append(summary)
            case.status.steps_completed.append("supplement-documented")
            stage = case.status.stage
            for recipient_id in _recipients_delivered(case):
                step = RecipientStep(
                    case_id=case.case_id, recipient_id=recipient_id, supplement=number
                )
                await record(ObligationActivities.limit_disclosure, step)
                await record(ReportActivities.render_report, step)
                receipt = await deliver_until_accepted(
                    case, case.obligation(recipient_id), supplement=number
                )
                summary.report_ids.append(receipt.report_id)
                case.status.deliveries.append(receipt)
                if receipt.reference_number is None:  # taken, under a reference unread
                    case.status.reference_tasks.append(
                        ReferenceTask(
                            report_id=receipt.report_id,
                            recipient_id=receipt.recipient_id,
                            agency_id=receipt.agency_id,
                        )
                    )
                else:
                    await acknowledge_in_receipt(case, receipt)
            summary.delivered = True
            case.status.steps_completed.append("supplement-delivered")
            case.set_stage(stage)
        finally:
            self.supplementing = False
        return case.status

    @add_supplemental_report.validator
    def _validate_supplement(self, request: SupplementRequest, actor: Actor | None = None) -> None:
        case = self.case
        request = SupplementRequest.model_validate(request)
        refuse_another_practitioner(actor, case.practitioner)
        if (
            not self.accepts_supplements
            or self.supplementing
            or case.status.stage not in ACCEPTS_SUPPLEMENT_AT
            or not _recipients_delivered(case)
        ):
            raise wrong_stage(
                "add a supplemental report (only to a delivered report, before the case closes, "
                "one at a time)",
                case.status.stage,
            )
        problems = []
        if request.practitioner_id != case.practitioner.actor_id:
            problems.append(
                FieldProblem(field="practitioner_id", problem="must be the case's practitioner")
            )
        if not request.changed_fields:
            problems.append(
                FieldProblem(field="answers", problem="give at least one new or changed answer")
            )
        problems += grounds_problems(
            request.submission,
            workflow.now(),
            case.statutory_bases,
            case.grounds_rules or GroundsRules(kind=case.status.kind),
        )
        if problems:
            raise invalid_input(problems)


def _recipients_delivered(case: CaseState) -> list[str]:
    """The recipients that received the report itself (not a supplement), in delivery order."""
    supplements = {r for s in case.status.supplements for r in s.report_ids}
    return [r.recipient_id for r in case.status.deliveries if r.report_id not in supplements]
