"""S/MIME for agencies that read encrypted mail: an agency's certificate must be one that can
seal a message (an X.509 certificate with an RSA key, on the e-mail channel), and an expired
certificate seals nothing; a sealed message keeps only content-free headers outside and opens,
with the agency's key, to the very message that was sealed."""

from __future__ import annotations

import datetime
import email
import email.policy
from email.message import EmailMessage

import pytest
from cryptography.hazmat.primitives.serialization import pkcs7
from pydantic import ValidationError

from dutyflow.domain.agencies import Agency
from dutyflow.mail.smime import CertificateUnusable, enveloped, usable_certificate
from tests.mail.servers import mail_recipient_key

pytestmark = pytest.mark.one_database

ADDRESS = "intake@agency.example.org"


def email_agency(**changes: object) -> Agency:
    values: dict[str, object] = {
        "id": "demo-county-cws",
        "name": "Demo County Child Welfare Services",
        "role": "county-child-welfare",
        "county": "Demo County",
        "channel": "email",
        "channels": [
            {
                "kind": "email",
                "address": ADDRESS,
                "source": "fictional agency for the tests",
                "source_status": "to-confirm",
            }
        ],
    }
    values.update(changes)
    return Agency.model_validate(values)


def test_an_agency_certificate_must_be_a_pem_certificate() -> None:
    with pytest.raises(ValidationError, match=r"must be an X\.509 certificate in PEM form"):
        email_agency(smime_certificate="-----BEGIN CERTIFICATE-----\nnot one\n")


def test_only_an_agency_delivered_by_email_gives_a_certificate() -> None:
    certificate = mail_recipient_key(ADDRESS).certificate_pem
    assert email_agency(smime_certificate=certificate).smime_certificate == certificate
    with pytest.raises(ValidationError, match="smime_certificate: only an agency delivered by"):
        email_agency(smime_certificate=certificate, channel="intake-api")


def test_an_expired_certificate_seals_nothing() -> None:
    expired = mail_recipient_key(ADDRESS, valid_for=-datetime.timedelta(days=1))
    with pytest.raises(CertificateUnusable, match="expired"):
        usable_certificate(expired.certificate_pem)


def test_a_sealed_message_opens_with_the_agency_key_to_the_message_that_was_sealed() -> None:
    key = mail_recipient_key(ADDRESS)
    message = EmailMessage()
    message["From"] = "dutyflow@clinic.example.org"
    message["To"] = ADDRESS
    message["Subject"] = "Report r-1: SS 8572"
    message["Message-ID"] = "<report-r-1@clinic.example.org>"
    message.set_content("Enclosed: a report.\n")
    message.add_attachment(b"%PDF-1.7 the report", maintype="application", subtype="pdf")

    sealed = enveloped(message, usable_certificate(key.certificate_pem))

    assert [(n, sealed[n]) for n in ("From", "To", "Subject", "Message-ID")] == [
        (n, message[n]) for n in ("From", "To", "Subject", "Message-ID")
    ]
    assert b"Enclosed" not in sealed.as_bytes() and b"%PDF" not in sealed.as_bytes()
    opened = email.message_from_bytes(
        pkcs7.pkcs7_decrypt_der(sealed.get_content(), key.certificate, key.private_key, []),
        policy=email.policy.default,
    )
    # Canonical MIME inside the envelope: CRLF line ends.
    assert opened.get_body(("plain",)).get_content() == "Enclosed: a report.\r\n"
    [attachment] = list(opened.iter_attachments())
    assert attachment.get_content() == b"%PDF-1.7 the report"
    other = mail_recipient_key("someone@else.example.org")
    with pytest.raises(ValueError):
        pkcs7.pkcs7_decrypt_der(sealed.get_content(), other.certificate, other.private_key, [])
