"""Every page of every persona in a real browser (Debian's Chromium): axe-core finds no serious
or critical accessibility violation, and at a phone's width (375 px) nothing overflows
sideways: the case heading wraps, tables and forms fit."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import pytest

from dutyflow.auth.store import set_password
from tests.conftest import Harness
from tests.kinds import bodies
from tests.reporting import document_grounds, open_report, report_end_to_end, wait_for_stage
from tests.web.accessibility import DESKTOP, PHONE, horizontal_overflow, serious_violations
from tests.web.conftest import PAGE_TIMEOUT_MS, WebUser

pytestmark = [pytest.mark.one_database, pytest.mark.takes_minutes]

SCENARIO_CLINIC = "clinic-demo-01"


async def signed_in_context(chromium: Any, stack: Harness, user: WebUser | None) -> Any:
    # The pages forbid every script (their CSP); the test's own axe-core is let in.
    context = await chromium.new_context(base_url=stack.api_url, bypass_csp=True)
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    if user is not None:
        page = await context.new_page()
        await page.goto("/app/sign-in")
        await page.get_by_label("User id").fill(user.user_id)
        await page.get_by_label("Password").fill(user.password)
        await page.get_by_role("button", name="Sign in").click()
        await page.wait_for_url("**/app/**")
        await page.close()
    return context


async def problems_of_pages(context: Any, paths: list[str]) -> dict[str, Any]:
    """Per page: its serious axe violations, and what overflows at a phone's width."""
    problems: dict[str, Any] = {}
    page = await context.new_page()
    for path in paths:
        await page.set_viewport_size(DESKTOP)
        answer = await page.goto(path)
        assert answer is not None and answer.status == 200, path
        violations = await serious_violations(page)
        await page.set_viewport_size(PHONE)
        overflow = await horizontal_overflow(page)
        if violations or overflow:
            problems[path] = {"axe": violations, "overflow": overflow}
    await page.close()
    return problems


async def test_no_page_of_any_persona_has_a_serious_accessibility_violation_or_overflows_a_phone(
    api: httpx.AsyncClient, stack: Harness, web_users, chromium: Any
) -> None:
    closed = await report_end_to_end(api)
    [delivery] = closed["deliveries"]
    consulted = await open_report(api, jurisdiction="GB-ENG", county="Demo Borough")
    await document_grounds(api, consulted, bodies.gb_child_abuse())
    await wait_for_stage(api, consulted, "awaiting-supervisor")
    password = secrets.token_urlsafe(16)
    set_password(stack.sessions, "practitioner-0042", password)
    practitioner = WebUser("practitioner-0042", password, "practitioner", SCENARIO_CLINIC, None)
    case = f"/app/cases/{closed['case_id']}"

    pages_of: list[tuple[WebUser | None, list[str]]] = [
        (None, ["/app/sign-in"]),
        (
            practitioner,
            [
                "/app/cases",
                "/app/reports/new",
                "/app/reports/new?jurisdiction=US-CA&kind=child-abuse",
                "/app/reports/new?jurisdiction=US-CA&kind=duty-to-warn",
                case,
                f"{case}/review",
                f"/app/cases/{consulted}",
                "/app/account",
                "/app/profile",
                "/app/policies",
            ],
        ),
        (
            web_users("supervisor", clinic_id=SCENARIO_CLINIC),
            [
                "/app/supervision",
                f"/app/supervision/{consulted}",
                f"/app/cases/{consulted}",
            ],
        ),
        (
            web_users("compliance"),
            [
                "/app/compliance",
                "/app/compliance?include_closed=true&jurisdiction=US-CA",
                f"/app/compliance/cases/{closed['case_id']}",
                "/app/compliance/training",
                case,
            ],
        ),
        (
            web_users("agency", agency_id=delivery["agency_id"]),
            [
                "/app/agency",
                f"/app/agency/reports/{delivery['report_id']}",
            ],
        ),
    ]

    problems: dict[str, Any] = {}
    for user, paths in pages_of:
        context = await signed_in_context(chromium, stack, user)
        problems.update(await problems_of_pages(context, paths))
        await context.close()

    assert problems == {}


async def test_the_checks_catch_an_unlabelled_input_and_a_table_wider_than_a_phone(
    chromium: Any,
) -> None:
    page = await chromium.new_page()
    await page.set_content(
        '<!doctype html><html lang="en"><head><title>t</title></head><body><main>'
        '<h1>A page</h1><input type="text"><img src="data:,">'
        '<table><tr><td style="white-space: nowrap">' + "wide " * 80 + "</td></tr></table>"
        "</main></body></html>"
    )
    violations = {v["id"] for v in await serious_violations(page)}
    await page.set_viewport_size(PHONE)
    overflow = await horizontal_overflow(page)
    await page.close()

    assert {"label", "image-alt"} <= violations
    assert overflow is not None and "table" in overflow["wide"]
