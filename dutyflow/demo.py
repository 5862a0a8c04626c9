"""``dutyflow demo``: one fictional California child-abuse report, end to end, through the API,
as a practitioner's tool would drive it; then what the agency received and the audit trail.

Uses a running stack when the API answers; otherwise starts the embedded stack for the run.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

from dutyflow import scenario
from dutyflow.settings import Settings


class DemoFailed(RuntimeError):
    pass


async def _answers(url: str) -> bool:
    try:
        async with httpx.AsyncClient(timeout=2) as http:
            return (await http.get(f"{url}/health")).status_code == 200
    except httpx.HTTPError:
        return False


def _check(response: httpx.Response, step: str) -> Any:
    if response.status_code >= 400:
        raise DemoFailed(f"{step}: HTTP {response.status_code}: {response.text[:500]}")
    return response.json()


async def run_demo(settings: Settings) -> int:
    from dutyflow.stack import Stack

    api_url = settings.resolved_api_url
    intake_url = settings.resolved_intake_base_url
    stack: Stack | None = None
    if await _answers(api_url):
        print(f"Using the Dutyflow stack at {api_url}")
    else:
        print(f"No Dutyflow API at {api_url}: starting the embedded stack for this demo...")
        stack = Stack(settings)
        await stack.start()
        api_url = stack.urls["API"]
        intake_url = stack.urls.get("Agency intake service", intake_url)
    try:
        await run_scenario(api_url, intake_url)
    except DemoFailed as err:
        print(f"\nDEMO FAILED: {err}")
        return 1
    finally:
        if stack is not None:
            await stack.stop()
    print("\nDemo complete: the agency received the report exactly once.")
    return 0


async def run_scenario(api_url: str, intake_url: str, timeout: float = 120.0) -> str:
    async with httpx.AsyncClient(base_url=api_url, timeout=60) as api:
        print("\n== A practitioner in California reports suspected child abuse ==")
        opened = _check(await api.post("/reports", json=scenario.opening_request()), "open the report")
        case_id = opened["case_id"]
        print(f"1. Report opened. Case id (opaque): {case_id}")

        status = _check(
            await api.post(f"/reports/{case_id}/grounds", json=scenario.grounds_submission()),
            "document the grounds",
        )
        print(f"2. Grounds documented under policy {status['jurisdiction']} {status['kind']} "
              f"{status['policy_version']}.")
        for obligation in status["obligations"]:
            print(f"3. Obligation: report to {obligation['agency_name']} ({obligation['recipient_id']}); "
                  f"phone report due {obligation['phone_report_due_at']}, written report due "
                  f"{obligation['written_report_due_at']}")
            print(f"   Citations: {'; '.join(obligation['citations'])}")

        status = _check(
            await api.post(f"/reports/{case_id}/phone-report", json=scenario.phone_report()),
            "record the phone report",
        )
        print("4. Phone report to the hotline recorded.")
        for disclosure in status["disclosures"]:
            print(f"5. Fields limited for {disclosure['recipient_id']}: "
                  f"{len(disclosure['disclosed_fields'])} disclosed, withheld: "
                  f"{', '.join(disclosure['withheld_fields']) or 'none'}")

        review = _check(await api.get(f"/reports/{case_id}/review"), "review the report")
        for document in review["documents"]:
            print(f"6. Report rendered for {document['agency_name']}: form {document['form_id']}, "
                  f"sha256 {document['sha256'][:16]}...")
        _check(
            await api.post(
                f"/reports/{case_id}/confirm",
                json={"practitioner_id": "practitioner-0042", "review_sha256": review["review_sha256"]},
            ),
            "confirm the report",
        )
        print("7. Practitioner confirmed the reviewed report.")

        status = await wait_until_closed(api, case_id, timeout)
        for delivery in status["deliveries"]:
            print(f"8. Delivered to {delivery['agency_id']}; acknowledged with reference "
                  f"{delivery['reference_number']} at {delivery['received_at']}")
        outcome = status["outcome"]
        print(f"9. Outcome: {outcome['result']}; written report on time: {outcome['all_on_time']}")

        timeline = _check(await api.get(f"/reports/{case_id}/timeline"), "read the timeline")

    async with httpx.AsyncClient(base_url=intake_url, timeout=30) as intake:
        received = []
        for delivery in status["deliveries"]:
            reports = _check(
                await intake.get(f"/agencies/{delivery['agency_id']}/reports"), "read the agency inbox"
            )
            received += [r for r in reports if r["case_reference"] == case_id]
    if len(received) != len(status["deliveries"]):
        raise DemoFailed(f"the agency holds {len(received)} reports for this case, expected "
                         f"{len(status['deliveries'])}")

    print("\n== What the agency received ==")
    for report in received:
        transmission = report["transmission"]
        print(f"Reference {report['reference_number']}, form {report['form']}, "
              f"received {report['received_at']}")
        print(f"Structured fields: {', '.join(sorted(_leaf_names(transmission['fields'])))}")
        print("Rendered report (plain text):")
        print("    " + transmission["document"]["text"].replace("\n", "\n    "))
        withheld_values = _withheld_demo_values()
        leaked = [value for value in withheld_values if value in json.dumps(transmission)]
        if leaked:
            raise DemoFailed("a withheld field reached the agency")
        print("Withheld clinical content absent at the agency: yes")

    print("\n== Audit trail (hash-chained; content hashes, never content) ==")
    for entry in timeline:
        print(f"  #{entry['seq']:<4} {entry['recorded_at']}  {entry['step']:<26} "
              f"{entry['actor_role']}:{entry['actor_id']:<20} sha256 {entry['content_sha256'][:12]}...")
    return case_id


async def wait_until_closed(api: httpx.AsyncClient, case_id: str, timeout: float) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        status = _check(await api.get(f"/reports/{case_id}"), "read the status")
        if status["stage"] == "closed":
            return status
        if loop.time() > deadline:
            raise DemoFailed(f"the case is still {status['stage']} after {timeout:.0f}s")
        await asyncio.sleep(0.2)


def _leaf_names(fields: dict[str, Any], prefix: str = "") -> list[str]:
    names: list[str] = []
    for key, value in fields.items():
        if isinstance(value, dict):
            names += _leaf_names(value, f"{prefix}{key}.")
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            names += _leaf_names(value[0], f"{prefix}{key}.")
        else:
            names.append(f"{prefix}{key}")
    return names


def _withheld_demo_values() -> list[str]:
    grounds = scenario.grounds_submission()
    return [*grounds["clinical_context"].values(), grounds["victim"]["medical_record_number"]]
