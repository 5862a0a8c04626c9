"""AES-256-GCM payload codec: Temporal stores only ciphertext of case content.

Every payload (workflow input, Update arguments, activity inputs and results, query results,
failure messages via the encoded-attributes failure converter) is encrypted before it leaves the
process. The key id travels in the payload metadata so a reader knows which key to ask for.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import (
    ActivitySerializationContext,
    PayloadCodec,
    SerializationContext,
    WithSerializationContext,
    WorkflowSerializationContext,
)

ENCODING = b"binary/encrypted"
KEY_ID_METADATA = "encryption-key-id"
CASE_METADATA = "dutyflow-case"


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:16]


def decode_key(encoded: str) -> bytes:
    try:
        key = base64.b64decode(encoded, validate=True)
    except ValueError as err:
        raise ValueError("payload key: not valid base64") from err
    if len(key) != 32:
        raise ValueError("payload key: must be 32 bytes (AES-256), base64-encoded")
    return key


def load_or_create_key(path: Path) -> bytes:
    """Development only: a key generated once and kept in the data directory (mode 0600)."""
    if path.exists():
        return decode_key(path.read_text().strip())
    path.parent.mkdir(parents=True, exist_ok=True)
    key = AESGCM.generate_key(bit_length=256)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(base64.b64encode(key).decode())
    return key


class EncryptionCodec(PayloadCodec, WithSerializationContext):
    """Encrypts with the first key; decrypts with any known key (so an old key keeps reading).

    Given the serialization context of a case's workflow (the SDK passes it for workflow inputs,
    Updates, queries, activity inputs and results), each payload is bound to its case: the case
    id goes into the metadata and is authenticated as AES-GCM associated data, so a payload
    cannot be passed off as another case's (the codec server decides who may read it by case).
    """

    def __init__(self, keys: Sequence[bytes], case_id: str | None = None) -> None:
        if not keys:
            raise ValueError("EncryptionCodec needs at least one key")
        self._keys = list(keys)
        self._case_id = case_id
        self._encrypt_key = keys[0]
        self._encrypt_key_id = key_id(keys[0]).encode()
        self._ciphers: Mapping[bytes, AESGCM] = {key_id(k).encode(): AESGCM(k) for k in keys}

    def with_context(self, context: SerializationContext) -> "EncryptionCodec":
        workflow_id = getattr(context, "workflow_id", None)
        if isinstance(context, (WorkflowSerializationContext, ActivitySerializationContext)) and workflow_id:
            return EncryptionCodec(self._keys, case_id=workflow_id)
        return self

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self._encrypt(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self._decrypt(p) for p in payloads]

    def _encrypt(self, payload: Payload) -> Payload:
        nonce = os.urandom(12)
        cipher = self._ciphers[self._encrypt_key_id]
        metadata = {"encoding": ENCODING, KEY_ID_METADATA: self._encrypt_key_id}
        associated = None
        if self._case_id:
            associated = metadata[CASE_METADATA] = self._case_id.encode()
        sealed = nonce + cipher.encrypt(nonce, payload.SerializeToString(), associated)
        return Payload(metadata=metadata, data=sealed)

    def _decrypt(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload
        wanted = payload.metadata.get(KEY_ID_METADATA, b"")
        cipher = self._ciphers.get(wanted)
        if cipher is None:
            raise ValueError(f"payload encrypted with unknown key id {wanted.decode(errors='replace')}")
        # A payload bound to a case decrypts only with that case id (changing it fails the tag).
        plain = cipher.decrypt(payload.data[:12], payload.data[12:], payload.metadata.get(CASE_METADATA))
        decoded = Payload()
        decoded.ParseFromString(plain)
        return decoded

