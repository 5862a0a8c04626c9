"""Every persona through the pages in a real browser (Debian's Chromium, driven by Playwright):
the practitioner opens and submits a report, compliance finds it in the lists and reads its
timeline, the agency finds it in its inbox and acknowledges it, and a supervisor answers a
consultation. Screenshots of each step go to the test's tmp directory."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import select

from dutyflow.demo import example_case as scenario
from dutyflow.store.tables import DeliveryRecord
from tests.conftest import Harness
from tests.kinds import bodies
from tests.reporting import document_grounds, open_report, wait_for_stage
from tests.web.conftest import PAGE_TIMEOUT_MS, WebUser

# The pages act through the API, which the other tests run on both databases.
pytestmark = pytest.mark.one_database

SCENARIO_CLINIC = "clinic-demo-01"


async def reload_until(page: Any, ready: Callable[[], Awaitable[bool]], within: float = 60) -> None:
    """Reload ``page`` until ``ready()``: the pages need no JavaScript, so nothing pushes."""
    try:
        async with asyncio.timeout(within):
            while not await ready():
                await page.wait_for_timeout(500)
                await page.reload()
    except TimeoutError:
        raise AssertionError(f"not ready after {within} s: {page.url}") from None


async def signed_in_page(chromium: Any, stack: Harness, user: WebUser) -> Any:
    context = await chromium.new_context(base_url=stack.api_url)
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    page = await context.new_page()
    await page.goto("/app/sign-in")
    await page.get_by_label("User id").fill(user.user_id)
    await page.get_by_label("Password").fill(user.password)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_load_state()
    return page


def _local(moment: datetime) -> str:
    # As typed on a page of a clinic with no zone of its own: the default zone, UTC.
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


async def shot(page: Any, directory: Path, name: str) -> None:
    await page.screenshot(path=str(directory / f"{name}.png"), full_page=True)


async def test_a_report_goes_from_the_practitioners_pages_to_compliance_and_the_agency(
    api: httpx.AsyncClient, stack: Harness, web_users, chromium: Any, tmp_path: Path
) -> None:
    practitioner = web_users("practitioner")
    officer = web_users("compliance")
    agency = web_users("agency", agency_id="demo-county-cws")
    opening = scenario.opening_request()
    grounds = scenario.grounds_submission()

    # The practitioner: kind and jurisdiction first, then exactly what that report needs.
    page = await signed_in_page(chromium, stack, practitioner)
    await page.get_by_role("link", name="Start a new report").click()
    await page.get_by_label("Jurisdiction").select_option("US-CA")
    await page.get_by_label("Child abuse").check()
    await page.get_by_role("button", name="Continue").click()
    assert await page.get_by_text("Why this is asked: Cal. Penal Code 11167(a)").count() > 0
    await page.get_by_label("County (or local authority) where the case is").fill(opening["county"])
    await page.get_by_label("The client's id in your clinic's records").fill("client-web-0002")
    for name, value in opening["reporter"].items():
        if isinstance(value, str):
            await page.locator(f"#f-reporter-{name.replace('_', '-')}").fill(value)
    await page.locator("#f-grounds-statutory-basis").select_option("PC 11166(a)")
    await page.locator("#f-grounds-suspicion-formed-at").fill(
        _local(datetime.now().astimezone() - timedelta(minutes=5))
    )
    await page.locator("#f-grounds-observations").fill(grounds["grounds"]["observations"])
    await page.locator("#f-grounds-source-of-information").select_option("victim-disclosed")
    await page.locator("#f-grounds-statements").fill(grounds["grounds"]["statements"])
    await page.locator("#f-grounds-abuse-types-physical").check()
    await page.locator("#f-victim-name").fill(grounds["victim"]["name"])
    await page.locator("#f-victim-present-location").fill(grounds["victim"]["present_location"])
    await shot(page, tmp_path, "1-practitioner-guided-report")
    await page.get_by_role("button", name="Open the report and record the grounds").click()
    await page.wait_for_url("**/app/cases/case-*")
    case_id = page.url.rsplit("/", 1)[1]

    # The phone call: its script, then the reference the hotline gave.
    await reload_until(page, lambda: page.get_by_role("heading", name="Script").is_visible())
    assert "due in" in await page.locator("#deadlines-title + table").inner_text()
    await shot(page, tmp_path, "2-practitioner-phone-task")

    # Compliance sees the open case in its list, and its timeline.
    desk = await signed_in_page(chromium, stack, officer)
    await reload_until(desk, lambda: desk.get_by_role("link", name=case_id).first.is_visible())
    assert "Intact" in await desk.locator("#chain-status").inner_text()
    await shot(desk, tmp_path, "3-compliance-lists")
    await desk.get_by_role("link", name=case_id).first.click()
    assert await desk.get_by_role("heading", name="Events").is_visible()
    await shot(desk, tmp_path, "4-compliance-timeline")

    await page.get_by_label("Who took the report").fill("Intake worker M. Lee")
    await page.get_by_label("Reference number they gave").fill("HOTLINE-WEB-0001")
    await page.get_by_role("button", name="Record the call").click()
    review_link = page.get_by_role("link", name="Review what each recipient will receive")
    await reload_until(page, review_link.is_visible)
    await review_link.click()
    assert await page.get_by_role("heading", name="What is withheld").first.is_visible()
    # The guided form asked only what the law needs, so nothing of it is withheld here.
    sent = await page.locator("section").first.inner_text()
    # Listed by label with the value the recipient receives, never by path.
    assert "Observations" in sent and grounds["grounds"]["observations"] in sent
    assert grounds["victim"]["name"] in sent
    assert "victim.name" not in sent and "grounds.observations" not in sent
    await shot(page, tmp_path, "5-practitioner-review")
    await page.get_by_role("button", name="Confirm and send these reports").click()
    await reload_until(page, lambda: page.get_by_role("heading", name="Sent").is_visible())
    await shot(page, tmp_path, "6-practitioner-sent")

    # The agency finds the report in its inbox, reads it, and acknowledges it.
    with stack.sessions() as session:
        [delivery] = session.exec(
            select(DeliveryRecord).where(DeliveryRecord.case_id == case_id)
        ).all()
    inbox = await signed_in_page(chromium, stack, agency)
    await inbox.get_by_role("link", name=delivery.report_id).click()
    assert await inbox.frame_locator("iframe").locator("body").inner_text()
    await shot(inbox, tmp_path, "7-agency-report")
    await inbox.get_by_label("Accepted for investigation").check()
    await inbox.get_by_role("button", name="Acknowledge").click()
    outcome = await inbox.locator("#outcome").inner_text()
    assert "recorded" in outcome  # already by the intake service's callback, or now
    await shot(inbox, tmp_path, "8-agency-acknowledged")

    await reload_until(
        page, lambda: page.get_by_text("Nothing left to do: the case is closed.").is_visible()
    )
    assert len(list(tmp_path.glob("*.png"))) == 8  # noqa: ASYNC240  a listing of 8 files, at the end


async def test_a_supervisor_returns_then_approves_a_consultation_through_the_pages(
    api: httpx.AsyncClient, stack: Harness, web_users, chromium: Any, tmp_path: Path
) -> None:
    supervisor = web_users("supervisor", clinic_id=SCENARIO_CLINIC)
    case_id = await open_report(api, jurisdiction="GB-ENG", county="Demo Borough")
    await document_grounds(api, case_id, bodies.gb_child_abuse())
    await wait_for_stage(api, case_id, "awaiting-supervisor")

    page = await signed_in_page(chromium, stack, supervisor)
    await page.get_by_role("link", name=case_id).first.click()
    await shot(page, tmp_path, "1-supervisor-consultation")
    await page.get_by_label("Return to the practitioner with comments").check()
    await page.get_by_label("Comments for the practitioner").fill("Say how the bruise was seen.")
    await page.get_by_role("button", name="Send your answer").click()
    await page.wait_for_url("**/app/supervision")
    await wait_for_stage(api, case_id, "awaiting-grounds-revision")
    await document_grounds(api, case_id, bodies.gb_child_abuse())
    await wait_for_stage(api, case_id, "awaiting-supervisor")

    await page.reload()
    await page.get_by_role("link", name=case_id).first.click()
    await page.get_by_label("Approve: the report goes on").check()
    await page.get_by_role("button", name="Send your answer").click()
    await page.wait_for_url("**/app/supervision")
    await shot(page, tmp_path, "2-supervisor-queue")
    status = await wait_for_stage(api, case_id, "awaiting-confirmation")
    assert status["supervision"]["state"] == "approved"
