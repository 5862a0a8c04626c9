"""The message a user asks for from their account, to see that Dutyflow's notifications reach
them: sent to their address through the configured mail server, saying nothing of any case."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime

from dutyflow.mail.transport import MailNotSent, send_message
from dutyflow.notifications.escalation import MailSettings


async def send_test_message(mail: MailSettings, address: str) -> None:
    """Raises `MailNotSent` when no mail server is configured or the server refuses."""
    if mail.server is None:
        raise MailNotSent("no mail server is configured", permanent=True)
    message = EmailMessage()
    message["From"] = mail.sender
    message["To"] = address
    message["Subject"] = "Dutyflow: your test message"
    message["Message-ID"] = f"<test.{uuid.uuid4().hex}@{mail.domain}>"
    message["Date"] = format_datetime(datetime.now(UTC))
    message.set_content(
        "This is the test message you asked for. Dutyflow's notifications (a deadline about to "
        "pass, escalated to you) will reach you at this address.\n"
    )
    await send_message(mail.server, message)
