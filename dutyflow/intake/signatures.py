"""How the intake service checks the signature of a report and signs its acknowledgement callback.

This is the one place that knows the signing scheme (today `dutyflow.crypto.signing`: HMAC-SHA256
over a timestamp and the raw body, with a per-agency shared secret): the routes hand it the raw
body and headers of a report, the callback sender asks it for the headers of an acknowledgement.
Moving to another scheme (for example Standard Webhooks) means changing this module, not the
routes or the sender.

What is not here: the HTTP answer to a refused signature (`dutyflow.intake.deps` turns
`SignatureRefused` into a ``401``), and the secrets themselves (`dutyflow.crypto.signing.
AgencySecrets`, or any lookup of agency id to secret).

Logs name the agency and the problem (a header name), never the body or the secret.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from dutyflow.crypto.signing import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    ReplayGuard,
    SignatureError,
    signed_headers,
    verify,
)

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

    def __init__(self, secrets: SecretLookup | None, replays: ReplayGuard | None = None) -> None:
        self._secrets = secrets
        self._replays = replays or ReplayGuard()

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
        presented = headers.get(SIGNATURE_HEADER)
        try:
            stamp = verify(secret, body, headers.get(TIMESTAMP_HEADER), presented)
            assert presented is not None  # verify refuses a missing signature
            self._replays.check(presented, stamp)
        except SignatureError as err:
            logger.warning("signature refused agency=%s problem=%s", agency_id, err)
            raise SignatureRefused(str(err)) from None

    def callback_signer(self, agency_id: str) -> CallbackSigner:
        """What signs the agency's acknowledgement callbacks; raises `KeyError` when signatures
        are required and the agency has no secret."""
        secret = self._secrets(agency_id) if self._secrets is not None else None
        return CallbackSigner(secret)


class CallbackSigner:
    """The signature headers of one acknowledgement callback (none when signing is off)."""

    def __init__(self, secret: bytes | None) -> None:
        self._secret = secret

    def headers(self, body: bytes, timestamp: int) -> dict[str, str]:
        """The headers that sign ``body`` as sent at ``timestamp`` (unix seconds)."""
        if self._secret is None:
            return {}
        return signed_headers(self._secret, body, now=timestamp)
