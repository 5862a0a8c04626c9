"""A field beyond a recipient's allow-list goes only with a written justification and a second
person's approval (the clinic's supervisor or compliance), both audited; refused or undecided,
it never reaches the agency; the person who asked can never approve it."""

from __future__ import annotations

import json

import httpx
import pytest

from dutyflow.demo import example_case as scenario
from dutyflow.store import audit_log
from tests.conftest import Callers
from tests.reporting import (
    agency_inbox,
    confirm,
    document_grounds,
    ok,
    open_report,
    record_phone_report,
    wait_for_stage,
)

# What this checks does not depend on the database engine: it runs once, on SQLite.
pytestmark = pytest.mark.one_database

CLINIC = "clinic-demo-01"
RECIPIENT = "county-child-welfare"
DIAGNOSIS = "MARKER-EXCEPTION-DIAGNOSIS"
TREATMENT = "MARKER-EXCEPTION-TREATMENT"
DATES = "MARKER-EXCEPTION-DATES"


def grounds() -> dict:
    body = scenario.grounds_submission()
    body["clinical_context"] = {
        "diagnosis": DIAGNOSIS,
        "treatment_summary": TREATMENT,
        "treatment_dates": DATES,
        "psychotherapy_notes": "MARKER-EXCEPTION-NOTES",
    }
    body["private_content"] = "MARKER-EXCEPTION-PRIVATE"
    return body


async def case_under_review(api: httpx.AsyncClient) -> str:
    case_id = await open_report(api)
    await document_grounds(api, case_id, grounds())
    await record_phone_report(api, case_id)
    await wait_for_stage(api, case_id, "awaiting-confirmation")
    return case_id


def ask(
    fields: list[str], justification: str = "The investigator needs it to assess the risk."
) -> dict:
    return {"recipient_id": RECIPIENT, "fields": fields, "justification": justification}


async def received(stack, status: dict) -> str:
    [delivery] = status["deliveries"]
    inbox = await agency_inbox(stack.intake_url, delivery["agency_id"])
    return json.dumps([r for r in inbox if r["case_reference"] == status["case_id"]])


async def test_an_approved_exception_reaches_the_agency_and_refused_or_undecided_ones_never_do(
    api: httpx.AsyncClient, stack, callers: Callers
) -> None:
    supervisor = callers.new("supervisor", clinic_id=CLINIC)
    case_id = await case_under_review(api)
    before = ok(await api.get(f"/reports/{case_id}"))["review_sha256"]

    without_reason = await api.post(
        f"/reports/{case_id}/exceptions", json=ask(["clinical_context.diagnosis"], " ")
    )
    assert without_reason.status_code == 422
    assert [p["field"] for p in without_reason.json()["errors"]] == ["justification"]
    ok(await api.post(f"/reports/{case_id}/exceptions", json=ask(["clinical_context.diagnosis"])))
    ok(
        await api.post(
            f"/reports/{case_id}/exceptions", json=ask(["clinical_context.treatment_summary"])
        )
    )
    status = ok(
        await api.post(
            f"/reports/{case_id}/exceptions", json=ask(["clinical_context.treatment_dates"])
        )
    )
    assert [(e["exception_id"], e["state"]) for e in status["exceptions"]] == [
        ("exception-1", "pending"),
        ("exception-2", "pending"),
        ("exception-3", "pending"),
    ]
    assert status["review_sha256"] == before  # nothing changes until a second person approves

    self_approval = await api.post(f"/reports/{case_id}/exceptions/exception-1/approve")
    assert self_approval.status_code == 403  # the practitioner who asked cannot approve
    status = ok(await supervisor.http.post(f"/reports/{case_id}/exceptions/exception-1/approve"))
    assert status["exceptions"][0]["state"] == "approved"
    assert status["review_sha256"] != before  # limited and rendered again: confirm what goes
    [disclosure] = status["disclosures"]
    assert "clinical_context.diagnosis" in disclosure["disclosed_fields"]
    assert "clinical_context.treatment_summary" in disclosure["withheld_fields"]
    [document] = ok(await api.get(f"/reports/{case_id}/review"))["documents"]
    # The form has no place for it: it is printed in a section of its own, never dropped.
    assert "Additional information disclosed under an approved exception" in document["text"]
    assert f"Clinical context: diagnosis: {DIAGNOSIS}" in " ".join(document["text"].split())
    assert DIAGNOSIS in document["html"]
    status = ok(
        await supervisor.http.post(
            f"/reports/{case_id}/exceptions/exception-2/refuse",
            json={"note": "Not needed for intake."},
        )
    )
    assert status["exceptions"][1]["state"] == "refused"
    again = await supervisor.http.post(f"/reports/{case_id}/exceptions/exception-2/approve")
    assert again.status_code == 422  # already decided

    await confirm(api, case_id)
    status = await wait_for_stage(api, case_id, "closed")
    sent = await received(stack, status)
    assert DIAGNOSIS in sent
    assert TREATMENT not in sent and DATES not in sent  # refused, and never decided
    assert "MARKER-EXCEPTION-NOTES" not in sent and "MARKER-EXCEPTION-PRIVATE" not in sent

    with stack.sessions() as session:
        entries = audit_log.entries_for_case(session, case_id)
    requested = [e for e in entries if e.step == "disclosure-exception-requested"]
    assert [e.details["fields"] for e in requested] == [
        ["clinical_context.diagnosis"],
        ["clinical_context.treatment_summary"],
        ["clinical_context.treatment_dates"],
    ]
    [approved] = [e for e in entries if e.step == "disclosure-exception-approved"]
    assert (approved.actor_id, approved.actor_role) == (supervisor.user_id, "supervisor")
    assert [
        e.details["exception_id"] for e in entries if e.step == "disclosure-exception-refused"
    ] == ["exception-2"]
    assert "investigator" not in json.dumps([e.details for e in entries])  # justification sealed


