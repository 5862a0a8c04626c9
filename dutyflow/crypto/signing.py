"""Signing what travels between Dutyflow and an agency: HMAC-SHA256 with a per-agency secret,
timestamped so that a captured request cannot be replayed.

Both directions use the same scheme: the report Dutyflow posts to an agency, and the signed
acknowledgement the agency posts back.

    Dutyflow-Timestamp: <unix seconds>
    Dutyflow-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>." + raw body)>
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import threading
import time
from pathlib import Path

TIMESTAMP_HEADER = "Dutyflow-Timestamp"
SIGNATURE_HEADER = "Dutyflow-Signature"
TOLERANCE_SECONDS = 300


class SignatureError(ValueError):
    """The message names the header and the problem, never the body."""


def signature(secret: bytes, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


def signed_headers(secret: bytes, body: bytes, now: float | None = None) -> dict[str, str]:
    timestamp = int(now if now is not None else time.time())
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: signature(secret, body, timestamp)}


def verify(
    secret: bytes,
    body: bytes,
    timestamp: str | None,
    presented: str | None,
    now: float | None = None,
) -> int:
    """Check a request's signature and freshness; returns its timestamp."""
    if not timestamp or not re.fullmatch(r"[0-9]{1,12}", timestamp):
        raise SignatureError(f"{TIMESTAMP_HEADER}: missing or not a unix time")
    if not presented:
        raise SignatureError(f"{SIGNATURE_HEADER}: missing")
    stamp = int(timestamp)
    current = now if now is not None else time.time()
    if abs(current - stamp) > TOLERANCE_SECONDS:
        raise SignatureError(f"{TIMESTAMP_HEADER}: outside the {TOLERANCE_SECONDS} s window")
    if not hmac.compare_digest(signature(secret, body, stamp), presented):
        raise SignatureError(f"{SIGNATURE_HEADER}: does not match")
    return stamp


class ReplayGuard:
    """Remembers the signatures seen within the tolerance window: a byte-identical request seen
    twice is a replay (a genuine retry is signed anew, with a new timestamp)."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}
        self._lock = threading.Lock()

    def check(self, presented: str, timestamp: int, now: float | None = None) -> None:
        current = now if now is not None else time.time()
        with self._lock:
            for old, stamp in list(self._seen.items()):
                if current - stamp > 2 * TOLERANCE_SECONDS:
                    del self._seen[old]
            if presented in self._seen:
                raise SignatureError(
                    f"{SIGNATURE_HEADER}: this request was already received (replay)"
                )
            self._seen[presented] = timestamp


def secret_variable(agency_id: str) -> str:
    return "DUTYFLOW_AGENCY_SECRET_" + re.sub(r"[^A-Z0-9]", "_", agency_id.upper())


class AgencySecrets:
    """Where each agency's shared secret comes from: the environment variable
    ``DUTYFLOW_AGENCY_SECRET_<AGENCY_ID>`` (production), or, in development only, a secret
    generated once into ``<data dir>/keys/agencies/<agency id>.secret`` so that the embedded
    intake service and Dutyflow share it."""

    def __init__(self, keys_dir: Path | None, allow_generated: bool) -> None:
        self._keys_dir = keys_dir
        self._allow_generated = allow_generated

    def __call__(self, agency_id: str) -> bytes:
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", agency_id):
            raise KeyError("agency_id: not an agency id")
        from_env = os.environ.get(secret_variable(agency_id))
        if from_env:
            return from_env.encode()
        if not self._allow_generated or self._keys_dir is None:
            raise KeyError(f"{secret_variable(agency_id)} is not set")
        path = self._keys_dir / f"{agency_id}.secret"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                return path.read_text().strip().encode()
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
        return path.read_text().strip().encode()
