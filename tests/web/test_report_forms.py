"""A new report through the pages, as a clinician files it (no browser, no JavaScript): a duty to
warn names two people at risk and each is told; everything wrong is shown at once and opens no
case; the same form posted again (a reload, a double click) never opens a second case; a case
that never got its grounds is withdrawn. Every kind in every jurisdiction, filed to a closed case
in a real browser, is tests/web/test_every_kind_in_*.py."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import select

from dutyflow.auth.store import set_password
from dutyflow.demo import example_case as scenario
from dutyflow.domain.policy import PolicyLibrary
from dutyflow.settings import REPO_ROOT
from dutyflow.store.tables import CaseAssignment
from dutyflow.web import forms
from tests.auth.helpers import new_user
from tests.conftest import Harness
from tests.web.conftest import WebUser, csrf_of, sign_in

pytestmark = pytest.mark.one_database

LIBRARY = PolicyLibrary(REPO_ROOT / "policies")
# North Carolina's child protective agencies are per county: Forsyth County's line is listed.
COUNTY = {
    "US-CA": "Demo County",
    "US-NY": "Demo County",
    "US-TX": "Demo County",
    "US-NC": "Forsyth County",
}


def _local(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%dT%H:%M")


def answer(form_input: forms.FormInput) -> str:
    """A plausible answer to any input of a report form."""
    if form_input.choices:
        return form_input.choices[0].value
    by_name = {
        "approximate_age": "9",
        "phone": "(916) 555-0100",
        "address": "1 Example Street",
        # A court order's or a request's scope, as the case-file fields it covers.
        "authorised_fields": "client.name",
        "requested_fields": "client.name",
    }
    last = form_input.name.rsplit(".", 1)[-1]
    return {
        "yes-no": "yes",
        "date": "2016-05-01",
        "datetime": _local(datetime.now().astimezone() - timedelta(minutes=5)),
    }.get(form_input.kind, by_name.get(last, f"Example {last.replace('_', ' ')}"))


def report_form(
    csrf: str, jurisdiction: str, kind: str, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The report form of ``kind`` in ``jurisdiction``, every question answered."""
    policy = LIBRARY.in_effect(jurisdiction, kind, date.today())
    reporter = {
        f"reporter.{k}": v
        for k, v in scenario.opening_request()["reporter"].items()
        if isinstance(v, str)
    }
    form: dict[str, Any] = {
        "csrf": csrf,
        "jurisdiction": jurisdiction,
        "kind": kind,
        "county": COUNTY.get(jurisdiction, "Demo Borough"),
        "client_id": "client-web-0002",
        **reporter,
    }
    for shown in forms.shown_inputs(forms.grounds_inputs(policy, "UTC"), {}):
        form[shown.name] = answer(shown)
    form.pop("grounds.statutory_basis")
    form["grounds.statutory_basis"] = policy.statutory_bases[0].code
    return {**form, **(extra or {})}


async def new_form(http: httpx.AsyncClient, jurisdiction: str, kind: str) -> str:
    page = await http.get("/app/reports/new", params={"jurisdiction": jurisdiction, "kind": kind})
    assert page.status_code == 200
    return page.text


def token_of(page: str) -> str:
    return page.split('name="opening_token" value="', 1)[1].split('"', 1)[0]


def cases_of(stack: Harness, user_id: str) -> list[str]:
    with stack.sessions() as db:
        return list(
            db.exec(
                select(CaseAssignment.case_id).where(CaseAssignment.practitioner_id == user_id)
            ).all()
        )


@dataclass
class Clinician:
    user: WebUser
    token: str


@pytest.fixture
def clinician(stack: Harness) -> Clinician:
    """A practitioner who signs in to the pages, and whose API token reads their cases' status."""
    account, token = new_user(stack.sessions, "practitioner")
    password = secrets.token_urlsafe(16)
    set_password(stack.sessions, account.user_id, password)
    return Clinician(
        WebUser(account.user_id, password, "practitioner", account.clinic_id, None), token
    )


async def status_after_obligations(stack: Harness, token: str, location: str) -> dict:
    """The case's status (through the API, as its practitioner) once its obligations are known
    (or it closed with none)."""
    case_id = location.rsplit("/", 1)[-1]
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=stack.api_url, headers=headers, timeout=60) as http:
        for _ in range(300):
            status = (await http.get(f"/reports/{case_id}")).json()
            # Obligations known, or nothing may be disclosed (e.g. a subpoena without
            # satisfactory assurance stops, and the case closes).
            if status["obligations"] or status["stage"] == "closed":
                return status
            await asyncio.sleep(0.1)
    raise AssertionError("the case never determined its obligations")


TWO_PEOPLE_AT_RISK = {
    "potential_victims[0].name": "Morgan Vale",
    "potential_victims[0].phone": "(916) 555-0101",
    "potential_victims[0].address": "",
    "potential_victims[0].present_location": "",
    "potential_victims[1].name": "Riley Hart",
    "potential_victims[1].address": "2 Example Street",
}


