"""The client's acknowledgement of the limits of confidentiality, in the pages: the case shows
when there is none (and the report goes on all the same), the practitioner prints the notice and
records the acknowledgement in a real browser, a refused input is named next to it, and the
compliance officer's and the supervisor's lists show the cases still without one."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from dutyflow.domain import privacy_notice
from tests.conftest import Harness
from tests.web.conftest import csrf_of, section, signed_in
from tests.web.test_pages import guided_report_form
from tests.web.test_personas import reload_until, shot, signed_in_page

# The pages act through the API, which the other tests run on both databases.
pytestmark = pytest.mark.one_database

NO_ACKNOWLEDGEMENT = "No acknowledgement of the privacy notice is on record for this client"


async def open_case_through_the_forms(http: httpx.AsyncClient, client_id: str) -> str:
    details = await http.get(
        "/app/reports/new", params={"jurisdiction": "US-CA", "kind": "child-abuse"}
    )
    form = guided_report_form(csrf_of(details.text)) | {"client_id": client_id}
    opened = await http.post("/app/reports", data=form)
    assert opened.status_code == 303, opened.text[:2000]
    return opened.headers["location"].rsplit("/", 1)[1]


async def test_case_without_an_acknowledgement_says_so_goes_on_and_is_listed_until_one_is_recorded(
    api: httpx.AsyncClient, stack: Harness, web_users, chromium: Any, tmp_path: Path
) -> None:
    practitioner = web_users("practitioner")
    officer = web_users("compliance")
    supervisor = web_users("supervisor", clinic_id=practitioner.clinic_id)
    async with signed_in(stack, practitioner) as http:
        case_id = await open_case_through_the_forms(http, "client-web-notice-01")

    page = await signed_in_page(chromium, stack, practitioner)
    await page.goto(f"/app/cases/{case_id}")
    assert NO_ACKNOWLEDGEMENT in await page.locator("#notice-status").inner_text()
    # The report is not held up: it goes on to the phone call the law asks for first.
    await reload_until(page, lambda: page.get_by_role("heading", name="Script").is_visible())
    async with signed_in(stack, officer) as desk, signed_in(stack, supervisor) as lead:
        assert case_id in section((await desk.get("/app/compliance")).text, "without-notice-title")
        assert case_id in section((await lead.get("/app/supervision")).text, "without-notice-title")

    # The notice to give the client, in effect today for the case's jurisdiction.
    notice = privacy_notice.current("US-CA", date.today())
    await page.get_by_role("link", name="The notice to give the client").click()
    text = await page.locator("body").inner_text()
    assert notice.title in text and notice.version in text
    await shot(page, tmp_path, "1-privacy-notice")
    await page.go_back()

    await page.get_by_label("Given to the client on").fill(date.today().isoformat())
    await page.get_by_label("Signed").check()
    await page.get_by_role("button", name="Record the acknowledgement").click()
    status = await page.locator("#notice-status").inner_text()
    assert f"Acknowledged: privacy notice US-CA version {notice.version}" in status
    assert f"given on {date.today().isoformat()} (signed)" in status
    await shot(page, tmp_path, "2-acknowledged")
    async with signed_in(stack, officer) as desk:
        assert case_id not in section(
            (await desk.get("/app/compliance")).text, "without-notice-title"
        )


async def test_a_refused_acknowledgement_names_the_input_and_records_nothing(
    api: httpx.AsyncClient, stack: Harness, web_users
) -> None:
    practitioner = web_users("practitioner")
    async with signed_in(stack, practitioner) as http:
        case_id = await open_case_through_the_forms(http, "client-web-notice-02")
        page = await http.get(f"/app/cases/{case_id}")
        tomorrow = (date.today() + timedelta(days=1)).isoformat()

        answer = await http.post(
            f"/app/cases/{case_id}/privacy-notice-acknowledgement",
            data={
                "csrf": csrf_of(page.text),
                "notice_version": privacy_notice.current("US-CA", date.today()).version,
                "given_on": tomorrow,
                "how": "signed",
            },
        )

        assert answer.status_code == 422
        assert (
            'id="notice-given_on-error"' in answer.text and "cannot be in the future" in answer.text
        )
        case_page = (await http.get(f"/app/cases/{case_id}")).text
        assert NO_ACKNOWLEDGEMENT in case_page
        # The client's language is chosen on the case page; without a checked translation the
        # English notice is given, saying so.
        assert '<option value="es">Spanish (no translation yet: English notice)' in case_page
        in_spanish = await http.get(f"/app/cases/{case_id}/privacy-notice?language=es")
        assert "not been translated into the client's language (es)" in in_spanish.text
        on_record = await api.get(f"/reports/{case_id}/privacy-notice")
        assert on_record.status_code in (403, 404) or on_record.json()["acknowledged"] is False
