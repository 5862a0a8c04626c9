"""Every duty with a deadline counts in the overdue lists, not the written report alone: a phone
report not made in time is overdue in the API's list, on the compliance officer's page and in
`dutyflow cases --overdue`, while its written report is still hours away."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from dutyflow.auth.store import set_password
from dutyflow.demo import example_case as scenario
from tests.cli_in_process import in_process
from tests.conftest import Harness
from tests.reporting import document_grounds, ok, open_report_as, record_phone_report
from tests.web.conftest import WebUser, section, signed_in

# The page and the command read what the API reads, which other tests run on both databases.
pytestmark = pytest.mark.one_database


def grounds_formed_minutes_ago(minutes: int) -> dict:
    body = scenario.grounds_submission()
    formed = datetime.now(UTC) - timedelta(minutes=minutes)
    body["grounds"]["suspicion_formed_at"] = formed.isoformat()
    return body


async def listed_overdue_and_escalated(officer: httpx.AsyncClient, clinic: str) -> list[dict]:
    """The overdue list of the clinic, once the case's duty is written and its whole ladder told
    (the workflow does both at once: every step's time has passed)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    params = {"clinic": clinic, "overdue": "true"}
    while True:
        listed = ok(await officer.get("/compliance/cases", params=params))
        told = [d["escalated_to"] for c in listed for d in c["duties"]]
        if told and all(who == "compliance" for who in told):
            return listed
        assert loop.time() < deadline, f"the overdue list shows {listed}"
        await asyncio.sleep(0.1)


async def test_a_phone_report_overdue_is_in_every_overdue_list(
    api: httpx.AsyncClient,
    stack: Harness,
    callers,
    web_users,
    database_url: str,
    temporal_address: str,
    key_environment: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    clinic = f"clinic-{uuid.uuid4().hex[:12]}"
    practitioner = callers.new("practitioner", clinic_id=clinic)
    case_id = await open_report_as(practitioner)
    # US-CA child abuse: the call is due 15 minutes after the suspicion, the written report in 36 h.
    await document_grounds(practitioner.http, case_id, grounds_formed_minutes_ago(40))

    [listed] = await listed_overdue_and_escalated(callers.new("compliance").http, clinic)
    assert listed["case_id"] == case_id and listed["overdue"] is True
    assert listed["stage"] == "awaiting-phone-report"
    kinds = {d["kind"]: d for d in listed["duties"]}
    assert set(kinds) == {"phone-report"}  # the written report is not overdue
    assert kinds["phone-report"]["overdue"] is True

    async with signed_in(stack, web_users("compliance")) as desk:
        home = (await desk.get("/app/compliance")).text
    overdue_section = section(home, "overdue-title")
    assert case_id in overdue_section and "phone report: overdue by" in overdue_section
    # The start page leads with what is escalated to the officer: this call, first.
    assert home.index('id="escalated-title"') < home.index('id="chain-title"')
    escalated = section(home, "escalated-title")
    assert case_id in escalated and "make the statutory phone report" in escalated

    password = "a long enough password 1"
    set_password(stack.sessions, practitioner.user_id, password)
    owner = WebUser(practitioner.user_id, password, "practitioner", clinic, None)
    async with signed_in(stack, owner) as desk:
        mine = section((await desk.get("/app/tasks")).text, "tasks-title")
    assert case_id in mine and "make the statutory phone report" in mine
    assert "Overdue" in mine and "overdue by" in mine

    for name, value in {
        "DUTYFLOW_TEMPORAL_ADDRESS": temporal_address,
        "DUTYFLOW_DATABASE_URL": database_url,
        **key_environment,
    }.items():
        monkeypatch.setenv(name, value)
    run = in_process(monkeypatch, capsys)
    status, out, err = await asyncio.to_thread(run, "cases", "--overdue", "--clinic", clinic)
    assert (status, err) == (0, "")
    assert case_id in out and "OVERDUE" in out and "phone-report" in out
    assert "1 case(s)." in out


async def test_inbox_shows_the_overdue_call_to_its_practitioner_escalated_to_others_then_met(
    api: httpx.AsyncClient, callers
) -> None:
    clinic = f"clinic-{uuid.uuid4().hex[:12]}"
    practitioner = callers.new("practitioner", clinic_id=clinic)
    supervisor = callers.new("supervisor", clinic_id=clinic)
    officer = callers.new("compliance")
    case_id = await open_report_as(practitioner)
    await document_grounds(practitioner.http, case_id, grounds_formed_minutes_ago(40))
    await listed_overdue_and_escalated(officer.http, clinic)

    [mine] = [t for t in ok(await practitioner.http.get("/me/tasks")) if t["case_id"] == case_id]
    assert mine["category"] == "overdue" and mine["what"] == "make the statutory phone report"
    assert mine["countdown"].startswith("overdue by 2") and mine["met_at"] is None
    for lead in (supervisor, officer):
        theirs = [t for t in ok(await lead.http.get("/me/tasks")) if t["case_id"] == case_id]
        assert [t["category"] for t in theirs] == ["escalated-to-me"]
        assert theirs[0]["escalated_to"] == "compliance"
    other_clinic = callers.new("supervisor", clinic_id=f"clinic-{uuid.uuid4().hex[:12]}")
    assert case_id not in {t["case_id"] for t in ok(await other_clinic.http.get("/me/tasks"))}

    await record_phone_report(practitioner.http, case_id)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while True:
        tasks = [t for t in ok(await practitioner.http.get("/me/tasks")) if t["case_id"] == case_id]
        phone = [t for t in tasks if t["what"] == "make the statutory phone report"]
        if phone and phone[0]["category"] == "met":
            break
        assert loop.time() < deadline, tasks
        await asyncio.sleep(0.1)
    assert phone[0]["met_at"] is not None and phone[0]["countdown"] is None
    assert tasks[-1] == phone[0]  # met ones come last
    theirs = [t for t in ok(await officer.http.get("/me/tasks")) if t["case_id"] == case_id]
    assert theirs == []
