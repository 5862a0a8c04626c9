"""The mail server the settings name: ``DUTYFLOW_SMTP_*``, or in development (no SMTP host set)
the embedded stack's local mail sink on loopback."""

from __future__ import annotations

from pathlib import Path

from dutyflow.mail.transport import MailServer
from dutyflow.settings import Settings


def uses_local_sink(settings: Settings) -> bool:
    return settings.smtp_host is None and settings.environment == "development"


def configured_mail_server(settings: Settings) -> MailServer | None:
    """Where Dutyflow hands its messages; None only where no server is configured at all (a
    production configuration is refused without one, see `Settings`)."""
    if settings.smtp_host is not None:
        return MailServer(
            host=settings.smtp_host,
            port=settings.smtp_port,
            security=settings.smtp_security,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            ca_file=settings.smtp_ca_file,
        )
    if uses_local_sink(settings):
        return MailServer(host="127.0.0.1", port=settings.mail_sink_port, security="none")
    return None


def local_sink_directory(settings: Settings) -> Path:
    """Where the local sink keeps each message it accepts."""
    return settings.data_dir / "mail"
