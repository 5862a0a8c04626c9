"""Records the histories `test_replay` replays: one case per legal branch, driven through the
real API on the real dev server (the time-skipping test server for deadlines), each written to
``tests/replay/histories/<branch>.json`` with its case key (see `tests.replay.recorded`).

Run it explicitly (pytest collects it only when named, never in the suite)::

    uv run pytest -n 0 tests/replay/record_histories.py                 # every branch
    uv run pytest -n 0 tests/replay/record_histories.py -k returned     # one branch

When the workflow gains a branch, add a function here that drives a case through it and ends
with ``await keep(...)``, record it **with the workflow as it was before the change** (a
``git worktree`` of the previous commit, with this folder copied in), commit the new JSON, then
change the workflow: `test_replay` proves that cases already running keep working.

Every case is fictional (the demo scenario, `tests.kinds.bodies`); payloads are encrypted with a
test master key (`tests.replay.recorded.REPLAY_MASTER_KEY`), never a real one.
"""

from __future__ import annotations

import asyncio
import dataclasses
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from dutyflow.contracts import Actor
from dutyflow.crypto.actor_assertion import asserting
from dutyflow.crypto.keyring import CaseKeyring
from dutyflow.demo import example_case as scenario
from dutyflow.domain.case import GroundsSubmission, PhoneReport
from dutyflow.runtime.serving import bind, serve
from dutyflow.runtime.temporal import data_converter
from tests.auth.helpers import bearer, scenario_practitioner_token
from tests.deadlines.conftest import skipping_client
from tests.kinds import bodies
from tests.replay.recorded import REPLAY_MASTER_KEY, RecordedHistory, wrapped_case_key, write
from tests.reporting import (
    PRACTITIONER,
    confirm,
    document_grounds,
    ok,
    open_report,
    record_phone_report,
    report_end_to_end,
    wait_for_stage,
)
from tests.test_delivery import Refusing, directory_for
from workflows.mandated_report import MandatedReportWorkflow

CLINIC = scenario.opening_request()["clinic_id"]
TEST_SERVER = Path(sys.executable).parent / "temporal-test-server"

Keep = Callable[[Client, str], Awaitable[None]]


# --- the session's keys and database, overridden for recording --------------------------------


@pytest.fixture(scope="session")
def payload_key() -> bytes:
    """The test master key the replay rebuilds the case keys with."""
    return REPLAY_MASTER_KEY


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """SQLite only: each branch is recorded once."""
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'dutyflow.db'}"


@pytest.fixture
def keep(request: pytest.FixtureRequest, keyring: CaseKeyring) -> Keep:
    """Waits for the case to close, then writes its history and wrapped case key, named after
    the recording function (``test_us_ca_subpoena_hard_stop`` -> ``us-ca-subpoena-hard-stop``)."""
    branch = request.node.name.removeprefix("test_").replace("_", "-")

    async def keep(client: Client, case_id: str) -> None:
        handle = client.get_workflow_handle_for(MandatedReportWorkflow.run, case_id)
        await handle.result()
        status = await handle.query(MandatedReportWorkflow.status)
        history = await handle.fetch_history()
        wrapped, master_key_id = wrapped_case_key(keyring.engine, case_id)
        write(
            RecordedHistory(
                branch=branch,
                kind=str(status.kind),
                jurisdiction=status.jurisdiction,
                workflow_id=case_id,
                wrapped_case_key=wrapped,
                master_key_id=master_key_id,
                history=history.to_json_dict(),
            )
        )

    return keep


@asynccontextmanager
async def served_api(stack: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The API on the stack's socket, as the scenario practitioner (for a changed stack: another
    agency directory, the time-skipping server)."""
    from dutyflow.api.app import create_app

    app = create_app(
        client=stack.client,
        engine=stack.engine,
        policies=stack.policies,
        directory=stack.directory,
        task_queue=stack.task_queue,
        secrets=stack.secrets,
        index_cases=stack.index_cases,
    )
    server = await serve(app, stack.api_socket, "api")
    token = scenario_practitioner_token(stack.sessions)
    try:
        async with httpx.AsyncClient(
            base_url=server.url, timeout=120, headers=bearer(token)
        ) as client:
            yield client
    finally:
        await server.stop()


async def step(api: httpx.AsyncClient, case_id: str, path: str, body: dict) -> dict:
    return ok(await api.post(f"/reports/{case_id}/{path}", json=body))


async def supervisor_decides(callers: Any, case_id: str, body: dict) -> dict:
    supervisor = callers.new("supervisor", clinic_id=CLINIC)
    return ok(
        await supervisor.http.post(f"/supervision/consultations/{case_id}/decision", json=body)
    )


# --- every kind, each branch of its law -------------------------------------------------------


async def test_us_ca_child_abuse(api, stack, keep) -> None:
    """Phone report first, the written SS 8572 to the county, accepted in the agency's receipt."""
    status = await report_end_to_end(api)
    await keep(stack.client, status["case_id"])


