"""Signing and checking messages by the Standard Webhooks specification
(https://www.standardwebhooks.com, "Signature scheme"), the scheme of the intake-api channel.

Every message carries three headers:

    webhook-id:        the message's id (the same on every retry of the same message)
    webhook-timestamp: unix seconds when this attempt was signed
    webhook-signature: "v1,<base64 HMAC-SHA256(key, '<id>.<timestamp>.<body>')>", several
                       separated by spaces (one per key, while a secret is being rotated)

A shared secret is written ``whsec_<base64 key>``; an agency's configured secret may hold several,
separated by spaces: the first signs, any of them verifies, so a secret can be rotated without a
gap. (A secret not written ``whsec_...`` is a key from before this scheme: its bytes, whole, are
the key.)

Replay protection: a message must be signed within `TOLERANCE_SECONDS` of now, and the same
(id, timestamp) pair is accepted once (`SeenMessages`, kept in a database so that a restart
does not forget it). A genuine retry is signed again, with a new timestamp.

What is not here: where secrets come from (`dutyflow.crypto.signing.AgencySecrets`) and where
seen messages are kept (`dutyflow.store.seen_messages`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
SECRET_PREFIX = "whsec_"
TOLERANCE_SECONDS = 300
MESSAGE_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")


class SignatureError(ValueError):
    """The message names the header and the problem, never the body or a secret."""


@dataclass(frozen=True)
class VerifiedMessage:
    message_id: str
    timestamp: int


class SeenMessages(Protocol):
    """Remembers the (id, timestamp) pairs already accepted, at least for the tolerance window."""

    def first_sighting(self, message_id: str, timestamp: int, now: float) -> bool:
        """Record the pair; False if it was already recorded (a replay)."""
        ...


def signing_keys(secret: bytes) -> list[bytes]:
    """The keys of a configured secret, the signing one first (see the module's docstring)."""
    tokens = secret.split()
    if not tokens:
        raise SignatureError("secret: empty")
    if not all(t.startswith(SECRET_PREFIX.encode()) for t in tokens):
        return [secret]  # a key written before this scheme: its bytes, whole
    keys = []
    for token in tokens:
        try:
            key = base64.b64decode(token[len(SECRET_PREFIX) :] + b"==")
        except (binascii.Error, ValueError):
            raise SignatureError("secret: a whsec_ secret must be base64") from None
        if not key:
            raise SignatureError("secret: empty")
        keys.append(key)
    return keys


def new_secret(key: bytes) -> str:
    """A secret written as the specification writes it."""
    return SECRET_PREFIX + base64.b64encode(key).decode()


def signature(key: bytes, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(
    secret: bytes, message_id: str, body: bytes, now: float | None = None
) -> dict[str, str]:
    """The three headers of a message, signed with the secret's first key."""
    if not MESSAGE_ID.match(message_id):
        raise SignatureError(f"{ID_HEADER}: not a message id")
    timestamp = int(now if now is not None else time.time())
    key = signing_keys(secret)[0]
    return {
        ID_HEADER: message_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(key, message_id, timestamp, body),
    }


def verify(
    secret: bytes,
    headers: Mapping[str, str],
    body: bytes,
    seen: SeenMessages | None = None,
    now: float | None = None,
) -> VerifiedMessage:
    """Check a message's headers against its raw ``body``: fresh, signed by one of the secret's
    keys (any of the signatures presented), and not seen before (with ``seen``)."""
    lowered = {name.lower(): value for name, value in headers.items()}
    message_id = lowered.get(ID_HEADER)
    stamp = lowered.get(TIMESTAMP_HEADER)
    presented = lowered.get(SIGNATURE_HEADER)
    if not message_id or not MESSAGE_ID.match(message_id):
        raise SignatureError(f"{ID_HEADER}: missing or not a message id")
    if not stamp or not re.fullmatch(r"[0-9]{1,12}", stamp):
        raise SignatureError(f"{TIMESTAMP_HEADER}: missing or not a unix time")
    if not presented:
        raise SignatureError(f"{SIGNATURE_HEADER}: missing")
    timestamp = int(stamp)
    current = now if now is not None else time.time()
    if abs(current - timestamp) > TOLERANCE_SECONDS:
        raise SignatureError(f"{TIMESTAMP_HEADER}: outside the {TOLERANCE_SECONDS} s window")
    expected = {signature(k, message_id, timestamp, body) for k in signing_keys(secret)}
    offered = [s for s in presented.split(" ") if s.startswith("v1,")]
    if not any(hmac.compare_digest(e, o) for e in expected for o in offered):
        raise SignatureError(f"{SIGNATURE_HEADER}: does not match")
    if seen is not None and not seen.first_sighting(message_id, timestamp, current):
        raise SignatureError(f"{ID_HEADER}: this message was already received (replay)")
    return VerifiedMessage(message_id=message_id, timestamp=timestamp)
