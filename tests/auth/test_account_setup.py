"""A new account comes with a one-time set-up code, never a token: whoever creates the account
cannot read the new user's cases in their name. The code is stored only hashed, works once and
until it expires, is replaced by a newer one, and is audited when issued (as the issuer) and
when used (as the user); with it the user sets their own password, over the API or on the
set-up page."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import httpx
import pytest
from sqlmodel import col, select

from dutyflow.auth.account_setup import (
    NOT_A_CODE,
    create_account,
    issue_setup_code,
    redeem_setup_code,
)
from dutyflow.auth.store import AccountRefused, audit_subject, disable_user, sign_in
from dutyflow.contracts import Actor
from dutyflow.store import audit_log
from dutyflow.store.db import SessionFactory
from dutyflow.store.tables import AccountSetup, ApiToken, AuditEntry, utcnow
from tests.auth.helpers import unique
from tests.conftest import Callers, Harness
from tests.web.conftest import WebUser, csrf_of
from tests.web.conftest import sign_in as sign_in_on_the_page

ADMIN = Actor(actor_id="admin-setup-test", role="admin")
PASSWORD = "a practitioner's own passphrase"


def new_practitioner(sessions: SessionFactory) -> tuple[str, str]:
    user, setup = create_account(
        sessions,
        user_id=unique("practitioner"),
        display_name="Dr. Set Up",
        role="practitioner",
        clinic_id="clinic-demo-01",
        actor=ADMIN,
    )
    return user.user_id, setup.code


def refused_field(refused: pytest.ExceptionInfo[AccountRefused]) -> list[str]:
    return [p.field for p in refused.value.problems]


def test_a_new_account_has_no_token_and_its_code_is_kept_only_hashed(
    sessions: SessionFactory,
) -> None:
    user_id, code = new_practitioner(sessions)

    with sessions() as session:
        tokens = session.exec(select(ApiToken).where(col(ApiToken.user_id) == user_id)).all()
        [row] = session.exec(select(AccountSetup).where(col(AccountSetup.user_id) == user_id))
        entries = session.exec(
            select(AuditEntry).where(col(AuditEntry.case_id) == audit_subject(user_id))
        ).all()
    assert tokens == []
    assert row.code_sha256 == hashlib.sha256(code.encode()).hexdigest()
    assert row.expires_at is not None and row.used_at is None
    assert [(e.step, e.actor_id) for e in entries] == [("user-added", ADMIN.actor_id)]
    assert code not in str(entries[0].details) and row.code_sha256 not in str(entries[0].details)


def test_the_user_sets_their_password_with_the_code_once(sessions: SessionFactory) -> None:
    user_id, code = new_practitioner(sessions)

    principal = redeem_setup_code(sessions, code, PASSWORD)

    assert principal.user_id == user_id
    assert sign_in(sessions, user_id, PASSWORD) is not None
    with pytest.raises(AccountRefused) as again:
        redeem_setup_code(sessions, code, "another passphrase entirely")
    assert refused_field(again) == ["code"]
    assert sign_in(sessions, user_id, "another passphrase entirely") is None
    with sessions() as session:
        entries = audit_log.entries_for_case(session, audit_subject(user_id))
    used = [(e.step, e.actor_id) for e in entries if e.step == "account-set-up"]
    assert used == [("account-set-up", user_id)]


def test_a_weak_password_is_refused_and_leaves_the_code_usable(sessions: SessionFactory) -> None:
    user_id, code = new_practitioner(sessions)

    with pytest.raises(AccountRefused) as weak:
        redeem_setup_code(sessions, code, "passwordpassword")

    assert refused_field(weak) == ["password"]
    assert redeem_setup_code(sessions, code, PASSWORD).user_id == user_id


def test_an_expired_code_is_refused_like_an_unknown_one(sessions: SessionFactory) -> None:
    user_id, code = new_practitioner(sessions)
    with sessions() as session, session.begin():
        [row] = session.exec(select(AccountSetup).where(col(AccountSetup.user_id) == user_id))
        row.expires_at = utcnow() - timedelta(seconds=1)
        session.add(row)

    with pytest.raises(AccountRefused) as expired:
        redeem_setup_code(sessions, code, PASSWORD)
    with pytest.raises(AccountRefused) as unknown:
        redeem_setup_code(sessions, code[:-4] + "AAAA", PASSWORD)

    assert [p.problem for p in expired.value.problems] == [NOT_A_CODE]
    assert [p.problem for p in unknown.value.problems] == [NOT_A_CODE]
    assert sign_in(sessions, user_id, PASSWORD) is None


def test_a_new_code_replaces_the_earlier_one(sessions: SessionFactory) -> None:
    user_id, first = new_practitioner(sessions)

    second = issue_setup_code(sessions, user_id, actor=ADMIN)

    with pytest.raises(AccountRefused):
        redeem_setup_code(sessions, first, PASSWORD)
    assert redeem_setup_code(sessions, second.code, PASSWORD).user_id == user_id


def test_a_disabled_accounts_code_no_longer_works(sessions: SessionFactory) -> None:
    user_id, code = new_practitioner(sessions)
    disable_user(sessions, user_id, actor=ADMIN)

    with pytest.raises(AccountRefused) as refused:
        redeem_setup_code(sessions, code, PASSWORD)

    assert refused_field(refused) == ["code"]


async def test_the_api_refuses_a_used_code_naming_the_field_and_never_echoing_it(
    api: httpx.AsyncClient, stack: Harness, callers: Callers
) -> None:
    _user_id, code = new_practitioner(stack.sessions)
    anonymous = callers.anonymous()
    first = await anonymous.post("/account-setup", json={"code": code, "password": PASSWORD})
    assert first.status_code == 201, first.text

    again = await anonymous.post("/account-setup", json={"code": code, "password": PASSWORD})
    weak = await anonymous.post(
        "/account-setup", json={"code": new_practitioner(stack.sessions)[1], "password": "short"}
    )

    assert again.status_code == 422
    assert [e["field"] for e in again.json()["errors"]] == ["code"]
    assert code not in again.text and PASSWORD not in again.text
    assert [e["field"] for e in weak.json()["errors"]] == ["password"]


async def test_the_user_sets_up_their_account_on_the_page_and_signs_in(
    api: httpx.AsyncClient, stack: Harness
) -> None:
    user_id, code = new_practitioner(stack.sessions)
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=120) as browser:
        form = await browser.get("/app/set-up")
        differ = await browser.post(
            "/app/set-up",
            data={
                "csrf": csrf_of(form.text),
                "code": code,
                "password": PASSWORD,
                "password_again": PASSWORD + "!",
            },
        )
        set_up = await browser.post(
            "/app/set-up",
            data={
                "csrf": csrf_of(form.text),
                "code": code,
                "password": PASSWORD,
                "password_again": PASSWORD,
            },
        )
        signed_in = await sign_in_on_the_page(
            browser, WebUser(user_id, PASSWORD, "practitioner", "clinic-demo-01", None)
        )

    assert differ.status_code == 422 and "The two passwords differ" in differ.text
    assert code not in differ.text and PASSWORD not in differ.text
    assert set_up.status_code == 303 and set_up.headers["location"].endswith("/sign-in")
    assert signed_in.status_code == 303
