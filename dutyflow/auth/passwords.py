"""Passwords: Argon2id hashes (pwdlib), a minimum strength, and the move off the old scrypt
hashes.

- `hash_password`: an Argon2id hash in the PHC string format, parameters included.
- `check_password`: whether a password matches its stored hash, and, when it does and the hash
  is an old scrypt one (``scrypt$n$r$p$salt$hash``) or Argon2 with weaker parameters, the new
  hash to store in its place (so every user moves to Argon2id at their next sign-in).
- `strength_problems`: at least 12 characters, not one of the 1,000 most common passwords
  (`data/common-passwords.txt`, source and licence in `data/README.md`), nor one of them repeated
  or padded with digits and symbols, nor the user's own id.

What does not live here: storing hashes and signing in (`dutyflow.auth.store`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from functools import cache
from pathlib import Path

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 1024
COMMON_PASSWORDS = Path(__file__).parent / "data" / "common-passwords.txt"

_HASHING = PasswordHash((Argon2Hasher(),))
# A hash of nothing anyone knows: checked against when a user has no password, so that timing
# does not tell which user ids have one.
_NO_PASSWORD = _HASHING.hash("no password is set for this account")
_SCRYPT_MAXMEM = 64 * 1024 * 1024


def hash_password(password: str) -> str:
    return _HASHING.hash(password)


def _legacy_scrypt_matches(password: str, stored: str) -> bool:
    scheme, n, r, p, salt, digest = stored.split("$")
    if scheme != "scrypt":
        raise ValueError(scheme)
    expected = base64.b64decode(digest)
    actual = hashlib.scrypt(
        password.encode(),
        salt=base64.b64decode(salt),
        n=int(n),
        r=int(r),
        p=int(p),
        maxmem=_SCRYPT_MAXMEM,
        dklen=len(expected),
    )
    return hmac.compare_digest(actual, expected)


def check_password(password: str, stored: str | None) -> tuple[bool, str | None]:
    """(matches, the hash to store instead or None). With no usable stored hash the same kind
    of work is done, and the answer is no."""
    if stored and stored.startswith("scrypt$"):
        try:
            matches = _legacy_scrypt_matches(password, stored)
        except (ValueError, TypeError):
            return False, None
        return matches, hash_password(password) if matches else None
    if stored and stored.startswith("$argon2"):
        try:
            return _HASHING.verify_and_update(password, stored)
        except Exception:  # a malformed hash never signs anyone in
            return False, None
    _HASHING.verify(password, _NO_PASSWORD)
    return False, None


@cache
def common_passwords() -> frozenset[str]:
    return frozenset(
        line.strip().lower() for line in COMMON_PASSWORDS.read_text().splitlines() if line.strip()
    )


def _repeats_a_shorter_string(text: str) -> bool:
    return any(
        len(text) % size == 0 and text[:size] * (len(text) // size) == text
        for size in range(1, len(text) // 2 + 1)
    )


def strength_problems(password: str, user_id: str | None = None) -> list[str]:
    """What makes ``password`` too weak (problems in words, never the password); empty when it
    may be set."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return [f"must have at least {PASSWORD_MIN_LENGTH} characters"]
    if len(password) > PASSWORD_MAX_LENGTH:
        return [f"must have at most {PASSWORD_MAX_LENGTH} characters"]
    if not password.strip():
        return ["must not be only spaces"]
    lowered = password.lower()
    core = re.sub(r"^[\W\d_]+|[\W\d_]+$", "", lowered)
    common = common_passwords()
    if (
        lowered in common
        or core in common
        or any(
            _repeats_a_shorter_string(text) and text[: _period(text)] in common
            for text in (lowered, core)
        )
    ):
        return ["is too common: a list of the most used passwords has it"]
    if _repeats_a_shorter_string(lowered):
        return ["must not be one short part repeated"]
    if user_id and user_id.lower() in lowered:
        return ["must not contain your user id"]
    return []


def _period(text: str) -> int:
    for size in range(1, len(text) + 1):
        if len(text) % size == 0 and text[:size] * (len(text) // size) == text:
            return size
    return len(text)
