"""Real SMTP servers for the tests (aiosmtpd over TCP on loopback): one that keeps what it
accepts, one that answers with a chosen reply, each plain, with STARTTLS, or TLS from the start,
under a certificate from a test authority made for the session."""

from __future__ import annotations

import datetime
import email
import email.policy
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import Envelope, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Inbox:
    """What the server accepted, and how it answers the next messages."""

    accepted: list[EmailMessage] = field(default_factory=list)
    reply: str = "250 OK"

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope) -> str:
        if self.reply.startswith("250"):
            message = email.message_from_bytes(
                envelope.original_content or b"", policy=email.policy.default
            )
            self.accepted.append(message)  # type: ignore[arg-type]
        return self.reply


@dataclass(frozen=True)
class LocalAuthority:
    ca_file: Path
    server_context: ssl.SSLContext


def local_authority(directory: Path) -> LocalAuthority:
    """A certificate authority and a certificate for 127.0.0.1 signed by it."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Dutyflow test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    ca_file = directory / "ca.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file, key_file = directory / "server.pem", directory / "server.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return LocalAuthority(ca_file, context)


@contextmanager
def smtp_server(
    inbox: Inbox,
    *,
    starttls: ssl.SSLContext | None = None,
    implicit_tls: ssl.SSLContext | None = None,
) -> Iterator[int]:
    """A real SMTP server on a free loopback port for the length of the block; yields the port.
    ``starttls``: offered and required before mail; ``implicit_tls``: TLS from the start."""
    port = free_port()
    server_kwargs: dict[str, Any] = {}
    if starttls is not None:
        server_kwargs = {"tls_context": starttls, "require_starttls": True}
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        ssl_context=implicit_tls,
        ready_timeout=10,
        **server_kwargs,
    )
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@dataclass(frozen=True)
class MailRecipientKey:
    """A recipient's S/MIME certificate (PEM) and the private key that opens what is sealed
    for it."""

    certificate_pem: str
    certificate: x509.Certificate
    private_key: rsa.RSAPrivateKey


def mail_recipient_key(
    address: str, *, valid_for: datetime.timedelta = datetime.timedelta(days=30)
) -> MailRecipientKey:
    """A self-signed RSA certificate for ``address``, valid from a day ago for ``valid_for``
    (negative: already expired)."""
    now = datetime.datetime.now(datetime.UTC)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.EMAIL_ADDRESS, address)])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1) + min(valid_for, datetime.timedelta()))
        .not_valid_after(now + valid_for)
        .sign(key, hashes.SHA256())
    )
    pem = certificate.public_bytes(serialization.Encoding.PEM).decode()
    return MailRecipientKey(pem, certificate, key)