async def test_us_ca_child_abuse_withdrawn_before_grounds(api, stack, keep) -> None:
    """Opened by mistake and withdrawn before any grounds: audited, closed, nothing disclosed.
    (A new Update: recorded with the workflow that has it, behind its ``workflow.patched``.)"""
    case_id = await open_report(api)
    await wait_for_stage(api, case_id, "awaiting-grounds")
    withdrawal = {"practitioner_id": PRACTITIONER, "reason": "opened-by-mistake", "note": "Twice."}
    await step(api, case_id, "withdraw", withdrawal)
    await keep(stack.client, case_id)


async def test_us_ca_child_abuse_steps_sent_without_an_actor(api, stack, keep) -> None:
    """The grounds and the phone report sent as callers did before the optional ``actor``: the
    first argument reaches the workflow as plain JSON (`workflows` keeps `received` for them)."""
    case_id = await open_report(api)
    await wait_for_stage(api, case_id, "awaiting-grounds")
    handle = stack.client.get_workflow_handle_for(MandatedReportWorkflow.run, case_id)
    with asserting(Actor(actor_id=PRACTITIONER, role="practitioner")):
        await handle.execute_update(
            MandatedReportWorkflow.document_grounds,
            GroundsSubmission.model_validate(scenario.grounds_submission()),
        )
        await handle.execute_update(
            MandatedReportWorkflow.record_phone_report,
            PhoneReport.model_validate(scenario.phone_report()),
        )
    await confirm(api, case_id)
    await wait_for_stage(api, case_id, "closed")
    await keep(stack.client, case_id)


async def test_us_ca_elder_abuse_inform_client(api, stack, keep) -> None:
    """Phone report, SOC 341, and the decision not to inform the client, under an exception."""
    case_id = await open_report(api, kind="elder-abuse")
    await document_grounds(api, case_id, bodies.elder_abuse())
    await record_phone_report(api, case_id)
    await confirm(api, case_id)
    await wait_for_stage(api, case_id, "awaiting-inform-client-decision")
    await step(api, case_id, "inform-client", bodies.inform_client(False, "risk-of-serious-harm"))
    await wait_for_stage(api, case_id, "closed")
    await keep(stack.client, case_id)


async def test_us_ca_elder_abuse_in_a_facility_two_agencies(api, stack, keep) -> None:
    """Two written reports (police and ombudsman), each delivered and acknowledged."""
    case_id = await open_report(api, kind="elder-abuse")
    status = await document_grounds(api, case_id, bodies.elder_abuse(facility=True, injury=True))
    if status["stage"] == "awaiting-phone-report":
        await record_phone_report(api, case_id)
    await confirm(api, case_id)
    status = await wait_for_stage(api, case_id, "awaiting-inform-client-decision")
    await step(api, case_id, "inform-client", bodies.inform_client(True))
    status = await wait_for_stage(api, case_id, "closed")
    assert len(status["deliveries"]) == 2
    await keep(stack.client, case_id)


async def test_us_ca_danger_to_others_contact_attempts(api, stack, keep) -> None:
    """Warnings logged before the written report, one victim not reached until efforts are
    exhausted; the case waits for the contacts."""
    case_id = await open_report(api, kind="danger-to-others")
    await document_grounds(api, case_id, bodies.threat("Civil Code 43.92", victims=2))
    await step(api, case_id, "contact-attempts", bodies.contact("potential-victim-1"))
    await step(
        api, case_id, "contact-attempts", bodies.contact("potential-victim-2", "not-reached")
    )
    await confirm(api, case_id)
    await wait_for_stage(api, case_id, "awaiting-contacts")
    exhausted = bodies.contact(
        "potential-victim-2", "not-reached", exhausted=True, notes="Called twice, no answer."
    )
    await step(api, case_id, "contact-attempts", exhausted)
    await wait_for_stage(api, case_id, "closed")
    await keep(stack.client, case_id)


