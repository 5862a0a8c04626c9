"""The intake-api channel's signatures follow the Standard Webhooks specification: checked
against the specification's reference implementation (the ``standardwebhooks`` package), each
signing and the other verifying."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from dutyflow.crypto.standard_webhooks import (
    SIGNATURE_HEADER,
    SignatureError,
    new_secret,
    signed_headers,
    verify,
)

BODY = b'{"report_id": "rpt-0001", "fields": {"county": "Demo County"}}'


class Remembered:
    def __init__(self) -> None:
        self.pairs: set[tuple[str, int]] = set()

    def first_sighting(self, message_id: str, timestamp: int, now: float) -> bool:
        if (message_id, timestamp) in self.pairs:
            return False
        self.pairs.add((message_id, timestamp))
        return True


def test_what_dutyflow_signs_the_reference_implementation_verifies() -> None:
    secret = new_secret(os.urandom(32))
    headers = signed_headers(secret.encode(), "msg_rpt-0001", BODY)
    Webhook(secret).verify(BODY, headers, json_parse=False)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret(os.urandom(32))).verify(BODY, headers, json_parse=False)


def test_what_the_reference_implementation_signs_dutyflow_verifies() -> None:
    secret = new_secret(os.urandom(32))
    now = datetime.now(UTC)
    stamp = int(now.timestamp())
    headers = {
        "webhook-id": "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W",
        "webhook-timestamp": str(stamp),
        "webhook-signature": Webhook(secret).sign(
            "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", now, BODY.decode()
        ),
    }
    verified = verify(secret.encode(), headers, BODY)
    assert (verified.message_id, verified.timestamp) == ("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", stamp)
    with pytest.raises(SignatureError, match=f"^{SIGNATURE_HEADER}: does not match"):
        verify(secret.encode(), headers, BODY + b" ")


def test_a_rotated_secret_verifies_with_either_key_and_signs_with_the_new_one() -> None:
    old, new = new_secret(os.urandom(32)), new_secret(os.urandom(32))
    rotating = f"{new} {old}".encode()
    by_old_sender = signed_headers(old.encode(), "msg_1", BODY)
    verify(rotating, by_old_sender, BODY)
    signed = signed_headers(rotating, "msg_2", BODY)
    Webhook(new).verify(BODY, signed, json_parse=False)
    # A sender that signs with both keys at once: one signature per key, space-separated.
    both = dict(by_old_sender)
    both[SIGNATURE_HEADER] = (
        signed_headers(new.encode(), "msg_1", BODY, now=int(by_old_sender["webhook-timestamp"]))[
            SIGNATURE_HEADER
        ]
        + " "
        + by_old_sender[SIGNATURE_HEADER]
    )
    verify(new.encode(), both, BODY)
    Webhook(old).verify(BODY, both, json_parse=False)


def test_a_stale_or_replayed_message_is_refused() -> None:
    secret = new_secret(os.urandom(32)).encode()
    stale = signed_headers(secret, "msg_1", BODY, now=time.time() - 301)
    with pytest.raises(SignatureError, match=r"^webhook-timestamp: outside"):
        verify(secret, stale, BODY)
    seen = Remembered()
    fresh = signed_headers(secret, "msg_1", BODY)
    verify(secret, fresh, BODY, seen)
    with pytest.raises(SignatureError, match=r"^webhook-id: .*replay"):
        verify(secret, fresh, BODY, seen)
    # A genuine retry of the same message is signed again, one second later: accepted.
    retry = signed_headers(secret, "msg_1", BODY, now=int(fresh["webhook-timestamp"]) + 1)
    verify(secret, retry, BODY, seen, now=time.time() + 1)


def test_a_refusal_names_the_header_never_the_body_or_secret() -> None:
    secret = new_secret(os.urandom(32))
    with pytest.raises(SignatureError) as refused:
        verify(secret.encode(), {"webhook-id": "msg_1"}, BODY)
    assert str(refused.value) == "webhook-timestamp: missing or not a unix time"
    assert secret not in str(refused.value) and "Demo County" not in str(refused.value)
