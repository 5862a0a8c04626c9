"""Supervision in the pages: the practitioner shows their supervisor a field the de-identified view
hides, choosing it by name and saying why, and the supervisor's consultation page then shows that
field and the reason, and nothing else hidden; a practitioner asks to send a field beyond a
recipient's allow-list, a second person (the clinic's supervisor or compliance) approves or
refuses it on the case's page, and whoever asked is never that second person.

Each case is set up through the API as the signed-in practitioner (their session's token); every
step under test goes through the pages, as a browser without JavaScript sends them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from dutyflow.auth.api import TOKEN_COOKIE
from dutyflow.demo import example_case as scenario
from tests.auth.helpers import bearer
from tests.conftest import Harness
from tests.reporting import document_grounds, ok, open_report, record_phone_report, wait_for_stage
from tests.supervision.test_disclosure_exceptions import DIAGNOSIS
from tests.supervision.test_disclosure_exceptions import grounds as grounds_with_clinical_context
from tests.supervision.test_supervisor_view import IDENTIFYING, PRIVATE, marked_grounds
from tests.web.conftest import WebUser, csrf_of, section, signed_in
from tests.web.test_pages import assert_accessible, facts
from tests.web.test_personas import shot, signed_in_page

# The pages act through the API, which the other tests run on both databases.
pytestmark = pytest.mark.one_database

SCHOOL = IDENTIFYING["victim.school"]
REASON = "The safeguarding lead at this school already knows the family and my supervisor."
JUSTIFICATION = "The investigator needs the diagnosis to judge how urgent the risk is."
RECIPIENT = "county-child-welfare"
VICTIM = scenario.grounds_submission()["victim"]["name"]


@asynccontextmanager
async def their_api(
    stack: Harness, page_client: httpx.AsyncClient
) -> AsyncIterator[httpx.AsyncClient]:
    """The JSON API as the signed-in user of ``page_client`` (their session's token)."""
    token = page_client.cookies[TOKEN_COOKIE]
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=120, headers=bearer(token)) as api:
        yield api


async def case_awaiting_supervisor(api: httpx.AsyncClient, practitioner: WebUser) -> str:
    """A GB-ENG child-abuse case of ``practitioner``'s: its policy asks the clinic's supervisor."""
    case_id = await open_report(
        api,
        jurisdiction="GB-ENG",
        county="Demo Borough",
        practitioner_id=practitioner.user_id,
        clinic_id=practitioner.clinic_id,
    )
    await document_grounds(api, case_id, marked_grounds())
    await wait_for_stage(api, case_id, "awaiting-supervisor")
    return case_id


async def case_under_review(api: httpx.AsyncClient, practitioner: WebUser) -> str:
    """A US-CA case of ``practitioner``'s at the review before sending, its clinical context
    withheld from the agency."""
    case_id = await open_report(
        api, practitioner_id=practitioner.user_id, clinic_id=practitioner.clinic_id
    )
    await document_grounds(api, case_id, grounds_with_clinical_context())
    await record_phone_report(api, case_id)
    await wait_for_stage(api, case_id, "awaiting-confirmation")
    return case_id


def every_post_form_has_its_csrf_token(page: str) -> bool:
    """Every form that changes something (method post) carries the session's CSRF token; a form
    that only asks for a page (method get, e.g. the notice in another language) needs none."""
    forms = [form.split("</form>", 1)[0] for form in page.split("<form")[1:]]
    posting = [form for form in forms if 'method="post"' in form.split(">", 1)[0]]
    return bool(posting) and all('name="csrf"' in form for form in posting)


def no_content_in_urls(page: str, words: list[str]) -> bool:
    urls = [urlsplit(u) for u in facts(page).urls]
    return not [u for u in urls if any(w in u.path + u.query for w in words)]


# --- showing the supervisor a hidden field --------------------------------------------------------