async def test_us_ca_danger_to_self_disclose_and_decline(api, stack, keep) -> None:
    """Disclosure permitted, not required: one recipient disclosed to, one declined."""
    case_id = await open_report(api, kind="danger-to-self")
    await document_grounds(
        api, case_id, bodies.threat("45 CFR 164.512(j)(1)(i)", victims=0, support_contacts=1)
    )
    await step(api, case_id, "disclosure-decisions", bodies.decision("law-enforcement", True))
    await step(api, case_id, "disclosure-decisions", bodies.decision("support-contact-1", False))
    await wait_for_stage(api, case_id, "awaiting-confirmation")
    await confirm(api, case_id)
    await step(api, case_id, "contact-attempts", bodies.contact("law-enforcement"))
    await wait_for_stage(api, case_id, "closed")
    await keep(stack.client, case_id)


async def test_us_ca_court_order_consultation_approved(api, stack, callers, keep) -> None:
    """A supervisor approves; the response goes to the court by the practitioner's hand."""
    case_id = await open_report(api, kind="court-order")
    await document_grounds(api, case_id, bodies.court_order())
    await supervisor_decides(callers, case_id, {"decision": "approve"})
    await wait_for_stage(api, case_id, "awaiting-confirmation")
    await confirm(api, case_id)
    await step(
        api, case_id, "contact-attempts", bodies.contact("court", "delivered", channel="written")
    )
    await wait_for_stage(api, case_id, "closed")
    await keep(stack.client, case_id)


async def test_us_ca_subpoena_hard_stop(api, stack, keep) -> None:
    """No satisfactory assurance: nothing is disclosed, the case closes at once."""
    case_id = await open_report(api, kind="subpoena")
    await document_grounds(api, case_id, bodies.subpoena(assured=False))
    await wait_for_stage(api, case_id, "closed")
    await keep(stack.client, case_id)


async def test_us_ca_subpoena_answered(api, stack, callers, keep) -> None:
    """Notice given: consultation approved, disclosure decided, records handed over."""
    case_id = await open_report(api, kind="subpoena")
    await document_grounds(api, case_id, bodies.subpoena(assured=True))
    await supervisor_decides(callers, case_id, {"decision": "approve"})
    await wait_for_stage(api, case_id, "awaiting-disclosure-decisions")
    await step(api, case_id, "disclosure-decisions", bodies.decision("requesting-party", True))
    await wait_for_stage(api, case_id, "awaiting-confirmation")
    await confirm(api, case_id)
    written = bodies.contact("requesting-party", "delivered", channel="written")
    await step(api, case_id, "contact-attempts", written)
    await wait_for_stage(api, case_id, "closed")
    await keep(stack.client, case_id)


async def finish_gb_case(api: httpx.AsyncClient, case_id: str) -> None:
    status = await wait_for_stage(api, case_id, "awaiting-confirmation")
    await confirm(api, case_id)
    for recipient_id in status["awaiting_contacts"]:  # the police, where the danger is immediate
        await step(api, case_id, "contact-attempts", bodies.contact(recipient_id))
    await wait_for_stage(api, case_id, "awaiting-inform-client-decision")
    await step(
        api, case_id, "inform-client", bodies.inform_client(False, "unsafe-or-impracticable")
    )
    await wait_for_stage(api, case_id, "closed")


async def test_gb_eng_child_abuse_consultation_approved(api, stack, callers, keep) -> None:
    case_id = await open_report(api, jurisdiction="GB-ENG", county="Demo Borough")
    await document_grounds(api, case_id, bodies.gb_child_abuse())
    await supervisor_decides(callers, case_id, {"decision": "approve"})
    await finish_gb_case(api, case_id)
    await keep(stack.client, case_id)


async def test_gb_eng_child_abuse_returned_and_revised(api, stack, callers, keep) -> None:
    """Returned with comments, the grounds revised, obligations determined afresh, approved."""
    case_id = await open_report(api, jurisdiction="GB-ENG", county="Demo Borough")
    await document_grounds(api, case_id, bodies.gb_child_abuse())
    comments = "Say what the child said in their own words, and when."
    await supervisor_decides(callers, case_id, {"decision": "return", "comments": comments})
    revised = bodies.gb_child_abuse()
    revised["grounds"]["statements"] = 'On Monday the child said: "Dad grabbed my arm."'
    await document_grounds(api, case_id, revised)
    await supervisor_decides(callers, case_id, {"decision": "approve"})
    await finish_gb_case(api, case_id)
    await keep(stack.client, case_id)


