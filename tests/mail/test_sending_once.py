"""An escalation's message is sent once even when its sender dies mid-way: the message's row is
marked before the end of its data and as soon as the server accepts it, so a retry never sends
an accepted message again (even when its audit entry was never written), and a retry after a
death in the one window SMTP leaves open (the end of the data sent, no answer read) sends again
with the same Message-ID and says so in the audit. Real SMTP server over TCP; no Temporal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from dutyflow.auth.notification_preferences import set_notification_preferences
from dutyflow.contracts import EscalationInput, EscalationNotice
from dutyflow.mail.transport import MailNotSent, MailServer
from dutyflow.notifications import escalation
from dutyflow.notifications.escalation import EscalationNotifier, MailSettings
from dutyflow.store import audit_log
from dutyflow.store.db import SessionFactory
from dutyflow.store.tables import NotificationSent
from tests.auth.test_codec_server import open_case
from tests.mail.servers import Inbox, smtp_server


class SenderDied(BaseException):
    """The process killed: not an exception the sender could handle."""


def a_phone_report_escalation(sessions: SessionFactory) -> tuple[EscalationNotice, str]:
    case = open_case(sessions)
    address = f"{case.practitioner_id}@clinic.example"
    set_notification_preferences(
        sessions, case.practitioner_id, email=address, notify_by_email=True
    )
    now = datetime.now(UTC)
    request = EscalationInput(
        case_id=case.case_id,
        deadline_id="phone-report",
        notify="practitioner",
        due_at=now + timedelta(minutes=10),
        escalated_at=now,
    )
    return EscalationNotice(escalation=request, kind="phone-report"), address


def notifier(sessions: SessionFactory, port: int) -> EscalationNotifier:
    server = MailServer("127.0.0.1", port, security="none")
    return EscalationNotifier(
        sessions, MailSettings(server, "Dutyflow <dutyflow@clinic.example>", "http://app")
    )


def sent_entries(sessions: SessionFactory, case_id: str) -> list[dict[str, object]]:
    with sessions() as session:
        return [
            e.details
            for e in audit_log.entries_for_case(session, case_id)
            if e.step == "notification-sent"
        ]


async def test_a_message_accepted_before_its_sender_died_is_never_sent_again(
    sessions: SessionFactory, monkeypatch
) -> None:
    notice, address = a_phone_report_escalation(sessions)
    inbox = Inbox()
    real_record_step = escalation.record_step

    def dies_before_the_audit(*args: object, **kwargs: object) -> None:
        raise SenderDied

    with smtp_server(inbox) as port:
        monkeypatch.setattr(escalation, "record_step", dies_before_the_audit)
        with pytest.raises(SenderDied):
            await notifier(sessions, port).notify(notice, lambda: None)
        assert [str(m["To"]) for m in inbox.accepted] == [address]

        monkeypatch.setattr(escalation, "record_step", real_record_step)
        retried = await notifier(sessions, port).notify(notice, lambda: None)

    assert retried.told == ["practitioner"]
    assert [str(m["To"]) for m in inbox.accepted] == [address]  # still the one message
    [entry] = sent_entries(sessions, notice.escalation.case_id)
    assert "earlier_attempt_may_have_been_accepted" not in entry


async def test_a_sender_dead_after_the_end_of_its_data_sends_again_and_the_audit_says_so(
    sessions: SessionFactory, monkeypatch
) -> None:
    notice, address = a_phone_report_escalation(sessions)
    inbox = Inbox()
    real_mark = escalation._Sending.mark

    def dies_once_the_intent_is_written(self, outcome: str, message_id: str) -> None:  # type: ignore[no-untyped-def]
        real_mark(self, outcome, message_id)
        if outcome == escalation.ENDING_DATA:
            raise SenderDied

    with smtp_server(inbox) as port:
        monkeypatch.setattr(escalation._Sending, "mark", dies_once_the_intent_is_written)
        with pytest.raises(SenderDied):
            await notifier(sessions, port).notify(notice, lambda: None)
        assert inbox.accepted == []  # dropped before its end: the server discarded it
        with sessions() as session:
            [row] = session.exec(
                select(NotificationSent).where(
                    col(NotificationSent.case_id) == notice.escalation.case_id
                )
            ).all()
            assert row.outcome == "ending-data"

        monkeypatch.setattr(escalation._Sending, "mark", real_mark)
        await notifier(sessions, port).notify(notice, lambda: None)

    [message] = inbox.accepted
    assert str(message["To"]) == address
    [entry] = sent_entries(sessions, notice.escalation.case_id)
    assert entry["earlier_attempt_may_have_been_accepted"] is True
    assert entry["message_id"] == message["Message-ID"]


async def test_an_end_of_data_refused_for_now_leaves_no_doubt_for_the_retry(
    sessions: SessionFactory,
) -> None:
    notice, _address = a_phone_report_escalation(sessions)
    inbox = Inbox(reply="451 4.3.0 try again later")
    with smtp_server(inbox) as port:
        with pytest.raises(MailNotSent):
            await notifier(sessions, port).notify(notice, lambda: None)
        inbox.reply = "250 OK"
        await notifier(sessions, port).notify(notice, lambda: None)

    assert len(inbox.accepted) == 1
    [entry] = sent_entries(sessions, notice.escalation.case_id)
    assert "earlier_attempt_may_have_been_accepted" not in entry
