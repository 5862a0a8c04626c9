"""The web app without a browser: sign-in and its messages, the session cookie, CSRF refusals,
signing out, no case content in URLs, and the accessibility basics of every page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

import httpx
import pytest

from dutyflow.auth.api import TOKEN_COOKIE
from dutyflow.demo import example_case as scenario
from tests.conftest import Harness
from tests.web.conftest import WebUser, csrf_of, sign_in

# The pages act through the API, which the other tests run on both databases.
pytestmark = pytest.mark.one_database

CONTENT = ("Sam", "Example", "Elm", "Bruising", "Dad", "Rivera", "Counselling")


class PageFacts(HTMLParser):
    """What the checks need of a page: its language, landmarks, labels, inputs, links, forms."""

    def __init__(self) -> None:
        super().__init__()
        self.lang: str | None = None
        self.landmarks: set[str] = set()
        self.labels: set[str] = set()
        self.controls: list[tuple[str, str | None]] = []  # (tag or type, id)
        self.urls: list[str] = []
        self.forms: list[dict[str, str | None]] = []
        self._open_label = 0
        self.wrapped = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        if tag in ("main", "header", "nav", "footer"):
            self.landmarks.add(tag)
        if tag == "label" and a.get("for"):
            self.labels.add(a["for"] or "")
        if tag in ("input", "select", "textarea"):
            kind = a.get("type") or tag
            if kind not in ("hidden", "submit", "button"):
                self.controls.append((kind, a.get("id")))
        if tag == "a" and a.get("href"):
            self.urls.append(a["href"] or "")
        if tag == "form":
            self.forms.append(
                {"method": (a.get("method") or "get").lower(), "action": a.get("action")}
            )
            self.urls.append(a.get("action") or "")


def facts(page: str) -> PageFacts:
    parsed = PageFacts()
    parsed.feed(page)
    return parsed


def assert_accessible(page: str) -> None:
    found = facts(page)
    assert found.lang == "en"
    assert {"main", "nav", "header"} <= found.landmarks
    unlabelled = [c for c in found.controls if c[1] is None or c[1] not in found.labels]
    assert unlabelled == [], f"inputs without a label: {unlabelled}"


async def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(
    api: httpx.AsyncClient, browser_client: httpx.AsyncClient, web_users
) -> None:
    user: WebUser = web_users("compliance")
    user.password = "not the password at all"

    answer = await sign_in(browser_client, user)

    assert answer.status_code == 401
    assert "The user id or the password is not right" in answer.text
    assert TOKEN_COOKIE not in browser_client.cookies


async def test_an_unknown_user_gets_the_same_message_as_a_wrong_password(
    api: httpx.AsyncClient, browser_client: httpx.AsyncClient
) -> None:
    nobody = WebUser("nobody-here", "some password 123", "practitioner", None, None)

    answer = await sign_in(browser_client, nobody)

    assert answer.status_code == 401
    assert "The user id or the password is not right" in answer.text


async def test_a_missing_user_id_and_password_are_named_next_to_their_fields(
    api: httpx.AsyncClient, browser_client: httpx.AsyncClient
) -> None:
    form = await browser_client.get("/app/sign-in")

    answer = await browser_client.post("/app/sign-in", data={"csrf": csrf_of(form.text)})

    assert answer.status_code == 422
    assert '<p class="error-message" id="user_id-error">Enter your user id.</p>' in answer.text
    assert '<p class="error-message" id="password-error">Enter your password.</p>' in answer.text


async def test_signing_in_sets_the_token_as_a_strict_http_only_cookie(
    api: httpx.AsyncClient, browser_client: httpx.AsyncClient, web_users
) -> None:
    user = web_users("compliance")

    answer = await sign_in(browser_client, user)

    assert answer.status_code == 303
    assert answer.headers["location"] == "/app/compliance"
    cookie = next(
        v
        for k, v in answer.headers.multi_items()
        if k == "set-cookie" and v.startswith(TOKEN_COOKIE + "=")
    )
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http here; Secure over https
    token = browser_client.cookies[TOKEN_COOKIE]
    me = await browser_client.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["user_id"] == user.user_id


async def test_a_sign_in_without_its_form_token_is_refused(
    api: httpx.AsyncClient, browser_client: httpx.AsyncClient, web_users
) -> None:
    user = web_users("compliance")

    answer = await browser_client.post(
        "/app/sign-in", data={"user_id": user.user_id, "password": user.password}
    )

    assert answer.status_code == 403
    assert TOKEN_COOKIE not in browser_client.cookies


async def test_a_form_without_its_csrf_token_or_with_another_sessions_is_refused(
    api: httpx.AsyncClient, stack: Harness, web_users
) -> None:
    user = web_users("practitioner")
    async with (
        httpx.AsyncClient(base_url=stack.api_url) as mine,
        httpx.AsyncClient(base_url=stack.api_url) as theirs,
    ):
        await sign_in(mine, user)
        await sign_in(theirs, user)
        their_csrf = csrf_of((await theirs.get("/app/cases")).text)

        without = await mine.post("/app/sign-out", data={})
        foreign = await mine.post("/app/sign-out", data={"csrf": their_csrf})

        assert without.status_code == 403 and foreign.status_code == 403
        assert "did not come from this site" in foreign.text
        token = mine.cookies[TOKEN_COOKIE]
        still = await mine.get("/me", headers={"Authorization": f"Bearer {token}"})
        assert still.status_code == 200  # nothing happened


async def test_signing_out_revokes_the_token(
    api: httpx.AsyncClient, browser_client: httpx.AsyncClient, web_users
) -> None:
    user = web_users("supervisor")
    await sign_in(browser_client, user)
    token = browser_client.cookies[TOKEN_COOKIE]
    page = await browser_client.get("/app/supervision")

    answer = await browser_client.post("/app/sign-out", data={"csrf": csrf_of(page.text)})

    assert answer.status_code == 303 and answer.headers["location"] == "/app/sign-in"
    revoked = await browser_client.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert revoked.status_code == 401
    browser_client.cookies.set(TOKEN_COOKIE, token)  # as if the browser had kept it
    again = await browser_client.get("/app/supervision")
    assert again.status_code == 303 and again.headers["location"] == "/app/sign-in"


async def test_a_page_without_a_session_sends_the_visitor_to_sign_in(
    api: httpx.AsyncClient, browser_client: httpx.AsyncClient
) -> None:
    answer = await browser_client.get("/app/cases")

    assert answer.status_code == 303 and answer.headers["location"] == "/app/sign-in"


def _local(moment: datetime) -> str:
    # As typed on a page of a clinic with no zone of its own: the default zone, UTC.
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


def guided_report_form(csrf: str) -> dict[str, list[str] | str]:
    opening = scenario.opening_request()
    grounds = scenario.grounds_submission()
    reporter = {f"reporter.{k}": v for k, v in opening["reporter"].items() if isinstance(v, str)}
    return {
        "csrf": csrf,
        "jurisdiction": "US-CA",
        "kind": "child-abuse",
        "county": opening["county"],
        "client_id": "client-web-0001",
        **reporter,
        "reporter.witnessed_incident": "no",
        "grounds.statutory_basis": "PC 11166(a)",
        "grounds.suspicion_formed_at": _local(datetime.now().astimezone() - timedelta(minutes=5)),
        "grounds.observations": grounds["grounds"]["observations"],
        "grounds.source_of_information": "victim-disclosed",
        "grounds.statements": grounds["grounds"]["statements"],
        "grounds.abuse_types": ["physical"],
        "victim.name": grounds["victim"]["name"],
        "victim.present_location": grounds["victim"]["present_location"],
        "suspect.name": grounds["suspect"]["name"],
    }


async def test_a_report_through_the_forms_puts_no_content_in_any_url_and_every_page_is_labelled(
    api: httpx.AsyncClient, browser_client: httpx.AsyncClient, web_users
) -> None:
    user = web_users("practitioner")
    await sign_in(browser_client, user)
    choose = await browser_client.get("/app/reports/new")
    details = await browser_client.get(
        "/app/reports/new", params={"jurisdiction": "US-CA", "kind": "child-abuse"}
    )
    assert "Cal. Penal Code 11167(a)" in details.text  # the legal reason beside the question

    opened = await browser_client.post(
        "/app/reports", data=guided_report_form(csrf_of(details.text))
    )

    assert opened.status_code == 303, opened.text[:2000]
    case_page = await browser_client.get(opened.headers["location"])
    pages = [choose.text, details.text, case_page.text]
    urls = [opened.headers["location"]]
    for page in pages:
        assert_accessible(page)
        found = facts(page)
        urls += found.urls
        get_forms = [f for f in found.forms if f["method"] == "get"]
        # Forms that only ask for a page: the new report's kind, the policies, and the notice in
        # the client's language (a language code, nothing of the case).
        assert all(
            f["action"] in ("/app/reports/new", "/app/policies")
            or re.fullmatch(r"/app/cases/case-[0-9a-f]{32}/privacy-notice", f["action"])
            for f in get_forms
        )
    leaked = [
        u for u in urls if any(word in urlsplit(u).path + urlsplit(u).query for word in CONTENT)
    ]
    assert leaked == []


async def test_a_refused_grounds_field_is_named_next_to_its_input(
    api: httpx.AsyncClient, browser_client: httpx.AsyncClient, web_users
) -> None:
    user = web_users("practitioner")
    await sign_in(browser_client, user)
    details = await browser_client.get(
        "/app/reports/new", params={"jurisdiction": "US-CA", "kind": "child-abuse"}
    )
    form = guided_report_form(csrf_of(details.text))
    form["grounds.observations"] = ""

    answer = await browser_client.post("/app/reports", data=form)

    assert answer.status_code == 422
    assert 'id="f-grounds-observations-error"' in answer.text
    assert 'aria-invalid="true"' in answer.text
    assert_accessible(answer.text)


async def test_every_personas_start_page_is_labelled_and_in_english(
    api: httpx.AsyncClient, stack: Harness, web_users
) -> None:
    for role, path, extra in (
        ("compliance", "/app/compliance", {}),
        ("supervisor", "/app/supervision", {}),
        ("agency", "/app/agency", {"agency_id": "demo-county-cws"}),
        ("practitioner", "/app/cases", {}),
    ):
        async with httpx.AsyncClient(base_url=stack.api_url, timeout=120) as http:
            await sign_in(http, web_users(role, **extra))
            page = await http.get(path)
            assert page.status_code == 200, (role, page.text[:500])
            assert_accessible(page.text)
            assert page.headers["cache-control"] == "no-store"