async def test_gb_eng_child_abuse_imminent_danger_bypass(api, stack, keep) -> None:
    """Imminent danger never waits on a supervisor: the consultation is recorded as bypassed."""
    case_id = await open_report(api, jurisdiction="GB-ENG", county="Demo Borough")
    await document_grounds(api, case_id, bodies.gb_child_abuse(immediate_danger=True))
    await finish_gb_case(api, case_id)
    await keep(stack.client, case_id)


async def test_us_tx_danger_to_others_permitted_one_declined(api, stack, keep) -> None:
    case_id = await open_report(api, jurisdiction="US-TX", kind="danger-to-others")
    await document_grounds(api, case_id, bodies.threat("Health & Safety Code 611.004", victims=1))
    await step(api, case_id, "disclosure-decisions", bodies.decision("law-enforcement", True))
    await step(api, case_id, "disclosure-decisions", bodies.decision("medical-personnel", False))
    await confirm(api, case_id)
    await step(api, case_id, "contact-attempts", bodies.contact("law-enforcement"))
    await wait_for_stage(api, case_id, "closed")
    await keep(stack.client, case_id)


async def test_us_ny_child_abuse_central_register_by_phone(api, stack, keep) -> None:
    """The statutory call is the whole disclosure to the register; local CPS gets it in writing."""
    case_id = await open_report(api, jurisdiction="US-NY")
    await document_grounds(api, case_id, bodies.ny_child_abuse())
    await record_phone_report(api, case_id)
    await confirm(api, case_id)
    await wait_for_stage(api, case_id, "closed")
    await keep(stack.client, case_id)


# --- disclosure exceptions, delivery and acknowledgement --------------------------------------


def ask(fields: list[str]) -> dict:
    return {
        "recipient_id": "county-child-welfare",
        "fields": fields,
        "justification": "The investigator needs it to assess the risk.",
    }


async def test_us_ca_disclosure_exception_approved_after_limiting(
    api, stack, callers, keep
) -> None:
    """Exceptions asked for under review: one the policy refuses (the activity answers), one
    approved (the fields limited and the report rendered again), one refused, one undecided."""
    supervisor = callers.new("supervisor", clinic_id=CLINIC)
    case_id = await open_report(api)
    await document_grounds(api, case_id, scenario.grounds_submission())
    await record_phone_report(api, case_id)
    await wait_for_stage(api, case_id, "awaiting-confirmation")
    notes = await api.post(
        f"/reports/{case_id}/exceptions", json=ask(["clinical_context.psychotherapy_notes"])
    )
    assert notes.status_code == 422
    asked = []
    for field in ("diagnosis", "treatment_summary", "treatment_dates"):
        status = await step(api, case_id, "exceptions", ask([f"clinical_context.{field}"]))
        asked.append(status["exceptions"][-1]["exception_id"])
    ok(await supervisor.http.post(f"/reports/{case_id}/exceptions/{asked[0]}/approve"))
    refusal = {"note": "Not needed."}
    ok(await supervisor.http.post(f"/reports/{case_id}/exceptions/{asked[1]}/refuse", json=refusal))
    await confirm(api, case_id)
    await wait_for_stage(api, case_id, "closed")
    await keep(stack.client, case_id)


