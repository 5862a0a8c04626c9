"""A message sealed for one recipient with S/MIME (RFC 8551): the whole MIME entity (body and
attachments) becomes CMS enveloped data, readable only with the private key of the recipient's
certificate; the outer message keeps only its headers (From, To, Subject, Date, Message-ID),
which never carry case content.

What is not here: which agencies take encrypted mail (the agency directory's
``smime_certificate``), sending (`dutyflow.mail.transport`)."""

from __future__ import annotations

import email.policy
from datetime import UTC, datetime
from email.message import EmailMessage

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.serialization import pkcs7

# The outer message's headers: everything else (the content and its MIME headers) is sealed.
OUTER_HEADERS = ("From", "To", "Subject", "Date", "Message-ID")


class CertificateUnusable(ValueError):
    """The recipient's certificate cannot seal a message now (expired, not yet valid)."""


def usable_certificate(pem: str, *, now: datetime | None = None) -> x509.Certificate:
    """The recipient's certificate, if it is valid at ``now``."""
    certificate = x509.load_pem_x509_certificate(pem.encode())
    moment = now or datetime.now(UTC)
    if moment > certificate.not_valid_after_utc:
        raise CertificateUnusable("the agency's S/MIME certificate has expired")
    if moment < certificate.not_valid_before_utc:
        raise CertificateUnusable("the agency's S/MIME certificate is not valid yet")
    return certificate


def enveloped(message: EmailMessage, certificate: x509.Certificate) -> EmailMessage:
    """``message`` sealed for ``certificate``'s holder (AES-256): an
    ``application/pkcs7-mime; smime-type=enveloped-data`` message with the same outer headers."""
    inner = EmailMessage(policy=email.policy.SMTP)
    for name, value in message.items():
        if name not in OUTER_HEADERS and name != "MIME-Version":
            inner[name] = value
    inner.set_payload(message.get_payload())
    sealed = (
        pkcs7.PKCS7EnvelopeBuilder()
        .set_data(inner.as_bytes(policy=email.policy.SMTP))
        .add_recipient(certificate)
        .set_content_encryption_algorithm(algorithms.AES256)
        # Binary: the entity is already canonical (CRLF line ends) and must reach the
        # recipient byte for byte.
        .encrypt(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary])
    )
    outer = EmailMessage()
    for name in OUTER_HEADERS:
        if message[name] is not None:
            outer[name] = message[name]
    outer.set_content(
        sealed,
        maintype="application",
        subtype="pkcs7-mime",
        params={"smime-type": "enveloped-data", "name": "smime.p7m"},
        disposition="attachment",
        filename="smime.p7m",
    )
    return outer
