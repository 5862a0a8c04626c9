"""The keys a Dutyflow process uses, from its settings: the master keys, the case keyring on the
key store, and engines on the case database with sealing bound to that keyring.

One keyring per process and key store, so that the worker and the API of ``dutyflow up`` share
its cache (a key destroyed by one is forgotten by both at once).
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy.engine import Engine

from dutyflow.crypto.keyring import (
    CaseKeyring,
    MasterKeys,
    key_store_engine,
    load_or_create_key,
    parse_master_keys,
)
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


def web_form_secret(settings: Settings) -> bytes:
    """The key of the web forms' CSRF tokens, derived (HKDF-SHA256) from the newest master key:
    every API process sharing the master keys accepts the others' forms, and nothing new is kept.
    A master key rotation makes the forms open at that moment ask to be sent again."""
    newest = master_key_list(settings)[0]
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"dutyflow web forms v1"
    ).derive(newest)


def case_database(settings: Settings, url: str | None = None) -> Engine:
    """An engine on the case database (default: the settings' one), its case content sealed
    with the process's keyring."""
    from dutyflow.crypto.sealing import bind_keyring
    from dutyflow.store.db import make_engine

    return bind_keyring(make_engine(url or settings.resolved_database_url), case_keyring(settings))
