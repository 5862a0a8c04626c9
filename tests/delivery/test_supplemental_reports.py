"""A supplemental report on a delivered case: the new or changed answers go, limited by the same
allow-list, to every agency that received the report, marked "Supplemental to <reference>", once
each however often the request is sent; the original and the supplement are both delivered,
audited and in the accounting, and the case closes only once the agency acknowledged both."""

from __future__ import annotations

import dataclasses
import html
import re
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from dutyflow.auth.store import set_password
from dutyflow.intake.app import create_app
from dutyflow.runtime.serving import bind, serve
from dutyflow.store import audit_log
from dutyflow.store.tables import AccountingEntry, DeliveryRecord
from tests.auth.helpers import new_user
from tests.conftest import serve_api
from tests.reporting import PRACTITIONER, ok, submit_report, wait_for_stage
from tests.test_delivery import directory_for
from tests.web.conftest import WebUser, csrf_of, section, signed_in

NEW_OBSERVATION = "At today's session a fresh bruise on the right forearm."
AGENCY = "demo-county-cws"


@pytest.fixture
async def delivered(stack, http, executor, tmp_path: Path) -> AsyncIterator[tuple]:
    """A US-CA child-abuse report delivered to an agency whose staff have not yet decided (the
    case awaits their acknowledgement): the API, the agency's address and the case id."""
    agency = await serve(
        create_app(
            f"sqlite:///{tmp_path / 'agency.db'}", secrets=stack.secrets, auto_acknowledge=False
        ),
        bind("127.0.0.1", 0, "agency"),
        "agency",
    )
    stack = dataclasses.replace(
        stack, directory=directory_for(tmp_path, f"{agency.url}/agencies/{AGENCY}/reports")
    )
    try:
        async with stack.new_worker(http, executor), serve_api(stack) as api:
            case_id = await submit_report(api)
            await wait_for_stage(api, case_id, "awaiting-acknowledgement")
            yield api, agency.url, case_id
    finally:
        await agency.stop()


def supplement(**answers: object) -> dict[str, object]:
    return {"practitioner_id": PRACTITIONER, "answers": answers}


async def test_a_supplement_reaches_each_agency_once_marked_as_supplemental(
    delivered, stack
) -> None:
    api, agency_url, case_id = delivered
    body = supplement(grounds={"observations": NEW_OBSERVATION})
    headers = {"Idempotency-Key": "supplement-once"}

    first = ok(await api.post(f"/reports/{case_id}/supplements", json=body, headers=headers))
    again = ok(await api.post(f"/reports/{case_id}/supplements", json=body, headers=headers))

    [original] = [
        d
        for d in first["deliveries"]
        if d["report_id"] not in first["supplements"][0]["report_ids"]
    ]
    [summary] = again["supplements"]
    assert summary["changed_fields"] == ["grounds.observations"] and summary["delivered"]
    assert len(again["deliveries"]) == 2 and again["stage"] == "awaiting-acknowledgement"
    async with httpx.AsyncClient(base_url=agency_url) as intake:
        received = ok(await intake.get(f"/agencies/{AGENCY}/reports"))
    assert len(received) == 2
    [sent] = [r for r in received if r["transmission"]["supplemental_to"]]
    assert sent["transmission"]["supplemental_to"] == original["report_id"]
    assert sent["transmission"]["fields"]["grounds"]["observations"] == NEW_OBSERVATION
    text = sent["transmission"]["document"]["text"]
    assert f"Supplemental to {original['reference_number']}" in text
    assert "Grounds: observations" in text

    with stack.sessions() as session:
        steps = [e.step for e in audit_log.entries_for_case(session, case_id)]
        delivered_rows = session.exec(
            select(DeliveryRecord).where(DeliveryRecord.case_id == case_id)
        ).all()
        accounted = session.exec(
            select(AccountingEntry).where(AccountingEntry.case_id == case_id)
        ).all()
    assert steps.count("supplement-documented") == 1
    assert steps.count("supplement-delivered") == 1 and steps.count("report-delivered") == 1
    assert {d.report_id for d in delivered_rows} == {e.entry_id for e in accounted}
    assert len(accounted) == 2
    assert any(e.information_disclosed.startswith("Supplemental report") for e in accounted)

    async with httpx.AsyncClient(base_url=agency_url) as intake:
        inbox = (await intake.get(f"/agencies/{AGENCY}/inbox")).text
    original_row = inbox.split(f">{original['reference_number']}<", 1)[1].split("</tr>", 1)[0]
    assert "Supplemented" in original_row and 'href="tel:+15550142"' in original_row
    assert "Child abuse, US-CA" in original_row and "phone report first" in original_row
    assert "Supplemental report" in inbox.split(f">{sent['reference_number']}<", 1)[1][:200]

    async with httpx.AsyncClient(base_url=agency_url) as intake:
        for report in received:
            ok(
                await intake.post(
                    f"/agencies/{AGENCY}/reports/{report['reference_number']}/decision",
                    json={"decision": "accepted"},
                )
            )
    closed = await wait_for_stage(api, case_id, "closed")
    assert {a["report_id"] for a in closed["acknowledgements"]} == {
        d["report_id"] for d in closed["deliveries"]
    }