@pytest.mark.parametrize("jurisdiction", ["US-CA", "US-NY", "US-TX", "GB-ENG"])
async def test_a_duty_to_warn_with_two_people_at_risk_is_filed_and_each_is_a_recipient(
    api: httpx.AsyncClient,
    stack: Harness,
    browser_client: httpx.AsyncClient,
    clinician: Clinician,
    jurisdiction: str,
) -> None:
    await sign_in(browser_client, clinician.user)
    page = await new_form(browser_client, jurisdiction, "danger-to-others")
    form = report_form(csrf_of(page), jurisdiction, "danger-to-others", TWO_PEOPLE_AT_RISK)

    opened = await browser_client.post("/app/reports", data=form)

    assert opened.status_code == 303, opened.text[:3000]
    case_page = await browser_client.get(opened.headers["location"])
    assert case_page.status_code == 200
    status = await status_after_obligations(stack, clinician.token, opened.headers["location"])
    assert status["stage"] != "awaiting-grounds"
    told = [o for o in status["obligations"] if o["recipient_id"].startswith("potential-victim")]
    assert len(told) in (0, 2)  # where the law has the victims told, each of them is


async def test_add_another_person_keeps_what_was_typed_and_opens_nothing(
    api: httpx.AsyncClient, stack: Harness, browser_client: httpx.AsyncClient, web_users
) -> None:
    user = web_users("practitioner")
    await sign_in(browser_client, user)
    page = await new_form(browser_client, "US-CA", "danger-to-others")
    form = report_form(csrf_of(page), "US-CA", "danger-to-others")
    form |= {"potential_victims[0].name": "Morgan Vale", "add-item": "potential_victims"}

    again = await browser_client.post("/app/reports", data=form)

    assert again.status_code == 200
    assert 'name="potential_victims[1].phone"' in again.text
    assert 'value="Morgan Vale"' in again.text
    assert cases_of(stack, user.user_id) == []


async def test_everything_wrong_is_named_at_once_by_its_question_and_opens_no_case(
    api: httpx.AsyncClient, stack: Harness, browser_client: httpx.AsyncClient, web_users
) -> None:
    user = web_users("practitioner")
    await sign_in(browser_client, user)
    page = await new_form(browser_client, "US-CA", "danger-to-others")
    form = report_form(csrf_of(page), "US-CA", "danger-to-others")
    form |= {
        "reporter.phone": "",
        "threat.description": "",
        "potential_victims[0].name": "Morgan Vale",
        "potential_victims[0].phone": "",
        "potential_victims[0].address": "",
        "potential_victims[0].present_location": "",
    }

    refused = await browser_client.post("/app/reports", data=form)

    assert refused.status_code == 422
    summary = refused.text.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    assert "Your telephone number: must not be empty" in summary
    assert "What did the client threaten" in summary
    assert "Person at risk 1: telephone: give a way to reach the person at risk" in summary
    assert "potential_victims" not in summary  # named by the question, not the path
    assert 'value="Morgan Vale"' in refused.text
    assert cases_of(stack, user.user_id) == []


async def test_the_same_form_posted_twice_opens_one_case(
    api: httpx.AsyncClient, stack: Harness, browser_client: httpx.AsyncClient, web_users
) -> None:
    user = web_users("practitioner")
    await sign_in(browser_client, user)
    page = await new_form(browser_client, "US-CA", "danger-to-others")
    form = report_form(
        csrf_of(page), "US-CA", "danger-to-others", {"opening_token": token_of(page)}
    )

    first = await browser_client.post("/app/reports", data=form)
    reload = await browser_client.post("/app/reports", data=form)

    assert first.status_code == reload.status_code == 303
    assert first.headers["location"] == reload.headers["location"]
    assert len(cases_of(stack, user.user_id)) == 1


async def test_a_double_click_sending_the_form_twice_at_once_opens_one_case(
    api: httpx.AsyncClient, stack: Harness, browser_client: httpx.AsyncClient, web_users
) -> None:
    user = web_users("practitioner")
    await sign_in(browser_client, user)
    page = await new_form(browser_client, "US-CA", "danger-to-others")
    form = report_form(
        csrf_of(page), "US-CA", "danger-to-others", {"opening_token": token_of(page)}
    )

    answers = await asyncio.gather(*(browser_client.post("/app/reports", data=form) for _ in "ab"))

    assert {a.status_code for a in answers} == {303}
    assert len({a.headers["location"] for a in answers}) == 1
    assert len(cases_of(stack, user.user_id)) == 1