async def test_the_practitioner_chooses_hidden_fields_by_name_and_is_never_offered_private_content(
    api: httpx.AsyncClient, stack: Harness, web_users
) -> None:
    practitioner = web_users("practitioner")
    async with signed_in(stack, practitioner) as http, their_api(stack, http) as mine:
        case_id = await case_awaiting_supervisor(mine, practitioner)

        page = (await http.get(f"/app/cases/{case_id}")).text

    form = section(page, "reveal-title").split("</form>", 1)[0]
    assert 'value="victim.school"' in form and "Victim: school" in form
    assert "Guardian 1: phone" in form  # a list's item by its number, not guardians[0]
    assert "private_content" not in form and "psychotherapy_notes" not in form
    assert SCHOOL not in page and PRIVATE not in page  # names of fields, never their values
    assert_accessible(page)
    assert every_post_form_has_its_csrf_token(page)


async def test_a_field_revealed_in_the_page_reaches_the_supervisor_with_its_reason_and_nothing_else(
    api: httpx.AsyncClient, stack: Harness, web_users
) -> None:
    practitioner = web_users("practitioner")
    supervisor = web_users("supervisor", clinic_id=practitioner.clinic_id)
    async with signed_in(stack, practitioner) as http, their_api(stack, http) as mine:
        case_id = await case_awaiting_supervisor(mine, practitioner)
        page = await http.get(f"/app/cases/{case_id}")

        sent = await http.post(
            f"/app/cases/{case_id}/supervision-reveals",
            data={
                "csrf": csrf_of(page.text),
                "fields": ["victim.school"],
                "reason": REASON,
            },
        )

        assert sent.status_code == 303 and sent.headers["location"] == f"/app/cases/{case_id}"
        assert REASON not in sent.headers["location"]
        shown = section((await http.get(sent.headers["location"])).text, "reveals-title")
        assert "Victim: school" in shown and REASON in shown and practitioner.user_id in shown

    async with signed_in(stack, supervisor) as lead:
        consultation = await lead.get(f"/app/supervision/{case_id}")

    assert consultation.status_code == 200
    told = section(consultation.text, "revealed-title")
    assert "Victim: school (victim.school)" in told and REASON in told
    assert SCHOOL in consultation.text  # the revealed value, in the case as they see it
    hidden = [
        IDENTIFYING["victim.name"].split()[0],
        IDENTIFYING["victim.address"].split()[0],
        IDENTIFYING["guardians[0].phone"],
        PRIVATE,
    ]
    assert [v for v in hidden if v in consultation.text] == []
    assert_accessible(consultation.text)


async def test_a_reveal_without_a_reason_is_refused_next_to_the_reason_and_shows_nothing(
    api: httpx.AsyncClient, stack: Harness, web_users
) -> None:
    practitioner = web_users("practitioner")
    supervisor = web_users("supervisor", clinic_id=practitioner.clinic_id)
    async with signed_in(stack, practitioner) as http, their_api(stack, http) as mine:
        case_id = await case_awaiting_supervisor(mine, practitioner)
        page = await http.get(f"/app/cases/{case_id}")

        refused = await http.post(
            f"/app/cases/{case_id}/supervision-reveals",
            data={
                "csrf": csrf_of(page.text),
                "fields": ["victim.school"],
                "reason": "  ",
            },
        )

        assert refused.status_code == 422
        assert '<p class="error-message" id="reveal-reason-error">' in refused.text
        reason_field = refused.text.split('<label for="reveal-reason">', 1)[1].split("</div>", 1)[0]
        assert "must say why the supervisor needs to see it" in reason_field
        assert 'aria-invalid="true"' in reason_field
        assert 'value="victim.school" checked' in refused.text  # the choice is kept
        assert_accessible(refused.text)
        assert ok(await mine.get(f"/reports/{case_id}/supervision"))["reveals"] == []
    async with signed_in(stack, supervisor) as lead:
        assert SCHOOL not in (await lead.get(f"/app/supervision/{case_id}")).text


async def test_the_reveal_form_works_in_a_real_browser(
    api: httpx.AsyncClient, stack: Harness, web_users, chromium: Any, tmp_path: Path
) -> None:
    practitioner = web_users("practitioner")
    async with signed_in(stack, practitioner) as http, their_api(stack, http) as mine:
        case_id = await case_awaiting_supervisor(mine, practitioner)

    page = await signed_in_page(chromium, stack, practitioner)
    await page.goto(f"/app/cases/{case_id}")
    await page.get_by_label("Victim: school").check()
    await page.get_by_role("button", name="Show these fields to your supervisor").click()
    problem = page.locator("#reveal-reason-error")
    assert "must say why" in await problem.inner_text()
    await shot(page, tmp_path, "1-reveal-refused")

    await page.get_by_label("Why your supervisor needs to see them").fill(REASON)
    await page.get_by_role("button", name="Show these fields to your supervisor").click()
    await page.wait_for_url(f"**/app/cases/{case_id}")
    shown = await page.get_by_role("table", name="Fields shown to the supervisor").inner_text()
    assert "Victim: school" in shown and REASON in shown
    await shot(page, tmp_path, "2-revealed")


