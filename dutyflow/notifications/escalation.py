"""Telling the people at one step of a deadline's escalation ladder, by e-mail, exactly once.

For each person, the message's row (``notification_sent``) follows its sending, each mark
committed before the conversation goes on:

1. the server has the whole message but the line that ends its data: ``ending-data`` (the
   intent, written before the one step the server cannot take back);
2. the server's "accepted" read: ``sent``, before the connection is even closed;
3. then the audit entry (``notification-sent``), with the row, in one transaction.

A retry of the step reads the row: ``sent`` (or ``refused``) is never sent again, whatever
became of the audit entry (it is written then if it is missing). No row: nothing was accepted
(a connection dropped before the end-of-data line makes the server discard the message), so it
is sent. A server that refuses for good (a 5xx reply) is recorded and audited as such, and when
nobody at a step could be told, the next person up the ladder is. A refusal that may pass (a 4xx
reply, no connection) raises, so the activity is retried.

The one window left is ``ending-data``: a process killed after the end-of-data line left and
before the server's answer was read and committed (the server's own processing time, and one
database commit). SMTP has no way to ask a server whether it took a message, so the retry
cannot know: it sends again, with the same Message-ID (most mail programs show one), and the
audit entry says an earlier attempt may have been accepted. A notice of a legal deadline lost
is worse than one seen twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from functools import partial
from pathlib import Path

from sqlmodel import Session

from dutyflow import ids
from dutyflow.contracts import SYSTEM, EscalationInput, EscalationNotice, NoticeOutcome
from dutyflow.domain.audit import content_sha256
from dutyflow.domain.notifications import Notification, escalation_notice, next_on_ladder
from dutyflow.mail.transport import MailNotSent, MailServer, SendingMarks, send_message
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

# A message's row (``notification_sent.outcome``) as its sending goes on.
ENDING_DATA = "ending-data"  # the server has the whole message but the line that ends it
SENT = "sent"  # the server accepted it
REFUSED = "refused"  # the server refused it for good


@dataclass(frozen=True)
class _Sending:
    """One message to one person: its row, read and written in short transactions of its own
    (the marks are called from the sending thread, in the middle of the SMTP conversation)."""

    sessions: SessionFactory
    escalation: EscalationInput
    notification_id: str
    user_id: str
    role: str

    def known_outcome(self) -> str | None:
        with self.sessions() as session:
            row = session.get(NotificationSent, self.notification_id)
            return row.outcome if row is not None else None

    def mark(self, outcome: str, message_id: str) -> None:
        with self.sessions() as session, session.begin():
            self.write(session, outcome, message_id)

    def forget(self) -> None:
        """The server answered the end of the data with a refusal: nothing was accepted."""
        with self.sessions() as session, session.begin():
            row = session.get(NotificationSent, self.notification_id)
            if row is not None and row.outcome == ENDING_DATA:
                session.delete(row)

    def write(self, session: Session, outcome: str, message_id: str) -> None:
        row = session.get(NotificationSent, self.notification_id)
        if row is None:
            escalation = self.escalation
            row = NotificationSent(
                notification_id=self.notification_id,
                case_id=escalation.case_id,
                escalation_id=ids.escalation_id(
                    escalation.case_id, escalation.deadline_id, escalation.notify
                ),
                user_id=self.user_id,
                role=self.role,
                message_id=message_id,
                outcome=outcome,
            )
        row.outcome = outcome
        session.add(row)


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
            sending = _Sending(self._sessions, escalation, notification_id, user_id, role)
            known = sending.known_outcome()
            if known in (SENT, REFUSED):
                # Sent (or refused) by an attempt that may have died before its audit entry:
                # the entry is written now (or found), and the message is never sent again.
                self._record(escalation, sending, notification, known, None)
                told = told or known == SENT
                continue
            try:
                await _with_heartbeat(
                    send_message(
                        self._server,
                        self._message(notification, address, escalation),
                        SendingMarks(
                            before_end_of_data=partial(
                                sending.mark, ENDING_DATA, notification.message_id
                            ),
                            accepted=partial(sending.mark, SENT, notification.message_id),
                            not_accepted=sending.forget,
                        ),
                    ),
                    heartbeat,
                )
            except MailNotSent as err:
                if not err.permanent:
                    raise
                self._record(escalation, sending, notification, REFUSED, str(err))
                outcome.refused += 1
                continue
            # An earlier attempt died between the end of its data and the server's answer: this
            # message may be the second (same Message-ID), and the audit says so.
            self._record(
                escalation, sending, notification, SENT, None, uncertain=known == ENDING_DATA
            )
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
        sending: _Sending,
        notification: Notification,
        outcome: str,
        problem: str | None,
        *,
        uncertain: bool = False,
    ) -> None:
        """The outcome and its audit entry, in one transaction, once (a retry finds them)."""
        details: dict[str, object] = {
            "deadline": escalation.deadline_id,
            "escalated_to": escalation.notify,
            "role": sending.role,
            "user_id": sending.user_id,
            "message_id": notification.message_id,
        }
        if problem is not None:
            details["problem"] = problem
        if uncertain:
            details["earlier_attempt_may_have_been_accepted"] = True
        record_step(
            self._sessions,
            case_id=escalation.case_id,
            step="notification-sent" if outcome == SENT else "notification-refused",
            key_suffix=sending.notification_id.removeprefix(escalation.case_id + "/"),
            actor=SYSTEM,
            content_sha256=content_sha256(notification.body),
            details=details,
            write=lambda session: sending.write(session, outcome, notification.message_id),
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
