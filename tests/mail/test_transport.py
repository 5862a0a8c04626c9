"""Sending a message through a real SMTP server: accepted, refused for good, refused for now,
and never in clear to a server that should be reached over TLS."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from dutyflow.mail.sink import MailSink, kept_messages
from dutyflow.mail.transport import MailNotSent, MailServer, send_message
from tests.mail.servers import Inbox, LocalAuthority, free_port, local_authority, smtp_server


def a_message() -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Dutyflow <dutyflow@clinic.example>"
    message["To"] = "practitioner@clinic.example"
    message["Subject"] = "A phone report is due"
    message.set_content("Open Dutyflow to see what is due.")
    return message


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> LocalAuthority:
    return local_authority(tmp_path_factory.mktemp("smtp-ca"))


async def test_a_plain_local_server_receives_the_message() -> None:
    inbox = Inbox()
    with smtp_server(inbox) as port:
        await send_message(MailServer("127.0.0.1", port, security="none"), a_message())
    assert [m["Subject"] for m in inbox.accepted] == ["A phone report is due"]


async def test_starttls_upgrades_the_connection_before_sending(authority: LocalAuthority) -> None:
    inbox = Inbox()
    with smtp_server(inbox, starttls=authority.server_context) as port:
        server = MailServer("127.0.0.1", port, security="starttls", ca_file=authority.ca_file)
        await send_message(server, a_message())
    assert len(inbox.accepted) == 1


async def test_tls_from_the_start(authority: LocalAuthority) -> None:
    inbox = Inbox()
    with smtp_server(inbox, implicit_tls=authority.server_context) as port:
        server = MailServer("127.0.0.1", port, security="tls", ca_file=authority.ca_file)
        await send_message(server, a_message())
    assert len(inbox.accepted) == 1


async def test_a_server_without_starttls_is_never_sent_the_message_in_clear() -> None:
    inbox = Inbox()
    with smtp_server(inbox) as port, pytest.raises(MailNotSent) as refused:
        await send_message(MailServer("127.0.0.1", port, security="starttls"), a_message())
    assert refused.value.permanent
    assert inbox.accepted == []


async def test_an_untrusted_certificate_is_not_accepted(authority: LocalAuthority) -> None:
    inbox = Inbox()
    server_context = authority.server_context
    with smtp_server(inbox, starttls=server_context) as port, pytest.raises(MailNotSent) as refused:
        await send_message(MailServer("127.0.0.1", port, security="starttls"), a_message())
    assert not refused.value.permanent
    assert inbox.accepted == []


async def test_a_5xx_refusal_is_permanent_and_does_not_echo_the_reply() -> None:
    inbox = Inbox(reply="550 5.1.1 <practitioner@clinic.example>: no such user")
    with smtp_server(inbox) as port, pytest.raises(MailNotSent) as refused:
        await send_message(MailServer("127.0.0.1", port, security="none"), a_message())
    assert refused.value.permanent
    assert "practitioner@clinic.example" not in str(refused.value)


async def test_a_4xx_refusal_can_be_tried_again() -> None:
    inbox = Inbox(reply="451 4.3.0 try again later")
    with smtp_server(inbox) as port, pytest.raises(MailNotSent) as refused:
        await send_message(MailServer("127.0.0.1", port, security="none"), a_message())
    assert not refused.value.permanent


async def test_no_server_listening_can_be_tried_again() -> None:
    with pytest.raises(MailNotSent) as refused:
        await send_message(MailServer("127.0.0.1", free_port(), security="none"), a_message())
    assert not refused.value.permanent


async def test_the_local_sink_keeps_each_message_as_a_file(tmp_path: Path) -> None:
    sink = MailSink(tmp_path / "mail", port=0)
    sink.start()
    try:
        await send_message(MailServer(sink.host, sink.port, security="none"), a_message())
    finally:
        sink.stop()
    kept = kept_messages(tmp_path / "mail")
    assert [(m.subject, m.to) for m in kept] == [
        ("A phone report is due", "practitioner@clinic.example")
    ]