# --- disclosure exceptions ------------------------------------------------------------------------


async def test_a_practitioner_asks_for_an_exception_and_the_clinics_supervisor_approves_it_in_pages(
    api: httpx.AsyncClient, stack: Harness, web_users
) -> None:
    practitioner = web_users("practitioner")
    supervisor = web_users("supervisor", clinic_id=practitioner.clinic_id)
    async with signed_in(stack, practitioner) as http, their_api(stack, http) as mine:
        case_id = await case_under_review(mine, practitioner)
        page = await http.get(f"/app/cases/{case_id}")
        form = section(page.text, "tasks-title").split('id="exception-1-title"', 1)[1]
        assert (
            'value="clinical_context.diagnosis"' in form and "Clinical context: diagnosis" in form
        )
        assert "private_content" not in form  # never disclosed: not offered
        assert DIAGNOSIS not in page.text
        assert_accessible(page.text)

        asked = await http.post(
            f"/app/cases/{case_id}/exceptions",
            data={
                "csrf": csrf_of(page.text),
                "recipient_id": RECIPIENT,
                "fields": ["clinical_context.diagnosis"],
                "justification": JUSTIFICATION,
            },
        )

        assert asked.status_code == 303 and asked.headers["location"] == f"/app/cases/{case_id}"
        listed = section((await http.get(f"/app/cases/{case_id}")).text, "exceptions-title")
        assert "Clinical context: diagnosis" in listed and JUSTIFICATION in listed
        assert "pending" in listed
        assert 'id="decide-exceptions-title"' not in page.text  # a practitioner never decides

        # Nor may the one who asked approve it: the API refuses, and the page says why.
        own = await http.post(
            f"/app/cases/{case_id}/exceptions/exception-1/decision",
            data={"csrf": csrf_of(page.text), "decision": "approve"},
        )

        assert own.status_code == 403
        assert "a supervisor of the clinic or compliance" in section(
            own.text, "decision-refused-title"
        )

    async with signed_in(stack, supervisor) as lead:
        # The supervisor's start page lists it (ids and paths only), linking to the case.
        home = section((await lead.get("/app/supervision")).text, "pending-exceptions-title")
        assert f'href="/app/cases/{case_id}"' in home and "clinical_context.diagnosis" in home
        assert JUSTIFICATION not in home
        case_page = await lead.get(f"/app/cases/{case_id}")
        pending = section(case_page.text, "decide-exceptions-title")
        assert JUSTIFICATION in pending and practitioner.user_id in pending
        assert_accessible(case_page.text)
        assert every_post_form_has_its_csrf_token(case_page.text)
        assert no_content_in_urls(case_page.text, [DIAGNOSIS, JUSTIFICATION, VICTIM])

        approved = await lead.post(
            f"/app/cases/{case_id}/exceptions/exception-1/decision",
            data={
                "csrf": csrf_of(case_page.text),
                "decision": "approve",
                "note": "Needed to judge the risk.",
            },
        )

        assert approved.status_code == 303, approved.text[-3000:]
        after = (await lead.get(f"/app/cases/{case_id}")).text
        assert 'id="decide-exceptions-title"' not in after  # nothing left to decide
        assert case_id not in section(
            (await lead.get("/app/supervision")).text, "pending-exceptions-title"
        )

    async with signed_in(stack, practitioner) as http:
        row = section((await http.get(f"/app/cases/{case_id}")).text, "exceptions-title")
        row = row.split('id="record-exception-1"', 1)[1].split("</tr>", 1)[0]
        assert "approved" in row and f"{supervisor.user_id} (supervisor)" in row
        assert "Needed to judge the risk." in row


