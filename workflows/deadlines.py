"""The case's deadlines as durable watchers: one task per deadline, a timer per escalation step,
so whoever is next (practitioner, supervisor, compliance) is told before the deadline passes,
unless the duty was met first. Which duty meets which deadline is decided here too; the
deadlines themselves (when, and the ladder) come from the policy through the obligations.

Each contact to attempt (a warning to each person at risk, a call to a telephone-only agency)
is a duty of its own, with the deadline that binds it; a supervisor's consultation and a
disclosure exception awaiting a second person are duties too, due by Dutyflow's operating
policy (`dutyflow.domain.duties.decision_deadline`: not law).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

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
        Obligation,
    )
    from dutyflow.domain.duties import DECISION_CITATION, decision_deadline, duty_kind

ACKNOWLEDGEMENT_LADDER = ("practitioner", "supervisor", "compliance")

# Cases started before duties were tracked in the ``duty`` table replay without these steps.
DUTIES_TRACKED = "duties-tracked"
# Cases escalated before notifications were sent replay without the notifying step.
ESCALATIONS_NOTIFIED = "escalations-notified"
# Cases whose obligations were taken on before each contact was a duty of its own watch one
# deadline for all the recipients it binds.
CONTACTS_EACH_TRACKED = "contacts-each-tracked"
# Cases whose consultations and exceptions were asked for before they were duties have none.
DECISIONS_TRACKED = "decisions-tracked"
# The deadlines Dutyflow names itself, met by a step of their own (not by telling recipients).
_OWN_STEP = ("phone-report", "inform-client")


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


def each_contact(
    plans: list[DeadlinePlan], obligations: list[Obligation]
) -> dict[str, DeadlinePlan]:
    """Each contact obligation's own deadline, by recipient: the earliest of the deadlines that
    bind it, with that deadline's ladder and citation. A contact bound by none has none."""
    own: dict[str, DeadlinePlan] = {}
    for obligation in obligations:
        if obligation.delivery != "contact":
            continue
        binding = [
            p
            for p in plans
            if p.deadline_id in obligation.deadline_ids and p.deadline_id not in _OWN_STEP
        ]
        if binding:
            earliest = min(binding, key=lambda p: p.due_at)
            own[obligation.recipient_id] = earliest.model_copy(
                update={"deadline_id": ids.contact_deadline_id(obligation.recipient_id)},
                deep=True,
            )
    return own


def owed_by(deadline_id: str, obligations: list[Obligation], apart: set[str]) -> list[str]:
    """The recipients a deadline waits on: those it binds (every recipient, where it binds
    none), but for those ``apart`` (watched on their own). Empty: nobody is left for it."""
    bound = [o.recipient_id for o in obligations if deadline_id in o.deadline_ids]
    if not bound:
        bound = [o.recipient_id for o in obligations]
    return [r for r in bound if r not in apart]


def decision_plan(
    deadline_id: str, asked_at: datetime, open_deadlines: list[datetime]
) -> DeadlinePlan:
    """A second person's decision as a deadline (Dutyflow's operating policy, not law)."""
    due = decision_deadline(asked_at, open_deadlines)
    return DeadlinePlan(
        deadline_id=deadline_id,
        due_at=due.due_at,
        citation=DECISION_CITATION,
        escalations=[EscalationPoint(notify=who, at=at) for who, at in due.escalations],
    )


class DeadlineWatchers:
    """The case's running watchers; the case closes once every one is met."""

    def __init__(self, case: CaseState) -> None:
        self._case = case
        self._watchers: list[asyncio.Task[None]] = []
        # The second persons' decisions watched, shown with the obligations' deadlines.
        self.decisions: list[DeadlinePlan] = []

    def watch_obligations(self, plans: list[DeadlinePlan]) -> list[DeadlinePlan]:
        """Every deadline of the obligations watched; returns them (what the status shows)."""
        if not workflow.patched(CONTACTS_EACH_TRACKED):
            for plan in plans:
                self.watch(plan, self.met(plan.deadline_id))
            return plans
        case = self._case
        contacts = each_contact(plans, case.status.obligations)
        watched = []
        for plan in plans:
            if plan.deadline_id not in _OWN_STEP and not self._owed(
                plan.deadline_id, set(contacts)
            ):
                continue  # every recipient it binds is a contact, each watched on its own
            self.watch(plan, self.met(plan.deadline_id, set(contacts)))
            watched.append(plan)
        for recipient_id, plan in contacts.items():
            self.watch(plan, partial(case.recipients.told_or_declined, [recipient_id]))
            watched.append(plan)
        return watched

    def watch_decision(
        self, deadline_id: str, met: Callable[[], bool], open_deadlines: list[datetime]
    ) -> asyncio.Task[None] | None:
        """A consultation or exception awaiting a second person, as a duty due by the earliest
        of ``open_deadlines`` (Dutyflow's operating policy); None for a case from before."""
        if not workflow.patched(DECISIONS_TRACKED):
            return None
        case = self._case
        plan = decision_plan(deadline_id, workflow.now(), open_deadlines)
        self.decisions.append(plan)
        if case.obligations_known:
            case.status.deadlines.append(plan)
        return self.watch(plan, met)

    def watch_acknowledgement(self, receipt: DeliveryReceipt, follow_up: timedelta) -> None:
        case, report_id = self._case, receipt.report_id
        self.watch(
            acknowledgement_follow_up(receipt, follow_up), lambda: report_id in case.acknowledged
        )

    def watch(self, plan: DeadlinePlan, met: Callable[[], bool]) -> asyncio.Task[None]:
        task = asyncio.create_task(self._escalate_until_met(plan, met))
        self._watchers.append(task)
        return task

    def met(self, deadline_id: str, apart: set[str] | None = None) -> Callable[[], bool]:
        """When the duty of ``deadline_id`` is met; ``apart``: recipients watched on their own."""
        case = self._case
        if deadline_id == "phone-report":
            return lambda: case.phone_report.done
        if deadline_id == "inform-client":
            return lambda: case.inform_client.done
        owed = self._owed(deadline_id, apart or set())
        # Met when every recipient it binds has been told, or declined where the law permits.
        return lambda: case.recipients.told_or_declined(owed)

    def _owed(self, deadline_id: str, apart: set[str]) -> list[str]:
        return owed_by(deadline_id, self._case.status.obligations, apart)

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
