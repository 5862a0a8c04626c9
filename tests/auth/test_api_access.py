"""Access control on the API, behaviour by behaviour, over real HTTP with a real worker: every
read of case content is audited (who, which view; never the content), a case one may not see
answers exactly as an unknown one, nobody acts in another's name, a supervisor's lists stop at
their clinic, an agency sees only what was delivered to it, and an admin manages accounts.

Who may call which endpoint at all is `test_role_matrix.py`."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

import httpx
import pytest
from sqlmodel import select

from dutyflow.auth.case_access import CONTENT_READ_STEP
from dutyflow.demo import example_case as scenario
from dutyflow.store import audit_log
from dutyflow.store.tables import ApiToken, AuditEntry, CaseAssignment, UserAccount
from tests.auth.helpers import unique
from tests.conftest import Caller, Callers, Harness
from tests.reporting import (
    agency_inbox,
    confirm,
    document_grounds,
    ok,
    open_report_as,
    record_phone_report,
    wait_for_stage,
)
from tests.test_mandated_report import ALLOWED_MARKER, WITHHELD_MARKERS, grounds_with_markers

# What this checks does not depend on the database engine: it runs once, on SQLite.
pytestmark = pytest.mark.one_database

CONTENT = [*WITHHELD_MARKERS.values(), ALLOWED_MARKER, "Sam Example", "Casey Example"]


@dataclass
class DeliveredCase:
    owner: Caller
    clinic: str
    case_id: str
    report_id: str
    reference_number: str


@pytest.fixture
async def delivered(api: httpx.AsyncClient, callers: Callers) -> DeliveredCase:
    """A practitioner's case of a clinic of its own, its report delivered to demo-county-cws."""
    clinic = unique("clinic")
    owner = callers.new("practitioner", clinic_id=clinic)
    case_id = await open_report_as(owner)
    await document_grounds(owner.http, case_id, grounds_with_markers())
    await record_phone_report(owner.http, case_id)
    await confirm(owner.http, case_id)
    status = await wait_for_stage(owner.http, case_id, "closed")
    [delivery] = status["deliveries"]
    return DeliveredCase(
        owner, clinic, case_id, delivery["report_id"], delivery["reference_number"]
    )


def content_reads(stack: Harness, subject: str) -> list[AuditEntry]:
    with stack.sessions() as session:
        return [
            e for e in audit_log.entries_for_case(session, subject) if e.step == CONTENT_READ_STEP
        ]


def holds_no_content(entries: list[AuditEntry]) -> bool:
    everything = json.dumps([e.model_dump(mode="json") for e in entries])
    return not [marker for marker in CONTENT if marker in everything]


# --- every read of case content is audited --------------------------------------------------------


async def test_reading_the_review_is_audited_with_the_readers_id_and_no_content(
    stack: Harness, callers: Callers, delivered: DeliveredCase
) -> None:
    supervisor = callers.new("supervisor", clinic_id=delivered.clinic)
    before = len(content_reads(stack, delivered.case_id))

    review = ok(await supervisor.http.get(f"/reports/{delivered.case_id}/review"))

    assert ALLOWED_MARKER in json.dumps(review)  # the supervisor did read content
    [read] = content_reads(stack, delivered.case_id)[before:]
    assert (read.actor_id, read.actor_role) == (supervisor.user_id, "supervisor")
    assert read.details == {"view": "review"}
    assert holds_no_content([read])


async def test_the_fhir_export_and_an_agencys_report_are_audited_reads(
    stack: Harness, callers: Callers, delivered: DeliveredCase
) -> None:
    officer = callers.new("compliance")
    agency = callers.new("agency", agency_id="demo-county-cws")
    before = len(content_reads(stack, delivered.case_id))

    ok(await officer.http.get(f"/reports/{delivered.case_id}/fhir"))
    ok(await agency.http.get(f"/agency/reports/{delivered.report_id}"))

    reads = content_reads(stack, delivered.case_id)[before:]
    assert [(e.actor_id, e.actor_role, e.details) for e in reads] == [
        (officer.user_id, "compliance", {"view": "fhir"}),
        (agency.user_id, "agency", {"view": "agency-report", "report_id": delivered.report_id}),
    ]
    assert holds_no_content(reads)


async def test_reading_the_status_is_no_content_read(
    stack: Harness, delivered: DeliveredCase
) -> None:
    before = len(content_reads(stack, delivered.case_id))

    ok(await delivered.owner.http.get(f"/reports/{delivered.case_id}"))
    ok(await delivered.owner.http.get(f"/reports/{delivered.case_id}/timeline"))

    assert len(content_reads(stack, delivered.case_id)) == before


