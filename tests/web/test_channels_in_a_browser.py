"""Taking a report to an agency without an intake API, in a real browser (Debian's headless
Chromium), as a clinician would: the portal's sections copied from the case page and its
confirmation number recorded; the fax's PDF downloaded from the case page and the number it was
sent to recorded. Each ends in one delivery and one accounting entry, and the agency's
acknowledgement by phone is recorded from the same page."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Harness, serve_api
from tests.delivery.agencies import directory_on_channel
from tests.delivery.test_agency_receipts import deliveries_and_accounting
from tests.delivery.test_channels import DISCLOSED, FAX, PORTAL, WITHHELD, pdf_pages, practitioner
from tests.reporting import submit_report, wait_for_stage
from tests.web.test_personas import reload_until, signed_in_page

pytestmark = [pytest.mark.one_database, pytest.mark.takes_minutes]


async def take_the_report(page: Any, channel: str) -> None:
    """On the case page: the channel's task, done as the page asks, then recorded as sent."""
    task = page.locator("div.channel-task")
    await reload_until(page, task.first.is_visible)
    if channel == "portal":
        # Every entry to copy into the portal is on the page; the script adds the copy buttons.
        assert await task.locator("button.copy").first.is_visible()
        entries = [await e.input_value() for e in await task.locator("textarea").all()]
        assert any(DISCLOSED in entry for entry in entries)
        assert not any(w in entry for entry in entries for w in WITHHELD)
        assert await page.get_by_role("link", name="portal").get_attribute("href") == PORTAL
        await task.get_by_label("The portal's confirmation number").fill("PORTAL-0042")
    else:
        link = page.get_by_role("link", name="Download the report to fax (PDF)")
        pdf = await page.request.get(await link.get_attribute("href"))
        cover, *form = pdf_pages(await pdf.body())
        assert FAX in cover and DISCLOSED not in cover
        assert DISCLOSED in " ".join(form)
        assert not any(w in text for text in (cover, *form) for w in WITHHELD)
        assert await task.get_by_label("The fax number you sent it to").input_value() == FAX
    await task.get_by_role("button", name="Record the report as sent").click()
    await page.wait_for_load_state()


async def record_the_acknowledgement_by_phone(page: Any) -> None:
    form = page.locator("form[action$='/acknowledgement-received']")
    await reload_until(page, form.first.is_visible)
    await form.get_by_label("By phone").check()
    await form.get_by_label("Who at the agency").fill("Intake worker (fictional)")
    reference = form.get_by_label("The agency's reference")
    if not await reference.input_value():  # a portal's confirmation number is the reference
        await reference.fill("FAX-ACK-7")
    await form.get_by_label("Accepted for investigation").check()
    await form.get_by_role("button", name="Record the acknowledgement").click()
    await page.wait_for_load_state()
    assert await page.locator("form[action$='/acknowledgement-received']").count() == 0, (
        await page.locator("main").inner_text()
    )


@pytest.mark.parametrize("channel", ["portal", "fax"])
async def test_a_report_taken_to_the_agency_by_hand_is_one_delivery_and_one_disclosure(
    channel: str,
    stack: Harness,
    http: Any,
    executor: Any,
    chromium: Any,
    tmp_path: Path,
) -> None:
    address = PORTAL if channel == "portal" else FAX
    stack = dataclasses.replace(
        stack, directory=directory_on_channel(tmp_path / "agencies", channel, address)
    )
    async with (
        stack.new_worker(http, executor),
        serve_api(stack) as api,  # the scenario's practitioner, signing in below too
    ):
        case_id = await submit_report(api)
        page = await signed_in_page(chromium, stack, practitioner(stack))
        await page.goto(f"/app/cases/{case_id}")

        await take_the_report(page, channel)
        status = await wait_for_stage(api, case_id, "awaiting-acknowledgement")
        await record_the_acknowledgement_by_phone(page)
        await wait_for_stage(api, case_id, "closed")

    [delivery] = status["deliveries"]
    [recorded], [accounted] = deliveries_and_accounting(stack, case_id)
    assert recorded.report_id == accounted.entry_id == delivery["report_id"]
    if channel == "portal":
        assert recorded.reference_number == "PORTAL-0042"
    else:
        assert accounted.recipient_address == FAX
