"""Sending one message through an SMTP server: plain only to a local sink, STARTTLS or TLS from
the start otherwise, with the server's certificate checked. A refusal says whether trying again
can help (a 4xx reply, a lost connection) or not (a 5xx reply: the address or message is refused).

The server's replies are never repeated in errors or logs: they can echo an address.

A server takes a message when it answers the end of its data (the line holding one ``.``): before
that line is sent, dropping the connection discards the message. `SendingMarks` lets the sender
record, durably, the moment just before that line and the moment the server accepted, so a sender
killed in between knows what may have happened (`dutyflow.notifications.escalation`)."""

from __future__ import annotations

import asyncio
import re
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Literal

Security = Literal["starttls", "tls", "none"]
TIMEOUT_SECONDS = 30.0


class MailNotSent(Exception):
    """The message was not accepted. ``permanent``: the server refused it for good (a 5xx reply),
    so sending it again cannot help; otherwise (a 4xx reply, no connection, TLS failure) it can."""

    def __init__(self, problem: str, *, permanent: bool) -> None:
        super().__init__(problem)
        self.permanent = permanent


@dataclass(frozen=True)
class MailServer:
    host: str
    port: int
    security: Security = "starttls"
    username: str | None = None
    password: str | None = None
    ca_file: Path | None = None
    timeout: float = TIMEOUT_SECONDS

    def tls_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_file) if self.ca_file else None)


def _connect(server: MailServer) -> smtplib.SMTP:
    if server.security == "tls":
        return smtplib.SMTP_SSL(
            server.host, server.port, timeout=server.timeout, context=server.tls_context()
        )
    connection = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
    if server.security == "starttls":
        connection.starttls(context=server.tls_context())
    return connection


def _nothing() -> None:
    return None


@dataclass(frozen=True)
class SendingMarks:
    """Called in the sending thread: ``before_end_of_data`` once the server has the whole
    message but the line that ends it (a crash before it returns sends nothing);
    ``accepted`` as soon as the server has accepted the message, before the connection is
    closed; ``not_accepted`` when the server answered the end of the data with a refusal. An
    exception from any of them stops the sending (and is raised as it is)."""

    before_end_of_data: Callable[[], None] = _nothing
    accepted: Callable[[], None] = _nothing
    not_accepted: Callable[[], None] = _nothing


_BARE_LINE_ENDS = re.compile(rb"\r\n|\n|\r")
_LEADING_DOT = re.compile(rb"(?m)^\.")


def _data_lines(message: EmailMessage) -> bytes:
    """The message as SMTP's DATA carries it: CRLF line ends, a leading dot doubled
    (RFC 5321 4.5.2), ending with CRLF; without the end-of-data line."""
    data = _BARE_LINE_ENDS.sub(b"\r\n", message.as_bytes())
    data = _LEADING_DOT.sub(b"..", data)
    return data if data.endswith(b"\r\n") else data + b"\r\n"


def _transact(connection: smtplib.SMTP, message: EmailMessage, marks: SendingMarks) -> None:
    """MAIL, RCPT, DATA step by step (what ``SMTP.send_message`` does in one call), so that
    ``marks`` are called at the two moments that matter."""
    sender = message["Sender"] or message["From"]
    recipients = [str(message["To"])]
    connection.ehlo_or_helo_if_needed()
    code, reply = connection.mail(str(sender))
    if code != 250:
        connection.rset()
        raise smtplib.SMTPSenderRefused(code, reply, str(sender))
    refused = {}
    for address in recipients:
        code, reply = connection.rcpt(address)
        if code not in (250, 251):
            refused[address] = (code, reply)
    if refused:
        connection.rset()
        raise smtplib.SMTPRecipientsRefused(refused)
    code, reply = connection.docmd("DATA")
    if code != 354:
        connection.rset()
        raise smtplib.SMTPDataError(code, reply)
    connection.send(_data_lines(message))
    try:
        marks.before_end_of_data()
    except BaseException:
        # Dropped without the end-of-data line (and without QUIT, which the server would take
        # for more data): the server discards the message.
        connection.close()
        raise
    connection.send(b".\r\n")
    code, reply = connection.getreply()
    if code != 250:
        marks.not_accepted()
        raise smtplib.SMTPDataError(code, reply)
    marks.accepted()


def _send(server: MailServer, message: EmailMessage, marks: SendingMarks) -> None:
    try:
        with _connect(server) as connection:
            if server.username:
                connection.login(server.username, server.password or "")
            _transact(connection, message, marks)
    except smtplib.SMTPRecipientsRefused as err:
        codes = [code for code, _reply in err.recipients.values()]
        raise MailNotSent(
            "the server refused every recipient", permanent=all(c >= 500 for c in codes)
        ) from None
    except smtplib.SMTPResponseException as err:
        raise MailNotSent(
            f"the server answered {err.smtp_code}", permanent=err.smtp_code >= 500
        ) from None
    except smtplib.SMTPNotSupportedError:
        raise MailNotSent("the server does not offer STARTTLS", permanent=True) from None
    except (smtplib.SMTPException, OSError) as err:  # connection, TLS, time-out
        raise MailNotSent(f"no delivery: {type(err).__name__}", permanent=False) from None


async def send_message(
    server: MailServer, message: EmailMessage, marks: SendingMarks | None = None
) -> None:
    """Hand ``message`` (to its one ``To`` address) to ``server``; returns once the server has
    accepted it (its final reply to the message's data), raises `MailNotSent` otherwise."""
    await asyncio.to_thread(_send, server, message, marks or SendingMarks())
