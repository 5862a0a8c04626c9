"""``dutyflow demo``: one fictional California child-abuse report, end to end, through the API,
as a practitioner's tool would drive it; then what the agency received and the audit trail.

Uses a running stack when the API answers; otherwise starts the embedded stack for the run.

The API wants a bearer token. Given one (``--token`` or ``DUTYFLOW_TOKEN``, a practitioner's),
the demo reports as that practitioner. Otherwise, in development only, it provisions its own
accounts in the stack's database (the scenario's practitioner, ``practitioner-0042`` of
``clinic-demo-01``, and an account of the demo agency), made once and found again on later runs,
and issues them tokens for this run only: they are revoked when it ends. In production the demo
creates no account and needs ``--token``.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

import httpx

from dutyflow.demo import example_case as scenario
from dutyflow.settings import Settings

DEMO_AGENCY_ID = "demo-county-cws"
DEMO_PRACTITIONER = {
    "user_id": scenario.opening_request()["practitioner_id"],
    "display_name": "Dr. Alex Rivera (demo)",
    "role": "practitioner",
    "clinic_id": scenario.opening_request()["clinic_id"],
}
DEMO_AGENCY_USER = {
    "user_id": f"agency-{DEMO_AGENCY_ID}",
    "display_name": "Demo County CWS intake (demo)",
    "role": "agency",
    "agency_id": DEMO_AGENCY_ID,
}


class DemoFailed(RuntimeError):
    pass


class DemoRefused(RuntimeError):
    """The demo cannot run as asked (e.g. no token in production): nothing was done."""


@dataclass
class DemoTokens:
    practitioner: str
    agency: str | None = None
    issued: list[str] = field(default_factory=list)  # token ids to revoke when the run ends


def _demo_sessions(settings: Settings) -> Any:
    from dutyflow.store.case_database import case_database
    from dutyflow.store.db import create_schema, session_factory

    engine = case_database(settings)
    create_schema(engine)
    return engine, session_factory(engine)


def provision_demo_accounts(settings: Settings) -> DemoTokens:
    """The demo's accounts in the settings' database (made if absent) and a token for each, for
    this run. Refused in production: a real deployment's accounts are made on purpose."""
    from dutyflow.auth.store import AccountRefused, ensure_user, parse_token
    from dutyflow.contracts import Actor

    if settings.environment == "production":
        raise DemoRefused(
            "the demo creates no accounts in production: pass a practitioner's token with "
            "--token (or DUTYFLOW_TOKEN)"
        )
    engine, sessions = _demo_sessions(settings)
    actor = Actor(actor_id="dutyflow-demo", role="admin")
    try:
        tokens = []
        for account in (DEMO_PRACTITIONER, DEMO_AGENCY_USER):
            _user, token = ensure_user(sessions, **account, actor=actor)
            tokens.append(token)
    except AccountRefused as refused:
        raise DemoRefused(f"cannot provision the demo's accounts: {refused}") from None
    finally:
        engine.dispose()
    issued = [parsed[0] for parsed in map(parse_token, tokens) if parsed is not None]
    return DemoTokens(practitioner=tokens[0], agency=tokens[1], issued=issued)


def retire_demo_tokens(settings: Settings, tokens: DemoTokens) -> None:
    """Revoke the tokens issued for this run: none outlives it."""
    from dutyflow.auth.store import revoke_token
    from dutyflow.contracts import Actor

    if not tokens.issued:
        return
    engine, sessions = _demo_sessions(settings)
    try:
        for token_id in tokens.issued:
            revoke_token(sessions, token_id, actor=Actor(actor_id="dutyflow-demo", role="admin"))
    finally:
        engine.dispose()


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


async def run_demo(settings: Settings, token: str | None = None) -> int:
    """Run the demo; ``token``: a practitioner's (else the demo provisions its own accounts,
    in development only: `DemoRefused` otherwise)."""
    from dutyflow.runtime.stack import Stack

    if token:
        tokens = DemoTokens(practitioner=token)
    else:
        tokens = await asyncio.to_thread(provision_demo_accounts, settings)
    api_url = settings.resolved_api_url
    intake_url = settings.resolved_intake_base_url
    stack: Stack | None = None
    try:
        if await _answers(api_url):
            print(f"Using the Dutyflow stack at {api_url}")
        else:
            print(f"No Dutyflow API at {api_url}: starting the embedded stack for this demo...")
            stack = Stack(settings)
            await stack.start()
            api_url = stack.urls["API"]
            intake_url = stack.urls.get("Agency intake service", intake_url)
        await run_scenario(api_url, intake_url, tokens)
    except DemoFailed as err:
        print(f"\nDEMO FAILED: {err}")
        return 1
    finally:
        if stack is not None:
            await stack.stop()
        await asyncio.to_thread(retire_demo_tokens, settings, tokens)
    print("\nDemo complete: the agency received the report exactly once.")
    return 0


