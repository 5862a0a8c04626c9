"""Sign-in is throttled per account and per address: after five failures for an account within
fifteen minutes, its sign-in is refused (429, a clear message, Retry-After) for fifteen minutes,
even with the right password, and without checking it; after twenty from one address, every
sign-in from there is. The lock ends by itself; a success clears the account's failures. The
counts are in the database, so they hold across API processes: two apps over one database
count together."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import select

from dutyflow.auth.store import set_password
from dutyflow.auth.throttle import (
    ACCOUNT_LIMIT,
    ADDRESS_LIMIT,
    LOCKOUT,
    WINDOW,
    SignInThrottle,
    throttle_key,
)
from dutyflow.domain.agencies import AgencyDirectory
from dutyflow.domain.policy import PolicyLibrary
from dutyflow.settings import REPO_ROOT
from dutyflow.store.db import SessionFactory
from dutyflow.store.tables import SignInThrottleCount
from tests.auth.helpers import new_user
from tests.conftest import Harness
from tests.web.conftest import WebUser, sign_in


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC) + timedelta(days=uuid.uuid4().int % 1000)

    def __call__(self) -> datetime:
        return self.now


def name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def test_an_account_is_locked_after_repeated_failures_and_unlocks_later(
    sessions: SessionFactory,
) -> None:
    clock, user = Clock(), name("practitioner")
    throttle = SignInThrottle(sessions, clock)
    for _ in range(ACCOUNT_LIMIT - 1):
        throttle.failed(user, name("10.0.0"))
    assert throttle.wait_seconds(user, name("10.0.0")) == 0

    throttle.failed(user, name("10.0.0"))

    assert throttle.wait_seconds(user, name("10.0.0")) == LOCKOUT.total_seconds()
    assert throttle.wait_seconds(name("practitioner"), name("10.0.0")) == 0
    clock.now += LOCKOUT
    assert throttle.wait_seconds(user, name("10.0.0")) == 0


def test_failures_spread_beyond_the_window_do_not_lock(sessions: SessionFactory) -> None:
    clock, user = Clock(), name("practitioner")
    throttle = SignInThrottle(sessions, clock)
    for _ in range(ACCOUNT_LIMIT - 1):
        throttle.failed(user, name("10.0.0"))
    clock.now += LOCKOUT + timedelta(seconds=1)

    throttle.failed(user, name("10.0.0"))

    assert throttle.wait_seconds(user, name("10.0.0")) == 0


def test_an_address_is_locked_after_failures_across_accounts(sessions: SessionFactory) -> None:
    throttle, address = SignInThrottle(sessions, Clock()), name("10.0.0")
    for _ in range(ADDRESS_LIMIT):
        throttle.failed(name("guess"), address)
    assert throttle.wait_seconds("anyone", address) > 0
    assert throttle.wait_seconds("anyone", name("10.0.0")) == 0


def test_a_success_clears_the_accounts_failures(sessions: SessionFactory) -> None:
    throttle, user = SignInThrottle(sessions, Clock()), name("practitioner")
    for _ in range(ACCOUNT_LIMIT - 1):
        throttle.failed(user, name("10.0.0"))
    throttle.succeeded(user)
    throttle.failed(user, name("10.0.0"))
    assert throttle.wait_seconds(user, name("10.0.0")) == 0


def test_counts_whose_window_has_passed_are_forgotten(sessions: SessionFactory) -> None:
    clock, guessed = Clock(), name("made-up")
    throttle = SignInThrottle(sessions, clock)
    throttle.failed(guessed, name("10.0.0"))
    clock.now += WINDOW + timedelta(seconds=1)

    throttle.failed(name("someone-else"), name("10.0.0"))

    with sessions() as session:
        kept = session.get(SignInThrottleCount, throttle_key("account", guessed))
    assert kept is None


def test_the_counts_are_kept_hashed_never_the_user_id_typed(sessions: SessionFactory) -> None:
    typed = name("a-password-typed-as-user-id")
    SignInThrottle(sessions, Clock()).failed(typed, "10.9.8.7")
    with sessions() as session:
        stored = " ".join(
            f"{row.key_sha256} {row.failures}" for row in session.exec(select(SignInThrottleCount))
        )
    assert typed not in stored and "10.9.8.7" not in stored


def api_process(engine: Engine, address: str) -> httpx.AsyncClient:
    """A client of a new app over ``engine``, as one of several API worker processes would be;
    its requests come from ``address``."""
    from dutyflow.api.app import create_app

    app = create_app(
        connect_client=None,  # signing in needs no Temporal
        engine=engine,
        policies=PolicyLibrary(REPO_ROOT / "policies"),
        directory=AgencyDirectory.load(REPO_ROOT / "agencies", "http://127.0.0.1:9"),
        task_queue="unused",
        secrets=lambda agency: b"",
    )
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=(address, 50000)),
        base_url="http://127.0.0.1",
    )


async def test_the_limit_holds_across_two_api_processes_over_one_database(
    engine: Engine, sessions: SessionFactory
) -> None:
    user, _token = new_user(sessions, "practitioner", clinic_id="clinic-demo-01")
    password = secrets.token_urlsafe(16)
    set_password(sessions, user.user_id, password)
    right = WebUser(user.user_id, password, "practitioner", user.clinic_id, None)
    wrong = WebUser(user.user_id, "not the password at all", "practitioner", user.clinic_id, None)
    address = "198.51.100.7"
    async with api_process(engine, address) as first, api_process(engine, address) as second:
        # Each process alone sees fewer failures than the limit; together they reach it.
        for attempt in range(ACCOUNT_LIMIT):
            answer = await sign_in(first if attempt % 2 else second, wrong)
            assert answer.status_code == 401, answer.text[:300]

        locked_here = await sign_in(first, right)
        locked_there = await sign_in(second, right)

    assert locked_here.status_code == locked_there.status_code == 429


async def test_the_right_password_is_refused_once_the_account_is_locked(
    api: httpx.AsyncClient, stack: Harness, web_users
) -> None:
    user = web_users("practitioner", clinic_id="clinic-demo-01")
    wrong = WebUser(user.user_id, "not the password at all", user.role, user.clinic_id, None)
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=120) as browser:
        for _ in range(ACCOUNT_LIMIT):
            assert (await sign_in(browser, wrong)).status_code == 401

        locked = await sign_in(browser, user)

    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.text and int(locked.headers["retry-after"]) > 0
