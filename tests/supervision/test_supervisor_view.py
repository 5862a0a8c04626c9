"""What the supervisor sees: the case de-identified, no marker of an identifying field or of the
content marked private; a field the practitioner reveals appears only after a recorded reason,
and the audit says exactly which paths the supervisor saw, never their values."""

from __future__ import annotations

import json

import httpx
import pytest

from dutyflow.auth.case_access import CONTENT_READ_STEP
from dutyflow.store import audit_log
from tests.conftest import Callers
from tests.kinds import bodies
from tests.reporting import document_grounds, ok, open_report

# What this checks does not depend on the database engine: it runs once, on SQLite.
pytestmark = pytest.mark.one_database

CLINIC = "clinic-demo-01"
IDENTIFYING = {
    "victim.name": "Zorblatt Quimby",
    "victim.address": "MARKERVICTIMADDRESS Lane 9",
    "victim.phone": "MARKERVICTIMPHONE",
    "victim.school": "MARKERSCHOOL Academy",
    "victim.medical_record_number": "MARKERMRN",
    "victim.present_location": "MARKERLOCATION",
    "guardians[0].name": "Yendra Quimby",
    "guardians[0].address": "MARKERGUARDIANADDRESS Road",
    "guardians[0].phone": "MARKERGUARDIANPHONE",
    "suspect.name": "Xavo Quimby",
    "suspect.address": "MARKERSUSPECTADDRESS Street",
}
PRIVATE = "MARKERPRIVATEDREAM"
NOTES = "MARKERPSYCHOTHERAPYNOTES"


def marked_grounds() -> dict:
    body = bodies.gb_child_abuse()
    body["victim"] |= {
        "name": IDENTIFYING["victim.name"],
        "address": IDENTIFYING["victim.address"],
        "phone": IDENTIFYING["victim.phone"],
        "school": IDENTIFYING["victim.school"],
        "medical_record_number": IDENTIFYING["victim.medical_record_number"],
        "present_location": IDENTIFYING["victim.present_location"],
    }
    body["guardians"][0] |= {
        "name": IDENTIFYING["guardians[0].name"],
        "address": IDENTIFYING["guardians[0].address"],
        "phone": IDENTIFYING["guardians[0].phone"],
    }
    body["suspect"] = {
        "name": IDENTIFYING["suspect.name"],
        "address": IDENTIFYING["suspect.address"],
    }
    # The client's name in free text, with punctuation around it.
    body["grounds"]["observations"] = (
        "Zorblatt's arm was bruised; (Zorblatt) flinched. Quimby, the father, shouted."
    )
    body["clinical_context"]["psychotherapy_notes"] = NOTES
    body["private_content"] = PRIVATE
    return body


def markers() -> list[str]:
    words = [
        w
        for v in IDENTIFYING.values()
        for w in v.split()
        if w.startswith(("MARKER", "Zorblatt", "Quimby", "Yendra", "Xavo"))
    ]
    return [*words, PRIVATE, NOTES]


async def test_the_supervisor_sees_no_identifying_field_and_no_private_content(
    api: httpx.AsyncClient, stack, callers: Callers
) -> None:
    supervisor = callers.new("supervisor", clinic_id=CLINIC)
    case_id = await open_report(api, jurisdiction="GB-ENG", county="Demo Borough")
    await document_grounds(api, case_id, marked_grounds())

    view = ok(await supervisor.http.get(f"/supervision/consultations/{case_id}"))

    served = json.dumps(view)
    assert [m for m in markers() if m in served] == []
    assert (
        "[victim]'s arm was bruised; ([victim]) flinched"
        in view["content"]["grounds"]["observations"]
    )
    # a life stage, not a date of birth or an exact age (issue 17)
    assert view["content"]["victim"]["birth_date"] in ("child", "adolescent")
    assert len(view["content"]["grounds"]["suspicion_formed_at"]) == 7  # a month
    assert {
        "victim.name",
        "guardians[0].phone",
        "private_content",
        "clinical_context.psychotherapy_notes",
    } <= set(view["removed"])
    assert view["residual_risks"]
    # Nobody else sees it: the practitioner, compliance, another clinic's supervisor.
    assert (await api.get(f"/supervision/consultations/{case_id}")).status_code == 403
    assert (
        await callers.new("compliance").http.get(f"/supervision/consultations/{case_id}")
    ).status_code == 403
    assert (
        await callers.new("supervisor").http.get(f"/supervision/consultations/{case_id}")
    ).status_code == 404

    with stack.sessions() as session:
        [read] = [
            e for e in audit_log.entries_for_case(session, case_id) if e.step == CONTENT_READ_STEP
        ]
    assert read.actor_id == supervisor.user_id
    assert read.details["view"] == "supervision-consultation"
    assert "grounds.observations" in read.details["shown"]
    assert "victim.name" in read.details["removed"] and read.details["revealed"] == []
    assert [m for m in markers() if m in json.dumps(read.details)] == []


