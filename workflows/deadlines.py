"""The case's deadlines as durable watchers: one task per deadline, a timer per escalation step,
so whoever is next (practitioner, supervisor, compliance) is told before the deadline passes,
unless the duty was met first. Which duty meets which deadline is decided here too; the
deadlines themselves (when, and the ladder) come from the policy through the obligations.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError

from workflows.activity_options import notify, record
from workflows.case_state import CaseState

with workflow.unsafe.imports_passed_through():
    from activities.case_records import CaseRecordActivities
    from activities.duties import DutyActivities
    from activities.notifications import NotificationActivities
    from dutyflow import ids
    from dutyflow.contracts import (
        ESCALATED_TO,
        DeadlinePlan,
        DeliveryReceipt,
        DutyInput,
        DutyMetInput,
        EscalationInput,
        EscalationNotice,
        EscalationPoint,
    )
    from dutyflow.domain.duties import duty_kind

ACKNOWLEDGEMENT_LADDER = ("practitioner", "supervisor", "compliance")

# Cases started before duties were tracked in the ``duty`` table replay without these steps.
DUTIES_TRACKED = "duties-tracked"
# Cases escalated before notifications were sent replay without the notifying step.
ESCALATIONS_NOTIFIED = "escalations-notified"


def acknowledgement_follow_up(receipt: DeliveryReceipt, follow_up: timedelta) -> DeadlinePlan:
    """A delivered report the agency has not acknowledged is followed up, one person more each
    ``follow_up``."""
    return DeadlinePlan(
        deadline_id=ids.acknowledgement_deadline_id(receipt.recipient_id),
        due_at=receipt.received_at + 3 * follow_up,
        citation="Dutyflow: a report with no acknowledgement is followed up",
        escalations=[
            EscalationPoint(notify=who, at=receipt.received_at + n * follow_up)
            for n, who in enumerate(ACKNOWLEDGEMENT_LADDER, 1)
        ],
    )


class DeadlineWatchers:
    """The case's running watchers; the case closes once every one is met."""

    def __init__(self, case: CaseState) -> None:
        self._case = case
        self._watchers: list[asyncio.Task[None]] = []

    def watch_obligations(self, plans: list[DeadlinePlan]) -> None:
        for plan in plans:
            self.watch(plan, self.met(plan.deadline_id))

    def watch_acknowledgement(self, receipt: DeliveryReceipt, follow_up: timedelta) -> None:
        case, report_id = self._case, receipt.report_id
        self.watch(
            acknowledgement_follow_up(receipt, follow_up), lambda: report_id in case.acknowledged
        )

    def watch(self, plan: DeadlinePlan, met: Callable[[], bool]) -> None:
        self._watchers.append(asyncio.create_task(self._escalate_until_met(plan, met)))

    def met(self, deadline_id: str) -> Callable[[], bool]:
        case = self._case
        if deadline_id == "phone-report":
            return lambda: case.phone_report.done
        if deadline_id == "inform-client":
            return lambda: case.inform_client.done
        obligations = case.status.obligations
        owed = [o.recipient_id for o in obligations if deadline_id in o.deadline_ids]
        owed = owed or [o.recipient_id for o in obligations]
        # Met when every recipient it binds has been told, or declined where the law permits.
        return lambda: case.recipients.told_or_declined(owed)

    async def all_met(self) -> None:
        await asyncio.gather(*self._watchers)

    async def _escalate_until_met(self, plan: DeadlinePlan, met: Callable[[], bool]) -> None:
        """A durable timer per escalation step: whoever is next is told before the deadline
        passes, unless the duty was met first. The duty is tracked from start to met."""
        tracked = workflow.patched(DUTIES_TRACKED)
        if tracked:
            await self._track(plan)
        for point in plan.escalations:
            remaining = point.at - workflow.now()
            if remaining > timedelta(0):
                with contextlib.suppress(TimeoutError):
                    await workflow.wait_condition(met, timeout=remaining)
            if met():
                break
            await self._escalate(plan, point)
        await workflow.wait_condition(met)
        # The status the Query reports changes here with no command, so old histories replay.
        plan.met_at = workflow.now()
        if tracked:
            await record(
                DutyActivities.record_duty_met,
                DutyMetInput(
                    case_id=self._case.case_id,
                    deadline_id=plan.deadline_id,
                    met_at=workflow.now(),
                ),
            )

    async def _track(self, plan: DeadlinePlan) -> None:
        await record(
            DutyActivities.track_duty,
            DutyInput(
                case_id=self._case.case_id,
                deadline_id=plan.deadline_id,
                kind=duty_kind(plan.deadline_id, self._case.status.obligations).value,
                due_at=plan.due_at,
                citation=plan.citation,
            ),
        )

    async def _escalate(self, plan: DeadlinePlan, point: EscalationPoint) -> None:
        """The step recorded, then its person told by e-mail (or the next one up, if the mail
        server refuses). A mail server away for good does not hold the ladder back: the step
        stays recorded, in the lists and the inbox, and the failure is in the history."""
        request = EscalationInput(
            case_id=self._case.case_id,
            deadline_id=plan.deadline_id,
            notify=point.notify,
            due_at=plan.due_at,
            escalated_at=workflow.now(),
        )
        escalation = await record(CaseRecordActivities.escalate_deadline, request)
        if workflow.patched(ESCALATIONS_NOTIFIED):
            kind = duty_kind(plan.deadline_id, self._case.status.obligations).value
            with contextlib.suppress(ActivityError):
                await notify(
                    NotificationActivities.notify_escalation,
                    EscalationNotice(escalation=request, kind=kind),
                )
        self._case.status.escalations.append(escalation)
        self._case.index(ESCALATED_TO.value_set(point.notify))