async def test_the_same_person_can_never_approve_and_compliance_may_be_the_second(
    api: httpx.AsyncClient, stack, callers: Callers
) -> None:
    supervisor = callers.new("supervisor", clinic_id=CLINIC)
    officer = callers.new("compliance")
    case_id = await case_under_review(api)
    ok(
        await supervisor.http.post(
            f"/reports/{case_id}/exceptions", json=ask(["clinical_context.diagnosis"])
        )
    )

    def pending(listed: list[dict]) -> list[tuple[str, str, list[str]]]:
        return [
            (e["exception_id"], e["recipient_id"], e["fields"])
            for e in listed
            if e["case_id"] == case_id
        ]

    awaiting = [("exception-1", RECIPIENT, ["clinical_context.diagnosis"])]
    assert pending(ok(await officer.http.get("/supervision/exceptions"))) == awaiting
    assert pending(ok(await supervisor.http.get("/supervision/exceptions"))) == awaiting
    assert (
        pending(ok(await callers.new("supervisor").http.get("/supervision/exceptions"))) == []
    )  # another clinic
    assert "investigator" not in json.dumps(ok(await officer.http.get("/supervision/exceptions")))
    same = await supervisor.http.post(f"/reports/{case_id}/exceptions/exception-1/approve")
    assert same.status_code == 403
    assert [p["field"] for p in same.json()["errors"]] == ["decided_by"]
    status = ok(await officer.http.post(f"/reports/{case_id}/exceptions/exception-1/approve"))
    assert status["exceptions"][0]["state"] == "approved"
    assert status["exceptions"][0]["decided_by"] == officer.user_id
    assert pending(ok(await officer.http.get("/supervision/exceptions"))) == []

    await confirm(api, case_id)
    status = await wait_for_stage(api, case_id, "closed")
    assert DIAGNOSIS in await received(stack, status)


async def test_protected_and_private_fields_are_refused_where_the_policy_gives_no_exception(
    api: httpx.AsyncClient,
) -> None:
    case_id = await case_under_review(api)

    notes = await api.post(
        f"/reports/{case_id}/exceptions", json=ask(["clinical_context.psychotherapy_notes"])
    )
    assert notes.status_code == 422
    assert "psychotherapy-notes" in notes.json()["detail"]
    private = await api.post(f"/reports/{case_id}/exceptions", json=ask(["private_content"]))
    assert private.status_code == 422
    assert "private" in private.json()["detail"]
    allowed = await api.post(f"/reports/{case_id}/exceptions", json=ask(["victim.name"]))
    assert allowed.status_code == 422  # already on the allow-list: nothing to justify
    unknown = await api.post(
        f"/reports/{case_id}/exceptions",
        json={**ask(["clinical_context.diagnosis"]), "recipient_id": "the-press"},
    )
    assert unknown.status_code == 422
    assert ok(await api.get(f"/reports/{case_id}"))["exceptions"] == []