async def test_an_exception_without_a_justification_is_refused_next_to_its_input(
    api: httpx.AsyncClient, stack: Harness, web_users
) -> None:
    practitioner = web_users("practitioner")
    async with signed_in(stack, practitioner) as http, their_api(stack, http) as mine:
        case_id = await case_under_review(mine, practitioner)
        page = await http.get(f"/app/cases/{case_id}")

        refused = await http.post(
            f"/app/cases/{case_id}/exceptions",
            data={
                "csrf": csrf_of(page.text),
                "recipient_id": RECIPIENT,
                "fields": ["clinical_context.diagnosis"],
                "justification": "",
            },
        )

        assert refused.status_code == 422
        field = refused.text.split('<label for="exception-1-justification">', 1)[1].split(
            "</div>", 1
        )[0]
        assert 'id="exception-1-justification-error"' in field
        assert "must say in writing why the recipient needs it" in field
        assert_accessible(refused.text)
        assert ok(await mine.get(f"/reports/{case_id}"))["exceptions"] == []


async def test_whoever_asked_for_an_exception_is_not_offered_its_approval_and_told_why_if_they_try(
    api: httpx.AsyncClient, stack: Harness, web_users
) -> None:
    practitioner = web_users("practitioner")
    supervisor = web_users("supervisor", clinic_id=practitioner.clinic_id)
    async with signed_in(stack, practitioner) as http, their_api(stack, http) as mine:
        case_id = await case_under_review(mine, practitioner)
    async with signed_in(stack, supervisor) as lead:
        page = await lead.get(f"/app/cases/{case_id}")
        asked = await lead.post(
            f"/app/cases/{case_id}/exceptions",
            data={
                "csrf": csrf_of(page.text),
                "recipient_id": RECIPIENT,
                "fields": ["clinical_context.diagnosis"],
                "justification": JUSTIFICATION,
            },
        )
        assert asked.status_code == 303
        own = await lead.get(f"/app/cases/{case_id}")
        pending = section(own.text, "decide-exceptions-title")
        assert "You asked for this exception, so a second person decides it." in pending
        assert "Approve the exception" not in pending

        # As if sent from a page opened elsewhere: the API refuses, and the page says why.
        self_approval = await lead.post(
            f"/app/cases/{case_id}/exceptions/exception-1/decision",
            data={"csrf": csrf_of(own.text), "decision": "approve"},
        )

        assert self_approval.status_code == 403
        assert (
            "must be a second person: whoever asked for the exception cannot approve it"
            in section(self_approval.text, "decide-exceptions-title")
        )
        row = section(self_approval.text, "exceptions-title").split('id="record-exception-1"', 1)[1]
        assert "pending" in row.split("</tr>", 1)[0]


async def test_compliance_may_be_the_second_person_and_refuses_with_a_note_from_the_case_page(
    api: httpx.AsyncClient, stack: Harness, web_users
) -> None:
    practitioner = web_users("practitioner")
    officer = web_users("compliance")
    async with signed_in(stack, practitioner) as http, their_api(stack, http) as mine:
        case_id = await case_under_review(mine, practitioner)
        page = await http.get(f"/app/cases/{case_id}")
        await http.post(
            f"/app/cases/{case_id}/exceptions",
            data={
                "csrf": csrf_of(page.text),
                "recipient_id": RECIPIENT,
                "fields": ["clinical_context.diagnosis"],
                "justification": JUSTIFICATION,
            },
        )

    async with signed_in(stack, officer) as desk:
        timeline = await desk.get(f"/app/compliance/cases/{case_id}")
        assert f'href="/app/cases/{case_id}"' in timeline.text  # from the timeline to the case
        case_page = await desk.get(f"/app/cases/{case_id}")
        assert_accessible(case_page.text)

        refused = await desk.post(
            f"/app/cases/{case_id}/exceptions/exception-1/decision",
            data={
                "csrf": csrf_of(case_page.text),
                "decision": "refuse",
                "note": "Intake does not need it.",
            },
        )

        assert refused.status_code == 303
        row = section((await desk.get(f"/app/cases/{case_id}")).text, "exceptions-title")
        row = row.split('id="record-exception-1"', 1)[1].split("</tr>", 1)[0]
        assert "refused" in row and f"{officer.user_id} (compliance)" in row
        assert "Intake does not need it." in row
