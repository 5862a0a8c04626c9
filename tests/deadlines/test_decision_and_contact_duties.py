"""Every duty reaches a person, a second person's decision and each contact too: a supervisor's
consultation and a disclosure exception awaiting a second person are duties with a deadline
(Dutyflow's operating policy: by the case's earliest open deadline), in the overdue and at-risk
lists and in the decider's inbox with their countdown, met when decided (shown as met, with
when); each contact to attempt is a duty of its own, met when that contact is reached."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from dutyflow.demo import example_case as scenario
from dutyflow.domain.duties import DECISION_DUE_WITHOUT_DEADLINE, decision_deadline
from dutyflow.store import duties
from dutyflow.store.tables import DutyRecord
from tests.cli_in_process import in_process
from tests.conftest import Callers, Harness
from tests.kinds import bodies
from tests.reporting import (
    document_grounds,
    ok,
    open_report,
    record_phone_report,
    wait_for_stage,
)

CLINIC = "clinic-demo-01"  # the scenario practitioner's clinic


def duties_of(stack: Harness, case_id: str) -> dict[str, DutyRecord]:
    with stack.sessions() as session:
        return {d.deadline_id: d for d in duties.duties_of_case(session, case_id)}


async def until(stack: Harness, case_id: str, holds: Callable[[dict[str, DutyRecord]], bool]):  # type: ignore[no-untyped-def]
    """The case's duties once ``holds`` is true of them (the workflow writes them as it goes)."""
    for _poll in range(300):
        found = duties_of(stack, case_id)
        if holds(found):
            return found
        await asyncio.sleep(0.2)
    raise AssertionError("the case's duties never came to what was awaited")


def utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def tasks_of(answer: httpx.Response, case_id: str) -> list[dict[str, Any]]:
    return [t for t in ok(answer) if t["case_id"] == case_id]


async def at_risk(http: httpx.AsyncClient, due: datetime) -> list[tuple[str, str, str]]:
    """The at-risk list up to just after ``due``: (case, deadline, kind) of every duty in it."""
    hours = (due - datetime.now(UTC)).total_seconds() / 3600 + 1
    listing = ok(await http.get("/compliance/cases", params={"at_risk_within_hours": hours}))
    return [(c["case_id"], d["deadline_id"], d["kind"]) for c in listing for d in c["duties"]]


def test_a_decision_is_due_by_the_earliest_open_deadline_or_within_a_day() -> None:
    asked = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    soon, later = asked + timedelta(hours=4), asked + timedelta(hours=30)
    due = decision_deadline(asked, [later, soon])
    assert due.due_at == soon
    assert due.escalations == [
        ("supervisor", asked + timedelta(hours=2)),
        ("compliance", asked + timedelta(hours=3)),
    ]
    assert decision_deadline(asked, []).due_at == asked + DECISION_DUE_WITHOUT_DEADLINE
    # A deadline already passed: due at once, and everybody on the ladder told at once.
    passed = decision_deadline(asked, [asked - timedelta(hours=1)])
    assert passed.due_at == asked and {at for _who, at in passed.escalations} == {asked}


