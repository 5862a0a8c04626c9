"""The supervisor consultation on the real dev server, through the API: a case whose policy asks
for it waits for its clinic's supervisor, who approves or returns it with comments; imminent
danger never waits, and the audit says why."""

from __future__ import annotations

import httpx
import pytest

from dutyflow.demo import example_case as scenario
from dutyflow.store import audit_log
from tests.conftest import Callers
from tests.kinds import bodies
from tests.reporting import (
    confirm,
    document_grounds,
    domain_steps,
    ok,
    open_report,
    wait_for_stage,
)

# What this checks does not depend on the database engine: it runs once, on SQLite.
pytestmark = pytest.mark.one_database

CLINIC = "clinic-demo-01"  # the scenario practitioner's clinic


async def open_gb_case(api: httpx.AsyncClient, immediate_danger: bool = False) -> tuple[str, dict]:
    """An England child-safeguarding referral: its policy asks for a supervisor consultation."""
    case_id = await open_report(api, jurisdiction="GB-ENG", county="Demo Borough")
    status = await document_grounds(api, case_id, bodies.gb_child_abuse(immediate_danger))
    return case_id, status


async def finish_gb_case(api: httpx.AsyncClient, case_id: str) -> dict:
    await confirm(api, case_id)
    await wait_for_stage(api, case_id, "awaiting-inform-client-decision")
    ok(
        await api.post(
            f"/reports/{case_id}/inform-client",
            json=bodies.inform_client(False, "unsafe-or-impracticable"),
        )
    )
    return await wait_for_stage(api, case_id, "closed")


def steps_of(stack, case_id: str) -> list[str]:
    with stack.sessions() as session:
        return domain_steps(audit_log.entries_for_case(session, case_id))


async def test_a_case_waits_for_its_clinics_supervisor_and_goes_on_once_approved(
    api: httpx.AsyncClient, stack, callers: Callers
) -> None:
    supervisor = callers.new("supervisor", clinic_id=CLINIC)
    elsewhere = callers.new("supervisor")
    case_id, status = await open_gb_case(api)
    assert status["stage"] == "awaiting-supervisor"
    assert status["supervision"] == {
        "state": "awaiting-supervisor",
        "round": 1,
        "decided_by": None,
        "bypass_grounds": [],
    }
    assert status["documents"] == []  # nothing is limited or rendered before the supervisor answers

    queue = ok(await supervisor.http.get("/supervision/consultations"))
    assert case_id in [q["case_id"] for q in queue]
    assert set(queue[0]) == {
        "case_id",
        "jurisdiction",
        "kind",
        "round",
        "requested_at",
    }  # no content
    assert case_id not in [
        q["case_id"] for q in ok(await elsewhere.http.get("/supervision/consultations"))
    ]
    assert (
        await elsewhere.http.post(
            f"/supervision/consultations/{case_id}/decision", json={"decision": "approve"}
        )
    ).status_code == 404
    assert (
        await api.post(
            f"/supervision/consultations/{case_id}/decision", json={"decision": "approve"}
        )
    ).status_code == 403  # not the practitioner

    status = ok(
        await supervisor.http.post(
            f"/supervision/consultations/{case_id}/decision", json={"decision": "approve"}
        )
    )
    assert status["supervision"]["state"] == "approved"
    assert status["supervision"]["decided_by"] == supervisor.user_id
    assert status["stage"] == "awaiting-confirmation"
    assert case_id not in [
        q["case_id"] for q in ok(await supervisor.http.get("/supervision/consultations"))
    ]

    closed = await finish_gb_case(api, case_id)
    assert closed["outcome"]["result"] == "reported"
    steps = steps_of(stack, case_id)
    assert steps.index("supervisor-consultation-requested") < steps.index(
        "supervisor-consultation-approved"
    )
    assert steps.index("supervisor-consultation-approved") < steps.index("report-confirmed")


async def test_a_returned_case_comes_back_to_the_supervisor_with_revised_grounds(
    api: httpx.AsyncClient, stack, callers: Callers
) -> None:
    supervisor = callers.new("supervisor", clinic_id=CLINIC)
    case_id, _ = await open_gb_case(api)
    without_comments = await supervisor.http.post(
        f"/supervision/consultations/{case_id}/decision", json={"decision": "return"}
    )
    assert without_comments.status_code == 422
    assert [p["field"] for p in without_comments.json()["errors"]] == ["comments"]

    comments = "Say what the child said in their own words, and when."
    status = ok(
        await supervisor.http.post(
            f"/supervision/consultations/{case_id}/decision",
            json={"decision": "return", "comments": comments},
        )
    )
    assert status["stage"] == "awaiting-grounds-revision"
    assert comments not in str(status)  # the status never carries the comments
    record = ok(await api.get(f"/reports/{case_id}/supervision"))
    assert record["consultations"][0]["comments"] == comments
    assert record["consultations"][0]["state"] == "returned"

    revised = bodies.gb_child_abuse()
    revised["grounds"]["statements"] = 'On Monday the child said: "Dad grabbed my arm."'
    status = await document_grounds(api, case_id, revised)
    assert status["stage"] == "awaiting-supervisor"
    assert status["supervision"]["round"] == 2
    status = ok(
        await supervisor.http.post(
            f"/supervision/consultations/{case_id}/decision", json={"decision": "approve"}
        )
    )
    assert status["stage"] == "awaiting-confirmation"

    closed = await finish_gb_case(api, case_id)
    assert closed["outcome"]["result"] == "reported"
    steps = steps_of(stack, case_id)
    assert steps.count("supervisor-consultation-requested") == 2
    assert "supervisor-consultation-returned" in steps and "grounds-revised" in steps
    with stack.sessions() as session:
        entries = audit_log.entries_for_case(session, case_id)
    returned = next(e for e in entries if e.step == "supervisor-consultation-returned")
    assert comments not in str(returned.details)  # comments are sealed, never audited in clear
    assert (
        sum(e.step == "obligations-determined" for e in entries) == 2
    )  # afresh after the revision


async def test_imminent_danger_never_waits_on_a_supervisor_and_the_audit_says_why(
    api: httpx.AsyncClient, stack
) -> None:
    case_id, status = await open_gb_case(api, immediate_danger=True)

    assert status["stage"] == "awaiting-confirmation"
    assert status["supervision"]["state"] == "bypassed-imminent-danger"
    assert status["supervision"]["bypass_grounds"] == ["incident.immediate_danger"]
    with stack.sessions() as session:
        entries = audit_log.entries_for_case(session, case_id)
    [bypass] = [e for e in entries if e.step == "supervisor-consultation-bypassed"]
    assert bypass.details["grounds"] == ["incident.immediate_danger"]
    assert "imminent danger" in bypass.details["reason"]
    assert bypass.details["citation"]
    assert "supervisor-consultation-requested" not in [e.step for e in entries]


async def test_a_policy_that_does_not_ask_never_holds_the_report(api: httpx.AsyncClient) -> None:
    case_id = await open_report(api)  # California child abuse: PC 11166(i), never held for approval
    status = await document_grounds(api, case_id, scenario.grounds_submission())
    assert status["stage"] == "awaiting-phone-report"
    assert status["supervision"] is None
