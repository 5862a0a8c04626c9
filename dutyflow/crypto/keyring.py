"""The key hierarchy: master keys wrap one data key per case.

    master keys  (DUTYFLOW_MASTER_KEYS, newest first; never stored beside the data)
        └─ wrap ─ case data key  (AES-256, one per case, kept wrapped in the key store)
                      └─ encrypts ─ the case's Temporal payloads and its sealed database columns

- **Rotation of master keys**: the newest master key wraps new data keys; older ones still
  unwrap. ``CaseKeyring.rewrap_all`` re-wraps every data key under the newest master key, after
  which the old master key can be retired.
- **Crypto-shredding**: ``CaseKeyring.shred`` destroys a case's wrapped data key. From then on
  the case's Temporal history and its sealed columns are ciphertext nobody can read, wherever
  copies of them lie (history, backups of the data). The shredding itself is kept (when, why,
  by whom) so the case's absence is explained.

The key store is a small database of its own (``DUTYFLOW_KEY_STORE_URL``; default a SQLite file
under the data directory's ``keys/``): keys apart from the data they protect, so that a copy of
the case database holds no key, and shredding deletes from one short table.

A wrapped key is bound to its case (the case id is AES-GCM associated data): a wrapped key copied
onto another case's row does not unwrap.
"""

from __future__ import annotations

import base64
import hashlib
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Column, DateTime, MetaData, String, Table, Text, create_engine, event, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError

from dutyflow.sqlite import use_wal

KEY_STORE_METADATA = MetaData()

CASE_KEYS = Table(
    "case_key",
    KEY_STORE_METADATA,
    Column("case_id", String(64), primary_key=True),
    # base64(nonce || AES-GCM(master key, data key, associated data = case id)); NULL once shredded
    Column("wrapped_key", Text, nullable=True),
    Column("master_key_id", String(16), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("rewrapped_at", DateTime(timezone=True), nullable=True),
    Column("shredded_at", DateTime(timezone=True), nullable=True),
    Column("shredded_by", String(64), nullable=True),
    Column("shred_reason", String(500), nullable=True),
)


class KeyringError(RuntimeError):
    """A key cannot be given: the message says which and why (never key material)."""


class CaseKeyShredded(KeyringError):
    """The case's data key was destroyed: its content is unreadable for good."""

    def __init__(self, case_id: str, shredded_at: datetime | None) -> None:
        when = shredded_at.isoformat() if shredded_at else "an unknown time"
        super().__init__(f"case {case_id}: its data key was destroyed (crypto-shredded) at {when}")
        self.case_id = case_id


class CaseKeyMissing(KeyringError):
    def __init__(self, case_id: str) -> None:
        super().__init__(f"case {case_id}: no data key in the key store")
        self.case_id = case_id


def key_id(key: bytes) -> str:
    """A short public name for a key: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(key).hexdigest()[:16]


def decode_key(encoded: str, what: str = "master key") -> bytes:
    try:
        key = base64.b64decode(encoded.strip(), validate=True)
    except ValueError as err:
        raise ValueError(f"{what}: not valid base64") from err
    if len(key) != 32:
        raise ValueError(f"{what}: must be 32 bytes (AES-256), base64-encoded")
    return key


def parse_master_keys(encoded: str) -> list[bytes]:
    """``DUTYFLOW_MASTER_KEYS``: comma-separated base64 AES-256 keys, the newest first."""
    parts = [part for part in (p.strip() for p in encoded.split(",")) if part]
    if not parts:
        raise ValueError("master keys: at least one key is needed")
    return [decode_key(part, f"master key {index + 1}") for index, part in enumerate(parts)]


def load_or_create_key(path: Path) -> bytes:
    """Development only: a master key generated once and kept in the data directory (0600)."""
    return decode_key(
        load_or_create_text(
            path, lambda: base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()
        )
    )


def load_or_create_text(path: Path, generate: Callable[[], str]) -> str:
    """Development only: a secret generated once and kept in the data directory (0600)."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = generate()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process of the stack made it first
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secret)
    return secret