async def test_a_supplement_that_moves_the_suspicion_or_says_nothing_new_is_refused(
    delivered,
) -> None:
    api, _, case_id = delivered
    status = ok(await api.get(f"/reports/{case_id}"))

    moved = await api.post(
        f"/reports/{case_id}/supplements",
        json=supplement(grounds={"suspicion_formed_at": "2026-01-01T00:00:00Z"}),
    )
    unknown = await api.post(
        f"/reports/{case_id}/supplements", json=supplement(victim={"shoe_size": "SECRET-42"})
    )
    nothing = await api.post(f"/reports/{case_id}/supplements", json=supplement(grounds={}))

    assert moved.status_code == 422
    assert moved.json()["errors"][0]["field"] == "answers.grounds.suspicion_formed_at"
    assert unknown.status_code == 422 and "SECRET-42" not in unknown.text
    assert unknown.json()["errors"][0]["field"] == "answers.victim.shoe_size"
    assert nothing.status_code == 422 and nothing.json()["errors"][0]["field"] == "answers"
    after = ok(await api.get(f"/reports/{case_id}"))
    assert after["supplements"] == [] and len(after["deliveries"]) == len(status["deliveries"])


async def test_the_case_page_sends_one_supplement_however_often_its_form_is_sent(
    delivered, stack
) -> None:
    api, _, case_id = delivered
    password = secrets.token_urlsafe(16)
    set_password(stack.sessions, PRACTITIONER, password)
    user = WebUser(PRACTITIONER, password, "practitioner", None, None)
    async with signed_in(stack, user) as browser:
        case_page = (await browser.get(f"/app/cases/{case_id}")).text
        assert f"/app/cases/{case_id}/supplement" in case_page
        form = (await browser.get(f"/app/cases/{case_id}/supplement")).text
        token = re.search(r'name="supplement_token" value="([^"]+)"', form)
        assert token is not None
        empty = await browser.post(
            f"/app/cases/{case_id}/supplement",
            data={"csrf": csrf_of(form), "supplement_token": token.group(1)},
        )
        sent = {
            "csrf": csrf_of(form),
            "supplement_token": token.group(1),
            "grounds.observations": NEW_OBSERVATION,
        }
        first = await browser.post(f"/app/cases/{case_id}/supplement", data=sent)
        reloaded = await browser.post(f"/app/cases/{case_id}/supplement", data=sent)
        after = (await browser.get(f"/app/cases/{case_id}")).text

    assert empty.status_code == 422 and "give at least one new or changed answer" in empty.text
    assert first.status_code == reloaded.status_code == 303
    status = ok(await api.get(f"/reports/{case_id}"))
    assert len(status["supplements"]) == 1 and len(status["deliveries"]) == 2
    trail = section(after, "deliveries-title")
    assert "Amendment trail" in trail and "Supplemental report 1" in trail
    original = next(
        d
        for d in status["deliveries"]
        if d["report_id"] not in status["supplements"][0]["report_ids"]
    )
    staff, _ = new_user(stack.sessions, "agency", agency_id=AGENCY)
    set_password(stack.sessions, staff.user_id, password)
    agency_user = WebUser(staff.user_id, password, "agency", None, AGENCY)
    async with signed_in(stack, agency_user) as agency:
        inbox = html.unescape((await agency.get("/app/agency")).text)
    assert f"Supplemental report to {original['reference_number']}" in inbox
    assert "Supplemented: a supplemental report followed" in inbox
