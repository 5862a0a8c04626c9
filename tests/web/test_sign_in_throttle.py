"""Sign-in is throttled per account and per address: after five failures for an account within
fifteen minutes, its sign-in is refused (429, a clear message, Retry-After) for fifteen minutes,
even with the right password, and without checking it; after twenty from one address, every
sign-in from there is. The lock ends by itself; a success clears the account's failures."""

from __future__ import annotations

import httpx

from dutyflow.auth.throttle import ACCOUNT_LIMIT, ADDRESS_LIMIT, LOCKOUT, SignInThrottle
from tests.conftest import Harness
from tests.web.conftest import WebUser, sign_in


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_account_is_locked_after_repeated_failures_and_unlocks_later() -> None:
    clock = Clock()
    throttle = SignInThrottle(clock)
    for _ in range(ACCOUNT_LIMIT - 1):
        throttle.failed("practitioner-1", "10.0.0.1")
    assert throttle.wait_seconds("practitioner-1", "10.0.0.2") == 0

    throttle.failed("practitioner-1", "10.0.0.3")

    assert throttle.wait_seconds("practitioner-1", "10.0.0.9") == LOCKOUT
    assert throttle.wait_seconds("practitioner-2", "10.0.0.9") == 0
    clock.now += LOCKOUT
    assert throttle.wait_seconds("practitioner-1", "10.0.0.9") == 0


def test_an_address_is_locked_after_failures_across_accounts() -> None:
    throttle = SignInThrottle(Clock())
    for index in range(ADDRESS_LIMIT):
        throttle.failed(f"guess-{index}", "10.0.0.1")
    assert throttle.wait_seconds("anyone", "10.0.0.1") > 0
    assert throttle.wait_seconds("anyone", "10.0.0.2") == 0


def test_a_success_clears_the_accounts_failures() -> None:
    throttle = SignInThrottle(Clock())
    for _ in range(ACCOUNT_LIMIT - 1):
        throttle.failed("practitioner-1", "10.0.0.1")
    throttle.succeeded("practitioner-1")
    throttle.failed("practitioner-1", "10.0.0.1")
    assert throttle.wait_seconds("practitioner-1", "10.0.0.1") == 0


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