async def test_the_api_opens_one_case_per_idempotency_key_and_a_new_one_without(
    api: httpx.AsyncClient,
) -> None:
    key = secrets.token_urlsafe(24)
    keyed = scenario.opening_request(idempotency_key=key)

    first = await api.post("/reports", json=keyed)
    again = await api.post("/reports", json=keyed)
    unkeyed = await api.post("/reports", json=scenario.opening_request())

    assert first.status_code == again.status_code == unkeyed.status_code == 201
    assert first.json()["case_id"] == again.json()["case_id"]
    assert unkeyed.json()["case_id"] != first.json()["case_id"]


async def test_an_idempotency_key_that_is_not_a_token_is_refused_without_echoing_it(
    api: httpx.AsyncClient,
) -> None:
    answer = await api.post("/reports", json=scenario.opening_request(idempotency_key="<x y>"))

    assert answer.status_code == 422
    assert "idempotency_key" in answer.text and "<x y>" not in answer.text


async def open_without_grounds(stack: Harness, clinician: Clinician) -> str:
    """A case opened (through the API) that never got its grounds: an orphan to withdraw."""
    body = scenario.opening_request(
        practitioner_id=clinician.user.user_id, clinic_id=clinician.user.clinic_id
    )
    headers = {"Authorization": f"Bearer {clinician.token}"}
    async with httpx.AsyncClient(base_url=stack.api_url, headers=headers, timeout=60) as http:
        opened = await http.post("/reports", json=body)
        assert opened.status_code == 201, opened.text
        case_id: str = opened.json()["case_id"]
        for _ in range(300):
            if (await http.get(f"/reports/{case_id}")).json()["stage"] == "awaiting-grounds":
                return case_id
            await asyncio.sleep(0.1)
    raise AssertionError("the case never came to await its grounds")


async def api_get(stack: Harness, clinician: Clinician, path: str) -> Any:
    headers = {"Authorization": f"Bearer {clinician.token}"}
    async with httpx.AsyncClient(base_url=stack.api_url, headers=headers, timeout=60) as http:
        return (await http.get(path)).json()


async def test_a_case_that_never_got_its_grounds_is_withdrawn_with_a_reason_audited(
    api: httpx.AsyncClient, stack: Harness, browser_client: httpx.AsyncClient, clinician: Clinician
) -> None:
    case_id = await open_without_grounds(stack, clinician)
    await sign_in(browser_client, clinician.user)
    case_page = await browser_client.get(f"/app/cases/{case_id}")
    assert f"/app/cases/{case_id}/withdraw" in case_page.text
    page = await browser_client.get(f"/app/cases/{case_id}/withdraw")

    withdrawn = await browser_client.post(
        f"/app/cases/{case_id}/withdraw",
        data={"csrf": csrf_of(page.text), "reason": "opened-by-mistake", "note": "Opened twice"},
    )

    assert withdrawn.status_code == 303
    for _ in range(300):
        status = await api_get(stack, clinician, f"/reports/{case_id}")
        if status["stage"] == "closed":
            break
        await asyncio.sleep(0.1)
    assert status["outcome"]["result"] == "withdrawn-before-grounds"
    assert status["obligations"] == []
    timeline = await api_get(stack, clinician, f"/reports/{case_id}/timeline")
    entries = timeline if isinstance(timeline, list) else timeline["entries"]
    withdrawal = [e for e in entries if e["step"] == "case-withdrawn"]
    assert len(withdrawal) == 1
    assert withdrawal[0]["details"] == {"reason": "opened-by-mistake"}
    assert withdrawal[0]["actor_id"] == clinician.user.user_id
    assert "Opened twice" not in str(entries)


async def test_a_withdrawal_without_a_reason_is_named_next_to_its_question(
    api: httpx.AsyncClient, stack: Harness, browser_client: httpx.AsyncClient, clinician: Clinician
) -> None:
    case_id = await open_without_grounds(stack, clinician)
    await sign_in(browser_client, clinician.user)
    page = await browser_client.get(f"/app/cases/{case_id}/withdraw")

    refused = await browser_client.post(
        f"/app/cases/{case_id}/withdraw", data={"csrf": csrf_of(page.text), "reason": ""}
    )

    assert refused.status_code == 422
    assert 'id="f-reason-error"' in refused.text
    status = await api_get(stack, clinician, f"/reports/{case_id}")
    assert status["stage"] == "awaiting-grounds"


async def test_a_case_with_its_grounds_cannot_be_withdrawn(
    api: httpx.AsyncClient, stack: Harness, browser_client: httpx.AsyncClient, clinician: Clinician
) -> None:
    await sign_in(browser_client, clinician.user)
    page = await new_form(browser_client, "US-CA", "danger-to-others")
    opened = await browser_client.post(
        "/app/reports", data=report_form(csrf_of(page), "US-CA", "danger-to-others")
    )
    location = opened.headers["location"]
    withdraw_page = await browser_client.get(f"{location}/withdraw")

    refused = await browser_client.post(
        f"{location}/withdraw",
        data={"csrf": csrf_of(withdraw_page.text), "reason": "opened-by-mistake"},
    )

    assert refused.status_code == 409
    assert "only before its grounds" in refused.text
