"""Sending one message through an SMTP server: plain only to a local sink, STARTTLS or TLS from
the start otherwise, with the server's certificate checked. A refusal says whether trying again
can help (a 4xx reply, a lost connection) or not (a 5xx reply: the address or message is refused).

The server's replies are never repeated in errors or logs: they can echo an address."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
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


def _send(server: MailServer, message: EmailMessage) -> None:
    try:
        with _connect(server) as connection:
            if server.username:
                connection.login(server.username, server.password or "")
            refused = connection.send_message(message)
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
    if refused:
        raise MailNotSent("the server refused a recipient", permanent=True)


async def send_message(server: MailServer, message: EmailMessage) -> None:
    """Hand ``message`` to ``server``; returns once the server has accepted it (its final reply
    to the message's data), raises `MailNotSent` otherwise."""
    await asyncio.to_thread(_send, server, message)
