"""Tokens expire: an API token 90 days after it is issued (one from before expiries, 90 days
after it was made); a web session's token 12 hours after sign-in, or after 30 minutes unused."""

from __future__ import annotations

from datetime import timedelta

from dutyflow.auth.store import (
    API_TOKEN_LIFETIME,
    SESSION_IDLE,
    SESSION_LIFETIME,
    authenticate,
    issue_token,
    parse_token,
    set_password,
    sign_in,
)
from dutyflow.store.db import SessionFactory
from dutyflow.store.tables import ApiToken, utcnow
from tests.auth.helpers import new_user


def shift(sessions: SessionFactory, token: str, **times: timedelta | None) -> None:
    """Move the token's times back by the given amounts (None: clear the column)."""
    parsed = parse_token(token)
    assert parsed is not None
    with sessions() as session, session.begin():
        row = session.get(ApiToken, parsed[0])
        assert row is not None
        for column, back in times.items():
            setattr(row, column, None if back is None else utcnow() - back)
        session.add(row)


def test_an_api_token_expires_after_its_lifetime(sessions: SessionFactory) -> None:
    user, _ = new_user(sessions, "practitioner")
    row, token = issue_token(sessions, user.user_id)
    assert row.expires_at is not None and not row.session
    assert authenticate(sessions, token) is not None

    shift(sessions, token, expires_at=timedelta(seconds=1))

    assert authenticate(sessions, token) is None


def test_a_token_from_before_expiries_ends_its_lifetime_after_it_was_made(
    sessions: SessionFactory,
) -> None:
    user, _ = new_user(sessions, "practitioner")
    _row, token = issue_token(sessions, user.user_id)
    shift(sessions, token, expires_at=None, created_at=API_TOKEN_LIFETIME - timedelta(days=1))
    assert authenticate(sessions, token) is not None

    shift(sessions, token, created_at=API_TOKEN_LIFETIME + timedelta(days=1))

    assert authenticate(sessions, token) is None


def test_a_web_session_ends_when_left_unused(sessions: SessionFactory) -> None:
    user, _ = new_user(sessions, "practitioner")
    set_password(sessions, user.user_id, "a long enough secret")
    signed = sign_in(sessions, user.user_id, "a long enough secret")
    assert signed is not None
    _principal, token = signed
    shift(sessions, token, last_used_at=SESSION_IDLE - timedelta(minutes=1))
    assert authenticate(sessions, token) is not None

    shift(sessions, token, last_used_at=SESSION_IDLE + timedelta(minutes=1))

    assert authenticate(sessions, token) is None


def test_a_web_session_ends_after_its_absolute_lifetime(sessions: SessionFactory) -> None:
    user, _ = new_user(sessions, "practitioner")
    set_password(sessions, user.user_id, "a long enough secret")
    signed = sign_in(sessions, user.user_id, "a long enough secret")
    assert signed is not None
    token = signed[1]
    parsed = parse_token(token)
    assert parsed is not None
    with sessions() as session:
        row = session.get(ApiToken, parsed[0])
        assert row is not None and row.session and row.expires_at is not None
        assert row.expires_at - row.created_at <= SESSION_LIFETIME + timedelta(seconds=5)

    shift(sessions, token, expires_at=timedelta(seconds=1))

    assert authenticate(sessions, token) is None
