"""One-time set-up codes: how a new user (or one who lost their password) gets in without anyone
else ever holding a working credential of theirs.

Whoever creates an account (an admin over HTTP, an operator with ``dutyflow users add``) receives
a set-up code, ``dfs_<setup_id>_<secret>``, never a token: a token would let them read the new
user's cases in that user's name. The user redeems the code once, setting their own password
(the web page ``/app/set-up``, or ``POST /account-setup``, which also answers the user's own first
API token). A code:

- is stored only as the SHA-256 of the whole code (the secret is 32 random bytes: nothing to
  guess, so a plain hash is enough, compared with `hmac.compare_digest`);
- works once, and only until `SETUP_CODE_LIFETIME` after it was issued;
- is replaced by a newer code for the same user (the older one stops working);
- is audited under the account's ``user:<id>`` subject when issued (``setup-code-issued``, or
  ``user-added`` with the account) as whoever issued it, and when used (``account-set-up``) as
  the user. Never the code or its hash.

If a code is used by someone other than the user, the user finds it already used, and the audit
log says when it was: the account is then disabled and a new one made.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from dutyflow.auth.passwords import hash_password
from dutyflow.auth.roles import AccountProblem, Principal
from dutyflow.auth.store import (
    CLI_ACTOR,
    AccountRefused,
    audit_subject,
    new_account,
    password_problems,
    principal_of,
    store_new_account,
)
from dutyflow.contracts import Actor
from dutyflow.domain.audit import content_sha256
from dutyflow.store.db import SessionFactory
from dutyflow.store.steps import record_step
from dutyflow.store.tables import AccountSetup, UserAccount, utcnow

SETUP_PREFIX = "dfs"
SETUP_ID_BYTES = 8  # 16 hex characters
SETUP_SECRET_BYTES = 32
SETUP_CODE_LIFETIME = timedelta(hours=24)
SET_UP_PAGE = "/app/set-up"  # where the user enters the code (`dutyflow.web.account`)
NOT_A_CODE = "not a valid set-up code: unknown, expired, replaced or already used"
_UNUSED_DIGEST = hashlib.sha256(b"no such set-up code").hexdigest()


@dataclass(frozen=True)
class SetupCode:
    """A code as issued: shown to its issuer this once, to hand to the user."""

    user_id: str
    setup_id: str
    code: str
    expires_at: datetime


class _Refused(Exception):
    """Raised inside a step's transaction to roll it back (no row, no audit entry)."""

    def __init__(self, problems: list[AccountProblem]) -> None:
        self.problems = problems


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def parse_setup_code(code: str) -> str | None:
    """The setup id of a well-formed code, else None."""
    parts = code.split("_", 2)
    if len(parts) != 3 or parts[0] != SETUP_PREFIX or not parts[2]:
        return None
    setup_id = parts[1]
    if len(setup_id) != 2 * SETUP_ID_BYTES or any(c not in "0123456789abcdef" for c in setup_id):
        return None
    return setup_id


def _new_code(user_id: str) -> tuple[SetupCode, AccountSetup]:
    setup_id = secrets.token_hex(SETUP_ID_BYTES)
    code = f"{SETUP_PREFIX}_{setup_id}_{secrets.token_urlsafe(SETUP_SECRET_BYTES)}"
    expires_at = utcnow() + SETUP_CODE_LIFETIME
    row = AccountSetup(
        setup_id=setup_id, user_id=user_id, code_sha256=_digest(code), expires_at=expires_at
    )
    return SetupCode(user_id, setup_id, code, expires_at), row


def _replace_earlier_codes(session: Session, user_id: str) -> None:
    earlier = session.exec(
        select(AccountSetup).where(
            col(AccountSetup.user_id) == user_id,
            col(AccountSetup.used_at).is_(None),
            col(AccountSetup.revoked).is_(False),
        )
    ).all()
    for row in earlier:
        row.revoked = True
        session.add(row)


