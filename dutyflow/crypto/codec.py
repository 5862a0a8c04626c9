"""AES-256-GCM payload codec: Temporal stores only ciphertext of case content.

Every payload (workflow input, Update arguments, activity inputs and results, query results,
failure messages via the encoded-attributes failure converter) is encrypted before it leaves the
process. The key id travels in the payload metadata so a reader knows which key to ask for.

A payload of a case (the SDK's serialization context names the case's workflow) is encrypted
with **that case's data key** from the `CaseKeyring` (key id ``case``): destroying the case key
makes the case's whole history unreadable (crypto-shredding). Payloads outside any case (and
every payload when no keyring is given) are encrypted with the newest master key; older master
keys still decrypt.

Decoding for a case (that serialization context) is strict: a payload that is not encrypted, or
not bound to that very case, is never taken in. It is replaced by a *refused* payload, which
`RefusedPayloadConverter` turns into a non-retryable `PayloadRefused` error (an Update carrying
it is rejected, nothing recorded), and the codec's ``on_refusal`` is told (the worker audits it).
A client that reaches Temporal without Dutyflow's keys cannot hand a case anything.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import os
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import (
    ActivitySerializationContext,
    EncodingPayloadConverter,
    PayloadCodec,
    SerializationContext,
    WithSerializationContext,
    WorkflowSerializationContext,
)
from temporalio.exceptions import ApplicationError

from dutyflow.crypto.keyring import (
    CaseKeyring,
    KeyringError,
    decode_key,
    key_id,
    load_or_create_key,
)

__all__ = [
    "EncryptionCodec",
    "PayloadKeyError",
    "PayloadRefusal",
    "RefusedPayloadConverter",
    "decode_key",
    "key_id",
    "load_or_create_key",
]

ENCODING = b"binary/encrypted"
KEY_ID_METADATA = "encryption-key-id"
CASE_METADATA = "dutyflow-case"
CASE_KEY_ID = b"case"  # the key is the data key of the case the payload names
REFUSED_ENCODING = b"binary/dutyflow-refused"

# Told of each payload refused for a case: (case id, reason, sha256 of the payload as received).
PayloadRefusal = Callable[[str, str, str], Awaitable[None]]


class RefusedPayloadConverter(EncodingPayloadConverter):
    """Turns a payload the codec refused into a non-retryable error, never a value."""

    @property
    def encoding(self) -> str:
        return REFUSED_ENCODING.decode()

    def to_payload(self, value: Any) -> Payload | None:
        return None

    def from_payload(self, payload: Payload, type_hint: type | None = None) -> Any:
        raise ApplicationError(
            "payload refused: not encrypted and bound to this case by Dutyflow",
            type="PayloadRefused",
            non_retryable=True,
        )


class PayloadKeyError(ValueError):
    """A payload cannot be decrypted: unknown key, or its case's key destroyed."""


