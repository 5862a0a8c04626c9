"""Filing through the pages in a real browser (Debian's headless Chromium), as a clinician would,
with no API shortcut: a duty to warn about two people at risk, each person added with the "add
another" button, each warned, the police's notification confirmed and read in the agency's inbox
with both people in it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import select

from dutyflow.demo import example_case as scenario
from dutyflow.store.tables import DeliveryRecord
from tests.conftest import Harness
from tests.web.test_personas import reload_until, signed_in_page

pytestmark = pytest.mark.one_database


def _local(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%dT%H:%M")


async def fill_the_duty_to_warn(page: Any) -> None:
    """The US-CA duty-to-warn form, two people at risk, from the choice of kind on."""
    await page.get_by_role("link", name="Start a new report").click()
    await page.get_by_label("Jurisdiction").select_option("US-CA")
    await page.get_by_label("Danger to others").check()
    await page.get_by_role("button", name="Continue").click()
    opening = scenario.opening_request()
    await page.get_by_label("County (or local authority) where the case is").fill(opening["county"])
    await page.get_by_label("The client's id in your clinic's records").fill("client-web-0003")
    for name, value in opening["reporter"].items():
        if isinstance(value, str):
            await page.locator(f"#f-reporter-{name.replace('_', '-')}").fill(value)
    await page.locator("#f-grounds-statutory-basis").select_option(index=1)
    await page.locator("#f-grounds-suspicion-formed-at").fill(
        _local(datetime.now().astimezone() - timedelta(minutes=5))
    )
    await page.locator("#f-threat-description").fill("Said he would hurt his neighbours tonight.")
    await page.get_by_label("Person at risk 1: name").fill("Morgan Vale")
    await page.get_by_label("Person at risk 1: telephone").fill("(916) 555-0101")
    await page.get_by_role("button", name="Add another person at risk").click()
    # The same form again, what was typed kept, and a second person to fill in.
    assert await page.get_by_label("Person at risk 1: name").input_value() == "Morgan Vale"
    await page.get_by_label("Person at risk 2: name").fill("Riley Hart")
    await page.get_by_label("Person at risk 2: address").fill("2 Example Street, Sacramento")
    await page.locator("#f-threat-belief-basis").select_option("own-contact")
    await page.locator("#f-threat-serious-and-imminent-yes").check()
    await page.locator("#f-threat-communicated-at").fill(
        _local(datetime.now().astimezone() - timedelta(minutes=10))
    )
    await page.locator("#f-client-name").fill("Taylor Client")


async def warn(page: Any, recipient_id: str) -> None:
    """Records a warning that reached ``recipient_id``, with the form of the case page."""
    form = page.locator(f"form:has(input[name=recipient_id][value={recipient_id}])")
    await reload_until(page, form.first.is_visible)
    await form.locator("input[name=channel][value=phone]").check()
    await form.locator("input[name=outcome][value=reached]").check()
    await form.get_by_role("button", name="Record the attempt").click()
    await page.wait_for_load_state()


async def test_a_duty_to_warn_about_two_people_is_filed_and_the_police_are_told_of_both(
    api: httpx.AsyncClient, stack: Harness, web_users, chromium: Any
) -> None:
    practitioner = web_users("practitioner")
    sheriff = web_users("agency", agency_id="demo-county-sheriff")
    page = await signed_in_page(chromium, stack, practitioner)

    await fill_the_duty_to_warn(page)
    await page.get_by_role("button", name="Open the report and record the grounds").click()
    await page.wait_for_url("**/app/cases/case-*")
    case_id = page.url.rsplit("/", 1)[1]

    for person in ("potential-victim-1", "potential-victim-2"):
        await warn(page, person)
    review_link = page.get_by_role("link", name="Review what each recipient will receive")
    await reload_until(page, review_link.is_visible)
    await review_link.click()
    reviewed = await page.locator("main").text_content() or ""  # the plain text copy folds
    assert "Morgan Vale" in reviewed and "Riley Hart" in reviewed
    await page.get_by_role("button", name="Confirm and send these reports").click()
    await reload_until(page, lambda: page.get_by_role("heading", name="Sent").is_visible())

    # What the police received, read in their own inbox: both people at risk.
    with stack.sessions() as session:
        [delivery] = session.exec(
            select(DeliveryRecord).where(DeliveryRecord.case_id == case_id)
        ).all()
    inbox = await signed_in_page(chromium, stack, sheriff)
    await inbox.get_by_role("link", name=delivery.report_id).click()
    received = await inbox.frame_locator("iframe").locator("body").inner_text()
    assert "Morgan Vale" in received and "(916) 555-0101" in received
    assert "Riley Hart" in received and "2 Example Street, Sacramento" in received


async def fill_the_three_siblings(page: Any) -> None:
    """The US-CA child-abuse form about three siblings: the child, and two more victims."""
    await page.get_by_role("link", name="Start a new report").click()
    await page.get_by_label("Jurisdiction").select_option("US-CA")
    await page.get_by_label("Child abuse").check()
    await page.get_by_role("button", name="Continue").click()
    opening = scenario.opening_request()
    await page.get_by_label("County (or local authority) where the case is").fill(opening["county"])
    await page.get_by_label("The client's id in your clinic's records").fill("client-web-0004")
    for name, value in opening["reporter"].items():
        if isinstance(value, str):
            await page.locator(f"#f-reporter-{name.replace('_', '-')}").fill(value)
    await page.locator("#f-grounds-statutory-basis").select_option("PC 11166(a)")
    await page.locator("#f-grounds-suspicion-formed-at").fill(
        _local(datetime.now().astimezone() - timedelta(minutes=5))
    )
    await page.locator("#f-grounds-observations").fill("Bruises on all three children's arms.")
    await page.locator("#f-grounds-source-of-information").select_option("victim-disclosed")
    await page.locator("#f-grounds-abuse-types-physical").check()
    await page.get_by_label("Victim: name").fill("Alex Sibling")
    await page.get_by_label("Victim: age in years, if the date of birth is not known").fill("9")
    await page.locator("#f-victim-present-location").fill("At school until 15:00")
    await page.get_by_label("Child also harmed 1: name").fill("Jamie Sibling")
    await page.get_by_label("Child also harmed 1: where they are now").fill("At school until 15:00")
    await page.get_by_role("button", name="Add another child also harmed").click()
    await page.get_by_label("Child also harmed 2: name").fill("Kit Sibling")
    await page.get_by_label("Child also harmed 2: where they are now").fill("At home")
    await page.locator("#f-grounds-client-role").select_option("third-party")


async def test_a_child_abuse_report_about_three_siblings_reaches_the_agency_with_all_three(
    api: httpx.AsyncClient, stack: Harness, web_users, chromium: Any
) -> None:
    practitioner = web_users("practitioner")
    agency = web_users("agency", agency_id="demo-county-cws")
    page = await signed_in_page(chromium, stack, practitioner)

    await fill_the_three_siblings(page)
    await page.get_by_role("button", name="Open the report and record the grounds").click()
    await page.wait_for_url("**/app/cases/case-*")
    case_id = page.url.rsplit("/", 1)[1]

    await reload_until(page, lambda: page.get_by_role("heading", name="Script").is_visible())
    await page.get_by_label("Who took the report").fill("Intake worker M. Lee")
    await page.get_by_label("Reference number they gave").fill("HOTLINE-WEB-0003")
    await page.get_by_role("button", name="Record the call").click()
    review_link = page.get_by_role("link", name="Review what each recipient will receive")
    await reload_until(page, review_link.is_visible)
    await review_link.click()
    await page.get_by_role("button", name="Confirm and send these reports").click()
    await reload_until(page, lambda: page.get_by_role("heading", name="Sent").is_visible())

    with stack.sessions() as session:
        [delivery] = session.exec(
            select(DeliveryRecord).where(DeliveryRecord.case_id == case_id)
        ).all()
    inbox = await signed_in_page(chromium, stack, agency)
    await inbox.get_by_role("link", name=delivery.report_id).click()
    received = await inbox.frame_locator("iframe").locator("body").inner_text()
    for child in ("Alex Sibling", "Jamie Sibling", "Kit Sibling"):
        assert child in received
    await inbox.get_by_label("Accepted for investigation").check()
    await inbox.get_by_role("button", name="Acknowledge").click()
    await reload_until(
        page, lambda: page.get_by_text("Nothing left to do: the case is closed.").is_visible()
    )