class MasterKeys:
    """The master keys, newest first: the newest wraps, any of them unwraps."""

    def __init__(self, keys: Sequence[bytes]) -> None:
        if not keys:
            raise ValueError("master keys: at least one key is needed")
        self._ciphers = {key_id(k): AESGCM(k) for k in keys}
        self.newest_id = key_id(keys[0])
        self.ids = [key_id(k) for k in keys]

    def cipher(self, wanted_id: str) -> AESGCM:
        try:
            return self._ciphers[wanted_id]
        except KeyError:
            raise KeyringError(
                f"master key {wanted_id} is not configured (DUTYFLOW_MASTER_KEYS)"
            ) from None

    def wrap(self, data_key: bytes, case_id: str) -> tuple[str, str]:
        nonce = os.urandom(12)
        sealed = nonce + self.cipher(self.newest_id).encrypt(nonce, data_key, case_id.encode())
        return self.newest_id, base64.b64encode(sealed).decode()

    def unwrap(self, master_id: str, wrapped: str, case_id: str) -> bytes:
        raw = base64.b64decode(wrapped)
        try:
            return self.cipher(master_id).decrypt(raw[:12], raw[12:], case_id.encode())
        except InvalidTag:
            raise KeyringError(f"case {case_id}: its wrapped data key does not unwrap") from None


@dataclass(frozen=True)
class CaseKeyState:
    """What the key store says of a case's key (no key material)."""

    case_id: str
    master_key_id: str | None
    created_at: datetime
    shredded_at: datetime | None
    shredded_by: str | None
    shred_reason: str | None

    @property
    def shredded(self) -> bool:
        return self.shredded_at is not None


