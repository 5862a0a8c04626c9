"""The de-identified export of a real case, through the API and the command: no identifying
marker, no private content; it says what was removed and what risk remains; every export is
audited without values."""

from __future__ import annotations

import json

import httpx

from dutyflow.demo import example_case as scenario
from dutyflow.store import audit_log
from tests.cli_in_process import in_process
from tests.reporting import document_grounds, ok, open_report, wait_for_stage

IDENTIFYING = {
    "victim.name": "Quillfeather Samira",
    "victim.address": "MARKER-ADDRESS-EXPORT",
    "victim.school": "MARKER-SCHOOL-EXPORT",
    "suspect.name": "Brandvold Casey",
    "guardians.name": "Quillfeather Jordan",
}


def grounds_with_identities() -> dict:
    body = scenario.grounds_submission()
    body["victim"].update(
        name=IDENTIFYING["victim.name"],
        address=IDENTIFYING["victim.address"],
        school=IDENTIFYING["victim.school"],
    )
    body["suspect"]["name"] = IDENTIFYING["suspect.name"]
    body["guardians"][0]["name"] = IDENTIFYING["guardians.name"]
    body["grounds"]["observations"] = "QUILLFEATHER samira said: 'Casey did it.' (Brandvold's car)."
    body["private_content"] = "MARKER-PRIVATE-EXPORT dreams"
    return body


async def test_the_export_conceals_identities_and_private_content_and_is_audited(
    api: httpx.AsyncClient, stack, monkeypatch, capsys, database_url: str
) -> None:
    case_id = await open_report(api)
    await wait_for_stage(api, case_id, "awaiting-grounds")
    await document_grounds(api, case_id, grounds_with_identities())

    export = ok(await api.get(f"/reports/{case_id}/deidentified"))

    shown = json.dumps(export["content"]).lower()
    for marker in [
        *IDENTIFYING.values(),
        "samira",
        "casey",
        "brandvold",
        "MARKER-PRIVATE",
        "Dr. Alex Rivera",
    ]:
        assert marker.lower() not in shown, marker
    assert (
        "[victim] said: '[suspect] did it.' ([suspect]'s car)."
        in export["content"]["grounds"]["observations"]
    )
    assert {"victim.name", "victim.school", "reporter", "private_content"} <= set(export["removed"])
    assert export["residual_risks"]

    monkeypatch.setenv("DUTYFLOW_DATABASE_URL", database_url)
    status, out, _ = in_process(monkeypatch, capsys)("export", "--deidentified", case_id)
    assert status == 0 and "Residual risk:" in out and "Samira" not in out

    with stack.sessions() as session:
        exports = [
            e
            for e in audit_log.entries_for_case(session, case_id)
            if e.step == "case-exported-deidentified"
        ]
    assert len(exports) == 2 and {e.actor_role for e in exports} == {"practitioner", "admin"}
    assert "Samira" not in repr([e.details for e in exports])
    assert "victim.name" in exports[0].details["removed"]


async def test_research_use_needs_its_basis_and_the_export_names_the_standard_it_meets(
    api: httpx.AsyncClient, stack
) -> None:
    case_id = await open_report(api)
    await wait_for_stage(api, case_id, "awaiting-grounds")
    await document_grounds(api, case_id, grounds_with_identities())

    refused = await api.get(f"/reports/{case_id}/deidentified", params={"purpose": "research"})
    assert refused.status_code == 422
    assert [p["field"] for p in refused.json()["errors"]] == ["research_basis"]

    export = ok(
        await api.get(
            f"/reports/{case_id}/deidentified",
            params={"purpose": "research", "research_basis": "waiver-164.512(i)"},
        )
    )
    assert export["standard"] == "HIPAA Safe Harbor, 45 CFR 164.514(b)(2)"
    assert (export["purpose"], export["research_basis"]) == ("research", "waiver-164.512(i)")
    with stack.sessions() as session:
        [audited] = [
            e
            for e in audit_log.entries_for_case(session, case_id)
            if e.step == "case-exported-deidentified"
        ]
    assert audited.details["research_basis"] == "waiver-164.512(i)"
    assert audited.details["standard"] == export["standard"]


async def test_an_export_that_cannot_meet_safe_harbor_is_refused_saying_where(
    api: httpx.AsyncClient, stack
) -> None:
    case_id = await open_report(api)
    await wait_for_stage(api, case_id, "awaiting-grounds")
    body = grounds_with_identities()
    body["grounds"]["statements"] = "Said she is 46 and sleeps in bed 12."
    await document_grounds(api, case_id, body)

    refused = await api.get(f"/reports/{case_id}/deidentified")

    assert refused.status_code == 422
    [problem] = refused.json()["errors"]
    assert problem["field"] == "grounds.statements" and "Safe Harbor" in problem["problem"]
    answer = {k: v for k, v in refused.json().items() if k != "instance"}  # the path asked
    assert "46" not in str(answer) and "12" not in str(answer)
    with stack.sessions() as session:
        steps = [e.step for e in audit_log.entries_for_case(session, case_id)]
    assert "case-exported-deidentified" not in steps