async def _practitioner(api: httpx.AsyncClient) -> dict[str, Any]:
    """Who the demo's token stands for: a practitioner, or the demo cannot report."""
    answer = await api.get("/me")
    if answer.status_code == 401:
        raise DemoFailed(
            "the API refused the demo's token. A token given with --token or DUTYFLOW_TOKEN must "
            "be valid; without one, the demo's own accounts are made in this machine's database "
            "(DUTYFLOW_DATA_DIR, DUTYFLOW_DATABASE_URL), which must be the running API's"
        )
    me = _check(answer, "find who the token stands for")
    if me["role"] != "practitioner":
        raise DemoFailed(
            f"--token: the demo reports as a practitioner; this token is a {me['role']}'s"
        )
    return dict(me)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def run_scenario(
    api_url: str, intake_url: str, tokens: DemoTokens, within: float = 120.0
) -> str:
    async with httpx.AsyncClient(
        base_url=api_url, timeout=60, headers=_bearer(tokens.practitioner)
    ) as api:
        me = await _practitioner(api)
        print("\n== A practitioner in California reports suspected child abuse ==")
        opening = scenario.opening_request(practitioner_id=me["user_id"], clinic_id=me["clinic_id"])
        opened = _check(await api.post("/reports", json=opening), "open the report")
        case_id = opened["case_id"]
        print(f"1. Report opened. Case id (opaque): {case_id}")

        status = _check(
            await api.post(f"/reports/{case_id}/grounds", json=scenario.grounds_submission()),
            "document the grounds",
        )
        print(
            f"2. Grounds documented under policy {status['jurisdiction']} {status['kind']} "
            f"{status['policy_version']}."
        )
        for obligation in status["obligations"]:
            print(
                f"3. Obligation: report to {obligation['agency_name']} "
                f"({obligation['recipient_id']}); "
                f"phone report due {obligation['phone_report_due_at']}, written report due "
                f"{obligation['written_report_due_at']}"
            )
            print(f"   Citations: {'; '.join(obligation['citations'])}")

        status = _check(
            await api.post(f"/reports/{case_id}/phone-report", json=scenario.phone_report()),
            "record the phone report",
        )
        print("4. Phone report to the hotline recorded.")
        for disclosure in status["disclosures"]:
            print(
                f"5. Fields limited for {disclosure['recipient_id']}: "
                f"{len(disclosure['disclosed_fields'])} disclosed, withheld: "
                f"{', '.join(disclosure['withheld_fields']) or 'none'}"
            )

        review = _check(await api.get(f"/reports/{case_id}/review"), "review the report")
        for document in review["documents"]:
            print(
                f"6. Report rendered for {document['agency_name']}: form {document['form_id']}, "
                f"sha256 {document['sha256'][:16]}..."
            )
        _check(
            await api.post(
                f"/reports/{case_id}/confirm",
                json={"practitioner_id": me["user_id"], "review_sha256": review["review_sha256"]},
            ),
            "confirm the report",
        )
        print("7. Practitioner confirmed the reviewed report.")

        status = await wait_until_closed(api, case_id, within)
        for delivery in status["deliveries"]:
            print(
                f"8. Delivered to {delivery['agency_id']}; acknowledged with reference "
                f"{delivery['reference_number']} at {delivery['received_at']}"
            )
        outcome = status["outcome"]
        print(f"9. Outcome: {outcome['result']}; written report on time: {outcome['all_on_time']}")

        if tokens.agency is not None:
            await _agency_account_view(api_url, tokens.agency, status["deliveries"])
        timeline = _check(await api.get(f"/reports/{case_id}/timeline"), "read the timeline")

    async with httpx.AsyncClient(base_url=intake_url, timeout=30) as intake:
        received = []
        for delivery in status["deliveries"]:
            reports = _check(
                await intake.get(f"/agencies/{delivery['agency_id']}/reports"),
                "read the agency inbox",
            )
            received += [r for r in reports if r["case_reference"] == case_id]
    if len(received) != len(status["deliveries"]):
        raise DemoFailed(
            f"the agency holds {len(received)} reports for this case, expected "
            f"{len(status['deliveries'])}"
        )

    print("\n== What the agency received ==")
    for report in received:
        transmission = report["transmission"]
        print(
            f"Reference {report['reference_number']}, form {report['form']}, "
            f"received {report['received_at']}"
        )
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
        print(
            f"  #{entry['seq']:<4} {entry['recorded_at']}  {entry['step']:<26} "
            f"{entry['actor_role']}:{entry['actor_id']:<20} "
            f"sha256 {entry['content_sha256'][:12]}..."
        )
    return case_id


async def _agency_account_view(api_url: str, token: str, deliveries: list[dict[str, Any]]) -> None:
    """The agency's own account at Dutyflow lists what was delivered to it, nothing else."""
    async with httpx.AsyncClient(base_url=api_url, timeout=60, headers=_bearer(token)) as agency:
        listed = {
            r["report_id"]: r
            for r in _check(await agency.get("/agency/reports"), "list the agency's reports")
        }
        for delivery in deliveries:
            if delivery["report_id"] not in listed:
                raise DemoFailed("the agency's account does not list the report delivered to it")
            document = _check(
                await agency.get(f"/agency/reports/{delivery['report_id']}"),
                "read the agency's report",
            )
            print(
                f"10. The agency's account at Dutyflow lists report {delivery['report_id']} "
                f"(form {document['form_id']}, sha256 {document['sha256'][:16]}...), "
                "and no case."
            )


async def wait_until_closed(api: httpx.AsyncClient, case_id: str, within: float) -> dict[str, Any]:
    """The case's status once it is closed; `DemoFailed` if it is not within ``within`` seconds."""
    stage = "unknown"
    try:
        async with asyncio.timeout(within):
            while True:
                status = _check(await api.get(f"/reports/{case_id}"), "read the status")
                stage = status["stage"]
                if stage == "closed":
                    return status
                await asyncio.sleep(0.2)
    except TimeoutError:
        raise DemoFailed(f"the case is still {stage} after {within:.0f}s") from None


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
