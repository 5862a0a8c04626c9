"""The keys a Dutyflow process uses, from its settings: the master keys, the case keyring on the
key store, and engines on the case database with sealing bound to that keyring.

One keyring per process and key store, so that the worker and the API of ``dutyflow up`` share
its cache (a key destroyed by one is forgotten by both at once).
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from dutyflow.crypto.keyring import (
    CaseKeyring,
    MasterKeys,
    key_store_engine,
    load_or_create_key,
    load_or_create_text,
    parse_master_keys,
)
from dutyflow.crypto.signed_note import NoteError, NoteSigner, NoteVerifier
from dutyflow.crypto.signing import AgencySecrets
from dutyflow.settings import Settings


def master_key_list(settings: Settings) -> list[bytes]:
    """``DUTYFLOW_MASTER_KEYS`` (newest first); in development, a key generated once in the data
    directory when none is set."""
    if settings.master_keys:
        return parse_master_keys(settings.master_keys)
    return [load_or_create_key(settings.data_dir.resolve() / "keys" / "master.key")]


@lru_cache(maxsize=8)
def _keyring(encoded_keys: tuple[bytes, ...], key_store_url: str) -> CaseKeyring:
    return CaseKeyring(key_store_engine(key_store_url), MasterKeys(list(encoded_keys)))


def case_keyring(settings: Settings) -> CaseKeyring:
    return _keyring(tuple(master_key_list(settings)), settings.resolved_key_store_url)


DEVELOPMENT_AUDIT_ORIGIN = "dutyflow.localhost/audit-log"


def audit_log_signer(settings: Settings) -> NoteSigner:
    """The key that signs the audit log's checkpoints: ``DUTYFLOW_AUDIT_SIGNING_KEY``; in
    development, one generated once in the data directory (named by ``DUTYFLOW_AUDIT_LOG_ORIGIN``).
    Its name is the checkpoints' origin; a configured origin that differs is refused."""
    if settings.audit_signing_key:
        signer = NoteSigner.parse(settings.audit_signing_key)
    else:
        path = settings.data_dir.resolve() / "keys" / "audit-log.key"
        origin = settings.audit_log_origin or DEVELOPMENT_AUDIT_ORIGIN
        signer = NoteSigner.parse(
            load_or_create_text(path, lambda: NoteSigner.generate(origin).text())
        )
    if settings.audit_log_origin and settings.audit_log_origin != signer.name:
        raise NoteError(
            "DUTYFLOW_AUDIT_LOG_ORIGIN differs from the name of the audit signing key: "
            "the checkpoints' origin is the key's name"
        )
    return signer


def audit_log_verifier(settings: Settings) -> NoteVerifier | None:
    """The public half of `audit_log_signer`, without generating a key: None in development
    before any key was made (then no checkpoint can exist either)."""
    if settings.audit_signing_key:
        return NoteSigner.parse(settings.audit_signing_key).verifier
    if not (settings.data_dir.resolve() / "keys" / "audit-log.key").exists():
        return None
    return audit_log_signer(settings).verifier


def web_form_secret(settings: Settings) -> bytes:
    """The key of the web forms' CSRF tokens, derived (HKDF-SHA256) from the newest master key:
    every API process sharing the master keys accepts the others' forms, and nothing new is kept.
    A master key rotation makes the forms open at that moment ask to be sent again."""
    newest = master_key_list(settings)[0]
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"dutyflow web forms v1"
    ).derive(newest)


def derived_actor_assertion_key(master_key: bytes) -> bytes:
    """Development's actor assertion key, derived (HKDF-SHA256) from a master key."""
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"dutyflow actor assertions v1"
    ).derive(master_key)


def actor_assertion_key(settings: Settings) -> bytes:
    """The key of the API's assertions of who acts (`dutyflow.crypto.actor_assertion`):
    ``DUTYFLOW_ACTOR_ASSERTION_KEY``; in development only, derived from the newest master key
    (production refuses to start without the setting)."""
    if settings.actor_assertion_key:
        key = base64.b64decode(settings.actor_assertion_key, validate=True)
        if len(key) < 32:
            raise ValueError("DUTYFLOW_ACTOR_ASSERTION_KEY must hold at least 32 bytes")
        return key
    return derived_actor_assertion_key(master_key_list(settings)[0])


def agency_secrets(settings: Settings) -> AgencySecrets:
    """Per-agency signing secrets: ``DUTYFLOW_AGENCY_SECRET_<AGENCY>`` variables; in development
    also generated once into the data directory, shared by the embedded intake service."""
    return AgencySecrets(
        settings.data_dir.resolve() / "keys" / "agencies",
        allow_generated=settings.environment == "development",
    )
