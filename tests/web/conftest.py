"""Fixtures of the web app's tests: users who sign in with a password, a signed-in httpx client
of the served app, and Debian's Chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import html
import re
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from dutyflow.auth.store import set_password
from tests.auth.helpers import new_user
from tests.conftest import CLIENT_TLS, Harness

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# How long a page may take to load or an element to be ready: a page waits on the served app, which
# shares its machine with two other test sessions' workers and Temporal servers.
PAGE_TIMEOUT_MS = 90_000
CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


@dataclass
class WebUser:
    user_id: str
    password: str
    role: str
    clinic_id: str | None
    agency_id: str | None


@pytest.fixture
def web_users(stack: Harness) -> Any:
    """``web_users("practitioner", clinic_id=...)``: a new user with a password."""

    def make(role: str, *, clinic_id: str | None = None, agency_id: str | None = None) -> WebUser:
        user, _token = new_user(stack.sessions, role, clinic_id=clinic_id, agency_id=agency_id)
        password = secrets.token_urlsafe(16)
        set_password(stack.sessions, user.user_id, password)
        return WebUser(user.user_id, password, role, user.clinic_id, user.agency_id)

    return make


def csrf_of(page: str) -> str:
    found = CSRF.search(page)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


async def sign_in(http: httpx.AsyncClient, user: WebUser) -> httpx.Response:
    """Sign ``http`` (which keeps cookies) in through the sign-in form."""
    form = await http.get("/app/sign-in")
    return await http.post(
        "/app/sign-in",
        data={
            "csrf": csrf_of(form.text),
            "user_id": user.user_id,
            "password": user.password,
        },
    )


@asynccontextmanager
async def signed_in(stack: Harness, user: WebUser) -> AsyncIterator[httpx.AsyncClient]:
    """A cookie-keeping client of the pages, signed in as ``user`` through the sign-in form."""
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=120, verify=CLIENT_TLS) as http:
        answer = await sign_in(http, user)
        assert answer.status_code == 303, answer.text[:500]
        yield http


def section(page: str, heading_id: str) -> str:
    """The text of the part of ``page`` that the heading ``heading_id`` opens."""
    assert f'id="{heading_id}"' in page, f"the page has no {heading_id}"
    return html.unescape(page.split(f'id="{heading_id}"', 1)[1].split("</section>", 1)[0])


@pytest.fixture
async def browser_client(stack: Harness) -> AsyncIterator[httpx.AsyncClient]:
    """A cookie-keeping client of the served app (the `api` fixture serves it), like a browser
    without JavaScript; it does not follow redirects, so each one can be checked."""
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=120, verify=CLIENT_TLS) as http:
        yield http


@pytest.fixture
async def chromium() -> AsyncIterator[Any]:
    """Debian's Chromium, headless, driven by Playwright."""
    if not CHROMIUM.exists():  # noqa: ASYNC240  one stat, once per test, before any browser
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (.ci/run does)")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        await browser.close()
