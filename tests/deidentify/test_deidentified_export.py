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
