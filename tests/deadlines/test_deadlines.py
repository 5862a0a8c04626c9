"""Legal deadlines are durable timers counted from the moment the suspicion was formed, and they
escalate (practitioner, then supervisor, then compliance) before they pass. Time is skipped by
the test server, never waited for."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from dutyflow.demo import example_case as scenario
from dutyflow.runtime.serving import bind, serve
from dutyflow.store import audit_log
from tests.conftest import serve_api
from tests.reporting import confirm, document_grounds, ok, open_report, record_phone_report


async def skip(env, duration: timedelta, step: timedelta = timedelta(hours=1)) -> None:
    """Skip in steps: the test server processes every retry and timer on the way."""
    while duration > timedelta(0):
        await env.sleep(min(step, duration))
        duration -= step


class Unavailable(BaseHTTPRequestHandler):
    """An agency that is down: 503, come back in an hour."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(503)
        self.send_header("Retry-After", "3600")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


async def escalations(api, case_id: str) -> list[tuple[str, str]]:
    status = ok(await api.get(f"/reports/{case_id}"))
    return [(e["deadline_id"], e["notify"]) for e in status["escalations"]]


async def test_the_phone_report_escalates_within_minutes_and_before_it_is_due(
    skipping_stack, skipping_env, http, executor
) -> None:
    async with skipping_stack.new_worker(http, executor), serve_api(skipping_stack) as api:
        case_id = await open_report(api)
        status = await document_grounds(api, case_id, scenario.grounds_submission())
        assert status["stage"] == "awaiting-phone-report"
        task = status["phone_task"]
        assert task["phone_number"] == "+1 555 0100"
        assert "Sam Example" in task["script"]
        assert "Adjustment disorder" not in task["script"]  # clinical context is withheld

        await skip(skipping_env, timedelta(minutes=16))

        status = ok(await api.get(f"/reports/{case_id}"))
        phone = [e for e in status["escalations"] if e["deadline_id"] == "phone-report"]
        assert [e["notify"] for e in phone] == ["practitioner", "supervisor", "compliance"]
        assert all(e["escalated_at"] < e["due_at"] for e in phone)
        # No worker will serve this case after the test; on the time-skipping server an
        # unserved case would hold the clock for the next test.
        await skipping_stack.client.get_workflow_handle(case_id).terminate("test finished")


async def test_agency_down_for_the_whole_window_escalates_and_nothing_is_lost(
    skipping_stack, skipping_env, http, executor, tmp_path, agency_secrets
) -> None:
    from dutyflow.domain.agencies import AgencyDirectory
    from dutyflow.intake.app import create_app

    outage = ThreadingHTTPServer(("127.0.0.1", 0), Unavailable)  # the agency's maintenance page
    threading.Thread(target=outage.serve_forever, daemon=True).start()
    port = outage.server_port
    folder = tmp_path / "agencies"
    folder.mkdir()
    (folder / "us-ca.yaml").write_text(
        "jurisdiction: US-CA\nagencies:\n"
        "  - id: demo-county-cws\n    name: Demo County Child Welfare Services\n"
        "    role: county-child-welfare\n    county: Demo County\n    phone: '+1 555 0100'\n"
        f"    intake_url: http://127.0.0.1:{port}/agencies/demo-county-cws/reports\n"
    )
    stack = dataclasses.replace(skipping_stack, directory=AgencyDirectory.load(folder, "unused"))
    async with stack.new_worker(http, executor), serve_api(stack) as api:
        case_id = await open_report(api)
        await document_grounds(api, case_id, scenario.grounds_submission())
        await record_phone_report(api, case_id)
        await confirm(api, case_id)

        await skip(skipping_env, timedelta(hours=35))

        status = ok(await api.get(f"/reports/{case_id}"))
        # The policy's attempts spent, the delivery is the practitioner's task; the
        # deadline's ladder ran all the same.
        assert status["stage"] == "delivery-refused" and status["deliveries"] == []
        written = [e for e in status["escalations"] if e["deadline_id"] == "written-report"]
        assert [e["notify"] for e in written] == ["practitioner", "supervisor", "compliance"]
        assert all(e["escalated_at"] < e["due_at"] for e in written)

        outage.shutdown()
        outage.server_close()
        db = tmp_path / "agency.db"
        back = bind("127.0.0.1", port, "agency")
        agency = await serve(create_app(f"sqlite:///{db}", secrets=stack.secrets), back, "agency")
        try:
            await skip(skipping_env, timedelta(minutes=15))
            # The agency is back: the practitioner sends the report again.
            ok(
                await api.post(
                    f"/reports/{case_id}/retry-delivery",
                    json={
                        "practitioner_id": scenario.opening_request()["practitioner_id"],
                        "recipient_id": "county-child-welfare",
                    },
                )
            )
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 60
            while (status := ok(await api.get(f"/reports/{case_id}")))["stage"] != "closed":
                assert loop.time() < deadline, status["stage"]
                await skip(skipping_env, timedelta(minutes=1))
            inbox = ok(await http.get(f"{agency.url}/agencies/demo-county-cws/reports"))
        finally:
            await agency.stop()
    assert [r["case_reference"] for r in inbox] == [case_id]
    assert status["outcome"]["all_on_time"] is True  # delivered within the 36 hours after all
    with stack.sessions() as session:
        entries = audit_log.entries_for_case(session, case_id)
    steps = [e.step for e in entries]
    assert steps.count("deadline-escalated") >= 3 and steps.count("report-delivered") == 1
    delivery_attempts = [
        e
        for e in entries
        if e.step == "activity-started" and e.details["activity"] == "deliver_report"
    ]
    # The policy's attempts (an hour apart, as the agency's Retry-After asked), then the one the
    # practitioner asked for: never an endless loop of disclosures.
    policy = stack.policies.in_effect("US-CA", "child-abuse", date.today())
    assert len(delivery_attempts) == policy.delivery_attempts + 1


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