def key_store_engine(url: str) -> Engine:
    """An engine on the key store, its one table created if missing."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA busy_timeout=30000")
            use_wal(cursor)
            cursor.close()

    else:
        engine = create_engine(url, pool_pre_ping=True)
    try:
        KEY_STORE_METADATA.create_all(engine, checkfirst=True)
    except IntegrityError:  # another process created it at the same moment
        pass
    except Exception as err:  # a concurrent CREATE TABLE on PostgreSQL
        if "already exists" not in str(err):
            raise
    return engine


class CaseKeyring:
    """Per-case data keys from the key store, unwrapped in memory for ``cache_seconds``.

    ``data_key(case, create=True)`` makes the key on first use (race-safe: the first insert wins
    and everyone reads that one); ``create=False`` is for readers. A shredded case raises
    `CaseKeyShredded` and is never given a new key. A process that shreds forgets the key at once;
    other processes stop using their cached copy within ``cache_seconds``.
    """

    def __init__(self, engine: Engine, master: MasterKeys, cache_seconds: float = 30.0) -> None:
        self.engine = engine
        self.master = master
        self._cache_seconds = cache_seconds
        self._cache: dict[str, tuple[bytes, float]] = {}
        self._lock = threading.Lock()

    def cached_key(self, case_id: str) -> bytes | None:
        """The case's key if this process holds it unexpired, without touching the key store
        (so a caller on an event loop need not hand the look-up to a thread); else None."""
        with self._lock:
            cached = self._cache.get(case_id)
            if cached and cached[1] > time.monotonic():
                return cached[0]
        return None

    def data_key(self, case_id: str, *, create: bool) -> bytes:
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(case_id)
            if cached and cached[1] > now:
                return cached[0]
        key = self._load(case_id) or (self._create(case_id) if create else None)
        if key is None:
            raise CaseKeyMissing(case_id)
        with self._lock:
            self._cache[case_id] = (key, now + self._cache_seconds)
        return key

    def forget(self, case_id: str) -> None:
        with self._lock:
            self._cache.pop(case_id, None)

    def _load(self, case_id: str) -> bytes | None:
        with self.engine.connect() as connection:
            row = connection.execute(
                select(CASE_KEYS).where(CASE_KEYS.c.case_id == case_id)
            ).first()
        if row is None:
            return None
        if row.shredded_at is not None or row.wrapped_key is None:
            raise CaseKeyShredded(case_id, _aware(row.shredded_at))
        return self.master.unwrap(row.master_key_id, row.wrapped_key, case_id)

    def _create(self, case_id: str) -> bytes:
        key = AESGCM.generate_key(bit_length=256)
        master_id, wrapped = self.master.wrap(key, case_id)
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    CASE_KEYS.insert().values(
                        case_id=case_id,
                        wrapped_key=wrapped,
                        master_key_id=master_id,
                        created_at=datetime.now(UTC),
                    )
                )
        except IntegrityError:  # made by another process in the meantime: use that one
            existing = self._load(case_id)
            if existing is None:
                raise
            return existing
        return key

    def state(self, case_id: str) -> CaseKeyState | None:
        with self.engine.connect() as connection:
            row = connection.execute(
                select(CASE_KEYS).where(CASE_KEYS.c.case_id == case_id)
            ).first()
        if row is None:
            return None
        return CaseKeyState(
            case_id=row.case_id,
            master_key_id=row.master_key_id,
            created_at=_aware(row.created_at),
            shredded_at=_aware(row.shredded_at) if row.shredded_at else None,
            shredded_by=row.shredded_by,
            shred_reason=row.shred_reason,
        )

    def shred(self, case_id: str, *, by: str, reason: str) -> CaseKeyState:
        """Destroy the case's data key (idempotent: a second call changes nothing)."""
        now = datetime.now(UTC)
        with self.engine.begin() as connection:
            row = connection.execute(
                select(CASE_KEYS).where(CASE_KEYS.c.case_id == case_id)
            ).first()
            if row is None:
                # No payload was ever encrypted for it: record the destruction all the same,
                # so no key can be made for this case later.
                connection.execute(
                    CASE_KEYS.insert().values(
                        case_id=case_id,
                        wrapped_key=None,
                        master_key_id=None,
                        created_at=now,
                        shredded_at=now,
                        shredded_by=by,
                        shred_reason=reason,
                    )
                )
            elif row.shredded_at is None:
                connection.execute(
                    CASE_KEYS.update()
                    .where(CASE_KEYS.c.case_id == case_id)
                    .values(
                        wrapped_key=None,
                        master_key_id=None,
                        shredded_at=now,
                        shredded_by=by,
                        shred_reason=reason,
                    )
                )
        self.forget(case_id)
        state = self.state(case_id)
        assert state is not None
        return state

    def rewrap_all(self) -> int:
        """Re-wrap every live data key under the newest master key; answers how many changed."""
        changed = 0
        with self.engine.begin() as connection:
            rows = connection.execute(
                select(
                    CASE_KEYS.c.case_id, CASE_KEYS.c.wrapped_key, CASE_KEYS.c.master_key_id
                ).where(
                    CASE_KEYS.c.wrapped_key.is_not(None),
                    CASE_KEYS.c.master_key_id != self.master.newest_id,
                )
            ).all()
            for row in rows:
                key = self.master.unwrap(row.master_key_id, row.wrapped_key, row.case_id)
                master_id, wrapped = self.master.wrap(key, row.case_id)
                connection.execute(
                    CASE_KEYS.update()
                    .where(CASE_KEYS.c.case_id == row.case_id)
                    .values(
                        wrapped_key=wrapped, master_key_id=master_id, rewrapped_at=datetime.now(UTC)
                    )
                )
                changed += 1
        return changed

    def count_by_master_key(self) -> dict[str, int]:
        """How many live data keys each master key wraps (to know when an old one can go)."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(CASE_KEYS.c.master_key_id).where(CASE_KEYS.c.wrapped_key.is_not(None))
            ).all()
        counts: dict[str, int] = {}
        for (master_id,) in rows:
            counts[master_id] = counts.get(master_id, 0) + 1
        return counts


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