def create_account(
    sessions: SessionFactory,
    *,
    user_id: str,
    display_name: str,
    role: str,
    clinic_id: str | None = None,
    agency_id: str | None = None,
    actor: Actor = CLI_ACTOR,
) -> tuple[UserAccount, SetupCode]:
    """Create the account, without a password or a token, and its first set-up code, audited
    together as ``user-added``. Raises `AccountRefused` naming the field."""
    user = new_account(user_id, display_name, role, clinic_id, agency_id)
    issued, row = _new_code(user_id)
    store_new_account(sessions, user, row, actor, setup_id=issued.setup_id)
    return user, issued


def issue_setup_code(
    sessions: SessionFactory, user_id: str, *, actor: Actor = CLI_ACTOR
) -> SetupCode:
    """A new set-up code for an existing, enabled user (a lost password); their earlier unused
    codes stop working. Audited as ``setup-code-issued``. Raises `AccountRefused` naming
    ``user_id``."""
    issued, row = _new_code(user_id)

    def write(session: Session) -> None:
        user = session.get(UserAccount, user_id)
        if user is None:
            raise _Refused([AccountProblem("user_id", "no user has this id")])
        if user.disabled:
            raise _Refused([AccountProblem("user_id", "this user is disabled")])
        _replace_earlier_codes(session, user_id)
        session.add(row)
        session.flush()

    try:
        record_step(
            sessions,
            case_id=audit_subject(user_id),
            step="setup-code-issued",
            key_suffix=issued.setup_id,
            actor=actor,
            content_sha256=content_sha256({"setup_id": issued.setup_id}),
            details={"setup_id": issued.setup_id},
            write=write,
        )
    except _Refused as refused:
        raise AccountRefused(refused.problems) from None
    return issued


def _usable(row: AccountSetup | None, code: str, now: datetime) -> bool:
    if row is None:
        hmac.compare_digest(_digest(code), _UNUSED_DIGEST)  # the same work as for a known id
        return False
    return (
        hmac.compare_digest(_digest(code), row.code_sha256)
        and row.used_at is None
        and not row.revoked
        and now < _as_utc(row.expires_at)
    )


def redeem_setup_code(sessions: SessionFactory, code: str, password: str) -> Principal:
    """Set the user's own password with their set-up code, which then stops working. Audited as
    ``account-set-up`` by the user. Raises `AccountRefused` naming ``code`` (whatever is wrong
    with it: unknown, expired, replaced, used, or its account disabled, all alike) or
    ``password`` (too weak), before anything is written."""
    not_a_code = AccountRefused([AccountProblem("code", NOT_A_CODE)])
    setup_id = parse_setup_code(code.strip()) if len(code) <= 200 else None
    if setup_id is None:
        raise not_a_code
    code = code.strip()
    with sessions() as session:
        row = session.get(AccountSetup, setup_id)
        user = session.get(UserAccount, row.user_id) if row is not None else None
    if not _usable(row, code, utcnow()) or user is None or user.disabled:
        raise not_a_code
    problems = password_problems(password, user.user_id)
    if problems:
        raise AccountRefused(problems)
    hashed = hash_password(password)

    def write(session: Session) -> None:
        # One conditional UPDATE: of two redeeming at once, the second waits for the first's
        # row lock (PostgreSQL; SQLite's write lock) and then finds the code used.
        table = AccountSetup.__table__  # type: ignore[attr-defined]  # a table model
        claimed = session.connection().execute(
            update(table)
            .where(
                table.c.setup_id == setup_id,
                table.c.used_at.is_(None),
                table.c.revoked.is_(False),
            )
            .values(used_at=utcnow())
        )
        account = session.get(UserAccount, user.user_id)
        if claimed.rowcount != 1 or account is None or account.disabled:
            raise _Refused([AccountProblem("code", NOT_A_CODE)])  # used meanwhile
        account.password_hash = hashed
        session.add(account)

    try:
        record_step(
            sessions,
            case_id=audit_subject(user.user_id),
            step="account-set-up",
            key_suffix=secrets.token_hex(8),  # never an earlier entry's: the write always runs
            actor=Actor(actor_id=user.user_id, role=user.role),
            content_sha256=content_sha256({"setup_id": setup_id, "password_set": True}),
            details={"setup_id": setup_id, "password_set": True},
            write=write,
        )
    except _Refused as refused:
        raise AccountRefused(refused.problems) from None
    return principal_of(user)