async def listing_with(supervisor: Caller, case_id: str) -> list[dict]:
    """The supervisor's list of cases, open and closed, once it shows ``case_id`` (visibility
    catches up asynchronously)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while True:
        listed = ok(
            await supervisor.http.get("/compliance/cases", params={"include_closed": "true"})
        )
        if case_id in {c["case_id"] for c in listed}:
            return list(listed)
        assert loop.time() < deadline, f"{case_id} is not in the supervisor's list"
        await asyncio.sleep(0.1)


# --- cases one may not see do not exist -----------------------------------------------------------


async def test_another_practitioners_case_answers_exactly_as_an_unknown_case(
    callers: Callers, delivered: DeliveredCase
) -> None:
    colleague = callers.new("practitioner", clinic_id=delivered.clinic)

    for path in ("", "/review", "/timeline", "/fhir"):
        theirs = await colleague.http.get(f"/reports/{delivered.case_id}{path}")
        unknown = await colleague.http.get(f"/reports/case-{unique('unknown')}{path}")
        assert (theirs.status_code, beyond_path(theirs)) == (
            unknown.status_code,
            beyond_path(unknown),
        ), path
        assert theirs.status_code == 404


async def test_a_supervisor_lists_only_their_own_clinics_cases(
    callers: Callers, delivered: DeliveredCase
) -> None:
    own = callers.new("supervisor", clinic_id=delivered.clinic)
    other = callers.new("supervisor")
    listing = {"include_closed": "true"}

    mine = await listing_with(own, delivered.case_id)
    theirs = ok(await other.http.get("/compliance/cases", params=listing))

    assert {c["clinic"] for c in mine} == {delivered.clinic}
    assert {c["clinic"] for c in theirs} <= {other.clinic_id}
    refused = await other.http.get("/compliance/cases", params={"clinic": delivered.clinic})
    assert refused.status_code == 403
    assert [e["field"] for e in refused.json()["errors"]] == ["clinic"]


# --- nobody acts in another's name ----------------------------------------------------------------


async def test_opening_a_report_in_another_name_or_clinic_is_refused_naming_the_fields(
    api: httpx.AsyncClient, stack: Harness, callers: Callers
) -> None:
    practitioner = callers.new("practitioner")

    refused = await practitioner.http.post("/reports", json=scenario.opening_request())

    assert refused.status_code == 403
    assert [e["field"] for e in refused.json()["errors"]] == ["practitioner_id", "clinic_id"]


async def test_a_supervisor_cannot_confirm_in_the_practitioners_name(
    callers: Callers, api: httpx.AsyncClient
) -> None:
    clinic = unique("clinic")
    owner = callers.new("practitioner", clinic_id=clinic)
    supervisor = callers.new("supervisor", clinic_id=clinic)
    case_id = await open_report_as(owner)
    await document_grounds(owner.http, case_id, scenario.grounds_submission())
    await record_phone_report(owner.http, case_id)
    review = ok(await owner.http.get(f"/reports/{case_id}/review"))

    refused = await supervisor.http.post(
        f"/reports/{case_id}/confirm",
        json={"practitioner_id": owner.user_id, "review_sha256": review["review_sha256"]},
    )

    assert refused.status_code == 403
    assert [e["field"] for e in refused.json()["errors"]] == ["practitioner_id"]
    assert ok(await owner.http.get(f"/reports/{case_id}"))["stage"] == "awaiting-confirmation"


async def test_a_case_belongs_to_its_practitioner_from_the_moment_it_is_opened(
    stack: Harness, callers: Callers, api: httpx.AsyncClient
) -> None:
    owner = callers.new("practitioner")

    case_id = await open_report_as(owner)
    # At once, before the workflow has written its own case record:
    ok(await owner.http.post(f"/reports/{case_id}/grounds", json=scenario.grounds_submission()))

    with stack.sessions() as session:
        assigned = session.get(CaseAssignment, case_id)
    assert assigned is not None
    assert (assigned.clinic_id, assigned.practitioner_id) == (owner.clinic_id, owner.user_id)


# --- authentication comes first -------------------------------------------------------------------


async def test_an_unauthenticated_request_is_refused_401_whatever_its_body(
    api: httpx.AsyncClient, callers: Callers
) -> None:
    anonymous = callers.anonymous()

    not_json = await anonymous.post(
        "/reports", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    invalid = await anonymous.post("/reports/case-x/grounds", json={"grounds": 5})

    for refused in (not_json, invalid):
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"] == "Bearer"
        assert "errors" not in refused.json()


async def test_an_authorised_caller_still_gets_the_fields_named_for_bad_input(
    api: httpx.AsyncClient,
) -> None:
    not_json = await api.post(
        "/reports", content=b"{not json", headers={"Content-Type": "application/json"}
    )

    assert not_json.status_code == 422
    assert not_json.json()["errors"]


# --- an agency sees only what was delivered to it -------------------------------------------------


async def test_an_agency_sees_its_report_exactly_as_it_was_delivered(
    stack: Harness, callers: Callers, delivered: DeliveredCase
) -> None:
    agency = callers.new("agency", agency_id="demo-county-cws")

    listed = ok(await agency.http.get("/agency/reports"))
    document = ok(await agency.http.get(f"/agency/reports/{delivered.report_id}"))

    [mine] = [r for r in listed if r["report_id"] == delivered.report_id]
    assert mine["reference_number"] == delivered.reference_number
    assert "case_id" not in mine and "case_id" not in document
    [received] = [
        r
        for r in await agency_inbox(stack.intake_url, "demo-county-cws")
        if r["case_reference"] == delivered.case_id
    ]
    assert document["sha256"] == received["transmission"]["document"]["sha256"]
    assert document["text"] == received["transmission"]["document"]["text"]
    for marker in WITHHELD_MARKERS.values():
        assert marker not in document["text"] and marker not in document["html"]


async def test_another_agency_neither_lists_nor_reads_the_report(
    callers: Callers, delivered: DeliveredCase
) -> None:
    sheriff = callers.new("agency", agency_id="demo-county-sheriff")

    listed = ok(await sheriff.http.get("/agency/reports"))
    read = await sheriff.http.get(f"/agency/reports/{delivered.report_id}")
    unknown = await sheriff.http.get(f"/agency/reports/{unique('report')}")

    assert delivered.report_id not in {r["report_id"] for r in listed}
    assert (read.status_code, beyond_path(read)) == (unknown.status_code, beyond_path(unknown))
    assert read.status_code == 404


def beyond_path(answer: httpx.Response) -> dict[str, object]:
    """A problem's body but its ``instance``, the path the caller asked (and already knows)."""
    return {k: v for k, v in answer.json().items() if k != "instance"}


