"""A California child-abuse report, end to end on a real Temporal server, real HTTP delivery to
the reference intake service, and a real database: what a clinician, an agency and an auditor
rely on."""

from __future__ import annotations

import json

import httpx
from sqlmodel import select

from dutyflow.demo import example_case as scenario
from dutyflow.store import audit_log, audit_tree
from dutyflow.store.tables import AuditEntry
from tests.reporting import agency_inbox, domain_steps, report_end_to_end

WITHHELD_MARKERS = {
    "clinical_context.diagnosis": "MARKER-DIAGNOSIS-Q7X2",
    "clinical_context.psychotherapy_notes": "MARKER-NOTES-Z81K",
    "clinical_context.treatment_summary": "MARKER-TREATMENT-W3P9",
    "victim.medical_record_number": "MARKER-MRN-5J0D",
}
ALLOWED_MARKER = "MARKER-ALLOWED-OBSERVATION-H4T6"

EXPECTED_STEPS = [
    "case-opened",
    "grounds-documented",
    "obligations-determined",
    "phone-task-prepared",
    "phone-report-recorded",
    "fields-limited",
    "report-rendered",
    "report-confirmed",
    "report-delivered",
    "acknowledgement-recorded",
    "outcome-recorded",
]


def grounds_with_markers() -> dict:
    body = scenario.grounds_submission()
    body["clinical_context"] = {
        "diagnosis": WITHHELD_MARKERS["clinical_context.diagnosis"],
        "psychotherapy_notes": WITHHELD_MARKERS["clinical_context.psychotherapy_notes"],
        "treatment_summary": WITHHELD_MARKERS["clinical_context.treatment_summary"],
    }
    body["victim"]["medical_record_number"] = WITHHELD_MARKERS["victim.medical_record_number"]
    body["grounds"]["observations"] = f"Bruising on the left arm. {ALLOWED_MARKER}"
    return body


async def test_agency_receives_only_allow_listed_fields(api: httpx.AsyncClient, stack) -> None:
    status = await report_end_to_end(api, grounds_with_markers())

    [delivery] = status["deliveries"]
    inbox = await agency_inbox(stack.intake_url, delivery["agency_id"])
    received = [r for r in inbox if r["case_reference"] == status["case_id"]]
    everything_the_agency_holds = json.dumps(received)
    assert ALLOWED_MARKER in everything_the_agency_holds  # the allowed narrative did arrive
    for field, marker in WITHHELD_MARKERS.items():
        assert marker not in everything_the_agency_holds, f"{field} reached the agency"
    [disclosure] = status["disclosures"]
    assert set(WITHHELD_MARKERS) <= set(disclosure["withheld_fields"])
    assert "grounds.observations" in disclosure["disclosed_fields"]


async def test_agency_holds_exactly_one_report_with_its_reference_number(api, stack) -> None:
    status = await report_end_to_end(api)

    [delivery] = status["deliveries"]
    inbox = await agency_inbox(stack.intake_url, delivery["agency_id"])
    [received] = [r for r in inbox if r["case_reference"] == status["case_id"]]
    assert received["reference_number"] == delivery["reference_number"]
    assert received["form"] == "us-ca-ss8572"
    assert "SS 8572" in received["transmission"]["document"]["text"]
    assert status["outcome"] == {
        "case_id": status["case_id"],
        "result": "reported",
        "deliveries": status["outcome"]["deliveries"],
        "all_on_time": True,
    }


async def test_every_step_leaves_an_audit_record_in_order(api: httpx.AsyncClient, stack) -> None:
    status = await report_end_to_end(api, grounds_with_markers())

    with stack.sessions() as session:
        entries = audit_log.entries_for_case(session, status["case_id"])
        chain = audit_log.verify(session)
    assert domain_steps(entries) == EXPECTED_STEPS
    assert [e.seq for e in entries] == sorted(e.seq for e in entries)
    assert chain.intact, chain.problem
    assert {e.actor_role for e in entries} == {"practitioner", "system", "agency"}
    fields_limited = next(e for e in entries if e.step == "fields-limited")
    assert set(WITHHELD_MARKERS) <= set(fields_limited.details["withheld_fields"])
    stored = json.dumps([e.model_dump(mode="json") for e in entries])
    for marker in [*WITHHELD_MARKERS.values(), ALLOWED_MARKER]:
        assert marker not in stored, "the audit log must hold hashes and field names, not content"


async def test_the_audit_timeline_is_served_by_the_api(api: httpx.AsyncClient) -> None:
    status = await report_end_to_end(api)

    timeline = (await api.get(f"/reports/{status['case_id']}/timeline")).json()
    assert domain_steps(timeline) == EXPECTED_STEPS


async def test_audit_log_starts_from_the_empty_tree(api, stack) -> None:
    """(Before revision 0011: the hash chain started from the genesis hash.)"""
    await report_end_to_end(api)

    with stack.sessions() as session:
        first = session.exec(select(AuditEntry).order_by(AuditEntry.seq).limit(1)).one()
        leaf = audit_tree.leaf_of(session, first.seq)
    assert first.seq == 1 and leaf is not None and leaf.leaf_index == 0
    assert first.prev_hash is None  # entries written since 0011 have no chain: the tree holds them


async def test_every_activity_attempt_is_audited_from_start_to_completion(api, stack) -> None:
    status = await report_end_to_end(api)

    with stack.sessions() as session:
        entries = audit_log.entries_for_case(session, status["case_id"])
    attempts = [e for e in entries if e.step.startswith("activity-")]
    started = [e.details["activity"] for e in attempts if e.step == "activity-started"]
    completed = [e.details["activity"] for e in attempts if e.step == "activity-completed"]
    # Every attempt that started completed (the deadlines' watchers run theirs alongside the
    # case's steps, so the two lists interleave differently).
    assert sorted(started) == sorted(completed)
    assert started[0] == "open_case" and started[-1] == "record_outcome"
    assert {"record_grounds", "limit_disclosure", "render_report", "deliver_report"} <= set(started)
    assert all(e.actor_role == "system" for e in attempts)


async def test_the_obligation_is_fulfilled_when_the_report_reaches_the_agency(api, stack) -> None:
    from dutyflow.store.case_file import obligations_for

    status = await report_end_to_end(api)

    with stack.sessions() as session:
        [obligation] = obligations_for(session, status["case_id"])
    assert obligation.fulfilled_at is not None
