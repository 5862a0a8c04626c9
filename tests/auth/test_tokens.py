"""Users and bearer tokens in the database: tokens are stored only as their SHA-256, a revoked
token or a disabled user no longer authenticates, and every change is audited without secrets.
Runs on SQLite, and on PostgreSQL when DUTYFLOW_TEST_POSTGRES_URL is set."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import select

from dutyflow.auth.roles import Principal
from dutyflow.auth.store import (
    LAST_USED_RESOLUTION,
    AccountRefused,
    UnknownToken,
    audit_subject,
    authenticate,
    disable_user,
    issue_token,
    list_users,
    parse_token,
    revoke_token,
)
from dutyflow.store import audit_log
from dutyflow.store.db import SessionFactory
from dutyflow.store.tables import ApiToken, UserAccount
from tests.auth.helpers import new_user, unique


def all_stored_text(engine: Engine) -> str:
    """Every row of the user, token and audit tables, as text."""
    with engine.connect() as connection:
        rows = [
            repr(tuple(row))
            for table in ("user_account", "api_token", "audit_entry")
            for row in connection.execute(text(f"SELECT * FROM {table}"))
        ]
    return "\n".join(rows)


def test_a_token_is_shaped_dfy_id_secret_with_32_random_bytes(sessions: SessionFactory) -> None:
    user, token = new_user(sessions, "practitioner")

    parsed = parse_token(token)
    assert parsed is not None and token.startswith("dfy_")
    token_id, secret = parsed
    assert len(secret) >= 43  # 32 bytes, url-safe base64
    with sessions() as session:
        row = session.get(ApiToken, token_id)
    assert row is not None and row.user_id == user.user_id
    assert row.token_sha256 == hashlib.sha256(token.encode()).hexdigest()


def test_the_plaintext_token_never_reaches_the_database(
    engine: Engine, sessions: SessionFactory
) -> None:
    user, first = new_user(sessions, "supervisor")
    _row, second = issue_token(sessions, user.user_id)

    stored = all_stored_text(engine)
    for token in (first, second):
        token_id, secret = parse_token(token)  # type: ignore[misc]
        assert token_id in stored  # the id is not secret: revocation names it
        assert token not in stored
        assert secret not in stored
        assert secret[:16] not in stored


def test_authenticate_answers_the_principal_and_notes_the_use(sessions: SessionFactory) -> None:
    user, token = new_user(sessions, "practitioner", clinic_id="clinic-north")
    token_id = parse_token(token)[0]  # type: ignore[index]

    assert authenticate(sessions, token) == Principal(
        user_id=user.user_id, role="practitioner", clinic_id="clinic-north", agency_id=None
    )
    with sessions() as session:
        used = session.get(ApiToken, token_id)
    assert used is not None and used.last_used_at is not None
    assert timedelta(minutes=5) >= LAST_USED_RESOLUTION
    assert authenticate(sessions, f"  {token}  ") is not None  # stray whitespace is forgiven


@pytest.mark.parametrize(
    "forged",
    [None, "", "dfy_", "Bearer x", "dfy_nothex0123456789_secret", "dfy_0123456789abcdef_secret"],
)
def test_malformed_and_unknown_tokens_fail(sessions: SessionFactory, forged: str | None) -> None:
    assert authenticate(sessions, forged) is None


def test_a_known_id_with_the_wrong_secret_fails(sessions: SessionFactory) -> None:
    _user, token = new_user(sessions, "compliance")
    token_id, secret = parse_token(token)  # type: ignore[misc]
    assert authenticate(sessions, f"dfy_{token_id}_{secret[:-1]}x") is None
    assert authenticate(sessions, token) is not None


def test_a_revoked_token_fails_and_the_others_still_work(sessions: SessionFactory) -> None:
    user, first = new_user(sessions, "admin")
    second_row, second = issue_token(sessions, user.user_id)
    first_id = parse_token(first)[0]  # type: ignore[index]

    assert revoke_token(sessions, first_id) is True
    assert revoke_token(sessions, first_id) is False  # already

    assert authenticate(sessions, first) is None
    assert authenticate(sessions, second) is not None
    with pytest.raises(UnknownToken):
        revoke_token(sessions, "0123456789abcdef")
    assert second_row.token_id != first_id


def test_a_disabled_user_fails_and_gets_no_new_token(sessions: SessionFactory) -> None:
    user, token = new_user(sessions, "agency")
    assert authenticate(sessions, token) is not None

    assert disable_user(sessions, user.user_id) is True
    assert disable_user(sessions, user.user_id) is False

    assert authenticate(sessions, token) is None
    with pytest.raises(AccountRefused, match="disabled"):
        issue_token(sessions, user.user_id)


def test_refused_accounts_name_the_field_and_leave_nothing(sessions: SessionFactory) -> None:
    user, _token = new_user(sessions, "practitioner")
    with pytest.raises(AccountRefused) as duplicate:
        new_user_with(sessions, user.user_id)
    assert [(p.field, p.problem) for p in duplicate.value.problems] == [
        ("user_id", "a user with this id already exists")
    ]
    with pytest.raises(AccountRefused, match="clinic_id: required for a practitioner"):
        new_user_with(sessions, unique("nobody"), clinic_id=None)
    with pytest.raises(AccountRefused, match="user_id: no user"):
        issue_token(sessions, unique("nobody"))

    with sessions() as session:
        tokens = session.exec(select(ApiToken).where(ApiToken.user_id == user.user_id)).all()
        entries = audit_log.entries_for_case(session, audit_subject(user.user_id))
    assert len(tokens) == 1
    assert [e.step for e in entries] == ["user-added"]


def new_user_with(sessions: SessionFactory, user_id: str, clinic_id: str | None = "c-1") -> None:
    from dutyflow.auth.store import add_user

    add_user(
        sessions, user_id=user_id, display_name="Again", role="practitioner", clinic_id=clinic_id
    )


def test_user_administration_is_audited_without_secrets(sessions: SessionFactory) -> None:
    user, token = new_user(sessions, "supervisor", clinic_id="clinic-east")
    row, _second = issue_token(sessions, user.user_id)
    revoke_token(sessions, row.token_id)
    disable_user(sessions, user.user_id)

    with sessions() as session:
        entries = audit_log.entries_for_case(session, audit_subject(user.user_id))
        assert audit_log.verify(session).intact
    assert [e.step for e in entries] == [
        "user-added",
        "token-issued",
        "token-revoked",
        "user-disabled",
    ]
    assert entries[0].details == {
        "role": "supervisor",
        "clinic_id": "clinic-east",
        "agency_id": None,
        "token_id": parse_token(token)[0],  # type: ignore[index]
    }
    assert entries[1].details == {"token_id": row.token_id}


def test_list_users_shows_no_token_and_no_hash(sessions: SessionFactory) -> None:
    user, token = new_user(sessions, "practitioner")
    authenticate(sessions, token)

    listing = next(u for u in list_users(sessions) if u.user_id == user.user_id)

    assert listing.active_tokens == 1 and listing.last_used_at is not None
    shown = repr(listing)
    assert token not in shown
    assert hashlib.sha256(token.encode()).hexdigest() not in shown
    with sessions() as session:
        assert session.get(UserAccount, user.user_id) is not None
