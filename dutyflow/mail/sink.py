"""The embedded stack's local mail sink: an SMTP server on loopback that accepts every message
and keeps it as a file under the data directory (``mail/``), so a newcomer running
``dutyflow up`` sees each notification without a mail server. Development only.

Messages are kept in arrival order, one ``.eml`` file each; Dutyflow's messages carry no case
content (who must do what, by when, and a link), so the files hold none either."""

from __future__ import annotations

import email
import email.policy
import itertools
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import Envelope, Session


@dataclass(frozen=True)
class KeptMessage:
    file: Path
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"] or "")

    @property
    def to(self) -> str:
        return str(self.message["To"] or "")

    @property
    def received_at(self) -> datetime:
        """When the sink accepted it: the nanoseconds its file name starts with."""
        return datetime.fromtimestamp(int(self.file.name.split("-", 1)[0]) / 1e9, UTC)

    @property
    def body(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""  # type: ignore[attr-defined]


class _KeepEveryMessage:
    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._counter = itertools.count()

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope) -> str:
        name = f"{time.time_ns():020d}-{next(self._counter):06d}.eml"
        content = envelope.original_content or b""
        partial = self._directory / f".{name}.part"
        partial.write_bytes(content)
        partial.rename(self._directory / name)  # a reader never sees half a message
        return "250 Message accepted for delivery"


class MailSink:
    """``start()`` listens on ``host:port`` (0 picks a free port: see ``port`` afterwards)."""

    def __init__(self, directory: Path, *, host: str = "127.0.0.1", port: int = 8025) -> None:
        self.directory = directory
        self.host = host
        self.port = port or _free_port(host)
        self._controller = Controller(
            _KeepEveryMessage(directory), hostname=host, port=self.port, ready_timeout=10
        )

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def kept_messages(directory: Path) -> list[KeptMessage]:
    """Every message the sink kept in ``directory``, oldest first (the outbox page lists them,
    `dutyflow.api.routes.me`)."""
    if not directory.is_dir():
        return []
    return [
        KeptMessage(
            file,
            email.message_from_bytes(file.read_bytes(), policy=email.policy.default),  # type: ignore[arg-type]
        )
        for file in sorted(directory.glob("*.eml"))
    ]