async def test_a_consultation_awaiting_the_supervisor_is_their_duty_until_they_decide(
    api: httpx.AsyncClient,
    stack: Harness,
    callers: Callers,
    temporal_address: str,
    database_url: str,
    key_environment: dict[str, str],
    monkeypatch,
    capsys,
) -> None:
    supervisor = callers.new("supervisor", clinic_id=CLINIC)
    officer = callers.new("compliance")
    case_id = await open_report(api, kind="court-order")
    await document_grounds(api, case_id, bodies.court_order())
    await wait_for_stage(api, case_id, "awaiting-supervisor")
    found = await until(stack, case_id, lambda d: "supervisor-consultation:1" in d)
    consultation = found["supervisor-consultation:1"]
    assert consultation.kind == "supervisor-consultation" and consultation.met_at is None
    assert "not law" in consultation.citation
    due = utc(consultation.due_at)

    [task] = tasks_of(await supervisor.http.get("/me/tasks"), case_id)
    assert task["category"] == "awaiting-my-decision"
    assert datetime.fromisoformat(task["due_at"]) == due
    assert task["countdown"].startswith("due in ")
    assert (case_id, "supervisor-consultation:1", "supervisor-consultation") in await at_risk(
        officer.http, due
    )
    assert tasks_of(await api.get("/me/tasks"), case_id) == []  # not the practitioner's own
    for name, value in {
        "DUTYFLOW_TEMPORAL_ADDRESS": temporal_address,
        "DUTYFLOW_DATABASE_URL": database_url,
        **key_environment,
    }.items():
        monkeypatch.setenv(name, value)
    hours = f"{(due - datetime.now(UTC)).total_seconds() / 3600 + 1:.2f}"
    status, out, err = await asyncio.to_thread(
        in_process(monkeypatch, capsys), "cases", "--at-risk-hours", hours, "--clinic", CLINIC
    )
    assert (status, err) == (0, "")
    [line] = [line for line in out.splitlines() if case_id in line]
    assert "supervisor-consultation" in line

    ok(
        await supervisor.http.post(
            f"/supervision/consultations/{case_id}/decision", json={"decision": "approve"}
        )
    )
    found = await until(stack, case_id, lambda d: d["supervisor-consultation:1"].met_at is not None)
    # Due by the report it held back: the earliest of the obligations' deadlines.
    assert due == min(utc(d.due_at) for i, d in found.items() if i != "supervisor-consultation:1")
    [met] = tasks_of(await supervisor.http.get("/me/tasks"), case_id)
    assert met["category"] == "met"
    assert datetime.fromisoformat(met["met_at"]) == utc(found["supervisor-consultation:1"].met_at)
    status = ok(await api.get(f"/reports/{case_id}"))
    [shown] = [d for d in status["deadlines"] if d["deadline_id"] == "supervisor-consultation:1"]
    assert shown["met_at"] is not None  # on the case page too


async def test_an_exception_awaiting_a_second_person_is_their_duty_until_decided(
    api: httpx.AsyncClient, stack: Harness, callers: Callers
) -> None:
    supervisor = callers.new("supervisor", clinic_id=CLINIC)
    officer = callers.new("compliance")
    case_id = await open_report(api)
    await document_grounds(api, case_id, scenario.grounds_submission())
    await record_phone_report(api, case_id)
    await wait_for_stage(api, case_id, "awaiting-confirmation")
    asked = {
        "recipient_id": "county-child-welfare",
        "fields": ["clinical_context.diagnosis"],
        "justification": "The investigator needs it to assess the risk.",
    }
    ok(await api.post(f"/reports/{case_id}/exceptions", json=asked))
    found = await until(stack, case_id, lambda d: "disclosure-exception:exception-1" in d)
    exception = found["disclosure-exception:exception-1"]
    assert exception.kind == "disclosure-exception"
    # Due by the case's earliest deadline still open (the phone report's is met).
    still_open = [
        utc(d.due_at) for i, d in found.items() if d.met_at is None and i != exception.deadline_id
    ]
    assert utc(exception.due_at) == min(still_open)

    for second in (supervisor, officer):
        [task] = tasks_of(await second.http.get("/me/tasks"), case_id)
        assert (task["category"], task["what"]) == (
            "awaiting-my-decision",
            "approve or refuse a disclosure beyond the allow-list",
        )
        assert task["due_at"] is not None, (second.role, task)
        assert datetime.fromisoformat(task["due_at"]) == utc(exception.due_at)
    assert (case_id, exception.deadline_id, "disclosure-exception") in await at_risk(
        officer.http, utc(exception.due_at)
    )

    ok(
        await officer.http.post(
            f"/reports/{case_id}/exceptions/exception-1/refuse", json={"note": "Not needed."}
        )
    )
    found = await until(stack, case_id, lambda d: d[exception.deadline_id].met_at is not None)
    [met] = [t for t in tasks_of(await officer.http.get("/me/tasks"), case_id)]
    assert met["category"] == "met" and met["met_at"] is not None
    assert exception.deadline_id not in {
        i for c, i, _k in await at_risk(officer.http, utc(exception.due_at)) if c == case_id
    }