async def test_a_revealed_field_appears_only_after_a_recorded_reason_and_the_audit_names_it(
    api: httpx.AsyncClient, stack, callers: Callers
) -> None:
    supervisor = callers.new("supervisor", clinic_id=CLINIC)
    case_id = await open_report(api, jurisdiction="GB-ENG", county="Demo Borough")
    await document_grounds(api, case_id, marked_grounds())
    school = IDENTIFYING["victim.school"]
    assert school not in json.dumps(
        ok(await supervisor.http.get(f"/supervision/consultations/{case_id}"))
    )

    without_reason = await api.post(
        f"/reports/{case_id}/supervision/reveals", json={"fields": ["victim.school"], "reason": " "}
    )
    assert without_reason.status_code == 422
    private = await api.post(
        f"/reports/{case_id}/supervision/reveals",
        json={"fields": ["private_content"], "reason": "I want advice on it."},
    )
    assert private.status_code == 422
    notes = await api.post(
        f"/reports/{case_id}/supervision/reveals",
        json={"fields": ["clinical_context.psychotherapy_notes"], "reason": "Advice."},
    )
    assert notes.status_code == 422
    by_supervisor = await supervisor.http.post(
        f"/reports/{case_id}/supervision/reveals",
        json={"fields": ["victim.school"], "reason": "Curious."},
    )
    assert by_supervisor.status_code == 403
    assert school not in json.dumps(
        ok(await supervisor.http.get(f"/supervision/consultations/{case_id}"))
    )

    reason = "The school's safeguarding lead is already involved; the supervisor knows them."
    revealed = await api.post(
        f"/reports/{case_id}/supervision/reveals",
        json={"fields": ["victim.school"], "reason": reason},
    )
    assert revealed.status_code == 201, revealed.text

    view = ok(await supervisor.http.get(f"/supervision/consultations/{case_id}"))
    assert view["content"]["victim"]["school"] == school
    assert view["revealed"] == ["victim.school"]
    assert IDENTIFYING["victim.name"].split()[0] not in json.dumps(view)  # only what was revealed
    assert PRIVATE not in json.dumps(view)
    with stack.sessions() as session:
        entries = audit_log.entries_for_case(session, case_id)
    [reveal] = [e for e in entries if e.step == "supervision-field-revealed"]
    assert reveal.details["fields"] == ["victim.school"] and reveal.actor_id != supervisor.user_id
    assert reason not in json.dumps(reveal.details)  # the reason is sealed, not audited in clear
    last_read = [e for e in entries if e.step == CONTENT_READ_STEP][-1]
    assert last_read.details["revealed"] == ["victim.school"]
    assert school not in json.dumps(last_read.details)
    assert ok(await api.get(f"/reports/{case_id}/supervision"))["reveals"][0]["reason"] == reason


async def test_the_revealable_fields_are_paths_without_values_and_never_private_content(
    api: httpx.AsyncClient, callers: Callers
) -> None:
    supervisor = callers.new("supervisor", clinic_id=CLINIC)
    case_id = await open_report(api, jurisdiction="GB-ENG", county="Demo Borough")
    await document_grounds(api, case_id, marked_grounds())

    offered = ok(await api.get(f"/reports/{case_id}/supervision/revealable"))

    paths = [f["path"] for f in offered["fields"]]
    assert {"victim.school", "guardians[0].phone", "grounds.observations"} <= set(paths)
    assert "private_content" not in paths and "clinical_context.psychotherapy_notes" not in paths
    assert {"path": "victim.school", "what": "removed", "reason": "a school"} in offered["fields"]
    assert [m for m in markers() if m in json.dumps(offered)] == []
    # Each is one the reveal accepts; the supervisor may not ask which there are.
    every = await api.post(
        f"/reports/{case_id}/supervision/reveals",
        json={"fields": paths, "reason": "To test that each may be revealed."},
    )
    assert every.status_code == 201, every.text
    assert (
        await supervisor.http.get(f"/reports/{case_id}/supervision/revealable")
    ).status_code == 403