async def test_us_ca_delivery_refused_then_retried(stack, http, executor, tmp_path, keep) -> None:
    """The agency refuses the report (a 4xx): a task for the practitioner, who asks again."""
    Refusing.refusals, Refusing.received = 1, []
    agency = ThreadingHTTPServer(("127.0.0.1", 0), Refusing)
    threading.Thread(target=agency.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{agency.server_port}/intake"
    stack = dataclasses.replace(stack, directory=directory_for(tmp_path, url))
    try:
        async with stack.new_worker(http, executor), served_api(stack) as api:
            case_id = await open_report(api)
            await document_grounds(api, case_id, scenario.grounds_submission())
            await record_phone_report(api, case_id)
            await confirm(api, case_id)
            status = await wait_for_stage(api, case_id, "delivery-refused")
            [problem] = status["delivery_problems"]
            retry = {"practitioner_id": PRACTITIONER, "recipient_id": problem["recipient_id"]}
            await step(api, case_id, "retry-delivery", retry)
            await wait_for_stage(api, case_id, "closed")
            await keep(stack.client, case_id)
    finally:
        agency.shutdown()


async def test_us_ca_agency_reference_recorded_by_practitioner(
    stack, http, executor, tmp_path, keep
) -> None:
    """The agency takes the report (200) and decides at once, but its receipt names its
    reference under a field of its own: the practitioner records the reference (an Update)."""
    from tests.delivery.agencies import AgencyAnswer, agency_endpoint, directory_with

    body = b'{"reference": "SPY-000001", "status": "received", "decision": "accepted"}'
    answer = AgencyAnswer(200, body, {"Content-Type": "application/json"})
    with agency_endpoint(answer) as url:
        stack = dataclasses.replace(stack, directory=directory_with(tmp_path / "agencies", url))
        async with stack.new_worker(http, executor), served_api(stack) as api:
            case_id = await open_report(api)
            await document_grounds(api, case_id, scenario.grounds_submission())
            await record_phone_report(api, case_id)
            await confirm(api, case_id)
            status = await wait_for_stage(api, case_id, "awaiting-acknowledgement")
            [task] = status["reference_tasks"]
            reference = {
                "practitioner_id": PRACTITIONER,
                "report_id": task["report_id"],
                "reference_number": "SPY-000001",
            }
            await step(api, case_id, "agency-reference", reference)
            await wait_for_stage(api, case_id, "closed")
            await keep(stack.client, case_id)


@asynccontextmanager
async def agency_deciding_later(stack: Any, tmp_path: Path) -> AsyncIterator[tuple[str, Any]]:
    """An intake service whose staff decide later (a signed callback acknowledges the report)."""
    from dutyflow.intake.app import create_app

    app = create_app(
        f"sqlite:///{tmp_path / 'agency.db'}", secrets=stack.secrets, auto_acknowledge=False
    )
    agency = await serve(app, bind("127.0.0.1", 0, "agency"), "agency")
    try:
        url = f"{agency.url}/agencies/demo-county-cws/reports"
        yield agency.url, dataclasses.replace(stack, directory=directory_for(tmp_path, url))
    finally:
        await agency.stop()


async def staff_decide(http: httpx.AsyncClient, agency_url: str, reference: str) -> None:
    decision = {"decision": "screened-out", "note": "does not meet the intake criteria"}
    url = f"{agency_url}/agencies/demo-county-cws/reports/{reference}/decision"
    ok(await http.post(url, json=decision))


async def test_us_ca_acknowledged_by_agency_callback(stack, http, executor, tmp_path, keep) -> None:
    """No decision in the receipt: the agency's signed callback acknowledges later (an Update)."""
    async with (
        agency_deciding_later(stack, tmp_path) as (agency_url, stack),
        stack.new_worker(http, executor),
        served_api(stack) as api,
    ):
        case_id = await open_report(api)
        await document_grounds(api, case_id, scenario.grounds_submission())
        await record_phone_report(api, case_id)
        await confirm(api, case_id)
        status = await wait_for_stage(api, case_id, "awaiting-acknowledgement")
        await staff_decide(http, agency_url, status["deliveries"][0]["reference_number"])
        await wait_for_stage(api, case_id, "closed")
        await keep(stack.client, case_id)


async def test_us_ca_portal_sent_and_acknowledged_by_phone(
    stack, http, executor, tmp_path, keep
) -> None:
    """The agency takes reports through its portal: the practitioner records the report as sent
    (an Update), then the agency's acknowledgement that came by phone (an Update)."""
    from datetime import UTC, datetime

    from tests.delivery.agencies import directory_on_channel

    portal = "https://portal.example.org/report"
    directory = directory_on_channel(tmp_path / "agencies", "portal", portal)
    stack = dataclasses.replace(stack, directory=directory)
    async with stack.new_worker(http, executor), served_api(stack) as api:
        case_id = await open_report(api)
        await document_grounds(api, case_id, scenario.grounds_submission())
        await record_phone_report(api, case_id)
        await confirm(api, case_id)
        status = await wait_for_stage(api, case_id, "delivering")
        while not status["channel_tasks"]:  # the task is prepared by an activity
            await asyncio.sleep(0.05)
            status = ok(await api.get(f"/reports/{case_id}"))
        [task] = status["channel_tasks"]
        now = datetime.now(UTC).replace(microsecond=0).isoformat()
        sent = {
            "practitioner_id": PRACTITIONER,
            "recipient_id": task["recipient_id"],
            "sent_at": now,
            "confirmation_number": "PORTAL-0001",
        }
        await step(api, case_id, "report-sent", sent)
        acknowledgement = {
            "practitioner_id": PRACTITIONER,
            "report_id": task["report_id"],
            "reference_number": "PORTAL-0001",
            "decision": "accepted",
            "decided_at": now,
            "received_via": "phone",
            "acknowledged_by": "Intake worker (fictional)",
        }
        await step(api, case_id, "acknowledgement-received", acknowledgement)
        await wait_for_stage(api, case_id, "closed")
        await keep(stack.client, case_id)


async def test_us_ca_child_abuse_supplemented_after_delivery(
    stack, http, executor, tmp_path, keep
) -> None:
    """Delivered; before the agency decides, the practitioner adds a supplemental report (an
    Update): limited, rendered and delivered to the same agency; the staff decide on both."""
    async with (
        agency_deciding_later(stack, tmp_path) as (agency_url, stack),
        stack.new_worker(http, executor),
        served_api(stack) as api,
    ):
        case_id = await open_report(api)
        await document_grounds(api, case_id, scenario.grounds_submission())
        await record_phone_report(api, case_id)
        await confirm(api, case_id)
        await wait_for_stage(api, case_id, "awaiting-acknowledgement")
        supplement = {
            "practitioner_id": PRACTITIONER,
            "answers": {"grounds": {"past_incidents": "A second incident last week."}},
        }
        status = await step(api, case_id, "supplements", supplement)
        for delivery in status["deliveries"]:
            await staff_decide(http, agency_url, delivery["reference_number"])
        await wait_for_stage(api, case_id, "closed")
        await keep(stack.client, case_id)


# --- deadlines, on the time-skipping test server ------------------------------------------------


@pytest.fixture
async def skipping_env(payload_key: bytes) -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(TEST_SERVER), data_converter=data_converter([payload_key])
    )
    yield env
    await env.shutdown()