async def test_each_contact_to_attempt_is_a_duty_met_when_that_contact_is_reached(
    api: httpx.AsyncClient, stack: Harness
) -> None:
    case_id = await open_report(api, kind="danger-to-others")
    await document_grounds(api, case_id, bodies.threat("Civil Code 43.92", victims=2))
    found = await until(
        stack,
        case_id,
        lambda d: {"contact:potential-victim-1", "contact:potential-victim-2"} <= set(d),
    )
    victims = [found["contact:potential-victim-1"], found["contact:potential-victim-2"]]
    assert [v.kind for v in victims] == ["contact", "contact"]
    assert all(v.met_at is None for v in victims)

    ok(
        await api.post(
            f"/reports/{case_id}/contact-attempts", json=bodies.contact("potential-victim-1")
        )
    )
    not_reached = bodies.contact("potential-victim-2", "not-reached")
    ok(await api.post(f"/reports/{case_id}/contact-attempts", json=not_reached))
    found = await until(
        stack, case_id, lambda d: d["contact:potential-victim-1"].met_at is not None
    )
    # The one not reached (and not every effort made) is still owed, on its own.
    assert found["contact:potential-victim-2"].met_at is None
    mine = {t["what"]: t for t in tasks_of(await api.get("/me/tasks"), case_id)}
    assert mine["reach potential victim 1 and log each attempt"]["category"] == "met"
    assert mine["reach potential victim 2 and log each attempt"]["met_at"] is None
    with stack.sessions() as session:
        owed = duties.open_duties(
            session,
            duties.DutyFilter(due_before=utc(victims[1].due_at) + timedelta(seconds=1)),
        )
    assert {d.duty.deadline_id for d in owed if d.duty.case_id == case_id} >= {
        "contact:potential-victim-2"
    }
    assert "contact:potential-victim-1" not in {
        d.duty.deadline_id for d in owed if d.duty.case_id == case_id
    }


def test_each_contact_takes_the_earliest_deadline_binding_it_and_leaves_the_rest_to_others() -> (
    None
):
    from dutyflow.contracts import DeadlinePlan, EscalationPoint, Obligation
    from workflows.deadlines import each_contact, owed_by

    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def plan(deadline_id: str, hours: int) -> DeadlinePlan:
        due = now + timedelta(hours=hours)
        return DeadlinePlan(
            deadline_id=deadline_id,
            due_at=due,
            citation=f"rule {deadline_id}",
            escalations=[EscalationPoint(notify="practitioner", at=due - timedelta(minutes=30))],
        )

    def owes(recipient_id: str, delivery: str, *deadline_ids: str) -> Obligation:
        return Obligation(
            recipient_id=recipient_id,
            agency_id=recipient_id,
            agency_name=recipient_id,
            form_id="form",
            legal_basis="required",
            phone_report_due_at=None,
            written_report_due_at=None,
            citations=[],
            delivery=delivery,
            deadline_ids=list(deadline_ids),
        )

    plans = [plan("warning", 1), plan("report", 24), plan("victims-only", 2)]
    obligations = [
        owes("potential-victim-1", "contact", "warning", "victims-only"),
        owes("potential-victim-2", "contact", "victims-only"),
        owes("law-enforcement", "intake", "warning", "report"),
    ]
    own = each_contact(plans, obligations)
    assert {r: (p.deadline_id, p.due_at - now) for r, p in own.items()} == {
        "potential-victim-1": ("contact:potential-victim-1", timedelta(hours=1)),
        "potential-victim-2": ("contact:potential-victim-2", timedelta(hours=2)),
    }
    assert own["potential-victim-1"].citation == "rule warning"
    apart = set(own)
    assert owed_by("warning", obligations, apart) == ["law-enforcement"]
    assert owed_by("victims-only", obligations, apart) == []  # nobody left: not watched
    assert owed_by("unbound", obligations, apart) == ["law-enforcement"]
