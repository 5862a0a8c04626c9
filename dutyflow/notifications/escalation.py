"""Telling the people at one step of a deadline's escalation ladder, by e-mail, exactly once.

For each person: a message already recorded (``notification_sent``) is never sent again; else
the message (with its deterministic Message-ID) is handed to the mail server, and the moment the
server accepts it the record and its audit entry are written, in one transaction. A server that
refuses for good (a 5xx reply) is recorded and audited as such, and when nobody at a step could
be told, the next person up the ladder is. A refusal that may pass (a 4xx reply, no connection)
raises, so the activity is retried.

The one window left: a process killed after the server accepted a message and before the record
is written sends it again on the retry, with the same Message-ID.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path

from sqlmodel import Session

from dutyflow import ids
from dutyflow.contracts import SYSTEM, EscalationInput, EscalationNotice, NoticeOutcome
from dutyflow.domain.audit import content_sha256
from dutyflow.domain.notifications import Notification, escalation_notice, next_on_ladder
from dutyflow.mail.transport import MailNotSent, MailServer, send_message
from dutyflow.notifications.recipients import people_to_tell
from dutyflow.store.db import SessionFactory
from dutyflow.store.steps import record_step
from dutyflow.store.tables import NotificationSent

# Where each role opens the case in the web app.
_CASE_PAGE = {
    "practitioner": "/app/cases/{case_id}",
    "supervisor": "/app/supervision/{case_id}",
    "compliance": "/app/compliance/cases/{case_id}",
}


@dataclass(frozen=True)
class MailSettings:
    server: MailServer | None
    sender: str  # "Dutyflow <dutyflow@example.org>"
    app_url: str  # the web app's base URL, for the link
    # The embedded stack's local sink's directory, whose messages the outbox page lists
    # (development only; None wherever a real mail server is used).
    local_outbox: Path | None = None

    @property
    def domain(self) -> str:
        address = parseaddr(self.sender)[1]
        return address.rsplit("@", 1)[1] if "@" in address else "dutyflow.invalid"


Heartbeat = Callable[[], None]


class EscalationNotifier:
    def __init__(self, sessions: SessionFactory, mail: MailSettings) -> None:
        self._sessions = sessions
        self._mail = mail

    async def notify(self, notice: EscalationNotice, heartbeat: Heartbeat) -> NoticeOutcome:
        escalation = notice.escalation
        if self._mail.server is None:
            self._audit_not_configured(escalation)
            return NoticeOutcome(told=[], mail_configured=False)
        outcome = NoticeOutcome(told=[])
        role: str | None = escalation.notify
        while role is not None:
            if await self._tell_role(notice, role, outcome, heartbeat):
                outcome.told.append(role)
                break
            role = next_on_ladder(role)
            if role is not None:
                self._audit_passed_on(escalation, role)
        return outcome

    async def _tell_role(
        self, notice: EscalationNotice, role: str, outcome: NoticeOutcome, heartbeat: Heartbeat
    ) -> bool:
        """True when at least one person in ``role`` has the message."""
        escalation = notice.escalation
        escalation_id = ids.escalation_id(
            escalation.case_id, escalation.deadline_id, escalation.notify
        )
        with self._sessions() as session:
            people = [
                (p.user_id, p.email or "")
                for p in people_to_tell(session, escalation.case_id, role)
            ]
        told = False
        for user_id, address in people:
            notification_id = f"{escalation_id}/{user_id}"
            with self._sessions() as session:
                known = session.get(NotificationSent, notification_id)
                if known is not None:
                    told = told or known.outcome == "sent"
                    continue
            notification = escalation_notice(
                kind=notice.kind,
                role=role,
                due_at=escalation.due_at,
                now=escalation.escalated_at,
                link=self._mail.app_url.rstrip("/")
                + _CASE_PAGE[role].format(case_id=escalation.case_id),
                escalation_id=escalation_id,
                user_id=user_id,
                mail_domain=self._mail.domain,
            )
            try:
                await _with_heartbeat(
                    send_message(self._server, self._message(notification, address, escalation)),
                    heartbeat,
                )
            except MailNotSent as err:
                if not err.permanent:
                    raise
                self._record(
                    escalation, notification_id, user_id, role, notification, "refused", str(err)
                )
                outcome.refused += 1
                continue
            self._record(escalation, notification_id, user_id, role, notification, "sent", None)
            told = True
        return told

    @property
    def _server(self) -> MailServer:
        assert self._mail.server is not None
        return self._mail.server

    def _message(
        self, notification: Notification, address: str, escalation: EscalationInput
    ) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self._mail.sender
        message["To"] = address
        message["Subject"] = notification.subject
        message["Message-ID"] = notification.message_id
        message["Date"] = format_datetime(escalation.escalated_at)
        message.set_content(notification.body)
        return message

    def _record(
        self,
        escalation: EscalationInput,
        notification_id: str,
        user_id: str,
        role: str,
        notification: Notification,
        outcome: str,
        problem: str | None,
    ) -> None:
        escalation_id = ids.escalation_id(
            escalation.case_id, escalation.deadline_id, escalation.notify
        )

        def write(session: Session) -> None:
            session.add(
                NotificationSent(
                    notification_id=notification_id,
                    case_id=escalation.case_id,
                    escalation_id=escalation_id,
                    user_id=user_id,
                    role=role,
                    message_id=notification.message_id,
                    outcome=outcome,
                )
            )

        details: dict[str, object] = {
            "deadline": escalation.deadline_id,
            "escalated_to": escalation.notify,
            "role": role,
            "user_id": user_id,
            "message_id": notification.message_id,
        }
        if problem is not None:
            details["problem"] = problem
        record_step(
            self._sessions,
            case_id=escalation.case_id,
            step="notification-sent" if outcome == "sent" else "notification-refused",
            key_suffix=notification_id.removeprefix(escalation.case_id + "/"),
            actor=SYSTEM,
            content_sha256=content_sha256(notification.body),
            details=details,
            write=write,
        )

    def _audit_passed_on(self, escalation: EscalationInput, role: str) -> None:
        record_step(
            self._sessions,
            case_id=escalation.case_id,
            step="notification-passed-on",
            key_suffix=f"{ids.escalation_key(escalation.deadline_id, escalation.notify)}/{role}",
            actor=SYSTEM,
            content_sha256=content_sha256(escalation),
            details={
                "deadline": escalation.deadline_id,
                "escalated_to": escalation.notify,
                "passed_on_to": role,
            },
        )

    def _audit_not_configured(self, escalation: EscalationInput) -> None:
        record_step(
            self._sessions,
            case_id=escalation.case_id,
            step="notification-not-sent",
            key_suffix=ids.escalation_key(escalation.deadline_id, escalation.notify),
            actor=SYSTEM,
            content_sha256=content_sha256(escalation),
            details={
                "deadline": escalation.deadline_id,
                "escalated_to": escalation.notify,
                "problem": "no mail server is configured",
            },
        )


async def _with_heartbeat(sending: Awaitable[None], heartbeat: Heartbeat) -> None:
    """Wait for the server's answer, telling Temporal every few seconds that the step lives."""
    task = asyncio.ensure_future(sending)
    while True:
        heartbeat()
        done, _pending = await asyncio.wait({task}, timeout=2)
        if done:
            return task.result()
