"""How the intake service checks the signature of a report and signs its acknowledgement callback.

This is the one place that knows the signing scheme (Standard Webhooks,
`dutyflow.crypto.standard_webhooks`: the message id, timestamp and raw body signed with a
per-agency shared secret, several keys accepted while one is rotated): the routes hand it the
raw body and headers of a report, the callback sender asks it for the headers of an
acknowledgement. The messages already accepted are kept in the intake database
(`IntakeSeenMessages`), so a replay is refused even after a restart.

What is not here: the HTTP answer to a refused signature (`dutyflow.intake.deps` turns
`SignatureRefused` into a ``401``), and the secrets themselves (`dutyflow.crypto.signing.
AgencySecrets`, or any lookup of agency id to secret).

Logs name the agency and the problem (a header name), never the body or the secret.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from sqlalchemy import Engine, delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from dutyflow.crypto.standard_webhooks import (
    SIGNATURE_HEADER,
    TOLERANCE_SECONDS,
    SeenMessages,
    SignatureError,
    signed_headers,
    verify,
)
from dutyflow.intake.tables import IntakeSeenMessage, seen_messages_table

logger = logging.getLogger("dutyflow.intake")

SecretLookup = Callable[[str], bytes]
"""An agency id to its shared secret; raises `KeyError` for an agency without one."""

CHALLENGE_HEADER = SIGNATURE_HEADER
"""What a ``401`` names in ``WWW-Authenticate``: the header that carries the signature."""


class SignatureRefused(Exception):
    """A report whose signature is missing, wrong, stale or replayed. The message names the
    header and the problem, never the body."""


class AgencySignatures:
    """Checks the reports an agency receives, and signs the acknowledgements it sends back.

    With ``secrets`` (agency id -> shared secret), every report must carry a fresh, valid
    signature that was not seen before, and every callback is signed; without it, neither is.
    """

    def __init__(self, secrets: SecretLookup | None, seen: SeenMessages) -> None:
        self._secrets = secrets
        self._seen = seen

    @property
    def required(self) -> bool:
        """Whether reports must be signed (and callbacks are)."""
        return self._secrets is not None

    def check_report(self, agency_id: str, headers: Mapping[str, str], body: bytes) -> None:
        """Accept a report's raw ``body`` and ``headers``, or raise `SignatureRefused`.

        Call it before the body is parsed or stored: nothing unsigned gets that far.
        """
        if self._secrets is None:
            return
        try:
            secret = self._secrets(agency_id)
        except KeyError:
            logger.warning("no shared secret configured agency=%s", agency_id)
            raise SignatureRefused(
                f"{SIGNATURE_HEADER}: no shared secret is configured for this agency"
            ) from None
        try:
            verify(secret, headers, body, self._seen)
        except SignatureError as err:
            logger.warning("signature refused agency=%s problem=%s", agency_id, err)
            raise SignatureRefused(str(err)) from None

    def callback_signer(self, agency_id: str, message_id: str) -> CallbackSigner:
        """What signs one acknowledgement callback (``message_id``: the same on every attempt);
        raises `KeyError` when signatures are required and the agency has no secret."""
        secret = self._secrets(agency_id) if self._secrets is not None else None
        return CallbackSigner(secret, message_id)


class CallbackSigner:
    """The signature headers of one acknowledgement callback (none when signing is off)."""

    def __init__(self, secret: bytes | None, message_id: str) -> None:
        self._secret = secret
        self._message_id = message_id

    def headers(self, body: bytes, timestamp: int) -> dict[str, str]:
        """The headers that sign ``body`` as sent at ``timestamp`` (unix seconds)."""
        if self._secret is None:
            return {}
        return signed_headers(self._secret, self._message_id, body, now=timestamp)


class IntakeSeenMessages:
    """The signed reports already accepted, in the intake database; pairs older than twice the
    signing tolerance are deleted as new ones arrive."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def first_sighting(self, message_id: str, timestamp: int, now: float) -> bool:
        try:
            with Session(self._engine) as session, session.begin():
                session.execute(
                    delete(seen_messages_table).where(
                        seen_messages_table.c.timestamp < int(now) - 2 * TOLERANCE_SECONDS
                    )
                )
                session.add(IntakeSeenMessage(message_id=message_id, timestamp=timestamp))
        except IntegrityError:
            return False
        return True