async def skip(env: WorkflowEnvironment, duration: timedelta) -> None:
    """In steps of an hour at most: the test server fires every timer on the way."""
    while duration > timedelta(0):
        await env.sleep(min(timedelta(hours=1), duration))
        duration -= timedelta(hours=1)


async def test_us_ca_deadlines_escalated(
    stack, skipping_env, http, executor, tmp_path, keep, payload_key
) -> None:
    """The phone report escalates to practitioner, supervisor and compliance before it is due
    and is made late; the agency decides a day after delivery, so the acknowledgement's
    follow-up escalates to the practitioner first."""
    client = skipping_client(skipping_env, payload_key)
    skipping = dataclasses.replace(stack, client=client, index_cases=False)
    async with (
        agency_deciding_later(skipping, tmp_path) as (agency_url, skipping),
        skipping.new_worker(http, executor),
        served_api(skipping) as api,
    ):
        case_id = await open_report(api)
        await document_grounds(api, case_id, scenario.grounds_submission())
        await skip(skipping_env, timedelta(minutes=16))
        status = ok(await api.get(f"/reports/{case_id}"))
        assert len(status["escalations"]) == 3, status["escalations"]
        await record_phone_report(api, case_id)
        await confirm(api, case_id)
        status = await wait_for_stage(api, case_id, "awaiting-acknowledgement")
        await skip(skipping_env, timedelta(hours=25))
        status = ok(await api.get(f"/reports/{case_id}"))
        assert [e["deadline_id"] for e in status["escalations"]][-1].startswith("acknowledgement")
        await staff_decide(http, agency_url, status["deliveries"][0]["reference_number"])
        await wait_for_stage(api, case_id, "closed")
        await keep(skipping.client, case_id)


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


# --- recorded with every duty tracked: 'decisions-tracked', 'contacts-each-tracked' -----------


async def test_us_ca_court_order_consultation_as_a_duty(api, stack, callers, keep) -> None:
    """The consultation awaiting the supervisor as a duty of its own, met when approved; the
    response to the court a contact duty of its own."""
    await test_us_ca_court_order_consultation_approved(api, stack, callers, keep)


async def test_us_ca_danger_to_others_each_contact_a_duty(api, stack, keep) -> None:
    """Each warning to each person at risk a duty of its own, one met at once, one once every
    effort was made."""
    await test_us_ca_danger_to_others_contact_attempts(api, stack, keep)


async def test_us_ca_disclosure_exceptions_as_duties(api, stack, callers, keep) -> None:
    """Each exception awaiting a second person a duty: decided (approved, refused), or lapsed
    undecided when the report is confirmed."""
    await test_us_ca_disclosure_exception_approved_after_limiting(api, stack, callers, keep)