class EncryptionCodec(PayloadCodec, WithSerializationContext):
    """Encrypts case payloads with the case's data key, others with the first master key;
    decrypts with whichever key the payload names.

    Given the serialization context of a case's workflow (the SDK passes it for workflow inputs,
    Updates, queries, activity inputs and results), each payload is bound to its case: the case
    id goes into the metadata and is authenticated as AES-GCM associated data, so a payload
    cannot be passed off as another case's (the codec server decides who may read it by case).
    """

    def __init__(
        self,
        keys: Sequence[bytes],
        case_id: str | None = None,
        keyring: CaseKeyring | None = None,
        on_refusal: PayloadRefusal | None = None,
    ) -> None:
        if not keys:
            raise ValueError("EncryptionCodec needs at least one key")
        self._keys = list(keys)
        self._case_id = case_id
        self._keyring = keyring
        self._on_refusal = on_refusal
        self._encrypt_key_id = key_id(keys[0]).encode()
        self._ciphers: Mapping[bytes, AESGCM] = {key_id(k).encode(): AESGCM(k) for k in keys}

    def with_context(self, context: SerializationContext) -> EncryptionCodec:
        workflow_id = getattr(context, "workflow_id", None)
        if (
            isinstance(context, (WorkflowSerializationContext, ActivitySerializationContext))
            and workflow_id
        ):
            # The same keys and ciphers, bound to the case (made once, not per payload).
            bound = copy.copy(self)
            bound._case_id = workflow_id
            return bound
        return self

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        case_cipher = None
        if self._case_id and self._keyring is not None:
            case_cipher = AESGCM(await self._case_key(self._case_id, create=True))
        return [self._encrypt(p, case_cipher) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        if self._case_id:
            payloads = [await self._refuse_unbound(p, self._case_id) for p in payloads]
        case_ciphers: dict[bytes, AESGCM] = {}
        for payload in payloads:
            if (
                payload.metadata.get(KEY_ID_METADATA) == CASE_KEY_ID
                and payload.metadata.get("encoding") == ENCODING
            ):
                case = payload.metadata.get(CASE_METADATA, b"")
                if case not in case_ciphers:
                    case_ciphers[case] = AESGCM(
                        await self._case_key(case.decode(errors="replace"), create=False)
                    )
        return [self._decrypt(p, case_ciphers) for p in payloads]

    async def _refuse_unbound(self, payload: Payload, case_id: str) -> Payload:
        """``payload`` itself if it is encrypted and bound to ``case_id``, else a refused one."""
        if payload.metadata.get("encoding") != ENCODING:
            reason = "not encrypted"
        elif payload.metadata.get(CASE_METADATA) != case_id.encode():
            reason = "bound to another case" if CASE_METADATA in payload.metadata else "unbound"
        else:
            return payload
        if self._on_refusal is not None:
            received = hashlib.sha256(payload.SerializeToString()).hexdigest()
            await self._on_refusal(case_id, reason, received)
        return Payload(metadata={"encoding": REFUSED_ENCODING}, data=b"")

    async def _case_key(self, case_id: str, *, create: bool) -> bytes:
        if self._keyring is None:
            raise PayloadKeyError(
                f"case {case_id}: payload encrypted with a case key; no keyring configured"
            )
        cached = self._keyring.cached_key(case_id)
        if cached is not None:
            return cached
        try:
            return await asyncio.to_thread(self._keyring.data_key, case_id, create=create)
        except KeyringError as err:
            raise PayloadKeyError(str(err)) from None

    def _encrypt(self, payload: Payload, case_cipher: AESGCM | None) -> Payload:
        nonce = os.urandom(12)
        if case_cipher is not None:
            cipher, wanted = case_cipher, CASE_KEY_ID
        else:
            cipher, wanted = self._ciphers[self._encrypt_key_id], self._encrypt_key_id
        metadata = {"encoding": ENCODING, KEY_ID_METADATA: wanted}
        associated = None
        if self._case_id:
            associated = metadata[CASE_METADATA] = self._case_id.encode()
        sealed = nonce + cipher.encrypt(nonce, payload.SerializeToString(), associated)
        return Payload(metadata=metadata, data=sealed)

    def _decrypt(self, payload: Payload, case_ciphers: Mapping[bytes, AESGCM]) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload  # outside a case (a refused payload too, for its converter)
        wanted = payload.metadata.get(KEY_ID_METADATA, b"")
        case = payload.metadata.get(CASE_METADATA)
        cipher = (
            case_ciphers.get(case or b"") if wanted == CASE_KEY_ID else self._ciphers.get(wanted)
        )
        if cipher is None:
            raise PayloadKeyError(
                f"payload encrypted with unknown key id {wanted.decode(errors='replace')}"
            )
        # A payload bound to a case decrypts only with that case id (changing it fails the tag).
        plain = cipher.decrypt(payload.data[:12], payload.data[12:], case)
        decoded = Payload()
        decoded.ParseFromString(plain)
        return decoded
