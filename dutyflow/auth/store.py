"""Users and bearer tokens in the database.

A token is ``dfy_<token_id>_<secret>``: the token id (16 hex characters) finds the row, the
secret is 32 bytes from `secrets`. Only the SHA-256 of the whole token is stored, compared with
`hmac.compare_digest`; the token itself is returned once, when issued, and never kept. (A plain
SHA-256 is enough here: the secret is random, not a password, so there is nothing to guess.)

Every change to users and tokens is audited in the same transaction, under the pseudo case id
``user:<user_id>``: who did it, the role and clinic or agency, never a token or its hash.

Passwords (the web app's sign-in) are hashed with scrypt and a salt of the user's own; only the
hash is stored, compared with `hmac.compare_digest`. Signing in with one issues a token like any
other (`sign_in`), so the web app is just another holder of a token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select

from dutyflow.auth.passwords import (
    PASSWORD_MAX_LENGTH,
    check_password,
    hash_password,
    strength_problems,
)
from dutyflow.auth.roles import AccountProblem, Principal, account_problems
from dutyflow.contracts import Actor
from dutyflow.domain.audit import content_sha256
from dutyflow.store.db import SessionFactory
from dutyflow.store.steps import record_step
from dutyflow.store.tables import ApiToken, UserAccount, utcnow

TOKEN_PREFIX = "dfy"
TOKEN_ID_BYTES = 8  # 16 hex characters
TOKEN_SECRET_BYTES = 32
# last_used_at is kept to this resolution, so that a busy client does not write on every request.
LAST_USED_RESOLUTION = timedelta(seconds=60)
API_TOKEN_LIFETIME = timedelta(days=90)
SESSION_LIFETIME = timedelta(hours=12)  # absolute: a web session ends this long after sign-in
SESSION_IDLE = timedelta(minutes=30)  # a web session unused this long has ended
CLI_ACTOR = Actor(actor_id="dutyflow-cli", role="admin")
_AUDIT_SUBJECT_LIMIT = 64  # AuditEntry.case_id
_UNUSED_DIGEST = hashlib.sha256(b"no such token").hexdigest()


class AccountRefused(ValueError):
    """The account cannot be created (or the token issued) as asked; each problem names a field."""

    def __init__(self, problems: list[AccountProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.field}: {p.problem}" for p in problems))


class UnknownToken(LookupError):
    pass


class _Refused(Exception):
    """Raised inside a step's transaction to roll it back (no row, no audit entry)."""

    def __init__(self, problems: list[AccountProblem]) -> None:
        self.problems = problems


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_token(token: str) -> tuple[str, str] | None:
    """``(token_id, secret)`` of a well-formed token, else None."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1] or not parts[2]:
        return None
    token_id, secret = parts[1], parts[2]
    if len(token_id) != 2 * TOKEN_ID_BYTES or any(c not in "0123456789abcdef" for c in token_id):
        return None
    return token_id, secret


def new_token() -> tuple[str, str]:
    """A fresh ``(token_id, token)``."""
    token_id = secrets.token_hex(TOKEN_ID_BYTES)
    return token_id, f"{TOKEN_PREFIX}_{token_id}_{secrets.token_urlsafe(TOKEN_SECRET_BYTES)}"


def audit_subject(user_id: str) -> str:
    """The audit chain's pseudo case id for a user's account: ``user:<user_id>`` (hashed when
    that would not fit the audit entry's 64 characters)."""
    subject = f"user:{user_id}"
    if len(subject) <= _AUDIT_SUBJECT_LIMIT:
        return subject
    return f"user-sha256:{hashlib.sha256(user_id.encode()).hexdigest()[:52]}"


def principal_of(user: UserAccount) -> Principal:
    return Principal(
        user_id=user.user_id, role=user.role, clinic_id=user.clinic_id, agency_id=user.agency_id
    )


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _account_details(user: UserAccount) -> dict[str, str | None]:
    return {"role": user.role, "clinic_id": user.clinic_id, "agency_id": user.agency_id}


def new_account(
    user_id: str,
    display_name: str,
    role: str,
    clinic_id: str | None = None,
    agency_id: str | None = None,
) -> UserAccount:
    """A new account as given, once checked; raises `AccountRefused` naming each field."""
    problems = account_problems(
        user_id=user_id,
        display_name=display_name,
        role=role,
        clinic_id=clinic_id,
        agency_id=agency_id,
    )
    if problems:
        raise AccountRefused(problems)
    return UserAccount(
        user_id=user_id,
        display_name=display_name.strip(),
        role=role,
        clinic_id=clinic_id,
        agency_id=agency_id,
    )


_ALREADY_EXISTS = AccountProblem("user_id", "a user with this id already exists")


def store_new_account(
    sessions: SessionFactory,
    user: UserAccount,
    credential: SQLModel,
    actor: Actor,
    **credential_id: str,
) -> None:
    """The account and its first credential (a token, or a set-up code) in one transaction,
    audited as ``user-added`` under the account's subject, keyed by the credential's id (never
    the credential). Raises `AccountRefused` if the id is taken, even at the same moment."""

    def write(session: Session) -> None:
        if session.get(UserAccount, user.user_id) is not None:
            raise _Refused([_ALREADY_EXISTS])
        session.add(user)
        session.flush()
        session.add(credential)
        session.flush()

    [key_suffix] = credential_id.values()
    try:
        record_step(
            sessions,
            case_id=audit_subject(user.user_id),
            step="user-added",
            key_suffix=key_suffix,
            actor=actor,
            content_sha256=content_sha256(_account_details(user)),
            details={**_account_details(user), **credential_id},
            write=write,
        )
    except _Refused as refused:
        raise AccountRefused(refused.problems) from None
    except IntegrityError:  # added at the same moment by someone else
        raise AccountRefused([_ALREADY_EXISTS]) from None


def add_user(
    sessions: SessionFactory,
    *,
    user_id: str,
    display_name: str,
    role: str,
    clinic_id: str | None = None,
    agency_id: str | None = None,
    actor: Actor = CLI_ACTOR,
) -> tuple[UserAccount, str]:
    """Create the account and its first token. Returns the account and the token in plaintext.
    For provisioning inside Dutyflow only (the development demo's accounts, tests): whoever
    creates an account for someone else uses `dutyflow.auth.account_setup.create_account`, which
    gives a one-time set-up code, never a token. Raises `AccountRefused`."""
    user = new_account(user_id, display_name, role, clinic_id, agency_id)
    token_id, token = new_token()
    row = ApiToken(token_id=token_id, user_id=user_id, token_sha256=token_sha256(token))
    store_new_account(sessions, user, row, actor, token_id=token_id)
    return user, token


def issue_token(
    sessions: SessionFactory, user_id: str, *, actor: Actor = CLI_ACTOR, session: bool = False
) -> tuple[ApiToken, str]:
    """A new token for an existing, enabled user (their other tokens stay valid): an API token
    for `API_TOKEN_LIFETIME`, or (``session``) a web session's, for `SESSION_LIFETIME` and
    `SESSION_IDLE` unused. Returns the row and the token in plaintext, once. Raises
    `AccountRefused` naming ``user_id``."""
    token_id, token = new_token()
    lifetime = SESSION_LIFETIME if session else API_TOKEN_LIFETIME
    row = ApiToken(
        token_id=token_id,
        user_id=user_id,
        token_sha256=token_sha256(token),
        expires_at=utcnow() + lifetime,
        session=session,
    )

    def write(session: Session) -> None:
        user = session.get(UserAccount, user_id)
        if user is None:
            raise _Refused([AccountProblem("user_id", "no user has this id")])
        if user.disabled:
            raise _Refused([AccountProblem("user_id", "this user is disabled")])
        session.add(row)
        session.flush()

    try:
        record_step(
            sessions,
            case_id=audit_subject(user_id),
            step="token-issued",
            key_suffix=token_id,
            actor=actor,
            content_sha256=content_sha256({"token_id": token_id}),
            details={"token_id": token_id},
            write=write,
        )
    except _Refused as refused:
        raise AccountRefused(refused.problems) from None
    return row, token


def ensure_user(
    sessions: SessionFactory,
    *,
    user_id: str,
    display_name: str,
    role: str,
    clinic_id: str | None = None,
    agency_id: str | None = None,
    actor: Actor = CLI_ACTOR,
) -> tuple[UserAccount, str]:
    """The account as described, created if absent, and a fresh token for it: provisioning that
    may run again (the demo's accounts, the tests' scenario practitioner). An existing account of
    another role, clinic or agency, or a disabled one, is refused (`AccountRefused`), never
    changed."""
    problems = account_problems(
        user_id=user_id,
        display_name=display_name,
        role=role,
        clinic_id=clinic_id,
        agency_id=agency_id,
    )
    if problems:
        raise AccountRefused(problems)
    for _attempt in range(2):
        with sessions() as session:
            existing = session.get(UserAccount, user_id)
        if existing is None:
            try:
                return add_user(
                    sessions,
                    user_id=user_id,
                    display_name=display_name,
                    role=role,
                    clinic_id=clinic_id,
                    agency_id=agency_id,
                    actor=actor,
                )
            except AccountRefused:
                continue  # added at this moment by someone else: look again
        differs = [
            AccountProblem(field, f"user {user_id} exists with another {field}")
            for field, have, want in (
                ("role", existing.role, role),
                ("clinic_id", existing.clinic_id, clinic_id),
                ("agency_id", existing.agency_id, agency_id),
            )
            if have != want
        ]
        if differs:
            raise AccountRefused(differs)
        _row, token = issue_token(sessions, user_id, actor=actor)
        return existing, token
    raise AccountRefused([AccountProblem("user_id", f"user {user_id} could not be provisioned")])


def revoke_token(sessions: SessionFactory, token_id: str, *, actor: Actor = CLI_ACTOR) -> bool:
    """Revoke the token for good. True if it was revoked now, False if it already was. Raises
    `UnknownToken`."""
    with sessions() as session:
        row = session.get(ApiToken, token_id)
        if row is None:
            raise UnknownToken(token_id)
        if row.revoked:
            return False
        user_id = row.user_id

    def write(session: Session) -> None:
        current = session.get(ApiToken, token_id)
        assert current is not None
        current.revoked = True
        session.add(current)

    record_step(
        sessions,
        case_id=audit_subject(user_id),
        step="token-revoked",
        key_suffix=token_id,
        actor=actor,
        content_sha256=content_sha256({"token_id": token_id}),
        details={"token_id": token_id},
        write=write,
    )
    return True


def disable_user(sessions: SessionFactory, user_id: str, *, actor: Actor = CLI_ACTOR) -> bool:
    """Disable the account (its tokens stop working; the row stays, for the audit log's sake).
    True if disabled now, False if it already was. Raises `AccountRefused` for an unknown user."""
    with sessions() as session:
        user = session.get(UserAccount, user_id)
        if user is None:
            raise AccountRefused([AccountProblem("user_id", "no user has this id")])
        if user.disabled:
            return False

    def write(session: Session) -> None:
        current = session.get(UserAccount, user_id)
        assert current is not None
        current.disabled = True
        session.add(current)

    record_step(
        sessions,
        case_id=audit_subject(user_id),
        step="user-disabled",
        actor=actor,
        content_sha256=content_sha256({"user_id": user_id, "disabled": True}),
        details={"disabled": True},
        write=write,
    )
    return True


@dataclass(frozen=True)
class UserListing:
    """A user as `dutyflow users list` shows them: no token, no hash."""

    user_id: str
    display_name: str
    role: str
    clinic_id: str | None
    agency_id: str | None
    created_at: datetime
    disabled: bool
    active_tokens: int
    last_used_at: datetime | None


def list_users(sessions: SessionFactory) -> list[UserListing]:
    with sessions() as session:
        users = session.exec(select(UserAccount).order_by(col(UserAccount.user_id))).all()
        tokens = session.exec(select(ApiToken)).all()
    listings = []
    for user in users:
        own = [t for t in tokens if t.user_id == user.user_id]
        used = [_as_utc(t.last_used_at) for t in own if t.last_used_at is not None]
        listings.append(
            UserListing(
                user_id=user.user_id,
                display_name=user.display_name,
                role=user.role,
                clinic_id=user.clinic_id,
                agency_id=user.agency_id,
                created_at=_as_utc(user.created_at),
                disabled=user.disabled,
                active_tokens=sum(1 for t in own if not t.revoked),
                last_used_at=max(used) if used else None,
            )
        )
    return listings


def expired(row: ApiToken, now: datetime) -> bool:
    """Past its expiry (a token from before expiries: 90 days after it was made), or a web
    session left unused longer than `SESSION_IDLE`."""
    expires = row.expires_at or _as_utc(row.created_at) + API_TOKEN_LIFETIME
    if now >= _as_utc(expires):
        return True
    last_used = row.last_used_at or row.created_at
    return row.session and now - _as_utc(last_used) > SESSION_IDLE


def authenticate(sessions: SessionFactory, token: str | None) -> Principal | None:
    """The principal a bearer token stands for; None for a missing, malformed, unknown or revoked
    token, or a disabled user. Notes when the token was last used (to the minute)."""
    if not token:
        return None
    parsed = parse_token(token.strip())
    if parsed is None:
        return None
    token_id, _secret = parsed
    digest = token_sha256(token.strip())
    now = utcnow()
    with sessions() as session, session.begin():
        row = session.get(ApiToken, token_id)
        if row is None:
            hmac.compare_digest(digest, _UNUSED_DIGEST)  # the same work as for a known id
            return None
        if not hmac.compare_digest(digest, row.token_sha256) or row.revoked or expired(row, now):
            return None
        user = session.get(UserAccount, row.user_id)
        if user is None or user.disabled:
            return None
        if row.last_used_at is None or now - _as_utc(row.last_used_at) >= LAST_USED_RESOLUTION:
            row.last_used_at = now
            session.add(row)
        return principal_of(user)


# --- passwords: the web app's sign-in ------------------------------------------------------------


def password_problems(password: str, user_id: str | None = None) -> list[AccountProblem]:
    """What is wrong with a new password (`dutyflow.auth.passwords.strength_problems`); empty
    when it may be set."""
    return [AccountProblem("password", p) for p in strength_problems(password, user_id)]


def password_matches(password: str, stored: str | None) -> bool:
    """Whether ``password`` is the one ``stored`` was made from (Argon2id, or an old scrypt
    hash); the same work is done when there is no stored hash."""
    return check_password(password, stored)[0]


def set_password(
    sessions: SessionFactory, user_id: str, password: str, *, actor: Actor = CLI_ACTOR
) -> None:
    """Give the user a (new) password; audited as ``password-set``, the password and its hash
    never. Raises `AccountRefused` naming ``password`` or ``user_id``."""
    problems = password_problems(password, user_id)
    if problems:
        raise AccountRefused(problems)
    hashed = hash_password(password)

    def write(session: Session) -> None:
        user = session.get(UserAccount, user_id)
        if user is None:
            raise _Refused([AccountProblem("user_id", "no user has this id")])
        if user.disabled:
            raise _Refused([AccountProblem("user_id", "this user is disabled")])
        user.password_hash = hashed
        session.add(user)

    try:
        record_step(
            sessions,
            case_id=audit_subject(user_id),
            step="password-set",
            key_suffix=secrets.token_hex(8),
            actor=actor,
            content_sha256=content_sha256({"user_id": user_id, "password_set": True}),
            details={"password_set": True},
            write=write,
        )
    except _Refused as refused:
        raise AccountRefused(refused.problems) from None


def _replace_hash(sessions: SessionFactory, user_id: str, old: str | None, new: str) -> None:
    with sessions() as session, session.begin():
        user = session.get(UserAccount, user_id)
        if user is not None and user.password_hash == old:  # not changed meanwhile
            user.password_hash = new
            session.add(user)


def sign_in(sessions: SessionFactory, user_id: str, password: str) -> tuple[Principal, str] | None:
    """The principal and a fresh token, issued in the user's own name, when ``password`` is the
    enabled user's; else None, whichever of user id or password was wrong."""
    if len(password) > PASSWORD_MAX_LENGTH:
        return None
    with sessions() as session:
        user = session.get(UserAccount, user_id) if user_id else None
        stored = user.password_hash if user is not None else None
    matches, rehashed = check_password(password, stored)
    if not matches or user is None or user.disabled:
        return None
    if rehashed is not None:  # an old scrypt hash (or weaker Argon2): Argon2id from now on
        _replace_hash(sessions, user.user_id, stored, rehashed)
    principal = principal_of(user)
    try:
        _row, token = issue_token(
            sessions,
            user.user_id,
            actor=Actor(actor_id=user.user_id, role=user.role),
            session=True,
        )
    except AccountRefused:  # disabled at this very moment
        return None
    return principal, token