# --- an admin manages accounts --------------------------------------------------------------------


async def test_an_admin_adds_a_user_and_receives_a_set_up_code_never_a_token_of_theirs(
    api: httpx.AsyncClient, callers: Callers, stack: Harness
) -> None:
    admin = callers.new("admin")
    user_id = unique("practitioner")

    added = await admin.http.post(
        "/admin/users",
        json={
            "user_id": user_id,
            "display_name": "Dr. New",
            "role": "practitioner",
            "clinic_id": "clinic-demo-01",
        },
    )

    assert added.status_code == 201, added.text
    assert added.headers["cache-control"] == "no-store"
    assert "token" not in added.json() and "dfy_" not in added.text
    code = added.json()["setup"]["code"]
    with stack.sessions() as session:
        assert session.exec(select(ApiToken).where(ApiToken.user_id == user_id)).all() == []
    # The code is no token: it reads nothing.
    as_token = callers.with_token(user_id, "practitioner", code)
    assert (await as_token.http.get("/me")).status_code == 401
    # The practitioner sets their own password with it and gets their own token.
    own = await callers.anonymous().post(
        "/account-setup", json={"code": code, "password": "a new practitioner's passphrase"}
    )
    assert own.status_code == 201, own.text
    newcomer = callers.with_token(user_id, "practitioner", own.json()["token"])
    assert ok(await newcomer.http.get("/me"))["user_id"] == user_id
    listing = (await admin.http.get("/admin/users")).text
    assert user_id in listing and own.json()["token"] not in listing
    revoked = await admin.http.post(f"/admin/tokens/{own.json()['token_id']}/revoke")
    assert ok(revoked)["revoked"] is True
    assert (await newcomer.http.get("/me")).status_code == 401


async def test_an_admin_is_refused_an_account_that_cannot_be_made_naming_the_field(
    api: httpx.AsyncClient, callers: Callers
) -> None:
    admin = callers.new("admin")

    refused = await admin.http.post(
        "/admin/users",
        json={
            "user_id": unique("practitioner"),
            "display_name": "Dr. Nowhere",
            "role": "practitioner",
        },
    )
    unknown = await admin.http.post(f"/admin/users/{unique('nobody')}/tokens")

    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["clinic_id"]
    assert unknown.status_code == 403  # another user's, known or not


async def test_an_admin_cannot_issue_a_token_for_another_user(
    api: httpx.AsyncClient, callers: Callers, stack
) -> None:
    admin = callers.new("admin")
    practitioner = callers.new("practitioner")
    with stack.sessions() as session:
        before = len(session.exec(select(ApiToken)).all())

    refused = await admin.http.post(f"/admin/users/{practitioner.user_id}/tokens")

    assert refused.status_code == 403, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["user_id"]
    with stack.sessions() as session:
        assert len(session.exec(select(ApiToken)).all()) == before
    own = ok(await admin.http.post(f"/admin/users/{admin.user_id}/tokens"))
    assert callers.with_token(admin.user_id, "admin", own["token"]).token


async def test_an_admin_cannot_create_an_account_that_reads_case_content(
    api: httpx.AsyncClient, callers: Callers, stack
) -> None:
    admin = callers.new("admin")
    for role, clinic in (("compliance", None), ("supervisor", "clinic-demo-01")):
        user_id = unique(role)
        refused = await admin.http.post(
            "/admin/users",
            json={"user_id": user_id, "display_name": "Reader", "role": role, "clinic_id": clinic},
        )

        assert refused.status_code == 403, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == ["role"]
        with stack.sessions() as session:
            assert session.get(UserAccount, user_id) is None


async def test_a_disabled_users_tokens_stop_working(
    api: httpx.AsyncClient, callers: Callers
) -> None:
    admin = callers.new("admin")
    practitioner = callers.new("practitioner")

    ok(await admin.http.post(f"/admin/users/{practitioner.user_id}/disable"))

    assert (await practitioner.http.get("/me")).status_code == 401
