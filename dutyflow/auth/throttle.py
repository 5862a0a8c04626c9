"""Sign-in throttling: after too many failed sign-ins for one account, or from one address,
within a window, further attempts are refused for a while without checking any password (which
also keeps a flood of guesses from tying up the password hashing).

- per account: `ACCOUNT_LIMIT` failures within `WINDOW` lock the account's sign-in for `LOCKOUT`;
- per address: `ADDRESS_LIMIT` failures within `WINDOW` lock sign-in from it for `LOCKOUT`.

The window starts at a key's first failure (or its first after a window has passed). A
successful sign-in clears its account's failures.

The counts live in the database (``sign_in_throttle``), so the limits hold for every API process
together, however many workers serve the API. Each failure is one atomic ``UPDATE ... SET
failures = failures + 1 ... RETURNING failures`` of the key's row (a row lock on PostgreSQL, the
write lock on SQLite), so concurrent failures in several processes are each counted once and
the one that reaches the limit sets the lock. Keys are stored as SHA-256 hashes: a password typed
into the user id field by mistake is never stored.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import case, delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from dutyflow.store.db import SessionFactory
from dutyflow.store.tables import SignInThrottleCount

WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)
ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 20

Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def throttle_key(kind: str, value: str) -> str:
    """The stored key of an account (``kind`` "account") or an address ("address")."""
    value = value.lower() if kind == "account" else value
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


class SignInThrottle:
    """The throttle over Dutyflow's database; any number of instances (in any number of
    processes) over one database share the counts."""

    def __init__(self, sessions: SessionFactory, clock: Clock = _now) -> None:
        self._sessions = sessions
        self._clock = clock

    @staticmethod
    def _keys(user_id: str, address: str) -> tuple[tuple[str, int], tuple[str, int]]:
        return (
            (throttle_key("account", user_id), ACCOUNT_LIMIT),
            (throttle_key("address", address), ADDRESS_LIMIT),
        )

    def wait_seconds(self, user_id: str, address: str) -> int:
        """0 when a sign-in may be tried now, else how many seconds until it may."""
        now = _as_utc(self._clock())
        keys = [key for key, _ in self._keys(user_id, address)]
        with self._sessions() as session:
            locks = session.exec(
                select(SignInThrottleCount.locked_until).where(
                    col(SignInThrottleCount.key_sha256).in_(keys)
                )
            ).all()
        until = max((_as_utc(lock) for lock in locks if lock is not None), default=now)
        remaining = (until - now).total_seconds()
        return max(0, int(remaining + 0.999))

    def failed(self, user_id: str, address: str) -> None:
        """Count a failed sign-in against the account and the address."""
        now = _as_utc(self._clock())
        for key, limit in self._keys(user_id, address):
            self._count(key, limit, now)
        self._forget_stale(now)

    def succeeded(self, user_id: str) -> None:
        """A successful sign-in: the account's failures are forgotten."""
        with self._sessions() as session, session.begin():
            session.execute(
                delete(SignInThrottleCount).where(
                    col(SignInThrottleCount.key_sha256) == throttle_key("account", user_id)
                )
            )

    def _forget_stale(self, now: datetime) -> None:
        """Rows whose window has passed and that lock nothing any more: a flood of made-up
        user ids leaves no lasting rows."""
        table = SignInThrottleCount.__table__  # type: ignore[attr-defined]  # a table model
        with self._sessions() as session, session.begin():
            session.execute(
                delete(table).where(
                    table.c.window_started_at <= now - WINDOW,
                    (table.c.locked_until.is_(None)) | (table.c.locked_until <= now),
                )
            )

    def _count(self, key: str, limit: int, now: datetime) -> None:
        table = SignInThrottleCount.__table__  # type: ignore[attr-defined]  # a table model
        stale = table.c.window_started_at <= now - WINDOW
        with self._sessions() as session, session.begin():
            _ensure_row(session, key, now)
            failures = session.execute(
                update(table)
                .where(table.c.key_sha256 == key)
                .values(
                    failures=case((stale, 1), else_=table.c.failures + 1),
                    window_started_at=case((stale, now), else_=table.c.window_started_at),
                )
                .returning(table.c.failures)
            ).scalar_one()
            if failures >= limit:
                session.execute(
                    update(table)
                    .where(table.c.key_sha256 == key)
                    .values(locked_until=now + LOCKOUT, failures=0, window_started_at=now)
                )


def _ensure_row(session: Session, key: str, now: datetime) -> None:
    """The key's row, made with no failures if absent (made meanwhile by another process: kept)."""
    if session.get(SignInThrottleCount, key) is not None:
        return
    try:
        with session.begin_nested():
            session.add(SignInThrottleCount(key_sha256=key, window_started_at=now, failures=0))
    except IntegrityError:
        pass
