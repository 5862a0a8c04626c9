"""The lists a person works from: the agency's inbox says each report's kind, urgency and whether
it was acknowledged, with the reporter's number to call; compliance finds cases by category,
closed ones too when asked; a case's timeline reads as sentences, with the technical record
(step names, Temporal's events) behind a toggle."""

from __future__ import annotations

import asyncio
import html
import re

import httpx
import pytest

from tests.conftest import Harness
from tests.reporting import report_end_to_end
from tests.web.conftest import signed_in

pytestmark = pytest.mark.one_database


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def found_section(page: str) -> str:
    if 'id="found-title"' not in page:
        return ""
    return text_of(page.split('id="found-title"', 1)[1].split("</section>", 1)[0])


async def test_the_inbox_search_and_timeline_read_as_a_person_would_expect(
    api: httpx.AsyncClient, stack: Harness, web_users
) -> None:
    status = await report_end_to_end(api)
    case_id = status["case_id"]
    [delivery] = status["deliveries"]
    [acknowledgement] = status["acknowledgements"]

    async with signed_in(stack, web_users("agency", agency_id=delivery["agency_id"])) as agency:
        page = (await agency.get("/app/agency")).text
    inbox = text_of(page)
    row = inbox.split(delivery["report_id"], 1)[1][:600]
    assert "Kind Child abuse, US-CA" in row
    # US-CA child abuse: the policy asks for a phone report first (PC 11166(a)).
    assert "Urgency Urgent: the law asks for a phone report first" in row
    assert f"Status Acknowledged ({acknowledgement['decision'].replace('-', ' ')})" in row
    assert "Reporter's phone +1 555 0142" in row and 'href="tel:+15550142"' in page

    async with signed_in(stack, web_users("compliance")) as officer:
        search = {"jurisdiction": "US-CA", "kind": "child-abuse", "stage": "closed"}
        only_open = found_section((await officer.get("/app/compliance", params=search)).text)
        with_closed = ""
        async with asyncio.timeout(60):  # Temporal's visibility catches up with the closing
            while case_id not in with_closed:
                page = await officer.get(
                    "/app/compliance", params={**search, "include_closed": "true"}
                )
                with_closed = found_section(page.text)
        timeline = (await officer.get(f"/app/compliance/cases/{case_id}")).text

    assert case_id not in only_open
    row = with_closed.split(f"{case_id} ", 1)[1].split("case-", 1)[0]  # the case's own row
    assert "closed" in row
    readable, technical = timeline.split("<details>", 1)
    assert "The case was opened" in text_of(readable)
    assert "The statutory phone report was recorded" in text_of(readable)
    assert "case-opened" not in readable and "phone-report-recorded" not in readable
    assert "case-opened" in technical and "WorkflowExecutionStarted" in technical
