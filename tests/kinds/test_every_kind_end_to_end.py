"""Every report kind runs end to end on the real dev server, through the API, to closed: the
recipients, channels and decisions each kind's law asks for, and nothing disclosed beyond them."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import httpx
import pytest
from sqlmodel import select

from dutyflow.demo import example_case as scenario
from dutyflow.store import audit_log
from dutyflow.store.case_file import obligations_for
from dutyflow.store.tables import AccountingEntry, ContactAttemptRecord
from tests.kinds import bodies
from tests.reporting import (
    agency_inbox,
    confirm,
    document_grounds,
    domain_steps,
    ok,
    open_report,
    record_phone_report,
    wait_for_stage,
)

# What this checks does not depend on the database engine: it runs once, on SQLite.
pytestmark = pytest.mark.one_database

MARKERS = ("MARKER-DIAGNOSIS-KINDS", "MARKER-NOTES-KINDS", "MARKER-TREATMENT-KINDS")


async def supervisor_approves(callers, case_id: str) -> None:
    """The clinic's supervisor approves, where the case's policy asks for a consultation."""
    supervisor = callers.new("supervisor", clinic_id=scenario.opening_request()["clinic_id"])
    ok(
        await supervisor.http.post(
            f"/supervision/consultations/{case_id}/decision", json={"decision": "approve"}
        )
    )


async def step(api: httpx.AsyncClient, case_id: str, path: str, body: dict) -> dict:
    return ok(await api.post(f"/reports/{case_id}/{path}", json=body))


def recipients(status: dict) -> dict[str, dict]:
    return {o["recipient_id"]: o for o in status["obligations"]}


async def received_by(stack, status: dict, agency_id: str) -> list[dict]:
    inbox = await agency_inbox(stack.intake_url, agency_id)
    return [r for r in inbox if r["case_reference"] == status["case_id"]]


def steps_of(stack, case_id: str) -> list[str]:
    with stack.sessions() as session:
        return domain_steps(audit_log.entries_for_case(session, case_id))


async def test_california_elder_abuse_goes_to_adult_protective_services_by_phone_then_soc_341(
    api: httpx.AsyncClient, stack
) -> None:
    case_id = await open_report(api, kind="elder-abuse")
    status = await document_grounds(api, case_id, bodies.elder_abuse())
    assert status["stage"] == "awaiting-phone-report"
    assert list(recipients(status)) == ["county-aps"]
    assert status["phone_task"]["recipient_id"] == "county-aps"
    assert "elder or dependent-adult abuse" in status["phone_task"]["script"]
    written = next(d for d in status["deadlines"] if d["deadline_id"] == "written-report")
    assert written["due_at"] > status["obligations"][0]["phone_report_due_at"]  # working days

    await record_phone_report(api, case_id)
    await confirm(api, case_id)
    waiting = await wait_for_stage(api, case_id, "awaiting-inform-client-decision")
    assert waiting["inform_client_required"] is True
    refused = await api.post(
        f"/reports/{case_id}/inform-client", json=bodies.inform_client(False, "not-an-exception")
    )
    assert refused.status_code == 422
    assert [p["field"] for p in refused.json()["errors"]] == ["exception"]
    await step(api, case_id, "inform-client", bodies.inform_client(False, "risk-of-serious-harm"))
    status = await wait_for_stage(api, case_id, "closed")

    [delivery] = status["deliveries"]
    [received] = await received_by(stack, status, delivery["agency_id"])
    assert received["form"] == "us-ca-soc341"
    assert not [m for m in MARKERS if m in json.dumps(received)]
    assert {
        "topic": "inform-client",
        "subject": None,
        "decision": "not-informed",
        "exception": "risk-of-serious-harm",
    } in status["decisions"]
    assert "inform-client-decided" in steps_of(stack, case_id)
    assert status["outcome"]["result"] == "reported"


async def test_california_elder_abuse_in_care_with_serious_injury_goes_to_police_and_ombudsman(
    api: httpx.AsyncClient,
) -> None:
    case_id = await open_report(api, kind="elder-abuse")
    status = await document_grounds(api, case_id, bodies.elder_abuse(facility=True, injury=True))

    # All three, the licensing agency too (WIC 15630(b)(1)(A) as amended by AB 1417).
    assert sorted(recipients(status)) == ["law-enforcement", "ltc-licensing", "ltc-ombudsman"]
    assert all(o["delivery"] == "intake" for o in status["obligations"])
    # WIC 15630(b)(1)(A)(i): a written report within two hours, not two working days.
    written = next(d for d in status["deadlines"] if d["deadline_id"] == "written-report")
    phone = next(d for d in status["deadlines"] if d["deadline_id"] == "phone-report")
    span = datetime.fromisoformat(written["due_at"]) - datetime.fromisoformat(phone["due_at"])
    assert span == timedelta(hours=2) - timedelta(minutes=15)


async def test_california_duty_to_protect_warns_each_victim_and_the_police_logging_every_attempt(
    api: httpx.AsyncClient, stack
) -> None:
    case_id = await open_report(api, kind="danger-to-others")
    status = await document_grounds(api, case_id, bodies.threat("Civil Code 43.92", victims=2))
    owed = recipients(status)
    assert sorted(owed) == ["law-enforcement", "potential-victim-1", "potential-victim-2"]
    assert owed["potential-victim-1"]["delivery"] == "contact"
    assert owed["potential-victim-1"]["agency_name"] == "Potential victim 1"  # a label, not a name
    assert owed["law-enforcement"]["delivery"] == "intake"
    assert status["awaiting_contacts"] == ["potential-victim-1", "potential-victim-2"]

    # A warning never waits for the written report: attempts are logged at once.
    await step(api, case_id, "contact-attempts", bodies.contact("potential-victim-1"))
    await step(
        api, case_id, "contact-attempts", bodies.contact("potential-victim-2", "not-reached")
    )
    gave_up_silently = await api.post(
        f"/reports/{case_id}/contact-attempts",
        json=bodies.contact("potential-victim-2", "not-reached", exhausted=True),
    )
    assert gave_up_silently.status_code == 422  # efforts exhausted needs the efforts described
    await confirm(api, case_id)
    await wait_for_stage(api, case_id, "awaiting-contacts")
    await step(
        api,
        case_id,
        "contact-attempts",
        bodies.contact(
            "potential-victim-2",
            "not-reached",
            exhausted=True,
            notes="Called twice, no answer; a police welfare check requested.",
        ),
    )
    status = await wait_for_stage(api, case_id, "closed")

    assert [(a["recipient_id"], a["outcome"]) for a in status["contact_attempts"]] == [
        ("potential-victim-1", "reached"),
        ("potential-victim-2", "not-reached"),
        ("potential-victim-2", "not-reached"),
    ]
    [delivery] = status["deliveries"]
    assert delivery["recipient_id"] == "law-enforcement"
    [received] = await received_by(stack, status, delivery["agency_id"])
    assert received["form"] == "law-enforcement-notification"
    assert not [m for m in MARKERS if m in json.dumps(received)]
    assert steps_of(stack, case_id).count("contact-attempt-recorded") == 3
    with stack.sessions() as session:
        logged = session.exec(
            select(ContactAttemptRecord).where(ContactAttemptRecord.case_id == case_id)
        ).all()
        accounted = session.exec(
            select(AccountingEntry).where(AccountingEntry.case_id == case_id)
        ).all()
    assert len(logged) == 3
    assert sorted(e.recipient_name for e in accounted) == [
        "Demo County Sheriff's Department",
        "Potential victim 1",
    ]
    notices = [d for d in status["documents"] if d["recipient_id"].startswith("potential-victim")]
    assert {d["form_id"] for d in notices} == {"potential-victim-notice"}
    review = ok(await api.get(f"/reports/{case_id}/review"))
    notice = next(d for d in review["documents"] if d["recipient_id"] == "potential-victim-1")
    assert "Dr. Alex Rivera" not in notice["text"]  # the reporter is never named to a victim
    assert not [
        f for f in notice["disclosed_fields"] if f.startswith(("reporter.", "clinical_context."))
    ]


async def test_california_danger_to_self_is_permitted_and_the_practitioners_decisions_are_recorded(
    api: httpx.AsyncClient, stack
) -> None:
    case_id = await open_report(api, kind="danger-to-self")
    status = await document_grounds(
        api, case_id, bodies.threat("45 CFR 164.512(j)(1)(i)", victims=0, support_contacts=1)
    )
    assert status["stage"] == "awaiting-disclosure-decisions"
    assert status["disclosure_mode"] == "permitted"
    # The crisis team is offered as well (45 CFR 164.512(j)(1)(i)(A)): the clinician chooses.
    assert status["awaiting_decisions"] == ["crisis-team", "law-enforcement", "support-contact-1"]
    without_reasons = bodies.decision("law-enforcement", True, reasons=" ")
    assert (
        await api.post(f"/reports/{case_id}/disclosure-decisions", json=without_reasons)
    ).status_code == 422

    await step(api, case_id, "disclosure-decisions", bodies.decision("law-enforcement", True))
    await step(api, case_id, "disclosure-decisions", bodies.decision("crisis-team", False))
    await step(api, case_id, "disclosure-decisions", bodies.decision("support-contact-1", False))
    status = await wait_for_stage(api, case_id, "awaiting-confirmation")
    assert [d["recipient_id"] for d in status["documents"]] == ["law-enforcement"]
    declined_contact = await api.post(
        f"/reports/{case_id}/contact-attempts", json=bodies.contact("support-contact-1")
    )
    assert declined_contact.status_code == 422  # declined: nobody is contacted

    await confirm(api, case_id)
    await step(api, case_id, "contact-attempts", bodies.contact("law-enforcement"))
    status = await wait_for_stage(api, case_id, "closed")

    assert [(d["subject"], d["decision"]) for d in status["decisions"]] == [
        ("law-enforcement", "disclose"),
        ("crisis-team", "decline"),
        ("support-contact-1", "decline"),
    ]
    assert status["deliveries"] == []  # a telephone-only recipient gets no written delivery
    [told] = status["outcome"]["deliveries"]
    assert (told["recipient_id"], told["how"]) == ("law-enforcement", "contact:phone")
    assert steps_of(stack, case_id).count("disclosure-decided") == 3


async def test_california_court_order_discloses_only_what_the_order_authorises(
    api: httpx.AsyncClient, stack, callers
) -> None:
    case_id = await open_report(api, kind="court-order")
    beyond = bodies.court_order(["client.name", "clinical_context.psychotherapy_notes"])
    refused = await api.post(f"/reports/{case_id}/grounds", json=beyond)
    assert refused.status_code == 422
    assert [p["field"] for p in refused.json()["errors"]] == ["court_order.authorised_fields"]

    status = await document_grounds(api, case_id, bodies.court_order())
    assert status["stage"] == "awaiting-supervisor"  # the policy asks for a consultation
    await supervisor_approves(callers, case_id)
    status = await wait_for_stage(api, case_id, "awaiting-confirmation")
    [court] = status["obligations"]
    assert (court["recipient_id"], court["recipient_type"], court["delivery"]) == (
        "court",
        "court",
        "contact",
    )
    assert court["written_report_due_at"] is not None  # as ordered
    [disclosure] = status["disclosures"]
    assert "clinical_context.treatment_dates" in disclosure["disclosed_fields"]
    assert (
        "clinical_context.diagnosis" in disclosure["withheld_fields"]
    )  # allow-listed, not ordered
    assert "clinical_context.psychotherapy_notes" in disclosure["withheld_fields"]

    await confirm(api, case_id)
    await step(
        api, case_id, "contact-attempts", bodies.contact("court", "delivered", channel="written")
    )
    status = await wait_for_stage(api, case_id, "closed")
    assert status["outcome"]["result"] == "reported"
    review = ok(await api.get(f"/reports/{case_id}/review"))
    assert not [m for m in MARKERS if m in json.dumps(review)]


async def test_content_marked_private_reaches_court_only_when_the_order_names_it_and_is_recorded(
    api: httpx.AsyncClient, stack, callers
) -> None:
    private = "MARKER-PRIVATE-ORDERED dreams of the flood"
    case_id = await open_report(api, kind="court-order")
    body = bodies.court_order(
        ["client.name", "clinical_context.treatment_dates", "private_content"]
    )
    body["private_content"] = private
    await document_grounds(api, case_id, body)
    supervisor = callers.new("supervisor", clinic_id=scenario.opening_request()["clinic_id"])
    consultation = ok(await supervisor.http.get(f"/supervision/consultations/{case_id}"))
    assert "MARKER-PRIVATE" not in json.dumps(consultation)  # supervision never shows it

    await supervisor_approves(callers, case_id)
    status = await wait_for_stage(api, case_id, "awaiting-confirmation")
    [disclosure] = status["disclosures"]
    assert (
        "private_content" in disclosure["disclosed_fields"]
    )  # before confirming, the practitioner sees it goes
    [document] = ok(await api.get(f"/reports/{case_id}/review"))["documents"]
    assert private in document["text"]
    with stack.sessions() as session:
        [limited] = [
            e for e in audit_log.entries_for_case(session, case_id) if e.step == "fields-limited"
        ]
    assert limited.details["private_content_by_court_order"] == ["private_content"]
    assert "MARKER-PRIVATE" not in json.dumps(limited.details)
    export = ok(await api.get(f"/reports/{case_id}/deidentified"))
    assert "MARKER-PRIVATE" not in json.dumps(export)  # nor a teaching export


async def test_a_subpoena_without_satisfactory_assurance_is_a_hard_stop(
    api: httpx.AsyncClient, stack
) -> None:
    case_id = await open_report(api, kind="subpoena")
    await document_grounds(api, case_id, bodies.subpoena(assured=False))
    status = await wait_for_stage(api, case_id, "closed")

    assert status["obligations"] == [] and status["documents"] == []
    assert set(status["hard_stop"]["missing"]) == {"client-written-authorisation"}
    assert status["outcome"]["result"] == "stopped-no-satisfactory-assurance"
    assert "disclosure-stopped" in steps_of(stack, case_id)


async def test_a_subpoena_with_notice_to_the_client_may_be_answered(
    api: httpx.AsyncClient, stack, callers
) -> None:
    case_id = await open_report(api, kind="subpoena")
    await document_grounds(api, case_id, bodies.subpoena(assured=True))
    await supervisor_approves(callers, case_id)
    status = await wait_for_stage(api, case_id, "awaiting-disclosure-decisions")
    assert status["awaiting_decisions"] == ["requesting-party"]
    await step(api, case_id, "disclosure-decisions", bodies.decision("requesting-party", True))
    status = await wait_for_stage(api, case_id, "awaiting-confirmation")
    [disclosure] = status["disclosures"]
    assert "clinical_context.diagnosis" not in disclosure["disclosed_fields"]  # not requested

    await confirm(api, case_id)
    await step(
        api,
        case_id,
        "contact-attempts",
        bodies.contact("requesting-party", "delivered", channel="written"),
    )
    status = await wait_for_stage(api, case_id, "closed")
    assert status["outcome"]["result"] == "reported"


async def test_england_child_safeguarding_referral_records_the_sharing_and_inform_decisions(
    api: httpx.AsyncClient, stack, callers
) -> None:
    case_id = await open_report(api, jurisdiction="GB-ENG", county="Demo Borough")
    await document_grounds(api, case_id, bodies.gb_child_abuse())
    await supervisor_approves(callers, case_id)
    status = await wait_for_stage(api, case_id, "awaiting-confirmation")
    assert list(recipients(status)) == ["la-childrens-social-care"]
    [obligation] = status["obligations"]
    assert obligation["legal_basis"].startswith("UK GDPR Art 6(1)")
    assert status["phone_task"] is None

    await confirm(api, case_id)
    await wait_for_stage(api, case_id, "awaiting-inform-client-decision")
    await step(
        api, case_id, "inform-client", bodies.inform_client(False, "unsafe-or-impracticable")
    )
    status = await wait_for_stage(api, case_id, "closed")

    [delivery] = status["deliveries"]
    [received] = await received_by(stack, status, delivery["agency_id"])
    assert received["form"] == "gb-la-referral"
    assert received["transmission"]["jurisdiction"] == "GB-ENG"
    assert "proportionate" in json.dumps(received)  # the recorded reasons for sharing go with it
    assert not [m for m in MARKERS if m in json.dumps(received)]


async def test_texas_threats_disclosure_is_permitted_not_required_and_may_be_declined(
    api: httpx.AsyncClient, stack
) -> None:
    case_id = await open_report(
        api,
        jurisdiction="US-TX",
        kind="danger-to-others",
    )
    status = await document_grounds(
        api, case_id, bodies.threat("Health & Safety Code 611.004", victims=1)
    )
    assert status["disclosure_mode"] == "permitted"
    assert status["awaiting_decisions"] == ["law-enforcement", "medical-personnel"]

    await step(api, case_id, "disclosure-decisions", bodies.decision("law-enforcement", True))
    await step(api, case_id, "disclosure-decisions", bodies.decision("medical-personnel", False))
    await confirm(api, case_id)
    await step(api, case_id, "contact-attempts", bodies.contact("law-enforcement"))
    status = await wait_for_stage(api, case_id, "closed")

    assert [(d["subject"], d["decision"]) for d in status["decisions"]] == [
        ("law-enforcement", "disclose"),
        ("medical-personnel", "decline"),
    ]
    with stack.sessions() as session:
        owed = {o.recipient_id: o for o in obligations_for(session, case_id)}
    assert owed["law-enforcement"].fulfilled_at is not None
    assert owed["medical-personnel"].fulfilled_at is None


async def test_new_york_child_abuse_calls_the_central_register_and_writes_to_local_cps(
    api: httpx.AsyncClient, stack
) -> None:
    case_id = await open_report(api, jurisdiction="US-NY")
    status = await document_grounds(api, case_id, bodies.ny_child_abuse())
    owed = recipients(status)
    assert (owed["scr"]["delivery"], owed["local-cps"]["delivery"]) == ("phone-report", "intake")
    assert status["phone_task"]["recipient_id"] == "scr"

    ok(await api.post(f"/reports/{case_id}/phone-report", json=scenario.phone_report()))
    await confirm(api, case_id)
    status = await wait_for_stage(api, case_id, "closed")

    [delivery] = status["deliveries"]
    assert delivery["recipient_id"] == "local-cps"
    assert sorted(d["how"] for d in status["outcome"]["deliveries"]) == ["intake", "phone-report"]


async def test_new_york_nursing_home_resident_is_reported_to_the_department_of_health(
    api: httpx.AsyncClient, stack
) -> None:
    # PHL 2803-d(3): by telephone immediately, in writing within 48 hours; a duty, so no
    # practitioner's decision is awaited as it is for adult abuse elsewhere in New York.
    case_id = await open_report(api, jurisdiction="US-NY", kind="elder-abuse")
    body = bodies.elder_abuse("PHL 2803-d")
    body["care_setting"] = {
        "long_term_care_facility": True,
        "residential_health_care_facility": True,
    }
    body["client_informed"] = {"reasons": "The resident agrees to the report."}
    status = await document_grounds(api, case_id, body)
    assert status["stage"] == "awaiting-phone-report"
    assert [(o["recipient_id"], o["obligation"]) for o in status["obligations"]] == [
        ("ny-doh", "required")
    ]
    assert status["phone_task"]["recipient_id"] == "ny-doh"

    await record_phone_report(api, case_id)
    await confirm(api, case_id)
    await wait_for_stage(api, case_id, "awaiting-inform-client-decision")
    await step(api, case_id, "inform-client", bodies.inform_client(False, "risk-of-serious-harm"))
    status = await wait_for_stage(api, case_id, "closed")

    [delivery] = status["deliveries"]
    [received] = await received_by(stack, status, delivery["agency_id"])
    assert delivery["agency_id"] == "demo-ny-doh"
    assert received["form"] == "adult-protective-referral"
