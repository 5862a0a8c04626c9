"""A practitioner's profile through the pages (no browser): saved with post/redirect/get, kept
sealed and audited by the fields it changed (never their values); a new report's reporter
section starts with it and stays editable; a refused profile names each problem by its label
and keeps what was typed; the report form warns of training the law asks and the profile does
not record, until it does; compliance sees every practitioner's attestations, a supervisor
their own clinic's, and nobody but a clinician keeps a profile. A report filed without the
training is filed all the same, and its page says so."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import text
from sqlmodel import select

from dutyflow.auth.store import audit_subject
from dutyflow.store.profiles import PROFILE_SAVED_STEP
from dutyflow.store.tables import AuditEntry
from tests.auth.helpers import bearer, new_user
from tests.conftest import Harness
from tests.web.conftest import WebUser, csrf_of, signed_in
from tests.web.test_report_forms import new_form, report_form

pytestmark = pytest.mark.one_database

PROFILE = {
    "name": "Dr. Ana Reyes",
    "title": "Licensed marriage and family therapist",
    "licence_type": "LMFT",
    "licence_number": "LMFT 4417",
    "licence_issuer": "California Board of Behavioral Sciences",
    "mandated_reporter_category": "Marriage and family therapist (PC 11165.7(a)(21))",
    "business_name": "Riverside Family Clinic",
    "business_address": "12 River Road, Sacramento, CA 95814",
    "phone": "(916) 555-0142",
}
NY_COURSE = {
    "attestations.us-ny-child-abuse-coursework.course": "NYSED approved course",
    "attestations.us-ny-child-abuse-coursework.completed_on": "2024-05-02",
    "attestations.us-ny-child-abuse-coursework.evidence_reference": "Certificate 8812",
}
WARNING = "Training the law asks of you is not on your profile"


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def input_value(page: str, name: str) -> str:
    found = re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]*)"', page)
    assert found, f"no input {name}"
    return html.unescape(found.group(1))


@pytest.fixture
async def served(api_without_worker: httpx.AsyncClient) -> AsyncIterator[None]:
    yield None


async def save(pages: httpx.AsyncClient, fields: dict[str, str]) -> httpx.Response:
    form = (await pages.get("/app/profile")).text
    return await pages.post("/app/profile", data={"csrf": csrf_of(form), **fields})


async def test_a_saved_profile_fills_in_the_reporter_section_of_a_new_report(
    served: None, stack: Harness, web_users
) -> None:
    user: WebUser = web_users("practitioner")
    async with signed_in(stack, user) as pages:
        saved = await save(pages, PROFILE)
        assert (saved.status_code, saved.headers["location"]) == (303, "/app/profile?done=saved")
        shown = (await pages.get("/app/profile?done=saved")).text
        assert "Your profile is saved." in text_of(shown)
        assert input_value(shown, "licence_number") == "LMFT 4417"

        form = (
            await pages.get(
                "/app/reports/new", params={"jurisdiction": "US-CA", "kind": "child-abuse"}
            )
        ).text
    assert input_value(form, "reporter.name") == "Dr. Ana Reyes"
    assert input_value(form, "reporter.phone") == "(916) 555-0142"
    assert "Riverside Family Clinic" in input_value(form, "reporter.business_name")
    assert "12 River Road" in form.split('name="reporter.business_address"', 1)[1][:400]


async def test_the_profile_is_sealed_at_rest_and_its_change_audited_by_field_never_value(
    served: None, stack: Harness, web_users
) -> None:
    user: WebUser = web_users("practitioner")
    async with signed_in(stack, user) as pages:
        assert (await save(pages, PROFILE)).status_code == 303
        assert (await save(pages, {**PROFILE, "phone": "(916) 555-0199"})).status_code == 303
        assert (await save(pages, {**PROFILE, "phone": "(916) 555-0199"})).status_code == 303

    with stack.engine.connect() as connection:
        stored = connection.execute(
            text("SELECT profile FROM practitioner_profile WHERE user_id = :u"),
            {"u": user.user_id},
        ).scalar_one()
    assert stored.startswith("sealed:v1:") and "Reyes" not in stored
    with stack.sessions() as db:
        entries = db.exec(
            select(AuditEntry)
            .where(AuditEntry.case_id == audit_subject(user.user_id))
            .where(AuditEntry.step == PROFILE_SAVED_STEP)
            .order_by(AuditEntry.seq)  # type: ignore[arg-type]
        ).all()
    # The same profile saved again changes nothing and is no entry.
    assert [e.details["changed_fields"] for e in entries] == [list(PROFILE), ["phone"]]
    assert all(e.actor_id == user.user_id for e in entries)
    assert "555-01" not in str([e.details for e in entries])


async def test_a_refused_profile_names_each_problem_by_its_label_and_keeps_what_was_typed(
    served: None, stack: Harness, web_users
) -> None:
    user: WebUser = web_users("practitioner")
    typed = {
        **PROFILE,
        "name": "",
        "attestations.us-ny-child-abuse-coursework.course": "NYSED approved course",
        "attestations.us-ny-child-abuse-coursework.completed_on": "last spring",
    }
    async with signed_in(stack, user) as pages:
        refused = await save(pages, typed)
        assert refused.status_code == 422
        summary = text_of(
            refused.text.split('id="error-summary-title"', 1)[1].split("</div>", 1)[0]
        )
        assert "Your name, as reports give it: must not be empty" in summary
        assert "Completed on (Two hours of coursework" in summary
        assert "Evidence reference (Two hours of coursework" in summary
        assert "last spring" not in summary  # named, never echoed
        assert input_value(refused.text, "licence_number") == "LMFT 4417"
        assert (
            input_value(refused.text, "attestations.us-ny-child-abuse-coursework.completed_on")
            == "last spring"
        )
        assert (await pages.get("/app/profile")).text.count('value="LMFT 4417"') == 0


async def test_the_report_form_warns_of_training_not_on_the_profile_until_it_is_recorded(
    served: None, stack: Harness, web_users
) -> None:
    user: WebUser = web_users("practitioner")
    new_ny_report = {"jurisdiction": "US-NY", "kind": "child-abuse"}
    async with signed_in(stack, user) as pages:
        before = (await pages.get("/app/reports/new", params=new_ny_report)).text
        assert WARNING in text_of(before)
        assert "N.Y. Educ. Law 6507(3)(a)" in text_of(before)
        assert 'name="reporter.name"' in before  # a warning: the form is all there

        assert (await save(pages, {**PROFILE, **NY_COURSE})).status_code == 303
        after = (await pages.get("/app/reports/new", params=new_ny_report)).text
        texas = (
            await pages.get(
                "/app/reports/new", params={"jurisdiction": "US-TX", "kind": "child-abuse"}
            )
        ).text
    assert WARNING not in text_of(after)
    assert WARNING not in text_of(texas)  # no training asked there (as far as the file says)


async def test_compliance_sees_every_practitioners_attestations_and_a_supervisor_their_clinics(
    served: None, stack: Harness, web_users
) -> None:
    trained: WebUser = web_users("practitioner")
    untrained: WebUser = web_users("practitioner")
    async with signed_in(stack, trained) as pages:
        assert (await save(pages, {**PROFILE, **NY_COURSE})).status_code == 303
    officer: WebUser = web_users("compliance")
    async with signed_in(stack, officer) as pages:
        overview = text_of((await pages.get("/app/compliance/training")).text)
    row = overview.split(f"({trained.user_id})", 1)[1].split("(practitioner-", 1)[0]
    assert "NYSED approved course, completed 2024-05-02; evidence: Certificate 8812" in row
    assert "Not recorded" in row  # California's, not recorded
    assert f"No profile yet ({untrained.user_id})" in overview

    lead: WebUser = web_users("supervisor", clinic_id=trained.clinic_id)
    async with signed_in(stack, lead) as pages:
        own_clinic = text_of((await pages.get("/app/compliance/training")).text)
    assert trained.user_id in own_clinic and untrained.user_id not in own_clinic


async def test_only_a_clinician_keeps_a_profile_and_none_is_there_before_it_is_saved(
    served: None, stack: Harness
) -> None:
    _, practitioner_token = new_user(stack.sessions, "practitioner")
    _, officer_token = new_user(stack.sessions, "compliance")
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=60) as http:
        none_yet = await http.get("/me/profile", headers=bearer(practitioner_token))
        refused = await http.put(
            "/me/profile", json={"name": "Someone"}, headers=bearer(officer_token)
        )
        bad = await http.put(
            "/me/profile", json={"name": "x" * 300}, headers=bearer(practitioner_token)
        )
    assert none_yet.status_code == 404
    assert refused.status_code == 403
    assert bad.status_code == 422
    assert bad.json()["errors"] == [{"field": "name", "problem": "is longer than 200 characters"}]


async def test_a_report_filed_without_the_training_the_law_asks_is_filed_and_its_page_says_so(
    api: httpx.AsyncClient, stack: Harness, web_users
) -> None:
    user: WebUser = web_users("practitioner")
    async with signed_in(stack, user) as pages:
        page = await new_form(pages, "US-NY", "child-abuse")
        opened = await pages.post(
            "/app/reports", data=report_form(csrf_of(page), "US-NY", "child-abuse")
        )
        assert opened.status_code == 303, opened.text[:2000]
        case_page = text_of((await pages.get(opened.headers["location"])).text)
    assert WARNING in case_page
    assert "This did not stop the report." in case_page
    assert "N.Y. Educ. Law 6507(3)(a)" in case_page
