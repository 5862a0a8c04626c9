"""The activity that tells the people at one step of a deadline's escalation ladder by e-mail
(`dutyflow.notifications.escalation`): each message sent at most once per step and person,
recorded and audited; a refusal for good passes the step on to the next person up the ladder."""

from __future__ import annotations

from temporalio import activity

from dutyflow.contracts import EscalationNotice, NoticeOutcome
from dutyflow.notifications.escalation import EscalationNotifier


class NotificationActivities:
    def __init__(self, notifier: EscalationNotifier) -> None:
        self._notifier = notifier

    @activity.defn(name="notify_escalation")
    async def notify_escalation(self, notice: EscalationNotice) -> NoticeOutcome:
        return await self._notifier.notify(notice, activity.heartbeat)
